"""k-nearest-neighbour fidelity and diversity: improved precision and recall, density and coverage.

Each set of features stands for its distribution's support as the union of balls around its
points, each ball reaching to the point's k-th nearest neighbour in the same set (duplicates
count as neighbours, the point itself does not).

- **Precision** (fidelity) = the fraction of generated features inside the real balls, **recall**
  (diversity) = the fraction of real features inside the generated balls; k = 3 (Kynkäänniemi,
  Karras, Laine, Lehtinen & Aila 2019, "Improved Precision and Recall Metric for Assessing
  Generative Models"; reference: NVlabs stylegan2-ada-pytorch ``metrics/precision_recall.py``).
  Closed balls (``distance <= radius``), as the paper defines them and its code computes them.
- **Density** = the number of real balls that contain each generated feature, averaged over the
  generated features and divided by k (about 1 when both sets come from one distribution; above 1
  when samples crowd where real points are dense; not bounded by 1); **coverage** = the fraction
  of real features whose ball holds at least one generated feature. k = 5 (Naeem, Oh, Uh, Choi &
  Yoo 2020, "Reliable Fidelity and Diversity Metrics for Generative Models"; reference: clovaai
  generative-evaluation-prdc ``prdc/prdc.py``). Open balls (``distance < radius``), as that code
  computes them: two identical sets then have density exactly 1.

Distances are squared Euclidean in float64, ``|x|² + |y|² - 2 x·y`` computed for ``row_batch_size``
rows of one set against all of the other at a time (NVlabs' scheme), so 10,000 x 10,000 features take
1000 x 10,000 x 8 bytes per batch instead of 800 MB. The TensorFlow core works on fixed-shape
buffers with validity masks, which is what the ``keras.metrics.Metric`` classes need in
``fit``'s compiled test step.
"""

import keras
import numpy as np
import tensorflow as tf

from keras_gans.evaluation.metrics.features import BufferedImageMetric, check_image_sets, get_extractor

#: k of improved precision and recall (Kynkäänniemi et al. 2019)
PRECISION_RECALL_K = 3
#: k of density and coverage (Naeem et al. 2020)
DENSITY_COVERAGE_K = 5
#: rows of one feature set whose distances to all of the other are computed at once
ROW_BATCH_SIZE = 1000
#: the metrics of this module, in table order
KNN_METRICS = ("precision", "recall", "density", "coverage")
#: the metrics that need the k-th neighbour radii of the *real* features (recall needs the generated ones)
_REAL_BALLS = ("precision", "density", "coverage")


# === Checks ===
def check_k(k, name="k"):
    """``k`` as an int >= 1; ``ValueError`` otherwise (bools and fractional numbers included)."""
    if (isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer, float, np.floating))
            or not np.isfinite(k) or k != int(k)):
        raise ValueError(f"{name} must be an integer >= 1, got {k!r}")
    if int(k) < 1:
        raise ValueError(f"{name} must be >= 1, got {k}")
    return int(k)


def check_sizes(ks, num_real, num_fake):
    """``ValueError`` unless each set is larger than the k of every metric that needs its k-NN balls."""
    if min(num_real, num_fake) < 1:
        raise ValueError(f"k-NN metrics need at least one real and one generated feature, "
                         f"got {num_real} and {num_fake}")
    for metric, k in ks.items():
        who, n = ("generated", num_fake) if metric == "recall" else ("real", num_real)
        if k >= n:
            raise ValueError(f"{metric} with k = {k} needs more than {k} {who} features (the k-th nearest neighbour of "
                             f"each among the others), got {n}; use a smaller k or more samples")


def knn_ks(metrics, precision_recall_k=PRECISION_RECALL_K, density_coverage_k=DENSITY_COVERAGE_K):
    """``{metric: k}`` for the k-NN metrics among ``metrics`` (each k checked to be an integer >= 1)."""
    pr = ("precision", "recall")
    return {m: check_k(precision_recall_k if m in pr else density_coverage_k,
                       "precision_recall_k" if m in pr else "density_coverage_k") for m in metrics if m in KNN_METRICS}


def _as_features(features, name):
    f = np.asarray(features, np.float64)
    if f.ndim != 2:
        raise ValueError(f"{name}: expected [N, D] features, got shape {f.shape}")
    if not np.isfinite(f).all():
        raise ValueError(f"{name}: contains NaN or infinite values")
    return f


