"""Trained models shipped with the package, each with a model card (KerasHub's ``from_preset`` convention).

``keras_gans.DCGAN.from_preset("fashion_mnist")``, ``keras_gans.presets.load("dcgan_fashion_mnist")`` or, on the
command line, ``preset:dcgan_fashion_mnist`` wherever a model file is taken. :func:`names` lists them and
:func:`card` gives a preset's model card: what it was trained on, the command that trained it, its steps, and a
metric measured on the loaded preset with a stated protocol (``scripts/presets/train_presets.py`` regenerates
every preset and its card).

A preset is two files in ``keras_gans/presets/data``: ``NAME.npz`` (the model's config as JSON and every variable:
floating-point weights stored in float16 to keep the package small, integer states such as random-generator seeds
exactly) and ``NAME.json`` (the card, with the ``.npz`` file's SHA-256). Loading rebuilds the model from its config
and assigns the variables (cast back to the model's dtypes); no optimizer state is shipped, so a preset samples,
translates, exports and evaluates, and trains further after ``compile()`` with fresh optimizers.
"""

import hashlib
import io
import json
import os

import keras
import numpy as np

from keras_gans import files

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
#: stored dtype of floating-point variables
STORED_FLOAT = "float16"


class PresetError(ValueError):
    """An unknown preset, a preset of another class, or a damaged preset file."""


def names(directory=DATA):
    """The presets in ``directory`` (default: the shipped ones), sorted."""
    if not os.path.isdir(directory):
        return []
    return sorted(f[:-5] for f in os.listdir(directory) if f.endswith(".json")
                  and os.path.isfile(os.path.join(directory, f[:-5] + ".npz")))


def _paths(name, directory):
    return os.path.join(directory, f"{name}.npz"), os.path.join(directory, f"{name}.json")


def card(name, directory=DATA):
    """The model card of preset ``name``: a dict (see the module docstring)."""
    with open(_paths(check_name(name, directory), directory)[1]) as f:
        return json.load(f)


def check_name(name, directory=DATA):
    """``name`` if it is a preset in ``directory``, else a :class:`PresetError` listing the presets."""
    available = names(directory)
    if name not in available:
        raise PresetError(f"no preset {name!r}; the presets are: {', '.join(available) or 'none'}")
    return name


def resolve(cls, name, directory=DATA):
    """The preset of ``cls`` called ``name``: ``name`` itself, or ``<class prefix>_<name>`` (``DCGAN`` +
    ``"fashion_mnist"`` -> ``"dcgan_fashion_mnist"``)."""
    prefixed = f"{cls.__name__.lower()}_{name}"
    if name not in names(directory) and prefixed in names(directory):
        return prefixed
    return name


def load(name, expected_class=None, directory=DATA):
    """The model of preset ``name`` (checked against its card's SHA-256); with ``expected_class``, a
    :class:`PresetError` unless the preset holds one."""
    npz, _ = _paths(check_name(name, directory), directory)
    info = card(name, directory)
    digest = _sha256(npz)
    if info.get("sha256") != digest:
        raise PresetError(f"preset {name!r}: {npz} does not match its model card (SHA-256 {digest[:12]}..., the card "
                          f"says {str(info.get('sha256'))[:12]}...): the file is damaged or was replaced")
    try:
        with np.load(npz, allow_pickle=False) as data:
            config = json.loads(str(data["config"]))
            arrays = [data[f"v{i:05d}"] for i in range(int(data["count"]))]
    except (OSError, KeyError, ValueError) as e:
        raise PresetError(f"preset {name!r}: {npz} cannot be read ({type(e).__name__}: {e})") from None
    model = keras.saving.deserialize_keras_object(config)
    if expected_class is not None and not isinstance(model, expected_class):
        raise PresetError(f"preset {name!r} holds a {type(model).__name__}, not a {expected_class.__name__}; "
                          f"load it with keras_gans.{type(model).__name__}.from_preset or keras_gans.presets.load")
    variables = model.variables
    if len(variables) != len(arrays):
        raise PresetError(f"preset {name!r} has {len(arrays)} variables, its model {len(variables)}")
    for variable, array in zip(variables, arrays):
        if tuple(variable.shape) != array.shape:
            raise PresetError(f"preset {name!r}: variable {variable.path} is {tuple(variable.shape)}, the file's "
                              f"{array.shape}")
        variable.assign(array.astype(variable.dtype))
    return model


def save(model, name, model_card, directory=DATA):
    """Write ``model`` as preset ``name`` with ``model_card`` (a dict; ``sha256``, ``class`` and ``size_bytes`` are
    added) into ``directory``, each file atomically. Returns the card."""
    arrays = {}
    for i, variable in enumerate(model.variables):
        value = keras.ops.convert_to_numpy(variable)
        arrays[f"v{i:05d}"] = value.astype(STORED_FLOAT) if np.issubdtype(value.dtype, np.floating) else value
    config = json.dumps(keras.saving.serialize_keras_object(model))
    buffer = io.BytesIO()
    np.savez_compressed(buffer, config=np.array(config), count=np.array(len(arrays)), **arrays)
    os.makedirs(directory, exist_ok=True)
    npz, card_path = _paths(name, directory)
    with files.atomic_path(npz) as tmp:
        with open(tmp, "wb") as f:
            f.write(buffer.getvalue())
    full = {"name": name, "class": type(model).__name__, **model_card, "sha256": _sha256(npz),
            "size_bytes": os.path.getsize(npz), "stored_float": STORED_FLOAT}
    files.write_text(card_path, json.dumps(full, indent=2) + "\n")
    return full


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
