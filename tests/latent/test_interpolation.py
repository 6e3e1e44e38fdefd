"""Latent walks: exact endpoints, slerp's norms, label interpolation, the walk grid and GIF."""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_gans import ConditionalGAN
from keras_gans.latent.interpolation import (interpolate_labels, lerp, save_gif, slerp, soft_label_generator, walk,
                                             walk_grid)


@pytest.fixture
def pair():
    rng = np.random.default_rng(0)
    return rng.normal(size=(5, 16)).astype("float32"), rng.normal(size=(5, 16)).astype("float32")


@pytest.mark.parametrize("fn", [lerp, slerp])
def test_endpoints_are_the_given_latents(fn, pair):
    a, b = pair
    path = fn(a, b, 7)
    assert path.shape == (7, 5, 16)
    np.testing.assert_array_equal(path[0], a)
    np.testing.assert_array_equal(path[-1], b)


def test_lerp_is_the_straight_line(pair):
    a, b = pair
    np.testing.assert_allclose(lerp(a, b, 5)[2], (a + b) / 2, atol=1e-6)


def test_slerp_keeps_norms_and_moves_at_constant_angle(pair):
    a, b = pair
    b = b / np.linalg.norm(b, axis=1, keepdims=True) * np.linalg.norm(a, axis=1, keepdims=True)  # equal norms
    path = slerp(a, b, 9)
    norms = np.linalg.norm(path, axis=-1)
    np.testing.assert_allclose(norms, np.broadcast_to(norms[0], norms.shape), rtol=1e-5)
    cos = np.sum(path[1:] * path[:-1], axis=-1) / (norms[1:] * norms[:-1])
    np.testing.assert_allclose(cos, np.broadcast_to(cos[0], cos.shape), rtol=1e-5)  # equal angular steps
    # the straight line would cut through the middle: its midpoint is shorter
    assert np.all(np.linalg.norm(lerp(a, b, 9)[4], axis=-1) < norms[4] - 1e-3)


def test_slerp_of_parallel_vectors_falls_back_to_lerp():
    a = np.ones((4,), "float32")
    np.testing.assert_allclose(slerp(a, 2 * a, 3)[1], 1.5 * a, rtol=1e-6)


@pytest.mark.parametrize("steps", [1, 0, -3, 2.5])
def test_fewer_than_two_steps_is_refused(steps, pair):
    with pytest.raises(ValueError, match="steps >= 2"):
        lerp(*pair, steps)
    with pytest.raises(ValueError, match="steps >= 2"):
        slerp(*pair, steps)


def test_walk_grid_and_gif(tiny_dcgan, tmp_path):
    images = walk(tiny_dcgan, steps=5, seed=3, rows=2)
    assert images.shape == (2, 5, 28, 28, 1)
    # the walk starts at the samples of the seed and ends at those of seed + 1
    np.testing.assert_allclose(images[:, 0], tiny_dcgan.generate(2, seed=3), atol=1e-5)
    np.testing.assert_allclose(images[:, -1], tiny_dcgan.generate(2, seed=4), atol=1e-5)
    assert walk_grid(images).shape == (2 * 30 + 2, 5 * 30 + 2, 1)
    path = save_gif(images, str(tmp_path / "walk.gif"))
    with Image.open(path) as gif:
        assert gif.n_frames == 5 + 3  # forwards, then back without repeating the ends
    with pytest.raises(ValueError, match="steps >= 2"):
        walk(tiny_dcgan, steps=1)


def test_label_interpolation_for_the_conditional_gan():
    model = ConditionalGAN(num_classes=10, latent_dim=8, image_shape=(28, 28, 1), architecture="dcgan",
                           g_filters=4, d_filters=4, seed=0)
    weights = interpolate_labels(2, 7, 5, 10)
    assert weights.shape == (5, 10)
    np.testing.assert_array_equal(weights[0], np.eye(10)[2])
    np.testing.assert_array_equal(weights[-1], np.eye(10)[7])
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-6)
    # one-hot weights through the soft-label generator give the generator's own images
    z = model.latent_for_seed(3, 0)
    soft = soft_label_generator(model)
    np.testing.assert_allclose(soft([z, tf.constant(np.eye(10, dtype="float32")[[2, 7, 7]])]),
                               model.generator([z, tf.constant([2, 7, 7])]), atol=1e-6)
    images = walk(model, steps=4, rows=3, labels=(2, 7))
    np.testing.assert_allclose(images[:, 0], model.generate(3, seed=0, labels=2), atol=1e-5)
    np.testing.assert_allclose(images[:, -1], model.generate(3, seed=1, labels=7), atol=1e-5)
    with pytest.raises(ValueError, match="conditional"):
        walk(model, steps=4)
