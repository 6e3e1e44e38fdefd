"""Masks and Poisson blending: shapes, the bad masks the issue lists, the Poisson equation."""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_gans.latent.masks import (center_mask, check_masks, half_mask, make_mask, random_blocks_mask,
                                     random_pixels_mask, read_mask)
from keras_gans.latent.poisson import laplacian, poisson_blend


def test_mask_types():
    center = center_mask(28, 28)
    assert center.shape == (28, 28) and center[7:21, 7:21].max() == 0 and center.sum() == 28 * 28 - 14 * 14
    assert half_mask(28, 28)[:, :14].max() == 0 and half_mask(28, 28)[:, 14:].min() == 1
    pixels = random_pixels_mask(64, 64, seed=1)
    assert 0.75 < 1 - pixels.mean() < 0.85  # Yeh et al.'s 80% missing
    blocks = random_blocks_mask(28, 28, seed=2)
    assert 0 < blocks.sum() < 28 * 28
    np.testing.assert_array_equal(make_mask("blocks", (28, 28, 1), seed=2), blocks)


def test_mask_image(tmp_path):
    picture = np.full((28, 28), 255, np.uint8)
    picture[:5] = 0
    Image.fromarray(picture).save(tmp_path / "m.png")
    mask = make_mask(str(tmp_path / "m.png"), (28, 28, 1))
    assert mask[:5].max() == 0 and mask[5:].min() == 1
    with pytest.raises(FileNotFoundError):
        read_mask(str(tmp_path / "missing.png"))
    with pytest.raises(ValueError, match="unknown mask"):
        make_mask("diagonal", (28, 28, 1))


def test_check_masks_shapes_and_bad_masks():
    m = center_mask(28, 28)
    assert check_masks(m, 3, (28, 28, 1)).shape == (3, 28, 28, 1)
    assert check_masks(np.stack([m] * 3), 3, (28, 28, 1)).shape == (3, 28, 28, 1)
    with pytest.raises(ValueError, match="32x32.*28x28"):
        check_masks(center_mask(32, 32), 3, (28, 28, 1))
    with pytest.raises(ValueError, match="no missing pixels"):
        check_masks(np.ones((28, 28)), 3, (28, 28, 1))
    with pytest.raises(ValueError, match="no known pixels"):
        check_masks(np.zeros((28, 28)), 3, (28, 28, 1))
    with pytest.raises(ValueError, match="2 masks for 3 images"):
        check_masks(np.stack([m] * 2), 3, (28, 28, 1))
    with pytest.raises(ValueError, match="0 .missing. or 1"):
        check_masks(m * 0.5 + 0.25, 3, (28, 28, 1))


@pytest.mark.parametrize("mask", [center_mask(28, 28), half_mask(28, 28), random_pixels_mask(28, 28, seed=0)])
def test_poisson_blend_solves_the_poisson_equation(mask):
    rng = np.random.default_rng(0)
    target = rng.uniform(-0.3, 0.3, (2, 28, 28, 3)).astype("float32")
    source = rng.uniform(-0.3, 0.3, (2, 28, 28, 3)).astype("float32")
    masks = check_masks(mask, 2, (28, 28, 3))
    blended = poisson_blend(target, source, masks).numpy()
    np.testing.assert_array_equal(blended * masks, target * masks)  # known pixels untouched
    hole = 1 - masks
    residual = hole * (laplacian(tf.constant(blended)) - laplacian(tf.constant(source))).numpy()
    assert np.abs(residual).max() < 1e-4  # Δx = Δ(source) in the hole
    # a source that already fits the boundary is left as it is
    same = poisson_blend(target, target + 0.0, masks).numpy()
    np.testing.assert_allclose(same, target, atol=1e-5)
