"""Adversarially Learned Inference (Dumoulin et al. 2016) and BiGAN (Donahue, Krähenbühl & Darrell 2016)."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_gans import losses
from keras_gans.core.noise_to_image import NoiseToImage
from keras_gans.kernels import FusedAdam
from keras_gans.networks import build_ali_discriminator, build_ali_encoder, build_dcgan_generator


@keras.saving.register_keras_serializable(package="keras_gans")
class ALI(NoiseToImage):
    """ALI: an encoder ``E``, a generator ``G`` and a discriminator on ``(x, z)`` pairs.

    Algorithm 1 of Dumoulin et al.: draw ``x ~ q(x)`` and ``z ~ p(z)``; ``ẑ = E(x)``
    (``μ(x) + σ(x)·ε`` for the stochastic encoder), ``x̃ = G(z)``;
    ``ρ_q = D(x, ẑ)``, ``ρ_p = D(x̃, z)``; the discriminator minimises
    ``-log σ(ρ_q) - log(1 - σ(ρ_p))`` and, *from the same forward pass*, ``G`` and ``E``
    minimise the swapped-label loss ``-log(1 - σ(ρ_q)) - log σ(ρ_p)``; both updates are
    applied together. Defaults (paper, Appendix A): Adam with learning rate 1e-4 and the
    paper's "β1 = 0.5, β2 = 10⁻³" -- written in the notation of Blocks (the authors' framework),
    whose ``beta2`` is one minus the usual one, so Keras's ``beta_2 = 0.999`` (taken literally,
    ``beta_2 = 0.001`` made our first CLI run diverge in epoch 1); dropout 0.2 in D; a
    stochastic encoder with ``σ = softplus(s)`` (finite for any output, unlike ``exp``);
    DCGAN's generator (latent 100).
    ``encode`` returns ``μ(x)``; ``reconstruct`` returns ``G(E(x))``. The export adds an
    ``encode`` signature beside ``generate``/``sample``.

    Args:
        latent_dim, image_shape: sizes of ``z`` and of the images.
        g_filters, d_filters, e_filters: widths of the generator, discriminator and encoder.
        stochastic: ``E(x) = μ(x) + σ(x)·ε`` (ALI's default) or a deterministic ``E(x)`` (BiGAN's).
        synchronized_batch_norm: batch statistics of the global batch under ``tf.distribute``.
        generator, discriminator, encoder: pre-built networks that replace the defaults.
        **kwargs: ``instance_noise``, ``seed`` ... (``NoiseToImage``).
    """

    tracker_names = ("d_loss", "g_loss")
    network_config_keys = ("generator", "discriminator", "encoder")
    stochastic_default = True
    more_generator_networks = True  # the encoder: its moving average is made once it is set

    def __init__(self, latent_dim=100, image_shape=(64, 64, 3), g_filters=64, d_filters=64, e_filters=64,
                 stochastic=None, synchronized_batch_norm=True, generator=None, discriminator=None, encoder=None,
                 **kwargs):
        stochastic = self.stochastic_default if stochastic is None else bool(stochastic)
        # === Networks ===
        generator = generator or build_dcgan_generator(latent_dim, image_shape, g_filters,
                                                       synchronized_batch_norm=synchronized_batch_norm)
        discriminator = discriminator or build_ali_discriminator(image_shape, latent_dim, d_filters)
        encoder = encoder or build_ali_encoder(image_shape, latent_dim, e_filters, stochastic=stochastic,
                                               synchronized_batch_norm=synchronized_batch_norm)
        super().__init__(generator, discriminator, latent_dim=latent_dim, **kwargs)
        if not isinstance(encoder, keras.Model):
            raise TypeError("encoder must be a keras.Model")
        expected = (2 if stochastic else 1) * self.latent_dim
        if encoder.outputs[0].shape[-1] != expected or tuple(encoder.inputs[0].shape[1:]) != self.image_shape:
            raise ValueError(f"the encoder must map {self.image_shape} images to {expected} numbers "
                             f"({'mean and sigma logit of ' if stochastic else ''}z of size {self.latent_dim}), "
                             f"got {tuple(encoder.inputs[0].shape[1:])} -> {encoder.outputs[0].shape[-1]}")
        self.encoder = self.in_precision(encoder)
        self.track_moving_average()
        # === Config ===
        self.stochastic = stochastic
        self.g_filters, self.d_filters, self.e_filters = g_filters, d_filters, e_filters
        self.synchronized_batch_norm = synchronized_batch_norm

    def generator_networks(self):
        return [self.generator, self.encoder]

    def default_optimizers(self):
        return (FusedAdam(1e-4, beta_1=0.5, beta_2=0.999),
                FusedAdam(1e-4, beta_1=0.5, beta_2=0.999))

    def discriminator_inputs(self, images, z):
        return [images, z]

    def infer(self, images, training):
        """``ẑ = E(x)``: ``μ + σ·ε`` (stochastic; ε replica-consistent) or ``E(x)``; ``μ`` when not training."""
        encoder = self.encoder if training else self.averaged(self.encoder)  # the moving average when sampling
        out = ops.cast(encoder(images, training=training), "float32")
        if not self.stochastic:
            return out
        mean, sigma_logit = out[:, : self.latent_dim], out[:, self.latent_dim :]
        if not training:
            return mean
        eps = self.sample_latent(images.shape[0] or tf.shape(images)[0])  # N(0, I), replica-consistent
        return mean + ops.softplus(sigma_logit) * eps

    def train_step(self, data):
        self._check_compiled()
        x, _ = self.unpack(data)
        m = x.shape[0] or tf.shape(x)[0]
        z = self.sample_latent(m)
        with tf.GradientTape() as d_tape, tf.GradientTape() as ge_tape:
            z_hat = self.infer(x, training=True)
            x_tilde = self.generator(z, training=True)
            rho_q = self.discriminate(x, z_hat)       # (x, E(x)) pairs: "real"
            rho_p = self.discriminate(x_tilde, z)     # (G(z), z) pairs: "fake"
            d_loss = losses.minimax_discriminator_loss(rho_q, rho_p)
            g_loss = losses.minimax_discriminator_loss(rho_p, rho_q)  # labels swapped
        self.apply_gradients(d_tape, d_loss, self.discriminator, self.d_optimizer)
        self.observe_real(rho_q)  # ADA's heuristic, if on
        self.apply_gradients(ge_tape, g_loss, self.generator_networks(), self.g_optimizer)
        self.update_moving_average(z, x)
        self.track(d_loss=d_loss, g_loss=g_loss)
        return self.logs()

    # --- Inference --------------------------------------------------------------
    def _check_images(self, images):
        images = np.asarray(images, "float32")
        if images.ndim == 3:
            images = images[None]
        if images.ndim != 4 or tuple(images.shape[1:]) != self.image_shape:
            raise ValueError(f"{type(self).__name__} encodes images of shape {self.image_shape} "
                             f"(values in [-1, 1]), got an array of shape {images.shape}")
        return images

    def encode(self, images, batch_size=256):
        """``μ(x)`` (or ``E(x)``) of images in [-1, 1], ``[N, H, W, C] -> [N, latent_dim]`` numpy."""
        images = self._check_images(images)
        return np.concatenate([ops.convert_to_numpy(self.infer(tf.constant(images[i : i + batch_size]), False))
                               for i in range(0, len(images), batch_size)])

    def reconstruct(self, images, batch_size=256):
        """``G(E(x))`` of images in [-1, 1]: what the reconstruction grid shows."""
        z = self.encode(images, batch_size)
        return np.concatenate([ops.convert_to_numpy(self.averaged(self.generator)(z[i : i + batch_size], training=False))
                               for i in range(0, len(z), batch_size)])

    def get_config(self):
        config = super().get_config()
        config.update(image_shape=self.image_shape, g_filters=self.g_filters, d_filters=self.d_filters,
                      e_filters=self.e_filters, synchronized_batch_norm=self.synchronized_batch_norm,
                      stochastic=self.stochastic,
                      encoder=keras.saving.serialize_keras_object(self.encoder))
        return config


@keras.saving.register_keras_serializable(package="keras_gans")
class BiGAN(ALI):
    """BiGAN (Donahue et al. 2016): ALI's game with a *deterministic* encoder ``z = E(x)``.

    Defaults (paper, Section 4): Adam with learning rate 2e-4, β1 = 0.5, and weight decay
    2.5e-5 (the paper's L2 decay, here Adam's decoupled ``weight_decay``).
    """

    stochastic_default = False

    def default_optimizers(self):
        return (FusedAdam(2e-4, beta_1=0.5, weight_decay=2.5e-5),
                FusedAdam(2e-4, beta_1=0.5, weight_decay=2.5e-5))
