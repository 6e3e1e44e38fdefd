"""The augment= option (DiffAugment, ADA) on the noise -> image models, with generator EMA on too."""

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import ALI, BEGAN, DCGAN, EBGAN, GAN, WGAN, WGANGP, ConditionalGAN
from keras_gans.layers.ada import AdaptiveAugment
from keras_gans.layers.diffaugment import DiffAugment
from tests import model_checks as checks

SMALL = {
    GAN: dict(image_shape=(28, 28, 1), g_units=(64, 64), d_units=(32, 32)),
    DCGAN: dict(image_shape=(28, 28, 1), g_filters=8, d_filters=8),
    WGAN: dict(image_shape=(28, 28, 1), g_filters=8, d_filters=8, n_critic=2),
    WGANGP: dict(image_shape=(28, 28, 1), g_filters=8, d_filters=8, n_critic=2),
    ConditionalGAN: dict(num_classes=10, image_shape=(28, 28, 1)),
    EBGAN: dict(image_shape=(28, 28, 1), g_filters=8, d_filters=8),
    BEGAN: dict(image_shape=(28, 28, 1), filters=8, hidden_dim=8, latent_dim=8),
    ALI: dict(image_shape=(28, 28, 1), g_filters=8, d_filters=8, e_filters=8, latent_dim=16),
}
LOGIT_MODELS = [GAN, DCGAN, ConditionalGAN, ALI]


def fit_logs(cls, kwargs, fashion, batch=32, epochs=1, n=64):
    model = cls(**kwargs)
    model.compile()
    history = model.fit(checks.dataset(cls, fashion, batch, n=n), epochs=epochs, verbose=0)
    logs = {k: v[-1] for k, v in history.history.items()}
    assert all(np.isfinite(v) for v in logs.values()), logs
    return model, logs


@pytest.mark.parametrize("cls", list(SMALL), ids=lambda c: c.__name__)
def test_diffaugment_and_ema_train_every_model_on_fashion_mnist(cls, fashion):
    model, logs = fit_logs(cls, dict(SMALL[cls], augment="diffaugment", ema_decay=0.99), fashion)
    assert isinstance(model.augmenter, DiffAugment) and model.augmenter.policy == ("color", "translation", "cutout")
    assert "ema_beta" in logs


@pytest.mark.parametrize("cls", LOGIT_MODELS, ids=lambda c: c.__name__)
def test_ada_trains_the_logit_models_and_logs_p_and_rt(cls, fashion):
    model, logs = fit_logs(cls, dict(SMALL[cls], augment="ada"), fashion, n=160)  # 5 steps: one p adjustment
    assert isinstance(model.augmenter, AdaptiveAugment)
    assert {"augment_p", "ada_rt"} <= set(logs)
    # the first adjustment after 4 steps moved p by ±(4 · 32) / 500k and clipped it at 0
    assert float(model.augmenter.p.numpy()) in (0.0, pytest.approx(4 * 32 / 500_000))


def test_the_discriminator_sees_augmented_real_and_fake_images(fashion):
    model = DCGAN(**SMALL[DCGAN], augment="diffaugment", augment_policy="cutout", seed=1)
    images = tf.ones((4, 28, 28, 1))
    shown = model.perturb(images).numpy()
    zeros = (shown == 0).reshape(4, -1).sum(axis=1)
    assert np.all(zeros == 14 * 14) or np.all((zeros > 0) & (zeros <= 14 * 14))  # one cut-out square each
    assert np.array_equal(DCGAN(**SMALL[DCGAN]).perturb(images).numpy(), images.numpy())  # off: identity


def test_ada_p_rises_when_the_discriminator_is_overconfident(fashion):
    """r_t = E[sign(D(x_real))] > 0.6 after a discriminator trained alone: p goes up."""
    model = DCGAN(**SMALL[DCGAN], augment="ada", ada_target=0.1)
    model.compile()
    data = checks.dataset(DCGAN, fashion, 32, n=256)
    model.fit(data, epochs=3, verbose=0)
    assert float(model.get_metrics_result()["ada_rt"]) > 0.1
    assert float(model.augmenter.p.numpy()) > 0.0


@pytest.mark.parametrize("augment", ["diffaugment", "ada"])
def test_saved_and_resumed_exactly(fashion, tmp_path, augment):
    """Weights, EMA weights, p and its accumulators (layer weights), the augmentation's random stream."""
    kwargs = dict(SMALL[DCGAN], augment=augment, ema_decay=0.9, seed=3)
    if augment == "ada":
        kwargs["ada_target"] = 0.05  # p moves within these few steps
    resumed = checks.check_save_resume(DCGAN, kwargs, fashion, batch=32, tmp_path=tmp_path)
    if augment == "ada":
        assert float(resumed.augmenter.p.numpy()) > 0.0


@pytest.mark.parametrize("augment", ["diffaugment", "ada"])
def test_two_replicas_match_one_device(fashion, augment):
    kwargs = dict(SMALL[DCGAN], augment=augment, ema_decay=0.9)
    if augment == "ada":
        kwargs["ada_target"] = 0.05
    single, replicated = checks.check_mirrored_matches_single_device(DCGAN, kwargs, fashion, batch=32)
    assert float(single.augmenter.p.numpy() if augment == "ada" else 0) == float(
        replicated.augmenter.p.numpy() if augment == "ada" else 0)


@pytest.mark.parametrize("kwargs, message", [
    (dict(augment="mixup"), "augment must be one of diffaugment, ada"),
    (dict(augment="diffaugment", augment_policy="color,zoom"), "unknown DiffAugment policy 'zoom'"),
    (dict(augment_policy="color"), "augment_policy is DiffAugment's"),
    (dict(augment="ada", ada_target=1.5), "ada_target must be in (0, 1)"),
])
def test_bad_values_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError) as error:
        DCGAN(**SMALL[DCGAN], **kwargs)
    assert message in str(error.value)


@pytest.mark.parametrize("cls", [WGAN, WGANGP, EBGAN, BEGAN], ids=lambda c: c.__name__)
def test_ada_on_a_model_without_logits_is_refused(cls):
    with pytest.raises(ValueError, match="use augment='diffaugment'"):
        cls(**SMALL[cls], augment="ada")
