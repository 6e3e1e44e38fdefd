"""GAM (Im et al. 2016, Section 4): the errors and ratios as defined, a model against itself gives 1 and 1, swapping
the models inverts the ratios, the decision rule, critics' fitted thresholds, and clear errors for models that
cannot battle."""

import keras
import numpy as np
import pytest

from keras_gans import ALI, DCGAN, EBGAN, GRAN, WGANGP, ConditionalGAN
from keras_gans.metrics import gam
from keras_gans.evaluation.metrics.gam import balanced_threshold, error_ratio, judge
from tests import model_checks as checks

SMALL = dict(image_shape=(28, 28, 1), g_filters=8, d_filters=8)


@pytest.fixture(scope="module")
def trained(fashion):
    """A DCGAN and a GRAN trained a few steps on real Fashion-MNIST (seeded here: a module fixture starts whenever
    the first test that needs it runs, which pytest-xdist decides)."""
    keras.utils.set_random_seed(0)
    return (checks.check_fit_finite(DCGAN, SMALL, fashion, batch=32, steps=4),
            checks.check_fit_finite(GRAN, dict(SMALL, num_steps=2, latent_dim=16), fashion, batch=32, steps=4))


def test_a_model_against_itself_is_one_and_one_and_a_tie(fashion, trained):
    dcgan, _ = trained
    result = gam(dcgan, dcgan, fashion[0][-200:], num_samples=100)
    assert result.names == ("DCGAN_a", "DCGAN_b")
    assert (result.r_test, result.r_samples, result.winner) == (1.0, 1.0, None)
    assert result.errors["DCGAN_a"] == result.errors["DCGAN_b"]
    assert result.verdict.startswith("tie")


def mean_pixel_discriminator(offset):
    """D(x) = mean(x) - offset: a judge whose errors can be computed by hand."""
    images = keras.Input((28, 28, 1))
    flat = keras.layers.Flatten()(images)
    dense = keras.layers.Dense(1, kernel_initializer=keras.initializers.Constant(1 / 784),
                               bias_initializer=keras.initializers.Constant(-offset))
    return keras.Model(images, dense(flat))


def test_errors_and_ratios_are_the_papers_definitions(fashion):
    """ε on test images = share of them called fake (logit <= 0); ε on samples = share of the other's samples called
    real; r_test = ε_a(test) / ε_b(test), r_samples = ε_a(G_b) / ε_b(G_a)."""
    a, b = judged_pair()  # generators whose mean pixel varies around the judges' offsets
    test = fashion[0][-300:]
    result = gam(a, b, test, num_samples=200, seed=5, names=("A", "B"), tolerance=np.inf)
    means = test.reshape(len(test), -1).mean(1)
    samples_a, samples_b = a.generate(200, seed=5), b.generate(200, seed=5)
    expected = {"A": {"test": np.mean(means - (-0.5) <= 0),
                      "samples": np.mean(samples_b.reshape(200, -1).mean(1) - (-0.5) > 0)},
                "B": {"test": np.mean(means - (-0.6) <= 0),
                      "samples": np.mean(samples_a.reshape(200, -1).mean(1) - (-0.6) > 0)}}
    for name in "AB":
        for kind in ("test", "samples"):
            assert result.errors[name][kind] == pytest.approx(expected[name][kind], abs=1 / 300), (name, kind)
    # a real test of the threshold: none of the four error rates is 0 or 1
    assert all(0 < expected[name][kind] < 1 for name in "AB" for kind in ("test", "samples")), expected
    assert result.r_test == pytest.approx(result.errors["A"]["test"] / result.errors["B"]["test"])
    assert result.r_samples == pytest.approx(result.errors["A"]["samples"] / result.errors["B"]["samples"])


def judged_pair():
    """Two DCGANs whose judges are mean-pixel discriminators and whose samples straddle them: every error rate is
    strictly between 0 and 1 (see test_errors_and_ratios_are_the_papers_definitions)."""
    a = DCGAN(**SMALL, discriminator=mean_pixel_discriminator(-0.5), seed=1)
    b = DCGAN(**SMALL, discriminator=mean_pixel_discriminator(-0.6), seed=2)
    for model, bias in ((a, -0.6), (b, -0.5)):
        layer = model.generator.get_layer("to_image")
        layer.kernel.assign(layer.kernel * 50.0)
        layer.bias.assign([np.arctanh(bias)])
    return a, b


