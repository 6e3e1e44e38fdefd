"""The other side of an export: an image-to-image or AdaIN SavedModel called from Python.

``keras-gans translate`` / ``stylize`` on a SavedModel folder and the studio's tabs go through these, so both read
the signatures the same way and turn a failed check of a signature (its ``tf.debugging`` asserts, e.g. an AdaIN
content image below the encoder's minimum size) into a ``ValueError`` that names it, not a TensorFlow traceback.
"""

import numpy as np
import tensorflow as tf

from keras_gans.serving.signatures import failed_check


def input_specs(signature):
    """``{name: tf.TensorSpec}`` of a loaded signature's inputs."""
    return signature.structured_input_signature[1]


def call(signature, what, **inputs):
    """``signature(**inputs)``; the signature's own checks (tf.debugging asserts) become a ValueError about ``what``."""
    try:
        return signature(**inputs)
    except tf.errors.InvalidArgumentError as e:
        raise ValueError(f"{what}: {failed_check(e)}") from None


class SavedTranslator:
    """A Pix2Pix or CycleGAN export (``translate``, CycleGAN's ``translate_BtoA``): ``translate(image, direction)``
    on one uint8 ``[H, W, C]`` image."""

    def __init__(self, loaded, path):
        self.path = path
        if "translate" not in loaded.signatures:
            raise ValueError(f"the SavedModel {path} is not a Pix2Pix/CycleGAN export (no 'translate' signature; "
                             f"signatures: {', '.join(sorted(loaded.signatures))})")
        self._translate = {"AtoB": loaded.signatures["translate"]}
        if "translate_BtoA" in loaded.signatures:
            self._translate["BtoA"] = loaded.signatures["translate_BtoA"]
        self.directions = tuple(self._translate)
        self._channels = {d: int(input_specs(s)["images"].shape[-1]) for d, s in self._translate.items()}

    def check_direction(self, direction):
        if direction not in self._translate:
            raise ValueError(f"the SavedModel {self.path} has no {direction} translation (it translates "
                             f"{', '.join(self.directions)})")

    def channels_for(self, direction):
        """``(channels,)`` the ``direction`` translation takes, as ``ImageTranslationModel.channels_for``."""
        self.check_direction(direction)
        return (self._channels[direction],)

    def translate(self, image, direction="AtoB"):
        """uint8 ``[H', W', C']`` of one uint8 ``[H, W, C]`` image."""
        self.check_direction(direction)
        outputs = call(self._translate[direction], "translate", images=tf.constant(np.asarray(image, np.uint8)[None]))
        return outputs.get("translated_images", outputs.get("images")).numpy()[0]  # "images": older exports


class SavedStylizer:
    """An AdaIN export (``interpolate``, ``masked``): ``stylize`` with α, style weights, colour preservation and a
    region mask, as ``AdaINStyleTransfer.stylize``."""

    def __init__(self, loaded, path):
        self.path = path
        if "interpolate" not in loaded.signatures or "masked" not in loaded.signatures:
            raise ValueError(f"the SavedModel {path} is not an AdaIN export (no 'interpolate' and 'masked' "
                             f"signatures; signatures: {', '.join(sorted(loaded.signatures))})")
        self._interpolate, self._masked = loaded.signatures["interpolate"], loaded.signatures["masked"]

    def stylize(self, content, styles, alpha=1.0, style_weights=None, preserve_color=False, mask=None):
        """uint8 ``[1, H, W, 3]``: one content image (uint8 ``[H, W, 3]``) in one style image or a list of them (of
        one size: the signature takes them stacked); ``mask`` (region ids ``[H, W]``) assigns styles to regions."""
        styles = list(styles) if isinstance(styles, (list, tuple)) else [styles]
        if len({np.shape(s) for s in styles}) > 1:
            raise ValueError("style: a SavedModel takes style images of one size; resize them to one size, or "
                             "stylize with the .keras model")
        common = dict(content=tf.constant(content, tf.uint8), styles=tf.constant(np.stack(styles), tf.uint8),
                      alpha=tf.constant(float(alpha), tf.float32), preserve_color=tf.constant(bool(preserve_color)))
        if mask is not None:
            return call(self._masked, "style", mask=tf.constant(mask, tf.int32), **common)["images"].numpy()
        weights = np.full(len(styles), 1.0 / len(styles)) if style_weights is None else np.asarray(style_weights)
        return call(self._interpolate, "style", style_weights=tf.constant(weights, tf.float32),
                    **common)["images"].numpy()
