"""The fast conv layers (4x4 stride 2; stride 1 to few outputs) compute exactly what Keras's layers compute."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.kernels import FastConv2D, FastConv2DTranspose
from tests.kernels.checks import penalty_gradients, tflite_builtins_output
from tests.model_checks import spread_images


def _outputs_and_grads(layer, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
        loss = tf.reduce_sum(y * tf.sin(y))  # a non-trivial upstream gradient
    dx, dk, db = tape.gradient(loss, [x, layer.kernel, layer.bias])
    return [y, dx, dk, db]


S2 = dict(kernel_size=4, strides=2, padding="same")


@pytest.fixture(params=["phases", "native"])
def large_path(request, monkeypatch):
    """Above the few-pixels switch the transposed convolution takes TensorFlow's kernel where oneDNN runs and the
    sub-pixel phases elsewhere (``kernels.conv._transpose_conv``): every test that uses this runs both."""
    from keras_gans.kernels import conv

    monkeypatch.setattr(conv, "onednn_enabled", lambda: request.param == "native")
    return request.param


@pytest.fixture
def paths_taken(monkeypatch):
    """The set of ``kernels.conv`` paths the layers called, recorded as they run (eagerly: one branch each):
    "transpose_4x4s2" / "conv_4x4s2" (the fast 4x4 stride-2 layers), "matmul" / "phases" / "native" (the transposed
    convolution, forward or input gradient), "patches" (the kernel gradient by space-to-depth patches, else
    TensorFlow's), "few_outputs" / "wide_4x4" (the ``_STRIDE1_PATHS`` entries), "winograd" (wide 3x3),
    "winograd_4x4s2" / "winograd_transpose" (wide 4x4 stride-2 layers with enough 2x2 blocks); an empty set is Keras's
    own layer."""
    from keras_gans.kernels import conv

    taken = set()

    def record(name, attribute, module=conv):
        function = getattr(module, attribute)

        def recorded(*args):
            taken.add(name)
            return function(*args)

        monkeypatch.setattr(module, attribute, recorded)

    record("transpose_4x4s2", "conv2d_transpose_4x4s2")
    record("conv_4x4s2", "conv2d_4x4s2")
    record("matmul", "_transpose_conv_matmul")
    record("phases", "_transpose_conv_phases")
    record("native", "_transpose_conv_native")
    record("patches", "_kernel_grad_patches")
    record("winograd_transpose", "winograd_transpose_4x4s2")
    record("winograd_4x4s2", "conv4x4s2", conv.winograd)
    names = dict(zip((path for _, path in conv._STRIDE1_PATHS), ("few_outputs", "wide_4x4"), strict=True))
    names[conv.winograd.conv3x3] = "winograd"
    stride1_conv_for = conv._stride1_conv_for

    def recorded_stride1(layer, inputs):
        path = stride1_conv_for(layer, inputs)
        if path is not None:
            taken.add(names[path])
        return path

    monkeypatch.setattr(conv, "_stride1_conv_for", recorded_stride1)
    return taken


# paths: what kernels.conv runs (the ``paths_taken`` names; "large" = the large_path fixture's phases or native)
@pytest.mark.parametrize(
    "fast_cls, keras_cls, shape, filters, conv, paths",
    [
        (FastConv2DTranspose, keras.layers.Conv2DTranspose, (4, 4, 4, 32), 16, S2, {"transpose_4x4s2", "large"}),
        (FastConv2DTranspose, keras.layers.Conv2DTranspose, (2, 2, 3, 32), 16, S2,
         {"transpose_4x4s2", "matmul"}),  # few pixels
        (FastConv2DTranspose, keras.layers.Conv2DTranspose, (3, 7, 7, 16), 3, S2, set()),  # few channels: Keras
        (FastConv2D, keras.layers.Conv2D, (4, 8, 8, 16), 32, S2, {"conv_4x4s2", "large"}),  # input gradient
        (FastConv2D, keras.layers.Conv2D, (2, 4, 2, 16), 32, S2, {"conv_4x4s2", "matmul", "patches"}),
        (FastConv2DTranspose, keras.layers.Conv2DTranspose, (1, 2, 2, 32), 64, S2,
         {"transpose_4x4s2", "matmul", "patches"}),
        (FastConv2D, keras.layers.Conv2D, (4, 7, 7, 16), 32, S2, set()),  # odd size: Keras
        # 4 * 32 and 64 channels, 4 * 4 * 4 blocks of 2x2 at the low resolution (float32's winograd.MIN_TILES): F(2x2,
        # 2x2); the transposed convolution's gradients are this module's (the kernel gradient TensorFlow's here)
        (FastConv2D, keras.layers.Conv2D, (4, 16, 16, 32), 64, S2, {"winograd_4x4s2"}),
        (FastConv2DTranspose, keras.layers.Conv2DTranspose, (4, 8, 8, 64), 32, S2, {"winograd_transpose"}),
        (FastConv2D, keras.layers.Conv2D, (1, 16, 16, 32), 64, S2, {"conv_4x4s2", "matmul"}),  # 16 blocks: not
        # stride 1 to few outputs: the ResNet generator's 7x7 to RGB, PatchGAN's 4x4 logits
        (FastConv2D, keras.layers.Conv2D, (2, 13, 11, 16), 3, dict(kernel_size=7, padding="valid"), {"few_outputs"}),
        (FastConv2D, keras.layers.Conv2D, (2, 9, 10, 32), 1, dict(kernel_size=4, padding="valid"), {"few_outputs"}),
        (FastConv2D, keras.layers.Conv2D, (2, 9, 6, 16), 3, dict(kernel_size=(4, 3), padding="same"),
         {"few_outputs"}),  # even kernel: bottom pad
        (FastConv2D, keras.layers.Conv2D, (2, 5, 5, 16), 1, dict(kernel_size=1), {"few_outputs"}),  # PixelGAN's 1x1
        (FastConv2D, keras.layers.Conv2D, (2, 9, 9, 16), 3, dict(kernel_size=3, strides=2), set()),  # strided: Keras
        # 3x3 stride 1 between wide layers (ResNet blocks, AdaIN's decoder): Winograd (kernels/winograd.py)
        (FastConv2D, keras.layers.Conv2D, (2, 7, 6, 128), 128, dict(kernel_size=3, padding="valid"), {"winograd"}),
        (FastConv2D, keras.layers.Conv2D, (1, 5, 6, 256), 128, dict(kernel_size=3, padding="same"), {"winograd"}),
        (FastConv2D, keras.layers.Conv2D, (2, 6, 5, 128), 256, dict(kernel_size=4, padding="valid"),
         {"wide_4x4"}),  # PatchGAN's conv3
    ],
)
def test_matches_keras_layer(fast_cls, keras_cls, shape, filters, conv, paths, large_path, paths_taken):
    x = tf.random.normal(shape, seed=1)
    reference = keras_cls(filters, **conv, bias_initializer="random_normal")
    reference(x)
    fast = fast_cls(filters, **conv)
    fast(x)
    fast.set_weights(reference.get_weights())
    paths_taken.clear()
    got_all = _outputs_and_grads(fast, x)
    # each case exercises the path it is there for (a moved switch would otherwise leave a path untested)
    assert paths_taken == {large_path if path == "large" else path for path in paths}
    for got, want in zip(got_all, _outputs_and_grads(reference, x), strict=True):
        assert got.shape == want.shape
        # float32 sums in another order: relative 1e-5 of the largest value
        np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-5 * float(tf.reduce_max(tf.abs(want))))


def test_serializes_as_keras_gans_layer():
    layer = FastConv2DTranspose(8, 4, strides=2, padding="same")
    config = keras.saving.serialize_keras_object(layer)
    restored = keras.saving.deserialize_keras_object(config)
    assert type(restored) is FastConv2DTranspose and restored.filters == 8


@pytest.mark.parametrize("height, width, channels",
                         [(5, 7, 16), (6, 3, 16), (2, 3, 32), (1, 2, 32), (16, 16, 64), (15, 13, 64), (3, 5, 64)])
def test_transposed_fast_path_on_unknown_and_odd_sizes(height, width, channels, large_path):
    """Fully convolutional networks trace with unknown H, W: the paths are then chosen at run time
    (forward: phases or native for 2 * 5 * 7 pixels > 16 channels, matmul for 2 * 2 * 3 <= 32; kernel gradient:
    patches for 2 * (2 * 1 * 2) pixels <= 16 output channels; with 64 input channels Winograd's F(2x2, 2x2) for
    2 * 8 * 8 and 2 * 8 * 7 (partial) blocks of 2x2, not for 2 * 2 * 3) and must be exact."""
    x = tf.random.normal((2, height, width, channels), seed=2)
    reference = keras.layers.Conv2DTranspose(16, 4, strides=2, padding="same", bias_initializer="random_normal")
    reference(x)
    fast = FastConv2DTranspose(16, 4, strides=2, padding="same")
    fast(x)
    fast.set_weights(reference.get_weights())
    traced = tf.function(lambda x: _outputs_and_grads(fast, x),
                         input_signature=[tf.TensorSpec([None, None, None, channels])])
    got, want = traced(x), _outputs_and_grads(reference, x)
    assert got[0].shape == want[0].shape == (2, 2 * height, 2 * width, 16)
    for got_part, want_part in zip(got, want):
        atol = 1e-5 * float(tf.reduce_max(tf.abs(want_part)))
        np.testing.assert_allclose(got_part.numpy(), want_part.numpy(), atol=atol)


@pytest.mark.parametrize(
    "classes, filters, conv, shape",
    [
        ((FastConv2D, keras.layers.Conv2D), 16, S2, (2, 8, 8, 16)),
        ((FastConv2D, keras.layers.Conv2D), 64, S2, (1, 4, 4, 32)),  # few pixels: the other gradient paths
        ((FastConv2DTranspose, keras.layers.Conv2DTranspose), 16, S2, (2, 8, 8, 16)),
        ((FastConv2DTranspose, keras.layers.Conv2DTranspose), 64, S2, (1, 2, 2, 32)),
        ((FastConv2D, keras.layers.Conv2D), 64, S2, (4, 16, 16, 32)),  # Winograd (test_matches_keras_layer)
        ((FastConv2DTranspose, keras.layers.Conv2DTranspose), 32, S2, (4, 8, 8, 64)),
        ((FastConv2D, keras.layers.Conv2D), 1, dict(kernel_size=4, padding="valid"), (2, 8, 8, 16)),
        ((FastConv2D, keras.layers.Conv2D), 128, dict(kernel_size=3, padding="same"), (2, 8, 8, 128)),
        ((FastConv2D, keras.layers.Conv2D), 128, dict(kernel_size=4, padding="valid"), (2, 8, 8, 128)),
    ],
)
def test_second_order_gradients_match_keras(classes, filters, conv, shape, large_path):
    """WGAN-GP differentiates the input gradient again, by x and by the kernel: the custom
    gradients must themselves be differentiable (a stop_gradient on the kernel in the strided
    conv's input gradient once dropped the penalty's kernel term)."""
    x = tf.random.normal(shape, seed=3)
    layers = []
    for cls in classes:
        layer = cls(filters, **conv)
        layer(x)
        layers.append(layer)
    layers[0].set_weights(layers[1].get_weights())
    results = [penalty_gradients(layer, layer.kernel, x) for layer in layers]
    for got, want in zip(*results):
        np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-5 * float(tf.reduce_max(tf.abs(want))))


def test_transposed_conv_graph_is_at_most_4d(large_path):
    """TFLite's built-in PAD (and ONNX runtimes in places) take no tensors above 4-D. Traced with unknown sizes,
    the layer's graph holds both paths (matmul and phases or TensorFlow's kernel, in a cond); the strided conv's
    input gradient too."""
    from tests.serving.graph_checks import graph_ops, max_rank

    transposed = FastConv2DTranspose(16, 4, strides=2, padding="same")
    transposed(tf.zeros((1, 4, 4, 32)))
    forward = tf.function(transposed).get_concrete_function(tf.TensorSpec([None, None, None, 32]))
    ops = graph_ops(forward)
    many = "Conv2D" if large_path == "phases" else "Conv2DBackpropInput"
    assert {"If", "StatelessIf"} & ops and {"MatMul", many} <= ops
    assert max_rank(forward) <= 4
    strided = FastConv2D(32, 4, strides=2, padding="same")
    strided(tf.zeros((1, 8, 8, 16)))

    def input_gradient(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(tf.sin(strided(x)))
        return tape.gradient(y, x)

    assert max_rank(tf.function(input_gradient).get_concrete_function(tf.TensorSpec([2, 8, 8, 16]))) <= 4


@pytest.mark.filterwarnings("ignore:.*tf.lite.Interpreter is deprecated:UserWarning")
@pytest.mark.parametrize("network", ["dcgan", "unet"])
def test_generators_convert_to_tflite_builtin_ops(network, large_path, monkeypatch):
    """A DCGAN generator (batch 2: the matmul path at 4x4x64 -> 8x8x32, phases at 8x8x32 -> 16x16x16) with a
    fixed batch, and a U-Net (Pix2Pix) with unknown batch and size (both paths in a cond), convert to TFLite's
    built-in ops only and compute what TensorFlow computes."""
    from keras_gans.kernels import winograd
    from keras_gans.networks.dcgan import build_dcgan_generator
    from keras_gans.networks.unet import build_unet_generator

    # TFLite has no Winograd ops: graphs for conversion leave them out (tracing_for_conversion, test_winograd); here
    # the library's other paths, which a conversion may take, are checked
    monkeypatch.setattr(winograd, "active", lambda *args: False)
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    if network == "dcgan":
        model = build_dcgan_generator(latent_dim=8, image_shape=(32, 32, 3), base_filters=16)
        x, spec = rng.normal(size=(2, 8)).astype("float32"), tf.TensorSpec([2, 8])
    else:
        model = build_unet_generator(input_channels=3, output_channels=3, image_size=16, filters=16)
        x, spec = rng.uniform(-1, 1, size=(1, 16, 16, 3)).astype("float32"), tf.TensorSpec([None, None, None, 3])
    # outputs of N(0, 0.02) weights are ~1e-4: spread them over [-1, 1] first, so that atol=1e-4 is a check
    assert spread_images(model, lambda: model(x, training=False).numpy(), min_std=0.3) >= 0.2
    concrete = tf.function(lambda t: model(t, training=False)).get_concrete_function(spec)
    got = tflite_builtins_output(concrete, x)
    want = model(x, training=False).numpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=1e-4)


@pytest.mark.parametrize("fast_cls, keras_cls, shape, filters", [
    (FastConv2D, keras.layers.Conv2D, (4, 8, 8, 16), 32),  # kernel gradient: float32 native, bfloat16 patches
    (FastConv2DTranspose, keras.layers.Conv2DTranspose, (4, 4, 4, 32), 16),
])
def test_bfloat16_takes_the_patches_kernel_gradient_and_matches_float32(fast_cls, keras_cls, shape, filters,
                                                                          monkeypatch):
    """In bfloat16 the kernel gradient goes through patches + matmul with more pixels than in float32
    (``_kernel_grad_4x4s2``); the layer still computes Keras's float32 function to bfloat16 rounding."""
    from keras_gans.kernels import conv

    calls = []
    patches = conv._kernel_grad_patches
    monkeypatch.setattr(conv, "_kernel_grad_patches", lambda high, low: calls.append(high.dtype) or patches(high, low))
    x = tf.random.normal(shape, seed=1)
    reference = keras_cls(filters, **S2, bias_initializer="random_normal")
    reference(x)
    fast = fast_cls(filters, **S2, dtype="mixed_bfloat16")
    fast(x)
    fast.set_weights(reference.get_weights())
    calls.clear()
    got = _outputs_and_grads(fast, x)
    assert calls == [tf.bfloat16]
    for got_, want in zip(got, _outputs_and_grads(reference, x)):
        assert got_.shape == want.shape
        # bfloat16 keeps 8 significant bits (relative rounding 2^-9 per value; sums of 256-512 rounded products)
        np.testing.assert_allclose(tf.cast(got_, tf.float32).numpy(), want.numpy(),
                                   atol=2e-2 * float(tf.reduce_max(tf.abs(want))))
