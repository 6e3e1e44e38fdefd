"""``keras-gans studio [MODEL|preset:NAME ...]``: the models in the browser (:mod:`keras_gans.studio`, Gradio)."""

from keras_gans.cli.errors import BadInput, user_input
from keras_gans.cli.loading import load


def add_studio_command(commands):
    p = commands.add_parser("studio", help="the models in the browser: sketch -> colour, edit, explore, style, "
                            "inpaint (needs keras_gans[studio])")
    p.add_argument("models", nargs="*", metavar="MODEL",
                   help="MODEL.keras or preset:NAME, several allowed (default: every shipped preset)")
    p.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--share", action="store_true", help="also open a public Gradio share link (off by default)")
    p.set_defaults(func=cmd_studio)


def make_app(paths):
    """The studio's ``gradio.Blocks`` for ``paths`` (``.keras`` files or ``preset:NAME``; none: the presets)."""
    try:
        import gradio  # noqa: F401  (only whether it is installed)
    except ImportError:
        raise BadInput("the studio needs Gradio: pip install 'keras_gans[studio]'") from None
    from keras_gans.studio import Studio, build_app, default_models

    models = {path: load(path, saved_model=False) for path in paths} if paths else default_models()
    with user_input():  # models the studio has no tab for
        return build_app(Studio(models))


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
