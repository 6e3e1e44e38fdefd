"""StyleGAN on the command line: the options of ``keras-gans train stylegan`` and ``keras-gans style-mix``."""

import math

import numpy as np

from keras_gans.cli.common import check_positive
from keras_gans.cli.errors import BadInput, user_input
from keras_gans.cli.loading import is_saved_model, load
from keras_gans.networks.stylegan import SYNTHESES, check_resolution
from keras_gans.serving.images import make_grid, save_png, to_uint8


# --- train stylegan --------------------------------------------------------------------------------
def add_model_options(parser):
    """StyleGAN's own options on ``train stylegan`` (defaults the papers'; ``--image-size`` 32)."""
    group = parser.add_argument_group("StyleGAN (docs/models/stylegan.md)")
    group.add_argument("--synthesis", default="modulated", choices=SYNTHESES,
                       help="modulated: StyleGAN2 (default); adain: StyleGAN")
    group.add_argument("--latent-dim", type=int, default=512, help="size of z (512)")
    group.add_argument("--w-dim", type=int, default=512, help="size of w (512)")
    group.add_argument("--mapping-layers", type=int, default=8, help="mapping network depth (8)")
    group.add_argument("--channel-base", type=int, default=32768,
                       help="feature maps min(BASE / resolution, --channel-max) (32768; 2048 for a CPU)")
    group.add_argument("--channel-max", type=int, default=512, help="(512; 128 for a CPU)")
    group.add_argument("--style-mixing", type=float, default=0.9, help="style-mixing probability (0.9)")
    group.add_argument("--pl-weight", type=float, default=0.0, help="path length regularization weight (paper 2)")
    group.add_argument("--progressive", action="store_true",
                       help="progressive growing (--synthesis adain): from --lod-initial-resolution, --lod-kimg")
    group.add_argument("--lod-initial-resolution", type=int, default=8, help="progressive growing starts here (8)")
    group.add_argument("--lod-kimg", type=float, nargs=2, default=(600.0, 600.0), metavar=("TRAIN", "FADE"),
                       help="thousands of images per resolution and per fade-in (600 600, the papers')")
    parser.set_defaults(image_size=32)


def model_kwargs(args):
    """The model keyword arguments of :func:`add_model_options`, checked before any data is read."""
    check_positive(args, "latent_dim", "w_dim", "mapping_layers", "channel_base", "channel_max")
    with user_input():
        check_resolution(args.image_size)
    if not 0.0 <= args.style_mixing <= 1.0:
        raise BadInput(f"--style-mixing must be in [0, 1], got {args.style_mixing}")
    if args.pl_weight < 0:
        raise BadInput(f"--pl-weight must be >= 0, got {args.pl_weight}")
    growing = {}
    if args.progressive:
        if args.synthesis != "adain":
            raise BadInput("--progressive: progressive growing is a training option of --synthesis adain (StyleGAN)")
        if min(args.lod_kimg) < 0 or sum(args.lod_kimg) <= 0:
            raise BadInput(f"--lod-kimg takes two numbers >= 0, not both 0, got {args.lod_kimg}")
        with user_input():
            check_resolution(args.lod_initial_resolution)
        if args.lod_initial_resolution > args.image_size:
            raise BadInput(f"--lod-initial-resolution {args.lod_initial_resolution} is above --image-size "
                           f"{args.image_size}")
        growing = dict(progressive=True, lod_initial_resolution=args.lod_initial_resolution,
                       lod_training_kimg=args.lod_kimg[0], lod_transition_kimg=args.lod_kimg[1])
    return dict(synthesis=args.synthesis, latent_dim=args.latent_dim, w_dim=args.w_dim,
                mapping_layers=args.mapping_layers, channel_base=args.channel_base, channel_max=args.channel_max,
                style_mixing_prob=args.style_mixing, pl_weight=args.pl_weight, **growing)


# --- style-mix -------------------------------------------------------------------------------------
#: Figure 3 of Karras et al. 2019: styles of 4²-8² (coarse), 16²-32² (middle), 64² and up (fine)
BANDS = {"coarse": (4, 8), "middle": (16, 32), "fine": (64, None)}


