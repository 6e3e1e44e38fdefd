"""Parzen-window log-likelihood, the measure of the original GAN paper (Goodfellow et al. 2014,
Section 5, after Breuleux et al. 2011).

A Gaussian kernel density with bandwidth σ is fitted to generated samples (flattened pixels scaled
to [0, 1], as in the paper's ``parzen_ll.py``), σ is chosen by maximising the likelihood of a
validation split, and the mean log-likelihood of held-out test images is reported with its
standard error.

**A weak measure**: it has high variance, needs very many samples in high dimensions, and a model
can score well while producing poor samples (Theis, van den Oord & Bethge 2016, "A note on the
evaluation of generative models"). Use it to compare with the 2014 paper, not to rank models.
"""

import numpy as np

from keras_gans.evaluation.metrics.features import as_float_images

#: the bandwidth grid of the paper's code (``numpy.logspace(-1, 0, 10)``)
DEFAULT_SIGMAS = tuple(np.logspace(-1.0, 0.0, 10))


def _flat01(images, name):
    x = as_float_images(images, name)
    return ((x + 1.0) / 2.0).reshape(len(x), -1).astype(np.float64)


def parzen_log_likelihood(samples, data, sigma, batch_size=100):
    """Per-example ``log p(x)`` of ``data`` under a Gaussian Parzen window on ``samples`` (both ``[N, D]``).

    ``log p(x) = logsumexp_i(-||x - μ_i||² / 2σ²) - log N - D/2 · log(2πσ²)``.
    """
    from scipy.special import logsumexp

    mu, x = np.asarray(samples, np.float64), np.asarray(data, np.float64)
    if mu.ndim != 2 or x.ndim != 2 or mu.shape[1] != x.shape[1]:
        raise ValueError(f"parzen_log_likelihood needs [N, D] and [M, D] arrays, got {mu.shape} and {x.shape}")
    if not sigma > 0:
        raise ValueError(f"sigma must be > 0, got {sigma}")
    n, d = mu.shape
    mu_sq = np.sum(mu**2, 1)
    out = []
    for start in range(0, len(x), batch_size):
        xb = x[start : start + batch_size]
        d2 = np.sum(xb**2, 1)[:, None] - 2.0 * xb @ mu.T + mu_sq[None, :]
        out.append(logsumexp(-np.maximum(d2, 0.0) / (2.0 * sigma**2), axis=1))
    return np.concatenate(out) - np.log(n) - 0.5 * d * np.log(2.0 * np.pi * sigma**2)


def select_bandwidth(samples, validation, sigmas=DEFAULT_SIGMAS):
    """``(best_sigma, {sigma: mean validation log-likelihood})`` over the grid ``sigmas``."""
    scores = {float(s): float(np.mean(parzen_log_likelihood(samples, validation, s))) for s in sigmas}
    return max(scores, key=scores.get), scores


def parzen_evaluate(generated, validation, test, sigmas=DEFAULT_SIGMAS):
    """Mean test log-likelihood (nats per image) under a Parzen window on ``generated`` images,
    with σ chosen on ``validation`` images: ``{"log_likelihood", "std_error", "sigma", "scores"}``."""
    g, v, t = (_flat01(x, name) for x, name in ((generated, "generated images"), (validation, "validation images"),
                                                 (test, "test images")))
    sigma, scores = select_bandwidth(g, v, sigmas)
    ll = parzen_log_likelihood(g, t, sigma)
    return {"log_likelihood": float(ll.mean()), "std_error": float(ll.std() / np.sqrt(len(ll))),
            "sigma": sigma, "scores": scores}
