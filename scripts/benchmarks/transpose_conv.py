"""The 4x4 stride-2 transposed convolution (and a strided convolution's input gradient) where oneDNN runs:
TensorFlow's own kernel against the sub-pixel phases and the matmul of ``keras_gans.kernels.conv``, per layer and
in whole training steps (issue 22).

    python scripts/benchmarks/transpose_conv.py --rounds 3 --name transpose_conv_amx

Part 1, per layer: the DCGAN 32x32 generator's layers at batch 128 and the Pix2Pix U-Net decoder's at batch 1 and
4, float32 and bfloat16, each path a ``tf.function`` timed over 15 calls after 2 (median, ms). Part 2, whole steps:
DCGAN 32x32x3 batch 128 and Pix2Pix 256x256 batch 1 trained with ``fit``, in fresh processes per configuration,
interleaved over ``--rounds``: "phases" makes ``kernels.conv`` take the phases where it now takes TensorFlow's
kernel (as it does without oneDNN), "native" is the library's default. Median step of 26 (DCGAN) or 8 (Pix2Pix)
after 2. Writes ``results/NAME.md`` and ``.csv``.
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
import fit_timing  # noqa: E402  (the timed fit of each model)
from fit_timing import MODELS  # noqa: E402

LAYERS = [  # (batch, input side, input channels, output channels, where)
    (128, 4, 256, 128, "DCGAN G 4x4x256 -> 8x8x128"),
    (128, 8, 128, 64, "DCGAN G 8x8x128 -> 16x16x64"),
    (1, 8, 1024, 512, "U-Net 8x8x1024 -> 16x16x512"),
    (1, 16, 1024, 256, "U-Net 16x16x1024 -> 32x32x256"),
    (1, 32, 512, 128, "U-Net 32x32x512 -> 64x64x128"),
    (1, 64, 256, 64, "U-Net 64x64x256 -> 128x128x64"),
    (4, 16, 1024, 256, "U-Net 16x16x1024 -> 32x32x256"),
    (4, 32, 512, 128, "U-Net 32x32x512 -> 64x64x128"),
    (4, 64, 256, 64, "U-Net 64x64x256 -> 128x128x64"),
]


def layers():
    import time

    import tensorflow as tf

    sys.path.insert(0, str(REPO))
    from keras_gans.kernels import conv

    def bench(f, *a, n=15):
        f(*a).numpy(), f(*a).numpy()
        times = []
        for _ in range(n):
            t = time.perf_counter()
            f(*a).numpy()
            times.append(time.perf_counter() - t)
        return statistics.median(times) * 1e3

    rows = []
    for dtype in (tf.bfloat16, tf.float32):
        for batch, h, c_in, c_out, where in LAYERS:
            x = tf.cast(tf.random.normal((batch, h, h, c_in)), dtype)
            k = tf.cast(tf.random.normal((4, 4, c_out, c_in)), dtype)
            paths = {"native": conv._transpose_conv_native, "phases": conv._transpose_conv_phases,
                     "matmul": conv._transpose_conv_matmul}
            row = dict(dtype=dtype.name, batch=batch, layer=where, switch="matmul" if batch * h * h <= c_in else "many")
            row.update({f"{name}_ms": bench(tf.function(f), x, k) for name, f in paths.items()})
            rows.append(row)
            print(row, flush=True)
    return rows


def worker(model_name, variant, precision):
    sys.path.insert(0, str(REPO))
    from keras_gans.kernels import conv

    if variant == "phases":
        conv.onednn_enabled = lambda: False
    images_per_s, _ = fit_timing.timed_fit(model_name, precision)
    print("RESULT " + json.dumps(dict(images_per_s=images_per_s, onednn=conv.onednn_enabled())))


def main(argv=None):
    import pandas as pd

    sys.path.insert(0, str(HERE))
    import toolbox_small_data as tsd

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    p.add_argument("--name", default="transpose_conv", help="file stem of the results")
    p.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        return worker(*args.worker)
    layer_rows = benchmark._spawn(["-c", f"import sys; sys.path.insert(0, {str(HERE)!r}); import transpose_conv, json; "
                                         "print('RESULT ' + json.dumps(transpose_conv.layers()))"])
    rows = []
    for round_ in range(args.rounds):
        for model_name in args.models:
            for variant in ("phases", "native") if round_ % 2 == 0 else ("native", "phases"):
                for precision in ("mixed_bfloat16", "float32"):
                    rows.append(dict(round=round_, model=model_name, variant=variant, precision=precision,
                                     **benchmark._spawn([str(Path(__file__).resolve()), "--worker", model_name, variant, precision])))
                    print(rows[-1], flush=True)
    df = pd.DataFrame(rows)
    out = HERE / "results" / args.name
    df.to_csv(f"{out}.csv", index=False)
    pd.DataFrame(layer_rows).to_csv(f"{out}_layers.csv", index=False)
    lines = ["# The 4x4 stride-2 transposed convolution where oneDNN runs: TensorFlow's kernel vs the phases "
             "(issue 22)", "",
             f"- Regenerate: `python scripts/benchmarks/transpose_conv.py --rounds {args.rounds} --name {args.name}`. "
             "Method: the script's docstring.",
             f"- Measured {datetime.datetime.now():%Y-%m-%d %H:%M}; commit {tsd.git_commit(['keras_gans'])}; "
             f"CPU: {tsd.cpu_note()}; oneDNN on in the \"native\" runs: "
             f"{sorted({r['onednn'] for r in rows if r['variant'] == 'native'})}.",
             "", "## Per layer (ms per call, median of 15)", "",
             "| precision | batch | layer | the switch's side | native | phases | matmul |", "|---|---|---|---|---|---|---|"]
    for r in layer_rows:
        lines.append(f"| {r['dtype']} | {r['batch']} | {r['layer']} | {r['switch']} | {r['native_ms']:.2f} | "
                     f"{r['phases_ms']:.2f} | {r['matmul_ms']:.2f} |")
    lines += ["", "(\"many\": above the pixels = input channels switch, where the library now takes TensorFlow's "
              "kernel when oneDNN runs, and took the phases before; \"matmul\": below it, unchanged.)", "",
              f"## Whole training steps ({args.rounds} rounds, fresh processes, images/s)", "",
              "| model | precision | phases, median (runs) | native, median (runs) | native / phases |",
              "|---|---|---|---|---|"]
    for model_name in args.models:
        batch = MODELS[model_name][0]
        for precision in ("mixed_bfloat16", "float32"):
            sel = (df.model == model_name) & (df.precision == precision)
            ph, na = (df[sel & (df.variant == v)].images_per_s.tolist() for v in ("phases", "native"))
            fmt = "{:.0f}" if statistics.median(ph) >= 20 else "{:.2f}"
            lines.append(f"| {model_name} b{batch} | {precision} | {fmt.format(statistics.median(ph))} "
                         f"({', '.join(fmt.format(v) for v in ph)}) | {fmt.format(statistics.median(na))} "
                         f"({', '.join(fmt.format(v) for v in na)}) | "
                         f"{statistics.median(na) / statistics.median(ph):.2f} |")
    Path(f"{out}.md").write_text("\n".join(lines) + "\n")
    print(Path(f"{out}.md").read_text())


if __name__ == "__main__":
    main()
