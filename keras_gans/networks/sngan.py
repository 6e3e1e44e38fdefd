"""SN-GAN's networks (Miyato, Kataoka, Koyama & Yoshida 2018, "Spectral Normalization for Generative
Adversarial Networks", ICLR 2018): the "standard CNN" of its Table 3 and the ResNet of its Table 4, for 32×32
(CIFAR-10) and, at no extra cost, 28×28 and other sizes ``4·2^n`` / ``7·2^n`` with any number of channels.

Every convolution and dense layer of the discriminators is spectrally normalized
(:class:`~keras_gans.layers.spectral_norm.SpectralNormalization`), and they have no batch norm; the
generators use batch norm. Discriminators output one unbounded score (no sigmoid).

Standard CNN (Table 3):

- G: ``z`` (128) -> dense to ``s×s×8w`` -> BN, ReLU -> [4×4 stride-2 deconv, BN, ReLU] to ``4w``, ``2w``, ``w``
  -> 3×3 conv to C -> tanh; ``w = 64``, ``s = 4`` for 32×32 (512, 256, 128, 64). For a ``7·2^n`` image
  (28×28) ``s = 7`` and one deconv fewer (256, 128, 64). The batch norm and ReLU after the dense layer are the
  authors' ``DCGANGenerator`` (pfnet-research/chainer-gan-lib, ``common/net.py``; Table 3 lists the dense layer
  alone).
- D: 3×3 s1 ``w``, 4×4 s2 ``w``, 3×3 s1 ``2w``, 4×4 s2 ``2w``, 3×3 s1 ``4w``, 4×4 s2 ``4w``, 3×3 s1 ``8w``,
  each followed by LeakyReLU(0.1), then dense -> 1; ``w = 64``. (chainer-gan-lib's ``SNDCGANDiscriminator``
  differs from the table: widths 64-128-128-256-256-512-512 and Chainer's default LeakyReLU slope 0.2; we follow
  the paper.)
- Weights ``N(0, 0.02)`` (chainer-gan-lib's ``wscale=0.02``).

ResNet (Table 4; the authors' ``gen_models/resnet_32.py``, ``dis_models/snresnet_32.py`` and their ``resblocks.py``
in pfnet-research/sngan_projection):

- G: ``z`` (128) -> dense to ``4×4×256`` -> 3 residual blocks "up" (BN, ReLU, nearest 2× up-sampling, 3×3 conv,
  BN, ReLU, 3×3 conv; shortcut: up-sampling, 1×1 conv) -> BN, ReLU, 3×3 conv to C -> tanh.
- D: an "optimized" first block (3×3 conv, ReLU, 3×3 conv, 2×2 average pooling; shortcut: pooling, 1×1 conv),
  a down-sampling block and two plain blocks (ReLU, 3×3 conv, ReLU, 3×3 conv[, pooling]; shortcut 1×1 conv
  [and pooling] when the block pools, else identity), all 128 channels; ReLU, global *sum* pooling, dense -> 1
  (no bias).
- Weights Glorot-uniform, with gain √2 in the residual branches' 3×3 convolutions (the authors' initializers).
"""

import math

import keras

from keras_gans.kernels import FastConv2D, FastConv2DTranspose, FastLeakyReLU, UpsamplingConv2D
from keras_gans.networks.common import check_image_shape, normalization, spectral_normalized, weight_init
from keras_gans.networks.dcgan import dcgan_start_size, square_size

#: the slope of every LeakyReLU of the standard CNN discriminator (Table 3)
LEAKY_SLOPE = 0.1
#: the standard CNN discriminator's layers: (width multiple of ``filters``, kernel size, stride) (Table 3)
CNN_DISCRIMINATOR_LAYERS = ((1, 3, 1), (1, 4, 2), (2, 3, 1), (2, 4, 2), (4, 3, 1), (4, 4, 2), (8, 3, 1))


def glorot_uniform(gain=1.0):
    """Chainer's ``GlorotUniform(scale=gain)``: ``U(±gain·sqrt(6 / (fan_in + fan_out)))``, a new instance per layer."""
    return keras.initializers.VarianceScaling(scale=gain**2, mode="fan_avg", distribution="uniform")


