"""SN-GAN (Miyato, Kataoka, Koyama & Yoshida 2018, "Spectral Normalization for Generative Adversarial Networks")."""

import keras
import tensorflow as tf

from keras_gans import losses
from keras_gans.core.noise_to_image import NoiseToImage
from keras_gans.kernels import FusedAdam
from keras_gans.networks.sngan import ARCHITECTURES


def miyato_adam():
    """``(g_optimizer, d_optimizer)``: Adam with α = 2e-4, β1 = 0, β2 = 0.9 (SN-GAN's ResNet/CIFAR-10 setting,
    the authors' ``configs/sn_cifar10_unconditional.yml``)."""
    return (FusedAdam(2e-4, beta_1=0.0, beta_2=0.9), FusedAdam(2e-4, beta_1=0.0, beta_2=0.9))


@keras.saving.register_keras_serializable(package="keras_gans")
class SNGAN(NoiseToImage):
    """SN-GAN: a GAN whose discriminator has every layer spectrally normalized, ``W_SN = W / σ(W)``.

    Defaults (the paper's CIFAR-10 ResNet experiment, and the authors' Chainer code
    pfnet-research/sngan_projection, ``configs/sn_cifar10_unconditional.yml``):

    - ``architecture="resnet"``: Table 4's networks (G: 3 up-sampling residual blocks of 256 channels; D: 4 residual
      blocks of 128 channels, the first an "optimized" block, ReLU, global sum pooling, dense);
      ``architecture="cnn"``: Table 3's "standard CNN" (G 512-256-128-64 deconvolutions, D seven convolutions
      with LeakyReLU 0.1). See :mod:`keras_gans.networks.sngan`.
    - spectral normalization of every D layer with one power iteration per forward pass, ``u`` kept between
      steps (Algorithm 1); no batch norm in D; batch norm in G;
    - the hinge loss ``E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]`` for D and ``-E[D(G(z))]`` for G;
    - ``n_dis = 5`` discriminator updates per generator update, each on a fresh minibatch of real images;
    - Adam with α = 2e-4, β1 = 0, β2 = 0.9 for both networks; ``z ~ N(0, I)`` of size 128; 32×32×3 images;
      minibatches of 64 (feed batches of ``n_dis · 64 = 320``: see below).

    Each ``train_step`` takes ``n_dis · m`` real images: ``n_dis`` discriminator updates on minibatches of ``m``
    (with ``m`` generated images each), then one generator update on ``m`` fresh latents. The authors' code also
    decays both learning rates linearly to 0 over its 50,000 generator updates and samples 128 latents for the
    generator's update; neither is a default here (pass e.g. Keras schedules to ``compile`` for the first).
    The paper's standard-CNN experiments compare the Adam settings A-F of its Table 1 and the non-saturating
    loss as well: ``compile(g_optimizer=..., d_optimizer=...)`` and ``loss="non_saturating"``.

    Args:
        latent_dim, image_shape: sizes of ``z`` and of the images (``4·2^n`` or ``7·2^n`` square, any channels).
        architecture: ``"resnet"`` (Table 4) or ``"cnn"`` (Table 3).
        g_filters, d_filters: widths; ``None`` is the paper's (resnet: 256 and 128; cnn: 64 and 64, the
            width of G's last deconvolution and of D's first convolution).
        n_dis: discriminator updates per generator update.
        loss: an adversarial loss of :data:`keras_gans.losses.ADVERSARIAL_LOSSES` (``"hinge"``).
        synchronized_batch_norm: G's batch statistics over the global batch under ``tf.distribute``.
        generator, discriminator: pre-built networks that replace the defaults.
        **kwargs: ``instance_noise``, ``ema_decay``, ``augment``, ``seed`` ... (``NoiseToImage``).
    """

    tracker_names = ("d_loss", "g_loss")
    supports_r1 = True

    def __init__(self, latent_dim=128, image_shape=(32, 32, 3), architecture="resnet", g_filters=None, d_filters=None,
                 n_dis=5, loss="hinge", synchronized_batch_norm=True, generator=None, discriminator=None, **kwargs):
        if architecture not in ARCHITECTURES:
            raise ValueError(f"SNGAN architecture must be one of {sorted(ARCHITECTURES)}, got {architecture!r}")
        if int(n_dis) != n_dis or n_dis < 1:
            raise ValueError(f"n_dis must be a positive integer, got {n_dis!r}")
        d_loss_fn, g_loss_fn = losses.get_adversarial_loss(loss)
        build_generator, build_discriminator, g_default, d_default = ARCHITECTURES[architecture]
        g_filters = g_default if g_filters is None else int(g_filters)
        d_filters = d_default if d_filters is None else int(d_filters)
        # === Networks ===
        generator = generator or build_generator(latent_dim, image_shape, g_filters,
                                                 synchronized_batch_norm=synchronized_batch_norm)
        discriminator = discriminator or build_discriminator(image_shape, d_filters)
        super().__init__(generator, discriminator, latent_dim=latent_dim, **kwargs)
        # === Config ===
        self.architecture, self.g_filters, self.d_filters = architecture, g_filters, d_filters
        self.n_dis = int(n_dis)
        self.loss_name = loss
        self.d_loss_fn, self.g_loss_fn = d_loss_fn, g_loss_fn
        self.synchronized_batch_norm = synchronized_batch_norm

    @property
    def d_steps(self):
        return self.n_dis

    def default_optimizers(self):
        return miyato_adam()

    # === Algorithm 1 with the hinge loss ===
    def train_step(self, data):
        self._check_compiled()
        real, _ = self.unpack(data)
        # n_dis times: a fresh minibatch of m real images and m latents, descend D's loss
        for real_batch, _ in self.split_for_d_steps(real):
            m = real_batch.shape[0] or tf.shape(real_batch)[0]
            fake = self.generator(self.sample_latent(m), training=True)
            with tf.GradientTape() as tape:
                real_scores = self.discriminate(real_batch)
                d_loss = self.d_loss_fn(real_scores, self.discriminate(fake)) + self.r1_penalty(real_batch)
            self.apply_gradients(tape, d_loss, self.discriminator, self.d_optimizer)
            self.observe_real(real_scores)  # ADA's heuristic, if on
            self.track(d_loss=d_loss)
        # then one generator update on m fresh latents: descend -D(G(z))
        z = self.sample_latent(m)
        with tf.GradientTape() as tape:
            g_loss = self.g_loss_fn(self.discriminate(self.generator(z, training=True)))
        self.apply_gradients(tape, g_loss, self.generator, self.g_optimizer)
        self.update_moving_average(z)  # generator EMA, if on
        self.track(g_loss=g_loss)
        return self.logs()

    def get_config(self):
        config = super().get_config()
        config.update(image_shape=self.image_shape, architecture=self.architecture, g_filters=self.g_filters,
                      d_filters=self.d_filters, n_dis=self.n_dis, loss=self.loss_name,
                      synchronized_batch_norm=self.synchronized_batch_norm)
        return config
