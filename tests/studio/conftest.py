"""Small real models for the studio's tests: the latent tools' DCGAN trained on real Fashion-MNIST, a Pix2Pix
trained briefly on the built-in sketch -> garment pairs, a tiny StyleGAN and a tiny AdaIN (random weights: the
studio's plumbing, not their quality, is under test)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import AdaINStyleTransfer, CycleGAN, Pix2Pix, StyleGAN
from keras_gans.datasets.translation import load_paired
from tests.latent.conftest import trained_tiny_dcgan


@pytest.fixture(scope="session")
def studio_models(fashion):
    sketches, garments, _ = load_paired("fashion_edges", split="train")
    pix2pix = Pix2Pix(input_channels=1, output_channels=1, image_size=32, g_filters=8, d_filters=8, seed=0)
    pix2pix.compile()
    pairs = tf.data.Dataset.from_tensor_slices((sketches[:256].astype("float32") / 127.5 - 1,
                                                garments[:256].astype("float32") / 127.5 - 1)).batch(8)
    pix2pix.fit(pairs, epochs=1, verbose=0)
    stylegan = StyleGAN(image_shape=(16, 16, 1), latent_dim=16, w_dim=16, mapping_layers=2, channel_base=128,
                        channel_max=16, seed=0)
    # AdaINStyleTransfer takes no seed: its random networks come from Keras's global generator, seeded here, so that
    # the studio tests see the same untrained model every run (an unseeded one stylized to all black in one CI run)
    keras.utils.set_random_seed(0)
    adain = AdaINStyleTransfer(width=1 / 16)
    cyclegan = CycleGAN(input_channels=1, output_channels=1, image_size=32, g_filters=4, d_filters=4, n_blocks=1)
    return {"cyclegan": cyclegan, "dcgan": trained_tiny_dcgan(fashion), "pix2pix": pix2pix, "stylegan": stylegan,
            "adain": adain}


def sketch_drawing(size=256, column=128):
    """A transparent canvas with one dark vertical stroke (what the sketchpad sends)."""
    rgba = np.zeros((size, size, 4), np.uint8)
    rgba[40:216, column - 6:column + 6] = (0, 0, 0, 255)
    return rgba
