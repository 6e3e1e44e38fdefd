import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.layers import ReflectionPadding2D
from keras_gans.layers.padding import reflection_pad

CASES = [
    ((2, 5, 7, 3), 1),
    ((1, 8, 8, 4), 3),
    ((1, 8, 8, 4), ((3, 1), (0, 2))),
    ((3, 4, 9, 2), ((0, 0), (2, 3))),
    ((1, 2, 2, 1), 1),
]


def _tf_paddings(layer):
    (top, bottom), (left, right) = layer.padding
    return [[0, 0], [top, bottom], [left, right], [0, 0]]


@pytest.mark.parametrize("dynamic", [False, True])
@pytest.mark.parametrize("shape,padding", CASES)
def test_matches_tf_reflect_pad_values_and_gradients(shape, padding, dynamic):
    rng = np.random.default_rng(0)
    layer = ReflectionPadding2D(padding)
    x = tf.constant(rng.normal(size=shape).astype("float32"))
    spec = tf.TensorSpec([None, None, None, shape[3]] if dynamic else shape)
    expected = tf.pad(x, _tf_paddings(layer), "REFLECT")
    dy = tf.constant(rng.normal(size=expected.shape).astype("float32"))

    @tf.function(input_signature=[spec])
    def value_and_grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x)
        return y, tape.gradient(y, x, dy)

    y, dx = value_and_grad(x)
    np.testing.assert_array_equal(y.numpy(), expected.numpy())
    with tf.GradientTape() as tape:
        tape.watch(x)
        ref = tf.pad(x, _tf_paddings(layer), "REFLECT")
    np.testing.assert_allclose(dx.numpy(), tape.gradient(ref, x, dy).numpy(), atol=1e-6)


@pytest.mark.parametrize("shape,padding", [((2, 5, 7, 3), ((1, 1), (1, 1))), ((1, 1, 3, 2), ((1, 1), (2, 0))),
                                           ((1, 4, 4, 2), ((3, 2), (0, 4)))])
def test_symmetric_mode_matches_tf_pad_values_and_gradients(shape, padding):
    """mode="SYMMETRIC" repeats the edge (UpsamplingConv2D's reflection border), by up to the image's size."""
    rng = np.random.default_rng(1)
    x = tf.constant(rng.normal(size=shape).astype("float32"))
    paddings = [[0, 0], list(padding[0]), list(padding[1]), [0, 0]]
    expected = tf.pad(x, paddings, "SYMMETRIC")
    dy = tf.constant(rng.normal(size=expected.shape).astype("float32"))

    @tf.function(input_signature=[tf.TensorSpec([None, None, None, shape[3]])])
    def value_and_grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = reflection_pad(x, padding, mode="SYMMETRIC")
        return y, tape.gradient(y, x, dy)

    y, dx = value_and_grad(x)
    np.testing.assert_array_equal(y.numpy(), expected.numpy())
    with tf.GradientTape() as tape:
        tape.watch(x)
        ref = tf.pad(x, paddings, "SYMMETRIC")
    np.testing.assert_allclose(dx.numpy(), tape.gradient(ref, x, dy).numpy(), atol=1e-6)
    with pytest.raises(ValueError, match="mode must be"):
        reflection_pad(x, padding, mode="CONSTANT")


def test_static_shape_is_kept():
    y = ReflectionPadding2D(((3, 1), (0, 2)))(tf.zeros((2, 8, 8, 4)))
    assert y.shape == (2, 12, 10, 4)


def test_padding_not_smaller_than_the_image_is_a_clear_error():
    with pytest.raises(ValueError, match=r"reflection padding \(3, 3\) must be smaller than the input height"):
        ReflectionPadding2D(3)(tf.zeros((1, 3, 8, 1)))
    pad = ReflectionPadding2D(3, name="pad")
    f = tf.function(lambda x: pad(x), input_signature=[tf.TensorSpec([None, None, None, 1])])
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be smaller than the input width"):
        f(tf.zeros((1, 8, 3, 1)))
    # the checks run before the gather (not in whatever order the executor picks, which once let the gather's own
    # "indices[35] = -1 is not in [0, 24)" come first under a loaded CI machine)
    graph = f.get_concrete_function().graph
    gather = next(op for op in graph.get_operations() if op.type == "GatherV2")
    ancestors, todo = set(), [gather]
    while todo:
        op = todo.pop()
        for parent in [t.op for t in op.inputs] + list(op.control_inputs):
            if parent not in ancestors:
                ancestors.add(parent)
                todo.append(parent)
    assert sum(op.type == "Assert" for op in ancestors) == 2


