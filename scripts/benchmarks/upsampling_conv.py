"""Nearest 2x up-sampling + convolution: the composition of Keras layers vs ``keras_gans.kernels.UpsamplingConv2D``
(computed at the low resolution), float32 and mixed_bfloat16, interleaved fresh processes (issue 22).

    python scripts/benchmarks/upsampling_conv.py --layers --rounds 3 --name upsampling_conv_layers_zen4
    python scripts/benchmarks/upsampling_conv.py --rounds 3 --name upsampling_conv_zen4

``--layers``: each up-sampling layer of the AdaIN decoder (256x256 output), SN-GAN's ResNet generator (32x32) and
BEGAN's generator (64x64), forward and forward + gradients, the median of 15 calls after 3, both variants in one
process. Without it, whole models in fresh processes: AdaIN 256x256 stylizing (one content and one style per call,
``bench_adain.py``'s worker) and training at batch 8, SN-GAN 32x32 and BEGAN 64x64 training steps with ``fit``;
the "composition" processes build the networks with ``UpSampling2D`` (+ ``ReflectionPadding2D``) + ``FastConv2D``
in place of each ``UpsamplingConv2D``, the layers the networks had before. Writes ``results/NAME.md`` and ``.csv``.
"""

import argparse
import datetime
import json
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

import benchmark  # noqa: E402  (_spawn: a worker in a fresh process)
import fit_timing  # noqa: E402  (the timed fit)
from export_latency import timed  # noqa: E402  (the median in milliseconds)
from fused_batchnorm_ab import median_and_runs  # noqa: E402

# (network, low-resolution input H = W, channels in, filters, kernel, border): the layers UpsamplingConv2D replaced
LAYERS = (("AdaIN decoder", 32, 256, 256, 3, "reflect"), ("AdaIN decoder", 64, 128, 128, 3, "reflect"),
          ("AdaIN decoder", 128, 64, 64, 3, "reflect"), ("SN-GAN G b64", 16, 256, 256, 3, "zeros"),
          ("SN-GAN G b64 shortcut", 16, 256, 256, 1, "zeros"), ("BEGAN G b16", 32, 64, 64, 3, "zeros"))
BATCH = {"AdaIN decoder": 1, "SN-GAN G b64": 64, "SN-GAN G b64 shortcut": 64, "BEGAN G b16": 16}
MODELS = {"adain_stylize": "AdaIN 256x256 stylize (images/s)",
          "adain_train": "AdaIN 256x256 batch 8 training (steps/s)",
          "sngan": "SN-GAN 32x32 training, 5 D minibatches of 64 (steps/s)",
          "began": "BEGAN 64x64 batch 16 training (steps/s)"}


def composition(filters, kernel_size, border="zeros", name=None, **kwargs):
    """The layers the networks used before UpsamplingConv2D: a function applying them in the caller's graph (not a
    nested model, whose last layer ``precision.convert`` would keep in float32 as an output layer)."""
    import keras

    from keras_gans.kernels import FastConv2D
    from keras_gans.layers import ReflectionPadding2D

    def apply(x):
        x = keras.layers.UpSampling2D(2, interpolation="nearest", name=name and f"{name}_up")(x)
        if border == "reflect":
            x = ReflectionPadding2D(1, name=name and f"{name}_pad")(x)
        padding = "valid" if border == "reflect" else "same"
        return FastConv2D(filters, kernel_size, padding=padding, name=name, **kwargs)(x)

    return apply


def layers_worker(precision):
    import keras
    import tensorflow as tf

    sys.path.insert(0, str(REPO))
    from keras_gans.kernels import UpsamplingConv2D

    keras.mixed_precision.set_global_policy(precision)
    out = {}
    for net, size, c_in, filters, k, border in LAYERS:
        x = tf.random.stateless_normal((BATCH[net], size, size, c_in), seed=[0, 1])
        inputs = keras.Input(x.shape[1:], batch_size=x.shape[0])
        for variant, layer in (("composition", composition(filters, k, border, activation="relu")),
                               ("upsampling_conv", UpsamplingConv2D(filters, k, border=border, activation="relu"))):
            layer = keras.Model(inputs, layer(inputs))

            @tf.function
            def forward(x):
                return layer(x)

            @tf.function
            def train(x):
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    loss = tf.reduce_sum(tf.cast(layer(x), tf.float32) * 1e-3)
                return tape.gradient(loss, [x, *layer.trainable_weights])

            for mode, fn in (("forward", forward), ("train", train)):
                out[f"{net}|{size}|{c_in}|{filters}|{k}|{mode}|{variant}"] = timed(
                    lambda: tf.nest.map_structure(lambda t: t.numpy(), fn(x)), 3, 15)
    print("RESULT " + json.dumps(out))


def model_worker(model_name, variant, precision):
    sys.path.insert(0, str(REPO))
    from keras_gans.networks import began, sngan, vgg

    if variant == "composition":
        for module in (began, sngan, vgg):
            module.UpsamplingConv2D = composition
    if model_name.startswith("adain"):
        import bench_adain

        task = model_name.split("_")[1]
        cfg = dict(task=task, size=256, precision=precision, batch=8, warmup=2, steps=3, images=24)
        result = bench_adain.keras_worker(cfg)
        print("RESULT " + json.dumps(dict(per_s=result["per_s"], peak_rss_mb=result["peak_rss_mb"])))
        return
    images_per_s, _ = fit_timing.timed_fit(model_name, precision)
    print("RESULT " + json.dumps(dict(per_s=images_per_s / fit_timing.MODELS[model_name][0],  # steps/s
                                      peak_rss_mb=benchmark.rss_mb())))


