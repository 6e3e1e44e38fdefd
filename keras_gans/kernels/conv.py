"""Convolutions with faster CPU kernels for slow cases (same math as Keras's layers).

1. 4x4, stride 2, "same" (DCGAN, the U-Net, PatchGAN). On a CPU where TensorFlow runs without oneDNN, its
``Conv2DBackpropInput`` kernel -- the forward pass of a transposed convolution and
the input gradient of a strided convolution -- ran about 4x slower than a
stride-1 convolution with the same FLOPs (77 ms vs 20 ms for 128x4x4x256 -> 8x8x128).
These layers keep Keras's kernel layout, weights and results and route that one
computation through stride-1 convolutions instead (sub-pixel decomposition): the
output phase ``(a, b)`` of ``y[2i + a, 2j + b]`` is a 2x2 "valid" convolution of the
1-padded input with the kernel taps ``3 - a - 2t`` (or, with few input pixels, one matmul
and a col2im). Where oneDNN runs, its own kernel beats the phases, so only the matmul remains there
(:func:`_transpose_conv`). TensorFlow's ``Conv2DBackpropFilter`` is slow with few pixels and many
weights too, so there the kernel gradient is one matmul of the input's 4x4 patches
(``_kernel_grad_4x4s2``); the other gradients are TensorFlow's own (``tf.custom_gradient``).
Other configurations fall back to Keras.
Outputs and gradients match ``keras.layers.Conv2DTranspose`` / ``Conv2D`` to float32
rounding (tests/kernels/test_conv.py). No tensor has more than 4 dimensions, so exported graphs convert to
TFLite's built-in ops (a 6-D pad and 5-/6-D stacks did not; same speed, issue 19).

2. Stride-1 convolutions whose TensorFlow gradient kernels are slow (``_STRIDE1_PATHS``):
to few output channels (the ResNet generator's 7x7 to RGB, PatchGAN's logits) and 4x4
between wide layers. Their gradients are computed as exact rewrites of the same sums:
the input gradient as a forward convolution of the fully padded upstream gradient with
the flipped kernel; the kernel gradient as the kernel gradient of the "swapped" conv
(padded upstream gradient -> input, flipped back). Which rewrite each case gets, and the
per-layer times behind it, are in the table. 3x3 convs between wide layers keep
TensorFlow's kernels: a kernel gradient as nine shifted matmuls won per layer but lost in
whole CycleGAN steps (see the note at the table).

3. 3x3 stride-1 convolutions with at least 64 channels in and out, on CPUs: Winograd's
F(2x2, 3x3), 2.25x fewer multiplies (:mod:`keras_gans.kernels.winograd`, which says where it applies and why).

4. The 4x4 stride-2 layers of 1. with enough channels and pixels, on CPUs: Winograd's F(2x2, 2x2) on the
space-to-depth (1.78x fewer multiplies; :func:`_strided`): the strided convolution with its Winograd gradients, the
transposed one with Winograd's forward pass and the gradients of 1.
"""

import contextlib
import functools
import threading

import keras
import tensorflow as tf

from keras_gans.kernels import winograd

_STRIDES = [1, 2, 2, 1]
_TRACING = threading.local()


@contextlib.contextmanager
def tracing_for_conversion():
    """Inside this context the transposed convolutions trace one path, the phases, for every size.

    For graphs that go to TFLite or ONNX with their weights folded into constants: the converters fold the
    phases' kernel rearrangement away, so the phases are four plain convolutions at every size, and a
    ``tf.cond`` between the two paths would make the converters carry both branches' weights. Measured
    on the paper-width Pix2Pix at 256x256 (tf2onnx 1.17, 2 cores): with the switch 100 s, 14.2 GB peak,
    a 358 MB file; phases only 66 s, 9.9 GB, 218 MB (``scripts/benchmarks/export_latency.py`` converts it).
    """
    before = getattr(_TRACING, "for_conversion", False)
    _TRACING.for_conversion = True
    try:
        yield
    finally:
        _TRACING.for_conversion = before


