"""Latent vector arithmetic: group means by index or label, expressions, the rendered rows."""

import numpy as np
import pytest

from keras_gans.latent.arithmetic import arithmetic, arithmetic_grid, combine, group_mean, parse_expression


def test_groups_by_index_and_by_label():
    latents = np.arange(12, dtype="float32").reshape(6, 2)
    labels = np.array([0, 1, 0, 1, 2, 2])
    np.testing.assert_array_equal(group_mean(latents, [0, 2]), (latents[0] + latents[2]) / 2)
    np.testing.assert_array_equal(group_mean(latents, {"label": 1}, labels), (latents[1] + latents[3]) / 2)
    terms = parse_expression("0,2 - label=1 + 4")
    assert terms == [(1.0, [0, 2]), (-1.0, {"label": 1}), (1.0, [4])]
    np.testing.assert_allclose(combine(latents, terms, labels),
                               (latents[0] + latents[2]) / 2 - (latents[1] + latents[3]) / 2 + latents[4])
    with pytest.raises(ValueError, match="no sample has label 7"):
        group_mean(latents, {"label": 7}, labels)
    with pytest.raises(ValueError, match="needs the samples' labels"):
        group_mean(latents, {"label": 1})
    with pytest.raises(ValueError, match=r"indices must be in \[0, 6\)"):
        group_mean(latents, [6])
    with pytest.raises(ValueError, match="cannot parse"):
        parse_expression("0,a - 1")


def test_rendered_rows(tiny_dcgan):
    z, rows = arithmetic(tiny_dcgan, parse_expression("0,1,2 - 3,4,5 + 6,7,8"), num=9, seed=4, variations=3)
    latents = tiny_dcgan.latent_for_seed(9, 4).numpy()
    np.testing.assert_allclose(z, latents[0:3].mean(0) - latents[3:6].mean(0) + latents[6:9].mean(0), atol=1e-6)
    assert [len(r) for r in rows] == [4, 4, 4, 4]  # 3 samples + their mean per term; result + 3 variations
    np.testing.assert_allclose(rows[0][:3], tiny_dcgan.generate(9, seed=4)[:3], atol=1e-5)
    assert arithmetic_grid(rows).shape == (4 * 30 + 2, 4 * 30 + 2, 1)
