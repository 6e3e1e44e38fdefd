import numpy as np
import keras
import pytest

from keras_gans import ConditionalGAN
from tests import model_checks as checks

KWARGS = dict(num_classes=10, image_shape=(28, 28, 1))


def test_fit_finite(fashion):
    checks.check_fit_finite(ConditionalGAN, KWARGS, fashion, batch=32)


@pytest.mark.slow
def test_discriminator_learns(fashion):
    # Adam instead of the paper's optimizer: from the small initial weights (±0.005) the paper's SGD moves D's
    # loss by about 1e-5 in 8 steps, too little for 'falls' to prove anything
    checks.check_discriminator_learns(ConditionalGAN, KWARGS, fashion, batch=64,
                                      d_optimizer=keras.optimizers.Adam(1e-3))


@pytest.mark.slow
def test_save_load_resume_exact(fashion, tmp_path):
    checks.check_save_resume(ConditionalGAN, KWARGS, fashion, batch=32, tmp_path=tmp_path)


@pytest.mark.slow
def test_export_serves_in_fresh_process_with_labels(fashion, tmp_path):
    model = checks.check_fit_finite(ConditionalGAN, KWARGS, fashion, batch=32, steps=1)
    checks.check_export(model, tmp_path)


def test_mirrored_matches_single_device(fashion):
    checks.check_mirrored_matches_single_device(ConditionalGAN, KWARGS, fashion, batch=32)


def test_dcgan_architecture_trains(fashion):
    model = checks.check_fit_finite(ConditionalGAN, dict(KWARGS, architecture="dcgan", g_filters=8, d_filters=8),
                                    fashion, batch=32, steps=2)
    assert type(model.g_optimizer).__name__ == "FusedAdam"


def test_labels_change_the_samples():
    model = ConditionalGAN(**KWARGS)
    a = model.generate(4, seed=3, labels=[0, 0, 0, 0])
    b = model.generate(4, seed=3, labels=[5, 5, 5, 5])
    c = model.generate(4, seed=3, labels=0)
    assert not np.allclose(a, b) and np.array_equal(a, c)


def test_bad_labels_are_clear_errors():
    model = ConditionalGAN(**KWARGS)
    with pytest.raises(ValueError, match="labels out of range"):
        model.generate(2, labels=[0, 10])
    with pytest.raises(ValueError, match="pass labels"):
        model.generate(2)
    with pytest.raises(ValueError, match="must be 3 integers"):
        model.generate(3, labels=[1, 2])


def test_unlabelled_data_is_a_clear_error(fashion):
    model = ConditionalGAN(**KWARGS)
    model.compile()
    with pytest.raises(ValueError, match=r"must yield \(images, labels\)"):
        model.fit(checks.dataset(None, fashion, 32), epochs=1, verbose=0)


@pytest.mark.slow
def test_paper_defaults_train_stably():
    """SGD 0.1 with momentum 0.5 on the paper's MLPs, 3 epochs of the CLI's default run."""
    history = checks.check_paper_defaults_train_stably(ConditionalGAN)
    assert len(history["d_loss"]) == 3