def size_of(x, axis):
    """``x.shape[axis]`` when known when the graph is traced, else the run-time size."""
    return x.shape[axis] if x.shape[axis] is not None else tf.shape(x)[axis]


def interleave_phases(phases, c):
    """``y[:, 2i + a, 2j + b] = phases[a][b][:, i, j]``: the (B, 2h, 2w, c) image of four (B, h, w, c) output
    phases through tensors of at most 4 dimensions (TFLite's built-in PAD and others take no more): the two
    column phases side by side in the channels, (B * h, w, 2c), are output row ``2i + a`` in memory; the two
    rows stacked after ``i``, (B * h, 2, w, 2c), are the output image in memory. (``tf.nn.depth_to_space`` of
    the four concatenated phases is the same and as fast; this needs only Concat, Pack and Reshape.)"""
    h, w = size_of(phases[0][0], 1), size_of(phases[0][0], 2)
    rows = [tf.reshape(tf.concat(row, axis=3), (-1, w, 2 * c)) for row in phases]  # (B * h, w, 2C)
    return tf.reshape(tf.stack(rows, axis=1), (-1, 2 * h, 2 * w, c))  # (B * h, 2, w, 2C)


def _transpose_conv_phases(x, kernel):
    """``conv2d_transpose(x, kernel, stride 2, SAME)`` for a (4, 4, out, in) kernel, via 4 stride-1 convs."""
    h, w = size_of(x, 1), size_of(x, 2)
    padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
    phases = []
    for a in range(2):
        row = []
        for b in range(2):
            taps = tf.stack([tf.stack([kernel[3 - a - 2 * ty, 3 - b - 2 * tx] for tx in range(2)]) for ty in range(2)])
            row.append(tf.nn.conv2d(padded[:, a : a + h + 1, b : b + w + 1], tf.transpose(taps, (0, 1, 3, 2)), 1,
                                    "VALID"))
        phases.append(row)
    return interleave_phases(phases, kernel.shape[2])


# (row phase a) -> ((kernel row, input row shift), ...): y[2m + a] takes x[m + shift] through that row.
_TAPS = {0: ((1, 0), (3, -1)), 1: ((2, 0), (0, 1))}


def _transpose_conv_matmul(x, kernel):
    """The same transposed convolution as one matmul and a col2im of shifted sums.

    ``cols[n, i, j, (4 ky + kx) * out + o] = sum_c x[n, i, j, c] kernel[ky, kx, o, c]``; output phase
    ``(a, b)`` adds the four taps of ``_TAPS`` from the neighbouring input pixels. The (16 * out, in)
    kernel is a free reshape, so the weights are read once: fastest when there are few input pixels
    (the U-Net's inner layers), where the phases' kernel rearrangement dominates. Every tensor is at
    most 4-D (a 6-D pad does not convert to TFLite's built-in ops).
    """
    h, w = size_of(x, 1), size_of(x, 2)
    c_out, c_in = kernel.shape[2], kernel.shape[3]
    # K @ x^T then a transpose of the result: TensorFlow's x @ K^T copies the whole kernel first.
    cols = tf.transpose(tf.matmul(tf.reshape(kernel, (16 * c_out, c_in)), tf.reshape(x, (-1, c_in)), transpose_b=True))
    cols = tf.pad(tf.reshape(cols, (-1, h, w, 16 * c_out)), [[0, 0], [1, 1], [1, 1], [0, 0]])

    def tap(ky, dy, kx, dx):
        k = (4 * ky + kx) * c_out
        return cols[:, 1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w, k : k + c_out]

    return interleave_phases([[tf.add_n([tap(ky, dy, kx, dx) for ky, dy in _TAPS[a] for kx, dx in _TAPS[b]])
                                for b in range(2)] for a in range(2)], c_out)


