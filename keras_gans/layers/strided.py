"""4x4, stride-2, "same" convolutions with faster CPU kernels (same math as Keras's layers).

DCGAN's layers are 4x4 convolutions with stride 2. On CPU, TensorFlow's
``Conv2DBackpropInput`` kernel -- the forward pass of a transposed convolution and
the input gradient of a strided convolution -- ran about 4x slower here than a
stride-1 convolution with the same FLOPs (77 ms vs 20 ms for 128x4x4x256 -> 8x8x128).
These layers keep Keras's kernel layout, weights and results and route that one
computation through stride-1 convolutions instead (sub-pixel decomposition): the
output phase ``(a, b)`` of ``y[2i + a, 2j + b]`` is a 2x2 "valid" convolution of the
1-padded input with the kernel taps ``3 - a - 2t``. The other gradients are
TensorFlow's own (``tf.custom_gradient``). Other configurations fall back to Keras.
Outputs and gradients match ``keras.layers.Conv2DTranspose`` / ``Conv2D`` to float32
rounding (tests/layers/test_strided.py).
"""

import keras
import tensorflow as tf

_STRIDES = [1, 2, 2, 1]


def _transpose_conv_phases(x, kernel):
    """``conv2d_transpose(x, kernel, stride 2, SAME)`` for a (4, 4, out, in) kernel, via 4 stride-1 convs."""
    h = x.shape[1] if x.shape[1] is not None else tf.shape(x)[1]
    w = x.shape[2] if x.shape[2] is not None else tf.shape(x)[2]
    padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
    rows = []
    for a in range(2):
        cols = []
        for b in range(2):
            taps = tf.stack([tf.stack([kernel[3 - a - 2 * ty, 3 - b - 2 * tx] for tx in range(2)]) for ty in range(2)])
            phase = tf.nn.conv2d(padded[:, a : a + h + 1, b : b + w + 1], tf.transpose(taps, (0, 1, 3, 2)), 1, "VALID")
            cols.append(phase)
        rows.append(tf.stack(cols, axis=3))  # (B, h, w, 2, C)
    return tf.reshape(tf.stack(rows, axis=2), (-1, 2 * h, 2 * w, kernel.shape[2]))  # (B, h, 2, w, 2, C)


@tf.custom_gradient
def conv2d_transpose_4x4s2(x, kernel):
    """Transposed 4x4 stride-2 SAME convolution; ``kernel`` is (4, 4, out, in)."""
    y = _transpose_conv_phases(x, tf.stop_gradient(kernel))

    def grad(dy):
        dx = tf.nn.conv2d(dy, kernel, _STRIDES, "SAME")
        dk = tf.compat.v1.nn.conv2d_backprop_filter(dy, tf.shape(kernel), x, _STRIDES, "SAME")
        return dx, dk

    return y, grad


@tf.custom_gradient
def conv2d_4x4s2(x, kernel):
    """4x4 stride-2 SAME convolution; ``kernel`` is (4, 4, in, out); even input sizes."""
    y = tf.nn.conv2d(x, kernel, _STRIDES, "SAME")

    def grad(dy):
        dx = _transpose_conv_phases(dy, tf.stop_gradient(kernel))
        dk = tf.compat.v1.nn.conv2d_backprop_filter(x, tf.shape(kernel), dy, _STRIDES, "SAME")
        return dx, dk

    return y, grad


def _fast_path(layer, inputs, channels, need_static=True):
    # With few channels (an RGB input or output) the native kernels are as fast: measured
    # 17 ms native vs 32 ms here for D's 32x32x3 input layer.
    # The transposed convolution's phases work for any (also unknown) height and width; the
    # strided convolution's gradient needs even sizes known when the graph is traced.
    return (
        channels >= 16
        and tuple(layer.kernel_size) == (4, 4)
        and tuple(layer.strides) == (2, 2)
        and layer.padding == "same"
        and tuple(layer.dilation_rate) == (1, 1)
        and layer.data_format == "channels_last"
        and getattr(layer, "groups", 1) == 1
        and (not need_static or (inputs.shape[1] is not None and inputs.shape[2] is not None))
    )


def _finish(layer, outputs):
    if layer.use_bias:
        outputs = outputs + tf.cast(layer.bias, outputs.dtype)
    if layer.activation is not None:
        outputs = layer.activation(outputs)
    return outputs


@keras.saving.register_keras_serializable(package="keras_gans")
class Conv2DTranspose(keras.layers.Conv2DTranspose):
    """``keras.layers.Conv2DTranspose`` with a fast path for 4x4, stride 2, "same"."""

    def call(self, inputs):
        if not _fast_path(self, inputs, min(self.filters, inputs.shape[-1]), need_static=False):
            return super().call(inputs)
        return _finish(self, conv2d_transpose_4x4s2(inputs, tf.cast(self.kernel, self.compute_dtype)))


@keras.saving.register_keras_serializable(package="keras_gans")
class Conv2D(keras.layers.Conv2D):
    """``keras.layers.Conv2D`` with a fast input gradient for 4x4, stride 2, "same", even sizes."""

    def call(self, inputs):
        if not _fast_path(self, inputs, min(self.filters, inputs.shape[-1])) or inputs.shape[1] % 2 or inputs.shape[2] % 2:
            return super().call(inputs)
        return _finish(self, conv2d_4x4s2(inputs, tf.cast(self.kernel, self.compute_dtype)))
