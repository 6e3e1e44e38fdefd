"""The kernel gradient of a 4x4 stride-2 "same" convolution, TensorFlow's ``Conv2DBackpropFilter`` vs
``keras_gans.kernels.conv``'s patches-and-matmul (its space-to-depth patches, and the ``extract_patches`` ones it had
before), in float32 and bfloat16 (issue 22: re-justify the kernels).

    python scripts/benchmarks/conv_kernel_grad.py                 # batch 128, 5 rounds of 10 calls
    python scripts/benchmarks/conv_kernel_grad.py --batch 4 --name conv_kernel_grad_b4

Shapes (``--shapes``): ``dcgan``, the strided convolutions of DCGAN 32x32 (widths 64-256) and wider ones of the
U-Net/PatchGAN kind; ``pix2pix256``, Pix2Pix 256's U-Net and PatchGAN layers where many pixels meet many channels:

    python scripts/benchmarks/conv_kernel_grad.py --batch 4 --shapes pix2pix256 --name conv_kernel_grad_zen4_p2p_b4

Each round times every (dtype, shape, kernel) ``--calls`` times in a compiled ``tf.function``, the rounds interleaved;
the table holds the median and range over rounds of ms per call, and which path ``_kernel_grad_4x4s2`` takes.
Writes ``--out``/NAME.md and NAME.csv.
"""

import argparse
import datetime
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))

# (input of the strided conv without the batch: H, W, C_in), C_out
SHAPES = {
    # DCGAN 32x32 (widths 64-256) and wider ones of the U-Net/PatchGAN kind
    "dcgan": [((32, 32, 3), 64), ((16, 16, 64), 128), ((8, 8, 128), 256), ((32, 32, 128), 64), ((16, 16, 128), 256),
              ((8, 8, 256), 512), ((4, 4, 256), 512)],
    # Pix2Pix 256: the U-Net encoder's and PatchGAN's strided convs above the few-pixels end, and the decoder's
    # transposed convs (their kernel gradient is the same sum with output and input swapped: output -> input)
    "pix2pix256": [((128, 128, 64), 128), ((64, 64, 128), 256), ((32, 32, 256), 512), ((16, 16, 512), 512),
                   ((128, 128, 64), 256), ((64, 64, 128), 512), ((32, 32, 256), 1024)],
}


def main(argv=None):
    import pandas as pd
    import tensorflow as tf

    import toolbox_small_data as tsd
    from keras_gans.kernels import conv

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--calls", type=int, default=10)
    p.add_argument("--out", default=str(HERE / "results"))
    p.add_argument("--name", default="conv_kernel_grad_bf16")
    p.add_argument("--shapes", default="dcgan", choices=list(SHAPES))
    args = p.parse_args(argv)

    def native(high, low):
        return tf.compat.v1.nn.conv2d_backprop_filter(high, [4, 4, high.shape[3], low.shape[3]], low, conv._STRIDES,
                                                      "SAME")

    def extract_patches(high, low):  # the library's patches until 5d4d537, for comparison
        padded = tf.pad(high, [[0, 0], [1, 1], [1, 1], [0, 0]])
        cols = tf.image.extract_patches(padded, [1, 4, 4, 1], [1, 2, 2, 1], [1, 1, 1, 1], "VALID")
        grad = tf.matmul(tf.reshape(cols, (-1, 16 * high.shape[3])), tf.reshape(low, (-1, low.shape[3])),
                         transpose_a=True)
        return tf.reshape(grad, (4, 4, high.shape[3], low.shape[3]))

    kernels = {"native Conv2DBackpropFilter": native, "extract_patches + matmul (until 5d4d537)": extract_patches,
               "space-to-depth patches + matmul": conv._kernel_grad_patches,
               "chosen (_kernel_grad_4x4s2)": conv._kernel_grad_4x4s2}
    cases = []
    for dtype in (tf.float32, tf.bfloat16):
        for (h, w, c_in), c_out in SHAPES[args.shapes]:
            high = tf.cast(tf.random.stateless_normal((args.batch, h, w, c_in), (0, 1)), dtype)
            low = tf.cast(tf.random.stateless_normal((args.batch, h // 2, w // 2, c_out), (0, 2)), dtype)
            for name, fn in kernels.items():
                f = tf.function(fn)
                f(high, low).numpy()
                cases.append((dtype.name, f"{h}x{w}x{c_in} -> {c_out}", name, f, high, low))
    rows = []
    for round_ in range(args.rounds):
        for dtype, shape, name, f, high, low in cases:
            start = time.perf_counter()
            for _ in range(args.calls):
                out = f(high, low)
            out.numpy()
            rows.append(dict(round=round_, dtype=dtype, shape=shape, kernel=name,
                             ms=1000 * (time.perf_counter() - start) / args.calls))
        print(f"round {round_ + 1}/{args.rounds} done", flush=True)
    df = pd.DataFrame(rows)
    stem = Path(args.out) / args.name
    df.to_csv(f"{stem}.csv", index=False)
    lines = [f"# 4x4 stride-2 kernel gradient, batch {args.batch}: native vs patches + matmul", "",
             f"- Regenerate: `python scripts/benchmarks/conv_kernel_grad.py --batch {args.batch} --rounds {args.rounds}"
             f" --calls {args.calls}{'' if args.shapes == 'dcgan' else ' --shapes ' + args.shapes}"
             f" --name {args.name}`.",
             f"- Measured {datetime.datetime.now():%Y-%m-%d %H:%M}; commit {tsd.git_commit(['keras_gans'])}; "
             f"CPU: {tsd.cpu_note()}.",
             f"- ms per call, median (range) over {args.rounds} interleaved rounds of {args.calls} calls.", "",
             "| dtype | input -> output channels | " + " | ".join(kernels) + " |",
             "|---|---|" + "---|" * len(kernels)]
    for (dtype, shape), group in df.groupby(["dtype", "shape"], sort=False):
        cells = []
        for name in kernels:
            ms = group[group.kernel == name].ms.tolist()
            cells.append(f"{statistics.median(ms):.1f} ({min(ms):.1f}-{max(ms):.1f})")
        lines.append(f"| {dtype} | {shape} | " + " | ".join(cells) + " |")
    Path(f"{stem}.md").write_text("\n".join(lines) + "\n")
    print(Path(f"{stem}.md").read_text())


if __name__ == "__main__":
    main()