def _pixels(x):
    """``batch * height * width`` of ``x``: a Python int when the shape is static, else a tensor."""
    if None not in x.shape[:3]:
        return x.shape[0] * x.shape[1] * x.shape[2]
    shape = tf.shape(x)
    return shape[0] * shape[1] * shape[2]


def _if_few_pixels(pixels, limit, few, many):
    """``few()`` when ``pixels <= limit``, else ``many()``; a ``tf.cond`` when ``pixels`` is a tensor."""
    if isinstance(pixels, int):
        return few() if pixels <= limit else many()
    return tf.cond(pixels <= limit, few, many)


@functools.lru_cache(maxsize=None)
def onednn_enabled():
    """Whether TensorFlow runs its oneDNN CPU kernels in this process (``TF_ENABLE_ONEDNN_OPTS`` and the CPU)."""
    try:
        from tensorflow.python.util import _pywrap_util_port
    except ImportError:  # a TensorFlow without this private module: assume the older, non-oneDNN kernels
        return False
    return bool(_pywrap_util_port.IsMklEnabled())


def _transpose_conv_native(x, kernel):
    """TensorFlow's own ``conv2d_transpose(x, kernel, stride 2, SAME)`` (``Conv2DBackpropInput``)."""
    shape = tf.stack([size_of(x, 0), 2 * size_of(x, 1), 2 * size_of(x, 2), kernel.shape[2]])
    return tf.nn.conv2d_transpose(x, kernel, shape, _STRIDES, "SAME")


def _transpose_conv(x, kernel):
    """``conv2d_transpose(x, kernel, stride 2, SAME)``: matmul for few input pixels, else phases or, where oneDNN
    runs, TensorFlow's own kernel.

    Without oneDNN (the first 2-core CPU), per layer: 4x4x1024 -> 512, matmul 8 vs phases 51 ms;
    16x16x512 -> 128, 10 vs 12 ms; 32x32x256 -> 64, 13.5 vs 11 ms. The matmul's ``cols`` grow with the pixels and
    the phases' kernel copy with the weights: the switch is at pixels (B * h * w) = input channels. Where oneDNN
    runs its ``Conv2DBackpropInput`` beat the phases on the AMX Xeon (bfloat16, batch 128:
    4x4x256 -> 128 2.87 vs 4.16 ms, 8x8x128 -> 64 2.24 vs 3.84; batch 1: 32x32x512 -> 128 1.93 vs 3.88,
    64x64x256 -> 64 1.86 vs 3.47; float32 likewise or level), not the matmul below the switch; on Zen 4 too in whole
    steps (DCGAN b128 bf16 601 -> 671 images/s, float32 383 -> 412; Pix2Pix 256 b1 level)
    (``python scripts/benchmarks/transpose_conv.py``, ``scripts/benchmarks/results/transpose_conv_{amx,zen4}.md``).
    Graphs traced for conversion take the phases (:func:`tracing_for_conversion`).
    """
    if getattr(_TRACING, "for_conversion", False):
        return _transpose_conv_phases(x, kernel)
    many = _transpose_conv_native if onednn_enabled() else _transpose_conv_phases
    return _if_few_pixels(_pixels(x), kernel.shape[3], lambda: _transpose_conv_matmul(x, kernel),
                          lambda: many(x, kernel))


