"""Adaptive instance normalization (Huang & Belongie 2017, "Arbitrary Style Transfer in
Real-time with Adaptive Instance Normalization", Eq. 8)."""

import keras
from keras import ops

#: the reference implementation's epsilon (pytorch-AdaIN ``calc_mean_std``), added to the variance
EPSILON = 1e-5


def mean_std(features, epsilon=EPSILON, keepdims=False):
    """Per-example, per-channel mean and standard deviation over the spatial axes.

    ``features`` ``[B, H, W, C]`` -> ``(mean, std)``, each ``[B, C]`` (``[B, 1, 1, C]`` with
    ``keepdims``). Population variance; ``std = sqrt(var + epsilon)`` keeps the gradient finite
    for constant feature maps. Computed in float32 whatever the features' dtype (mixed precision: a bfloat16
    variance of activations in the hundreds keeps 3 significant digits).
    """
    features = ops.cast(features, "float32")
    mean = ops.mean(features, axis=(1, 2), keepdims=True)
    var = ops.mean(ops.square(features - mean), axis=(1, 2), keepdims=True)
    std = ops.sqrt(var + epsilon)
    if not keepdims:
        mean, std = ops.squeeze(mean, (1, 2)), ops.squeeze(std, (1, 2))
    return mean, std


def adain_with_statistics(content, style_mean, style_std, epsilon=EPSILON):
    """``style_std * (content - mean(content)) / std(content) + style_mean``.

    ``content`` ``[B, H, W, C]``; ``style_mean``/``style_std`` ``[B, C]`` (or broadcastable).
    """
    mean, std = mean_std(content, epsilon, keepdims=True)
    style_mean = ops.reshape(ops.cast(style_mean, "float32"), (-1, 1, 1, ops.shape(style_mean)[-1]))
    style_std = ops.reshape(ops.cast(style_std, "float32"), (-1, 1, 1, ops.shape(style_std)[-1]))
    return ops.cast(style_std * (ops.cast(content, "float32") - mean) / std + style_mean, content.dtype)


@keras.saving.register_keras_serializable(package="keras_gans")
class AdaIN(keras.layers.Layer):
    """``AdaIN(x, y) = σ(y) · (x − μ(x)) / σ(x) + μ(y)`` per example and channel (paper Eq. 8).

    Call on ``[content_features, style_features]`` (``[B, H, W, C]`` and ``[B, H', W', C]``,
    any spatial sizes). The output has the style's per-channel mean exactly and its standard
    deviation up to the epsilon inside the square root (``σ = sqrt(var + epsilon)``, population
    variance). No trainable weights.
    """

    def __init__(self, epsilon=EPSILON, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)
        self.built = True  # no weights: ready before its first call (fit under tf.distribute checks this)

    def call(self, inputs):
        content, style = inputs
        style_mean, style_std = mean_std(style, self.epsilon)
        return adain_with_statistics(content, style_mean, style_std, self.epsilon)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}