def test_swapping_the_models_inverts_the_ratios(fashion):
    a, b = judged_pair()
    test = fashion[0][-300:]
    forward = gam(a, b, test, num_samples=200, seed=5, names=("A", "B"), tolerance=np.inf)
    backward = gam(b, a, test, num_samples=200, seed=5, names=("B", "A"), tolerance=np.inf)
    assert forward.errors == backward.errors  # each model's errors, whichever side it battles on
    assert all(0 < e < 1 for errors in forward.errors.values() for e in errors.values()), forward.errors
    assert forward.r_test == pytest.approx(1.0 / backward.r_test)
    assert forward.r_samples == pytest.approx(1.0 / backward.r_samples) and forward.r_samples != 1.0
    assert forward.winner == backward.winner is not None  # the same model wins from either side
    table = forward.table()
    assert list(table["model"]) == ["A", "B"]
    assert {"error_on_test", "error_on_other_samples", "threshold", "r_test", "r_samples", "winner"} <= set(table)


def test_the_decision_rule():
    assert judge(1.05, 0.5, ("A", "B"), 0.1)[0] == "A"
    assert judge(0.95, 2.0, ("A", "B"), 0.1)[0] == "B"
    winner, verdict = judge(1.5, 0.5, ("A", "B"), 0.1)  # the discriminators disagree on real data: no winner
    assert winner is None and "r_test = 1.5 is not within 0.1" in verdict
    assert judge(1.0, 1.0, ("A", "B"))[0] is None


def test_error_ratio_edge_cases():
    assert error_ratio(0.0, 0.0) == 1.0 and error_ratio(0.3, 0.3) == 1.0
    assert error_ratio(0.2, 0.0) == float("inf") and error_ratio(0.0, 0.2) == 0.0
    assert error_ratio(0.2, 0.4) == 0.5 and error_ratio(0.4, 0.2) == 2.0


def test_balanced_threshold_separates_two_sets():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(5.0, 1.0, 500), rng.normal(-3.0, 1.0, 500)
    t = balanced_threshold(real, fake)
    assert real.min() > t > fake.max() or abs(t - 1.0) < 1.5
    assert np.mean(real > t) + np.mean(fake <= t) >= 1.99
    # overlapping sets: the best balanced accuracy, checked against a brute-force scan
    real, fake = rng.normal(1.0, 1.0, 300), rng.normal(0.0, 1.0, 300)
    t = balanced_threshold(real, fake)
    grid = np.linspace(-4, 5, 4001)
    best = max(np.mean(real > g) + np.mean(fake <= g) for g in grid)
    assert np.mean(real > t) + np.mean(fake <= t) >= best - 1e-12


def test_a_critic_battles_with_a_fitted_threshold(fashion, trained):
    dcgan, _ = trained
    critic = WGANGP(**SMALL, n_critic=1)
    with pytest.raises(ValueError, match="critic whose scores have no fixed threshold; pass calibration_images"):
        gam(dcgan, critic, fashion[0][-100:], num_samples=50)
    result = gam(dcgan, critic, fashion[0][-100:], num_samples=50, calibration_images=fashion[0][:200])
    assert result.thresholds["DCGAN"] == 0.0 and np.isfinite(result.thresholds["WGANGP"])
    assert all(0.0 <= e <= 1.0 for errors in result.errors.values() for e in errors.values())


@pytest.mark.parametrize("make, message", [
    (lambda: EBGAN(**SMALL), r"gives \[\(28, 28, 1\), .*\] per image, not one logit or score"),
    (lambda: ALI(**SMALL, e_filters=8, latent_dim=16), "does not take images alone"),
    (lambda: ConditionalGAN(num_classes=10, image_shape=(28, 28, 1)), "is conditional"),
    (lambda: DCGAN(image_shape=(32, 32, 1), g_filters=8, d_filters=8), r"different images .*\(32, 32, 1\)"),
])
def test_models_that_cannot_battle_are_clear_errors(fashion, trained, make, message):
    with pytest.raises(ValueError, match=message):
        gam(trained[0], make(), fashion[0][-10:])


@pytest.mark.parametrize("kwargs, message", [
    (dict(test_images=np.zeros((5, 32, 32, 1))), r"test_images must be images of shape \[N, 28, 28, 1\]"),
    (dict(num_samples=0), "num_samples must be a positive integer"),
    (dict(tolerance=-1), "tolerance must be >= 0"),
])
def test_bad_arguments_are_clear_errors(fashion, trained, kwargs, message):
    kwargs = {"test_images": fashion[0][-10:], **kwargs}
    with pytest.raises(ValueError, match=message):
        gam(trained[0], trained[1], **kwargs)
