"""Generative Adversarial Nets (Goodfellow et al. 2014): the minimax game and the paper's MLP model."""

import keras
import tensorflow as tf

from keras_gans import losses
from keras_gans.core.noise_to_image import NoiseToImage
from keras_gans.networks import build_mlp_discriminator, build_mlp_generator


def goodfellow_sgd():
    """``(g_optimizer, d_optimizer)``: SGD with learning rate 0.1 and momentum 0.5 (``adversarial/mnist.yaml``)."""
    return (keras.optimizers.SGD(0.1, momentum=0.5), keras.optimizers.SGD(0.1, momentum=0.5))


class MinimaxGame(NoiseToImage):
    """The two-player game of Goodfellow et al. 2014 on given networks: the paper's Algorithm 1.

    ``GAN`` (the paper's MLPs), ``DCGAN`` and ``ConditionalGAN`` play it with their own networks
    and optimizers. The discriminator's loss is the binary cross-entropy on logits; the generator
    uses the non-saturating ``-log D(G(z))`` the paper recommends (``loss="minimax"`` for
    ``log(1 - D(G(z)))``).

    Args:
        generator, discriminator: the networks (see ``NoiseToImage``).
        d_steps: discriminator steps per generator step (k in Algorithm 1). Each ``train_step``
            splits its real batch into ``d_steps`` equal minibatches, one per discriminator update,
            then makes one generator update with a minibatch of the same size; so feed batches of
            ``d_steps * m`` images.
        loss: ``"non_saturating"`` or ``"minimax"``.
        **kwargs: ``latent_dim``, ``instance_noise``, ``seed`` ... (``NoiseToImage``).
    """

    supports_r1 = True

    def __init__(self, generator, discriminator, d_steps=1, loss="non_saturating", **kwargs):
        if loss not in ("non_saturating", "minimax"):
            raise ValueError(f"GAN loss must be 'non_saturating' or 'minimax', got {loss!r}")
        if int(d_steps) != d_steps or d_steps < 1:
            raise ValueError(f"d_steps must be a positive integer, got {d_steps!r}")
        super().__init__(generator, discriminator, **kwargs)
        self.d_steps = int(d_steps)
        self.loss_name = loss
        self.d_loss_fn, self.g_loss_fn = losses.get_adversarial_loss(loss)

    def train_step(self, data):
        self._check_compiled()
        real, labels = self.unpack(data)
        # Algorithm 1: for k steps, update D by ascending log D(x) + log(1 - D(G(z)))
        for real_batch, batch_labels in self.split_for_d_steps(real, labels):
            m = real_batch.shape[0] or tf.shape(real_batch)[0]
            fake = self.generator(self.generator_inputs(self.sample_latent(m), batch_labels), training=True)
            with tf.GradientTape() as tape:
                real_logits = self.discriminate(real_batch, batch_labels)
                fake_logits = self.discriminate(fake, batch_labels)
                d_loss = self.d_loss_fn(real_logits, fake_logits) + self.r1_penalty(real_batch, batch_labels)
            self.apply_gradients(tape, d_loss, self.discriminator, self.d_optimizer)
            self.observe_real(real_logits)  # ADA's heuristic, if on
            self.track(d_loss=d_loss)
        # then update G by descending its loss on a fresh minibatch of noise
        z = self.generator_inputs(self.sample_latent(m), batch_labels)
        with tf.GradientTape() as tape:
            g_loss = self.g_loss_fn(self.discriminate(self.generator(z, training=True), batch_labels))
        self.apply_gradients(tape, g_loss, self.generator, self.g_optimizer)
        self.update_moving_average(z)
        self.track(g_loss=g_loss)
        return self.logs()

    def get_config(self):
        config = super().get_config()
        config.update(d_steps=self.d_steps, loss=self.loss_name)
        return config


@keras.saving.register_keras_serializable(package="keras_gans")
class GAN(MinimaxGame):
    """The original GAN: MLP generator, maxout discriminator, Algorithm 1.

    Defaults are the authors' MNIST configuration (``adversarial/mnist.yaml``):
    ``latent_dim=100``, G hidden ``(1200, 1200)`` ReLU, D two maxout layers of
    240 units x 5 pieces with dropout, SGD with learning rate 0.1 and momentum 0.5,
    ``d_steps`` (the paper's k) = 1, weights uniform in ±0.05 (G) and ±0.005 (D), and D reading
    pixels in [0, 1] as the authors' code did (our images are in [-1, 1]; fed those, this SGD blew up
    within 2 epochs on Fashion-MNIST).

    Args:
        latent_dim: size of ``z``.
        image_shape: ``(H, W, C)`` of the images.
        g_units, d_units, d_pieces: widths of the MLPs.
        generator, discriminator: pre-built networks that replace the defaults.
        **kwargs: ``d_steps``, ``loss`` (``MinimaxGame``), ``instance_noise``, ``seed`` ... (``NoiseToImage``).
    """

    def __init__(self, latent_dim=100, image_shape=(28, 28, 1), g_units=(1200, 1200), d_units=(240, 240), d_pieces=5,
                 generator=None, discriminator=None, **kwargs):
        # === Networks ===
        generator = generator or build_mlp_generator(latent_dim, image_shape, g_units)
        discriminator = discriminator or build_mlp_discriminator(image_shape, d_units, d_pieces)
        super().__init__(generator, discriminator, latent_dim=latent_dim, **kwargs)
        # === Config ===
        self.g_units, self.d_units, self.d_pieces = tuple(g_units), tuple(d_units), d_pieces

    def default_optimizers(self):
        return goodfellow_sgd()

    def get_config(self):
        config = super().get_config()
        config.update(image_shape=self.image_shape, g_units=self.g_units, d_units=self.d_units, d_pieces=self.d_pieces)
        return config
