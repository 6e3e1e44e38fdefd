"""StyleGAN and StyleGAN2 layers.

Karras et al. 2019, "A Style-Based Generator Architecture for Generative Adversarial Networks" (StyleGAN:
``StyleModulation``, per-channel ``NoiseInjection``); Karras et al. 2020, "Analyzing and Improving the Image
Quality of StyleGAN" (StyleGAN2: ``ModulatedConv2D``, scalar ``NoiseInjection``). Constants follow the reference
code, NVlabs stylegan2-ada-pytorch ``training/networks.py`` (and ``torch_utils/ops/bias_act.py`` for the
activation gain). All layers are NHWC. Under a mixed-precision policy outputs are in the compute dtype, while
styles, demodulation coefficients, normalization statistics and the minibatch standard deviation are computed
in float32.
"""

import math

import keras
from keras import ops

from keras_gans.core.distribution import draw_for_global_batch
from keras_gans.layers.adain import mean_std

#: bias_act's "lrelu": slope 0.2, output multiplied by def_gain sqrt(2)
LRELU_ALPHA = 0.2
LRELU_GAIN = math.sqrt(2.0)
#: normalize_2nd_moment's, modulated_conv2d's demodulation and MinibatchStdLayer's epsilon
EPSILON = 1e-8

ACTIVATIONS = ("linear", "lrelu")


def _check_activation(activation):
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    return activation


def _activate(x, activation):
    """bias_act's activation with its default gain: ``lrelu(x, 0.2) * sqrt(2)`` or ``x``."""
    if activation == "lrelu":
        return ops.leaky_relu(x, LRELU_ALPHA) * LRELU_GAIN
    return x


@keras.saving.register_keras_serializable(package="keras_gans")
class EqualizedDense(keras.layers.Layer):
    """Dense layer with the equalized learning rate (reference ``FullyConnectedLayer``).

    The stored kernel is ``N(0, 1) / lr_multiplier`` and is used times ``lr_multiplier / sqrt(fan_in)``; the stored
    bias is ``bias_init`` (as the reference: ``full([out], bias_init)``) and is used times ``lr_multiplier``. An
    optimizer step of size η on the stored weights then moves the effective ones by ``η · lr_multiplier²`` (fan-in
    scaled): the mapping network's ``lr_multiplier=0.01``. ``activation``: ``"linear"`` or ``"lrelu"`` (slope 0.2,
    times ``sqrt(2)``). ``[..., fan_in] -> [..., units]``.
    """

    def __init__(self, units, lr_multiplier=1.0, bias_init=0.0, activation="linear", **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.lr_multiplier = float(lr_multiplier)
        self.bias_init = float(bias_init)
        self.activation = _check_activation(activation)

    def build(self, input_shape):
        fan_in = int(input_shape[-1])
        self.weight_gain = self.lr_multiplier / math.sqrt(fan_in)
        self.bias_gain = self.lr_multiplier
        self.kernel = self.add_weight(
            shape=(fan_in, self.units), name="kernel",
            initializer=keras.initializers.RandomNormal(stddev=1.0 / self.lr_multiplier))
        self.bias = self.add_weight(shape=(self.units,), name="bias",
                                    initializer=keras.initializers.Constant(self.bias_init))

    def call(self, inputs):
        # Python-float gains keep the (autocast) compute dtype
        x = ops.matmul(inputs, self.kernel * self.weight_gain) + self.bias * self.bias_gain
        return _activate(x, self.activation)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "lr_multiplier": self.lr_multiplier,
                "bias_init": self.bias_init, "activation": self.activation}


