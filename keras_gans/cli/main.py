"""The ``keras-gans`` command: train, sample, export.

Exit codes: 0 success, 2 bad input (unknown model or dataset, bad sizes, an
output that already exists), 1 training failure (a non-finite loss). A failed
command leaves earlier checkpoints, models and exports as they were.
"""

import argparse
import inspect
import json
import os
import sys


def _strategy(name):
    import tensorflow as tf

    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"unknown strategy {name!r}; expected default, mirrored or multiworker")


def _is_chief():
    """True unless TF_CONFIG names this process a non-chief worker."""
    config = json.loads(os.environ.get("TF_CONFIG", "{}") or "{}")
    task = config.get("task", {})
    if not task:
        return True
    if task.get("type") == "chief":
        return True
    has_chief = "chief" in config.get("cluster", {})
    return not has_chief and task.get("type") == "worker" and int(task.get("index", 0)) == 0


def _jit(args, strategy):
    """XLA only when asked (--jit) and on one device: with keras_gans.layers' fast strided
    convolutions it no longer speeds up DCGAN on the 2-core CPU (239 vs 248 images/s,
    scripts/results/dcgan_vs_torch.md) and costs 320 MB and 5 s of compilation. Under
    tf.distribute XLA cannot reach the per-replica random generator state."""
    return bool(args.jit) and strategy.num_replicas_in_sync == 1


def next_version_dir(root):
    """``root/<n+1>`` where n is the largest integer version already in ``root`` (TF Serving layout)."""
    versions = [int(d) for d in os.listdir(root) if d.isdigit()] if os.path.isdir(root) else []
    return os.path.join(root, str(max(versions, default=0) + 1))


def _check_positive(args, *names):
    for name in names:
        value = getattr(args, name, None)
        if value is not None and value < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be >= 1, got {value}")


def run_training(args, make_data, make_model, make_callbacks=None, check_resumed=None):
    """The run every ``keras-gans train MODEL`` shares.

    Checks the run folder (``--out``; ``--resume`` continues it, anything else
    refuses to touch an earlier run), builds the strategy, asks
    ``make_data(args, strategy) -> (dataset, info)`` for the data and
    ``make_model(args, info) -> model or (model, compile_kwargs)`` for a fresh model (or loads the last
    checkpoint and calls ``check_resumed(model, info)``), compiles, fits with
    NaNGuard + ``make_callbacks(args, work_dir, model, info)`` + CSVLogger +
    Checkpoint, then saves ``model.keras`` and exports a SavedModel to
    ``EXPORT_DIR/MODEL/<next version>``, each atomically.
    """
    import keras

    import keras_gans
    from keras_gans import callbacks as kg_callbacks

    _check_positive(args, "epochs", "batch_size", "steps_per_epoch")
    out = os.path.abspath(args.out or os.path.join("runs", args.model))
    chief = _is_chief()
    work = out if chief else os.path.join(out, f".worker-{os.getpid()}")
    ckpt_dir = os.path.join(work, "checkpoints")
    has_run = os.path.exists(os.path.join(ckpt_dir, "state.json"))
    if args.resume and not has_run:
        raise FileNotFoundError(f"--resume: no checkpoint in {ckpt_dir}")
    if not args.resume and chief and (has_run or os.path.exists(os.path.join(out, "model.keras"))):
        raise FileExistsError(f"{out} already holds a run; pass --resume to continue it or choose another --out")

    # --seed fixes the initial weights and every unseeded draw (Python, NumPy, TensorFlow), so two runs
    # with the same options start alike; a resumed model continues its own saved SeedGenerator stream.
    keras.utils.set_random_seed(args.seed)
    strategy = _strategy(args.strategy)
    dataset, info = make_data(args, strategy)
    print(f"keras-gans: {args.model} on {info.get('description', info.get('name'))}, "
          f"{strategy.num_replicas_in_sync} replica(s), out {out}")

    with strategy.scope():
        if args.resume:
            model, initial_epoch = kg_callbacks.load_checkpoint(ckpt_dir)
            model.jit_compile = _jit(args, strategy)
            if check_resumed is not None:
                check_resumed(model, info)
        else:
            made = make_model(args, info)  # a model, or (model, compile keyword arguments)
            model, compile_kwargs = made if isinstance(made, tuple) else (made, {})
            model.compile(jit_compile=_jit(args, strategy), **compile_kwargs)
            initial_epoch = 0
    if initial_epoch >= args.epochs:
        raise ValueError(f"--resume: the checkpoint has already trained {initial_epoch} epochs; ask for more --epochs")

    callbacks = [kg_callbacks.NaNGuard()]
    if make_callbacks is not None:
        callbacks += list(make_callbacks(args, work, model, info))
    callbacks += [
        keras.callbacks.CSVLogger(os.path.join(work, "history.csv"), append=args.resume),
        kg_callbacks.Checkpoint(ckpt_dir),
    ]
    os.makedirs(work, exist_ok=True)
    model.fit(dataset, epochs=args.epochs, initial_epoch=initial_epoch, steps_per_epoch=args.steps_per_epoch,
              callbacks=callbacks, verbose=1 if chief else 0)
    if not chief:
        return 0
    model_path = kg_callbacks.save_model_atomically(model, os.path.join(out, "model.keras"))
    export_dir = next_version_dir(os.path.join(args.export_dir, args.model))
    keras_gans.serving.export(model, export_dir)
    print(f"keras-gans: saved {model_path}\nkeras-gans: exported SavedModel {export_dir}")
    return 0