def test_zero_padding_is_identity_and_config_round_trips():
    x = tf.random.normal((1, 4, 4, 2))
    np.testing.assert_array_equal(ReflectionPadding2D(0)(x).numpy(), x.numpy())
    layer = ReflectionPadding2D(((1, 2), (3, 0)), name="p")
    clone = ReflectionPadding2D.from_config(layer.get_config())
    assert clone.padding == ((1, 2), (3, 0))
    with pytest.raises(ValueError, match="padding must be"):
        ReflectionPadding2D(((1, -1), (0, 0)))


def test_float16_inputs_keep_their_dtype():
    layer = ReflectionPadding2D(1, dtype="mixed_float16")
    y = layer(tf.ones((1, 4, 4, 2), tf.float16))
    assert y.dtype == tf.float16 and y.shape == (1, 6, 6, 2)
    assert isinstance(layer, keras.layers.Layer)


@pytest.mark.parametrize("shape, multiple", [((2, 13, 11, 3), 8), ((1, 16, 9, 1), 4), ((1, 3, 2, 1), 8)])
def test_pad_to_multiple_centered_and_bottom_right(shape, multiple):
    from keras_gans.layers.padding import pad_to_multiple

    x = tf.constant(np.random.default_rng(0).normal(size=shape).astype("float32"))
    for centered in (True, False):
        padded, (top, left, h, w) = pad_to_multiple(x, multiple, centered=centered)
        assert padded.shape[1] % multiple == 0 and padded.shape[2] % multiple == 0
        assert (int(h), int(w)) == shape[1:3]
        np.testing.assert_array_equal(padded[:, top : top + h, left : left + w].numpy(), x.numpy())
        if not centered:
            assert (int(top), int(left)) == (0, 0)
        pad_h, pad_w = padded.shape[1] - shape[1], padded.shape[2] - shape[2]
        if max(pad_h, pad_w) < min(shape[1:3]):  # then it is tf.pad's REFLECT, split as asked
            before_h, before_w = int(top), int(left)
            want = tf.pad(x, [[0, 0], [before_h, pad_h - before_h], [before_w, pad_w - before_w], [0, 0]],
                          mode="REFLECT")
            np.testing.assert_array_equal(padded.numpy(), want.numpy())


def _floormod_reference(n, total, before):
    """The index map as first written: ``floormod`` of the (negative) positions in front of the image."""
    period = max(2 * (n - 1), 1)
    j = np.mod(np.arange(total) - before, period)
    return np.where(j < n, j, period - j)


def test_periodic_reflect_indices_match_floormod_and_tf_pad():
    from keras_gans.layers.padding import _periodic_reflect_indices

    for n in range(1, 10):
        for before in range(0, 3 * n + 3):
            for after in (0, 1, n - 1, 2 * n + 1):
                total = n + before + after
                got = _periodic_reflect_indices(tf.constant(n), tf.constant(total), tf.constant(before)).numpy()
                np.testing.assert_array_equal(got, _floormod_reference(n, total, before), err_msg=f"{n} {before}")
                if n > 1 and max(before, after) < n:  # tf.pad's REFLECT takes less than the image
                    want = tf.pad(tf.range(n), [[before, total - n - before]], mode="REFLECT").numpy()
                    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("shape, multiple", [((1, 45, 30, 3), 4), ((2, 13, 11, 3), 8), ((1, 3, 2, 1), 8)])
def test_traced_padding_has_no_negative_modulo_operands(shape, multiple):
    """tf2onnx lowers integer FloorMod/FloorDiv with truncating division: an exported graph is right only when
    their operands are >= 0. Traced with unknown sizes (as served), evaluated on sizes that need padding."""
    from keras_gans.layers.padding import pad_to_multiple
    from tests.serving.graph_checks import negative_operands

    x = tf.constant(np.random.default_rng(0).normal(size=shape).astype("float32"))
    layer = ReflectionPadding2D(((1, 0), (1, 1)))
    for centered in (True, False):
        fn = tf.function(lambda x: (pad_to_multiple(x, multiple, centered=centered)[0], layer(x)))
        concrete = fn.get_concrete_function(tf.TensorSpec([None, None, None, shape[3]]))
        assert negative_operands(concrete, [x]) == {}
