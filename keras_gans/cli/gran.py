"""GRAN and GAM on the command line (Im et al. 2016): the options of ``keras-gans train gran`` and
``keras-gans gam MODEL_A MODEL_B``, the battle of two trained GANs."""

import json
import os

import numpy as np

from keras_gans import datasets, files
from keras_gans.cli.common import check_positive
from keras_gans.cli.errors import BadInput, user_input
from keras_gans.cli.loading import load
from keras_gans.evaluation.metrics.gam import DEFAULT_TOLERANCE, gam
from keras_gans.evaluation.results import to_markdown, write_table
from keras_gans.networks.gran import READS


# --- train gran ------------------------------------------------------------------------------------
def add_model_options(parser):
    """GRAN's own options on ``train gran`` (defaults the paper's, docs/models/gran.md)."""
    group = parser.add_argument_group("GRAN (docs/models/gran.md)")
    group.add_argument("--steps", type=int, default=3, help="drawing steps T (3; the paper shows 3 and 5)")
    group.add_argument("--read", default="increment", choices=READS,
                       help="what the encoder reads back: the last increment (eq. 4, default) or the canvas so far")
    group.add_argument("--latent-dim", type=int, default=100, help="size of z and of the recurrent state (100)")
    group.add_argument("--g-filters", type=int, default=64, help="ngf of the decoder (64, DCGAN's)")
    group.add_argument("--d-filters", type=int, default=64, help="ndf of the discriminator (64, DCGAN's)")


def model_kwargs(args):
    """The model keyword arguments of :func:`add_model_options`, checked before any data is read."""
    check_positive(args, "steps", "latent_dim", "g_filters", "d_filters")
    return dict(num_steps=args.steps, read=args.read, latent_dim=args.latent_dim, g_filters=args.g_filters,
                d_filters=args.d_filters)


# --- gam -------------------------------------------------------------------------------------------
def add_gam_command(commands):
    p = commands.add_parser("gam", help="GAM: two trained GANs judge each other by swapping discriminators "
                            "(Im et al. 2016)")
    p.add_argument("model_a", help="MODEL_A.keras (a model whose discriminator gives one logit or score per image)")
    p.add_argument("model_b", help="MODEL_B.keras")
    p.add_argument("--dataset", default="fashion_mnist", help="the real test images (a keras_gans.datasets name)")
    p.add_argument("--split", default="test", help="split of --dataset (default test)")
    p.add_argument("--num-test", type=int, default=None, help="use the first N test images (default all)")
    p.add_argument("--num-samples", type=int, default=None, help="samples from each generator (default: as many "
                   "as test images)")
    p.add_argument("--image-size", type=int, default=None, help="resize the real images to S x S")
    p.add_argument("--calibration-dataset", default="embedded",
                   help="real images that fit a WGAN critic's threshold (default: the embedded training subset)")
    p.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE,
                   help=f"a winner only when |r_test - 1| <= this (default {DEFAULT_TOLERANCE})")
    p.add_argument("--names", nargs=2, default=None, metavar=("A", "B"), help="the models' names in the table")
    p.add_argument("--seed", type=int, default=0, help="seed of the generated samples")
    p.add_argument("--no-ema", action="store_true", help="sample with the raw generators, not their moving averages")
    p.add_argument("--out", default="gam", help="output stem: writes OUT.csv, OUT.md and OUT.json (default gam)")
    p.set_defaults(func=cmd_gam)


def cmd_gam(args):
    check_positive(args, "num_test", "num_samples", "image_size")
    if not args.tolerance >= 0:
        raise BadInput(f"--tolerance must be >= 0, got {args.tolerance}")
    models = [load(path, what=f"model {label}", saved_model=False)
              for path, label in ((args.model_a, "A"), (args.model_b, "B"))]
    names = args.names or [os.path.splitext(os.path.basename(p.rstrip("/")))[0] for p in (args.model_a, args.model_b)]
    if names[0] == names[1]:
        names = [f"{names[0]}_a", f"{names[1]}_b"]
    with user_input():  # datasets, shapes, models that cannot battle
        test, _, info = datasets.load_arrays(args.dataset, split=args.split, image_size=args.image_size)
        test = test[: args.num_test] if args.num_test else test
        calibration = None
        if not all(getattr(m, "discriminator_logits", True) for m in models):
            calibration = datasets.load_arrays(args.calibration_dataset, split="train", image_size=args.image_size)[0]
        result = gam(models[0], models[1], test, num_samples=args.num_samples, seed=args.seed,
                     tolerance=args.tolerance, calibration_images=calibration, names=names, ema=not args.no_ema)
    table = result.table()
    table["test_images"] = f"{info['name']}:{args.split} ({result.num_test})"
    table["samples"] = result.num_samples
    print(to_markdown(table), end="")
    print(f"verdict: {result.verdict}")
    csv, md = write_table(table, args.out)
    summary = dict(names=list(result.names), r_test=_number(result.r_test), r_samples=_number(result.r_samples),
                   errors=result.errors, thresholds=result.thresholds, tolerance=result.tolerance,
                   winner=result.winner, verdict=result.verdict, num_test=result.num_test,
                   num_samples=result.num_samples, models=[args.model_a, args.model_b])
    files.write_text(f"{args.out}.json", json.dumps(summary, indent=2) + "\n")
    print(f"keras-gans: wrote {csv}, {md} and {args.out}.json")
    return 0


def _number(value):
    """JSON has no infinity: ``inf`` as the string ``"inf"``."""
    return value if np.isfinite(value) else str(value)

