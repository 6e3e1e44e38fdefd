"""UpsamplingConv2D computes what UpSampling2D + (ReflectionPadding2D +) Conv2D compute, at the low resolution."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.kernels import UpsamplingConv2D
from keras_gans.layers import ReflectionPadding2D
from tests.kernels.checks import penalty_gradients, tflite_builtins_output


def _pair(filters, kernel_size, border, x, **kwargs):
    """The layer and Keras's composition with the same weights."""
    fast = UpsamplingConv2D(filters, kernel_size, border=border, **kwargs)
    fast(x)
    k = kernel_size
    layers = [keras.layers.UpSampling2D(2, interpolation="nearest")]
    if border == "reflect":
        layers.append(ReflectionPadding2D((((k - 1) // 2, k // 2), ((k - 1) // 2, k // 2))))
    conv = keras.layers.Conv2D(filters, k, padding="same" if border == "zeros" else "valid", **kwargs)
    reference = keras.Sequential(layers + [conv])
    reference(x)
    conv.set_weights(fast.get_weights())
    return fast, reference, conv


def _outputs_and_grads(layer, variables, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
        loss = tf.reduce_sum(y * tf.sin(y))  # a non-trivial upstream gradient
    return [y] + tape.gradient(loss, [x, *variables])


# reflection padding by 2 needs an up-sampled size above 2 (ReflectionPadding2D's own rule): no 5x5 "reflect" at 1 pixel
CASES = [(border, k, rewrite, shape) for border in ("zeros", "reflect")
         for k, rewrite in ((3, "phases"), (1, "low"), (5, "upsample"), (2, "upsample"))
         for shape in ((2, 5, 7, 6), (1, 1, 3, 4), (1, 8, 8, 16))
         if not (border == "reflect" and k == 5 and min(shape[1:3]) == 1)]


@pytest.mark.parametrize("border, kernel_size, rewrite, shape", CASES)
def test_matches_upsampling_then_conv(border, kernel_size, rewrite, shape):
    x = tf.random.normal(shape, seed=1)
    fast, reference, conv = _pair(4, kernel_size, border, x, activation="relu")
    assert fast._rewrite() == rewrite
    got = _outputs_and_grads(fast, [fast.kernel, fast.bias], x)
    want = _outputs_and_grads(reference, [conv.kernel, conv.bias], x)
    assert got[0].shape == (shape[0], 2 * shape[1], 2 * shape[2], 4)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-5, atol=1e-5 * float(tf.reduce_max(tf.abs(w))))


@pytest.mark.parametrize("border", ["zeros", "reflect"])
def test_3x3_convolves_the_low_resolution_input(border):
    """The rewrite runs: the traced graph convolves the unknown-size input with a (2, 2, C, 4 * filters) kernel
    and up-samples nothing (its gathers pad the input and interleave the conv's phases), and it matches the composition at a size seen only at run time."""
    fast = UpsamplingConv2D(8, 3, border=border)
    fast(tf.zeros((1, 4, 4, 16)))
    concrete = tf.function(fast).get_concrete_function(tf.TensorSpec([None, None, None, 16]))
    convs = [op for op in concrete.graph.get_operations() if op.type == "Conv2D"]
    assert len(convs) == 1 and convs[0].inputs[1].shape.as_list() == [2, 2, 16, 32]
    ops = concrete.graph.get_operations()
    assert "ResizeNearestNeighbor" not in {op.type for op in ops}
    # one gather interleaves the four phases of the conv's output (4 * filters channels); with border="reflect"
    # another pads the 16-channel input by its edge. Nothing else moves pixels.
    gathered = sorted(op.inputs[0].op.inputs[0].shape[-1] for op in ops if op.type == "GatherV2")
    assert gathered == ([16, 32] if border == "reflect" else [32])
    x = tf.random.normal((3, 6, 9, 16), seed=2)
    _, reference, _ = _pair(8, 3, border, x)
    reference.layers[-1].set_weights(fast.get_weights())
    np.testing.assert_allclose(concrete(x).numpy(), reference(x).numpy(), atol=1e-5)


@pytest.mark.parametrize("border", ["zeros", "reflect"])
@pytest.mark.parametrize("kernel_size", [3, 1])
def test_second_order_gradients_match(border, kernel_size):
    """A gradient penalty (R1, WGAN-GP) differentiates the input gradient again (BEGAN's discriminator decodes):
    through the phase interleave's and the edge padding's custom gradients too."""
    x = tf.random.normal((2, 4, 5, 8), seed=3)
    fast, reference, conv = _pair(8, kernel_size, border, x)
    results = [penalty_gradients(layer, kernel, x) for layer, kernel in ((fast, fast.kernel), (reference, conv.kernel))]
    for got, want in zip(*results):
        np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-5 * float(tf.reduce_max(tf.abs(want))))


def test_bfloat16_matches_float32_to_bfloat16_rounding():
    """Under mixed_bfloat16 the phase taps are sums of bfloat16 weights, rounded once more: the output is the
    float32 composition to bfloat16 rounding."""
    x = tf.random.normal((1, 8, 8, 32), seed=4)
    fast32, reference, _ = _pair(16, 3, "reflect", x)
    fast16 = UpsamplingConv2D(16, 3, border="reflect", dtype="mixed_bfloat16")
    fast16(x)
    fast16.set_weights(fast32.get_weights())
    got = fast16(x)
    assert got.dtype == tf.bfloat16
    want = reference(x).numpy()
    np.testing.assert_allclose(tf.cast(got, tf.float32).numpy(), want, atol=0.02 * np.abs(want).max())


def test_config_round_trip_and_bad_options():
    layer = UpsamplingConv2D(8, 3, border="reflect", activation="relu", name="up")
    config = layer.get_config()
    assert config["border"] == "reflect" and "padding" not in config
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert isinstance(restored, UpsamplingConv2D) and restored.border == "reflect" and restored.filters == 8
    with pytest.raises(ValueError, match="border must be one of"):
        UpsamplingConv2D(8, 3, border="same")
    with pytest.raises(ValueError, match="stride 1"):
        UpsamplingConv2D(8, 3, strides=2)
    with pytest.raises(ValueError, match="pads by its border"):
        UpsamplingConv2D(8, 3, padding="valid")


@pytest.mark.filterwarnings("ignore:.*tf.lite.Interpreter is deprecated:UserWarning")
def test_adain_decoder_converts_to_tflite_builtin_ops():
    """The AdaIN decoder (three reflect-bordered UpsamplingConv2D) with unknown sizes converts to TFLite's built-in
    ops only and computes what TensorFlow computes."""
    from keras_gans.networks.vgg import build_adain_decoder

    keras.utils.set_random_seed(0)
    decoder = build_adain_decoder(width=1 / 16)
    x = np.random.default_rng(0).uniform(0, 1, (1, 3, 5, 32)).astype("float32")
    concrete = tf.function(lambda t: decoder(t)).get_concrete_function(tf.TensorSpec([None, None, None, 32]))
    got = tflite_builtins_output(concrete, x)
    want = decoder(x).numpy()
    assert got.shape == want.shape == (1, 24, 40, 3)
    np.testing.assert_allclose(got, want, atol=1e-4 * np.abs(want).max())
