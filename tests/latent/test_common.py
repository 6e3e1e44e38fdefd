"""The latent tools in StyleGAN's W and W+ (keras_gans.latent.common.SPACES): inversion, inpainting and walks,
on a small StyleGAN trained briefly on real Fashion-MNIST (16x16)."""

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import StyleGAN
from keras_gans.latent import common, inpaint, invert, walk

_CACHE = {}


@pytest.fixture(scope="module")
def stylegan(fashion):
    if "model" not in _CACHE:
        model = StyleGAN(image_shape=(16, 16, 1), latent_dim=16, w_dim=16, mapping_layers=2, channel_base=128,
                         channel_max=16, r1_gamma=0.1, ema_kimg=None, seed=0)
        model.compile()
        images = tf.image.resize(fashion[0][:256], (16, 16), antialias=True)
        model.fit(tf.data.Dataset.from_tensor_slices(images).batch(16, drop_remainder=True), epochs=2, verbose=0)
        _CACHE["model"] = model
    return _CACHE["model"]


def test_inversion_in_w_and_w_plus_reconstructs_the_models_own_images(stylegan):
    """Targets the model made from known styles: both spaces get far closer than the w̄ start, and W+ (a style
    per layer, more freedom) at least as close as W."""
    targets = np.clip(stylegan.generate(4, seed=11), -1, 1)  # the output is linear (no tanh), as the papers
    start = np.mean((stylegan.synthesize(stylegan.w_avg.numpy()[None]) - targets) ** 2, axis=(1, 2, 3))
    w = invert(stylegan, targets, iterations=150, learning_rate=0.05, restarts=2, space="w")
    w_plus = invert(stylegan, targets, iterations=150, learning_rate=0.05, restarts=2, space="w+")
    assert w.latents.shape == (4, 16) and w_plus.latents.shape == (4, stylegan.num_ws, 16)
    assert np.all(w.error < 0.25 * start), (w.error, start)
    assert np.mean(w_plus.error) <= np.mean(w.error) * 1.1, (w_plus.error, w.error)
    # the latents found are the model's: synthesizing them gives the reconstructions
    np.testing.assert_allclose(stylegan.synthesize(w.latents), w.reconstructions, atol=1e-4)
    np.testing.assert_allclose(stylegan.synthesize(w_plus.latents), w_plus.reconstructions, atol=1e-4)


def test_inpainting_in_w_fills_the_hole_closer_than_the_average_image(stylegan):
    targets = np.clip(stylegan.generate(3, seed=21), -1, 1)
    mask = np.ones((16, 16), "float32")
    mask[4:12, 4:12] = 0.0
    result = inpaint(stylegan, targets, mask, perceptual_weight=0.0, iterations=150, learning_rate=0.05,
                     blend="paste", space="w")
    hole = mask == 0
    average = stylegan.synthesize(stylegan.w_avg.numpy()[None])[0]
    # what is optimised, the fit to the known pixels, improves by far; the hole, which only the model's prior
    # fills, improves less on this briefly trained model (0.22 against 0.30 here)
    known_error = np.mean((result.generated[:, ~hole] - targets[:, ~hole]) ** 2)
    assert known_error < 0.3 * np.mean((average[~hole] - targets[:, ~hole]) ** 2)
    filled_error = np.mean((result.filled[:, hole] - targets[:, hole]) ** 2)
    average_error = np.mean((average[hole] - targets[:, hole]) ** 2)
    assert filled_error < average_error, (filled_error, average_error)
    np.testing.assert_allclose(result.filled[:, ~hole], targets[:, ~hole], atol=1e-6)  # known pixels kept


def test_walk_in_w_is_linear_between_the_seeds_styles(stylegan):
    images = walk(stylegan, steps=5, seed=3, rows=2, space="w")
    assert images.shape == (2, 5, 16, 16, 1)
    np.testing.assert_allclose(images[:, 0], stylegan.generate(2, seed=3), atol=1e-5)  # the seed's own images
    za, zb = stylegan.latent_for_seed(2, 3), stylegan.latent_for_seed(2, 4)
    wa, wb = (np.asarray(stylegan.map(z)[:, 0]) for z in (za, zb))
    np.testing.assert_allclose(images[:, 2], stylegan.synthesize(0.5 * wa + 0.5 * wb), atol=1e-5)
    z_walk = walk(stylegan, steps=5, seed=3, rows=2)  # slerp in z: the same endpoints, another path
    np.testing.assert_allclose(z_walk[:, -1], images[:, -1], atol=1e-5)
    assert np.abs(z_walk[:, 2] - images[:, 2]).max() > 1e-4


def test_spaces_other_models_do_not_have_are_clear_errors(stylegan, fashion):
    from keras_gans import DCGAN

    dcgan = DCGAN(image_shape=(28, 28, 1), g_filters=4, d_filters=4)
    with pytest.raises(ValueError, match="intermediate latent space; DCGAN has z only"):
        invert(dcgan, fashion[0][:1], space="w")
    with pytest.raises(ValueError, match="space must be one of"):
        common.check_space(stylegan, "s")
    with pytest.raises(ValueError, match="walk between seeds in z or w"):
        walk(stylegan, 3, space="w+")