def _kernel_grad_patches(high, low):
    """``sum over n, r, s of high_padded[n, 2r + p, 2s + q, i] * low[n, r, s, o]`` as one matmul of the
    4x4 stride-2 patches of ``high`` (the im2col) with ``low``: shape (4, 4, i, o).

    The patches are four shifted slices of the padded ``high``'s 2x2 space-to-depth, so ``cols`` holds them in the
    order (a, b, dy, dx, i) for kernel row p = 2a + dy and column q = 2b + dx; the smaller of the patches and the
    result is reordered. The same products and sums as ``tf.image.extract_patches`` (results equal bit for bit),
    which was slower. Per call at batch 128 on the AMX Xeon, bfloat16: 8x8x128 -> 256 6.3 -> 3.9 ms, 8x8x256 -> 512
    15.8 -> 10.6, 16x16x128 -> 256 23.8 -> 12.5; float32 level or faster; batches 1 and 4 level
    (``scripts/benchmarks/results/conv_kernel_grad_amx_s2d_b{128,4,1}.md``). ``high`` has even sizes: twice
    ``low``'s.
    """
    c_high, c_low = high.shape[3], low.shape[3]
    h, w = size_of(low, 1), size_of(low, 2)
    padded = tf.pad(high, [[0, 0], [1, 1], [1, 1], [0, 0]])  # "SAME" for a 4x4 stride-2 conv of even sizes
    blocks = tf.nn.space_to_depth(padded, 2)  # (B, h + 1, w + 1, 4 i), depth in the order (dy, dx, i)
    cols = tf.concat([blocks[:, a : a + h, b : b + w, :] for a in (0, 1) for b in (0, 1)], axis=3)  # (B, h, w, 16 i)
    pixels, cols, low = _pixels(low), tf.reshape(cols, (-1, 16 * c_high)), tf.reshape(low, (-1, c_low))

    def reorder_cols():  # fewer pixels than output channels: the patches are the smaller tensor to reorder
        ordered = tf.transpose(tf.reshape(cols, (-1, 2, 2, 2 * c_high)), [0, 2, 1, 3])  # ((n, a), dy, b, (dx, i))
        return tf.reshape(tf.matmul(tf.reshape(ordered, (-1, 16 * c_high)), low, transpose_a=True),
                          (4, 4, c_high, c_low))

    def reorder_grad():
        grad = tf.matmul(cols, low, transpose_a=True)
        grad = tf.transpose(tf.reshape(grad, (2, 2, 2, 2 * c_high * c_low)), [0, 2, 1, 3])  # (a, dy, b, (dx, i, o))
        return tf.reshape(grad, (4, 4, c_high, c_low))

    return _if_few_pixels(pixels, c_low, reorder_cols, reorder_grad)


def _kernel_grad_4x4s2(high, low):
    """Kernel gradient of the 4x4 stride-2 SAME conv ``high -> low`` (of its transpose, ``low -> high``).

    TensorFlow's ``Conv2DBackpropFilter`` is slow when the weights are many and the pixels few:
    per layer (2 cores, batch 4) 4x4x512 -> 2x2x1024, 99.8 -> 12.5 ms by patches and matmul;
    8x8x512 -> 4x4x1024, 104 -> 19 ms; 16x16x512 -> 8x8x1024, 114 -> 48 ms; 4x4x512 -> 2x2x512,
    8.4 -> 4.6 ms. With more pixels it is as fast or faster (32x32x128 -> 16x16x256: 14.8 vs 23 ms),
    so the switch is at 2 * pixels of ``low`` = channels of ``high``.

    In bfloat16 (oneDNN on AVX-512 BF16, Zen 4, batch 128) the native kernel gains nothing over float32 while the
    matmul gets faster (medians of 5 rounds): 8x8x128 -> 256 took 26 ms native vs 16 ms by patches, 8x8x256 -> 512
    170 vs 45, 4x4x256 -> 512 52 vs 12; 16x16x128 -> 256 was even (58 vs 57), 32x32x128 -> 64 lost (46 vs 134).
    There the switch is at pixels of ``low`` = 16 x channels of ``high``
    (``scripts/benchmarks/results/conv_kernel_grad_bf16.md``, ``scripts/benchmarks/conv_kernel_grad.py``). Those
    patches were ``extract_patches``; :func:`_kernel_grad_patches`'s space-to-depth is as fast or faster, but the
    switch stays: at batch 4 the native kernel still wins where the ratio is 32 (AMX Xeon).
    """
    if high.dtype == tf.bfloat16:
        few, limit = _pixels(low), 16 * high.shape[3]
    else:
        few, limit = 2 * _pixels(low), high.shape[3]
    return _if_few_pixels(few, limit, lambda: _kernel_grad_patches(high, low),
                          lambda: tf.compat.v1.nn.conv2d_backprop_filter(
                              high, [4, 4, high.shape[3], low.shape[3]], low, _STRIDES, "SAME"))


