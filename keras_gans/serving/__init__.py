"""Serving: every model's SavedModel signatures, one ``export`` for all, and image files.

- :func:`export` writes a SavedModel (atomically) with the signatures of :func:`signatures_for`, or with
  ``format="tflite"`` / ``"onnx"`` the endpoints that convert (:mod:`~keras_gans.serving.formats`);
- per family: :mod:`~keras_gans.serving.noise_to_image` (``generate``, ``sample``, ALI's ``encode``),
  :mod:`~keras_gans.serving.stylegan` (``generate``, ``sample``, ``mix``, ``map``, ``synthesize`` with the
  truncation trick), :mod:`~keras_gans.serving.translation` (Pix2Pix, CycleGAN), :mod:`~keras_gans.serving.dtn`,
  :mod:`~keras_gans.serving.style_transfer` (AdaIN);
- :mod:`~keras_gans.serving.images`: sample grids, PNG files, encoded-image tensors.
"""

from keras_gans.serving import dtn, noise_to_image, style_transfer, stylegan, translation  # noqa: F401  (register)
from keras_gans.serving.formats import FORMATS, portable_endpoints
from keras_gans.serving.saved_model import export, export_archive, export_new_version, read_model_info
from keras_gans.serving.signatures import Endpoint, Signatures, register, signatures_for

__all__ = ["FORMATS", "Endpoint", "Signatures", "export", "export_archive", "export_new_version", "portable_endpoints",
           "read_model_info", "register", "signatures_for"]
