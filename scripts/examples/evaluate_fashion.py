"""The README's evaluation table: FID / KID / memorisation of trained generators on Fashion-MNIST.

    python scripts/examples/evaluate_fashion.py dcgan=runs/dcgan/model.keras wgan_gp=runs/wgan_gp/model.keras ...

For each ``name=MODEL``: ``--num-samples`` generated images (10000; balanced labels for conditional
models) against the 10000 Fashion-MNIST test images, FID and KID (100 subsets of 1000) on the
shipped classifier's 128-d features, and the memorisation check against the embedded 6000-image
training subset the CLI trains on. Then the real-vs-real floors on the same features: the first
10000 images of the real training split vs the test split, and the embedded subset vs the test
split. Writes scripts/benchmarks/results/fashion_eval.csv and .md (and memorization_NAME.png
beside them).
"""

import argparse
import os
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"  # scripts/benchmarks/results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", help="NAME=PATH (.keras or SavedModel)")
    parser.add_argument("--num-samples", type=int, default=10000)
    parser.add_argument("--out", default=str(RESULTS / "fashion_eval"))
    args = parser.parse_args(argv)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import pandas as pd

    from keras_gans import datasets
    from keras_gans.cli.evaluate import evaluate_model
    from keras_gans.evaluation.results import write_table
    from keras_gans.evaluation.metrics import evaluate_samples

    test = datasets.load_arrays("fashion_mnist", split="test")[0]
    train = datasets.load_arrays("embedded")[0]
    full_train = datasets.load_arrays("fashion_mnist", split="train")[0]
    rows = []
    for spec in args.models:
        name, path = spec.split("=", 1)
        start = time.perf_counter()
        for row in evaluate_model(path, ("fid", "kid", "memorization"), args.num_samples,
                                  memorization_png=os.path.join(os.path.dirname(args.out), f"memorization_{name}.png")):
            rows.append({"model": name, **row})
        print(f"{name}: {time.perf_counter() - start:.0f} s", flush=True)
    for name, real in (("real: train[:10000] vs test", full_train[:10000]), ("real: embedded 6000 vs test", train)):
        for row in evaluate_samples(real, test, ("fid", "kid", "memorization"), train=train):
            rows.append({"model": name, **row, "real": "fashion_mnist:test"})
    table = pd.DataFrame(rows)
    csv, md = write_table(table, args.out)
    print(open(md).read())
    print(f"wrote {csv} and {md}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
