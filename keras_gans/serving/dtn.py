"""Serving signature of the Domain Transfer Network: ``serving_default`` / ``translate``, uint8 source
images ``[B, H, W, C]`` (the model's source shape) -> ``{"translated_images": uint8 target images}`` (exports
before inputs and outputs were told apart named the output ``images``)."""

import tensorflow as tf

from keras_gans.core.images import scale_images, to_uint8
from keras_gans.models.dtn import DomainTransferNetwork
from keras_gans.serving.signatures import Signatures, register


@register(DomainTransferNetwork)
def dtn_signatures(model):
    expected = tf.constant(model.source_shape, tf.int32)
    message = f"images must be [batch, {', '.join(map(str, model.source_shape))}]"

    def translate(images):
        # a convolutional G would silently translate other sizes: refuse them
        check = tf.debugging.assert_equal(tf.shape(images)[1:], expected, message=message)
        with tf.control_dependencies([check]):
            return {"translated_images": to_uint8(model(scale_images(images), training=False))}

    return Signatures([model.encoder, model.generator]).add(
        "translate", translate, tf.TensorSpec([None, *model.source_shape], tf.uint8, name="images"))
