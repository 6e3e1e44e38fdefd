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
def test_unknown_batch_size_takes_the_right_path(batch):
    ours, ref, x = _pair((batch, 6, 6, 8))
    f = tf.function(lambda x: ours(x, training=False), input_signature=[tf.TensorSpec([None, None, None, 8])])
    np.testing.assert_allclose(f(x).numpy(), ref(x).numpy(), rtol=1e-4, atol=1e-4)


def test_inference_path_is_fused_and_training_path_is_not():
    ours, _, x = _pair((1, 4, 4, 2))
    ops_of = lambda training: {op.type for op in tf.function(lambda x: ours(x, training=training))  # noqa: E731
                               .get_concrete_function(x).graph.get_operations()}
    assert any(t.startswith("FusedBatchNorm") for t in ops_of(False))
    assert not any(t.startswith("FusedBatchNorm") for t in ops_of(True))


def test_gradients_match_in_both_paths():
    ours, ref, x = _pair((1, 6, 6, 4))
    for training in (False, True):
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            a, b = tf.reduce_sum(ours(x, training=training) ** 2), tf.reduce_sum(ref(x) ** 2)
        ours_grads = tape.gradient(a, [x, *ours.trainable_weights])
        for ga, gb in zip(ours_grads, tape.gradient(b, [x, *ref.trainable_weights])):
            np.testing.assert_allclose(ga.numpy(), gb.numpy(), rtol=1e-4, atol=1e-4)


def test_config_round_trip_and_float16():
    layer = InstanceNormalization(epsilon=1e-3, name="norm")
    clone = InstanceNormalization.from_config(layer.get_config())
    assert clone.epsilon == 1e-3 and clone.groups == -1 and clone.name == "norm"
    half = InstanceNormalization(dtype="mixed_float16")
    ramp = tf.ones((1, 4, 4, 3), tf.float16) * tf.reshape(tf.range(16, dtype=tf.float16), (1, 4, 4, 1))
    y = half(ramp, training=False)
    assert y.dtype == tf.float16 and np.isfinite(y.numpy()).all()
    np.testing.assert_allclose(np.mean(y.numpy().astype("float32"), axis=(1, 2)), 0.0, atol=1e-2)
