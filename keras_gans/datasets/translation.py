"""Image-to-image data: paired (Pix2Pix) and unpaired (CycleGAN) domains A and B.

Sources, as in junyanz/pytorch-CycleGAN-and-pix2pix's ``aligned`` / ``unaligned`` datasets:

Paired (:func:`load_paired`)
  - a folder of ``A|B`` files: each image holds the input and the target side by side
    (``facades/train/1.jpg``); pass the folder or its parent with a ``train/`` (``test/``,
    ``val/``) sub-folder. ``direction="BtoA"`` swaps the halves.
  - a folder with ``A/`` and ``B/`` sub-folders (optionally ``A/train``, ``B/train``) whose
    files have matching names.
  - ``"fashion_edges"``: built in, offline: real Fashion-MNIST garments (B) and their edge
    sketches (A, dark lines on white, computed by :func:`sketch`), padded to 32x32.
    ``train`` is the 6000 embedded images, ``test`` the 10000 test images of the installed
    dataset (Debian's ``dataset-fashion-mnist``).

Unpaired (:func:`load_unpaired`)
  - a folder with ``trainA/`` and ``trainB/`` (``testA/``, ``testB/``) sub-folders;
  - a tfds name such as ``"cycle_gan/horse2zebra"`` (splits trainA/trainB/testA/testB; downloads);
  - ``"fashion_sneaker2boot"``: built in, offline: real Fashion-MNIST sneakers (A) and ankle
    boots (B), two unpaired sets of the same kind of object, padded to 32x32.

All loaders return uint8 arrays ``a [N, H, W, Ca]``, ``b [M, H, W, Cb]`` (paired: N = M, same
order) and an ``info`` dict; :func:`make_translation_dataset` turns them into batches of
``(a, b)`` float32 pairs in [-1, 1] with the papers' random jitter.
"""

import math
import os
from pathlib import Path

import numpy as np
import tensorflow as tf

from keras_gans.datasets.folders import IMAGE_EXTENSIONS, read_image, image_files
from keras_gans.datasets.pipeline import AUTOTUNE, check_image_size, check_start_batch, prefetched

BUILTIN_PAIRED = ("fashion_edges",)
BUILTIN_UNPAIRED = ("fashion_sneaker2boot",)
DIRECTIONS = ("AtoB", "BtoA")
SPLITS = ("train", "test", "val")


def check_direction(direction):
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be 'AtoB' or 'BtoA', got {direction!r}")
    return direction


# --- Built-in offline sets from real Fashion-MNIST images ------------------------------------------
def _fashion(split):
    from keras_gans.datasets.embedded import load_embedded
    from keras_gans.datasets.fashion_mnist import load_fashion_mnist

    if split == "train":
        return load_embedded()
    if split == "test":
        try:
            return load_fashion_mnist("test")
        except FileNotFoundError as e:
            raise FileNotFoundError(f"the built-in sets' test split reads the installed Fashion-MNIST test files: {e}")
    raise ValueError(f"the built-in Fashion-MNIST sets have splits 'train' and 'test', got {split!r}")


def pad_to_32(images):
    """28x28 Fashion-MNIST -> 32x32 with a 2-pixel black border (the garments' background)."""
    return np.pad(images, ((0, 0), (2, 2), (2, 2), (0, 0)))


def sketch(images):
    """Edge sketches of uint8 ``[N, H, W, 1]`` images: dark lines on white.

    The Sobel gradient magnitude, scaled so the strongest 2% of edges are black, inverted.
    Deterministic, so the pairs are the same on every machine.
    """
    x = images[..., 0].astype(np.float32) / 255.0
    p = np.pad(x, ((0, 0), (1, 1), (1, 1)), mode="edge")
    gx = (p[:, :-2, 2:] + 2 * p[:, 1:-1, 2:] + p[:, 2:, 2:]) - (p[:, :-2, :-2] + 2 * p[:, 1:-1, :-2] + p[:, 2:, :-2])
    gy = (p[:, 2:, :-2] + 2 * p[:, 2:, 1:-1] + p[:, 2:, 2:]) - (p[:, :-2, :-2] + 2 * p[:, :-2, 1:-1] + p[:, :-2, 2:])
    magnitude = np.sqrt(gx**2 + gy**2)
    scale = np.percentile(magnitude.reshape(len(x), -1), 98, axis=1)[:, None, None] + 1e-6
    lines = np.clip(magnitude / scale, 0.0, 1.0)
    return np.round(255.0 * (1.0 - lines)).astype(np.uint8)[..., None]


