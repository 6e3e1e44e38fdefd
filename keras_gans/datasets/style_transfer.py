"""(content, style) image pairs from two folders for AdaIN training (Huang & Belongie 2017, Section 6.1:
MS-COCO content and WikiArt style images, shorter side resized to 512 keeping the aspect ratio,
random 256x256 crops).

Images of any size and format Pillow and ``tf.io.decode_image`` read (PNG, JPEG, BMP, GIF). Every
file is opened with Pillow before training starts, so an unreadable file is reported by name
before any step runs. Grayscale images are converted to RGB (channel repeated) and RGBA/palette
images lose their alpha channel; :func:`content_style_dataset` says how many of each it converted.
"""

from pathlib import Path

import tensorflow as tf
from PIL import Image

from keras_gans.datasets.folders import image_files
from keras_gans.datasets.pipeline import check_start_batch, prefetched

_CONVERTED = {"L": "grayscale", "1": "grayscale", "LA": "grayscale+alpha", "RGBA": "RGBA", "P": "palette",
              "PA": "palette+alpha", "CMYK": "CMYK"}
_REFUSED = ("I", "I;16", "I;16B", "I;16L", "F")


def list_images(folder, what):
    """Sorted image files under ``folder`` (recursively), checked with Pillow.

    Returns ``(files, conversions)`` where ``conversions`` counts the non-RGB modes that will be
    converted (``{"grayscale": 3, "RGBA": 1}``). Raises ``FileNotFoundError``/``ValueError`` naming the
    folder or the file.
    """
    root = Path(folder).expanduser()
    if not root.exists():
        raise FileNotFoundError(f"{what} folder {root} does not exist")
    if not root.is_dir():
        raise ValueError(f"{what} folder {root} is not a directory")
    files = image_files(root, recursive=True)
    if not files:
        raise ValueError(f"{what} folder {root} has no images (.png, .jpg, .jpeg, .bmp, .gif)")
    conversions = {}
    for path in files:
        try:
            with Image.open(path) as img:
                mode = img.mode
                img.verify()
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
            raise ValueError(f"cannot read {what} image {path}: {e}") from e
        if mode in _REFUSED:
            raise ValueError(f"{what} image {path} has Pillow mode {mode!r} (16-bit or float): save it as 8-bit RGB")
        if mode in _CONVERTED:
            conversions[_CONVERTED[mode]] = conversions.get(_CONVERTED[mode], 0) + 1
    return [str(p) for p in files], conversions


def _load_and_crop(path, index, seed, load_size, crop_size):
    image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
    shape = tf.cast(tf.shape(image)[:2], tf.float32)
    scale = load_size / tf.reduce_min(shape)
    size = tf.cast(tf.round(shape * scale), tf.int32)
    size = tf.maximum(size, load_size)  # rounding must not leave the shorter side below load_size
    image = tf.image.resize(tf.cast(image, tf.float32), size, method="bilinear", antialias=True)
    crop = tf.image.stateless_random_crop(image, [crop_size, crop_size, 3], seed=tf.stack([seed, index]))
    return tf.clip_by_value(crop, 0.0, 255.0)


def _stream(files, batch_size, load_size, crop_size, seed, repeat, salt, start_batch):
    ds = tf.data.Dataset.from_tensor_slices(files)
    ds = ds.shuffle(len(files), seed=None if seed is None else seed + salt, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    seed_value = tf.constant(0 if seed is None else seed, tf.int64) + salt
    skipped = start_batch * batch_size  # file names only: nothing is decoded; crops are keyed by position
    ds = ds.skip(skipped).enumerate(start=skipped).map(lambda i, path: _load_and_crop(path, i, seed_value, load_size, crop_size),
                            num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.batch(batch_size, drop_remainder=True)


def content_style_dataset(content_dir, style_dir, batch_size=8, load_size=512, crop_size=256, seed=None,
                          repeat=False, start_batch=0):
    """``(dataset, info)``: batches ``(content, style)`` of float32 ``[batch, crop, crop, 3]`` in [0, 255].

    Each image's shorter side is resized to ``load_size`` (bilinear, aspect ratio kept), then a random
    ``crop_size`` square is cut (a new crop every time the image comes round). One epoch is one pass
    over the content images; style images are drawn from an endless reshuffled stream. ``repeat``
    repeats the content stream too (for ``steps_per_epoch``). ``start_batch`` k starts both streams at their
    k-th batch, as if k batches had been read (an interrupted run resumes its data exactly).
    """
    for name, value in (("batch_size", batch_size), ("load_size", load_size), ("crop_size", crop_size)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if crop_size > load_size:
        raise ValueError(f"crop_size {crop_size} is larger than load_size {load_size} (the shorter side after resizing)")
    if crop_size % 8:
        raise ValueError(f"crop_size must be a multiple of 8 (three 2x poolings), got {crop_size}")
    start_batch = check_start_batch(start_batch)
    content_files, content_conv = list_images(content_dir, "content")
    style_files, style_conv = list_images(style_dir, "style")
    if batch_size > len(content_files):
        raise ValueError(f"batch size {batch_size} is larger than the number of content images ({len(content_files)})")
    content = _stream(content_files, batch_size, load_size, crop_size, seed, repeat, salt=0, start_batch=start_batch)
    style = _stream(style_files, batch_size, load_size, crop_size, seed, True, salt=1, start_batch=start_batch)
    dataset = prefetched(tf.data.Dataset.zip((content, style)))
    notes = [f"{what}: converted {n} {mode} image(s) to RGB"
             for what, conv in (("content", content_conv), ("style", style_conv)) for mode, n in sorted(conv.items())]
    info = {
        "name": "content_style",
        "num_examples": len(content_files),
        "num_styles": len(style_files),
        "image_shape": (crop_size, crop_size, 3),
        "conversions": notes,
        "description": (f"{len(content_files)} content / {len(style_files)} style images from {content_dir} and "
                        f"{style_dir}, shorter side {load_size}, random {crop_size} crops, batch {batch_size}"),
    }
    return dataset, info
