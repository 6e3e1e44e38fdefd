"""The ``augment=`` option of the noise -> image models: checks and the layer it names.

``"diffaugment"``: :class:`keras_gans.layers.DiffAugment` (Zhao et al. 2020); ``"ada"``:
:class:`keras_gans.layers.AdaptiveAugment` (Karras et al. 2020). Models apply the layer in
:meth:`~keras_gans.core.noise_to_image.NoiseToImage.perturb` to every image their discriminator sees.
"""

from keras_gans.layers.ada import AdaptiveAugment
from keras_gans.layers.diffaugment import DEFAULT_POLICY, DiffAugment

#: the values of ``augment=``
AUGMENTS = ("diffaugment", "ada")


def check(augment, policy, ada_target, model_class):
    """``(augment, policy, ada_target)`` checked, or a ValueError naming the bad value."""
    if augment is not None and augment not in AUGMENTS:
        raise ValueError(f"augment must be one of {', '.join(AUGMENTS)} or None, got {augment!r}")
    if policy is not None and augment != "diffaugment":
        raise ValueError(f"augment_policy is DiffAugment's (augment='diffaugment'), got augment={augment!r}")
    if augment == "diffaugment":
        policy = DEFAULT_POLICY if policy is None else policy
        DiffAugment(policy)  # raises for an unknown policy, naming it
    try:
        ada_target = float(ada_target)
    except (TypeError, ValueError):
        raise ValueError(f"ada_target must be a number in (0, 1), got {ada_target!r}") from None
    if not 0.0 < ada_target < 1.0:
        raise ValueError(f"ada_target must be in (0, 1) (the paper's 0.6), got {ada_target!r}")
    if augment == "ada" and not getattr(model_class, "discriminator_logits", True):
        raise ValueError(f"augment='ada' adapts p from E[sign(D(x_real))] of a discriminator that gives logits "
                         f"(Karras et al. 2020); {model_class.__name__}'s discriminator gives scores or energies "
                         "without that meaning: use augment='diffaugment'")
    return augment, policy, ada_target


def make(augment, policy, ada_target, seed=None):
    """The augmentation layer of a checked configuration, or ``None``."""
    if augment == "diffaugment":
        return DiffAugment(policy, seed=seed, name="diffaugment")
    if augment == "ada":
        return AdaptiveAugment(target=ada_target, seed=seed, name="ada")
    return None
