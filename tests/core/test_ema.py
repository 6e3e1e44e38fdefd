"""Generator EMA (keras_gans.core.ema): the update rule, the ramp-up, where the average is used, saving, replicas."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import ALI, DCGAN, WGANGP, ConditionalGAN
from keras_gans.core import ema
from tests import model_checks as checks

KWARGS = dict(image_shape=(28, 28, 1), g_filters=8, d_filters=8, ema_decay=0.9)


def test_beta_is_the_decay_and_ramps_up_as_karras_2020():
    assert float(ema.ema_beta(0.999, None, 5)) == pytest.approx(0.999)
    assert float(ema.ema_beta(0.999, 0.05, 0)) == 0.0  # the first update copies
    # half-life of 0.999: ln 0.5 / ln 0.999 = 692.8 steps; with ramp-up 0.05 it is 0.05·t until then
    assert ema.half_life(0.999) == pytest.approx(692.8, abs=0.1)
    assert float(ema.ema_beta(0.999, 0.05, 100)) == pytest.approx(0.5 ** (1 / 5.0), rel=1e-6)
    assert float(ema.ema_beta(0.999, 0.05, 10**6)) == pytest.approx(0.999, rel=1e-6)
    assert float(ema.ema_beta(0.999, 0.05, 10**6)) == pytest.approx(0.5 ** (1 / ema.half_life(0.999)), rel=1e-6)


def test_a_half_life_in_images_is_converted_with_the_global_batch():
    """StyleGAN's ``ema_kimg`` (stylegan2-ada-pytorch: ``ema_beta = 0.5 ** (batch_size / ema_nimg)``)."""
    assert float(ema.ema_beta(None, None, 5, kimg=10.0, batch_size=64)) == pytest.approx(0.5 ** (64 / 10000), rel=1e-6)
    assert float(ema.ema_beta(None, None, 5, kimg=10.0, batch_size=32)) == pytest.approx(0.5 ** (32 / 10000), rel=1e-6)
    # ramp-up: the half-life in images is min(10000, 0.05 · images seen) = 0.05 · 100 · 64 images = 5 steps
    assert float(ema.ema_beta(None, 0.05, 100, kimg=10.0, batch_size=64)) == pytest.approx(0.5 ** (1 / 5), rel=1e-6)
    assert float(ema.ema_beta(None, 0.05, 0, kimg=10.0, batch_size=64)) == 0.0


def test_the_model_logs_the_beta_of_its_global_batch(fashion):
    model = DCGAN(**{**KWARGS, "ema_decay": None, "ema_kimg": 0.1})
    model.compile()
    model.fit(checks.dataset(DCGAN, fashion, 32), epochs=1, verbose=0)
    assert float(model.get_metrics_result()["ema_beta"]) == pytest.approx(0.5 ** (32 / 100), rel=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    (dict(ema_decay=1.0), "ema_decay must be in (0, 1)"),
    (dict(ema_decay=0.0), "ema_decay must be in (0, 1)"),
    (dict(ema_decay=-0.5), "ema_decay must be in (0, 1)"),
    (dict(ema_decay=float("nan")), "ema_decay must be in (0, 1)"),
    (dict(ema_decay="high"), "ema_decay must be a number"),
    (dict(ema_decay=0.99, ema_rampup=0.0), "ema_rampup must be > 0"),
    (dict(ema_rampup=0.05), "ema_rampup needs ema_decay or ema_kimg"),
    (dict(ema_kimg=0.0), "ema_kimg must be > 0"),
    (dict(ema_kimg="ten"), "ema_kimg must be a positive number"),
    (dict(ema_decay=0.999, ema_kimg=10), "two ways to set the EMA's horizon"),
])
def test_bad_values_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError) as error:
        DCGAN(image_shape=(28, 28, 1), g_filters=8, d_filters=8, **kwargs)
    assert message in str(error.value)


