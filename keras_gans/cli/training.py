"""The run every ``keras-gans train MODEL`` shares: options, strategy, run folder, fit, save and export."""

import argparse
import contextlib
import json
import os
import shlex
import signal
import sys
import threading
import warnings

import keras
import tensorflow as tf

from keras_gans import callbacks as kg_callbacks
from keras_gans import checkpoints as kg_checkpoints
from keras_gans import files as kg_files
from keras_gans import serving
from keras_gans.core import precision as precisions
from keras_gans.cli.common import check_positive
from keras_gans.cli.errors import BadInput, user_input

STRATEGIES = ("default", "mirrored", "multiworker")
#: written in the run folder when the run is saved and exported: what ``--resume`` finds in a finished run
RUN_RECORD = "run.json"


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


def worker_name():
    """``TYPE-INDEX`` of this process's task in TF_CONFIG (e.g. ``worker-1``)."""
    task = json.loads(os.environ.get("TF_CONFIG", "{}") or "{}").get("task", {})
    return f"{task.get('type', 'worker')}-{int(task.get('index', 0))}"


def use_jit(args, strategy):
    """XLA only when asked (--jit) and on one device: with keras_gans.kernels' fast strided
    convolutions it no longer speeds up DCGAN on the 2-core CPU (239 vs 248 images/s,
    scripts/results/dcgan_vs_torch.md) and costs 320 MB and 5 s of compilation. Under
    tf.distribute XLA cannot reach the per-replica random generator state."""
    return bool(args.jit) and strategy.num_replicas_in_sync == 1


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
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint, "
                   "exactly where it stopped (same options; more --epochs may be given)")
    p.add_argument("--checkpoint-every", type=int, default=None, metavar="N",
                   help="also write a checkpoint every N steps (default: at the end of every epoch only)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the initial weights, the data order and the sample noise (default 0)")
    p.add_argument("--jit", action="store_true",
                   help="compile the train step with XLA (single device only; default off)")
    p.add_argument("--precision", default="float32", choices=precisions.CHOICES,
                   help="float32 (default), mixed_bfloat16, mixed_float16 or auto: bfloat16 on CPUs with AMX or "
                        "AVX-512 BF16, float16 on GPUs (docs/performance.md)")
    return p


#: Options that may change between a run and its ``--resume`` (where the outputs go, how long, how it runs);
#: every other option must be the run's own, so the resumed run reads the same data the same way.
RESUMABLE_CHANGES = {"epochs", "out", "export_dir", "resume", "jit", "strategy", "checkpoint_every", "num_samples",
                     "verbose", "func", "command", "argv"}


def run_options(args, replicas):
    """The options that define a run (see :data:`RESUMABLE_CHANGES`), as stored in its checkpoints."""
    options = {k: v for k, v in sorted(vars(args).items())
               if k not in RESUMABLE_CHANGES and isinstance(v, (str, int, float, bool, type(None), list))}
    options["replicas"] = replicas  # the global batch is split across them: the data stream depends on it
    return options


def resume_command(args):
    """The command line that continues this run (what was typed, with ``--resume`` added)."""
    argv = list(getattr(args, "argv", None) or [])
    if "--resume" not in argv:
        argv.append("--resume")
    if "--out" not in argv and not any(a.startswith("--out=") for a in argv):
        argv += ["--out", os.path.abspath(args.out or os.path.join("runs", args.model))]
    return "keras-gans " + " ".join(shlex.quote(a) for a in argv)


class CtrlC:
    """What the first Ctrl-C does once a run has announced itself: before ``fit`` it asks the run to stop
    before training (:meth:`check` raises ``KeyboardInterrupt`` there); once :meth:`attach` has handed it the
    :class:`~keras_gans.callbacks.Checkpoint`, it asks that to stop after the current step (a checkpoint, then
    ``TrainingInterrupted``). A second Ctrl-C interrupts at once.

    The handler only sets flags: a ``KeyboardInterrupt`` raised at an arbitrary point (inside a ``__del__``
    run by the garbage collector, say) can be swallowed and training would go on (seen once in CI).
    """

    def __init__(self):
        self.requested = False
        self.checkpoint = None

    def handler(self, signum, frame):
        self.requested = True
        if self.checkpoint is not None:
            self.checkpoint.request_stop()
            what = "after this step to write a checkpoint"
        else:
            what = "before training starts"
        print(f"\nkeras-gans: stopping {what} (Ctrl-C again to stop at once)", file=sys.stderr, flush=True)
        signal.signal(signal.SIGINT, self.previous)

    def attach(self, checkpoint):
        self.checkpoint = checkpoint
        if self.requested:
            checkpoint.request_stop()

    def check(self):
        """``KeyboardInterrupt`` if Ctrl-C came before training: nothing was trained or written."""
        if self.requested:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def installed(self):
        """The handler in place for the ``with`` block, the previous one after it. Not installed outside the main
        thread, nor where SIGINT is ignored (a job a non-interactive shell started with ``&``): Python itself
        leaves such a process deaf to SIGINT, and so does keras-gans."""
        self.previous = signal.getsignal(signal.SIGINT)
        if threading.current_thread() is not threading.main_thread() or self.previous is signal.SIG_IGN:
            yield self
            return
        signal.signal(signal.SIGINT, self.handler)
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, self.previous)


