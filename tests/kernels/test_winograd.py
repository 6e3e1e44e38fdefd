"""Winograd F(2x2, 3x3) and F(2x2, 2x2) convolutions (keras_gans.kernels.winograd and its C++ ops; 3x3, 2x2 and 4x4
stride-2 (transposed) convolutions) compute TensorFlow's convolutions,
and layers use them only where the graph stays in this process on a CPU."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.kernels import FastConv2D, FastConv2DTranspose, native, winograd
from keras_gans.kernels.conv import tracing_for_conversion
from keras_gans.serving.formats import _graph_ops
from tests.kernels.checks import penalty_gradients



def _relative(a, b):
    """The largest difference relative to the largest value of ``b``, in float64."""
    a, b = tf.cast(a, tf.float64), tf.cast(b, tf.float64)
    return float(tf.reduce_max(tf.abs(a - b)) / tf.reduce_max(tf.abs(b)))


def _direct(x, kernel):
    return tf.nn.conv2d(x, kernel, 1, "VALID")


# (batch, height, width, in, out): odd and even sizes (partial tiles at the bottom and right), the smallest input,
# more than 64 channels
SHAPES = [(2, 7, 9, 5, 3), (1, 3, 3, 2, 2), (3, 10, 5, 3, 4), (1, 18, 17, 70, 66)]


def _values_and_gradients(conv, x, kernel, dy):
    """The convolution, its two gradients and a gradient penalty's two gradients (second order)."""
    kernel = tf.Variable(kernel)  # the penalty's outer tape watches the variables it reads
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = conv(x, kernel)
    return [y, *tape.gradient(y, [x, kernel], output_gradients=dy),
            *penalty_gradients(lambda v: conv(v, kernel), kernel, x)]


def _direct_4x4s2(x, kernel):
    return tf.nn.conv2d(x, kernel, 2, "SAME")


def _direct_4x4s2_transpose(x, kernel):
    s = tf.shape(x)
    return tf.nn.conv2d_transpose(x, kernel, tf.stack([s[0], 2 * s[1], 2 * s[2], kernel.shape[2]]), 2, "SAME")


def _winograd_2x2(x, kernel):
    return winograd.conv(x, winograd.transformed_kernel(kernel, x.dtype), 2, kernel.shape[3])


