"""Improved precision and recall (Kynkäänniemi et al. 2019), density and coverage (Naeem et al. 2020)."""

import numpy as np
import pytest
import tensorflow as tf

from keras_gans.evaluation.metrics import (KNN_METRICS, Coverage, Density, ImprovedPrecision, ImprovedRecall,
                                           density_coverage, density_coverage_from_features, precision_recall,
                                           precision_recall_from_features, prdc_from_features)

REAL_1D = np.array([[0.0], [1.0], [3.0], [7.0]])


def _brute_force(real, fake, pr_k, dc_k):
    """The papers' definitions written out on full distance matrices (exact squared differences)."""
    def sq(a, b):
        return ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)

    d_rr, d_ff, d_rf = sq(real, real), sq(fake, fake), sq(real, fake)
    # k-th nearest neighbour among the others: sorted row with the point itself (distance 0) first
    r_pr, r_dc, s_pr = np.sort(d_rr, 1)[:, pr_k], np.sort(d_rr, 1)[:, dc_k], np.sort(d_ff, 1)[:, pr_k]
    n, m = len(real), len(fake)
    precision = np.mean([any(d_rf[i, j] <= r_pr[i] for i in range(n)) for j in range(m)])
    recall = np.mean([any(d_rf[i, j] <= s_pr[j] for j in range(m)) for i in range(n)])
    density = sum(d_rf[i, j] < r_dc[i] for i in range(n) for j in range(m)) / (dc_k * m)
    coverage = np.mean([d_rf[i].min() < r_dc[i] for i in range(n)])
    return {"precision": precision, "recall": recall, "density": density, "coverage": coverage}


@pytest.mark.parametrize("row_batch_size", [1, 3, 1000])
def test_hand_checked_values_in_1d(row_batch_size):
    # real 0, 1, 3, 7 with k = 1: radii 1, 1, 2, 4 -> balls [-1, 1], [0, 2], [1, 5], [3, 11]
    # fake -1, 2, 4, 20, 21 with k = 1: radii 3, 2, 2, 1, 1 -> balls [-4, 2], [0, 4], [2, 6], [19, 21], [20, 22]
    fake = np.array([[-1.0], [2.0], [4.0], [20.0], [21.0]])
    out = prdc_from_features(REAL_1D, fake, precision_recall_k=1, density_coverage_k=1, row_batch_size=row_batch_size)
    assert out == {
        "precision": 3 / 5,  # -1 (on the edge of [-1, 1]: closed balls), 2, 4 inside; 20, 21 not
        "recall": 3 / 4,     # 0, 1, 3 inside the fake balls; 7 not
        "density": 3 / 5,    # open balls: 2 in (1, 5); 4 in (1, 5) and (3, 11); -1 and 2 only on edges
        "coverage": 2 / 4,   # 3 and 7 have a fake strictly inside their ball; 0 and 1 only on its edge
    }


def test_hand_checked_values_with_k_2():
    # real radii with k = 2: 3, 2, 3, 6 -> the ball of 7 reaches 13 (with k = 1 only 11)
    fake = np.array([[12.0], [14.0], [30.0]])  # fake radii with k = 2: 18, 16, 18 (k = 1: 2, 2, 16)
    assert precision_recall_from_features(REAL_1D, fake, k=2) == (1 / 3, 1.0)
    assert precision_recall_from_features(REAL_1D, fake, k=1) == (0.0, 0.0)
    # 12 lies in the open ball (1, 13) only; only 7's nearest fake (5 away) is inside its radius 6
    assert density_coverage_from_features(REAL_1D, fake, k=2) == (pytest.approx(1 / 6), 1 / 4)


