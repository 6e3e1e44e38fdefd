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
