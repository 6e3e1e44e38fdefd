"""The one loader of every command: a ``.keras`` file or a SavedModel folder."""

import os
import zipfile

import keras
import tensorflow as tf

from keras_gans.cli.errors import BadInput, user_input


def load(path, what="model", saved_model=True):
    """What ``path`` holds: a ``keras.Model`` for a ``.keras`` file (the keras_gans classes are registered by
    importing keras_gans), or the ``tf.saved_model.load`` object of a SavedModel folder, whose ``signatures``
    are the model's endpoints. Commands that need the Python model pass ``saved_model=False``.

    A missing file, a folder without ``saved_model.pb`` or a file Keras cannot read is :class:`BadInput`
    (``what`` names the input in the message). Load in a strategy's scope to place the weights on its devices.
    """
    path = os.fspath(path)
    if path.endswith(".keras"):
        if not os.path.isfile(path):
            raise BadInput(f"no {what} file {path}")
        try:
            with user_input():
                return keras.models.load_model(path)
        except zipfile.BadZipFile as e:
            raise BadInput(f"{path} is not a .keras file: {e}") from e
    if not saved_model:
        raise BadInput(f"the {what} must be a .keras file saved by keras_gans, got {path}")
    if not os.path.isfile(os.path.join(path, "saved_model.pb")):
        raise BadInput(f"{path} is neither a .keras file nor a SavedModel folder")
    return tf.saved_model.load(path)


def is_saved_model(loaded):
    """Whether ``loaded`` (from :func:`load`) is a SavedModel rather than a Keras model."""
    return not isinstance(loaded, keras.Model)
