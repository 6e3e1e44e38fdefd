"""How close each benchmarked step runs to the best arithmetic rate measured on the same CPU (issue 22).

    python scripts/benchmarks/roofline.py --results scripts/benchmarks/results/precision_zen4_allrows2.csv \\
        --name roofline_zen4 --torch-python /tmp/torchvenv/bin/python

For every row of a ``precision.py`` results file (its CSV) this counts the floating-point operations of one image or
step: the model's ``train_step`` (AdaIN stylizing: the style statistics and ``stylize_with_statistics``) is traced on
a batch of the benchmark's static shape, and the multiply-adds of its convolutions, their two gradients and its
matmuls are summed from the graph's static shapes (2 FLOPs a multiply-add; a ``tf.cond`` counts its costlier
branch, called functions once per call; element-wise ops, normalizations and the optimizer are left out, so the
count is a lower bound of the work). Times the results file's median throughputs, that gives each configuration's
GFLOP/s. The reference it is compared with is the fastest of two probes on the same CPU, in float32 and bfloat16:
an ``n x n @ n x n`` product (the best of n = 1024, 2048, 4096) and one 3x3 convolution 8x64x64x256 -> 256 (VGG-19's
relu3 layers at 256x256; channels-last), each in TensorFlow and (with ``--torch-python``) PyTorch, in ``--processes``
fresh processes interleaved, medians. Both frameworks call oneDNN on the machine's threads; the reference is what
those kernels reach, not the hardware's peak (a step can come out above it). Writes ``--out``/NAME.md and NAME.csv.
Run it on the machine (and the commit) that wrote the results file, nothing else running: the throughputs come from
the file, the reference from this run.
"""

import argparse
import collections
import datetime
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

SIZES = (1024, 2048, 4096)  # the matrix products' n
CONV = (8, 64, 256, 3)  # batch, height = width, channels in = out, taps: VGG-19's relu3 convolutions at 256x256
CALLS = 10  # timed calls per probe, after 2 untimed
PROBES = {"gemm": "n x n matrix product, best n", "conv": "3x3 convolution 8x64x64x256 -> 256"}
UNITS = {"dcgan": "image", "pix2pix256b1": "image", "pix2pix256b4": "image", "cyclegan256b1": "image",
         "adain256train": "step", "adain256stylize": "image"}


# --- counting -------------------------------------------------------------------------------------------------------
def op_flops(op, batch):
    """FLOPs of one convolution, convolution gradient or matmul ``op`` (0 for any other op); an unknown dimension
    (the batch, in gradients that lost their static shape) is taken as ``batch``."""
    import numpy as np

    def size(shape):
        return int(np.prod([batch if d is None else d for d in shape]))

    kind = op.type
    if kind == "Conv2D":  # 2 * outputs * kernel taps * input channels
        kernel = op.inputs[1].shape
        return 2 * size(op.outputs[0].shape) * kernel[0] * kernel[1] * kernel[2]
    if kind == "Conv2DBackpropInput":  # the transposed product: as many multiply-adds as the forward convolution
        kernel = op.inputs[1].shape
        return 2 * size(op.inputs[2].shape) * kernel[0] * kernel[1] * kernel[2]
    if kind == "Conv2DBackpropFilter":
        kernel = op.outputs[0].shape
        return 2 * size(op.inputs[2].shape) * kernel[0] * kernel[1] * kernel[2]
    if kind in ("MatMul", "BatchMatMulV2", "BatchMatMulV3"):
        a, b = op.inputs[0].shape, op.inputs[1].shape
        flip_a = op.get_attr("transpose_a" if kind == "MatMul" else "adj_x")
        flip_b = op.get_attr("transpose_b" if kind == "MatMul" else "adj_y")
        rows, inner = (a[-1], a[-2]) if flip_a else (a[-2], a[-1])
        cols = b[-2] if flip_b else b[-1]
        return 2 * size(a[:-2]) * size([rows]) * size([cols]) * size([inner])
    return 0


