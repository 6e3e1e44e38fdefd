"""Image-to-image translation: ``keras-gans train pix2pix|cyclegan`` and ``keras-gans translate``."""

import os
from pathlib import Path

import numpy as np

from keras_gans import callbacks as kg_callbacks
from keras_gans import datasets
from keras_gans.cli import dtn
from keras_gans.cli.common import check_positive
from keras_gans.cli.errors import BadInput, user_input
from keras_gans.cli.loading import is_saved_model, load
from keras_gans.cli.toolbox import add_toolbox_options, check_toolbox
from keras_gans.cli.training import run_training, train_options
from keras_gans.datasets.folders import IMAGE_EXTENSIONS, image_files, read_image
from keras_gans.datasets.translation import (check_direction, convert_channels, load_paired, load_size_for,
                                             load_unpaired, make_translation_dataset)
from keras_gans.kernels import FusedAdam
from keras_gans.models import TRANSLATION_MODELS, ImageTranslationModel
from keras_gans.schedules import ConstantThenLinearDecay, half_constant_half_decay
from keras_gans.serving.client import SavedTranslator
from keras_gans.serving.images import save_png

BUILTIN_DEFAULTS = {"pix2pix": "fashion_edges", "cyclegan": "fashion_sneaker2boot"}


# --- train ---------------------------------------------------------------------------------------
def add_train_commands(models):
    """``train pix2pix`` and ``train cyclegan``."""
    for name in TRANSLATION_MODELS:
        add_train_command(models, name)


def add_train_command(models, name):
    paired = name == "pix2pix"
    p = models.add_parser(
        name, parents=[train_options()],
        help=("Pix2Pix: paired A -> B translation (U-Net + PatchGAN + L1)" if paired
              else "CycleGAN: unpaired A <-> B translation (cycle consistency)"))
    p.add_argument("--data", default=BUILTIN_DEFAULTS[name],
                   help=("'fashion_edges' (built in: sketch -> garment), a folder of A|B images (or with train/), "
                         "or a folder with A/ and B/ of matching names" if paired else
                         "'fashion_sneaker2boot' (built in), a folder with trainA/ and trainB/, "
                         "or a tfds name such as cycle_gan/horse2zebra"))
    if paired:
        p.add_argument("--direction", default="AtoB", choices=("AtoB", "BtoA"))
    p.add_argument("--image-size", type=int, default=None,
                   help="square training crop (default: the images' size); images are first resized to 286/256 "
                        "of it and randomly cropped and flipped")
    p.add_argument("--load-size", type=int, default=None, help="resize before the random crop (default 286/256)")
    p.add_argument("--no-jitter", action="store_true", help="no random resize-crop-flip")
    p.add_argument("--a-channels", type=int, default=None, choices=(1, 3), help="convert A images to 1 or 3 channels")
    p.add_argument("--b-channels", type=int, default=None, choices=(1, 3), help="convert B images to 1 or 3 channels")
    p.add_argument("--g-filters", type=int, default=64)
    p.add_argument("--d-filters", type=int, default=64)
    p.add_argument("--patch-size", type=int, default=70, choices=(1, 16, 70, 286))
    if paired:
        p.add_argument("--generator", default="unet", choices=("unet", "encoder_decoder"))
        p.add_argument("--norm", default="batch", choices=("batch", "instance"))
        p.add_argument("--l1-weight", type=float, default=100.0)
    else:
        p.add_argument("--n-blocks", type=int, default=None, help="ResNet blocks (default 9 at >= 256, else 6)")
        p.add_argument("--norm", default="instance", choices=("batch", "instance"))
        p.add_argument("--cycle-weight", type=float, default=10.0)
        p.add_argument("--identity-weight", type=float, default=0.5)
        p.add_argument("--pool-size", type=int, default=50)
        p.add_argument("--lr", type=float, default=2e-4,
                       help="initial learning rate, constant for the first half of --epochs, then linearly to 0")
    p.add_argument("--num-samples", type=int, default=8, help="images per direction in each epoch's sample grid")
    add_toolbox_options(p, discriminator_options=False,
                        spectral_norm_help="spectral normalization of every discriminator convolution (batch norm "
                                           "dropped there, instance norm kept)")
    p.set_defaults(func=cmd_train, batch_size=1)


