"""Unpaired batches from two image domains: ``(source_images, target_images)`` for DTN-style models."""

import tensorflow as tf

from keras_gans.datasets.pipeline import check_image_size, check_images, make_dataset, prefetched


def make_domain_dataset(source_images, target_images, *, batch_size, image_size=None, seed=None, repeat=False,
                        start_batch=0):
    """Zip two independently shuffled uint8 domains into float ``(source, target)`` batches in [-1, 1].

    An epoch is one pass over the source (``len(source) // batch_size`` batches); the target is
    repeated and reshuffled as often as needed. The domains keep their channel counts. Images of
    different sizes are an error unless ``image_size`` (S or (H, W)) resizes both explicitly.
    ``start_batch`` k starts both streams at their k-th batch (see :func:`make_dataset`).
    """
    source_images, target_images = check_images(source_images), check_images(target_images)
    size = check_image_size(image_size)
    if size is None and source_images.shape[1:3] != target_images.shape[1:3]:
        raise ValueError(
            f"the domains have different image sizes: source {source_images.shape[1]}x{source_images.shape[2]}, "
            f"target {target_images.shape[1]}x{target_images.shape[2]}; pass image_size to resize both explicitly")
    target_seed = None if seed is None else seed + 1
    source = make_dataset(source_images, batch_size=batch_size, image_size=size, seed=seed, repeat=repeat,
                          start_batch=start_batch)
    target = make_dataset(target_images, batch_size=batch_size, image_size=size, seed=target_seed, repeat=True,
                          start_batch=start_batch)
    return prefetched(tf.data.Dataset.zip((source, target)))