def graph_flops(graph, library, batch):
    """{op type: FLOPs} of ``graph``, following called functions and taking each ``tf.cond``'s costlier branch."""
    totals = collections.Counter()
    for op in graph.get_operations():
        if op.type in ("If", "StatelessIf"):
            branches = [graph_flops(library[op.get_attr(b).name].graph, library, batch)
                        for b in ("then_branch", "else_branch")]
            totals.update(max(branches, key=lambda c: sum(c.values())))
        elif op.type in ("PartitionedCall", "StatefulPartitionedCall"):
            totals.update(graph_flops(library[op.get_attr("f").name].graph, library, batch))
        else:
            flops = op_flops(op, batch)
            if flops:
                totals[op.type] += flops
    return totals


def traced_flops(fn, *args, batch):
    import tensorflow as tf

    graph = tf.function(fn).get_concrete_function(*args).graph
    return graph_flops(graph, dict(graph._functions), batch)


def row_flops(row, precision_name):
    """(FLOPs per unit of ``row``'s throughput, {op type: FLOPs per unit}) with the model in ``precision_name``."""
    import keras
    import numpy as np
    import tensorflow as tf

    import keras_gans
    import precision

    keras.utils.set_random_seed(0)
    settings = precision.ROWS[row][2]
    rng = np.random.default_rng(0)
    if settings["kind"] == "adain":
        model = keras_gans.AdaINStyleTransfer(precision=precision_name)
        if settings["task"] == "stylize":
            content, style = (tf.constant(rng.uniform(0, 255, (1, 256, 256, 3)).astype("float32")) for _ in "cs")

            def stylize(c, s):
                mean, std = model.style_statistics(s)
                return model.stylize_with_statistics(c, mean[None], std[None])

            per_unit = traced_flops(stylize, content, style, batch=1)
            return sum(per_unit.values()), per_unit
        batch = settings["batch"]
        data = tuple(tf.constant(rng.uniform(0, 255, (batch, 256, 256, 3)).astype("float32")) for _ in "cs")
    elif settings["kind"] == "dcgan":
        batch = settings["batch"]
        model = keras_gans.DCGAN(image_shape=(32, 32, 3), precision=precision_name, seed=0)
        data = tf.constant(rng.uniform(-1, 1, (batch, 32, 32, 3)).astype("float32"))
    else:
        batch = settings["batch"]
        cls = {"pix2pix": keras_gans.Pix2Pix, "cyclegan": keras_gans.CycleGAN}[settings["model"]]
        model = cls(image_size=256, precision=precision_name, seed=0)
        data = tuple(tf.constant(rng.uniform(-1, 1, (batch, 256, 256, 3)).astype("float32")) for _ in "ab")
    model.compile()
    model.fit(tf.data.Dataset.from_tensors(data), epochs=1, verbose=0)  # builds every variable before the trace
    totals = traced_flops(model.train_step, data, batch=batch)
    per = 1 if UNITS[row] == "step" else batch
    per_unit = collections.Counter({k: v / per for k, v in totals.items()})
    return sum(per_unit.values()), per_unit


# --- the reference --------------------------------------------------------------------------------------------------
def timed_rate(call, flops):
    """GFLOP/s of ``call`` (which returns once its work is finished): the median of ``CALLS`` after 2 untimed."""
    from export_latency import timed  # the median in milliseconds (stdlib only: torch's Python imports it too)

    return flops / timed(call, 2, CALLS) / 1e6


