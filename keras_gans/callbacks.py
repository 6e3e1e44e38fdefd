"""Callbacks for adversarial training: sample grids, a NaN guard, atomic checkpoints that resume exactly.

They work beside Keras's own ``BackupAndRestore``, ``ModelCheckpoint``,
``CSVLogger`` and ``TensorBoard``.
"""

import math
import os

import keras
import numpy as np
import tensorflow as tf

from keras_gans import checkpoints, files
from keras_gans.serving.images import make_grid, save_png, to_uint8


class NonFiniteLossError(RuntimeError):
    """Raised by :class:`NaNGuard` when a logged loss is NaN or infinite."""


class _GridCallback(keras.callbacks.Callback):
    """What the image-grid callbacks share: every ``every`` epochs, ``grid()`` (a uint8 image) is
    saved as ``directory/epoch_NNNN.png`` and/or a TensorBoard image summary under ``tag``."""

    tag = "grid"

    def __init__(self, directory, every, log_dir, require_output=True):
        super().__init__()
        if require_output and directory is None and log_dir is None:
            raise ValueError(f"{type(self).__name__} needs a directory for PNGs, a TensorBoard log_dir, or both")
        self.directory = directory
        self.every = int(every)
        self.log_dir = log_dir
        self._writer = None
        self.last_path = None

    def grid(self):
        raise NotImplementedError

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        grid = self.grid()
        if self.directory:
            self.last_path = save_png(grid, os.path.join(self.directory, f"epoch_{epoch + 1:04d}.png"))
        if self.log_dir:
            if self._writer is None:
                self._writer = tf.summary.create_file_writer(self.log_dir)
            with self._writer.as_default():
                tf.summary.image(self.tag, grid[None], step=epoch + 1)
            self._writer.flush()


class SampleGrid(_GridCallback):
    """Every ``every`` epochs, generate ``num`` images at fixed latent vectors.

    The same ``seed`` is used every time, so the grids show one set of latent
    points evolving. Writes ``directory/epoch_0001.png`` and, with ``log_dir``, a
    TensorBoard image summary. Conditional models cycle through the classes
    unless ``labels`` are given.
    """

    tag = "samples"

    def __init__(self, directory=None, num=64, seed=0, labels=None, every=1, log_dir=None):
        super().__init__(directory, every, log_dir)
        self.num = int(num)
        self.seed = int(seed)
        self.labels = labels

    def _labels(self):
        num_classes = getattr(self.model, "num_classes", None)
        if not num_classes:
            return None
        if self.labels is not None:
            return self.labels
        return np.arange(self.num) % num_classes

    def grid(self):
        images = self.model.generate(self.num, seed=self.seed, labels=self._labels())
        return make_grid(images, cols=getattr(self.model, "num_classes", None) or None)


def drawing_grid(canvases):
    """The paper's drawing figure: one row per image, one column per step (``canvases``: ``[N, T, H, W, C]`` in
    [-1, 1], as ``GRAN.generate(..., return_steps=True)`` gives them)."""
    canvases = np.asarray(canvases)
    return make_grid(to_uint8(canvases.reshape(-1, *canvases.shape[2:])), cols=canvases.shape[1])


class DrawingSteps(_GridCallback):
    """Every ``every`` epochs, the canvases of ``num`` fixed latents after each drawing step (GRAN, Im et al. 2016,
    Figures 4-6): ``directory/epoch_NNNN.png`` with one row per image and one column per step."""

    tag = "drawing_steps"

    def __init__(self, directory=None, num=8, seed=0, every=1, log_dir=None):
        super().__init__(directory, every, log_dir)
        self.num, self.seed = int(num), int(seed)

    def grid(self):
        return drawing_grid(self.model.generate(self.num, seed=self.seed, return_steps=True)[1])


