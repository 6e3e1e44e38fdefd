"""scripts/benchmarks/roofline.py: the FLOP count behind docs/performance.md's "How close to the CPU's arithmetic
rate" table -- a convolution's forward pass and both gradients, matmuls, a ``tf.cond``'s costlier branch, a
function called twice."""

import importlib.util
from pathlib import Path

import tensorflow as tf

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "benchmarks" / "roofline.py"
_spec = importlib.util.spec_from_file_location("roofline", SCRIPT)
roofline = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(roofline)

CONV = 2 * 2 * 6 * 6 * 3 * 3 * 4 * 5  # batch 2, 6x6 outputs, 3x3 taps, 4 -> 5 channels, 2 FLOPs a multiply-add


def test_a_convolution_and_its_two_gradients_count_three_forward_passes():
    kernel = tf.Variable(tf.ones((3, 3, 4, 5)))

    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(tf.nn.conv2d(x, kernel, 1, "SAME"))
        return tape.gradient(loss, [x, kernel])

    counts = roofline.traced_flops(step, tf.ones((2, 6, 6, 4)), batch=2)
    assert counts == {"Conv2D": CONV, "Conv2DBackpropInput": CONV, "Conv2DBackpropFilter": CONV}


def test_matmuls_count_their_transposes_and_an_unknown_batch():
    def products(a, b):
        return tf.matmul(a, b, transpose_a=True) + tf.matmul(tf.transpose(a), b)

    spec = tf.TensorSpec((None, 3), tf.float32)  # a is (rows unknown, 3): a^T b is 3 x 4 over `batch` rows
    counts = roofline.traced_flops(products, spec, tf.TensorSpec((None, 4), tf.float32), batch=7)
    assert counts == {"MatMul": 2 * (2 * 3 * 4 * 7)}


def test_a_cond_counts_its_costlier_branch_and_a_function_each_call():
    kernel = tf.ones((3, 3, 4, 5))

    @tf.function
    def inner(x):
        return tf.nn.conv2d(x, kernel, 1, "SAME")

    def step(x, flag):
        y = tf.cond(flag, lambda: inner(x), lambda: inner(x) + inner(x))
        return y + inner(x)

    counts = roofline.traced_flops(step, tf.ones((2, 6, 6, 4)), tf.constant(True), batch=2)
    assert counts == {"Conv2D": 3 * CONV}  # the else branch's two calls, then one more
