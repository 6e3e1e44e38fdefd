"""Differentiable Augmentation (Zhao, Liu, Lin, Zhu & Han 2020, "Differentiable Augmentation for
Data-Efficient GAN Training", NeurIPS 2020, arXiv:2006.10738).

The same random, differentiable transform is applied to real *and* generated images wherever the
discriminator sees them (its update and the generator's), so D cannot overfit a small data set and
G still receives gradients through the augmentation. Semantics follow the reference
``DiffAugment_tf.py`` / ``DiffAugment_pytorch.py`` of mit-han-lab/data-efficient-gans, for NHWC
images in [-1, 1].
"""

import numbers

import keras
import tensorflow as tf
from keras import ops

from keras_gans.core.distribution import draw_for_global_batch

#: the reference's ``AUGMENT_FNS`` keys, in the order they are documented
POLICIES = ("color", "translation", "cutout")
#: the paper's policy for its small-data (100-shot, CIFAR 10%/20%) experiments
DEFAULT_POLICY = "color,translation,cutout"
#: the reference's ``rand_translation(x, ratio=0.125)``: shifts up to 1/8 of the image size
TRANSLATION_RATIO = 0.125
#: the reference's ``rand_cutout(x, ratio=0.5)``: a square of half the image size
CUTOUT_RATIO = 0.5


def _parse_policy(policy):
    if isinstance(policy, str):
        names = policy.split(",")
    elif isinstance(policy, (list, tuple)):
        names = list(policy)
    else:
        raise ValueError(f"policy must be a comma-separated string or a list of names, got {policy!r}")
    parsed = []
    for name in names:
        if not isinstance(name, str):
            raise ValueError(f"DiffAugment policy names must be strings, got {name!r}")
        name = name.strip()
        if not name:
            continue
        if name not in POLICIES:
            raise ValueError(f"unknown DiffAugment policy {name!r}; valid policies: {', '.join(POLICIES)}")
        parsed.append(name)
    return tuple(parsed)


