"""Domain Transfer Network commands (Taigman, Polyak & Wolf 2016).

- ``keras-gans train classifier``: the source classifier whose penultimate layer is f (or the
  target-domain classifier of the evaluation); writes ``OUT/classifier.keras``.
- ``keras-gans train dtn --classifier C.keras``: DTN with that classifier's f (frozen).
- ``keras-gans evaluate dtn MODEL.keras`` (also ``evaluate-dtn``): the paper's two accuracies, printed and
  written to CSV.
- ``keras-gans translate-dtn MODEL --inputs FOLDER|X.npy --out DIR``: G(x) as PNGs (``keras-gans translate``
  hands DTNs over to it too).

Domains are ``printed`` (rendered house-number-like digits, the source), ``handwritten``
(scikit-learn's real handwritten digits, the target) or an image folder (class sub-folders give
labels).
"""

import csv
import json
import os
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from keras_gans import datasets
from keras_gans import files as kg_files
from keras_gans.callbacks import save_model_atomically
from keras_gans.cli.common import check_positive, new_output_dir
from keras_gans.cli.errors import BadInput, user_input
from keras_gans.cli.loading import is_saved_model, load
from keras_gans.cli.training import run_training, train_options
from keras_gans.datasets.folders import image_files, read_image
from keras_gans.evaluation import classifier_accuracy, evaluate_dtn, train_classifier, untrained_copy
from keras_gans.models import DTN, DomainTransferNetwork
from keras_gans.serving.images import make_grid, save_png, to_uint8

BUILTIN_DOMAINS = ("printed", "handwritten")


def load_domain(spec, split="train", seed=0, num=None, image_size=None):
    """``(uint8 images, labels or None)`` of a built-in digit domain or an image folder."""
    with user_input():
        if spec in BUILTIN_DOMAINS:
            images, labels = datasets.load_digit_domain(spec, split, seed=seed, num=num)
            return datasets.resize_images(images, image_size), labels
        if not os.path.isdir(str(spec)):
            raise BadInput(f"unknown domain {spec!r}: expected {' or '.join(BUILTIN_DOMAINS)} or an image folder")
        images, labels, _ = datasets.load_arrays(spec, image_size=image_size)
    if num is not None:
        images, labels = images[:num], None if labels is None else labels[:num]
    return images, labels


def load_encoder(classifier_path):
    """f: the ``"f"`` sub-model of a classifier written by ``keras-gans train classifier``."""
    classifier = load(classifier_path, "classifier", saved_model=False)
    try:
        return classifier.get_layer("f")
    except ValueError:
        raise BadInput(f"{classifier_path} has no 'f' encoder: train it with `keras-gans train classifier`") from None


def load_dtn(path):
    """The DomainTransferNetwork of a ``.keras`` file written by ``train dtn``."""
    model = load(path, saved_model=False)
    if not isinstance(model, DomainTransferNetwork):
        raise BadInput(f"{path} is a {type(model).__name__}, not a DomainTransferNetwork")
    return model


# --- train classifier, train dtn -----------------------------------------------------------------
def add_train_commands(models):
    """``train classifier`` and ``train dtn``."""
    classifier = models.add_parser("classifier", parents=[train_options()],
                                   help="a digit classifier; its penultimate layer is DTN's f")
    classifier.add_argument("--domain", default="printed", help="printed, handwritten or a labelled image folder")
    classifier.add_argument("--num-train", type=int, default=None, help="images to train on (default: all)")
    classifier.add_argument("--num-test", type=int, default=None, help="test images to report (default: all)")
    classifier.add_argument("--image-size", type=int, default=None, help="resize to S x S")
    classifier.add_argument("--filters", type=int, default=64, help="width of f's first layer (paper: 64)")
    classifier.add_argument("--representation-dim", type=int, default=128, help="size of f (paper: 128)")
    classifier.set_defaults(func=cmd_train_classifier)

    dtn = models.add_parser("dtn", parents=[train_options()], help="Domain Transfer Network (Taigman et al. 2016)")
    dtn.add_argument("--classifier", required=True, help="classifier.keras from `train classifier`: its f is frozen")
    dtn.add_argument("--source", default="printed", help="source domain: printed or an image folder")
    dtn.add_argument("--target", default="handwritten", help="target domain: handwritten or an image folder")
    dtn.add_argument("--num-source", type=int, default=None, help="source images to train on (default: all)")
    dtn.add_argument("--image-size", type=int, default=None, help="resize both domains to S x S")
    dtn.add_argument("--alpha", type=float, default=15.0, help="weight of L_CONST (digits: 15, faces: 100)")
    dtn.add_argument("--beta", type=float, default=15.0, help="weight of L_TID (digits: 15, faces: 1)")
    dtn.add_argument("--gamma", type=float, default=0.0, help="weight of L_TV (digits: 0, faces: 0.05)")
    dtn.add_argument("--distance", default="mse", choices=("mse", "l1"), help="d in L_CONST and L_TID")
    dtn.add_argument("--discriminator", default="ternary", choices=("ternary", "binary"))
    dtn.add_argument("--g-filters", type=int, default=64, help="g's last hidden width (reference: 64)")
    dtn.add_argument("--d-filters", type=int, default=128, help="D's first width (reference: 128)")
    dtn.add_argument("--num-samples", type=int, default=16, help="source test images in each epoch's grid")
    dtn.set_defaults(func=cmd_train_dtn)