def load_training_data(args, split="train"):
    """``(a, b, info)``: the uint8 A and B images of ``--data`` with the channels asked for."""
    if args.model == "pix2pix":
        a, b, info = load_paired(args.data, split=split, direction=args.direction)
    else:
        a, b, info = load_unpaired(args.data, split=split)
    a, b = convert_channels(a, args.a_channels), convert_channels(b, args.b_channels)
    if a.shape[1:3] != b.shape[1:3]:
        raise BadInput(f"A images are {a.shape[1]}x{a.shape[2]}, B images {b.shape[1]}x{b.shape[2]}")
    return np.asarray(a), np.asarray(b), info


def center_crop(images, size):
    """The central ``size`` x ``size`` square of each image (resized up first if smaller)."""
    h, w = images.shape[1:3]
    if (h, w) == (size, size):
        return images
    if h < size or w < size:
        return datasets.resize_images(images, size)
    top, left = (h - size) // 2, (w - size) // 2
    return images[:, top : top + size, left : left + size]


def cmd_train(args):
    model_cls = TRANSLATION_MODELS[args.model]
    paired = args.model == "pix2pix"
    check_positive(args, "num_samples", "g_filters", "d_filters", "image_size", "load_size")
    toolbox = check_toolbox(args, model_cls)  # before any data is read

    def make_data(args, strategy):
        a, b, info = load_training_data(args)
        height, width = a.shape[1:3]
        size = args.image_size or (height if height == width else None)
        if size is None:
            raise BadInput(f"the images are {height}x{width}: pass --image-size for the square training crop")
        if args.load_size is not None and args.load_size < size:
            raise BadInput(f"--load-size {args.load_size} is smaller than --image-size {size}")
        global_batch = args.batch_size * strategy.num_replicas_in_sync

        def make_stream(start_batch):
            return make_translation_dataset(a, b, batch_size=global_batch, paired=paired, image_size=size,
                                            jitter=not args.no_jitter, load_size=args.load_size, seed=args.seed,
                                            repeat=True, start_batch=start_batch)

        make_stream(0)  # checks the options before the model is made
        num = len(a) if paired else max(len(a), len(b))
        steps = args.steps_per_epoch or num // global_batch
        held = min(args.num_samples, len(a), len(b))
        jitter = "off" if args.no_jitter else f"on (load {args.load_size or load_size_for(size)})"
        info.update(image_size=size, steps_per_epoch=steps,
                    samples=(center_crop(a[:held], size), center_crop(b[:held], size)),
                    description=f"{info['name']} ({info['num_a']} A {info['shape_a']}, {info['num_b']} B "
                                f"{info['shape_b']}, {'paired' if paired else 'unpaired'}), crops {size}x{size}, "
                                f"jitter {jitter}, batch {args.batch_size}")
        return make_stream, info

    def make_model(args, info):
        ca = args.a_channels or info["shape_a"][-1]
        cb = args.b_channels or info["shape_b"][-1]
        common = dict(input_channels=ca, output_channels=cb, image_size=info["image_size"], g_filters=args.g_filters,
                      d_filters=args.d_filters, patch_size=args.patch_size, norm=args.norm, seed=args.seed,
                      precision=args.precision, **toolbox)
        if paired:
            return model_cls(generator_type=args.generator, l1_weight=args.l1_weight, **common)
        identity = args.identity_weight if ca == cb else 0.0
        if ca != cb and args.identity_weight:
            print(f"keras-gans: A has {ca} channel(s) and B {cb}: the identity loss is off")
        model = model_cls(n_blocks=args.n_blocks, cycle_weight=args.cycle_weight, identity_weight=identity,
                          pool_size=args.pool_size, **common)
        total = args.epochs * info["steps_per_epoch"]
        schedules = [half_constant_half_decay(args.lr, max(total, 2)) for _ in range(2)]
        return model, dict(g_optimizer=FusedAdam(schedules[0], beta_1=0.5),
                           d_optimizer=FusedAdam(schedules[1], beta_1=0.5))

    def check_resumed(model, info):
        if not isinstance(model, model_cls):
            raise BadInput(f"--resume: the checkpoint holds a {type(model).__name__}, not {model_cls.__name__}")
        if model.image_size != info["image_size"]:
            raise BadInput(f"--resume: the checkpoint trains on {model.image_size}x{model.image_size} crops, "
                           f"the data gives {info['image_size']}")
        if not paired:  # the learning-rate plan follows --epochs: resuming with more epochs stretches it
            total = max(args.epochs * info["steps_per_epoch"], 2)
            current = model.g_optimizer._learning_rate  # the schedule (Keras has no public name for it)
            if isinstance(current, ConstantThenLinearDecay) and current.constant_steps + current.decay_steps != total:
                for optimizer in (model.g_optimizer, model.d_optimizer):
                    optimizer.learning_rate = half_constant_half_decay(current.initial_learning_rate, total)
                print(f"keras-gans: learning-rate plan now {total} steps (constant for {total // 2}, then to 0)")

    def make_callbacks(args, work, model, info):
        a, b = info["samples"]
        return [kg_callbacks.TranslationGrid(os.path.join(work, "samples"), a, b, paired=paired,
                                             log_dir=os.path.join(work, "logs", "samples"))]

    return run_training(args, make_data, make_model, make_callbacks, check_resumed)


