"""Energy-Based GAN (Zhao, Mathieu & LeCun 2016)."""

import keras
import tensorflow as tf

from keras_gans import losses
from keras_gans.core.noise_to_image import NoiseToImage
from keras_gans.kernels import FusedAdam
from keras_gans.networks import build_dcgan_generator, build_ebgan_discriminator


@keras.saving.register_keras_serializable(package="keras_gans")
class EBGAN(NoiseToImage):
    """EBGAN: the discriminator is an auto-encoder whose reconstruction error is an energy.

    With ``D(x) = mse(Dec(Enc(x)), x)`` per example (eq. 1–2 and Section 2.3)::

        L_D = D(x) + [m - D(G(z))]^+
        L_G = D(G(z)) + λ_PT · f_PT(Enc(G(z)))

    where ``f_PT`` is the pulling-away term on the encoder codes of the generated batch
    (Section 2.4, weight ``λ_PT = 0.1``, the paper's value). Defaults: DCGAN generator
    (latent 100), the paper's 4×4 stride-2 auto-encoder discriminator, Adam 2e-4 with
    β1 = 0.5, margin ``m = 1``. The paper's margins (10 on MNIST, 20 on CelebA, 80 on LSUN)
    are for an un-normalized reconstruction norm; with the *mean* squared error per pixel of
    images in [-1, 1] the energies lie in [0, 4], and ``m = 1`` is the widely used
    TensorFlow/PyTorch reimplementations' value (``max(1, batch_size / 64)``). Logs the mean
    real and fake energies and ``pt``.

    Args:
        latent_dim, image_shape: sizes of ``z`` and of the images.
        g_filters, d_filters: widths of the generator and of the auto-encoder.
        margin: ``m``.
        pt_weight: ``λ_PT``.
        synchronized_batch_norm: batch statistics of the global batch under ``tf.distribute``.
        generator, discriminator: pre-built networks that replace the defaults.
        **kwargs: ``instance_noise``, ``seed`` ... (``NoiseToImage``).
    """

    tracker_names = ("d_loss", "g_loss", "real_energy", "fake_energy", "pt")
    discriminator_logits = False  # energies: ADA's sign heuristic does not apply

    def __init__(self, latent_dim=100, image_shape=(64, 64, 3), g_filters=64, d_filters=64, margin=1.0, pt_weight=0.1,
                 synchronized_batch_norm=True, generator=None, discriminator=None, **kwargs):
        if not margin > 0:
            raise ValueError(f"margin must be positive, got {margin!r}")
        if not pt_weight >= 0:
            raise ValueError(f"pt_weight must be >= 0, got {pt_weight!r}")
        # === Networks ===
        generator = generator or build_dcgan_generator(latent_dim, image_shape, g_filters,
                                                       synchronized_batch_norm=synchronized_batch_norm)
        discriminator = discriminator or build_ebgan_discriminator(image_shape, d_filters,
                                                                   synchronized_batch_norm=synchronized_batch_norm)
        super().__init__(generator, discriminator, latent_dim=latent_dim, **kwargs)
        # === Config ===
        self.g_filters, self.d_filters = g_filters, d_filters
        self.synchronized_batch_norm = synchronized_batch_norm
        self.margin = float(margin)
        self.pt_weight = float(pt_weight)

    def default_optimizers(self):
        return (FusedAdam(2e-4, beta_1=0.5), FusedAdam(2e-4, beta_1=0.5))

    def energy(self, images):
        """``(per-example reconstruction MSE, encoder codes)`` of ``images`` (training mode, after ``perturb``)."""
        noisy = self.perturb(images)
        reconstruction, code = self.discriminator(noisy, training=True)
        return losses.mse(reconstruction, noisy), code

    def train_step(self, data):
        self._check_compiled()
        real, _ = self.unpack(data)
        m = real.shape[0] or tf.shape(real)[0]
        # Discriminator: lower the energy of real images, raise fakes' up to the margin.
        fake = self.generator(self.sample_latent(m), training=True)
        with tf.GradientTape() as tape:
            real_energy, _ = self.energy(real)
            fake_energy, _ = self.energy(fake)
            d_loss = losses.energy_discriminator_loss(real_energy, fake_energy, self.margin)
        self.apply_gradients(tape, d_loss, self.discriminator, self.d_optimizer)
        # Generator: lower the energy of its samples, spread their codes apart.
        z = self.sample_latent(m)
        with tf.GradientTape() as tape:
            g_energy, code = self.energy(self.generator(z, training=True))
            pt = losses.pulling_away_term(code)
            g_loss = g_energy + self.pt_weight * pt
        self.apply_gradients(tape, g_loss, self.generator, self.g_optimizer)
        self.update_moving_average(z)
        self.track(d_loss=d_loss, g_loss=g_loss, real_energy=real_energy, fake_energy=fake_energy, pt=pt)
        return self.logs()

    def get_config(self):
        config = super().get_config()
        config.update(image_shape=self.image_shape, g_filters=self.g_filters, d_filters=self.d_filters,
                      synchronized_batch_norm=self.synchronized_batch_norm, margin=self.margin,
                      pt_weight=self.pt_weight)
        return config