def _transpose_conv_4x4s2_by(forward):
    """Transposed 4x4 stride-2 SAME convolution ``forward(x, kernel)`` (``kernel`` is (4, 4, out, in)) with the
    gradients of this module: the input gradient is TensorFlow's strided convolution, the kernel gradient
    :func:`_kernel_grad_4x4s2`."""

    @tf.custom_gradient
    def conv(x, kernel):
        y = forward(x, tf.stop_gradient(kernel))

        def grad(dy):
            return tf.nn.conv2d(dy, kernel, _STRIDES, "SAME"), _kernel_grad_4x4s2(dy, x)

        return y, grad

    return conv


conv2d_transpose_4x4s2 = _transpose_conv_4x4s2_by(_transpose_conv)
# The forward pass by Winograd's F(2x2, 2x2), the gradients as above: per layer on Zen 4 its forward pass was
# 1.07-1.66x faster than _transpose_conv's, but its own gradients were slower than these in bfloat16 (0.76-0.98x
# forward + backward at DCGAN's and the U-Net's widths; scripts/benchmarks/results/winograd_4x4s2t_adjoint_zen4.md).
winograd_transpose_4x4s2 = _transpose_conv_4x4s2_by(winograd.conv4x4s2_transpose)


@tf.custom_gradient
def conv2d_4x4s2(x, kernel):
    """4x4 stride-2 SAME convolution; ``kernel`` is (4, 4, in, out); even input sizes."""
    y = tf.nn.conv2d(x, kernel, _STRIDES, "SAME")

    def grad(dy):
        return _transpose_conv(dy, kernel), _kernel_grad_4x4s2(x, dy)

    return y, grad


def _flip_taps(kernel):
    """``kernel[::-1, ::-1]`` as ``ReverseV2``: a negative-stride ``StridedSlice`` of PatchGAN's
    4x4x256x512 kernel took 22-24 ms on 2 cores, ``tf.reverse`` 0.9-1.5 ms."""
    return tf.reverse(kernel, [0, 1])


def _input_grad_by_forward_conv(x, kernel, dy):
    """Input gradient of ``conv2d(x, kernel, 1, "VALID")``: a forward conv of the fully padded
    ``dy`` with the flipped, in/out-swapped kernel."""
    k_h, k_w = kernel.shape[:2]
    padded = tf.pad(dy, [[0, 0], [k_h - 1, k_h - 1], [k_w - 1, k_w - 1], [0, 0]])
    return tf.nn.conv2d(padded, tf.transpose(_flip_taps(kernel), (0, 1, 3, 2)), 1, "VALID")


def _kernel_grad_swapped(x, kernel, dy):
    """``dk[p, q, i, o] = sum x[r + p, s + q, i] dy[r, s, o]``: the kernel gradient of the conv
    padded-dy -> x, whose tap (k_h - 1 - p, k_w - 1 - q) holds the same sum."""
    k_h, k_w, c_in, c_out = kernel.shape
    padded = tf.pad(dy, [[0, 0], [k_h - 1, k_h - 1], [k_w - 1, k_w - 1], [0, 0]])
    swapped = tf.compat.v1.nn.conv2d_backprop_filter(padded, [k_h, k_w, c_out, c_in], x, [1, 1, 1, 1], "VALID")
    return tf.transpose(_flip_taps(swapped), (0, 1, 3, 2))


def _kernel_grad_native(x, kernel, dy):
    return tf.compat.v1.nn.conv2d_backprop_filter(x, tf.shape(kernel), dy, [1, 1, 1, 1], "VALID")


