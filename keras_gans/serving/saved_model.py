"""Write any model's serving signatures as a SavedModel for TF Serving (one path for every model), or as
TFLite or ONNX files (:mod:`keras_gans.serving.formats`).

The signatures come from :func:`keras_gans.serving.signatures_for` (``noise_to_image``, ``translation``,
``dtn`` and ``style_transfer`` list them per family). The SavedModel loads with plain
``tf.saved_model.load`` (no keras_gans import). Writing is atomic: the model goes to a temporary folder
beside ``path`` and is renamed into place only when complete, so a failed export leaves an earlier one
untouched.

Beside the model, ``assets.extra/keras_gans.json`` (:data:`INFO_FILE`; TF Serving's folder for extra files, which
it does not read) says what the model is: its class and the sizes a client needs (:func:`model_info`), e.g. the
size a translation model was trained at, which its any-size signatures cannot say.
"""

import json
import os
import socket

import keras
import tensorflow as tf
from tensorflow.python.saved_model import save_context

from keras_gans import files
from keras_gans.serving import formats
from keras_gans.serving.signatures import signatures_for


#: the export's description of its model, relative to the SavedModel folder (:func:`model_info`)
INFO_FILE = os.path.join("assets.extra", "keras_gans.json")
#: attributes of a model that :func:`model_info` records when it has them
INFO_ATTRIBUTES = ("image_shape", "image_size", "latent_dim", "num_ws", "directions", "num_classes", "input_channels",
                   "output_channels")


def model_info(model):
    """``{"class": name, attribute: value}`` of ``model``: its :data:`INFO_ATTRIBUTES` that are plain values."""
    info = {"class": type(model).__name__}
    for name in INFO_ATTRIBUTES:
        value = getattr(model, name, None)
        if isinstance(value, (int, str)) or (isinstance(value, (tuple, list))
                                             and all(isinstance(v, (int, str)) for v in value)):
            info[name] = list(value) if isinstance(value, (tuple, list)) else value
    if callable(getattr(model, "channels_for", None)):  # a translation model: (input, output) channels per direction
        info["channels"] = {d: [int(c) for c in model.channels_for(d)] for d in model.directions}
    return info