# name -> (ours, reference, kernel shape for C in and K out, output size for an input size)
KINDS = {
    "3x3": (winograd.conv3x3, _direct, lambda c, k: (3, 3, c, k), lambda s: s - 2),
    "2x2": (_winograd_2x2, _direct, lambda c, k: (2, 2, c, k), lambda s: s - 1),
    "4x4 stride 2": (winograd.conv4x4s2, _direct_4x4s2, lambda c, k: (4, 4, c, k), lambda s: s // 2),
    "4x4 stride 2 transposed": (winograd.conv4x4s2_transpose, _direct_4x4s2_transpose, lambda c, k: (4, 4, k, c),
                                lambda s: 2 * s),
}
# The strided convolutions take even sizes: the stride-1 shapes with one pixel more where odd, and one size 2 (a
# single, partial tile after space-to-depth)
EVEN_SHAPES = [(2, 8, 10, 5, 3), (1, 2, 2, 2, 2), (3, 10, 6, 3, 4), (1, 18, 16, 70, 66)]
CASES = [(kind, shape) for kind in KINDS for shape in (EVEN_SHAPES if "stride" in kind else SHAPES)]


@pytest.mark.parametrize("kind, shape", CASES)
def test_values_and_gradients_of_both_orders_equal_the_direct_convolution(kind, shape):
    """Against float64: Winograd's float32 error is of the direct float32 convolution's order (at most 4x it, or
    1e-6 of the largest value, for each of the five results); a wrong adjoint would be off by O(1)."""
    ours_conv, direct_conv, kernel_shape, out_size = KINDS[kind]
    n, h, w, c, k = shape
    rng = np.random.default_rng(1)
    x, kernel, dy = (rng.normal(size=size) for size in [(n, h, w, c), kernel_shape(c, k),
                                                          (n, out_size(h), out_size(w), k)])
    exact = _values_and_gradients(direct_conv, *(tf.constant(v, tf.float64) for v in (x, kernel, dy)))
    direct = _values_and_gradients(direct_conv, *(tf.constant(v, tf.float32) for v in (x, kernel, dy)))
    ours = _values_and_gradients(ours_conv, *(tf.constant(v, tf.float32) for v in (x, kernel, dy)))
    assert ours[0].shape == exact[0].shape
    for name, got, reference, want in zip(["y", "dx", "dkernel", "penalty dx", "penalty dkernel"], ours, direct,
                                          exact):
        assert _relative(got, want) <= max(4 * _relative(reference, want), 1e-6), name


def test_bfloat16_error_is_of_the_direct_convolutions_order():
    """Both round float32 sums to bfloat16 at the end; Winograd also rounds the transformed inputs and weights (to
    bfloat16, for the matrix product), so its error may be larger, by a stated factor: at most 3x the direct
    convolution's largest error against the float32 result (measured 1.5-2.2x on these shapes)."""
    rng = np.random.default_rng(2)
    for n, h, w, c, k in [(1, 34, 34, 64, 64), (2, 12, 12, 256, 32)]:
        x = tf.constant(rng.normal(size=(n, h, w, c)), tf.float32)
        kernel = tf.constant(rng.normal(size=(3, 3, c, k)), tf.float32)
        exact = _direct(x, kernel)
        xb, kb = tf.cast(x, tf.bfloat16), tf.cast(kernel, tf.bfloat16)
        got = winograd.conv3x3(xb, kb)
        assert got.dtype == tf.bfloat16
        direct_error = _relative(_direct(xb, kb), exact)
        assert 0 < _relative(got, exact) < 3 * direct_error


def test_the_backward_pass_transforms_the_input_again_instead_of_keeping_it():
    """The gradient keeps ``x`` and transforms it again for the kernel gradient (the transformed input is 4x the
    input's size): two input transforms in a training step's graph, where autodiff through the ops would keep one."""
    kernel = tf.Variable(tf.random.normal([3, 3, 4, 4]))

    def step(x):
        with tf.GradientTape() as tape:
            y = winograd.conv3x3(x, kernel)
        return tape.gradient(y, kernel)

    graph = tf.function(step).get_concrete_function(tf.TensorSpec([1, 8, 8, 4])).graph.as_graph_def()
    types = [node.op for node in graph.node] + [node.op for f in graph.library.function for node in f.node_def]
    assert types.count("KgWinogradInput") == 2


def test_the_library_builds_here():
    """The test environment has a C++ compiler (.ci/run installs g++): the ops must build, not fall back quietly."""
    assert native.library() is not None, native.why_not()


def test_the_ops_reject_inputs_too_small_or_of_the_wrong_shape():
    ops = native.library()
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least 3"):
        ops.kg_winograd_input(tf.zeros([1, 2, 5, 4]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not match"):
        ops.kg_winograd_output(tf.zeros([16, 3, 4]), tf.constant([1, 4, 4, 4]))


def _op_types(fn, *specs):
    """Op types of ``fn``'s graph and of every function it calls."""
    return _graph_ops(tf.function(fn).get_concrete_function(*specs))


WIDE = winograd.MIN_CHANNELS


def _layer(padding="same", channels=WIDE):
    layer = FastConv2D(channels, 3, padding=padding)
    layer.build((None, None, None, channels))
    return layer


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_fast_conv2d_takes_the_winograd_path_and_equals_keras(padding):
    layer = _layer(padding)
    reference = keras.layers.Conv2D(WIDE, 3, padding=padding)
    reference.build((None, None, None, WIDE))
    reference.set_weights(layer.get_weights())
    x = tf.random.normal([2, 11, 12, WIDE])
    assert "KgWinogradInput" in _op_types(layer, tf.TensorSpec([None, None, None, WIDE]))
    assert _relative(layer(x), reference(x)) < 4e-6  # float32 rounding (test above), sums of 9 * 64 terms
    assert layer(x).shape == reference(x).shape


def test_narrower_layers_keep_the_direct_convolution():
    """Below ``MIN_CHANNELS`` on either side the transforms cost more than they save (the module's measurements)."""
    assert "KgWinogradInput" not in _op_types(_layer(channels=WIDE // 2), tf.TensorSpec([None, 16, 16, WIDE // 2]))
    narrow_out = FastConv2D(WIDE // 2, 3, padding="same")
    narrow_out.build((None, None, None, WIDE))
    assert "KgWinogradInput" not in _op_types(narrow_out, tf.TensorSpec([None, 16, 16, WIDE]))


def test_graphs_for_other_processes_or_xla_get_the_plain_convolution(tmp_path):
    layer = _layer()
    spec = tf.TensorSpec([None, 16, 16, WIDE])
    with tracing_for_conversion():
        assert "KgWinogradInput" not in _op_types(layer, spec)
    xla = tf.function(layer, jit_compile=True)
    assert np.isfinite(xla(tf.random.normal([1, 16, 16, WIDE])).numpy()).all()  # XLA cannot compile the C++ ops
    module = tf.Module()
    module.layer = layer
    module.call = tf.function(layer, input_signature=[spec])
    module.call(tf.zeros([1, 16, 16, WIDE]))  # traced outside a save context first: the save must trace again
    assert "KgWinogradInput" in _graph_ops(module.call.get_concrete_function())
    path = str(tmp_path / "saved")
    tf.saved_model.save(module, path)
    saved = tf.saved_model.load(path)
    assert not any(op.startswith("KgWinograd") for op in _graph_ops(saved.call.get_concrete_function(spec)))


@pytest.mark.parametrize("cls", [FastConv2D, FastConv2DTranspose])
def test_strided_layers_take_f2x2_2x2_only_in_graphs_for_this_process(cls):
    """The 4x4 stride-2 layers decide as the 3x3 ones (``winograd.active``) and also leave the ops out of graphs
    for conversion; a SavedModel's trace is ``active``'s save context, checked above."""
    layer = cls(WIDE, 4, strides=2, padding="same")
    layer.build((None, None, None, WIDE))
    spec = tf.TensorSpec([4, 16, 16, WIDE])  # 4 * 4 * 4 (strided) or 4 * 8 * 8 (transposed) blocks of 2x2
    assert any(op.startswith("KgWinograd") for op in _op_types(layer, spec))
    with tracing_for_conversion():
        assert not any(op.startswith("KgWinograd") for op in _op_types(layer, spec))


@pytest.mark.parametrize("precision, blocks", [("float32", 64), ("mixed_bfloat16", 128)])
def test_strided_layers_need_min_tiles_blocks_of_their_precision(precision, blocks):
    """``winograd.MIN_TILES`` per compute dtype (bfloat16 lost below 128 blocks, float32 below 64: the module's
    measurements): a strided layer with exactly that many 2x2 blocks at the low resolution takes F(2x2, 2x2), with
    half as many it keeps the library's kernels."""
    layer = FastConv2D(WIDE, 4, strides=2, padding="same", dtype=precision)
    layer.build((None, None, None, WIDE))
    for batch, expected in [(blocks // 16, True), (blocks // 32, False)]:  # a 16x16 input: 4 x 4 blocks an image
        ops = _op_types(layer, tf.TensorSpec([batch, 16, 16, WIDE], layer.compute_dtype))
        assert any(op.startswith("KgWinograd") for op in ops) == expected, (batch, precision)


def test_without_a_compiler_layers_warn_once_and_compute_the_same(tmp_path):
    """A fresh process with an empty cache and no compiler: one warning naming the cause, TensorFlow's kernel."""
    code = (
        "import warnings, numpy as np, tensorflow as tf\n"
        "from keras_gans.kernels import FastConv2D\n"
        "layer = FastConv2D(64, 3, padding='same'); layer.build((None, None, None, 64))\n"
        "x = tf.random.normal([1, 8, 8, 64])\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    a = layer(x); b = layer(x)\n"
        "ref = tf.nn.conv2d(x, layer.kernel, 1, 'SAME') + layer.bias\n"
        "print(sum('native CPU kernels are off' in str(w.message) for w in caught),\n"
        "      float(tf.reduce_max(tf.abs(a - ref))))\n"
    )
    env = dict(os.environ, KERAS_GANS_CACHE=str(tmp_path), CXX=str(tmp_path / "no-such-compiler"))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    warnings_seen, error = out.stdout.split()
    assert int(warnings_seen) == 1 and float(error) < 1e-4
    assert not list(tmp_path.rglob("*.so"))  # nothing half built left behind


def test_the_build_is_cached_per_source_and_compiler(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_GANS_CACHE", str(tmp_path))
    cxx = native.compiler()
    first = native.library_path(cxx)
    assert first.startswith(str(tmp_path)) and native.library_path(cxx) == first
    monkeypatch.setattr(native, "FLAGS", [*native.FLAGS, "-DKERAS_GANS_TEST"])
    assert native.library_path(cxx) != first  # other flags: another file, never a stale library
