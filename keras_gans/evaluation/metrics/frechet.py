"""Fréchet distance between feature Gaussians: FID (Heusel et al. 2017, "GANs Trained by a Two
Time-Scale Update Rule Converge to a Local Nash Equilibrium").

    d² = ||μ_r - μ_g||² + tr(Σ_r + Σ_g - 2 (Σ_r Σ_g)^{1/2})

The statistics are running sums in float64 (count, Σx, Σxxᵀ), so any number of images streams
through in batches; tr((Σ_r Σ_g)^{1/2}) is computed as Σ sqrt(eig(Σ_r^{1/2} Σ_g Σ_r^{1/2})) with
symmetric eigendecompositions (the product of two PSD matrices is not symmetric, and ``sqrtm``
of it can pick up imaginary rounding parts; the two traces are equal in exact arithmetic).
"""

import warnings

import keras
import numpy as np
import tensorflow as tf

from keras_gans.evaluation.metrics.features import ImageMetric, check_image_sets, get_extractor, iterate_batches


def covariance_warning(count, dim, what="features"):
    """Warn when ``count`` samples cannot give a full-rank ``dim``-d covariance."""
    if count <= dim:
        warnings.warn(f"{count} samples of {dim}-d {what}: the covariance has rank at most {count - 1} < {dim}, "
                      f"so the Fréchet distance is unstable; use more than {dim} samples "
                      f"(ideally >= {10 * dim}; FID is usually reported on 10,000-50,000)", stacklevel=3)


def trace_sqrt_product(cov1, cov2):
    """tr((cov1 cov2)^{1/2}) for symmetric PSD matrices (tf float64, graph-safe)."""
    cov1, cov2 = tf.cast(cov1, tf.float64), tf.cast(cov2, tf.float64)
    w, v = tf.linalg.eigh(cov1)
    sqrt1 = (v * tf.sqrt(tf.maximum(w, 0.0))) @ tf.transpose(v)
    inner = sqrt1 @ cov2 @ sqrt1
    inner = 0.5 * (inner + tf.transpose(inner))
    return tf.reduce_sum(tf.sqrt(tf.maximum(tf.linalg.eigvalsh(inner), 0.0)))


def frechet_distance_tf(mu1, cov1, mu2, cov2):
    """The Fréchet distance between N(mu1, cov1) and N(mu2, cov2) as a tf float64 scalar."""
    mu1, mu2 = tf.cast(mu1, tf.float64), tf.cast(mu2, tf.float64)
    cov1, cov2 = tf.cast(cov1, tf.float64), tf.cast(cov2, tf.float64)
    return (tf.reduce_sum(tf.square(mu1 - mu2)) + tf.linalg.trace(cov1) + tf.linalg.trace(cov2)
            - 2.0 * trace_sqrt_product(cov1, cov2))


def frechet_distance(mu1, cov1, mu2, cov2):
    """The Fréchet distance between two Gaussians given as numpy means and covariances."""
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    cov1, cov2 = np.atleast_2d(np.asarray(cov1, np.float64)), np.atleast_2d(np.asarray(cov2, np.float64))
    if mu1.shape != mu2.shape or cov1.shape != cov2.shape or cov1.shape != mu1.shape * 2:
        raise ValueError(f"mismatched Gaussians: means {mu1.shape} and {mu2.shape}, "
                         f"covariances {cov1.shape} and {cov2.shape}")
    return float(frechet_distance_tf(mu1, cov1, mu2, cov2).numpy())


class FeatureStats:
    """Running count, sum and sum of outer products of feature vectors, in float64."""

    def __init__(self, dim=None):
        self.count = 0
        self.total = None if dim is None else np.zeros(dim)
        self.outer = None if dim is None else np.zeros((dim, dim))

    @property
    def dim(self):
        return None if self.total is None else len(self.total)

    def update(self, features):
        f = np.asarray(features, np.float64).reshape(len(features), -1)
        if self.total is None:
            self.total, self.outer = np.zeros(f.shape[1]), np.zeros((f.shape[1], f.shape[1]))
        if f.shape[1] != self.dim:
            raise ValueError(f"features of size {f.shape[1]}, earlier batches had {self.dim}")
        self.count += len(f)
        self.total += f.sum(0)
        self.outer += f.T @ f
        return self

    @property
    def mean(self):
        return self.total / self.count

    @property
    def covariance(self):
        """Unbiased sample covariance (divides by count - 1)."""
        if self.count < 2:
            raise ValueError(f"a covariance needs at least 2 samples, got {self.count}")
        mean = self.mean
        return (self.outer - self.count * np.outer(mean, mean)) / (self.count - 1)

    @classmethod
    def from_features(cls, features):
        return cls().update(features)


