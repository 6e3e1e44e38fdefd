"""Nearest-neighbour 2x up-sampling followed by a stride-1 convolution, computed at the low resolution.

Decoders that up-sample by repeating pixels and then convolve (the AdaIN decoder, Huang & Belongie 2017 / the
reference ``naoto0804/pytorch-AdaIN``; BEGAN's decoders, Berthelot et al. 2017; SN-GAN's ResNet generator, Miyato
et al. 2018) spend most of those layers' FLOPs multiplying four copies of each input pixel by the same weights.
:class:`UpsamplingConv2D` is ``Conv2D(pad(UpSampling2D(2)(x)))`` in one layer, with that convolution's kernel and
bias, computed exactly without the up-sampled image:

- 3x3: output pixel ``(2i + a, 2j + b)`` reads up-sampled rows ``2i + a - 1 .. 2i + a + 1``, which are only two
  distinct input rows: ``(i - 1, i, i)`` for ``a = 0`` and ``(i, i, i + 1)`` for ``a = 1`` (columns alike). So
  each of the four output phases is a 2x2 convolution of the input with summed taps (rows ``(w0, w1 + w2)`` and
  ``(w0 + w1, w2)``, :func:`phase_kernel`): 16 instead of 36 multiply-adds per input pixel and channel pair
  (2.25x fewer), run as one 2x2 convolution with ``4 * filters`` outputs whose four slices are interleaved.
- 1x1: the convolution at the low resolution, then the up-sampling (4x fewer).

The border: zero padding of the up-sampled image is the up-sampling of the zero-padded input, and reflection
padding by one pixel (``nn.ReflectionPad2d(1)``) of an up-sampled image repeats the input's edge pixel, i.e. the
up-sampling of the edge-padded input. Other kernel sizes fall back to up-sampling, padding and convolving.

Measured on AMD Zen 4, 2 cores (``scripts/benchmarks/upsampling_conv.py``;
``results/upsampling_conv_zen4_gather.md``): AdaIN stylizing at 256x256 1.08x faster in bfloat16 and 1.07x in
float32, SN-GAN training steps 1.15x / 1.17x; AdaIN training 1.09x / 1.06x faster with the phases interleaved by a
gather than by slices (``results/upsampling_conv_gather_adain_train.md``).
BEGAN's decoders (64 channels at 8x8-32x32): 64x64 batch-16 training steps 1.05x / 1.08x
(``results/upsampling_conv_began_gather.md``; 0.95x / 0.99x with the sliced interleave, when they went back to
``UpSampling2D`` + ``FastConv2D`` for a while).
"""

import itertools

import keras
import numpy as np
import tensorflow as tf

from keras_gans.kernels.conv import FastConv2D, finish, interleave_phases, same_padding, size_of
from keras_gans.layers.padding import reflection_pad

BORDERS = ("zeros", "reflect")


def _up2(x):
    """Nearest-neighbour 2x up-sampling as Concat/Reshape/Pack (ops every converter takes). (One gather of channel
    rows with a summing gradient was 0.6x as fast in forward + gradients at SN-GAN's 1x1 shortcut in float32.)"""
    return interleave_phases([[x, x], [x, x]], x.shape[-1])


