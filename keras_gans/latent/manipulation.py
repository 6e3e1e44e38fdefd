"""Generative visual manipulation (Zhu, Krähenbühl, Shechtman & Efros 2016, "Generative Visual Manipulation on the
Natural Image Manifold", iGAN): the user paints colour strokes or sketches lines on an image, and the generator finds
the image on its manifold that satisfies them.

``z* = argmin_z  Σ_g w_g · ||f_g(G(z)) - v_g||²  +  λ_z · ||z - z0||²  [ + λ_D · softplus(-D(G(z))) ]``

(the paper's eq. 4-5: the user's constraints ``f_g(G(z)) = v_g`` and a term that keeps the edit near the start on
the manifold; its discriminator term as an option). The constraints here:

- **colour strokes** (``colors`` and ``color_mask``): ``G(z)`` should have the stroke's colour at the stroke's pixels
  (mean squared error over them);
- **sketch** (``sketch_mask``): ``G(z)`` should have an edge along the sketched lines: the Sobel gradient magnitude
  of its luminance, divided by :data:`EDGE_SCALE` and capped at 1, should be 1 there
  (``mean (1 - min(|∇G(z)| / EDGE_SCALE, 1))²`` over the sketch's pixels; the paper matches HOG-style edge features);
- **keep region** (``keep_mask``): outside the edit ``G(z)`` should stay close to the start image (mean squared
  error). By default every pixel farther than ``keep_margin`` pixels from a stroke or a sketch line.

The start is a seed, latents, or images (projected first with :func:`keras_gans.latent.invert`). The result holds the
edited images, their latents, and the *morph*: ``G((1 - α) z0 + α z*)`` for α from 0 to 1, the paper's transition
from the original to the edit. Everything runs as one compiled, batched function (several edits at once, split over
a strategy's replicas like the other latent tools).
"""

from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from keras_gans.latent import common
from keras_gans.latent.inversion import invert

#: the Sobel magnitude (luminance in [-1, 1]) that counts as a full edge: half the response of a black-to-white
#: step (a step of height 2 gives |∇| = 8 with the 3x3 Sobel kernels)
EDGE_SCALE = 4.0


@dataclass
class ManipulationResult:
    """``images`` ``G(z*)`` and ``latents`` ``z*`` ``[N, ...]``; ``start_images`` and ``start_latents``;
    ``morph`` ``[N, F, H, W, C]`` (frame 0 is ``G(z0)``, the last ``G(z*)``); per image, ``{"before": G(z0)'s,
    "after": G(z*)'s}``: ``color_error`` (mean squared error at the colour strokes), ``sketch_error`` (missing edge
    along the sketch), ``keep_error`` (mean squared difference from the start image in the keep region: 0 before for
    a seed or latent start, the projection's error for an image start)."""

    images: np.ndarray
    latents: np.ndarray
    start_images: np.ndarray
    start_latents: np.ndarray
    morph: np.ndarray
    color_error: dict
    sketch_error: dict
    keep_error: dict


def luminance(images):
    """``[B, H, W, C] -> [B, H, W, 1]``: the image itself for one channel, Rec. 601 luma for RGB."""
    if images.shape[-1] == 1:
        return images
    weights = tf.constant([0.299, 0.587, 0.114], images.dtype)[: images.shape[-1]]
    return tf.reduce_sum(images * weights / tf.reduce_sum(weights), axis=-1, keepdims=True)


