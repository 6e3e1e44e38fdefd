"""Winograd's minimal filtering on CPUs: F(2x2, 3x3) for 3x3 stride-1 convolutions, F(2x2, 2x2) for 4x4 stride-2 ones.

Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks" (CVPR 2016): a 2x2 block of a 3x3 convolution's
output needs 16 multiplies per input/output channel pair instead of 36. With the input cut into overlapping 4x4
tiles (stride 2), ``y = A^T [(G g G^T) * (B^T d B)] A``; summed over input channels, each of the 16 transformed
positions is one matrix product (tiles x C_in) @ (C_in x C_out), so the whole convolution is one batched matrix
product of TensorFlow's (oneDNN where it runs) between two transforms. The data and output transforms and their
adjoints are C++ ops (``native/winograd.cc``, compiled on first use by :mod:`keras_gans.kernels.native`): 1-2 ms
each for a 64x64x256 image where the same transforms in TensorFlow ops took 22 ms. The weight transform is one
float32 matrix product. Every op is linear and its gradient is its adjoint, so gradients of any order (a gradient
penalty through the network) are the same construction. The backward pass keeps the layer's input, not its
transformed input (4x larger), and transforms it again (:func:`_products`).

Used by :class:`~keras_gans.kernels.FastConv2D` for 3x3 stride-1 convolutions with at least ``MIN_CHANNELS`` input
and output channels on CPUs (the CycleGAN ResNet blocks, the VGG encoder and AdaIN decoder, SN-GAN's and BEGAN's 3x3
layers) when :func:`active` says so. Per layer on AMD Zen 4, 3 fresh processes (``scripts/benchmarks/
winograd_layers.py`` -> ``results/winograd_layers_zen4{,_narrow}.md``): every shape with 64 to 512 channels was
faster, forward 1.15-1.92x and forward with both gradients 1.18-2.47x in bfloat16 and float32 (1x64x64x256 in
bfloat16: 11.8 -> 7.6 ms forward, 29.7 -> 14.2 ms with the gradients); with 32 channels (1x256x256x32) it was slower
(0.66-1.02x), hence ``MIN_CHANNELS = 64``. Results equal the direct convolution to float32 rounding, gradients of both
orders included; in bfloat16 the largest error is 1.5-2.2x the direct convolution's (both round float32 sums to
bfloat16; Winograd also rounds the transformed inputs and weights): tests/kernels/test_winograd.py.

A 4x4 stride-2 "same" convolution of an even-sized image is a 2x2 stride-1 convolution of its 1-padded 2x2
space-to-depth (4x the channels), which F(2x2, 2x2) computes with 9 multiplies per 2x2 output block instead of 16
(:func:`conv4x4s2`); the transposed convolution is its adjoint (:func:`conv4x4s2_transpose`), tiled over the
low-resolution side. ``FastConv2D`` and ``FastConv2DTranspose`` use them for DCGAN's, the U-Net's and PatchGAN's
layers with at least ``MIN_CHANNELS`` channels (4 x the high-resolution side's) and ``MIN_TILES`` 2x2 blocks at the
low resolution (:func:`keras_gans.kernels.conv._strided`). Per layer on Zen 4 (``results/winograd_4x4s2_zen4.md``):
the strided convolution with its gradients 1.14-1.70x faster than oneDNN's kernel with the library's gradients where
the blocks are at least 256, and 0.38-0.87x in bfloat16 with 16-64 blocks (float32: 1.29-1.30x with 64, 0.73x with
16), hence ``MIN_TILES``; the forward pass alone is level (0.90-1.29x). The transposed convolution's forward pass
was 1.07-1.66x faster, its Winograd gradients 0.76-0.98x in bfloat16 at DCGAN's and the U-Net's widths
(``results/winograd_4x4s2t_adjoint_zen4.md``), so that layer keeps the library's gradients
(``conv.winograd_transpose_4x4s2``).
"""

import functools

import numpy as np
import tensorflow as tf
from tensorflow.python.ops import control_flow_util
from tensorflow.python.saved_model import save_context

from keras_gans.kernels import native

