"""What Pix2Pix and CycleGAN share: any-size translation, tiles, config of networks.

Generators are fully convolutional, so a trained model translates images of any size:
:meth:`ImageTranslationModel.translate` mirror-pads each image to the multiple of
``2 ** down-samplings`` the generator needs, translates and crops back; with
``tile_size`` a large image is cut into overlapping tiles whose outputs are blended
with linear ramps (for memory, or to stay close to the training scale).

With ``ema_decay`` a model keeps a moving average of its generators (:mod:`keras_gans.core.ema`, as the noise ->
image models), which ``translate``, the sample grids and ``export`` use.
"""

import keras
import numpy as np
import tensorflow as tf

from keras_gans.core import ema
from keras_gans.core.adversarial import AdversarialBase
from keras_gans.core.images import scale_images, to_uint8
from keras_gans.layers.padding import pad_to_multiple


def translate_any_size(generator, images, multiple):
    """``generator`` on float images ``[B, H, W, C]`` of any H, W: pad, translate, crop back."""
    padded, (top, left, h, w) = pad_to_multiple(images, multiple)
    out = generator(padded, training=False)
    return out[:, top : top + h, left : left + w, :]


def _ramp(length, overlap):
    """1-D blending weights: linear ramps over ``overlap`` pixels at both ends."""
    weight = np.ones(length, np.float32)
    if overlap > 0:
        ramp = np.arange(1, overlap + 1, dtype=np.float32) / (overlap + 1)
        weight[:overlap] = ramp
        weight[-overlap:] = np.minimum(weight[-overlap:], ramp[::-1])
    return weight


def _tile_starts(size, tile, step):
    if size <= tile:
        return [0]
    starts = list(range(0, size - tile, step))
    return starts + [size - tile]