def _stride1_conv(input_grad, kernel_grad):
    """A stride-1 "valid" ``conv2d(x, kernel)`` whose gradients are the given exact rewrites."""

    @tf.custom_gradient
    def conv(x, kernel):
        def grad(dy):
            return input_grad(x, kernel, dy), kernel_grad(x, kernel, dy)

        return tf.nn.conv2d(x, kernel, 1, "VALID"), grad

    return conv


# Which stride-1 convolutions get which gradients; measured per layer on the 2-core CPU.
_STRIDE1_PATHS = (
    # Few outputs (< 16; the ResNet's 7x7 to RGB, PatchGAN's logits). 7x7 64 -> 3 at 128x128:
    # input gradient 94 -> 5 ms, kernel gradient 162 -> 7 ms.
    (lambda k, c_in, c_out: c_out < 16 <= c_in, _stride1_conv(_input_grad_by_forward_conv, _kernel_grad_swapped)),
    # (Not 3x3 between wide layers: the kernel gradient as nine shifted matmuls, 256 -> 256 at
    # 64x64 80 -> 51 ms alone, made whole CycleGAN steps slower -- 128 batch 1: 0.256 / 0.274 ->
    # 0.282 / 0.308 img/s without it, 256 batch 1: 18.1 -> 17.1 s a step, and less memory.)
    # 4x4 between wide layers (PatchGAN's last block). 256 -> 512, batch 4 at 15x15: input
    # gradient 117 -> 70 ms; batch 1 at 31x31: 70 -> 64 (at 15x15 batch 1 it lost, 28 -> 34).
    (lambda k, c_in, c_out: k == (4, 4) and min(c_in, c_out) >= 128,
     _stride1_conv(_input_grad_by_forward_conv, _kernel_grad_native)),
)


def _is_plain(layer, strides, paddings):
    """``layer`` has these strides and one of these paddings, no dilation, channels last, one group."""
    return (
        tuple(layer.strides) == strides
        and layer.padding in paddings
        and tuple(layer.dilation_rate) == (1, 1)
        and layer.data_format == "channels_last"
        and getattr(layer, "groups", 1) == 1
    )


def _winograd_allowed(layer, channels_in, channels_out):
    """Whether ``layer``'s graph may take the Winograd ops for a stride-1 convolution between these channels:
    :func:`winograd.active`, and not a graph for conversion (TFLite, ONNX)."""
    return (not getattr(_TRACING, "for_conversion", False)
            and winograd.active(layer.compute_dtype, channels_in, channels_out))


def _stride1_conv_for(layer, inputs):
    """The fast stride-1 convolution for ``layer``, or ``None`` for Keras's own: Winograd where it applies (3x3,
    CPU, wide, not for conversion), else a ``_STRIDE1_PATHS`` entry."""
    if not _is_plain(layer, (1, 1), ("valid", "same")):
        return None
    if tuple(layer.kernel_size) == (3, 3) and _winograd_allowed(layer, inputs.shape[-1], layer.filters):
        return winograd.conv3x3
    for applies, conv in _STRIDE1_PATHS:
        if applies(tuple(layer.kernel_size), inputs.shape[-1], layer.filters):
            return conv
    return None


