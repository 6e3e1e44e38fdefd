"""Deep Convolutional GAN (Radford, Metz & Chintala 2015)."""

import keras

from keras_gans.models.gan import GAN
from keras_gans.networks import build_dcgan_discriminator, build_dcgan_generator
from keras_gans.kernels import FusedAdam


@keras.saving.register_keras_serializable(package="keras_gans")
class DCGAN(GAN):
    """DCGAN: the GAN game with the paper's convolutional architecture.

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
    """

    def __init__(
        self,
        latent_dim=100,
        image_shape=(64, 64, 3),
        g_filters=64,
        d_filters=64,
        synchronized_batch_norm=True,
        d_steps=1,
        loss="non_saturating",
        generator=None,
        discriminator=None,
        seed=None,
        **kwargs,
    ):
        for key in ("g_units", "d_units", "d_pieces"):
            kwargs.pop(key, None)
        generator = generator or build_dcgan_generator(
            latent_dim, image_shape, g_filters, synchronized_batch_norm=synchronized_batch_norm)
        discriminator = discriminator or build_dcgan_discriminator(
            image_shape, d_filters, synchronized_batch_norm=synchronized_batch_norm)
        super().__init__(latent_dim=latent_dim, image_shape=image_shape, d_steps=d_steps, loss=loss,
                         generator=generator, discriminator=discriminator, seed=seed, **kwargs)
        self.architecture = dict(image_shape=tuple(image_shape), g_filters=g_filters, d_filters=d_filters,
                                 synchronized_batch_norm=synchronized_batch_norm)

    def default_optimizers(self):
        return (FusedAdam(2e-4, beta_1=0.5), FusedAdam(2e-4, beta_1=0.5))
