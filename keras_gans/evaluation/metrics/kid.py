"""Kernel Inception Distance (Binkowski, Sutherland, Arbel & Gretton 2018, "Demystifying MMD GANs").

KID is the squared MMD between feature sets with the cubic polynomial kernel
``k(x, y) = (xᵀy / d + 1)³``, estimated without bias:

    MMD²_u = Σ_{i≠j} k(x_i, x_j) / (m(m-1)) + Σ_{i≠j} k(y_i, y_j) / (n(n-1)) - 2 Σ_{i,j} k(x_i, y_j) / (mn)

Its expectation is exactly the population MMD², so two samples of one distribution give values
around 0 (negative ones too). As in the paper's code, it is averaged over ``num_subsets`` random
subsets of ``subset_size`` (defaults 100 and 1000) and the standard deviation over subsets is
reported with it.
"""

import keras
import numpy as np
import tensorflow as tf

from keras_gans.evaluation.metrics.features import BufferedImageMetric, check_image_sets, get_extractor


def polynomial_kernel(x, y, degree=3, coef0=1.0):
    d = tf.cast(tf.shape(x)[1], x.dtype)
    return (tf.matmul(x, y, transpose_b=True) / d + coef0) ** degree


def mmd2_unbiased(x, y):
    """Unbiased MMD² with the cubic polynomial kernel between ``[m, D]`` and ``[n, D]`` (tf float64)."""
    x, y = tf.cast(x, tf.float64), tf.cast(y, tf.float64)
    m, n = tf.cast(tf.shape(x)[0], tf.float64), tf.cast(tf.shape(y)[0], tf.float64)
    kxx, kyy, kxy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    xx = (tf.reduce_sum(kxx) - tf.linalg.trace(kxx)) / (m * (m - 1.0))
    yy = (tf.reduce_sum(kyy) - tf.linalg.trace(kyy)) / (n * (n - 1.0))
    return xx + yy - 2.0 * tf.reduce_mean(kxy)


def kid_from_features(features1, features2, num_subsets=100, subset_size=1000, seed=0):
    """``(mean, std)`` of the unbiased MMD² over ``num_subsets`` random subsets of each set.

    ``subset_size`` is capped at the smaller set's size; each subset is drawn without replacement.
    """
    f1, f2 = np.asarray(features1, np.float64), np.asarray(features2, np.float64)
    if f1.ndim != 2 or f2.ndim != 2 or f1.shape[1] != f2.shape[1]:
        raise ValueError(f"KID needs two [N, D] feature arrays of the same D, got {f1.shape} and {f2.shape}")
    if int(num_subsets) < 1:
        raise ValueError(f"num_subsets must be >= 1, got {num_subsets}")
    m = min(int(subset_size), len(f1), len(f2))
    if m < 2:
        raise ValueError(f"KID needs at least 2 samples in each set, got {len(f1)} and {len(f2)}")
    rng = np.random.default_rng(seed)
    values = [float(mmd2_unbiased(f1[rng.choice(len(f1), m, replace=False)],
                                  f2[rng.choice(len(f2), m, replace=False)]).numpy())
              for _ in range(int(num_subsets))]
    return float(np.mean(values)), float(np.std(values))


def kid(real, fake, extractor=None, num_subsets=100, subset_size=1000, batch_size=200, seed=0):
    """``(mean, std)`` KID between two image sets (see :func:`keras_gans.evaluation.metrics.fid` for the inputs)."""
    extractor = get_extractor(extractor)
    if isinstance(real, np.ndarray) and isinstance(fake, np.ndarray):
        real, fake = check_image_sets(real, fake)
    return kid_from_features(extractor.extract(real, batch_size, "real images"),
                             extractor.extract(fake, batch_size, "generated images"),
                             num_subsets, subset_size, seed)


@keras.saving.register_keras_serializable(package="keras_gans")
class KID(BufferedImageMetric, keras.metrics.Metric):
    """Streaming KID as a ``keras.metrics.Metric``: ``update_state(real, generated)`` per batch.

    Keeps the features of the first ``max_samples`` images of each set (a fixed buffer, so it
    works inside ``fit``'s compiled test step) and reports the unbiased MMD² over all of them
    (one subset; :func:`kid` gives the subset mean and std). Single-device only: the buffers are
    not gathered across ``MirroredStrategy`` replicas.
    """

    def __init__(self, extractor=None, layer="features", max_samples=1000, name="kid", **kwargs):
        super().__init__(name=name, **kwargs)
        self._init_buffers(max_samples, self._init_extractor(extractor, layer))

    def result(self):
        (nr, real), (nf, fake) = self.buffered()
        return tf.cast(tf.cond(tf.minimum(nr, nf) >= 2, lambda: mmd2_unbiased(real[:nr], fake[:nf]),
                               lambda: tf.constant(float("nan"), tf.float64)), tf.float32)

    def get_config(self):
        return {**super().get_config(), **self._extractor_config(), "max_samples": self.max_samples}
