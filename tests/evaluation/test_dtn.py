"""The paper's DTN evaluation: transfer accuracy, domain adaptation, the untrained baseline."""

import numpy as np
import pytest

from keras_gans import DTN
from keras_gans.datasets import load_handwritten_digits, load_printed_digits
from keras_gans.evaluation import classifier_accuracy, evaluate_dtn, train_classifier, untrained_copy
from keras_gans.networks import build_dtn_classifier


@pytest.fixture(scope="module")
def data():
    source, source_labels = load_printed_digits("test", num=60, seed=0)
    target, target_labels = load_handwritten_digits("train")
    return source, source_labels, target[:300], target_labels[:300]


@pytest.mark.slow
def test_classifier_learns_real_handwritten_digits():
    train, labels = load_handwritten_digits("train")
    test, test_labels = load_handwritten_digits("test")
    classifier = train_classifier(train, labels, epochs=3, batch_size=64, filters=8, seed=0)
    assert classifier_accuracy(classifier, test, test_labels) > 0.6  # chance is 0.1


def test_evaluate_dtn_reports_both_accuracies_and_the_baseline_shares_f(data):
    source, source_labels, target, target_labels = data
    model = DTN(representation_dim=16, f_filters=4, g_filters=4, d_filters=4, seed=0)
    target_classifier = build_dtn_classifier((32, 32, 1), filters=4, representation_dim=8)  # untrained is enough here
    result = evaluate_dtn(model, target_classifier, source, source_labels, source, source_labels, target,
                          target_labels, epochs=1, batch_size=30)
    assert set(result) == {"transfer_accuracy", "domain_adaptation_accuracy"}
    assert all(0.0 <= v <= 1.0 for v in result.values())
    # transfer accuracy is exactly the classifier's accuracy on G(source)
    assert result["transfer_accuracy"] == classifier_accuracy(target_classifier, model.translate(source),
                                                              source_labels)
    baseline = untrained_copy(model, seed=1)
    assert baseline.encoder is model.encoder
    fresh = [np.array_equal(a, b) for a, b in zip(baseline.generator.get_weights(), model.generator.get_weights())]
    assert not all(fresh)  # a freshly initialised g (other seed), the same f
    assert (baseline.alpha, baseline.target_shape) == (model.alpha, model.target_shape)


def test_missing_labels_are_clear_errors(data):
    source, source_labels, target, target_labels = data
    model = DTN(representation_dim=16, f_filters=4, g_filters=4, d_filters=4)
    classifier = build_dtn_classifier((32, 32, 1), filters=4, representation_dim=8)
    with pytest.raises(ValueError, match="needs the source test images' labels"):
        evaluate_dtn(model, classifier, source, None)
    with pytest.raises(ValueError, match="domain-adaptation accuracy needs source_train_labels, target_test_labels"):
        evaluate_dtn(model, classifier, source, source_labels, source, None, target, None)
    with pytest.raises(ValueError, match="needs labels"):
        train_classifier(target, None)
