"""Serving signatures of AdaIN style transfer (Huang & Belongie 2017); all return uint8 images
``{"images": [B, H, W, 3]}``:

- ``serving_default`` (= ``stylize``): ``content`` uint8 ``[B, H, W, 3]``, ``style`` uint8
  ``[B, H', W', 3]`` (pairs), ``alpha`` float32 scalar.
- ``stylize_bytes``: ``content_bytes``/``style_bytes`` encoded images ``[B]`` (PNG/JPEG/...),
  ``alpha`` -> ``{"stylized_bytes": [B]}`` PNGs (TF Serving REST: ``{"b64": ...}`` in and out, since the alias
  ends in ``_bytes``; exports before this named it ``images_png``).
- ``interpolate``: one ``content`` ``[H, W, 3]``, ``styles`` ``[K, H', W', 3]``, ``style_weights``
  ``[K]``, ``alpha``, ``preserve_color`` bool -> ``[1, H, W, 3]``.
- ``masked``: ``content``, ``styles``, ``mask`` int32 ``[H, W]`` region ids in ``[0, K)``,
  ``alpha``, ``preserve_color`` -> ``[1, H, W, 3]``.
"""

import tensorflow as tf

from keras_gans.core.images import pixels_to_uint8
from keras_gans.models.adain import MIN_SIZE, AdaINStyleTransfer, match_color
from keras_gans.serving.images import map_encoded_images
from keras_gans.serving.signatures import Signatures, register


@register(AdaINStyleTransfer)
def style_transfer_signatures(model):
    image = lambda name, rank=4: tf.TensorSpec([None] * (rank - 1) + [3], tf.uint8, name=name)  # noqa: E731
    alpha_spec = tf.TensorSpec([], tf.float32, name="alpha")
    color_spec = tf.TensorSpec([], tf.bool, name="preserve_color")

    def alpha_checks(alpha):
        return [tf.debugging.assert_greater_equal(alpha, 0.0, message="alpha must be in [0, 1]"),
                tf.debugging.assert_less_equal(alpha, 1.0, message="alpha must be in [0, 1]")]

    # Each network graph is traced once and shared by the endpoints (4 endpoints, 3 traces of the encoder).
    images_spec = tf.TensorSpec([None, None, None, 3], tf.float32)
    stats_spec = tf.TensorSpec([None, None, model.encoder.outputs[-1].shape[-1]], tf.float32)
    style_statistics = tf.function(model.style_statistics, input_signature=[images_spec])
    stylize_mixed = tf.function(
        lambda content, mean, std, weights, alpha: model.stylize_with_statistics(content, mean, std, weights,
                                                                                alpha=alpha),
        input_signature=[images_spec, stats_spec, stats_spec, tf.TensorSpec([None], tf.float32),
                         tf.TensorSpec([], tf.float32)])
    stylize_masked = tf.function(
        lambda content, mean, std, mask, alpha: model.stylize_with_statistics(content, mean, std, mask=mask,
                                                                             alpha=alpha),
        input_signature=[images_spec, stats_spec, stats_spec, tf.TensorSpec([None, None, None], tf.int32),
                         tf.TensorSpec([], tf.float32)])

    def size_checks(images, what):
        return [tf.debugging.assert_greater_equal(tf.reduce_min(tf.shape(images)[-3:-1]), MIN_SIZE,
                                                  message=f"{what} images must be at least {MIN_SIZE}x{MIN_SIZE}")]

    def stylize_pairs(content, style, alpha):
        with tf.control_dependencies(alpha_checks(alpha) + size_checks(content, "content")
                                     + size_checks(style, "style")):
            mean, std = style_statistics(tf.cast(style, tf.float32))
            images = stylize_mixed(tf.cast(content, tf.float32), mean[:, None], std[:, None], tf.ones([1]), alpha)
        return {"images": pixels_to_uint8(images)}

    def stylize_bytes(content_bytes, style_bytes, alpha):
        def stylize_one(content, style):
            return stylize_pairs(content, style, alpha)["images"]

        return {"stylized_bytes": map_encoded_images(stylize_one, (content_bytes, style_bytes), 3)}

    def statistics(content, styles, preserve_color):
        styles = tf.cast(styles, tf.float32)
        styles = tf.cond(preserve_color, lambda: match_color(styles, tf.cast(content, tf.float32)[None]),
                         lambda: styles)
        mean, std = style_statistics(styles)
        return mean[None], std[None]

    def interpolate(content, styles, style_weights, alpha, preserve_color):
        checks = alpha_checks(alpha) + size_checks(content[None], "content") + size_checks(styles, "style") + [
            tf.debugging.assert_equal(tf.shape(style_weights)[0], tf.shape(styles)[0],
                                      message="style_weights needs one weight per style"),
            tf.debugging.assert_non_negative(style_weights, message="style_weights must be >= 0"),
            tf.debugging.assert_positive(tf.reduce_sum(style_weights), message="style_weights sum to 0")]
        with tf.control_dependencies(checks):
            mean, std = statistics(content, styles, preserve_color)
            images = stylize_mixed(tf.cast(content, tf.float32)[None], mean, std, style_weights, alpha)
        return {"images": pixels_to_uint8(images)}

    def masked(content, styles, mask, alpha, preserve_color):
        checks = alpha_checks(alpha) + size_checks(content[None], "content") + size_checks(styles, "style") + [
            tf.debugging.assert_equal(tf.shape(mask), tf.shape(content)[:2],
                                      message="mask must have the size of the content image"),
            tf.debugging.assert_non_negative(mask, message="mask region ids must be >= 0"),
            tf.debugging.assert_less(mask, tf.shape(styles)[0], message="mask has more regions than styles")]
        with tf.control_dependencies(checks):
            mean, std = statistics(content, styles, preserve_color)
            images = stylize_masked(tf.cast(content, tf.float32)[None], mean, std, mask[None], alpha)
        return {"images": pixels_to_uint8(images)}

    signatures = Signatures([model.encoder, model.decoder])
    signatures.add("stylize", stylize_pairs, image("content"), image("style"), alpha_spec)
    signatures.add("stylize_bytes", stylize_bytes, tf.TensorSpec([None], tf.string, name="content_bytes"),
                   tf.TensorSpec([None], tf.string, name="style_bytes"), alpha_spec)
    signatures.add("interpolate", interpolate, image("content", 3), image("styles"),
                   tf.TensorSpec([None], tf.float32, name="style_weights"), alpha_spec, color_spec)
    signatures.add("masked", masked, image("content", 3), image("styles"),
                   tf.TensorSpec([None, None], tf.int32, name="mask"), alpha_spec, color_spec)
    return signatures
