"""GAM, the Generative Adversarial Metric (Im, Kim, Jiang & Memisevic 2016, "Generating images with recurrent
adversarial networks", Section 4): two trained GANs judge each other by swapping discriminators.

For models ``M_a = (G_a, D_a)`` and ``M_b = (G_b, D_b)``, with ε the classification error of a discriminator::

    r_test    = ε(D_a(x_test)) / ε(D_b(x_test))          test images: both should call them real
    r_samples = ε(D_a(G_b(z))) / ε(D_b(G_a(z)))          the other's samples: both should call them fake

The paper's decision rule: ``M_a`` wins if ``r_samples < 1`` and ``r_test ≈ 1``, ``M_b`` wins if ``r_samples > 1``
and ``r_test ≈ 1``, and it is a tie otherwise. ``r_test ≈ 1`` checks that the two discriminators are equally good
on real data, so that neither wins merely because its discriminator calls everything fake. No feature network is
involved: the judges are the models' own discriminators.

A discriminator that gives logits calls an image real when its logit is > 0 (probability > 1/2). A WGAN critic's
score has no such threshold (it is defined up to a constant), so for a critic :func:`gam` fits one: the score
that best separates ``calibration_images`` (real images other than the test set, e.g. the training images) from
the critic's own generator's samples (the threshold of the highest balanced accuracy). The paper battles GRAN and
DCGAN models only; the critic threshold is this library's extension, named as such in the verdict.
"""

import dataclasses

import numpy as np
import pandas as pd

#: the paper's "r_test ≈ 1": |r_test - 1| at most this (the paper gives no number; ours)
DEFAULT_TOLERANCE = 0.1


@dataclasses.dataclass
class GAMResult:
    """The outcome of one battle. ``errors``: ``{name: {"test": ε on the test images, "samples": ε on the other
    model's samples}}``; ``winner``: a model's name or ``None`` (a tie)."""

    names: tuple
    r_test: float
    r_samples: float
    errors: dict
    thresholds: dict
    tolerance: float
    winner: object
    verdict: str
    num_test: int
    num_samples: int

    def table(self):
        """A pandas table: one row per model (its errors and threshold) and the two ratios."""
        rows = [{"model": name, "error_on_test": self.errors[name]["test"],
                 "error_on_other_samples": self.errors[name]["samples"], "threshold": self.thresholds[name]}
                for name in self.names]
        table = pd.DataFrame(rows)
        table["r_test"] = self.r_test
        table["r_samples"] = self.r_samples
        table["winner"] = self.winner or "tie"
        return table


def error_ratio(numerator, denominator):
    """``numerator / denominator`` of two error rates, with equal rates (also 0 and 0) giving exactly 1 and a
    zero denominator ``inf``: swapping the models always gives the reciprocal."""
    if numerator == denominator:
        return 1.0
    if denominator == 0:
        return float("inf")
    return float(numerator) / float(denominator)


def judge(r_test, r_samples, names, tolerance=DEFAULT_TOLERANCE):
    """``(winner or None, verdict)`` by the paper's rule."""
    a, b = names
    if not abs(r_test - 1.0) <= tolerance:
        return None, (f"tie: r_test = {r_test:.3g} is not within {tolerance:g} of 1, so the two discriminators "
                      f"judge real test images differently and the sample ratio does not compare the generators")
    if r_samples == 1.0:
        return None, "tie: each discriminator misclassifies the other's samples equally often (r_samples = 1)"
    winner, loser = (a, b) if r_samples < 1.0 else (b, a)
    return winner, (f"{winner} wins: {winner}'s discriminator misclassifies fewer of {loser}'s samples than "
                    f"{loser}'s misclassifies of {winner}'s (r_samples = {r_samples:.3g}), and both judge the "
                    f"test images alike (r_test = {r_test:.3g}, within {tolerance:g} of 1)")


def check_battler(model, name):
    """A ValueError unless ``model`` is a noise -> image model whose discriminator maps one image to one score."""
    discriminator = getattr(model, "discriminator", None)
    if discriminator is None or not callable(getattr(model, "generate", None)):
        raise ValueError(f"GAM: {name} ({type(model).__name__}) is not a noise -> image GAN with a discriminator")
    if getattr(model, "num_classes", None):
        raise ValueError(f"GAM: {name} ({type(model).__name__}) is conditional; its discriminator also reads labels")
    inputs, outputs = discriminator.inputs, discriminator.outputs
    if len(inputs) != 1 or tuple(inputs[0].shape[1:]) != tuple(model.image_shape):
        raise ValueError(f"GAM: {name}'s discriminator ({type(model).__name__}) does not take images alone "
                         f"(inputs {[tuple(i.shape[1:]) for i in inputs]})")
    if len(outputs) != 1 or tuple(outputs[0].shape[1:]) not in ((1,), ()):
        raise ValueError(f"GAM: {name}'s discriminator ({type(model).__name__}) gives "
                         f"{[tuple(o.shape[1:]) for o in outputs]} per image, not one logit or score")


def scores(model, images, batch_size=256):
    """The discriminator's scores (float64, one per image) on images in [-1, 1], in inference mode."""
    out = [np.asarray(model.discriminator(np.asarray(images[i:i + batch_size], "float32"), training=False),
                      "float64").reshape(-1) for i in range(0, len(images), batch_size)]
    return np.concatenate(out)


