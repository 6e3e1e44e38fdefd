"""The run every ``keras-gans train MODEL`` shares: options, strategy, run folder, fit, save and export."""

import argparse
import json
import os

import keras
import tensorflow as tf

from keras_gans import callbacks as kg_callbacks
from keras_gans import serving
from keras_gans.cli.common import check_positive
from keras_gans.cli.errors import BadInput, user_input

STRATEGIES = ("default", "mirrored", "multiworker")


def make_strategy(name):
    """The ``tf.distribute`` strategy of ``--strategy``."""
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise BadInput(f"unknown strategy {name!r}; expected {', '.join(STRATEGIES)}")


def is_chief():
    """True unless TF_CONFIG names this process a non-chief worker."""
    config = json.loads(os.environ.get("TF_CONFIG", "{}") or "{}")
    task = config.get("task", {})
    if not task:
        return True
    if task.get("type") == "chief":
        return True
    has_chief = "chief" in config.get("cluster", {})
    return not has_chief and task.get("type") == "worker" and int(task.get("index", 0)) == 0


def use_jit(args, strategy):
    """XLA only when asked (--jit) and on one device: with keras_gans.kernels' fast strided
    convolutions it no longer speeds up DCGAN on the 2-core CPU (239 vs 248 images/s,
    scripts/results/dcgan_vs_torch.md) and costs 320 MB and 5 s of compilation. Under
    tf.distribute XLA cannot reach the per-replica random generator state."""
    return bool(args.jit) and strategy.num_replicas_in_sync == 1


def next_version_dir(root):
    """``root/<n+1>`` where n is the largest integer version already in ``root`` (TF Serving layout)."""
    versions = [int(d) for d in os.listdir(root) if d.isdigit()] if os.path.isdir(root) else []
    return os.path.join(root, str(max(versions, default=0) + 1))


def train_options():
    """The options every ``train MODEL`` subcommand shares (an argparse parent).

    Make a fresh one for every subcommand: argparse shares a parent's action objects with its children,
    so one child's ``set_defaults(batch_size=...)`` would change every other child's.
    """
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=64, help="minibatch per update")
    p.add_argument("--steps-per-epoch", type=int, default=None)
    p.add_argument("--out", default=None, help="run folder (default runs/MODEL)")
    p.add_argument("--export-dir", default="savedmodels", help="SavedModels go to EXPORT_DIR/MODEL/VERSION")
    p.add_argument("--strategy", default="default", choices=STRATEGIES)
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the initial weights, the data order and the sample noise (default 0)")
    p.add_argument("--jit", action="store_true",
                   help="compile the train step with XLA (single device only; default off)")
    return p


def run_training(args, make_data, make_model, make_callbacks=None, check_resumed=None):
    """Train ``args.model`` as every ``keras-gans train MODEL`` does.

    Checks the run folder (``--out``; ``--resume`` continues it, anything else
    refuses to touch an earlier run), builds the strategy, asks
    ``make_data(args, strategy) -> (dataset, info)`` for the data and
    ``make_model(args, info) -> model or (model, compile_kwargs)`` for a fresh model (or loads the last
    checkpoint and calls ``check_resumed(model, info)``), compiles, fits with
    NaNGuard + ``make_callbacks(args, work_dir, model, info)`` + CSVLogger +
    Checkpoint, then saves ``model.keras`` and exports a SavedModel to
    ``EXPORT_DIR/MODEL/<next version>``, each atomically.

    Everything before ``fit`` reads the user's options and files: the library's ``ValueError``s there are
    bad input (:func:`~keras_gans.cli.errors.user_input`); from ``fit`` on, errors are failures or bugs.
    """
    check_positive(args, "epochs", "batch_size", "steps_per_epoch")
    out = os.path.abspath(args.out or os.path.join("runs", args.model))
    chief = is_chief()
    work = out if chief else os.path.join(out, f".worker-{os.getpid()}")
    ckpt_dir = os.path.join(work, "checkpoints")
    has_run = os.path.exists(os.path.join(ckpt_dir, "state.json"))
    if args.resume and not has_run:
        raise BadInput(f"--resume: no checkpoint in {ckpt_dir}")
    if not args.resume and chief and (has_run or os.path.exists(os.path.join(out, "model.keras"))):
        raise BadInput(f"{out} already holds a run; pass --resume to continue it or choose another --out")

    # --seed fixes the initial weights and every unseeded draw (Python, NumPy, TensorFlow), so two runs
    # with the same options start alike; a resumed model continues its own saved SeedGenerator stream.
    keras.utils.set_random_seed(args.seed)
    strategy = make_strategy(args.strategy)
    with user_input():
        dataset, info = make_data(args, strategy)
        print(f"keras-gans: {args.model} on {info.get('description', info.get('name'))}, "
              f"{strategy.num_replicas_in_sync} replica(s), out {out}")
        with strategy.scope():
            if args.resume:
                model, initial_epoch = kg_callbacks.load_checkpoint(ckpt_dir)
                model.jit_compile = use_jit(args, strategy)
                if check_resumed is not None:
                    check_resumed(model, info)
            else:
                made = make_model(args, info)  # a model, or (model, compile keyword arguments)
                model, compile_kwargs = made if isinstance(made, tuple) else (made, {})
                model.compile(jit_compile=use_jit(args, strategy), **compile_kwargs)
                initial_epoch = 0
        if initial_epoch >= args.epochs:
            raise BadInput(f"--resume: the checkpoint has already trained {initial_epoch} epochs; "
                           "ask for more --epochs")
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
    serving.export(model, export_dir)
    print(f"keras-gans: saved {model_path}\nkeras-gans: exported SavedModel {export_dir}")
    return 0
