"""StyleGAN and StyleGAN2 (Karras, Laine & Aila 2019, "A Style-Based Generator Architecture for Generative
Adversarial Networks"; Karras, Laine, Aittala, Hellsten, Lehtinen & Aila 2020, "Analyzing and Improving the Image
Quality of StyleGAN"): a mapping network ``z -> w``, a synthesis network that takes a style ``w`` per layer, and
the training algorithm of stylegan2-ada-pytorch's ``training/loss.py`` (``StyleGAN2Loss``)."""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_gans import losses
from keras_gans.core.noise_to_image import NoiseToImage, latent_for_seed
from keras_gans.kernels import FusedAdam
from keras_gans.layers.progressive import images_at_lod, schedule_lod
from keras_gans.networks.stylegan import (SYNTHESES, build_stylegan_discriminator, build_stylegan_generator,
                                          check_resolution, num_ws)


def lazy_adam(learning_rate, beta_1, beta_2, interval):
    """Adam for a network regularized every ``interval`` updates, with StyleGAN2's correction (Appendix B, the
    reference's ``training_loop.py``): ``c = interval / (interval + 1)``, learning rate ``lr·c``, betas ``β^c``;
    ``interval=None`` leaves them as given. ε = 1e-8 as the reference."""
    c = 1.0 if not interval else interval / (interval + 1.0)
    return FusedAdam(learning_rate * c, beta_1=beta_1**c, beta_2=beta_2**c, epsilon=1e-8)