def edge_strength(images):
    """Differentiable edges: ``min(|Sobel ∇ luminance| / EDGE_SCALE, 1)`` ``[B, H, W]`` (reflect-padded borders)."""
    y = tf.pad(luminance(tf.cast(images, tf.float32)), [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT")
    sobel_x = tf.constant([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    kernels = tf.stack([sobel_x, tf.transpose(sobel_x)], axis=-1)[:, :, None, :]  # [3, 3, 1, 2]
    g = tf.nn.conv2d(y, kernels, strides=1, padding="VALID")
    magnitude = tf.sqrt(tf.reduce_sum(tf.square(g), axis=-1) + 1e-8)
    return tf.minimum(magnitude / EDGE_SCALE, 1.0)


def _masked_mean(values, mask):
    """Per example: the mean of ``values`` ``[B, H, W]`` over ``mask`` ``[B, H, W]`` (0 where the mask is empty)."""
    total = tf.reduce_sum(mask, axis=[1, 2])
    return tf.math.divide_no_nan(tf.reduce_sum(values * mask, axis=[1, 2]), total)


def constraint_errors(images, start, colors, color_mask, sketch_mask, keep_mask):
    """``(color, sketch, keep)`` errors per example of ``images`` (the module docstring's terms, unweighted)."""
    images = tf.cast(images, tf.float32)
    color = _masked_mean(tf.reduce_mean(tf.square(images - colors), axis=-1), color_mask)
    sketch = _masked_mean(tf.square(1.0 - edge_strength(images)), sketch_mask)
    keep = _masked_mean(tf.reduce_mean(tf.square(images - start), axis=-1), keep_mask)
    return color, sketch, keep


def strokes_from_rgba(rgba):
    """An RGBA drawing (uint8 ``[H, W, 4]`` or ``[N, H, W, 4]``; alpha > 0 where painted) -> ``(colors in [-1, 1]
    [N, H, W, 3], mask [N, H, W])``: how a painted layer over the image (a PNG with transparency) becomes strokes."""
    rgba = np.asarray(rgba)
    if rgba.ndim == 3:
        rgba = rgba[None]
    if rgba.ndim != 4 or rgba.shape[-1] != 4:
        raise ValueError(f"a stroke drawing must be RGBA, [H, W, 4] or [N, H, W, 4], got shape {rgba.shape}")
    scale = 255.0 if rgba.dtype == np.uint8 else 1.0
    colors = rgba[..., :3].astype("float32") / scale * 2.0 - 1.0
    return colors, (rgba[..., 3].astype("float32") / scale > 0).astype("float32")


def dilate(mask, margin):
    """``mask`` ``[N, H, W]`` grown by ``margin`` pixels (a square neighbourhood)."""
    if margin <= 0:
        return mask
    x = tf.constant(mask[..., None], tf.float32)
    grown = tf.nn.max_pool2d(x, ksize=2 * int(margin) + 1, strides=1, padding="SAME")
    return grown.numpy()[..., 0]


def _mask(mask, num, shape, what):
    """A float32 ``[num, H, W]`` mask in {0, 1} (zeros when ``None``); one ``[H, W]`` mask is used for every image."""
    if mask is None:
        return np.zeros((num, *shape), "float32")
    mask = np.asarray(mask)
    if mask.ndim == 4 and mask.shape[-1] == 1:
        mask = mask[..., 0]
    if mask.ndim == 2:
        mask = np.broadcast_to(mask, (num, *mask.shape))
    if mask.shape != (num, *shape):
        raise ValueError(f"{what} must be [H, W] or [N, H, W] = [{num}, {shape[0]}, {shape[1]}], got {mask.shape}")
    if mask.dtype == np.uint8:
        mask = mask / 255.0
    return (np.asarray(mask, "float32") > 0.5).astype("float32")


def _colors(colors, num, image_shape):
    """Stroke colours as images ``[num, H, W, C]`` in [-1, 1] of the generator's channels (RGB -> luma for grey)."""
    colors = np.asarray(colors)
    if colors.ndim == 3:
        colors = np.broadcast_to(colors, (num, *colors.shape))
    if colors.dtype == np.uint8:
        colors = colors.astype("float32") / 127.5 - 1.0
    if colors.ndim != 4 or colors.shape[:3] != (num, *image_shape[:2]):
        raise ValueError(f"colors must be images [N, H, W, C] = [{num}, {image_shape[0]}, {image_shape[1]}, "
                         f"{image_shape[2]}], got {colors.shape}")
    if colors.shape[-1] == 3 and image_shape[-1] == 1:
        colors = np.asarray(luminance(tf.constant(colors, tf.float32)))
    if colors.shape[-1] != image_shape[-1]:
        raise ValueError(f"colors have {colors.shape[-1]} channel(s), the generator makes {image_shape[-1]}")
    if not np.all(np.isfinite(colors)) or colors.min() < -1 - 1e-6 or colors.max() > 1 + 1e-6:
        raise ValueError("colors must be in [-1, 1] (or uint8)")
    return np.asarray(colors, "float32")


def start_points(model, num, seed=None, latents=None, images=None, invert_kwargs=None):
    """``(z0, start images)`` of a manipulation: from ``seed`` (``model.generate``'s latents), from ``latents``, or from
    ``images`` projected with :func:`keras_gans.latent.invert` (the start image is then the given image); exactly
    one of the three, which :func:`manipulate` checks before anything else."""
    if images is not None:
        images = common.check_images(images, model)
        projected = invert(model, images, **(invert_kwargs or {}))
        return np.asarray(projected.latents, "float32"), images
    if seed is not None:
        z0 = common.latents_for_seed(model, num, seed)
    else:
        z0 = np.asarray(latents, "float32")
        if z0.ndim != 2 or z0.shape[1] != common.latent_dim(model):
            raise ValueError(f"latents must be [N, {common.latent_dim(model)}], got {z0.shape}")
    start = np.asarray(common.generate(model, tf.constant(z0)), "float32")
    return z0.astype("float32"), start


def manipulate(model, seed=None, latents=None, images=None, num=None, colors=None, color_mask=None, sketch_mask=None,
               keep_mask=None, keep_margin=2, color_weight=1.0, sketch_weight=1.0, keep_weight=0.5, z_weight=0.01,
               realism_weight=0.0, iterations=200, learning_rate=0.05, z_clip=3.0, frames=8, batch_size=64,
               strategy=None, invert_kwargs=None):
    """Edit generated (or projected) images so that they follow colour strokes and sketch lines (module docstring).

    Args:
        model: an unconditional noise -> image model (DCGAN, GAN, WGAN, GRAN, ...).
        seed, latents, images: the start (one of them). With ``seed``, ``num`` images of ``model.generate(num, seed)``.
        colors, color_mask: stroke colours (images ``[N, H, W, C]`` in [-1, 1] or uint8; RGB is turned into luma for a
            grey model) and where they were painted (``[N, H, W]`` or one ``[H, W]``); see :func:`strokes_from_rgba`.
        sketch_mask: where the sketched lines are (``[N, H, W]`` or ``[H, W]``).
        keep_mask: where the image should stay as it was; ``None``: every pixel farther than ``keep_margin`` pixels
            from a stroke or a line.
        color_weight, sketch_weight, keep_weight: the constraint terms' weights.
        z_weight: λ_z, the manifold term ``||z - z0||²`` per latent dimension (keeps the edit near the start).
        realism_weight: λ_D of the discriminator's non-saturating realism term (models with a logit discriminator).
        iterations, learning_rate, z_clip: Adam on ``z`` as :func:`keras_gans.latent.invert`.
        frames: images in the morph (>= 2).
        batch_size, strategy: as the other latent tools.
        invert_kwargs: arguments of :func:`keras_gans.latent.invert` for an image start.
    """
    common.check_model(model)
    given = [name for name, value in (("seed", seed), ("latents", latents), ("images", images)) if value is not None]
    if len(given) != 1:
        raise ValueError(f"give exactly one start: a seed, latents or images (got {given or 'none'})")
    if common.num_classes(model):
        raise ValueError(f"manipulate edits unconditional generators; {type(model).__name__} is conditional")
    for name, value in (("iterations", iterations), ("frames", frames), ("batch_size", batch_size)):
        if int(value) != value or value < 1 or (name == "frames" and value < 2):
            raise ValueError(f"{name} must be an integer >= {2 if name == 'frames' else 1}, got {value!r}")
    for name, value in (("color_weight", color_weight), ("sketch_weight", sketch_weight),
                        ("keep_weight", keep_weight), ("z_weight", z_weight), ("realism_weight", realism_weight)):
        if not float(value) >= 0.0:
            raise ValueError(f"{name} must be >= 0, got {value!r}")
    if realism_weight:
        discriminator = getattr(model, "discriminator", None)
        outputs = getattr(discriminator, "outputs", [])
        if (len(outputs) != 1 or tuple(outputs[0].shape[1:]) != (1,) or len(discriminator.inputs) != 1
                or not getattr(model, "discriminator_logits", True)):
            raise ValueError(f"realism_weight needs a discriminator that gives one logit per image; "
                             f"{type(model).__name__}'s does not")
    if seed is not None:
        if num is None or int(num) != num or num < 1:
            raise ValueError(f"a seed start needs num, the number of images (>= 1), got {num!r}")
        count = int(num)
    elif images is not None:
        count = 1 if np.ndim(images) == 3 else len(images)
    else:
        count = len(latents) if latents is not None else 0
    shape = common.image_shape(model)
    color_mask = _mask(color_mask, count, shape[:2], "color_mask")
    sketch_mask = _mask(sketch_mask, count, shape[:2], "sketch_mask")
    if colors is None:
        if color_mask.any():
            raise ValueError("color_mask marks strokes but no colors were given")
        colors = np.zeros((count, *shape), "float32")
    colors = _colors(colors, count, shape)
    if not color_mask.any() and not sketch_mask.any():
        raise ValueError("nothing to do: give colour strokes (colors and color_mask) or a sketch (sketch_mask)")
    keep_mask = (1.0 - dilate(np.maximum(color_mask, sketch_mask), keep_margin) if keep_mask is None
                 else _mask(keep_mask, count, shape[:2], "keep_mask"))
    z0, start = start_points(model, count, seed, latents, images, invert_kwargs)
    if len(z0) != count:
        raise ValueError(f"{len(z0)} starts but masks for {count} images")
    weights = [float(color_weight), float(sketch_weight), float(keep_weight), float(z_weight), float(realism_weight)]
    alphas = tf.linspace(0.0, 1.0, int(frames))

    def edit(z0, start, colors, color_mask, sketch_mask, keep_mask):
        def objective(z):
            generated = common.generate(model, z)
            color, sketch, keep = constraint_errors(generated, start, colors, color_mask, sketch_mask, keep_mask)
            loss = weights[0] * color + weights[1] * sketch + weights[2] * keep
            loss += weights[3] * tf.reduce_mean(tf.square(z - z0), axis=-1)
            if weights[4]:
                logits = tf.reshape(tf.cast(common.discriminate(model, generated), tf.float32), [-1])
                loss += weights[4] * tf.nn.softplus(-logits)
            return loss

        z, _ = common.adam_on_latents(objective, z0, iterations, learning_rate, z_clip=z_clip)
        before = common.generate(model, z0)
        after = common.generate(model, z)
        errors = [constraint_errors(x, start, colors, color_mask, sketch_mask, keep_mask) for x in (before, after)]
        path = z0[:, None] + alphas[None, :, None] * (z - z0)[:, None]
        morph = common.generate(model, tf.reshape(path, (-1, z.shape[-1])))
        morph = tf.reshape(morph, (-1, int(frames), *shape))
        return (z, after, morph, *errors[0], *errors[1])

    cache = common.compiled_cache(model, "manipulate", *weights, int(iterations), float(learning_rate), z_clip,
                                  int(frames))
    out = common.run_batched(edit, [z0, start, colors, color_mask, sketch_mask, keep_mask], strategy, batch_size,
                             cache=cache)
    z, after, morph = out[:3]
    names = ("color_error", "sketch_error", "keep_error")
    errors = {name: {"before": out[3 + i], "after": out[6 + i]} for i, name in enumerate(names)}
    return ManipulationResult(images=after, latents=z, start_images=start, start_latents=z0, morph=morph, **errors)
