"""``keras-gans results [RUNS]``: gather run folders into one table (CSV + markdown) and plot
each run's loss and metric curves."""

import os

from keras_gans.cli.errors import BadInput, user_input
from keras_gans.evaluation.results import gather_runs, plot_history, to_markdown, write_table


def add_results_command(commands):
    p = commands.add_parser("results", help="table of all runs under a folder (CSV + markdown) and their curves (PNG)")
    p.add_argument("runs", nargs="?", default="runs", help="folder holding run folders (default runs)")
    p.add_argument("--out", default=None, help="output stem (default RUNS/results)")
    p.add_argument("--no-plots", action="store_true", help="do not write RUN/curves.png")
    p.set_defaults(func=cmd_results)


def cmd_results(args):
    with user_input():  # a --runs folder that does not exist
        table = gather_runs(args.runs)
    if table.empty:
        raise BadInput(f"no run folders (with a history.csv) under {args.runs}")
    if not args.no_plots:
        for run in table["run"]:
            plot_history(os.path.join(args.runs, run), os.path.join(args.runs, run, "curves.png"), title=run)
    print(to_markdown(table), end="")
    csv, md = write_table(table, args.out or os.path.join(args.runs, "results"))
    print(f"keras-gans: wrote {csv} and {md}" + ("" if args.no_plots else " and RUN/curves.png for each run"))
    return 0
