"""Adversarial and reconstruction losses, one value per example.

Every function returns a tensor of shape ``[batch]``: the loss of each example,
averaged over any non-batch axes (PatchGAN maps, pixels). Models reduce these
with :meth:`keras_gans.core.adversarial.AdversarialBase.average`, which divides by
the *global* batch size, so one replica and N replicas give the same numbers.

Discriminators are always given **logits** (no sigmoid), so the binary
cross-entropies are computed with ``softplus`` and never take ``log(0)``.
Discriminator losses are the *sum* of the real term and the fake term; a model
whose paper halves it (Pix2Pix, CycleGAN) multiplies by 0.5 itself.
"""

from keras import ops

from keras_gans.layers.adain import EPSILON as ADAIN_EPSILON
from keras_gans.layers.adain import mean_std as adain_mean_std


def per_example_mean(x):
    """Mean over every axis but the first: ``[B, ...] -> [B]``."""
    x = ops.convert_to_tensor(x)
    if len(x.shape) == 1:
        return x
    return ops.mean(ops.reshape(x, (ops.shape(x)[0], -1)), axis=1)


# --- Goodfellow et al. 2014: the minimax game --------------------------------
def minimax_discriminator_loss(real_logits, fake_logits):
    """``-log D(x) - log(1 - D(G(z)))`` on logits (binary cross-entropy)."""
    real = ops.softplus(-ops.cast(real_logits, "float32"))
    fake = ops.softplus(ops.cast(fake_logits, "float32"))
    return per_example_mean(real) + per_example_mean(fake)


def minimax_generator_loss(fake_logits):
    """Saturating ``log(1 - D(G(z)))``, minimised by G (Goodfellow 2014, eq. 1)."""
    return per_example_mean(-ops.softplus(ops.cast(fake_logits, "float32")))


def non_saturating_generator_loss(fake_logits):
    """``-log D(G(z))``: the paper's recommended generator loss (Section 3)."""
    return per_example_mean(ops.softplus(-ops.cast(fake_logits, "float32")))


# --- Arjovsky et al. 2017 / Gulrajani et al. 2017 ----------------------------
def wasserstein_critic_loss(real_scores, fake_scores):
    """``f(G(z)) - f(x)``: minimising it maximises the Wasserstein estimate."""
    return per_example_mean(ops.cast(fake_scores, "float32")) - per_example_mean(
        ops.cast(real_scores, "float32")
    )


def wasserstein_generator_loss(fake_scores):
    """``-f(G(z))``."""
    return -per_example_mean(ops.cast(fake_scores, "float32"))


def gradient_penalty_from_gradients(gradients, target=1.0, epsilon=1e-12):
    """``(||grad||_2 - target)^2`` per example, with ``sqrt(sum g^2 + eps)``.

    The epsilon inside the square root keeps the gradient of the norm finite
    where the critic's gradient is exactly zero (Gulrajani 2017, Algorithm 1).
    """
    g = ops.cast(gradients, "float32")
    g = ops.reshape(g, (ops.shape(g)[0], -1))
    norm = ops.sqrt(ops.sum(ops.square(g), axis=1) + epsilon)
    return ops.square(norm - target)


def r1_penalty_from_gradients(gradients):
    """``||∇_x D(x)||²`` per example, the R1 regulariser of Mescheder, Geiger & Nowozin 2018 ("Which Training
    Methods for GANs do actually Converge?", eq. 9) before its weight γ/2, at real images."""
    g = ops.cast(gradients, "float32")
    return ops.sum(ops.square(ops.reshape(g, (ops.shape(g)[0], -1))), axis=1)


# --- Mao et al. 2017 (least squares) and Lim & Ye 2017 (hinge) ----------------
def least_squares_discriminator_loss(real_scores, fake_scores):
    """``(D(x) - 1)^2 + D(G(z))^2`` (LSGAN with a=0, b=c=1; CycleGAN's GAN loss)."""
    real = ops.square(ops.cast(real_scores, "float32") - 1.0)
    fake = ops.square(ops.cast(fake_scores, "float32"))
    return per_example_mean(real) + per_example_mean(fake)


def least_squares_generator_loss(fake_scores):
    """``(D(G(z)) - 1)^2``."""
    return per_example_mean(ops.square(ops.cast(fake_scores, "float32") - 1.0))


def hinge_discriminator_loss(real_scores, fake_scores):
    """``max(0, 1 - D(x)) + max(0, 1 + D(G(z)))``."""
    real = ops.relu(1.0 - ops.cast(real_scores, "float32"))
    fake = ops.relu(1.0 + ops.cast(fake_scores, "float32"))
    return per_example_mean(real) + per_example_mean(fake)


def hinge_generator_loss(fake_scores):
    """``-D(G(z))``."""
    return -per_example_mean(ops.cast(fake_scores, "float32"))


# --- Reconstruction -----------------------------------------------------------
def l1(a, b):
    """Mean absolute error per example."""
    return per_example_mean(ops.abs(ops.cast(a, "float32") - ops.cast(b, "float32")))


def mse(a, b):
    """Mean squared error per example."""
    return per_example_mean(ops.square(ops.cast(a, "float32") - ops.cast(b, "float32")))


