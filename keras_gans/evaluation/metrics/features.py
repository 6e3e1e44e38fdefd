"""Feature extractors for FID / KID / Inception score, and the image checks they share.

An extractor maps images in [-1, 1] (what the generators' ``tanh`` outputs; uint8 images are
scaled by ``x / 127.5 - 1``) to one feature vector per image. It resizes the images to its
network's input size and converts 1 <-> 3 channels, so any generator's samples can go through it.

- :func:`inception_features`: InceptionV3 (Szegedy et al. 2016) from ``keras.applications``, the
  2048-d global-average-pooled ``mixed10`` features at 299x299 that FID (Heusel et al. 2017) and
  KID (Binkowski et al. 2018) use; ImageNet weights are downloaded on first use. Its
  ``preprocess_input`` is ``x / 127.5 - 1``, i.e. our [-1, 1] images as they are.
- :func:`inception_logits`: the 1000 ImageNet logits, for the Inception score.
- :func:`classifier_features` / :func:`classifier_logits`: any Keras classifier, by default the
  shipped Fashion-MNIST one (``keras_gans/evaluation/data/fashion_mnist_classifier.keras``, package data,
  trained by ``scripts/data/train_fashion_classifier.py``), so the metrics work offline on Fashion-MNIST. Its
  features are the output of a named layer (``"features"``, 128-d).
"""

import os
from pathlib import Path

import numpy as np

from keras_gans.core.images import scale_images

#: environment variable that points at another default classifier
CLASSIFIER_ENV_VAR = "KERAS_GANS_CLASSIFIER"
#: the shipped classifier: package data inside keras_gans, so an installed (non-editable) package has it too
DEFAULT_CLASSIFIER = Path(__file__).resolve().parents[1] / "data" / "fashion_mnist_classifier.keras"
#: slack on the [-1, 1] range for float images (float rounding of tanh / resizing)
RANGE_TOLERANCE = 1e-3


def default_classifier_path():
    """The shipped Fashion-MNIST classifier (or ``$KERAS_GANS_CLASSIFIER``)."""
    return Path(os.environ.get(CLASSIFIER_ENV_VAR) or DEFAULT_CLASSIFIER)


def as_float_images(images, name="images"):
    """``[N, H, W, C]`` float32 in [-1, 1] from uint8 (scaled) or float (checked) images.

    Raises ``ValueError`` naming ``name`` for a wrong rank, non-finite values or float values
    outside [-1, 1] (e.g. [0, 255] floats).
    """
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(f"{name}: expected [N, H, W, C] images with 1 or 3 channels, got shape {images.shape}")
    if images.dtype == np.uint8:
        return scale_images(images)
    if not np.issubdtype(images.dtype, np.floating):
        raise ValueError(f"{name}: expected uint8 or float images, got dtype {images.dtype}")
    images = images.astype(np.float32)
    if images.size:
        lo, hi = float(images.min()), float(images.max())
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise ValueError(f"{name}: contains NaN or infinite values")
        if lo < -1 - RANGE_TOLERANCE or hi > 1 + RANGE_TOLERANCE:
            raise ValueError(f"{name}: float values in [{lo:.3g}, {hi:.3g}]; expected [-1, 1] "
                             "(the generators' tanh range) or uint8 images in [0, 255]")
    return images


def check_image_sets(real, fake, names=("real images", "generated images")):
    """Both sets as float32 [-1, 1] arrays; ``ValueError`` when their per-image shapes or value ranges differ.

    A float set in [0, 1] next to one that uses [-1, 0) is the usual mistake (one set scaled
    differently); it is reported with both ranges.
    """
    real, fake = as_float_images(real, names[0]), as_float_images(fake, names[1])
    if real.shape[1:] != fake.shape[1:]:
        raise ValueError(f"{names[0]} have shape {real.shape[1:]} per image but {names[1]} have "
                         f"{fake.shape[1:]}: the sets must have the same image shape")
    check_value_ranges(real, fake, names)
    return real, fake


def check_value_ranges(real, fake, names=("real images", "generated images")):
    """``ValueError`` when one float set is entirely non-negative and the other clearly uses [-1, 0)."""
    if not (real.size and fake.size):
        return
    (rlo, rhi), (flo, fhi) = (float(real.min()), float(real.max())), (float(fake.min()), float(fake.max()))
    if (rlo >= 0) != (flo >= 0) and min(rlo, flo) < -0.5:
        raise ValueError(f"{names[0]} have values in [{rlo:.3g}, {rhi:.3g}] but {names[1]} in [{flo:.3g}, {fhi:.3g}]: "
                         "the sets use different value ranges; pass both in [-1, 1] (or both uint8)")


