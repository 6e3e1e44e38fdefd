"""Pix2Pix and CycleGAN throughput: keras_gans vs PyTorch twins of the same networks, one run.

Usage::

    python scripts/benchmark.py translation                       # 256 and 128, batch 1 and 4
    python scripts/benchmark.py translation --sizes 128 --batches 1 --steps 5

Each configuration runs in its own process (keras_gans, then the torch twin right after it, so
both see the same machine load; ``--repeats N`` alternates them N times and reports the medians
over the N processes, since a process's speed here can differ by 15-20 % from the next one's):
``warmup`` training steps, then ``steps`` timed ones, then one
untimed and ``infer_steps`` timed inference batches (``model.translate``'s compiled function;
torch ``no_grad``). Both sides report the median step and the median inference call, timed one
by one, so one slow step (this shared 2-core machine drifts by 15-20 %) does not decide a ratio.
The networks are the papers' defaults (U-Net 256/128 + 70x70 PatchGAN; ResNet 9/6 blocks + two
PatchGANs) on random RGB images. Writes ``scripts/results/translation.{csv,md}``.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COLUMNS = ["model", "image_size", "batch", "framework", "train_images_per_s", "infer_images_per_s", "peak_rss_mb",
           "notes"]


def worker(cfg):
    import numpy as np
    import tensorflow as tf

    sys.path.insert(0, str(REPO))
    import keras

    import keras_gans

    keras.utils.set_random_seed(0)
    size, batch = cfg["image_size"], cfg["batch"]
    cls = {"pix2pix": keras_gans.Pix2Pix, "cyclegan": keras_gans.CycleGAN}[cfg["model"]]
    model = cls(image_size=size, seed=0)
    model.compile()
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (batch, size, size, 3)).astype("float32")
    ds = tf.data.Dataset.from_tensors((images, images[::-1].copy())).repeat()
    warmup, steps = cfg["warmup"], cfg["steps"]
    ends = []  # (wall, CPU) time at the end of every step

    class Timer(keras.callbacks.Callback):
        def on_train_batch_end(self, i, logs=None):
            ends.append((time.perf_counter(), time.process_time()))

    load = os.getloadavg()[0]
    start = time.perf_counter()
    model.fit(ds, steps_per_epoch=warmup + steps, epochs=1, verbose=0, callbacks=[Timer()])
    (t0, c0), (t1, c1) = ends[warmup - 1], ends[-1]
    step_s = np.diff([t for t, _ in ends[warmup - 1:]])
    cores = (c1 - c0) / (t1 - t0)
    run = model._translate_fn("AtoB")
    x = tf.constant(images)
    run(x).numpy()
    call_s = []
    for _ in range(cfg["infer_steps"]):
        call_start = time.perf_counter()
        run(x).numpy()
        call_s.append(time.perf_counter() - call_start)
    return {"model": cfg["model"], "image_size": size, "batch": batch, "framework": "keras_gans",
            "train_images_per_s": batch / np.median(step_s), "infer_images_per_s": batch / np.median(call_s),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
            "notes": f"params {model.count_params():,}; first {warmup} step(s) + trace "
                     f"{t0 - start:.0f}s; {spread(step_s)}; cores {cores:.2f}; load {load:.1f}"}


def spread(step_s):
    """The timed steps' range, for the notes column: how much this run drifted."""
    return f"steps {min(step_s):.2f}-{max(step_s):.2f}s"


def markdown_table(df, digits=2):
    """``df`` as a GitHub markdown table (no ``tabulate`` needed)."""
    def fmt(v):
        if v is None or (isinstance(v, float) and v != v):
            return ""
        return f"{v:.{digits}f}" if isinstance(v, float) else str(v)

    rows = [list(df.columns), ["---"] * len(df.columns)] + [[fmt(v) for v in row] for row in df.itertuples(False)]
    return "\n".join("| " + " | ".join(r) + " |" for r in rows)


def _spawn(argv, timeout):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")
    proc = subprocess.run([sys.executable, *argv], capture_output=True, text=True, env=env, timeout=timeout, cwd=REPO)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(argv[:3])} failed (exit {proc.returncode}): "
                           + "\n".join((proc.stdout + proc.stderr).splitlines()[-15:]))
    return json.loads(lines[-1][len("RESULT "):])


def run_torch(cfg, timeout):
    res = _spawn([str(REPO / "scripts" / "torch_translation.py"), "--model", cfg["model"], "--image-size",
                  str(cfg["image_size"]), "--batch-size", str(cfg["batch"]), "--steps", str(cfg["steps"]),
                  "--warmup", str(cfg["warmup"]), "--infer-steps", str(cfg["infer_steps"])], timeout)
    return {"model": cfg["model"], "image_size": cfg["image_size"], "batch": cfg["batch"],
            "framework": f"torch {res['torch']}", "train_images_per_s": res["train_images_per_s"],
            "infer_images_per_s": res["infer_images_per_s"], "peak_rss_mb": res["peak_rss_mb"],
            "notes": f"threads {res['threads']}; {spread(res['step_s'])}; cores {res['cores']:.2f}; "
                     f"load {res['load']:.1f}"}


