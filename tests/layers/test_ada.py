"""AdaptiveAugment: the ADA pipeline (Karras et al. 2020) and its p controller."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.layers.ada import AdaptiveAugment
from tests.model_checks import mirrored_strategy


def _images(n, size=32, channels=3, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, size=(n, size, size, channels)).astype("float32")


def _only(*transforms, p=1.0, seed=3, **kwargs):
    """A layer at probability ``p`` that runs only ``transforms`` (the ``_enabled`` testing hook)."""
    layer = AdaptiveAugment(initial_p=p, seed=seed, **kwargs)
    layer._enabled = frozenset(transforms)
    return layer


def _changed(out, x):
    return np.any(out != x, axis=(1, 2, 3))


# === The pipeline ===

@pytest.mark.parametrize("dtype", ["float32", "bfloat16", "float16"])
@pytest.mark.parametrize("channels", [1, 3])
def test_shape_and_dtype_are_kept_with_an_unknown_batch(dtype, channels):
    layer = AdaptiveAugment(initial_p=1.0, seed=1)
    f = tf.function(layer, input_signature=[tf.TensorSpec([None, 28, 28, channels], dtype)])
    out = f(tf.cast(_images(5, 28, channels), dtype))
    assert out.shape == (5, 28, 28, channels) and out.dtype == dtype
    assert np.all(np.isfinite(out.numpy().astype("float32")))


def test_p_zero_and_inference_are_the_identity():
    x = _images(6)
    layer = AdaptiveAugment(seed=1)
    state = layer.seed_generator.state.numpy().copy()
    np.testing.assert_array_equal(layer(x).numpy(), x)
    np.testing.assert_array_equal(state, layer.seed_generator.state.numpy())  # p = 0: nothing drawn
    np.testing.assert_array_equal(AdaptiveAugment(initial_p=1.0, seed=1)(x, training=False).numpy(), x)
    # Through a model: predict (training=False) passes images through, a plain call augments.
    inputs = keras.Input((32, 32, 3))
    model = keras.Model(inputs, AdaptiveAugment(initial_p=1.0, seed=1)(inputs))
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    assert np.any(model(x).numpy() != x)


def test_tiny_p_runs_the_pipeline_but_samples_without_transforms_are_exact():
    """With p > 0 but every gate closed, the resampling and colour matrix reproduce the input bit for bit."""
    x = _images(8)
    layer = AdaptiveAugment(initial_p=1e-7, seed=2)
    state = layer.seed_generator.state.numpy().copy()
    np.testing.assert_array_equal(layer(x).numpy(), x)
    assert np.any(state != layer.seed_generator.state.numpy())  # the draws did happen


def test_gradients_are_finite_nonzero_and_the_exact_adjoint():
    x = tf.constant(_images(4))
    y = tf.constant(_images(4, seed=1))
    for pipeline in ("bgc", "bg"):
        layer = AdaptiveAugment(initial_p=1.0, pipeline=pipeline, seed=4)

        @tf.function
        def value_and_grad(x, y):
            with tf.GradientTape() as tape:
                tape.watch(x)
                loss = tf.reduce_sum(layer(x) * y)
            return loss, tape.gradient(loss, x)

        loss, grad = value_and_grad(x, y)
        grad = grad.numpy()
        assert np.all(np.isfinite(grad)) and np.any(grad != 0)
        if pipeline == "bg":
            # Geometry is linear in the images: <A x, y> = <x, A^T y>. A gradient that warps by the inverse
            # transform (ImageProjectiveTransformV3's) fails this.
            np.testing.assert_allclose(np.sum(grad * x.numpy()), float(loss), rtol=1e-4)


def test_x_flip_flips_exactly_half_the_samples_at_p_one():
    x = _images(32)
    out = _only("xflip")(x).numpy()
    flipped = np.array([np.array_equal(o, np.flip(xi, axis=1)) for o, xi in zip(out, x)])
    same = np.array([np.array_equal(o, xi) for o, xi in zip(out, x)])
    assert np.all(flipped | same)
    assert 0 < flipped.sum() < 32


def test_rotate90_is_an_exact_rotation_and_every_quarter_turn_occurs():
    x = _images(64, size=16)
    out = _only("rotate90")(x).numpy()
    turns = []
    for o, xi in zip(out, x):
        k = [k for k in range(4) if np.array_equal(o, np.rot90(xi, k, axes=(0, 1)))]
        assert len(k) == 1
        turns += k
    assert set(turns) == {0, 1, 2, 3}


def test_integer_translation_moves_content_by_whole_pixels_with_reflect_fill():
    x = _images(32)
    out = _only("xint")(x).numpy()
    m = 4  # round(0.125 * 32)
    shifts = []
    for o, xi in zip(out, x):
        padded = np.pad(xi, ((m, m), (m, m), (0, 0)), mode="reflect")
        found = [(dy, dx) for dy in range(-m, m + 1) for dx in range(-m, m + 1)
                 if np.array_equal(o, padded[m - dy:m - dy + 32, m - dx:m - dx + 32])]
        assert len(found) == 1
        shifts += found
    assert len(set(shifts)) > 5 and max(abs(s) for shift in shifts for s in shift) == m


def test_x_flip_happens_with_probability_half_p():
    x = _images(2000, size=4, channels=1)
    fraction = _changed(_only("xflip", p=0.5)(x).numpy(), x).mean()
    assert abs(fraction - 0.25) < 0.04, fraction


def test_pre_or_post_rotation_happens_with_probability_p():
    """The reference's p_rot = 1 - sqrt(1 - p) for each of the two rotations: P(pre or post) = p."""
    x = _images(2000, size=4, channels=1)
    fraction = _changed(_only("rotate", p=0.5)(x).numpy(), x).mean()
    assert abs(fraction - 0.5) < 0.04, fraction