def cmd_train_classifier(args):
    check_positive(args, "epochs", "batch_size", "filters", "num_train", "num_test")
    if args.resume or args.strategy != "default":
        raise BadInput("train classifier runs on one device and does not resume (it takes about a minute)")
    out = os.path.abspath(args.out or os.path.join("runs", f"classifier-{os.path.basename(str(args.domain))}"))
    path = os.path.join(out, "classifier.keras")
    if os.path.exists(path):
        raise BadInput(f"{path} already exists; choose another --out")
    images, labels = load_domain(args.domain, "train", seed=args.seed, num=args.num_train, image_size=args.image_size)
    if labels is None:
        raise BadInput(f"domain {args.domain!r} has no labels: a classifier needs class sub-folders")
    print(f"keras-gans: classifier on {args.domain} ({len(images)} images of {images.shape[1:]})")
    model = train_classifier(images, labels, epochs=args.epochs, batch_size=args.batch_size, filters=args.filters,
                             representation_dim=args.representation_dim, seed=args.seed, verbose=2)
    metrics = {"domain": str(args.domain), "train_images": int(len(images)),
               "train_accuracy": classifier_accuracy(model, images, labels)}
    if args.domain in BUILTIN_DOMAINS:
        test_images, test_labels = load_domain(args.domain, "test", seed=args.seed, num=args.num_test,
                                               image_size=args.image_size)
        metrics["test_accuracy"] = classifier_accuracy(model, test_images, test_labels)
    save_model_atomically(model, path)
    kg_files.write_text(os.path.join(out, "metrics.json"), json.dumps(metrics, indent=1))
    print(f"keras-gans: {json.dumps(metrics)}\nkeras-gans: saved {path}")
    return 0


