"""Pix2Pix: the paper's networks and objective, training, resume, distribution, any-size inference, export."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import Pix2Pix
from keras_gans.networks import build_patchgan_discriminator, build_unet_generator
from keras_gans.networks.patchgan import receptive_field
from tests.model_checks import check_mirrored_matches_single_device, check_save_resume, max_diff
from tests.models.translation_checks import check_translation_export, paired_data

SMALL = dict(input_channels=1, output_channels=1, image_size=32, g_filters=4, d_filters=4)


def test_reference_sizes_and_parameter_counts():
    """unet_256 and the 70x70 PatchGAN of the reference code: 54.4M and 2.77M parameters (RGB -> RGB)."""
    generator = build_unet_generator(3, 3, 256)
    discriminator = build_patchgan_discriminator(3, 3)
    assert generator.count_params() == 54_413_955 + 9_856  # conv weights + batch-norm scale/offset/statistics
    assert discriminator.count_params() == 2_769_729 + 768
    assert sum("dropout" in layer.name for layer in generator.layers) == 3
    assert discriminator([tf.zeros((1, 256, 256, 3))] * 2).shape == (1, 30, 30, 1)


@pytest.mark.parametrize("size, depth", [(64, 6), (128, 7), (256, 8), (512, 9)])
def test_unet_depth_follows_the_image_size(size, depth):
    generator = build_unet_generator(1, 3, size, filters=2)
    assert sum(layer.name.endswith("_conv") and layer.name.startswith("down") for layer in generator.layers) == depth
    assert generator(tf.zeros((1, size, size, 1))).shape == (1, size, size, 3)


def test_encoder_decoder_ablation_has_no_skips():
    unet = build_unet_generator(1, 1, 32, filters=4)
    plain = build_unet_generator(1, 1, 32, filters=4, skip=False)
    assert sum(isinstance(layer, keras.layers.Concatenate) for layer in unet.layers) == 4
    assert not any(isinstance(layer, keras.layers.Concatenate) for layer in plain.layers)


@pytest.mark.parametrize("n_layers", [1, 2, 3])
def test_patchgan_receptive_field_is_measured_by_gradients(n_layers):
    """Each logit depends on exactly a receptive_field x receptive_field input patch (16, 34, 70)."""
    d = build_patchgan_discriminator(1, 0, filters=2, n_layers=n_layers, norm="none")
    keras.utils.set_random_seed(0)
    for w in d.weights:  # positive weights: no accidental zero gradients inside the field
        w.assign(tf.abs(tf.random.normal(w.shape)) + 0.1)
    x = tf.random.normal((1, 96, 96, 1))
    with tf.GradientTape() as tape:
        tape.watch(x)
        logits = d(x)
        centre = logits[0, logits.shape[1] // 2, logits.shape[2] // 2, 0]
    grad = tape.gradient(centre, x)[0, ..., 0].numpy()
    rows, cols = np.nonzero(np.abs(grad) > 0)
    assert rows.max() - rows.min() + 1 == receptive_field(n_layers)
    assert cols.max() - cols.min() + 1 == receptive_field(n_layers)


def test_pixelgan_and_bad_arguments():
    pixel = build_patchgan_discriminator(3, 3, filters=4, patch_size=1)
    assert pixel([tf.zeros((2, 20, 24, 3))] * 2).shape == (2, 20, 24, 1)
    with pytest.raises(ValueError, match="patch_size must be one of"):
        build_patchgan_discriminator(3, 3, patch_size=50)
    with pytest.raises(ValueError, match="power-of-two"):
        Pix2Pix(image_size=100)
    with pytest.raises(ValueError, match="generator_type"):
        Pix2Pix(generator_type="resnet")


def test_train_step_follows_the_paper():
    """Losses are finite, g_loss = g_gan + 100 * L1, and the halved D loss falls on a fixed batch."""
    from keras_gans import losses

    a, b, data = paired_data(n=4, batch=4)
    model = Pix2Pix(**SMALL, seed=1)
    model.compile(g_optimizer=keras.optimizers.SGD(0.0))  # G frozen: only D learns
    x, y = (tf.constant(v.astype("float32") / 127.5 - 1) for v in (a, b))

    def d_loss():
        fake = model.generator(x)
        return float(tf.reduce_mean(
            0.5 * losses.minimax_discriminator_loss(model.discriminator([x, y]), model.discriminator([x, fake]))))

    before = d_loss()
    logs = model.fit(data.repeat(12), epochs=1, verbose=0).history
    for name in model.tracker_names:
        assert np.isfinite(logs[name][0])
    np.testing.assert_allclose(logs["g_loss"][0], logs["g_gan_loss"][0] + 100.0 * logs["g_l1_loss"][0], rtol=1e-5)
    assert d_loss() < before


def test_wrong_channels_or_size_in_the_data_is_a_clear_error():
    _, _, data = paired_data(n=4, batch=2)
    rgb = Pix2Pix(input_channels=3, output_channels=1, image_size=32, g_filters=4, d_filters=4)
    rgb.compile()
    with pytest.raises(ValueError, match="A images with 3 channel"):
        rgb.fit(data, epochs=1, verbose=0)
    big = Pix2Pix(**{**SMALL, "image_size": 64})
    big.compile()
    with pytest.raises(ValueError, match="64x64 crops"):
        big.fit(data, epochs=1, verbose=0)


@pytest.mark.slow
def test_save_resume_is_exact(tmp_path):
    _, _, data = paired_data(n=4, batch=2)
    check_save_resume(Pix2Pix, SMALL, None, 2, tmp_path, data=data)


@pytest.mark.slow
def test_mirrored_matches_single_device():
    """Also with the toolbox options translation takes: the EMA (its batch-norm statistics refreshed on each
    replica's slice, synchronized) and spectral norm."""
    _, _, data = paired_data(n=4, batch=4)
    single, replicated = check_mirrored_matches_single_device(
        Pix2Pix, dict(SMALL, ema_decay=0.9, spectral_norm=True), None, 4, data=data)
    assert max_diff(single.ema_networks[0].get_weights(), replicated.ema_networks[0].get_weights()) < 1e-5


def _identity_model():
    inputs = keras.Input((None, None, 1))
    identity = keras.Model(inputs, keras.layers.Identity()(inputs))
    return Pix2Pix(**SMALL, generator=identity)


@pytest.mark.parametrize("shape", [(37, 50), (70, 33), (32, 32), (1, 5)])
def test_any_size_translation_pads_and_crops_back(shape):
    """An identity generator makes padding/cropping errors visible: output == input exactly."""
    model = _identity_model()
    image = np.random.default_rng(1).integers(0, 256, size=(2, *shape, 1), dtype=np.uint8)
    np.testing.assert_array_equal(model.translate(image), image)


def test_tiles_blend_back_to_the_image():
    model = _identity_model()
    image = np.random.default_rng(2).integers(0, 256, size=(1, 100, 75, 1), dtype=np.uint8)
    np.testing.assert_array_equal(model.translate(image, tile_size=32, overlap=8), image)
    with pytest.raises(ValueError, match="multiple of 32"):
        model.translate(image, tile_size=40)


def test_trained_generator_translates_any_size_and_tiles_agree_away_from_borders():
    a, _, _ = paired_data(n=2)
    model = Pix2Pix(**SMALL, seed=3)
    big = np.tile(a[:1], (1, 3, 2, 1))  # 96 x 64, not a multiple of the U-Net's 32 after cropping below
    big = big[:, :90, :61]
    whole = model.translate(big)
    assert whole.shape == big.shape and whole.dtype == np.uint8
    floats = model.translate(big.astype("float32") / 127.5 - 1)
    assert floats.dtype == np.float32 and np.abs(floats).max() <= 1.0
    with pytest.raises(ValueError, match=r"takes images \[batch, height, width, 1\]"):
        model.translate(np.zeros((1, 32, 32, 3), np.uint8))


@pytest.mark.slow
def test_export_serves_any_size_in_a_fresh_process(tmp_path):
    model = Pix2Pix(**SMALL, seed=4)
    check_translation_export(model, tmp_path)
