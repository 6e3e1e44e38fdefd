"""DiffAugment follows the reference DiffAugment_tf.py (mit-han-lab/data-efficient-gans) transform by transform."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.layers.diffaugment import DEFAULT_POLICY, POLICIES, DiffAugment
from tests.model_checks import mirrored_strategy


def _rgb(fashion, n, start=0):
    """``n`` colour images in [-1, 1]: three different real garments as the R, G and B channels."""
    images = fashion[0]
    return np.concatenate([images[start + k * n : start + (k + 1) * n] for k in range(3)], axis=-1)


def _coded(n, height, width, channels):
    """Images whose every pixel value is distinct and positive, so a shift is identified by the values."""
    values = np.arange(1, height * width * channels + 1, dtype="float32") / (height * width * channels)
    return np.broadcast_to(values.reshape(1, height, width, channels), (n, height, width, channels)).copy()


def _np_shift(images, ty, tx):
    """``out[i, j] = images[i + ty, j + tx]``, zero where that is outside the image."""
    out = np.zeros_like(images)
    height, width = images.shape[-3:-1]
    rows, cols = slice(max(0, -ty), min(height, height - ty)), slice(max(0, -tx), min(width, width - tx))
    src_rows, src_cols = slice(max(0, ty), min(height, height + ty)), slice(max(0, tx), min(width, width + tx))
    out[..., rows, cols, :] = images[..., src_rows, src_cols, :]
    return out


def _find_shifts(inputs, outputs, shift_h, shift_w):
    """The (ty, tx) in ``[-shift_h, shift_h] x [-shift_w, shift_w]`` that reproduce each output (searched)."""
    found = [[] for _ in range(len(inputs))]
    for ty in range(-shift_h, shift_h + 1):
        for tx in range(-shift_w, shift_w + 1):
            match = np.all(_np_shift(inputs, ty, tx) == outputs, axis=(1, 2, 3))
            for i in np.flatnonzero(match):
                found[i].append((ty, tx))
    return found


@pytest.mark.parametrize("policy", ["color", "translation", "cutout", DEFAULT_POLICY])
def test_shape_dtype_and_identity(fashion, policy):
    x = _rgb(fashion, 4)
    for dtype in ("float32", "bfloat16", "float16"):
        images = tf.cast(x, dtype)
        out = DiffAugment(policy, seed=1)(images)
        assert out.shape == images.shape and out.dtype == images.dtype
        # reduced precision is augmented in float32 and rounded once at the end
        reference = DiffAugment(policy, seed=1)(tf.cast(images, "float32"))
        np.testing.assert_array_equal(out.numpy(), tf.cast(reference, dtype).numpy())
    out = DiffAugment(policy, seed=1)(x)
    assert np.mean(np.abs(out.numpy() - x)) > 1e-2
    # training=False and the empty policy give the images back untouched
    np.testing.assert_array_equal(DiffAugment(policy, seed=1)(x, training=False), x)
    for empty in ("", []):
        np.testing.assert_array_equal(DiffAugment(empty, seed=1)(x), x)


@pytest.mark.parametrize("channels", [1, 3])
def test_translation_is_an_integer_shift_with_zero_fill(fashion, channels):
    # real garments: their background is -1, so the zero fill is visible
    x = fashion[0][:8] if channels == 1 else _rgb(fashion, 8)
    out = DiffAugment("translation", seed=2)(x).numpy()
    found = _find_shifts(x, out, 4, 4)  # int(28 * 0.125 + 0.5) = 4 (the reference rounds half up)
    assert all(len(shifts) == 1 for shifts in found), found
    assert len({shifts[0] for shifts in found}) > 1, "every image got the same shift"

    # many images of H != W: the shifts cover exactly [-s, s] per axis, both ends included
    coded = _coded(512, 28, 20, channels)
    out = DiffAugment("translation", seed=3)(coded).numpy()
    found = _find_shifts(coded, out, 6, 6)
    assert all(len(shifts) == 1 for shifts in found)
    assert {s[0][0] for s in found} == set(range(-4, 5))  # int(28 * 0.125 + 0.5)
    assert {s[0][1] for s in found} == set(range(-3, 4))  # int(20 * 0.125 + 0.5)
    # a different ratio changes the range
    out = DiffAugment("translation", translation_ratio=0.25, seed=3)(coded[:256]).numpy()
    found = _find_shifts(coded[:256], out, 8, 8)
    assert {s[0][0] for s in found} == set(range(-7, 8)) and {s[0][1] for s in found} == set(range(-5, 6))


def _zero_rectangle(zero):
    """``zero`` [H, W] bool -> (rows, cols) as index arrays, asserting it is one filled rectangle."""
    rows, cols = np.flatnonzero(zero.any(axis=1)), np.flatnonzero(zero.any(axis=0))
    assert len(rows) and np.all(np.diff(rows) == 1) and np.all(np.diff(cols) == 1)
    expected = np.zeros_like(zero)
    expected[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1] = True
    np.testing.assert_array_equal(zero, expected)
    return rows, cols


def test_cutout_zeros_one_clipped_rectangle_per_image(fashion):
    height, width = 28, 30  # cut 14 x 15: an even and an odd side
    ones = np.ones((512, height, width, 3), "float32")
    out = DiffAugment("cutout", seed=4)(ones).numpy()
    assert set(np.unique(out)) == {0.0, 1.0}
    assert np.all(out == out[..., :1]), "every channel shares the mask"
    heights, widths, tops, lefts, bottoms, rights = [], [], [], [], [], []
    for image in out[..., 0]:
        rows, cols = _zero_rectangle(image == 0)
        heights.append(len(rows)), widths.append(len(cols))
        tops.append(rows[0]), bottoms.append(rows[-1]), lefts.append(cols[0]), rights.append(cols[-1])
        # the square's corner o - size // 2, o in [0, size + 1 - size % 2): it is clipped, never shrunk otherwise
        assert len(rows) == 14 or rows[0] == 0 or rows[-1] == height - 1
        assert len(cols) == 15 or cols[0] == 0 or cols[-1] == width - 1
    # the extreme offsets of the reference: corners from -7 to H - 7 (even side) and W - 8 (odd side)
    assert max(heights) == 14 and min(heights) == 14 - 7
    assert max(widths) == 15 and min(widths) == 15 - 7
    assert min(tops) == 0 and max(tops) == height - 7 and min(bottoms) == 6 and max(bottoms) == height - 1
    assert min(lefts) == 0 and max(lefts) == width - 8 and min(rights) == 7 and max(rights) == width - 1

    # on real images: the same draws (same seed) zero the same rectangle and leave the rest as it was
    x = _rgb(fashion, 8)
    mask = DiffAugment("cutout", seed=5)(np.ones_like(x)).numpy()
    np.testing.assert_array_equal(DiffAugment("cutout", seed=5)(x).numpy(), x * mask)
    # a smaller ratio: int(28 * 0.3 + 0.5) = 8
    out = DiffAugment("cutout", cutout_ratio=0.3, seed=6)(np.ones((64, 28, 28, 1), "float32")).numpy()
    assert max(len(_zero_rectangle(image == 0)[0]) for image in out[..., 0]) == 8


def test_color_is_brightness_then_saturation_then_contrast(fashion):
    """Recover each image's three factors from the output and check the reference formulas with them."""
    x = _rgb(fashion, 64).astype("float64")
    out = DiffAugment("color", seed=7)(x.astype("float32")).numpy().astype("float64")
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    pixel_mean = x.mean(axis=3, keepdims=True)
    out_pixel_mean = out.mean(axis=3, keepdims=True)
    # brightness moves the image mean; saturation keeps each pixel's channel mean; contrast keeps the image mean
    brightness = out.mean(axis=(1, 2, 3), keepdims=True) - mean
    # channel means: (m_c - M) * contrast + M + brightness
    a, b = pixel_mean - mean, out_pixel_mean - mean - brightness
    contrast = (a * b).sum(axis=(1, 2, 3), keepdims=True) / (a * a).sum(axis=(1, 2, 3), keepdims=True)
    # deviations from the channel mean: (x - m_c) * saturation * contrast
    a, b = x - pixel_mean, out - out_pixel_mean
    saturation = (a * b).sum(axis=(1, 2, 3), keepdims=True) / (a * a).sum(axis=(1, 2, 3), keepdims=True) / contrast
    expected = ((x - pixel_mean) * saturation + pixel_mean - mean) * contrast + mean + brightness
    np.testing.assert_allclose(out, expected, atol=1e-5)
    assert np.all((-0.5 <= brightness) & (brightness < 0.5))
    assert np.all((0 <= saturation) & (saturation < 2))
    assert np.all((0.5 <= contrast) & (contrast < 1.5))
    # drawn per image, over the whole of each range
    for factor, low, high in ((brightness, -0.5, 0.5), (saturation, 0, 2), (contrast, 0.5, 1.5)):
        margin = (high - low) / 8
        assert factor.min() < low + margin and factor.max() > high - margin, (factor.min(), factor.max())

    # one channel: saturation is the identity, the image is (x - M) * contrast + M + brightness
    gray = fashion[0][:8].astype("float64")
    out = DiffAugment("color", seed=8)(gray.astype("float32")).numpy().astype("float64")
    mean = gray.mean(axis=(1, 2, 3), keepdims=True)
    contrast = out.std(axis=(1, 2, 3), keepdims=True) / gray.std(axis=(1, 2, 3), keepdims=True)
    brightness = out.mean(axis=(1, 2, 3), keepdims=True) - mean
    np.testing.assert_allclose(out, (gray - mean) * contrast + mean + brightness, atol=1e-5)
    assert np.all((0.5 <= contrast) & (contrast < 1.5)) and np.all(np.abs(brightness) <= 0.5)


