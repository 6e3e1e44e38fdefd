"""``keras-gans walk | arithmetic | invert | inpaint | edit``: the latent-space tools from the command line.

MODEL is a ``.keras`` file saved by the library (``keras-gans train`` writes ``RUN/model.keras``).
Outputs are written to temporary files and renamed into place; a folder output must not exist yet.
"""

import os

import numpy as np

from keras_gans.cli.common import new_output_dir, parse_labels
from keras_gans.cli.errors import BadInput, user_input
from keras_gans.cli.loading import load
from keras_gans.cli.training import make_strategy
from keras_gans.latent import (arithmetic, arithmetic_grid, check_masks, inpaint, invert, make_mask, manipulate,
                               parse_expression, save_gif, strokes_from_rgba, walk, walk_grid)
from keras_gans.latent.common import SPACES, check_model, read_images
from keras_gans.latent.inpainting import BLENDS
from keras_gans.latent.interpolation import METHODS
from keras_gans.serving.images import save_png, to_uint8


def add_commands(commands):
    """``walk``, ``arithmetic``, ``invert`` and ``inpaint``."""

    def model_parser(name, help):
        p = commands.add_parser(name, help=help)
        p.add_argument("model", help="MODEL.keras saved by keras-gans")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--labels", default=None, help="comma-separated class ids (conditional models)")
        return p

    p = model_parser("walk", "animated GIF (and grid) of latent interpolations")
    p.add_argument("--steps", type=int, default=16, help="frames per walk, endpoints included (>= 2)")
    p.add_argument("--rows", type=int, default=8, help="walks shown side by side")
    p.add_argument("--method", default=None, choices=METHODS, help="slerp in z, lerp in w (the defaults)")
    p.add_argument("--space", default="z", choices=("z", "w"), help="walk in z, or StyleGAN's W")
    p.add_argument("--duration", type=int, default=100, help="milliseconds per frame")
    p.add_argument("--grid", default=None, help="also write a PNG grid, one walk per row")
    p.add_argument("--out", default="walk.gif")
    p.set_defaults(func=cmd_walk)

    p = model_parser("arithmetic", "latent vector arithmetic on the samples of a seed")
    p.add_argument("expression", help="groups of sample indices, e.g. '0,1,2 - 3,4,5 + 6,7,8' or 'label=3 - ...'")
    p.add_argument("--num", type=int, default=64, help="samples of --seed the indices refer to")
    p.add_argument("--result-label", type=int, default=None, help="class of the result (conditional models)")
    p.add_argument("--variations", type=int, default=8)
    p.add_argument("--noise", type=float, default=0.25, help="uniform noise of the variations (DCGAN: 0.25)")
    p.add_argument("--out", default="arithmetic.png")
    p.set_defaults(func=cmd_arithmetic)

    for name, help in (("invert", "find the latent vector of images (GAN inversion)"),
                       ("inpaint", "fill missing pixels of images (Yeh et al. 2016)")):
        p = model_parser(name, help)
        p.add_argument("images", nargs="+", metavar="IMAGE", help="image files of the generator's size")
        p.add_argument("--out", required=True, help="output folder (must not exist)")
        p.add_argument("--restarts", type=int, default=4 if name == "invert" else 1)
        p.add_argument("--strategy", default="default", choices=("default", "mirrored"))
        p.add_argument("--space", default="z", choices=SPACES, help="optimise z, or StyleGAN's w or w+ (per layer)")
        if name == "invert":
            p.add_argument("--iterations", type=int, default=500)
            p.add_argument("--learning-rate", type=float, default=0.05)
            p.set_defaults(func=cmd_invert)
        else:
            p.add_argument("--mask", default="center",
                           help="center, blocks, half, pixels, or a mask image (white known, black missing)")
            p.add_argument("--blend", default="poisson", choices=BLENDS)
            p.add_argument("--lam", type=float, default=0.1, help="perceptual loss weight (bamos: 0.1; Yeh: 0.2)")
            p.add_argument("--iterations", type=int, default=1000)
            p.set_defaults(func=cmd_inpaint)

    p = commands.add_parser("edit", help="generative visual manipulation (iGAN): follow colour strokes and a sketch")
    p.add_argument("model", help="MODEL.keras saved by keras-gans (an unconditional noise -> image model)")
    start = p.add_mutually_exclusive_group(required=True)
    start.add_argument("--seed", type=int, help="edit the samples of this seed (model.generate / keras-gans sample)")
    start.add_argument("--image", help="edit this image (of the generator's size), projected first")
    p.add_argument("--num", type=int, default=1, help="samples of --seed to edit, each with the same strokes")
    p.add_argument("--colors", default=None, help="RGBA PNG of the generator's size: painted (opaque) pixels are "
                   "colour strokes")
    p.add_argument("--sketch", default=None, help="PNG of the generator's size: painted pixels (opaque, or dark "
                   "where there is no alpha channel) are lines that should become edges")
    p.add_argument("--keep-margin", type=int, default=2, help="pixels around the strokes free to change (2)")
    p.add_argument("--iterations", type=int, default=200)
    p.add_argument("--frames", type=int, default=8, help="frames of the morph GIF (>= 2)")
    p.add_argument("--out", required=True, help="output folder (must not exist)")
    p.set_defaults(func=cmd_edit)