def test_scaling_keeps_the_centre_pixel_and_changes_the_rest():
    """Isotropic scaling is about the image centre: for odd sizes the centre pixel maps to itself."""
    x = _images(16, size=15)
    out = _only("scale")(x).numpy()
    np.testing.assert_allclose(out[:, 7, 7], x[:, 7, 7], atol=1e-5)
    assert _changed(out, x).mean() > 0.9


def test_full_pipeline_keeps_images_in_a_sane_range():
    x = _images(64)
    out = AdaptiveAugment(initial_p=1.0, seed=5)(x).numpy()
    assert np.all(np.isfinite(out)) and np.abs(out).max() < 20
    assert 0.5 < out.std() < 3
    assert _changed(out, x).all()


def test_brightness_adds_and_contrast_multiplies_per_sample():
    x = _images(16)
    offset = _only("brightness")(x).numpy() - x
    np.testing.assert_allclose(offset, offset[:, :1, :1, :1] * np.ones_like(x), atol=1e-6)
    assert 0.05 < np.abs(offset[:, 0, 0, 0]).mean() < 0.5  # std 0.2
    ratio = _only("contrast")(x).numpy() / x
    np.testing.assert_allclose(ratio, ratio[:, :1, :1, :1] * np.ones_like(x), rtol=1e-5)
    assert np.all(ratio > 0) and np.any(np.abs(ratio[:, 0, 0, 0] - 1) > 0.1)


@pytest.mark.parametrize("channels", [1, 3])
def test_luma_flip_maps_a_grey_image_to_its_negative(channels):
    grey = np.repeat(_images(32, channels=1), channels, axis=-1)
    out = _only("lumaflip")(grey).numpy()
    negated = np.all(np.isclose(out, -grey, atol=1e-6), axis=(1, 2, 3))
    same = np.all(out == grey, axis=(1, 2, 3))
    assert np.all(negated | same) and 0 < negated.sum() < 32


def test_hue_rotates_about_the_luma_axis_and_saturation_scales_chroma():
    x = _images(16)
    luma = x.mean(axis=-1, keepdims=True)
    chroma = x - luma
    hue = _only("hue")(x).numpy()
    np.testing.assert_allclose(hue.mean(axis=-1, keepdims=True), luma, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(hue - luma, axis=-1), np.linalg.norm(chroma, axis=-1),
                               rtol=1e-4, atol=1e-5)
    assert _changed(hue, x).all()
    sat = _only("saturation")(x).numpy()
    np.testing.assert_allclose(sat.mean(axis=-1, keepdims=True), luma, atol=1e-5)
    scale = np.sum((sat - luma) * chroma, axis=(1, 2, 3)) / np.sum(chroma**2, axis=(1, 2, 3))
    np.testing.assert_allclose(sat - luma, scale[:, None, None, None] * chroma, atol=1e-5)
    assert np.all(scale > 0) and np.any(np.abs(scale - 1) > 0.1)


def test_grayscale_ignores_hue_and_saturation():
    x = _images(8, channels=1)
    np.testing.assert_array_equal(_only("hue", "saturation")(x).numpy(), x)
    assert AdaptiveAugment(initial_p=1.0, pipeline="c", seed=1)(_images(4, channels=2)).shape == (4, 32, 32, 2)


# === The p controller ===

def test_p_moves_by_interval_times_batch_over_speed_and_stays_clipped():
    layer = AdaptiveAugment(interval=4, speed_kimg=500)
    observe = tf.function(layer.observe)
    step = np.float32(4 * 8) / np.float32(500 * 1000)
    for _ in range(3):
        observe(tf.ones((8, 1)))
    assert float(layer.p.numpy()) == 0.0 and float(layer.sign_sum.numpy()) == 24.0
    observe(tf.ones((8, 1)))
    assert layer.p.numpy() == step
    assert float(layer.sign_sum.numpy()) == 0.0 and float(layer.sign_count.numpy()) == 0.0
    for _ in range(4):
        observe(tf.ones((8, 1)))
    assert layer.p.numpy() == np.float32(step + step)
    for _ in range(12):
        observe(-tf.ones((8, 1)))
    assert float(layer.p.numpy()) == 0.0 and int(layer.step.numpy()) == 20

    high = AdaptiveAugment(interval=1, speed_kimg=0.001, initial_p=0.99)
    high.observe(tf.ones((8, 1)))
    assert float(high.p.numpy()) == 1.0