@pytest.mark.parametrize("policy", ["color", "translation", "cutout", DEFAULT_POLICY])
def test_gradients_reach_the_images_in_a_graph(fashion, policy):
    layer = DiffAugment(policy, seed=9)
    rng = np.random.default_rng(0)
    weights = tf.constant(rng.normal(size=(1, 28, 28, 3)), tf.float32)

    @tf.function(input_signature=[tf.TensorSpec([None, 28, 28, 3], tf.float32)])
    def step(images):
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(images)
            out = layer(images)
            weighted = tf.reduce_sum(out * weights)
            total = tf.reduce_sum(out)
        return out, tape.gradient(weighted, images), tape.gradient(total, images)

    for x in (_rgb(fashion, 6), _coded(6, 28, 28, 3)):
        state = layer.seed_generator.state.numpy()
        out, grad, grad_sum = (t.numpy() for t in step(x))
        assert np.all(np.isfinite(grad)) and np.all(np.any(grad != 0, axis=(1, 2, 3)))
        # every transform is affine in the images for fixed draws: with the same draws (state restored)
        # the gradient predicts the change of the output exactly
        delta = rng.normal(scale=0.1, size=x.shape).astype("float32")
        layer.seed_generator.state.assign(state)
        moved = step(x + delta)[0].numpy()
        np.testing.assert_allclose(np.sum((moved - out) * weights.numpy(), axis=(1, 2, 3)),
                                   np.sum(grad * delta, axis=(1, 2, 3)), rtol=1e-4, atol=1e-4)
    if policy == "cutout":  # d out / d x is the mask
        np.testing.assert_array_equal(grad_sum, (out != 0).astype("float32"))
    if policy == "translation":  # each input pixel that lands in the output receives exactly its weight
        landed = np.zeros_like(x, dtype=bool)
        for i in range(len(x)):
            landed[i].flat[np.round(out[i][out[i] != 0] * x[i].size).astype(int) - 1] = True
        np.testing.assert_array_equal(grad_sum, landed.astype("float32"))
    assert not np.array_equal(step(x)[0].numpy(), out), "the seed state must advance between calls"