# === The TensorFlow core (graph-safe, static shapes) ===
def _pad_rows(x, valid, batch):
    """``x`` and ``valid`` padded with invalid zero rows to a multiple of ``batch`` rows."""
    extra = -x.shape[0] % batch
    if not extra:
        return x, valid
    return (tf.concat([x, tf.zeros((extra, x.shape[1]), x.dtype)], 0),
            tf.concat([valid, tf.zeros((extra,), tf.bool)], 0))


def _sq_distances(rows, cols, col_sq_norms, col_offsets):
    """``[b, n]`` squared distances (>= 0); ``col_offsets`` (0 or +inf) hides invalid columns."""
    d = (tf.reduce_sum(tf.square(rows), 1, keepdims=True) + col_sq_norms[None, :]
         - 2.0 * tf.matmul(rows, cols, transpose_b=True))
    return tf.maximum(d, 0.0) + col_offsets[None, :]


def _over_row_batches(x, batch, body, init):
    """``body(start, carry) -> carry`` for ``start = 0, batch, 2 batch, ...`` below ``x``'s (padded) row count."""
    num = x.shape[0] // batch
    return tf.while_loop(lambda i, _: i < num, lambda i, c: (i + 1, body(i * batch, c)),
                         (tf.constant(0), init))[1]


def _mask_offsets(valid):
    return tf.where(valid, tf.constant(0.0, tf.float64), tf.constant(np.inf, tf.float64))


def kth_neighbour_sq_distances(x, valid, ks, row_batch_size=ROW_BATCH_SIZE):
    """``{k: [N]}``: squared distance from each valid row of ``x`` to its k-th nearest *other* valid row
    (duplicates count; it is the (k+1)-th smallest distance with the row itself), -1 for invalid rows.

    ``x``: ``[N, D]`` float64 tensor with a static N > max(ks); ``valid``: ``[N]`` bool.
    """
    n, kmax = x.shape[0], max(ks)
    batch = min(int(row_batch_size), n)
    rows, _ = _pad_rows(x, valid, batch)
    sq_norms, offsets = tf.reduce_sum(tf.square(x), 1), _mask_offsets(valid)

    def body(start, smallest):
        d = _sq_distances(tf.slice(rows, [start, 0], [batch, -1]), x, sq_norms, offsets)
        nearest = -tf.math.top_k(-d, kmax + 1, sorted=True).values  # ascending; column 0: the row itself
        return tf.tensor_scatter_nd_update(smallest, (start + tf.range(batch))[:, None], nearest)

    smallest = _over_row_batches(rows, batch, body, tf.zeros((rows.shape[0], kmax + 1), tf.float64))[:n]
    return {k: tf.where(valid, smallest[:, k], tf.constant(-1.0, tf.float64)) for k in ks}


def knn_metrics_tf(real, real_valid, fake, fake_valid, ks, row_batch_size=ROW_BATCH_SIZE):
    """``{metric: float64 scalar}`` for ``ks = {metric: k}`` (a subset of :data:`KNN_METRICS`).

    ``real`` ``[N, D]``, ``fake`` ``[M, D]``: float64 tensors with static shapes; ``*_valid``: bool
    masks of the rows that count (the rest are ignored: fixed-size buffers). Each set must have more
    valid rows than the k of the metrics that need its balls (:func:`check_sizes`); the caller checks.
    """
    unknown = set(ks) - set(KNN_METRICS)
    if unknown or not ks:
        raise ValueError(f"unknown k-NN metric(s) {sorted(unknown) or ks}; expected some of {KNN_METRICS}")
    real_k = sorted({ks[m] for m in _REAL_BALLS if m in ks})
    real_r = kth_neighbour_sq_distances(real, real_valid, real_k, row_batch_size) if real_k else {}
    fake_r = (kth_neighbour_sq_distances(fake, fake_valid, [ks["recall"]], row_batch_size)[ks["recall"]]
              if "recall" in ks else None)

    batch = min(int(row_batch_size), real.shape[0])
    rows, rows_valid = _pad_rows(real, real_valid, batch)
    pad = rows.shape[0] - real.shape[0]
    radii = {m: tf.pad(real_r[ks[m]], [[0, pad]], constant_values=-1.0) for m in _REAL_BALLS if m in ks}
    fake_sq, fake_offsets = tf.reduce_sum(tf.square(fake), 1), _mask_offsets(fake_valid)
    zero = tf.constant(0.0, tf.float64)

    def count(mask, axis=None):
        return tf.reduce_sum(tf.cast(mask, tf.float64), axis)

    def body(start, carry):
        inside, density, recall, coverage = carry
        d = _sq_distances(tf.slice(rows, [start, 0], [batch, -1]), fake, fake_sq, fake_offsets)  # [b, M]
        valid = tf.slice(rows_valid, [start], [batch])
        r = {m: tf.slice(radii[m], [start], [batch]) for m in radii}
        if "precision" in ks:  # the generated features inside some real (closed) ball so far
            inside = tf.logical_or(inside, tf.reduce_any(d <= r["precision"][:, None], 0))
        if "density" in ks:  # (real ball, generated feature) pairs, open balls
            density += count(d < r["density"][:, None])
        if "recall" in ks:  # real features inside some generated (closed) ball
            recall += count(tf.logical_and(valid, tf.reduce_any(d <= fake_r[None, :], 1)))
        if "coverage" in ks:  # real balls (open) holding their nearest generated feature
            coverage += count(tf.logical_and(valid, tf.reduce_min(d, 1) < r["coverage"]))
        return inside, density, recall, coverage

    init = (tf.zeros((fake.shape[0],), tf.bool), zero, zero, zero)
    inside, density, recall, coverage = _over_row_batches(rows, batch, body, init)
    num_real, num_fake = count(real_valid), count(fake_valid)
    out = {"precision": count(tf.logical_and(inside, fake_valid)) / num_fake,
           "recall": recall / num_real,
           "density": density / (float(ks.get("density", 1)) * num_fake),
           "coverage": coverage / num_real}
    return {m: out[m] for m in KNN_METRICS if m in ks}


