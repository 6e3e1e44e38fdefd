"""Deep Convolutional GAN (Radford, Metz & Chintala 2015)."""

import keras

from keras_gans.kernels import FusedAdam
from keras_gans.models.gan import MinimaxGame
from keras_gans.networks import build_dcgan_discriminator, build_dcgan_generator


def radford_adam():
    """``(g_optimizer, d_optimizer)``: Adam with learning rate 2e-4 and beta_1 = 0.5 (DCGAN, Section 4)."""
    return (FusedAdam(2e-4, beta_1=0.5), FusedAdam(2e-4, beta_1=0.5))


@keras.saving.register_keras_serializable(package="keras_gans")
class DCGAN(MinimaxGame):
    """DCGAN: the GAN game (``MinimaxGame``) with the paper's convolutional architecture.

    Defaults (paper, Section 4, and ``dcgan.torch``): ``latent_dim=100``,
    ``ngf = ndf = 64``, batch norm in G and D except G's output and D's input,
    ReLU/tanh in G, LeakyReLU(0.2) in D, weights N(0, 0.02), Adam with learning
    rate 2e-4 and beta_1 = 0.5, one D step per G step, batch 128 (the CLI's
    default), non-saturating generator loss. Image sizes 28, 32, 64 and larger
    powers of two.

    Batch norm is *synchronized* across replicas by default so that
    ``MirroredStrategy`` computes the statistics of the global batch exactly as
    one device does; pass ``synchronized_batch_norm=False`` for per-replica
    statistics.

    Args:
        latent_dim, image_shape: sizes of ``z`` and of the images.
        g_filters, d_filters: ``ngf`` and ``ndf``.
        synchronized_batch_norm: batch statistics of the global batch under ``tf.distribute``.
        spectral_norm: spectral normalization of every discriminator layer instead of its batch norm
            (Miyato et al. 2018; :class:`keras_gans.layers.SpectralNormalization`).
        generator, discriminator: pre-built networks that replace the defaults.
        **kwargs: ``d_steps``, ``loss`` (``MinimaxGame``), ``instance_noise``, ``seed`` ... (``NoiseToImage``).
    """

    def __init__(self, latent_dim=100, image_shape=(64, 64, 3), g_filters=64, d_filters=64,
                 synchronized_batch_norm=True, spectral_norm=False, generator=None, discriminator=None, **kwargs):
        # === Networks ===
        generator = generator or build_dcgan_generator(
            latent_dim, image_shape, g_filters, synchronized_batch_norm=synchronized_batch_norm)
        discriminator = discriminator or build_dcgan_discriminator(
            image_shape, d_filters, synchronized_batch_norm=synchronized_batch_norm, spectral_norm=spectral_norm)
        super().__init__(generator, discriminator, latent_dim=latent_dim, **kwargs)
        # === Config ===
        self.g_filters, self.d_filters = g_filters, d_filters
        self.synchronized_batch_norm = synchronized_batch_norm
        self.spectral_norm = bool(spectral_norm)

    def default_optimizers(self):
        return radford_adam()

    def get_config(self):
        config = super().get_config()
        config.update(image_shape=self.image_shape, g_filters=self.g_filters, d_filters=self.d_filters,
                      synchronized_batch_norm=self.synchronized_batch_norm, spectral_norm=self.spectral_norm)
        return config
