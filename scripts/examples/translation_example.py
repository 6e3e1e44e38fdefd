"""The README's translation example: held-out numbers and a figure from models trained by the CLI.

    keras-gans train pix2pix --epochs 3 --steps-per-epoch 500 --out runs/pix2pix
    keras-gans train cyclegan --epochs 2 --steps-per-epoch 300 --out runs/cyclegan
    python scripts/examples/translation_example.py --pix2pix runs/pix2pix/model.keras --cyclegan runs/cyclegan/model.keras

Pix2Pix (fashion_edges: sketch -> garment) is scored on Fashion-MNIST *test* images it never saw:
mean absolute error in uint8 levels against the true garment, next to two baselines (the mean
training garment; the sketch itself). Figures go to docs/.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]  # scripts/examples/ -> the repository


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pix2pix")
    p.add_argument("--cyclegan")
    p.add_argument("--num-test", type=int, default=1000)
    p.add_argument("--out", default=str(REPO / "docs"))
    args = p.parse_args(argv)
    sys.path.insert(0, str(REPO))
    import keras

    import keras_gans  # noqa: F401
    from keras_gans.datasets.translation import load_paired, load_unpaired
    from keras_gans.serving.images import make_grid, save_png

    out = Path(args.out)
    if args.pix2pix:
        model = keras.models.load_model(args.pix2pix)
        a, b, _ = load_paired("fashion_edges", split="test")
        a, b = a[: args.num_test], b[: args.num_test]
        fake = model.translate(a, batch_size=100)
        train_a, train_b, _ = load_paired("fashion_edges")
        mae = lambda x: float(np.mean(np.abs(x.astype(np.float64) - b.astype(np.float64))))  # noqa: E731
        print(f"pix2pix on {len(a)} test images: MAE {mae(fake):.1f} uint8 levels; baselines: mean training garment "
              f"{mae(np.broadcast_to(np.round(train_b.mean(axis=0)).astype(np.uint8), b.shape)):.1f}, "
              f"the sketch itself {mae(a):.1f}")
        rows = np.stack([a[:8], fake[:8], b[:8]], axis=1).reshape(-1, *a.shape[1:])
        print("wrote", save_png(make_grid(rows, cols=3), str(out / "pix2pix_fashion_edges.png")))
    if args.cyclegan:
        model = keras.models.load_model(args.cyclegan)
        a, b, _ = load_unpaired("fashion_sneaker2boot", split="test")
        fake_b, fake_a = model.translate(a[:8], "AtoB"), model.translate(b[:8], "BtoA")
        rows = np.stack([a[:8], fake_b, b[:8], fake_a], axis=1).reshape(-1, *a.shape[1:])
        print("wrote", save_png(make_grid(rows, cols=4), str(out / "cyclegan_sneaker2boot.png")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
