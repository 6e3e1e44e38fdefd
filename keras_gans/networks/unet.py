"""Pix2Pix's U-Net generator (Isola et al. 2017, Sec. 3.2.1 and Appendix 6.1.1).

The reference ``unet_256`` (junyanz/pytorch-CycleGAN-and-pix2pix ``UnetGenerator``):
``depth`` 4x4 stride-2 convolutions down to 1x1 (LeakyReLU 0.2 before each but the
first, normalization after each but the first and the innermost), then as many
4x4 stride-2 transposed convolutions up (ReLU before each, normalization after each
but the last, which ends in tanh), with skip connections that concatenate encoder
layer i to decoder layer depth - i. Filters ngf, 2ngf, 4ngf, 8ngf, 8ngf, ...
Dropout 0.5 in the three innermost up-sampling blocks (the paper's CD512-CD512-CD512
decoder). ``skip=False`` is the paper's encoder-decoder ablation.
"""

import math

import keras

from keras_gans.kernels import FastConv2D, FastConv2DTranspose, FastLeakyReLU
from keras_gans.layers import Dropout
from keras_gans.networks.common import normalization, weight_init


def unet_depth(image_size):
    """Down-sampling blocks that take an ``image_size`` square to 1x1 (8 for 256, 6 for 64)."""
    depth = int(round(math.log2(image_size))) if image_size >= 2 else 0
    if image_size < 2 or 2**depth != image_size:
        raise ValueError(f"the U-Net takes square power-of-two training sizes (64, 128, 256, 512), got {image_size}")
    return depth


def build_unet_generator(input_channels=3, output_channels=3, image_size=256, filters=64, depth=None, norm="batch",
                         dropout=0.5, dropout_blocks=3, skip=True, synchronized_batch_norm=True, seed=None,
                         name="unet_generator"):
    """U-Net ``[B, H, W, input_channels] -> [B, H, W, output_channels]`` in [-1, 1].

    Fully convolutional: any H and W that are multiples of ``2 ** depth`` (``depth``
    defaults to ``log2(image_size)``, so 256 -> 8 blocks and a 1x1 bottleneck).
    """
    depth = unet_depth(image_size) if depth is None else int(depth)
    if depth < 2:
        raise ValueError(f"the U-Net needs depth >= 2, got {depth}")
    use_bias = norm == "none"  # the reference drops conv biases that batch norm would cancel
    inputs = keras.Input((None, None, input_channels), name="input_image")
    x = inputs
    skips = []
    for i in range(depth):
        f = filters * min(2**i, 8)
        if i > 0:
            x = FastLeakyReLU(0.2, name=f"down{i}_lrelu")(x)
        x = FastConv2D(f, 4, strides=2, padding="same", use_bias=use_bias,
                   kernel_initializer=weight_init(), name=f"down{i}_conv")(x)
        if 0 < i < depth - 1:
            layer = normalization(norm, f"down{i}_norm", synchronized_batch_norm)
            x = layer(x) if layer is not None else x
        skips.append(x)
    for j, i in enumerate(reversed(range(depth))):  # i: the encoder level this block mirrors
        if j > 0 and skip:
            x = keras.layers.Concatenate(name=f"up{i}_skip")([x, skips[i]])
        x = keras.layers.ReLU(name=f"up{i}_relu")(x)
        if i == 0:
            x = FastConv2DTranspose(output_channels, 4, strides=2, padding="same", kernel_initializer=weight_init(),
                                name="up0_conv")(x)
            x = keras.layers.Activation("tanh", dtype="float32", name="output")(x)
            break
        f = filters * min(2 ** (i - 1), 8)
        x = FastConv2DTranspose(f, 4, strides=2, padding="same", use_bias=use_bias, kernel_initializer=weight_init(),
                            name=f"up{i}_conv")(x)
        layer = normalization(norm, f"up{i}_norm", synchronized_batch_norm)
        x = layer(x) if layer is not None else x
        if j < dropout_blocks and dropout:
            x = Dropout(dropout, seed=None if seed is None else seed + i, name=f"up{i}_dropout")(x)
    return keras.Model(inputs, x, name=name)