# === Standard CNN (Table 3) ===
def build_sngan_cnn_generator(latent_dim=128, image_shape=(32, 32, 3), filters=64, synchronized_batch_norm=True,
                              name="generator"):
    """The standard CNN generator ``z -> image`` in [-1, 1]; ``filters`` is the last deconvolution's width."""
    image_shape = check_image_shape(image_shape)
    start, n_up = dcgan_start_size(square_size(image_shape))
    width = filters * 2**n_up

    z = keras.Input(shape=(latent_dim,), name="z")
    x = keras.layers.Dense(start * start * width, use_bias=False, kernel_initializer=weight_init(), name="project")(z)
    x = normalization("batch", "project_norm", synchronized_batch_norm)(x)
    x = keras.layers.ReLU(name="project_relu")(x)
    x = keras.layers.Reshape((start, start, width), name="reshape")(x)
    for i in range(n_up):
        width //= 2
        x = FastConv2DTranspose(width, 4, strides=2, padding="same", use_bias=False, kernel_initializer=weight_init(),
                                name=f"up_{i}")(x)
        x = normalization("batch", f"norm_{i}", synchronized_batch_norm)(x)
        x = keras.layers.ReLU(name=f"relu_{i}")(x)
    x = FastConv2D(image_shape[-1], 3, padding="same", kernel_initializer=weight_init(), name="to_image")(x)
    images = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(z, images, name=name)


def build_sngan_cnn_discriminator(image_shape=(32, 32, 3), filters=64, spectral_norm=True, name="discriminator"):
    """The standard CNN discriminator ``image -> score``: seven convolutions with LeakyReLU(0.1), a dense layer,
    all spectrally normalized (``spectral_norm=False`` for the unnormalized network)."""
    image_shape = check_image_shape(image_shape)
    images = keras.Input(shape=image_shape, name="images")
    x = images
    for i, (multiple, kernel_size, stride) in enumerate(CNN_DISCRIMINATOR_LAYERS):
        conv = FastConv2D(filters * multiple, kernel_size, strides=stride, padding="same",
                          kernel_initializer=weight_init(), name=f"conv_{i}")
        x = spectral_normalized(conv, spectral_norm)(x)
        x = FastLeakyReLU(LEAKY_SLOPE, name=f"lrelu_{i}")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    logit = keras.layers.Dense(1, kernel_initializer=weight_init(), dtype="float32", name="logit")
    return keras.Model(images, spectral_normalized(logit, spectral_norm)(x), name=name)


# === ResNet (Table 4) ===
def _up_block(x, filters, synchronized_batch_norm, name):
    """G's residual block: BN, ReLU, 2× nearest up-sampling, 3×3 conv, BN, ReLU, 3×3 conv; shortcut
    up-sampling and a 1×1 conv. Each up-sampling and its convolution are one :class:`UpsamplingConv2D` (same
    weights and results, computed at the low resolution)."""
    h = normalization("batch", f"{name}_norm1", synchronized_batch_norm)(x)
    h = keras.layers.ReLU(name=f"{name}_relu1")(h)
    h = UpsamplingConv2D(filters, 3, kernel_initializer=glorot_uniform(math.sqrt(2)), name=f"{name}_conv1")(h)
    h = normalization("batch", f"{name}_norm2", synchronized_batch_norm)(h)
    h = keras.layers.ReLU(name=f"{name}_relu2")(h)
    h = FastConv2D(filters, 3, padding="same", kernel_initializer=glorot_uniform(math.sqrt(2)), name=f"{name}_conv2")(h)
    shortcut = UpsamplingConv2D(filters, 1, kernel_initializer=glorot_uniform(), name=f"{name}_shortcut")(x)
    return keras.layers.Add(name=f"{name}_add")([h, shortcut])


def build_sngan_resnet_generator(latent_dim=128, image_shape=(32, 32, 3), filters=256, synchronized_batch_norm=True,
                                 name="generator"):
    """The ResNet generator ``z -> image`` in [-1, 1]: a ``s×s`` start (4 for 32×32, 7 for 28×28) and one
    up-sampling residual block of ``filters`` channels per doubling (3 for 32×32)."""
    image_shape = check_image_shape(image_shape)
    start, n_up = dcgan_start_size(square_size(image_shape))

    z = keras.Input(shape=(latent_dim,), name="z")
    x = keras.layers.Dense(start * start * filters, kernel_initializer=glorot_uniform(), name="project")(z)
    x = keras.layers.Reshape((start, start, filters), name="reshape")(x)
    for b in range(n_up):
        x = _up_block(x, filters, synchronized_batch_norm, name=f"block{b}")
    x = normalization("batch", "out_norm", synchronized_batch_norm)(x)
    x = keras.layers.ReLU(name="out_relu")(x)
    x = FastConv2D(image_shape[-1], 3, padding="same", kernel_initializer=glorot_uniform(), name="to_image")(x)
    images = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(z, images, name=name)