# --- Taigman, Polyak & Wolf 2016 (DTN): a multi-class D and a smoothness prior ----
def class_cross_entropy(logits, class_index):
    """``-log softmax(logits)[class_index]`` per example: a D with one logit per class.

    ``class_index`` is one int for the whole batch (DTN's ternary D: 0 = G(source),
    1 = G(target), 2 = real target). ``logsumexp - logit``: no ``log(0)``. A single
    logit is a binary D: class 1 is "real" (``softplus(-l)``), class 0 "fake" (``softplus(l)``).
    """
    logits = ops.cast(logits, "float32")
    if logits.shape[-1] == 1:
        return per_example_mean(ops.softplus(-logits if class_index == 1 else logits))
    return ops.logsumexp(logits, axis=-1) - logits[:, class_index]


def total_variation(images, beta=1.0, epsilon=1e-8):
    """DTN's ``L_TV`` per example: ``sum_ij ((z[i,j+1]-z[i,j])^2 + (z[i+1,j]-z[i,j])^2)^(beta/2)``.

    Averaged over pixels and channels (so its scale does not grow with the image);
    ``epsilon`` inside the power keeps the gradient finite on flat regions (beta = 1).
    """
    z = ops.cast(images, "float32")
    dx = z[:, :-1, 1:, :] - z[:, :-1, :-1, :]
    dy = z[:, 1:, :-1, :] - z[:, :-1, :-1, :]
    return per_example_mean(ops.power(ops.square(dx) + ops.square(dy) + epsilon, beta / 2.0))


# --- Zhao, Mathieu & LeCun 2016 (EBGAN) ------------------------------------------
def energy_discriminator_loss(real_energy, fake_energy, margin):
    """EBGAN's ``L_D = D(x) + [m - D(G(z))]^+`` (eq. 1), from per-example energies."""
    return ops.cast(real_energy, "float32") + ops.relu(margin - ops.cast(fake_energy, "float32"))


def pulling_away_term(codes, epsilon=1e-12):
    """EBGAN's pulling-away term (eq. 5), per example, over the *global* batch.

    ``f_PT = 1/(N(N-1)) Σ_i Σ_{j≠i} cos²(S_i, S_j)`` for the N encoder codes ``S`` of a batch
    of generated images. Returned per example, ``pt_i = 1/(N-1) Σ_{j≠i} cos²(S_i, S_j)``, so the
    mean over the global batch is ``f_PT``. Under ``tf.distribute`` the other replicas' codes are
    gathered (without gradient); since every pair appears twice, ``2·pt - stop_gradient(pt)``
    has ``f_PT``'s value *and* its full gradient on 1 or N replicas. ``epsilon`` keeps the
    normalization finite for an all-zero code.
    """
    import tensorflow as tf

    s = ops.cast(codes, "float32")
    s = ops.reshape(s, (ops.shape(s)[0], -1))
    unit = s / ops.sqrt(ops.sum(ops.square(s), axis=1, keepdims=True) + epsilon)
    others = tf.stop_gradient(unit)
    context = tf.distribute.get_replica_context()
    if context is not None and context.num_replicas_in_sync > 1:
        others = context.all_gather(others, axis=0)
    n = ops.cast(ops.shape(others)[0], "float32")
    squared_cosines = ops.sum(ops.square(ops.matmul(unit, ops.transpose(others))), axis=1)
    self_term = ops.square(ops.sum(unit * tf.stop_gradient(unit), axis=1))
    pt = (squared_cosines - self_term) / ops.maximum(n - 1.0, 1.0)
    return 2.0 * pt - tf.stop_gradient(pt)


ADVERSARIAL_LOSSES = {
    "minimax": (minimax_discriminator_loss, minimax_generator_loss),
    "non_saturating": (minimax_discriminator_loss, non_saturating_generator_loss),
    "wasserstein": (wasserstein_critic_loss, wasserstein_generator_loss),
    "least_squares": (least_squares_discriminator_loss, least_squares_generator_loss),
    "hinge": (hinge_discriminator_loss, hinge_generator_loss),
}


def get_adversarial_loss(name):
    """``(discriminator_loss, generator_loss)`` for a name in ADVERSARIAL_LOSSES."""
    try:
        return ADVERSARIAL_LOSSES[name]
    except KeyError:
        raise ValueError(
            f"Unknown adversarial loss {name!r}; expected one of {sorted(ADVERSARIAL_LOSSES)}"
        ) from None


# --- Huang & Belongie 2017, "Arbitrary Style Transfer ... AdaIN", Section 4.2 ----------
def content_loss(stylized_feature, target):
    """AdaIN's content loss ``||f(g(t)) - t||²`` as a mean over positions and channels, per example (Eq. 12)."""
    difference = ops.cast(stylized_feature, "float32") - ops.cast(target, "float32")  # float32 under mixed precision
    return ops.mean(ops.square(difference), axis=[1, 2, 3])


def style_loss(stylized_features, style_features, epsilon=ADAIN_EPSILON):
    """AdaIN's style loss ``Σ_i ||μ(φ_i(g(t))) − μ(φ_i(s))||² + ||σ(φ_i(g(t))) − σ(φ_i(s))||²`` over
    relu1_1 ... relu4_1, each a mean over channels as in the reference's ``mse_loss``, per example (Eq. 13)."""
    total = 0.0
    for stylized, style in zip(stylized_features, style_features):
        mean_g, std_g = adain_mean_std(stylized, epsilon)
        mean_s, std_s = adain_mean_std(style, epsilon)
        total += ops.mean(ops.square(mean_g - mean_s), axis=-1) + ops.mean(ops.square(std_g - std_s), axis=-1)
    return total
