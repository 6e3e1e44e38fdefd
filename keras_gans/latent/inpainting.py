"""Semantic image inpainting (Yeh, Chen, Lim, Hasegawa-Johnson & Do 2016,
"Semantic Image Inpainting with Perceptual and Contextual Losses", arXiv:1607.07539).

Find the latent ``ẑ`` whose generated image best matches the known pixels (the *contextual*
loss) while looking real to the discriminator (the *perceptual* loss), then blend ``G(ẑ)``
into the hole:

    ẑ = argmin_z  ||W ⊙ (G(z) - y)||_1  +  λ · L_adv(G(z))        (Yeh et al., eqs. 2-4)

``W`` weights each known pixel by the fraction of missing pixels in the 7x7 window around it
(known pixels near the hole matter most; missing pixels weigh 0), and ``L_adv`` is the model's
own generator loss (``-log D(G(z))`` for DCGAN). Defaults follow the TensorFlow reimplementation
``bamos/dcgan-completion.tensorflow``: ``λ = 0.1`` (the authors' code uses 0.2), Adam with
learning rate 0.01, β1 0.9, β2 0.999, ε 1e-8, 1000 iterations, ``z`` clipped to [-1, 1] after
each step. Poisson blending (Yeh et al. eq. 5) is the default; ``blend="paste"`` copies the
generated pixels into the hole as they are.
"""

from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from keras_gans import losses
from keras_gans.latent import common
from keras_gans.latent.masks import check_masks
from keras_gans.latent.poisson import poisson_blend

BLENDS = ("poisson", "paste")


def contextual_weights(mask, window=7):
    """Yeh et al.'s W: ``W_i = Σ_{j ∈ N(i)} (1 - M_j) / |N(i)|`` for known pixels ``i``, 0 in the hole.

    ``N(i)`` is the ``window x window`` neighbourhood; at the image border it is mirrored
    (symmetric padding, as the authors' ``convolve2d(..., boundary='symm')``).
    """
    mask = tf.convert_to_tensor(mask, tf.float32)
    half = window // 2
    padded = tf.pad(1.0 - mask, [[0, 0], [half, window - 1 - half], [half, window - 1 - half], [0, 0]],
                    mode="SYMMETRIC")
    missing_fraction = tf.nn.avg_pool2d(padded, window, strides=1, padding="VALID")
    return mask * missing_fraction


def _generator_loss(model):
    """The model's generator loss on D's logits (non-saturating ``-log D(G(z))`` by default)."""
    return getattr(model, "g_loss_fn", None) or losses.non_saturating_generator_loss


@dataclass
class InpaintingResult:
    """``filled``: the inpainted images ``[N, H, W, C]`` in [-1, 1] (known pixels kept);
    ``generated``: ``G(ẑ)``; ``latents``: ``ẑ``; ``loss``: each image's final total loss."""

    filled: np.ndarray
    generated: np.ndarray
    latents: np.ndarray
    loss: np.ndarray


