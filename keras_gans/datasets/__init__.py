"""Training data: uint8 arrays from a source, then a ``tf.data`` pipeline of [-1, 1] float images.

Sources, by name: ``"embedded"`` (a 6000-image real Fashion-MNIST subset shipped in the package),
``"fashion_mnist"`` (local IDX files, else a Keras download), a folder of images, or a TensorFlow
Datasets name (``"tfds:NAME"`` or any registered builder name; downloads).
"""

import os
from pathlib import Path

import numpy as np

from keras_gans.datasets.catalog import load_tfds
from keras_gans.datasets.digits import load_digit_domain, load_handwritten_digits, load_printed_digits
from keras_gans.datasets.domains import make_domain_dataset
from keras_gans.datasets.embedded import load_embedded
from keras_gans.datasets.fashion_mnist import CLASS_NAMES, load_fashion_mnist, read_idx
from keras_gans.datasets.folders import load_image_folder
from keras_gans.core.images import scale_images, to_uint8
from keras_gans.datasets.pipeline import check_image_size, make_dataset, output_image_shape

__all__ = [
    "CLASS_NAMES",
    "load",
    "load_arrays",
    "load_digit_domain",
    "load_embedded",
    "load_fashion_mnist",
    "load_handwritten_digits",
    "load_image_folder",
    "load_printed_digits",
    "load_tfds",
    "make_dataset",
    "make_domain_dataset",
    "read_idx",
    "resize_images",
    "scale_images",
    "to_uint8",
]

TFDS_PREFIX = "tfds:"


def _tfds_builder_names():
    """Registered tfds builder names, or an empty set when tensorflow_datasets cannot be imported."""
    try:
        import tensorflow_datasets as tfds

        return set(tfds.list_builders(with_community_datasets=False))
    except Exception:  # noqa: BLE001 - a broken optional dependency must not hide the real error
        return set()


def _unknown(name, detail=""):
    return ValueError(
        f"unknown dataset {name!r}: expected 'embedded', 'fashion_mnist', an image folder path or a tfds name"
        + detail
    )


def resize_images(images, image_size, batch_size=1024):
    """uint8 ``[N, H, W, C]`` resized to ``image_size`` (bilinear, antialiased, as the pipeline does)."""
    import tensorflow as tf

    size = check_image_size(image_size)
    if size is None or size == images.shape[1:3]:
        return images
    out = np.empty((len(images),) + size + images.shape[3:], dtype=np.uint8)
    for start in range(0, len(images), batch_size):
        batch = tf.image.resize(
            tf.cast(images[start : start + batch_size], tf.float32), size, method="bilinear", antialias=True
        )
        out[start : start + batch_size] = tf.cast(tf.round(tf.clip_by_value(batch, 0.0, 255.0)), tf.uint8)
    return out


def _load_source(name_or_path, split, image_size):
    """``(images, labels or None, info)`` at the source's own size (folders/tfds resize on load)."""
    if isinstance(name_or_path, os.PathLike):
        name_or_path = os.fspath(name_or_path)
    if not isinstance(name_or_path, str) or not name_or_path:
        raise _unknown(name_or_path)
    name = name_or_path
    if name == "embedded":
        if split != "train":
            raise ValueError(f"the embedded subset has only a 'train' split, got split={split!r}")
        images, labels = load_embedded()
        class_names = list(CLASS_NAMES)
    elif name in ("fashion_mnist", "fashion-mnist"):
        name = "fashion_mnist"
        images, labels = load_fashion_mnist(split)
        class_names = list(CLASS_NAMES)
    elif Path(name).expanduser().exists():
        if split != "train":
            raise ValueError(f"image folders have no splits (got split={split!r}): pass the folder you want")
        images, labels, class_names = load_image_folder(name, image_size=image_size)
        if not class_names:
            labels = None
    else:
        tfds_name = name[len(TFDS_PREFIX) :] if name.startswith(TFDS_PREFIX) else None
        if tfds_name is None:
            base = name.split(":")[0].split("/")[0]
            if base not in _tfds_builder_names():
                looks_like_path = os.sep in name or name.startswith((".", "~"))
                raise _unknown(name, f" (no folder exists at {name!r})" if looks_like_path else "")
            tfds_name = name
        name = TFDS_PREFIX + tfds_name
        images, labels, class_names = load_tfds(tfds_name, split=split, image_size=image_size)
    info = {
        "name": name,
        "split": split,
        "num_examples": int(len(images)),
        "image_shape": tuple(int(d) for d in images.shape[1:]),
        "num_classes": len(class_names) or None,
        "class_names": class_names,
    }
    return images, labels, info


def load_arrays(name_or_path, split="train", image_size=None):
    """``(images, labels, info)`` as numpy: uint8 ``[N, H, W, C]`` resized to ``image_size`` if given.

    ``labels`` is int64 ``[N]``, or ``None`` for unlabelled data (a flat image folder, a tfds dataset
    without a "label" feature). ``info`` as in :func:`load`.
    """
    images, labels, info = _load_source(name_or_path, split, image_size)
    images = resize_images(images, image_size)
    info["image_shape"] = tuple(int(d) for d in images.shape[1:])
    return images, labels, info


def load(
    name_or_path,
    *,
    batch_size,
    split="train",
    image_size=None,
    channels=None,
    shuffle=True,
    seed=None,
    with_labels=False,
    repeat=False,
    start_batch=0,
):
    """``(dataset, info)``: batches of float32 images in [-1, 1] (``(images, labels)`` with labels).

    ``name_or_path``: "embedded", "fashion_mnist", an image folder, "tfds:NAME" or a tfds name.
    ``info``: {"name", "split", "num_examples", "image_shape" (H, W, C as yielded), "num_classes"
    (``None`` when unlabelled), "class_names"}. See :func:`make_dataset` for the other arguments.
    """
    check_image_size(image_size)
    images, labels, info = _load_source(name_or_path, split, image_size)
    if with_labels and labels is None:
        raise ValueError(f"dataset {info['name']!r} has no class labels: use with_labels=False")
    dataset = make_dataset(
        images,
        labels if with_labels else None,
        batch_size=batch_size,
        image_size=image_size,
        channels=channels,
        shuffle=shuffle,
        seed=seed,
        repeat=repeat,
        start_batch=start_batch,
    )
    info["image_shape"] = output_image_shape(images.shape[1:], image_size, channels)
    return dataset, info
