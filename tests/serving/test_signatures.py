"""keras_gans.serving: one export path, signatures found by the model's class."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import (ALI, BEGAN, DCGAN, DTN, WGANGP, AdaINStyleTransfer, BiGAN, ConditionalGAN, CycleGAN, Pix2Pix,
                        StyleGAN)
from keras_gans.serving import Signatures, export, register, signatures_for
from keras_gans.serving.dtn import dtn_signatures
from keras_gans.serving.noise_to_image import ali_signatures, noise_to_image_signatures
from keras_gans.serving.style_transfer import style_transfer_signatures
from keras_gans.serving.stylegan import stylegan_signatures
from keras_gans.serving.translation import translation_signatures


@pytest.mark.parametrize("cls, family", [
    (DCGAN, noise_to_image_signatures), (WGANGP, noise_to_image_signatures), (BEGAN, noise_to_image_signatures),
    (ConditionalGAN, noise_to_image_signatures), (ALI, ali_signatures), (BiGAN, ali_signatures),
    (Pix2Pix, translation_signatures), (CycleGAN, translation_signatures), (DTN, dtn_signatures),
    (AdaINStyleTransfer, style_transfer_signatures), (StyleGAN, stylegan_signatures),
])
def test_every_model_class_finds_its_family_signatures(cls, family):
    assert signatures_for.dispatch(cls) is family


def test_an_object_without_signatures_is_refused_by_name(tmp_path):
    with pytest.raises(TypeError, match="Sequential has no serving signatures"):
        export(keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]), tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_a_registered_user_model_exports_through_the_same_path(tmp_path):
    class Doubler(keras.Model):
        def __init__(self):
            super().__init__()
            self.net = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])

    @register(Doubler)
    def doubler_signatures(model):
        return Signatures([model.net]).add("double", lambda x: {"y": 2.0 * model.net(x)},
                                           tf.TensorSpec([None, 3], tf.float32, name="x"))

    model = Doubler()
    x = np.arange(6, dtype="float32").reshape(2, 3)
    path = export(model, tmp_path / "doubler" / "1")
    loaded = tf.saved_model.load(path)
    assert {"serving_default", "double"} <= set(loaded.signatures.keys())
    want = 2.0 * model.net(x).numpy()
    np.testing.assert_allclose(loaded.signatures["serving_default"](x=tf.constant(x))["y"].numpy(), want, rtol=1e-6)
