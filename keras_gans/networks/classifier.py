"""A small image classifier whose hidden layer gives domain features for FID/KID on small images."""

import keras
from keras import layers


def build_classifier(image_shape=(28, 28, 1), num_classes=10, width=16, feature_dim=128, dropout=0.3, seed=0,
                     name="fashion_mnist_classifier"):
    """A small CNN for 28x28 images, cheap enough to train on a 2-core CPU in minutes.

    conv(w) at full resolution, pool, 2 x conv(2w), pool, conv(4w), global average pool, a
    ``feature_dim`` ReLU layer named ``"features"`` (the FID/KID features), dropout, logits.
    3x3 convolutions with batch norm and ReLU (VGG style).
    """
    init = keras.initializers.HeUniform(seed=seed)

    def conv(x, filters, label):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_initializer=init, name=label)(x)
        x = layers.BatchNormalization(name=f"{label}_bn")(x)
        return layers.ReLU(name=f"{label}_relu")(x)

    inputs = keras.Input(image_shape, name="images")
    x = conv(inputs, width, "conv1")
    x = layers.MaxPooling2D(name="pool1")(x)
    x = conv(conv(x, 2 * width, "conv2_1"), 2 * width, "conv2_2")
    x = layers.MaxPooling2D(name="pool2")(x)
    x = conv(x, 4 * width, "conv3")
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dense(feature_dim, activation="relu", kernel_initializer=init, name="features")(x)
    x = layers.Dropout(dropout, seed=seed, name="dropout")(x)
    logits = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inputs, logits, name=name)
