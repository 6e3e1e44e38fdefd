import keras
import numpy as np
import pytest

from keras_gans import BEGAN
from tests import model_checks as checks

KWARGS = dict(image_shape=(28, 28, 1), filters=8, hidden_dim=8, latent_dim=8)
# a large λ_k and k_0 > 0 make k move in a few steps, so resume and replicas are tested on it
MOVING_K = dict(KWARGS, lambda_k=0.5, k_init=0.5)


@pytest.mark.slow
def test_fit_finite_and_logs_k_and_convergence(fashion):
    model = checks.check_fit_finite(BEGAN, KWARGS, fashion, batch=32)
    assert {"k", "convergence"} <= set(model.tracker_names)


@pytest.mark.slow
def test_discriminator_learns(fashion):
    checks.check_discriminator_learns(BEGAN, KWARGS, fashion, batch=64)


@pytest.mark.slow
def test_save_load_resume_exact_with_k(fashion, tmp_path):
    resumed = checks.check_save_resume(BEGAN, MOVING_K, fashion, batch=32, tmp_path=tmp_path)
    assert float(resumed.k) != 0.5  # k moved, and the equality above included it (a model weight)


@pytest.mark.slow
def test_mirrored_matches_single_device(fashion):
    checks.check_mirrored_matches_single_device(BEGAN, MOVING_K, fashion, batch=32)


@pytest.mark.slow
def test_export_serves_in_fresh_process(fashion, tmp_path):
    model = checks.check_fit_finite(BEGAN, KWARGS, fashion, batch=32, steps=1)
    checks.check_export(model, tmp_path)


@pytest.mark.slow
def test_k_update_is_the_papers_control(fashion):
    """One step: k_1 = clip(k_0 + λ_k (γ L(x) - L(G(z_G))), 0, 1) and M = L(x) + |γ L(x) - L(G(z_G))|."""
    for k0, lam in ((0.3, 0.7), (0.0, 0.001), (1.0, 5.0)):
        model = BEGAN(gamma=0.5, lambda_k=lam, k_init=k0, seed=1, **KWARGS)
        model.compile()
        logs = {k: v[0] for k, v in model.fit(checks.dataset(BEGAN, fashion, 32), epochs=1, verbose=0).history.items()}
        balance = 0.5 * logs["real_loss"] - logs["g_loss"]
        assert float(model.k) == pytest.approx(np.clip(k0 + lam * balance, 0.0, 1.0), abs=1e-6)
        assert logs["convergence"] == pytest.approx(logs["real_loss"] + abs(balance), rel=1e-5)
        # L_D = L(x) - k_0 L(G(z_D)) with the k of the step's start
        assert logs["d_loss"] == pytest.approx(logs["real_loss"] - k0 * logs["fake_loss"], rel=1e-4, abs=1e-6)


def test_defaults_are_the_papers():
    model = BEGAN()
    model.compile()
    assert (model.gamma, model.lambda_k, float(model.k)) == (0.5, 0.001, 0.0)
    assert model.latent_dim == 64 and float(model.g_optimizer.learning_rate) == pytest.approx(1e-4)
    layers = model.discriminator.layers + model.generator.layers
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in layers)
    assert model.discriminator.get_layer("embedding").units == 64
    assert model.discriminator.outputs[0].shape[1:] == (64, 64, 3)


@pytest.mark.parametrize("kwargs, message", [(dict(gamma=0), "gamma"), (dict(gamma=1.5), "gamma"),
                                              (dict(lambda_k=0), "lambda_k"), (dict(k_init=2), "k_init"),
                                              (dict(image_shape=(30, 30, 1)), "image size 30")])
def test_bad_arguments_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BEGAN(**{**KWARGS, **kwargs})