def _down_block(x, filters, downsample, optimized, spectral_norm, name):
    """D's residual block. The ``optimized`` first block starts with a convolution (no ReLU on the image)
    and pools before its shortcut convolution; the others pool after it."""

    def conv(kernel_size, gain, suffix):
        layer = FastConv2D(filters, kernel_size, padding="same", kernel_initializer=glorot_uniform(gain),
                           name=f"{name}_{suffix}")
        return spectral_normalized(layer, spectral_norm)

    h = x if optimized else keras.layers.ReLU(name=f"{name}_relu0")(x)
    h = conv(3, math.sqrt(2), "conv1")(h)
    h = keras.layers.ReLU(name=f"{name}_relu1")(h)
    h = conv(3, math.sqrt(2), "conv2")(h)
    if downsample:
        h = keras.layers.AveragePooling2D(2, name=f"{name}_pool")(h)
    shortcut = x
    if optimized:
        shortcut = keras.layers.AveragePooling2D(2, name=f"{name}_shortcut_pool")(shortcut)
        shortcut = conv(1, 1.0, "shortcut")(shortcut)
    elif downsample or x.shape[-1] != filters:
        shortcut = conv(1, 1.0, "shortcut")(shortcut)
        if downsample:
            shortcut = keras.layers.AveragePooling2D(2, name=f"{name}_shortcut_pool")(shortcut)
    return keras.layers.Add(name=f"{name}_add")([h, shortcut])


def build_sngan_resnet_discriminator(image_shape=(32, 32, 3), filters=128, n_blocks=4, n_down=2, spectral_norm=True,
                                     name="discriminator"):
    """The ResNet discriminator ``image -> score``: ``n_blocks`` residual blocks of ``filters`` channels, the first
    ``n_down`` of which halve the resolution (the paper's 4 and 2: 32 -> 8, 28 -> 7), ReLU, global sum pooling and
    a dense layer, all spectrally normalized (``spectral_norm=False`` for the unnormalized network)."""
    image_shape = check_image_shape(image_shape)
    if int(n_down) != n_down or not 1 <= n_down <= n_blocks:
        raise ValueError(f"n_down must be an integer in [1, n_blocks={n_blocks}], got {n_down!r}")
    if min(image_shape[:2]) < 2**n_down:
        raise ValueError(f"{image_shape[0]}x{image_shape[1]} images are too small for {n_down} halvings")
    images = keras.Input(shape=image_shape, name="images")
    x = images
    for b in range(n_blocks):
        x = _down_block(x, filters, downsample=b < n_down, optimized=b == 0, spectral_norm=spectral_norm,
                        name=f"block{b}")
    x = keras.layers.ReLU(name="out_relu")(x)
    # global sum pooling: the mean over the final map times its number of positions
    x = keras.layers.GlobalAveragePooling2D(name="global_pool")(x)
    x = keras.layers.Rescaling(float(_final_positions(image_shape, n_down)), name="global_sum")(x)
    logit = keras.layers.Dense(1, use_bias=False, kernel_initializer=glorot_uniform(), dtype="float32", name="logit")
    return keras.Model(images, spectral_normalized(logit, spectral_norm)(x), name=name)


def _final_positions(image_shape, n_down):
    """Positions ``H·W`` of the ResNet discriminator's last feature map (each halving floors, as 2×2 pooling)."""
    h, w = image_shape[0], image_shape[1]
    for _ in range(n_down):
        h, w = h // 2, w // 2
    return h * w


#: architecture name -> (generator builder, discriminator builder, default G width, default D width)
ARCHITECTURES = {
    "cnn": (build_sngan_cnn_generator, build_sngan_cnn_discriminator, 64, 64),
    "resnet": (build_sngan_resnet_generator, build_sngan_resnet_discriminator, 256, 128),
}
