"""Two offline digit domains for the Domain Transfer Network (Taigman, Polyak & Wolf 2016).

The paper's digits experiment translates SVHN house numbers (32x32 RGB) into MNIST handwriting.
Neither can be downloaded here, so the package builds two stand-ins without network access:

- **source, "printed"**: house-number-like digits rendered from the machine's TrueType/OpenType fonts
  (every one under ``FONT_DIRS``, e.g. Debian's ``fonts-dejavu-core`` and ``fonts-dejavu-extra``;
  Pillow's bundled font when there are none): random font,
  size, stroke width, rotation, offset, digit and background colours, the neighbouring digits of
  a house number cut by the frame, blur and noise. 32x32x3, generated deterministically from a seed
  (on one machine: another font set gives other images).
- **target, "handwritten"**: the 1,797 real handwritten digits scikit-learn ships (the UCI
  "optical recognition of handwritten digits" test set, 8x8 images with 17 grey levels),
  upsampled to 32x32 (bilinear, antialiased) with white ink on black as in MNIST. One channel,
  because the paper's target (MNIST) is grayscale and G's output is a grayscale image; the model
  feeds target images to f by tiling them to RGB (``DTN(match_channels=True)``), as the
  reference code does.

Both return ``(images uint8 [N, 32, 32, C], labels int32 [N])`` for ``split="train"`` or
``"test"``; the test splits are held out (disjoint random draws for the printed digits, a fixed
seeded 1,297 / 500 split of the handwritten ones). Labels are only for training the source
classifier f and for evaluation.
"""

import functools
import glob
import os

import numpy as np

NUM_CLASSES = 10
IMAGE_SIZE = 32
HANDWRITTEN_TEST_SIZE = 500
PRINTED_SIZES = {"train": 10000, "test": 2000}
#: where fonts are looked for (fontconfig's default folders)
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", os.path.expanduser("~/.local/share/fonts"),
             os.path.expanduser("~/.fonts"))
_SPLIT_SEED_OFFSET = {"train": 0, "test": 1_000_003}


def _check_split(split):
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")


def find_fonts():
    """Sorted TrueType/OpenType font files of this machine (symbol and math fonts left out)."""
    found = set()
    for root in FONT_DIRS:
        for pattern in ("**/*.ttf", "**/*.otf"):
            found.update(glob.glob(os.path.join(root, pattern), recursive=True))
    skip = ("math", "symbol", "emoji", "dingbat")
    return sorted(f for f in found if not any(s in os.path.basename(f).lower() for s in skip))


@functools.lru_cache(maxsize=512)
def _font(path, size):
    from PIL import ImageFont

    if path is None:
        return ImageFont.load_default(size=size)  # Pillow's bundled scalable font
    return ImageFont.truetype(path, size)


def _render_one(rng, fonts, label):
    """One house-number-like 32x32 RGB crop centred on ``label``."""
    from PIL import Image, ImageDraw, ImageFilter

    scale = 3  # draw large, then downsample: antialiased edges like a camera crop
    size = IMAGE_SIZE * scale
    background = rng.integers(0, 256, 3)
    ink = rng.integers(0, 256, 3)
    while np.abs(ink.astype(int) - background.astype(int)).sum() < 180:  # keep the digit readable
        ink = rng.integers(0, 256, 3)
    image = Image.new("RGB", (size, size), tuple(int(v) for v in background))
    draw = ImageDraw.Draw(image)
    font_path = fonts[rng.integers(len(fonts))] if fonts else None
    font_size = int(rng.integers(17, 27)) * scale
    font = _font(font_path, font_size)
    stroke = int(rng.integers(0, 2)) * scale // 2
    fill = tuple(int(v) for v in ink)
    cx = size / 2 + rng.uniform(-2.5, 2.5) * scale
    cy = size / 2 + rng.uniform(-2.5, 2.5) * scale
    draw.text((cx, cy), str(label), font=font, fill=fill, anchor="mm", stroke_width=stroke, stroke_fill=fill)
    # the neighbouring digits of a house number, cut by the frame (near or far, as in SVHN crops)
    half = draw.textlength(str(label), font=font) / 2 + stroke
    for side, anchor in ((-1, "rm"), (1, "lm")):
        if rng.uniform() < 0.8:
            gap = rng.uniform(0.02, 0.4) * font_size
            draw.text((cx + side * (half + gap), cy), str(int(rng.integers(10))), font=font, fill=fill,
                      anchor=anchor, stroke_width=stroke, stroke_fill=fill)
    image = image.rotate(float(rng.uniform(-12, 12)), resample=Image.BILINEAR,
                         fillcolor=tuple(int(v) for v in background))
    image = image.resize((IMAGE_SIZE, IMAGE_SIZE), Image.BILINEAR, reducing_gap=2.0)
    blur = float(rng.uniform(0.0, 0.9))
    if blur > 0.3:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    array = np.asarray(image).astype(np.float32)
    array += rng.normal(0.0, rng.uniform(0.0, 12.0), array.shape)
    return np.clip(np.round(array), 0, 255).astype(np.uint8)


def load_printed_digits(split="train", num=None, seed=0, fonts=None):
    """Source domain: ``num`` rendered house-number-like digits (default 10,000 train / 2,000 test).

    Deterministic given ``(split, num, seed)`` and the font set; the train and test splits are
    drawn from different seeds. Classes are balanced (``i % 10``, then shuffled).
    """
    _check_split(split)
    num = PRINTED_SIZES[split] if num is None else num
    if int(num) != num or num < 1:
        raise ValueError(f"num must be a positive integer, got {num!r}")
    fonts = find_fonts() if fonts is None else list(fonts)
    rng = np.random.default_rng([int(seed), _SPLIT_SEED_OFFSET[split]])
    labels = rng.permutation(np.arange(int(num)) % NUM_CLASSES).astype(np.int32)
    images = np.stack([_render_one(rng, fonts, int(label)) for label in labels])
    return images, labels


def load_handwritten_digits(split="train", seed=0):
    """Target domain: scikit-learn's 1,797 real handwritten 8x8 digits at 32x32x1 (white on black).

    A seeded split holds out 500 images for testing (1,297 for training).
    """
    _check_split(split)
    import tensorflow as tf
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = digits.images.astype(np.float32) * (255.0 / 16.0)  # 0..16 grey levels -> 0..255
    order = np.random.default_rng(int(seed)).permutation(len(images))
    test, train = order[:HANDWRITTEN_TEST_SIZE], order[HANDWRITTEN_TEST_SIZE:]
    index = train if split == "train" else test
    big = tf.image.resize(images[index][..., None], (IMAGE_SIZE, IMAGE_SIZE), method="bilinear", antialias=True)
    big = np.clip(np.round(big.numpy()), 0, 255).astype(np.uint8)
    return big, digits.target[index].astype(np.int32)


DOMAINS = {"printed": load_printed_digits, "handwritten": load_handwritten_digits}


def load_digit_domain(name, split="train", seed=0, num=None):
    """``(images, labels)`` of the domain ``"printed"`` (source) or ``"handwritten"`` (target)."""
    if name not in DOMAINS:
        raise ValueError(f"unknown digit domain {name!r}; expected one of {sorted(DOMAINS)}")
    if name == "printed":
        return load_printed_digits(split, num=num, seed=seed)
    images, labels = load_handwritten_digits(split, seed=seed)
    if num is not None:
        images, labels = images[:num], labels[:num]
    return images, labels
