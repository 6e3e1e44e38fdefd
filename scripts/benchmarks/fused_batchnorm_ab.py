"""DCGAN 32x32x3 batch 128 with Keras's batch norm vs TensorFlow's fused kernel for single-replica training
(``keras_gans.kernels.FastBatchNormalization``, the library's default since this measurement), float32 and
mixed_bfloat16, interleaved process pairs (issue 22).

    python scripts/benchmarks/fused_batchnorm_ab.py --rounds 3 --name fused_batchnorm_amx

Keras 3's ``BatchNormalization`` computes the moments and normalises in separate element-wise ops (in float32,
with casts around them under a mixed policy). ``FusedBN`` below sends a training call on one replica through
``FusedBatchNormV3`` (oneDNN) instead: same outputs and gradients to float32 rounding, the kernel's unbiased batch
variance turned back into Keras's biased one for the moving average. The "keras" runs put Keras's own
``BatchNormalization`` in its place in the network builders (``--worker``), builds DCGAN, and times 26 ``fit``
steps after 2 (median step). Writes ``results/NAME.md`` and ``.csv``. (``results/fused_batchnorm_ab.md``, measured
on Zen 4 before the layer entered the library, installed an equivalent experimental layer instead.)
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
import fit_timing  # noqa: E402  (the timed fit, shared with transpose_conv.py and runtime_ab.py)


def worker(variant, precision):
    import keras

    sys.path.insert(0, str(REPO))
    from keras_gans.networks import common

    if variant == "keras":  # the library's networks with Keras's own batch norm in place of FastBatchNormalization
        common.FastBatchNormalization = keras.layers.BatchNormalization
    images_per_s, model = fit_timing.timed_fit("dcgan", precision)
    classes = sorted({type(layer).__name__ for net in (model.generator, model.discriminator) for layer in net.layers
                      if "Normalization" in type(layer).__name__})
    print("RESULT " + json.dumps(dict(images_per_s=images_per_s, norm_classes=classes)))


def main(argv=None):
    import pandas as pd

    sys.path.insert(0, str(HERE))
    import toolbox_small_data as tsd

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--name", default="fused_batchnorm_ab", help="file stem of the results")
    p.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        return worker(*args.worker)
    rows = []
    for round_ in range(args.rounds):
        for variant in ("keras", "fused"):
            for precision in ("mixed_bfloat16", "float32"):
                rows.append(dict(round=round_, variant=variant, precision=precision,
                                 **benchmark._spawn([str(Path(__file__).resolve()), "--worker", variant, precision])))
                print(rows[-1], flush=True)
    df = pd.DataFrame(rows)
    out = HERE / "results" / args.name
    df.to_csv(f"{out}.csv", index=False)
    lines = ["# DCGAN 32x32x3 batch 128: Keras's batch norm vs the fused kernel (issue 22)", "",
             f"- Regenerate: `python scripts/benchmarks/fused_batchnorm_ab.py --rounds {args.rounds} --name {args.name}`.",
             f"- Measured {datetime.datetime.now():%Y-%m-%d %H:%M}; commit {tsd.git_commit(['keras_gans'])}; "
             f"CPU: {tsd.cpu_note()}.",
             f"- {args.rounds} rounds, each a fresh process per configuration; median step of 26 after 2.", "",
             "| precision | Keras BN images/s, median (runs) | fused BN images/s, median (runs) | fused / Keras |",
             "|---|---|---|---|"]
    for precision in ("float32", "mixed_bfloat16"):
        k = df[(df.variant == "keras") & (df.precision == precision)].images_per_s.tolist()
        f = df[(df.variant == "fused") & (df.precision == precision)].images_per_s.tolist()
        lines.append(f"| {precision} | {statistics.median(k):.0f} ({', '.join(f'{v:.0f}' for v in k)}) | "
                     f"{statistics.median(f):.0f} ({', '.join(f'{v:.0f}' for v in f)}) | "
                     f"{statistics.median(f) / statistics.median(k):.2f} |")
    Path(f"{out}.md").write_text("\n".join(lines) + "\n")
    print(Path(f"{out}.md").read_text())


if __name__ == "__main__":
    main()
