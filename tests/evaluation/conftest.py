"""A tiny random-weight classifier standing in for the shipped one (same layers, 16-d features)."""

import pytest


@pytest.fixture(scope="session")
def tiny_classifier(tmp_path_factory):
    """Path of a saved 28x28x1 classifier with a 16-d ``features`` layer (random weights)."""
    from keras_gans.networks.classifier import build_classifier

    path = tmp_path_factory.mktemp("classifier") / "tiny.keras"
    build_classifier(width=4, feature_dim=16, seed=1).save(path)
    return str(path)


@pytest.fixture(scope="session")
def tiny_extractor(tiny_classifier):
    from keras_gans.evaluation.metrics import classifier_features

    return classifier_features(tiny_classifier)
