"""README's first command timed as a newcomer runs it: ``keras-gans train dcgan --epochs 5`` on the embedded
Fashion-MNIST images, in a fresh empty folder, each run a new process, precisions interleaved.

    python scripts/benchmarks/first_run.py --rounds 3 --name first_run_amx

Per run: the wall time of the whole command (TensorFlow's import, the data, 5 epochs of 93 steps, the sample grids,
checkpoints, ``model.keras`` and the SavedModel export), the median of the Keras progress bar's final
``ms/step`` of each epoch, and the exit status (must be 0). ``--precisions`` defaults
to ``float32`` (the command's default) and ``auto`` (bfloat16 on an AMX CPU, see docs/training.md). Writes
``results/NAME.md`` and ``.csv``.
"""

import argparse
import datetime
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from precision import spread  # noqa: E402  ("median (min-max)", as precision.py writes it)
import toolbox_small_data as tsd  # noqa: E402  (CPU note, commit)

COMMAND = ["train", "dcgan", "--epochs", "5"]


def one_run(precision):
    """(wall seconds, median ms/step of the epochs) of one run in a fresh folder."""
    keras_gans = shutil.which("keras-gans", path=str(Path(sys.executable).parent)) or "keras-gans"
    extra = [] if precision == "float32" else ["--precision", precision]
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        out = subprocess.run([keras_gans, *COMMAND, *extra], cwd=folder, capture_output=True, text=True,
                             stdin=subprocess.DEVNULL, timeout=1800)
        wall = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"keras-gans exited {out.returncode}: {out.stderr[-2000:]}")
    # each epoch's progress bar ends with "93/93 ━━━━ 5s 54ms/step - ...": its last ms/step, colour codes removed
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out.stdout)
    per_epoch = [float(re.findall(r"93/93\s+\S+\s+\d+s\s+(\d+)ms/step", epoch)[-1])
                 for epoch in plain.split("Epoch ")[1:] if "93/93" in epoch]
    if len(per_epoch) != 5:
        raise SystemExit(f"expected 5 epochs' ms/step in the output, found {per_epoch}")
    return wall, statistics.median(per_epoch)


def main(argv=None):
    import pandas as pd

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--precisions", nargs="+", default=["float32", "auto"])
    p.add_argument("--name", default="first_run")
    p.add_argument("--out", default=str(HERE / "results"))
    args = p.parse_args(argv)
    rows = []
    for round_ in range(args.rounds):
        order = args.precisions[round_ % len(args.precisions):] + args.precisions[:round_ % len(args.precisions)]
        for precision in order:
            wall, ms = one_run(precision)
            rows.append(dict(round=round_, precision=precision, wall_s=round(wall, 1), ms_per_step=ms))
            print(rows[-1], flush=True)
    frame = pd.DataFrame(rows)
    stem = Path(args.out) / args.name
    frame.to_csv(f"{stem}.csv", index=False)
    lines = [f"# README's first command, timed ({args.name})", "",
             f"- Regenerate: `python scripts/benchmarks/first_run.py --rounds {args.rounds} --precisions "
             f"{' '.join(args.precisions)} --name {args.name}`. Method: the script's docstring.",
             f"- Measured {datetime.datetime.now():%Y-%m-%d %H:%M}; commit {tsd.git_commit(['keras_gans'])}.",
             f"- CPU: {tsd.cpu_note()}.", "",
             "| `keras-gans train dcgan --epochs 5` | wall s, median (range) | ms/step, median (range) | runs |",
             "|---|---|---|---|"]
    for precision in args.precisions:
        part = frame[frame.precision == precision]
        label = "float32 (the default)" if precision == "float32" else f"`--precision {precision}`"
        lines.append(f"| {label} | {spread(list(part.wall_s), '{:.1f}')} | "
                     f"{spread(list(part.ms_per_step))} | {len(part)} |")
    Path(f"{stem}.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {stem}.md")


if __name__ == "__main__":
    main()
