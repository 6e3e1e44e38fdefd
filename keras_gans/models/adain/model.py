"""Arbitrary style transfer with adaptive instance normalization (Huang & Belongie 2017,
"Arbitrary Style Transfer in Real-time with Adaptive Instance Normalization", ICCV).

Not an adversarial model: a frozen VGG-19 encoder ``f`` (to relu4_1), an :class:`~keras_gans.layers.AdaIN`
layer and a decoder ``g`` trained with ``fit`` on (content, style) image batches. Images are RGB
floats in [0, 255] (the encoder does the VGG preprocessing itself). Its serving signatures are in
:mod:`keras_gans.serving.style_transfer`.
"""

import keras
import numpy as np
import tensorflow as tf

from keras_gans import optimizers
from keras_gans.core.network_model import NetworkModel
from keras_gans.core.images import pixels_to_uint8
from keras_gans.kernels import FusedAdam
from keras_gans.layers.adain import EPSILON, AdaIN, adain_with_statistics, mean_std
from keras_gans.layers.padding import pad_to_multiple
from keras_gans.losses import content_loss, style_loss
from keras_gans.models.adain.ops import (MULTIPLE, as_rgb_image, check_alpha, check_mask, check_style_weights,
                                         masked_adain, match_color)
from keras_gans.networks.vgg import build_adain_decoder, build_vgg19_encoder, check_width_and_padding


@keras.saving.register_keras_serializable(package="keras_gans")
class AdaINStyleTransfer(NetworkModel):
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
    network_config_keys = ("encoder", "decoder")

    def __init__(self, width=1.0, padding="reflect", encoder_weights=None, style_weight=10.0, learning_rate=1e-4,
                 lr_decay=5e-5, epsilon=EPSILON, encoder=None, decoder=None, **kwargs):
        super().__init__(**kwargs)
        check_width_and_padding(width, padding)
        if not style_weight >= 0:
            raise ValueError(f"style_weight must be >= 0, got {style_weight!r}")
        # === Networks ===
        # The encoder's outputs stay in the compute precision: mean_std, AdaIN and the losses take them to float32.
        self.encoder = self.in_precision(encoder if encoder is not None
                                         else build_vgg19_encoder(width, padding, encoder_weights),
                                         float32_outputs=False)
        self.encoder.trainable = False
        self.decoder = self.in_precision(decoder if decoder is not None else build_adain_decoder(width))
        feature_channels = self.encoder.outputs[-1].shape[-1]
        if self.decoder.inputs[0].shape[-1] != feature_channels:
            raise ValueError(f"the decoder takes {self.decoder.inputs[0].shape[-1]} channels, the encoder's "
                             f"relu4_1 has {feature_channels}")
        self.adain = AdaIN(epsilon, name="adain")
        # === Config ===
        self.width, self.padding = width, padding
        self.style_weight, self.epsilon = float(style_weight), float(epsilon)
        self.learning_rate, self.lr_decay = float(learning_rate), float(lr_decay)
        self._compiled_functions = {}
        self.built = True

    # --- Keras plumbing ------------------------------------------------------------------------
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
        optimizer = self.loss_scaled(optimizers.get(optimizer) if optimizer is not None else self.default_optimizer())
        super().compile(optimizer=optimizer, **kwargs)
        self.build_optimizer(self.optimizer, [self.decoder])
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
        self.apply_gradients(tape, loss, self.decoder, self.optimizer)
        self.track(loss=loss, content_loss=l_content, style_loss=l_style)
        return self.logs()

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
        features = tf.cast(self.encoder(pad_to_multiple(content, MULTIPLE, centered=False)[0])[-1], tf.float32)
        if mask is None:
            num = tf.shape(style_mean)[1]
            if style_weights is None:
                style_weights = tf.fill([num], 1.0 / tf.cast(num, tf.float32))
            weights = tf.cast(style_weights, tf.float32)
            weights = (weights / tf.reduce_sum(weights))[None, :, None]
            t = adain_with_statistics(features, tf.reduce_sum(style_mean * weights, axis=1),
                                      tf.reduce_sum(style_std * weights, axis=1), self.epsilon)
        else:
            padded_mask = pad_to_multiple(tf.cast(mask, tf.int32)[..., None], MULTIPLE, centered=False)[0]
            regions = padded_mask[:, MULTIPLE // 2 :: MULTIPLE, MULTIPLE // 2 :: MULTIPLE, 0]
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

        # XLA when the model was compiled with jit_compile=True, one compilation per image size. At 256x256 in float32
        # it was +14 % on the first 2-core CPU, +9 % on an AMX Xeon and 0.93x on AMD Zen 4; in bfloat16 0.22-0.46x
        # (docs/performance.md, "XLA on AMX, per model" and "XLA on AMD Zen 4, per model")
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