def load_generator_model(args):
    """``(model, strategy)``: MODEL (a keras_gans model with a generator) loaded in the ``--strategy`` scope."""
    strategy = make_strategy(getattr(args, "strategy", "default"))
    with strategy.scope():
        model = load(args.model, saved_model=False)
    with user_input():
        return check_model(model), strategy


def stems(paths):
    """Output names of input files: their stems, numbered when two are the same."""
    names = [os.path.splitext(os.path.basename(p))[0] for p in paths]
    if len(set(names)) != len(names):  # same names in different folders: number them
        names = [f"{i:04d}_{s}" for i, s in enumerate(names)]
    return names


def cmd_walk(args):
    if not args.out.lower().endswith(".gif"):
        raise BadInput(f"--out must be a .gif file, got {args.out}")
    model, _ = load_generator_model(args)
    labels = parse_labels(args.labels)
    if labels is not None and len(labels) == 1:
        labels = labels[0]
    with user_input():
        images = walk(model, args.steps, seed=args.seed, rows=args.rows, method=args.method, labels=labels,
                      space=args.space)
    save_gif(images, args.out, duration_ms=args.duration)
    method = args.method or ("slerp" if args.space == "z" else "lerp")
    print(f"keras-gans: wrote a {args.steps}-step {method} walk in {args.space} of {args.rows} rows to {args.out}")
    if args.grid:
        save_png(walk_grid(images), args.grid)
        print(f"keras-gans: wrote its grid to {args.grid}")
    return 0


def cmd_arithmetic(args):
    model, _ = load_generator_model(args)
    labels = parse_labels(args.labels)
    if labels is not None and len(labels) == 1:
        labels = labels * args.num
    with user_input():
        _, rows = arithmetic(model, parse_expression(args.expression), num=args.num, seed=args.seed, labels=labels,
                             result_label=args.result_label, variations=args.variations, noise=args.noise)
    save_png(arithmetic_grid(rows), args.out)
    print(f"keras-gans: wrote {args.expression!r} on samples of seed {args.seed} to {args.out}")
    return 0


def cmd_invert(args):
    model, strategy = load_generator_model(args)
    with user_input():
        images = read_images(args.images, model)
    with new_output_dir(args.out) as tmp:
        with user_input():
            result = invert(model, images, labels=parse_labels(args.labels), iterations=args.iterations,
                            learning_rate=args.learning_rate, restarts=args.restarts, seed=args.seed,
                            strategy=strategy, space=args.space)
        np.save(os.path.join(tmp, "latents.npy"), result.latents)
        lines = []
        for stem, image, error in zip(stems(args.images), to_uint8(result.reconstructions), result.error):
            save_png(image, os.path.join(tmp, f"{stem}_reconstruction.png"))
            lines.append(f"{stem}\t{error:.6f}")
        with open(os.path.join(tmp, "errors.tsv"), "w") as f:
            f.write("image\tmse\n" + "\n".join(lines) + "\n")
    print(f"keras-gans: inverted {len(images)} image(s) into {args.out}; "
          f"mean reconstruction MSE {float(np.mean(result.error)):.5f}")
    return 0


def cmd_inpaint(args):
    model, strategy = load_generator_model(args)
    with user_input():
        images = read_images(args.images, model)
        mask = check_masks(make_mask(args.mask, images.shape[1:], seed=args.seed), len(images), images.shape[1:])
    with new_output_dir(args.out) as tmp:
        with user_input():
            result = inpaint(model, images, mask, labels=parse_labels(args.labels), perceptual_weight=args.lam,
                             iterations=args.iterations, restarts=args.restarts, blend=args.blend, seed=args.seed,
                             strategy=strategy, space=args.space)
        masked = np.where(mask > 0, images, -1.0)
        for stem, m, filled, generated in zip(stems(args.images), to_uint8(masked), to_uint8(result.filled),
                                              to_uint8(result.generated)):
            save_png(m, os.path.join(tmp, f"{stem}_masked.png"))
            save_png(filled, os.path.join(tmp, f"{stem}_filled.png"))
            save_png(generated, os.path.join(tmp, f"{stem}_generated.png"))
        save_png((mask[0] * 255).astype(np.uint8), os.path.join(tmp, "mask.png"))
    print(f"keras-gans: inpainted {len(images)} image(s) ({args.blend} blending) into {args.out}")
    return 0


