"""Shared network pieces."""

import keras
import numpy as np

from keras_gans.networks import build_dcgan_discriminator, build_resnet_generator


def test_layers_of_one_shape_start_from_different_weights():
    """A shared RandomNormal(seed=None) repeats its draws in Keras 3; every layer needs its own."""
    keras.utils.set_random_seed(0)
    resnet = build_resnet_generator(1, 1, filters=4, n_blocks=3)
    kernels = [layer.kernel.numpy() for layer in resnet.layers if layer.name.startswith("res") and "conv" in layer.name]
    assert len(kernels) == 6
    assert all(not np.array_equal(kernels[0], k) for k in kernels[1:])
    assert abs(float(np.std(np.concatenate([k.ravel() for k in kernels]))) - 0.02) < 0.003  # N(0, 0.02)


def test_set_random_seed_makes_initial_weights_repeatable():
    def weights():
        keras.utils.set_random_seed(3)
        return build_dcgan_discriminator((32, 32, 1), 8).get_weights()

    first, second = weights(), weights()
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
