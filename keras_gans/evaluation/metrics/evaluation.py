"""Evaluate a generator's samples with several metrics at once: a table row per metric, and a
callback that does it every N epochs during ``fit``."""

import math

import keras
import numpy as np

from keras_gans.evaluation.metrics.features import check_image_sets, get_extractor
from keras_gans.evaluation.metrics.frechet import FeatureStats, covariance_warning, fid_from_stats
from keras_gans.evaluation.metrics.inception_score import inception_score_from_logits
from keras_gans.evaluation.metrics.kid import kid_from_features
from keras_gans.evaluation.metrics.precision_recall import (DENSITY_COVERAGE_K, KNN_METRICS, PRECISION_RECALL_K,
                                                            check_sizes, knn_ks, prdc_from_features)

#: metric names that :func:`evaluate_samples` and ``keras-gans evaluate --metrics`` know
METRIC_NAMES = ("fid", "kid", "is", "memorization") + KNN_METRICS
#: the metrics computed from the real and generated features alone
FEATURE_METRICS = ("fid", "kid") + KNN_METRICS


def parse_metric_names(spec):
    """``"fid,kid"`` (or a list) -> ``["fid", "kid"]``; ``ValueError`` naming any unknown metric."""
    names = [n.strip().lower() for n in (spec.split(",") if isinstance(spec, str) else spec) if n.strip()]
    unknown = [n for n in names if n not in METRIC_NAMES]
    if unknown or not names:
        raise ValueError(f"unknown metric name(s) {unknown or spec!r}; expected a comma-separated subset of "
                         f"{', '.join(METRIC_NAMES)}")
    return list(dict.fromkeys(names))


def balanced_labels(num, num_classes):
    """``0, 1, ..., K-1, 0, 1, ...``: equal class counts, like the Fashion-MNIST test split."""
    return (np.arange(num) % num_classes).astype("int32")


def evaluate_samples(generated, real, metrics=("fid", "kid"), extractor=None, logits=None, train=None,
                     memorization_png=None, batch_size=200, kid_subsets=100, kid_subset_size=1000,
                     is_splits=10, seed=0, precision_recall_k=PRECISION_RECALL_K,
                     density_coverage_k=DENSITY_COVERAGE_K):
    """Metrics of ``generated`` images against ``real`` ones, as a list of table rows.

    Each row: ``{"metric", "value", "std", "num_generated", "num_real", "features"}``.
    ``logits``: the logits extractor for ``"is"`` (default: the shipped classifier's logits);
    ``train``: the training images, needed for ``"memorization"`` (``real`` are then its test
    images), whose rows are the median nearest-neighbour distance ratios and copy fractions.
    ``"precision"``, ``"recall"`` (k = ``precision_recall_k``), ``"density"`` and ``"coverage"``
    (k = ``density_coverage_k``) rows carry their ``k`` in a column of that name.
    """
    from keras_gans.evaluation.metrics.features import classifier_logits
    from keras_gans.evaluation.metrics.memorization import memorization_report

    metrics = parse_metric_names(metrics)
    ks = knn_ks(metrics, precision_recall_k, density_coverage_k)
    generated, real = check_image_sets(generated, real)
    check_sizes(ks, len(real), len(generated))
    extractor = get_extractor(extractor)
    rows = []

    def row(metric, value, std=float("nan"), features=extractor.name, **extra):
        rows.append({"metric": metric, "value": float(value), "std": float(std), "num_generated": len(generated),
                     "num_real": len(real), "features": features, **extra})

    if set(metrics) & set(FEATURE_METRICS):
        fake_f = extractor.extract(generated, batch_size, "generated images")
        real_f = extractor.extract(real, batch_size, "real images")
        if "fid" in metrics:
            row("fid", fid_from_stats(FeatureStats.from_features(real_f), FeatureStats.from_features(fake_f)))
        if "kid" in metrics:
            row("kid", *kid_from_features(real_f, fake_f, kid_subsets, kid_subset_size, seed))
        if ks:
            values = prdc_from_features(real_f, fake_f, list(ks), precision_recall_k, density_coverage_k)
            for metric in metrics:
                if metric in ks:
                    row(metric, values[metric], k=ks[metric])
    if "is" in metrics:
        logits = logits if logits is not None else classifier_logits()
        row("is", *inception_score_from_logits(logits.extract(generated, batch_size), is_splits), features=logits.name)
    if "memorization" in metrics:
        if train is None:
            raise ValueError("the memorization check needs the training images (train=...)")
        report = memorization_report(generated, train, real, extractor, out_png=memorization_png,
                                     batch_size=batch_size)
        for space in ("pixel", "feature"):
            r = report[space]
            feats = "pixels" if space == "pixel" else extractor.name
            row(f"memorization_{space}_nn_median", r["generated"]["median"], features=feats,
                reference=r["test"]["median"])
            row(f"memorization_{space}_ratio", r["ratio"], features=feats)
            row(f"memorization_{space}_copies", r["copies"], features=feats)
    return rows


