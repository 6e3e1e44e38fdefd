import keras
import numpy as np
import pytest

from keras_gans.layers import AdaIN, ReflectionPadding2D
from keras_gans.layers.adain import mean_std


def _features(seed, shape, scale, shift):
    rng = np.random.default_rng(seed)
    return (rng.gamma(2.0, 1.0, size=shape) * scale + shift).astype("float32")


def test_output_has_the_styles_per_channel_mean_and_std():
    content = _features(0, (3, 10, 12, 8), scale=np.linspace(0.5, 5, 8), shift=np.linspace(-3, 3, 8))
    style = _features(1, (3, 7, 5, 8), scale=np.linspace(4, 0.3, 8), shift=np.linspace(10, -2, 8))  # other size
    out = np.asarray(AdaIN()([content, style]))
    assert out.shape == content.shape
    np.testing.assert_allclose(out.mean(axis=(1, 2)), style.mean(axis=(1, 2)), atol=2e-5)
    # σ = sqrt(var + ε), ε = 1e-5, on both sides: the output std is σ_ε(y) · std(x) / σ_ε(x) exactly ...
    eps = 1e-5
    expected = np.sqrt(style.var(axis=(1, 2)) + eps) * content.std(axis=(1, 2)) / np.sqrt(content.var(axis=(1, 2)) + eps)
    np.testing.assert_allclose(out.std(axis=(1, 2)), expected, rtol=2e-6)
    # ... which is the style's std to ε / (2 var) relative (var >= 0.1 here: 5e-5)
    np.testing.assert_allclose(out.std(axis=(1, 2)), style.std(axis=(1, 2)), rtol=5e-5)
    # and without epsilon it is the plain std to float32 rounding
    exact = np.asarray(AdaIN(epsilon=0.0)([content, style]))
    np.testing.assert_allclose(exact.std(axis=(1, 2)), style.std(axis=(1, 2)), rtol=2e-6)
    # the normalized content pattern is kept: per example/channel an increasing affine map of the content
    corr = np.corrcoef(out[0, ..., 0].ravel(), content[0, ..., 0].ravel())[0, 1]
    assert corr == pytest.approx(1.0, abs=1e-6)


def test_constant_content_is_finite_and_has_no_weights():
    layer = AdaIN()
    out = np.asarray(layer([np.full((1, 4, 4, 2), 3.0, "float32"), _features(2, (1, 4, 4, 2), 1.0, 0.0)]))
    assert np.all(np.isfinite(out)) and layer.weights == []


def test_mean_std_matches_numpy():
    x = _features(3, (2, 6, 6, 4), 2.0, 1.0)
    mean, std = mean_std(x, epsilon=1e-5)
    np.testing.assert_allclose(mean, x.mean(axis=(1, 2)), rtol=1e-6)
    np.testing.assert_allclose(std, np.sqrt(x.var(axis=(1, 2)) + 1e-5), rtol=1e-5)


def test_layers_serialize_inside_a_saved_model(tmp_path):
    content = keras.Input((None, None, 4))
    style = keras.Input((None, None, 4))
    out = AdaIN(epsilon=1e-3, name="adain")([ReflectionPadding2D(((1, 2), (0, 3)), name="pad")(content), style])
    model = keras.Model([content, style], out)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.get_layer("adain").epsilon == 1e-3
    assert loaded.get_layer("pad").padding == ((1, 2), (0, 3))
    x, y = _features(4, (2, 5, 5, 4), 1.0, 0.0), _features(5, (2, 3, 3, 4), 2.0, 1.0)
    np.testing.assert_allclose(loaded([x, y]), model([x, y]), rtol=1e-6)


def test_reflection_padding_is_numpys_reflect():
    x = _features(6, (2, 4, 5, 3), 1.0, 0.0)
    out = np.asarray(ReflectionPadding2D(((1, 2), (3, 0)))(x))
    np.testing.assert_array_equal(out, np.pad(x, [(0, 0), (1, 2), (3, 0), (0, 0)], mode="reflect"))
    assert ReflectionPadding2D(1).compute_output_shape((None, 8, None, 3)) == (None, 10, None, 3)
    with pytest.raises(ValueError, match="padding must be"):
        ReflectionPadding2D(((1, 2, 3), (0, 0)))
