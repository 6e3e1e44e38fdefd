"""CycleGAN: networks, objective, image pool, schedule across resume, distribution, export."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import CycleGAN
from keras_gans.networks import build_resnet_generator
from keras_gans.schedules import ConstantThenLinearDecay, half_constant_half_decay
from tests.model_checks import check_mirrored_matches_single_device, check_save_resume
from tests.models.translation_checks import check_translation_export, unpaired_data

SMALL = dict(input_channels=1, output_channels=1, image_size=32, g_filters=4, d_filters=4, n_blocks=1, pool_size=3)


def test_reference_resnet_generator():
    """resnet_9blocks of the reference code: 11.38M parameters; 6 blocks below 256."""
    generator = build_resnet_generator(3, 3, n_blocks=9)
    # the reference's 11,378,179, less the 5,248 conv biases that instance norm cancels, plus its
    # scale and offset for those 5,248 channels
    assert generator.count_params() == 11_378_179 - 5_248 + 2 * 5_248
    assert CycleGAN(image_size=128, g_filters=4, d_filters=4).architecture["n_blocks"] == 6
    assert CycleGAN(image_size=256, g_filters=4, d_filters=4).architecture["n_blocks"] == 9
    assert generator(tf.zeros((1, 20, 28, 3))).shape == (1, 20, 28, 3)


def test_bad_arguments():
    with pytest.raises(ValueError, match="identity_weight=0"):
        CycleGAN(input_channels=1, output_channels=3, image_size=32, g_filters=4, d_filters=4)
    CycleGAN(input_channels=1, output_channels=3, image_size=32, g_filters=4, d_filters=4, identity_weight=0)
    with pytest.raises(ValueError, match="multiple of 4"):
        CycleGAN(image_size=30)
    with pytest.raises(ValueError, match="pool_size"):
        CycleGAN(**{**SMALL, "pool_size": -1})


@pytest.mark.slow
def test_objective_terms_and_weights():
    """g_loss = gan + cycle + identity with lambda 10 and identity 0.5 * lambda; all finite."""
    _, _, data = unpaired_data(n=4, batch=2)
    model = CycleGAN(**SMALL, seed=2)
    model.compile()
    logs = model.fit(data, epochs=1, verbose=0).history
    for name in model.tracker_names:
        assert np.isfinite(logs[name][0]), name
    np.testing.assert_allclose(logs["g_loss"][0],
                               logs["gan_loss"][0] + logs["cycle_loss"][0] + logs["identity_loss"][0], rtol=1e-5)
    assert int(model.pool_a.count.numpy()) == 3 and int(model.pool_b.count.numpy()) == 3  # 4 images seen, pool of 3
    no_identity = CycleGAN(**{**SMALL, "identity_weight": 0.0}, seed=2)
    no_identity.compile()
    assert no_identity.fit(data, epochs=1, verbose=0).history["identity_loss"][0] == 0.0


def test_schedule_is_constant_then_linear_to_zero():
    schedule = half_constant_half_decay(2e-4, 10)
    values = [float(schedule(step)) for step in range(12)]
    assert values[:6] == pytest.approx([2e-4] * 6)
    assert values[6:11] == pytest.approx([2e-4 * (1 - k / 5) for k in range(1, 6)])
    assert values[11] == 0.0
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(schedule))
    assert isinstance(restored, ConstantThenLinearDecay) and float(restored(7)) == pytest.approx(values[7])


def _scheduled_optimizers():
    return dict(g_optimizer=keras.optimizers.Adam(half_constant_half_decay(2e-4, 4), beta_1=0.5),
                d_optimizer=keras.optimizers.Adam(half_constant_half_decay(2e-4, 4), beta_1=0.5))


@pytest.mark.slow
def test_save_resume_is_exact_with_pool_and_schedule(tmp_path):
    """Weights, optimizer slots, the image pools and the decaying learning rate continue exactly; with the toolbox
    options translation takes (EMA of both generators, spectral norm: its power-iteration vectors) too."""
    _, _, data = unpaired_data(n=4, batch=2)  # 2 steps per epoch, schedule over 4 steps
    toolbox = dict(ema_decay=0.9, ema_rampup=0.5, spectral_norm=True)
    resumed = check_save_resume(CycleGAN, dict(SMALL, **toolbox), None, 2, tmp_path, data=data,
                                compile_kwargs=_scheduled_optimizers())
    assert [n.name for n in resumed.ema_networks] == ["generator_ab", "generator_ba"]
    assert int(resumed.g_optimizer.iterations) == 4
    assert float(resumed.g_optimizer.learning_rate) == 0.0  # the end of the linear decay
    assert int(resumed.pool_b.count.numpy()) == 3


@pytest.mark.slow
def test_mirrored_matches_single_device():
    _, _, data = unpaired_data(n=4, batch=4)
    check_mirrored_matches_single_device(CycleGAN, SMALL, None, 4, data=data)


@pytest.mark.slow
def test_export_serves_both_directions(tmp_path):
    model = CycleGAN(**SMALL, seed=5)
    check_translation_export(model, tmp_path, size=(21, 38))
