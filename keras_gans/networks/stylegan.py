"""StyleGAN's networks: the mapping network, the two syntheses and the residual discriminator.

Karras, Laine & Aila 2019, "A Style-Based Generator Architecture for Generative Adversarial Networks" (StyleGAN;
the official TensorFlow code NVlabs/stylegan, ``training/networks_stylegan.py``) and Karras et al. 2020,
"Analyzing and Improving the Image Quality of StyleGAN" (StyleGAN2; NVlabs/stylegan2-ada-pytorch,
``training/networks.py``). Every weight has the equalized learning rate (Karras et al. 2018, Section 4.1) through
:mod:`keras_gans.layers.stylegan`.

- :func:`build_mapping_network`: ``z -> w``, pixel norm of ``z``, ``num_layers`` fully connected layers with
  LeakyReLU 0.2 and learning-rate multiplier 0.01.
- :func:`build_synthesis_network`: ``ws [B, num_ws, w_dim] -> image``: a learned 4×4 constant, then per
  resolution up-sampling, two 3×3 convolutions with per-pixel noise and the style, either
  ``"adain"`` (StyleGAN: noise, bias, LeakyReLU, then instance norm + the affine style of ``w``) or
  ``"modulated"`` (StyleGAN2: modulated convolutions with weight demodulation, noise, bias, LeakyReLU, and the
  "skip" architecture's toRGB at every resolution, up-sampled and summed). ``num_ws = 2·log2(resolution) - 2``
  as both references: two styles per resolution; StyleGAN2's toRGB of a resolution takes the next style.
- :func:`build_stylegan_discriminator`: StyleGAN2's residual discriminator: fromRGB, per resolution two 3×3
  convolutions and a 1×1 shortcut down-sampled and summed with gain √0.5; at 4×4 minibatch standard deviation,
  a 3×3 convolution, a dense layer and the logit.

Where these differ from the references: up- and down-sampling are bilinear (2× up) and 2×2 average pooling (2×
down), where the references filter with the FIR kernel [1, 3, 3, 1] (the same weights inside the image; only the
borders differ); the minibatch standard deviation groups consecutive samples (replica-exact, see
:class:`~keras_gans.layers.stylegan.MinibatchStdDev`); no output clamping (``conv_clamp``, a mixed-precision aid).
"""

import math

import keras

from keras_gans.kernels import FastLeakyReLU
from keras_gans.layers.progressive import LevelOfDetail, LodBlend
from keras_gans.layers.stylegan import (Bias, ConstantInput, EqualizedConv2D, EqualizedDense, MinibatchStdDev,
                                        ModulatedConv2D, NoiseInjection, PixelNorm, SelectStyle, StyleModulation)

SYNTHESES = ("adain", "modulated")
#: LeakyReLU slope and gain of every activation (the references' ``bias_act`` 'lrelu')
LRELU_SLOPE, LRELU_GAIN = 0.2, math.sqrt(2.0)


def check_resolution(resolution):
    """``resolution`` as an int power of two >= 4, or a ValueError naming it."""
    if int(resolution) != resolution or resolution < 4 or int(resolution) & (int(resolution) - 1):
        raise ValueError(f"StyleGAN's resolution must be a power of two >= 4 (4, 8, ..., 1024), got {resolution!r}")
    return int(resolution)


def num_ws(resolution):
    """Styles the synthesis takes: two per resolution from 4×4 (``2·log2(resolution) - 2``)."""
    return 2 * int(math.log2(check_resolution(resolution))) - 2


