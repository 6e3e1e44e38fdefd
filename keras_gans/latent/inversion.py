"""GAN inversion: the latent ``z`` whose generated image reconstructs a given image.

``ẑ = argmin_z  d(G(z), x) + w · ||F(G(z)) - F(x)||²`` with Adam on ``z`` from several random
starts, keeping the best (the optimisation approach of Zhu et al. 2016, "Generative Visual
Manipulation on the Natural Image Manifold", and Creswell & Bharath 2016, "Inverting the
Generator of a Generative Adversarial Network"); ``d`` is the pixel MSE (or L1), ``F`` an
optional feature extractor (any ``keras.Model`` taking images in [-1, 1] of the generator's
shape, e.g. one of ``keras_gans.evaluation.metrics``' extractors) for a perceptual reconstruction loss.
"""

from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from keras_gans import losses
from keras_gans.latent import common

PIXEL_LOSSES = {"mse": losses.mse, "l1": losses.l1}


@dataclass
class InversionResult:
    """``latents`` ``ẑ`` ``[N, latent_dim]``; ``reconstructions`` ``G(ẑ)``; ``error``: each image's
    pixel mean squared error of the reconstruction (in [-1, 1] units); ``loss``: the final objective."""

    latents: np.ndarray
    reconstructions: np.ndarray
    error: np.ndarray
    loss: np.ndarray


def invert(model, images, labels=None, iterations=500, learning_rate=0.05, restarts=4, pixel_loss="mse",
           feature_extractor=None, feature_weight=1.0, z_clip=3.0, seed=0, batch_size=64, strategy=None, space="z"):
    """Find ``z`` for each image by minimising the reconstruction loss (a compiled, batched loop).

    Args:
        model: a keras_gans model with a generator.
        images: ``[N, H, W, C]`` in [-1, 1] (or uint8) of the generator's shape.
        labels: class ids for a conditional model.
        iterations, learning_rate: Adam on ``z`` (β1 0.9, β2 0.999).
        restarts: random starting points per image (from ``N(0, I)``); the lowest loss wins.
        pixel_loss: ``"mse"`` or ``"l1"``.
        feature_extractor: optional ``keras.Model`` (images -> features) for a feature loss.
        feature_weight: weight of the feature loss (mean squared feature distance).
        z_clip: keep ``z`` in ``[-z_clip, z_clip]`` (3 standard deviations of the prior); ``None``: free.
        seed, batch_size, strategy: as in ``inpaint``.
        space: ``"z"``, or StyleGAN's ``"w"`` / ``"w+"`` (:data:`keras_gans.latent.common.SPACES`; W starts
            from w̄ as StyleGAN2's projector, W+ optimises a style per layer as Image2StyleGAN); ``latents`` then
            hold ``w`` ``[N, w_dim]`` or ``ws`` ``[N, num_ws, w_dim]`` and ``z_clip`` does not apply.
    """
    common.check_model(model)
    common.check_space(model, space)
    if pixel_loss not in PIXEL_LOSSES:
        raise ValueError(f"pixel_loss must be one of {sorted(PIXEL_LOSSES)}, got {pixel_loss!r}")
    if feature_extractor is not None and not isinstance(feature_extractor, keras.Model):
        raise TypeError(f"feature_extractor must be a keras.Model, got {type(feature_extractor).__name__}")
    for name, value in (("iterations", iterations), ("restarts", restarts), ("batch_size", batch_size)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    images = common.check_images(images, model)
    num = images.shape[0]
    labels = common.check_labels(model, labels, num)
    conditional = labels is not None
    label_array = np.zeros((num,), np.int32) if labels is None else labels
    z0 = common.starting_points(model, num, restarts, seed, space, z_clip)
    z_clip = z_clip if space == "z" else None
    distance = PIXEL_LOSSES[pixel_loss]

    def features(x):
        f = feature_extractor(x, training=False)
        return tf.reshape(tf.cast(f, tf.float32), (tf.shape(x)[0], -1))

    def reconstruct(images, labels, z0):
        lab = tf.tile(labels, [restarts]) if conditional else None
        z = common.restart_major(z0)
        target = tf.tile(images, [restarts, 1, 1, 1])
        target_features = features(target) if feature_extractor is not None else None

        def loss_fn(z):
            generated = common.generate(model, z, lab, space=space)
            loss = distance(generated, target)
            if feature_extractor is not None:
                loss += feature_weight * losses.mse(features(generated), target_features)
            return loss

        z, loss = common.adam_on_latents(loss_fn, z, iterations, learning_rate, z_clip=z_clip)
        loss, z = common.best_of_restarts(loss, restarts, z)
        generated = common.generate(model, z, labels if conditional else None, space=space)
        return z, generated, losses.mse(generated, images), loss

    z, generated, error, loss = common.run_batched(reconstruct, [images, label_array, z0], strategy, batch_size)
    return InversionResult(latents=z, reconstructions=generated, error=error, loss=loss)