def balanced_threshold(real_scores, fake_scores):
    """The threshold ``t`` (real iff score > t) of the highest balanced accuracy on the two score sets; ties go
    to the smallest such ``t``, halfway between two observed scores."""
    values = np.unique(np.concatenate([real_scores, fake_scores]))
    candidates = np.concatenate([[values[0] - 1.0], (values[1:] + values[:-1]) / 2.0, [values[-1] + 1.0]])
    real_sorted, fake_sorted = np.sort(real_scores), np.sort(fake_scores)
    real_above = len(real_sorted) - np.searchsorted(real_sorted, candidates, side="right")
    fake_below = np.searchsorted(fake_sorted, candidates, side="right")
    accuracy = real_above / len(real_sorted) + fake_below / len(fake_sorted)
    return float(candidates[int(np.argmax(accuracy))])


def gam(model_a, model_b, test_images, num_samples=None, seed=0, tolerance=DEFAULT_TOLERANCE,
        calibration_images=None, names=None, batch_size=256, ema=True):
    """The battle of ``model_a`` against ``model_b`` (module docstring): a :class:`GAMResult`.

    Args:
        model_a, model_b: trained noise -> image models whose discriminator maps an image to one logit (GAN, DCGAN,
            GRAN, SNGAN, StyleGAN) or to one critic score (WGAN, WGAN-GP; then ``calibration_images`` is needed).
        test_images: real images in [-1, 1] (or uint8), ``[N, H, W, C]``, held out from both models' training.
        num_samples: samples drawn from each generator (default ``N``, as the reference ``battle.py``).
        seed: the latent seed of both models' samples (the same ``z`` when their ``latent_dim`` agree, so a model
            against itself gives exactly 1 and 1).
        tolerance: the decision rule's ``|r_test - 1|`` bound.
        calibration_images: real images for fitting a critic's threshold (not the test images).
        names: the two models' names in the table and verdict (default their class names, ``_a``/``_b`` when equal).
        ema: sample with the generators' moving averages where they have one.
    """
    names = tuple(names) if names is not None else _default_names(model_a, model_b)
    if len(names) != 2:
        raise ValueError(f"GAM: names must be two names, got {names!r}")
    for model, name in zip((model_a, model_b), names):
        check_battler(model, name)
    if tuple(model_a.image_shape) != tuple(model_b.image_shape):
        raise ValueError(f"GAM: the models make different images ({names[0]}: {tuple(model_a.image_shape)}, "
                         f"{names[1]}: {tuple(model_b.image_shape)}); each must judge the other's samples")
    test_images = _as_images(test_images, model_a.image_shape, "test_images")
    num_samples = len(test_images) if num_samples is None else num_samples
    if int(num_samples) != num_samples or num_samples < 1:
        raise ValueError(f"GAM: num_samples must be a positive integer, got {num_samples!r}")
    if not float(tolerance) >= 0.0:
        raise ValueError(f"GAM: tolerance must be >= 0, got {tolerance!r}")
    num_samples = int(num_samples)
    models = dict(zip(names, (model_a, model_b)))
    samples = {name: model.generate(num_samples, seed=seed, ema=ema) for name, model in models.items()}
    thresholds = {}
    for name, model in models.items():
        if getattr(model, "discriminator_logits", True):
            thresholds[name] = 0.0
            continue
        if calibration_images is None:
            raise ValueError(f"GAM: {name}'s discriminator ({type(model).__name__}) is a critic whose scores have no "
                             "fixed threshold; pass calibration_images (real images other than the test images, "
                             "e.g. training images) to fit one")
        calibration = _as_images(calibration_images, model.image_shape, "calibration_images")
        own = model.generate(len(calibration), seed=seed + 1, ema=ema)
        thresholds[name] = balanced_threshold(scores(model, calibration, batch_size), scores(model, own, batch_size))
    a, b = names
    errors = {}
    for name, other in ((a, b), (b, a)):
        model, threshold = models[name], thresholds[name]
        errors[name] = {"test": float(np.mean(scores(model, test_images, batch_size) <= threshold)),
                        "samples": float(np.mean(scores(model, samples[other], batch_size) > threshold))}
    r_test = error_ratio(errors[a]["test"], errors[b]["test"])
    r_samples = error_ratio(errors[a]["samples"], errors[b]["samples"])
    winner, verdict = judge(r_test, r_samples, names, float(tolerance))
    return GAMResult(names, r_test, r_samples, errors, thresholds, float(tolerance), winner, verdict,
                     len(test_images), num_samples)


def _default_names(model_a, model_b):
    a, b = type(model_a).__name__, type(model_b).__name__
    return (a, b) if a != b else (f"{a}_a", f"{b}_b")


def _as_images(images, image_shape, what):
    images = np.asarray(images)
    if images.ndim != 4 or tuple(images.shape[1:]) != tuple(image_shape):
        raise ValueError(f"GAM: {what} must be images of shape [N, {', '.join(map(str, image_shape))}], "
                         f"got {images.shape}")
    if len(images) == 0:
        raise ValueError(f"GAM: {what} is empty")
    if images.dtype == np.uint8:
        return images.astype("float32") / 127.5 - 1.0
    return images.astype("float32")
