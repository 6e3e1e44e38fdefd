import numpy as np
import pytest

from keras_gans.evaluation.metrics import memorization_report, nearest_neighbours


def test_nearest_neighbours_match_brute_force():
    rng = np.random.default_rng(0)
    q, r = rng.normal(size=(37, 5)), rng.normal(size=(50, 5))
    dist, idx = nearest_neighbours(q, r, batch_size=8)
    full = np.linalg.norm(q[:, None] - r[None], axis=-1)
    np.testing.assert_array_equal(idx, full.argmin(1))
    np.testing.assert_allclose(dist, full.min(1), rtol=1e-4, atol=1e-4)


def test_copies_are_detected_and_novel_samples_are_not(fashion, tiny_extractor, tmp_path):
    train, test = fashion[0][:300], fashion[0][300:450]
    copied = memorization_report(train[:50], train, test, tiny_extractor, out_png=tmp_path / "grid.png", num_show=4)
    assert copied["pixel"]["generated"]["median"] == pytest.approx(0.0, abs=1e-2)
    assert copied["pixel"]["copies"] == 1.0 and copied["pixel"]["ratio"] < 0.01
    assert copied["feature"]["copies"] == 1.0
    assert (tmp_path / "grid.png").stat().st_size > 0
    novel = memorization_report(fashion[0][450:512], train, test, tiny_extractor)
    assert 0.7 < novel["pixel"]["ratio"] < 1.4 and novel["pixel"]["copies"] < 0.1


def test_image_shapes_must_match(fashion, tiny_extractor):
    with pytest.raises(ValueError, match="test images"):
        memorization_report(fashion[0][:10], fashion[0][:20], np.zeros((5, 32, 32, 1), "float32"), tiny_extractor)
