"""Arbitrary style transfer with adaptive instance normalization (Huang & Belongie 2017,
"Arbitrary Style Transfer in Real-time with Adaptive Instance Normalization", ICCV).

Not an adversarial model: a frozen VGG-19 encoder ``f`` (to relu4_1), an :class:`~keras_gans.layers.AdaIN`
layer and a decoder ``g`` trained with ``fit`` on (content, style) image batches. Images are RGB
floats in [0, 255] (the encoder does the VGG preprocessing itself).
"""

import numbers
import warnings

import keras
import numpy as np
import tensorflow as tf

from keras_gans import optimizers
from keras_gans.serving.export import decode_image_bytes, encode_png_batch
from keras_gans.layers.adain import EPSILON, AdaIN, adain_with_statistics, mean_std
from keras_gans.models.base import fit_logs
from keras_gans.networks.vgg import build_adain_decoder, build_vgg19_encoder, check_width_and_padding
from keras_gans.kernels import FusedAdam

#: content images are padded (reflection) to a multiple of this and cropped back: three 2x pools
MULTIPLE = 8
#: smallest image side: relu4_1 (1/8 size) must be at least 2x2 for the decoder's reflection padding
MIN_SIZE = 16


# --- Losses (paper Section 4.2), per example --------------------------------------------------
def content_loss(stylized_feature, target):
    """``||f(g(t)) - t||²`` as a mean over positions and channels, per example (Eq. 12)."""
    return tf.reduce_mean(tf.square(stylized_feature - target), axis=[1, 2, 3])


def style_loss(stylized_features, style_features, epsilon=EPSILON):
    """``Σ_i ||μ(φ_i(g(t))) − μ(φ_i(s))||² + ||σ(φ_i(g(t))) − σ(φ_i(s))||²`` over relu1_1 ... relu4_1,
    each a mean over channels as in the reference's ``mse_loss``, per example (Eq. 13)."""
    total = 0.0
    for stylized, style in zip(stylized_features, style_features):
        mean_g, std_g = mean_std(stylized, epsilon)
        mean_s, std_s = mean_std(style, epsilon)
        total += tf.reduce_mean(tf.square(mean_g - mean_s), axis=-1) + tf.reduce_mean(tf.square(std_g - std_s), axis=-1)
    return total


# --- Stylizing controls, as graph functions (shared by the Python API and the export) ---------
def pad_to_multiple(images, multiple=MULTIPLE):
    """Reflection-pad ``[B, H, W, C]`` at the bottom/right to multiples of ``multiple``."""
    shape = tf.shape(images)
    pad_h, pad_w = (-shape[1]) % multiple, (-shape[2]) % multiple
    return tf.pad(images, [[0, 0], [0, pad_h], [0, pad_w], [0, 0]], mode="REFLECT")


def masked_adain(content, regions, style_mean, style_std, epsilon=EPSILON):
    """AdaIN per region: positions where ``regions == k`` are normalized with *their* mean and std
    and given style ``k``'s (the spatial control of the paper's Section 7.3 / Fig. 9; as in the
    authors' Torch code, the content statistics are those of the masked region).

    ``content`` ``[B, h, w, C]``; ``regions`` int ``[B, h, w]`` in ``[0, K)``; ``style_mean``/``style_std``
    ``[B or 1, K, C]``.
    """
    num = tf.shape(style_mean)[1]
    onehot = tf.one_hot(regions, num, dtype=content.dtype)  # [B, h, w, K]
    count = tf.maximum(tf.reduce_sum(onehot, axis=[1, 2]), 1.0)[..., None]  # [B, K, 1]
    mean = tf.einsum("bhwk,bhwc->bkc", onehot, content) / count
    mean_px = tf.einsum("bhwk,bkc->bhwc", onehot, mean)
    var = tf.einsum("bhwk,bhwc->bkc", onehot, tf.square(content - mean_px)) / count
    std_px = tf.einsum("bhwk,bkc->bhwc", onehot, tf.sqrt(var + epsilon))
    batch_shape = tf.shape(mean)
    style_mean_px = tf.einsum("bhwk,bkc->bhwc", onehot, tf.broadcast_to(style_mean, batch_shape))
    style_std_px = tf.einsum("bhwk,bkc->bhwc", onehot, tf.broadcast_to(style_std, batch_shape))
    return style_std_px * (content - mean_px) / std_px + style_mean_px


