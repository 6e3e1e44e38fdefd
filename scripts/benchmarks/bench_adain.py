"""AdaIN throughput: keras_gans vs the PyTorch twin of the same networks
(``scripts/benchmarks/torch_twins/torch_adain.py``).

Usage::

    python scripts/benchmarks/benchmark.py adain                       # defaults below
    python scripts/benchmarks/benchmark.py adain --train-steps 3 --jit  # also keras training with jit_compile=True

Rows (each measured in its own subprocess, keras and torch interleaved: train keras, train torch,
stylize 256 keras, stylize 256 torch, stylize 512 keras, stylize 512 torch):

- ``train``: ``AdaINStyleTransfer()`` (paper widths, random encoder) trained with ``fit`` on batches of 8
  synthetic 256x256 (content, style) pairs (``from_tensor_slices(...).repeat().batch(8)``), timed from the
  end of the warm-up steps to the end of the last step; torch: ``AdaINTwin.train_step`` on the same shapes.
  ``steps_per_s``.
- ``stylize``: one content and one style image of S x S per call, ``model.stylize(content, style)`` (the
  Python API: input checks, encoding the style, AdaIN, decoding, uint8) vs ``AdaINTwin.stylize`` (inference
  mode, uint8); ``images_per_s`` after one warm-up image.

Threads: TensorFlow's defaults (one per core), ``torch.set_num_threads(2)``. Writes
``scripts/benchmarks/results/adain.md`` and ``adain.csv``.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent  # scripts/benchmarks
REPO = HERE.parents[1]
COLUMNS = ["task", "size", "batch", "framework", "per_s", "unit", "notes"]


def keras_worker(cfg):
    import numpy as np
    import tensorflow as tf

    sys.path.insert(0, str(REPO))
    import keras

    from keras_gans import AdaINStyleTransfer

    if cfg.get("threads"):
        tf.config.threading.set_intra_op_parallelism_threads(cfg["threads"])
        tf.config.threading.set_inter_op_parallelism_threads(cfg["threads"])
    keras.utils.set_random_seed(0)
    model = AdaINStyleTransfer(precision=cfg.get("precision", "float32"))
    rng = np.random.default_rng(0)
    size = cfg["size"]
    if cfg["task"] == "train":
        batch = cfg["batch"]
        pairs = rng.integers(0, 256, (2, batch, size, size, 3)).astype("uint8")
        ds = tf.data.Dataset.from_tensor_slices((pairs[0], pairs[1])).repeat().batch(batch).map(
            lambda c, s: (tf.cast(c, tf.float32), tf.cast(s, tf.float32))).prefetch(tf.data.AUTOTUNE)
        model.compile(jit_compile=bool(cfg.get("jit")))
        times = []

        class Timer(keras.callbacks.Callback):
            def on_train_batch_end(self, step, logs=None):
                times.append(time.perf_counter())

        model.fit(ds, steps_per_epoch=cfg["warmup"] + cfg["steps"], epochs=1, verbose=0, callbacks=[Timer()])
        seconds = times[-1] - times[cfg["warmup"] - 1]
        setting = f"jit={bool(cfg.get('jit'))}; {model.precision}; tf threads {cfg.get('threads') or 'default'}"
        return {"per_s": cfg["steps"] / seconds, "unit": "steps/s", "peak_rss_mb": _peak_rss_mb(),
                "notes": f"{setting}; {cfg['steps']} steps after {cfg['warmup']} warm-up"}
    content = rng.integers(0, 256, (size, size, 3)).astype("uint8")
    style = rng.integers(0, 256, (size, size, 3)).astype("uint8")
    if cfg.get("jit"):
        model.compile(jit_compile=True)  # stylize then runs the networks XLA-compiled
    for _ in range(cfg["warmup"]):
        model.stylize(content, style)
    calls = _timed_calls(lambda: model.stylize(content, style), cfg["images"])
    return {"per_s": cfg["images"] / sum(calls), "unit": "images/s", "peak_rss_mb": _peak_rss_mb(), "call_s": calls,
            "notes": f"jit={bool(cfg.get('jit'))}; {model.precision}; tf threads {cfg.get('threads') or 'default'}; "
                     f"{cfg['images']} images after {cfg['warmup']} warm-up"}


def _timed_calls(fn, n):
    """The seconds of each of ``n`` back-to-back calls of ``fn`` (``stylize_drift.py`` reads them call by call)."""
    sys.path.insert(0, str(HERE))
    from export_latency import call_seconds  # stdlib only: the torch worker's Python imports it too

    return call_seconds(fn, n)


def _peak_rss_mb():
    sys.path.insert(0, str(HERE))
    from benchmark import rss_mb  # the other workers' peak-memory reading

    return rss_mb()


def torch_worker(cfg):
    """The twin; ``cfg["bf16"]``: forward passes and losses under ``torch.autocast("cpu", torch.bfloat16)``,
    ``cfg["channels_last"]``: networks and images channels-last (PyTorch at its best on a bfloat16 CPU),
    ``cfg["compile"]``: the encoder and decoder through ``torch.compile`` (compiled in the untimed warm-up)."""
    import contextlib

    import torch

    sys.path.insert(0, str(HERE / "torch_twins"))
    from torch_adain import AdaINTwin

    torch.set_num_threads(cfg.get("threads") or 2)
    torch.manual_seed(0)
    twin = AdaINTwin()
    size = cfg["size"]
    gen = torch.Generator().manual_seed(0)
    amp = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if cfg.get("bf16") else contextlib.nullcontext
    layout = torch.channels_last if cfg.get("channels_last") else torch.contiguous_format
    twin.to(memory_format=layout)
    if cfg.get("compile"):
        twin.encoder, twin.decoder = torch.compile(twin.encoder), torch.compile(twin.decoder)
    setting = f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    setting += ("; bf16 autocast" if cfg.get("bf16") else "") + ("; channels-last" if cfg.get("channels_last") else "")
    setting += "; torch.compile" if cfg.get("compile") else ""
    batch = cfg["batch"] if cfg["task"] == "train" else 1
    content = torch.randint(0, 256, (batch, 3, size, size), generator=gen).float().contiguous(memory_format=layout)
    style = torch.randint(0, 256, (batch, 3, size, size), generator=gen).float().contiguous(memory_format=layout)
    if cfg["task"] == "train":
        opt, sched = twin.make_optimizer()
        twin.amp = amp
        for _ in range(cfg["warmup"]):
            twin.train_step(content, style, opt, sched)
        start = time.perf_counter()
        for _ in range(cfg["steps"]):
            twin.train_step(content, style, opt, sched)
        return {"per_s": cfg["steps"] / (time.perf_counter() - start), "unit": "steps/s",
                "peak_rss_mb": _peak_rss_mb(),
                "notes": f"{setting}; {cfg['steps']} steps after {cfg['warmup']} warm-up"}

    def stylize():
        with amp():
            return twin.stylize(content, style).numpy()

    for _ in range(cfg["warmup"]):
        stylize()
    calls = _timed_calls(stylize, cfg["images"])
    return {"per_s": cfg["images"] / sum(calls), "unit": "images/s", "peak_rss_mb": _peak_rss_mb(), "call_s": calls,
            "notes": f"{setting}; {cfg['images']} images after {cfg['warmup']} warm-up"}


def main(argv=None):
    p = argparse.ArgumentParser(description="AdaIN keras_gans vs PyTorch throughput")
    p.add_argument("--train-steps", type=int, default=2)
    p.add_argument("--train-size", type=int, default=256)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    p.add_argument("--images", type=int, nargs="+", default=[4, 2], help="timed images per size")
    p.add_argument("--jit", action="store_true", help="add keras rows with jit_compile=True (XLA)")
    p.add_argument("--skip-train", action="store_true")
    p.add_argument("--threads", type=int, default=None,
                   help="TF intra/inter-op threads and torch threads (default: TF's own, torch 2)")
    p.add_argument("--out", default=str(HERE / "results"))
    p.add_argument("--name", default="adain")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        cfg = json.loads(args.worker)
        print("RESULT " + json.dumps((torch_worker if cfg["framework"] == "torch" else keras_worker)(cfg)))
        return 0

    import pandas as pd

    sys.path.insert(0, str(HERE))
    from benchmark import _spawn, to_markdown

    plan = []
    if not args.skip_train:
        train = dict(threads=args.threads, task="train", size=args.train_size, batch=args.batch_size, steps=args.train_steps, warmup=1)
        plan += [dict(train, framework="keras_gans"), dict(train, framework="torch")]
        if args.jit:
            plan.append(dict(train, framework="keras_gans", jit=True))
    for size, images in zip(args.sizes, args.images + [args.images[-1]] * len(args.sizes)):
        stylize = dict(threads=args.threads, task="stylize", size=size, batch=1, images=images, warmup=1)
        plan += [dict(stylize, framework="keras_gans"), dict(stylize, framework="torch")]
        if args.jit:
            plan.append(dict(stylize, framework="keras_gans", jit=True))
    rows = []
    for cfg in plan:
        load = os.getloadavg()[0]
        print(f"running {cfg['framework']} {cfg['task']} {cfg['size']} ...", flush=True)
        start = time.perf_counter()
        result = _spawn([__file__, "--worker", json.dumps(cfg)], timeout=3600)
        rows.append({"task": cfg["task"], "size": cfg["size"], "batch": cfg["batch"], "framework": cfg["framework"],
                     "per_s": result["per_s"], "unit": result["unit"],
                     "notes": result["notes"] + f"; load {load:.1f}"})
        print(f"  {result['per_s']:.3f} {result['unit']} ({time.perf_counter() - start:.0f}s)", flush=True)
    df = pd.DataFrame(rows, columns=COLUMNS)
    ratios = []
    for (task, size), group in df.groupby(["task", "size"], sort=False):
        keras_rows = group[(group.framework == "keras_gans") & ~group.notes.str.startswith("jit=True")]
        torch_rows = group[group.framework == "torch"]
        jit_rows = group[group.notes.str.startswith("jit=True")]
        if len(keras_rows) and len(torch_rows):
            ratio = keras_rows.per_s.iloc[0] / torch_rows.per_s.iloc[0]
            line = f"{task} {size}x{size}: keras_gans / torch = {ratio:.2f}"
            if len(jit_rows):
                line += f" (with jit_compile=True: {jit_rows.per_s.iloc[0] / torch_rows.per_s.iloc[0]:.2f})"
            ratios.append(line)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / f"{args.name}.csv", index=False)
    header = (f"AdaIN (paper widths, random encoder), cpus={os.cpu_count()}, "
              f"{time.strftime('%Y-%m-%d %H:%M')}; the machine was shared (load = 1-min load average at start)")
    text = header + "\n\n" + to_markdown(df.assign(per_s=df.per_s.map(lambda v: f"{v:.3g}"))) + "\n\n" \
        + "\n".join(ratios) + "\n"
    (out / f"{args.name}.md").write_text(text)
    print("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