def cmd_train_dtn(args):
    check_positive(args, "num_samples", "g_filters", "d_filters")
    encoder_holder = {}

    def make_data(args, strategy):
        source, _ = load_domain(args.source, "train", seed=args.seed, num=args.num_source)
        target, _ = load_domain(args.target, "train", seed=args.seed)
        global_batch = args.batch_size * strategy.num_replicas_in_sync

        def make_stream(start_batch):
            return datasets.make_domain_dataset(source, target, batch_size=global_batch, image_size=args.image_size,
                                                seed=args.seed, repeat=True, start_batch=start_batch)

        make_stream(0)  # checks the options before the model is made

        def shape(images):
            return tuple(int(d) for d in (args.image_size or images.shape[1],) * 2) + images.shape[3:]

        samples, _ = load_domain(args.source, "test", seed=args.seed, num=args.num_samples,
                                 image_size=args.image_size) if args.source in BUILTIN_DOMAINS else (source, None)
        info = {"name": f"{args.source}->{args.target}", "source_shape": shape(source),
                "target_shape": shape(target), "samples": samples[: args.num_samples],
                "description": f"{args.source} ({len(source)} images of {shape(source)}) -> {args.target} "
                               f"({len(target)} images of {shape(target)}), batch {args.batch_size}",
                "steps_per_epoch": len(source) // global_batch}
        return make_stream, info

    def make_model(args, info):
        encoder = encoder_holder.setdefault("f", load_encoder(args.classifier))
        if tuple(encoder.inputs[0].shape[1:]) != info["source_shape"]:
            raise BadInput(f"the classifier's f takes {tuple(encoder.inputs[0].shape[1:])} images, the source "
                           f"domain is {info['source_shape']}")
        return DTN(encoder=encoder, target_shape=info["target_shape"], alpha=args.alpha, beta=args.beta,
                   gamma=args.gamma, distance=args.distance, discriminator_kind=args.discriminator,
                   g_filters=args.g_filters, d_filters=args.d_filters, seed=args.seed,
                   precision=args.precision)

    def check_resumed(model, info):
        if (model.source_shape, model.target_shape) != (info["source_shape"], info["target_shape"]):
            raise BadInput(f"--resume: the checkpoint maps {model.source_shape} -> {model.target_shape}, the data "
                           f"is {info['source_shape']} -> {info['target_shape']}")

    def make_callbacks(args, work, model, info):
        def write_grid(epoch, logs=None):
            """Row 1: fixed source test images; row 2: their translations G(x)."""
            sources = info["samples"]
            translated = to_uint8(model.translate(sources))
            if translated.shape[-1] == 1 and sources.shape[-1] == 3:  # gray targets shown next to RGB sources
                translated = np.repeat(translated, sources.shape[-1] // translated.shape[-1], axis=-1)
            save_png(make_grid(np.concatenate([sources, translated]), cols=len(sources)),
                     os.path.join(work, "samples", f"epoch_{epoch + 1:04d}.png"))

        return [keras.callbacks.LambdaCallback(on_epoch_end=write_grid)]

    return run_training(args, make_data, make_model, make_callbacks, check_resumed)


# --- evaluate dtn --------------------------------------------------------------------------------
def add_evaluate_arguments(p):
    """The arguments of ``evaluate dtn`` (and of its alias ``evaluate-dtn``)."""
    p.add_argument("model", help="MODEL.keras written by `train dtn`")
    p.add_argument("--target-classifier", default=None,
                   help="classifier.keras trained on the target domain (default: train one now)")
    p.add_argument("--source", default="printed")
    p.add_argument("--target", default="handwritten")
    p.add_argument("--source-test", default=None, help="labelled image folder (built-in domains: test split)")
    p.add_argument("--target-test", default=None, help="labelled image folder (built-in domains: test split)")
    p.add_argument("--num-source-test", type=int, default=None,
                   help="source test images for the transfer accuracy (default: all)")
    p.add_argument("--num-source-train", type=int, default=None,
                   help="G(source train) images for the domain-adaptation classifier (default: all)")
    p.add_argument("--epochs", type=int, default=5, help="epochs of the domain-adaptation classifier")
    p.add_argument("--classifier-epochs", type=int, default=20, help="epochs of a target classifier trained here")
    p.add_argument("--baseline", action="store_true", help="also evaluate an untrained g (the paper's baseline)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--csv", default="dtn_evaluation.csv")
    p.set_defaults(func=cmd_evaluate)


def write_csv_atomically(rows, path):
    path = os.path.abspath(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with kg_files.atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def cmd_evaluate(args):
    check_positive(args, "epochs", "num_source_train", "num_source_test", "classifier_epochs")
    model = load_dtn(args.model)
    size = model.source_shape[0]
    source_test, source_test_labels = load_domain(args.source_test or args.source, "test", seed=args.seed,
                                                  num=args.num_source_test, image_size=size)
    source_train, source_train_labels = load_domain(args.source, "train", seed=args.seed,
                                                    num=args.num_source_train, image_size=size)
    target_test, target_test_labels = load_domain(args.target_test or args.target, "test", seed=args.seed,
                                                  image_size=size)
    for name, labels in (("source test", source_test_labels), ("source train", source_train_labels),
                         ("target test", target_test_labels)):
        if labels is None:
            raise BadInput(f"evaluation needs labels: the {name} images have none (use class sub-folders)")
    if args.target_classifier:
        target_classifier = load(args.target_classifier, "target classifier", saved_model=False)
    else:
        target_images, target_labels = load_domain(args.target, "train", seed=args.seed, image_size=size)
        if target_labels is None:
            raise BadInput("evaluation needs labels: the target train images have none (use class sub-folders)")
        print(f"keras-gans: training a target-domain classifier on {len(target_images)} {args.target} images")
        target_classifier = train_classifier(target_images, target_labels, epochs=args.classifier_epochs,
                                             seed=args.seed)
    target_accuracy = classifier_accuracy(target_classifier, target_test, target_test_labels)
    generators = [("trained", model)]
    if args.baseline:
        generators.append(("untrained", untrained_copy(model, seed=args.seed)))
    rows = []
    for name, dtn in generators:
        result = evaluate_dtn(dtn, target_classifier, source_test, source_test_labels, source_train,
                              source_train_labels, target_test, target_test_labels, epochs=args.epochs,
                              seed=args.seed)
        rows.append({"generator": name, "transfer_accuracy": f"{result['transfer_accuracy']:.4f}",
                     "domain_adaptation_accuracy": f"{result['domain_adaptation_accuracy']:.4f}",
                     "target_classifier_accuracy": f"{target_accuracy:.4f}",
                     "source_test_images": len(source_test), "target_test_images": len(target_test)})
        print(f"keras-gans: {name} G: transfer accuracy {100 * result['transfer_accuracy']:.2f}% "
              f"(paper 90.66%, untrained 13.71%); domain adaptation {100 * result['domain_adaptation_accuracy']:.2f}%"
              f" (paper 84.44%)")
    print(f"keras-gans: target classifier on real target test images: {100 * target_accuracy:.2f}%")
    print(f"keras-gans: wrote {write_csv_atomically(rows, args.csv)}")
    return 0


# --- translate-dtn -------------------------------------------------------------------------------
def add_translate_command(commands):
    p = commands.add_parser("translate-dtn", help="translate source images with a DTN (.keras or SavedModel)")
    p.add_argument("model", help="MODEL.keras or a SavedModel folder")
    p.add_argument("--inputs", required=True, help="a folder of images or a .npy uint8 array")
    p.add_argument("--out", required=True, help="output folder (must not exist)")
    p.set_defaults(func=cmd_translate)


def read_inputs(inputs):
    """``(names, uint8 images)`` from a folder of images or a ``.npy`` uint8 array."""
    if os.path.isfile(inputs) and inputs.endswith(".npy"):
        with user_input():  # not an array file, or one of objects
            images = np.load(inputs)
        if images.dtype != np.uint8 or images.ndim not in (3, 4):
            raise BadInput(f"{inputs} must hold uint8 images [N, H, W(, C)], got {images.dtype} {images.shape}")
        images = images[..., None] if images.ndim == 3 else images
        return [f"{i:05d}" for i in range(len(images))], images
    if not os.path.isdir(inputs):
        raise BadInput(f"--inputs {inputs} is neither a folder of images nor a .npy file")
    files = image_files(Path(inputs), recursive=False)
    if not files:
        raise BadInput(f"no images in {inputs}")
    with user_input():
        arrays = [read_image(f, None) for f in files]
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise BadInput(f"the images in {inputs} have mixed sizes {sorted(shapes)}")
    return [f.stem for f in files], np.stack(arrays)


def is_dtn(loaded):
    """Whether a loaded model (:func:`~keras_gans.cli.loading.load`) is a Domain Transfer Network: its class,
    or a SavedModel with ``translate`` but not Pix2Pix/CycleGAN's ``translate_bytes``."""
    if is_saved_model(loaded):
        return "translate" in loaded.signatures and "translate_bytes" not in loaded.signatures
    return isinstance(loaded, DomainTransferNetwork)


def translator(loaded, path):
    """``(source_shape, uint8 -> uint8 function)`` of a loaded DTN (.keras) or its SavedModel."""
    if not is_saved_model(loaded):
        if not isinstance(loaded, DomainTransferNetwork):
            raise BadInput(f"{path} is a {type(loaded).__name__}, not a DomainTransferNetwork")
        return loaded.source_shape, lambda x: to_uint8(loaded.translate(x))
    serve = loaded.signatures["serving_default"]
    spec = serve.structured_input_signature[1].get("images")
    if spec is None or spec.dtype != tf.uint8:
        raise BadInput(f"{path} is not a DTN export (no uint8 'images' input)")

    def run(x):
        outputs = (serve(images=tf.constant(x[i : i + 256])) for i in range(0, len(x), 256))
        # "images": exports before inputs and outputs were told apart
        return np.concatenate([out.get("translated_images", out.get("images")).numpy() for out in outputs])

    return tuple(spec.shape[1:]), run


def translate_dtn(loaded, path, inputs, out_dir):
    """Translate source images (folder or .npy) with a loaded DTN (``path`` names it in messages); write
    ``out_dir/NAME.png`` and ``grid.png``. ``out_dir`` must not exist; it appears complete or not at all.
    Returns ``out_dir``."""
    shape, translate_images = translator(loaded, path)
    names, images = read_inputs(inputs)
    if tuple(images.shape[1:]) != tuple(shape):
        raise BadInput(f"the model translates images of shape {tuple(shape)}, the inputs are "
                       f"{tuple(images.shape[1:])}: resize them first")
    with new_output_dir(out_dir) as tmp:
        translated = translate_images(images)
        for name, image in zip(names, translated):
            save_png(image, os.path.join(tmp, f"{name}.png"))
        save_png(make_grid(translated), os.path.join(tmp, "grid.png"))
    return os.path.abspath(out_dir)


def cmd_translate(args):
    out = translate_dtn(load(args.model), args.model, args.inputs, args.out)
    print(f"keras-gans: wrote translated images to {out}")
    return 0
