import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import EBGAN, losses
from tests import model_checks as checks

KWARGS = dict(image_shape=(28, 28, 1), g_filters=8, d_filters=8)


def test_fit_finite_and_logs_energies(fashion):
    model = checks.check_fit_finite(EBGAN, KWARGS, fashion, batch=32)
    assert {"real_energy", "fake_energy", "pt"} <= set(model.tracker_names)


@pytest.mark.slow
def test_discriminator_learns(fashion):
    checks.check_discriminator_learns(EBGAN, KWARGS, fashion, batch=64)


@pytest.mark.slow
def test_save_load_resume_exact(fashion, tmp_path):
    checks.check_save_resume(EBGAN, KWARGS, fashion, batch=32, tmp_path=tmp_path)


@pytest.mark.slow
def test_export_serves_in_fresh_process(fashion, tmp_path):
    model = checks.check_fit_finite(EBGAN, KWARGS, fashion, batch=32, steps=1)
    checks.check_export(model, tmp_path)


@pytest.mark.slow
def test_mirrored_matches_single_device(fashion):
    """The pulling-away term pairs examples across replicas: exact only with the gathered codes.

    SGD, not the default Adam: at initialization some generator gradients (the projection
    feeding batch norm) are zero up to float32 rounding, and Adam's first step ``lr·g/(|g|+ε)``
    turns that rounding (which differs with the all-reduce order) into updates of up to lr/2
    (measured 1e-4 with Adam; 5e-6 with SGD at learning rate 1, i.e. the gradients agree).
    """
    sgd = lambda: dict(g_optimizer=keras.optimizers.SGD(1.0), d_optimizer=keras.optimizers.SGD(1.0))  # noqa: E731
    checks.check_mirrored_matches_single_device(EBGAN, KWARGS, fashion, batch=32, compile_kwargs=sgd)


def test_defaults_are_the_papers():
    model = EBGAN()
    model.compile()
    assert model.pt_weight == 0.1 and model.margin == 1.0 and model.latent_dim == 100
    assert float(model.d_optimizer.learning_rate) == pytest.approx(2e-4)
    assert float(model.d_optimizer.beta_1) == pytest.approx(0.5)
    # paper's 64x64 auto-encoder: 64-128-256 down to an 8x8 code, back up to the image
    assert model.discriminator.outputs[0].shape[1:] == (64, 64, 3)
    assert model.discriminator.outputs[1].shape[1:] == (8 * 8 * 256,)


def test_losses_are_the_papers_equations(fashion):
    """Eq. 1 per example, and a step's logged real energy = the reconstruction MSE in numpy."""
    real_e, fake_e = np.array([0.2, 0.1, 0.3], "float32"), np.array([0.1, 0.9, 0.45], "float32")
    np.testing.assert_allclose(losses.energy_discriminator_loss(real_e, fake_e, 0.5).numpy(),
                               real_e + np.maximum(0.0, 0.5 - fake_e), rtol=1e-6)
    model = EBGAN(margin=0.5, seed=3, **KWARGS)
    model.compile()
    real = fashion[0][:16]
    recon, _ = model.discriminator(real, training=True)  # D's first use is the real batch, before its update
    real_energy = np.mean((recon.numpy() - real) ** 2, axis=(1, 2, 3)).mean()
    logs = model.fit(checks.dataset(EBGAN, fashion, 16), epochs=1, verbose=0).history
    assert logs["real_energy"][0] == pytest.approx(real_energy, rel=1e-4)
    assert real_energy <= logs["d_loss"][0] <= real_energy + 0.5 + 1e-6


def test_pulling_away_term_value_and_gradient():
    rng = np.random.default_rng(0)
    s = rng.normal(size=(6, 5)).astype("float32")
    unit = s / np.linalg.norm(s, axis=1, keepdims=True)
    cos2 = (unit @ unit.T) ** 2
    expected = (cos2.sum() - np.trace(cos2)) / (6 * 5)
    x = tf.constant(s)
    with tf.GradientTape() as tape:
        tape.watch(x)
        pt = losses.pulling_away_term(x)
        mean = tf.reduce_mean(pt)
    assert pt.shape == (6,) and float(mean) == pytest.approx(expected, rel=1e-5)
    # the full gradient of f_PT (both members of every pair), checked by finite differences
    grad = tape.gradient(mean, x).numpy()

    def f_pt(v):
        u = v / np.linalg.norm(v, axis=1, keepdims=True)
        c = (u @ u.T) ** 2
        return (c.sum() - np.trace(c)) / (6 * 5)

    h = 1e-3
    numeric = np.zeros_like(s, dtype="float64")
    for idx in np.ndindex(s.shape):
        up, down = s.astype("float64"), s.astype("float64")
        up[idx] += h
        down[idx] -= h
        numeric[idx] = (f_pt(up) - f_pt(down)) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=2e-2, atol=1e-4)
    # identical codes: every pair has cos^2 = 1; orthogonal codes: 0
    assert np.allclose(losses.pulling_away_term(tf.ones((4, 3))).numpy(), 1.0, atol=1e-6)
    assert np.allclose(losses.pulling_away_term(tf.eye(3)).numpy(), 0.0, atol=1e-6)


@pytest.mark.parametrize("kwargs, message", [(dict(margin=0), "margin must be positive"),
                                              (dict(pt_weight=-1), "pt_weight must be >= 0")])
def test_bad_arguments_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EBGAN(**KWARGS, **kwargs)
