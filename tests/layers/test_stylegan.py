import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.layers import (ConstantInput, EqualizedConv2D, EqualizedDense, MinibatchStdDev, ModulatedConv2D,
                               NoiseInjection, PixelNorm, StyleModulation)
from tests.model_checks import mirrored_strategy

SQRT2 = np.sqrt(2.0)


def _normal(seed, shape, scale=1.0, shift=0.0):
    return (np.random.default_rng(seed).normal(size=shape) * scale + shift).astype("float32")


def _lrelu(x):
    return np.where(x > 0, x, 0.2 * x) * SQRT2


def _np_conv(x, kernel):
    """Stride-1 "same" cross-correlation (torch's conv2d, TF's conv2d): ``x`` [B, H, W, I], ``kernel`` [k, k, I, O]."""
    k = kernel.shape[0]
    p = k // 2
    xp = np.pad(x.astype("float64"), [(0, 0), (p, p), (p, p), (0, 0)])
    height, width = x.shape[1:3]
    return sum(xp[:, dy : dy + height, dx : dx + width] @ kernel[dy, dx] for dy in range(k) for dx in range(k))


# === Equalized learning rate ===

def test_equalized_dense_uses_the_references_gains_and_keeps_unit_variance():
    x = _normal(0, (5, 6))
    layer = EqualizedDense(8, lr_multiplier=0.1, bias_init=0.5)
    out = np.asarray(layer(x))
    kernel, bias = (np.asarray(v, "float64") for v in (layer.kernel, layer.bias))
    np.testing.assert_array_equal(bias, 0.5)  # stored bias_init, used times lr_multiplier
    np.testing.assert_allclose(out, x @ (kernel * 0.1 / np.sqrt(6)) + 0.5 * 0.1, rtol=1e-5, atol=1e-6)
    lrelu = EqualizedDense(8, bias_init=-0.2, activation="lrelu")
    np.testing.assert_allclose(lrelu(x), _lrelu(x @ (np.asarray(lrelu.kernel) / np.sqrt(6)) - 0.2), rtol=1e-5,
                               atol=1e-6)
    # stored N(0, 1) / lr_multiplier; at init the output has the input's std whatever the multiplier
    x = _normal(1, (1024, 256))
    for lr_multiplier in (1.0, 0.01):
        layer = EqualizedDense(256, lr_multiplier=lr_multiplier)
        out = np.asarray(layer(x))
        assert np.std(layer.kernel) == pytest.approx(1 / lr_multiplier, rel=0.02)
        assert out.std() == pytest.approx(1.0, rel=0.05)
    with pytest.raises(ValueError, match="activation"):
        EqualizedDense(4, activation="relu")


def test_equalized_dense_learning_rate_multiplier_scales_the_effective_step():
    """SGD with rate η on the stored weights moves the effective kernel by η·(lr_mul/sqrt(fan_in))² · gradient and
    the effective bias by η·lr_mul² · gradient, as the reference's runtime gains do."""
    x, r = _normal(2, (5, 6)), _normal(3, (5, 8))
    layer = EqualizedDense(8, lr_multiplier=0.1, bias_init=0.5)
    layer.build(x.shape)
    gain = 0.1 / np.sqrt(6)
    before = (np.asarray(layer.kernel) * gain, np.asarray(layer.bias) * 0.1)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x) * r)
    grads = tape.gradient(loss, [layer.kernel, layer.bias])
    # d loss / d effective kernel = xᵀ r, d loss / d effective bias = Σ r
    np.testing.assert_allclose(grads[0], gain * x.T @ r, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grads[1], 0.1 * r.sum(0), rtol=1e-5, atol=1e-6)
    keras.optimizers.SGD(1.0).apply_gradients(zip(grads, [layer.kernel, layer.bias]))
    np.testing.assert_allclose(np.asarray(layer.kernel) * gain - before[0], -gain ** 2 * x.T @ r, rtol=1e-4,
                               atol=1e-6)
    np.testing.assert_allclose(np.asarray(layer.bias) * 0.1 - before[1], -0.01 * r.sum(0), rtol=1e-4, atol=1e-6)


