"""How long ``keras_gans.serving.export`` takes to write a SavedModel, against Keras's own ``ExportArchive``
with the same networks and endpoints, and how many times each writes trace every endpoint.

Usage::

    python scripts/benchmarks/export_time.py                      # every model below, 3 processes
    python scripts/benchmarks/export_time.py --models AdaIN --repeats 3

Keras's ``ExportArchive.write_out`` traces each endpoint to list its variables, then ``tf.saved_model.save``
traces it again inside its save context (TensorFlow's function cache key holds the save options' variable
policy); keras_gans's archive lists the variables inside a save context, so the save finds the trace
(``keras_gans/serving/saved_model.py``). Each process builds the models (``export_latency.py``'s builders: the
papers' widths, random weights), exports each once unmeasured, then ``--repeats`` times with each archive,
alternating; a row is the median over processes of each process's median seconds, with the range.

Writes ``scripts/benchmarks/results/export_time.md`` and ``.csv`` (``--name`` chooses the stem).
"""

import argparse
import collections
import csv
import functools
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from export_latency import MODELS, build, cpu_model, worker, worker_runs  # noqa: E402

COLUMNS = ["model", "archive", "median_s", "range_s", "traces_per_endpoint", "vs_keras", "range_vs"]


def archives(model, traced):
    """``{"keras": ..., "keras_gans": ...}``: functions writing ``model`` with each archive to a folder, their
    endpoints counting how often TensorFlow traces them in ``traced``."""
    import keras

    from keras_gans.serving import saved_model, signatures_for

    def counting(endpoint):
        @functools.wraps(endpoint.fn)
        def fn(*args):
            traced[endpoint.name] += 1
            return endpoint.fn(*args)
        return fn

    def write(kind, path):
        signatures = signatures_for(model)
        archive = keras.export.ExportArchive() if kind == "keras" else saved_model._ExportArchive()
        for network in signatures.networks:
            archive.track(network)
        for endpoint in signatures.endpoints:
            archive.add_endpoint(endpoint.name, counting(endpoint), input_signature=endpoint.input_signature)
        archive.write_out(path, verbose=False)
        return len(signatures.endpoints)

    return {kind: functools.partial(write, kind) for kind in ("keras", "keras_gans")}


def measure(name, args, rows):
    model = build(name, args)
    folder = tempfile.mkdtemp(prefix=f"export-time-{name}-")
    try:
        traced = collections.Counter()
        write = archives(model, traced)
        write["keras_gans"](os.path.join(folder, "warmup"))  # one-time costs (autograph, first calls) go here
        seconds, traces = collections.defaultdict(list), {}
        for k in range(args.repeats):
            for kind in ("keras", "keras_gans"):
                traced.clear()
                start = time.perf_counter()
                endpoints = write[kind](os.path.join(folder, f"{kind}-{k}"))
                seconds[kind].append(time.perf_counter() - start)
                traces[kind] = sum(traced.values()) / endpoints
        for kind in ("keras", "keras_gans"):
            rows.append(dict(model=name, archive=kind, seconds=statistics.median(seconds[kind]),
                             traces_per_endpoint=traces[kind]))
            print(rows[-1], flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    p.add_argument("--size", type=int, default=256, help="image side of the translation models")
    p.add_argument("--translation-filters", type=int, default=64, help="g_filters of Pix2Pix and CycleGAN")
    p.add_argument("--adain-width", type=float, default=1.0, help="AdaIN's width (1.0: the paper's)")
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--processes", type=int, default=3, help="measuring processes, one after the other")
    p.add_argument("--name", default="export_time")
    p.add_argument("--worker", help=argparse.SUPPRESS)  # internal: measure in this process, write rows as JSON here
    args = p.parse_args()
    if args.worker:
        return worker(args, measure)

    import tensorflow as tf

    from keras_gans import files

    (started, load, commit, dirty), runs = worker_runs(__file__, args.processes)
    rows = []
    for i in range(0, len(runs[0]), 2):
        for j in (i, i + 1):
            s = [run[j]["seconds"] for run in runs]
            vs = [run[j]["seconds"] / run[i]["seconds"] for run in runs]
            rows.append({"model": runs[0][j]["model"], "archive": runs[0][j]["archive"],
                         "median_s": f"{statistics.median(s):.3g}", "range_s": f"{min(s):.3g}-{max(s):.3g}",
                         "traces_per_endpoint": f"{max(run[j]['traces_per_endpoint'] for run in runs):g}",
                         "vs_keras": f"{statistics.median(vs):.2f}", "range_vs": f"{min(vs):.2f}-{max(vs):.2f}"})
    out = HERE / "results"
    with files.atomic_path(out / f"{args.name}.csv") as tmp, open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    lines = ["# SavedModel export time: keras_gans's archive vs Keras's ExportArchive\n",
             f"{started}, commit {commit}{dirty}, {cpu_model()}, cpus={os.cpu_count()}, load {load:.2f} before, "
             f"TensorFlow {tf.__version__}; {args.processes} processes x {args.repeats} exports per archive (after one "
             f"unmeasured), translation models at {args.size}x{args.size}, AdaIN width {args.adain_width}. "
             f"Command: `python scripts/benchmarks/export_time.py {' '.join(sys.argv[1:])}`.\n",
             "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(str(r[c]) for c in COLUMNS) + " |" for r in rows]
    with files.atomic_path(out / f"{args.name}.md") as tmp:
        Path(tmp).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