def probe_worker(framework, dtype):
    """The probes' GFLOP/s in one process (JSON): ``gemm``, the best ``n x n`` product over ``SIZES``; ``conv``,
    one ``CONV`` convolution (NHWC / channels-last, as the benchmarks run)."""
    batch, size, channels, taps = CONV
    conv_flops = 2 * batch * size * size * channels * channels * taps * taps
    if framework == "tensorflow":
        import tensorflow as tf

        def operands(*shapes):
            return [tf.cast(tf.random.stateless_uniform(s, (0, i)), dtype) for i, s in enumerate(shapes)]

        def first(y):  # a scalar back: the product is finished
            return tf.reduce_sum(tf.cast(tf.reshape(y, [-1])[:1], tf.float32))

        matmul = tf.function(lambda a, b: first(tf.matmul(a, b)))
        conv = tf.function(lambda x, k: first(tf.nn.conv2d(x, k, 1, "SAME")))
        x, kernel = operands((batch, size, size, channels), (taps, taps, channels, channels))
    else:
        import torch

        torch.set_num_threads(os.cpu_count())

        def operands(*shapes):
            return [torch.rand(*s).to(getattr(torch, dtype)) for s in shapes]

        matmul = lambda a, b: float(torch.matmul(a, b)[0, 0])  # noqa: E731
        conv = lambda x, k: float(torch.nn.functional.conv2d(x, k, padding=1)[0, 0, 0, 0])  # noqa: E731
        x, kernel = operands((batch, channels, size, size), (channels, channels, taps, taps))
        x = x.contiguous(memory_format=torch.channels_last)
        kernel = kernel.contiguous(memory_format=torch.channels_last)
    gemm = {}
    for n in SIZES:
        a, b = operands((n, n), (n, n))
        gemm[n] = timed_rate(lambda: float(matmul(a, b)), 2 * n**3)
    print(json.dumps({"gemm": max(gemm.values()), "gemm_by_size": gemm,
                      "conv": timed_rate(lambda: float(conv(x, kernel)), conv_flops)}))


