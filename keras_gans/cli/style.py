"""AdaIN style transfer (Huang & Belongie 2017): ``keras-gans train adain`` and ``keras-gans stylize``."""

import os
from pathlib import Path

import keras
import numpy as np
from PIL import Image

from keras_gans.cli.errors import BadInput, user_input
from keras_gans.cli.loading import is_saved_model, load
from keras_gans.cli.training import run_training, train_options
from keras_gans.datasets.style_transfer import content_style_dataset
from keras_gans.models.adain import AdaINStyleTransfer, check_alpha, check_mask, check_style_weights, mask_to_regions
from keras_gans.serving.client import SavedStylizer
from keras_gans.serving.images import make_grid, save_png


# --- train adain ---------------------------------------------------------------------------------
def add_train_command(models):
    p = models.add_parser("adain", parents=[train_options()],
                          help="AdaIN style transfer decoder on a content and a style image folder")
    p.add_argument("--content", required=True, help="folder of content images (MS-COCO in the paper)")
    p.add_argument("--style", required=True, help="folder of style images (WikiArt in the paper)")
    p.add_argument("--load-size", type=int, default=512, help="shorter side after resizing (paper: 512)")
    p.add_argument("--crop-size", type=int, default=256, help="random square crop (paper: 256)")
    p.add_argument("--style-weight", type=float, default=10.0, help="lambda (paper: 10)")
    p.add_argument("--learning-rate", type=float, default=1e-4)
    p.add_argument("--lr-decay", type=float, default=5e-5, help="lr / (1 + decay * step) (reference: 5e-5)")
    p.add_argument("--encoder-weights", default="imagenet",
                   help="'imagenet' (keras.applications VGG-19, downloaded once), a local weights file "
                        "(.h5 as keras.applications ships, or .npz), or 'none' (random encoder)")
    p.add_argument("--padding", default="reflect", choices=("reflect", "zero"), help="encoder padding")
    p.add_argument("--width", type=float, default=1.0, help="channel multiplier (1 = VGG-19)")
    p.set_defaults(func=cmd_train, batch_size=8)


