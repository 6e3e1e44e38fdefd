"""Test set-up: two logical CPU devices (for MirroredStrategy) and real Fashion-MNIST.

Tiers (pytest.ini): ``-m "not slow"`` is the fast tier; tests marked ``slow`` train real data long enough to
see learning or stability, run the CLI end to end in fresh processes, or repeat the multi-model checks
(save/resume, two replicas, fresh-process export) for each model (DCGAN runs those in the fast tier).
Runs in parallel with pytest-xdist (``-n 2``): every worker is a separate process that sets up its own devices
and session fixtures under its own ``tmp_path_factory`` folder."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402


def pytest_configure(config):
    """Two logical CPU devices, before any test module starts TensorFlow's runtime. Under pytest-xdist only
    the workers run tests: the controller skips this and does not import TensorFlow (seconds at start-up)."""
    if getattr(config.option, "numprocesses", None) and "PYTEST_XDIST_WORKER" not in os.environ:
        return
    import tensorflow as tf

    cpus = tf.config.list_physical_devices("CPU")
    tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2)


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
