"""BEGAN's networks (Berthelot, Schumm & Metz 2017, Section 3.5 and Figure 1).

The generator and the discriminator's decoder share one architecture: a dense layer to an
8×8×n map, then blocks of two 3×3 convolutions with ELU and a nearest-neighbour upsampling.
The encoder mirrors it with stride-2 3×3 convolutions and widths n, 2n, 3n, ... and a dense
embedding of size h. No batch norm anywhere. Defaults n = 64, h = 64 as tensorpack's BEGAN.
28-pixel images start from 7×7. One change: the generator ends in ``tanh`` (every keras_gans
generator makes images in [-1, 1]); the paper's and the discriminator's decoder are linear.
"""

import keras

from keras_gans.kernels import FastConv2D, UpsamplingConv2D
from keras_gans.networks.common import check_image_shape, is_power_of_two
from keras_gans.networks.dcgan import square_size


def began_start_size(image_size):
    """``(start, n_upsamplings)`` with ``image_size == start * 2**n``, start 8 (or 7)."""
    for start in (8, 7):
        if image_size % start == 0 and is_power_of_two(image_size // start):
            return start, (image_size // start).bit_length() - 1
    raise ValueError(f"image size {image_size} cannot be produced by the BEGAN architecture: "
                     "it needs 8·2^n or 7·2^n (e.g. 28, 32, 64, 128)")


def _conv(filters, name, strides=1, upsample=False):
    """3x3 conv + ELU; ``upsample``: after a 2x nearest up-sampling (one :class:`UpsamplingConv2D`)."""
    if upsample:
        return UpsamplingConv2D(filters, 3, activation="elu", kernel_initializer="he_normal", name=name)
    return FastConv2D(filters, 3, strides=strides, padding="same", activation="elu", kernel_initializer="he_normal",
                      name=name)


def build_began_decoder(latent_dim=64, image_shape=(64, 64, 3), filters=64, output_activation="tanh",
                        name="generator"):
    """``z [B, latent_dim] -> [B, H, W, C]``: BEGAN's generator, and (``output_activation=None``,
    taking the embedding) the decoder of its discriminator."""
    image_shape = check_image_shape(image_shape)
    start, n_up = began_start_size(square_size(image_shape))
    z = keras.Input(shape=(latent_dim,), name="z")
    x = keras.layers.Dense(start * start * filters, name="project")(z)
    x = keras.layers.Reshape((start, start, filters), name="reshape")(x)
    for i in range(n_up + 1):
        x = _conv(filters, f"block{i}_conv1", upsample=i > 0)(x)  # 2x nearest up-sampling between blocks
        x = _conv(filters, f"block{i}_conv2")(x)
    x = FastConv2D(image_shape[-1], 3, padding="same", name="to_image")(x)
    out = keras.layers.Activation(output_activation or "linear", dtype="float32",
                                  name="tanh" if output_activation == "tanh" else "reconstruction")(x)
    return keras.Model(z, out, name=name)


def build_began_discriminator(image_shape=(64, 64, 3), filters=64, hidden_dim=64, name="discriminator"):
    """Auto-encoder ``images -> reconstruction`` (linear output)."""
    image_shape = check_image_shape(image_shape)
    _, n_down = began_start_size(square_size(image_shape))
    images = keras.Input(shape=image_shape, name="images")
    x = _conv(filters, "enc_in")(images)
    for i in range(n_down + 1):
        x = _conv(filters * (i + 1), f"enc{i}_conv1")(x)
        x = _conv(filters * (i + 1), f"enc{i}_conv2")(x)
        if i < n_down:
            x = _conv(filters * (i + 2), f"enc{i}_down", strides=2)(x)
    x = keras.layers.Flatten(name="flatten")(x)
    embedding = keras.layers.Dense(hidden_dim, name="embedding")(x)
    decoder = build_began_decoder(hidden_dim, image_shape, filters, output_activation=None, name="decoder")
    return keras.Model(images, decoder(embedding), name=name)
