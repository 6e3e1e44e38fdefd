"""Keras's normalization ops vs TensorFlow's fused batch-norm kernel, float32 and mixed_bfloat16, interleaved fresh
processes (issue 22): batch norm in DCGAN 32x32x3 batch 128 (``keras_gans.kernels.FastBatchNormalization``), instance
norm in CycleGAN 256x256 batch 1 (``keras_gans.layers.InstanceNormalization``), or instance norm layer by layer.

    python scripts/benchmarks/fused_batchnorm_ab.py --rounds 3 --name fused_batchnorm_amx
    python scripts/benchmarks/fused_batchnorm_ab.py --norm instance --rounds 3 --name fused_instancenorm_zen4
    python scripts/benchmarks/fused_batchnorm_ab.py --norm instance --layers --rounds 3 --name NAME

Keras 3's ``BatchNormalization`` and ``GroupNormalization`` compute the moments and normalise in separate element-wise
ops (in float32, with casts around them under a mixed policy). The library's layers send them through
``FusedBatchNormV3`` (oneDNN on CPU) instead: the same outputs and gradients to float32 rounding. The "keras" runs
put Keras's own layer (``BatchNormalization``; ``GroupNormalization(groups=-1)``) in its place in the network
builders, build the model and time ``fit`` (``fit_timing.py``: the median step after 2). ``--layers`` times instance
norm + ReLU, forward and backward, at the shapes of CycleGAN's and Pix2Pix's layers instead (the median of 15 calls
after 3). Writes ``results/NAME.md`` and ``.csv``. (``results/fused_batchnorm_ab.md``, measured on Zen 4 before
the batch-norm layer entered the library, installed an equivalent experimental layer instead.)
"""

import argparse
import datetime
import functools
import json
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
import benchmark  # noqa: E402  (_spawn: a worker in a fresh process)
import fit_timing  # noqa: E402  (the timed fit, shared with transpose_conv.py and runtime_ab.py)

# norm: (model timed, the library's layer as the network builders name it, what the table calls the model)
NORMS = {"batch": ("dcgan", "FastBatchNormalization", "DCGAN 32x32x3 batch 128"),
         "instance": ("cyclegan", "InstanceNormalization", "CycleGAN 256x256 batch 1")}
LAYER_SHAPES = ((1, 256, 256, 64), (1, 128, 128, 128), (1, 64, 64, 256), (1, 32, 32, 512), (4, 256, 256, 64),
                (4, 64, 64, 256))  # CycleGAN's generator and PatchGAN at batch 1; Pix2Pix-sized batches of 4


def keras_layer(norm):
    import keras

    return keras.layers.BatchNormalization if norm == "batch" else functools.partial(keras.layers.GroupNormalization,
                                                                                     groups=-1)


def worker(norm, variant, precision):
    sys.path.insert(0, str(REPO))
    from keras_gans.networks import common

    model_name, library_layer, _ = NORMS[norm]
    if variant == "keras":  # the library's networks with Keras's own normalization in place of the library's
        setattr(common, library_layer, keras_layer(norm))
    images_per_s, model = fit_timing.timed_fit(model_name, precision)
    classes = sorted({type(layer).__name__ for net in model.generator_networks() + model.discriminator_networks()
                      for layer in net.layers if "Normalization" in type(layer).__name__})
    print("RESULT " + json.dumps(dict(images_per_s=images_per_s, norm_classes=classes)))


def layers_worker(precision):
    """ms of instance norm + ReLU, forward and backward, per shape: Keras's ops and the library's fused layer."""
    import keras
    import tensorflow as tf

    sys.path.insert(0, str(REPO))
    from export_latency import timed  # the median in milliseconds
    from keras_gans.layers import InstanceNormalization

    keras.mixed_precision.set_global_policy(precision)
    out = {}
    for shape in LAYER_SHAPES:
        x = tf.random.stateless_normal(shape, seed=[0, 1])
        for variant, layer in (("keras", keras_layer("instance")(epsilon=1e-5)), ("fused", InstanceNormalization())):
            layer.build(shape)

            @tf.function
            def step(x):
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    y = tf.nn.relu(layer(tf.cast(x, layer.compute_dtype), training=True))
                    loss = tf.reduce_sum(tf.cast(y, tf.float32) * x)
                return tape.gradient(loss, [x, *layer.trainable_weights])

            out[f"{'x'.join(map(str, shape))} {variant}"] = timed(lambda: step(x)[0].numpy(), 3, 15)
    print("RESULT " + json.dumps(out))