def test_observe_returns_the_batch_mean_sign_and_r_t_equal_to_target_keeps_p():
    layer = AdaptiveAugment(interval=1, target=0.6)
    r = layer.observe(tf.constant([[2.0], [1.0], [0.5], [3.0], [-1.0]]))
    assert float(r) == pytest.approx(0.6) and float(layer.p.numpy()) == 0.0
    # patch logits count as their per-sample mean sign: r_t = (1 + 0.5) / 2
    r = layer.observe(tf.constant([[1.0, 1.0, 2.0, 1.0], [1.0, -1.0, 1.0, 1.0]])[..., None])
    assert float(r) == 0.75 and layer.p.numpy() == np.float32(2) / np.float32(500000)


def test_p_accumulators_and_seed_state_survive_a_keras_round_trip(tmp_path):
    inputs = keras.Input((32, 32, 3))
    layer = AdaptiveAugment(interval=2, speed_kimg=0.1, seed=5, name="ada")
    model = keras.Model(inputs, layer(inputs))
    for _ in range(3):
        layer.observe(tf.ones((4, 1)))
    x = _images(4)
    model(x)
    path = str(tmp_path / "ada.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    twin = loaded.get_layer("ada")
    assert type(twin) is AdaptiveAugment and twin.get_config() == layer.get_config()
    assert 0 < float(twin.p.numpy()) == float(layer.p.numpy())
    assert float(twin.sign_sum.numpy()) == 4.0 and float(twin.sign_count.numpy()) == 4.0
    assert int(twin.step.numpy()) == 3
    np.testing.assert_array_equal(twin.seed_generator.state.numpy(), layer.seed_generator.state.numpy())
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())
    np.testing.assert_array_equal([w.numpy() for w in twin.weights], [w.numpy() for w in layer.weights])


# === Two replicas == one device ===

def test_two_replicas_observe_and_augment_exactly_like_one_device():
    strategy = mirrored_strategy()
    assert strategy.num_replicas_in_sync == 2
    x = _images(8)
    # r_t is 0.5 on the first replica's half and 1 on the second's: only the global 0.75 > 0.6 raises p.
    logits = np.array([[1.0], [2.0], [-1.0], [3.0], [1.0], [1.0], [2.0], [0.5]], "float32")
    kwargs = dict(interval=2, speed_kimg=0.1, initial_p=0.5, seed=11)

    single = AdaptiveAugment(**kwargs)
    single_step = tf.function(lambda images, real_logits: (single(images), single.observe(real_logits)))
    expected_out, expected_r = [], []
    for _ in range(3):
        out, r = single_step(tf.constant(x), tf.constant(logits))
        expected_out.append(out.numpy())
        expected_r.append(float(r))

    with strategy.scope():
        replicated = AdaptiveAugment(**kwargs)

    def halves(array):
        return strategy.experimental_distribute_values_from_function(
            lambda ctx: tf.constant(array[4 * ctx.replica_id_in_sync_group:4 * (ctx.replica_id_in_sync_group + 1)]))

    @tf.function
    def step(images, real_logits):
        return replicated(images), replicated.observe(real_logits)

    for i in range(3):
        out, r = strategy.run(step, args=(halves(x), halves(logits)))
        np.testing.assert_array_equal(np.concatenate([t.numpy() for t in strategy.experimental_local_results(out)]),
                                      expected_out[i])
        assert [float(t) for t in strategy.experimental_local_results(r)] == [expected_r[i]] * 2
    for name in ("p", "sign_sum", "sign_count", "step"):
        want = getattr(single, name).numpy()
        got = [v.numpy() for v in strategy.experimental_local_results(getattr(replicated, name).value)]
        assert got == [want, want], name
    assert single.p.numpy() == np.float32(0.5) + np.float32(16) / np.float32(100)
    np.testing.assert_array_equal(replicated.seed_generator.state.numpy(), single.seed_generator.state.numpy())


# === Arguments ===

@pytest.mark.parametrize("kwargs,name", [
    ({"target": 0.0}, "target"), ({"target": 1.0}, "target"), ({"target": "0.6"}, "target"),
    ({"interval": 0}, "interval"), ({"interval": 2.5}, "interval"), ({"interval": True}, "interval"),
    ({"speed_kimg": 0}, "speed_kimg"), ({"speed_kimg": -5}, "speed_kimg"),
    ({"initial_p": -0.1}, "initial_p"), ({"initial_p": 1.5}, "initial_p"),
    ({"pipeline": ""}, "pipeline"), ({"pipeline": "bgg"}, "pipeline"), ({"pipeline": 3}, "pipeline"),
])
def test_bad_arguments_raise_naming_them(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        AdaptiveAugment(**kwargs)


def test_unknown_pipeline_letters_are_named():
    with pytest.raises(ValueError, match="unknown letters 'fnx'"):
        AdaptiveAugment(pipeline="bgcfnx")


def test_config_round_trip():
    layer = AdaptiveAugment(target=0.5, interval=8, speed_kimg=100, initial_p=0.2, pipeline="gc", seed=9)
    clone = AdaptiveAugment.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert float(clone.p.numpy()) == pytest.approx(0.2) and clone._enabled == layer._enabled