# --- translate -----------------------------------------------------------------------------------
def add_translate_command(commands):
    p = commands.add_parser("translate",
                            help="translate images with a Pix2Pix/CycleGAN/DTN .keras model or SavedModel")
    p.add_argument("model", help="MODEL.keras or a SavedModel folder")
    p.add_argument("inputs", nargs="+", help="image files or folders of images (any size)")
    p.add_argument("--out", required=True, help="output folder (OUT/<input name>.png)")
    p.add_argument("--direction", default="AtoB", help="AtoB or BtoA (CycleGAN)")
    p.add_argument("--tile-size", type=int, default=None, help="translate in overlapping tiles of this size")
    p.add_argument("--overlap", type=int, default=32, help="tile overlap in pixels")
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")
    p.set_defaults(func=cmd_translate)


def input_files(paths):
    """The image files named by ``paths`` (files, or folders of images), with distinct names."""
    files = []
    for path in paths:
        p = Path(path).expanduser()
        if p.is_dir():
            found = image_files(p, recursive=False)
            if not found:
                raise BadInput(f"input folder {p} has no images ({', '.join(IMAGE_EXTENSIONS)})")
            files += found
        elif p.is_file():
            files.append(p)
        else:
            raise BadInput(f"input {p} does not exist")
    names = [f.stem for f in files]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise BadInput(f"several inputs would write the same output name: {duplicates[:5]}")
    return files


def translator(loaded, path, direction):
    """``(translate(uint8 [H, W, C], tile_size, overlap) -> uint8, input_channels)`` of a loaded Pix2Pix or
    CycleGAN (.keras) or of its SavedModel."""
    if not is_saved_model(loaded):
        if not isinstance(loaded, ImageTranslationModel):
            raise BadInput(f"{path} holds a {type(loaded).__name__}, not an image-to-image model (pix2pix, cyclegan)")
        with user_input():
            loaded.check_direction(direction)
        return (lambda image, tile, overlap: loaded.translate(image, direction, tile_size=tile, overlap=overlap),
                loaded.channels_for(direction)[0])
    with user_input():
        saved = SavedTranslator(loaded, path)
        channels = saved.channels_for(direction)[0]

    def run(image, tile, overlap):
        if tile is not None:
            raise BadInput("--tile-size needs a .keras model (the SavedModel translates whole images)")
        return saved.translate(image, direction)

    return run, channels


def cmd_translate(args):
    with user_input():
        check_direction(args.direction)
    loaded = load(args.model)
    if dtn.is_dtn(loaded):
        if len(args.inputs) != 1:
            raise BadInput("a DTN translates one folder of images or one .npy array per call: pass one input")
        out = dtn.translate_dtn(loaded, args.model, args.inputs[0], args.out)
        print(f"keras-gans: wrote translated images to {out}")
        return 0
    check_positive(args, "tile_size")
    files = input_files(args.inputs)
    targets = [os.path.join(args.out, f.stem + ".png") for f in files]
    existing = [t for t in targets if os.path.exists(t)]
    if existing and not args.overwrite:
        raise BadInput(f"{existing[0]} exists ({len(existing)} output(s) would be overwritten); "
                       "pass --overwrite or another --out")
    run, channels = translator(loaded, args.model, args.direction)
    with user_input():  # every input read (and checked) before anything is written
        images = [read_image(f, None) for f in files]
    outputs = []
    for f, image in zip(files, images):
        if image.shape[-1] != channels:
            print(f"keras-gans: {f.name}: converting {image.shape[-1]} channel(s) to the model's {channels}")
            image = convert_channels(image[None], channels)[0]
        with user_input():  # e.g. a --tile-size the generator cannot take
            outputs.append(np.asarray(run(image, args.tile_size, args.overlap)))
    for target, output in zip(targets, outputs):
        save_png(output, target)
    print(f"keras-gans: translated {len(files)} image(s) {args.direction} into {args.out}")
    return 0
