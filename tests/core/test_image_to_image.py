"""What Pix2Pix and CycleGAN share (keras_gans.core.image_to_image): the toolbox options generator EMA and spectral
normalization of the PatchGAN discriminators, on real Fashion-MNIST pairs. Resume and 2 replicas with both options:
tests/models/test_cyclegan.py::test_save_resume_is_exact_with_pool_and_schedule and
tests/models/test_pix2pix.py::test_mirrored_matches_single_device."""

import keras
import numpy as np
import pytest

from keras_gans import CycleGAN, Pix2Pix
from keras_gans.layers import InstanceNormalization
from keras_gans.layers.spectral_norm import SpectralNormalization
from tests.model_checks import max_diff
from tests.models.translation_checks import check_translation_export, paired_data

PIX2PIX = dict(input_channels=1, output_channels=1, image_size=32, g_filters=4, d_filters=4)
CYCLEGAN = dict(PIX2PIX, n_blocks=1, pool_size=3)


def _layers(network, cls):
    return [layer for layer in network._flatten_layers() if isinstance(layer, cls)]


def test_spectral_norm_wraps_every_discriminator_convolution():
    pix2pix = Pix2Pix(**PIX2PIX, spectral_norm=True)
    # batch norm is dropped from D (it would undo the Lipschitz bound), kept in the U-Net generator
    assert len(_layers(pix2pix.discriminator, SpectralNormalization)) == 5  # C64-C128-C256-C512 and the logits
    assert not _layers(pix2pix.discriminator, keras.layers.BatchNormalization)
    assert _layers(pix2pix.generator, keras.layers.BatchNormalization)
    cyclegan = CycleGAN(**CYCLEGAN, spectral_norm=True)
    for d in cyclegan.discriminator_networks():  # instance norm stays (pix2pixHD / SPADE discriminators)
        assert len(_layers(d, SpectralNormalization)) == 5 and len(_layers(d, InstanceNormalization)) == 3
    assert not _layers(Pix2Pix(**PIX2PIX).discriminator, SpectralNormalization)  # off by default, as the paper
    clone = Pix2Pix.from_config(Pix2Pix(**PIX2PIX, spectral_norm=True, ema_decay=0.99, ema_rampup=0.05).get_config())
    assert (clone.architecture["spectral_norm"], clone.ema_decay, clone.ema_rampup) == (True, 0.99, 0.05)
    assert len(_layers(clone.discriminator, SpectralNormalization)) == 5


@pytest.mark.parametrize("kwargs, message", [
    (dict(ema_decay=1.0), "ema_decay must be in (0, 1)"),
    (dict(ema_rampup=0.05), "ema_rampup needs ema_decay"),
])
def test_bad_ema_values_are_clear_errors(kwargs, message):
    for cls, base in ((Pix2Pix, PIX2PIX), (CycleGAN, CYCLEGAN)):
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
            cls(**base, **kwargs)


def test_pix2pix_translates_and_exports_the_average(tmp_path):
    """translate, the sample grids and the SavedModel (served without keras_gans) use the averaged generator;
    its batch-norm statistics are its own."""
    model = Pix2Pix(**PIX2PIX, ema_decay=0.5, spectral_norm=True, seed=1)
    model.compile()
    a, _, data = paired_data(n=8, batch=2)
    model.fit(data, epochs=2, verbose=0)
    shadow, = model.ema_networks
    assert "ema_beta" in model.get_metrics_result()
    raw_bn, own_bn = (_layers(n, keras.layers.BatchNormalization)[0] for n in (model.generator, shadow))
    assert not np.allclose(raw_bn.moving_mean.numpy(), own_bn.moving_mean.numpy())
    # a few steps leave both generators' outputs near 0 (N(0, 0.02) weights): make the average clearly another
    # generator, whose outputs span the uint8 range
    last = [layer for layer in shadow.layers if layer.weights][-1]
    last.weights[0].assign(last.weights[0] * 100.0)
    averaged = model.translate(a[:2])
    with model.raw_weights():
        raw = model.translate(a[:2])
    assert max_diff(averaged.astype("int64"), raw.astype("int64")) > 10
    expected = shadow(a[:2].astype("float32") / 127.5 - 1.0, training=False).numpy()
    assert max_diff(averaged.astype("float32"), np.round((np.clip(expected, -1, 1) + 1) * 127.5)) <= 1
    check_translation_export(model, tmp_path)  # served == model.translate, i.e. the average
