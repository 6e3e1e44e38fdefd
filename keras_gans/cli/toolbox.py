"""The training-toolbox options of ``keras-gans train`` (docs/toolbox.md): generator EMA, augmentation, R1 and
spectral normalization, added to a model's parser and checked before any data is read."""

import inspect

from keras_gans.cli.errors import BadInput, user_input
from keras_gans.core import augmentation, ema
from keras_gans.core.augmentation import AUGMENTS
from keras_gans.core.noise_to_image import check_r1


def add_toolbox_options(parser, discriminator_options=True, spectral_norm_help=None):
    """``--ema``/``--ema-rampup`` and ``--spectral-norm``; with ``discriminator_options`` also ``--augment``,
    ``--augment-policy``, ``--ada-target``, ``--r1`` and ``--r1-interval`` (the noise -> image models)."""
    toolbox = parser.add_argument_group("training toolbox (docs/toolbox.md)")
    toolbox.add_argument("--ema", type=float, default=None, metavar="DECAY",
                         help="generator EMA: sample, evaluate and export a moving average of G (e.g. 0.999)")
    toolbox.add_argument("--ema-rampup", type=float, default=None, metavar="R",
                         help="EMA ramp-up of Karras et al. 2020 (their 0.05)")
    if discriminator_options:
        toolbox.add_argument("--augment", default=None, choices=AUGMENTS,
                             help="augment every image D sees: DiffAugment (Zhao et al. 2020) or ADA (Karras et al. "
                                  "2020; models whose D gives logits)")
        toolbox.add_argument("--augment-policy", default=None,
                             help="DiffAugment's policy (default color,translation,cutout)")
        toolbox.add_argument("--ada-target", type=float, default=0.6, help="ADA's target for r_t (default 0.6)")
        toolbox.add_argument("--r1", type=float, default=0.0, metavar="GAMMA",
                             help="R1 penalty gamma/2 ||grad D(x)||^2 on real images (Mescheder et al. 2018: 10)")
        toolbox.add_argument("--r1-interval", type=int, default=1, metavar="K",
                             help="lazy R1: every K discriminator updates, scaled by K (StyleGAN2: 16)")
    toolbox.add_argument("--spectral-norm", action="store_true",
                         help=spectral_norm_help or "spectral normalization in D instead of batch norm (DCGAN; "
                                                    "SNGAN always)")


def check_toolbox(args, model_cls):
    """The model keyword arguments of the toolbox options (only those set), checked as the model will: a
    ``BadInput`` (exit 2) naming the option for a value or a model that cannot take it."""
    kwargs = {}
    if args.ema is not None or args.ema_rampup is not None:
        kwargs.update(ema_decay=args.ema, ema_rampup=args.ema_rampup)
    if getattr(args, "augment", None) is not None or getattr(args, "augment_policy", None) is not None \
            or getattr(args, "ada_target", 0.6) != 0.6:
        kwargs.update(augment=args.augment, augment_policy=args.augment_policy, ada_target=args.ada_target)
    if getattr(args, "r1", 0.0) or getattr(args, "r1_interval", 1) != 1:
        kwargs.update(r1_gamma=args.r1, r1_interval=args.r1_interval)
    if args.spectral_norm:
        if "spectral_norm" not in inspect.signature(model_cls.__init__).parameters:
            raise BadInput(f"--spectral-norm: {model_cls.__name__} has no spectral-norm option "
                           "(dcgan, pix2pix and cyclegan have; sngan always uses it)")
        kwargs["spectral_norm"] = True
    with user_input():
        ema.check_decay(kwargs.get("ema_decay"), kwargs.get("ema_rampup"))
        augmentation.check(kwargs.get("augment"), kwargs.get("augment_policy"), kwargs.get("ada_target", 0.6),
                           model_cls)
        check_r1(kwargs.get("r1_gamma", 0.0), kwargs.get("r1_interval", 1), model_cls)
    return kwargs
