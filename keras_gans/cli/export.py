"""``keras-gans export MODEL.keras --out DIR``: a SavedModel for TF Serving, with every endpoint of the model."""

from keras_gans import serving
from keras_gans.cli.errors import BadInput, user_input
from keras_gans.cli.loading import load


def add_export_command(commands):
    p = commands.add_parser("export", help="export a .keras model as a SavedModel for TF Serving")
    p.add_argument("model", help="MODEL.keras")
    p.add_argument("--out", required=True, help="SavedModel folder (must not exist unless --overwrite)")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=cmd_export)


def cmd_export(args):
    model = load(args.model, saved_model=False)
    signatures = serving.signatures_for
    if signatures.dispatch(type(model)) is signatures.registry[object]:  # no signatures registered for its class
        raise BadInput(f"{args.model} holds a {type(model).__name__}, which has no serving signatures to export")
    with user_input():  # an --out that already exists
        serving.export(model, args.out, overwrite=args.overwrite)
    print(f"keras-gans: exported SavedModel {args.out}")
    return 0
