"""Images from a folder on disk, decoded with Pillow (https://pillow.readthedocs.io).

Two layouts, as in ``keras.utils.image_dataset_from_directory``: class sub-folders
(``root/cat/*.png``, ``root/dog/*.jpg``: labels are the sorted folder names' indices) or images directly
in ``root`` (one unlabelled set). Hidden files and folders and non-image files are ignored.
"""

from pathlib import Path

import numpy as np
from PIL import Image

from keras_gans.datasets.pipeline import check_image_size

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")

# Pillow modes -> the mode they are converted to (alpha dropped, palettes expanded).
_GRAY_MODES = {"L": "L", "1": "L", "LA": "L", "La": "L"}
_RGB_MODES = {"RGB", "RGBA", "RGBa", "RGBX", "P", "PA", "CMYK", "YCbCr", "LAB", "HSV"}


def _is_hidden(path, root):
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def image_files(directory, recursive):
    """Sorted image files (by extension) in ``directory`` (and its subfolders if ``recursive``), hidden ones skipped."""
    pattern = "**/*" if recursive else "*"
    return sorted(
        p
        for p in directory.glob(pattern)
        if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS and not _is_hidden(p, directory)
    )


def read_image(path, size):
    """uint8 ``[H, W, C]`` (C = 1 or 3) of the image file ``path``, resized to ``size`` = (H, W) if given."""
    try:
        with Image.open(path) as img:
            img.load()
            mode = img.mode
            target = _GRAY_MODES.get(mode, "RGB" if mode in _RGB_MODES else None)
            if target is None:
                array = None
            else:
                img = img.convert(target)
                if size is not None and img.size != (size[1], size[0]):
                    img = img.resize((size[1], size[0]), Image.Resampling.BILINEAR)
                array = np.asarray(img, dtype=np.uint8)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        # UnidentifiedImageError is an OSError; truncated files raise OSError or SyntaxError.
        raise ValueError(f"cannot read image {path}: {e}") from e
    if array is None:
        raise ValueError(
            f"image {path} has unsupported Pillow mode {mode!r} (16-bit or float?): "
            "save it as 8-bit grayscale or RGB"
        )
    return array[..., np.newaxis] if array.ndim == 2 else array


def _describe(array):
    h, w, c = array.shape
    return f"{h}x{w} with {c} channel{'s' if c > 1 else ''}"


def load_image_folder(path, image_size=None):
    """``(images, labels, class_names)`` of the images under ``path``.

    ``images`` is uint8 ``[N, H, W, C]`` with C = 1 (grayscale files) or 3 (RGB, palette, RGBA with
    alpha dropped); ``labels`` int64 ``[N]``; ``class_names`` the sorted sub-folder names, or ``[]``
    (labels all 0) for a flat folder. All images must share size and channel count unless
    ``image_size`` (S or (H, W)) is given, which resizes each with Pillow's bilinear filter.
    """
    size = check_image_size(image_size)
    root = Path(path).expanduser()
    if not root.exists():
        raise FileNotFoundError(f"image folder {root} does not exist")
    if not root.is_dir():
        raise ValueError(f"{root} is not a directory: pass a folder of images (or of class sub-folders)")

    class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    top_files = image_files(root, recursive=False)
    if class_dirs and top_files:
        raise ValueError(
            f"image folder {root} mixes images ({top_files[0].name}, ...) and sub-folders "
            f"({class_dirs[0].name}, ...): use either class sub-folders or images directly in the folder"
        )
    if class_dirs:
        class_names = [d.name for d in class_dirs]
        files, labels = [], []
        for label, class_dir in enumerate(class_dirs):
            class_files = image_files(class_dir, recursive=True)
            if not class_files:
                raise ValueError(
                    f"class folder {class_dir} has no images ({', '.join(IMAGE_EXTENSIONS)}); "
                    "remove it or add images"
                )
            files += class_files
            labels += [label] * len(class_files)
    else:
        class_names, files, labels = [], top_files, [0] * len(top_files)
    if not files:
        raise ValueError(f"image folder {root} has no images ({', '.join(IMAGE_EXTENSIONS)})")

    first = read_image(files[0], size)
    images = np.empty((len(files),) + first.shape, dtype=np.uint8)
    images[0] = first
    for i, file in enumerate(files[1:], start=1):
        array = read_image(file, size)
        if array.shape[2] != first.shape[2]:
            raise ValueError(
                f"images mix grayscale and RGB: {files[0]} has {first.shape[2]} channel(s), "
                f"{file} has {array.shape[2]}; convert them to one mode"
            )
        if array.shape != first.shape:
            raise ValueError(
                f"images have different sizes: {files[0]} is {_describe(first)}, {file} is "
                f"{_describe(array)}; pass image_size to resize them"
            )
        images[i] = array
    return images, np.asarray(labels, dtype=np.int64), class_names
