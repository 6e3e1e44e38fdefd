"""Progressive growing (keras_gans.layers.progressive): the official schedule, the real images at a level of
detail, the fade layers."""

import numpy as np
import pytest

from keras_gans.layers.progressive import LevelOfDetail, LodBlend, images_at_lod, schedule_lod


def test_schedule_is_the_official_training_schedule():
    # 32x32 from 8x8 (lod 2), 600k images per resolution, 600k per fade (ProGAN / StyleGAN's TrainingSchedule)
    lod = lambda images: float(schedule_lod(images, 32, 8, 600.0, 600.0))  # noqa: E731
    assert lod(0) == 2.0 and lod(599_000) == 2.0          # training at 8x8
    assert lod(900_000) == pytest.approx(1.5)              # half-way through the 16x16 fade-in
    assert lod(1_200_000) == 1.0 and lod(1_700_000) == 1.0  # training at 16x16
    assert lod(2_100_000) == pytest.approx(0.5)            # fading 32x32 in
    assert lod(2_400_000) == 0.0 and lod(10**8) == 0.0     # the final resolution from then on
    assert float(schedule_lod(500, 16, 16, 1.0, 1.0)) == 0.0  # starting at the final resolution


def test_real_images_at_a_level_of_detail():
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (2, 8, 8, 3)).astype("float32")
    np.testing.assert_allclose(images_at_lod(images, 0.0, 1), images)
    pooled = images.reshape(2, 4, 2, 4, 2, 3).mean(axis=(2, 4))
    blocks = pooled.repeat(2, axis=1).repeat(2, axis=2)  # 2x2 averages shown at 8x8 (nearest)
    np.testing.assert_allclose(images_at_lod(images, 1.0, 1), blocks, atol=1e-6)
    np.testing.assert_allclose(images_at_lod(images, 0.25, 1), 0.75 * images + 0.25 * blocks, atol=1e-6)
    quarter = images.reshape(2, 2, 4, 2, 4, 3).mean(axis=(2, 4)).repeat(4, axis=1).repeat(4, axis=2)
    np.testing.assert_allclose(images_at_lod(images, 1.5, 2), 0.5 * blocks + 0.5 * quarter, atol=1e-6)
    np.testing.assert_allclose(images_at_lod(images, 2.0, 2), quarter, atol=1e-6)


def test_fade_and_level_of_detail_layers():
    a, b = np.zeros((2, 4, 4, 1), "float32"), np.ones((2, 4, 4, 1), "float32")
    for lod, expected in ((0.0, 0.0), (1.0, 0.0), (1.25, 0.25), (2.0, 1.0), (3.0, 1.0)):
        out = LodBlend(1)([a, b, np.full((2, 1, 1, 1), lod, "float32")])
        np.testing.assert_allclose(out, np.full_like(a, expected))
    layer = LevelOfDetail()
    layer.build((None, 3))
    layer.set(1.5)
    assert np.asarray(layer(np.zeros((3, 3), "float32"))).tolist() == [[[[1.5]]]] * 3
    assert LodBlend.from_config(LodBlend(2, name="f").get_config()).level == 2.0
