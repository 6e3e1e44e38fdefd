"""ALI / BiGAN networks (Dumoulin et al. 2016, Appendix A; Donahue, Krähenbühl & Darrell 2016).

- encoder ``x -> z``: DCGAN's strided convolutions with batch norm, then a dense layer to
  ``z`` (deterministic, BiGAN) or to ``(μ, s)`` (stochastic, ALI: ``z = μ + softplus(s)·ε``).
- joint discriminator ``(x, z) -> logit``: an ``x`` branch (strided convolutions, LeakyReLU
  0.2, dropout 0.2, no batch norm), a ``z`` branch (two dense layers with dropout 0.2) and a
  joint branch on their concatenation, as ALI's D(x), D(z) and D(x, z) networks.
"""

import keras

from keras_gans.kernels import FastLeakyReLU
from keras_gans.layers import Dropout
from keras_gans.networks.common import check_image_shape, weight_init
from keras_gans.networks.dcgan import square_size, dcgan_down_stack, dcgan_start_size


def build_ali_encoder(image_shape=(64, 64, 3), latent_dim=100, base_filters=64, stochastic=True, norm="batch",
                      synchronized_batch_norm=True, name="encoder"):
    """``images -> z`` (``[B, latent_dim]``) or ``-> [μ, s]`` concatenated (``[B, 2·latent_dim]``, σ = softplus(s))."""
    image_shape = check_image_shape(image_shape)
    _, n_down = dcgan_start_size(square_size(image_shape))
    images = keras.Input(shape=image_shape, name="images")
    x = dcgan_down_stack(images, n_down, base_filters, norm, synchronized_batch_norm)
    x = keras.layers.Flatten(name="flatten")(x)
    out = keras.layers.Dense(2 * latent_dim if stochastic else latent_dim, kernel_initializer=weight_init(),
                             dtype="float32", name="mean_and_sigma_logit" if stochastic else "z")(x)
    return keras.Model(images, out, name=name)


def build_ali_discriminator(image_shape=(64, 64, 3), latent_dim=100, base_filters=64, z_units=512, joint_units=1024,
                            dropout=0.2, name="discriminator"):
    """``[images, z] -> logit``."""
    image_shape = check_image_shape(image_shape)
    _, n_down = dcgan_start_size(square_size(image_shape))
    images = keras.Input(shape=image_shape, name="images")
    z = keras.Input(shape=(latent_dim,), name="z")
    x = dcgan_down_stack(images, n_down, base_filters, "none", dropout=dropout, prefix="x_")
    x = keras.layers.Flatten(name="x_flatten")(x)
    h = z
    for i in range(2):
        h = keras.layers.Dense(z_units, kernel_initializer=weight_init(), name=f"z_dense_{i}")(h)
        h = FastLeakyReLU(0.2, name=f"z_lrelu_{i}")(h)
        h = Dropout(dropout, name=f"z_dropout_{i}")(h)
    j = keras.layers.Concatenate(name="joint")([x, h])
    for i in range(2):
        j = keras.layers.Dense(joint_units, kernel_initializer=weight_init(), name=f"joint_dense_{i}")(j)
        j = FastLeakyReLU(0.2, name=f"joint_lrelu_{i}")(j)
        j = Dropout(dropout, name=f"joint_dropout_{i}")(j)
    logit = keras.layers.Dense(1, kernel_initializer=weight_init(), dtype="float32", name="logit")(j)
    return keras.Model([images, z], logit, name=name)
