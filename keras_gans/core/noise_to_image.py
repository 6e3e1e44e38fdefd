"""What every noise -> image model shares: a generator ``G(z)``, a discriminator and their plumbing.

- :func:`latent_for_seed`: the deterministic ``z`` of a seed, the one formula that
  :meth:`NoiseToImage.generate`, the exported ``sample`` signature and the latent-space tools use.
- :class:`NoiseToImage` (a subclass of :class:`~keras_gans.core.adversarial.AdversarialBase`):
  replica-consistent latent sampling, minibatches for ``d_steps`` discriminator updates per
  generator update, instance noise, the label checks of conditional models, ``test_step`` for
  image metrics (FID, KID) and ``generate``.

Under a ``tf.distribute`` strategy every replica draws the *global* batch's randomness and keeps
its own slice (:func:`~keras_gans.core.distribution.draw_for_global_batch`), so N replicas see
exactly the latents and noise one device would.
"""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_gans import losses
from keras_gans.core import augmentation, ema
from keras_gans.core.adversarial import AdversarialBase
from keras_gans.core.network_model import fit_logs
from keras_gans.core.distribution import draw_for_global_batch


def check_r1(r1_gamma, r1_interval, model_class):
    """``(r1_gamma, r1_interval)`` checked, or a ValueError naming the bad value."""
    try:
        r1_gamma = float(r1_gamma)
    except (TypeError, ValueError):
        raise ValueError(f"r1_gamma must be a number >= 0, got {r1_gamma!r}") from None
    if not r1_gamma >= 0.0:  # also refuses NaN
        raise ValueError(f"r1_gamma must be >= 0 (Mescheder et al. use 10), got {r1_gamma!r}")
    if isinstance(r1_interval, bool) or int(r1_interval) != r1_interval or r1_interval < 1:
        raise ValueError(f"r1_interval must be a positive integer, got {r1_interval!r}")
    if r1_gamma and not model_class.supports_r1:
        raise ValueError(f"r1_gamma: the R1 penalty is for discriminators that give logits on images; "
                         f"{model_class.__name__} does not take it (use {model_class.__name__}'s own penalty or "
                         "a model such as DCGAN, GAN, ConditionalGAN or SNGAN)")
    return r1_gamma, int(r1_interval)


def latent_for_seed(num, latent_dim, seed):
    """Deterministic ``z ~ N(0, I)`` of shape ``[num, latent_dim]`` for an integer ``seed``.

    A stateless draw (graph- and device-independent), so a seed names the same images in
    ``model.generate``, the exported ``sample`` signature and every latent-space tool.
    """
    return tf.random.stateless_normal((num, latent_dim), seed=tf.stack([tf.cast(seed, tf.int64), 0]))


