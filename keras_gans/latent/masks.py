"""Inpainting masks: ``1`` where a pixel is known, ``0`` where it is missing (Yeh et al. 2016's M).

The mask types of Yeh et al. 2016 (Section 4): a central block, random blocks, half of the
image missing, and random pixels (80% missing), plus a user's mask image.
"""

import os

import numpy as np

MASK_TYPES = ("center", "blocks", "half", "pixels")


def center_mask(height, width, scale=0.25):
    """A central hole from ``scale`` to ``1 - scale`` of each side: 0.25 leaves a block of half the side
    missing (a quarter of the image), as in Yeh et al.'s 64x64 experiments (a 32x32 hole)."""
    if not 0.0 < scale < 0.5:
        raise ValueError(f"center mask scale must be in (0, 0.5), got {scale}")
    mask = np.ones((height, width), np.float32)
    top, left = int(round(height * scale)), int(round(width * scale))
    mask[top:height - top, left:width - left] = 0.0
    return mask


def random_blocks_mask(height, width, num_blocks=5, block_fraction=0.25, seed=0):
    """``num_blocks`` square holes of side ``block_fraction`` of the image at random places."""
    rng = np.random.default_rng(seed)
    mask = np.ones((height, width), np.float32)
    size = max(1, int(round(min(height, width) * block_fraction)))
    for _ in range(num_blocks):
        y, x = rng.integers(0, height - size + 1), rng.integers(0, width - size + 1)
        mask[y:y + size, x:x + size] = 0.0
    return mask


def half_mask(height, width, side="left"):
    """One half of the image missing (``side`` = left, right, top or bottom)."""
    mask = np.ones((height, width), np.float32)
    if side == "left":
        mask[:, : width // 2] = 0.0
    elif side == "right":
        mask[:, width // 2:] = 0.0
    elif side == "top":
        mask[: height // 2] = 0.0
    elif side == "bottom":
        mask[height // 2:] = 0.0
    else:
        raise ValueError(f"half mask side must be left, right, top or bottom, got {side!r}")
    return mask


def random_pixels_mask(height, width, fraction=0.8, seed=0):
    """Each pixel missing with probability ``fraction`` (Yeh et al.: 80% missing)."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"random pixel fraction must be in (0, 1), got {fraction}")
    rng = np.random.default_rng(seed)
    return (rng.random((height, width)) >= fraction).astype(np.float32)


def read_mask(path):
    """A mask image: white (>= 128 in grayscale) is known, black is missing."""
    from PIL import Image

    if not os.path.isfile(path):
        raise FileNotFoundError(f"no mask file {path}")
    try:
        with Image.open(path) as img:
            gray = np.asarray(img.convert("L"))
    except OSError as e:
        raise ValueError(f"cannot read mask image {path}: {e}") from e
    return (gray >= 128).astype(np.float32)


def make_mask(spec, image_shape, seed=0):
    """A mask ``[H, W]`` from a name in MASK_TYPES or the path of a mask image."""
    height, width = image_shape[:2]
    if spec == "center":
        return center_mask(height, width)
    if spec == "blocks":
        return random_blocks_mask(height, width, seed=seed)
    if spec == "half":
        return half_mask(height, width)
    if spec == "pixels":
        return random_pixels_mask(height, width, seed=seed)
    if not os.path.exists(spec) and not os.path.splitext(str(spec))[1]:
        raise ValueError(f"unknown mask {spec!r}: expected one of {MASK_TYPES} or a mask image file")
    return read_mask(spec)


def check_masks(mask, num, image_shape):
    """float32 ``[num, H, W, 1]`` of 0/1 from a ``[H, W]``, ``[H, W, 1]``, ``[num, H, W]`` or
    ``[num, H, W, 1]`` mask; a ValueError names a wrong size, or a mask without missing or known pixels."""
    mask = np.asarray(mask, dtype=np.float32)
    height, width = image_shape[:2]
    if mask.ndim == 2:
        mask = mask[np.newaxis, :, :, np.newaxis]
    elif mask.ndim == 3:
        mask = mask[np.newaxis] if mask.shape == (height, width, 1) else mask[..., np.newaxis]
    if mask.ndim != 4 or mask.shape[1:3] != (height, width) or mask.shape[3] != 1:
        size = f"{mask.shape[1]}x{mask.shape[2]}" if mask.ndim == 4 else f"of shape {mask.shape}"
        raise ValueError(f"the mask is {size}, the images are {height}x{width}: "
                         f"give a {height}x{width} mask (or one per image)")
    if mask.shape[0] not in (1, num):
        raise ValueError(f"{mask.shape[0]} masks for {num} images")
    mask = np.broadcast_to(mask, (num, height, width, 1))
    if not np.all((mask == 0) | (mask == 1)):
        raise ValueError("mask values must be 0 (missing) or 1 (known)")
    flat = mask.reshape(num, -1)
    if np.any(flat.min(axis=1) == 1):
        raise ValueError(f"mask {int(np.argmax(flat.min(axis=1) == 1))} has no missing pixels: nothing to inpaint")
    if np.any(flat.max(axis=1) == 0):
        raise ValueError(f"mask {int(np.argmax(flat.max(axis=1) == 0))} has no known pixels: nothing to inpaint from")
    return np.ascontiguousarray(mask)
