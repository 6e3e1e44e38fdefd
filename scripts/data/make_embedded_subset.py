"""Write ``keras_gans/datasets/data/fashion_mnist_subset.npz``: the first N training images per class.

Source: the Fashion-MNIST IDX files (Xiao, Rasul & Vollgraf 2017) as installed by Debian's
``dataset-fashion-mnist`` in /usr/share/datasets/fashion-mnist (or any folder given by --data-dir).

    python scripts/data/make_embedded_subset.py [--per-class 600] [--data-dir DIR]
"""

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]  # scripts/data/ -> the repository
sys.path.insert(0, str(REPO))  # run from a checkout without installing

from keras_gans.datasets.fashion_mnist import find_fashion_mnist_files, load_fashion_mnist

OUTPUT = REPO / "keras_gans" / "datasets" / "data" / "fashion_mnist_subset.npz"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-class", type=int, default=600)
    parser.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()

    print("reading", find_fashion_mnist_files("train", args.data_dir)[0])
    images, labels = load_fashion_mnist("train", data_dir=args.data_dir)
    indices = np.sort(
        np.concatenate([np.flatnonzero(labels == c)[: args.per_class] for c in range(int(labels.max()) + 1)])
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.output,
        images=images[indices],
        labels=labels[indices].astype(np.uint8),
        indices=indices.astype(np.int64),
    )
    print(f"wrote {args.output}: {len(indices)} images, {args.output.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
