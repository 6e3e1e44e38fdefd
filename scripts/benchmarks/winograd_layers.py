"""Winograd convolutions against the ones they replace, per layer: forward, and forward with both gradients
(issue 22; ``keras_gans.kernels.winograd``).

    python scripts/benchmarks/winograd_layers.py --rounds 3 --name winograd_layers_zen4
    python scripts/benchmarks/winograd_layers.py --kind 4x4s2 --rounds 3 --name winograd_4x4s2_zen4
    python scripts/benchmarks/winograd_layers.py --kind 4x4s2-transpose --rounds 3 --name winograd_4x4s2t_zen4

``--kind 3x3`` (the default): F(2x2, 3x3) against ``tf.nn.conv2d``.
Each shape (batch x size x channels in -> out, 3x3, stride 1, "valid" on an input 2 pixels larger) in float32 and
bfloat16: ``tf.nn.conv2d`` and ``winograd.conv3x3`` as ``tf.function`` s, the median of ``--calls`` calls after 2,
the two alternating within a process; ``--rounds`` fresh processes. The shapes are the layers the threshold
(``MIN_CHANNELS``) was chosen from: CycleGAN's residual blocks (64x64x256, batch 1), the VGG encoder's and AdaIN
decoder's (32x32x512, 64x64x256 at batch 8 in training), and three narrower ones it leaves to TensorFlow.
``--kind 4x4s2`` and ``4x4s2-transpose``: F(2x2, 2x2) on the space-to-depth (``winograd.conv4x4s2`` and its
transpose) against what ``FastConv2D`` / ``FastConv2DTranspose`` ran before it (``conv.conv2d_4x4s2`` and
``conv.conv2d_transpose_4x4s2``, oneDNN's kernels with the library's gradients; ``4x4s2-transpose`` is what the
layer runs, Winograd's forward pass with those gradients, ``4x4s2-transpose-adjoint`` Winograd's gradients too); a
shape ``NxSxCxK`` is an S x S
input with C channels, K out (S / 2 or 2 S out), and the defaults are DCGAN's (32², batch 128) and Pix2Pix's
U-Net and PatchGAN layers (256², batches 1 and 4).
Writes ``results/NAME.md`` and ``.csv``.
"""

import argparse
import datetime
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
import benchmark  # noqa: E402  (_spawn: a worker in a fresh process)

KIND_SHAPES = {
    "4x4s2": ["128x16x64x128", "128x8x128x256", "1x128x64x128", "1x64x128x256", "1x32x256x512", "1x16x512x512",
              "4x128x64x128", "4x64x128x256", "4x32x256x512", "4x16x512x512"],
    "4x4s2-transpose-adjoint": ["128x4x256x128", "128x8x128x64", "1x16x1024x256", "1x32x512x128", "1x64x256x64",
                                "4x16x1024x256", "4x32x512x128", "4x64x256x64"],
    "4x4s2-transpose": ["128x4x256x128", "128x8x128x64", "1x16x1024x256", "1x32x512x128", "1x64x256x64",
                        "4x16x1024x256", "4x32x512x128", "4x64x256x64"],
}
SHAPES = ["1x64x256x256", "1x32x512x512", "8x64x256x256", "8x32x512x512", "1x64x256x128", "1x128x128x128",
          "1x256x64x64"]
DTYPES = ["bfloat16", "float32"]


def worker(kind, shape, dtype, calls):
    import numpy as np
    import tensorflow as tf

    sys.path.insert(0, str(REPO))
    from keras_gans.kernels import conv as fast, native, winograd

    assert native.library() is not None, native.why_not()
    n, size, c, k = map(int, shape.split("x"))
    rng = np.random.default_rng(0)
    if kind == "3x3":
        x_size, kernel_shape, y_size = size + 2, (3, 3, c, k), size
        convs = (("direct", lambda a, b: tf.nn.conv2d(a, b, 1, "VALID")), ("winograd", winograd.conv3x3))
    elif kind == "4x4s2":
        x_size, kernel_shape, y_size = size, (4, 4, c, k), size // 2
        convs = (("direct", fast.conv2d_4x4s2), ("winograd", winograd.conv4x4s2))
    else:
        x_size, kernel_shape, y_size = size, (4, 4, k, c), 2 * size
        ours = winograd.conv4x4s2_transpose if kind.endswith("adjoint") else fast.winograd_transpose_4x4s2
        convs = (("direct", fast.conv2d_transpose_4x4s2), ("winograd", ours))
    x = tf.constant(rng.normal(size=(n, x_size, x_size, c)), dtype)
    kernel = tf.constant(rng.normal(size=kernel_shape) * 0.05, dtype)
    dy = tf.constant(rng.normal(size=(n, y_size, y_size, k)), dtype)

    def timed(conv, backward):
        @tf.function
        def step():
            with tf.GradientTape() as tape:
                tape.watch([x, kernel])
                y = conv(x, kernel)
            return tape.gradient(y, [x, kernel], output_gradients=dy) if backward else [y]

        return step

    steps = {(name, backward): timed(conv, backward) for name, conv in convs for backward in (False, True)}
    times = {key: [] for key in steps}
    for i in range(calls + 2):
        for key, step in steps.items():
            start = time.perf_counter()
            _ = [t.numpy() for t in step()]
            if i >= 2:
                times[key].append(time.perf_counter() - start)
    result = {f"{name} {'fwd+bwd' if backward else 'fwd'}": statistics.median(t) * 1e3
              for (name, backward), t in times.items()}
    print("RESULT " + json.dumps(result))


