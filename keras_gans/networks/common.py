"""Pieces shared by the network builders."""

import math

import keras

from keras_gans.kernels.batchnorm import FastBatchNormalization
from keras_gans.layers import InstanceNormalization
from keras_gans.layers.spectral_norm import SpectralNormalization

NORMS = ("batch", "layer", "instance", "none")


def weight_init():
    """N(0, 0.02) (DCGAN, Pix2Pix, CycleGAN), a *new* initializer per layer.

    One shared ``RandomNormal(seed=None)`` instance returns the same numbers on every call in
    Keras 3, so every layer of a shape would start from identical weights; a fresh instance
    draws its seed from the global generator (``keras.utils.set_random_seed`` makes it repeatable).
    """
    return keras.initializers.RandomNormal(mean=0.0, stddev=0.02)


def check_image_shape(image_shape):
    """Return ``image_shape`` as a tuple ``(H, W, C)`` of positive ints, or raise."""
    try:
        shape = tuple(int(s) for s in image_shape)
    except (TypeError, ValueError):
        raise ValueError(f"image_shape must be (height, width, channels), got {image_shape!r}") from None
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"image_shape must be (height, width, channels) of positive ints, got {image_shape!r}")
    return shape


def normalization(norm, name, synchronized=True):
    """A normalization layer by name, or ``None`` for ``"none"``.

    ``synchronized`` batch norm computes the statistics over the global batch
    under ``tf.distribute`` so N replicas train exactly like one device; on one replica it trains through
    TensorFlow's fused kernel (:class:`keras_gans.kernels.FastBatchNormalization`).
    Instance norm is ``keras_gans.layers.InstanceNormalization``, a ``GroupNormalization(groups=-1)``
    (``groups=1`` would be layer norm) with a faster inference path.
    """
    if norm == "batch":
        return FastBatchNormalization(momentum=0.9, epsilon=1e-5, synchronized=synchronized, name=name)
    if norm == "layer":
        return keras.layers.LayerNormalization(axis=[1, 2, 3], epsilon=1e-5, name=name)
    if norm == "instance":
        return InstanceNormalization(epsilon=1e-5, name=name)
    if norm == "none":
        return None
    raise ValueError(f"Unknown normalization {norm!r}; expected one of {NORMS}")


def spectral_normalized(layer, enabled=True):
    """``layer`` wrapped in :class:`~keras_gans.layers.spectral_norm.SpectralNormalization` (Miyato et al. 2018,
    one power iteration per call as the paper) and named ``<layer name>_sn`` when ``enabled``, else ``layer``."""
    return SpectralNormalization(layer, power_iterations=1, name=f"{layer.name}_sn") if enabled else layer


def discriminator_norm(norm, spectral_norm):
    """The normalization of a discriminator: ``norm``, or when ``None`` batch norm, which spectral
    normalization replaces (Miyato et al. 2018: SN-GANs' discriminators have no batch norm).
    Batch norm together with spectral norm is refused: its division by the batch's standard deviation and
    its learned scale undo the Lipschitz bound that SN sets."""
    if norm is None:
        return "none" if spectral_norm else "batch"
    if spectral_norm and norm == "batch":
        raise ValueError("spectral_norm=True replaces batch norm in the discriminator (Miyato et al. 2018): "
                         "batch norm would undo its Lipschitz bound; leave norm=None or pass norm='none'")
    return norm


def label_input(num_classes, name="labels"):
    """An int32 label input and its one-hot encoding."""
    labels = keras.Input(shape=(), dtype="int32", name=name)
    one_hot = keras.layers.CategoryEncoding(num_tokens=num_classes, output_mode="one_hot", name="one_hot")(labels)
    return labels, one_hot


def is_power_of_two(n):
    return n >= 1 and 2 ** int(round(math.log2(n))) == n