# === Functions on features and on images ===
def prdc_from_features(real_features, fake_features, metrics=KNN_METRICS, precision_recall_k=PRECISION_RECALL_K,
                       density_coverage_k=DENSITY_COVERAGE_K, row_batch_size=ROW_BATCH_SIZE):
    """``{metric: float}`` of the requested ``metrics`` (some of precision, recall, density, coverage)
    between ``[N, D]`` real and ``[M, D]`` generated features, in one pass over the distances.

    ``precision_recall_k`` (3) is the k of precision and recall, ``density_coverage_k`` (5) that of
    density and coverage (the papers' values). ``ValueError`` for a k below 1 or not below the size
    of the set whose balls it sizes.
    """
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    unknown = [m for m in metrics if m not in KNN_METRICS]
    if unknown or not metrics:
        raise ValueError(f"unknown k-NN metric(s) {unknown or metrics}; expected some of {KNN_METRICS}")
    real, fake = _as_features(real_features, "real features"), _as_features(fake_features, "generated features")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"k-NN metrics need two [N, D] feature arrays of the same D, "
                         f"got {real.shape} and {fake.shape}")
    ks = knn_ks(metrics, precision_recall_k, density_coverage_k)
    check_sizes(ks, len(real), len(fake))
    row_batch_size = check_k(row_batch_size, "row_batch_size")
    out = knn_metrics_tf(tf.constant(real), tf.ones((len(real),), tf.bool), tf.constant(fake),
                         tf.ones((len(fake),), tf.bool), ks, row_batch_size)
    return {m: float(v.numpy()) for m, v in out.items()}


def precision_recall_from_features(real_features, fake_features, k=PRECISION_RECALL_K, row_batch_size=ROW_BATCH_SIZE):
    """``(precision, recall)`` between ``[N, D]`` real and ``[M, D]`` generated features (improved precision
    and recall, Kynkäänniemi et al. 2019, k = 3); ``k`` must be below N and M."""
    out = prdc_from_features(real_features, fake_features, ("precision", "recall"), precision_recall_k=k,
                             row_batch_size=row_batch_size)
    return out["precision"], out["recall"]


def density_coverage_from_features(real_features, fake_features, k=DENSITY_COVERAGE_K, row_batch_size=ROW_BATCH_SIZE):
    """``(density, coverage)`` between ``[N, D]`` real and ``[M, D]`` generated features (Naeem et al. 2020,
    k = 5); ``k`` must be below N."""
    out = prdc_from_features(real_features, fake_features, ("density", "coverage"), density_coverage_k=k,
                             row_batch_size=row_batch_size)
    return out["density"], out["coverage"]


def _image_features(real, fake, extractor, batch_size):
    extractor = get_extractor(extractor)
    if isinstance(real, np.ndarray) and isinstance(fake, np.ndarray):
        real, fake = check_image_sets(real, fake)
    return (extractor.extract(real, batch_size, "real images"),
            extractor.extract(fake, batch_size, "generated images"))


