"""keras_gans.kernels.FastLeakyReLU: Keras's LeakyReLU with the gradient read from the output, bit for bit."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.kernels import FastLeakyReLU


def _inputs():
    values = np.random.default_rng(0).normal(size=(4, 5, 6, 7)).astype("float32")
    values.flat[:6] = [0.0, -0.0, 1e-38, -1e-38, 3e-45, -3e-45]  # zeros, the smallest normals, denormals
    return tf.constant(values)


@pytest.mark.parametrize("dtype", ["float32", "mixed_bfloat16"])
@pytest.mark.parametrize("slope", [0.2, 0.0, 1.5])
def test_output_and_gradient_equal_keras_leaky_relu(dtype, slope):
    x = _inputs()
    upstream = tf.constant(np.random.default_rng(1).normal(size=x.shape).astype("float32"))
    results = []
    for layer in (FastLeakyReLU(slope, dtype=dtype), keras.layers.LeakyReLU(slope, dtype=dtype)):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x)
            loss = tf.reduce_sum(tf.cast(y, tf.float32) * upstream)
        results.append((y.numpy().astype("float32"), tape.gradient(loss, x).numpy()))
    (y, grad), (y_ref, grad_ref) = results
    assert y.dtype == y_ref.dtype
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_array_equal(grad, grad_ref)
    # the slope did reach the gradient: negative inputs pass slope * upstream
    negative = x.numpy() < -1e-3
    np.testing.assert_allclose(grad[negative], slope * upstream.numpy()[negative], rtol=1e-2 if "bfloat16" in dtype
                               else 1e-6)


def _critic(activation):
    """conv -> LeakyReLU -> dense, the shape of a WGAN-GP critic's first layer, with fixed weights."""
    keras.utils.set_random_seed(3)
    images = keras.Input((8, 8, 3))
    h = keras.layers.Conv2D(4, 3, strides=2, padding="same")(images)
    h = activation(0.2)(h)
    return keras.Model(images, keras.layers.Dense(1)(keras.layers.Flatten()(h)))


def test_gradient_penalty_and_its_weight_gradients_equal_keras():
    """Second order, as WGAN-GP and R1 differentiate it: the penalty on d critic / d x and its weight gradients."""
    x = tf.constant(np.random.default_rng(2).normal(size=(6, 8, 8, 3)).astype("float32"))
    results = []
    for activation in (FastLeakyReLU, keras.layers.LeakyReLU):
        critic = _critic(activation)
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                inner.watch(x)
                scores = critic(x)
            slopes = tf.norm(tf.reshape(inner.gradient(scores, x), [6, -1]), axis=1)
            penalty = tf.reduce_mean((slopes - 1.0) ** 2)
        kernels = [w for w in critic.trainable_weights if "kernel" in w.path]
        results.append((penalty.numpy(), [g.numpy() for g in outer.gradient(penalty, kernels)]))
    (penalty, grads), (penalty_ref, grads_ref) = results
    assert penalty_ref > 1e-3 and len(grads_ref) == 2
    np.testing.assert_array_equal(penalty, penalty_ref)
    for g, g_ref in zip(grads, grads_ref):
        assert np.abs(g_ref).max() > 0  # both kernels get a gradient from the penalty
        np.testing.assert_array_equal(g, g_ref)


def test_training_graph_gradients_equal_keras_inside_tf_function():
    """In a compiled training graph (where Grappler's remapper may fuse the forward activation into the convolution)
    the weight gradients are Keras's."""
    x = tf.constant(np.random.default_rng(4).normal(size=(6, 8, 8, 3)).astype("float32"))
    results = []
    for activation in (FastLeakyReLU, keras.layers.LeakyReLU):
        critic = _critic(activation)

        @tf.function
        def grads(x):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(critic(x) ** 2)
            return tape.gradient(loss, critic.trainable_weights)

        results.append([g.numpy() for g in grads(x)])
    for g, g_ref in zip(*results):
        assert np.abs(g_ref).max() > 0
        np.testing.assert_allclose(g, g_ref, rtol=1e-5, atol=1e-6)  # a fused kernel may round differently


def test_config_round_trips_and_saved_model_reloads_as_fast_leaky_relu(tmp_path):
    layer = FastLeakyReLU(0.2, name="lrelu")
    clone = FastLeakyReLU.from_config(layer.get_config())
    assert type(clone) is FastLeakyReLU and clone.negative_slope == 0.2
    model = _critic(FastLeakyReLU)
    model.save(tmp_path / "critic.keras")
    loaded = keras.saving.load_model(tmp_path / "critic.keras")
    assert any(type(layer) is FastLeakyReLU for layer in loaded.layers)
    x = np.random.default_rng(5).normal(size=(2, 8, 8, 3)).astype("float32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
