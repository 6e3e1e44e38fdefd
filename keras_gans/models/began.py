"""Boundary Equilibrium GAN (Berthelot, Schumm & Metz 2017)."""

import keras
import tensorflow as tf
from keras import ops

from keras_gans import losses
from keras_gans.core.noise_to_image import NoiseToImage
from keras_gans.kernels import FusedAdam
from keras_gans.networks import build_began_decoder, build_began_discriminator


@keras.saving.register_keras_serializable(package="keras_gans")
class BEGAN(NoiseToImage):
    """BEGAN, the paper's Section 3.4 objective with ``L(v) = |v - D(v)|`` (L1, η = 1)::

        L_D = L(x) - k_t · L(G(z_D))                     (update θ_D)
        L_G = L(G(z_G))                                  (update θ_G)
        k_{t+1} = clip(k_t + λ_k (γ L(x) - L(G(z_G))), 0, 1)
        M_global = L(x) + |γ L(x) - L(G(z_G))|

    Defaults (paper): diversity ratio γ = 0.5, λ_k = 0.001, k_0 = 0, Adam with learning rate
    1e-4 (β1 = 0.5 as the reference reimplementations), the paper's ELU encoder/decoder
    networks with n = 64 filters and h = 64 (= latent size), no batch norm. ``k`` is a
    non-trainable weight saved with the model, so resume continues the control; the means
    that update it are over the *global* batch, so N replicas keep the same ``k``. Logs
    ``k`` and the convergence measure ``convergence`` (M_global). The paper also halves the
    learning rate when M_global stalls; pass an optimizer with a schedule for that.

    Args:
        latent_dim, image_shape: sizes of ``z`` (the paper's ``N_z``) and of the images.
        filters, hidden_dim: ``n`` and ``h`` of the encoder/decoder networks.
        gamma, lambda_k, k_init: γ, λ_k and k_0.
        generator, discriminator: pre-built networks that replace the defaults.
        **kwargs: ``instance_noise``, ``seed`` ... (``NoiseToImage``).
    """

    tracker_names = ("d_loss", "g_loss", "real_loss", "fake_loss", "k", "convergence")
    discriminator_logits = False  # reconstruction losses: ADA's sign heuristic does not apply

    def __init__(self, latent_dim=64, image_shape=(64, 64, 3), filters=64, hidden_dim=64, gamma=0.5, lambda_k=0.001,
                 k_init=0.0, generator=None, discriminator=None, **kwargs):
        if not 0.0 < gamma <= 1.0:
            raise ValueError(f"gamma (the diversity ratio) must be in (0, 1], got {gamma!r}")
        if not lambda_k > 0:
            raise ValueError(f"lambda_k must be positive, got {lambda_k!r}")
        if not 0.0 <= k_init <= 1.0:
            raise ValueError(f"k_init must be in [0, 1], got {k_init!r}")
        # === Networks ===
        generator = generator or build_began_decoder(latent_dim, image_shape, filters)
        discriminator = discriminator or build_began_discriminator(image_shape, filters, hidden_dim)
        super().__init__(generator, discriminator, latent_dim=latent_dim, **kwargs)
        # === Config and state ===
        self.filters, self.hidden_dim = filters, hidden_dim
        self.gamma, self.lambda_k, self.k_init = float(gamma), float(lambda_k), float(k_init)
        # Every replica computes the same new k from global means: keep the first replica's write.
        self.k = self.add_weight(shape=(), initializer=keras.initializers.Constant(self.k_init), trainable=False,
                                 name="k", aggregation="only_first_replica")

    def default_optimizers(self):
        return (FusedAdam(1e-4, beta_1=0.5), FusedAdam(1e-4, beta_1=0.5))

    def reconstruction_loss(self, images):
        """``L(v) = |v - D(v)|`` per example (mean absolute error; ``v`` augmented and with instance noise, if on)."""
        noisy = self.perturb(images)
        return losses.l1(self.discriminator(noisy, training=True), noisy)

    def train_step(self, data):
        self._check_compiled()
        real, _ = self.unpack(data)
        m = real.shape[0] or tf.shape(real)[0]
        k = ops.convert_to_tensor(self.k)
        fake_d = self.generator(self.sample_latent(m), training=True)
        with tf.GradientTape() as tape:
            real_loss = self.reconstruction_loss(real)
            fake_loss = self.reconstruction_loss(fake_d)
            d_loss = real_loss - k * fake_loss
        self.apply_gradients(tape, d_loss, self.discriminator, self.d_optimizer)
        z = self.sample_latent(m)
        with tf.GradientTape() as tape:
            g_loss = self.reconstruction_loss(self.generator(z, training=True))
        self.apply_gradients(tape, g_loss, self.generator, self.g_optimizer)
        self.update_moving_average(z)
        # Proportional control of the equilibrium E[L(G(z))] = γ E[L(x)].
        mean_real = self.global_average(real_loss)
        balance = self.gamma * mean_real - self.global_average(g_loss)
        self.k.assign(ops.clip(k + self.lambda_k * balance, 0.0, 1.0))
        convergence = mean_real + ops.abs(balance)
        self.track(d_loss=d_loss, g_loss=g_loss, real_loss=real_loss, fake_loss=fake_loss, k=self.k,
                   convergence=convergence)
        return self.logs()

    def get_config(self):
        config = super().get_config()
        config.update(image_shape=self.image_shape, filters=self.filters, hidden_dim=self.hidden_dim, gamma=self.gamma,
                      lambda_k=self.lambda_k, k_init=self.k_init)
        return config