class NoiseToImage(AdversarialBase):
    """Base class of the noise -> image models: ``G: z -> image`` and a discriminator on images.

    Subclasses write their paper's ``train_step`` with :meth:`unpack`, :meth:`sample_latent` and
    :meth:`discriminate` (or :meth:`add_instance_noise`), and give ``default_optimizers``.
    A model whose algorithm makes ``k`` discriminator updates per generator update sets
    ``d_steps`` and loops over :meth:`split_for_d_steps`; every other model keeps ``d_steps = 1``.
    A conditional model sets ``num_classes``.

    Args:
        generator: ``keras.Model`` mapping ``z`` (and labels, if conditional) to images in [-1, 1].
        discriminator: ``keras.Model`` mapping images (and labels) to logits/scores.
        latent_dim: size of ``z``; read from the generator when omitted.
        instance_noise: σ0 of *instance noise* (Sønderby et al. 2016, "Amortised MAP Inference
            for Image Super-resolution", Section 3.2; Arjovsky & Bottou 2017, "Towards Principled
            Methods for Training GANs", Section 3): Gaussian noise of standard deviation σ added to
            real and generated images before every discriminator call, so the two distributions'
            supports overlap and the discriminator cannot be perfect. ``0`` (default) turns it off.
        instance_noise_steps: σ falls linearly from σ0 to 0 over this many discriminator
            updates (``d_optimizer.iterations``, which ``.keras`` files save, so the schedule
            survives resume). Logged each epoch as ``instance_noise`` (the mean σ).
        ema_decay: generator EMA (:mod:`keras_gans.core.ema`): after every generator step
            ``θ_ema ← β·θ_ema + (1 - β)·θ`` with β = ``ema_decay`` (Karras et al. 2018 use 0.999); then
            ``generate``, sample grids, evaluation, the latent tools and ``export`` use the averaged
            generator (``generate(..., ema=False)`` / ``with model.raw_weights():`` for the raw one).
            ``None`` (default) turns it off. Logged as ``ema_beta``.
        ema_kimg: the same average with its horizon in images, as the StyleGAN papers give it: a half-life of
            ``ema_kimg`` thousand images (StyleGAN2: 10), i.e. ``β = 0.5 ** (B / (1000 · ema_kimg))`` for a
            global batch of ``B``. Excludes ``ema_decay``.
        ema_rampup: Karras et al. 2020's ramp-up (their configurations: 0.05): the average's half-life
            grows as ``ema_rampup · step`` steps (``ema_rampup`` times the images seen) until it reaches
            ``ema_decay``'s or ``ema_kimg``'s. ``None``: no ramp-up.
        augment: differentiable augmentation of every image the discriminator sees, real and generated,
            in its update and the generator's: ``"diffaugment"`` (Zhao et al. 2020,
            :class:`~keras_gans.layers.DiffAugment`; policy ``augment_policy``, default
            ``"color,translation,cutout"``, the paper's) or ``"ada"`` (Karras et al. 2020,
            :class:`~keras_gans.layers.AdaptiveAugment`: the probability p adapted towards
            ``ada_target`` = 0.6 of E[sign(D(x_real))], logged as ``augment_p`` and ``ada_rt``; models
            whose discriminator gives logits). ``None`` (default): off.
        augment_policy: DiffAugment's policy (comma-separated ``color``, ``translation``, ``cutout``).
        ada_target: ADA's target for the overfitting heuristic r_t.
        r1_gamma: weight γ of the R1 penalty ``γ/2 · ||∇_x D(x)||²`` on real images (Mescheder et al. 2018,
            eq. 9; their experiments γ = 10) added to the discriminator's loss, through the augmentation
            when it is on (as stylegan2-ada-pytorch's ``training/loss.py``). ``0`` (default): off. Logged as
            ``r1``. Models whose discriminator gives logits (``supports_r1``).
        r1_interval: lazy regularisation (Karras et al. 2020, "Analyzing and Improving the Image Quality of
            StyleGAN", Section 3.1; their 16): the penalty every ``r1_interval`` discriminator updates,
            multiplied by ``r1_interval``. Default 1: every update, as Mescheder et al.
        **kwargs: ``seed`` and the other arguments of ``AdversarialBase`` / ``keras.Model``.
    """

    #: discriminator updates per generator update (one minibatch each; see split_for_d_steps)
    d_steps = 1
    #: number of label classes of a conditional model, else None
    num_classes = None
    #: True when a subclass adds generator networks after this ``__init__`` (ALI's encoder): it then calls
    #: ``track_moving_average()`` itself once they exist
    more_generator_networks = False
    #: whether the discriminator gives logits (ADA's r_t = E[sign(D(x_real))] needs them)
    discriminator_logits = True
    #: whether ``train_step`` adds :meth:`r1_penalty` to the discriminator's loss
    supports_r1 = False

    def __init__(self, generator, discriminator, latent_dim=None, instance_noise=0.0, instance_noise_steps=10000,
                 ema_decay=None, ema_rampup=None, augment=None, augment_policy=None, ada_target=0.6, r1_gamma=0.0,
                 r1_interval=1, ema_kimg=None, **kwargs):
        ema_decay, ema_rampup, ema_kimg = ema.check_decay(ema_decay, ema_rampup, ema_kimg)
        r1_gamma, r1_interval = check_r1(r1_gamma, r1_interval, type(self))
        augment_config = augmentation.check(augment, augment_policy, ada_target, type(self))
        if not float(instance_noise) >= 0.0:  # also refuses NaN
            raise ValueError(f"instance_noise (sigma_0) must be >= 0, got {instance_noise!r}")
        if int(instance_noise_steps) != instance_noise_steps or instance_noise_steps < 1:
            raise ValueError(f"instance_noise_steps must be a positive integer, got {instance_noise_steps!r}")
        self.instance_noise = float(instance_noise)
        self.instance_noise_steps = int(instance_noise_steps)
        logged = [name for name, on in (("instance_noise", self.instance_noise),
                                        ("ema_beta", ema.enabled(ema_decay, ema_kimg)),
                                        ("augment_p", augment == "ada"), ("ada_rt", augment == "ada"),
                                        ("r1", r1_gamma)) if on]
        names = self.tracker_names  # the class's, or what a subclass set before calling this __init__
        self.tracker_names = (*names, *[n for n in logged if n not in names])
        super().__init__(**kwargs)
        if not isinstance(generator, keras.Model) or not isinstance(discriminator, keras.Model):
            raise TypeError("generator and discriminator must be keras.Model instances")
        # === Networks ===
        self.generator = self.in_precision(generator)
        self.discriminator = self.in_precision(discriminator)
        inferred = generator.inputs[0].shape[-1]
        self.latent_dim = int(latent_dim if latent_dim is not None else inferred)
        if inferred is not None and inferred != self.latent_dim:
            raise ValueError(f"latent_dim={latent_dim} but the generator takes z of size {inferred}")
        self.image_shape = tuple(generator.outputs[0].shape[1:])
        self.augment, self.augment_policy, self.ada_target = augment_config
        self.r1_gamma, self.r1_interval = r1_gamma, r1_interval
        self.augmenter = augmentation.make(*augment_config, seed=None if self.seed is None else self.seed + 1)
        if self.augmenter is not None:
            self.augmenter.build((None, *self.image_shape))  # (fit builds an unbuilt model by calling it on data)
        self.ema_decay, self.ema_rampup, self.ema_kimg = ema_decay, ema_rampup, ema_kimg
        if not self.more_generator_networks:
            self.track_moving_average()
        self.built = True  # the networks are built Functional models

    def call(self, inputs, training=False):
        """``model(z)`` (or ``model([z, labels])``) returns generated images."""
        return self.generator(inputs, training=training)

    def get_config(self):
        config = super().get_config()
        config.update(
            generator=keras.saving.serialize_keras_object(self.generator),
            discriminator=keras.saving.serialize_keras_object(self.discriminator),
            latent_dim=self.latent_dim,
            instance_noise=self.instance_noise,
            instance_noise_steps=self.instance_noise_steps,
            ema_decay=self.ema_decay,
            ema_rampup=self.ema_rampup,
            ema_kimg=self.ema_kimg,
            augment=self.augment,
            augment_policy=self.augment_policy,
            ada_target=self.ada_target,
            r1_gamma=self.r1_gamma,
            r1_interval=self.r1_interval,
        )
        return config

    # === Batches and labels ===
    def unpack(self, data):
        """``(images, labels or None)`` from a batch, with checks the models need."""
        if isinstance(data, (tuple, list)):
            images = data[0]
            labels = data[1] if len(data) > 1 else None
        else:
            images, labels = data, None
        if self.num_classes and labels is None:
            raise ValueError(f"{type(self).__name__} is conditional: the dataset must yield (images, labels)")
        if not self.num_classes:
            labels = None
        if tuple(images.shape[1:]) != self.image_shape:
            raise ValueError(f"the dataset yields images of shape {tuple(images.shape[1:])}, "
                             f"the model makes {self.image_shape}")
        if labels is not None:
            labels = ops.cast(ops.reshape(labels, (-1,)), "int32")
        return ops.cast(images, self.compute_dtype), labels

    def split_for_d_steps(self, images, labels=None):
        """The real batch cut into ``d_steps`` minibatches, one per discriminator update.

        Minibatch ``k`` holds examples ``k, k + d_steps, k + 2·d_steps, ...`` (a
        strided split), so on N replicas the union of the replicas' minibatch ``k``
        is exactly one device's minibatch ``k``.
        """
        if self.d_steps == 1:
            return [(images, labels)]
        batch = images.shape[0]
        if batch is not None and batch % self.d_steps:
            raise ValueError(
                f"a batch of {batch} images cannot be split into d_steps={self.d_steps} equal minibatches; "
                f"use a batch size that is a multiple of {self.d_steps} (per replica, drop_remainder=True)"
            )
        grouped = ops.reshape(images, (-1, self.d_steps, *images.shape[1:]))
        grouped_labels = None if labels is None else ops.reshape(labels, (-1, self.d_steps))
        return [
            (grouped[:, k], None if labels is None else grouped_labels[:, k]) for k in range(self.d_steps)
        ]

    def generator_inputs(self, z, labels=None):
        return [z, labels] if self.num_classes else z

    def discriminator_inputs(self, images, labels=None):
        return [images, labels] if self.num_classes else images

    # === Randomness (replica-consistent) ===
    def sample_latent(self, batch_size):
        """``z ~ N(0, I)`` of shape ``[batch_size, latent_dim]``, replica-consistent."""
        return self.sample_normal(batch_size, (self.latent_dim,))

    def sample_normal(self, batch_size, shape):
        """``N(0, 1)`` of shape ``[batch_size, *shape]`` (replica-consistent), e.g. instance noise."""
        return draw_for_global_batch(batch_size, lambda n: keras.random.normal((n, *shape), seed=self.seed_generator))

    def sample_uniform(self, batch_size, shape=()):
        """``U[0, 1)`` per example (replica-consistent), e.g. interpolation weights."""
        return draw_for_global_batch(batch_size, lambda n: keras.random.uniform((n, *shape), seed=self.seed_generator))

    # === Instance noise ===
    def instance_noise_stddev(self):
        """σ now: ``σ0 · max(0, 1 - t / instance_noise_steps)``, t = discriminator updates so far."""
        t = ops.cast(self.d_optimizer.iterations, "float32")
        return self.instance_noise * ops.maximum(0.0, 1.0 - t / float(self.instance_noise_steps))

    def add_instance_noise(self, images):
        """``images + σ·ε``, ε ~ N(0, I) drawn for the global batch (replica-consistent); logs σ.

        Models call it on every image they show the discriminator in ``train_step`` (real and
        generated, in the discriminator's and the generator's updates). Identity when off.
        """
        if not self.instance_noise:
            return images
        sigma = self.instance_noise_stddev()
        self.track(instance_noise=sigma)
        noise = self.sample_normal(images.shape[0] or tf.shape(images)[0], images.shape[1:])
        return images + ops.cast(sigma, images.dtype) * ops.cast(noise, images.dtype)

    def perturb(self, images):
        """What the discriminator is shown of ``images`` in training: augmented (``augment``), then with
        instance noise; the identity when both are off."""
        if self.augmenter is not None:
            images = self.augmenter(images, training=True)
        return self.add_instance_noise(images)

    def discriminate(self, images, labels=None):
        """The discriminator's output for ``images`` (with their labels) in training mode, after
        :meth:`perturb`: what every ``train_step`` asks the discriminator."""
        return self.discriminator(self.discriminator_inputs(self.perturb(images), labels), training=True)

    def r1_penalty(self, real, labels=None):
        """Per example ``γ/2 · ||∇_x D(x)||²`` on the real images ``real`` (0 when ``r1_gamma`` is 0), taken
        every ``r1_interval`` discriminator updates and then multiplied by it; logs the unweighted mean as ``r1``.
        Called inside the discriminator's tape: ``d_loss += self.r1_penalty(real, labels)``."""
        if not self.r1_gamma:
            return 0.0

        def penalty():
            with tf.GradientTape() as tape:
                tape.watch(real)
                logits = ops.cast(self.discriminate(real, labels), "float32")
            return losses.r1_penalty_from_gradients(tape.gradient(logits, real))  # ∇ of the sum over the batch

        if self.r1_interval == 1:
            squared = penalty()
            self.track(r1=squared)
        else:  # lazy: only on the updates it is due (d_optimizer.iterations counts the updates so far)
            due = ops.equal(self.d_optimizer.iterations % self.r1_interval, 0)
            batch = real.shape[0] or tf.shape(real)[0]
            context = tf.distribute.get_replica_context()
            if context is not None and context.num_replicas_in_sync > 1:
                # a tf.cond around a synchronized batch norm would cross replicas inside control flow, which
                # TensorFlow does not support: compute every update and keep the due ones (same numbers, no saving)
                squared = penalty() * ops.cast(due, "float32")
            else:
                squared = tf.cond(due, penalty, lambda: tf.zeros((batch,), "float32"))
            self._trackers["r1"].update_state(squared, sample_weight=ops.cast(due, "float32"))  # due updates only
        return (0.5 * self.r1_gamma * self.r1_interval) * squared

    def observe_real(self, real_logits):
        """ADA's overfitting heuristic: feed D's logits on the real batch (p is adjusted every few steps);
        a no-op unless ``augment="ada"``."""
        if self.augment == "ada":
            self.track(ada_rt=self.augmenter.observe(real_logits), augment_p=self.augmenter.p)

    # === Evaluation ===
    def test_step(self, data):
        """Generate as many images as the real batch (with its labels, if conditional) and
        update the compiled image metrics with both; logs their results (``val_fid`` in ``fit``)."""
        if not self.image_metrics:
            raise ValueError(f"{type(self).__name__} evaluates with image metrics: "
                             "compile(metrics=[keras_gans.evaluation.metrics.FID(), ...]) before evaluate or validation_data")
        real, labels = self.unpack(data)
        m = real.shape[0] or tf.shape(real)[0]
        fake = self.averaged(self.generator)(self.generator_inputs(self.sample_latent(m), labels), training=False)
        for metric in self.image_metrics:
            metric.update_state(real, fake)
        return fit_logs(self.image_metrics, self.distribute_strategy)

    # === Sampling ===
    def latent_for_seed(self, num, seed):
        """Deterministic ``z`` for a seed (:func:`latent_for_seed`): the same numbers as the export's ``sample``."""
        return latent_for_seed(num, self.latent_dim, seed)

    def check_labels(self, labels, num):
        """``labels`` (one int or ``num`` ints) as an int32 array of ``num`` labels; ``None`` if unconditional."""
        if not self.num_classes:
            if labels is not None:
                raise ValueError(f"{type(self).__name__} is not conditional: it takes no labels")
            return None
        if labels is None:
            raise ValueError(f"{type(self).__name__} is conditional: pass labels (ints in [0, {self.num_classes}))")
        labels = np.asarray(labels)
        if labels.ndim == 0:
            labels = np.full((num,), int(labels))
        if labels.shape != (num,) or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(f"labels must be {num} integers, got array of shape {labels.shape} ({labels.dtype})")
        if labels.min() < 0 or labels.max() >= self.num_classes:
            raise ValueError(f"labels out of range: got values in [{labels.min()}, {labels.max()}], "
                             f"expected [0, {self.num_classes})")
        return labels.astype("int32")

    def generate(self, num, seed=None, labels=None, batch_size=256, ema=True):
        """``num`` images in [-1, 1] as a numpy array ``[num, H, W, C]``.

        The same ``seed`` gives the same images (and the same as the exported
        ``sample`` signature); ``seed=None`` draws a fresh one. Conditional models
        need ``labels`` (one int, or ``num`` ints). With generator EMA on, the averaged
        generator draws them unless ``ema=False``.
        """
        if int(num) != num or num < 1:
            raise ValueError(f"num must be a positive integer, got {num!r}")
        num = int(num)
        labels = self.check_labels(labels, num)
        if seed is None:
            seed = int(np.random.randint(0, 2**31 - 1))
        z = self.latent_for_seed(num, seed)
        generator = self.averaged(self.generator) if ema else self.generator
        out = []
        for start in range(0, num, batch_size):
            zb = z[start : start + batch_size]
            lb = None if labels is None else tf.constant(labels[start : start + batch_size])
            out.append(ops.convert_to_numpy(generator(self.generator_inputs(zb, lb), training=False)))
        return np.concatenate(out).astype("float32")
