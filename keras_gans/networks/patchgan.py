"""PatchGAN discriminators (Isola et al. 2017, Sec. 3.2.2 and Appendix 6.1.2).

The reference ``NLayerDiscriminator`` (junyanz/pytorch-CycleGAN-and-pix2pix):
C64 (no norm) - C128 - C256 - C512 (stride 1) - 1-channel conv (stride 1), 4x4 kernels,
LeakyReLU 0.2; each output logit sees a 70x70 patch for ``n_layers=3``. Other
patch sizes: ``n_layers`` 1 -> 16x16, 5 -> 286x286 (the paper's ImageGAN at 256),
and ``patch_size=1`` is the 1x1 PixelGAN (``PixelDiscriminator``).
"""

import keras

from keras_gans.kernels import FastConv2D, FastLeakyReLU
from keras_gans.networks.common import normalization, spectral_normalized, weight_init

#: receptive field -> n_layers of the reference NLayerDiscriminator (1 = PixelGAN)
PATCH_SIZES = {1: 0, 16: 1, 34: 2, 70: 3, 142: 4, 286: 5}


def receptive_field(n_layers):
    """The patch each output logit sees: 16, 34, 70, 142, 286 for n_layers 1..5."""
    size = 1
    for stride in [1, 1] + [2] * n_layers:  # walk back from the output: two stride-1 convs, then strided ones
        size = size * stride + (4 - stride)
    return size


def build_patchgan_discriminator(input_channels=3, condition_channels=0, filters=64, patch_size=70, n_layers=None,
                                 norm="batch", synchronized_batch_norm=True, spectral_norm=False,
                                 name="patchgan_discriminator"):
    """``[B, H, W, C] -> [B, H', W', 1]`` patch logits (no sigmoid).

    With ``condition_channels`` > 0 the model takes ``[condition, image]`` and sees
    their channel concatenation (Pix2Pix's conditional discriminator on (x, y) pairs).
    ``spectral_norm``: every convolution spectrally normalized (Miyato et al. 2018); batch norm is then
    dropped (it would undo the Lipschitz bound), instance norm kept (pix2pixHD / SPADE discriminators).
    """
    if spectral_norm and norm == "batch":
        norm = "none"
    if n_layers is None:
        if patch_size not in PATCH_SIZES:
            raise ValueError(f"patch_size must be one of {sorted(PATCH_SIZES)} (or pass n_layers), got {patch_size}")
        n_layers = PATCH_SIZES[patch_size]
    use_bias = norm == "none"  # a bias before a normalization is cancelled by it
    image = keras.Input((None, None, input_channels), name="image")
    if condition_channels:
        condition = keras.Input((None, None, condition_channels), name="condition")
        inputs = [condition, image]
        x = keras.layers.Concatenate(name="pair")([condition, image])
    else:
        inputs = image
        x = image

    def block(x, f, kernel, strides, i, norm_here):
        if kernel == 4 and strides == 1:  # the reference's padding=1: H -> H - 1
            x = keras.layers.ZeroPadding2D(1, name=f"pad{i}")(x)
            padding = "valid"
        else:
            padding = "same"
        conv = FastConv2D(f, kernel, strides=strides, padding=padding, use_bias=use_bias or not norm_here,
                          kernel_initializer=weight_init(), name=f"conv{i}")
        x = spectral_normalized(conv, spectral_norm)(x)
        layer = normalization(norm, f"norm{i}", synchronized_batch_norm) if norm_here else None
        x = layer(x) if layer is not None else x
        return FastLeakyReLU(0.2, name=f"lrelu{i}")(x)

    if n_layers == 0:  # PixelGAN: 1x1 convolutions
        x = block(x, filters, 1, 1, 0, False)
        x = block(x, filters * 2, 1, 1, 1, True)
        kernel, padding = 1, "valid"
    else:
        x = block(x, filters, 4, 2, 0, False)
        for n in range(1, n_layers):
            x = block(x, filters * min(2**n, 8), 4, 2, n, True)
        x = block(x, filters * min(2**n_layers, 8), 4, 1, n_layers, True)
        x = keras.layers.ZeroPadding2D(1, name="pad_out")(x)
        kernel, padding = 4, "valid"
    logits = FastConv2D(1, kernel, padding=padding, kernel_initializer=weight_init(), dtype="float32", name="logits")
    logits = spectral_normalized(logits, spectral_norm)(x)
    return keras.Model(inputs, logits, name=name)