def _interleave_shifted(outputs, h, w, f):
    """``y[:, 2i + a, 2j + b] = outputs[:, i + a, j + b, (2a + b) f : (2a + b + 1) f]``: the (B, 2h, 2w, f) image of
    the (B, h + 1, w + 1, 4f) phase convolution, as one gather of f-channel rows whose gradient is one gather back
    (each phase output is read at most once). The four phase slices, interleaved, cost a full-size
    ``StridedSliceGrad`` each in the gradient: 61 ms against 8 ms at 8 x 32 x 32 x 256 in bfloat16 on Zen 4."""
    n = size_of(outputs, 0)
    r, c = tf.range(2 * h), tf.range(2 * w)
    rows = ((r // 2 + r % 2)[:, None] * (w + 1) + (c // 2 + c % 2)[None, :]) * 4 + 2 * (r % 2)[:, None] + (c % 2)
    rows = tf.reshape(tf.range(n)[:, None, None] * ((h + 1) * (w + 1) * 4) + rows[None], [-1])

    @tf.custom_gradient
    def gather(phase_rows):
        def grad(upstream):
            y, x, phase = tf.range(h + 1)[:, None, None], tf.range(w + 1)[None, :, None], tf.range(4)
            i, j = y - phase // 2, x - phase % 2  # the output pixel (2i + a, 2j + b) this phase output becomes
            read = (i >= 0) & (i < h) & (j >= 0) & (j < w)
            pixel = (2 * i + phase // 2) * (2 * w) + 2 * j + phase % 2
            pixel = tf.where(read[None], tf.range(n)[:, None, None, None] * (4 * h * w) + pixel[None], n * 4 * h * w)
            padded = tf.concat([upstream, tf.zeros([1, f], upstream.dtype)], axis=0)  # row n * 4hw: unread ones
            return tf.gather(padded, tf.reshape(pixel, [-1]))

        return tf.gather(phase_rows, rows), grad

    return tf.reshape(gather(tf.reshape(outputs, (-1, f))), (-1, 2 * h, 2 * w, f))


def _edge_pad1(x):
    """``x`` padded by one pixel on each side with copies of its edge (``tf.pad`` mode "SYMMETRIC" by 1) as one
    gather, gradient ``MirrorPadGrad`` (:func:`reflection_pad`). As concatenations of edge slices, forward and
    gradients took twice as long (8 x 128 x 128 x 64 in bfloat16: 19.3 against 10.4 ms)."""
    return reflection_pad(x, ((1, 1), (1, 1)), mode="SYMMETRIC")


# Output phase a (of the rows, or of the columns) of a 3x3 conv after the up-sampling reads two input pixels; its
# 2-tap kernel sums these taps of the 3-tap one: (w0, w1 + w2) for a = 0, (w0 + w1, w2) for a = 1.
_PHASE_TAPS = {0: ((0,), (1, 2)), 1: ((0, 1), (2,))}


def _tap_sums():
    """The (16, 9) 0/1 matrix whose row ``(2a + b, i, j)`` sums the 3x3 taps that phase ``(a, b)``'s 2x2 tap
    ``(i, j)`` stands for."""
    sums = np.zeros((2, 2, 2, 2, 3, 3), "float32")
    for a, b, i, j in itertools.product(range(2), repeat=4):
        for y, x in itertools.product(_PHASE_TAPS[a][i], _PHASE_TAPS[b][j]):
            sums[a, b, i, j, y, x] = 1.0
    return sums.reshape(16, 9)


_TAP_SUMS = _tap_sums()


def phase_kernel(kernel):
    """The (3, 3, in, out) ``kernel`` as one (2, 2, in, 4 * out) kernel: phase ``(a, b)`` in outputs
    ``(2a + b) * out ...``. One matmul by the 0/1 matrix (summed in float32 and rounded once, also for a bfloat16
    kernel; element-wise bfloat16 adds and stacks took about twice as long), then a transpose."""
    kernel = tf.convert_to_tensor(kernel)
    c_in, c_out = kernel.shape[2], kernel.shape[3]
    sums = tf.matmul(tf.constant(_TAP_SUMS, kernel.dtype), tf.reshape(kernel, (9, c_in * c_out)))
    return tf.reshape(tf.transpose(tf.reshape(sums, (4, 2, 2, c_in, c_out)), (1, 2, 3, 0, 4)), (2, 2, c_in, 4 * c_out))


@keras.saving.register_keras_serializable(package="keras_gans")
class UpsamplingConv2D(FastConv2D):
    """2x nearest-neighbour up-sampling, then a stride-1 "same"-size convolution: zero-padded (``border="zeros"``,
    ``UpSampling2D`` + ``Conv2D(padding="same")``) or reflection-padded (``border="reflect"``, ``UpSampling2D`` +
    ``ReflectionPadding2D`` + ``Conv2D(padding="valid")``). Same kernel, bias and results (to float rounding);
    3x3 and 1x1 kernels run at the input's resolution (module docstring).

    Input ``[B, h, w, C]`` (any ``h, w`` >= 1), output ``[B, 2h, 2w, filters]``.
    """

    def __init__(self, filters, kernel_size, border="zeros", **kwargs):
        if border not in BORDERS:
            raise ValueError(f"border must be one of {BORDERS}, got {border!r}")
        if "padding" in kwargs:  # get_config leaves it out: the border says how the up-sampled image is padded
            raise ValueError(f"UpsamplingConv2D pads by its border ('zeros' or 'reflect'), not padding="
                             f"{kwargs['padding']!r}: border='zeros' is UpSampling2D + Conv2D(padding='same')")
        if kwargs.get("strides", 1) not in (1, (1, 1), [1, 1]) or kwargs.get("dilation_rate", 1) not in (
                1, (1, 1), [1, 1]):
            raise ValueError("UpsamplingConv2D convolves with stride 1 and no dilation")
        super().__init__(filters, kernel_size, padding="same", **kwargs)
        self.border = border

    def _rewrite(self):
        """Which computation: "phases" (3x3), "low" (1x1) or "upsample" (the plain composition)."""
        if self.data_format != "channels_last" or getattr(self, "groups", 1) != 1:
            return "upsample"
        return {(3, 3): "phases", (1, 1): "low"}.get(tuple(self.kernel_size), "upsample")

    def call(self, inputs):
        path = self._rewrite()
        kernel = self.kernel  # Keras's cast of it under a mixed policy
        if path == "low":
            outputs = tf.nn.conv2d(inputs, tf.cast(kernel, self.compute_dtype), 1, "VALID")
            return _up2(finish(self, outputs))
        if path == "phases":
            h, w = size_of(inputs, 1), size_of(inputs, 2)
            if self.border == "reflect":
                padded = _edge_pad1(inputs)
            else:
                padded = tf.pad(inputs, [[0, 0], [1, 1], [1, 1], [0, 0]])
            outputs = tf.nn.conv2d(padded, tf.cast(phase_kernel(kernel), self.compute_dtype), 1, "VALID")
            outputs = finish(self, outputs, copies=4)  # before the interleave, so oneDNN fuses them into the conv
            return _interleave_shifted(outputs, h, w, self.filters)
        upsampled = _up2(inputs)
        if self.border == "reflect":
            upsampled = reflection_pad(upsampled, same_padding(self.kernel_size)[1:3])
            outputs = tf.nn.conv2d(upsampled, tf.cast(kernel, self.compute_dtype), 1, "VALID")
        else:
            outputs = tf.nn.conv2d(upsampled, tf.cast(kernel, self.compute_dtype), 1, "SAME")
        return finish(self, outputs)

    def compute_output_shape(self, input_shape):
        h, w = input_shape[1], input_shape[2]
        return (input_shape[0], None if h is None else 2 * h, None if w is None else 2 * w, self.filters)

    def get_config(self):
        config = super().get_config()
        config.pop("padding", None)
        return {**config, "border": self.border}