def test_each_generator_step_moves_the_average_by_the_rule(fashion):
    """θ_ema ← β·θ_ema + (1 - β)·θ on trainable weights after every G step; batch-norm statistics its own."""
    model = DCGAN(**KWARGS)
    model.compile()
    shadow, = model.ema_networks
    for a, b in zip(shadow.get_weights(), model.generator.get_weights()):
        np.testing.assert_array_equal(a, b)  # starts as a copy
    data = checks.dataset(DCGAN, fashion, 32)
    trainable = {id(v) for v in model.generator.trainable_variables}
    for _ in range(3):
        before = [v.numpy() for v in shadow.variables]
        model.fit(data, epochs=1, verbose=0)
        after_raw = [v.numpy() for v in model.generator.variables]
        moved = 0
        for old, new, raw, source in zip(before, [v.numpy() for v in shadow.variables], after_raw,
                                         model.generator.variables):
            if id(source) in trainable:
                np.testing.assert_allclose(new, 0.9 * old + 0.1 * raw, rtol=1e-5, atol=1e-7)
                moved += not np.allclose(new, raw)
            else:  # batch-norm statistics: the average's own, not the raw generator's
                assert not np.allclose(new, raw)
        assert moved > 0  # the average lags the raw weights
    assert "ema_beta" in model.get_metrics_result()


def _moments(generator, z):
    """Batch mean and variance of every batch-norm layer's input when ``generator`` runs on ``z``."""
    layers = [layer for layer in generator.layers if isinstance(layer, keras.layers.BatchNormalization)]
    probe = keras.Model(generator.inputs, [layer.input for layer in layers])
    outputs = probe(z, training=False)  # inference: no layer before a batch norm depends on `training` but BN
    return layers, [(np.mean(o.numpy(), axis=(0, 1, 2)), np.var(o.numpy(), axis=(0, 1, 2))) for o in outputs]


def test_the_average_keeps_batch_norm_statistics_of_its_own_activations(fashion):
    """The shadow's moving statistics follow the averaged weights' activations (standing statistics, per step),
    so in inference mode it is closer to its own batch statistics than the raw generator's statistics are."""
    model = DCGAN(**dict(KWARGS, ema_decay=0.99))
    model.compile()
    data = checks.dataset(DCGAN, fashion, 32, n=512)
    model.fit(data, epochs=1, verbose=0)
    # make the average clearly another generator (its activations' scale 1.5x per layer), then train on: its
    # statistics must follow it, while the raw generator's stay those of the raw weights
    shadow = model.ema_networks[0]
    shadow.set_weights([w * 1.5 if w.ndim > 1 else w for w in shadow.get_weights()])
    model.fit(data, epochs=3, verbose=0)  # 48 steps: 0.99^48 = 0.62 of the change remains
    z = model.sample_latent(2048)
    layers, moments = _moments(shadow, z)
    raw_layers = [layer for layer in model.generator.layers if isinstance(layer, keras.layers.BatchNormalization)]
    for layer, raw_layer, (mean, var) in zip(layers, raw_layers, moments):
        own = np.abs(layer.moving_mean.numpy() - mean).mean() + np.abs(layer.moving_variance.numpy() - var).mean()
        copied = (np.abs(raw_layer.moving_mean.numpy() - mean).mean()
                  + np.abs(raw_layer.moving_variance.numpy() - var).mean())
        assert own < 0.5 * copied, (layer.name, own, copied)


def test_sampling_evaluation_and_latent_tools_use_the_average(fashion):
    from keras_gans.latent import common

    model = DCGAN(**KWARGS)
    model.compile()
    model.fit(checks.dataset(DCGAN, fashion, 32, n=64), epochs=2, verbose=0)
    z = common.latents_for_seed(model, 4, seed=3)
    averaged = model.ema_networks[0](z, training=False).numpy()
    raw = model.generator(z, training=False).numpy()
    assert checks.max_diff(averaged, raw) > 1e-3
    np.testing.assert_allclose(model.generate(4, seed=3), averaged, atol=1e-6)
    np.testing.assert_allclose(model.generate(4, seed=3, ema=False), raw, atol=1e-6)
    np.testing.assert_allclose(common.generate(model, z).numpy(), averaged, atol=1e-6)
    with model.raw_weights():
        np.testing.assert_allclose(common.generate(model, z).numpy(), raw, atol=1e-6)