def _sqrtm(cov, inverse=False, floor=1e-8):
    values, vectors = tf.linalg.eigh(cov)
    values = tf.maximum(values, floor)
    scale = tf.math.rsqrt(values) if inverse else tf.sqrt(values)
    return tf.matmul(vectors * scale[..., None, :], vectors, transpose_b=True)


def match_color(source, target, epsilon=1.0, clip=True):
    """Colour preservation: give ``source`` images the mean and RGB covariance of ``target``.

    ``x' = C_t^½ C_s^-½ (x − μ_s) + μ_t`` per image (the linear colour transfer of Gatys et al. 2017,
    "Controlling Perceptual Factors in Neural Style Transfer", that the AdaIN paper's Section 7.3
    uses to preserve the content's colours: the style image is recoloured before the transfer).
    ``source`` ``[K, H, W, 3]``, ``target`` ``[1 or K, H', W', 3]``, both in [0, 255]; ``epsilon``
    (one grey level²) is added to both covariances' diagonals; the result is clipped to [0, 255]
    unless ``clip=False``.
    """
    source = tf.cast(source, tf.float32)
    target = tf.cast(target, tf.float32)
    xs = tf.reshape(source, [tf.shape(source)[0], -1, 3])
    xt = tf.reshape(target, [tf.shape(target)[0], -1, 3])
    eye = epsilon * tf.eye(3)

    def stats(x):
        mean = tf.reduce_mean(x, axis=1, keepdims=True)
        centered = x - mean
        cov = tf.matmul(centered, centered, transpose_a=True) / tf.cast(tf.shape(x)[1], tf.float32) + eye
        return mean, centered, cov

    mean_s, centered_s, cov_s = stats(xs)
    mean_t, _, cov_t = stats(xt)
    transform = tf.matmul(_sqrtm(cov_t), _sqrtm(cov_s, inverse=True))  # [1 or K, 3, 3]
    out = tf.matmul(centered_s, transform, transpose_b=True) + mean_t
    if clip:
        out = tf.clip_by_value(out, 0.0, 255.0)
    return tf.reshape(out, tf.shape(source))


def pixels_to_uint8(images):
    """Floats in [0, 255] -> uint8 (clip, round half to even)."""
    return tf.cast(tf.round(tf.clip_by_value(images, 0.0, 255.0)), tf.uint8)


# --- Input checks of the Python API -------------------------------------------------------------
def as_rgb_image(image, what):
    """``image`` as float32 ``[H, W, 3]`` in [0, 255]; grayscale is converted to RGB and RGBA loses its
    alpha channel, each with a warning that says so."""
    array = np.asarray(image)
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3:
        raise ValueError(f"{what} must be one image [H, W, 3] (or [H, W] grayscale), got shape {array.shape}")
    channels = array.shape[-1]
    if channels == 1:
        warnings.warn(f"{what} is grayscale: converted to RGB by repeating its channel", stacklevel=3)
        array = np.repeat(array, 3, axis=-1)
    elif channels == 4:
        warnings.warn(f"{what} is RGBA: its alpha channel was dropped", stacklevel=3)
        array = array[..., :3]
    elif channels != 3:
        raise ValueError(f"{what} has {channels} channels; expected RGB (3), grayscale (1) or RGBA (4)")
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise ValueError(f"{what} must hold numbers (uint8, or floats in [0, 255]), got dtype {array.dtype}")
    array = array.astype(np.float32)
    if array.size and (not np.all(np.isfinite(array)) or array.min() < 0 or array.max() > 255):
        raise ValueError(f"{what} must have values in [0, 255] (uint8 or float), got [{array.min()}, {array.max()}]")
    if min(array.shape[:2]) < MIN_SIZE:
        raise ValueError(f"{what} is {array.shape[0]}x{array.shape[1]}: AdaIN needs images of at least "
                         f"{MIN_SIZE}x{MIN_SIZE} pixels")
    return array