def write_results(rows, args, pd, final=False):
    df = pd.DataFrame(rows, columns=COLUMNS)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / f"{args.name}.csv", index=False)
    header = (f"steps={args.steps} warmup={args.warmup} infer_steps={args.infer_steps} repeats={args.repeats} "
              f"(medians) cpus={os.cpu_count()} ({time.strftime('%Y-%m-%d %H:%M')})")
    text = header + "\n\n" + markdown_table(df) + "\n"
    (out / f"{args.name}.md").write_text(text)
    if final:
        print("\n" + text)


def combine(rows):
    """One row for ``--repeats`` processes of one framework: median throughputs, largest RSS."""
    if len(rows) == 1 or not all(r["train_images_per_s"] for r in rows):
        return next((r for r in rows if not r["train_images_per_s"]), rows[0])
    train = [r["train_images_per_s"] for r in rows]
    infer = [r["infer_images_per_s"] for r in rows]
    return {**rows[0], "train_images_per_s": statistics.median(train), "infer_images_per_s": statistics.median(infer),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in rows),
            "notes": f"median of {len(rows)} processes: train {', '.join(f'{v:.3g}' for v in train)}; "
                     f"infer {', '.join(f'{v:.3g}' for v in infer)}; first: {rows[0]['notes']}"}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", nargs="+", default=["pix2pix", "cyclegan"], choices=["pix2pix", "cyclegan"])
    p.add_argument("--sizes", nargs="+", type=int, default=[256, 128])
    p.add_argument("--batches", nargs="+", type=int, default=[1, 4])
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--infer-steps", type=int, default=5, help="timed inference calls (after one untimed)")
    p.add_argument("--repeats", type=int, default=1, help="alternating keras/torch processes per configuration")
    p.add_argument("--no-torch", action="store_true")
    p.add_argument("--timeout", type=int, default=1800)
    p.add_argument("--out", default=str(REPO / "scripts" / "results"))
    p.add_argument("--name", default="translation")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        print("RESULT " + json.dumps(worker(json.loads(args.worker))))
        return 0
    if min(args.steps, args.warmup, args.infer_steps, args.repeats) < 1:
        p.error("--steps, --warmup, --infer-steps and --repeats must be >= 1")
    import pandas as pd

    rows = []
    for model in args.models:
        for size in args.sizes:
            for batch in args.batches:
                cfg = {"model": model, "image_size": size, "batch": batch, "steps": args.steps, "warmup": args.warmup,
                       "infer_steps": args.infer_steps}
                runs = [("keras", lambda c: _spawn([__file__, "--worker", json.dumps(c)], args.timeout))]
                if not args.no_torch:
                    runs.append(("torch", lambda c: run_torch(c, args.timeout)))
                repeats = {kind: [] for kind, _ in runs}
                for _ in range(args.repeats):
                    for kind, fn in runs:
                        print(f"running {kind} {model} {size} batch {batch} ...", flush=True)
                        try:
                            row = fn(cfg)
                        except Exception as e:  # noqa: BLE001 - report and go on
                            row = {**{c: None for c in COLUMNS},
                                   **{k: cfg[k] for k in ("model", "image_size", "batch")},
                                   "framework": kind, "notes": f"failed: {e}"[:300]}
                        print(f"  train {row['train_images_per_s'] or 0:.2f} img/s, infer "
                              f"{row['infer_images_per_s'] or 0:.2f} img/s", flush=True)
                        repeats[kind].append(row)
                pair = [combine(repeats[kind]) for kind, _ in runs]
                rows += pair
                if len(pair) == 2 and all(r["train_images_per_s"] for r in pair):
                    k, t = pair
                    per_run = [f"{a['train_images_per_s'] / b['train_images_per_s']:.2f}"
                               for a, b in zip(*repeats.values())]
                    rows.append({"model": model, "image_size": size, "batch": batch, "framework": "ratio keras/torch",
                                 "train_images_per_s": k["train_images_per_s"] / t["train_images_per_s"],
                                 "infer_images_per_s": k["infer_images_per_s"] / t["infer_images_per_s"],
                                 "peak_rss_mb": None, "notes": "ratio measured in this run, not images/s"
                                 + (f"; training ratio of each pair {', '.join(per_run)}" if args.repeats > 1 else "")})
                write_results(rows, args, pd)  # after every configuration: a stopped run keeps its rows
    write_results(rows, args, pd, final=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
