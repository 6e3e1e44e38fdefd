"""3x3 stride-1 convolutions by Winograd's minimal filtering F(2x2, 3x3) on CPUs.

Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks" (CVPR 2016): a 2x2 block of a 3x3 convolution's
output needs 16 multiplies per input/output channel pair instead of 36. With the input cut into overlapping 4x4
tiles (stride 2), ``y = A^T [(G g G^T) * (B^T d B)] A``; summed over input channels, each of the 16 transformed
positions is one matrix product (tiles x C_in) @ (C_in x C_out), so the whole convolution is one batched matrix
product of TensorFlow's (oneDNN where it runs) between two transforms. The data and output transforms and their
adjoints are C++ ops (``native/winograd.cc``, compiled on first use by :mod:`keras_gans.kernels.native`): 1-2 ms
each for a 64x64x256 image where the same transforms in TensorFlow ops took 22 ms. The weight transform is one
float32 matrix product. Every op is linear and its gradient is its adjoint, so gradients of any order (a gradient
penalty through the network) are the same construction.

Used by :class:`~keras_gans.kernels.FastConv2D` for 3x3 stride-1 convolutions with at least ``MIN_CHANNELS`` input
and output channels on CPUs (the CycleGAN ResNet blocks, the VGG encoder and AdaIN decoder, SN-GAN's and BEGAN's 3x3
layers) when :func:`active` says so. Per layer on AMD Zen 4, 3 fresh processes (``scripts/benchmarks/
winograd_layers.py`` -> ``results/winograd_layers_zen4{,_narrow}.md``): every shape with 64 to 512 channels was
faster, forward 1.15-1.92x and forward with both gradients 1.18-2.47x in bfloat16 and float32 (1x64x64x256 in
bfloat16: 11.8 -> 7.6 ms forward, 29.7 -> 14.2 ms with the gradients); with 32 channels (1x256x256x32) it was slower
(0.66-1.02x), hence ``MIN_CHANNELS = 64``. Results equal the direct convolution to float32 rounding, gradients of both
orders included; in bfloat16 the largest error is 1.5-2.2x the direct convolution's (both round float32 sums to
bfloat16; Winograd also rounds the transformed inputs and weights): tests/kernels/test_winograd.py.
"""

import functools

import numpy as np
import tensorflow as tf
from tensorflow.python.ops import control_flow_util
from tensorflow.python.saved_model import save_context

from keras_gans.kernels import native

# F(2x2, 3x3)'s filter transform (Lavin & Gray, Sec. 4.1); the data and output transforms are in winograd.cc.
G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]], np.float32)
DTYPES = ("float32", "bfloat16")
MIN_CHANNELS = 64  # on both sides; measured above


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
        return lib.kg_winograd_input_grad(dv, tf.shape(op.inputs[0]))

    @tf.RegisterGradient("KgWinogradInputGrad")
    def _input_grad_grad(op, dx):
        return lib.kg_winograd_input(dx), None

    @tf.RegisterGradient("KgWinogradOutput")
    def _output_grad(op, dy):
        return lib.kg_winograd_output_grad(dy), None

    @tf.RegisterGradient("KgWinogradOutputGrad")
    def _output_grad_grad(op, dm):
        return lib.kg_winograd_output(dm, tf.shape(op.inputs[0]))


def active(dtype, channels_in, channels_out):
    """Whether a 3x3 convolution traced now may use the native ops: both channel counts at least ``MIN_CHANNELS``,
    ``dtype`` float32 or bfloat16, no GPU visible (the ops are CPU-only), a graph not for XLA (which cannot compile
    them) nor for a file another process loads (a SavedModel: inside ``tf.saved_model.save``; TFLite, ONNX:
    :func:`~keras_gans.kernels.conv.tracing_for_conversion`), and the library builds."""
    if tf.as_dtype(dtype).name not in DTYPES:
        return False
    if channels_in is None or min(channels_in, channels_out) < MIN_CHANNELS:
        return False
    if save_context.in_save_context() or tf.config.list_logical_devices("GPU"):
        return False
    if control_flow_util.GraphOrParentsInXlaContext(tf.compat.v1.get_default_graph()):
        return False
    return _ops() is not None


def conv3x3(x, kernel):
    """``tf.nn.conv2d(x, kernel, 1, "VALID")`` for a 3x3 ``kernel`` (same dtype as ``x``), by F(2x2, 3x3)."""
    # U[(i, j)] = sum_ab G[i][a] G[j][b] g[a][b]: the kernel (3, 3, C, K) as (9, C * K) times kron(G, G) (16 x 9)
    u = tf.matmul(tf.constant(np.kron(G, G)), tf.reshape(tf.cast(kernel, tf.float32), [9, -1]))
    u = tf.cast(tf.reshape(u, [16, tf.shape(kernel)[2], tf.shape(kernel)[3]]), x.dtype)
    out = _transformed_product(x, u)
    static = x.shape
    return tf.ensure_shape(out, [static[0], None if static[1] is None else static[1] - 2,
                                 None if static[2] is None else static[2] - 2, kernel.shape[3]])


@tf.custom_gradient
def _transformed_product(x, u):
    """A^T [U * (B^T x B)] A with its gradient written out, so that the backward pass keeps ``x`` (which the layer
    before usually keeps anyway) and transforms it again rather than keeping the transformed input, 4x its size:
    CycleGAN's peak memory in bfloat16 3550 -> see docs/performance.md. Every op in ``grad`` is differentiable, so
    second-order gradients still work."""
    ops = _ops()
    s = tf.shape(x)
    out = ops.kg_winograd_output(tf.matmul(ops.kg_winograd_input(x), u),
                                 tf.stack([s[0], s[1] - 2, s[2] - 2, tf.shape(u)[2]]))

    def grad(dy):
        dm = ops.kg_winograd_output_grad(dy)
        dx = ops.kg_winograd_input_grad(tf.matmul(dm, u, transpose_b=True), s)
        return dx, tf.matmul(ops.kg_winograd_input(x), dm, transpose_a=True)

    return out, grad