def channels_at(resolution, channel_base, channel_max):
    """Feature maps at a resolution: ``min(channel_base // resolution, channel_max)`` (both references)."""
    return max(1, min(int(channel_base) // int(resolution), int(channel_max)))


def lrelu(x, name):
    """LeakyReLU 0.2 times √2, as the references' ``bias_act``."""
    x = FastLeakyReLU(LRELU_SLOPE, name=f"{name}_lrelu")(x)
    return keras.layers.Rescaling(LRELU_GAIN, name=f"{name}_gain")(x)


# === Mapping ===
def build_mapping_network(z_dim=512, w_dim=512, num_layers=8, lr_multiplier=0.01, name="mapping"):
    """``z [B, z_dim] -> w [B, w_dim]``: pixel norm, then ``num_layers`` equalized dense layers with LeakyReLU
    0.2 and learning-rate multiplier ``lr_multiplier`` (both papers: 8 layers of 512, 0.01)."""
    if int(num_layers) < 1:
        raise ValueError(f"the mapping network needs at least one layer, got num_layers={num_layers!r}")
    z = keras.Input((z_dim,), name="z")
    x = PixelNorm(name="normalize_z")(z)
    for i in range(int(num_layers)):
        x = EqualizedDense(w_dim, lr_multiplier=lr_multiplier, activation="lrelu", name=f"fc{i}")(x)
    return keras.Model(z, x, name=name)


# === Synthesis ===
def _style(ws, index, name):
    """Style ``index`` of ``ws [B, num_ws, w_dim]``: ``[B, w_dim]``."""
    return SelectStyle(index, name=name)(ws)


def _adain_layer(x, w, name):
    """StyleGAN's layer epilogue (``layer_epilogue``): noise, bias, LeakyReLU, instance norm + style (``style_mod``)."""
    x = NoiseInjection(per_channel=True, name=f"{name}_noise")(x)
    x = Bias(name=f"{name}_bias")(x)
    x = lrelu(x, name)
    return StyleModulation(name=f"{name}_style")([x, w])


def _modulated_layer(x, w, width, name):
    """StyleGAN2's ``SynthesisLayer``: modulated 3×3 convolution (demodulated), noise, bias, LeakyReLU."""
    x = ModulatedConv2D(width, 3, demodulate=True, name=name)([x, w])
    x = NoiseInjection(name=f"{name}_noise")(x)
    x = Bias(name=f"{name}_bias")(x)
    return lrelu(x, name)


def build_synthesis_network(resolution=1024, w_dim=512, img_channels=3, synthesis="modulated", channel_base=32768,
                            channel_max=512, progressive=False, name="synthesis"):
    """``ws [B, num_ws(resolution), w_dim] -> image [B, resolution, resolution, img_channels]`` (linear output;
    the papers' images are in [-1, 1] without a tanh).

    ``synthesis="modulated"`` is StyleGAN2 (config F: modulated convolutions, demodulation, skip toRGBs);
    ``"adain"`` is StyleGAN (AdaIN after every convolution, one toRGB at the end). Widths
    ``min(channel_base // res, channel_max)`` (32768 and 512: 512 up to 64², then 256, 128, 64, 32 at 1024²).
    Style indices: StyleGAN's resolution ``2^L`` takes styles ``2L-4`` and ``2L-3``; StyleGAN2's 4×4 block
    takes style 0 for its convolution and 1 for its toRGB, and block ``2^L`` takes ``2L-5``, ``2L-4`` and
    ``2L-3`` for its toRGB (``SynthesisNetwork``'s ``w_idx``).

    ``progressive`` (``"adain"`` only; Karras et al. 2018, :mod:`keras_gans.layers.progressive`): a 1×1 toRGB at
    every resolution, the image so far up-sampled (nearest) and faded into the next by the network's level of
    detail (the layer ``"lod"``), as the official StyleGAN's "linear" structure; at ``lod = 0`` the output is
    the final resolution's toRGB.
    """
    if synthesis not in SYNTHESES:
        raise ValueError(f"synthesis must be one of {SYNTHESES}, got {synthesis!r}")
    if progressive and synthesis != "adain":
        raise ValueError("progressive growing is a training option of the adain synthesis (StyleGAN); StyleGAN2 "
                         "replaced it by its skip generator and residual discriminator")
    resolution = check_resolution(resolution)
    ws = keras.Input((num_ws(resolution), w_dim), name="ws")
    levels = int(math.log2(resolution))
    lod = LevelOfDetail(name="lod")(ws) if progressive else None
    x = img = None
    for level in range(2, levels + 1):
        res, block = 2**level, f"b{2**level}"
        width = channels_at(res, channel_base, channel_max)
        if synthesis == "modulated":
            if level == 2:
                x = ConstantInput(width, 4, name=f"{block}_const")(_style(ws, 0, f"{block}_w0"))
                x = _modulated_layer(x, _style(ws, 0, f"{block}_w1"), width, f"{block}_conv1")
            else:
                x = keras.layers.UpSampling2D(2, interpolation="bilinear", name=f"{block}_up")(x)
                x = _modulated_layer(x, _style(ws, 2 * level - 5, f"{block}_w0"), width, f"{block}_conv0")
                x = _modulated_layer(x, _style(ws, 2 * level - 4, f"{block}_w1"), width, f"{block}_conv1")
            y = ModulatedConv2D(img_channels, 1, demodulate=False, style_gain=1.0 / math.sqrt(width),
                                name=f"{block}_torgb")([x, _style(ws, 2 * level - 3, f"{block}_w_rgb")])
            y = Bias(name=f"{block}_torgb_bias")(y)
            if img is None:
                img = y
            else:  # skip architecture: the up-sampled image so far plus this resolution's toRGB
                img = keras.layers.UpSampling2D(2, interpolation="bilinear", name=f"{block}_img_up")(img)
                img = keras.layers.Add(name=f"{block}_img")([img, y])
        else:
            w0, w1 = _style(ws, 2 * level - 4, f"{block}_w0"), _style(ws, 2 * level - 3, f"{block}_w1")
            if level == 2:
                x = ConstantInput(width, 4, name=f"{block}_const")(w0)
            else:
                x = keras.layers.UpSampling2D(2, interpolation="bilinear", name=f"{block}_up")(x)
                x = EqualizedConv2D(width, 3, use_bias=False, name=f"{block}_conv0")(x)
            x = _adain_layer(x, w0, f"{block}_conv0")
            x = EqualizedConv2D(width, 3, use_bias=False, name=f"{block}_conv1")(x)
            x = _adain_layer(x, w1, f"{block}_conv1")
            if progressive:  # lerp_clip(this resolution's toRGB, the image so far up-sampled, lod - level)
                rgb = EqualizedConv2D(img_channels, 1, name=f"{block}_torgb")(x)
                img = rgb if img is None else LodBlend(levels - level, name=f"{block}_fade")(
                    [rgb, keras.layers.UpSampling2D(2, name=f"{block}_img_up")(img), lod])
    if synthesis == "adain" and not progressive:
        img = EqualizedConv2D(img_channels, 1, name="torgb")(x)
    img = keras.layers.Activation("linear", dtype="float32", name="image")(img)
    return keras.Model(ws, img, name=name)


# === Generator: mapping + broadcast + synthesis ===
def build_stylegan_generator(resolution=32, img_channels=3, z_dim=512, w_dim=512, mapping_layers=8,
                             mapping_lr_multiplier=0.01, synthesis="modulated", channel_base=32768, channel_max=512,
                             progressive=False, name="generator"):
    """``z -> image``: the mapping network, its ``w`` broadcast to every style, the synthesis network. The two
    halves are the layers ``"mapping"`` and ``"synthesis"`` of the returned model (for truncation and mixing)."""
    mapping = build_mapping_network(z_dim, w_dim, mapping_layers, mapping_lr_multiplier)
    synthesis_net = build_synthesis_network(resolution, w_dim, img_channels, synthesis, channel_base, channel_max,
                                            progressive)
    z = keras.Input((z_dim,), name="z")
    ws = keras.layers.RepeatVector(num_ws(resolution), name="broadcast")(mapping(z))
    return keras.Model(z, synthesis_net(ws), name=name)


# === Discriminator ===
def build_stylegan_discriminator(resolution=32, img_channels=3, channel_base=32768, channel_max=512,
                                 mbstd_group_size=4, mbstd_num_channels=1, progressive=False, name="discriminator"):
    """StyleGAN2's residual discriminator ``image -> logit [B, 1]`` (config E/F; stylegan2-ada-pytorch
    ``DiscriminatorBlock`` with ``architecture='resnet'`` and ``DiscriminatorEpilogue``).

    ``progressive``: a fromRGB at every resolution too, each block's output faded into the fromRGB of the image
    average-pooled to the next resolution by the level of detail (layer ``"lod"``), as the official "linear"
    ``D_basic``."""
    resolution = check_resolution(resolution)
    image = keras.Input((resolution, resolution, img_channels), name="image")
    levels = int(math.log2(resolution))
    lod = LevelOfDetail(name="lod")(image) if progressive else None
    img = image
    x = EqualizedConv2D(channels_at(resolution, channel_base, channel_max), 1, activation="lrelu",
                        name=f"b{resolution}_fromrgb")(image)
    for level in range(levels, 2, -1):
        res = 2**level
        width, out = channels_at(res, channel_base, channel_max), channels_at(res // 2, channel_base, channel_max)
        block = f"b{res}"
        skip = keras.layers.AveragePooling2D(2, name=f"{block}_skip_down")(x)
        skip = EqualizedConv2D(out, 1, use_bias=False, name=f"{block}_skip")(skip)
        y = EqualizedConv2D(width, 3, activation="lrelu", name=f"{block}_conv0")(x)
        y = keras.layers.AveragePooling2D(2, name=f"{block}_down")(y)
        y = EqualizedConv2D(out, 3, activation="lrelu", name=f"{block}_conv1")(y)
        x = keras.layers.Add(name=f"{block}_sum")([skip, y])
        x = keras.layers.Rescaling(math.sqrt(0.5), name=f"{block}_gain")(x)
        if progressive:  # lerp_clip(this block's output, fromRGB of the image at the next resolution, lod - level)
            img = keras.layers.AveragePooling2D(2, name=f"{block}_img_down")(img)
            rgb = EqualizedConv2D(out, 1, activation="lrelu", name=f"b{res // 2}_fromrgb")(img)
            x = LodBlend(levels - level, name=f"{block}_fade")([x, rgb, lod])
    width = channels_at(4, channel_base, channel_max)
    if mbstd_group_size and mbstd_num_channels:
        x = MinibatchStdDev(mbstd_group_size, mbstd_num_channels, name="b4_mbstd")(x)
    x = EqualizedConv2D(width, 3, activation="lrelu", name="b4_conv")(x)
    x = keras.layers.Flatten(name="b4_flatten")(x)
    x = EqualizedDense(width, activation="lrelu", name="b4_fc")(x)
    logit = EqualizedDense(1, name="b4_out", dtype="float32")(x)
    return keras.Model(image, logit, name=name)
