"""Instance normalization (CycleGAN's ResNet generator and PatchGAN, Pix2Pix's ``norm="instance"``)."""

import keras
import tensorflow as tf

from keras_gans.kernels.batchnorm import fused_batch_norm_training

_FUSED_DTYPES = (tf.float16, tf.bfloat16, tf.float32)  # what FusedBatchNormV3 takes


@keras.saving.register_keras_serializable(package="keras_gans")
class InstanceNormalization(keras.layers.GroupNormalization):
    """Instance normalization (Ulyanov et al. 2016) with a learned scale and offset per channel:
    ``GroupNormalization(groups=-1)``, as the reference ``nn.InstanceNorm2d(affine=True)``.

    NHWC inputs go through TensorFlow's fused batch-norm kernel (``FusedBatchNormV3``: oneDNN on CPU, cuDNN on GPU),
    in training and inference alike: the batch is laid out as one image whose channels are the batch's (image,
    channel) pairs, so that its batch statistics are the instance statistics (a reshape for one image, a transpose
    each way for more). The kernel computes them in float32 for bfloat16 and float16 inputs, and its gradient is
    one kernel too, against about 140 element-wise ops for Keras's moments and normalization with their gradient,
    which remain for other layouts and for float64. The same outputs and gradients to float32 rounding
    (``tests/layers/test_normalization.py``). Normalization + ReLU forward and backward on AMD Zen 4, 2 cores
    (``python scripts/benchmarks/fused_batchnorm_ab.py --norm instance --layers``,
    ``results/fused_instancenorm_layers_zen4.md``): 1.6-2.2x faster at batch 1 (1x256x256x64 in bfloat16 24.9 ->
    11.4 ms), 1.05-1.8x at batch 4. (On the earlier development CPU, without oneDNN, the fused gradient was slower,
    so until 2026-12-05 only inference at batch 1 took this path.)
    """

    def __init__(self, epsilon=1e-5, **kwargs):
        kwargs.pop("groups", None)  # from get_config
        super().__init__(groups=-1, epsilon=epsilon, **kwargs)

    def call(self, inputs, training=None):
        if len(inputs.shape) != 4 or self.axis not in (-1, 3) or inputs.dtype not in _FUSED_DTYPES:
            return super().call(inputs)
        return tf.cast(self._fused(inputs), self.compute_dtype)

    def _fused(self, x):
        channels, one_image = x.shape[-1], x.shape[0] == 1
        if one_image:
            return fused_batch_norm_training(x, self, channels)[0]
        shape = tf.shape(x)  # [N, H, W, C] -> [1, H, W, N*C]: each (image, channel) pair becomes a channel
        x = tf.reshape(tf.transpose(x, [1, 2, 0, 3]), [1, shape[1], shape[2], shape[0] * channels])
        y = fused_batch_norm_training(x, self, channels, repeats=shape[:1])[0]
        return tf.transpose(tf.reshape(y, [shape[1], shape[2], shape[0], channels]), [2, 0, 1, 3])