def _check_ratio(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value <= 1:
        raise ValueError(f"{name} must be a number in (0, 1], got {value!r}")
    return float(value)


def _scaled(size, ratio):
    """``int(size * ratio + 0.5)``: the reference's rounding (half up) of shift and cutout sizes."""
    return int(size * ratio + 0.5)


@keras.saving.register_keras_serializable(package="keras_gans")
class DiffAugment(keras.layers.Layer):
    """DiffAugment (Zhao et al. 2020) for NHWC images in [-1, 1].

    ``policy`` is a comma-separated string or a list drawn from :data:`POLICIES`, applied in order
    (``""`` is the identity):

    - ``color``: per image, brightness ``x + (u - 0.5)``; saturation ``(x - m_c) * 2u + m_c``
      (``m_c`` the mean over channels at each pixel); contrast ``(x - m) * (u + 0.5) + m`` (``m`` the
      image's mean over H, W, C); each ``u ~ U[0, 1)`` drawn afresh.
    - ``translation``: per image an integer shift in ``[-s, s]`` (inclusive) along each of H and W,
      ``s = int(size * translation_ratio + 0.5)`` (reference ``ratio=0.125``); zero fill.
    - ``cutout``: per image a ``int(H * cutout_ratio + 0.5)`` x ``int(W * cutout_ratio + 0.5)``
      rectangle (reference ``ratio=0.5``) whose top-left corner is ``o - size // 2`` with
      ``o ~ U{0, ..., H - (size % 2)}`` (likewise for W), clipped to the image, is set to 0.

    Every transform is differentiable with respect to the images. Parameters are drawn from the
    layer's own ``seed_generator`` for the *global* batch (``draw_for_global_batch``), so N replicas
    augment exactly as one device would. Output has the input's shape and dtype (float16/bfloat16
    inputs are augmented in float32). ``training=False`` returns the images unchanged.
    """

    def __init__(self, policy=DEFAULT_POLICY, translation_ratio=TRANSLATION_RATIO, cutout_ratio=CUTOUT_RATIO,
                 seed=None, **kwargs):
        # the images keep their dtype: a mixed-precision policy must not round real images to bfloat16
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        self.policy = _parse_policy(policy)
        self.translation_ratio = _check_ratio("translation_ratio", translation_ratio)
        self.cutout_ratio = _check_ratio("cutout_ratio", cutout_ratio)
        self.seed = seed
        # assigning a SeedGenerator attribute appends it to self._seed_generators (Keras' tracker),
        # as keras.layers.Dropout does: the models save and restore its state with their own
        self.seed_generator = keras.random.SeedGenerator(seed)

    # === Random parameters, one row per image of the global batch ===
    def _uniform(self, batch, dtype):
        return draw_for_global_batch(
            batch, lambda n: keras.random.uniform((n, 1, 1, 1), dtype=dtype, seed=self.seed_generator))

    def _randint(self, batch, low, high):
        """Integers in ``[low, high)``, shape ``[batch, 1]``."""
        return draw_for_global_batch(
            batch, lambda n: keras.random.randint((n, 1), low, high, dtype="int32", seed=self.seed_generator))

    # === The reference's transforms ===
    def _color(self, x, batch):
        x = x + (self._uniform(batch, x.dtype) - 0.5)  # brightness
        mean = ops.mean(x, axis=3, keepdims=True)  # saturation
        x = (x - mean) * (self._uniform(batch, x.dtype) * 2.0) + mean
        mean = ops.mean(x, axis=(1, 2, 3), keepdims=True)  # contrast
        return (x - mean) * (self._uniform(batch, x.dtype) + 0.5) + mean

    def _translation(self, x, batch, height, width):
        # output[i, j] = x[i + ty, j + tx]; rows and columns from outside the image read a zero pad
        for axis, size in ((1, height), (2, width)):
            shift = _scaled(size, self.translation_ratio)
            t = self._randint(batch, -shift, shift + 1)
            index = ops.clip(ops.arange(size, dtype="int32")[None, :] + t + 1, 0, size + 1)  # [B, size]
            pads = [[0, 0]] * 4
            pads[axis] = [1, 1]
            x = tf.gather(ops.pad(x, pads), index, axis=axis, batch_dims=1)
        return x

    def _cutout(self, x, batch, height, width):
        inside = []
        for size in (height, width):
            cut = _scaled(size, self.cutout_ratio)
            start = self._randint(batch, 0, size + (1 - cut % 2)) - cut // 2  # [B, 1]
            position = ops.arange(size, dtype="int32")[None, :]
            # the reference clips the square's indices to the image: the same as this intersection
            inside.append(ops.logical_and(position >= start, position < start + cut))  # [B, size]
        cut_out = ops.logical_and(inside[0][:, :, None], inside[1][:, None, :])  # [B, H, W]
        return x * ops.cast(ops.logical_not(cut_out), x.dtype)[..., None]

    # === Layer ===
    def call(self, images, training=True):
        if not self.policy or not training:
            return images
        if len(images.shape) != 4 or images.shape[1] is None or images.shape[2] is None:
            raise ValueError(f"DiffAugment expects NHWC images with static H and W, got shape {images.shape}")
        height, width = images.shape[1], images.shape[2]
        dtype = keras.backend.standardize_dtype(images.dtype)
        x = ops.cast(images, "float32") if dtype in ("float16", "bfloat16") else images
        batch = ops.shape(images)[0]
        for name in self.policy:
            if name == "color":
                x = self._color(x, batch)
            elif name == "translation":
                x = self._translation(x, batch, height, width)
            else:
                x = self._cutout(x, batch, height, width)
        return ops.cast(x, dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, images, training=True):
        return keras.KerasTensor(images.shape, dtype=images.dtype)

    def get_config(self):
        return {
            **super().get_config(),
            "policy": ",".join(self.policy),
            "translation_ratio": self.translation_ratio,
            "cutout_ratio": self.cutout_ratio,
            "seed": self.seed,
        }
