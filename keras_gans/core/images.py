"""Pixel value conversions every part of the library agrees on (graph ops and numpy alike).

Generators end in ``tanh``, so images are floats in [-1, 1] inside the library (DCGAN, Radford et al.
2015) and uint8 outside it; AdaIN works on floats in [0, 255] (VGG's input range).
"""

import numpy as np
import tensorflow as tf


def scale_images(images):
    """uint8 images (numpy or tf) -> float32 in [-1, 1] via ``x / 127.5 - 1``."""
    if isinstance(images, (tf.Tensor, tf.Variable)):
        return tf.cast(images, tf.float32) / 127.5 - 1.0
    return np.asarray(images).astype(np.float32) / 127.5 - 1.0


def to_uint8(images):
    """Images in [-1, 1] (numpy or tf) -> uint8: clip, ``(x + 1) * 127.5``, round half to even."""
    if isinstance(images, (tf.Tensor, tf.Variable)):
        x = tf.clip_by_value(tf.cast(images, tf.float32), -1.0, 1.0)
        return tf.cast(tf.round((x + 1.0) * 127.5), tf.uint8)
    x = np.clip(np.asarray(images, dtype=np.float32), -1.0, 1.0)
    return np.round((x + 1.0) * 127.5).astype(np.uint8)


def pixels_to_uint8(images):
    """Floats in [0, 255] -> uint8 (clip, round half to even)."""
    return tf.cast(tf.round(tf.clip_by_value(images, 0.0, 255.0)), tf.uint8)
