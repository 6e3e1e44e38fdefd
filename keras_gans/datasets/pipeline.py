"""``tf.data`` input pipelines from uint8 image arrays (the [-1, 1] <-> uint8 conversions are in
:mod:`keras_gans.core.images`; ``keras_gans.datasets`` re-exports them).

Images are kept as uint8 in the dataset (4x less memory than float32) and converted per batch in a
vectorised ``map`` (the "vectorize your map" advice of https://www.tensorflow.org/guide/data_performance).
Generators end in ``tanh``, so training images are scaled to [-1, 1] as in DCGAN (Radford et al. 2015).
"""

import numbers

import numpy as np
import tensorflow as tf

AUTOTUNE = tf.data.AUTOTUNE


def prefetched(ds):
    """``ds.prefetch(AUTOTUNE)`` without tf.data's autotuning model thread: every pipeline of this package ends so.

    With that thread (TensorFlow's default), the end of a ``fit`` often waits for the thread's next wake-up: it
    wakes 10 ms after the iterator starts and then at doubling intervals (5.11 s, 10.23 s, 20.47 s ... after the
    start, then every 60 s). On the AMX Xeon, DCGAN ``fit`` calls of 30 steps (about 3 s of training) returned
    after exactly 5.11 s in about half of the calls, and a benchmark that timed whole ``fit`` calls saw two speeds
    -- the bimodality of issue 22 (``python scripts/benchmarks/fit_end.py``, ``results/fit_end_amx.md``). Without
    it, parallel maps run at the thread pool's size and ``prefetch`` grows its own buffer (its legacy autotuning),
    and the steps were as fast. A ``tf.data`` pipeline of your own gets the same with
    ``options.autotune.enabled = False``.
    """
    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.prefetch(AUTOTUNE).with_options(options)


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_image_size(image_size):
    """``image_size`` (``None``, S or ``(H, W)``) as ``None`` or an ``(H, W)`` tuple of positive ints."""
    if image_size is None:
        return None
    if _is_int(image_size):
        size = (image_size, image_size)
    elif isinstance(image_size, (tuple, list)):
        size = tuple(image_size)
    else:
        size = ()
    if len(size) != 2 or not all(_is_int(s) and s > 0 for s in size):
        raise ValueError(f"image_size must be a positive int (or a pair of them), got {image_size!r}")
    return int(size[0]), int(size[1])


def check_channels(channels):
    if channels is not None and (not _is_int(channels) or channels not in (1, 3)):
        raise ValueError(f"channels must be 1 (grayscale), 3 (RGB) or None (keep), got {channels!r}")
    return channels


def check_images(images):
    """``images`` as a uint8 ``[N, H, W, C]`` array (a ``[N, H, W]`` one gets a channel axis)."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"images must be uint8 in [0, 255], got dtype {images.dtype}")
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4:
        raise ValueError(f"images must have shape [N, H, W, C] or [N, H, W], got {images.shape}")
    if images.shape[-1] not in (1, 3):
        raise ValueError(f"images must have 1 or 3 channels, got {images.shape[-1]} (shape {images.shape})")
    if len(images) == 0 or min(images.shape[1:3]) == 0:
        raise ValueError(f"images is empty (shape {images.shape})")
    return images


def check_labels(labels, num_images):
    """``labels`` as an int32 ``[N]`` array of non-negative class ids."""
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(f"labels must have shape [N], got {labels.shape}")
    if not (np.issubdtype(labels.dtype, np.integer) or labels.dtype == np.bool_):
        raise ValueError(f"labels must be integer class ids, got dtype {labels.dtype}")
    if len(labels) != num_images:
        raise ValueError(f"labels has {len(labels)} entries but there are {num_images} images")
    if len(labels) and labels.min() < 0:
        raise ValueError(f"labels must be non-negative class ids, got {labels.min()}")
    if len(labels) and labels.max() > np.iinfo(np.int32).max:
        raise ValueError(f"labels must fit in int32, got {labels.max()}")
    return labels.astype(np.int32)


def check_start_batch(start_batch):
    """``start_batch`` as an int >= 0, else ``ValueError``."""
    if not _is_int(start_batch) or start_batch < 0:
        raise ValueError(f"start_batch must be an integer >= 0, got {start_batch!r}")
    return int(start_batch)


def output_image_shape(image_shape, image_size=None, channels=None):
    """``(H, W, C)`` that :func:`make_dataset` yields for input images of ``image_shape``."""
    size = check_image_size(image_size)
    h, w, c = image_shape
    if size is not None:
        h, w = size
    return (h, w, check_channels(channels) or c)


def make_dataset(
    images,
    labels=None,
    *,
    batch_size,
    image_size=None,
    channels=None,
    shuffle=True,
    seed=None,
    repeat=False,
    drop_remainder=True,
    start_batch=0,
):
    """A batched ``tf.data.Dataset`` of float32 images in [-1, 1] (and int32 labels when given).

    ``images``: uint8 ``[N, H, W, C]`` or ``[N, H, W]``. ``image_size`` S resizes to SxS (bilinear,
    antialiased); ``channels`` converts 1 -> 3 (tiling) or 3 -> 1 (luma). Shuffling uses a buffer of
    the whole dataset, reshuffled every epoch (reproducibly with ``seed``). Yields ``images`` or
    ``(images, labels)``. ``start_batch`` k starts the stream at its k-th batch (counting from 0, across repeats), as if k batches had been read: an
    interrupted run resumes its data exactly; the skipped elements are not decoded.
    """
    images = check_images(images)
    num_images = len(images)
    if not _is_int(batch_size) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if batch_size > num_images:
        raise ValueError(f"batch size {batch_size} is larger than the dataset ({num_images} images)")
    size = check_image_size(image_size)
    channels = check_channels(channels)
    if seed is not None and not _is_int(seed):
        raise ValueError(f"seed must be an int or None, got {seed!r}")
    if labels is not None:
        labels = check_labels(labels, num_images)
    start_batch = check_start_batch(start_batch)

    height, width, in_channels = images.shape[1:]
    resize = size is not None and size != (height, width)

    def to_float(batch):
        x = tf.cast(batch, tf.float32)
        if channels == 3 and in_channels == 1:
            x = tf.tile(x, [1, 1, 1, 3])
        elif channels == 1 and in_channels == 3:
            x = tf.image.rgb_to_grayscale(x)
        if resize:
            x = tf.image.resize(x, size, method="bilinear", antialias=True)
        return tf.clip_by_value(x / 127.5 - 1.0, -1.0, 1.0)

    # The uint8 arrays become the dataset's in-memory source; floats exist one batch at a time.
    ds = tf.data.Dataset.from_tensor_slices(images if labels is None else (images, labels))
    if shuffle:
        ds = ds.shuffle(num_images, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    ds = ds.skip(start_batch * batch_size)  # before batching: elements only, nothing converted
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    if labels is None:
        ds = ds.map(to_float, num_parallel_calls=AUTOTUNE)
    else:
        ds = ds.map(lambda x, y: (to_float(x), y), num_parallel_calls=AUTOTUNE)
    return prefetched(ds)
