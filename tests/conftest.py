"""Test set-up: two logical CPU devices (for MirroredStrategy) and real Fashion-MNIST."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

_cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(_cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2)


@pytest.fixture(scope="session")
def fashion():
    """The first 512 real Fashion-MNIST training images in [-1, 1] and their labels."""
    from keras_gans.datasets.fashion_mnist import load_fashion_mnist

    images, labels = load_fashion_mnist("train")
    images = images[:512].astype("float32") / 127.5 - 1.0
    return images, labels[:512].astype("int32")


@pytest.fixture(autouse=True)
def _same_random_start():
    """Every test starts from the same global random state (Python, NumPy, TensorFlow, Keras): a network's
    random initial weights are then the same in every run of a test, so CI repeats what a developer saw
    instead of drawing new weights (two tests with margins that depended on the draw failed CI that way)."""
    import keras

    keras.utils.set_random_seed(0)
