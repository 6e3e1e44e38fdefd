"""Deep convolutional generator and discriminator (Radford, Metz & Chintala 2015).

The paper's guidelines: strided convolutions in D and fractionally strided
(transposed) convolutions in G, batch norm in both except the G output and the D
input layer, ReLU in G with tanh output, LeakyReLU(0.2) in D, weights from
N(0, 0.02). Channel widths follow the reference ``dcgan.torch`` (ngf = ndf = 64,
doubling per resolution). Image sizes 4·2^n (32, 64, 128, ...) and 7·2^n (28)
are produced; the first layer maps ``z`` to a 4×4 (or 7×7) map.
"""

import keras

from keras_gans.kernels import FastConv2D, FastConv2DTranspose, FastLeakyReLU
from keras_gans.layers import Dropout
from keras_gans.networks.common import (check_image_shape, discriminator_norm, is_power_of_two, label_input,
                                      normalization, spectral_normalized, weight_init)



def dcgan_start_size(image_size):
    """``(start, n_upsamplings)`` with ``image_size == start * 2**n``, start in {4, 7}."""
    for start in (4, 7):
        if image_size % start == 0 and is_power_of_two(image_size // start) and image_size // start >= 2:
            n = (image_size // start).bit_length() - 1
            return start, n
    raise ValueError(
        f"image size {image_size} cannot be produced by the DCGAN architecture: "
        "it needs 4·2^n or 7·2^n with n >= 1 (e.g. 28, 32, 64, 128, 256)"
    )


def dcgan_down_stack(x, n_down, base_filters=64, norm=None, synchronized_batch_norm=True, kernel_size=4,
                     dropout=0.0, prefix="", spectral_norm=False):
    """DCGAN's discriminator body: ``n_down`` × (4×4 stride-2 conv, norm except on the input
    layer, LeakyReLU 0.2[, dropout]), widths ``base_filters · 2^i``. Shared by the DCGAN, WGAN,
    EBGAN and ALI networks.

    ``spectral_norm``: wrap every convolution in spectral normalization (Miyato et al. 2018). ``norm=None``
    is batch norm, or no normalization with ``spectral_norm`` (SN replaces batch norm; both together is an error).
    """
    norm = discriminator_norm(norm, spectral_norm)
    filters = base_filters
    for i in range(n_down):
        conv = FastConv2D(filters, kernel_size, strides=2, padding="same", use_bias=i == 0 or norm == "none",
                          kernel_initializer=weight_init(), name=f"{prefix}down_{i}")
        x = spectral_normalized(conv, spectral_norm)(x)
        if i > 0:  # no normalization on the input layer
            norm_layer = normalization(norm, f"{prefix}norm_{i}", synchronized_batch_norm)
            if norm_layer is not None:
                x = norm_layer(x)
        x = FastLeakyReLU(0.2, name=f"{prefix}lrelu_{i}")(x)
        if dropout:
            x = Dropout(dropout, name=f"{prefix}dropout_{i}")(x)
        filters *= 2
    return x


def square_size(image_shape):
    """The side of a square ``image_shape`` (DCGAN-style networks make square images), or a ValueError."""
    h, w, _ = image_shape
    if h != w:
        raise ValueError(f"DCGAN networks need square images, got {h}x{w}")
    return h


def build_dcgan_generator(
    latent_dim=100,
    image_shape=(64, 64, 3),
    base_filters=64,
    num_classes=None,
    norm="batch",
    synchronized_batch_norm=True,
    kernel_size=4,
    name="generator",
    output_activation="tanh",
):
    """DCGAN generator ``z -> image`` in [-1, 1].

    ``base_filters`` is the width of the last hidden layer (``ngf``); each lower
    resolution doubles it, so a 64×64 generator goes 512→256→128→64→C.
    ``output_activation``: ``"tanh"`` (the paper's), or ``"linear"`` for a network whose output is squashed
    later (GRAN's canvas increments).
    """
    image_shape = check_image_shape(image_shape)
    start, n_up = dcgan_start_size(square_size(image_shape))
    filters = base_filters * 2 ** (n_up - 1)

    z = keras.Input(shape=(latent_dim,), name="z")
    inputs = [z]
    x = z
    if num_classes:
        labels, one_hot = label_input(num_classes)
        inputs.append(labels)
        x = keras.layers.Concatenate(name="z_and_label")([z, one_hot])
    # Project and reshape: the paper's first layer, a 1x1 -> start x start convolution.
    x = keras.layers.Dense(start * start * filters, use_bias=False, kernel_initializer=weight_init(), name="project")(x)
    x = keras.layers.Reshape((start, start, filters), name="reshape")(x)
    for i in range(n_up):
        last = i == n_up - 1
        norm_layer = normalization(norm, f"norm_{i}", synchronized_batch_norm)
        if norm_layer is not None:
            x = norm_layer(x)
        x = keras.layers.ReLU(name=f"relu_{i}")(x)
        if not last:
            filters //= 2
        x = FastConv2DTranspose(
            image_shape[-1] if last else filters,
            kernel_size,
            strides=2,
            padding="same",
            use_bias=last,
            kernel_initializer=weight_init(),
            name="to_image" if last else f"up_{i}",
        )(x)
    images = keras.layers.Activation(output_activation, dtype="float32", name=output_activation)(x)
    return keras.Model(inputs if num_classes else z, images, name=name)


def build_dcgan_discriminator(
    image_shape=(64, 64, 3),
    base_filters=64,
    num_classes=None,
    norm=None,
    synchronized_batch_norm=True,
    kernel_size=4,
    name="discriminator",
    spectral_norm=False,
):
    """DCGAN discriminator ``image -> logit`` (no sigmoid).

    ``norm`` is ``"batch"`` (DCGAN, WGAN), ``"layer"`` or ``"none"`` (WGAN-GP: the
    gradient penalty is per example, so the critic must not mix examples); ``None`` is
    ``"batch"``, or ``"none"`` with ``spectral_norm``.

    ``spectral_norm``: wrap every convolution and the logit layer in spectral normalization
    (Miyato et al. 2018, ``keras_gans.layers.spectral_norm``), which replaces batch norm:
    ``norm="batch"`` with it is refused.
    """
    norm = discriminator_norm(norm, spectral_norm)
    image_shape = check_image_shape(image_shape)
    start, n_down = dcgan_start_size(square_size(image_shape))
    images = keras.Input(shape=image_shape, name="images")
    inputs = [images]
    x = images
    if num_classes:
        labels, one_hot = label_input(num_classes)
        inputs.append(labels)
        size = image_shape[0]
        label_map = keras.layers.RepeatVector(size * size, name="repeat_label")(one_hot)
        label_map = keras.layers.Reshape((size, size, num_classes), name="label_map")(label_map)
        x = keras.layers.Concatenate(name="image_and_label")([x, label_map])
    x = dcgan_down_stack(x, n_down, base_filters, norm, synchronized_batch_norm, kernel_size,
                         spectral_norm=spectral_norm)
    # The reference's last layer: a start x start 'valid' convolution to one logit.
    x = keras.layers.Flatten(name="flatten")(x)
    logit = keras.layers.Dense(1, kernel_initializer=weight_init(), dtype="float32", name="logit")
    logits = spectral_normalized(logit, spectral_norm)(x)
    return keras.Model(inputs if num_classes else images, logits, name=name)
