"""Wasserstein GAN with weight clipping (Arjovsky, Chintala & Bottou 2017)."""

import keras
import tensorflow as tf
from keras import ops

from keras_gans import losses
from keras_gans.core.critic_only import CriticOnlySteps
from keras_gans.core.noise_to_image import NoiseToImage
from keras_gans.networks import build_dcgan_discriminator, build_dcgan_generator


class WassersteinGame(NoiseToImage):
    """The Wasserstein game of Arjovsky et al. 2017 (Algorithm 1) on DCGAN networks.

    Each ``train_step`` takes a batch of ``n_critic * m`` real images: ``n_critic`` critic steps
    on minibatches of ``m``, each minimising ``f(G(z)) - f(x)``, then one generator step
    minimising ``-f(G(z))``. The critic outputs an unbounded score (no sigmoid). How the critic
    is kept Lipschitz is the subclass's: ``WGAN`` clips its weights (:meth:`after_critic_step`),
    ``WGANGP`` adds a gradient penalty (:meth:`critic_penalty`). Logs ``wasserstein``, the
    critic's estimate ``E[f(x)] - E[f(G(z))]``.

    Args:
        latent_dim, image_shape: sizes of ``z`` and of the images.
        g_filters, d_filters: widths of the DCGAN generator and critic.
        critic_norm: normalization in the critic (``"batch"``, ``"layer"`` or ``"none"``).
        n_critic: critic steps per generator step.
        generator, discriminator: pre-built networks that replace the defaults.
        **kwargs: ``instance_noise``, ``seed`` ... (``NoiseToImage``).
    """

    tracker_names = ("d_loss", "g_loss", "wasserstein")
    discriminator_logits = False  # critic scores: ADA's sign heuristic does not apply

    def __init__(self, latent_dim=100, image_shape=(64, 64, 3), g_filters=64, d_filters=64, critic_norm="batch",
                 n_critic=5, generator=None, discriminator=None, **kwargs):
        if int(n_critic) != n_critic or n_critic < 1:
            raise ValueError(f"n_critic must be a positive integer, got {n_critic!r}")
        # === Networks ===
        generator = generator or build_dcgan_generator(latent_dim, image_shape, g_filters)
        discriminator = discriminator or build_dcgan_discriminator(image_shape, d_filters, norm=critic_norm,
                                                                   name="critic")
        super().__init__(generator, discriminator, latent_dim=latent_dim, **kwargs)
        # === Config ===
        self.g_filters, self.d_filters, self.critic_norm = g_filters, d_filters, critic_norm
        self.n_critic = int(n_critic)

    @property
    def d_steps(self):
        return self.n_critic

    def critic_penalty(self, real, fake):
        """``(per-example term added to the critic's loss, values to log)``; none in this game."""
        return 0.0, {}

    def after_critic_step(self):
        """Runs after every critic update; nothing in this game."""

    # === Algorithm 1 ===
    def train_step(self, data, generator_update=True):
        self._check_compiled()
        real, _ = self.unpack(data)
        # n_critic times: sample m real images and m latents, descend the critic's loss
        for real_batch, _ in self.split_for_d_steps(real):
            m = real_batch.shape[0] or tf.shape(real_batch)[0]
            fake = self.generator(self.sample_latent(m), training=True)
            real_batch, fake = self.perturb(real_batch), self.perturb(fake)  # what the critic sees
            with tf.GradientTape() as tape:
                real_scores = self.discriminator(real_batch, training=True)
                fake_scores = self.discriminator(fake, training=True)
                critic_loss = losses.wasserstein_critic_loss(real_scores, fake_scores)
                penalty, penalty_logs = self.critic_penalty(real_batch, fake)
                d_loss = critic_loss + penalty
            self.apply_gradients(tape, d_loss, self.discriminator, self.d_optimizer)
            self.after_critic_step()
            self.track(d_loss=d_loss, wasserstein=-critic_loss, **penalty_logs)
        # then one generator step: descend -f(G(z)) on fresh latents
        if generator_update:
            z = self.sample_latent(m)
            with tf.GradientTape() as tape:
                g_loss = losses.wasserstein_generator_loss(self.discriminate(self.generator(z, training=True)))
            self.apply_gradients(tape, g_loss, self.generator, self.g_optimizer)
            self.update_moving_average(z)
            self.track(g_loss=g_loss)
        return self.logs()

    def get_config(self):
        config = super().get_config()
        config.update(image_shape=self.image_shape, g_filters=self.g_filters, d_filters=self.d_filters,
                      critic_norm=self.critic_norm, n_critic=self.n_critic)
        return config


