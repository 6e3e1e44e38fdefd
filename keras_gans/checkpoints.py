"""Training checkpoints, each one atomic unit: ``DIRECTORY/ckpt-<global step>/{model.keras, state.json}``.

``model.keras`` holds the weights, the optimizers' state and the models' random-generator states
(``keras.random.SeedGenerator`` variables); ``state.json`` the position in training (epochs done, the
step within the next epoch, the global step), the model's class, the run's options, the metric
trackers' running sums of a partly done epoch and the history rows of the finished epochs. Both are
written in a hidden temporary folder, flushed to disk and renamed into place in one step
(:func:`keras_gans.files.atomic_path`), so a kill at any moment leaves complete checkpoints only; the
newest ``keep`` are kept (default 2: the previous good one survives the newest). :func:`latest` finds
the newest and :func:`load` validates it, refusing a damaged or mismatched checkpoint with a
:class:`CheckpointError` naming the file and what is wrong.

Folders written before this format (``last.keras`` + ``state.json`` with ``{"epoch": N}``) still load.
"""

import json
import os
import re
import zipfile

import keras

from keras_gans import files

FORMAT = 1
MODEL_FILE = "model.keras"
STATE_FILE = "state.json"
_NAME = re.compile(r"^ckpt-(\d{10})$")


class CheckpointError(ValueError):
    """A checkpoint that cannot be resumed: damaged, written by another model or run, or already complete."""


def name_for(global_step):
    return f"ckpt-{int(global_step):010d}"


def checkpoints(directory):
    """The checkpoint folders in ``directory``, oldest first (by global step)."""
    if not os.path.isdir(directory):
        return []
    names = sorted(n for n in os.listdir(directory) if _NAME.match(n))
    return [os.path.join(directory, n) for n in names]


def latest(directory):
    """The newest checkpoint folder in ``directory`` (or a legacy ``last.keras`` folder), or ``None``."""
    found = checkpoints(directory)
    if found:
        return found[-1]
    if os.path.exists(os.path.join(directory, "last.keras")) or os.path.exists(os.path.join(directory, STATE_FILE)):
        return os.fspath(directory)  # the format before ckpt-* folders
    return None


def write(directory, model, state, keep=2):
    """Write ``model`` and ``state`` (a JSON-able dict with at least ``epoch``, ``step`` and ``global_step``)
    as ``directory/ckpt-<global_step>``, atomically, then remove all but the newest ``keep`` checkpoints.
    Returns the checkpoint's folder."""
    state = {"format": FORMAT, "class": type(model).__name__, **state}
    path = os.path.join(directory, name_for(state["global_step"]))
    os.makedirs(directory, exist_ok=True)
    files.remove_leftovers(directory)
    with files.atomic_path(path, folder=True) as tmp:
        model.save(os.path.join(tmp, MODEL_FILE))
        with open(os.path.join(tmp, STATE_FILE), "w") as f:
            json.dump(state, f, indent=1)
    for old in checkpoints(directory)[:-keep]:
        # renamed (one atomic step) before it is deleted, so a kill mid-delete never leaves a partial
        # checkpoint under a ckpt-* name
        trash = os.path.join(directory, files.TMP_PREFIX + "old-" + os.path.basename(old))
        os.rename(old, trash)
        files.remove(trash)
    return path


def _int_field(state, key, path, minimum=0):
    value = state.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise CheckpointError(f"{path} is corrupt: {key!r} must be an integer >= {minimum}, got {value!r}")
    return value


def read_state(checkpoint):
    """The validated ``state.json`` of a checkpoint folder (legacy folders: ``{"epoch": N, "step": 0}``)."""
    path = os.path.join(checkpoint, STATE_FILE)
    if not os.path.isfile(path):
        raise CheckpointError(f"{checkpoint} is corrupt: it has no {STATE_FILE}")
    try:
        with open(path) as f:
            state = json.load(f)
    except (ValueError, UnicodeDecodeError) as e:
        raise CheckpointError(f"{path} is corrupt: not valid JSON ({e})") from None
    if not isinstance(state, dict):
        raise CheckpointError(f"{path} is corrupt: expected a JSON object, got {type(state).__name__}")
    legacy = "format" not in state
    if not legacy and state["format"] != FORMAT:
        raise CheckpointError(f"{path} has checkpoint format {state['format']!r}; this keras_gans reads {FORMAT}")
    _int_field(state, "epoch", path)
    if legacy:
        return {"epoch": state["epoch"], "step": 0, "global_step": None, "history": []}
    for key in ("step", "global_step"):
        _int_field(state, key, path)
    if not isinstance(state.get("history", []), list):
        raise CheckpointError(f"{path} is corrupt: 'history' must be a list of rows")
    if len(state.get("history", [])) not in (0, state["epoch"]):
        raise CheckpointError(f"{path} is corrupt: {len(state['history'])} history rows for {state['epoch']} epochs")
    return state


def load_model(path):
    """``keras.models.load_model(path)``, with a damaged file reported as a :class:`CheckpointError`."""
    if not os.path.isfile(path):
        raise CheckpointError(f"{path} is missing")
    try:
        return keras.models.load_model(path)
    except (zipfile.BadZipFile, EOFError, KeyError, OSError, ValueError) as e:
        if isinstance(e, (ValueError, KeyError)) and zipfile.is_zipfile(path) and _complete_zip(path):
            raise  # a readable archive Keras refuses: a real error, not damage
        raise CheckpointError(f"{path} is corrupt or truncated ({type(e).__name__}: {e})") from None


def _complete_zip(path):
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None
    except (zipfile.BadZipFile, OSError, EOFError):
        return False


def load(checkpoint):
    """``(model, state)`` of a checkpoint folder, validated (the CLI also compares the state's options with the
    command's: ``keras_gans.cli.training.check_same_options``)."""
    state = read_state(checkpoint)
    legacy = state.get("global_step") is None
    model = load_model(os.path.join(checkpoint, "last.keras" if legacy else MODEL_FILE))
    if not legacy and state.get("class") != type(model).__name__:
        raise CheckpointError(f"{checkpoint} is corrupt: state.json says {state.get('class')}, "
                              f"model.keras holds a {type(model).__name__}")
    return model, state