class ImageTranslationModel(AdversarialBase):
    """Base of the image-to-image models: ``translate`` (any size, optionally tiled), config of networks.

    Its serving signatures are in :mod:`keras_gans.serving.translation`.

    Subclasses set ``self.input_channels``, ``self.output_channels``, ``self.image_size``
    (the square training size), ``self.size_multiple`` (the generator's total stride),
    list their networks in ``network_config_keys`` and map directions to generators in
    :meth:`generator_for`; they call ``self.track_moving_average()`` once their networks exist and
    ``self.update_moving_average(...)`` after each generator update.

    Args:
        ema_decay, ema_rampup: generator EMA, as :class:`~keras_gans.core.noise_to_image.NoiseToImage`'s (Karras
            et al. 2018: 0.999; ramp-up of Karras et al. 2020: 0.05); ``translate`` and ``export`` then use the
            averaged generators, ``with model.raw_weights():`` the raw ones. ``None`` (default): off.
        ema_kimg: the horizon in images instead of ``ema_decay`` (a half-life of ``ema_kimg`` thousand images).
    """

    network_config_keys = ("generator", "discriminator")
    directions = ("AtoB",)

    def __init__(self, ema_decay=None, ema_rampup=None, ema_kimg=None, **kwargs):
        ema_decay, ema_rampup, ema_kimg = ema.check_decay(ema_decay, ema_rampup, ema_kimg)
        if ema.enabled(ema_decay, ema_kimg):  # before the trackers are made
            self.tracker_names = (*type(self).tracker_names, "ema_beta")
        super().__init__(**kwargs)
        self.ema_decay, self.ema_rampup, self.ema_kimg = ema_decay, ema_rampup, ema_kimg

    def generator_for(self, direction="AtoB"):
        raise NotImplementedError

    def channels_for(self, direction="AtoB"):
        """``(input_channels, output_channels)`` of a direction."""
        if direction == "AtoB":
            return self.input_channels, self.output_channels
        return self.output_channels, self.input_channels

    def check_direction(self, direction):
        if direction not in self.directions:
            raise ValueError(f"{type(self).__name__} translates {' and '.join(self.directions)}, got {direction!r}")
        return direction

    def call(self, inputs, training=False):
        """``model(a)`` translates A -> B (float images in [-1, 1])."""
        return self.generator_for("AtoB")(inputs, training=training)

    # --- Inference -------------------------------------------------------------
    def translator_for(self, direction="AtoB"):
        """The network that translates ``direction`` at inference: the moving average of its generator when EMA is
        on (outside :meth:`raw_weights`), else the generator."""
        return self.averaged(self.generator_for(direction))

    def _translate_fn(self, direction):
        cache = self.__dict__.setdefault("_translate_fns", {})
        generator, multiple = self.translator_for(direction), self.size_multiple
        key = (direction, id(generator))
        if key not in cache:
            channels = self.channels_for(direction)[0]
            cache[key] = tf.function(
                lambda x: translate_any_size(generator, x, multiple), reduce_retracing=True,
                input_signature=[tf.TensorSpec([None, None, None, channels], tf.float32)])
        return cache[key]

    def translate(self, images, direction="AtoB", tile_size=None, overlap=32, batch_size=8):
        """Translate images of any size.

        ``images``: uint8 ``[B, H, W, C]`` (returns uint8) or float in [-1, 1] (returns float);
        a single ``[H, W, C]`` image is accepted too. ``tile_size``: translate ``tile_size``
        squares that overlap by ``overlap`` pixels and blend them (for images larger than
        memory allows, or to stay near the training scale); ``None`` translates whole images.
        """
        self.check_direction(direction)
        array = np.asarray(images)
        single = array.ndim == 3
        if single:
            array = array[None]
        in_channels = self.channels_for(direction)[0]
        if array.ndim != 4 or array.shape[-1] != in_channels:
            raise ValueError(f"{type(self).__name__} {direction} takes images [batch, height, width, {in_channels}], "
                             f"got shape {np.shape(images)}")
        if min(array.shape[1:3]) < 1 or len(array) == 0:
            raise ValueError(f"cannot translate an empty image batch of shape {array.shape}")
        is_uint8 = array.dtype == np.uint8
        x = scale_images(array) if is_uint8 else array.astype(np.float32)
        run = self._translate_fn(direction)
        if tile_size is None:
            out = np.concatenate([run(tf.constant(x[i : i + batch_size])).numpy()
                                  for i in range(0, len(x), batch_size)])
        else:
            out = self._translate_tiled(run, x, int(tile_size), int(overlap), batch_size)
        out = to_uint8(out) if is_uint8 else out
        return out[0] if single else out

    def _translate_tiled(self, run, x, tile, overlap, batch_size):
        if tile < self.size_multiple or tile % self.size_multiple:
            raise ValueError(f"tile_size must be a positive multiple of {self.size_multiple}, got {tile}")
        if not 0 <= overlap < tile // 2 + 1:
            raise ValueError(f"overlap must be in [0, tile_size / 2], got {overlap}")
        n, h, w, _ = x.shape
        th, tw = min(tile, h), min(tile, w)
        ys, xs = _tile_starts(h, th, th - overlap), _tile_starts(w, tw, tw - overlap)
        weight = np.outer(_ramp(th, overlap if len(ys) > 1 else 0), _ramp(tw, overlap if len(xs) > 1 else 0))[..., None]
        out_channels = None
        total = weights = None
        for top in ys:
            for left in xs:
                crop = x[:, top : top + th, left : left + tw]
                result = np.concatenate([run(tf.constant(crop[i : i + batch_size])).numpy()
                                         for i in range(0, n, batch_size)])
                if total is None:
                    out_channels = result.shape[-1]
                    total = np.zeros((n, h, w, out_channels), np.float32)
                    weights = np.zeros((1, h, w, 1), np.float32)
                total[:, top : top + th, left : left + tw] += result * weight
                weights[:, top : top + th, left : left + tw] += weight
        return total / weights

    # --- Config ------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update(self.architecture)
        for name in self.network_config_keys:
            config[name] = keras.saving.serialize_keras_object(getattr(self, name))
        config.update(seed=self.seed, ema_decay=self.ema_decay, ema_rampup=self.ema_rampup,
                      ema_kimg=self.ema_kimg)
        return config

    def check_pair_shapes(self, a, b):
        """Training batches must match the model's channels (and be square of ``image_size``)."""
        if a.shape[-1] != self.input_channels or b.shape[-1] != self.output_channels:
            raise ValueError(f"{type(self).__name__} takes A images with {self.input_channels} channel(s) and B "
                             f"with {self.output_channels}; the dataset yields {a.shape[-1]} and {b.shape[-1]}")
        for x in (a, b):
            h, w = x.shape[1], x.shape[2]
            if (h, w) != (self.image_size, self.image_size):
                raise ValueError(f"{type(self).__name__} trains on {self.image_size}x{self.image_size} crops (its "
                                 f"image_size), the dataset yields {h}x{w}; translate() takes any size")
