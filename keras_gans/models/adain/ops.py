"""AdaIN style transfer's controls (Huang & Belongie 2017, Section 7.3) as graph functions, and the
checks of its Python API's inputs. The model (:mod:`keras_gans.models.adain.model`) and its serving
signatures (:mod:`keras_gans.serving.style_transfer`) use them.
"""

import numbers
import warnings

import numpy as np
import tensorflow as tf

from keras_gans.layers.adain import EPSILON

#: content images are padded (reflection) to a multiple of this and cropped back: three 2x pools
MULTIPLE = 8
#: smallest image side: relu4_1 (1/8 size) must be at least 2x2 for the decoder's reflection padding
MIN_SIZE = 16


# --- Stylizing controls, as graph functions (shared by the Python API and the export) ---------
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
