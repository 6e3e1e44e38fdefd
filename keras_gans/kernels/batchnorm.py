"""Batch normalization whose training call on one replica runs TensorFlow's fused kernel.

Keras 3's ``BatchNormalization`` computes the batch moments and normalises in separate element-wise ops, in float32
with casts around them under a mixed policy. :class:`FastBatchNormalization` sends a training call on a single
replica through ``FusedBatchNormV3`` (oneDNN on CPU, cuDNN on GPU) instead. It gives the same outputs, gradients and
moving statistics to float32 rounding (``tests/kernels/test_batchnorm.py``). The kernel's unbiased batch variance is
turned back into Keras's biased one for the moving average. The kernel computes the moments in float32 for bfloat16
and float16 inputs too.

Everything else is Keras's own code path:

- inference;
- a frozen layer;
- several replicas (synchronized batch norm over the global batch, so N replicas still train like one device);
- masks and inputs other than NHWC.

Measured (DCGAN 32x32x3, batch 128, 3 interleaved rounds of fresh processes, median images/s;
``python scripts/benchmarks/fused_batchnorm_ab.py --rounds 3 --name NAME``):

- AMX Xeon, 2 cores (``results/fused_batchnorm_amx.md``): mixed bfloat16 774 → 1024 (1.32x); float32 427 → 458
  (1.07x).
- Zen 4, 2 cores (``results/fused_batchnorm_ab.md``): mixed bfloat16 405 → 450; float32 280 → 293.
"""

import keras
import tensorflow as tf


def fused_batch_norm_training(x, layer, channels, repeats=None):
    """``FusedBatchNormV3`` in training mode over NHWC ``x`` with ``layer``'s scale and offset for ``channels``
    channels in float32 (ones and zeros where the layer has none), each tiled ``repeats`` times when given (instance
    norm's [1, H, W, N*C] layout): ``(y, batch mean, the kernel's unbiased batch variance)``."""
    scale = tf.cast(layer.gamma, tf.float32) if layer.scale else tf.ones([channels])
    offset = tf.cast(layer.beta, tf.float32) if layer.center else tf.zeros([channels])
    if repeats is not None:
        scale, offset = tf.tile(scale, repeats), tf.tile(offset, repeats)
    y, mean, variance, *_ = tf.raw_ops.FusedBatchNormV3(
        x=x, scale=scale, offset=offset, mean=tf.constant([], tf.float32), variance=tf.constant([], tf.float32),
        epsilon=layer.epsilon, exponential_avg_factor=1.0, data_format="NHWC", is_training=True)
    return y, mean, variance


@keras.saving.register_keras_serializable(package="keras_gans")
class FastBatchNormalization(keras.layers.BatchNormalization):
    """``keras.layers.BatchNormalization`` with the fused kernel on a single replica's training calls (module
    docstring). The same arguments, variables and config."""

    def _fused(self, inputs, training, mask):
        return (training is True and self.trainable and mask is None and len(inputs.shape) == 4
                and self.axis in (-1, 3) and tf.distribute.get_strategy().num_replicas_in_sync == 1)

    def call(self, inputs, training=None, mask=None):
        if not self._fused(inputs, training, mask):
            return super().call(inputs, training=training, mask=mask)
        y, mean, variance = fused_batch_norm_training(inputs, self, inputs.shape[-1])
        n = tf.cast(tf.reduce_prod(tf.shape(inputs)[:3]), tf.float32)
        variance = variance * (n - 1.0) / tf.maximum(n, 1.0)  # the kernel's unbiased variance -> Keras's biased one
        momentum = tf.constant(self.momentum, tf.float32)
        self.moving_mean.assign(self.moving_mean * momentum + tf.cast(mean, self.moving_mean.dtype) * (1.0 - momentum))
        self.moving_variance.assign(self.moving_variance * momentum
                                    + tf.cast(variance, self.moving_variance.dtype) * (1.0 - momentum))
        return tf.cast(y, self.compute_dtype)
