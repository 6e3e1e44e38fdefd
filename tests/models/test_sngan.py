import keras
import numpy as np
import pytest

from keras_gans import SNGAN, losses
from keras_gans.kernels import FusedAdam
from keras_gans.layers.spectral_norm import SpectralNormalization
from tests import model_checks as checks

# Small widths, and n_dis = 2 instead of the paper's 5 where a check traces and runs many steps (the
# train_step unrolls one discriminator update per n_dis; tracing dominates these tests' time).
CNN = dict(image_shape=(28, 28, 1), architecture="cnn", g_filters=8, d_filters=8, n_dis=2)
RESNET = dict(image_shape=(28, 28, 1), architecture="resnet", g_filters=8, d_filters=8, n_dis=2)


def test_fit_finite_standard_cnn(fashion):
    model = checks.check_fit_finite(SNGAN, CNN, fashion, batch=20)
    assert int(model.g_optimizer.iterations) == 3 and int(model.d_optimizer.iterations) == 3 * 2


@pytest.mark.slow
def test_fit_finite_resnet(fashion):
    checks.check_fit_finite(SNGAN, RESNET, fashion, batch=20)


@pytest.mark.slow
def test_discriminator_learns(fashion):
    checks.check_discriminator_learns(SNGAN, dict(CNN, n_dis=1), fashion, batch=32, epochs=6)


@pytest.mark.slow
def test_save_load_resume_exact(fashion, tmp_path):
    resumed = checks.check_save_resume(SNGAN, dict(CNN, n_dis=1), fashion, batch=16, tmp_path=tmp_path)
    # the power iteration's u vectors are saved (check_save_resume compared every weight with a straight run) and
    # were updated by training: they differ from the untrained model's (the check's init.keras)
    layers = [l for l in resumed.discriminator.layers if isinstance(l, SpectralNormalization)]
    assert layers and all(l.u.shape == (1, l.kernel.shape[-1]) for l in layers)
    untrained = keras.models.load_model(tmp_path / "init.keras").discriminator
    for layer in layers:
        assert np.abs(layer.u.numpy() - untrained.get_layer(layer.name).u.numpy()).max() > 1e-3, layer.name


@pytest.mark.slow
def test_export_serves_in_fresh_process(fashion, tmp_path):
    model = checks.check_fit_finite(SNGAN, dict(CNN, n_dis=1), fashion, batch=16, steps=1)
    checks.check_export(model, tmp_path)


@pytest.mark.slow
def test_mirrored_matches_single_device(fashion):
    single, replicated = checks.check_mirrored_matches_single_device(SNGAN, dict(CNN, n_dis=1), fashion, batch=16)
    for model in (single, replicated):
        layers = [l for l in model.discriminator.layers if isinstance(l, SpectralNormalization)]
        assert layers and all(l.u.aggregation == "only_first_replica" for l in layers)


def test_defaults_are_the_papers():
    model = SNGAN()
    model.compile()
    assert (model.architecture, model.image_shape, model.latent_dim) == ("resnet", (32, 32, 3), 128)
    assert (model.n_dis, model.d_steps, model.g_filters, model.d_filters) == (5, 5, 256, 128)
    assert (model.d_loss_fn, model.g_loss_fn) == (losses.hinge_discriminator_loss, losses.hinge_generator_loss)
    for optimizer in (model.g_optimizer, model.d_optimizer):
        assert isinstance(optimizer, FusedAdam)
        assert float(optimizer.learning_rate) == pytest.approx(2e-4)
        assert (float(optimizer.beta_1), float(optimizer.beta_2)) == pytest.approx((0.0, 0.9))
    d_weighted = [l for l in model.discriminator.layers if l.weights]
    assert d_weighted and all(isinstance(l, SpectralNormalization) and l.power_iterations == 1 for l in d_weighted)
    assert not any(isinstance(l, keras.layers.BatchNormalization) for l in model.discriminator.layers)
    assert any(isinstance(l, keras.layers.BatchNormalization) for l in model.generator.layers)

    cnn = SNGAN(architecture="cnn")
    assert (cnn.g_filters, cnn.d_filters) == (64, 64)
    assert cnn.generator.get_layer("reshape").output.shape == (None, 4, 4, 512)


def test_config_round_trip():
    model = SNGAN(**CNN, loss="non_saturating", seed=3)
    clone = SNGAN.from_config(model.get_config())
    assert (clone.architecture, clone.n_dis, clone.loss_name, clone.g_filters, clone.seed) == ("cnn", 2, "non_saturating", 8, 3)
    assert [w.shape for w in clone.weights] == [w.shape for w in model.weights]
    assert clone.d_loss_fn is losses.minimax_discriminator_loss


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="architecture"):
        SNGAN(architecture="dcgan")
    with pytest.raises(ValueError, match="n_dis"):
        SNGAN(n_dis=0)
    with pytest.raises(ValueError, match="adversarial loss"):
        SNGAN(loss="hinged")


def test_batch_must_split_into_n_dis_minibatches(fashion):
    model = SNGAN(**CNN)
    model.compile()
    with pytest.raises(ValueError, match="d_steps=2"):
        model.fit(checks.dataset(SNGAN, fashion, 15), epochs=1, verbose=0)


@pytest.mark.slow
def test_toolbox_options_apply_through_the_shared_helpers(fashion):
    """train_step goes through discriminate / update_moving_average, so augmentation and EMA reach SN-GAN."""
    model = checks.check_fit_finite(SNGAN, dict(CNN, n_dis=1, ema_decay=0.9, augment="diffaugment"), fashion,
                                    batch=16, steps=2)
    assert {"ema_beta", "d_loss", "g_loss"} <= set(model.tracker_names) and model.ema_networks
    assert checks.max_diff(model.ema_networks[0].get_weights(), model.generator.get_weights()) > 0