@pytest.mark.parametrize("data", ["continuous", "integer"])
@pytest.mark.parametrize("pr_k, dc_k, row_batch_size", [(3, 5, 8), (1, 2, 1000), (4, 1, 13)])
def test_matches_the_definitions_on_random_data(data, pr_k, dc_k, row_batch_size):
    rng = np.random.default_rng(pr_k + 10 * dc_k)
    if data == "continuous":
        real, fake = rng.normal(size=(57, 5)), rng.normal(size=(43, 5)) * 1.3 + 0.3
    else:  # a 5 x 5 grid: many ties on ball edges and duplicates (zero radii), all exact in float64
        real, fake = rng.integers(0, 5, size=(57, 2)).astype(float), rng.integers(1, 6, size=(43, 2)).astype(float)
    out = prdc_from_features(real, fake, precision_recall_k=pr_k, density_coverage_k=dc_k,
                             row_batch_size=row_batch_size)
    expected = _brute_force(real, fake, pr_k, dc_k)
    assert out == pytest.approx(expected, abs=1e-12)
    assert 0 < out["precision"] < 1 and 0 < out["coverage"] < 1  # not a degenerate case


def test_identical_disjoint_and_collapsed_sets():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(300, 8))
    # identical sets: every point is inside its own ball; each real ball strictly holds itself and k - 1
    # others (its k-th neighbour sits on the edge of the open ball), so density is exactly 1, not (k + 1) / k
    assert prdc_from_features(real, real, row_batch_size=64) == {m: 1.0 for m in KNN_METRICS}
    # far apart: nothing in anything
    assert prdc_from_features(real, real + 100.0) == {m: 0.0 for m in KNN_METRICS}
    # mode collapse onto 4 real points: faithful but not diverse (recall: those 4 points at most; coverage:
    # the balls that reach one of them, 43 of 300 here, against about 97 % for a second sample of the same law)
    collapsed = np.repeat(real[:4], 75, axis=0) + rng.normal(size=(300, 8)) * 1e-3
    out = prdc_from_features(real, collapsed)
    assert out["precision"] == 1.0 and out["recall"] <= 4 / 300 and out["coverage"] < 0.2
    # and the mirror image (the real set collapsed) is diverse but not faithful
    p, r = precision_recall_from_features(collapsed, real)
    assert (p, r) == (out["recall"], out["precision"])


def test_two_samples_of_one_distribution_have_density_near_1():
    rng = np.random.default_rng(1)
    density, coverage = density_coverage_from_features(rng.normal(size=(1000, 4)), rng.normal(size=(1000, 4)))
    assert 0.9 < density < 1.1 and coverage > 0.95  # Naeem et al.: E[density] = 1, coverage 1 - 2^-k = 0.97
    shifted = density_coverage_from_features(rng.normal(size=(1000, 4)), rng.normal(size=(1000, 4)) + 1.0)
    assert shifted[0] < 0.7 and shifted[1] < 0.8


@pytest.mark.parametrize("call, message", [
    (lambda r, f: precision_recall_from_features(r, f, k=0), "k must be >= 1, got 0"),
    (lambda r, f: precision_recall_from_features(r, f, k=2.5), "k must be an integer >= 1"),
    (lambda r, f: precision_recall_from_features(r, f, k=float("inf")), "k must be an integer >= 1"),
    (lambda r, f: density_coverage_from_features(r, f, k=True), "k must be an integer >= 1"),
    (lambda r, f: precision_recall_from_features(r, f[:3], k=3), "recall with k = 3 needs more than 3 generated"),
    (lambda r, f: precision_recall_from_features(r[:3], f, k=3), "precision with k = 3 needs more than 3 real"),
    (lambda r, f: density_coverage_from_features(r[:5], f), "density with k = 5 needs more than 5 real"),
    (lambda r, f: prdc_from_features(r, f[:, :3]), "same D"),
    (lambda r, f: prdc_from_features(r[:, 0], f), r"expected \[N, D\] features"),
    (lambda r, f: prdc_from_features(r, np.where(f > 1, np.nan, f)), "NaN"),
    (lambda r, f: prdc_from_features(r, f, metrics=("precision", "fid")), r"unknown k-NN metric\(s\) \['fid'\]"),
    (lambda r, f: prdc_from_features(r, f, row_batch_size=0), "row_batch_size must be >= 1"),
])
def test_bad_arguments(call, message):
    rng = np.random.default_rng(2)
    with pytest.raises(ValueError, match=message):
        call(rng.normal(size=(20, 4)), rng.normal(size=(20, 4)))


