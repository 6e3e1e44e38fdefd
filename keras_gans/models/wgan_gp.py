"""WGAN with gradient penalty (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs")."""

import keras
import tensorflow as tf

from keras_gans import losses
from keras_gans.kernels import FusedAdam
from keras_gans.models.wgan import WassersteinGame

#: WGAN's warm-up arguments that WGAN-GP files saved before the WassersteinGame base still carry (unused)
_LEGACY_CONFIG_KEYS = ("warmup_critic_steps", "warmup_generator_steps", "warmup_every")


@keras.saving.register_keras_serializable(package="keras_gans")
class WGANGP(WassersteinGame):
    """WGAN-GP, Algorithm 1 of Gulrajani et al.: the Wasserstein game with a gradient penalty.

    Defaults (paper): penalty weight λ = 10 on ``(||∇D(x̂)||₂ - 1)²`` at
    ``x̂ = εx + (1 - ε)G(z)`` with ``ε ~ U[0, 1]`` per example, ``n_critic = 5``,
    Adam with learning rate 1e-4 and β = (0.5, 0.9), no weight clipping, no
    warm-up schedule, and no batch norm in the critic (the penalty is per
    example; layer norm is the paper's suggested replacement and our default,
    ``critic_norm="none"`` also works). The gradient norm is
    ``sqrt(Σg² + 1e-12)`` so it has a finite gradient everywhere. Logs ``gp``.

    Args:
        latent_dim, image_shape, critic_norm, n_critic: as ``WassersteinGame``.
        gp_weight: λ.
        **kwargs: ``g_filters``, ``d_filters``, ``generator``, ``discriminator`` (``WassersteinGame``),
            ``instance_noise``, ``seed`` ... (``NoiseToImage``).
    """

    tracker_names = ("d_loss", "g_loss", "wasserstein", "gp")
    clip_value = None  # no weight clipping: the penalty keeps the critic Lipschitz

    def __init__(self, latent_dim=100, image_shape=(64, 64, 3), critic_norm="layer", gp_weight=10.0, n_critic=5,
                 **kwargs):
        if critic_norm == "batch":
            raise ValueError("WGAN-GP's critic must not use batch norm: the gradient penalty is per example "
                             "(use critic_norm='layer' or 'none')")
        super().__init__(latent_dim=latent_dim, image_shape=image_shape, critic_norm=critic_norm, n_critic=n_critic,
                         **kwargs)
        self.gp_weight = float(gp_weight)

    def default_optimizers(self):
        return (FusedAdam(1e-4, beta_1=0.5, beta_2=0.9),
                FusedAdam(1e-4, beta_1=0.5, beta_2=0.9))

    def critic_penalty(self, real, fake):
        """λ · (||∇D(x̂)||₂ - 1)² at random interpolates ``x̂ = εx + (1 - ε)G(z)``, one ε per example."""
        m = real.shape[0] or tf.shape(real)[0]
        eps = self.sample_uniform(m, (1,) * (len(real.shape) - 1))
        interpolates = eps * real + (1.0 - eps) * fake
        with tf.GradientTape() as gp_tape:
            gp_tape.watch(interpolates)
            scores = self.discriminator(interpolates, training=True)
        gp = losses.gradient_penalty_from_gradients(gp_tape.gradient(scores, interpolates))
        return self.gp_weight * gp, {"gp": gp}

    def get_config(self):
        config = super().get_config()
        config.update(gp_weight=self.gp_weight)
        return config

    @classmethod
    def from_config(cls, config):
        config = {k: v for k, v in config.items() if k not in _LEGACY_CONFIG_KEYS}
        return super().from_config(config)