def _fashion_edges(split):
    garments, _ = _fashion(split)
    garments = pad_to_32(garments)
    return sketch(garments), garments


def _fashion_sneaker2boot(split):
    images, labels = _fashion(split)
    images = pad_to_32(images)
    return images[labels == 7], images[labels == 9]  # 7 sneaker, 9 ankle boot


# --- Folders --------------------------------------------------------------------------------------
def _split_dir(root, split):
    sub = root / split
    return sub if sub.is_dir() else root


def _read(files, size):
    arrays = [read_image(f, size) for f in files]
    first = arrays[0]
    for f, a in zip(files, arrays):
        if a.shape != first.shape:
            raise ValueError(f"images have different sizes or channels: {files[0]} is {first.shape}, {f} is "
                             f"{a.shape}; pass image_size to resize them")
    return np.stack(arrays)


def _files_or_error(directory, what):
    if not directory.is_dir():
        raise FileNotFoundError(f"{what} folder {directory} does not exist")
    files = image_files(directory, recursive=False)
    if not files:
        raise ValueError(f"{what} folder {directory} has no images ({', '.join(IMAGE_EXTENSIONS)})")
    return files


def _load_aligned_files(directory, size):
    """``A|B`` side-by-side files -> (a, b)."""
    files = _files_or_error(directory, "paired")
    a_list, b_list = [], []
    for f in files:
        pair = read_image(f, None)
        width = pair.shape[1]
        if width % 2:
            raise ValueError(f"paired image {f} is {pair.shape[0]}x{width}: an odd width cannot be split into "
                             "A|B halves of equal size")
        a, b = pair[:, : width // 2], pair[:, width // 2 :]
        if size is not None:
            a, b = (_resize(x, size) for x in (a, b))
        a_list.append(a)
        b_list.append(b)
    for f, a in zip(files, a_list):
        if a.shape != a_list[0].shape:
            raise ValueError(f"paired images have different sizes: {files[0]} holds {a_list[0].shape} halves, "
                             f"{f} holds {a.shape}; pass image_size to resize them")
    return np.stack(a_list), np.stack(b_list)


def _resize(array, size):
    out = tf.image.resize(tf.cast(array, tf.float32), size, method="bilinear", antialias=True)
    return tf.cast(tf.round(tf.clip_by_value(out, 0.0, 255.0)), tf.uint8).numpy()


def _load_matched_folders(root, split, size):
    dirs = []
    for side in ("A", "B"):
        d = root / side
        dirs.append(_split_dir(d, split))
    files_a = _files_or_error(dirs[0], "A")
    files_b = _files_or_error(dirs[1], "B")
    names_a = {f.stem: f for f in files_a}
    names_b = {f.stem: f for f in files_b}
    only_a, only_b = sorted(set(names_a) - set(names_b)), sorted(set(names_b) - set(names_a))
    if only_a or only_b:
        raise ValueError(f"paired folders {dirs[0]} and {dirs[1]} do not match: only in A: {only_a[:5]}"
                         f"{' ...' if len(only_a) > 5 else ''}, only in B: {only_b[:5]}{' ...' if len(only_b) > 5 else ''}")
    names = sorted(names_a)
    a = _read([names_a[n] for n in names], size)
    b = _read([names_b[n] for n in names], size)
    if a.shape[1:3] != b.shape[1:3]:
        raise ValueError(f"A and B images have different sizes ({a.shape[1]}x{a.shape[2]} vs {b.shape[1]}x{b.shape[2]}"
                         f", e.g. {names[0]}); pass image_size to resize both")
    return a, b


def _as_path(source):
    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    if not isinstance(source, str) or not source:
        raise ValueError(f"a dataset must be a name or a folder path, got {source!r}")
    return source


def _check_request(source, split, image_size):
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    return _as_path(source), check_image_size(image_size)


def _info(name, split, a, b, paired, direction=None):
    return {"name": name, "split": split, "paired": paired, "direction": direction,
            "num_a": int(len(a)), "num_b": int(len(b)),
            "shape_a": tuple(int(d) for d in a.shape[1:]), "shape_b": tuple(int(d) for d in b.shape[1:])}


def load_paired(source, split="train", direction="AtoB", image_size=None):
    """``(a, b, info)``: aligned uint8 inputs and targets of a paired dataset (see module doc)."""
    check_direction(direction)
    source, size = _check_request(source, split, image_size)
    if source == "fashion_edges":
        a, b = _fashion_edges(split)
        if size is not None:
            a, b = _resize(a, size), _resize(b, size)
    else:
        root = Path(source).expanduser()
        if not root.exists():
            raise FileNotFoundError(f"paired dataset {source!r}: no such folder (built in: {', '.join(BUILTIN_PAIRED)})")
        if not root.is_dir():
            raise ValueError(f"paired dataset {root} is not a folder")
        if (root / "A").is_dir() or (root / "B").is_dir():
            a, b = _load_matched_folders(root, split, size)
        else:
            a, b = _load_aligned_files(_split_dir(root, split), size)
    if direction == "BtoA":
        a, b = b, a
    return a, b, _info(source, split, a, b, True, direction)


def load_unpaired(source, split="train", image_size=None):
    """``(a, b, info)``: the two unpaired domains (see module doc)."""
    source, size = _check_request(source, split, image_size)
    if source == "fashion_sneaker2boot":
        a, b = _fashion_sneaker2boot(split)
        if size is not None:
            a, b = _resize(a, size), _resize(b, size)
    elif Path(source).expanduser().exists():
        root = Path(source).expanduser()
        if not root.is_dir():
            raise ValueError(f"unpaired dataset {root} is not a folder")
        a = _read(_files_or_error(root / f"{split}A", f"{split}A"), size)
        b = _read(_files_or_error(root / f"{split}B", f"{split}B"), size)
        if a.shape[1:3] != b.shape[1:3]:
            raise ValueError(f"{split}A images are {a.shape[1]}x{a.shape[2]} but {split}B images are "
                             f"{b.shape[1]}x{b.shape[2]}; pass image_size to resize both")
    else:
        from keras_gans.datasets.catalog import load_tfds

        name = source[len("tfds:"):] if source.startswith("tfds:") else source
        if "/" not in name and not source.startswith("tfds:"):
            raise FileNotFoundError(f"unpaired dataset {source!r}: no such folder; built in: "
                                    f"{', '.join(BUILTIN_UNPAIRED)}; tfds names look like 'cycle_gan/horse2zebra'")
        a, _, _ = load_tfds(name, split=f"{split}A", image_size=size)
        b, _, _ = load_tfds(name, split=f"{split}B", image_size=size)
    return a, b, _info(source, split, a, b, False)


def convert_channels(images, channels):
    """uint8 ``[N, H, W, C]`` -> ``channels`` (1: ITU-R 601 luma, 3: gray tiled); ``None`` keeps them."""
    if channels is None or images.shape[-1] == channels:
        return images
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels!r}")
    if channels == 3:
        return np.repeat(images, 3, axis=-1)
    gray = images.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    return np.round(gray).astype(np.uint8)[..., None]