def test_density_and_coverage_need_only_one_generated_feature():
    # 3.5 lies in the open balls (1, 5) and (3, 11): density 2 / k (above 1), and it covers the real 3 and 7
    assert density_coverage_from_features(REAL_1D, np.array([[3.5]]), k=1) == (2.0, 0.5)


METRIC_CLASSES = {"precision": ImprovedPrecision, "recall": ImprovedRecall, "density": Density, "coverage": Coverage}


def test_metric_classes_match_the_functions(fashion, tiny_classifier, tiny_extractor):
    real, fake = fashion[0][:150], np.clip(fashion[0][150:300] * 0.8 + 0.1, -1, 1)
    metrics = {name: cls(tiny_classifier, max_samples=100, row_batch_size=32) for name, cls in METRIC_CLASSES.items()}
    for metric in metrics.values():
        for start in range(0, 150, 64):
            metric.update_state(real[start : start + 64], fake[start : start + 64])
    values = {name: float(m.result()) for name, m in metrics.items()}
    assert [m.k for m in metrics.values()] == [3, 3, 5, 5]
    # the very features the metric kept (the first 100 of each set), through the function
    (_, real_f), (_, fake_f) = metrics["precision"].buffered()
    assert values == pytest.approx(prdc_from_features(real_f.numpy(), fake_f.numpy()), abs=1e-6)
    # ... which are the extractor's features of the first 100 images; and the image-level functions agree
    np.testing.assert_allclose(real_f.numpy(), tiny_extractor.extract(real[:100]), rtol=1e-4, atol=1e-4)
    p, r = precision_recall(real[:100], fake[:100], tiny_extractor)
    d, c = density_coverage(real[:100], fake[:100], tiny_extractor)
    assert (p, r, d, c) == pytest.approx(tuple(values.values()), abs=0.021)  # a tie flipped by float32 rounding at most
    assert len(set(values.values())) == 4 and 0 < values["precision"] < 1
    # XLA-compiled (fixed-shape buffers, as fit's test step on a GPU compiles them), the same numbers
    compiled = tf.function(lambda: {name: m.result() for name, m in metrics.items()}, jit_compile=True)()
    assert {name: float(v) for name, v in compiled.items()} == pytest.approx(values)


def test_metric_is_nan_until_the_sets_are_large_enough_and_round_trips(fashion, tiny_classifier):
    images = fashion[0][:8]
    recall = ImprovedRecall(tiny_classifier, k=4, max_samples=6, name="recall_k4")
    recall.update_state(images[:4], images[:4])  # 4 generated images: no 4th neighbour among the others
    assert np.isnan(float(recall.result()))
    recall.update_state(images[4:], images[4:])  # 2 more of each are kept, the last 2 dropped (max_samples)
    assert [int(c) for c, _ in recall.buffers.values()] == [6, 6]
    assert float(recall.result()) == 1.0  # identical sets: every real feature is inside its own ball
    recall.reset_state()
    assert np.isnan(float(recall.result()))
    config = recall.get_config()
    assert (config["k"], config["max_samples"], config["name"]) == (4, 6, "recall_k4")
    again = ImprovedRecall.from_config(config)
    assert (again.k, again.max_samples, again.extractor.feature_dim) == (4, 6, 16)
    with pytest.raises(ValueError, match="needs max_samples > 5"):
        Density(tiny_classifier, max_samples=5)
    with pytest.raises(ValueError, match="k must be >= 1"):
        Coverage(tiny_classifier, k=0)