def read_drawing(path, shape, what):
    """A PNG of ``shape[:2]`` as ``(RGBA uint8 [H, W, 4])``; a drawing without alpha is opaque where it is dark."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            has_alpha = image.mode in ("RGBA", "LA") or "transparency" in image.info
            rgba = np.asarray(image.convert("RGBA")).copy()
    except FileNotFoundError:
        raise BadInput(f"{what}: no file {path}") from None
    except (UnidentifiedImageError, OSError) as e:
        raise BadInput(f"{what}: {path} is not an image ({e})") from None
    if rgba.shape[:2] != tuple(shape[:2]):
        raise BadInput(f"{what}: {path} is {rgba.shape[0]}x{rgba.shape[1]}, the generator makes {shape[0]}x{shape[1]} "
                       "images")
    if not has_alpha:
        rgba[..., 3] = np.where(rgba[..., :3].mean(axis=-1) < 128, 255, 0)
    return rgba, has_alpha


def cmd_edit(args):
    if args.num < 1 or args.iterations < 1 or args.frames < 2 or args.keep_margin < 0:
        raise BadInput("--num and --iterations must be >= 1, --frames >= 2 and --keep-margin >= 0")
    if args.colors is None and args.sketch is None:
        raise BadInput("nothing to edit: give --colors STROKES.png and/or --sketch SKETCH.png")
    model, strategy = load_generator_model(args)
    shape = model.image_shape
    colors = color_mask = sketch = None
    if args.colors:
        rgba, has_alpha = read_drawing(args.colors, shape, "--colors")
        if not has_alpha:
            raise BadInput(f"--colors: {args.colors} has no transparency; paint the strokes on a transparent layer "
                           "(RGBA PNG) so that unpainted pixels can be told apart")
        colors, color_mask = (a[0] for a in strokes_from_rgba(rgba))  # one drawing for every image
        if not color_mask.any():
            raise BadInput(f"--colors: {args.colors} has no painted (opaque) pixel")
    if args.sketch:
        sketch = strokes_from_rgba(read_drawing(args.sketch, shape, "--sketch")[0])[1][0]
        if not sketch.any():
            raise BadInput(f"--sketch: {args.sketch} has no painted pixel")
    num = args.num if args.image is None else 1
    with user_input():
        images = read_images([args.image], model) if args.image else None
    with new_output_dir(args.out) as tmp:
        with user_input():
            result = manipulate(model, seed=args.seed, images=images, num=num if images is None else None,
                                colors=colors, color_mask=color_mask, sketch_mask=sketch, keep_margin=args.keep_margin,
                                iterations=args.iterations, frames=args.frames, strategy=strategy)
        np.savez(os.path.join(tmp, "latents.npz"), start=result.start_latents, edited=result.latents)
        for i in range(num):
            save_png(to_uint8(result.start_images[i]), os.path.join(tmp, f"{i:04d}_start.png"))
            save_png(to_uint8(result.images[i]), os.path.join(tmp, f"{i:04d}_edited.png"))
            save_gif(result.morph[i][None], os.path.join(tmp, f"{i:04d}_morph.gif"))
        lines = ["image\tcolor_before\tcolor_after\tsketch_before\tsketch_after\tkeep_after"]
        for i in range(num):
            lines.append("\t".join([f"{i:04d}"] + [f"{result.__dict__[k][when][i]:.6f}" for k, when in (
                ("color_error", "before"), ("color_error", "after"), ("sketch_error", "before"),
                ("sketch_error", "after"), ("keep_error", "after"))]))
        with open(os.path.join(tmp, "errors.tsv"), "w") as f:
            f.write("\n".join(lines) + "\n")
    color = result.color_error
    print(f"keras-gans: edited {num} image(s) into {args.out}: colour error {float(color['before'].mean()):.4f}"
          f" -> {float(color['after'].mean()):.4f}, sketch error "
          f"{float(result.sketch_error['before'].mean()):.4f} -> {float(result.sketch_error['after'].mean()):.4f}")
    return 0
