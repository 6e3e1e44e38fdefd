"""keras_gans.kernels.FastBatchNormalization: TensorFlow's fused kernel on one replica, Keras's batch norm otherwise."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.kernels import FastBatchNormalization


def _pair(dtype="float32", **kwargs):
    """A FastBatchNormalization and a keras BatchNormalization with the same (non-trivial) variables."""
    layers = [cls(momentum=0.9, epsilon=1e-5, dtype=dtype, **kwargs)
              for cls in (FastBatchNormalization, keras.layers.BatchNormalization)]
    rng = np.random.default_rng(0)
    for layer in layers:
        layer.build((None, 6, 5, 3))
    for i, variable in enumerate(layers[1].weights):
        value = rng.uniform(0.5, 1.5, variable.shape).astype("float32")
        layers[0].weights[i].assign(value)
        variable.assign(value)
    return layers


def _train_call(layer, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        weights = tf.constant(np.random.default_rng(9).normal(size=y.shape).astype("float32"))  # (non-zero grads)
        loss = tf.reduce_sum(tf.cast(y, tf.float32) * weights)
    return y, tape.gradient(loss, [x] + layer.trainable_weights)


def test_training_call_matches_keras_batch_norm():
    fast, reference = _pair()
    x = tf.constant(np.random.default_rng(1).normal(2.0, 3.0, (4, 6, 5, 3)).astype("float32"))
    for _ in range(2):  # twice: the moving statistics move on from the first update
        (y, grads), (y_ref, grads_ref) = _train_call(fast, x), _train_call(reference, x)
    assert np.abs(y_ref.numpy()).max() > 0.5  # normalised, then scaled and shifted by non-trivial gamma and beta
    np.testing.assert_allclose(y.numpy(), y_ref.numpy(), rtol=1e-5, atol=1e-5)
    for g, g_ref in zip(grads, grads_ref):
        assert np.abs(g_ref.numpy()).max() > 0.1
        np.testing.assert_allclose(g.numpy(), g_ref.numpy(), rtol=1e-4, atol=1e-4)
    # Keras's biased batch variance in the moving average (the kernel returns the unbiased one)
    np.testing.assert_allclose(fast.moving_variance.numpy(), reference.moving_variance.numpy(), rtol=1e-5)
    np.testing.assert_allclose(fast.moving_mean.numpy(), reference.moving_mean.numpy(), rtol=1e-5)
    assert np.abs(reference.moving_mean.numpy() - 1.0).max() > 0.1  # the statistics did move
    # inference: Keras's own path, on the moving statistics
    np.testing.assert_allclose(fast(x, training=False).numpy(), reference(x, training=False).numpy(), rtol=1e-5,
                               atol=1e-6)  # (moving statistics equal to float32 rounding, above)


def test_mixed_bfloat16_computes_moments_in_float32():
    fast, reference = _pair("mixed_bfloat16")
    x = tf.constant(np.random.default_rng(2).normal(100.0, 0.5, (8, 6, 5, 3)).astype("float32"))  # large mean
    y, y_ref = fast(tf.cast(x, tf.bfloat16), training=True), reference(tf.cast(x, tf.bfloat16), training=True)
    assert y.dtype == tf.bfloat16
    # bfloat16 holds ~3 significant digits: outputs agree to its rounding, moments in float32 on both sides
    np.testing.assert_allclose(tf.cast(y, tf.float32).numpy(), tf.cast(y_ref, tf.float32).numpy(), atol=0.05)
    np.testing.assert_allclose(fast.moving_mean.numpy(), reference.moving_mean.numpy(), rtol=1e-3)


def test_frozen_and_inference_calls_take_keras_path_and_config_round_trips():
    fast, reference = _pair()
    fast.trainable = reference.trainable = False
    x = tf.constant(np.random.default_rng(3).normal(size=(2, 6, 5, 3)).astype("float32"))
    np.testing.assert_allclose(fast(x, training=True).numpy(), reference(x, training=True).numpy(), rtol=1e-6)
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(fast))
    assert type(clone) is FastBatchNormalization and clone.get_config() == fast.get_config()


@pytest.mark.parametrize("center, scale", [(False, True), (True, False)])
def test_without_beta_or_gamma(center, scale):
    fast, reference = _pair(center=center, scale=scale)
    x = tf.constant(np.random.default_rng(4).normal(size=(3, 6, 5, 3)).astype("float32"))
    np.testing.assert_allclose(fast(x, training=True).numpy(), reference(x, training=True).numpy(), rtol=1e-5,
                               atol=1e-5)
