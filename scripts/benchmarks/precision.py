"""DCGAN 32x32x3 batch 128 training throughput in float32 and bfloat16, keras_gans and its PyTorch twin, side by
side in one run (issue 22).

    python scripts/benchmarks/precision.py                  # 3 rounds, 20 timed steps each
    python scripts/benchmarks/precision.py --rounds 5 --steps 30
    python scripts/benchmarks/precision.py --torch-python /tmp/torchvenv/bin/python   # torch in another venv

Configurations, each run in a fresh process per round, the rounds interleaved (every round runs every
configuration once, in a rotated order, so drift of the machine falls on all of them alike):

- ``keras float32``: ``keras_gans.DCGAN(image_shape=(32, 32, 3))`` (``scripts/benchmarks/benchmark.py``'s worker:
  synthetic images, ``fit`` with warm-up steps excluded from the clock);
- ``keras mixed_bfloat16``: the same with ``precision="mixed_bfloat16"``;
- ``torch float32``: ``scripts/benchmarks/torch_twins/torch_dcgan.py``, the same networks and step;
- ``torch bf16 autocast + channels-last``: the twin at its best on a bfloat16 CPU (``--bf16 --channels-last``).

Writes ``--out``/NAME.csv (every run) and NAME.md (median and range of images/s and peak memory per
configuration, and the keras/torch ratios of the medians). Both frameworks use the machine's 2 threads.
"""

import argparse
import datetime
import os
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import benchmark  # noqa: E402  (the keras and torch workers)
import toolbox_small_data as tsd  # noqa: E402  (CPU note, commit)

CONFIGS = {
    "keras float32": dict(precision="float32"),
    "keras mixed_bfloat16": dict(precision="mixed_bfloat16"),
    "torch float32": (),
    "torch bf16 autocast + channels-last": ("--bf16", "--channels-last"),
}


def run(name, args):
    if name.startswith("keras"):
        cfg = dict(model="DCGAN", image_size=32, channels=3, batch=args.batch_size, steps=args.steps,
                   warmup=args.warmup, data="synthetic", **CONFIGS[name])
        return benchmark.run_keras(cfg)
    return benchmark.run_torch(args.batch_size, 32, args.steps, args.warmup, extra=CONFIGS[name],
                               python=args.torch_python)


def spread(values, fmt="{:.0f}"):
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def main(argv=None):
    import pandas as pd

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--torch-python", default=None, help="a Python with torch for the twin (default this one)")
    p.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    p.add_argument("--out", default=str(benchmark.RESULTS))
    p.add_argument("--name", default="precision_dcgan")
    args = p.parse_args(argv)
    rows, load_before = [], os.getloadavg()[0]
    for round_ in range(args.rounds):
        order = args.configs[round_ % len(args.configs):] + args.configs[:round_ % len(args.configs)]
        for name in order:
            row = dict(run(name, args), config=name, round=round_)
            rows.append(row)
            print(f"round {round_} {name}: {row['images_per_s']:.0f} images/s, {row['peak_rss_mb']:.0f} MB",
                  flush=True)
    stem = Path(args.out) / args.name
    pd.DataFrame(rows).to_csv(f"{stem}.csv", index=False)
    medians = {name: statistics.median(r["images_per_s"] for r in rows if r["config"] == name)
               for name in args.configs}
    table = ["| configuration | images/s, median (range) | peak memory MB | notes (first run) |", "|---|---|---|---|"]
    for name in args.configs:
        runs = [r for r in rows if r["config"] == name]
        table.append(f"| {name} | {spread([r['images_per_s'] for r in runs])} | "
                     f"{spread([r['peak_rss_mb'] for r in runs])} | {runs[0]['notes']} |")
    ratios = []
    for keras_name in [n for n in args.configs if n.startswith("keras")]:
        for torch_name in [n for n in args.configs if n.startswith("torch")]:
            ratios.append(f"| {keras_name} / {torch_name} | {medians[keras_name] / medians[torch_name]:.2f} |")
    Path(f"{stem}.md").write_text("\n".join([
        "# DCGAN 32x32x3 batch 128: float32 and bfloat16, keras_gans and the PyTorch twin", "",
        f"- Regenerate: `python scripts/benchmarks/precision.py --rounds {args.rounds} --steps {args.steps} "
        f"--warmup {args.warmup}`. Method: the script's docstring.",
        f"- Measured {datetime.datetime.now():%Y-%m-%d %H:%M}; commit {tsd.git_commit(['keras_gans'])}; 1-minute "
        f"load before: {load_before:.1f}.",
        f"- CPU: {tsd.cpu_note()}.",
        f"- {args.rounds} rounds, configurations interleaved (rotated order), each run a new process; "
        f"{args.steps} timed steps after {args.warmup} warm-up steps; synthetic images.", "",
        *table, "", "Ratios of the medians:", "", "| keras_gans / torch | ratio |", "|---|---|", *ratios, ""]))
    print(f"wrote {stem}.md")


if __name__ == "__main__":
    main()
