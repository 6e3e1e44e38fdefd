"""Serving signatures of StyleGAN / StyleGAN2 (:class:`~keras_gans.models.StyleGAN`); images are uint8
``{"images": [batch, H, W, C]}``:

- ``serving_default`` (= ``generate``): ``z`` float32 ``[batch, latent_dim]``, ``truncation_psi`` float32
  ``[batch]`` (one ψ per example, so the row format and TF Serving's batching take it; 1 = no truncation).
- ``sample``: ``num`` int32, ``seed`` int64 and ``truncation_psi`` float32 scalars; the same images as
  ``model.generate(num, seed=seed, truncation_psi=truncation_psi)``.
- ``mix``: ``seed_a``, ``seed_b`` int64 ``[batch]``, ``crossover`` int32 ``[batch]`` in ``[0, num_ws]`` and
  ``truncation_psi`` float32 ``[batch]``: item i is ``model.mix(seed_a[i], seed_b[i], crossover[i],
  truncation_psi[i])`` (seed s names the z of ``sample`` with ``num=1, seed=s``).
- ``map``: ``z``, ``truncation_psi`` ``[batch]`` -> ``{"ws": float32 [batch, num_ws, w_dim]}``, every layer's
  style truncated (``model.map(z, truncation_psi)``; ψ = 1 gives the mapping network's ``w`` itself).
- ``synthesize``: ``ws`` float32 ``[batch, num_ws, w_dim]`` -> images (``model.synthesize``), so
  ``synthesize(map(z, ψ)) == generate(z, ψ)``; a client mixes styles or truncates only the first layers
  (``truncation_cutoff``) by combining rows of two ``map`` results.

The networks are the generator EMA's when it is on (unless exported with ``ema=False``); w̄ is the model's
``w_avg`` at export time, written into the graph as a constant. ψ outside [0, 1] (or NaN), a crossover outside
``[0, num_ws]``, inputs of different batch sizes and a ``z`` or ``ws`` of the wrong width fail with an
``InvalidArgumentError`` naming the input.
"""

import tensorflow as tf

from keras_gans.core.images import to_uint8
from keras_gans.core.noise_to_image import latent_for_seed
from keras_gans.models import StyleGAN
from keras_gans.serving.signatures import Signatures, register


@register(StyleGAN)
def stylegan_signatures(model):
    generator = model.averaged(model.generator)  # the EMA's, unless inside model.raw_weights()
    mapping, synthesis = generator.get_layer("mapping"), generator.get_layer("synthesis")
    latent_dim, num_ws, w_dim = model.latent_dim, model.num_ws, model.w_dim
    w_avg = model.w_avg.numpy().astype("float32")  # w̄ now: a constant of the SavedModel
    signatures = Signatures([generator])
    z_spec = tf.TensorSpec([None, latent_dim], tf.float32, name="z")
    psi_spec = tf.TensorSpec([None], tf.float32, name="truncation_psi")
    seeds_spec = lambda name: tf.TensorSpec([None], tf.int64, name=name)  # noqa: E731

    def check_psi(psi):
        return [tf.debugging.assert_greater_equal(psi, 0.0, message="truncation_psi must be in [0, 1]"),
                tf.debugging.assert_less_equal(psi, 1.0, message="truncation_psi must be in [0, 1]")]

    def check_batch(reference, *others):
        """``others`` ``((tensor, name), ...)`` have ``reference``'s batch size (``reference`` ``(tensor, name)``)."""
        return [tf.debugging.assert_equal(tf.shape(t)[0], tf.shape(reference[0])[0],
                                          message=f"{name} needs one value per {reference[1]}") for t, name in others]

    def check_shape(tensor, name, shape):
        return [tf.debugging.assert_equal(tf.shape(tensor)[1:], tf.constant(shape, tf.int32),
                                          message=f"{name} must be [batch, {', '.join(map(str, shape))}]")]

    def check_z_and_psi(z, psi):
        return (check_shape(z, "z", [latent_dim]) + check_psi(psi)
                + check_batch((z, "z"), (psi, "truncation_psi")))

    def styles(z, psi):
        """``model.map(z, psi)``: ``w̄ + ψ·(w - w̄)`` for every layer, ``[B, num_ws, w_dim]``."""
        w = tf.cast(mapping(z, training=False), tf.float32)  # (mixed precision: w̄ and ψ are float32)
        ws = tf.repeat(w[:, None, :], num_ws, axis=1)
        average = tf.constant(w_avg)
        return average + psi[:, None, None] * (ws - average)

    def images(ws):
        return {"images": to_uint8(synthesis(ws, training=False))}

    def synthesize(ws):
        with tf.control_dependencies(check_shape(ws, "ws", [num_ws, w_dim])):
            return images(ws)

    def generate(z, truncation_psi):
        with tf.control_dependencies(check_z_and_psi(z, truncation_psi)):
            return images(styles(z, truncation_psi))

    def sample(num, seed, truncation_psi):
        with tf.control_dependencies([tf.debugging.assert_positive(num, message="num must be positive")]
                                     + check_psi(truncation_psi)):
            return images(styles(latent_for_seed(num, latent_dim, seed), tf.fill([num], truncation_psi)))

    def mix(seed_a, seed_b, crossover, truncation_psi):
        checks = check_psi(truncation_psi) + check_batch(
            (seed_a, "seed_a"), (seed_b, "seed_b"), (crossover, "seed_a"), (truncation_psi, "seed_a")) + [
            tf.debugging.assert_non_negative(crossover, message=f"crossover must be in [0, {num_ws}]"),
            tf.debugging.assert_less_equal(crossover, tf.constant(num_ws, tf.int32),
                                           message=f"crossover must be in [0, {num_ws}]")]
        with tf.control_dependencies(checks):
            def latents(seeds):  # z of each seed: latent_for_seed(1, latent_dim, seed), as model.mix
                return tf.map_fn(lambda seed: latent_for_seed(1, latent_dim, seed)[0], seeds,
                                 fn_output_signature=tf.TensorSpec([latent_dim], tf.float32))

            ws_a, ws_b = styles(latents(seed_a), truncation_psi), styles(latents(seed_b), truncation_psi)
            layer = tf.range(num_ws, dtype=tf.int32)[None, :, None]
            return images(tf.where(layer < crossover[:, None, None], ws_a, ws_b))

    def map_(z, truncation_psi):
        with tf.control_dependencies(check_z_and_psi(z, truncation_psi)):
            return {"ws": styles(z, truncation_psi)}

    return (signatures.add("generate", generate, z_spec, psi_spec)
            .add("sample", sample, tf.TensorSpec([], tf.int32, name="num"), tf.TensorSpec([], tf.int64, name="seed"),
                 tf.TensorSpec([], tf.float32, name="truncation_psi"))
            .add("mix", mix, seeds_spec("seed_a"), seeds_spec("seed_b"),
                 tf.TensorSpec([None], tf.int32, name="crossover"), psi_spec)
            .add("map", map_, z_spec, psi_spec)
            .add("synthesize", synthesize, tf.TensorSpec([None, num_ws, w_dim], tf.float32, name="ws")))