def cmd_train_gan(args):
    """``train gan|dcgan|wgan|wgan_gp|cgan|ebgan|began|ali|bigan``: noise -> image models on an image dataset."""
    import keras_gans
    from keras_gans import callbacks as kg_callbacks
    from keras_gans import datasets
    from keras_gans.models import get_model_class

    model_cls = get_model_class(args.model)
    conditional = model_cls is keras_gans.ConditionalGAN
    # WGAN / WGAN-GP read n_critic minibatches per train_step (their default n_critic)
    init_args = inspect.signature(model_cls.__init__).parameters
    d_steps = init_args["n_critic"].default if "n_critic" in init_args else 1

    def make_data(args, strategy):
        _check_positive(args, "batch_size")
        global_batch = args.batch_size * d_steps * strategy.num_replicas_in_sync
        dataset, info = datasets.load(args.dataset, batch_size=global_batch, image_size=args.image_size,
                                      channels=args.channels, with_labels=conditional, seed=args.seed,
                                      repeat=args.steps_per_epoch is not None)
        info["description"] = (f"{info['name']} ({info['num_examples']} images of {tuple(info['image_shape'])}), "
                               f"batch {args.batch_size} x {d_steps} step(s)")
        if hasattr(model_cls, "reconstruct"):  # encoder models: fixed real images for the reconstruction grid
            first = next(iter(dataset))
            info["preview"] = (first[0] if isinstance(first, tuple) else first).numpy()[:8]
        return dataset, info

    def make_model(args, info):
        kwargs = dict(image_shape=tuple(info["image_shape"]), seed=args.seed, instance_noise=args.instance_noise,
                      instance_noise_steps=args.instance_noise_steps)
        if conditional:
            if not info.get("num_classes"):
                raise ValueError(f"cgan needs labelled data; {args.dataset} has no labels")
            kwargs["num_classes"] = info["num_classes"]
        return model_cls(**kwargs)

    def check_resumed(model, info):
        if tuple(model.image_shape) != tuple(info["image_shape"]):
            raise ValueError(f"--resume: the checkpoint makes {model.image_shape} images, "
                             f"the data is {tuple(info['image_shape'])}")

    def make_callbacks(args, work, model, info):
        grids = [kg_callbacks.SampleGrid(os.path.join(work, "samples"), num=args.num_samples, seed=args.seed or 0,
                                         log_dir=os.path.join(work, "logs", "samples"))]
        if "preview" in info:
            grids.append(kg_callbacks.ReconstructionGrid(info["preview"], os.path.join(work, "reconstructions"),
                                                         log_dir=os.path.join(work, "logs", "reconstructions")))
        return grids

    return run_training(args, make_data, make_model, make_callbacks, check_resumed)


def _load_for_sampling(path):
    """A callable ``(num, seed, labels) -> uint8 images`` for a .keras file or a SavedModel."""
    import numpy as np
    import tensorflow as tf

    if path.endswith(".keras"):
        if not os.path.isfile(path):
            raise FileNotFoundError(f"no model file {path}")
        import keras

        import keras_gans  # noqa: F401  (registers the model classes)
        from keras_gans.serving.images import to_uint8

        model = keras.models.load_model(path)
        return lambda num, seed, labels: to_uint8(model.generate(num, seed=seed, labels=labels))
    if not os.path.isfile(os.path.join(path, "saved_model.pb")):
        raise FileNotFoundError(f"{path} is neither a .keras file nor a SavedModel folder")
    loaded = tf.saved_model.load(path)
    sample = loaded.signatures["sample"]

    def run(num, seed, labels):
        seed = tf.constant(seed, tf.int64)
        if "labels" in sample.structured_input_signature[1]:
            if labels is None:
                raise ValueError("this SavedModel is conditional: pass --labels")
            labels = np.broadcast_to(np.asarray(labels, "int32"), (num,))
            return sample(labels=tf.constant(labels), seed=seed)["images"].numpy()
        if labels is not None:
            raise ValueError("this SavedModel is not conditional: it takes no --labels")
        return sample(num=tf.constant(num, tf.int32), seed=seed)["images"].numpy()

    return run


