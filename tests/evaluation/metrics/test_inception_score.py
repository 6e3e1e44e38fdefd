import numpy as np
import pytest
from scipy.special import softmax
from scipy.stats import entropy

from keras_gans.evaluation.metrics import inception_score, inception_score_from_logits


def test_uniform_predictions_score_one():
    assert inception_score_from_logits(np.zeros((100, 10)), splits=5) == (pytest.approx(1.0), pytest.approx(0.0))
    # equal logits within each row (any value) are uniform predictions too
    logits = np.repeat(np.random.default_rng(0).normal(size=(50, 1)), 7, axis=1)
    assert inception_score_from_logits(logits, splits=1)[0] == pytest.approx(1.0)


def test_confident_predictions_spread_over_k_classes_score_k():
    logits = np.eye(10)[np.arange(1000) % 10] * 50
    assert inception_score_from_logits(logits, splits=10)[0] == pytest.approx(10.0, rel=1e-6)


def test_matches_the_definition():
    logits = np.random.default_rng(1).normal(size=(300, 6)) * 2
    p = softmax(logits, axis=1)
    expected = [np.exp(np.mean([entropy(row, part.mean(0)) for row in part])) for part in np.array_split(p, 3)]
    mean, std = inception_score_from_logits(logits, splits=3)
    assert mean == pytest.approx(np.mean(expected), rel=1e-9) and std == pytest.approx(np.std(expected), rel=1e-9)


def test_images_through_a_classifier(fashion, tiny_classifier):
    mean, _ = inception_score(fashion[0][:100], tiny_classifier, splits=2)
    assert 1.0 <= mean <= 10.0


def test_bad_inputs():
    with pytest.raises(ValueError, match="splits=10"):
        inception_score_from_logits(np.zeros((5, 3)), splits=10)
    with pytest.raises(ValueError, match=r"\[N, K\] logits"):
        inception_score_from_logits(np.zeros(5))