@keras.saving.register_keras_serializable(package="keras_gans")
class WGAN(CriticOnlySteps, WassersteinGame):
    """WGAN, Algorithm 1 of the paper: the Wasserstein game with the critic's weights clipped.

    Defaults (paper and the authors' ``main.py``): RMSProp with learning rate
    5e-5, ``n_critic = 5`` critic steps per generator step, weights clipped to
    ``[-0.01, 0.01]`` after every critic step, DCGAN networks with a critic that
    outputs an unbounded score (no sigmoid). The reference code also runs 100
    critic steps for each of the first 25 generator steps and for every 500th
    (``warmup_schedule=True``); ``fit`` makes the steps of that warm-up without the
    generator update (see :meth:`critic_only_now`).

    Args:
        latent_dim, image_shape, g_filters, d_filters, critic_norm, n_critic, generator,
            discriminator: as ``WassersteinGame``.
        clip_value: ``c`` of the clipping (``None``: no clipping).
        warmup_schedule: run the reference code's critic schedule.
        warmup_critic_steps, warmup_generator_steps, warmup_every: its 100, 25 and 500.
        **kwargs: ``instance_noise``, ``seed`` ... (``NoiseToImage``).
    """

    def __init__(self, latent_dim=100, image_shape=(64, 64, 3), g_filters=64, d_filters=64, critic_norm="batch",
                 n_critic=5, clip_value=0.01, warmup_schedule=True, warmup_critic_steps=100,
                 warmup_generator_steps=25, warmup_every=500, generator=None, discriminator=None, **kwargs):
        super().__init__(latent_dim=latent_dim, image_shape=image_shape, g_filters=g_filters, d_filters=d_filters,
                         critic_norm=critic_norm, n_critic=n_critic, generator=generator,
                         discriminator=discriminator, **kwargs)
        if clip_value is not None and clip_value <= 0:
            raise ValueError(f"clip_value must be positive (or None), got {clip_value}")
        if warmup_critic_steps < n_critic:
            raise ValueError("warmup_critic_steps must be at least n_critic")
        self.clip_value = clip_value
        self.warmup_schedule = bool(warmup_schedule)
        self.warmup_critic_steps = int(warmup_critic_steps)
        self.warmup_generator_steps = int(warmup_generator_steps)
        self.warmup_every = int(warmup_every)

    def default_optimizers(self):
        return (keras.optimizers.RMSprop(5e-5), keras.optimizers.RMSprop(5e-5))

    def after_critic_step(self):
        """Clip the critic's weights to [-c, c] (the paper's Lipschitz constraint)."""
        if self.clip_value is None:
            return
        for v in self.discriminator.trainable_variables:
            v.assign(ops.clip(v, -self.clip_value, self.clip_value))

    # === The reference schedule: how many critic steps before generator step g ===
    def critic_steps_for(self, g):
        """100 critic steps for each of the first 25 generator steps and every 500th, else ``n_critic``."""
        if self.warmup_schedule and (g < self.warmup_generator_steps or g % self.warmup_every == 0):
            return self.warmup_critic_steps
        return self.n_critic

    def critic_steps_before(self, g):
        """Critic steps taken before generator step ``g`` (closed form of the schedule)."""
        if not self.warmup_schedule:
            return self.n_critic * g
        big = min(g, self.warmup_generator_steps)
        big += len([k for k in range(self.warmup_every, g, self.warmup_every) if k >= self.warmup_generator_steps])
        return self.warmup_critic_steps * big + self.n_critic * (g - big)

    def critic_only_now(self):
        """Whether the next ``train_step`` (``n_critic`` critic steps) must skip the generator step:
        yes while the critic steps done for the current generator step, plus these, fall short
        of :meth:`critic_steps_for`. ``None`` without the schedule."""
        if not self.warmup_schedule:
            return None
        if self.g_optimizer is None:
            return False
        g = int(self.g_optimizer.iterations.numpy())
        done = int(self.d_optimizer.iterations.numpy()) - self.critic_steps_before(g)
        return done + self.n_critic < self.critic_steps_for(g)

    def get_config(self):
        config = super().get_config()
        config.update(clip_value=self.clip_value, warmup_schedule=self.warmup_schedule,
                      warmup_critic_steps=self.warmup_critic_steps, warmup_generator_steps=self.warmup_generator_steps,
                      warmup_every=self.warmup_every)
        return config
