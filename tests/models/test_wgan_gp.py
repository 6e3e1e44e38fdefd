import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import WGANGP, losses
from tests import model_checks as checks

KWARGS = dict(image_shape=(28, 28, 1), g_filters=16, d_filters=16)


@pytest.mark.slow
def test_fit_finite_and_logs_gp(fashion):
    model = checks.check_fit_finite(WGANGP, KWARGS, fashion, batch=40)
    assert "gp" in model.tracker_names


@pytest.mark.slow
def test_discriminator_learns(fashion):
    checks.check_discriminator_learns(WGANGP, KWARGS, fashion, batch=40, epochs=10)


@pytest.mark.slow
def test_save_load_resume_exact(fashion, tmp_path):
    checks.check_save_resume(WGANGP, KWARGS, fashion, batch=40, tmp_path=tmp_path)


@pytest.mark.slow
def test_export_serves_in_fresh_process(fashion, tmp_path):
    model = checks.check_fit_finite(WGANGP, KWARGS, fashion, batch=40, steps=1)
    checks.check_export(model, tmp_path)


@pytest.mark.slow
def test_mirrored_matches_single_device(fashion):
    checks.check_mirrored_matches_single_device(WGANGP, KWARGS, fashion, batch=40)


def test_defaults_are_the_papers():
    model = WGANGP()
    model.compile()
    assert model.gp_weight == 10.0 and model.n_critic == 5 and model.clip_value is None
    assert float(model.d_optimizer.learning_rate) == pytest.approx(1e-4)
    assert (float(model.d_optimizer.beta_1), float(model.d_optimizer.beta_2)) == pytest.approx((0.5, 0.9))
    assert not any(isinstance(l, keras.layers.BatchNormalization) for l in model.discriminator.layers)


def test_batch_norm_critic_is_refused():
    with pytest.raises(ValueError, match="must not use batch norm"):
        WGANGP(critic_norm="batch")


def test_gradient_penalty_is_finite_at_zero_gradient_and_exact_elsewhere():
    g = tf.zeros((2, 3, 3, 1))
    with tf.GradientTape() as tape:
        tape.watch(g)
        gp = losses.gradient_penalty_from_gradients(g)
        total = tf.reduce_sum(gp)
    grad = tape.gradient(total, g)
    assert np.allclose(gp.numpy(), 1.0) and np.all(np.isfinite(grad.numpy()))
    v = np.array([[3.0, 4.0]], "float32")  # norm 5 -> (5 - 1)^2
    assert losses.gradient_penalty_from_gradients(v).numpy() == pytest.approx([16.0], rel=1e-6)


@pytest.mark.slow
def test_penalty_keeps_critic_gradient_norm_near_one(fashion):
    """Same start, same data: with λ = 10 the measured (||∇D(x̂)|| - 1)² ends lower than with λ = 0."""
    import keras

    finals = {}
    for weight in (0.0, 10.0):
        keras.utils.set_random_seed(5)
        model = WGANGP(gp_weight=weight, seed=1, **KWARGS)
        model.compile()
        gp = model.fit(checks.dataset(WGANGP, fashion, 40), epochs=10, verbose=0).history["gp"]
        finals[weight] = np.mean(gp[-3:])
    assert finals[10.0] < finals[0.0], finals
