import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.layers import InstanceNormalization


def _pair(shape, seed=0):
    """An InstanceNormalization and Keras's GroupNormalization(groups=-1) with the same random weights."""
    rng = np.random.default_rng(seed)
    ours, ref = InstanceNormalization(), keras.layers.GroupNormalization(groups=-1, epsilon=1e-5)
    for layer in (ours, ref):
        layer.build(shape)
    weights = [rng.normal(size=shape[-1:]).astype("float32") for _ in range(2)]
    ours.set_weights(weights)
    ref.set_weights(weights)
    return ours, ref, tf.constant((rng.normal(size=shape) * 3 + 1).astype("float32"))


@pytest.mark.parametrize("shape", [(1, 8, 8, 16), (3, 5, 7, 4), (1, 1, 1, 2)])
@pytest.mark.parametrize("training", [False, True])
def test_matches_group_normalization_per_channel(shape, training):
    ours, ref, x = _pair(shape)
    np.testing.assert_allclose(ours(x, training=training).numpy(), ref(x).numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize("training", [False, True])
def test_unknown_batch_size_matches(batch, training):
    ours, ref, x = _pair((batch, 6, 6, 8))
    f = tf.function(lambda x: ours(x, training=training), input_signature=[tf.TensorSpec([None, None, None, 8])])
    np.testing.assert_allclose(f(x).numpy(), ref(x).numpy(), rtol=1e-4, atol=1e-4)


def _op_types(layer, x, training):
    return {op.type for op in tf.function(lambda x: layer(x, training=training)).get_concrete_function(x).graph
            .get_operations()}


@pytest.mark.parametrize("training", [False, True])
def test_training_and_inference_run_the_fused_kernel(training):
    ours, _, one = _pair((1, 4, 4, 2))
    types = _op_types(ours, one, training)
    assert "FusedBatchNormV3" in types and "Transpose" not in types  # one image: a reshape, no transpose
    ours, _, three = _pair((3, 4, 4, 2))
    assert {"FusedBatchNormV3", "Transpose"} <= _op_types(ours, three, training)


def test_float64_falls_back_to_keras_ops():
    layer, ref = InstanceNormalization(dtype="float64"), keras.layers.GroupNormalization(groups=-1, epsilon=1e-5,
                                                                                           dtype="float64")
    x = tf.constant(np.random.default_rng(1).normal(size=(2, 5, 5, 3)) * 4 + 2, tf.float64)
    assert not any(t.startswith("FusedBatchNorm") for t in _op_types(layer, x, True))
    np.testing.assert_allclose(layer(x, training=True).numpy(), ref(x).numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("center, scale", [(False, True), (True, False), (False, False)])
def test_without_offset_or_scale(center, scale):
    layer = InstanceNormalization(center=center, scale=scale)
    ref = keras.layers.GroupNormalization(groups=-1, epsilon=1e-5, center=center, scale=scale)
    x = tf.constant(np.random.default_rng(2).normal(size=(2, 4, 4, 3)) * 3 - 1, tf.float32)
    for lay in (layer, ref):
        lay.build(x.shape)
        lay.set_weights([np.full(w.shape, 1.5 + 0.25 * i, "float32") for i, w in enumerate(lay.weights)])
    np.testing.assert_allclose(layer(x, training=True).numpy(), ref(x).numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("shape", [(1, 6, 6, 4), (3, 5, 7, 4)])
@pytest.mark.parametrize("training", [False, True])
def test_gradients_match_keras(shape, training):
    ours, ref, x = _pair(shape)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        a, b = tf.reduce_sum(ours(x, training=training) ** 2 * x), tf.reduce_sum(ref(x) ** 2 * x)
    ours_grads = tape.gradient(a, [x, *ours.trainable_weights])
    for ga, gb in zip(ours_grads, tape.gradient(b, [x, *ref.trainable_weights])):
        np.testing.assert_allclose(ga.numpy(), gb.numpy(), rtol=1e-4, atol=1e-3)


def test_second_order_gradients_match_keras():
    """A gradient penalty or R1 through an instance-normalised critic differentiates the kernel's gradient."""
    ours, ref, x = _pair((2, 5, 5, 3))
    results = []
    for layer in (ours, ref):
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = tf.reduce_sum(tf.nn.relu(layer(x, training=True)) * tf.reshape(tf.range(3.0), [1, 1, 1, 3]))
            penalty = tf.reduce_sum(inner.gradient(y, x) ** 2)
        results.append(outer.gradient(penalty, layer.trainable_weights))
    assert np.abs(results[1][0].numpy()).max() > 0.1  # the scale's (the offset's is 0: ReLU is piecewise linear)
    for ga, gb in zip(*results):
        np.testing.assert_allclose(ga.numpy(), gb.numpy(), rtol=1e-3, atol=1e-3)


def test_bfloat16_matches_float32_to_bfloat16_rounding():
    ours, ref, x = _pair((2, 8, 8, 4))
    half = InstanceNormalization(dtype="mixed_bfloat16")
    half.build(x.shape)
    half.set_weights(ours.get_weights())
    y = half(tf.cast(x, tf.bfloat16), training=True)
    assert y.dtype == tf.bfloat16
    np.testing.assert_allclose(tf.cast(y, tf.float32).numpy(), ref(x).numpy(), rtol=2e-2, atol=3e-2)


def test_config_round_trip_and_float16():
    layer = InstanceNormalization(epsilon=1e-3, name="norm")
    clone = InstanceNormalization.from_config(layer.get_config())
    assert clone.epsilon == 1e-3 and clone.groups == -1 and clone.name == "norm"
    half = InstanceNormalization(dtype="mixed_float16")
    ramp = tf.ones((1, 4, 4, 3), tf.float16) * tf.reshape(tf.range(16, dtype=tf.float16), (1, 4, 4, 1))
    y = half(ramp, training=False)
    assert y.dtype == tf.float16 and np.isfinite(y.numpy()).all()
    np.testing.assert_allclose(np.mean(y.numpy().astype("float32"), axis=(1, 2)), 0.0, atol=1e-2)
