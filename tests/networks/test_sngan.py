"""SN-GAN's networks (Miyato et al. 2018, Tables 3 and 4) and the DCGAN discriminator's spectral_norm option."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.layers.spectral_norm import SpectralNormalization
from keras_gans.networks import (build_dcgan_discriminator, build_sngan_cnn_discriminator, build_sngan_cnn_generator,
                                 build_sngan_resnet_discriminator, build_sngan_resnet_generator)

BUILDERS = {
    "cnn": (build_sngan_cnn_generator, build_sngan_cnn_discriminator),
    "resnet": (build_sngan_resnet_generator, build_sngan_resnet_discriminator),
}


def weighted_layers(model):
    return [layer for layer in model.layers if layer.weights]


@pytest.mark.parametrize("architecture", sorted(BUILDERS))
@pytest.mark.parametrize("image_shape", [(32, 32, 3), (28, 28, 1), (64, 64, 2)])
def test_output_shapes(architecture, image_shape):
    build_g, build_d = BUILDERS[architecture]
    g, d = build_g(16, image_shape, 8), build_d(image_shape, 8)
    images = g(np.random.default_rng(0).normal(size=(3, 16)).astype("float32")).numpy()
    assert images.shape == (3, *image_shape) and np.abs(images).max() <= 1.0
    assert d(images).shape == (3, 1) and d(images, training=True).dtype == "float32"


@pytest.mark.parametrize("architecture", sorted(BUILDERS))
def test_spectral_norm_wraps_every_discriminator_layer_and_replaces_batch_norm(architecture):
    d = BUILDERS[architecture][1]((28, 28, 1), 8)
    assert all(isinstance(layer, SpectralNormalization) for layer in weighted_layers(d))
    assert len(weighted_layers(d)) == (8 if architecture == "cnn" else 4 * 2 + 2 + 1)
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in d.layers)
    plain = BUILDERS[architecture][1]((28, 28, 1), 8, spectral_norm=False)
    assert not any(isinstance(layer, SpectralNormalization) for layer in plain.layers)
    assert len(plain.weights) == len(d.weights) - len(weighted_layers(d))  # the same layers, less the u vectors


def test_standard_cnn_is_table_3():
    g, d = build_sngan_cnn_generator(), build_sngan_cnn_discriminator()
    assert g.inputs[0].shape == (None, 128) and g.get_layer("reshape").output.shape == (None, 4, 4, 512)
    assert [g.get_layer(f"up_{i}").filters for i in range(3)] == [256, 128, 64]
    assert [(g.get_layer(f"up_{i}").kernel_size, g.get_layer(f"up_{i}").strides) for i in range(3)] == [((4, 4), (2, 2))] * 3
    assert g.get_layer("to_image").kernel_size == (3, 3)
    convs = [layer.layer for layer in weighted_layers(d)[:-1]]
    assert [(c.filters, c.kernel_size[0], c.strides[0]) for c in convs] == [
        (64, 3, 1), (64, 4, 2), (128, 3, 1), (128, 4, 2), (256, 3, 1), (256, 4, 2), (512, 3, 1)]
    slopes = [layer.negative_slope for layer in d.layers if isinstance(layer, keras.layers.LeakyReLU)]
    assert slopes == pytest.approx([0.1] * 7)
    assert abs(g.get_layer("up_1").kernel.numpy().std() - 0.02) < 0.002  # N(0, 0.02)


def test_resnet_is_table_4():
    g, d = build_sngan_resnet_generator(), build_sngan_resnet_discriminator()
    assert g.get_layer("reshape").output.shape == (None, 4, 4, 256)
    assert [g.get_layer(f"block{b}_add").output.shape for b in range(3)] == [
        (None, 8, 8, 256), (None, 16, 16, 256), (None, 32, 32, 256)]
    assert [d.get_layer(f"block{b}_add").output.shape for b in range(4)] == [
        (None, 16, 16, 128), (None, 8, 8, 128), (None, 8, 8, 128), (None, 8, 8, 128)]
    names = {layer.name for layer in d.layers}
    assert "block0_relu0" not in names and "block1_relu0" in names  # the first block is the "optimized" one
    assert "block2_shortcut_sn" not in names  # identity shortcut where the block keeps the shape
    assert d.get_layer("global_sum").scale == 64.0  # global sum pooling over the 8x8 map
    assert d.get_layer("logit_sn").layer.use_bias is False
    # Glorot-uniform with gain sqrt(2) in the residual branches: a uniform law of std gain*sqrt(2 / (fan_in+fan_out))
    kernel = d.get_layer("block2_conv1_sn").layer.kernel.numpy()
    assert kernel.std() == pytest.approx(np.sqrt(2) * np.sqrt(2 / (9 * 128 * 2)), rel=0.05)


def test_discriminator_kernels_reach_spectral_norm_one_after_power_iterations_in_training_mode():
    d = build_sngan_cnn_discriminator((16, 16, 1), 4)
    x = np.random.default_rng(0).normal(size=(2, 16, 16, 1)).astype("float32")
    d(x, training=False)
    before = [layer.u.numpy() for layer in weighted_layers(d)]
    assert all(np.array_equal(a, layer.u.numpy()) for a, layer in zip(before, weighted_layers(d)))
    train_call = tf.function(lambda x: d(x, training=True))
    for _ in range(60):
        train_call(x)
    for layer in weighted_layers(d):
        kernel = layer.normalized_kernel().numpy()
        assert np.linalg.norm(kernel.reshape(-1, kernel.shape[-1]), 2) == pytest.approx(1.0, abs=1e-2), layer.name


def test_resnet_discriminator_arguments():
    d = build_sngan_resnet_discriminator((28, 28, 1), 8, n_blocks=3, n_down=3)
    assert d.get_layer("global_sum").scale == 9.0  # 28 -> 14 -> 7 -> 3
    with pytest.raises(ValueError, match="n_down"):
        build_sngan_resnet_discriminator((32, 32, 3), 8, n_blocks=2, n_down=3)
    with pytest.raises(ValueError, match="too small"):
        build_sngan_resnet_discriminator((4, 4, 3), 8, n_down=3)


def test_dcgan_discriminator_spectral_norm_option():
    d = build_dcgan_discriminator((32, 32, 1), 8, spectral_norm=True)
    assert all(isinstance(layer, SpectralNormalization) for layer in weighted_layers(d))
    assert [layer.name for layer in weighted_layers(d)] == ["down_0_sn", "down_1_sn", "down_2_sn", "logit_sn"]
    assert all(layer.layer.use_bias for layer in weighted_layers(d))  # no normalization after them
    assert d(np.zeros((2, 32, 32, 1), "float32"), training=True).shape == (2, 1)
    conditional = build_dcgan_discriminator((28, 28, 1), 8, num_classes=3, spectral_norm=True, norm="layer")
    assert sum(isinstance(layer, keras.layers.LayerNormalization) for layer in conditional.layers) == 1
    with pytest.raises(ValueError, match="replaces batch norm"):
        build_dcgan_discriminator((32, 32, 1), 8, norm="batch", spectral_norm=True)
    default = build_dcgan_discriminator((32, 32, 1), 8)
    assert sum(isinstance(layer, keras.layers.BatchNormalization) for layer in default.layers) == 2
    assert not any(isinstance(layer, SpectralNormalization) for layer in default.layers)
