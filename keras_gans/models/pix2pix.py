"""Pix2Pix: image-to-image translation with conditional adversarial networks (Isola et al. 2017)."""

import keras
import tensorflow as tf

from keras_gans import losses
from keras_gans.core.image_to_image import ImageTranslationModel
from keras_gans.networks import build_patchgan_discriminator, build_unet_generator
from keras_gans.networks.unet import unet_depth
from keras_gans.kernels import FusedAdam

GENERATORS = ("unet", "encoder_decoder")


@keras.saving.register_keras_serializable(package="keras_gans")
class Pix2Pix(ImageTranslationModel):
    """Paired translation A -> B: a U-Net generator and a conditional PatchGAN.

    The objective (paper eq. 4): ``G* = arg min_G max_D L_cGAN(G, D) + lambda L_L1(G)``
    with ``lambda = 100``; D's loss is halved "to slow down the rate at which D learns
    relative to G" (Sec. 3.3); G minimises the non-saturating ``-log D(x, G(x))``.
    Defaults are the paper's and the reference code's (junyanz/pytorch-CycleGAN-and-pix2pix):
    ``unet_256`` (depth from ``image_size``), 70x70 PatchGAN (``n_layers=3``), ngf = ndf = 64,
    batch norm, dropout 0.5 in the three innermost decoder blocks, Adam 2e-4 with
    beta_1 = 0.5, batch size 1 (the CLI's default for this model).

    Args:
        input_channels, output_channels: channels of A and B (1 grayscale, 3 colour).
        image_size: the square training size (64, 128, 256, 512); the U-Net has
            ``log2(image_size)`` down-sampling blocks. Inference takes any size.
        generator_type: ``"unet"`` or ``"encoder_decoder"`` (the paper's no-skip ablation).
        patch_size: PatchGAN receptive field: 1 (PixelGAN), 16, 70, 286 (ImageGAN at 256).
        norm: ``"batch"`` (paper) or ``"instance"``.
        l1_weight: lambda of the L1 term (100).
        dropout: U-Net decoder dropout rate (0.5; used in training only -- the paper also
            keeps it at test time, the reference code's ``--eval`` does not).
        synchronized_batch_norm: batch statistics of the global batch under ``tf.distribute``
            (what one device computes).
        spectral_norm: spectral normalization of every discriminator convolution (Miyato et al. 2018), which then
            has no batch norm (SN replaces it; the generator keeps ``norm``). Default off, as the paper.
        ema_decay, ema_rampup: generator EMA (:class:`~keras_gans.core.image_to_image.ImageTranslationModel`).
        generator, discriminator: networks to use instead of the built ones.
    """

    tracker_names = ("d_loss", "g_loss", "g_gan_loss", "g_l1_loss")

    def __init__(self, input_channels=3, output_channels=3, image_size=256, g_filters=64, d_filters=64,
                 generator_type="unet", patch_size=70, norm="batch", l1_weight=100.0, dropout=0.5,
                 synchronized_batch_norm=True, spectral_norm=False, generator=None, discriminator=None, seed=None,
                 **kwargs):
        super().__init__(seed=seed, **kwargs)
        if generator_type not in GENERATORS:
            raise ValueError(f"generator_type must be one of {GENERATORS}, got {generator_type!r}")
        if l1_weight < 0:
            raise ValueError(f"l1_weight must be >= 0, got {l1_weight}")
        depth = unet_depth(image_size)
        # === Networks ===
        self.generator = self.in_precision(generator or build_unet_generator(
            input_channels, output_channels, image_size, g_filters, norm=norm, dropout=dropout,
            skip=generator_type == "unet", synchronized_batch_norm=synchronized_batch_norm, seed=seed))
        self.discriminator = self.in_precision(discriminator or build_patchgan_discriminator(
            output_channels, input_channels, d_filters, patch_size, norm=norm,
            synchronized_batch_norm=synchronized_batch_norm, spectral_norm=spectral_norm))
        self.input_channels, self.output_channels = int(input_channels), int(output_channels)
        self.image_size = int(image_size)
        self.size_multiple = 2**depth
        self.l1_weight = float(l1_weight)
        # === Config ===
        self.architecture = dict(input_channels=self.input_channels, output_channels=self.output_channels,
                                 image_size=self.image_size, g_filters=g_filters, d_filters=d_filters,
                                 generator_type=generator_type, patch_size=patch_size, norm=norm,
                                 l1_weight=self.l1_weight, dropout=dropout,
                                 synchronized_batch_norm=synchronized_batch_norm, spectral_norm=bool(spectral_norm))
        self.track_moving_average()
        self.built = True

    def default_optimizers(self):
        return FusedAdam(2e-4, beta_1=0.5), FusedAdam(2e-4, beta_1=0.5)

    def generator_for(self, direction="AtoB"):
        self.check_direction(direction)
        return self.generator

    def train_step(self, data):
        """One step of the reference ``Pix2PixModel.optimize_parameters``."""
        self._check_compiled()
        x, y = data
        self.check_pair_shapes(x, y)
        with tf.GradientTape() as g_tape:
            fake = self.generator(x, training=True)                          # G(x)

        # 1. D: 0.5 * [-log D(x, y) - log(1 - D(x, G(x)))]
        with tf.GradientTape() as d_tape:
            real_logits = self.discriminator([x, y], training=True)
            fake_logits = self.discriminator([x, tf.stop_gradient(fake)], training=True)
            d_loss = 0.5 * losses.minimax_discriminator_loss(real_logits, fake_logits)
        self.apply_gradients(d_tape, d_loss, self.discriminator, self.d_optimizer)

        # 2. G: -log D(x, G(x)) + lambda * |y - G(x)|_1, against the updated D
        with g_tape:
            g_gan = losses.non_saturating_generator_loss(self.discriminator([x, fake], training=True))
            g_l1 = losses.l1(y, fake)
            g_loss = g_gan + self.l1_weight * g_l1
        self.apply_gradients(g_tape, g_loss, self.generator, self.g_optimizer)
        self.update_moving_average(x)  # generator EMA, if on

        self.track(d_loss=d_loss, g_loss=g_loss, g_gan_loss=g_gan, g_l1_loss=g_l1)
        return self.logs()
