"""The noise -> image family: ``keras-gans train gan|dcgan|wgan|wgan_gp|cgan|ebgan|began|ali|bigan|sngan|stylegan|gran``
on an image dataset, and ``keras-gans sample`` from a trained model (``.keras`` or SavedModel)."""

import inspect
import os

import keras
import numpy as np
import tensorflow as tf

from keras_gans import callbacks as kg_callbacks
from keras_gans import datasets
from keras_gans.cli.common import check_positive, parse_labels
from keras_gans.cli.errors import BadInput, user_input
from keras_gans.cli.loading import is_saved_model, load
from keras_gans.cli import gran, sngan, stylegan
from keras_gans.cli.toolbox import add_toolbox_options, check_toolbox
from keras_gans.cli.training import run_training, train_options
from keras_gans.models import MODELS, ConditionalGAN
from keras_gans.serving.images import make_grid, save_png, to_uint8
from keras_gans.serving.signatures import failed_check

#: Per-model ``--epochs`` defaults where the reference code has one (others: 5, a quick look):
#: DCGAN 25, ``niter = 25`` in the reference dcgan.torch ``main.lua``.
DEFAULT_EPOCHS = {"dcgan": 25}
#: Models with options of their own: name -> (add the options to the parser, args -> checked model kwargs)
MODEL_OPTIONS = {"stylegan": (stylegan.add_model_options, stylegan.model_kwargs),
                 "gran": (gran.add_model_options, gran.model_kwargs),
                 "sngan": (sngan.add_model_options, sngan.model_kwargs)}


# --- train ---------------------------------------------------------------------------------------
def add_train_commands(models):
    """``train NAME`` for every name of :data:`keras_gans.models.MODELS`."""
    for name, model_cls in MODELS.items():
        p = models.add_parser(name, parents=[train_options()], help=f"{model_cls.__name__} on an image dataset")
        p.add_argument("--dataset", default="embedded",
                       help="'embedded' (shipped Fashion-MNIST subset), 'fashion_mnist', an image folder, "
                            "or a tfds name")
        p.add_argument("--image-size", type=int, default=None, help="resize images to S x S")
        p.add_argument("--channels", type=int, default=None, choices=(1, 3), help="convert images to 1 or 3 channels")
        p.add_argument("--num-samples", type=int, default=64, help="images in each epoch's sample grid")
        p.add_argument("--instance-noise", type=float, default=0.0, metavar="SIGMA0",
                       help="instance noise: Gaussian noise of std SIGMA0 on every image the discriminator sees, "
                            "annealed linearly to 0 (default 0: off)")
        p.add_argument("--instance-noise-steps", type=int, default=10000,
                       help="discriminator updates over which the instance noise falls to 0")
        add_toolbox_options(p)
        if name in MODEL_OPTIONS:
            MODEL_OPTIONS[name][0](p)
        p.set_defaults(func=cmd_train, **({"epochs": DEFAULT_EPOCHS[name]} if name in DEFAULT_EPOCHS else {}))


def cmd_train(args):
    check_positive(args, "num_samples", "instance_noise_steps")
    if args.instance_noise < 0:
        raise BadInput(f"--instance-noise must be >= 0, got {args.instance_noise}")
    model_cls = MODELS[args.model]
    conditional = model_cls is ConditionalGAN
    toolbox = check_toolbox(args, model_cls)  # before any data is read
    own = MODEL_OPTIONS[args.model][1](args) if args.model in MODEL_OPTIONS else {}
    # WGAN / WGAN-GP (n_critic) and SNGAN (n_dis, --n-dis) read that many minibatches per train_step: the
    # constructor's default unless this command's own options set it
    kwargs = {k: p.default for k, p in inspect.signature(model_cls.__init__).parameters.items()} | own
    d_steps = next((kwargs[k] for k in ("n_critic", "n_dis") if k in kwargs), 1)

    def make_data(args, strategy):
        global_batch = args.batch_size * d_steps * strategy.num_replicas_in_sync
        images, labels, info = datasets.load_arrays(args.dataset, image_size=args.image_size)
        if conditional and labels is None:
            raise BadInput(f"cgan needs labelled data; {args.dataset} has no labels")

        def make_stream(start_batch):
            return datasets.make_dataset(images, labels if conditional else None, batch_size=global_batch,
                                         image_size=args.image_size, channels=args.channels, seed=args.seed,
                                         repeat=True, start_batch=start_batch)

        dataset = make_stream(0)
        info["image_shape"] = datasets.output_image_shape(images.shape[1:], args.image_size, args.channels)
        info["steps_per_epoch"] = info["num_examples"] // global_batch
        info["description"] = (f"{info['name']} ({info['num_examples']} images of {tuple(info['image_shape'])}), "
                               f"batch {args.batch_size} x {d_steps} step(s)")
        if hasattr(model_cls, "reconstruct"):  # encoder models: fixed real images for the reconstruction grid
            first = next(iter(dataset))
            info["preview"] = (first[0] if isinstance(first, tuple) else first).numpy()[:8]
        return make_stream, info

    def make_model(args, info):
        kwargs = dict(image_shape=tuple(info["image_shape"]), seed=args.seed, precision=args.precision,
                      instance_noise=args.instance_noise,
                      instance_noise_steps=args.instance_noise_steps, **toolbox, **own)
        if conditional:
            kwargs["num_classes"] = info["num_classes"]
        return model_cls(**kwargs)

    def check_resumed(model, info):
        if tuple(model.image_shape) != tuple(info["image_shape"]):
            raise BadInput(f"--resume: the checkpoint makes {model.image_shape} images, "
                           f"the data is {tuple(info['image_shape'])}")

    def make_callbacks(args, work, model, info):
        # TensorBoard (logs/): every epoch's logged values -- losses, ADA's augment_p and ada_rt, r1, ema_beta --
        # and the sample grids, drawn by the EMA generator when --ema is on
        grids = [kg_callbacks.SampleGrid(os.path.join(work, "samples"), num=args.num_samples, seed=args.seed or 0,
                                         log_dir=os.path.join(work, "logs", "samples")),
                 keras.callbacks.TensorBoard(os.path.join(work, "logs"), update_freq="epoch", write_graph=False)]
        if callable(getattr(model, "increments", None)):  # GRAN: the canvas after each drawing step
            grids.append(kg_callbacks.DrawingSteps(os.path.join(work, "drawing"), num=8, seed=args.seed or 0,
                                                   log_dir=os.path.join(work, "logs", "drawing")))
        if "preview" in info:
            grids.append(kg_callbacks.ReconstructionGrid(info["preview"], os.path.join(work, "reconstructions"),
                                                         log_dir=os.path.join(work, "logs", "reconstructions")))
        return grids

    return run_training(args, make_data, make_model, make_callbacks, check_resumed)