def main(argv=None):
    import pandas as pd

    import toolbox_small_data as tsd

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--calls", type=int, default=15)
    p.add_argument("--kind", choices=["3x3", *KIND_SHAPES], default="3x3")
    p.add_argument("--shapes", nargs="+")
    p.add_argument("--name", default="winograd_layers")
    p.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        return worker(*args.worker[:3], int(args.worker[3]))
    args.shapes = args.shapes or KIND_SHAPES.get(args.kind, SHAPES)
    rows = []
    for round_ in range(args.rounds):
        for shape in args.shapes:
            for dtype in DTYPES:
                result = benchmark._spawn([str(Path(__file__).resolve()), "--worker", args.kind, shape, dtype,
                                                           str(args.calls)],
                                          {"TF_CPU_ALLOCATOR_USE_BFC": "true"})
                rows.append(dict(round=round_, shape=shape, dtype=dtype, **result))
                print(rows[-1], flush=True)
    df = pd.DataFrame(rows)
    out = HERE / "results" / args.name
    df.to_csv(f"{out}.csv", index=False)
    title = {"3x3": "F(2x2, 3x3) against TensorFlow's 3x3 convolution",
             "4x4s2": "F(2x2, 2x2) against the library's 4x4 stride-2 convolution (oneDNN's kernel)",
             "4x4s2-transpose": "F(2x2, 2x2) forward with the library's gradients against the library's 4x4 stride-2 "
                                "transposed convolution",
             "4x4s2-transpose-adjoint": "F(2x2, 2x2), gradients included, against the library's 4x4 stride-2 "
                                        "transposed convolution"}[args.kind]
    lines = [f"# Winograd {title}, per layer (issue 22)", "",
             f"- Regenerate: `python scripts/benchmarks/winograd_layers.py --kind {args.kind} --rounds {args.rounds} "
             f"--calls {args.calls} "
             f"--shapes {' '.join(args.shapes)} --name {args.name}`. Method: the script's docstring.",
             f"- Measured {datetime.datetime.now():%Y-%m-%d %H:%M}; commit {tsd.git_commit(['keras_gans'])}; "
             f"CPU: {tsd.cpu_note()}.", "",
             f"Milliseconds a call, median over {args.rounds} processes (their range); speed-up = before / Winograd.",
             "", "| batch x input size x in -> out | dtype | before fwd | Winograd fwd | speed-up | before fwd+bwd | "
             "Winograd fwd+bwd | speed-up |", "|---|---|---|---|---|---|---|---|"]
    for shape in args.shapes:
        for dtype in DTYPES:
            sel = df[(df["shape"] == shape) & (df.dtype == dtype)]
            cells = []
            for what in ("fwd", "fwd+bwd"):
                tf_ms, wg_ms = sel[f"direct {what}"].tolist(), sel[f"winograd {what}"].tolist()
                cells += [f"{statistics.median(v):.1f} ({min(v):.1f}–{max(v):.1f})" for v in (tf_ms, wg_ms)]
                cells.append(f"**{statistics.median(tf_ms) / statistics.median(wg_ms):.2f}**")
            n, size, c, k = shape.split("x")
            lines.append(f"| {n} x {size}² x {c} -> {k} | {dtype} | " + " | ".join(cells) + " |")
    Path(f"{out}.md").write_text("\n".join(lines) + "\n")
    print(Path(f"{out}.md").read_text())


if __name__ == "__main__":
    main()