def precision_recall(real, fake, extractor=None, k=PRECISION_RECALL_K, batch_size=200, row_batch_size=ROW_BATCH_SIZE):
    """``(precision, recall)`` between two image sets (see :func:`keras_gans.evaluation.metrics.fid` for the
    inputs and ``extractor``; the paper uses VGG-16 features, any extractor works)."""
    return precision_recall_from_features(*_image_features(real, fake, extractor, batch_size), k, row_batch_size)


def density_coverage(real, fake, extractor=None, k=DENSITY_COVERAGE_K, batch_size=200, row_batch_size=ROW_BATCH_SIZE):
    """``(density, coverage)`` between two image sets (see :func:`precision_recall`)."""
    return density_coverage_from_features(*_image_features(real, fake, extractor, batch_size), k, row_batch_size)


# === keras.metrics.Metric classes ===
class KNNMetric(BufferedImageMetric, keras.metrics.Metric):
    """Base of the streaming k-NN metrics: ``update_state(real, generated)`` per batch.

    Keeps the features of the first ``max_samples`` images of each set (fixed buffers, as
    :class:`keras_gans.evaluation.metrics.KID` does, so it works inside ``fit``'s compiled test step)
    and computes the metric over all of them; NaN until the sets are large enough for ``k``. Each
    metric object runs the extractor and keeps its own buffers. Single-device only: the buffers are
    not gathered across ``MirroredStrategy`` replicas. The value depends on the number of samples
    (the balls shrink as a set grows): compare runs at equal sizes.
    """

    #: the metric this class reports (one of :data:`KNN_METRICS`)
    metric = None
    default_k = None

    def __init__(self, extractor=None, layer="features", k=None, max_samples=1000, row_batch_size=ROW_BATCH_SIZE,
                 name=None, **kwargs):
        super().__init__(name=name or self.metric, **kwargs)
        self.k = check_k(self.default_k if k is None else k)
        self.row_batch_size = check_k(row_batch_size, "row_batch_size")
        if int(max_samples) <= self.k:
            raise ValueError(f"{self.metric} with k = {self.k} needs max_samples > {self.k}, got {max_samples}")
        self._init_buffers(max_samples, self._init_extractor(extractor, layer))

    def result(self):
        (num_real, real), (num_fake, fake) = self.buffered()
        need_real, need_fake = (1, self.k + 1) if self.metric == "recall" else (self.k + 1, 1)
        enough = tf.logical_and(num_real >= need_real, num_fake >= need_fake)
        rows = tf.range(self.max_samples)

        def compute():
            return knn_metrics_tf(tf.cast(real, tf.float64), rows < num_real, tf.cast(fake, tf.float64),
                                  rows < num_fake, {self.metric: self.k}, self.row_batch_size)[self.metric]

        return tf.cast(tf.cond(enough, compute, lambda: tf.constant(float("nan"), tf.float64)), tf.float32)

    def get_config(self):
        return {**super().get_config(), **self._extractor_config(), "k": self.k, "max_samples": self.max_samples,
                "row_batch_size": self.row_batch_size}


@keras.saving.register_keras_serializable(package="keras_gans")
class ImprovedPrecision(KNNMetric):
    """Streaming improved precision (Kynkäänniemi et al. 2019, k = 3): the fraction of generated features
    inside the real features' k-NN balls. Logs ``val_precision`` in ``fit``; see :class:`KNNMetric`."""

    metric, default_k = "precision", PRECISION_RECALL_K


@keras.saving.register_keras_serializable(package="keras_gans")
class ImprovedRecall(KNNMetric):
    """Streaming improved recall (Kynkäänniemi et al. 2019, k = 3): the fraction of real features inside the
    generated features' k-NN balls. Logs ``val_recall``; see :class:`KNNMetric`."""

    metric, default_k = "recall", PRECISION_RECALL_K


@keras.saving.register_keras_serializable(package="keras_gans")
class Density(KNNMetric):
    """Streaming density (Naeem et al. 2020, k = 5): how many real k-NN balls hold each generated feature,
    averaged and divided by k. Logs ``val_density``; see :class:`KNNMetric`."""

    metric, default_k = "density", DENSITY_COVERAGE_K


@keras.saving.register_keras_serializable(package="keras_gans")
class Coverage(KNNMetric):
    """Streaming coverage (Naeem et al. 2020, k = 5): the fraction of real features whose k-NN ball holds a
    generated feature. Logs ``val_coverage``; see :class:`KNNMetric`."""

    metric, default_k = "coverage", DENSITY_COVERAGE_K