def iterate_batches(images, batch_size, name="images"):
    """Yield float32 [-1, 1] batches from an array, a ``tf.data.Dataset`` or an iterable of batches.

    Dataset elements may be ``(images, labels)``; the labels are dropped.
    """
    if isinstance(images, np.ndarray) or (hasattr(images, "shape") and not hasattr(images, "element_spec")):
        images = np.asarray(images)
        if images.ndim < 1 or len(images) == 0:
            raise ValueError(f"{name}: no images")
        for start in range(0, len(images), batch_size):
            yield as_float_images(images[start : start + batch_size], name)
        return
    shape = None
    for batch in images:
        if isinstance(batch, (tuple, list)):
            batch = batch[0]
        batch = as_float_images(np.asarray(batch), name)
        if shape is not None and batch.shape[1:] != shape:
            raise ValueError(f"{name}: batches of images of shape {shape} and {batch.shape[1:]}")
        shape = batch.shape[1:]
        yield batch
    if shape is None:
        raise ValueError(f"{name}: no images")


class FeatureExtractor:
    """A Keras network from images in [-1, 1] to ``[N, D]`` features (or logits).

    Args:
        model: ``keras.Model`` with a fixed ``(H, W, C)`` input; its output is flattened per image.
        name: what the features are, for tables ("inception_v3", "classifier:features", ...).
    """

    def __init__(self, model, name=None):
        import keras

        if not isinstance(model, keras.Model):
            raise TypeError(f"FeatureExtractor needs a keras.Model, got {type(model).__name__}")
        shape = tuple(model.input_shape[1:])
        if len(shape) != 3 or None in shape:
            raise ValueError(f"the extractor network needs a fixed (H, W, C) input, it takes {shape}")
        self.model = model
        self.input_shape = shape
        self.name = name or model.name
        self.feature_dim = int(np.prod(model.output_shape[1:]))

    def preprocess(self, images):
        """Resize (bilinear) to the network's input size and convert 1 <-> 3 channels (tf, graph-safe)."""
        import tensorflow as tf

        images = tf.cast(images, tf.float32)
        h, w, c = self.input_shape
        if tuple(images.shape[1:3]) != (h, w):
            images = tf.image.resize(images, (h, w), method="bilinear", antialias=True)
        if images.shape[-1] == 1 and c == 3:
            images = tf.tile(images, [1, 1, 1, 3])
        elif images.shape[-1] == 3 and c == 1:
            images = tf.image.rgb_to_grayscale(images)
        return images

    def __call__(self, images):
        """Features of a batch (tf tensor or array in [-1, 1]) as a float32 tensor ``[N, D]``."""
        import tensorflow as tf

        out = self.model(self.preprocess(images), training=False)
        return tf.reshape(tf.cast(out, tf.float32), (-1, self.feature_dim))

    def extract(self, images, batch_size=200, name="images"):
        """Features of all images (array, dataset or iterable of batches) as float32 numpy ``[N, D]``."""
        return np.concatenate([self(batch).numpy() for batch in iterate_batches(images, batch_size, name)])

    def __repr__(self):
        return f"FeatureExtractor({self.name!r}, input {self.input_shape}, {self.feature_dim}-d)"


def _load_classifier(model):
    import keras

    if model is None:
        model = default_classifier_path()
    if isinstance(model, (str, os.PathLike)):
        path = Path(model)
        if not path.is_file():
            raise FileNotFoundError(f"no classifier file {path} (train one with scripts/data/train_fashion_classifier.py)")
        model = keras.models.load_model(path, compile=False)
    if not isinstance(model, keras.Model):
        raise TypeError(f"classifier must be a keras.Model or a .keras path, got {type(model).__name__}")
    return model


def classifier_features(model=None, layer="features"):
    """Features from the layer named ``layer`` of a classifier (default: the shipped Fashion-MNIST one)."""
    import keras

    model = _load_classifier(model)
    names = [l.name for l in model.layers]
    if layer not in names:
        raise ValueError(f"classifier {model.name!r} has no layer named {layer!r}; its layers are {names}")
    sub = keras.Model(model.inputs, model.get_layer(layer).output, name=f"{model.name}_{layer}")
    return FeatureExtractor(sub, name=f"{model.name}:{layer}")


