"""AdaIN stylizing call by call: does a process run at one speed, or does its speed drift while it runs? (issue 22)

    python scripts/benchmarks/stylize_drift.py --processes 3 --images 200 --name stylize_drift_zen4 \\
        --torch-python /tmp/torchvenv/bin/python

keras_gans's bfloat16 stylizing at 256x256 landed at about 4.1 or about 4.5 images/s from one benchmark process to the
next (``precision.py``'s ``adain256stylize`` row times 4 images a process). Here each process stylizes ``--images``
images after 1 (``bench_adain.py``'s workers, which keep every call's time): keras_gans in bfloat16, the same with each
``--keras-env`` setting (e.g. ``TF_CPU_ALLOCATOR_USE_BFC=true``), and with ``--torch-python`` the PyTorch twin at its
best (bf16 autocast + channels-last + ``torch.compile``), fresh processes in turn, ``--processes`` rounds. Per process:
the median call, the median of each block of 10 consecutive calls, and the slowest block over the fastest. A drift
inside one process shows as blocks that differ as much as processes do. Writes ``results/NAME.md`` and ``.csv``.
"""

import argparse
import datetime
import json
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import benchmark  # noqa: E402  (_spawn: a worker in a fresh process)
from precision import adain_config  # noqa: E402  (the adain256stylize row's settings)

BLOCK = 10


def variants(args):
    """(name, worker settings, Python, extra environment) of each configuration."""
    cfg = adain_config("adain256stylize", 0, args.images)
    out = [("keras_gans bf16", dict(cfg, framework="keras_gans", precision="mixed_bfloat16"), None, {})]
    for setting in args.keras_env:
        key, _, value = setting.partition("=")
        out.append((f"keras_gans bf16, {setting}", out[0][1], None, {key: value}))
    if args.torch_python:
        out.append(("torch bf16 + channels-last + compile", dict(cfg, framework="torch", bf16=True, channels_last=True,
                                                                 compile=True), args.torch_python, {}))
    return out


def summary(calls_s):
    ms = [1e3 * s for s in calls_s]
    blocks = [statistics.median(ms[i : i + BLOCK]) for i in range(0, len(ms) - BLOCK + 1, BLOCK)]
    return statistics.median(ms), blocks


def main(argv=None):
    import pandas as pd

    import toolbox_small_data as tsd

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--processes", type=int, default=3, help="rounds; each runs every configuration once")
    p.add_argument("--images", type=int, default=200, help="timed stylizing calls a process")
    p.add_argument("--keras-env", nargs="*", default=[], help="KEY=VALUE: one more keras_gans configuration each")
    p.add_argument("--torch-python", default=None, help="a Python with torch for the twin (none: keras_gans only)")
    p.add_argument("--name", default="stylize_drift")
    args = p.parse_args(argv)
    rows = []
    for round_ in range(args.processes):
        for name, cfg, python, env in variants(args):
            res = benchmark._spawn([str(HERE / "bench_adain.py"), "--worker", json.dumps(cfg)], env_extra=env,
                                   python=python, timeout=3600)
            median, blocks = summary(res["call_s"])
            rows.append(dict(round=round_, config=name, median_ms=median, images_per_s=res["per_s"],
                             blocks_ms=" ".join(f"{b:.0f}" for b in blocks), block_spread=max(blocks) / min(blocks)))
            print(rows[-1], flush=True)
    out = HERE / "results" / args.name
    pd.DataFrame(rows).to_csv(f"{out}.csv", index=False)
    flags = f" --processes {args.processes} --images {args.images}"
    flags += (" --keras-env " + " ".join(args.keras_env)) if args.keras_env else ""
    flags += f" --torch-python {args.torch_python}" if args.torch_python else ""
    lines = ["# AdaIN 256x256 stylizing, call by call (issue 22)", "",
             f"- Regenerate: `python scripts/benchmarks/stylize_drift.py{flags} --name {args.name}`.",
             f"- Measured {datetime.datetime.now():%Y-%m-%d %H:%M}; commit {tsd.git_commit(['keras_gans'])}; "
             f"CPU: {tsd.cpu_note()}.",
             f"- Each row one fresh process: {args.images} calls after 1, one 256x256 content and style image "
             f"each; blocks are the medians of {BLOCK} consecutive calls, in order.", "",
             f"| round | configuration | median call, ms | images/s | blocks of {BLOCK} calls, ms | "
             "slowest / fastest block |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['round']} | {r['config']} | {r['median_ms']:.1f} | {r['images_per_s']:.2f} | "
                     f"{r['blocks_ms']} | {r['block_spread']:.2f} |")
    Path(f"{out}.md").write_text("\n".join(lines) + "\n")
    print(Path(f"{out}.md").read_text())


if __name__ == "__main__":
    main()
