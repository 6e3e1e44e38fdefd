"""The one loader of every command: a ``.keras`` file or a SavedModel folder."""

import os

import keras
import tensorflow as tf
from google.protobuf.message import DecodeError

from keras_gans.checkpoints import load_model

from keras_gans.cli.errors import BadInput, user_input


def load(path, what="model", saved_model=True):
    """What ``path`` holds: a ``keras.Model`` for a ``.keras`` file (the keras_gans classes are registered by
    importing keras_gans) or for ``preset:NAME`` (a shipped preset, :mod:`keras_gans.presets`), or the
    ``tf.saved_model.load`` object of a SavedModel folder, whose ``signatures`` are the model's endpoints. Commands that need the Python model pass ``saved_model=False``.

    A missing file, a folder without ``saved_model.pb``, or a damaged or truncated file is :class:`BadInput`
    (``what`` names the input in the message). Load in a strategy's scope to place the weights on its devices.
    """
    path = os.fspath(path)
    if path.startswith("preset:"):  # a trained model shipped with the package (keras_gans.presets)
        from keras_gans import presets

        try:
            return presets.load(path[len("preset:"):])
        except presets.PresetError as e:
            raise BadInput(f"{what}: {e}") from None
    if path.endswith(".keras"):
        if not os.path.isfile(path):
            raise BadInput(f"no {what} file {path}")
        with user_input():  # a damaged file is a CheckpointError (a ValueError) naming it
            return load_model(path)
    if not saved_model:
        raise BadInput(f"the {what} must be a .keras file saved by keras_gans, got {path}")
    if not os.path.isfile(os.path.join(path, "saved_model.pb")):
        raise BadInput(f"{path} is neither a .keras file nor a SavedModel folder")
    try:
        return tf.saved_model.load(path)
    except (DecodeError, tf.errors.OpError, OSError, ValueError) as e:
        message = " ".join(str(e).split())[:300]
        raise BadInput(f"the SavedModel {path} is corrupt or incomplete ({type(e).__name__}: {message})") from None


def is_saved_model(loaded):
    """Whether ``loaded`` (from :func:`load`) is a SavedModel rather than a Keras model."""
    return not isinstance(loaded, keras.Model)