def inpaint(model, images, mask, labels=None, perceptual_weight=0.1, window=7, iterations=1000,
            learning_rate=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-8, restarts=1, z_clip=1.0,
            blend="poisson", poisson_iterations=None, seed=0, batch_size=64, strategy=None, space="z"):
    """Fill the missing pixels of ``images`` with the model's generator (Yeh et al. 2016).

    Args:
        model: a keras_gans model (``.generator``; ``.discriminator`` unless ``perceptual_weight=0``).
        images: ``[N, H, W, C]`` in [-1, 1] (or uint8) of the generator's shape.
        mask: 1 = known, 0 = missing; ``[H, W]`` for all images or ``[N, H, W]`` (see ``masks``).
        labels: class ids for a conditional model.
        perceptual_weight: λ (0.1, bamos' reimplementation; Yeh et al.'s code 0.2).
        window: side of the contextual weighting window (7, Yeh et al.).
        iterations, learning_rate, beta_1, beta_2, epsilon: Adam on ``z`` (bamos' defaults).
        restarts: random starting points per image; the lowest final loss wins.
        z_clip: ``z`` is kept in ``[-z_clip, z_clip]``: 1, Yeh et al.'s clip (their prior is
            U[-1, 1]). Our models draw ``z ~ N(0, I)``, so this keeps the fill near the prior's
            typical images; on Fashion-MNIST it filled holes better than 1.5 or 3 (README).
            ``None`` disables it.
        blend: ``"poisson"`` (default) or ``"paste"``.
        poisson_iterations: conjugate-gradient iterations (see ``poisson_blend``).
        seed: seed of the starting points (the same on 1 or N replicas).
        batch_size: images optimised at once (per call of the compiled function).
        strategy: a ``tf.distribute`` strategy whose replicas share each batch; default the current one.
        space: ``"z"``, or StyleGAN's ``"w"`` / ``"w+"`` (as :func:`~keras_gans.latent.inversion.invert`; no
            ``z_clip`` there).
    """
    common.check_model(model, need_discriminator=perceptual_weight > 0)
    common.check_space(model, space)
    if blend not in BLENDS:
        raise ValueError(f"blend must be one of {BLENDS}, got {blend!r}")
    for name, value in (("iterations", iterations), ("restarts", restarts), ("window", window),
                        ("batch_size", batch_size)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if perceptual_weight < 0:
        raise ValueError(f"perceptual_weight must be >= 0, got {perceptual_weight}")
    images = common.check_images(images, model)
    num = images.shape[0]
    masks = check_masks(mask, num, images.shape[1:])
    labels = common.check_labels(model, labels, num)
    label_array = np.zeros((num,), np.int32) if labels is None else labels
    # every image's restarts start from their own slice of one draw for the whole set
    z0 = common.starting_points(model, num, restarts, seed, space, z_clip)
    z_clip = z_clip if space == "z" else None
    g_loss = _generator_loss(model)
    conditional = labels is not None

    def fill(images, masks, labels, z0):
        lab = tf.tile(labels, [restarts]) if conditional else None
        z = common.restart_major(z0)
        target = tf.tile(images, [restarts, 1, 1, 1])
        weights = tf.tile(contextual_weights(masks, window), [restarts, 1, 1, 1])

        def loss_fn(z):
            generated = common.generate(model, z, lab, space=space)
            contextual = tf.reduce_sum(tf.abs(weights * (generated - target)), axis=[1, 2, 3])
            if perceptual_weight == 0:
                return contextual
            perceptual = g_loss(common.discriminate(model, generated, lab))
            return contextual + perceptual_weight * perceptual

        z, loss = common.adam_on_latents(loss_fn, z, iterations, learning_rate, beta_1, beta_2, epsilon, z_clip)
        loss, z = common.best_of_restarts(loss, restarts, z)
        generated = common.generate(model, z, labels if conditional else None, space=space)
        if blend == "poisson":
            filled = poisson_blend(images, generated, masks, poisson_iterations)
        else:
            filled = masks * images + (1.0 - masks) * generated
        return filled, generated, z, loss

    cache = common.compiled_cache(model, "inpaint", float(perceptual_weight), int(window), int(iterations),
                                  float(learning_rate), beta_1, beta_2, epsilon, int(restarts), z_clip, blend,
                                  poisson_iterations, space, conditional)
    filled, generated, z, loss = common.run_batched(fill, [images, masks, label_array, z0], strategy, batch_size,
                                                    cache=cache)
    return InpaintingResult(filled=filled, generated=generated, latents=z, loss=loss)


# --- Baselines ---------------------------------------------------------------------------
def mean_fill(images, mask):
    """Each image's hole filled with the mean colour of its own known pixels."""
    images = np.asarray(images, np.float32)
    masks = check_masks(mask, images.shape[0], images.shape[1:])
    mean = (images * masks).sum(axis=(1, 2), keepdims=True) / masks.sum(axis=(1, 2), keepdims=True)
    return masks * images + (1.0 - masks) * mean


def nearest_neighbour_fill(images, mask, train_images, batch_size=256):
    """Each image's hole filled with the pixels of the training image closest (L2) on the known pixels."""
    images = np.asarray(images, np.float32)
    train = tf.constant(np.asarray(train_images, np.float32))
    if train.shape[1:] != images.shape[1:]:
        raise ValueError(f"training images are {tuple(train.shape[1:])}, the images {images.shape[1:]}")
    masks = check_masks(mask, images.shape[0], images.shape[1:])
    flat_train = tf.reshape(train, (train.shape[0], -1))
    out = []
    for start in range(0, images.shape[0], batch_size):
        x = images[start:start + batch_size]
        m = np.broadcast_to(masks[start:start + batch_size], x.shape).reshape(len(x), -1)
        xm = x.reshape(len(x), -1) * m
        # ||m⊙(x - t)||² = ||m⊙x||² - 2 (m⊙x)·t + m·t²
        dist = (-2.0 * tf.matmul(xm, flat_train, transpose_b=True)
                + tf.matmul(m, tf.square(flat_train), transpose_b=True))
        nearest = tf.gather(train, tf.argmin(dist, axis=1)).numpy()
        out.append(masks[start:start + len(x)] * x + (1.0 - masks[start:start + len(x)]) * nearest)
    return np.concatenate(out)


def hole_mae(filled, truth, mask):
    """Mean absolute error over each image's missing pixels (all channels), ``[N]``."""
    filled, truth = np.asarray(filled, np.float32), np.asarray(truth, np.float32)
    masks = check_masks(mask, truth.shape[0], truth.shape[1:])
    hole = np.broadcast_to(1.0 - masks, truth.shape)
    return (np.abs(filled - truth) * hole).sum(axis=(1, 2, 3)) / hole.sum(axis=(1, 2, 3))
