"""Serving signatures of the noise -> image models (all return ``{"images": uint8 [batch, H, W, C]}``):

- ``serving_default`` / ``generate``: ``z`` float32 ``[batch, latent_dim]`` (conditional models also
  take ``labels`` int32 ``[batch]``).
- ``sample``: ``num`` int32 and ``seed`` int64 scalars; the same seed gives the same images, identical
  to ``model.generate(num, seed=seed)``. Conditional models take ``labels`` int32 ``[num]`` instead of
  ``num``.
- ALI / BiGAN add ``encode``: uint8 images ``[B, H, W, C]`` -> ``{"z": float32 [B, latent_dim]}``.
"""

import tensorflow as tf

from keras_gans.core.images import scale_images, to_uint8
from keras_gans.core.noise_to_image import NoiseToImage
from keras_gans.models import ALI
from keras_gans.serving.signatures import Signatures, register


@register(NoiseToImage)
def noise_to_image_signatures(model):
    # with generator EMA on, the moving average (unless exported inside ``model.raw_weights()``)
    generator, latent_dim, num_classes = model.averaged(model.generator), model.latent_dim, model.num_classes
    signatures = Signatures([generator])
    z_spec = tf.TensorSpec([None, latent_dim], tf.float32, name="z")
    seed_spec = tf.TensorSpec([], tf.int64, name="seed")

    def images(z, labels=None):
        return {"images": to_uint8(generator(model.generator_inputs(z, labels), training=False))}

    if num_classes:
        labels_spec = tf.TensorSpec([None], tf.int32, name="labels")

        def check_labels(labels):
            return [tf.debugging.assert_non_negative(labels, message="labels must be >= 0"),
                    tf.debugging.assert_less(labels, tf.constant(num_classes, tf.int32),
                                             message=f"labels must be < num_classes = {num_classes}")]

        def generate(z, labels):
            with tf.control_dependencies(check_labels(labels)):
                return images(z, labels)

        def sample(labels, seed):
            with tf.control_dependencies(check_labels(labels)):
                return images(model.latent_for_seed(tf.shape(labels)[0], seed), labels)

        return signatures.add("generate", generate, z_spec, labels_spec).add("sample", sample, labels_spec, seed_spec)

    def sample(num, seed):
        with tf.control_dependencies([tf.debugging.assert_positive(num, message="num must be positive")]):
            return images(model.latent_for_seed(num, seed))

    return signatures.add("generate", images, z_spec).add("sample", sample, tf.TensorSpec([], tf.int32, name="num"),
                                                          seed_spec)


@register(ALI)
def ali_signatures(model):
    signatures = noise_to_image_signatures(model)
    signatures.networks.append(model.averaged(model.encoder))

    def encode(images):
        return {"z": model.infer(scale_images(images), training=False)}

    return signatures.add("encode", encode, tf.TensorSpec([None, *model.image_shape], tf.uint8, name="images"))