@keras.saving.register_keras_serializable(package="keras_gans")
class StyleGAN(NoiseToImage):
    """StyleGAN (``synthesis="adain"``) and StyleGAN2 (``synthesis="modulated"``, the default).

    The generator is one ``keras.Model`` ``z -> image`` (what ``generate``, the EMA, FID and ``export`` use)
    made of two layers, ``generator.get_layer("mapping")`` (``z -> w``) and ``generator.get_layer("synthesis")``
    (``ws [B, num_ws, w_dim] -> image``); :meth:`map`, :meth:`synthesize`, :meth:`mix` and the truncation of
    :meth:`generate` use them apart. Networks: :mod:`keras_gans.networks.stylegan`.

    One ``train_step`` is the reference's four phases on one minibatch (``StyleGAN2Loss.accumulate_gradients``):
    G's non-saturating logistic loss ``softplus(-D(G(z)))`` with style mixing (and the path-length penalty every
    ``pl_interval`` steps when ``pl_weight`` > 0), then D's ``softplus(D(G(z))) + softplus(-D(x))`` plus the lazy
    R1 penalty every ``r1_interval`` steps (``NoiseToImage.r1_penalty``). After G's update the tracked average
    ``w̄`` moves towards the batch mean of ``w`` (``w_avg_beta``) and the generator EMA is updated.

    Defaults are StyleGAN2's config F and the reference: z and w of 512, 8 mapping layers with learning-rate
    multiplier 0.01, widths ``min(32768 / res, 512)``, style mixing probability 0.9, ``w̄`` decay 0.995, R1 γ = 10
    every 16 D steps, path length weight 2 every 4 G steps when on (off by default here: it doubles G's cost on a
    CPU; the paper's config F uses it), Adam 2e-3 with β = (0, 0.99) corrected for lazy regularization
    (:func:`lazy_adam`), generator EMA with a half-life of 10k images (``ema_kimg=10``, config F's
    ``G_smoothing_kimg``; 156 steps at a batch of 64, whatever the number of replicas), no ramp-up (config F has
    none; stylegan2-ada's small-data configurations add ``ema_rampup=0.05``). For the 2-core CPU use small
    widths (``channel_base=2048, channel_max=128``) and smaller z/w.

    Args:
        image_shape: ``(resolution, resolution, channels)``, resolution a power of two >= 4.
        synthesis: ``"modulated"`` (StyleGAN2) or ``"adain"`` (StyleGAN).
        latent_dim, w_dim, mapping_layers, mapping_lr_multiplier: the mapping network.
        channel_base, channel_max: feature maps ``min(channel_base // res, channel_max)`` in G and D.
        style_mixing_prob: probability that a training batch takes a second ``w`` from a crossover layer on
            (uniform over layers 1..num_ws-1, one per batch as the reference).
        w_avg_beta: decay of the tracked ``w̄`` that truncation pulls towards.
        mbstd_group_size: the discriminator's minibatch standard deviation groups (4; 0 turns it off).
        pl_weight, pl_interval, pl_decay: path length regularization (Karras et al. 2020, Section 3.2): weight
            (reference: 2; 0 = off), lazy interval (4) and the decay of its running mean length (0.01).
        progressive: progressive growing (Karras et al. 2018; the ``"adain"`` synthesis only, as StyleGAN trained
            it): from ``lod_initial_resolution`` (8), ``lod_training_kimg`` thousand images per resolution and
            ``lod_transition_kimg`` per fade-in (600 and 600, the papers'); the level of detail follows the
            images shown (``images_seen``, saved), so resume continues mid-fade. Logged as ``lod``.
        r1_gamma, r1_interval, ema_kimg, ema_rampup, augment, ...: the toolbox
            (:class:`~keras_gans.core.noise_to_image.NoiseToImage`), with StyleGAN2's defaults. ``ema_kimg=None``
            turns the EMA off; ``ema_decay`` (per step) replaces it when ``ema_kimg=None``.
    """

    tracker_names = ("d_loss", "g_loss")
    supports_r1 = True

    def __init__(self, image_shape=(32, 32, 3), synthesis="modulated", latent_dim=512, w_dim=512, mapping_layers=8,
                 mapping_lr_multiplier=0.01, channel_base=32768, channel_max=512, style_mixing_prob=0.9,
                 w_avg_beta=0.995, mbstd_group_size=4, pl_weight=0.0, pl_interval=4, pl_decay=0.01,
                 progressive=False, lod_initial_resolution=8, lod_training_kimg=600.0, lod_transition_kimg=600.0,
                 r1_gamma=10.0, r1_interval=16, ema_kimg=10.0, generator=None, discriminator=None, **kwargs):
        image_shape = tuple(int(s) for s in image_shape)
        if len(image_shape) != 3 or image_shape[0] != image_shape[1]:
            raise ValueError(f"StyleGAN makes square images: image_shape (resolution, resolution, channels), "
                             f"got {image_shape!r}")
        resolution = check_resolution(image_shape[0])
        if synthesis not in SYNTHESES:
            raise ValueError(f"synthesis must be one of {SYNTHESES}, got {synthesis!r}")
        if not 0.0 <= float(style_mixing_prob) <= 1.0:
            raise ValueError(f"style_mixing_prob must be in [0, 1], got {style_mixing_prob!r}")
        if not 0.0 <= float(w_avg_beta) < 1.0:
            raise ValueError(f"w_avg_beta must be in [0, 1), got {w_avg_beta!r}")
        if not float(pl_weight) >= 0.0 or int(pl_interval) != pl_interval or pl_interval < 1:
            raise ValueError(f"pl_weight must be >= 0 and pl_interval a positive integer, got {pl_weight!r}, "
                             f"{pl_interval!r}")
        if progressive:
            check_resolution(lod_initial_resolution)
            if not 4 <= lod_initial_resolution <= resolution:
                raise ValueError(f"lod_initial_resolution must be in [4, {resolution}], got {lod_initial_resolution!r}")
            if not (float(lod_training_kimg) >= 0 and float(lod_transition_kimg) >= 0
                    and lod_training_kimg + lod_transition_kimg > 0):
                raise ValueError("lod_training_kimg and lod_transition_kimg must be >= 0, not both 0")
        # === Networks ===
        generator = generator or build_stylegan_generator(
            resolution, image_shape[2], latent_dim, w_dim, mapping_layers, mapping_lr_multiplier, synthesis,
            channel_base, channel_max, progressive)
        discriminator = discriminator or build_stylegan_discriminator(
            resolution, image_shape[2], channel_base, channel_max, mbstd_group_size, progressive=progressive)
        self.tracker_names = (*type(self).tracker_names, *(["pl_penalty"] if pl_weight else []),
                              *(["lod"] if progressive else []))
        super().__init__(generator, discriminator, latent_dim=latent_dim, r1_gamma=r1_gamma, r1_interval=r1_interval,
                         ema_kimg=ema_kimg, **kwargs)
        self.mapping = self.generator.get_layer("mapping")  # (self.generator: the network in the model's precision)
        self.synthesis_network = self.generator.get_layer("synthesis")
        self.num_ws = num_ws(resolution)
        self.w_dim = int(self.mapping.outputs[0].shape[-1])
        # === State: the tracked w̄ and the path-length running mean ===
        # every replica computes the same values from global-batch means: keep the first replica's write
        self.w_avg = self.add_weight(shape=(self.w_dim,), initializer="zeros", trainable=False, name="w_avg",
                                     aggregation="only_first_replica")
        self.pl_mean = self.add_weight(shape=(), initializer="zeros", trainable=False, name="pl_mean",
                                       aggregation="only_first_replica")
        self.images_seen = self.add_weight(shape=(), initializer="zeros", dtype="int64", trainable=False,
                                           name="images_seen", aggregation="only_first_replica")
        # === Config ===
        self.synthesis, self.w_dim_arg, self.mapping_layers = synthesis, w_dim, mapping_layers
        self.mapping_lr_multiplier = mapping_lr_multiplier
        self.channel_base, self.channel_max = channel_base, channel_max
        self.style_mixing_prob, self.w_avg_beta = float(style_mixing_prob), float(w_avg_beta)
        self.mbstd_group_size = mbstd_group_size
        self.pl_weight, self.pl_interval, self.pl_decay = float(pl_weight), int(pl_interval), float(pl_decay)
        self.progressive, self.lod_initial_resolution = bool(progressive), int(lod_initial_resolution)
        self.lod_training_kimg, self.lod_transition_kimg = float(lod_training_kimg), float(lod_transition_kimg)

    @classmethod
    def from_config(cls, config):
        if "ema_kimg" not in config:  # a file saved before ema_kimg existed: its EMA is ema_decay's
            config = {**config, "ema_kimg": None}
        return super().from_config(config)

    def default_optimizers(self):
        """Adam 2e-3, β = (0, 0.99), ε = 1e-8 (StyleGAN2), with the lazy-regularization correction."""
        return (lazy_adam(2e-3, 0.0, 0.99, self.pl_interval if self.pl_weight else None),
                lazy_adam(2e-3, 0.0, 0.99, self.r1_interval if self.r1_gamma else None))

    # === The paper's operations ===
    def broadcast(self, w):
        """``w [B, w_dim] -> ws [B, num_ws, w_dim]`` (the same style for every layer)."""
        return ops.repeat(ops.expand_dims(w, 1), self.num_ws, axis=1)

    def mixed_styles(self, z, training):
        """Styles for a training batch: ``w = mapping(z)`` for every layer, and with probability
        ``style_mixing_prob`` a second mapped latent from a crossover layer ``U{1, ..., num_ws - 1}`` on (one
        crossover per batch, drawn from the model's seed state: the same on every replica)."""
        mapping = self.mapping
        ws = self.broadcast(mapping(z, training=training))
        if not self.style_mixing_prob:
            return ws
        cutoff = keras.random.randint((), 1, self.num_ws, seed=self.seed_generator)
        mix = keras.random.uniform((), seed=self.seed_generator) < self.style_mixing_prob
        cutoff = ops.where(mix, cutoff, self.num_ws)
        other = self.broadcast(mapping(self.sample_latent(ops.shape(z)[0]), training=training))
        layer = ops.reshape(ops.arange(self.num_ws), (1, self.num_ws, 1))
        return ops.where(layer < cutoff, ws, other)

    def grow(self, real):
        """Progressive growing (identity when off): set G's and D's level of detail from the images shown so far
        (:func:`~keras_gans.layers.progressive.schedule_lod`), count this global batch, and return the real
        images as the networks see them at that level (``process_reals``)."""
        if not self.progressive:
            return real
        resolution = self.image_shape[0]
        lod = schedule_lod(self.images_seen, resolution, self.lod_initial_resolution, self.lod_training_kimg,
                           self.lod_transition_kimg)
        self.synthesis_network.get_layer("lod").set(lod)
        self.discriminator.get_layer("lod").set(lod)
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync if context is not None else 1
        self.images_seen.assign_add(ops.cast((real.shape[0] or tf.shape(real)[0]) * replicas, "int64"))
        self.track(lod=lod)
        return images_at_lod(real, ops.cast(lod, real.dtype), math.log2(resolution) - 2)

    def update_w_avg(self, z):
        """``w̄ ← lerp(mean(w), w̄, w_avg_beta)`` over the global batch (the reference's ``MappingNetwork``)."""
        w = ops.cast(self.mapping(z, training=False), "float32")
        mean = ops.sum(w, axis=0)
        count = ops.cast(ops.shape(w)[0], "float32")
        context = tf.distribute.get_replica_context()
        if context is not None and context.num_replicas_in_sync > 1:
            mean, count = context.all_reduce("sum", mean), context.all_reduce("sum", count)
        mean = mean / count
        self.w_avg.assign(mean + self.w_avg_beta * (self.w_avg - mean))

    # === Algorithm (StyleGAN2Loss.accumulate_gradients: Gmain + Greg, then Dmain + Dreg) ===
    def train_step(self, data):
        self._check_compiled()
        real, _ = self.unpack(data)
        if self.jit_compile and self.mbstd_group_size and real.shape[0] is None:  # traced: a clear error, not XLA's
            raise ValueError("StyleGAN with jit_compile=True needs batches of a static size (its minibatch standard "
                             "deviation does not compile otherwise): batch the dataset with drop_remainder=True, as "
                             "keras_gans.datasets does")
        real = self.grow(real)  # progressive growing, if on: the level of detail of this step
        m = real.shape[0] or tf.shape(real)[0]
        # G: minimise softplus(-D(G(z))) on mixed styles (+ the path-length penalty)
        z = self.sample_latent(m)
        with tf.GradientTape() as tape:
            ws = self.mixed_styles(z, training=True)
            with tf.GradientTape() as ws_tape:  # for the path length: the Jacobian of G at these styles
                ws_tape.watch(ws)
                fake = self.synthesis_network(ws, training=True)
            g_loss = ops.softplus(-ops.cast(self.discriminate(fake), "float32"))[:, 0]
            g_loss = g_loss + self.path_length_penalty(ws_tape, ws, fake)
        self.apply_gradients(tape, g_loss, self.generator, self.g_optimizer)
        self.update_w_avg(z)
        self.update_moving_average(z)  # generator EMA
        # D: minimise softplus(D(G(z))) + softplus(-D(x)) (+ lazy R1)
        fake = self.synthesis_network(self.mixed_styles(self.sample_latent(m), training=True), training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminate(real)
            d_loss = losses.minimax_discriminator_loss(real_logits, self.discriminate(fake)) + self.r1_penalty(real)
        self.apply_gradients(tape, d_loss, self.discriminator, self.d_optimizer)
        self.observe_real(real_logits)  # ADA's heuristic, if on
        self.track(d_loss=d_loss, g_loss=g_loss)
        return self.logs()

    def path_length_penalty(self, ws_tape, ws, fake):
        """Karras et al. 2020, Section 3.2 (the reference's Greg phase): ``(||J_w^T y||₂ - a)²`` per example,
        ``y ~ N(0, I) / sqrt(H·W)``, ``a`` the running mean of the lengths (decay ``pl_decay``, global batch),
        weighted by ``pl_weight · pl_interval`` on every ``pl_interval``-th G step and 0 on the others; logs the
        unweighted penalty as ``pl_penalty``. 0 when ``pl_weight`` is 0.

        It is computed on every step and masked on the others (the same numbers as a lazy ``tf.cond``, without its
        saving): a conditional forward pass would draw the synthesis's noise on some steps only, and one device
        and N replicas (where a ``tf.cond`` cannot hold synchronized collectives) would then drift apart.
        """
        if not self.pl_weight:
            return 0.0
        batch = fake.shape[0] or tf.shape(fake)[0]
        y = self.sample_normal(batch, fake.shape[1:]) / math.sqrt(fake.shape[1] * fake.shape[2])
        with ws_tape:  # record the projection on the tape that watched ws
            projection = ops.sum(ops.cast(fake, "float32") * y)
        grads = ws_tape.gradient(projection, ws)
        lengths = ops.sqrt(ops.mean(ops.sum(ops.square(ops.cast(grads, "float32")), axis=2), axis=1))  # [B]
        due = ops.cast(ops.equal(self.g_optimizer.iterations % self.pl_interval, 0), "float32")
        target = self.pl_mean + self.pl_decay * (self.global_average(lengths) - self.pl_mean)
        self.pl_mean.assign(due * target + (1.0 - due) * self.pl_mean)
        squared = ops.square(lengths - ops.stop_gradient(target))
        self._trackers["pl_penalty"].update_state(squared, sample_weight=due)  # due steps only
        return (self.pl_weight * self.pl_interval) * due * squared

    # === Use ===
    def check_truncation(self, truncation_psi, truncation_cutoff):
        """``(psi, cutoff)`` checked: ψ in [0, 1] (values above 1 extrapolate away from w̄ and are refused here),
        cutoff ``None`` (every layer) or an int in [1, num_ws]."""
        try:
            psi = float(truncation_psi)
        except (TypeError, ValueError):
            raise ValueError(f"truncation_psi must be a number in [0, 1], got {truncation_psi!r}") from None
        if not 0.0 <= psi <= 1.0:
            raise ValueError(f"truncation_psi must be in [0, 1] (1: no truncation, 0: the average image w̄), "
                             f"got {truncation_psi!r}")
        if truncation_cutoff is not None:
            if isinstance(truncation_cutoff, bool) or int(truncation_cutoff) != truncation_cutoff \
                    or not 1 <= truncation_cutoff <= self.num_ws:
                raise ValueError(f"truncation_cutoff must be an int in [1, {self.num_ws}] (layers truncated) or "
                                 f"None, got {truncation_cutoff!r}")
            truncation_cutoff = int(truncation_cutoff)
        return psi, truncation_cutoff

    def _parts(self, ema=True):
        generator = self.averaged(self.generator) if ema else self.generator
        return generator.get_layer("mapping"), generator.get_layer("synthesis")

    def map(self, z, truncation_psi=1.0, truncation_cutoff=None, ema=True):
        """``ws [B, num_ws, w_dim]`` of latents ``z [B, latent_dim]``: ``w = mapping(z)`` for every layer, the
        first ``truncation_cutoff`` layers (all when ``None``) truncated towards w̄: ``w̄ + ψ·(w - w̄)``."""
        psi, cutoff = self.check_truncation(truncation_psi, truncation_cutoff)
        mapping, _ = self._parts(ema)
        ws = self.broadcast(mapping(ops.convert_to_tensor(z, "float32"), training=False))
        truncated = self.w_avg + psi * (ws - self.w_avg)
        if cutoff is None:
            return truncated
        layer = ops.reshape(ops.arange(self.num_ws), (1, self.num_ws, 1))
        return ops.where(layer < cutoff, truncated, ws)

    def synthesize(self, ws, ema=True, batch_size=256):
        """Images in [-1, 1] (numpy) of styles ``ws [B, num_ws, w_dim]`` (or ``w [B, w_dim]`` for every layer)."""
        ws = ops.convert_to_tensor(ws, "float32")
        if len(ws.shape) == 2:
            ws = self.broadcast(ws)
        if tuple(ws.shape[1:]) != (self.num_ws, self.w_dim):
            raise ValueError(f"ws must be [batch, {self.num_ws}, {self.w_dim}] (or [batch, {self.w_dim}]), "
                             f"got {tuple(ws.shape)}")
        _, synthesis = self._parts(ema)
        return np.concatenate([ops.convert_to_numpy(synthesis(ws[i : i + batch_size], training=False))
                               for i in range(0, int(ws.shape[0]), batch_size)]).astype("float32")

    def generate(self, num, seed=None, labels=None, batch_size=256, ema=True, truncation_psi=1.0,
                 truncation_cutoff=None):
        """``num`` images in [-1, 1] of a ``seed`` (as ``NoiseToImage.generate``), with the truncation trick
        (Karras et al. 2019, Section 5.1): ``truncation_psi`` < 1 pulls each ``w`` towards w̄ in the first
        ``truncation_cutoff`` layers (all when ``None``); ψ = 0 gives the w̄ image for every seed."""
        psi, cutoff = self.check_truncation(truncation_psi, truncation_cutoff)
        if psi == 1.0:
            return super().generate(num, seed=seed, labels=labels, batch_size=batch_size, ema=ema)
        if int(num) != num or num < 1:
            raise ValueError(f"num must be a positive integer, got {num!r}")
        self.check_labels(labels, int(num))
        seed = int(np.random.randint(0, 2**31 - 1)) if seed is None else seed
        z = latent_for_seed(int(num), self.latent_dim, seed)
        return self.synthesize(self.map(z, psi, cutoff, ema=ema), ema=ema, batch_size=batch_size)

    def mix(self, seed_a, seed_b, crossover, truncation_psi=1.0, ema=True):
        """Style mixing (Karras et al. 2019, Figure 3): the image of ``seed_a`` whose layers from ``crossover`` on
        take ``seed_b``'s styles. Low crossovers (coarse, 4²-8²) give B's pose and shape, high ones (fine) only its
        colours. ``seed_a``/``seed_b``: ints or equal-length lists; returns ``[B, H, W, C]`` in [-1, 1]."""
        if isinstance(crossover, bool) or int(crossover) != crossover or not 0 <= crossover <= self.num_ws:
            raise ValueError(f"crossover must be an int in [0, {self.num_ws}] (the first layer that takes seed_b's "
                             f"style), got {crossover!r}")
        seeds_a, seeds_b = np.atleast_1d(seed_a), np.atleast_1d(seed_b)
        if seeds_a.shape != seeds_b.shape:
            raise ValueError(f"seed_a and seed_b must have the same length, got {seeds_a.shape} and {seeds_b.shape}")
        z_a = ops.concatenate([latent_for_seed(1, self.latent_dim, int(s)) for s in seeds_a])
        z_b = ops.concatenate([latent_for_seed(1, self.latent_dim, int(s)) for s in seeds_b])
        ws_a, ws_b = self.map(z_a, truncation_psi, ema=ema), self.map(z_b, truncation_psi, ema=ema)
        layer = ops.reshape(ops.arange(self.num_ws), (1, self.num_ws, 1))
        return self.synthesize(ops.where(layer < int(crossover), ws_a, ws_b), ema=ema)

    def get_config(self):
        config = super().get_config()
        config.update(image_shape=self.image_shape, synthesis=self.synthesis, w_dim=self.w_dim_arg,
                      mapping_layers=self.mapping_layers, mapping_lr_multiplier=self.mapping_lr_multiplier,
                      channel_base=self.channel_base, channel_max=self.channel_max,
                      style_mixing_prob=self.style_mixing_prob, w_avg_beta=self.w_avg_beta,
                      mbstd_group_size=self.mbstd_group_size, pl_weight=self.pl_weight,
                      pl_interval=self.pl_interval, pl_decay=self.pl_decay, progressive=self.progressive,
                      lod_initial_resolution=self.lod_initial_resolution, lod_training_kimg=self.lod_training_kimg,
                      lod_transition_kimg=self.lod_transition_kimg)
        return config