def check_outputs(out, export_dir):
    """The run folder and the export folder must be writable: found out before any training."""
    for folder, what in ((out, "--out"), (export_dir, "--export-dir")):
        try:
            kg_files.check_writable(folder, what)
        except PermissionError as e:
            raise BadInput(str(e)) from None


def resume_state(args, newest, out):
    """The validated state of the checkpoint ``--resume`` continues; :class:`BadInput` for a damaged one, one of
    another model, or a run that has nothing left to do."""
    with user_input():  # a damaged checkpoint (CheckpointError, a ValueError) is bad input, named
        state = kg_checkpoints.read_state(newest)
    if state.get("model", args.model) != args.model:
        raise BadInput(f"--resume: {newest} is a checkpoint of `train {state['model']}`, not `train {args.model}`")
    if state["epoch"] > args.epochs or (state["epoch"] == args.epochs and state["step"]):
        raise BadInput(f"--resume: the run has already trained {state['epoch']} epochs; ask for more --epochs")
    if state["epoch"] == args.epochs and os.path.exists(os.path.join(out, RUN_RECORD)):
        raise BadInput(f"--resume: the run in {out} is complete ({args.epochs} epochs, saved and exported); "
                       "ask for more --epochs to train on")
    return state


def check_same_options(saved, options, state_path):
    """:class:`BadInput` listing every option (of :func:`run_options`) that differs from the run's."""
    diffs = [f"--{k.replace('_', '-')}: the run has {saved[k]!r}, this command {v!r}"
             for k, v in options.items() if k in saved and saved[k] != v]
    if diffs:
        raise BadInput(f"--resume: {state_path} belongs to a run with other options ({'; '.join(diffs)}); "
                       "resume with the run's options")