def test_equalized_conv_matches_numpy_and_keeps_unit_variance():
    x = _normal(4, (2, 5, 6, 3))
    layer = EqualizedConv2D(4, 3, activation="lrelu")
    layer.build(x.shape)
    layer.bias.assign(_normal(5, (4,)))
    expected = _lrelu(_np_conv(x, np.asarray(layer.kernel) / np.sqrt(3 * 9)) + np.asarray(layer.bias))
    np.testing.assert_allclose(layer(x), expected, rtol=1e-5, atol=1e-5)
    assert EqualizedConv2D(2, 1, use_bias=False).compute_output_shape((None, 4, 4, 3)) == (None, 4, 4, 2)
    # stored N(0, 1), used times 1/sqrt(in·k²): interior pixels (no zero padding) keep the input's std
    x = _normal(6, (4, 12, 12, 64))
    out = np.asarray(EqualizedConv2D(64, 3)(x))[:, 1:-1, 1:-1]
    assert out.std() == pytest.approx(1.0, rel=0.05)


# === StyleGAN2's modulated convolution ===

def _np_modulated_conv(x, kernel, styles, demodulate):
    """The reference's fused path: per-sample weights [O, I, k, k] scaled by the styles, demodulated per output."""
    weight = np.transpose(kernel.astype("float64"), (3, 2, 0, 1))  # [O, I, k, k]
    out = []
    for b in range(len(x)):
        w = weight * styles[b].astype("float64")[None, :, None, None]
        if demodulate:
            w = w / np.sqrt(np.sum(w ** 2, axis=(1, 2, 3), keepdims=True) + 1e-8)
        out.append(_np_conv(x[b : b + 1], np.transpose(w, (2, 3, 1, 0)))[0])
    return np.stack(out)


def test_modulated_conv_equals_per_sample_modulated_demodulated_weights():
    x, w = _normal(7, (3, 5, 6, 4)), _normal(8, (3, 10))
    layer = ModulatedConv2D(5, 3)
    out = np.asarray(layer([x, w]))
    assert out.shape == (3, 5, 6, 5) and len(layer.trainable_weights) == 3  # kernel, affine kernel and bias
    styles = w @ (np.asarray(layer.affine.kernel) / np.sqrt(10)) + np.asarray(layer.affine.bias)
    np.testing.assert_array_equal(layer.affine.bias, 1.0)  # bias_init=1
    np.testing.assert_allclose(out, _np_modulated_conv(x, np.asarray(layer.kernel), styles, True), rtol=1e-5,
                               atol=1e-5)
    # with demodulation the scale of the styles (and of the kernel) cancels
    scaled = ModulatedConv2D(5, 3, style_gain=0.25)
    scaled([x, w])
    scaled.set_weights(layer.get_weights())
    np.testing.assert_allclose(scaled([x, w]), out, rtol=1e-5, atol=1e-5)

    # ToRGB: no demodulation; the reference ToRGBLayer: unscaled kernel, styles times 1/sqrt(Cin · 1²) = 1/2
    to_rgb = ModulatedConv2D(3, 1, demodulate=False)
    out = np.asarray(to_rgb([x, w]))
    styles = w @ (np.asarray(to_rgb.affine.kernel) / np.sqrt(10)) + 1.0
    np.testing.assert_allclose(out, _np_modulated_conv(x, np.asarray(to_rgb.kernel), styles / 2, False), rtol=1e-5,
                               atol=1e-5)
    # passing the reference's gain explicitly is the same (applied once), another gain scales the output
    for gain, factor in ((0.5, 1.0), (1.0, 2.0)):
        explicit = ModulatedConv2D(3, 1, demodulate=False, style_gain=gain)
        explicit([x, w])
        explicit.set_weights(to_rgb.get_weights())
        np.testing.assert_allclose(explicit([x, w]), factor * out, rtol=1e-5, atol=1e-5)