def layer_table(df, precisions):
    lines = ["| layer (network) | low-res input, NHWC | filters, kernel | precision | pass | composition, ms | "
             "UpsamplingConv2D, ms | composition / UpsamplingConv2D |", "|---|---|---|---|---|---|---|---|"]
    for net, size, c_in, filters, k, _ in LAYERS:
        for precision in precisions:
            sub = df[df.precision == precision]
            for mode in ("forward", "train"):
                key = f"{net}|{size}|{c_in}|{filters}|{k}|{mode}"
                a, b = sub[f"{key}|composition"].tolist(), sub[f"{key}|upsampling_conv"].tolist()
                lines.append(f"| {net} | {BATCH[net]}x{size}x{size}x{c_in} | {filters}, {k}x{k} | {precision} | "
                             f"{'forward' if mode == 'forward' else 'forward + gradients'} | "
                             f"{median_and_runs(a, '{:.2f}')} | {median_and_runs(b, '{:.2f}')} | "
                             f"{statistics.median(a) / statistics.median(b):.2f} |")
    return lines


def model_table(df, precisions):
    lines = ["| model | precision | composition, per s, median (runs) | UpsamplingConv2D, per s, median (runs) | "
             "ratio | peak RSS MB (composition / UpsamplingConv2D) |", "|---|---|---|---|---|---|"]
    for model_name, what in MODELS.items():
        for precision in precisions:
            sub = df[(df.model == model_name) & (df.precision == precision)]
            if sub.empty:
                continue
            a = sub[sub.variant == "composition"]
            b = sub[sub.variant == "upsampling_conv"]
            fmt = "{:.3f}" if a.per_s.median() < 10 else "{:.2f}"
            lines.append(f"| {what} | {precision} | {median_and_runs(a.per_s.tolist(), fmt)} | "
                         f"{median_and_runs(b.per_s.tolist(), fmt)} | {b.per_s.median() / a.per_s.median():.2f} | "
                         f"{a.peak_rss_mb.median():.0f} / {b.peak_rss_mb.median():.0f} |")
    return lines


def main(argv=None):
    import pandas as pd

    import toolbox_small_data as tsd

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--layers", action="store_true", help="layer by layer instead of whole models")
    p.add_argument("--models", nargs="+", choices=sorted(MODELS), default=list(MODELS))
    p.add_argument("--precisions", nargs="+", default=["mixed_bfloat16", "float32"])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--name", default=None, help="file stem of the results (default upsampling_conv[_layers])")
    p.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        return layers_worker(*args.worker[1:]) if args.worker[0] == "layers" else model_worker(*args.worker)
    name = args.name or "upsampling_conv" + ("_layers" if args.layers else "")
    rows = []
    for round_ in range(args.rounds):
        plan = [("layers", None, precision) for precision in args.precisions] if args.layers else [
            (m, v, precision) for m in args.models for precision in args.precisions
            for v in (("composition", "upsampling_conv") if round_ % 2 == 0 else ("upsampling_conv", "composition"))]
        for model_name, variant, precision in plan:
            command = [str(Path(__file__).resolve()), "--worker"] + (
                ["layers", precision] if args.layers else [model_name, variant, precision])
            rows.append(dict(round=round_, model=model_name, variant=variant, precision=precision,
                             **benchmark._spawn(command, timeout=1800)))
            print({k: v for k, v in rows[-1].items() if "|" not in k}, flush=True)
    df = pd.DataFrame(rows)
    out = HERE / "results" / name
    df.to_csv(f"{out}.csv", index=False)
    flags = " --layers" if args.layers else ""
    if not args.layers and args.models != list(MODELS):
        flags += " --models " + " ".join(args.models)
    if args.precisions != ["mixed_bfloat16", "float32"]:
        flags += " --precisions " + " ".join(args.precisions)
    lines = ["# Nearest 2x up-sampling + convolution: Keras layers vs UpsamplingConv2D (issue 22)", "",
             f"- Regenerate: `python scripts/benchmarks/upsampling_conv.py{flags} --rounds {args.rounds} "
             f"--name {name}`.",
             f"- Measured {datetime.datetime.now():%Y-%m-%d %H:%M}; commit {tsd.git_commit(['keras_gans'])}; "
             f"CPU: {tsd.cpu_note()}.",
             f"- {args.rounds} rounds, each a fresh process per " + (
                 "precision; median of 15 calls after 3." if args.layers else
                 "configuration, the variants' order alternating per round; AdaIN stylizing: 24 images after 2, "
                 "training: 3 steps after 2; SN-GAN 4 and BEGAN 10 steps after 2 (median step)."), ""]
    lines += (layer_table if args.layers else model_table)(df, args.precisions)
    Path(f"{out}.md").write_text("\n".join(lines) + "\n")
    print(Path(f"{out}.md").read_text())


if __name__ == "__main__":
    main()