def cmd_sample(args):
    from keras_gans.serving.images import make_grid, save_png

    if args.num < 1:
        raise ValueError(f"--num must be >= 1, got {args.num}")
    labels = None
    if args.labels:
        labels = [int(v) for v in args.labels.split(",")]
        if len(labels) == 1:
            labels = labels * args.num
        if len(labels) != args.num:
            raise ValueError(f"--labels gives {len(labels)} labels for --num {args.num}")
    images = _load_for_sampling(args.model)(args.num, args.seed, labels)
    save_png(make_grid(images), args.out)
    print(f"keras-gans: wrote {args.num} samples to {args.out}")
    return 0


def cmd_export(args):
    import keras

    import keras_gans

    if not os.path.isfile(args.model):
        raise FileNotFoundError(f"no model file {args.model}")
    model = keras.models.load_model(args.model)
    keras_gans.serving.export(model, args.out, overwrite=args.overwrite)
    print(f"keras-gans: exported SavedModel {args.out}")
    return 0


def train_options():
    """The options every ``train MODEL`` subcommand shares (an argparse parent)."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=64, help="minibatch per update")
    p.add_argument("--steps-per-epoch", type=int, default=None)
    p.add_argument("--out", default=None, help="run folder (default runs/MODEL)")
    p.add_argument("--export-dir", default="savedmodels", help="SavedModels go to EXPORT_DIR/MODEL/VERSION")
    p.add_argument("--strategy", default="default", choices=("default", "mirrored", "multiworker"))
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the initial weights, the data order and the sample noise (default 0)")
    p.add_argument("--jit", action="store_true",
                   help="compile the train step with XLA (single device only; default off)")
    return p


#: Per-model ``--epochs`` defaults where the reference code has one (others: 5, a quick look):
#: DCGAN 25, ``niter = 25`` in the reference dcgan.torch ``main.lua``.
DEFAULT_EPOCHS = {"dcgan": 25}

#: Modules that add subcommands: each has ``register(sub, train_sub, train_parent)``.
COMMAND_MODULES = (
    "keras_gans.commands.translation",
    "keras_gans.commands.latent",
    "keras_gans.commands.style",
    "keras_gans.commands.evaluate",
    "keras_gans.commands.results",
    "keras_gans.commands.dtn",
)


def build_parser():
    import importlib

    from keras_gans.models import MODELS

    parser = argparse.ArgumentParser(prog="keras-gans", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    # A fresh parent for every subcommand (module): argparse shares a parent's action objects with
    # its children, so one child's set_defaults(batch_size=...) would change every other child's.

    train = sub.add_parser("train", help="train a model; writes samples, history, checkpoints, model and export")
    train_sub = train.add_subparsers(dest="model", required=True, metavar="MODEL")
    for name in MODELS:
        gan = train_sub.add_parser(name, parents=[train_options()], help=f"{MODELS[name].__name__} on an image dataset")
        gan.add_argument("--dataset", default="embedded",
                         help="'embedded' (shipped Fashion-MNIST subset), 'fashion_mnist', an image folder, "
                              "or a tfds name")
        gan.add_argument("--image-size", type=int, default=None, help="resize images to S x S")
        gan.add_argument("--channels", type=int, default=None, choices=(1, 3),
                         help="convert images to 1 or 3 channels")
        gan.add_argument("--num-samples", type=int, default=64, help="images in each epoch's sample grid")
        gan.add_argument("--instance-noise", type=float, default=0.0, metavar="SIGMA0",
                         help="instance noise: Gaussian noise of std SIGMA0 on every image the discriminator sees, "
                              "annealed linearly to 0 (default 0: off)")
        gan.add_argument("--instance-noise-steps", type=int, default=10000,
                         help="discriminator updates over which the instance noise falls to 0")
        gan.set_defaults(func=cmd_train_gan, **({"epochs": DEFAULT_EPOCHS[name]} if name in DEFAULT_EPOCHS else {}))

    sample = sub.add_parser("sample", help="write a grid of samples from a .keras model or a SavedModel")
    sample.add_argument("model", help="MODEL.keras or a SavedModel folder")
    sample.add_argument("--num", type=int, default=64)
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--labels", default=None, help="comma-separated class ids (conditional models)")
    sample.add_argument("--out", default="samples.png")
    sample.set_defaults(func=cmd_sample)

    export = sub.add_parser("export", help="export a .keras model as a SavedModel for TF Serving")
    export.add_argument("model", help="MODEL.keras")
    export.add_argument("--out", required=True, help="SavedModel folder (must not exist unless --overwrite)")
    export.add_argument("--overwrite", action="store_true")
    export.set_defaults(func=cmd_export)

    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub, train_sub, train_options())
    return parser


def main(argv=None):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:2] == ["evaluate", "dtn"]:  # `evaluate dtn MODEL` is the DTN paper's evaluation
        argv = ["evaluate-dtn", *argv[2:]]
    args = build_parser().parse_args(argv)
    from keras_gans.callbacks import NonFiniteLossError

    try:
        return args.func(args)
    except NonFiniteLossError as e:
        print(f"keras-gans: error: {e}", file=sys.stderr)
        return 1
    except (ValueError, TypeError, FileNotFoundError, FileExistsError, NotADirectoryError) as e:
        print(f"keras-gans: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
