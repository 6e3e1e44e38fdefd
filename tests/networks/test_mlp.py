"""The original GAN's MLP networks: the authors' initial weight ranges and D's [0, 1] input."""

import numpy as np
import pytest

from keras_gans.networks import build_mlp_discriminator, build_mlp_generator


def _kernels(model):
    return {w.path: np.asarray(w) for w in model.weights if w.path.endswith("kernel")}


@pytest.mark.parametrize("build, irange", [(build_mlp_generator, 0.05), (build_mlp_discriminator, 0.005)])
def test_weights_start_uniform_in_the_authors_irange(build, irange):
    for num_classes in (None, 10):
        kernels = _kernels(build(num_classes=num_classes))
        assert len(kernels) >= 3
        for path, kernel in kernels.items():
            assert np.abs(kernel).max() <= irange, path
            assert np.abs(kernel).max() > 0.9 * irange, path  # uniform over the range, not a narrower law
        firsts = [k.ravel()[:50] for k in kernels.values()]
        assert not any(np.array_equal(firsts[0], f) for f in firsts[1:])  # a fresh draw per layer


def test_glorot_start_and_bad_irange():
    kernel = _kernels(build_mlp_discriminator(irange=None))["maxout_0/linear/kernel"]
    assert np.abs(kernel).max() > 0.05  # Glorot's limit sqrt(6 / (784 + 1200)) = 0.055
    with pytest.raises(ValueError, match="irange must be a positive number"):
        build_mlp_generator(irange=0)


def test_discriminator_reads_pixels_in_the_unit_range():
    d = build_mlp_discriminator(input_dropout=0.0)
    images = np.random.default_rng(0).uniform(-1, 1, (3, 28, 28, 1)).astype("float32")
    scaled = d.get_layer("to_unit_range")(images.reshape(3, -1))
    np.testing.assert_allclose(np.asarray(scaled), (images.reshape(3, -1) + 1) / 2, atol=1e-7)
