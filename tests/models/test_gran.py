"""GRAN (Im et al. 2016): the recurrent generator draws in T steps whose canvases add up to the image; the model
trains on real Fashion-MNIST, resumes exactly, steps equally on two replicas and serves in a fresh process."""

import keras
import numpy as np
import pytest

from keras_gans import DCGAN, GRAN
from keras_gans.networks import build_gran_generator, gran_increments
from tests import model_checks as checks

KWARGS = dict(image_shape=(28, 28, 1), g_filters=8, d_filters=8, num_steps=3, latent_dim=16)


def test_fit_finite(fashion):
    checks.check_fit_finite(GRAN, KWARGS, fashion, batch=32)


@pytest.mark.slow
def test_discriminator_learns(fashion):
    checks.check_discriminator_learns(GRAN, KWARGS, fashion, batch=64)


def test_save_load_resume_exact(fashion, tmp_path):
    checks.check_save_resume(GRAN, KWARGS, fashion, batch=32, tmp_path=tmp_path)


def test_export_serves_in_fresh_process(fashion, tmp_path):
    # (16 filters: at 8 the freshly initialised images vary across seeds by less than one uint8 level)
    model = checks.check_fit_finite(GRAN, dict(KWARGS, g_filters=16, ema_decay=0.9), fashion, batch=32, steps=2)
    checks.check_export(model, tmp_path)  # the EMA generator's images


def test_mirrored_matches_single_device(fashion):
    checks.check_mirrored_matches_single_device(GRAN, KWARGS, fashion, batch=32)


@pytest.mark.parametrize("read", ["increment", "canvas"])
def test_the_step_canvases_add_up_to_the_image(fashion, read):
    """C = tanh(Σ_t ΔC_t) (eq. 5), and the canvas after step t is tanh of the first t increments."""
    model = checks.check_fit_finite(GRAN, dict(KWARGS, read=read), fashion, batch=32, steps=1)
    images, canvases = model.generate(6, seed=3, return_steps=True)
    assert canvases.shape == (6, 3, 28, 28, 1) and images.shape == (6, 28, 28, 1)
    plain = model.generate(6, seed=3)
    np.testing.assert_allclose(images, plain, atol=1e-5)  # the steps' last canvas is the generator's image
    increments = np.asarray(model.increments(model.latent_for_seed(6, 3)), "float64")
    np.testing.assert_allclose(np.tanh(increments.sum(axis=1)), plain, atol=1e-5)
    for t in range(3):
        np.testing.assert_allclose(canvases[:, t], np.tanh(increments[:, : t + 1].sum(axis=1)), atol=1e-5)
    # every step draws something: no increment is zero, and the canvases differ from step to step
    assert np.all(np.abs(increments).reshape(6, 3, -1).mean(axis=-1) > 1e-5)
    assert np.all(np.abs(canvases[:, 1:] - canvases[:, :-1]).reshape(6, 2, -1).max(axis=-1) > 1e-5)


def test_steps_share_the_decoder_and_encoder():
    """The recurrence reuses one decoder f and one encoder g: more steps, no more weights."""
    counts = [build_gran_generator(16, (28, 28, 1), 8, num_steps=t).count_params() for t in (1, 3, 5)]
    assert counts[1] == counts[2] > counts[0]  # T = 1 never reads its drawing back (no encoder)
    generator = build_gran_generator(16, (28, 28, 1), 8, num_steps=4)
    assert gran_increments(generator) is gran_increments(generator)  # built once
    assert gran_increments(generator).output.shape[1:] == (4, 28, 28, 1)


def test_the_encoder_reads_what_was_drawn():
    """h_{c,t} depends on the previous drawing: new encoder weights change steps 2.. but not step 1 (training mode:
    batch statistics, so the freshly initialised networks' tiny drawings are read at unit scale)."""
    generator = build_gran_generator(16, (28, 28, 1), 8, num_steps=3)
    z = np.random.default_rng(0).normal(size=(8, 16)).astype("float32")
    before = gran_increments(generator)(z, training=True).numpy()
    read = generator.get_layer("read").get_layer("read_dense")
    read.kernel.assign(np.random.default_rng(1).normal(size=read.kernel.shape).astype("float32"))
    after = gran_increments(generator)(z, training=True).numpy()
    assert np.abs(after[:, 0] - before[:, 0]).max() == 0.0
    assert np.abs(after[:, 1] - before[:, 1]).max() > 1e-4


def test_ema_draws_the_steps_of_the_average(fashion):
    model = checks.check_fit_finite(GRAN, dict(KWARGS, ema_decay=0.5), fashion, batch=32, steps=2)
    z = model.latent_for_seed(4, 0)
    averaged, raw = np.asarray(model.increments(z)), np.asarray(model.increments(z, ema=False))
    assert np.abs(averaged - raw).max() > 1e-4
    np.testing.assert_allclose(np.tanh(averaged.sum(1)), model.generate(4, seed=0), atol=1e-5)
    np.testing.assert_allclose(np.tanh(raw.sum(1)), model.generate(4, seed=0, ema=False), atol=1e-5)


def test_defaults_are_the_papers():
    model = GRAN()
    model.compile()
    assert (model.num_steps, model.read, model.latent_dim, model.image_shape) == (3, "increment", 100, (32, 32, 3))
    assert float(model.g_optimizer.learning_rate) == pytest.approx(2e-4)
    assert float(model.d_optimizer.beta_1) == pytest.approx(0.5)
    assert model.loss_name == "non_saturating"
    # D is DCGAN's, G's decoder is DCGAN's generator with a linear output
    reference = DCGAN(image_shape=(32, 32, 3))
    assert model.discriminator.count_params() == reference.discriminator.count_params()
    draw = model.generator.get_layer("draw")
    assert draw.inputs[0].shape[-1] == 200  # [h_z, h_c]
    assert draw.layers[-1].get_config()["activation"] == "linear"


def test_config_round_trip(tmp_path):
    model = GRAN(**KWARGS, read="canvas", seed=1)
    path = str(tmp_path / "gran.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is GRAN and (loaded.num_steps, loaded.read) == (3, "canvas")
    np.testing.assert_array_equal(loaded.generate(3, seed=2), model.generate(3, seed=2))


@pytest.mark.parametrize("kwargs, message", [
    (dict(num_steps=0), "num_steps >= 1"),
    (dict(num_steps=2.5), "num_steps >= 1"),
    (dict(read="sum"), "reads one of"),
    (dict(image_shape=(30, 30, 1)), "image size 30 cannot be produced"),
])
def test_bad_arguments_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GRAN(**{**KWARGS, **kwargs})


def test_a_generator_of_other_steps_is_refused():
    with pytest.raises(ValueError, match="num_steps=3 but the generator draws in 2 steps"):
        GRAN(**KWARGS, generator=build_gran_generator(16, (28, 28, 1), 8, num_steps=2))


def test_instance_noise_and_the_toolbox_options_apply(fashion):
    """GRAN's train_step is MinimaxGame's: instance noise, DiffAugment, R1 and EMA enter through the shared helpers."""
    model = checks.check_fit_finite(GRAN, dict(KWARGS, instance_noise=0.1, augment="diffaugment", r1_gamma=1.0,
                                               ema_decay=0.9), fashion, batch=16, steps=2)
    assert {"instance_noise", "ema_beta", "r1"} <= set(model.tracker_names)
    assert checks.max_diff(model.ema_networks[0].get_weights(), model.generator.get_weights()) > 0
    ada = checks.check_fit_finite(GRAN, dict(KWARGS, augment="ada"), fashion, batch=16, steps=1)
    assert "augment_p" in ada.tracker_names
