"""A small real Fashion-MNIST subset shipped inside the package, for offline quick starts and tests.

``data/fashion_mnist_subset.npz`` holds the first 600 training images of each of the 10 classes
(6000 images, in their original order) of Fashion-MNIST (Xiao, Rasul & Vollgraf 2017), made by
``scripts/data/make_embedded_subset.py`` from the IDX files of Debian's ``dataset-fashion-mnist``. Arrays:
``images`` uint8 [6000, 28, 28, 1], ``labels`` uint8 [6000], ``indices`` int64 [6000] (positions in
the 60000-image training set). Fashion-MNIST is MIT-licensed (Zalando SE).
"""

from importlib import resources

import numpy as np

SUBSET_FILE = "fashion_mnist_subset.npz"


def embedded_subset_path():
    """Path (a ``Traversable``) of the shipped ``.npz`` file."""
    return resources.files("keras_gans.datasets") / "data" / SUBSET_FILE


def load_embedded(with_indices=False):
    """The shipped subset as ``(images, labels)``: uint8 ``[N, 28, 28, 1]`` and int64 ``[N]``.

    With ``with_indices`` also returns the images' positions in the Fashion-MNIST training set.
    """
    path = embedded_subset_path()
    if not path.is_file():
        raise FileNotFoundError(
            f"the embedded Fashion-MNIST subset {path} is missing from this installation: "
            "reinstall keras_gans or run scripts/data/make_embedded_subset.py"
        )
    with path.open("rb") as f, np.load(f) as data:
        images = data["images"]
        labels = data["labels"].astype(np.int64)
        indices = data["indices"].astype(np.int64)
    if images.dtype != np.uint8 or images.shape[1:] != (28, 28, 1) or labels.shape != (len(images),):
        raise ValueError(
            f"the embedded subset {path} is malformed: images {images.shape} {images.dtype}, labels {labels.shape}"
        )
    return (images, labels, indices) if with_indices else (images, labels)
