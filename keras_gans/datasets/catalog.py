"""Image datasets from the TensorFlow Datasets catalog (https://www.tensorflow.org/datasets/catalog).

Downloads on first use into ``~/tensorflow_datasets`` (or ``data_dir``), so it needs network access
once; ``tensorflow_datasets`` is imported only when a catalog dataset is asked for.
"""

import numpy as np

from keras_gans.datasets.pipeline import check_image_size


def _image_key(features, name, image_key):
    import tensorflow_datasets as tfds

    if image_key is not None:
        if image_key not in features:
            raise ValueError(
                f"tfds dataset {name!r} has no feature {image_key!r}; its features are {sorted(features)}"
            )
        return image_key
    image_keys = [k for k, f in features.items() if isinstance(f, tfds.features.Image)]
    if not image_keys:
        raise ValueError(f"tfds dataset {name!r} has no image feature; its features are {sorted(features)}")
    return "image" if "image" in image_keys else image_keys[0]


def load_tfds(name, split="train", image_key=None, label_key="label", image_size=None, data_dir=None):
    """``(images, labels, class_names)`` of the tfds dataset ``name`` (e.g. "cifar10", "celeb_a").

    ``images`` is uint8 ``[N, H, W, C]``; ``labels`` int64 ``[N]`` when the dataset has a ``label_key``
    feature (``class_names`` then lists the ClassLabel names), else ``None`` and ``[]``. Datasets whose
    images vary in size need ``image_size`` (S or (H, W)); images are resized bilinearly (antialiased).
    """
    import tensorflow as tf
    import tensorflow_datasets as tfds

    size = check_image_size(image_size)
    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError as e:
        raise ValueError(f"unknown tfds dataset {name!r}: see https://www.tensorflow.org/datasets/catalog") from e
    features = builder.info.features
    key = _image_key(features, name, image_key)
    image_feature = features[key]
    shape = tuple(getattr(image_feature, "shape", ()))
    if len(shape) != 3:
        raise ValueError(f"tfds feature {name}/{key} has shape {shape}, expected an image [H, W, C]")
    if size is None and None in shape[:2]:
        raise ValueError(f"tfds dataset {name!r} has images of varying sizes {shape}: pass image_size")
    has_labels = label_key is not None and label_key in features
    class_names = list(getattr(features[label_key], "names", None) or []) if has_labels else []

    builder.download_and_prepare()
    ds = builder.as_dataset(split=split, shuffle_files=False)

    def select(example):
        image = example[key]
        if image.dtype != tf.uint8:
            raise ValueError(f"tfds feature {name}/{key} has dtype {image.dtype.name}, expected uint8")
        if size is not None:
            image = tf.image.resize(image, size, method="bilinear", antialias=True)
            image = tf.cast(tf.round(tf.clip_by_value(image, 0.0, 255.0)), tf.uint8)
        return (image, example[label_key]) if has_labels else image

    ds = ds.map(select, num_parallel_calls=tf.data.AUTOTUNE).batch(4096)
    batches = list(tfds.as_numpy(ds))
    if not batches:
        raise ValueError(f"tfds dataset {name!r} split {split!r} is empty")
    if has_labels:
        images = np.concatenate([b[0] for b in batches])
        labels = np.concatenate([b[1] for b in batches]).astype(np.int64)
        if labels.ndim != 1:
            raise ValueError(
                f"tfds feature {name}/{label_key} has shape {labels.shape[1:]} per example, "
                "expected scalar class ids: pass label_key=None"
            )
    else:
        images, labels = np.concatenate(batches), None
    return images, labels, class_names
