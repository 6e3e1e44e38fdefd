"""The fast 4x4 stride-2 layers compute exactly what Keras's layers compute."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.layers import Conv2D, Conv2DTranspose


def _outputs_and_grads(layer, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
        loss = tf.reduce_sum(y * tf.sin(y))  # a non-trivial upstream gradient
    dx, dk, db = tape.gradient(loss, [x, layer.kernel, layer.bias])
    return [y, dx, dk, db]


@pytest.mark.parametrize(
    "fast_cls, keras_cls, shape, filters",
    [
        (Conv2DTranspose, keras.layers.Conv2DTranspose, (4, 4, 4, 32), 16),  # fast path
        (Conv2DTranspose, keras.layers.Conv2DTranspose, (3, 7, 7, 16), 3),  # few channels: Keras path
        (Conv2D, keras.layers.Conv2D, (4, 8, 8, 16), 32),  # fast path
        (Conv2D, keras.layers.Conv2D, (4, 7, 7, 16), 32),  # odd size: Keras path
    ],
)
def test_matches_keras_layer(fast_cls, keras_cls, shape, filters):
    x = tf.random.normal(shape, seed=1)
    reference = keras_cls(filters, 4, strides=2, padding="same", bias_initializer="random_normal")
    reference(x)
    fast = fast_cls(filters, 4, strides=2, padding="same")
    fast(x)
    fast.set_weights(reference.get_weights())
    for got, want in zip(_outputs_and_grads(fast, x), _outputs_and_grads(reference, x)):
        assert got.shape == want.shape
        # float32 sums in another order: relative 1e-5 of the largest value
        np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-5 * float(tf.reduce_max(tf.abs(want))))


def test_serializes_as_keras_gans_layer():
    layer = Conv2DTranspose(8, 4, strides=2, padding="same")
    config = keras.saving.serialize_keras_object(layer)
    restored = keras.saving.deserialize_keras_object(config)
    assert type(restored) is Conv2DTranspose and restored.filters == 8


@pytest.mark.parametrize("height, width", [(5, 7), (6, 3)])
def test_transposed_fast_path_on_unknown_and_odd_sizes(height, width):
    """Fully convolutional networks trace with unknown H, W: the phases must still be exact."""
    x = tf.random.normal((2, height, width, 16), seed=2)
    reference = keras.layers.Conv2DTranspose(16, 4, strides=2, padding="same", bias_initializer="random_normal")
    reference(x)
    fast = Conv2DTranspose(16, 4, strides=2, padding="same")
    fast(x)
    fast.set_weights(reference.get_weights())
    traced = tf.function(fast, input_signature=[tf.TensorSpec([None, None, None, 16])])
    got, want = traced(x), reference(x)
    assert got.shape == want.shape == (2, 2 * height, 2 * width, 16)
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-5 * float(tf.reduce_max(tf.abs(want))))
