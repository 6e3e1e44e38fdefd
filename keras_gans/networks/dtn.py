"""The Domain Transfer Network's networks (Taigman, Polyak & Wolf 2016, Section 5.1).

For the digits experiment the paper uses: f, the penultimate layer of a classifier trained on the
source domain, "four blocks of conv, batch norm, ReLU" giving a 128-d representation; g,
DCGAN-like, "four blocks of deconvolution, batch normalization and ReLU with a tanh terminal"
from f's 128-d vector to a 32x32 image; D, "four batch-normalized convolutional layers with
ReLU". Widths follow the reference implementation (yunjey/domain-transfer-network): f 64-128-256
then a 4x4 "valid" convolution to 128 with tanh; g 512 (4x4) -256-128-C; D 128-256-512 then a 4x4
"valid" convolution to the logits. Strided layers are 4x4 with stride 2 (DCGAN's kernel, and the
fast CPU path of :mod:`keras_gans.layers`).

D has three logits (the paper's ternary D: G(source), G(target), real target) or one logit (the
binary variant of the reference code: fake vs real target).
"""

import keras

from keras_gans.kernels import FastConv2D, FastConv2DTranspose, FastLeakyReLU
from keras_gans.networks.common import check_image_shape, normalization

NUM_DTN_CLASSES = {"ternary": 3, "binary": 1}


def weight_init():
    """N(0, 0.02) (DCGAN's init), a new instance per layer: a Keras 3 initializer created with
    ``seed=None`` fixes its seed when constructed, so one shared instance would give every layer of
    the same shape the same weights (and ignore ``keras.utils.set_random_seed``)."""
    return keras.initializers.RandomNormal(mean=0.0, stddev=0.02)


def _check_32(image_shape, what):
    shape = check_image_shape(image_shape)
    if shape[:2] != (32, 32):
        raise ValueError(f"the DTN digits networks take 32x32 images; {what} is {shape[0]}x{shape[1]} "
                         "(resize the domain to 32x32)")
    return shape


def _conv_block(x, filters, name, norm=True, activation="relu", synchronized=True):
    x = FastConv2D(filters, 4, strides=2, padding="same", use_bias=not norm, kernel_initializer=weight_init(),
               name=f"{name}_conv")(x)
    if norm:
        x = normalization("batch", f"{name}_norm", synchronized)(x)
    if activation == "lrelu":
        return FastLeakyReLU(0.2, name=f"{name}_lrelu")(x)
    return keras.layers.ReLU(name=f"{name}_relu")(x)


def build_dtn_encoder(image_shape=(32, 32, 3), filters=64, representation_dim=128, synchronized_batch_norm=True,
                      name="f"):
    """f: image -> representation ``[B, representation_dim]`` in (-1, 1) (tanh)."""
    image_shape = _check_32(image_shape, "f's input")
    images = keras.Input(shape=image_shape, name="images")
    x = images
    for i, width in enumerate((filters, 2 * filters, 4 * filters)):  # 32 -> 16 -> 8 -> 4
        x = _conv_block(x, width, f"block{i}", synchronized=synchronized_batch_norm)
    x = FastConv2D(representation_dim, 4, padding="valid", use_bias=False, kernel_initializer=weight_init(),
               name="block3_conv")(x)
    x = normalization("batch", "block3_norm", synchronized_batch_norm)(x)
    x = keras.layers.Activation("tanh", name="block3_tanh")(x)
    representation = keras.layers.Flatten(dtype="float32", name="representation")(x)
    return keras.Model(images, representation, name=name)


def build_dtn_classifier(image_shape=(32, 32, 3), num_classes=10, filters=64, representation_dim=128,
                         synchronized_batch_norm=True, name="classifier"):
    """f followed by a linear layer to class logits; ``model.get_layer("f")`` is the encoder.

    Trained on the source domain's labels, its penultimate representation is the paper's f
    (Section 5.1); the same architecture trained on target labels is the evaluation classifier.
    """
    encoder = build_dtn_encoder(image_shape, filters, representation_dim, synchronized_batch_norm, name="f")
    images = keras.Input(shape=check_image_shape(image_shape), name="images")
    logits = keras.layers.Dense(num_classes, dtype="float32", name="logits")(encoder(images))
    return keras.Model(images, logits, name=name)


def build_dtn_generator(representation_dim=128, image_shape=(32, 32, 1), filters=64, synchronized_batch_norm=True,
                        name="g"):
    """g: representation -> image in [-1, 1]: 4x4x(8·filters), then three upsamplings to 32x32."""
    image_shape = _check_32(image_shape, "g's output")
    code = keras.Input(shape=(representation_dim,), name="representation")
    x = keras.layers.Dense(4 * 4 * 8 * filters, use_bias=False, kernel_initializer=weight_init(), name="project")(code)
    x = keras.layers.Reshape((4, 4, 8 * filters), name="reshape")(x)
    for i, width in enumerate((4 * filters, 2 * filters)):  # 4 -> 8 -> 16
        x = normalization("batch", f"norm_{i}", synchronized_batch_norm)(x)
        x = keras.layers.ReLU(name=f"relu_{i}")(x)
        x = FastConv2DTranspose(width, 4, strides=2, padding="same", use_bias=False, kernel_initializer=weight_init(),
                            name=f"up_{i}")(x)
    x = normalization("batch", "norm_2", synchronized_batch_norm)(x)
    x = keras.layers.ReLU(name="relu_2")(x)
    x = FastConv2DTranspose(image_shape[-1], 4, strides=2, padding="same", kernel_initializer=weight_init(),
                        name="to_image")(x)  # 16 -> 32
    images = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(code, images, name=name)


def build_dtn_discriminator(image_shape=(32, 32, 1), filters=128, kind="ternary", synchronized_batch_norm=True,
                            name="discriminator"):
    """D: image -> 3 logits (``kind="ternary"``: G(source), G(target), real target) or 1 (``"binary"``)."""
    image_shape = _check_32(image_shape, "D's input")
    if kind not in NUM_DTN_CLASSES:
        raise ValueError(f"discriminator kind must be one of {sorted(NUM_DTN_CLASSES)}, got {kind!r}")
    images = keras.Input(shape=image_shape, name="images")
    x = images
    for i, width in enumerate((filters, 2 * filters, 4 * filters)):  # 32 -> 16 -> 8 -> 4
        x = _conv_block(x, width, f"block{i}", norm=i > 0, activation="lrelu", synchronized=synchronized_batch_norm)
    x = FastConv2D(NUM_DTN_CLASSES[kind], 4, padding="valid", kernel_initializer=weight_init(), name="block3_conv")(x)
    logits = keras.layers.Flatten(dtype="float32", name="logits")(x)
    return keras.Model(images, logits, name=name)
