"""EBGAN's auto-encoder discriminator (Zhao, Mathieu & LeCun 2016, Appendix C).

The paper's 64×64 discriminator is ``(64)4c2s-(128)4c2s-(256)4c2s`` down to an 8×8 code and
``(128)4c2s-(64)4c2s-(3)4c2s`` back up, batch norm after every layer but the first and the last,
LeakyReLU 0.2 in the encoder and ReLU in the decoder. Here: DCGAN's strided 4×4 layers down to
an 8×8 (or 7×7 for 28-pixel images) map and mirrored transposed convolutions up; the output is
linear (a reconstruction, not an image in [-1, 1]).
"""

import keras

from keras_gans.kernels import FastConv2DTranspose
from keras_gans.networks.common import check_image_shape, normalization, weight_init
from keras_gans.networks.dcgan import square_size, dcgan_down_stack, dcgan_start_size


def autoencoder_depth(image_size):
    """Stride-2 layers from ``image_size`` down to an 8×8 (or 7×7) map: 2 for 28 or 32, 3 for 64."""
    start, n = dcgan_start_size(image_size)
    return n - 1 if start == 4 else n


def build_ebgan_discriminator(image_shape=(64, 64, 3), base_filters=64, norm="batch", synchronized_batch_norm=True,
                              name="discriminator"):
    """Auto-encoder ``images -> [reconstruction, code]``; ``code`` (the flattened encoder map) is
    what the pulling-away term regularizes."""
    image_shape = check_image_shape(image_shape)
    depth = autoencoder_depth(square_size(image_shape))
    images = keras.Input(shape=image_shape, name="images")
    x = dcgan_down_stack(images, depth, base_filters, norm, synchronized_batch_norm, prefix="enc_")
    code = keras.layers.Flatten(name="code")(x)
    filters = base_filters * 2 ** (depth - 1)
    for i in range(depth):
        last = i == depth - 1
        filters //= 2
        x = FastConv2DTranspose(image_shape[-1] if last else filters, 4, strides=2, padding="same",
                            use_bias=last or norm == "none", kernel_initializer=weight_init(), name=f"dec_up_{i}")(x)
        if not last:
            norm_layer = normalization(norm, f"dec_norm_{i}", synchronized_batch_norm)
            if norm_layer is not None:
                x = norm_layer(x)
            x = keras.layers.ReLU(name=f"dec_relu_{i}")(x)
    reconstruction = keras.layers.Activation("linear", dtype="float32", name="reconstruction")(x)
    return keras.Model(images, [reconstruction, code], name=name)
