"""CycleGAN: unpaired image-to-image translation with cycle consistency (Zhu et al. 2017)."""

import keras
import tensorflow as tf

from keras_gans import losses
from keras_gans.core.distribution import draw_for_global_batch
from keras_gans.layers import ImagePool
from keras_gans.core.image_to_image import ImageTranslationModel
from keras_gans.networks import build_patchgan_discriminator, build_resnet_generator
from keras_gans.networks.resnet import default_resnet_blocks
from keras_gans.kernels import FusedAdam


@keras.saving.register_keras_serializable(package="keras_gans")
class CycleGAN(ImageTranslationModel):
    """Two generators ``G: A -> B``, ``F: B -> A`` and two PatchGANs ``D_B``, ``D_A``.

    Objective (paper eq. 3 and Sec. 5.2): least-squares GAN losses both ways, cycle
    consistency ``lambda |F(G(a)) - a|_1 + lambda |G(F(b)) - b|_1`` with ``lambda = 10``,
    identity ``0.5 lambda (|G(b) - b|_1 + |F(a) - a|_1)``; discriminators are halved and
    trained on a history of 50 generated images (``ImagePool``, returned old with
    probability 0.5). Defaults are the paper's and the reference code's
    (junyanz/pytorch-CycleGAN-and-pix2pix): ResNet generators with 9 blocks at 256 and
    6 below (``n_blocks=None`` picks), 70x70 PatchGANs, instance norm, Adam 2e-4
    beta_1 = 0.5 (one optimizer for both generators, one for both discriminators), batch 1,
    learning rate constant for the first half then linearly to zero (the CLI compiles with
    :func:`keras_gans.schedules.half_constant_half_decay`).

    ``spectral_norm=True`` wraps every discriminator convolution in spectral normalization (Miyato et al. 2018;
    instance norm stays, as in the SN + instance-norm discriminators of pix2pixHD/SPADE; batch norm is dropped);
    ``ema_decay``/``ema_rampup`` keep moving averages of both generators
    (:class:`~keras_gans.core.image_to_image.ImageTranslationModel`).

    Identity loss needs ``input_channels == output_channels``; set ``identity_weight=0``
    for domains with different channel counts (grayscale <-> colour).
    """

    tracker_names = ("d_loss", "g_loss", "gan_loss", "cycle_loss", "identity_loss")
    network_config_keys = ("generator_ab", "generator_ba", "discriminator_a", "discriminator_b")
    directions = ("AtoB", "BtoA")

    def __init__(self, input_channels=3, output_channels=3, image_size=256, g_filters=64, d_filters=64,
                 n_blocks=None, patch_size=70, norm="instance", cycle_weight=10.0, identity_weight=0.5,
                 pool_size=50, synchronized_batch_norm=True, spectral_norm=False, generator_ab=None, generator_ba=None,
                 discriminator_a=None, discriminator_b=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if image_size % 4:
            raise ValueError(f"image_size must be a multiple of 4 (two stride-2 down-samplings), got {image_size}")
        if cycle_weight < 0 or identity_weight < 0:
            raise ValueError(f"cycle_weight and identity_weight must be >= 0, got {cycle_weight}, {identity_weight}")
        if identity_weight and input_channels != output_channels:
            raise ValueError(f"the identity loss compares G(b) with b, so it needs input_channels == output_channels "
                             f"(got {input_channels} and {output_channels}): pass identity_weight=0")
        n_blocks = default_resnet_blocks(image_size) if n_blocks is None else int(n_blocks)
        sync = synchronized_batch_norm
        # === Networks ===
        self.generator_ab = self.in_precision(generator_ab or build_resnet_generator(
            input_channels, output_channels, g_filters, n_blocks, norm=norm, synchronized_batch_norm=sync,
            name="generator_ab"))
        self.generator_ba = self.in_precision(generator_ba or build_resnet_generator(
            output_channels, input_channels, g_filters, n_blocks, norm=norm, synchronized_batch_norm=sync,
            name="generator_ba"))
        self.discriminator_a = self.in_precision(discriminator_a or build_patchgan_discriminator(
            input_channels, 0, d_filters, patch_size, norm=norm, synchronized_batch_norm=sync,
            spectral_norm=spectral_norm, name="discriminator_a"))
        self.discriminator_b = self.in_precision(discriminator_b or build_patchgan_discriminator(
            output_channels, 0, d_filters, patch_size, norm=norm, synchronized_batch_norm=sync,
            spectral_norm=spectral_norm, name="discriminator_b"))
        self.input_channels, self.output_channels = int(input_channels), int(output_channels)
        self.image_size = int(image_size)
        self.size_multiple = 4
        self.cycle_weight, self.identity_weight = float(cycle_weight), float(identity_weight)
        # === History of generated images, one per discriminator ===
        self.pool_a = ImagePool(pool_size, (image_size, image_size, input_channels), name="pool_a")
        self.pool_b = ImagePool(pool_size, (image_size, image_size, output_channels), name="pool_b")
        # === Config ===
        self.architecture = dict(input_channels=self.input_channels, output_channels=self.output_channels,
                                 image_size=self.image_size, g_filters=g_filters, d_filters=d_filters,
                                 n_blocks=n_blocks, patch_size=patch_size, norm=norm, cycle_weight=self.cycle_weight,
                                 identity_weight=self.identity_weight, pool_size=pool_size,
                                 synchronized_batch_norm=sync, spectral_norm=bool(spectral_norm))
        self.track_moving_average()
        self.built = True

    def generator_networks(self):
        return [self.generator_ab, self.generator_ba]

    def discriminator_networks(self):
        return [self.discriminator_a, self.discriminator_b]

    def default_optimizers(self):
        return FusedAdam(2e-4, beta_1=0.5), FusedAdam(2e-4, beta_1=0.5)

    def generator_for(self, direction="AtoB"):
        self.check_direction(direction)
        return self.generator_ab if direction == "AtoB" else self.generator_ba

    def _from_pool(self, pool, images):
        """Pool query with random draws that are the same on 1 or N replicas."""
        batch = tf.shape(images)[0]
        uniform = draw_for_global_batch(batch, lambda n: keras.random.uniform((n,), seed=self.seed_generator))
        index = draw_for_global_batch(
            batch, lambda n: keras.random.randint((n,), 0, max(pool.pool_size, 1), seed=self.seed_generator))
        return pool(tf.stop_gradient(images), uniform, index)

    def train_step(self, data):
        """One step of the reference ``CycleGANModel.optimize_parameters``."""
        self._check_compiled()
        real_a, real_b = data
        self.check_pair_shapes(real_a, real_b)
        g_networks = self.generator_networks()
        d_networks = self.discriminator_networks()

        # 1. Generators (discriminators fixed): GAN + cycle + identity
        with tf.GradientTape() as g_tape:
            fake_b = self.generator_ab(real_a, training=True)        # G(a)
            rec_a = self.generator_ba(fake_b, training=True)         # F(G(a))
            fake_a = self.generator_ba(real_b, training=True)        # F(b)
            rec_b = self.generator_ab(fake_a, training=True)         # G(F(b))
            gan = (losses.least_squares_generator_loss(self.discriminator_b(fake_b, training=True))
                   + losses.least_squares_generator_loss(self.discriminator_a(fake_a, training=True)))
            cycle = self.cycle_weight * (losses.l1(rec_a, real_a) + losses.l1(rec_b, real_b))
            identity = tf.zeros_like(gan)
            if self.identity_weight:
                identity = self.cycle_weight * self.identity_weight * (
                    losses.l1(self.generator_ab(real_b, training=True), real_b)
                    + losses.l1(self.generator_ba(real_a, training=True), real_a))
            g_loss = gan + cycle + identity
        self.apply_gradients(g_tape, g_loss, g_networks, self.g_optimizer)
        self.update_moving_average(real_a, real_b)  # generator EMA, if on

        # 2. Discriminators on real images and pooled generated ones, halved
        pooled_b = self._from_pool(self.pool_b, fake_b)
        pooled_a = self._from_pool(self.pool_a, fake_a)
        with tf.GradientTape() as d_tape:
            d_b = 0.5 * losses.least_squares_discriminator_loss(
                self.discriminator_b(real_b, training=True), self.discriminator_b(pooled_b, training=True))
            d_a = 0.5 * losses.least_squares_discriminator_loss(
                self.discriminator_a(real_a, training=True), self.discriminator_a(pooled_a, training=True))
            d_loss = d_a + d_b
        self.apply_gradients(d_tape, d_loss, d_networks, self.d_optimizer)

        self.track(d_loss=d_loss, g_loss=g_loss, gan_loss=gan, cycle_loss=cycle, identity_loss=identity)
        return self.logs()