def same_padding(kernel_size):
    """TensorFlow's stride-1 "same" padding: the extra pixel of an even kernel goes bottom/right."""
    return [[0, 0]] + [[(k - 1) // 2, k // 2] for k in kernel_size] + [[0, 0]]


def _fast_path(layer, inputs, channels, need_static=True):
    # With few channels (an RGB input or output) the native kernels are as fast: measured
    # 17 ms native vs 32 ms here for D's 32x32x3 input layer.
    # The transposed convolution's phases work for any (also unknown) height and width; the
    # strided convolution's gradient needs even sizes known when the graph is traced.
    return (
        channels >= 16
        and tuple(layer.kernel_size) == (4, 4)
        and _is_plain(layer, (2, 2), ("same",))
        and (not need_static or (inputs.shape[1] is not None and inputs.shape[2] is not None))
    )


def _blocks(x, shrink):
    """The number of 2x2 blocks of an image of ``x``'s batch and ``1 / shrink`` its size (an int when the shape is
    static, else a tensor)."""
    return size_of(x, 0) * ((size_of(x, 1) // shrink + 1) // 2) * ((size_of(x, 2) // shrink + 1) // 2)


def _strided(layer, blocks, channels_high, channels_low, by_winograd, otherwise):
    """A 4x4 stride-2 "same" (transposed) convolution between ``channels_high`` channels at the high resolution and
    ``channels_low`` at the low one, with ``blocks`` 2x2 blocks at the low one: Winograd's F(2x2, 2x2) on the
    space-to-depth (``by_winograd()``: :func:`winograd.conv4x4s2` or its transpose, 4 * ``channels_high`` and
    ``channels_low`` channels) where it applies and ``blocks`` is at least ``winograd.MIN_TILES``, else
    ``otherwise()``."""
    if not _winograd_allowed(layer, 4 * channels_high, channels_low):
        return otherwise()
    return _if_few_pixels(blocks, winograd.MIN_TILES[tf.as_dtype(layer.compute_dtype).name] - 1, otherwise,
                          by_winograd)


def finish(layer, outputs, copies=1):
    """``layer``'s bias and activation on the convolution's ``outputs``; ``copies``: the outputs hold that many
    blocks of ``layer.filters`` channels side by side (output phases), each getting the bias."""
    if layer.use_bias:
        bias = tf.cast(layer.bias, outputs.dtype)
        outputs = outputs + (tf.tile(bias, [copies]) if copies > 1 else bias)
    if layer.activation is not None:
        outputs = layer.activation(outputs)
    return outputs


# Registered as "keras_gans>Conv2DTranspose", the name these layers had before they moved here, so .keras files
# saved by earlier versions still load.
@keras.saving.register_keras_serializable(package="keras_gans", name="Conv2DTranspose")
class FastConv2DTranspose(keras.layers.Conv2DTranspose):
    """``keras.layers.Conv2DTranspose`` with a fast path for 4x4, stride 2, "same"."""

    def call(self, inputs):
        if not _fast_path(self, inputs, min(self.filters, inputs.shape[-1]), need_static=False):
            return super().call(inputs)
        kernel = tf.cast(self.kernel, self.compute_dtype)
        return finish(self, _strided(self, _blocks(inputs, 1), self.filters, inputs.shape[-1],
                                     lambda: winograd_transpose_4x4s2(inputs, kernel),
                                     lambda: conv2d_transpose_4x4s2(inputs, kernel)))


@keras.saving.register_keras_serializable(package="keras_gans", name="Conv2D")
class FastConv2D(keras.layers.Conv2D):
    """``keras.layers.Conv2D`` with fast gradients: 4x4 stride 2 "same" (even sizes) and ``_STRIDE1_PATHS``; wide
    3x3 stride-1 convolutions by Winograd F(2x2, 3x3) on CPUs."""

    def call(self, inputs):
        conv = _stride1_conv_for(self, inputs)
        if conv is not None:
            if self.padding == "same":
                inputs = tf.pad(inputs, same_padding(self.kernel_size))
            return finish(self, conv(inputs, tf.cast(self.kernel, self.compute_dtype)))
        fast = _fast_path(self, inputs, min(self.filters, inputs.shape[-1]))  # static sizes: checked before % 2
        if not fast or inputs.shape[1] % 2 or inputs.shape[2] % 2:
            return super().call(inputs)
        kernel = tf.cast(self.kernel, self.compute_dtype)
        return finish(self, _strided(self, _blocks(inputs, 2), inputs.shape[-1], self.filters,
                                     lambda: winograd.conv4x4s2(inputs, kernel), lambda: conv2d_4x4s2(inputs, kernel)))