# The filter transforms G (Lavin & Gray, Sec. 4.1; F(2x2, 2x2) with the points 0, 1 and infinity); the data and
# output transforms are in winograd.cc.
G = {3: np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]], np.float32),
     2: np.array([[1, 0], [1, 1], [0, 1]], np.float32)}
DTYPES = ("float32", "bfloat16")
MIN_CHANNELS = 64  # on both sides; measured above
# The 4x4 stride-2 convolutions by F(2x2, 2x2) need this many 2x2 output blocks (tiles) at the low resolution: with
# fewer the weights (9 transformed planes of 4 C x K, against 16 C x K taps) dominate (measured: above).
MIN_TILES = {"bfloat16": 128, "float32": 64}


@functools.cache
def _ops():
    """The op library with its gradients registered (once), or ``None``."""
    lib = native.library()
    if lib is not None:
        _register_gradients(lib)
    return lib


def _register_gradients(lib):
    @tf.RegisterGradient("KgWinogradInput")
    def _input_grad(op, dv):
        return lib.kg_winograd_input_grad(dv, tf.shape(op.inputs[0]), r=op.get_attr("r"))

    @tf.RegisterGradient("KgWinogradInputGrad")
    def _input_grad_grad(op, dx):
        return lib.kg_winograd_input(dx, r=op.get_attr("r")), None

    @tf.RegisterGradient("KgWinogradOutput")
    def _output_grad(op, dy):
        return lib.kg_winograd_output_grad(dy, r=op.get_attr("r")), None

    @tf.RegisterGradient("KgWinogradOutputGrad")
    def _output_grad_grad(op, dm):
        return lib.kg_winograd_output(dm, tf.shape(op.inputs[0]), r=op.get_attr("r"))


def active(dtype, channels_in, channels_out):
    """Whether a convolution traced now may use the native ops: both channel counts (of the stride-1 convolution
    the ops compute) at least ``MIN_CHANNELS``, ``dtype`` float32 or bfloat16, no GPU visible (the ops are CPU-only),
    a graph not for XLA (which cannot compile them) nor for a file another process loads (a SavedModel: inside
    ``tf.saved_model.save``; TFLite, ONNX: callers check :func:`~keras_gans.kernels.conv.tracing_for_conversion`),
    and the library builds."""
    if tf.as_dtype(dtype).name not in DTYPES:
        return False
    if channels_in is None or min(channels_in, channels_out) < MIN_CHANNELS:
        return False
    if save_context.in_save_context() or tf.config.list_logical_devices("GPU"):
        return False
    if control_flow_util.GraphOrParentsInXlaContext(tf.compat.v1.get_default_graph()):
        return False
    return _ops() is not None


def transformed_kernel(kernel, dtype):
    """``U[(i, j)] = sum_ab G[i][a] G[j][b] g[a][b]`` of an (r, r, C, K) ``kernel``: (r + 1)^2 x C x K in ``dtype``,
    one float32 matrix product of kron(G, G) by the kernel as (r^2, C * K)."""
    r = kernel.shape[0]
    u = tf.matmul(tf.constant(np.kron(G[r], G[r])), tf.reshape(tf.cast(kernel, tf.float32), [r * r, -1]))
    return tf.cast(tf.reshape(u, [(r + 1) ** 2, tf.shape(kernel)[2], tf.shape(kernel)[3]]), dtype)


def _valid(size, r):
    return None if size is None else size - r + 1


def conv3x3(x, kernel):
    """``tf.nn.conv2d(x, kernel, 1, "VALID")`` for a 3x3 ``kernel`` (same dtype as ``x``), by F(2x2, 3x3)."""
    return conv(x, transformed_kernel(kernel, x.dtype), 3, kernel.shape[3])


def conv(x, u, r, channels_out=None):
    """``tf.nn.conv2d(x, kernel, 1, "VALID")`` for an r x r kernel given as :func:`transformed_kernel`'s ``u``."""
    out = _products(r)[0](x, u)
    static = x.shape
    return tf.ensure_shape(out, [static[0], _valid(static[1], r), _valid(static[2], r), channels_out])


def conv_transpose(y, u, r, shape):
    """The adjoint of :func:`conv` in ``x``: ``conv2d``'s input gradient for the output gradient ``y``, an image
    of ``shape`` (the convolution's input shape, a tensor)."""
    return _products(r)[1](y, u, shape)


