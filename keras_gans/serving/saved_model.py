"""Export a generator as a SavedModel with serving signatures for TF Serving.

Signatures (all return ``{"images": uint8 [batch, H, W, C]}``):

- ``serving_default`` / ``generate``: ``z`` float32 ``[batch, latent_dim]``
  (conditional models also take ``labels`` int32 ``[batch]``).
- ``sample``: ``num`` int32 and ``seed`` int64 scalars; the same seed gives the
  same images, identical to ``model.generate(num, seed=seed)``. Conditional models
  take ``labels`` int32 ``[num]`` instead of ``num``.

The SavedModel loads with plain ``tf.saved_model.load`` (no keras_gans import).
Writing is atomic: the model goes to a temporary folder beside ``path`` and is
renamed into place only when complete, so a failed export leaves an earlier one
untouched.
"""

import os
import shutil
import tempfile

import keras
import tensorflow as tf

from keras_gans.datasets.pipeline import to_uint8


def build_export_archive(model):
    """A ``keras.export.ExportArchive`` with the generator's serving endpoints."""
    generator = model.generator
    latent_dim = model.latent_dim
    num_classes = getattr(model, "num_classes", None)
    archive = keras.export.ExportArchive()
    archive.track(generator)

    def check_labels(labels):
        return [
            tf.debugging.assert_non_negative(labels, message="labels must be >= 0"),
            tf.debugging.assert_less(labels, tf.constant(num_classes, tf.int32),
                                     message=f"labels must be < num_classes = {num_classes}"),
        ]

    def latent_for_seed(num, seed):
        return tf.random.stateless_normal((num, latent_dim), seed=tf.stack([tf.cast(seed, tf.int64), 0]))

    if num_classes:
        def generate(z, labels):
            with tf.control_dependencies(check_labels(labels)):
                return {"images": to_uint8(generator([z, labels], training=False))}

        def sample(labels, seed):
            with tf.control_dependencies(check_labels(labels)):
                z = latent_for_seed(tf.shape(labels)[0], seed)
                return {"images": to_uint8(generator([z, labels], training=False))}

        archive.add_endpoint("generate", generate, input_signature=[
            tf.TensorSpec([None, latent_dim], tf.float32, name="z"), tf.TensorSpec([None], tf.int32, name="labels")])
        archive.add_endpoint("sample", sample, input_signature=[
            tf.TensorSpec([None], tf.int32, name="labels"), tf.TensorSpec([], tf.int64, name="seed")])
    else:
        def generate(z):
            return {"images": to_uint8(generator(z, training=False))}

        def sample(num, seed):
            with tf.control_dependencies([tf.debugging.assert_positive(num, message="num must be positive")]):
                return {"images": to_uint8(generator(latent_for_seed(num, seed), training=False))}

        archive.add_endpoint("generate", generate, input_signature=[
            tf.TensorSpec([None, latent_dim], tf.float32, name="z")])
        archive.add_endpoint("sample", sample, input_signature=[
            tf.TensorSpec([], tf.int32, name="num"), tf.TensorSpec([], tf.int64, name="seed")])
    return archive


def decode_image_bytes(strings, channels):
    """A batch of encoded PNG/JPEG/BMP/GIF strings -> uint8 ``[batch, H, W, channels]`` (same size each)."""
    return tf.map_fn(lambda s: tf.io.decode_image(s, channels=channels, expand_animations=False), strings,
                     fn_output_signature=tf.TensorSpec([None, None, channels], tf.uint8))


def encode_png_batch(images):
    """uint8 ``[batch, H, W, C]`` -> a batch of PNG strings."""
    return tf.map_fn(tf.io.encode_png, images, fn_output_signature=tf.TensorSpec([], tf.string))


def export(model, path, overwrite=False):
    """Write ``model``'s serving endpoints as a SavedModel at ``path`` (atomically).

    Models that define ``build_export_archive()`` (translation, style transfer,
    DTN) give their own ``keras.export.ExportArchive``; noise -> image models get
    the signatures above.

    Raises ``FileExistsError`` if ``path`` exists and ``overwrite`` is False.
    Returns ``path``.
    """
    if hasattr(model, "build_export_archive"):
        make_archive = model.build_export_archive
    elif hasattr(model, "generator") and hasattr(model, "latent_dim"):
        make_archive = lambda: build_export_archive(model)  # noqa: E731
    else:
        raise TypeError(f"export needs a keras_gans model with a generator, got {type(model).__name__}")
    path = os.path.abspath(os.fspath(path))
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f"export path {path} already exists; choose another path or pass overwrite=True")
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".export-", dir=parent)
    try:
        make_archive().write_out(tmp, verbose=False)
        if os.path.exists(path):
            old = tempfile.mkdtemp(prefix=".old-", dir=parent)
            os.rename(path, os.path.join(old, "model"))
            os.rename(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, path)
    finally:
        if os.path.exists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
    return path
