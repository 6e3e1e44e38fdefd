"""Optimizer identifiers -> optimizers, as ``compile`` resolves them."""

import keras

from keras_gans.kernels.adam import FusedAdam


def get(identifier):
    """``keras.optimizers.get`` that resolves Adam to the fused :class:`FusedAdam` above.

    So ``model.compile(g_optimizer="adam")`` gets the same update as ``keras.optimizers.Adam`` (same
    defaults) through TensorFlow's fused kernel; every other identifier (``"rmsprop"``, a config dict, an
    optimizer object, a ``keras.optimizers.Adam`` you built yourself) goes to ``keras.optimizers.get``.
    """
    if isinstance(identifier, str) and identifier.lower() == "adam":
        return FusedAdam()
    return keras.optimizers.get(identifier)
