"""Callbacks for adversarial training: sample grids, a NaN guard, atomic checkpoints.

They work beside Keras's own ``BackupAndRestore``, ``ModelCheckpoint``,
``CSVLogger`` and ``TensorBoard``.
"""

import json
import math
import os
import tempfile

import keras
import numpy as np
import tensorflow as tf

from keras_gans.images import make_grid, save_png


class NonFiniteLossError(RuntimeError):
    """Raised by :class:`NaNGuard` when a logged loss is NaN or infinite."""


class SampleGrid(keras.callbacks.Callback):
    """Every ``every`` epochs, generate ``num`` images at fixed latent vectors.

    The same ``seed`` is used every time, so the grids show one set of latent
    points evolving. Writes ``directory/epoch_0001.png`` and, with ``log_dir``, a
    TensorBoard image summary. Conditional models cycle through the classes
    unless ``labels`` are given.
    """

    def __init__(self, directory=None, num=64, seed=0, labels=None, every=1, log_dir=None):
        super().__init__()
        if directory is None and log_dir is None:
            raise ValueError("SampleGrid needs a directory for PNGs, a TensorBoard log_dir, or both")
        self.directory = directory
        self.num = int(num)
        self.seed = int(seed)
        self.labels = labels
        self.every = int(every)
        self.log_dir = log_dir
        self._writer = None
        self.last_path = None

    def _labels(self):
        num_classes = getattr(self.model, "num_classes", None)
        if not num_classes:
            return None
        if self.labels is not None:
            return self.labels
        return np.arange(self.num) % num_classes

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        images = self.model.generate(self.num, seed=self.seed, labels=self._labels())
        cols = getattr(self.model, "num_classes", None) or None
        grid = make_grid(images, cols=cols)
        if self.directory:
            self.last_path = save_png(grid, os.path.join(self.directory, f"epoch_{epoch + 1:04d}.png"))
        if self.log_dir:
            if self._writer is None:
                self._writer = tf.summary.create_file_writer(self.log_dir)
            with self._writer.as_default():
                tf.summary.image("samples", grid[None], step=epoch + 1)
            self._writer.flush()


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
    """``model.save(path)`` through a temporary file, so ``path`` is never half written."""
    path = os.fspath(path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".keras", dir=os.path.dirname(os.path.abspath(path)))
    os.close(fd)
    try:
        model.save(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


class Checkpoint(keras.callbacks.Callback):
    """Save ``last.keras`` and ``state.json`` (epochs done) after every epoch, atomically.

    :func:`load_checkpoint` reads them back for ``fit(..., initial_epoch=...)``.
    """

    def __init__(self, directory):
        super().__init__()
        self.directory = os.fspath(directory)

    def on_epoch_end(self, epoch, logs=None):
        os.makedirs(self.directory, exist_ok=True)
        save_model_atomically(self.model, os.path.join(self.directory, "last.keras"))
        state = {"epoch": epoch + 1, "logs": {k: float(v) for k, v in (logs or {}).items()}}
        tmp = os.path.join(self.directory, ".state.json.tmp")
        with open(tmp, "w") as f:
            json.dump(state, f)
        os.replace(tmp, os.path.join(self.directory, "state.json"))


def load_checkpoint(directory):
    """``(model, epochs_done)`` from a :class:`Checkpoint` directory."""
    model_path = os.path.join(directory, "last.keras")
    state_path = os.path.join(directory, "state.json")
    if not (os.path.exists(model_path) and os.path.exists(state_path)):
        raise FileNotFoundError(f"no checkpoint to resume from in {directory}")
    with open(state_path) as f:
        epoch = int(json.load(f)["epoch"])
    return keras.models.load_model(model_path), epoch
