"""Fully connected generator and discriminator of the original GAN papers.

Defaults follow Goodfellow et al. 2014 (authors' ``adversarial/mnist.yaml``: G with two
hidden layers of 1200 ReLU units, D with two maxout layers of 240 units x 5 pieces and
dropout) and, with ``num_classes``, Mirza & Osindero 2014 (G: z -> 200, y -> 1000,
joined 1200; D: x -> maxout 240x5, y -> maxout 50x5, joined maxout 240x4).
"""

import math

import keras

from keras_gans.layers import Dropout, Maxout
from keras_gans.networks.common import check_image_shape, label_input


def build_mlp_generator(
    latent_dim=100,
    image_shape=(28, 28, 1),
    hidden_units=(1200, 1200),
    num_classes=None,
    latent_units=200,
    label_units=1000,
    irange=0.05,
    name="generator",
):
    """MLP generator ``z -> image`` in [-1, 1] (tanh output).

    ``irange``: weights start uniform in ``[-irange, irange]``, the authors' ``irange: .05`` for G in
    ``adversarial/mnist.yaml`` (``None``: Keras's Glorot uniform).
    """
    image_shape = check_image_shape(image_shape)
    init = lambda: _uniform(irange)  # noqa: E731  a fresh initializer per layer (see networks.common)
    z = keras.Input(shape=(latent_dim,), name="z")
    inputs = [z]
    x = z
    if num_classes:
        labels, one_hot = label_input(num_classes)
        inputs.append(labels)
        zh = keras.layers.Dense(latent_units, activation="relu", kernel_initializer=init(), name="z_dense")(z)
        yh = keras.layers.Dense(label_units, activation="relu", kernel_initializer=init(), name="label_dense")(one_hot)
        x = keras.layers.Concatenate(name="join")([zh, yh])
    for i, units in enumerate(hidden_units):
        x = keras.layers.Dense(units, activation="relu", kernel_initializer=init(), name=f"dense_{i}")(x)
    x = keras.layers.Dense(math.prod(image_shape), kernel_initializer=init(), name="to_pixels")(x)
    x = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
    images = keras.layers.Reshape(image_shape, name="image")(x)
    return keras.Model(inputs if num_classes else z, images, name=name)


def build_mlp_discriminator(
    image_shape=(28, 28, 1),
    hidden_units=(240, 240),
    pieces=5,
    input_dropout=0.2,
    dropout=0.5,
    num_classes=None,
    label_units=50,
    joint_units=240,
    joint_pieces=4,
    irange=0.005,
    name="discriminator",
):
    """Maxout MLP discriminator ``image -> logit``.

    The image in [-1, 1] is first mapped to [0, 1], the pixel range of the authors' MNIST code (G there
    ends in a sigmoid). With [-1, 1] inputs the background's -1 pixels enter every first-layer gradient,
    and the paper's SGD (0.1, momentum 0.5) went non-finite in epoch 2 (GAN) and 3 (conditional GAN) of
    ``keras-gans train`` on Fashion-MNIST; with [0, 1] both trained 12 epochs for every seed tried.

    ``irange``: weights start uniform in ``[-irange, irange]``, the authors' ``irange: .005`` for every
    layer of D in ``adversarial/mnist.yaml`` (``None``: Keras's Glorot uniform, about ±0.055 for the first
    maxout and ±0.16 for the logit). This start alone, with [-1, 1] inputs, only moved the conditional
    GAN's blow-up from epoch 3 to epoch 5.
    """
    image_shape = check_image_shape(image_shape)
    init = lambda: _uniform(irange)  # noqa: E731
    images = keras.Input(shape=image_shape, name="images")
    x = keras.layers.Flatten(name="flatten")(images)
    x = keras.layers.Rescaling(0.5, offset=0.5, name="to_unit_range")(x)
    x = Dropout(input_dropout, name="input_dropout")(x)
    inputs = [images]
    if num_classes:
        labels, one_hot = label_input(num_classes)
        inputs.append(labels)
        x = Maxout(hidden_units[0], pieces, kernel_initializer=init(), name="image_maxout")(x)
        y = Maxout(label_units, pieces, kernel_initializer=init(), name="label_maxout")(one_hot)
        x = keras.layers.Concatenate(name="join")([x, y])
        x = Dropout(dropout, name="join_dropout")(x)
        x = Maxout(joint_units, joint_pieces, kernel_initializer=init(), name="joint_maxout")(x)
        x = Dropout(dropout, name="joint_dropout")(x)
    else:
        for i, units in enumerate(hidden_units):
            x = Maxout(units, pieces, kernel_initializer=init(), name=f"maxout_{i}")(x)
            x = Dropout(dropout, name=f"dropout_{i}")(x)
    logits = keras.layers.Dense(1, dtype="float32", kernel_initializer=init(), name="logit")(x)
    return keras.Model(inputs if num_classes else images, logits, name=name)


def _uniform(irange):
    """U[-irange, irange] (pylearn2's ``irange``), or Keras's Glorot uniform for ``None``; a new instance."""
    if irange is None:
        return keras.initializers.GlorotUniform()
    if not irange > 0:
        raise ValueError(f"irange must be a positive number (or None for Glorot uniform), got {irange!r}")
    return keras.initializers.RandomUniform(-irange, irange)
