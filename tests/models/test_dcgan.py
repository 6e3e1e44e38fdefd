import keras
import numpy as np
import pytest

from keras_gans import DCGAN
from tests import model_checks as checks

KWARGS = dict(image_shape=(28, 28, 1), g_filters=16, d_filters=16)


def test_fit_finite(fashion):
    checks.check_fit_finite(DCGAN, KWARGS, fashion, batch=32)


@pytest.mark.slow
def test_discriminator_learns(fashion):
    checks.check_discriminator_learns(DCGAN, KWARGS, fashion, batch=64)


def test_save_load_resume_exact(fashion, tmp_path):
    checks.check_save_resume(DCGAN, KWARGS, fashion, batch=32, tmp_path=tmp_path)


def test_export_serves_in_fresh_process(fashion, tmp_path):
    model = checks.check_fit_finite(DCGAN, KWARGS, fashion, batch=32, steps=1)
    checks.check_export(model, tmp_path, saved_model_cli=True)


def test_mirrored_matches_single_device(fashion):
    checks.check_mirrored_matches_single_device(DCGAN, KWARGS, fashion, batch=32)


def test_defaults_are_the_papers():
    model = DCGAN()
    model.compile()
    assert model.image_shape == (64, 64, 3) and model.latent_dim == 100
    assert float(model.g_optimizer.learning_rate) == pytest.approx(2e-4)
    assert float(model.d_optimizer.beta_1) == pytest.approx(0.5)
    # batch norm everywhere except G's output and D's input; LeakyReLU 0.2 in D; N(0, 0.02) weights
    g_layers = [type(l).__name__ for l in model.generator.layers]
    assert g_layers[-2:] == ["FastConv2DTranspose", "Activation"]
    assert g_layers.count("FastBatchNormalization") == 4  # (keras_gans.kernels: the fused kernel on one replica)
    d = model.discriminator.layers
    assert [type(l).__name__ for l in d[1:3]] == ["FastConv2D", "FastLeakyReLU"]
    assert sum(type(l).__name__ == "FastBatchNormalization" for l in d) == 3
    assert all(l.negative_slope == pytest.approx(0.2) for l in d if isinstance(l, keras.layers.LeakyReLU))
    kernel = model.generator.get_layer("up_0").kernel.numpy()
    assert abs(kernel.std() - 0.02) < 0.002


@pytest.mark.parametrize("size", [28, 32, 64, 128])
def test_image_sizes(size):
    model = DCGAN(image_shape=(size, size, 3), g_filters=8, d_filters=8)
    images = model.generate(2, seed=0)
    assert images.shape == (2, size, size, 3)
    assert model.discriminator(images).shape == (2, 1)


@pytest.mark.parametrize("size", [30, 48, 100])
def test_impossible_image_size_is_a_clear_error(size):
    with pytest.raises(ValueError, match=f"image size {size} cannot be produced"):
        DCGAN(image_shape=(size, size, 1))


def test_wrong_image_shape_in_data_is_a_clear_error(fashion):
    model = DCGAN(image_shape=(32, 32, 1), g_filters=8, d_filters=8)
    model.compile()
    with pytest.raises(ValueError, match=r"images of shape \(28, 28, 1\), the model makes \(32, 32, 1\)"):
        model.fit(checks.dataset(DCGAN, fashion, 16), epochs=1, verbose=0)


def test_uncompiled_model_says_so(fashion):
    model = DCGAN(**KWARGS)
    with pytest.raises((RuntimeError, ValueError), match="compile"):
        model.fit(checks.dataset(DCGAN, fashion, 16), epochs=1, verbose=0)


@pytest.mark.slow
def test_generator_learns_to_fool_a_fixed_discriminator(fashion):
    model = DCGAN(**KWARGS)
    model.compile(d_optimizer=keras.optimizers.SGD(0.0))
    history = model.fit(checks.dataset(DCGAN, fashion, 64), epochs=8, verbose=0)
    g = history.history["g_loss"]
    assert np.mean(g[-2:]) < np.mean(g[:2]), g