# --- sample --------------------------------------------------------------------------------------
class Sampler:
    """``sampler(num, seed, labels) -> uint8 images`` of a loaded noise -> image model (.keras or SavedModel);
    ``conditional`` says whether it needs labels."""

    def __init__(self, loaded, path):
        self._model = self._signature = None
        if is_saved_model(loaded):
            if "sample" not in loaded.signatures:
                raise BadInput(f"the SavedModel {path} does not sample images (no 'sample' signature)")
            self._signature = loaded.signatures["sample"]
            self.conditional = "labels" in self._signature.structured_input_signature[1]
        else:
            if not callable(getattr(loaded, "generate", None)):
                raise BadInput(f"{path} holds a {type(loaded).__name__}, which does not sample images from noise")
            self._model = loaded
            self.conditional = bool(getattr(loaded, "num_classes", None))

    def __call__(self, num, seed, labels=None, truncation_psi=None):
        if self._model is not None:
            truncation = {}
            if truncation_psi is not None:
                if not callable(getattr(self._model, "check_truncation", None)):
                    raise BadInput(f"--truncation: {type(self._model).__name__} has no truncation trick (StyleGAN has)")
                truncation = dict(truncation_psi=truncation_psi)
            with user_input():  # the model checks the labels and psi
                return to_uint8(self._model.generate(num, seed=seed, labels=labels, **truncation))
        seed = tf.constant(seed, tf.int64)
        inputs = self._signature.structured_input_signature[1]
        if truncation_psi is not None and "truncation_psi" not in inputs:
            raise BadInput("--truncation: this SavedModel's 'sample' signature has no truncation_psi input")
        if "truncation_psi" in inputs:
            psi = 1.0 if truncation_psi is None else float(truncation_psi)
            psi = tf.fill([num] if inputs["truncation_psi"].shape.rank else [], tf.constant(psi, tf.float32))
            try:
                return self._signature(num=tf.constant(num, tf.int32), seed=seed, truncation_psi=psi)["images"].numpy()
            except tf.errors.InvalidArgumentError as e:  # the signature's own check of psi
                raise BadInput(f"--truncation: {failed_check(e)}") from e
        if not self.conditional:
            if labels is not None:
                raise BadInput("this SavedModel is not conditional: it takes no --labels")
            return self._signature(num=tf.constant(num, tf.int32), seed=seed)["images"].numpy()
        if labels is None:
            raise BadInput("this SavedModel is conditional: pass --labels")
        labels = np.broadcast_to(np.asarray(labels, "int32"), (num,))
        try:
            return self._signature(labels=tf.constant(labels), seed=seed)["images"].numpy()
        except tf.errors.InvalidArgumentError as e:  # the signature's own check of the labels
            raise BadInput(f"--labels: {failed_check(e)}") from e


def add_sample_command(commands):
    p = commands.add_parser("sample", help="write a grid of samples from a .keras model or a SavedModel")
    p.add_argument("model", help="MODEL.keras or a SavedModel folder")
    p.add_argument("--num", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--labels", default=None, help="comma-separated class ids (conditional models)")
    p.add_argument("--truncation", type=float, default=None, metavar="PSI",
                   help="StyleGAN's truncation trick: pull w towards its average, psi in [0, 1] (1: none)")
    p.add_argument("--drawing", action="store_true",
                   help="GRAN: one row per image, one column per drawing step (the canvas after each step)")
    p.add_argument("--out", default="samples.png")
    p.set_defaults(func=cmd_sample)


def cmd_sample(args):
    check_positive(args, "num")
    labels = parse_labels(args.labels)
    if labels is not None:
        if len(labels) == 1:
            labels = labels * args.num
        if len(labels) != args.num:
            raise BadInput(f"--labels gives {len(labels)} labels for --num {args.num}")
    if args.drawing:
        model = load(args.model, saved_model=False)
        if not callable(getattr(model, "increments", None)):
            raise BadInput(f"--drawing: {args.model} holds a {type(model).__name__}, which does not draw in steps "
                           "(GRAN does)")
        if labels is not None or args.truncation is not None:
            raise BadInput("--drawing takes no --labels or --truncation")
        save_png(kg_callbacks.drawing_grid(model.generate(args.num, seed=args.seed, return_steps=True)[1]), args.out)
        print(f"keras-gans: wrote the {model.num_steps} drawing steps of {args.num} samples to {args.out}")
        return 0
    images = Sampler(load(args.model), args.model)(args.num, args.seed, labels, args.truncation)
    save_png(make_grid(images), args.out)
    print(f"keras-gans: wrote {args.num} samples to {args.out}")
    return 0