def read_model_info(path):
    """The :func:`model_info` an export at ``path`` wrote, or ``None`` (an export from before it was written)."""
    try:
        with open(os.path.join(os.fspath(path), INFO_FILE)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


class _ExportArchive(type(keras.export.ExportArchive())):  # (the class ExportArchive() makes: TensorFlow's)
    """Keras's ``ExportArchive``, tracing each endpoint once instead of twice.

    ``write_out`` first traces every endpoint to list the variables it reads, outside a save context; then
    ``tf.saved_model.save`` looks the signatures up again inside one, where TensorFlow's function cache key holds
    the save options' variable policy, and traces them all a second time. Listing the variables inside a save
    context with the default options that ``write_out`` saves with gives the save a cache hit: exports take 0.70-0.90
    of the time at the papers' sizes (``scripts/benchmarks/results/export_time.md``; Pix2Pix 256: 5.9 s vs 8.3)."""

    def _filter_and_track_resources(self):  # Keras's private step: tests/serving/test_saved_model.py sees a rename
        with save_context.save_context(tf.saved_model.SaveOptions()):
            super()._filter_and_track_resources()


def export_archive(model):
    """A ``keras.export.ExportArchive`` tracking ``model``'s networks with its serving endpoints."""
    signatures = signatures_for(model)
    archive = _ExportArchive()
    for network in signatures.networks:
        archive.track(network)
    for endpoint in signatures.endpoints:
        archive.add_endpoint(endpoint.name, endpoint.fn, input_signature=endpoint.input_signature)
    return archive


def export(model, path, overwrite=False, format="savedmodel", quantize=None, ema=True):
    """Write ``model``'s serving endpoints at ``path`` (atomically, with the umask's permissions, so a TF
    Serving process running as another user can read it).

    ``format``: ``"savedmodel"`` (every endpoint, for TF Serving), ``"tflite"`` or ``"onnx"`` (a folder
    with one file per endpoint that converts and ``signatures.json``: :mod:`keras_gans.serving.formats`).
    ``quantize`` (TFLite only): ``None`` (float32), ``"float16"`` or ``"dynamic"`` (int8 weights).
    ``ema``: a model trained with generator EMA (``ema_decay``) serves the moving average; ``ema=False``
    exports the raw generator instead. A model in a mixed precision exports a SavedModel that computes in it
    (uint8 images as always) and TFLite or ONNX files computed in float32 from its float32 weights.

    Raises ``FileExistsError`` if ``path`` exists and ``overwrite`` is False, or if ``overwrite`` would
    replace something that is not an export (a folder without ``saved_model.pb`` or ``signatures.json``, a
    file); ``TypeError`` for an object without registered signatures; ``ValueError`` for an unknown format or
    quantization; ``ImportError`` for ONNX without tf2onnx. Returns ``path``.
    """
    if format not in formats.FORMATS:
        raise ValueError(f"format must be one of {', '.join(formats.FORMATS)}, got {format!r}")
    if format != "savedmodel" and getattr(model, "precision_policy", "float32") != "float32":
        # TFLite and ONNX have no bfloat16 kernels (and float16 there is `quantize`'s): their files are made from
        # the float32 master weights
        model = model.to_precision("float32")
    if not ema and hasattr(model, "raw_weights"):
        with model.raw_weights():
            return export(model, path, overwrite=overwrite, format=format, quantize=quantize)
    if format != "savedmodel":
        return formats.export_converted(model, path, format, overwrite=overwrite, quantize=quantize)
    if quantize:
        raise ValueError(f"quantize applies to TFLite exports only (format={format!r})")
    archive = export_archive(model)
    path = os.path.abspath(os.fspath(path))
    formats.check_can_replace(path, overwrite)
    with files.atomic_path(path, folder=True, replace=overwrite) as tmp:
        archive.write_out(tmp, verbose=False)
        os.makedirs(os.path.join(tmp, os.path.dirname(INFO_FILE)), exist_ok=True)
        with open(os.path.join(tmp, INFO_FILE), "w") as f:
            json.dump(model_info(model), f, indent=1)
    return path


def _versions(root):
    """The version numbers used in ``root``: SavedModel folders and the claims of exports in progress."""
    used = []
    for name in os.listdir(root):
        number = name[len(CLAIM_PREFIX):] if name.startswith(CLAIM_PREFIX) else name
        if number.isdigit():
            used.append(int(number))
    return used


CLAIM_PREFIX = ".version-"


def _remove_abandoned(root):
    """Remove the claims (and half-written temporary folders) of exports whose process, on this machine,
    was killed."""
    host = socket.gethostname()
    for name in os.listdir(root):
        if not name.startswith(CLAIM_PREFIX):
            continue
        claim = os.path.join(root, name)
        try:
            with open(claim) as f:
                owner_host, pid = f.read().split()
            if owner_host != host:
                continue
            os.kill(int(pid), 0)  # raises if no such process
        except ProcessLookupError:
            version = name[len(CLAIM_PREFIX):]
            for leftover in os.listdir(root):
                if leftover.startswith(f"{files.TMP_PREFIX}{version}-"):
                    files.remove(os.path.join(root, leftover))
            files.remove(claim)
        except (OSError, ValueError):  # unreadable, being written, or another user's process: leave it
            continue


def export_new_version(model, root, format="savedmodel", quantize=None):
    """Export ``model`` to ``root/<n>``, n one more than the largest version there (TF Serving's layout;
    ``format`` and ``quantize`` as in :func:`export`).

    The number is claimed before the export starts, by creating ``root/.version-<n>`` exclusively, so
    exports running at the same time get distinct versions and none replaces another; the claim is
    removed when the export is in place (or has failed). Returns the SavedModel's path.
    """
    root = os.path.abspath(os.fspath(root))
    os.makedirs(root, exist_ok=True)
    _remove_abandoned(root)
    while True:
        version = max(_versions(root), default=0) + 1
        claim = os.path.join(root, f"{CLAIM_PREFIX}{version}")
        try:
            fd = os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:  # another export claimed it first: take the next one
            continue
        with os.fdopen(fd, "w") as f:
            f.write(f"{socket.gethostname()} {os.getpid()}\n")
        break
    try:
        return export(model, os.path.join(root, str(version)), format=format, quantize=quantize)
    finally:
        files.remove(claim)
