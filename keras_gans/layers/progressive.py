"""Progressive growing (Karras, Aila, Laine & Lehtinen 2018, "Progressive Growing of GANs for Improved Quality,
Stability, and Variation", Section 2), as the official StyleGAN code runs it (NVlabs/stylegan: the "linear"
structure of ``G_synthesis`` / ``D_basic``, ``training_loop.py``'s ``TrainingSchedule`` and ``process_reals``).

Networks are built at the final resolution with an output (or input) at every resolution, and a *level of
detail* ``lod`` selects and fades between them: ``lod = 0`` is the final resolution, ``lod = k`` a resolution
``2^k`` times lower (shown up-sampled to the final size), a fractional ``lod`` the fade-in of the next
resolution. The schedule makes ``lod`` a function of the images shown, which the model saves, so a resumed run
continues mid-fade exactly.
"""

import math

import keras
from keras import ops


def schedule_lod(images_seen, resolution, initial_resolution=8, training_kimg=600.0, transition_kimg=600.0):
    """The level of detail after ``images_seen`` images (``TrainingSchedule`` of the official code): train
    ``training_kimg`` thousand images at ``initial_resolution``, fade the next resolution in over
    ``transition_kimg``, train it ``training_kimg``, ... until ``lod = 0`` (ProGAN and StyleGAN: 600 and 600,
    from 8×8). Works on floats and tensors."""
    kimg = ops.cast(images_seen, "float32") / 1000.0
    phase = training_kimg + transition_kimg
    index = ops.floor(kimg / phase)
    lod = float(math.log2(resolution) - math.log2(initial_resolution)) - index
    if transition_kimg > 0:
        lod = lod - ops.maximum(kimg - index * phase - training_kimg, 0.0) / transition_kimg
    return ops.maximum(lod, 0.0)


def downsample(images, factor):
    """``factor``× average pooling (``factor`` a power of two), as the official ``downscale2d``."""
    return images if factor == 1 else ops.average_pool(images, factor, factor, padding="valid")


def upsample(images, factor):
    """``factor``× nearest-neighbour up-sampling (the official ``upscale2d``)."""
    return images if factor == 1 else ops.repeat(ops.repeat(images, factor, axis=1), factor, axis=2)


def images_at_lod(images, lod, max_lod):
    """Real images as the networks see them at level of detail ``lod`` (``process_reals``): averaged down to
    the resolution of ``floor(lod)``, faded towards the next lower one by ``lod - floor(lod)``, and shown at the
    full size (nearest up-sampling). ``max_lod`` bounds the levels (``log2(resolution / 4)``)."""
    images = ops.convert_to_tensor(images)
    lod = ops.cast(lod, images.dtype)
    out = images
    for level in range(int(max_lod) + 1):  # the level the lod falls in, as a sum of masks (graph friendly)
        factor = 2**level
        low = upsample(downsample(images, factor), factor)
        lower = upsample(downsample(images, factor * 2), factor * 2) if level < max_lod else low
        fade = ops.clip(lod - level, 0.0, 1.0)
        at_level = low + (lower - low) * fade
        inside = ops.cast((lod >= level) & ((lod < level + 1) | (level == max_lod)), images.dtype)
        out = ops.where(inside > 0, at_level, out)
    return out


@keras.saving.register_keras_serializable(package="keras_gans")
class LevelOfDetail(keras.layers.Layer):
    """Holds a network's level of detail ``lod`` (a non-trainable scalar, saved with the network) and emits it
    as a ``[B, 1, 1, 1]`` tensor for :class:`LodBlend` layers; the model sets it with :meth:`set`. Every replica
    writes the same value (the first replica's write is kept)."""

    def build(self, input_shape):
        self.lod = self.add_weight(shape=(), initializer="zeros", trainable=False, name="lod",
                                   aggregation="only_first_replica")

    def call(self, inputs):
        batch = ops.shape(inputs)[0]
        return ops.ones((batch, 1, 1, 1), "float32") * ops.cast(self.lod, "float32")

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 1, 1, 1)

    def set(self, lod):
        self.lod.assign(ops.cast(lod, "float32"))


@keras.saving.register_keras_serializable(package="keras_gans")
class LodBlend(keras.layers.Layer):
    """``lerp_clip(a, b, lod - level)``: ``a`` (this level's path) while ``lod <= level``, ``b`` (the lower
    resolution's) once ``lod >= level + 1``, linear in between (the official ``lerp_clip``). Call on
    ``[a, b, lod]``."""

    def __init__(self, level, **kwargs):
        super().__init__(**kwargs)
        self.level = float(level)
        self.built = True

    def call(self, inputs):
        a, b, lod = inputs
        t = ops.cast(ops.clip(lod - self.level, 0.0, 1.0), a.dtype)
        return a + (b - a) * t

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        return {**super().get_config(), "level": self.level}
