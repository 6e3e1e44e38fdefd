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
model and batch measured one after the other in one process. ``--processes`` (default 3) such processes run one
after the other; the table gives the median over processes of each row's median and ratio, with their range
(smallest-largest over processes). The translation models and AdaIN run at ``--size`` (128 by default; square),
the others at their own image size. ``--translation-filters`` and ``--adain-width`` narrow those networks.

Writes ``scripts/benchmarks/results/export_latency.md`` and ``.csv`` (``--name`` chooses the stem).
"""

import argparse
import csv
import json
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

COLUMNS = ["model", "endpoint", "input", "batch", "runtime", "median_ms", "range_ms", "vs_savedmodel", "range_vs"]
KEYS = ["model", "endpoint", "input", "batch", "runtime"]
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


def call_seconds(call, repeats):
    """The seconds of each of ``repeats`` back-to-back calls of ``call``."""
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
    return seconds


def timed(call, warmup, repeats):
    """The median milliseconds of ``repeats`` calls after ``warmup`` untimed ones."""
    for _ in range(warmup):
        call()
    return statistics.median(call_seconds(call, repeats)) * 1000.0


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
            median = timed(calls[runtime], args.warmup, args.repeats)
            base = base or median
            rows.append(dict(model=name, endpoint=endpoint, input=shape, batch=batch, runtime=runtime,
                             median_ms=median, vs_savedmodel=median / base))
            print(rows[-1], flush=True)


def cpu_model():
    """The CPU's model name and its bfloat16 flags (from /proc/cpuinfo)."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "CPU unknown"
    name = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "?")
    flags = sorted({f for f in ("avx512_bf16", "amx_bf16") if f in info.split()})
    return f"{name} ({', '.join(flags) or 'no bf16 flags'})"


def versions():
    import onnxruntime
    import tensorflow as tf

    from importlib.metadata import version
    from importlib.util import find_spec

    litert = f"ai-edge-litert {version('ai-edge-litert')}" if find_spec("ai_edge_litert") else "tf.lite.Interpreter"
    import tf2onnx

    return f"TensorFlow {tf.__version__}, TFLite via {litert}, tf2onnx {tf2onnx.__version__}, ONNX Runtime " \
           f"{onnxruntime.__version__}"


def worker(args, measure):
    """In a worker process (``--worker FILE``): ``measure(name, args, rows)`` every model, the rows to FILE."""
    rows = []
    for name in args.models:
        measure(name, args, rows)
    Path(args.worker).write_text(json.dumps(rows))


def worker_runs(script, processes):
    """Run ``script --worker FILE`` with this command line's arguments in ``processes`` fresh processes, one after
    the other: ``((started, load, commit, dirty), [each process's rows])``, the first four for the results header."""
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load = os.getloadavg()[0]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                            text=True).stdout.strip()
    dirty = " (+ uncommitted changes)" if subprocess.run(["git", "status", "--porcelain", "keras_gans"], cwd=REPO,
                                                          capture_output=True, text=True).stdout.strip() else ""
    runs = []
    for _ in range(processes):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "rows.json")
            subprocess.run([sys.executable, script, "--worker", path] + sys.argv[1:], check=True)
            runs.append(json.loads(Path(path).read_text()))
    return (started, load, commit, dirty), runs


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
    p.add_argument("--processes", type=int, default=3, help="measuring processes, one after the other")
    p.add_argument("--name", default="export_latency")
    p.add_argument("--worker", help=argparse.SUPPRESS)  # internal: measure in this process, write rows as JSON here
    args = p.parse_args()
    if args.worker:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        return worker(args, measure)

    from keras_gans import files

    (started, load, commit, dirty), runs = worker_runs(__file__, args.processes)
    rows = []
    for i, first in enumerate(runs[0]):
        same = [run[i] for run in runs]
        assert all([r[k] for k in KEYS] == [first[k] for k in KEYS] for r in same), "processes measured different rows"
        ms, ratio = [r["median_ms"] for r in same], [r["vs_savedmodel"] for r in same]
        rows.append({**{k: first[k] for k in KEYS}, "median_ms": f"{statistics.median(ms):.3g}",
                     "range_ms": f"{min(ms):.3g}-{max(ms):.3g}", "vs_savedmodel": f"{statistics.median(ratio):.2f}",
                     "range_vs": f"{min(ratio):.2f}-{max(ratio):.2f}"})
    out = HERE / "results"
    with files.atomic_path(out / f"{args.name}.csv") as tmp, open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    lines = [f"Export latency: the default endpoint of each model (random weights; Pix2Pix and CycleGAN g_filters="
             f"{args.translation_filters}, AdaIN width={args.adain_width}: 64 and 1.0 are the papers') as SavedModel, "
             f"TFLite (float32) and ONNX; ms per call: in each of {args.processes} processes the median of "
             f"{args.repeats} calls after {args.warmup} warm-up calls, then the median (and range) over processes; "
             f"{cpu_model()}, cpus={os.cpu_count()}, {args.threads} threads per runtime, {started}, load {load:.1f} "
             f"at start; "
             f"{versions()}; at {commit}{dirty}",
             "", "| " + " | ".join(COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
    lines += ["| " + " | ".join(str(r[c]) for c in COLUMNS) + " |" for r in rows]
    with files.atomic_path(out / f"{args.name}.md") as tmp:
        Path(tmp).write_text("\n".join(lines) + "\n")
    print(f"wrote {out / args.name}.md and .csv")


if __name__ == "__main__":
    main()
