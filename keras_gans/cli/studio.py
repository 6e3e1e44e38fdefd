"""``keras-gans studio [MODEL|preset:NAME ...]``: the models in the browser (:mod:`keras_gans.studio`, Gradio)."""

from keras_gans.cli.errors import BadInput, user_input
from keras_gans.cli.loading import is_saved_model, load


def add_studio_command(commands):
    p = commands.add_parser("studio", help="the models in the browser: sketch -> colour, edit, explore, style, "
                            "inpaint (needs keras_gans[studio])")
    p.add_argument("models", nargs="*", metavar="MODEL",
                   help="MODEL.keras, preset:NAME or an exported SavedModel folder, several allowed (default: every "
                   "shipped preset)")
    p.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--share", action="store_true", help="also open a public Gradio share link (off by default)")
    p.set_defaults(func=cmd_studio)


def make_app(paths):
    """The studio's ``gradio.Blocks`` for ``paths`` (``.keras`` files, ``preset:NAME`` or SavedModel folders, seen
    through :mod:`keras_gans.studio.served`; none: the presets)."""
    try:
        import gradio  # noqa: F401  (only whether it is installed)
    except ImportError:
        raise BadInput("the studio needs Gradio: pip install 'keras_gans[studio]'") from None
    from keras_gans.studio import Studio, build_app, default_models, served

    models = {}
    for path in paths:
        loaded = load(path)
        with user_input():  # a SavedModel the studio has no tab for
            models[path] = served(loaded, path) if is_saved_model(loaded) else loaded
    with user_input():  # models the studio has no tab for
        return build_app(Studio(models or default_models()))


def cmd_studio(args):
    if not 0 < args.port < 65536:
        raise BadInput(f"--port must be in 1..65535, got {args.port}")
    app = make_app(args.models)
    print(f"keras-gans: the studio serves http://{args.host}:{args.port} (Ctrl-C stops it)", flush=True)
    try:
        app.launch(server_name=args.host, server_port=args.port, share=args.share, quiet=True, show_api=True)
    except OSError as e:
        raise BadInput(f"cannot serve on {args.host}:{args.port}: {e}") from None
    return 0
