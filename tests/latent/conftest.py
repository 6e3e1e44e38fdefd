"""One small DCGAN trained once per test process on real Fashion-MNIST, shared by the latent-tool tests
(``tests/cli/test_latent.py`` uses it too, through ``trained_tiny_dcgan``)."""

import keras
import pytest
import tensorflow as tf

from keras_gans import DCGAN

TRAIN = 448  # the first 448 of the ``fashion`` fixture's 512 images train the model; the rest are held out
STEPS = 300  # batches of 32: about 20 epochs of the 448 images, ~35 s on the shared 2-core CPU


_CACHE = {}


def trained_tiny_dcgan(fashion):
    """A 16-filter, 16-d DCGAN fitted to the first TRAIN images (trained once per process)."""
    if "model" not in _CACHE:
        keras.utils.set_random_seed(0)
        model = DCGAN(latent_dim=16, image_shape=(28, 28, 1), g_filters=16, d_filters=16, seed=0)
        model.compile()
        data = tf.data.Dataset.from_tensor_slices(fashion[0][:TRAIN]).shuffle(TRAIN, seed=0)
        model.fit(data.batch(32, drop_remainder=True).repeat(), epochs=1, steps_per_epoch=STEPS, verbose=0)
        _CACHE["model"] = model
    return _CACHE["model"]


@pytest.fixture(scope="session")
def tiny_dcgan(fashion):
    return trained_tiny_dcgan(fashion)


@pytest.fixture(scope="session")
def held_out(fashion):
    return fashion[0][TRAIN:]
