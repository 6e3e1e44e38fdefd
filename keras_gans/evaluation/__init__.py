"""Evaluation of trained models: image metrics (``evaluation.metrics``: FID, KID, Inception score,
memorisation, Parzen), the DTN paper's evaluation (``evaluation.dtn``, exported here), run tables
(``evaluation.results``) and keras-tuner search (``evaluation.tuning``, needs the ``tuner`` extra)."""

from keras_gans.evaluation.dtn import (classifier_accuracy, evaluate_dtn, train_classifier,
                                       untrained_copy)

__all__ = ["classifier_accuracy", "evaluate_dtn", "train_classifier", "untrained_copy"]
