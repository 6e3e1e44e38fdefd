import numpy as np
import pytest

from keras_gans.evaluation.metrics import KID, kid, kid_from_features, mmd2_unbiased


def _direct_mmd2(x, y):
    """The unbiased estimator written out with explicit sums over i != j."""
    k = lambda a, b: (a @ b / a.shape[0] + 1) ** 3  # noqa: E731
    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


def test_mmd2_matches_the_direct_sums():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(12, 5)), rng.normal(size=(9, 5)) + 0.5
    assert float(mmd2_unbiased(x, y)) == pytest.approx(_direct_mmd2(x, y), rel=1e-10)


def test_kid_is_unbiased_for_two_samples_of_one_distribution():
    # 40 independent pairs of samples from N(0, I): the unbiased estimates average to 0 within
    # 4 standard errors; the biased estimate (diagonal terms kept) does not, so the test can fail.
    rng = np.random.default_rng(1)
    unbiased, biased = [], []
    for _ in range(40):
        x, y = rng.normal(size=(100, 8)), rng.normal(size=(100, 8))
        unbiased.append(kid_from_features(x, y, num_subsets=1, subset_size=100)[0])
        k = lambda a, b: (a @ b.T / 8 + 1) ** 3  # noqa: E731
        biased.append(k(x, x).mean() + k(y, y).mean() - 2 * k(x, y).mean())
    se = np.std(unbiased) / np.sqrt(len(unbiased))
    assert abs(np.mean(unbiased)) < 4 * se
    assert np.mean(biased) > 4 * se + abs(np.mean(unbiased))


def test_kid_separates_different_distributions_and_reports_its_std():
    rng = np.random.default_rng(2)
    x, y, z = rng.normal(size=(600, 8)), rng.normal(size=(600, 8)), rng.normal(size=(600, 8)) + 0.5
    same_mean, same_std = kid_from_features(x, y, num_subsets=20, subset_size=300)
    diff_mean, diff_std = kid_from_features(x, z, num_subsets=20, subset_size=300)
    assert same_std > 0 and diff_std > 0
    assert abs(same_mean) < 3 * same_std
    assert diff_mean > 10 * diff_std


def test_kid_on_images_and_bad_arguments(fashion, tiny_extractor):
    mean, std = kid(fashion[0][:200], fashion[0][200:400], tiny_extractor, num_subsets=5, subset_size=100)
    assert np.isfinite(mean) and std > 0
    with pytest.raises(ValueError, match="at least 2 samples"):
        kid_from_features(np.zeros((1, 4)), np.zeros((5, 4)))
    with pytest.raises(ValueError, match="same D"):
        kid_from_features(np.zeros((5, 4)), np.zeros((5, 3)))


def test_keras_metric_keeps_max_samples_and_matches(fashion, tiny_classifier, tiny_extractor):
    real, fake = fashion[0][:160], fashion[0][160:320]
    metric = KID(tiny_classifier, max_samples=100)
    for start in range(0, 160, 64):
        metric.update_state(real[start : start + 64], fake[start : start + 64])
    expected = mmd2_unbiased(tiny_extractor.extract(real[:100]), tiny_extractor.extract(fake[:100]))
    assert float(metric.result()) == pytest.approx(float(expected), rel=1e-4, abs=1e-7)