def test_demodulated_outputs_have_unit_std_for_unit_inputs():
    x, w = _normal(9, (4, 12, 12, 64)), _normal(10, (4, 32))
    layer = ModulatedConv2D(64, 3)
    out = np.asarray(layer([x, w]))[:, 1:-1, 1:-1]  # interior: no zero padding
    assert out.std() == pytest.approx(1.0, rel=0.03)
    # per example and output channel too (100 pixels each: loose), whatever the styles' scale
    np.testing.assert_allclose(out.std(axis=(1, 2)).mean(), 1.0, rtol=0.05)
    plain = np.asarray(ModulatedConv2D(64, 3, demodulate=False)([x, w]))[:, 1:-1, 1:-1]
    assert plain.std() > 1.2  # styles ≈ 1 + N(0, 1): without demodulation the scale is theirs


# === Noise ===

def test_noise_starts_off_is_fresh_in_training_and_constant_at_inference():
    x = _normal(11, (3, 4, 5, 2))
    layer = NoiseInjection(seed=1)
    np.testing.assert_array_equal(layer(x, training=True), x)  # strength 0
    np.testing.assert_array_equal(layer(x), x)
    assert layer.strength.shape == () and layer.noise_const.shape == (1, 4, 5, 1)
    assert [v.name for v in layer.trainable_weights] == ["strength"]
    layer.strength.assign(2.0)
    a, b = (np.asarray(layer(x, training=True)) - x for _ in range(2))
    assert not np.allclose(a, b)  # fresh each call
    assert not np.allclose(a[0], a[1])  # and each example
    np.testing.assert_allclose(a[..., 0], a[..., 1], atol=1e-6)  # one map for all channels (x added, subtracted)
    assert np.std(a / 2) == pytest.approx(1.0, rel=0.35)  # N(0, 1) (60 values)
    first, second = np.asarray(layer(x)), np.asarray(layer(x, training=False))
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(first, x + 2.0 * np.asarray(layer.noise_const), rtol=1e-6)

    per_channel = NoiseInjection(per_channel=True, seed=1)
    per_channel.build(x.shape)
    assert per_channel.strength.shape == (2,)
    per_channel.strength.assign([1.0, -3.0])
    noise = np.asarray(per_channel(x, training=True)) - x
    np.testing.assert_allclose(noise[..., 1], -3.0 * noise[..., 0], rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="static height and width"):
        NoiseInjection().build((None, None, None, 3))


def test_two_replicas_draw_the_noise_one_device_draws():
    x = np.zeros((8, 4, 4, 2), "float32")
    single = NoiseInjection(seed=5)
    single.build(x.shape)
    single.strength.assign(1.0)
    expected = [np.asarray(single(x, training=True)) for _ in range(2)]

    strategy = mirrored_strategy()
    with strategy.scope():
        layer = NoiseInjection(seed=5)
        layer.build(x.shape)
    layer.strength.assign(1.0)

    @tf.function
    def step(images):
        return strategy.run(lambda t: layer(t, training=True), args=(images,))

    for want in expected:  # two steps: the mirrored seed state advances as one device's does
        images = strategy.experimental_distribute_values_from_function(
            lambda ctx: tf.constant(x[ctx.replica_id_in_sync_group * 4 : (ctx.replica_id_in_sync_group + 1) * 4]))
        got = np.concatenate([t.numpy() for t in strategy.experimental_local_results(step(images))])
        np.testing.assert_array_equal(got, want)


# === StyleGAN's AdaIN ===

def test_style_modulation_sets_each_channels_mean_and_std_to_the_styles():
    x = _normal(12, (3, 6, 7, 4), scale=np.array([0.5, 2.0, 5.0, 1.0]), shift=np.array([-3.0, 0.0, 10.0, 1.0]))
    w = _normal(13, (3, 16))
    layer = StyleModulation()
    out = np.asarray(layer([x, w]))
    assert layer.affine.units == 8
    np.testing.assert_array_equal(layer.affine.bias, 0.0)
    styles = w @ (np.asarray(layer.affine.kernel, "float64") / np.sqrt(16))
    scale, shift = 1.0 + styles[:, :4], styles[:, 4:]
    np.testing.assert_allclose(out.mean(axis=(1, 2)), shift, atol=2e-5)
    np.testing.assert_allclose(out.std(axis=(1, 2)), np.abs(scale), rtol=1e-4, atol=1e-6)
    normalized = (x - x.mean(axis=(1, 2), keepdims=True)) / np.sqrt(x.var(axis=(1, 2), keepdims=True) + 1e-8)
    np.testing.assert_allclose(out, normalized * scale[:, None, None] + shift[:, None, None], rtol=1e-4, atol=1e-5)


