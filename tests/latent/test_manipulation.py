"""Generative visual manipulation (iGAN, Zhu et al. 2016): colour strokes and sketches move G(z) towards them while
the rest of the image stays close to the start; the morph runs from the start to the edit; bad input is clear."""

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import EBGAN, ConditionalGAN
from keras_gans.latent import edge_strength, manipulate, strokes_from_rgba
from keras_gans.latent.manipulation import dilate
from tests.latent.conftest import TRAIN


def stroke_mask(rng, num, size=28, strokes=3, width=2):
    """Horizontal strokes: ``strokes`` bands of ``width`` rows over the middle half of the image."""
    mask = np.zeros((num, size, size), "float32")
    for i in range(num):
        for row in rng.choice(np.arange(6, size - 6), strokes, replace=False):
            mask[i, row:row + width, size // 4: 3 * size // 4] = 1.0
    return mask


def test_colour_strokes_from_real_garments_are_followed_and_the_rest_kept(tiny_dcgan, fashion):
    """Strokes sampled from held-out garments: the colour error falls by more than half, the keep region moves
    far less than the strokes, and the morph starts at G(z0) and ends at the edit."""
    targets = fashion[0][TRAIN:TRAIN + 6]
    mask = stroke_mask(np.random.default_rng(0), 6)
    result = manipulate(tiny_dcgan, seed=3, num=6, colors=targets, color_mask=mask, iterations=150)
    before, after = result.color_error["before"], result.color_error["after"]
    assert np.all(after < 0.5 * before), (before, after)
    assert np.all(result.keep_error["before"] == 0.0)  # a seed start: G(z0) is the start image
    assert np.all(result.keep_error["after"] < 0.25 * before), (result.keep_error["after"], before)
    np.testing.assert_allclose(result.start_images, tiny_dcgan.generate(6, seed=3), atol=1e-5)
    assert result.morph.shape == (6, 8, 28, 28, 1)
    np.testing.assert_allclose(result.morph[:, 0], result.start_images, atol=1e-5)
    np.testing.assert_allclose(result.morph[:, -1], result.images, atol=1e-5)
    assert np.abs(result.latents - result.start_latents).max() > 0.01


def test_a_sketch_draws_edges_along_its_lines(tiny_dcgan):
    mask = np.zeros((28, 28), "float32")
    mask[4:24, 14] = 1.0  # a vertical line down the middle
    result = manipulate(tiny_dcgan, seed=5, num=4, sketch_mask=mask, iterations=150)
    before, after = result.sketch_error["before"], result.sketch_error["after"]
    assert np.all(after < before) and after.mean() < 0.7 * before.mean(), (before, after)


def test_an_image_start_is_projected_first(tiny_dcgan, fashion):
    image = fashion[0][TRAIN + 10]
    mask = np.zeros((28, 28), "float32")
    mask[10:14, 8:20] = 1.0
    result = manipulate(tiny_dcgan, images=image, colors=np.ones((1, 28, 28, 1), "float32"), color_mask=mask,
                        iterations=100, invert_kwargs=dict(iterations=100, restarts=2))
    np.testing.assert_array_equal(result.start_images[0], image)  # the keep region compares with the given image
    assert result.keep_error["before"][0] > 0  # the projection is not exact
    assert result.color_error["after"][0] < result.color_error["before"][0]


def test_edge_strength_finds_a_step_and_is_differentiable():
    images = -np.ones((1, 8, 8, 1), "float32")
    images[:, :, 4:] = 1.0  # black | white
    edges = edge_strength(tf.constant(images)).numpy()[0]
    assert np.all(edges[:, 3:5] == 1.0) and np.all(edges[:, :2] < 1e-4) and np.all(edges[:, 6:] < 1e-4)  # (sqrt eps)
    x = tf.Variable(np.zeros((1, 8, 8, 3), "float32"))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(edge_strength(x))
    assert np.isfinite(tape.gradient(loss, x).numpy()).all()


def test_rgba_drawings_become_strokes():
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[1, 2] = (255, 0, 0, 255)
    colors, mask = strokes_from_rgba(rgba)
    assert colors.shape == (1, 4, 4, 3) and mask.shape == (1, 4, 4) and mask.sum() == 1 and mask[0, 1, 2] == 1
    np.testing.assert_allclose(colors[0, 1, 2], [1.0, -1.0, -1.0])
    assert dilate(mask, 1).sum() == 9
    with pytest.raises(ValueError, match="must be RGBA"):
        strokes_from_rgba(np.zeros((4, 4, 3), np.uint8))


def test_rgb_strokes_on_a_grey_model_become_luminance(tiny_dcgan):
    colors = np.zeros((1, 28, 28, 3), np.uint8)
    colors[..., 0] = 255  # pure red: luma 0.299
    mask = np.zeros((1, 28, 28), "float32")
    mask[0, 10, 10] = 1
    result = manipulate(tiny_dcgan, seed=0, num=1, colors=colors, color_mask=mask, iterations=1)
    expected = (result.start_images[0, 10, 10, 0] - (0.299 * 2 - 1)) ** 2
    assert result.color_error["before"][0] == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("kwargs, message", [
    (dict(seed=0, num=2), "nothing to do"),
    (dict(seed=0, num=2, color_mask=np.ones((28, 28))), "no colors were given"),
    (dict(num=2, sketch_mask=np.ones((28, 28))), "exactly one start"),
    (dict(seed=0, num=2, latents=np.zeros((2, 16)), sketch_mask=np.ones((28, 28))), "exactly one start"),
    (dict(seed=0, num=2, sketch_mask=np.ones((2, 27, 28))), r"sketch_mask must be \[H, W\] or \[N, H, W\]"),
    (dict(seed=0, num=2, sketch_mask=np.ones((28, 28)), z_weight=-1), "z_weight must be >= 0"),
    (dict(seed=0, num=2, sketch_mask=np.ones((28, 28)), frames=1), "frames must be an integer >= 2"),
    (dict(seed=0, num=1, colors=np.zeros((1, 28, 28, 2)), color_mask=np.ones((28, 28))), "2 channel"),
    (dict(latents=np.zeros((2, 5)), sketch_mask=np.ones((28, 28))), r"latents must be \[N, 16\]"),
])
def test_bad_input_is_a_clear_error(tiny_dcgan, kwargs, message):
    with pytest.raises(ValueError, match=message):
        manipulate(tiny_dcgan, **kwargs)


def test_models_that_cannot_be_manipulated_are_refused():
    with pytest.raises(ValueError, match="is conditional"):
        manipulate(ConditionalGAN(num_classes=10, image_shape=(28, 28, 1)), seed=0, num=1,
                   sketch_mask=np.ones((28, 28)))
    with pytest.raises(ValueError, match="realism_weight needs a discriminator that gives one logit"):
        manipulate(EBGAN(image_shape=(28, 28, 1), g_filters=8, d_filters=8), seed=0, num=1,
                   sketch_mask=np.ones((28, 28)), realism_weight=0.1)


def test_repeated_edits_reuse_the_compiled_function(tiny_dcgan):
    """The studio edits again and again: the same settings must not trace the optimisation loop again."""
    from keras_gans.latent.common import COMPILED

    mask = np.zeros((28, 28), "float32")
    mask[12, 6:22] = 1
    for seed in (1, 2, 3):
        manipulate(tiny_dcgan, seed=seed, num=2, sketch_mask=mask, iterations=7)
    caches = [cache for key, cache in COMPILED[tiny_dcgan].items() if key[0] == "manipulate" and key[6] == 7]
    assert len(caches) == 1
    (compiled,) = caches[0].values()
    assert compiled.experimental_get_tracing_count() == 1