class TranslationGrid(_GridCallback):
    """Every ``every`` epochs, translate fixed images and save ``input | output (| target)`` rows.

    ``a``, ``b``: uint8 or [-1, 1] images. Paired models get rows of A, G(A), B; CycleGAN
    (``directions`` AtoB and BtoA) rows of A, G(A), F(G(A)) and B, F(B), G(F(B)). Images
    with different channel counts are shown in RGB.
    """

    tag = "translations"

    def __init__(self, directory, a, b, paired=True, every=1, log_dir=None):
        super().__init__(directory, every, log_dir, require_output=False)
        self.a, self.b = np.asarray(a), np.asarray(b)
        self.paired = paired

    def rows(self):
        model = self.model
        if self.paired:
            columns = [self.a, model.translate(self.a), self.b]
        else:
            fake_b = model.translate(self.a, "AtoB")
            fake_a = model.translate(self.b, "BtoA")
            columns = [np.concatenate(c) for c in ((self.a, self.b), (fake_b, fake_a),
                                                    (model.translate(fake_b, "BtoA"), model.translate(fake_a, "AtoB")))]
        columns = [c if c.dtype == np.uint8 else to_uint8(c) for c in columns]
        if len({c.shape[-1] for c in columns}) > 1:
            columns = [np.repeat(c, 3, axis=-1) if c.shape[-1] == 1 else c for c in columns]
        return np.stack(columns, axis=1).reshape(-1, *columns[0].shape[1:]), len(columns)

    def grid(self):
        images, cols = self.rows()
        return make_grid(images, cols=cols)


class ReconstructionGrid(_GridCallback):
    """Every ``every`` epochs, save fixed real images ``x`` (top row) above ``G(E(x))``.

    For models with an encoder (``ALI``, ``BiGAN``: ``model.reconstruct``). ``images``: [-1, 1] floats.
    """

    tag = "reconstructions"

    def __init__(self, images, directory=None, every=1, log_dir=None):
        super().__init__(directory, every, log_dir)
        self.images = np.asarray(images, "float32")

    def grid(self):
        if not hasattr(self.model, "reconstruct"):
            raise TypeError(f"ReconstructionGrid needs a model with an encoder (reconstruct), "
                            f"got {type(self.model).__name__}")
        rows = np.concatenate([self.images, self.model.reconstruct(self.images)])
        return make_grid(rows, cols=len(self.images))


class NaNGuard(keras.callbacks.Callback):
    """Stop at the first non-finite loss, naming it; nothing after it is saved.

    Raising (instead of ``stop_training``) ends ``fit`` before the epoch ends, so
    no later callback (``ModelCheckpoint``, :class:`Checkpoint`) writes the broken
    weights: the last good checkpoint stays in place.
    """

    def on_train_batch_end(self, batch, logs=None):
        for name, value in (logs or {}).items():
            try:
                value = float(value)
            except (TypeError, ValueError):
                continue
            if not math.isfinite(value):
                raise NonFiniteLossError(
                    f"non-finite loss: {name} = {value} at batch {batch}; training stopped, "
                    "earlier checkpoints are left as they were"
                )


def save_model_atomically(model, path):
    """``model.save(path)`` through a temporary file (:func:`keras_gans.files.atomic_path`), so ``path`` is
    never half written and gets the umask's permissions."""
    with files.atomic_path(path) as tmp:
        model.save(tmp)
    return os.fspath(path)


class TrainingInterrupted(Exception):
    """Raised by :class:`Checkpoint` after :meth:`Checkpoint.request_stop`: the step finished and a
    checkpoint was written (``checkpoint``: its folder)."""

    def __init__(self, checkpoint):
        super().__init__(f"training interrupted; checkpoint written to {checkpoint}")
        self.checkpoint = checkpoint


