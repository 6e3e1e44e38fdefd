"""Is this machine's own speed steady? One thread alternates half a second of a compute-bound loop (a 256x256 float64
matrix product, NumPy) with half a second of a memory-bound one (copying 8 MB), for ``--seconds`` (issue 22).

    python scripts/benchmarks/machine_drift.py --seconds 100 --name machine_drift_zen4

Run it alone on a quiet machine: it tells whether stretches of slower calls in a benchmark (``stylize_drift.py``) can
come from the machine (a virtual CPU sharing its core with another tenant, a clock change) rather than the library.
Writes ``results/NAME.md`` and ``.csv``: every pair of half-seconds, and per 5 seconds the medians.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one thread, before NumPy loads its BLAS
import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def rate(fn, work, seconds=0.5):
    """``work`` units per second of calling ``fn`` back to back for ``seconds``."""
    start, calls = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        fn()
        calls += 1
    return calls * work / (time.perf_counter() - start)


def main(argv=None):
    import pandas as pd

    import toolbox_small_data as tsd

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=100)
    p.add_argument("--name", default="machine_drift")
    args = p.parse_args(argv)
    source, target = np.ones(1 << 20), np.empty(1 << 20)  # 8 MB of float64 each
    matrix = np.random.default_rng(0).random((256, 256))
    rows, end = [], time.time() + args.seconds
    while time.time() < end:
        gflops = rate(lambda: matrix @ matrix, 2 * 256**3 / 1e9)
        gbytes = rate(lambda: np.copyto(target, source), 2 * source.nbytes / 1e9)  # read + write
        rows.append(dict(second=len(rows), matmul_gflop_s=gflops, copy_gb_s=gbytes))
    df = pd.DataFrame(rows)
    out = HERE / "results" / args.name
    df.to_csv(f"{out}.csv", index=False)
    lines = ["# This machine's speed over time, one thread (issue 22)", "",
             f"- Regenerate: `python scripts/benchmarks/machine_drift.py --seconds {args.seconds:g} "
             f"--name {args.name}`.",
             f"- Measured {datetime.datetime.now():%Y-%m-%d %H:%M}; CPU: {tsd.cpu_note()}; NumPy {np.__version__}.",
             "- Each second: half a second of 256x256 float64 matrix products, half a second of 8 MB copies.", "",
             "| seconds | matmul GFLOP/s, median | copy GB/s (read + write), median |", "|---|---|---|"]
    for start in range(0, len(rows), 5):
        block = rows[start : start + 5]
        lines.append(f"| {start}-{start + len(block) - 1} | "
                     f"{statistics.median(r['matmul_gflop_s'] for r in block):.0f} | "
                     f"{statistics.median(r['copy_gb_s'] for r in block):.0f} |")
    for column, what in (("matmul_gflop_s", "matmul"), ("copy_gb_s", "copy")):
        lines.append(f"\n{what}: fastest second / slowest {df[column].max() / df[column].min():.2f}, "
                     f"median {df[column].median():.1f}")
    Path(f"{out}.md").write_text("\n".join(lines) + "\n")
    print(Path(f"{out}.md").read_text())


if __name__ == "__main__":
    main()