def median_and_runs(values, fmt):
    return f"{fmt.format(statistics.median(values))} ({', '.join(fmt.format(v) for v in values)})"


def layer_table(df, precisions):
    lines = ["| shape (NHWC) | precision | Keras's ops, ms, median (runs) | fused, ms, median (runs) | Keras / fused |",
             "|---|---|---|---|---|"]
    for shape in ("x".join(map(str, s)) for s in LAYER_SHAPES):
        for precision in precisions:
            sub = df[df.precision == precision]
            k, f = sub[f"{shape} keras"].tolist(), sub[f"{shape} fused"].tolist()
            lines.append(f"| {shape} | {precision} | {median_and_runs(k, '{:.2f}')} | {median_and_runs(f, '{:.2f}')} | "
                         f"{statistics.median(k) / statistics.median(f):.2f} |")
    return lines


def model_table(df, precisions):
    fmt = "{:.0f}" if df.images_per_s.median() >= 20 else "{:.3f}"
    lines = ["| precision | Keras's layer images/s, median (runs) | fused images/s, median (runs) | fused / Keras |",
             "|---|---|---|---|"]
    for precision in precisions:
        k = df[(df.variant == "keras") & (df.precision == precision)].images_per_s.tolist()
        f = df[(df.variant == "fused") & (df.precision == precision)].images_per_s.tolist()
        lines.append(f"| {precision} | {median_and_runs(k, fmt)} | {median_and_runs(f, fmt)} | "
                     f"{statistics.median(f) / statistics.median(k):.2f} |")
    return lines


def main(argv=None):
    import pandas as pd

    import toolbox_small_data as tsd

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--norm", choices=sorted(NORMS), default="batch")
    p.add_argument("--layers", action="store_true", help="instance norm layer by layer instead of a model's steps")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--name", default=None, help="file stem of the results (default fused_<norm>norm_ab[_layers])")
    p.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.layers and args.norm != "instance":
        p.error("--layers times instance norm: give --norm instance")
    if args.worker:
        return layers_worker(*args.worker[1:]) if args.worker[0] == "layers" else worker(*args.worker)
    name = args.name or f"fused_{args.norm}norm_ab" + ("_layers" if args.layers else "")
    precisions = ("mixed_bfloat16", "float32")
    rows = []
    for round_ in range(args.rounds):
        for variant in ("layers",) if args.layers else ("keras", "fused"):
            for precision in precisions:
                command = [str(Path(__file__).resolve()), "--worker"] + (
                    ["layers", precision] if args.layers else [args.norm, variant, precision])
                rows.append(dict(round=round_, variant=variant, precision=precision, **benchmark._spawn(command)))
                print(rows[-1], flush=True)
    df = pd.DataFrame(rows)
    out = HERE / "results" / name
    df.to_csv(f"{out}.csv", index=False)
    what = ("instance norm + ReLU, forward and backward, layer by layer" if args.layers
            else NORMS[args.norm][2] + f", training: Keras's {args.norm} norm vs the fused kernel")
    flags = (" --norm instance" if args.norm == "instance" else "") + (" --layers" if args.layers else "")
    lines = [f"# {what} (issue 22)", "",
             f"- Regenerate: `python scripts/benchmarks/fused_batchnorm_ab.py{flags} --rounds {args.rounds} "
             f"--name {name}`.",
             f"- Measured {datetime.datetime.now():%Y-%m-%d %H:%M}; commit {tsd.git_commit(['keras_gans'])}; "
             f"CPU: {tsd.cpu_note()}.",
             f"- {args.rounds} rounds, each a fresh process per configuration; "
             + ("median of 15 calls after 3." if args.layers else
                f"median step of {fit_timing.MODELS[NORMS[args.norm][0]][1]} after 2."), ""]
    lines += (layer_table if args.layers else model_table)(df, precisions)
    Path(f"{out}.md").write_text("\n".join(lines) + "\n")
    print(Path(f"{out}.md").read_text())


if __name__ == "__main__":
    main()
