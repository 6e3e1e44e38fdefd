"""GAN inversion recovers the latent of a generated image; batched, on one device or two replicas."""

import keras
import numpy as np
import pytest

from keras_gans.latent.inversion import invert
from tests.model_checks import mirrored_strategy


@pytest.mark.slow
def test_inversion_recovers_the_latent_of_a_generated_image(tiny_dcgan):
    z = tiny_dcgan.latent_for_seed(6, 5).numpy()
    images = tiny_dcgan.generator(z, training=False).numpy()
    result = invert(tiny_dcgan, images, iterations=300, restarts=4, learning_rate=0.05, seed=1)
    assert result.latents.shape == (6, 16) and result.reconstructions.shape == images.shape
    # Tolerances: an MSE of 2e-3 in [-1, 1] units is an RMS error of 0.045 (6 grey levels of 255).
    # The latent is compared relatively, |ẑ - z| / |z|: the optimum is z itself, but a generator
    # can be nearly flat along some direction, where a tiny pixel error allows a larger latent one,
    # so the median must be within 1% and every image within 25% (measured: median ~1e-4, max 0.11).
    assert np.all(result.error < 2e-3), result.error
    relative = np.linalg.norm(result.latents - z, axis=1) / np.linalg.norm(z, axis=1)
    assert np.median(relative) < 0.01 and np.all(relative < 0.25), relative
    # the reported error is the reconstruction's
    np.testing.assert_allclose(result.error, np.mean((result.reconstructions - images) ** 2, axis=(1, 2, 3)),
                               rtol=1e-4, atol=1e-7)
    # random images are far from the generator's range: their error is much larger
    noise = np.random.default_rng(0).uniform(-1, 1, images.shape).astype("float32")
    assert np.min(invert(tiny_dcgan, noise, iterations=50, restarts=1, batch_size=6).error) > 10 * np.max(result.error)


def test_feature_loss_and_mirrored_strategy(tiny_dcgan):
    z = tiny_dcgan.latent_for_seed(4, 9).numpy()
    images = tiny_dcgan.generator(z, training=False).numpy()
    features = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.AveragePooling2D(4), keras.layers.Flatten()])
    single = invert(tiny_dcgan, images, iterations=5, restarts=2, feature_extractor=features, batch_size=4)
    mirrored = invert(tiny_dcgan, images, iterations=5, restarts=2, feature_extractor=features, batch_size=4,
                      strategy=mirrored_strategy())
    # 2 replicas each optimise their half of the batch: the same numbers as one device
    np.testing.assert_allclose(mirrored.latents, single.latents, atol=1e-4)
    np.testing.assert_allclose(mirrored.error, single.error, rtol=1e-3, atol=1e-6)
    with pytest.raises(TypeError, match="feature_extractor"):
        invert(tiny_dcgan, images, feature_extractor=lambda x: x)
