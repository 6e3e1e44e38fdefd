"""GRAN: generative recurrent adversarial networks (Im, Kim, Jiang & Memisevic 2016, "Generating images with
recurrent adversarial networks", arXiv:1602.05110)."""

import keras
import numpy as np
from keras import ops

from keras_gans.models.dcgan import radford_adam
from keras_gans.models.gan import MinimaxGame
from keras_gans.networks import build_dcgan_discriminator
from keras_gans.networks.gran import build_gran_generator, gran_increments, gran_num_steps


@keras.saving.register_keras_serializable(package="keras_gans")
class GRAN(MinimaxGame):
    """GRAN: the GAN game (``MinimaxGame``) with a generator that draws its image in ``num_steps`` steps.

    At each step an encoder reads what was drawn, its code is joined with the projected latent ``z`` and a DCGAN
    decoder adds a canvas increment; the image is ``tanh`` of the sum of the increments
    (:mod:`keras_gans.networks.gran`, the paper's eqs. 3-5). The discriminator is DCGAN's, and the game is the
    paper's: binary cross-entropy for D, the non-saturating ``-log D(G(z))`` for G (the reference ``gran.py``).

    Defaults: ``num_steps=3`` (the paper's LSUN/CIFAR-10 figures draw in 3 and 5 steps), the same ``z`` at every
    step and an encoder that reads the previous increment (eq. 4 and the reference code), ``latent_dim=100``,
    DCGAN's widths ``ngf = ndf = 64`` so that GRAN and DCGAN compare at equal width (the reference's decoders are
    wider: 256→128 at 28×28, 1024→512→256 at 32×32), weights N(0, 0.02), and DCGAN's Adam (2e-4, β1 = 0.5):
    the authors' code uses its own Adam with smaller rates for their longer runs.

    ``generate(num, seed, return_steps=True)`` also returns the canvas after each step, ``tanh(Σ_{s≤t} ΔC_s)``
    (the paper's drawing figures); :meth:`increments` gives the raw ``ΔC_t``.

    Args:
        latent_dim, image_shape: sizes of ``z`` (and of the recurrent state) and of the images.
        num_steps: ``T``, the drawing steps.
        read: ``"increment"`` (eq. 4) or ``"canvas"`` (the encoder reads the sum drawn so far).
        g_filters, d_filters: ``ngf`` of the decoder (and first width of the encoder) and ``ndf``.
        synchronized_batch_norm: batch statistics of the global batch under ``tf.distribute``.
        spectral_norm: spectral normalization of every discriminator layer instead of its batch norm.
        generator, discriminator: pre-built networks that replace the defaults (a generator made by
            :func:`~keras_gans.networks.gran.build_gran_generator`, for the drawing steps).
        **kwargs: ``d_steps``, ``loss`` (``MinimaxGame``), ``instance_noise``, ``ema_decay``, ``augment``, ``seed``
            ... (``NoiseToImage``).
    """

    def __init__(self, latent_dim=100, image_shape=(32, 32, 3), num_steps=3, read="increment", g_filters=64,
                 d_filters=64, synchronized_batch_norm=True, spectral_norm=False, generator=None, discriminator=None,
                 **kwargs):
        # === Networks ===
        generator = generator or build_gran_generator(latent_dim, image_shape, g_filters, num_steps, read,
                                                      synchronized_batch_norm=synchronized_batch_norm)
        discriminator = discriminator or build_dcgan_discriminator(
            image_shape, d_filters, synchronized_batch_norm=synchronized_batch_norm, spectral_norm=spectral_norm)
        if gran_num_steps(generator) != num_steps:
            raise ValueError(f"num_steps={num_steps} but the generator draws in {gran_num_steps(generator)} steps")
        super().__init__(generator, discriminator, latent_dim=latent_dim, **kwargs)
        # === Config ===
        self.num_steps, self.read = int(num_steps), read
        self.g_filters, self.d_filters = g_filters, d_filters
        self.synchronized_batch_norm = synchronized_batch_norm
        self.spectral_norm = bool(spectral_norm)

    def default_optimizers(self):
        return radford_adam()

    # train_step: MinimaxGame's (the paper's Algorithm 1, as GAN and DCGAN)

    # === The drawing steps ===
    def increments(self, z, ema=True):
        """The canvas increments ``ΔC_1 .. ΔC_T`` for latents ``z``: ``[B, T, H, W, C]`` (float32, unsquashed).

        ``tanh`` of their sum over ``T`` is the generated image; with generator EMA on, the averaged generator
        draws them unless ``ema=False``.
        """
        generator = self.averaged(self.generator) if ema else self.generator
        return ops.cast(gran_increments(generator)(z, training=False), "float32")

    def generate(self, num, seed=None, labels=None, batch_size=256, ema=True, return_steps=False):
        """``num`` images in [-1, 1] (``NoiseToImage.generate``); with ``return_steps=True`` also the canvases
        after each step, ``[num, T, H, W, C]`` with ``canvases[:, t] = tanh(Σ_{s≤t} ΔC_s)``, so that
        ``canvases[:, -1]`` are the images."""
        if not return_steps:
            return super().generate(num, seed=seed, labels=labels, batch_size=batch_size, ema=ema)
        if int(num) != num or num < 1:
            raise ValueError(f"num must be a positive integer, got {num!r}")
        self.check_labels(labels, int(num))
        if seed is None:
            seed = int(np.random.randint(0, 2**31 - 1))
        z = self.latent_for_seed(int(num), seed)
        steps = np.concatenate([ops.convert_to_numpy(self.increments(z[start:start + batch_size], ema=ema))
                                for start in range(0, int(num), batch_size)])
        canvases = np.tanh(np.cumsum(steps.astype("float64"), axis=1)).astype("float32")
        return canvases[:, -1], canvases

    def get_config(self):
        config = super().get_config()
        config.update(image_shape=self.image_shape, num_steps=self.num_steps, read=self.read,
                      g_filters=self.g_filters, d_filters=self.d_filters,
                      synchronized_batch_norm=self.synchronized_batch_norm, spectral_norm=self.spectral_norm)
        return config