def style_samples(directory, content, style):
    """A callback writing, every epoch, a grid of a fixed batch: content row, style row, stylized row."""

    class StyleSamples(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            stylized = np.stack([self.model.stylize(c, s) for c, s in zip(content, style)])
            rows = np.concatenate([content.astype(np.uint8), style.astype(np.uint8), stylized])
            save_png(make_grid(rows, cols=len(content)), os.path.join(directory, f"epoch_{epoch + 1:04d}.png"))

    return StyleSamples()


def cmd_train(args):
    def make_data(args, strategy):
        global_batch = args.batch_size * strategy.num_replicas_in_sync

        def make_stream(start_batch):
            return content_style_dataset(args.content, args.style, batch_size=global_batch, load_size=args.load_size,
                                         crop_size=args.crop_size, seed=args.seed, repeat=True,
                                         start_batch=start_batch)[0]

        _, info = content_style_dataset(args.content, args.style, batch_size=global_batch, load_size=args.load_size,
                                        crop_size=args.crop_size, seed=args.seed, repeat=True)
        for note in info["conversions"]:
            print(f"keras-gans: {note}")
        info["steps_per_epoch"] = info["num_examples"] // global_batch
        return make_stream, info

    def make_model(args, info):
        weights = None if args.encoder_weights == "none" else args.encoder_weights
        if weights is None:
            print("keras-gans: warning: random VGG-19 encoder (--encoder-weights none): the decoder learns to invert "
                  "random features; meaningful style transfer needs the ImageNet weights")
        return AdaINStyleTransfer(width=args.width, padding=args.padding, encoder_weights=weights,
                                  style_weight=args.style_weight, learning_rate=args.learning_rate,
                                  lr_decay=args.lr_decay, precision=args.precision)

    def make_callbacks(args, work, model, info):
        dataset, _ = content_style_dataset(args.content, args.style, batch_size=min(4, info["num_examples"]),
                                           load_size=args.load_size, crop_size=args.crop_size, seed=args.seed)
        content, style = (np.asarray(x) for x in next(iter(dataset)))
        return [style_samples(os.path.join(work, "samples"), content, style)]

    return run_training(args, make_data, make_model, make_callbacks)


# --- stylize -------------------------------------------------------------------------------------
def add_stylize_command(commands):
    p = commands.add_parser("stylize", help="stylize content images with an AdaIN model (.keras or SavedModel)")
    p.add_argument("model", help="MODEL.keras or an AdaIN SavedModel folder")
    p.add_argument("content", nargs="+", help="content image files")
    p.add_argument("--style", nargs="+", required=True, help="style image file(s)")
    p.add_argument("--alpha", type=float, default=1.0, help="content-style trade-off in [0, 1]")
    p.add_argument("--weights", type=float, nargs="+", default=None, help="one interpolation weight per style")
    p.add_argument("--preserve-color", action="store_true", help="keep the content's colours")
    p.add_argument("--mask", default=None,
                   help="grayscale mask image of the content's size: grey levels (darkest first) pick styles")
    p.add_argument("--out", required=True, help="folder for CONTENT_stylized.png files")
    p.set_defaults(func=cmd_stylize)


def read_rgb(path, what):
    """uint8 ``[H, W, 3]`` of an image file; grayscale -> RGB and RGBA -> RGB (alpha dropped), said on stdout."""
    if not os.path.isfile(path):
        raise BadInput(f"{what} image {path} does not exist")
    try:
        with Image.open(path) as img:
            img.load()
            mode = img.mode
            if mode in ("I", "I;16", "I;16B", "I;16L", "F"):
                raise BadInput(f"{what} image {path} has Pillow mode {mode!r} (16-bit or float): save it as 8-bit RGB")
            has_alpha = mode in ("RGBA", "RGBa", "LA", "La", "PA") or (mode == "P" and "transparency" in img.info)
            rgb = np.asarray(img.convert("RGB"), dtype=np.uint8)
    except (OSError, SyntaxError, Image.DecompressionBombError) as e:
        raise BadInput(f"cannot read {what} image {path}: {e}") from e
    if mode in ("L", "1", "LA", "La"):
        print(f"keras-gans: {what} image {path} is grayscale: converted to RGB")
    if has_alpha:
        print(f"keras-gans: {what} image {path} has an alpha channel: dropped it (RGB only)")
    return rgb


def read_mask(path):
    """Region ids ``[H, W]`` of a grayscale mask image: its grey levels in increasing order are regions 0, 1, ..."""
    if not os.path.isfile(path):
        raise BadInput(f"mask image {path} does not exist")
    try:
        with Image.open(path) as img:
            gray = np.asarray(img.convert("L"), dtype=np.uint8)
    except (OSError, SyntaxError) as e:
        raise BadInput(f"cannot read mask image {path}: {e}") from e
    return mask_to_regions(gray)


def stylizer(loaded, path):
    """``(content, styles, weights, mask, alpha, preserve_color) -> uint8 image`` of a loaded AdaIN model (.keras)
    or its SavedModel."""
    if not is_saved_model(loaded):
        if not hasattr(loaded, "stylize"):
            raise BadInput(f"{path} holds a {type(loaded).__name__}, not an AdaIN style-transfer model")
        return lambda c, s, w, m, a, p: loaded.stylize(c, s, alpha=a, style_weights=w, preserve_color=p, mask=m)
    with user_input():
        saved = SavedStylizer(loaded, path)

    def run(content, styles, weights, mask, alpha, preserve_color):
        return saved.stylize(content, styles, alpha=alpha, style_weights=weights, preserve_color=preserve_color,
                             mask=mask)[0]

    return run


def cmd_stylize(args):
    with user_input():
        check_alpha(args.alpha)
    contents = [read_rgb(p, "content") for p in args.content]
    styles = [read_rgb(p, "style") for p in args.style]
    if args.weights is not None:
        with user_input():
            check_style_weights(args.weights, len(styles))
    mask = None
    if args.mask is not None:
        if args.weights is not None:
            raise BadInput("--weights interpolate styles everywhere and --mask assigns them to regions: pass one")
        mask = read_mask(args.mask)
        for path, image in zip(args.content, contents):
            try:
                check_mask(mask, image.shape, len(styles))
            except ValueError as e:
                raise BadInput(f"--mask {args.mask} for content {path}: {e}") from None
    names = [Path(p).stem for p in args.content]
    if len(set(names)) != len(names):
        raise BadInput("content images have the same file name; output names would clash")
    run = stylizer(load(args.model), args.model)
    with user_input():  # the model's checks of the images' sizes
        results = [run(c, styles, args.weights, mask, args.alpha, args.preserve_color) for c in contents]
    os.makedirs(args.out, exist_ok=True)
    for name, image in zip(names, results):  # written only after every image succeeded
        save_png(image, os.path.join(args.out, f"{name}_stylized.png"))
    print(f"keras-gans: wrote {len(results)} stylized image(s) to {args.out}")
    return 0
