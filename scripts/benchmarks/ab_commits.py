"""A library change against the commit before it, in whole training steps (or AdaIN stylizing calls): each commit's
own ``keras_gans`` run by ``benchmark.py``'s worker (or ``bench_translation.py``'s, ``bench_adain.py``'s) in fresh
processes, interleaved (issue 22).

    python scripts/benchmarks/ab_commits.py --base HEAD~1 --rounds 3 --name kernel_grad_s2d_ab
    python scripts/benchmarks/ab_commits.py --base HEAD~1 --row cyclegan256b1 --precisions mixed_bfloat16 --name NAME
    python scripts/benchmarks/ab_commits.py --base HEAD~1 --row adain256train --rounds 3 --name NAME

The base commit is checked out into a temporary git worktree; the working tree (with any uncommitted changes) is
the other side. Every round runs each precision's two sides once, in an alternating order, each a new process
whose ``keras_gans`` comes from its own tree (the worker puts its tree first on ``sys.path``, ahead of an editable
install). ``--row dcgan`` (the default): DCGAN 32x32x3, batch 128, synthetic data, ``--steps`` timed after
``--warmup``; ``--row pix2pix256b1`` / ``pix2pix256b4`` / ``cyclegan256b1``: the paper networks at 256x256, the median
of ``--translation-steps`` training steps after 1; ``--row adain256train`` / ``adain256stylize``: AdaIN at 256x256,
``--adain-steps`` training steps at batch 8 (steps/s) or ``--adain-images`` stylized images (images/s) after 1
(``precision.py``'s rows of the same names). Writes ``results/NAME.md`` and ``.csv``: per precision and side the
median (range) throughput and peak memory, and the ratio of the medians.
"""

import argparse
import datetime
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
import bench_translation  # noqa: E402  (the translation worker)
import benchmark  # noqa: E402  (run_keras: the DCGAN worker in a fresh process)
from precision import (  # noqa: E402  (rows, their settings; format)
    ROWS, adain_config, dcgan_config, number_format, spread, translation_config)
import toolbox_small_data as tsd  # noqa: E402  (CPU note, commit)


def git(*args):
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--base", default="HEAD~1", help="the commit to compare with (default HEAD~1)")
    p.add_argument("--row", default="dcgan", choices=list(ROWS))
    p.add_argument("--precisions", nargs="+", default=["mixed_bfloat16", "float32"])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--translation-steps", type=int, default=3, help="Pix2Pix/CycleGAN timed steps (median)")
    p.add_argument("--adain-steps", type=int, default=2, help="AdaIN timed training steps")
    p.add_argument("--adain-images", type=int, default=4, help="AdaIN timed stylized images")
    p.add_argument("--out", default=str(HERE / "results"))
    p.add_argument("--name", default="ab_commits")
    args = p.parse_args(argv)
    base = git("rev-parse", "--short", args.base)
    work = tsd.git_commit(["keras_gans"])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "base"
        git("worktree", "add", "--detach", str(tree), base)
        try:
            sides = {f"base {base}": tree, f"this tree {work}": REPO}
            for round_ in range(args.rounds):
                for precision in args.precisions:
                    names = list(sides) if round_ % 2 == 0 else list(sides)[::-1]
                    for side in names:
                        value, res = measure(args, sides[side], precision)
                        rows.append(dict(round=round_, precision=precision, side=side, per_s=value,
                                         peak_rss_mb=res["peak_rss_mb"], notes=res["notes"]))
                        print(f"round {round_} {precision} {side}: {value:.4g} {ROWS[args.row][1]}", flush=True)
        finally:
            git("worktree", "remove", "--force", str(tree))
    write(rows, args, base, work)


def measure(args, tree, precision):
    """(throughput, the worker's result) of ``args.row`` with the ``keras_gans`` of ``tree``, a new process."""
    kind = ROWS[args.row][2]["kind"]
    if kind == "adain":
        cfg = dict(adain_config(args.row, args.adain_steps, args.adain_images), framework="keras_gans",
                   precision=precision)
        res = benchmark._spawn([str(tree / "scripts" / "benchmarks" / "bench_adain.py"), "--worker", json.dumps(cfg)],
                               timeout=3600)
        return res["per_s"], res
    if kind == "dcgan":
        cfg = dict(dcgan_config(args.steps, args.warmup), precision=precision)
        res = benchmark.run_keras(cfg, script=tree / "scripts" / "benchmarks" / "benchmark.py")
        return res["images_per_s"], res
    cfg = dict(translation_config(args.row, args.translation_steps), precision=precision)
    res = bench_translation.run_keras(cfg, 3600, script=tree / "scripts" / "benchmarks" / "bench_translation.py")
    return res["train_images_per_s"], res


def write(rows, args, base, work):
    import pandas as pd

    stem = Path(args.out) / args.name
    pd.DataFrame(rows).to_csv(f"{stem}.csv", index=False)
    kind, unit = ROWS[args.row][2]["kind"], ROWS[args.row][1]
    row = {"dcgan": "", "translation": f" --row {args.row} --translation-steps {args.translation_steps}",
           "adain": f" --row {args.row} --adain-steps {args.adain_steps} --adain-images {args.adain_images}"}[kind]
    steps = {"dcgan": f"{args.steps} timed steps after {args.warmup}",
             "translation": f"the median of {args.translation_steps} steps after 1",
             "adain": f"{args.adain_steps} timed training steps or {args.adain_images} stylized images after 1"}[kind]
    lines = [f"# {work} against {base}, {ROWS[args.row][0]} ({args.name})", "",
             f"- Regenerate: `python scripts/benchmarks/ab_commits.py --base {base}{row} --precisions "
             f"{' '.join(args.precisions)} --rounds {args.rounds} --name {args.name}` at {work}. Method: the "
             "script's docstring.",
             f"- Measured {datetime.datetime.now():%Y-%m-%d %H:%M}; CPU: {tsd.cpu_note()}.",
             f"- {args.rounds} rounds, {steps}, synthetic data, fresh processes.",
             "", f"| precision | side | {unit}, median (range) | peak memory MB | runs |", "|---|---|---|---|---|"]
    for precision in args.precisions:
        medians = {}
        for side in dict.fromkeys(r["side"] for r in rows):
            values = [r["per_s"] for r in rows if r["precision"] == precision and r["side"] == side]
            peaks = [r["peak_rss_mb"] for r in rows if r["precision"] == precision and r["side"] == side]
            medians[side] = statistics.median(values)
            lines.append(f"| {precision} | {side} | {spread(values, number_format(values))} | "
                         f"{statistics.median(peaks):.0f} | {len(values)} |")
        (b, vb), (w, vw) = medians.items()
        lines.append(f"| {precision} | ratio of the medians, this tree / base | **{vw / vb:.3f}** | | |")
    Path(f"{stem}.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {stem}.md")


if __name__ == "__main__":
    main()
