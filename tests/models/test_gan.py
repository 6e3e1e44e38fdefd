import numpy as np
import keras
import pytest

from keras_gans import GAN, losses
from tests import model_checks as checks

KWARGS = dict(image_shape=(28, 28, 1), g_units=(128, 128), d_units=(64, 64))


def test_fit_finite(fashion):
    checks.check_fit_finite(GAN, KWARGS, fashion, batch=32)


@pytest.mark.slow
def test_discriminator_learns(fashion):
    # Adam instead of the paper's optimizer: from the small initial weights (±0.005) the paper's SGD moves D's
    # loss by about 1e-5 in 8 steps, too little for 'falls' to prove anything
    checks.check_discriminator_learns(GAN, KWARGS, fashion, batch=64, d_optimizer=keras.optimizers.Adam(1e-3))


def test_save_load_resume_exact(fashion, tmp_path):
    checks.check_save_resume(GAN, KWARGS, fashion, batch=32, tmp_path=tmp_path)


@pytest.mark.slow
def test_export_serves_in_fresh_process(fashion, tmp_path):
    model = checks.check_fit_finite(GAN, KWARGS, fashion, batch=32, steps=1)
    checks.check_export(model, tmp_path)


def test_mirrored_matches_single_device(fashion):
    checks.check_mirrored_matches_single_device(GAN, KWARGS, fashion, batch=32)


def test_d_steps_runs_k_discriminator_updates_per_generator_update(fashion):
    model = GAN(d_steps=3, **KWARGS)
    model.compile()
    model.fit(checks.dataset(GAN, fashion, 48, n=96), epochs=1, verbose=0)
    assert int(model.d_optimizer.iterations) == 6 and int(model.g_optimizer.iterations) == 2


def test_defaults_are_the_papers():
    model = GAN()
    model.compile()
    assert model.latent_dim == 100 and model.d_steps == 1
    assert float(model.g_optimizer.learning_rate) == pytest.approx(0.1)
    assert float(model.d_optimizer.momentum) == pytest.approx(0.5)
    assert model.g_loss_fn is losses.non_saturating_generator_loss


def test_minimax_option_uses_saturating_loss():
    assert GAN(loss="minimax", **KWARGS).g_loss_fn is losses.minimax_generator_loss
    with pytest.raises(ValueError, match="loss must be"):
        GAN(loss="wasserstein", **KWARGS)


def test_batch_not_divisible_by_d_steps_is_a_clear_error(fashion):
    model = GAN(d_steps=3, **KWARGS)
    model.compile()
    with pytest.raises(ValueError, match="cannot be split into d_steps=3"):
        model.fit(checks.dataset(GAN, fashion, 32), epochs=1, verbose=0)


def test_generate_is_deterministic_per_seed():
    model = GAN(**KWARGS)
    a, b, c = model.generate(5, seed=1), model.generate(5, seed=1), model.generate(5, seed=2)
    assert a.shape == (5, 28, 28, 1) and np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.min() >= -1 and a.max() <= 1
    with pytest.raises(ValueError, match="num must be a positive integer"):
        model.generate(0)
    with pytest.raises(ValueError, match="not conditional"):
        model.generate(2, labels=[0, 1])


@pytest.mark.slow
def test_paper_defaults_train_stably():
    """SGD 0.1 with momentum 0.5 on the paper's MLPs, 3 epochs of the CLI's default run."""
    history = checks.check_paper_defaults_train_stably(GAN)
    assert len(history["d_loss"]) == 3
