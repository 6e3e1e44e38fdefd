"""The noise -> image base: one latent-from-seed formula, d_steps minibatches, each class's own arguments."""

import inspect

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import ALI, BEGAN, DCGAN, EBGAN, GAN, WGAN, WGANGP, BiGAN, ConditionalGAN
from keras_gans.core.network_model import NetworkModel
from keras_gans.core.noise_to_image import NoiseToImage, latent_for_seed

SMALL = {
    GAN: dict(g_units=(16,), d_units=(8,)),
    DCGAN: dict(image_shape=(28, 28, 1), g_filters=8, d_filters=8),
    ConditionalGAN: dict(image_shape=(28, 28, 1), architecture="dcgan", g_filters=8, d_filters=8),
    WGAN: dict(image_shape=(28, 28, 1), g_filters=8, d_filters=8),
    WGANGP: dict(image_shape=(28, 28, 1), g_filters=8, d_filters=8),
    EBGAN: dict(image_shape=(28, 28, 1), g_filters=8, d_filters=8),
    BEGAN: dict(image_shape=(28, 28, 1), filters=8, hidden_dim=8, latent_dim=8),
    ALI: dict(image_shape=(28, 28, 1), g_filters=8, d_filters=8, e_filters=8, latent_dim=16),
    BiGAN: dict(image_shape=(28, 28, 1), g_filters=8, d_filters=8, e_filters=8, latent_dim=16),
}
#: what keras.Model itself puts in every config
KERAS_KEYS = {"name", "trainable", "dtype"}


def accepted_arguments(cls):
    """The named arguments ``cls`` accepts: its ``__init__``'s and those it passes on to its bases'."""
    return {name for c in cls.__mro__ if issubclass(c, NetworkModel) and "__init__" in vars(c)
            for name, p in inspect.signature(c.__init__).parameters.items()
            if name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}


def test_latent_for_seed_is_the_formula_generate_and_the_method_use():
    model = DCGAN(**SMALL[DCGAN])
    z = latent_for_seed(5, model.latent_dim, 11)
    expected = tf.random.stateless_normal((5, model.latent_dim), seed=tf.constant([11, 0], tf.int64))
    np.testing.assert_array_equal(z.numpy(), expected.numpy())
    np.testing.assert_array_equal(model.latent_for_seed(5, 11).numpy(), z.numpy())
    images = model.generate(5, seed=11)
    np.testing.assert_allclose(images, model.generator(z, training=False).numpy(), atol=1e-6)
    # in a graph, with tensor arguments (as the exported ``sample`` signature calls it)
    graph_z = tf.function(lambda n, s: latent_for_seed(n, model.latent_dim, s))(tf.constant(5), tf.constant(11, tf.int64))
    np.testing.assert_array_equal(graph_z.numpy(), z.numpy())


@pytest.mark.parametrize("cls", list(SMALL), ids=lambda c: c.__name__)
def test_config_holds_exactly_the_arguments_the_class_accepts(cls):
    """No class pops an argument: what its constructor (with its bases') accepts is what it saves."""
    model = cls(seed=1, **SMALL[cls])
    config = model.get_config()
    assert set(config) - KERAS_KEYS == accepted_arguments(cls)
    again = cls.from_config(config)
    assert type(again) is cls and again.get_config() == config


@pytest.mark.parametrize("cls, foreign", [
    (DCGAN, "g_units"), (DCGAN, "d_pieces"), (ConditionalGAN, "g_units"), (ConditionalGAN, "d_units"),
    (WGANGP, "clip_value"), (WGANGP, "warmup_schedule"), (WGANGP, "warmup_every"),
    (WGAN, "d_steps"), (WGANGP, "d_steps"), (EBGAN, "d_steps"), (BEGAN, "d_steps"), (ALI, "d_steps"),
    (BiGAN, "d_steps"), (EBGAN, "loss"), (WGAN, "loss"),
], ids=lambda v: getattr(v, "__name__", v))
def test_no_class_accepts_an_argument_it_does_not_use(cls, foreign):
    assert foreign not in accepted_arguments(cls)
    with pytest.raises((TypeError, ValueError), match=foreign):  # Keras: "Unrecognized keyword arguments"
        cls(**SMALL[cls], **{foreign: 2})


def test_d_steps_only_where_the_algorithm_has_k_discriminator_steps():
    assert GAN(d_steps=3, **SMALL[GAN]).d_steps == 3
    assert DCGAN(d_steps=2, **SMALL[DCGAN]).d_steps == 2
    assert WGAN(n_critic=4, **SMALL[WGAN]).d_steps == 4 and WGANGP(**SMALL[WGANGP]).d_steps == 5
    for cls in (EBGAN, BEGAN, ALI):
        assert cls(**SMALL[cls]).d_steps == NoiseToImage.d_steps == 1


def test_wgan_gp_loads_configs_saved_with_wgans_warmup_arguments():
    """WGAN-GP files saved while WGANGP subclassed WGAN carry WGAN's (unused) warm-up arguments."""
    config = WGANGP(seed=1, **SMALL[WGANGP]).get_config()
    legacy = dict(config, warmup_critic_steps=100, warmup_generator_steps=25, warmup_every=500)
    assert WGANGP.from_config(legacy).get_config() == config


def test_split_for_d_steps_is_strided():
    model = GAN(d_steps=3, **SMALL[GAN])
    images = tf.reshape(tf.range(6 * 28 * 28, dtype=tf.float32), (6, 28, 28, 1))
    parts = model.split_for_d_steps(images)
    assert len(parts) == 3
    for k, (part, labels) in enumerate(parts):
        assert labels is None
        np.testing.assert_array_equal(part.numpy(), images.numpy()[k::3])
