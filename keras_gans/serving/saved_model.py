"""Write any model's serving signatures as a SavedModel for TF Serving (one path for every model).

The signatures come from :func:`keras_gans.serving.signatures_for` (``noise_to_image``, ``translation``,
``dtn`` and ``style_transfer`` list them per family). The SavedModel loads with plain
``tf.saved_model.load`` (no keras_gans import). Writing is atomic: the model goes to a temporary folder
beside ``path`` and is renamed into place only when complete, so a failed export leaves an earlier one
untouched.
"""

import os
import shutil
import tempfile

import keras

from keras_gans.serving.signatures import signatures_for


def export_archive(model):
    """A ``keras.export.ExportArchive`` tracking ``model``'s networks with its serving endpoints."""
    signatures = signatures_for(model)
    archive = keras.export.ExportArchive()
    for network in signatures.networks:
        archive.track(network)
    for endpoint in signatures.endpoints:
        archive.add_endpoint(endpoint.name, endpoint.fn, input_signature=endpoint.input_signature)
    return archive


def export(model, path, overwrite=False):
    """Write ``model``'s serving endpoints as a SavedModel at ``path`` (atomically).

    Raises ``FileExistsError`` if ``path`` exists and ``overwrite`` is False, ``TypeError`` for an
    object without registered signatures. Returns ``path``.
    """
    archive = export_archive(model)
    path = os.path.abspath(os.fspath(path))
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f"export path {path} already exists; choose another path or pass overwrite=True")
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".export-", dir=parent)
    try:
        archive.write_out(tmp, verbose=False)
        if os.path.exists(path):
            old = tempfile.mkdtemp(prefix=".old-", dir=parent)
            os.rename(path, os.path.join(old, "model"))
            os.rename(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, path)
    finally:
        if os.path.exists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
    return path