@keras.saving.register_keras_serializable(package="keras_gans")
class EqualizedConv2D(keras.layers.Layer):
    """Convolution with the equalized learning rate (reference ``Conv2dLayer`` without resampling).

    Stride 1, ``"same"`` padding (the reference's ``kernel_size // 2`` for odd kernels), NHWC. The stored kernel is
    ``N(0, 1)``, used times ``1 / sqrt(in_channels · k²)``; bias zeros; ``activation`` ``"linear"`` or ``"lrelu"``
    (slope 0.2, times ``sqrt(2)``).
    """

    def __init__(self, filters, kernel_size, activation="linear", use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.activation = _check_activation(activation)
        self.use_bias = bool(use_bias)

    def build(self, input_shape):
        in_channels = int(input_shape[-1])
        self.weight_gain = 1.0 / math.sqrt(in_channels * self.kernel_size ** 2)
        self.kernel = self.add_weight(shape=(self.kernel_size, self.kernel_size, in_channels, self.filters),
                                      name="kernel", initializer=keras.initializers.RandomNormal(stddev=1.0))
        self.bias = self.add_weight(shape=(self.filters,), name="bias", initializer="zeros") if self.use_bias else None

    def call(self, inputs):
        x = ops.conv(inputs, self.kernel * self.weight_gain, padding="same")
        if self.bias is not None:
            x = x + self.bias
        return _activate(x, self.activation)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "activation": self.activation, "use_bias": self.use_bias}


@keras.saving.register_keras_serializable(package="keras_gans")
class ModulatedConv2D(keras.layers.Layer):
    """StyleGAN2's modulated convolution (paper Eqs. 1-3; reference ``modulated_conv2d``, non-fused path).

    Call on ``[x, w]``: ``x`` ``[B, H, W, Cin]``, ``w`` ``[B, w_dim]``. An owned affine ``EqualizedDense(Cin,
    bias_init=1)`` maps ``w`` to styles, ``s = affine(w) · style_gain`` ``[B, Cin]``; then
    ``y = conv2d(x · s, kernel)`` (kernel stored N(0, 1), stride 1, ``"same"`` padding) and, with ``demodulate``,
    ``y · rsqrt(Σ_{kh,kw,cin} kernel² s² + 1e-8)`` per example and output channel. No bias, no activation, no
    noise: the synthesis layer adds them. This is the PyTorch reference exactly: its ``SynthesisLayer`` passes the
    unscaled kernel and styles (demodulation makes the output independent of the kernel's scale), its
    ``ToRGBLayer`` (``demodulate=False``, kernel 1) multiplies the styles by ``weight_gain = 1 / sqrt(Cin · k²)``.

    ``style_gain``: ``None`` (default) means exactly that: ``1 / sqrt(Cin · k²)`` without demodulation, 1 with it.
    A number is used as given; passing ``1 / sqrt(Cin)`` for a ToRGB layer is the same as the default (the gain is
    applied in this one place only, never also to the kernel). With demodulation any style gain cancels (up to the
    1e-8).

    Precision: kernel, styles (the affine runs in float32, as the reference's) and demodulation coefficients are
    float32; ``x · s``, the convolution and the output use the compute dtype. The reference's float16
    pre-normalization against overflow is not needed for bfloat16 and is omitted.
    """

    def __init__(self, filters, kernel_size, demodulate=True, style_gain=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.demodulate = bool(demodulate)
        self.style_gain = None if style_gain is None else float(style_gain)

    def build(self, input_shape):
        x_shape, w_shape = input_shape
        in_channels = int(x_shape[-1])
        if self.style_gain is not None:
            self.effective_style_gain = self.style_gain
        else:
            self.effective_style_gain = 1.0 if self.demodulate else 1.0 / math.sqrt(in_channels * self.kernel_size ** 2)
        self.affine = EqualizedDense(in_channels, bias_init=1.0, dtype="float32", name="affine")
        self.affine.build(w_shape)
        # autocast=False: read in float32 for the demodulation coefficients, cast for the convolution by hand
        self.kernel = self.add_weight(shape=(self.kernel_size, self.kernel_size, in_channels, self.filters),
                                      name="kernel", initializer=keras.initializers.RandomNormal(stddev=1.0),
                                      autocast=False)

    def call(self, inputs):
        x, w = inputs
        styles = ops.cast(self.affine(w), "float32") * self.effective_style_gain  # [B, Cin]
        kernel = ops.cast(self.kernel, "float32")
        y = ops.conv(x * ops.cast(styles[:, None, None, :], x.dtype), ops.cast(kernel, x.dtype), padding="same")
        if self.demodulate:
            # Σ_{kh,kw,cin} (kernel s)² = s² @ Σ_{kh,kw} kernel²: [B, Cin] @ [Cin, Cout]
            dcoefs = ops.rsqrt(ops.matmul(ops.square(styles), ops.sum(ops.square(kernel), axis=(0, 1))) + EPSILON)
            y = y * ops.cast(dcoefs[:, None, None, :], y.dtype)
        return y

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "demodulate": self.demodulate, "style_gain": self.style_gain}


