"""Evaluation of generative models: FID, KID, Inception score, improved precision and recall, density and
coverage, memorisation check, Parzen likelihood, and GAM (two GANs judging each other, :func:`gam`).

Functions take image sets (arrays in [-1, 1] or uint8, ``tf.data`` datasets or iterables of
batches) and a feature extractor (default: the shipped Fashion-MNIST classifier's 128-d features;
``"inception"`` for InceptionV3's 2048-d pool features, ImageNet weights downloaded on first use).
``FID``, ``KID``, ``ImprovedPrecision``, ``ImprovedRecall``, ``Density`` and ``Coverage`` are
``keras.metrics.Metric`` objects for ``compile(metrics=...)`` (logs ``val_fid``, ``val_kid``,
``val_precision``, ... during ``fit(..., validation_data=...)``), :class:`EvaluateEvery` a callback.
"""

from keras_gans.evaluation.metrics.features import (
    FeatureExtractor,
    classifier_features,
    classifier_logits,
    default_classifier_path,
    get_extractor,
    inception_features,
    inception_logits,
)
from keras_gans.evaluation.metrics.evaluation import METRIC_NAMES, EvaluateEvery, evaluate_samples, parse_metric_names
from keras_gans.evaluation.metrics.gam import GAMResult, gam
from keras_gans.evaluation.metrics.frechet import FID, FeatureStats, feature_statistics, fid, fid_from_features, frechet_distance
from keras_gans.evaluation.metrics.inception_score import inception_score, inception_score_from_logits
from keras_gans.evaluation.metrics.kid import KID, kid, kid_from_features, mmd2_unbiased
from keras_gans.evaluation.metrics.memorization import memorization_report, nearest_neighbours
from keras_gans.evaluation.metrics.parzen import parzen_evaluate, parzen_log_likelihood, select_bandwidth
from keras_gans.evaluation.metrics.precision_recall import (
    KNN_METRICS,
    Coverage,
    Density,
    ImprovedPrecision,
    ImprovedRecall,
    density_coverage,
    density_coverage_from_features,
    precision_recall,
    precision_recall_from_features,
    prdc_from_features,
)

__all__ = [
    "GAMResult",
    "gam",
    "METRIC_NAMES",
    "EvaluateEvery",
    "evaluate_samples",
    "parse_metric_names",
    "memorization_report",
    "nearest_neighbours",
    "parzen_evaluate",
    "parzen_log_likelihood",
    "select_bandwidth",
    "FID",
    "KID",
    "KNN_METRICS",
    "Coverage",
    "Density",
    "ImprovedPrecision",
    "ImprovedRecall",
    "density_coverage",
    "density_coverage_from_features",
    "precision_recall",
    "precision_recall_from_features",
    "prdc_from_features",
    "FeatureExtractor",
    "FeatureStats",
    "classifier_features",
    "classifier_logits",
    "default_classifier_path",
    "feature_statistics",
    "fid",
    "fid_from_features",
    "frechet_distance",
    "get_extractor",
    "inception_features",
    "inception_logits",
    "inception_score",
    "inception_score_from_logits",
    "kid",
    "kid_from_features",
    "mmd2_unbiased",
]