def band_layers(band, num_ws):
    """``(start, stop)`` style indices of a band name or ``"START:STOP"`` for a model with ``num_ws`` styles.

    Resolution ``2^L`` holds styles ``2L-4`` and ``2L-3``. The named bands are the paper's; for a model below
    64² "fine" is its last resolution (and "middle" stops before it)."""
    top = 2 ** ((num_ws + 2) // 2)  # the model's resolution
    if band in BANDS:
        low, high = BANDS[band]
        if band == "fine" and top < 64:
            low = top
        if band == "middle" and top <= 32:
            high = top // 2
        high = top if high is None else min(high, top)
        start, stop = 2 * int(math.log2(low)) - 4, 2 * int(math.log2(high)) - 2
    else:
        try:
            start, stop = (int(v) for v in band.split(":"))
        except ValueError:
            raise BadInput(f"--styles takes coarse, middle, fine or START:STOP (style indices), got {band!r}") from None
    if not 0 <= start < stop <= num_ws:
        raise BadInput(f"--styles {band}: layers {start}:{stop} are not a range in [0, {num_ws}] for this model "
                       f"({top}x{top}, {num_ws} styles)")
    return start, stop


def parse_seeds(text, option):
    try:
        seeds = [int(v) for v in text.split(",")]
    except ValueError:
        raise BadInput(f"{option} takes comma-separated integer seeds, got {text!r}") from None
    if not seeds or min(seeds) < 0:
        raise BadInput(f"{option} takes non-negative seeds, got {text!r}")
    return seeds


def style_mix_grid(model, row_seeds, col_seeds, start, stop, truncation_psi=1.0):
    """Figure 3's layout as uint8 images ``[(1 + rows)·(1 + cols), H, W, C]``: the top row the column seeds'
    images (source A), the left column the row seeds' (source B), cell (r, c) the image of column seed c with
    the styles ``start:stop`` of row seed r; the top-left cell blank."""
    def latents(seeds):  # one seed's z is model.generate(1, seed)'s
        return np.concatenate([np.asarray(model.latent_for_seed(1, seed)) for seed in seeds])

    ws_cols = model.map(latents(col_seeds), truncation_psi)
    ws_rows = model.map(latents(row_seeds), truncation_psi)
    cols, rows = model.synthesize(ws_cols), model.synthesize(ws_rows)
    layer = np.arange(model.num_ws)[None, :, None]
    band = (layer >= start) & (layer < stop)
    ws_cols, ws_rows = np.asarray(ws_cols), np.asarray(ws_rows)
    cells = [np.zeros_like(cols[:1])] + [cols]
    for r in range(len(row_seeds)):
        mixed = np.where(band, ws_rows[r : r + 1], ws_cols)
        cells += [rows[r : r + 1], model.synthesize(mixed)]
    return to_uint8(np.concatenate(cells))


def add_style_mix_command(commands):
    p = commands.add_parser("style-mix", help="a StyleGAN style-mixing grid (Karras et al. 2019, Figure 3)")
    p.add_argument("model", help="a StyleGAN MODEL.keras")
    p.add_argument("--rows", required=True, help="seeds of the source B images (left column), e.g. 1,2,3")
    p.add_argument("--cols", required=True, help="seeds of the source A images (top row), e.g. 10,11,12,13")
    p.add_argument("--styles", default="coarse",
                   help="which of B's styles replace A's: coarse (4²-8²), middle (16²-32²), fine (64² up; a smaller "
                        "model's last resolution) or START:STOP style indices (default coarse)")
    p.add_argument("--truncation", type=float, default=1.0, help="truncation psi in [0, 1] (1: none)")
    p.add_argument("--out", default="style_mix.png")
    p.set_defaults(func=cmd_style_mix)


def cmd_style_mix(args):
    rows, cols = parse_seeds(args.rows, "--rows"), parse_seeds(args.cols, "--cols")
    model = load(args.model)
    if is_saved_model(model) or not callable(getattr(model, "mix", None)):
        raise BadInput(f"{args.model} is not a StyleGAN .keras model (style-mix needs its mapping and synthesis)")
    start, stop = band_layers(args.styles, model.num_ws)
    with user_input():
        model.check_truncation(args.truncation, None)
    images = style_mix_grid(model, rows, cols, start, stop, args.truncation)
    save_png(make_grid(images, cols=len(cols) + 1), args.out)
    print(f"keras-gans: wrote a {len(rows) + 1}x{len(cols) + 1} style-mixing grid (styles {start}:{stop} from the "
          f"rows) to {args.out}")
    return 0
