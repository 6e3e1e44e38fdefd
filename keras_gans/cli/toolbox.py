"""The training-toolbox options of ``keras-gans train`` (docs/toolbox.md): generator EMA, augmentation, R1 and
spectral normalization, added to a model's parser and checked before any data is read."""

import inspect

from keras_gans.cli.errors import BadInput, user_input
from keras_gans.core import augmentation, ema
from keras_gans.core.augmentation import AUGMENTS
from keras_gans.core.noise_to_image import check_r1


def add_toolbox_options(parser, discriminator_options=True, spectral_norm_help=None):
    """``--ema``/``--ema-kimg``/``--ema-rampup``/``--no-ema`` and ``--spectral-norm``; with
    ``discriminator_options`` also ``--augment``, ``--augment-policy``, ``--ada-target``, ``--r1`` and
    ``--r1-interval`` (the noise -> image models)."""
    toolbox = parser.add_argument_group("training toolbox (docs/toolbox.md)")
    toolbox.add_argument("--ema", type=float, default=None, metavar="DECAY",
                         help="generator EMA: sample, evaluate and export a moving average of G, decay per "
                              "generator step (e.g. 0.999)")
    toolbox.add_argument("--ema-kimg", type=float, default=None, metavar="KIMG",
                         help="the same with its half-life in thousands of images (StyleGAN2: 10, stylegan's "
                              "default)")
    toolbox.add_argument("--no-ema", action="store_true", help="no moving average (turns off stylegan's)")
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


def default(model_cls, name):
    """The default of constructor argument ``name`` of ``model_cls`` (``None`` where it takes it through
    ``**kwargs``, whose default is ``None`` for the EMA)."""
    param = inspect.signature(model_cls.__init__).parameters.get(name)
    return None if param is None or param.default is inspect.Parameter.empty else param.default


def check_toolbox(args, model_cls):
    """The model keyword arguments of the toolbox options (only those set), checked as the model will: a
    ``BadInput`` (exit 2) naming the option for a value or a model that cannot take it."""
    kwargs = {}
    given = [f"--{name}" for name, value in (("ema", args.ema), ("ema-kimg", args.ema_kimg),
                                              ("ema-rampup", args.ema_rampup)) if value is not None]
    if args.no_ema and given:
        raise BadInput(f"--no-ema and {', '.join(given)} contradict each other: give one")
    if args.ema is not None and args.ema_kimg is not None:
        raise BadInput("--ema (decay per step) and --ema-kimg (half-life in thousands of images) both set the "
                       "EMA's horizon: give one")
    if args.no_ema:
        kwargs.update(ema_decay=None, ema_kimg=None, ema_rampup=None)
    elif args.ema is not None:
        kwargs.update(ema_decay=args.ema, ema_kimg=None)  # (None: replaces a model's default ema_kimg)
    elif args.ema_kimg is not None:
        kwargs.update(ema_kimg=args.ema_kimg, ema_decay=None)
    if args.ema_rampup is not None:
        kwargs.update(ema_rampup=args.ema_rampup)
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
        ema.check_decay(*(kwargs.get(name, default(model_cls, name)) for name in ("ema_decay", "ema_rampup",
                                                                                    "ema_kimg")))
        augmentation.check(kwargs.get("augment"), kwargs.get("augment_policy"), kwargs.get("ada_target", 0.6),
                           model_cls)
        check_r1(kwargs.get("r1_gamma", 0.0), kwargs.get("r1_interval", 1), model_cls)
    return kwargs