def feature_statistics(images, extractor, batch_size=200, name="images"):
    """:class:`FeatureStats` of ``extractor``'s features over ``images`` (array, dataset or batches)."""
    stats = FeatureStats(extractor.feature_dim)
    for batch in iterate_batches(images, batch_size, name):
        stats.update(extractor(batch).numpy())
    return stats


def fid_from_stats(stats1, stats2):
    """FID between two :class:`FeatureStats` (warns when a set is too small for its covariance)."""
    for stats in (stats1, stats2):
        covariance_warning(stats.count, stats.dim)
    return frechet_distance(stats1.mean, stats1.covariance, stats2.mean, stats2.covariance)


def fid_from_features(features1, features2):
    """FID between two ``[N, D]`` feature arrays."""
    return fid_from_stats(FeatureStats.from_features(features1), FeatureStats.from_features(features2))


def fid(real, fake, extractor=None, batch_size=200):
    """FID between two image sets (arrays in [-1, 1] or uint8, datasets or iterables of batches).

    ``extractor``: see :func:`keras_gans.evaluation.metrics.get_extractor` (default: the shipped
    Fashion-MNIST classifier's 128-d features; ``"inception"`` for the standard 2048-d ones).
    """
    extractor = get_extractor(extractor)
    if isinstance(real, np.ndarray) and isinstance(fake, np.ndarray):
        real, fake = check_image_sets(real, fake)
    return fid_from_stats(feature_statistics(real, extractor, batch_size, "real images"),
                          feature_statistics(fake, extractor, batch_size, "generated images"))


@keras.saving.register_keras_serializable(package="keras_gans")
class FID(ImageMetric, keras.metrics.Metric):
    """Streaming FID as a ``keras.metrics.Metric``: ``update_state(real, generated)`` per batch.

    Keeps float64 running sums (count, Σx, Σxxᵀ) per set, which ``MirroredStrategy`` sums
    across replicas; ``result()`` is the Fréchet distance of the two Gaussians. Compile an
    adversarial model with ``metrics=[FID()]`` and pass ``validation_data`` to ``fit`` to log
    ``val_fid``. The result is recomputed after every validation batch (an eigendecomposition
    of a D x D matrix: negligible for the classifier's 128-d features, about a second for
    InceptionV3's 2048-d ones).
    """

    def __init__(self, extractor=None, layer="features", name="fid", **kwargs):
        super().__init__(name=name, **kwargs)
        d = self._init_extractor(extractor, layer)
        self.stats = {}
        for key in ("real", "fake"):
            self.stats[key] = (
                self.add_variable((), "zeros", dtype="float64", name=f"{key}_count"),
                self.add_variable((d,), "zeros", dtype="float64", name=f"{key}_sum"),
                self.add_variable((d, d), "zeros", dtype="float64", name=f"{key}_outer"),
            )

    def update_state(self, real_images, generated_images, sample_weight=None):
        for key, images in (("real", real_images), ("fake", generated_images)):
            f = tf.cast(self.extractor(images), tf.float64)
            count, total, outer = self.stats[key]
            count.assign_add(tf.cast(tf.shape(f)[0], tf.float64))
            total.assign_add(tf.reduce_sum(f, 0))
            outer.assign_add(tf.matmul(f, f, transpose_a=True))

    def _gaussian(self, key):
        count, total, outer = (tf.convert_to_tensor(v) for v in self.stats[key])
        mean = total / count
        cov = (outer - count * mean[:, None] * mean[None, :]) / (count - 1.0)
        return mean, cov

    def result(self):
        """The FID of the images seen so far; NaN until each set has 2 images (Keras asks for
        every metric's result after each training epoch, before validation has run)."""
        enough = tf.minimum(self.stats["real"][0], self.stats["fake"][0]) >= 2
        return tf.cast(tf.cond(enough, lambda: frechet_distance_tf(*self._gaussian("real"), *self._gaussian("fake")),
                               lambda: tf.constant(float("nan"), tf.float64)), tf.float32)

    def get_config(self):
        return {**super().get_config(), **self._extractor_config()}