def run_probe(framework, dtype, python):
    out = subprocess.run([python, __file__, "--probe-worker", framework, dtype], capture_output=True, text=True,
                         timeout=900, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    if out.returncode:
        raise SystemExit(f"the {framework} {dtype} probes failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def probes(args):
    """{(framework, dtype): [per-process results]}, processes interleaved."""
    kinds = [("tensorflow", d, sys.executable) for d in ("float32", "bfloat16")]
    if args.torch_python:
        kinds += [("torch", d, args.torch_python) for d in ("float32", "bfloat16")]
    runs = collections.defaultdict(list)
    for round_ in range(args.processes):
        for framework, dtype, python in kinds[round_ % len(kinds):] + kinds[: round_ % len(kinds)]:
            runs[framework, dtype].append(run_probe(framework, dtype, python))
            print(framework, dtype, {k: round(runs[framework, dtype][-1][k]) for k in PROBES}, "GFLOP/s", flush=True)
    return runs


# --- the report -----------------------------------------------------------------------------------------------------
def config_dtype(config):
    return "bfloat16" if ("bf16" in config or "bfloat16" in config) else "float32"


def write(args, flops, runs, results):
    import pandas as pd
    import precision
    import toolbox_small_data as tsd

    medians = {(f, d, probe): statistics.median(r[probe] for r in rs)
               for (f, d), rs in runs.items() for probe in PROBES}
    best = {d: max(v for (_, dd, _), v in medians.items() if dd == d) for d in ("float32", "bfloat16")}
    records = []
    for row in args.rows:
        for config, group in results[results.row == row].groupby("config", sort=False):
            per_s = statistics.median(group.per_s)
            count = flops[row, config_dtype(config) if config.startswith("keras") else "float32"][0]
            gflops, reference = count * per_s / 1e9, best[config_dtype(config)]
            records.append(dict(row=row, config=config, per_s=per_s, gflop_per_unit=count / 1e9, gflops=gflops,
                                reference=reference, share=gflops / reference))
    stem = Path(args.out) / args.name
    pd.DataFrame(records).to_csv(f"{stem}.csv", index=False)
    torch = " --torch-python PYTHON_WITH_TORCH" if args.torch_python else ""
    lines = [f"# How close each step runs to the best arithmetic rate measured on its CPU ({args.name})", "",
             f"- Regenerate: `python scripts/benchmarks/roofline.py --results {args.results} --name {args.name}"
             f"{torch}`. Method: the script's docstring.",
             f"- Measured {datetime.datetime.now():%Y-%m-%d %H:%M}; commit {tsd.git_commit(['keras_gans'])}; "
             f"throughputs from `{args.results}` (the medians of its runs).",
             f"- CPU: {tsd.cpu_note()}.", "",
             f"## The reference: the probes (GFLOP/s, median (range) of {args.processes} processes)", "",
             "| framework | probe | float32 | bfloat16 |", "|---|---|---|---|"]
    for framework in ("tensorflow", "torch"):
        for probe, what in PROBES.items():
            if (framework, "float32") in runs:
                cells = [precision.spread([r[probe] for r in runs[framework, d]]) for d in ("float32", "bfloat16")]
                lines.append(f"| {framework} | {what} | {cells[0]} | {cells[1]} |")
    lines += ["", f"The reference below is the fastest probe's median: float32 {best['float32']:.0f}, bfloat16 "
                  f"{best['bfloat16']:.0f} GFLOP/s. It is what these kernels reach, not the hardware's peak.", "",
              "## Each configuration's arithmetic rate", "",
              "| row | GFLOP per unit (convolutions, their gradients, matmuls) | configuration | throughput | GFLOP/s "
              "| share of the reference |", "|---|---|---|---|---|---|"]
    for r in records:
        unit = UNITS[r["row"]]
        lines.append(f"| {precision.ROWS[r['row']][0]} | {r['gflop_per_unit']:.2f} per {unit} | {r['config']} | "
                     f"{r['per_s']:.3g} {unit}s/s | {r['gflops']:.0f} | {100 * r['share']:.0f} % |")
    lines += ["", "## The counts by op type (GFLOP per unit)", ""]
    for (row, dtype), (total, per_op) in flops.items():
        ops = ", ".join(f"{k} {v / 1e9:.2f}" for k, v in sorted(per_op.items(), key=lambda kv: -kv[1]))
        lines.append(f"- {row}, {dtype} model: {total / 1e9:.2f} ({ops})")
    Path(f"{stem}.md").write_text("\n".join(lines) + "\n")
    return stem


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--results", help="a precision.py CSV (its rows and median throughputs)")
    p.add_argument("--name", default="roofline")
    p.add_argument("--out", default=str(HERE / "results"))
    p.add_argument("--processes", type=int, default=3, help="fresh processes per framework and dtype (the probes)")
    p.add_argument("--torch-python", help="a Python with torch: PyTorch's probes too")
    p.add_argument("--probe-worker", nargs=2, metavar=("FRAMEWORK", "DTYPE"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.probe_worker:
        return probe_worker(*args.probe_worker)
    if not args.results or not Path(args.results).is_file():
        p.error(f"--results: no such file {args.results!r} (a CSV written by precision.py)")
    import pandas as pd

    sys.path.insert(0, str(HERE))
    import precision  # the rows (it imports the other benchmarks: not in the product workers, which torch runs)

    results = pd.read_csv(args.results)
    args.rows = [r for r in precision.ROWS if r in set(results.row)]
    if not args.rows:
        p.error(f"--results: {args.results} has none of precision.py's rows")
    runs = probes(args)  # first, in fresh processes, before this process builds any model
    sys.path.insert(0, str(HERE.parents[1]))
    flops = {}
    for row in args.rows:
        for dtype, name in (("float32", "float32"), ("bfloat16", "mixed_bfloat16")):
            flops[row, dtype] = row_flops(row, name)
            print(row, dtype, f"{flops[row, dtype][0] / 1e9:.2f} GFLOP per {UNITS[row]}", flush=True)
    print(write(args, flops, runs, results))


if __name__ == "__main__":
    main()
