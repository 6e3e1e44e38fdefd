"""Winograd F(2x2, 3x3) against TensorFlow's convolution, per layer: forward, and forward with both gradients
(issue 22; ``keras_gans.kernels.winograd``).

    python scripts/benchmarks/winograd_layers.py --rounds 3 --name winograd_layers_zen4

Each shape (batch x size x channels in -> out, 3x3, stride 1, "valid" on an input 2 pixels larger) in float32 and
bfloat16: ``tf.nn.conv2d`` and ``winograd.conv3x3`` as ``tf.function`` s, the median of ``--calls`` calls after 2,
the two alternating within a process; ``--rounds`` fresh processes. The shapes are the layers the threshold
(``MIN_CHANNELS``) was chosen from: CycleGAN's residual blocks (64x64x256, batch 1), the VGG encoder's and AdaIN
decoder's (32x32x512, 64x64x256 at batch 8 in training), and three narrower ones it leaves to TensorFlow.
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

SHAPES = ["1x64x256x256", "1x32x512x512", "8x64x256x256", "8x32x512x512", "1x64x256x128", "1x128x128x128",
          "1x256x64x64"]
DTYPES = ["bfloat16", "float32"]


def worker(shape, dtype, calls):
    import numpy as np
    import tensorflow as tf

    sys.path.insert(0, str(REPO))
    from keras_gans.kernels import native, winograd

    assert native.library() is not None, native.why_not()
    n, size, c, k = map(int, shape.split("x"))
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(n, size + 2, size + 2, c)), dtype)
    kernel = tf.constant(rng.normal(size=(3, 3, c, k)) * 0.05, dtype)
    dy = tf.constant(rng.normal(size=(n, size, size, k)), dtype)

    def timed(conv, backward):
        @tf.function
        def step():
            with tf.GradientTape() as tape:
                tape.watch([x, kernel])
                y = conv(x, kernel)
            return tape.gradient(y, [x, kernel], output_gradients=dy) if backward else [y]

        return step

    steps = {(name, backward): timed(conv, backward) for name, conv in
             (("direct", lambda a, b: tf.nn.conv2d(a, b, 1, "VALID")), ("winograd", winograd.conv3x3))
             for backward in (False, True)}
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
    p.add_argument("--shapes", nargs="+", default=SHAPES)
    p.add_argument("--name", default="winograd_layers")
    p.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        return worker(args.worker[0], args.worker[1], int(args.worker[2]))
    rows = []
    for round_ in range(args.rounds):
        for shape in args.shapes:
            for dtype in DTYPES:
                result = benchmark._spawn([str(Path(__file__).resolve()), "--worker", shape, dtype, str(args.calls)],
                                          {"TF_CPU_ALLOCATOR_USE_BFC": "true"})
                rows.append(dict(round=round_, shape=shape, dtype=dtype, **result))
                print(rows[-1], flush=True)
    df = pd.DataFrame(rows)
    out = HERE / "results" / args.name
    df.to_csv(f"{out}.csv", index=False)
    lines = ["# Winograd F(2x2, 3x3) against TensorFlow's 3x3 convolution, per layer (issue 22)", "",
             f"- Regenerate: `python scripts/benchmarks/winograd_layers.py --rounds {args.rounds} --calls {args.calls} "
             f"--shapes {' '.join(args.shapes)} --name {args.name}`. Method: the script's docstring.",
             f"- Measured {datetime.datetime.now():%Y-%m-%d %H:%M}; commit {tsd.git_commit(['keras_gans'])}; "
             f"CPU: {tsd.cpu_note()}.", "",
             f"Milliseconds a call, median over {args.rounds} processes (their range); speed-up = TensorFlow / Winograd.",
             "", "| batch x size x in -> out | dtype | TensorFlow fwd | Winograd fwd | speed-up | TensorFlow fwd+bwd | "
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
