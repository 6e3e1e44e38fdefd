import numpy as np
import pytest
import scipy.linalg

from keras_gans.evaluation.metrics import FID, FeatureStats, fid, fid_from_features, frechet_distance


def _random_gaussian(rng, d):
    a = rng.normal(size=(d, d))
    return rng.normal(size=d), a @ a.T + 0.1 * np.eye(d)


def _scipy_frechet(mu1, c1, mu2, c2):
    """The textbook formula with scipy's general matrix square root."""
    covmean = scipy.linalg.sqrtm(c1 @ c2).real
    return np.sum((mu1 - mu2) ** 2) + np.trace(c1 + c2 - 2 * covmean)


@pytest.mark.parametrize("d", [1, 4, 32])
def test_frechet_distance_matches_scipy(d):
    rng = np.random.default_rng(d)
    (mu1, c1), (mu2, c2) = _random_gaussian(rng, d), _random_gaussian(rng, d)
    assert frechet_distance(mu1, c1, mu2, c2) == pytest.approx(_scipy_frechet(mu1, c1, mu2, c2), rel=1e-8)


def test_frechet_distance_closed_form_for_diagonal_gaussians():
    # N(mu1, diag(s1^2)) vs N(mu2, diag(s2^2)): ||mu1 - mu2||^2 + sum (s1 - s2)^2
    mu1, mu2, s1, s2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0]), np.array([1.0, 2.0, 3.0]), np.ones(3)
    expected = 1 + 0 + 4 + (0 + 1 + 4)
    assert frechet_distance(mu1, np.diag(s1**2), mu2, np.diag(s2**2)) == pytest.approx(expected, rel=1e-10)


def test_sample_fid_converges_to_the_gaussians_distance():
    rng = np.random.default_rng(0)
    (mu1, c1), (mu2, c2) = _random_gaussian(rng, 4), _random_gaussian(rng, 4)
    x = rng.multivariate_normal(mu1, c1, size=200_000)
    y = rng.multivariate_normal(mu2, c2, size=200_000)
    assert fid_from_features(x, y) == pytest.approx(_scipy_frechet(mu1, c1, mu2, c2), rel=0.02)


def test_streaming_statistics_equal_numpy():
    x = np.random.default_rng(1).normal(size=(1000, 6)) * 3 + 1
    stats = FeatureStats()
    for batch in np.array_split(x, 7):
        stats.update(batch)
    np.testing.assert_allclose(stats.mean, x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(stats.covariance, np.cov(x, rowvar=False), rtol=1e-9)


def test_identical_sets_give_zero(fashion, tiny_extractor):
    images = fashion[0][:300]
    assert abs(fid(images, images, tiny_extractor)) < 1e-6
    # and two different real sets do not
    assert fid(images, fashion[0][300:], tiny_extractor) > 1e-4


def test_too_few_samples_warns_with_the_numbers():
    x = np.random.default_rng(2).normal(size=(20, 32))
    with pytest.warns(UserWarning, match="20 samples of 32-d features"):
        fid_from_features(x, x + 1)


def test_mismatched_gaussians_are_an_error():
    with pytest.raises(ValueError, match="mismatched Gaussians"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(2), np.eye(2))


def test_keras_metric_streams_to_the_same_value(fashion, tiny_classifier, tiny_extractor):
    real, fake = fashion[0][:256], np.flip(fashion[0][256:512], axis=2)
    metric = FID(tiny_classifier)
    for start in range(0, 256, 64):
        metric.update_state(real[start : start + 64], fake[start : start + 64])
    assert float(metric.result()) == pytest.approx(fid(real, fake, tiny_extractor), rel=1e-4)
    metric.reset_state()
    metric.update_state(real[:128], real[:128])
    assert abs(float(metric.result())) < 1e-4
    assert FID.from_config(metric.get_config()).get_config()["extractor"] == tiny_classifier