def test_seeds_state_tracking_and_serialization(fashion):
    x = _rgb(fashion, 8)
    layer = DiffAugment(["translation", "cutout"], translation_ratio=0.25, cutout_ratio=0.25, seed=10)
    assert layer._seed_generators == [layer.seed_generator]
    first, second = layer(x).numpy(), layer(x).numpy()
    again = DiffAugment("translation,cutout", translation_ratio=0.25, cutout_ratio=0.25, seed=10)
    np.testing.assert_array_equal(again(x), first)
    np.testing.assert_array_equal(again(x), second)
    assert not np.array_equal(first, second)
    assert not np.array_equal(DiffAugment("translation,cutout", seed=11)(x), DiffAugment("translation,cutout",
                                                                                         seed=12)(x))

    config = layer.get_config()
    assert config["policy"] == "translation,cutout"
    assert (config["translation_ratio"], config["cutout_ratio"], config["seed"]) == (0.25, 0.25, 10)
    restored = keras.layers.deserialize(keras.layers.serialize(layer))
    assert type(restored) is DiffAugment and restored.get_config() == config
    np.testing.assert_array_equal(restored(x), first)

    # the state is the layer's: restoring it repeats the draws (what the models' save/load does)
    state = layer.seed_generator.state.numpy()
    third = layer(x).numpy()
    layer.seed_generator.state.assign(state)
    np.testing.assert_array_equal(layer(x), third)
    assert DiffAugment().get_config()["policy"] == DEFAULT_POLICY == ",".join(POLICIES)


