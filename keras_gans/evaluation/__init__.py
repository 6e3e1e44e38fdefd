"""Evaluations of trained models as their papers report them."""

from keras_gans.evaluation.dtn import (classifier_accuracy, evaluate_dtn, train_classifier,
                                       untrained_copy)

__all__ = ["classifier_accuracy", "evaluate_dtn", "train_classifier", "untrained_copy"]
