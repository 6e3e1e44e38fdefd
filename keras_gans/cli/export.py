"""``keras-gans export MODEL.keras --out DIR [--format savedmodel|tflite|onnx] [--quantize float16|dynamic]``:
a SavedModel for TF Serving with every endpoint of the model, or a TFLite / ONNX folder with the endpoints
that convert (one file each) and ``signatures.json`` (:mod:`keras_gans.serving.formats`)."""

from keras_gans import serving
from keras_gans.cli.errors import BadInput, user_input
from keras_gans.cli.loading import load
from keras_gans.serving.formats import FORMATS, QUANTIZATIONS


def add_export_command(commands):
    p = commands.add_parser("export", help="export a .keras model as a SavedModel (TF Serving), TFLite or ONNX")
    p.add_argument("model", help="MODEL.keras")
    p.add_argument("--out", required=True, help="export folder (must not exist unless --overwrite)")
    p.add_argument("--format", choices=FORMATS, default="savedmodel",
                   help="savedmodel: every endpoint, for TF Serving (default); tflite: TFLite built-in ops; "
                        "onnx: through tf2onnx (pip install \"keras_gans[onnx]\"). tflite and onnx carry the "
                        "endpoints on tensors (not the *_bytes ones): see signatures.json in the folder")
    p.add_argument("--quantize", choices=QUANTIZATIONS, default=None,
                   help="TFLite only: float16 weights, or int8 weights (dynamic-range quantization)")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=cmd_export)


def cmd_export(args):
    if args.quantize and args.format != "tflite":
        raise BadInput(f"--quantize applies to --format tflite only (got --format {args.format})")
    model = load(args.model, saved_model=False)
    signatures = serving.signatures_for
    if signatures.dispatch(type(model)) is signatures.registry[object]:  # no signatures registered for its class
        raise BadInput(f"{args.model} holds a {type(model).__name__}, which has no serving signatures to export")
    try:
        with user_input():  # an --out that already exists
            serving.export(model, args.out, overwrite=args.overwrite, format=args.format, quantize=args.quantize)
    except ImportError as e:  # --format onnx without the optional converter
        raise BadInput(str(e)) from e
    what = {"savedmodel": "SavedModel", "tflite": "TFLite", "onnx": "ONNX"}[args.format]
    print(f"keras-gans: exported {what} {args.out}")
    return 0