class Checkpoint(keras.callbacks.Callback):
    """An atomic checkpoint (:mod:`keras_gans.checkpoints`) after every epoch and, with ``every_n_steps``,
    every N steps; keeps the newest ``keep``. ``history_csv``: also rewrite this CSV (one row per finished
    epoch, as ``keras.callbacks.CSVLogger`` writes them) from the committed checkpoint's rows, after the
    checkpoint is in place, so the table never holds an epoch the checkpoint does not.

    ``run``: JSON-able keys written into every ``state.json`` (for example the run's options, to be
    checked on resume). ``resume``: the ``state`` of the checkpoint a run continues from
    (:func:`keras_gans.checkpoints.load`): its history rows, step counters and, when it was written mid-epoch,
    the epoch's metric sums, restored at the start of that epoch so its logs equal an uninterrupted run's.

    :meth:`request_stop` (safe to call from a signal handler) ends training after the current step with a
    checkpoint and a :class:`TrainingInterrupted`. :func:`load_checkpoint` reads checkpoints back for
    ``fit(..., initial_epoch=...)``.
    """

    def __init__(self, directory, every_n_steps=None, keep=2, history_csv=None, run=None, resume=None):
        super().__init__()
        if every_n_steps is not None and (not isinstance(every_n_steps, int) or every_n_steps < 1):
            raise ValueError(f"every_n_steps must be a positive integer or None, got {every_n_steps!r}")
        if not isinstance(keep, int) or keep < 1:
            raise ValueError(f"keep must be a positive integer, got {keep!r}")
        self.directory = os.fspath(directory)
        self.every_n_steps = every_n_steps
        self.keep = keep
        self.history_csv = history_csv
        self.run = dict(run or {})
        resume = resume or {}
        self.history = list(resume.get("history", []))
        self.global_step = resume.get("global_step") or 0
        self._resume_epoch = resume.get("epoch") if resume.get("step") else None
        self._resume_step = resume.get("step", 0)
        self._resume_metrics = resume.get("metrics")
        self._stop_requested = False
        self.last_checkpoint = None

    def request_stop(self):
        self._stop_requested = True

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch, self._step = epoch, 0
        self._epoch_steps = self.params.get("steps")
        if epoch == self._resume_epoch:  # a run resumed mid-epoch: this epoch's first steps are done
            self._step = self._resume_step
            self._epoch_steps = (self._epoch_steps or 0) + self._resume_step
            if self._resume_metrics is not None:
                for variable, value in zip(self.model.metrics_variables, self._resume_metrics):
                    variable.assign(np.asarray(value, variable.dtype))
            self._resume_epoch = None

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        self.global_step += 1
        epoch_ends = self._step == self._epoch_steps
        if self._stop_requested:
            if epoch_ends:  # on_epoch_end would write the same position; finish the epoch properly first
                return
            raise TrainingInterrupted(self._save_mid_epoch())
        if self.every_n_steps and self.global_step % self.every_n_steps == 0 and not epoch_ends:
            self._save_mid_epoch()

    def on_epoch_end(self, epoch, logs=None):
        self.history.append({"epoch": epoch, **{k: float(v) for k, v in (logs or {}).items()}})
        self._save(epoch + 1, 0, None)
        if self.history_csv:
            keys = sorted({k for row in self.history for k in row} - {"epoch"})
            lines = [",".join(["epoch", *keys])]
            lines += [",".join(str(row.get(k, "")) for k in ["epoch", *keys]) for row in self.history]
            files.write_text(self.history_csv, "\n".join(lines) + "\n")
        if self._stop_requested:
            raise TrainingInterrupted(self.last_checkpoint)

    def _save_mid_epoch(self):
        metrics = [np.asarray(v.numpy()).tolist() for v in self.model.metrics_variables]
        return self._save(self._epoch, self._step, metrics)

    def _save(self, epoch, step, metrics):
        state = {**self.run, "epoch": epoch, "step": step, "global_step": self.global_step,
                 "metrics": metrics, "history": self.history}
        self.last_checkpoint = checkpoints.write(self.directory, self.model, state, keep=self.keep)
        return self.last_checkpoint


def load_checkpoint(directory):
    """``(model, epochs_done)`` from the newest checkpoint a :class:`Checkpoint` wrote in ``directory``
    (validated: a damaged one raises :class:`keras_gans.checkpoints.CheckpointError`)."""
    newest = checkpoints.latest(os.fspath(directory))
    if newest is None:
        raise FileNotFoundError(f"no checkpoint to resume from in {directory}")
    model, state = checkpoints.load(newest)
    return model, state["epoch"]
