"""CycleGAN's ResNet generator (Zhu et al. 2017, Appendix 7.2; Johnson et al. 2016).

The reference ``ResnetGenerator`` (junyanz/pytorch-CycleGAN-and-pix2pix):
c7s1-64, d128, d256, ``n_blocks`` residual blocks R256 (9 for 256x256, 6 for 128x128),
u128, u64, c7s1-3 with tanh; reflection padding, instance normalization, ReLU.
"""

import keras

from keras_gans.kernels import FastConv2D
from keras_gans.layers import ReflectionPadding2D
from keras_gans.networks.common import normalization, weight_init


def default_resnet_blocks(image_size):
    """The paper's choice: 6 blocks below 256x256 training images, 9 from 256 up."""
    return 9 if image_size >= 256 else 6


def _norm_relu(x, norm, name, relu=True, synchronized=True):
    layer = normalization(norm, f"{name}_norm", synchronized)
    x = layer(x) if layer is not None else x
    return keras.layers.ReLU(name=f"{name}_relu")(x) if relu else x


def build_resnet_generator(input_channels=3, output_channels=3, filters=64, n_blocks=9, n_downsampling=2,
                           norm="instance", synchronized_batch_norm=True, name="resnet_generator"):
    """ResNet ``[B, H, W, input_channels] -> [B, H, W, output_channels]`` in [-1, 1].

    Fully convolutional: any H and W that are multiples of ``2 ** n_downsampling`` (4).
    """
    # A bias before a normalization is cancelled by it. The reference keeps it for instance
    # norm; its gradient is then zero up to rounding, which Adam inflates into lr-sized noise.
    use_bias = norm == "none"
    inputs = keras.Input((None, None, input_channels), name="input_image")
    x = ReflectionPadding2D(3, name="in_pad")(inputs)
    x = FastConv2D(filters, 7, use_bias=use_bias, kernel_initializer=weight_init(), name="in_conv")(x)
    x = _norm_relu(x, norm, "in", synchronized=synchronized_batch_norm)
    for i in range(n_downsampling):
        f = filters * 2 ** (i + 1)
        x = FastConv2D(f, 3, strides=2, padding="same", use_bias=use_bias, kernel_initializer=weight_init(),
                   name=f"down{i}_conv")(x)
        x = _norm_relu(x, norm, f"down{i}", synchronized=synchronized_batch_norm)
    f = filters * 2**n_downsampling
    for b in range(n_blocks):
        y = ReflectionPadding2D(1, name=f"res{b}_pad1")(x)
        y = FastConv2D(f, 3, use_bias=use_bias, kernel_initializer=weight_init(), name=f"res{b}_conv1")(y)
        y = _norm_relu(y, norm, f"res{b}_1", synchronized=synchronized_batch_norm)
        y = ReflectionPadding2D(1, name=f"res{b}_pad2")(y)
        y = FastConv2D(f, 3, use_bias=use_bias, kernel_initializer=weight_init(), name=f"res{b}_conv2")(y)
        y = _norm_relu(y, norm, f"res{b}_2", relu=False, synchronized=synchronized_batch_norm)
        x = keras.layers.Add(name=f"res{b}_add")([x, y])
    for i in reversed(range(n_downsampling)):
        f = filters * 2**i
        x = keras.layers.Conv2DTranspose(f, 3, strides=2, padding="same", use_bias=use_bias,
                                         kernel_initializer=weight_init(), name=f"up{i}_conv")(x)
        x = _norm_relu(x, norm, f"up{i}", synchronized=synchronized_batch_norm)
    x = ReflectionPadding2D(3, name="out_pad")(x)
    x = FastConv2D(output_channels, 7, kernel_initializer=weight_init(), name="out_conv")(x)
    outputs = keras.layers.Activation("tanh", dtype="float32", name="output")(x)
    return keras.Model(inputs, outputs, name=name)
