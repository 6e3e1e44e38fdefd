"""Latency of one model's exports: SavedModel (TensorFlow) vs TFLite vs ONNX Runtime, per model and batch.

Usage::

    python scripts/benchmarks/export_latency.py                       # every model below, batches 1 and 8
    python scripts/benchmarks/export_latency.py --models DCGAN Pix2Pix --repeats 20 --warmup 3

Each model (the paper's widths, random weights: latency does not depend on them) is exported with
``keras_gans.serving.export`` as a SavedModel, a float32 TFLite folder and an ONNX folder; its default
endpoint is then called through ``tf.saved_model.load(...).signatures[...]``, the TFLite interpreter
(``ai-edge-litert`` where installed, else ``tf.lite.Interpreter``) and ONNX Runtime's CPU session, all three
with ``--threads`` intra-op threads (default: the CPU count), on the same uint8 / float32 inputs. A row is
the median of ``--repeats`` calls after ``--warmup`` calls, in milliseconds per call, the runtimes of one
model and batch measured one after the other in one process. The translation models and AdaIN run at
``--size`` (128 by default; square), the others at their own image size. ``--translation-filters`` and
``--adain-width`` narrow those networks: tf2onnx 1.17 took more than 12 GB and 3 minutes converting the paper-width
Pix2Pix at 128x128 (and had not finished), so the committed table uses 16 filters and AdaIN at width 1/4.

Writes ``scripts/benchmarks/results/export_latency.md`` and ``.csv`` (``--name`` chooses the stem).
"""

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

COLUMNS = ["model", "endpoint", "input", "batch", "runtime", "median_ms", "p10_ms", "p90_ms", "vs_savedmodel"]
MODELS = ["DCGAN", "ConditionalGAN", "EBGAN", "ALI", "Pix2Pix", "CycleGAN", "DTN", "AdaIN"]
RUNTIMES = ["savedmodel", "tflite", "onnx"]


def build(name, args):
    import keras_gans as kg

    size, filters = args.size, args.translation_filters
    return {
        "DCGAN": lambda: kg.DCGAN(),
        "ConditionalGAN": lambda: kg.ConditionalGAN(),
        "EBGAN": lambda: kg.EBGAN(),
        "ALI": lambda: kg.ALI(),
        "Pix2Pix": lambda: kg.Pix2Pix(image_size=size, g_filters=filters),
        "CycleGAN": lambda: kg.CycleGAN(image_size=size, g_filters=filters),
        "DTN": lambda: kg.DTN(),
        "AdaIN": lambda: kg.AdaINStyleTransfer(width=args.adain_width),
    }[name]()


def inputs_for(specs, batch, size, num_classes, rng):
    """Inputs for an endpoint's ``signatures.json`` specs at ``batch`` (image sides of None -> ``size``)."""
    import numpy as np

    feed = {}
    for spec in specs:
        shape = [batch if i == 0 else (d or size) for i, d in enumerate(spec["shape"])]
        if spec["dtype"] == "uint8":
            feed[spec["name"]] = rng.integers(0, 256, shape).astype("uint8")
        elif spec["name"] == "labels":
            feed[spec["name"]] = rng.integers(0, num_classes, shape).astype("int32")
        elif spec["name"] == "alpha":
            feed[spec["name"]] = np.float32(1.0)
        else:
            feed[spec["name"]] = rng.normal(size=shape).astype(spec["dtype"])
    return feed


def timed(call, warmup, repeats):
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000.0)
    times.sort()
    return statistics.median(times), times[len(times) // 10], times[-1 - len(times) // 10]


def measure(name, args, rows):
    import numpy as np
    import tensorflow as tf

    from keras_gans.serving import export
    from keras_gans.serving.formats import Converted

    model = build(name, args)
    folder = tempfile.mkdtemp(prefix=f"export-latency-{name}-")
    saved = tf.saved_model.load(export(model, os.path.join(folder, "savedmodel")))
    converted = {fmt: Converted(export(model, os.path.join(folder, fmt), format=fmt), num_threads=args.threads)
                 for fmt in ("tflite", "onnx")}
    sidecar = converted["tflite"].signatures
    endpoint = sidecar["default"]
    specs = sidecar["endpoints"][endpoint]["inputs"]
    rng = np.random.default_rng(0)
    for batch in args.batches:
        feed = inputs_for(specs, batch, args.size, getattr(model, "num_classes", None) or 1, rng)
        signature = saved.signatures["serving_default"]
        tensors = {k: tf.constant(v) for k, v in feed.items()}
        calls = {"savedmodel": lambda: [t.numpy() for t in signature(**tensors).values()],
                 "tflite": lambda: converted["tflite"](endpoint, **feed),
                 "onnx": lambda: converted["onnx"](endpoint, **feed)}
        shape = "x".join(str(d) for d in next(iter(feed.values())).shape[1:]) or "scalar"
        base = None
        for runtime in RUNTIMES:
            median, p10, p90 = timed(calls[runtime], args.warmup, args.repeats)
            base = base or median
            rows.append(dict(model=name, endpoint=endpoint, input=shape, batch=batch, runtime=runtime,
                             median_ms=f"{median:.3g}", p10_ms=f"{p10:.3g}", p90_ms=f"{p90:.3g}",
                             vs_savedmodel=f"{median / base:.2f}"))
            print(rows[-1], flush=True)


def versions():
    import onnxruntime
    import tensorflow as tf

    try:
        import ai_edge_litert  # noqa: F401
        from importlib.metadata import version

        litert = f"ai-edge-litert {version('ai-edge-litert')}"
    except ImportError:
        litert = "tf.lite.Interpreter"
    import tf2onnx

    return f"TensorFlow {tf.__version__}, TFLite via {litert}, tf2onnx {tf2onnx.__version__}, ONNX Runtime " \
           f"{onnxruntime.__version__}"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    p.add_argument("--batches", nargs="+", type=int, default=[1, 8])
    p.add_argument("--size", type=int, default=128, help="image side of the translation models and AdaIN")
    p.add_argument("--translation-filters", type=int, default=64, help="g_filters of Pix2Pix and CycleGAN")
    p.add_argument("--adain-width", type=float, default=1.0, help="AdaIN's width (1.0: the paper's)")
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--name", default="export_latency")
    args = p.parse_args()

    import tensorflow as tf

    from keras_gans import files

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load = os.getloadavg()[0]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                            text=True).stdout.strip()
    dirty = " (+ uncommitted changes)" if subprocess.run(["git", "status", "--porcelain", "keras_gans"], cwd=REPO,
                                                          capture_output=True, text=True).stdout.strip() else ""
    rows = []
    for name in args.models:
        measure(name, args, rows)
    out = HERE / "results"
    with files.atomic_path(out / f"{args.name}.csv") as tmp, open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    lines = [f"Export latency: the default endpoint of each model (random weights; paper widths except Pix2Pix and "
             f"CycleGAN g_filters={args.translation_filters}, AdaIN width={args.adain_width}) as SavedModel, "
             f"TFLite (float32) and ONNX; ms per call, median of {args.repeats} after {args.warmup} warm-up calls; "
             f"cpus={os.cpu_count()}, {args.threads} threads per runtime, {started}, load {load:.1f} at start; "
             f"{versions()}; at {commit}{dirty}",
             "", "| " + " | ".join(COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
    lines += ["| " + " | ".join(str(r[c]) for c in COLUMNS) + " |" for r in rows]
    with files.atomic_path(out / f"{args.name}.md") as tmp:
        Path(tmp).write_text("\n".join(lines) + "\n")
    print(f"wrote {out / args.name}.md and .csv")


if __name__ == "__main__":
    main()