# === Minibatch standard deviation ===

def _np_minibatch_std(x, group, channels, contiguous=True):
    n, height, width, c = x.shape
    y = x.astype("float64")
    y = y.reshape(n // group, group, height, width, channels, c // channels) if contiguous else \
        np.swapaxes(y.reshape(group, n // group, height, width, channels, c // channels), 0, 1)
    stat = np.sqrt(y.var(axis=1) + 1e-8).mean(axis=(1, 2, 4))  # [n/G, F]
    stat = np.repeat(stat, group, axis=0) if contiguous else np.tile(stat, (group, 1))
    return np.concatenate([x, np.broadcast_to(stat[:, None, None, :], (n, height, width, channels))], axis=-1)


def test_minibatch_std_matches_numpy_with_contiguous_groups():
    x = _normal(14, (8, 3, 5, 6), scale=np.linspace(0.5, 3, 6))
    out = np.asarray(MinibatchStdDev(group_size=4, num_channels=2)(x))
    np.testing.assert_allclose(out, _np_minibatch_std(x, 4, 2), rtol=1e-5)
    assert not np.allclose(out, _np_minibatch_std(x, 4, 2, contiguous=False), rtol=1e-3)  # not the strided groups
    # G = min(group_size, batch), as the reference
    np.testing.assert_allclose(MinibatchStdDev(group_size=4)(x[:2]), _np_minibatch_std(x[:2], 2, 1), rtol=1e-5)
    # a dynamic batch in a graph
    fn = tf.function(MinibatchStdDev(group_size=4), input_signature=[tf.TensorSpec((None, 3, 5, 6))])
    np.testing.assert_allclose(fn(x), _np_minibatch_std(x, 4, 1), rtol=1e-5)
    with pytest.raises(ValueError, match="not divisible by the group size 4"):
        MinibatchStdDev(group_size=4)(x[:6])
    with pytest.raises(ValueError, match="num_channels"):
        MinibatchStdDev(num_channels=4)(x)


def test_minibatch_std_groups_are_the_same_on_two_replicas():
    x = _normal(15, (8, 4, 4, 3))
    expected = _np_minibatch_std(x, 4, 1)
    np.testing.assert_allclose(MinibatchStdDev(group_size=4)(x), expected, rtol=1e-5)
    strategy = mirrored_strategy()
    with strategy.scope():
        layer = MinibatchStdDev(group_size=4)
    images = strategy.experimental_distribute_values_from_function(
        lambda ctx: tf.constant(x[ctx.replica_id_in_sync_group * 4 : (ctx.replica_id_in_sync_group + 1) * 4]))
    out = tf.function(lambda t: strategy.run(layer, args=(t,)))(images)
    got = np.concatenate([t.numpy() for t in strategy.experimental_local_results(out)])
    np.testing.assert_allclose(got, expected, rtol=1e-5)


# === Pixel norm and constant input ===

def test_pixel_norm_and_constant_input():
    z = _normal(16, (4, 12), scale=np.linspace(0.1, 10, 12))
    out = np.asarray(PixelNorm()(z))
    np.testing.assert_allclose(out, z / np.sqrt(np.mean(z.astype("float64") ** 2, axis=-1, keepdims=True) + 1e-8),
                               rtol=1e-5)
    np.testing.assert_allclose(np.mean(out ** 2, axis=-1), 1.0, rtol=1e-5)

    const = ConstantInput(8, size=4)
    out = np.asarray(const(_normal(17, (3, 16))))
    assert out.shape == (3, 4, 4, 8)
    for image in out:
        np.testing.assert_array_equal(image, np.asarray(const.const)[0])
    assert np.std(const.const) == pytest.approx(1.0, rel=0.2)  # N(0, 1), 128 values


# === Together: save/load, graph and jit, mixed precision ===

def _tiny_generator():
    w_in = keras.Input((16,), name="w")
    w = PixelNorm(name="pixel_norm")(w_in)
    w = EqualizedDense(16, lr_multiplier=0.01, activation="lrelu", name="mapping")(w)
    x = ConstantInput(8, name="const")(w)
    x = ModulatedConv2D(8, 3, name="conv")([x, w])
    x = NoiseInjection(name="noise", seed=3)(x)
    x = EqualizedConv2D(8, 3, activation="lrelu", name="eq_conv")(x)
    x = NoiseInjection(per_channel=True, name="noise_v1")(x)
    x = StyleModulation(name="style")([x, w])
    x = MinibatchStdDev(group_size=2, name="mbstd")(x)
    x = ModulatedConv2D(3, 1, demodulate=False, style_gain=1 / 3, name="to_rgb")([x, w])
    model = keras.Model(w_in, x)
    model.get_layer("noise").strength.assign(0.5)
    model.get_layer("noise_v1").strength.assign(np.linspace(-1, 1, 8))
    return model


def test_saved_and_loaded_model_gives_identical_outputs(tmp_path):
    model = _tiny_generator()
    model.save(tmp_path / "g.keras")
    loaded = keras.models.load_model(tmp_path / "g.keras")
    w = _normal(18, (4, 16))
    np.testing.assert_array_equal(loaded(w), model(w))  # the constant noise buffers are saved
    # Keras does not save SeedGenerator states (the adversarial models save those of their networks' layers):
    # the noise layers track theirs as keras.layers.Dropout does
    for name in ("noise", "noise_v1"):
        layer = loaded.get_layer(name)
        assert any(v is layer.seed_generator.state for v in layer.variables)
    for name in ("mapping", "const", "conv", "noise", "eq_conv", "noise_v1", "style", "mbstd", "to_rgb"):
        assert loaded.get_layer(name).get_config() == model.get_layer(name).get_config(), name
    assert loaded.get_layer("mapping").lr_multiplier == 0.01 and loaded.get_layer("to_rgb").demodulate is False


def test_graph_jit_and_mixed_bfloat16():
    model = _tiny_generator()
    w = _normal(19, (4, 16))
    np.testing.assert_allclose(tf.function(model)(w), model(w), rtol=1e-5, atol=1e-6)

    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        mixed = _tiny_generator()
    finally:
        keras.mixed_precision.set_global_policy("float32")
    mixed.set_weights(model.get_weights())
    assert all(v.dtype == "float32" for v in mixed.weights if v.dtype != "int64")
    out = mixed(w)
    assert out.dtype == "bfloat16"
    reference = np.asarray(model(w))
    assert np.abs(np.asarray(out, "float32") - reference).max() < 0.05 * np.abs(reference).max()

    @tf.function(jit_compile=True)
    def step(w):
        with tf.GradientTape() as tape:
            y = mixed(w, training=True)
            loss = tf.reduce_mean(tf.square(tf.cast(y, "float32")))
        return y, tape.gradient(loss, mixed.trainable_weights)

    y, grads = step(w)
    assert y.dtype == "bfloat16" and np.all(np.isfinite(np.asarray(y, "float32")))
    assert all(np.all(np.isfinite(g)) for g in grads) and len(grads) == len(mixed.trainable_weights)


def test_bfloat16_statistics_are_computed_in_float32():
    """Channels far from zero mean: bfloat16 means/variances would lose the spread entirely (resolution 0.5 at
    100), float32 statistics of the bfloat16 inputs normalize them exactly."""
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        style, mbstd = StyleModulation(), MinibatchStdDev(group_size=4)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    x = np.asarray(tf.cast(_normal(20, (4, 8, 8, 4), scale=2.0, shift=100.0), "bfloat16"), "float32")  # exact inputs
    w = _normal(21, (4, 8))
    out = style([x, w])
    assert out.dtype == "bfloat16"
    styles = w @ (np.asarray(style.affine.kernel, "float64") / np.sqrt(8))
    np.testing.assert_allclose(np.asarray(out, "float32").std(axis=(1, 2)), np.abs(1 + styles[:, :4]), rtol=2e-2)
    stat = np.asarray(mbstd(x), "float32")[..., -1]
    np.testing.assert_allclose(stat, _np_minibatch_std(x, 4, 1)[..., -1], rtol=1e-2)