class EvaluateEvery(keras.callbacks.Callback):
    """FID and KID (or any of :data:`FEATURE_METRICS`) of ``num_samples`` generated images against
    ``real_images`` every ``every`` epochs.

    Adds ``fid`` and ``kid`` (and ``precision``, ``recall``, ``density``, ``coverage`` when asked)
    to the epoch logs (NaN on epochs it skips, so CSVLogger keeps one column each), where
    ``ModelCheckpoint(monitor="fid", mode="min")``, ``EarlyStopping`` and keras-tuner see them; put
    it before those callbacks. The latents come from a fixed ``seed`` so successive evaluations
    differ only by the training in between. Conditional models get balanced labels.
    """

    def __init__(self, real_images, every=1, num_samples=1000, metrics=("fid", "kid"), extractor=None,
                 seed=0, batch_size=200, kid_subset_size=1000, kid_subsets=10, precision_recall_k=PRECISION_RECALL_K,
                 density_coverage_k=DENSITY_COVERAGE_K):
        super().__init__()
        if int(every) < 1 or int(num_samples) < 2:
            raise ValueError(f"every must be >= 1 and num_samples >= 2, got {every} and {num_samples}")
        self.names = [n for n in parse_metric_names(metrics)]
        if not set(self.names) <= set(FEATURE_METRICS):
            raise ValueError(f"EvaluateEvery computes {', '.join(FEATURE_METRICS)}, got {self.names}")
        self.ks = knn_ks(self.names, precision_recall_k, density_coverage_k)
        self.precision_recall_k, self.density_coverage_k = precision_recall_k, density_coverage_k
        check_sizes({m: k for m, k in self.ks.items() if m == "recall"}, 1, int(num_samples))
        self.real_images = real_images
        self.every, self.num_samples, self.seed, self.batch_size = int(every), int(num_samples), seed, batch_size
        self.kid_subset_size, self.kid_subsets = kid_subset_size, kid_subsets
        self.extractor = get_extractor(extractor)
        self._real = None

    def on_train_begin(self, logs=None):
        if self._real is None:
            real = self.extractor.extract(self.real_images, self.batch_size, "real images")
            check_sizes(self.ks, len(real), self.num_samples)
            if "fid" in self.names:
                covariance_warning(min(len(real), self.num_samples), self.extractor.feature_dim)
            self._real = (real, FeatureStats.from_features(real))

    def evaluate(self):
        model = self.model
        labels = balanced_labels(self.num_samples, model.num_classes) if getattr(model, "num_classes", None) else None
        fake = self.extractor.extract(model.generate(self.num_samples, seed=self.seed, labels=labels), self.batch_size)
        real, real_stats = self._real
        out = {}
        if "fid" in self.names:
            out["fid"] = fid_from_stats(real_stats, FeatureStats.from_features(fake))
        if "kid" in self.names:
            out["kid"] = kid_from_features(real, fake, self.kid_subsets, self.kid_subset_size, self.seed)[0]
        if self.ks:
            out.update(prdc_from_features(real, fake, list(self.ks), self.precision_recall_k, self.density_coverage_k))
        return out

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        if (epoch + 1) % self.every == 0:
            logs.update(self.evaluate())
        else:
            logs.update({name: math.nan for name in self.names})