def check_alpha(alpha):
    if not isinstance(alpha, numbers.Real) or isinstance(alpha, bool) or not 0.0 <= float(alpha) <= 1.0:
        raise ValueError(f"alpha (the content-style trade-off) must be a number in [0, 1], got {alpha!r}")
    return float(alpha)


def check_style_weights(weights, num_styles):
    """Interpolation weights: ``num_styles`` non-negative numbers, not all 0; returned summing to 1."""
    if weights is None:
        return np.full((num_styles,), 1.0 / num_styles, np.float32)
    weights = np.asarray(weights, dtype=np.float64).reshape(-1)
    if len(weights) != num_styles:
        raise ValueError(f"style_weights has {len(weights)} value(s) for {num_styles} style image(s): "
                         "give one weight per style")
    if not np.all(np.isfinite(weights)) or weights.min() < 0 or weights.sum() <= 0:
        raise ValueError(f"style_weights must be non-negative and not all zero, got {weights.tolist()}")
    return (weights / weights.sum()).astype(np.float32)


def check_mask(mask, content_shape, num_styles):
    """``mask``: integer region ids ``[H, W]`` (the content's size) in ``[0, num_styles)``."""
    mask = np.asarray(mask)
    if mask.ndim == 3 and mask.shape[-1] == 1:
        mask = mask[..., 0]
    if mask.ndim != 2 or not (np.issubdtype(mask.dtype, np.integer) or mask.dtype == np.bool_):
        raise ValueError(f"mask must be an integer array [H, W] of region ids (region k gets style k), "
                         f"got shape {mask.shape} ({mask.dtype})")
    if mask.shape != tuple(content_shape[:2]):
        raise ValueError(f"mask is {mask.shape[0]}x{mask.shape[1]} but the content image is "
                         f"{content_shape[0]}x{content_shape[1]}: they must have the same size")
    if mask.min() < 0:
        raise ValueError(f"mask region ids must be >= 0, got {mask.min()}")
    if mask.max() >= num_styles:
        raise ValueError(f"mask has {int(mask.max()) + 1} regions (ids 0..{int(mask.max())}) but only "
                         f"{num_styles} style image(s): give one style per region")
    return mask.astype(np.int32)


def mask_to_regions(mask_image):
    """A mask image (e.g. black/white PNG) -> region ids: its distinct grey levels in increasing order
    become regions 0, 1, ... (black = region 0 = the first style)."""
    gray = np.asarray(mask_image)
    if gray.ndim == 3:
        if gray.shape[-1] not in (1, 3, 4) or (gray.shape[-1] > 1 and not np.all(gray[..., :3] == gray[..., :1])):
            raise ValueError("a mask image must be grayscale (one grey level per region)")
        gray = gray[..., 0]
    _, regions = np.unique(gray, return_inverse=True)
    return regions.reshape(gray.shape).astype(np.int32)


