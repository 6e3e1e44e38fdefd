"""Serving signatures of the image-to-image models (Pix2Pix, CycleGAN), per direction ``D`` (``AtoB``
first, so it is also ``serving_default``):

- ``translate`` / ``translate_BtoA``: ``images`` uint8 ``[B, H, W, C]`` (any H, W) -> ``{"translated_images": uint8}``;
- ``translate_bytes`` / ``translate_BtoA_bytes``: ``image_bytes`` string ``[B]`` (PNG, JPEG, BMP or GIF;
  for TF Serving REST ``{"b64": ...}``) -> ``{"translated_bytes": PNG strings}`` (TF Serving's REST API
  base64-wraps string outputs whose alias ends in ``_bytes``). Each image is translated at its own size, so
  one request may mix sizes.

Inputs and outputs have different names (tf2onnx's ``--signature_def`` conversion needs that); exports
before this named the outputs ``images`` and ``image_bytes`` (``keras-gans translate`` reads both).
"""

import tensorflow as tf

from keras_gans.core.image_to_image import ImageTranslationModel, translate_any_size
from keras_gans.core.images import scale_images, to_uint8
from keras_gans.serving.images import map_encoded_images
from keras_gans.serving.signatures import Signatures, register


def _direction_endpoints(generator, in_channels, multiple):
    def translate(images):
        # TF serving signatures do not enforce the channel dimension (a grouped convolution
        # would silently accept 2 channels for 1), so check it here.
        check = tf.debugging.assert_equal(tf.shape(images)[-1], in_channels,
                                          message=f"images must have {in_channels} channel(s)")
        with tf.control_dependencies([check]):
            return {"translated_images": to_uint8(translate_any_size(generator, scale_images(images), multiple))}

    def translate_bytes(image_bytes):
        def translate_one(image):
            return to_uint8(translate_any_size(generator, scale_images(image), multiple))

        return {"translated_bytes": map_encoded_images(translate_one, image_bytes, in_channels)}

    return translate, translate_bytes


@register(ImageTranslationModel)
def translation_signatures(model):
    signatures = Signatures([])
    for direction in model.directions:
        generator = model.translator_for(direction)  # the moving average with EMA on
        signatures.networks.append(generator)
        in_channels = model.channels_for(direction)[0]
        suffix = "" if direction == "AtoB" else f"_{direction}"
        translate, translate_bytes = _direction_endpoints(generator, in_channels, model.size_multiple)
        signatures.add(f"translate{suffix}", translate,
                       tf.TensorSpec([None, None, None, in_channels], tf.uint8, name="images"))
        signatures.add(f"translate{suffix}_bytes", translate_bytes, tf.TensorSpec([None], tf.string, name="image_bytes"))
    return signatures