def classifier_logits(model=None):
    """The classifier's own output (logits) for the Inception score on its classes."""
    model = _load_classifier(model)
    return FeatureExtractor(model, name=f"{model.name}:logits")


def inception_features(weights="imagenet"):
    """InceptionV3 pool features (2048-d at 299x299), as FID and KID use them.

    ``weights="imagenet"`` downloads the weights on first use; ``weights=None`` (random) has the
    same shapes and speed, for tests and benchmarks without internet.
    """
    import keras

    net = keras.applications.InceptionV3(include_top=False, weights=weights, input_shape=(299, 299, 3),
                                         pooling="avg")
    return FeatureExtractor(net, name="inception_v3" + ("" if weights == "imagenet" else f"(weights={weights})"))


def inception_logits(weights="imagenet"):
    """InceptionV3's 1000 ImageNet logits, for the Inception score (Salimans et al. 2016)."""
    import keras

    net = keras.applications.InceptionV3(include_top=True, weights=weights, classifier_activation=None)
    return FeatureExtractor(net, name="inception_v3_logits" + ("" if weights == "imagenet" else f"(weights={weights})"))


def get_extractor(spec=None, layer="features"):
    """An extractor from a spec: a ``FeatureExtractor``, ``"classifier"`` (default, the shipped
    Fashion-MNIST classifier), ``"inception"``, a ``.keras`` classifier path or a ``keras.Model``."""
    import keras

    if isinstance(spec, FeatureExtractor):
        return spec
    if spec is None or spec == "classifier":
        return classifier_features(None, layer)
    if spec == "inception":
        return inception_features()
    if isinstance(spec, (str, os.PathLike, keras.Model)):
        return classifier_features(spec, layer)
    raise ValueError(f"unknown feature extractor {spec!r}: expected 'classifier', 'inception', "
                     "a .keras classifier path, a keras.Model or a FeatureExtractor")


class ImageMetric:
    """Mixin for ``keras.metrics.Metric`` subclasses that compare real and generated images.

    ``update_state(real_images, generated_images)`` is what an adversarial model's ``test_step``
    calls with each validation batch and as many generated images; ``extractor`` is a spec for
    :func:`get_extractor` (a string or path is kept in ``get_config``; objects are not serialized).
    """

    def _init_extractor(self, extractor, layer):
        self.extractor_spec = extractor if extractor is None or isinstance(extractor, (str, os.PathLike)) else None
        self.extractor_spec = None if self.extractor_spec is None else os.fspath(self.extractor_spec)
        self.layer = layer
        self.extractor = get_extractor(extractor, layer)
        return self.extractor.feature_dim

    def _extractor_config(self):
        return {"extractor": self.extractor_spec, "layer": self.layer}


class BufferedImageMetric(ImageMetric):
    """An :class:`ImageMetric` that keeps the features of the first ``max_samples`` real and generated
    images in fixed-size float32 buffers (so it works inside ``fit``'s compiled test step); ``result()``
    reads them with :meth:`buffered`. Call ``_init_buffers`` after ``_init_extractor``."""

    def _init_buffers(self, max_samples, dim, minimum=2):
        if int(max_samples) < minimum:
            raise ValueError(f"max_samples must be >= {minimum}, got {max_samples}")
        self.max_samples = int(max_samples)
        self.buffers = {
            key: (self.add_variable((), "zeros", dtype="int32", name=f"{key}_count"),
                  self.add_variable((self.max_samples, dim), "zeros", dtype="float32", name=f"{key}_features"))
            for key in ("real", "fake")
        }

    def update_state(self, real_images, generated_images, sample_weight=None):
        import tensorflow as tf

        for key, images in (("real", real_images), ("fake", generated_images)):
            count, buffer = self.buffers[key]
            f = self.extractor(images)
            start = tf.convert_to_tensor(count)
            take = tf.minimum(tf.shape(f)[0], self.max_samples - start)
            rows = tf.range(start, start + take)[:, None]
            buffer.assign(tf.tensor_scatter_nd_update(tf.convert_to_tensor(buffer), rows, f[:take]))
            count.assign_add(take)

    def buffered(self):
        """``((num_real, real_buffer), (num_fake, fake_buffer))`` as tensors; rows past the counts are zeros."""
        import tensorflow as tf

        return tuple((tf.convert_to_tensor(c), tf.convert_to_tensor(b)) for c, b in
                     (self.buffers["real"], self.buffers["fake"]))