def load_size_for(image_size):
    """The papers' resize-before-crop size: 286 for 256 crops, scaled for other sizes (36 for 32)."""
    return int(math.ceil(image_size * 286 / 256))


def make_translation_dataset(a, b, *, batch_size, paired, image_size=None, jitter=True, load_size=None, flip=True,
                             shuffle=True, seed=None, repeat=False, drop_remainder=True,
                             start_batch=0):
    """Batches of ``(a, b)`` float32 in [-1, 1].

    Jitter (Isola et al. 2017, Sec. 6.2; Zhu et al. 2017, Sec. 7.1): resize to
    ``load_size`` (default ``load_size_for(image_size)``: 286 for 256), random ``image_size`` crop, random horizontal
    flip -- the same crop and flip for both images of a pair. ``image_size`` defaults to the
    images' own (square) size. Unpaired data: each epoch is ``max(len(a), len(b))`` pairs, the
    B image drawn at random as in the reference ``UnalignedDataset``. ``start_batch`` k starts the stream at
    its k-th batch as if k batches had been read (the skipped images are not decoded or cropped).
    """
    start_batch = check_start_batch(start_batch)
    if a.shape[1:3] != b.shape[1:3]:
        raise ValueError(f"A images are {a.shape[1]}x{a.shape[2]}, B images {b.shape[1]}x{b.shape[2]}: "
                         "resize them to one size")
    if paired and len(a) != len(b):
        raise ValueError(f"paired data needs as many A as B images, got {len(a)} and {len(b)}")
    height, width = a.shape[1:3]
    if image_size is None:
        if height != width:
            raise ValueError(f"images are {height}x{width}: pass image_size for the square training crop")
        image_size = height
    size = int(image_size)
    num = len(a) if paired else max(len(a), len(b))
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if batch_size > num:
        raise ValueError(f"batch size {batch_size} is larger than the dataset ({num} images)")
    ca, cb = a.shape[-1], b.shape[-1]
    load = (int(load_size) if load_size else load_size_for(size)) if jitter else size
    if load < size:
        raise ValueError(f"load_size {load} is smaller than the crop size {size}")
    seed_pair = tf.constant([0 if seed is None else int(seed), 0], tf.int64)

    def prepare(index, x, y):
        both = tf.concat([tf.cast(x, tf.float32), tf.cast(y, tf.float32)], axis=-1)
        if (height, width) != (load, load):
            both = tf.image.resize(both, (load, load), method="bilinear", antialias=True)
        if jitter and load > size:
            both = tf.image.stateless_random_crop(both, (size, size, ca + cb), seed=tf.stack([seed_pair[0], index * 2]))
        if jitter and flip:
            both = tf.image.stateless_random_flip_left_right(both, seed=tf.stack([seed_pair[0], index * 2 + 1]))
        both = tf.clip_by_value(both / 127.5 - 1.0, -1.0, 1.0)
        return both[..., :ca], both[..., ca:]

    if paired:
        ds = tf.data.Dataset.from_tensor_slices((a, b))
        if shuffle:
            ds = ds.shuffle(len(a), seed=seed, reshuffle_each_iteration=True)
    else:
        da = tf.data.Dataset.from_tensor_slices(a)
        db = tf.data.Dataset.from_tensor_slices(b)
        if shuffle:
            da = da.shuffle(len(a), seed=seed, reshuffle_each_iteration=True)
            db = db.shuffle(len(b), seed=None if seed is None else seed + 1, reshuffle_each_iteration=True)
        ds = tf.data.Dataset.zip((da.repeat(), db.repeat())).take(num)
    if repeat:
        ds = ds.repeat()
    skipped = start_batch * batch_size  # the crops are keyed by the element's position, so they continue alike
    ds = ds.skip(skipped).enumerate(start=skipped).map(lambda i, xy: prepare(i, *xy), num_parallel_calls=AUTOTUNE, deterministic=True)
    return prefetched(ds.batch(batch_size, drop_remainder=drop_remainder))