def run_training(args, make_data, make_model, make_callbacks=None, check_resumed=None):
    """Train ``args.model`` as every ``keras-gans train MODEL`` does.

    1. Check before anything heavy: the options, the run folder (``--out``; ``--resume`` continues the run
       there and validates its newest checkpoint: the model, the options and the counters must be the
       run's; anything else refuses to touch an earlier run) and that ``--out`` and ``--export-dir`` are
       writable.
    2. ``make_data(args, strategy) -> (make_stream, info)`` reads the data once; ``make_stream(k)`` is an
       endless stream of batches, the same for the same options and ``--seed``, starting at its batch ``k``
       (0, or where the checkpoint stopped), and ``info["steps_per_epoch"]`` the default epoch length.
       ``make_model(args, info) -> model or (model, compile_kwargs)`` makes a fresh run's model (a resumed
       one loads the checkpoint and calls ``check_resumed(model, info)``).
    3. ``fit`` with NaNGuard + ``make_callbacks(args, work_dir, model, info)`` + Checkpoint (every epoch,
       every ``--checkpoint-every`` steps and at Ctrl-C; it also writes ``history.csv``). A run resumed
       mid-epoch first finishes that epoch, then fits the rest.
    4. Save ``model.keras`` and export a SavedModel to ``EXPORT_DIR/MODEL/<next version>``, each atomically;
       ``run.json`` records that the run is complete.

    Everything before ``fit`` reads the user's options and files: the library's ``ValueError``s there are
    bad input (:func:`~keras_gans.cli.errors.user_input`); from ``fit`` on, errors are failures or bugs.
    """
    check_positive(args, "epochs", "batch_size", "steps_per_epoch", "checkpoint_every")
    out = os.path.abspath(args.out or os.path.join("runs", args.model))
    chief = is_chief()
    # a non-chief worker keeps its own checkpoints (the same state as the chief's) under its task's name,
    # so the same cluster resumes with --resume
    work = out if chief else os.path.join(out, f".worker-{worker_name()}")
    ckpt_dir = os.path.join(work, "checkpoints")
    export_root = os.path.join(args.export_dir, args.model)
    newest = kg_checkpoints.latest(ckpt_dir)
    if args.resume and newest is None:
        raise BadInput(f"--resume: no checkpoint in {ckpt_dir}")
    if not args.resume and chief and (newest or os.path.exists(os.path.join(out, "model.keras"))):
        raise BadInput(f"{out} already holds a run; pass --resume to continue it or choose another --out")
    if chief:
        check_outputs(out, os.path.abspath(args.export_dir))
    state = resume_state(args, newest, out) if args.resume else {}

    # --seed fixes the initial weights and every unseeded draw (Python, NumPy, TensorFlow), so two runs
    # with the same options start alike; a resumed model continues its own saved SeedGenerator stream.
    keras.utils.set_random_seed(args.seed)
    strategy = make_strategy(args.strategy)
    options = run_options(args, strategy.num_replicas_in_sync)
    if args.resume:  # the options are checked before the data is read
        check_same_options(state.get("options", {}), options, os.path.join(newest, kg_checkpoints.STATE_FILE))
    with warnings.catch_warnings(record=True) as caught:  # the library's one warning, said as a CLI line
        warnings.simplefilter("always", RuntimeWarning)
        precisions.resolve(getattr(args, "precision", "float32"))
    for warning in caught:
        print(f"keras-gans: warning: {warning.message}", file=sys.stderr)
    # from here on the first Ctrl-C only asks the run to stop, at a point where it can (see CtrlC)
    with CtrlC().installed() as ctrl_c:
        with user_input():
            make_stream, info = make_data(args, strategy)
            steps_per_epoch = args.steps_per_epoch or info["steps_per_epoch"]
            if steps_per_epoch < 1:
                raise BadInput(f"the dataset is smaller than one batch of {args.batch_size}")
            if args.resume and state.get("global_step") is None:  # a checkpoint from before ckpt-* folders
                state = {**state, "global_step": state["epoch"] * steps_per_epoch}
            # the data position: every step reads one batch of the stream
            dataset = make_stream(state.get("global_step", 0))
            print(f"keras-gans: {args.model} on {info.get('description', info.get('name'))}, "
                  f"{strategy.num_replicas_in_sync} replica(s), out {out}")
            with strategy.scope():
                if args.resume:
                    model, _ = kg_checkpoints.load(newest)
                    model.jit_compile = use_jit(args, strategy)
                    if check_resumed is not None:
                        check_resumed(model, info)
                else:
                    made = make_model(args, info)  # a model, or (model, compile keyword arguments)
                    model, compile_kwargs = made if isinstance(made, tuple) else (made, {})
                    model.compile(jit_compile=use_jit(args, strategy), **compile_kwargs)
            callbacks = [kg_callbacks.NaNGuard()]
            if make_callbacks is not None:
                callbacks += list(make_callbacks(args, work, model, info))
        ctrl_c.check()  # a Ctrl-C while the data or the model was made: stop before anything is written
        checkpoint = kg_callbacks.Checkpoint(
            ckpt_dir, every_n_steps=args.checkpoint_every, history_csv=os.path.join(work, "history.csv"),
            run={"model": args.model, "options": options, "steps_per_epoch": steps_per_epoch}, resume=state)
        callbacks.append(checkpoint)
        os.makedirs(work, exist_ok=True)
        kg_files.remove_leftovers(ckpt_dir)
        epoch, step = state.get("epoch", 0), state.get("step", 0)
        if args.resume:
            where = f"epoch {epoch + 1}, step {step + 1}" if epoch < args.epochs else "the end of training"
            print(f"keras-gans: resuming {newest} at {where}")
        verbose = 1 if chief else 0
        ctrl_c.attach(checkpoint)  # from now on: after the step, with a checkpoint
        try:
            if step:  # resumed mid-epoch: finish that epoch, then train the others on the stream after it
                model.fit(dataset, initial_epoch=epoch, epochs=epoch + 1, steps_per_epoch=steps_per_epoch - step,
                          callbacks=callbacks, verbose=verbose, shuffle=False)
                dataset, epoch = make_stream(checkpoint.global_step), epoch + 1
            if epoch < args.epochs:
                model.fit(dataset, epochs=args.epochs, initial_epoch=epoch, steps_per_epoch=steps_per_epoch,
                          callbacks=callbacks, verbose=verbose, shuffle=False)
        except kg_callbacks.TrainingInterrupted as e:
            e.resume_command = resume_command(args)
            raise
    if not chief:
        return 0
    model_path = kg_callbacks.save_model_atomically(model, os.path.join(out, "model.keras"))
    export_dir = serving.export_new_version(model, export_root)
    kg_files.write_text(os.path.join(out, RUN_RECORD), json.dumps(
        {"model": args.model, "epochs": args.epochs, "model_file": model_path, "export": export_dir}, indent=1))
    print(f"keras-gans: saved {model_path}\nkeras-gans: exported SavedModel {export_dir}")
    return 0