def test_bad_arguments_name_the_problem():
    with pytest.raises(ValueError, match=r"'bogus'.*color, translation, cutout"):
        DiffAugment("color,bogus")
    with pytest.raises(ValueError, match="'Color'"):
        DiffAugment(["Color"])
    for bad in (0, -0.1, 1.5, True, "0.1"):
        with pytest.raises(ValueError, match="translation_ratio"):
            DiffAugment(translation_ratio=bad)
        with pytest.raises(ValueError, match="cutout_ratio"):
            DiffAugment(cutout_ratio=bad)
    DiffAugment(translation_ratio=1, cutout_ratio=1.0)
    with pytest.raises(ValueError, match="static H and W"):
        tf.function(DiffAugment(seed=1), input_signature=[tf.TensorSpec([None, None, None, 1])]).get_concrete_function()


def test_two_replicas_augment_as_one_device(fashion):
    """Each replica draws for the global batch of 8 and keeps its rows: the concatenation is one device's output."""
    x = _rgb(fashion, 8)
    single = DiffAugment(seed=13)
    expected = [single(x).numpy() for _ in range(2)]

    strategy = mirrored_strategy()
    assert strategy.num_replicas_in_sync == 2
    with strategy.scope():
        layer = DiffAugment(seed=13)

    @tf.function
    def step(images):
        return strategy.run(layer, args=(images,))

    for want in expected:  # two steps: the mirrored seed state advances as one device's does
        images = strategy.experimental_distribute_values_from_function(
            lambda ctx: tf.constant(x[ctx.replica_id_in_sync_group * 4 : (ctx.replica_id_in_sync_group + 1) * 4]))
        got = np.concatenate([t.numpy() for t in strategy.experimental_local_results(step(images))])
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)  # exact on this CPU
        # the transforms' integer parts agree exactly: the same pixels are zero (cut out or shifted in)
        np.testing.assert_array_equal(got == 0, want == 0)
    np.testing.assert_array_equal(layer.seed_generator.state.numpy(), single.seed_generator.state.numpy())
