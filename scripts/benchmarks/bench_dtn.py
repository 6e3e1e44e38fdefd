"""Training throughput of the Domain Transfer Network (``python scripts/benchmarks/benchmark.py dtn``).

One ``train_step`` is one D update and one g update on a batch of ``B`` source and ``B`` target
images (f forward on both, g forward twice, D on three batches, f backward through G(source)).
``source_images_per_s`` counts source images (= target images). Synthetic uint8 data through
``keras_gans.datasets.make_domain_dataset``; the paper's/reference widths (f 64, g 64, D 128) and
the CPU widths of the README experiment (f 32, g 32, D 64). Each configuration runs in its own
subprocess (peak RSS is that configuration's). Writes
``scripts/benchmarks/results/dtn.md`` and ``.csv``.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent  # scripts/benchmarks
REPO = HERE.parents[1]
RESULTS = HERE / "results"
CONFIGS = {"paper": dict(f_filters=64, g_filters=64, d_filters=128),
           "cpu": dict(f_filters=32, g_filters=32, d_filters=64)}


def worker(cfg):
    import numpy as np

    sys.path.insert(0, str(REPO))
    import keras

    import keras_gans
    from keras_gans.datasets import make_domain_dataset

    keras.utils.set_random_seed(0)
    batch = cfg["batch"]
    rng = np.random.default_rng(0)
    source = rng.integers(0, 256, (4 * batch, 32, 32, 3), dtype=np.uint8)
    target = rng.integers(0, 256, (4 * batch, 32, 32, 1), dtype=np.uint8)
    data = make_domain_dataset(source, target, batch_size=batch, seed=0, repeat=True)
    model = keras_gans.DTN(seed=0, **CONFIGS[cfg["widths"]])
    model.compile(jit_compile=cfg["jit"])
    times = []

    class Timer(keras.callbacks.Callback):
        def on_train_batch_end(self, batch_index, logs=None):
            times.append(time.perf_counter())

    cpu0, start = time.process_time(), time.perf_counter()
    model.fit(data, steps_per_epoch=cfg["warmup"] + cfg["steps"], epochs=1, verbose=0, callbacks=[Timer()])
    cpu = time.process_time() - cpu0
    elapsed = times[-1] - times[cfg["warmup"] - 1]
    return {"widths": cfg["widths"], "batch": batch, "jit": cfg["jit"],
            "source_images_per_s": round(cfg["steps"] * batch / elapsed, 1),
            "steps_per_s": round(cfg["steps"] / elapsed, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
            "notes": f"first step {times[0] - start:.1f}s; cores {cpu / (times[-1] - start):.2f}; "
                     f"load {os.getloadavg()[0]:.1f}"}


def write_results(rows, steps, warmup):
    """``scripts/benchmarks/results/dtn.csv`` and ``dtn.md`` from the workers' rows."""
    import pandas as pd

    df = pd.DataFrame(rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    df.to_csv(RESULTS / "dtn.csv", index=False)
    lines = [f"DTN 32x32x3 -> 32x32x1, synthetic data, steps={steps} warmup={warmup} cpus={os.cpu_count()} "
             f"({time.strftime('%Y-%m-%d %H:%M')})", "", "| " + " | ".join(df.columns) + " |",
             "|" + " --- |" * len(df.columns)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in df.itertuples(index=False)]
    (RESULTS / "dtn.md").write_text("\n".join(lines) + "\n")


def main(argv=None):
    p = argparse.ArgumentParser(prog="benchmark.py dtn", description=__doc__.splitlines()[0])
    p.add_argument("--batch-size", type=int, nargs="+", default=[64])
    p.add_argument("--widths", nargs="+", default=["paper", "cpu"], choices=sorted(CONFIGS))
    p.add_argument("--jit", action="store_true", help="also measure jit_compile=True")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        print("RESULT " + json.dumps(worker(json.loads(args.worker))))
        return 0
    rows = []
    for widths in args.widths:
        for batch in args.batch_size:
            for jit in ([False, True] if args.jit else [False]):
                cfg = dict(widths=widths, batch=batch, jit=jit, warmup=args.warmup, steps=args.steps)
                proc = subprocess.run([sys.executable, __file__, "--worker", json.dumps(cfg)], capture_output=True,
                                      text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
                if proc.returncode != 0 or "RESULT " not in proc.stdout:
                    raise SystemExit(f"worker failed for {cfg}:\n{proc.stderr[-3000:]}")
                rows.append(json.loads(proc.stdout.split("RESULT ", 1)[1]))
                print(rows[-1])
    write_results(rows, args.steps, args.warmup)
    return 0


if __name__ == "__main__":
    sys.exit(main())
