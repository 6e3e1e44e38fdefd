"""Fashion-MNIST (Xiao, Rasul & Vollgraf 2017, arXiv:1708.07747) read from its IDX files.

The four files ``{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]`` are the ones published at
https://github.com/zalandoresearch/fashion-mnist; Debian's ``dataset-fashion-mnist`` package
installs them in ``/usr/share/datasets/fashion-mnist`` and Keras caches the same files in
``~/.keras/datasets/fashion-mnist``. The IDX format (LeCun et al., http://yann.lecun.com/exdb/mnist/)
is a big-endian header - magic number ``0x0000 | type | ndim``, then ``ndim`` uint32 sizes - followed
by the raw data.
"""

import gzip
import os
import struct
import zlib
from pathlib import Path

import numpy as np

CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

ENV_VAR = "KERAS_GANS_FASHION_MNIST_DIR"
SYSTEM_DIRS = (
    Path("/usr/share/datasets/fashion-mnist"),
    Path("~/.keras/datasets/fashion-mnist"),
)
IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension

_FILE_STEMS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_idx(path, expected_magic=None):
    """The array stored in an IDX file (gzip-compressed when the name ends in ``.gz``).

    Only the unsigned-byte type (0x08) is supported, which is what (Fashion-)MNIST uses. Raises
    ``ValueError`` naming the file when the header is wrong or the data is truncated or too long.
    """
    path = Path(path)
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as f:
            raw = bytearray(f.read())  # writable, so the returned array is too
    except (EOFError, gzip.BadGzipFile, zlib.error) as e:
        raise ValueError(f"corrupt IDX file {path}: cannot decompress it ({e})") from e
    if len(raw) < 4:
        raise ValueError(f"corrupt IDX file {path}: {len(raw)} bytes is too short for an IDX header")
    (magic,) = struct.unpack(">I", raw[:4])
    if expected_magic is not None and magic != expected_magic:
        raise ValueError(f"corrupt IDX file {path}: magic number {magic}, expected {expected_magic}")
    zeros, dtype_code, ndim = magic >> 16, (magic >> 8) & 0xFF, magic & 0xFF
    if zeros != 0 or dtype_code != 0x08 or ndim == 0:
        raise ValueError(
            f"corrupt IDX file {path}: magic number {magic:#010x} is not an unsigned-byte IDX header"
        )
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise ValueError(f"corrupt IDX file {path}: truncated header ({len(raw)} bytes)")
    dims = struct.unpack(f">{ndim}I", raw[4:header_size])
    expected = int(np.prod(dims, dtype=np.int64))
    actual = len(raw) - header_size
    if actual != expected:
        kind = "truncated" if actual < expected else "has trailing data"
        raise ValueError(
            f"corrupt IDX file {path}: {kind}, header says {'x'.join(map(str, dims))} = {expected} bytes "
            f"of data but the file holds {actual}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(dims)


def _find_file(directory, stem):
    for name in (stem + ".gz", stem):
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def find_fashion_mnist_files(split="train", data_dir=None):
    """``(images_path, labels_path)`` of ``split``, or ``None`` when no searched folder has both.

    Searched in order: ``data_dir``, ``$KERAS_GANS_FASHION_MNIST_DIR``, ``/usr/share/datasets/fashion-mnist``
    (Debian), ``~/.keras/datasets/fashion-mnist`` (Keras cache). An explicit ``data_dir`` without the
    files is an error (``FileNotFoundError``) rather than silently using other data.
    """
    if split not in _FILE_STEMS:
        raise ValueError(f"unknown Fashion-MNIST split {split!r}: expected 'train' or 'test'")
    image_stem, label_stem = _FILE_STEMS[split]
    if data_dir is not None:
        directory = Path(data_dir).expanduser()
        images, labels = _find_file(directory, image_stem), _find_file(directory, label_stem)
        if images is None or labels is None:
            raise FileNotFoundError(
                f"no Fashion-MNIST {split!r} files in {directory}: expected {image_stem}[.gz] and {label_stem}[.gz]"
            )
        return images, labels
    directories = [Path(os.environ[ENV_VAR])] if os.environ.get(ENV_VAR) else []
    directories += list(SYSTEM_DIRS)
    for directory in directories:
        directory = directory.expanduser()
        images, labels = _find_file(directory, image_stem), _find_file(directory, label_stem)
        if images is not None and labels is not None:
            return images, labels
    return None


def load_fashion_mnist(split="train", data_dir=None):
    """Fashion-MNIST ``split`` ("train": 60000, "test": 10000) as ``(images, labels)``.

    ``images`` is uint8 ``[N, 28, 28, 1]``, ``labels`` int64 ``[N]`` indexing :data:`CLASS_NAMES`.
    Reads local IDX files (see :func:`find_fashion_mnist_files`); when there are none it falls back
    to ``keras.datasets.fashion_mnist.load_data()``, which downloads them.
    """
    paths = find_fashion_mnist_files(split, data_dir)
    if paths is None:
        import keras

        (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
        images, labels = (x_train, y_train) if split == "train" else (x_test, y_test)
        source = "keras.datasets.fashion_mnist"
    else:
        images_path, labels_path = paths
        images = read_idx(images_path, IMAGES_MAGIC)
        labels = read_idx(labels_path, LABELS_MAGIC)
        source = str(images_path)
    images = np.asarray(images, dtype=np.uint8)
    labels = np.asarray(labels).astype(np.int64)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"Fashion-MNIST images from {source} have shape {images.shape}, expected [N, 28, 28]")
    if labels.shape != (len(images),):
        raise ValueError(
            f"Fashion-MNIST {split!r} has {len(images)} images but {labels.shape[0]} labels ({source})"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= len(CLASS_NAMES)):
        raise ValueError(f"Fashion-MNIST labels from {source} are outside 0..9")
    return images[..., np.newaxis], labels