@keras.saving.register_keras_serializable(package="keras_gans")
class AdaINStyleTransfer(keras.Model):
    """AdaIN style transfer: ``T(c, s) = g(AdaIN(f(c), f(s)))`` (paper Eq. 9), decoder trained with ``fit``.

    ``fit`` takes batches ``(content, style)`` of RGB images in [0, 255], ``[B, H, W, 3]`` each.
    One ``train_step`` is the paper's Section 4.2: ``t = AdaIN(f(c), f(s))``, loss
    ``L = L_c + λ L_s`` with ``L_c = ||f(g(t)) − t||²`` and ``L_s`` the mean/std matching of
    relu1_1 ... relu4_1 between ``g(t)`` and ``s``; only ``g`` is updated (``f`` is frozen).

    Defaults are the paper's / the reference implementation's (naoto0804/pytorch-AdaIN ``train.py``):
    ``style_weight`` λ = 10, Adam with learning rate 1e-4 decayed as ``lr / (1 + 5e-5 · step)``
    (``keras.optimizers.schedules.InverseTimeDecay``, saved with the model, so a resumed run goes on
    with the same rate), batch 8 of 256x256 crops (the CLI's defaults), epsilon 1e-5, reflection
    padding in the encoder. ``width`` < 1 shrinks every channel count (for tests; ImageNet weights
    need 1).

    Args:
        width: channel multiplier of encoder and decoder.
        padding: encoder padding, ``"reflect"`` (reference) or ``"zero"`` (what ImageNet VGG used).
        encoder_weights: ``None`` (random), ``"imagenet"`` or a local weights file
            (:func:`keras_gans.networks.load_vgg19_weights`). Only used when building the encoder;
            a saved model carries its encoder's weights.
        style_weight: λ.
        learning_rate, lr_decay: the default optimizer's ``lr / (1 + lr_decay · step)``.
        epsilon: added to variances in AdaIN and the style loss.
        encoder, decoder: prebuilt networks (``from_config`` passes them).
    """

    tracker_names = ("loss", "content_loss", "style_loss")

    def __init__(self, width=1.0, padding="reflect", encoder_weights=None, style_weight=10.0, learning_rate=1e-4,
                 lr_decay=5e-5, epsilon=EPSILON, encoder=None, decoder=None, **kwargs):
        super().__init__(**kwargs)
        check_width_and_padding(width, padding)
        if not style_weight >= 0:
            raise ValueError(f"style_weight must be >= 0, got {style_weight!r}")
        # === Networks ===
        self.encoder = encoder if encoder is not None else build_vgg19_encoder(width, padding, encoder_weights)
        self.encoder.trainable = False
        self.decoder = decoder if decoder is not None else build_adain_decoder(width)
        feature_channels = self.encoder.outputs[-1].shape[-1]
        if self.decoder.inputs[0].shape[-1] != feature_channels:
            raise ValueError(f"the decoder takes {self.decoder.inputs[0].shape[-1]} channels, the encoder's "
                             f"relu4_1 has {feature_channels}")
        self.adain = AdaIN(epsilon, name="adain")
        # === Config ===
        self.width, self.padding = width, padding
        self.style_weight, self.epsilon = float(style_weight), float(epsilon)
        self.learning_rate, self.lr_decay = float(learning_rate), float(lr_decay)
        self._trackers = {name: keras.metrics.Mean(name=name) for name in self.tracker_names}
        self._compiled_functions = {}
        self.built = True

    # --- Keras plumbing ------------------------------------------------------------------------
    @property
    def metrics(self):
        return list(self._trackers.values())

    def call(self, inputs, training=False):
        """``model([content, style])``: ``g(AdaIN(f(c), f(s)))`` for paired batches, floats ~[0, 255]."""
        content, style = inputs
        t = self.adain([self.encoder(content)[-1], self.encoder(style)[-1]])
        return self.decoder(t, training=training)

    def default_optimizer(self):
        schedule = keras.optimizers.schedules.InverseTimeDecay(self.learning_rate, decay_steps=1,
                                                               decay_rate=self.lr_decay)
        return FusedAdam(schedule, epsilon=1e-8)  # PyTorch's Adam epsilon, as the reference

    def compile(self, optimizer=None, **kwargs):
        """Set (or default) the decoder's optimizer and build it inside the strategy scope."""
        if kwargs.get("loss") is not None:
            raise ValueError("AdaINStyleTransfer computes its own losses: compile takes no loss=")
        kwargs.pop("loss", None)
        optimizer = optimizers.get(optimizer) if optimizer is not None else self.default_optimizer()
        super().compile(optimizer=optimizer, **kwargs)
        with self.distribute_strategy.scope():
            self.optimizer.build(self.decoder.trainable_variables)
        self.train_function = None

    def get_compile_config(self):
        if getattr(self, "optimizer", None) is None:
            return None
        return {"optimizer": keras.saving.serialize_keras_object(self.optimizer)}

    def compile_from_config(self, config):
        self.compile(optimizer=keras.saving.deserialize_keras_object(config["optimizer"]))

    def get_config(self):
        config = super().get_config()
        config.update(width=self.width, padding=self.padding, style_weight=self.style_weight,
                      learning_rate=self.learning_rate, lr_decay=self.lr_decay, epsilon=self.epsilon,
                      encoder=keras.saving.serialize_keras_object(self.encoder),
                      decoder=keras.saving.serialize_keras_object(self.decoder))
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("encoder", "decoder"):
            if isinstance(config.get(key), dict):
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)

    # --- Training (paper Section 4.2) ------------------------------------------------------------
    def unpack(self, data):
        if isinstance(data, (tuple, list)) and len(data) == 3 and data[2] is None:  # train_on_batch(c, s)
            data = data[:2]
        if not isinstance(data, (tuple, list)) or len(data) != 2:
            raise ValueError("AdaINStyleTransfer trains on (content, style) batches of RGB images in [0, 255]")
        content, style = data
        for what, images in (("content", content), ("style", style)):
            if images.shape.rank != 4 or images.shape[-1] != 3:
                raise ValueError(f"{what} batches must be [batch, H, W, 3] RGB images, got {tuple(images.shape)}")
        return tf.cast(content, tf.float32), tf.cast(style, tf.float32)

    def train_step(self, data):
        if getattr(self, "optimizer", None) is None:
            raise RuntimeError("AdaINStyleTransfer must be compiled before training: call model.compile()")
        content, style = self.unpack(data)
        style_features = self.encoder(style, training=False)      # φ_1..4(s), frozen f
        content_feature = self.encoder(content, training=False)[-1]  # f(c)
        t = self.adain([content_feature, style_features[-1]])      # t = AdaIN(f(c), f(s))   (Eq. 10)
        with tf.GradientTape() as tape:
            stylized = self.decoder(t, training=True)               # g(t)
            stylized_features = self.encoder(stylized, training=False)
            l_content = content_loss(stylized_features[-1], t)      # Eq. 12
            l_style = style_loss(stylized_features, style_features, self.epsilon)  # Eq. 13
            loss = l_content + self.style_weight * l_style          # Eq. 11, per example
            scaled = self.optimizer.scale_loss(tf.nn.compute_average_loss(loss))
        variables = self.decoder.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        for name, value in (("loss", loss), ("content_loss", l_content), ("style_loss", l_style)):
            self._trackers[name].update_state(value)
        return fit_logs(self.metrics, self.distribute_strategy)

    # --- Stylizing (graph functions; the export and the Python API use them) --------------------
    def style_statistics(self, styles):
        """``(mean, std)`` ``[K, C]`` of relu4_1 of ``styles`` ``[K, H, W, 3]`` in [0, 255]."""
        return mean_std(self.encoder(tf.cast(styles, tf.float32))[-1], self.epsilon)

    def stylize_with_statistics(self, content, style_mean, style_std, style_weights=None, mask=None, alpha=1.0):
        """``g(α · t + (1 − α) · f(c))`` for ``content`` ``[B, H, W, 3]`` in [0, 255], any ``H, W`` >= 16.

        ``style_mean``/``style_std``: ``[B or 1, K, C]`` relu4_1 statistics of K styles. Without a
        mask, ``t = AdaIN`` with the ``style_weights``-weighted mean of the K styles' statistics,
        which equals the reference's weighted sum of K AdaIN outputs (its weights sum to 1 too);
        with ``mask`` (int ``[B, H, W]`` in ``[0, K)``) region k gets style k (:func:`masked_adain`).
        The content is reflection-padded to a multiple of 8 and the output cropped back. Returns
        floats clipped to [0, 255].
        """
        content = tf.cast(content, tf.float32)
        height, width = tf.shape(content)[1], tf.shape(content)[2]
        features = self.encoder(pad_to_multiple(content))[-1]
        if mask is None:
            num = tf.shape(style_mean)[1]
            if style_weights is None:
                style_weights = tf.fill([num], 1.0 / tf.cast(num, tf.float32))
            weights = tf.cast(style_weights, tf.float32)
            weights = (weights / tf.reduce_sum(weights))[None, :, None]
            t = adain_with_statistics(features, tf.reduce_sum(style_mean * weights, axis=1),
                                      tf.reduce_sum(style_std * weights, axis=1), self.epsilon)
        else:
            regions = pad_to_multiple(tf.cast(mask, tf.int32)[..., None])[:, MULTIPLE // 2 :: MULTIPLE,
                                                                          MULTIPLE // 2 :: MULTIPLE, 0]
            t = masked_adain(features, regions, style_mean, style_std, self.epsilon)
        alpha = tf.cast(alpha, tf.float32)
        t = alpha * t + (1.0 - alpha) * features
        images = self.decoder(t)[:, :height, :width]
        return tf.clip_by_value(images, 0.0, 255.0)

    def _function(self, name, fn, jit_compile=False):
        """``fn`` as a cached ``tf.function`` (XLA-compiled per input shape when ``jit_compile``)."""
        key = (name, bool(jit_compile))
        if key not in self._compiled_functions:
            self._compiled_functions[key] = tf.function(fn, reduce_retracing=True, jit_compile=bool(jit_compile))
        return self._compiled_functions[key]

    def stylize(self, content, style, alpha=1.0, style_weights=None, preserve_color=False, mask=None):
        """Stylize ``content`` with ``style``: uint8 images of the content's size.

        Args:
            content: one RGB image ``[H, W, 3]`` (uint8, or floats in [0, 255]), a batch ``[B, H, W, 3]``
                or a list of images of any sizes (each at least 16x16). Grayscale is converted to RGB
                and RGBA loses its alpha channel, with a warning.
            style: one style image or a list of them (any sizes).
            alpha: content-style trade-off in [0, 1] (paper Eq. 14): 0 reconstructs the content,
                1 is full stylization.
            style_weights: with several styles, interpolation weights (one per style, non-negative,
                normalized to sum 1; default equal) (paper Fig. 8).
            preserve_color: recolour each style image to the content's colour statistics first
                (:func:`match_color`, paper Section 7.3).
            mask: spatial control: integer region ids ``[H, W]`` (the content's size) in ``[0, K)``;
                region k gets style k (paper Fig. 9). Not combined with ``style_weights``.

        Returns uint8 ``[H, W, 3]`` for one image, ``[B, H, W, 3]`` for a batch array, a list for a list.
        After ``compile(jit_compile=True)`` the networks run XLA-compiled (compiled once per image size).
        """
        alpha = check_alpha(alpha)
        single = isinstance(content, np.ndarray | tf.Tensor) and np.ndim(content) in (2, 3)
        as_array = isinstance(content, np.ndarray | tf.Tensor) and np.ndim(content) == 4
        contents = [content] if single else list(content)
        if not contents:
            raise ValueError("no content images given")
        contents = [as_rgb_image(c, f"content image {i}" if not single else "content image")
                    for i, c in enumerate(contents)]
        styles = [style] if isinstance(style, np.ndarray | tf.Tensor) and np.ndim(style) in (2, 3) else list(style)
        if not styles:
            raise ValueError("no style images given")
        styles = [as_rgb_image(s, f"style image {i}") for i, s in enumerate(styles)]
        if mask is not None and style_weights is not None:
            raise ValueError("style_weights interpolate styles everywhere and a mask assigns them to regions: "
                             "pass one of them")
        weights = check_style_weights(style_weights, len(styles))
        masks = [None if mask is None else check_mask(mask, c.shape, len(styles))[None] for c in contents]

        # XLA when the model was compiled with jit_compile=True: 20 % faster on the 2-core CPU at 256x256
        # (README), one compilation per image size
        jit = getattr(self, "jit_compile", False) is True
        statistics = self._function("statistics", self.style_statistics, jit)
        recolour = self._function("match_color", match_color)
        stylize = self._function("stylize", self.stylize_with_statistics, jit)
        shared = None if preserve_color else [statistics(s[None]) for s in styles]
        outputs = []
        for image, region_ids in zip(contents, masks):
            stats = shared or [statistics(recolour(s[None], image[None])) for s in styles]
            mean = tf.stack([m[0] for m, _ in stats])[None]
            std = tf.stack([s[0] for _, s in stats])[None]
            images = stylize(image[None], mean, std, tf.constant(weights), region_ids, tf.constant(alpha))
            outputs.append(pixels_to_uint8(images)[0].numpy())
        if single:
            return outputs[0]
        return np.stack(outputs) if as_array else outputs

    # --- Export ---------------------------------------------------------------------------------
    def build_export_archive(self):
        """SavedModel endpoints (all return uint8 images ``{"images": [B, H, W, 3]}``):

        - ``serving_default`` (= ``stylize``): ``content`` uint8 ``[B, H, W, 3]``, ``style`` uint8
          ``[B, H', W', 3]`` (pairs), ``alpha`` float32 scalar.
        - ``stylize_bytes``: ``content_bytes``/``style_bytes`` encoded images ``[B]`` (PNG/JPEG/...),
          ``alpha`` -> ``{"images_png": [B]}`` (TF Serving REST: ``{"b64": ...}`` values).
        - ``interpolate``: one ``content`` ``[H, W, 3]``, ``styles`` ``[K, H', W', 3]``, ``style_weights``
          ``[K]``, ``alpha``, ``preserve_color`` bool -> ``[1, H, W, 3]``.
        - ``masked``: ``content``, ``styles``, ``mask`` int32 ``[H, W]`` region ids in ``[0, K)``,
          ``alpha``, ``preserve_color`` -> ``[1, H, W, 3]``.
        """
        archive = keras.export.ExportArchive()
        archive.track(self.encoder)
        archive.track(self.decoder)
        image = lambda name, rank=4: tf.TensorSpec([None] * (rank - 1) + [3], tf.uint8, name=name)  # noqa: E731
        alpha_spec = tf.TensorSpec([], tf.float32, name="alpha")
        color_spec = tf.TensorSpec([], tf.bool, name="preserve_color")

        def alpha_checks(alpha):
            return [tf.debugging.assert_greater_equal(alpha, 0.0, message="alpha must be in [0, 1]"),
                    tf.debugging.assert_less_equal(alpha, 1.0, message="alpha must be in [0, 1]")]

        # Each network graph is traced once and shared by the endpoints (4 endpoints, 3 traces of the encoder).
        images_spec = tf.TensorSpec([None, None, None, 3], tf.float32)
        stats_spec = tf.TensorSpec([None, None, self.encoder.outputs[-1].shape[-1]], tf.float32)
        style_statistics = tf.function(self.style_statistics, input_signature=[images_spec])
        stylize_mixed = tf.function(
            lambda content, mean, std, weights, alpha: self.stylize_with_statistics(content, mean, std, weights,
                                                                                    alpha=alpha),
            input_signature=[images_spec, stats_spec, stats_spec, tf.TensorSpec([None], tf.float32),
                             tf.TensorSpec([], tf.float32)])
        stylize_masked = tf.function(
            lambda content, mean, std, mask, alpha: self.stylize_with_statistics(content, mean, std, mask=mask,
                                                                                 alpha=alpha),
            input_signature=[images_spec, stats_spec, stats_spec, tf.TensorSpec([None, None, None], tf.int32),
                             tf.TensorSpec([], tf.float32)])

        def size_checks(images, what):
            return [tf.debugging.assert_greater_equal(tf.reduce_min(tf.shape(images)[-3:-1]), MIN_SIZE,
                                                      message=f"{what} images must be at least {MIN_SIZE}x{MIN_SIZE}")]

        def stylize_pairs(content, style, alpha):
            with tf.control_dependencies(alpha_checks(alpha) + size_checks(content, "content")
                                         + size_checks(style, "style")):
                mean, std = style_statistics(tf.cast(style, tf.float32))
                images = stylize_mixed(tf.cast(content, tf.float32), mean[:, None], std[:, None], tf.ones([1]), alpha)
            return {"images": pixels_to_uint8(images)}

        def stylize_bytes(content_bytes, style_bytes, alpha):
            images = stylize_pairs(decode_image_bytes(content_bytes, 3), decode_image_bytes(style_bytes, 3), alpha)
            return {"images_png": encode_png_batch(images["images"])}

        def statistics(content, styles, preserve_color):
            styles = tf.cast(styles, tf.float32)
            styles = tf.cond(preserve_color, lambda: match_color(styles, tf.cast(content, tf.float32)[None]),
                             lambda: styles)
            mean, std = style_statistics(styles)
            return mean[None], std[None]

        def interpolate(content, styles, style_weights, alpha, preserve_color):
            checks = alpha_checks(alpha) + size_checks(content[None], "content") + size_checks(styles, "style") + [
                tf.debugging.assert_equal(tf.shape(style_weights)[0], tf.shape(styles)[0],
                                          message="style_weights needs one weight per style"),
                tf.debugging.assert_non_negative(style_weights, message="style_weights must be >= 0"),
                tf.debugging.assert_positive(tf.reduce_sum(style_weights), message="style_weights sum to 0")]
            with tf.control_dependencies(checks):
                mean, std = statistics(content, styles, preserve_color)
                images = stylize_mixed(tf.cast(content, tf.float32)[None], mean, std, style_weights, alpha)
            return {"images": pixels_to_uint8(images)}

        def masked(content, styles, mask, alpha, preserve_color):
            checks = alpha_checks(alpha) + size_checks(content[None], "content") + size_checks(styles, "style") + [
                tf.debugging.assert_equal(tf.shape(mask), tf.shape(content)[:2],
                                          message="mask must have the size of the content image"),
                tf.debugging.assert_non_negative(mask, message="mask region ids must be >= 0"),
                tf.debugging.assert_less(mask, tf.shape(styles)[0], message="mask has more regions than styles")]
            with tf.control_dependencies(checks):
                mean, std = statistics(content, styles, preserve_color)
                images = stylize_masked(tf.cast(content, tf.float32)[None], mean, std, mask[None], alpha)
            return {"images": pixels_to_uint8(images)}

        archive.add_endpoint("stylize", stylize_pairs, input_signature=[image("content"), image("style"), alpha_spec])
        archive.add_endpoint("stylize_bytes", stylize_bytes, input_signature=[
            tf.TensorSpec([None], tf.string, name="content_bytes"), tf.TensorSpec([None], tf.string, name="style_bytes"),
            alpha_spec])
        archive.add_endpoint("interpolate", interpolate, input_signature=[
            image("content", 3), image("styles"), tf.TensorSpec([None], tf.float32, name="style_weights"), alpha_spec,
            color_spec])
        archive.add_endpoint("masked", masked, input_signature=[
            image("content", 3), image("styles"), tf.TensorSpec([None, None], tf.int32, name="mask"), alpha_spec,
            color_spec])
        return archive
