import numpy as np
import pytest

from keras_gans.evaluation.metrics import classifier_features, fid, get_extractor, inception_features, parse_metric_names
from keras_gans.evaluation.metrics.features import FeatureExtractor


def test_inception_extractor_shapes_with_random_weights():
    extractor = inception_features(weights=None)
    assert extractor.input_shape == (299, 299, 3) and extractor.feature_dim == 2048
    images = np.random.default_rng(0).uniform(-1, 1, size=(2, 28, 28, 1)).astype("float32")
    assert extractor.extract(images).shape == (2, 2048)  # resized to 299 and grey -> RGB


def test_classifier_extractor_uses_the_named_layer(tiny_classifier, fashion):
    extractor = classifier_features(tiny_classifier)
    assert extractor.feature_dim == 16 and extractor.name.endswith(":features")
    assert extractor.extract(fashion[0][:10]).shape == (10, 16)
    assert classifier_features(tiny_classifier, layer="gap").feature_dim == 16  # 4 * width
    # uint8 images are scaled to [-1, 1] first: the same features
    uint8 = np.round((fashion[0][:10] + 1) * 127.5).astype("uint8")
    np.testing.assert_allclose(extractor.extract(uint8), extractor.extract(fashion[0][:10]), atol=1e-4)


def test_classifier_without_the_layer_is_a_clear_error(tiny_classifier):
    with pytest.raises(ValueError, match="no layer named 'penultimate'.*'features'"):
        classifier_features(tiny_classifier, layer="penultimate")


def test_missing_classifier_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no classifier file"):
        classifier_features(tmp_path / "none.keras")
    with pytest.raises(ValueError, match="unknown feature extractor"):
        get_extractor(3)


def test_sets_with_different_shapes_are_an_error(tiny_extractor):
    a, b = np.zeros((10, 28, 28, 1), "float32"), np.zeros((10, 32, 32, 1), "float32")
    with pytest.raises(ValueError, match=r"shape \(28, 28, 1\).*\(32, 32, 1\)"):
        fid(a, b, tiny_extractor)


def test_sets_with_different_value_ranges_are_an_error(fashion, tiny_extractor):
    real = fashion[0][:50]
    with pytest.raises(ValueError, match=r"float values in \[0, 255\]"):
        fid(real, (real + 1) * 127.5, tiny_extractor)
    with pytest.raises(ValueError, match="different value ranges"):
        fid(real, (real + 1) / 2, tiny_extractor)  # [0, 1] next to [-1, 1]
    with pytest.raises(ValueError, match="NaN"):
        fid(real, np.full_like(real, np.nan), tiny_extractor)


def test_unknown_metric_names():
    assert parse_metric_names("fid, KID,is") == ["fid", "kid", "is"]
    with pytest.raises(ValueError, match=r"unknown metric name\(s\) \['inception', 'ssim'\]"):
        parse_metric_names("fid,inception,ssim")


def test_extractor_needs_a_fixed_input():
    import keras

    inputs = keras.Input((None, None, 1))
    with pytest.raises(ValueError, match="fixed"):
        FeatureExtractor(keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(inputs)))


def test_the_default_classifier_is_package_data(monkeypatch):
    """Regression: the default was looked up beside the source tree (``parents[3] / "savedmodels"``), so a
    non-editable install looked in ``site-packages/savedmodels/`` and could not evaluate."""
    from pathlib import Path

    import keras_gans
    from keras_gans.evaluation.metrics.features import CLASSIFIER_ENV_VAR, default_classifier_path

    monkeypatch.delenv(CLASSIFIER_ENV_VAR, raising=False)
    path = default_classifier_path()
    assert path.is_file() and Path(keras_gans.__file__).resolve().parent in path.resolve().parents
    assert classifier_features().feature_dim == 128
