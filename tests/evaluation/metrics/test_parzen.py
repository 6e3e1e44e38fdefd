import numpy as np
import pytest
from scipy.stats import multivariate_normal

from keras_gans.evaluation.metrics import parzen_evaluate, parzen_log_likelihood, select_bandwidth


def test_one_centre_is_a_gaussian_density():
    rng = np.random.default_rng(0)
    mu, x = rng.normal(size=(1, 6)), rng.normal(size=(20, 6))
    expected = multivariate_normal(mu[0], 0.3**2 * np.eye(6)).logpdf(x)
    np.testing.assert_allclose(parzen_log_likelihood(mu, x, 0.3, batch_size=7), expected, rtol=1e-10)


def test_mixture_of_centres():
    rng = np.random.default_rng(1)
    mu, x = rng.normal(size=(5, 3)), rng.normal(size=(4, 3))
    dens = np.mean([multivariate_normal(m, 0.5**2 * np.eye(3)).pdf(x) for m in mu], axis=0)
    np.testing.assert_allclose(parzen_log_likelihood(mu, x, 0.5), np.log(dens), rtol=1e-10)


def test_bandwidth_follows_the_spread_of_the_data():
    rng = np.random.default_rng(2)
    tight = [rng.normal(scale=0.1, size=(300, 2)) for _ in range(2)]
    wide = [rng.normal(scale=1.0, size=(300, 2)) for _ in range(2)]
    sigmas = np.logspace(-2, 1, 13)
    s_tight, scores = select_bandwidth(*tight, sigmas)
    s_wide, _ = select_bandwidth(*wide, sigmas)
    assert scores[s_tight] == max(scores.values()) and s_tight < s_wide


def test_evaluate_on_images(fashion):
    images = fashion[0]
    out = parzen_evaluate(images[:200], images[200:300], images[300:400])
    assert out["sigma"] in out["scores"] and np.isfinite(out["log_likelihood"]) and out["std_error"] > 0
    with pytest.raises(ValueError, match=r"float values"):
        parzen_evaluate(images[:10] * 255, images[:10], images[:10])