@keras.saving.register_keras_serializable(package="keras_gans")
class NoiseInjection(keras.layers.Layer):
    """``x + strength · noise`` with one noise map ``[B, H, W, 1]`` shared by all channels.

    ``strength`` is learned and starts at 0: a scalar (StyleGAN2's ``noise_strength``) or, with ``per_channel``,
    one factor per channel (StyleGAN's learned per-feature scaling factors). With ``training=True`` the noise is
    drawn fresh from the layer's ``seed_generator`` for the *global* batch (``draw_for_global_batch``: N replicas
    draw what one device draws); otherwise it is a fixed ``[1, H, W, 1]`` buffer drawn once from N(0, 1) at build
    (the reference's ``noise_mode='const'``), so generation is deterministic. H and W must be static.
    """

    def __init__(self, per_channel=False, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.per_channel = bool(per_channel)
        self.seed = seed
        # an attribute SeedGenerator is tracked (as keras.layers.Dropout's): its state is saved with the layer
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        height, width, channels = input_shape[1:]
        if height is None or width is None:
            raise ValueError(f"NoiseInjection needs a static height and width, got input shape {input_shape}")
        self.strength = self.add_weight(shape=(int(channels),) if self.per_channel else (), name="strength",
                                        initializer="zeros")
        self.noise_const = self.add_weight(shape=(1, int(height), int(width), 1), name="noise_const",
                                           initializer=keras.initializers.RandomNormal(stddev=1.0), trainable=False)

    def call(self, inputs, training=False):
        if training:
            height, width = self.noise_const.shape[1:3]
            noise = draw_for_global_batch(
                ops.shape(inputs)[0],
                lambda n: keras.random.normal((n, height, width, 1), seed=self.seed_generator))
        else:
            noise = self.noise_const
        return inputs + ops.cast(self.strength, inputs.dtype) * ops.cast(noise, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "per_channel": self.per_channel, "seed": self.seed}


@keras.saving.register_keras_serializable(package="keras_gans")
class StyleModulation(keras.layers.Layer):
    """StyleGAN's AdaIN: ``instance_norm(x) · (1 + y_s) + y_b`` (paper Eq. 1; official TF ``style_mod`` after
    ``instance_norm``).

    Call on ``[x, w]``: ``x`` ``[B, H, W, C]``, ``w`` ``[B, w_dim]``. An owned ``EqualizedDense(2C)`` (bias 0,
    float32) gives ``(y_s, y_b)`` (first and second C outputs). Instance norm per example and channel over H, W
    with ``std = sqrt(var + epsilon)`` (``adain.mean_std``), in float32; output in the compute dtype.
    """

    def __init__(self, epsilon=EPSILON, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        x_shape, w_shape = input_shape
        self.channels = int(x_shape[-1])
        self.affine = EqualizedDense(2 * self.channels, bias_init=0.0, dtype="float32", name="affine")
        self.affine.build(w_shape)

    def call(self, inputs):
        x, w = inputs
        x32 = ops.cast(x, "float32")
        mean, std = mean_std(x32, self.epsilon, keepdims=True)
        styles = ops.cast(self.affine(w), "float32")[:, None, None, :]
        scale, shift = styles[..., : self.channels], styles[..., self.channels :]
        return ops.cast((x32 - mean) / std * (1.0 + scale) + shift, x.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="keras_gans")
class MinibatchStdDev(keras.layers.Layer):
    """Minibatch standard deviation (reference ``MinibatchStdLayer``; Karras et al. 2018, Sec. 3).

    Within each group of ``G = min(group_size, B)`` samples: the std over the group (``sqrt(var + 1e-8)``),
    averaged over the features of each of ``num_channels`` channel groups and over all pixels, appended as
    ``num_channels`` feature maps: ``[B, H, W, C] -> [B, H, W, C + num_channels]``. Computed in float32.

    Deviation from the reference: groups are *contiguous* samples (``kG .. kG+G-1``), not the reference's strided
    ones (``x.reshape(G, -1, ...)`` groups samples ``k, k + B/G, ...``). Under ``tf.distribute`` a per-replica batch
    that is a multiple of ``group_size`` then forms exactly the groups one device forms on the global batch. The
    batch must be divisible by G (``ValueError`` when the batch size is static).
    """

    def __init__(self, group_size=4, num_channels=1, **kwargs):
        super().__init__(**kwargs)
        self.group_size = int(group_size)
        self.num_channels = int(num_channels)

    def build(self, input_shape):
        channels = int(input_shape[-1])
        if channels % self.num_channels:
            raise ValueError(f"channels ({channels}) must be divisible by num_channels ({self.num_channels})")

    def call(self, inputs):
        batch, height, width, channels = inputs.shape
        if batch is not None:
            group = min(self.group_size, batch)
            if batch % group:
                raise ValueError(f"batch size {batch} is not divisible by the group size {group}")
        else:
            group = ops.minimum(self.group_size, ops.shape(inputs)[0])
        dynamic = ops.shape(inputs)
        height = height if height is not None else dynamic[1]
        width = width if width is not None else dynamic[2]
        f = self.num_channels
        x = ops.reshape(ops.cast(inputs, "float32"), (-1, group, height, width, f, channels // f))  # [n G H W F c]
        y = x - ops.mean(x, axis=1, keepdims=True)
        y = ops.sqrt(ops.mean(ops.square(y), axis=1, keepdims=True) + EPSILON)  # [n 1 H W F c]
        y = ops.mean(y, axis=(2, 3, 5), keepdims=True)  # [n 1 1 1 F 1]
        # each group's statistic for its G samples, by broadcasting (a repeat's Tile has a gradient that XLA could not
        # compile inside the lazy R1 branch's cond)
        y = ops.reshape(ops.ones_like(x[..., :1]) * y, (-1, height, width, f))  # [B H W F]
        return ops.concatenate([inputs, ops.cast(y, inputs.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + self.num_channels)

    def get_config(self):
        return {**super().get_config(), "group_size": self.group_size, "num_channels": self.num_channels}


@keras.saving.register_keras_serializable(package="keras_gans")
class PixelNorm(keras.layers.Layer):
    """``x · rsqrt(mean(x², axis=-1) + epsilon)`` (reference ``normalize_2nd_moment``; ProGAN's pixelwise feature
    vector normalization), in float32."""

    def __init__(self, epsilon=EPSILON, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)
        self.built = True  # no weights

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        return ops.cast(x * ops.rsqrt(ops.mean(ops.square(x), axis=-1, keepdims=True) + self.epsilon), inputs.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="keras_gans")
class ConstantInput(keras.layers.Layer):
    """The synthesis network's learned constant input (reference ``SynthesisBlock.const``, init N(0, 1)).

    ``call(w)`` returns the ``[1, size, size, channels]`` constant tiled to ``w``'s batch size (only ``w``'s
    first axis is used).
    """

    def __init__(self, channels, size=4, **kwargs):
        super().__init__(**kwargs)
        self.channels = int(channels)
        self.size = int(size)

    def build(self, input_shape):
        self.const = self.add_weight(shape=(1, self.size, self.size, self.channels), name="const",
                                     initializer=keras.initializers.RandomNormal(stddev=1.0))

    def call(self, inputs):
        return ops.repeat(self.const, ops.shape(inputs)[0], axis=0)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size, self.size, self.channels)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels, "size": self.size}


@keras.saving.register_keras_serializable(package="keras_gans")
class Bias(keras.layers.Layer):
    """A learned per-channel bias (zeros), added after the noise as the references' ``bias_act``."""

    def build(self, input_shape):
        self.bias = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="bias")

    def call(self, x):
        return x + ops.cast(self.bias, x.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


@keras.saving.register_keras_serializable(package="keras_gans")
class SelectStyle(keras.layers.Layer):
    """``ws [B, num_ws, w_dim] -> ws[:, index]``: the style one synthesis layer takes."""

    def __init__(self, index, **kwargs):
        super().__init__(**kwargs)
        self.index = int(index)
        self.built = True

    def call(self, ws):
        return ws[:, self.index]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])

    def get_config(self):
        return {**super().get_config(), "index": self.index}
