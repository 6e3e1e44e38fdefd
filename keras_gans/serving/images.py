"""Images in and out of the library: grids and PNG files for samples, encoded-image tensors for serving.

Pixel value conversions (``scale_images``, ``to_uint8``) live in :mod:`keras_gans.core.images` and are
re-exported here for convenience."""

import math
import os

import numpy as np
from PIL import Image

import tensorflow as tf

from keras_gans import files
from keras_gans.core.images import scale_images, to_uint8  # noqa: F401  (re-exported)


def make_grid(images, cols=None, padding=2):
    """Tile ``[N, H, W, C]`` images (uint8, or float in [-1, 1]) into one uint8 image."""
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"make_grid needs [N, H, W, C] images, got shape {images.shape}")
    if images.dtype != np.uint8:
        images = to_uint8(images)
    n, h, w, c = images.shape
    cols = cols or int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / cols))
    grid = np.full((rows * (h + padding) + padding, cols * (w + padding) + padding, c), 255, np.uint8)
    for i, image in enumerate(images):
        r, col = divmod(i, cols)
        y, x = padding + r * (h + padding), padding + col * (w + padding)
        grid[y : y + h, x : x + w] = image
    return grid


def save_png(image, path):
    """Write a ``[H, W, C]`` uint8 image (C = 1 or 3) as PNG, atomically."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    os.makedirs(os.path.dirname(os.path.abspath(path)) or ".", exist_ok=True)
    with files.atomic_path(path) as tmp:
        Image.fromarray(image).save(tmp, format="PNG")
    return path


def map_encoded_images(fn, strings, channels):
    """Serve encoded images one request item at a time: decode item i of each batch in ``strings`` (a ``[batch]``
    tf.string tensor of PNG/JPEG/BMP/GIF, or a tuple of such batches, e.g. content and style) to uint8
    ``[1, H, W, channels]``, call ``fn`` on them, encode its uint8 ``[1, H', W', C]`` result as PNG.
    Returns ``[batch]`` PNG strings. Each item keeps its own size, so one request may mix image sizes."""
    strings = tuple(strings) if isinstance(strings, (tuple, list)) else (strings,)
    channels = tuple(channels) if isinstance(channels, (tuple, list)) else (channels,) * len(strings)

    def one(encoded):
        images = [tf.io.decode_image(s, channels=c, expand_animations=False)[None] for s, c in zip(encoded, channels)]
        return tf.io.encode_png(fn(*images)[0])

    return tf.map_fn(one, strings, fn_output_signature=tf.TensorSpec([], tf.string))
