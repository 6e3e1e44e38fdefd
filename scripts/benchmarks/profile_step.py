"""Where a training step's time goes: TensorFlow's profiler over a few ``fit`` steps, summed per op type (issue 22).

    python scripts/benchmarks/profile_step.py                                   # DCGAN 32x32x3 b128, float32
    python scripts/benchmarks/profile_step.py --precision mixed_bfloat16 --top 25
    python scripts/benchmarks/profile_step.py --precision mixed_bfloat16 --native-conv   # without kernels/conv.py
    python scripts/benchmarks/profile_step.py --jit                             # XLA (the profile shows clusters)

Prints the wall time per step of the profiled steps (profiler overhead included, so a little slower than
``benchmark.py``) and the table of op types by self time on the host: total ms per step, share, calls per step.
``--native-conv`` replaces ``keras_gans.kernels.FastConv2D``/``FastConv2DTranspose``'s rewrites by Keras's own
kernels, to re-justify them (or not) in each precision.
"""

import argparse
import collections
import glob
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))


def build(args):
    import keras

    import keras_gans

    keras.utils.set_random_seed(0)
    kwargs = dict(precision=args.precision, seed=0)
    if args.model == "DCGAN":
        return keras_gans.DCGAN(image_shape=(args.image_size, args.image_size, args.channels), **kwargs)
    if args.model == "Pix2Pix":
        return keras_gans.Pix2Pix(image_size=args.image_size, **kwargs)
    if args.model == "CycleGAN":
        return keras_gans.CycleGAN(image_size=args.image_size, **kwargs)
    raise SystemExit(f"unknown --model {args.model}")


def dataset(args):
    import numpy as np
    import tensorflow as tf

    from keras_gans.datasets.pipeline import prefetched

    rng = np.random.default_rng(0)
    shape = (args.image_size, args.image_size, args.channels if args.model == "DCGAN" else 3)
    images = rng.uniform(-1, 1, (max(4 * args.batch_size, 64), *shape)).astype("float32")
    source = images if args.model == "DCGAN" else (images, images[::-1].copy())
    # prefetched: without tf.data's autotuning thread, whose wake-up the end of a fit call can wait for (the timed
    # fit of 20 DCGAN steps then lasted exactly 2.56 s: "1006 images/s" whatever the speed; docs/performance.md)
    return prefetched(tf.data.Dataset.from_tensor_slices(source).repeat().batch(args.batch_size, drop_remainder=True))


def op_table(logdir):
    """{op type: (self microseconds on the host, calls)} from the profile's ``framework_op_stats`` tool."""
    from tensorflow.python.profiler.internal import _pywrap_profiler_plugin as plugin

    (path,) = glob.glob(os.path.join(logdir, "plugins", "profile", "*", "*.xplane.pb"))
    raw, ok = plugin.xspace_to_tools_data([path], "framework_op_stats", {})
    if not ok:
        raise SystemExit("the profiler's framework_op_stats tool gave no data")
    table = json.loads(raw)
    if isinstance(table, list):
        table = table[0]
    columns = [c["id"] for c in table["cols"]]
    totals = collections.defaultdict(lambda: [0.0, 0])
    for row in table["rows"]:
        values = dict(zip(columns, [cell.get("v") for cell in row["c"]]))
        if values.get("host_or_device") not in (None, "Host"):
            continue
        key = values.get("type") or values.get("operation")
        totals[key][0] += float(values.get("total_self_time") or 0.0)
        totals[key][1] += int(values.get("occurrences") or 0)
    return totals


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default="DCGAN", choices=["DCGAN", "Pix2Pix", "CycleGAN"])
    p.add_argument("--image-size", type=int, default=32)
    p.add_argument("--channels", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--precision", default="float32")
    p.add_argument("--jit", action="store_true")
    p.add_argument("--native-conv", action="store_true", help="Keras's own convolution kernels, not kernels/conv.py")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--top", type=int, default=20)
    args = p.parse_args(argv)

    import tensorflow as tf

    if args.native_conv:
        from keras_gans.kernels import conv

        conv._fast_path = lambda *a, **k: False
        conv._stride1_conv_for = lambda *a, **k: None
    model = build(args)
    model.compile(jit_compile=args.jit)
    data = dataset(args)
    model.fit(data, steps_per_epoch=args.warmup, epochs=1, verbose=0)
    start = time.perf_counter()
    model.fit(data, steps_per_epoch=args.steps, epochs=1, verbose=0)
    unprofiled = (time.perf_counter() - start) / args.steps
    with tempfile.TemporaryDirectory() as logdir:
        tf.profiler.experimental.start(logdir)
        start = time.perf_counter()
        model.fit(data, steps_per_epoch=args.steps, epochs=1, verbose=0)
        profiled = (time.perf_counter() - start) / args.steps
        tf.profiler.experimental.stop()
        totals = op_table(logdir)
    print(f"{args.model} {args.image_size}x{args.image_size} batch {args.batch_size} {args.precision}"
          f"{' jit' if args.jit else ''}{' native-conv' if args.native_conv else ''}: "
          f"{1000 * unprofiled:.0f} ms/step ({args.batch_size / unprofiled:.0f} images/s), "
          f"profiled {1000 * profiled:.0f} ms/step")
    total = sum(t for t, _ in totals.values())
    print(f"{'op type':32s} {'ms/step':>9s} {'share':>7s} {'calls/step':>10s}")
    for key, (micros, calls) in sorted(totals.items(), key=lambda kv: -kv[1][0])[: args.top]:
        print(f"{key:32s} {micros / 1000 / args.steps:9.1f} {100 * micros / total:6.1f}% {calls / args.steps:10.1f}")
    print(f"{'(all ops)':32s} {total / 1000 / args.steps:9.1f}")


if __name__ == "__main__":
    main()
