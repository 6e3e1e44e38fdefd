"""The graph checks other tests rely on (tests/serving/graph_checks.py) find what they are meant to find."""

import numpy as np
import tensorflow as tf

from keras_gans.kernels import FastConv2DTranspose
from keras_gans.kernels.conv import tracing_for_conversion
from tests.serving.graph_checks import conds_with_weights, negative_operands


def traced(fn):
    return tf.function(fn, input_signature=[tf.TensorSpec([None, None, 3], tf.float32)]).get_concrete_function()


def test_negative_operands_are_found_on_the_given_inputs():
    """Operands computed from the inputs' sizes are evaluated on the example inputs (an earlier version called
    every pruned function without its arguments, failed, took that for 'a branch not taken' and found nothing)."""
    def f(x):
        n, w = tf.shape(x)[0], tf.shape(x)[1]
        return tf.reduce_sum(x) + tf.cast(tf.math.floormod(n - 10, 4) + tf.math.floordiv(w + 2, 3), tf.float32)

    fn = traced(f)
    x = np.zeros((3, 5, 3), np.float32)
    found = negative_operands(fn, [x])
    assert list(found.values()) == [-7] and "FloorMod" in next(iter(found))  # 3 - 10; FloorDiv's w + 2 = 7 is fine
    assert negative_operands(fn, [np.zeros((12, 5, 3), np.float32)]) == {}


def test_an_op_in_a_branch_not_taken_is_skipped_and_the_others_still_checked():
    def f(x):
        n = tf.shape(x)[0]
        branch = tf.cond(n > 100, lambda: tf.math.floormod(n - 1000, 7), lambda: n)
        return tf.reduce_sum(x) + tf.cast(branch + tf.math.floordiv(n - 4, 2), tf.float32)

    found = negative_operands(traced(f), [np.zeros((3, 2, 3), np.float32)])
    assert list(found.values()) == [-1]  # FloorDiv's 3 - 4; the FloorMod in the untaken branch is not evaluated


def test_conds_with_weights_finds_the_transposed_convolutions_switch():
    """Traced for serving at unknown sizes, a 4x4 stride-2 transposed convolution chooses between a matmul and
    the convolution kernel at run time (a tf.cond with the weights in both branches); traced for conversion it
    takes one path."""
    layer = FastConv2DTranspose(16, 4, strides=2, padding="same")  # (fewer than 16 channels: Keras's own)
    layer.build((None, None, None, 16))
    spec = tf.TensorSpec([None, None, None, 16])
    assert conds_with_weights(tf.function(layer).get_concrete_function(spec))
    with tracing_for_conversion():
        assert conds_with_weights(tf.function(layer).get_concrete_function(spec)) == []


def test_negative_operands_of_a_graph_without_integer_floor_ops_is_empty():
    """Only integer operands are checked (tf2onnx truncates integer division; a float FloorMod is exact)."""
    found = negative_operands(traced(lambda x: tf.math.floormod(x, 3.0) - 5.0), [np.full((2, 2, 3), -4, np.float32)])
    assert found == {}