@functools.cache
def _products(r):
    """``(forward, adjoint)``: A^T [U * (B^T x B)] A and its adjoint in x, B^T [(A^T y A) U^T] B, with their
    gradients written out, so that the backward pass keeps the layer's input (which the layer before usually keeps
    anyway) and transforms it again rather than keeping the transformed input (4x the input for r = 3; the
    control dependency keeps grappler from merging the repeated transform with the forward pass's, which it did:
    docs/performance.md "Winograd for the wide 3x3 convolutions"). Every op in the gradients is differentiable, so
    second-order gradients work."""

    @tf.custom_gradient
    def forward(x, u):
        ops = _ops()
        s = tf.shape(x)
        out = ops.kg_winograd_output(tf.matmul(ops.kg_winograd_input(x, r=r), u),
                                     tf.stack([s[0], s[1] - r + 1, s[2] - r + 1, tf.shape(u)[2]]), r=r)

        def grad(dy):
            dm = ops.kg_winograd_output_grad(dy, r=r)
            dx = ops.kg_winograd_input_grad(tf.matmul(dm, u, transpose_b=True), s, r=r)
            with tf.control_dependencies([dm]):  # not merged with the forward pass's transform, which it repeats
                v = ops.kg_winograd_input(x, r=r)
            return dx, tf.matmul(v, dm, transpose_a=True)

        return out, grad

    @tf.custom_gradient
    def adjoint(y, u, shape):
        ops = _ops()
        out = ops.kg_winograd_input_grad(tf.matmul(ops.kg_winograd_output_grad(y, r=r), u, transpose_b=True), shape,
                                         r=r)

        def grad(dx):
            dv = ops.kg_winograd_input(dx, r=r)
            dy = ops.kg_winograd_output(tf.matmul(dv, u), tf.shape(y), r=r)
            with tf.control_dependencies([dv]):
                m = ops.kg_winograd_output_grad(y, r=r)
            return dy, tf.matmul(dv, m, transpose_a=True), None

        return out, grad

    return forward, adjoint


def _space_to_depth_kernel(kernel):
    """A (4, 4, C, K) kernel as the (2, 2, 4C, K) kernel of the same stride-2 convolution on the input's 2x2
    space-to-depth (depth in ``tf.nn.space_to_depth``'s order dy, dx, c): tap (2a + dy, 2b + dx) of the 4x4 kernel
    is tap (a, b) of the 2x2 one."""
    c, k = kernel.shape[2], kernel.shape[3]
    taps = tf.reshape(kernel, [2, 2, 2, 2, c, k])  # (a, dy, b, dx, c, k)
    return tf.reshape(tf.transpose(taps, [0, 2, 1, 3, 4, 5]), [2, 2, 4 * c, k])


def conv4x4s2(x, kernel):
    """``tf.nn.conv2d(x, kernel, 2, "SAME")`` for a 4x4 ``kernel`` and even sizes: a 2x2 stride-1 convolution of the
    1-padded input's space-to-depth, by F(2x2, 2x2) (9 multiplies per 2x2 output block instead of 16)."""
    xs = tf.nn.space_to_depth(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), 2)
    return conv(xs, transformed_kernel(_space_to_depth_kernel(kernel), x.dtype), 2, kernel.shape[3])


def conv4x4s2_transpose(x, kernel):
    """``conv2d_transpose(x, kernel, stride 2, "SAME")`` for a (4, 4, out, in) ``kernel``: the adjoint of
    :func:`conv4x4s2` with that kernel, its tiles over ``x``, the low-resolution side."""
    c, s = kernel.shape[2], tf.shape(x)
    u = transformed_kernel(_space_to_depth_kernel(kernel), x.dtype)  # (9, 4 out, in)
    z = conv_transpose(x, u, 2, tf.stack([s[0], s[1] + 1, s[2] + 1, 4 * c]))
    y = tf.nn.depth_to_space(z, 2)[:, 1:-1, 1:-1]
    static = x.shape
    return tf.ensure_shape(y, [static[0], None if static[1] is None else 2 * static[1],
                               None if static[2] is None else 2 * static[2], c])