def test_export_serves_the_average_in_a_process_without_keras_gans(fashion, tmp_path):
    """check_export compares the SavedModel run by a fresh Python (no keras_gans) with model.averaged(G)."""
    model = ConditionalGAN(num_classes=10, image_shape=(28, 28, 1), ema_decay=0.5)
    model.compile()
    model.fit(checks.dataset(ConditionalGAN, fashion, 32, n=64), epochs=1, verbose=0)
    # a few steps move the average by float rounding only: make it clearly another generator
    shadow = model.ema_networks[0]
    shadow.set_weights([w * 1.5 if w.ndim > 1 else w for w in shadow.get_weights()])
    z = tf.random.normal((4, model.latent_dim))
    labels = tf.constant([0, 1, 2, 3])
    assert checks.max_diff(model.ema_networks[0]([z, labels]).numpy(), model.generator([z, labels]).numpy()) > 0.05
    checks.check_export(model, tmp_path)
    from keras_gans.serving import export

    raw = tf.saved_model.load(export(model, tmp_path / "raw", ema=False)).signatures["generate"](z=z, labels=labels)
    expected = tf.cast(tf.round((tf.clip_by_value(model.generator([z, labels]), -1, 1) + 1) * 127.5), tf.int64)
    assert int(tf.reduce_max(tf.abs(tf.cast(raw["images"], tf.int64) - expected))) <= 1


def test_saved_and_resumed_exactly(fashion, tmp_path):
    resumed = checks.check_save_resume(DCGAN, dict(KWARGS, ema_rampup=0.5), fashion, batch=32, tmp_path=tmp_path)
    assert resumed.ema_decay == 0.9 and resumed.ema_rampup == 0.5
    # the shadow is part of get_weights, which check_save_resume compared with an uninterrupted run
    assert len(resumed.get_weights()) > len(resumed.generator.get_weights()) + len(resumed.discriminator.get_weights())


@pytest.mark.parametrize("cls, kwargs", [
    (DCGAN, KWARGS),
    (DCGAN, {**KWARGS, "ema_decay": None, "ema_kimg": 0.1}),  # β from the global batch, not a replica's
    pytest.param(WGANGP, dict(image_shape=(28, 28, 1), g_filters=8, d_filters=8, n_critic=2, ema_decay=0.9,
                              ema_rampup=0.05), marks=pytest.mark.slow),
])
def test_two_replicas_match_one_device(fashion, cls, kwargs):
    single, replicated = checks.check_mirrored_matches_single_device(cls, kwargs, fashion, batch=32)
    assert checks.max_diff(single.ema_networks[0].get_weights(), replicated.ema_networks[0].get_weights()) < 1e-5


def test_ali_averages_generator_and_encoder(fashion):
    model = ALI(image_shape=(28, 28, 1), g_filters=8, d_filters=8, e_filters=8, latent_dim=16, ema_decay=0.5)
    model.compile()
    assert [n.name for n in model.ema_networks] == [model.generator.name, model.encoder.name]
    model.fit(checks.dataset(ALI, fashion, 32, n=64), epochs=1, verbose=0)
    images = fashion[0][:4]
    np.testing.assert_allclose(model.encode(images), model.ema_networks[1](images, training=False).numpy()[:, :16],
                               atol=1e-5)
    assert math.isfinite(float(model.get_metrics_result()["ema_beta"]))


def test_off_by_default_and_config_round_trip():
    model = DCGAN(image_shape=(28, 28, 1), g_filters=8, d_filters=8)
    assert model.ema_networks == [] and model.averaged(model.generator) is model.generator
    clone = DCGAN.from_config(DCGAN(**KWARGS, ema_rampup=0.05).get_config())
    assert (clone.ema_decay, clone.ema_rampup, len(clone.ema_networks)) == (0.9, 0.05, 1)
    clone = DCGAN.from_config(DCGAN(**{**KWARGS, "ema_decay": None, "ema_kimg": 2.5}).get_config())
    assert (clone.ema_decay, clone.ema_kimg, len(clone.ema_networks)) == (None, 2.5, 1)
    keras.utils.set_random_seed(0)
