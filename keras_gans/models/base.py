"""What every adversarial model shares: networks, optimizers, randomness, reductions.

A model subclasses :class:`AdversarialModel` and writes its paper's algorithm in
``train_step`` with the helpers below:

- :meth:`sample_latent` draws ``z`` from the model-owned ``SeedGenerator``. Under a
  ``tf.distribute`` strategy every replica draws the *global* batch and keeps its
  own slice, so N replicas see exactly the latents one device would.
- :meth:`average` reduces per-example losses by the global batch size
  (``tf.nn.compute_average_loss``); the optimizers sum gradients over replicas, so
  the update equals the single-device one.
- :meth:`apply_gradients` averages, scales the loss for mixed precision
  (``optimizer.scale_loss``) and applies the gradients of one network.
- :meth:`track` feeds per-example values to the ``keras.metrics.Mean`` trackers
  that the ``metrics`` property exposes (they aggregate across replicas).

Evaluation: ``compile(metrics=[keras_gans.evaluation.metrics.FID(), ...])`` adds image metrics that
:meth:`AdversarialModel.test_step` updates with each real validation batch and as many
generated images, so ``fit(..., validation_data=...)`` logs ``val_fid`` (and ``evaluate``
returns ``fid``). They are not part of the saved compile config: compile again with them
after loading.

Saving: ``get_config`` serializes both networks and the model's arguments; the
compile config holds both optimizers, which ``compile`` builds on their networks'
variables, so ``keras.models.load_model`` restores the optimizer slots and step
counters (``g_optimizer.iterations``, ``d_optimizer.iterations``) and the seed
generator state, and a further ``fit`` continues where the saved one stopped.
"""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_gans import optimizers
from keras_gans.distribution import draw_for_global_batch


def fit_logs(metrics, strategy):
    """``{name: result}`` of ``metrics``, shaped as ``fit`` can reduce them under ``strategy``."""
    results = {m.name: m.result() for m in metrics}
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and strategy.extended._in_multi_worker_mode():
        # Keras 3 reduces multi-worker logs with strategy.reduce("MEAN", v, axis=0), which
        # fails on scalars; a [1] vector reduces to the same scalar.
        results = {name: ops.reshape(value, (1,)) for name, value in results.items()}
    return results


class AdversarialBase(keras.Model):
    """What every model with generator(s), discriminator(s) and two optimizers shares.

    Subclasses set their networks as attributes, list them in
    :meth:`generator_networks` / :meth:`discriminator_networks` (one optimizer
    updates all generators, the other all discriminators, as in the CycleGAN
    reference code), and give :meth:`default_optimizers`.

    Args:
        seed: seed of the model-owned ``keras.random.SeedGenerator``.
    """

    #: names of the loss trackers, in the order ``fit`` logs them
    tracker_names = ("d_loss", "g_loss")
    #: config entries that hold serialized networks (deserialized by ``from_config``)
    network_config_keys = ("generator", "discriminator")

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        # === Randomness and loss trackers ===
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")
        self._trackers = {name: keras.metrics.Mean(name=name) for name in self.tracker_names}
        self.g_optimizer = None
        self.d_optimizer = None
        self._image_metrics = _Untracked()

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in cls.network_config_keys:
            if isinstance(config.get(key), dict):
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)

    def generator_networks(self):
        return [self.generator]

    def discriminator_networks(self):
        return [self.discriminator]

    @staticmethod
    def variables_of(networks):
        return [v for network in networks for v in network.trainable_variables]

    # --- Keras plumbing --------------------------------------------------------
    @property
    def metrics(self):
        return list(self._trackers.values()) + list(self._image_metrics)

    def default_optimizers(self):
        """``(g_optimizer, d_optimizer)`` of the paper; subclasses override."""
        raise NotImplementedError

    def compile(self, g_optimizer=None, d_optimizer=None, metrics=None, **kwargs):
        """Set (or default) both optimizers and build them on their networks.

        ``metrics``: image metrics with ``update_state(real, generated)`` (``keras_gans.evaluation.metrics.FID``,
        ``KID``) that ``test_step`` updates.

        Building here, inside the model's distribution strategy scope, is what
        lets ``fit`` run under ``MirroredStrategy`` (see CONVENTIONS) and what lets
        ``load_model`` restore the optimizer slots.
        """
        for key in ("optimizer", "loss"):
            if kwargs.get(key) is not None:
                raise ValueError(f"{type(self).__name__}.compile takes g_optimizer/d_optimizer, not {key}=")
        kwargs.pop("optimizer", None)
        default_g, default_d = self.default_optimizers()
        self.g_optimizer = optimizers.get(g_optimizer) if g_optimizer is not None else default_g
        self.d_optimizer = optimizers.get(d_optimizer) if d_optimizer is not None else default_d
        if self.g_optimizer is self.d_optimizer:
            raise ValueError("g_optimizer and d_optimizer must be two different optimizer objects")
        metrics = list(metrics or [])
        for metric in metrics:
            if not isinstance(metric, keras.metrics.Metric) or metric.name in self._trackers:
                raise ValueError(f"metrics must be keras.metrics.Metric objects (keras_gans.evaluation.metrics.FID, KID) "
                                 f"named unlike the loss trackers {list(self._trackers)}, got {metric!r}")
        self._image_metrics = _Untracked(metrics)
        super().compile(optimizer=None, **kwargs)
        with self.distribute_strategy.scope():
            self.g_optimizer.build(self.variables_of(self.generator_networks()))
            self.d_optimizer.build(self.variables_of(self.discriminator_networks()))
        self.train_function = None

    def get_compile_config(self):
        if self.g_optimizer is None:
            return None
        return {
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
        }

    def compile_from_config(self, config):
        self.compile(
            g_optimizer=keras.saving.deserialize_keras_object(config["g_optimizer"]),
            d_optimizer=keras.saving.deserialize_keras_object(config["d_optimizer"]),
        )

    # Keras does not save SeedGenerator states; we do, so a reloaded model draws
    # the same latents and dropout masks as one that never stopped.
    def _all_seed_generators(self):
        generators = [self.seed_generator]
        for network in self.generator_networks() + self.discriminator_networks():
            for layer in network._flatten_layers():
                generators.extend(getattr(layer, "_seed_generators", []))
        return generators

    def save_own_variables(self, store):
        super().save_own_variables(store)
        for i, generator in enumerate(self._all_seed_generators()):
            store[f"seed_state_{i}"] = ops.convert_to_numpy(generator.state.value)

    def load_own_variables(self, store):
        seed_keys = [k for k in store.keys() if k.startswith("seed_state_")]
        super().load_own_variables({k: store[k] for k in store.keys() if not k.startswith("seed_state_")})
        generators = self._all_seed_generators()
        if seed_keys and len(seed_keys) != len(generators):
            raise ValueError(f"saved file has {len(seed_keys)} random generator states, model has {len(generators)}")
        for i, generator in enumerate(generators):
            if f"seed_state_{i}" in store.keys():
                generator.state.assign(store[f"seed_state_{i}"])

    # --- Helpers for train_step ------------------------------------------------
    def _check_compiled(self):
        if self.g_optimizer is None or self.d_optimizer is None:
            raise RuntimeError(f"{type(self).__name__} must be compiled before training: call model.compile()")

    @staticmethod
    def average(per_example_loss):
        """Mean over the *global* batch: the same number on 1 or N replicas."""
        return tf.nn.compute_average_loss(per_example_loss)

    def global_average(self, per_example):
        """The global batch's mean *on every replica* (:meth:`average` summed over replicas).

        For values a model feeds back into its own state (BEGAN's ``k_t``), which must not
        depend on how the batch is split.
        """
        value = self.average(per_example)
        context = tf.distribute.get_replica_context()
        if context is not None and context.num_replicas_in_sync > 1:
            value = context.all_reduce("sum", value)
        return value

    def apply_gradients(self, tape, per_example_loss, networks, optimizer):
        """Average ``per_example_loss`` (recorded on ``tape``) over the global batch
        and backpropagate it into ``networks`` (one model or a list) only."""
        variables = self.variables_of(networks if isinstance(networks, (list, tuple)) else [networks])
        with tape:  # keep recording: the reduction and loss scaling are part of the graph
            scaled = optimizer.scale_loss(self.average(per_example_loss))
        grads = tape.gradient(scaled, variables)
        optimizer.apply_gradients(zip(grads, variables))

    def track(self, **values):
        """Update loss trackers with per-example (or scalar) values."""
        for name, value in values.items():
            self._trackers[name].update_state(value)

    def logs(self):
        """The trackers' values, as ``train_step`` returns them to ``fit``."""
        return fit_logs(self._trackers.values(), self.distribute_strategy)


class AdversarialModel(AdversarialBase):
    """Base class of the noise -> image models: a generator, a discriminator and their two optimizers.

    Args:
        generator: ``keras.Model`` mapping ``z`` (and labels, if conditional) to images.
        discriminator: ``keras.Model`` mapping images (and labels) to logits/scores.
        latent_dim: size of ``z``; read from the generator when omitted.
        d_steps: discriminator (critic) updates per generator update. Each
            ``train_step`` splits its real batch into ``d_steps`` equal minibatches,
            one per discriminator update, then makes one generator update with a
            minibatch of the same size; so feed batches of ``d_steps * m`` images.
        num_classes: number of label classes for conditional models, else ``None``.
        instance_noise: σ0 of *instance noise* (Sønderby et al. 2016, "Amortised MAP Inference
            for Image Super-resolution", Section 3.2; Arjovsky & Bottou 2017, "Towards Principled
            Methods for Training GANs", Section 3): Gaussian noise of standard deviation σ added to
            real and generated images before every discriminator call, so the two distributions'
            supports overlap and the discriminator cannot be perfect. ``0`` (default) turns it off.
        instance_noise_steps: σ falls linearly from σ0 to 0 over this many discriminator
            updates (``d_optimizer.iterations``, which ``.keras`` files save, so the schedule
            survives resume). Logged each epoch as ``instance_noise`` (the mean σ).
        seed: seed of the model-owned ``keras.random.SeedGenerator``.
    """

    def __init__(self, generator, discriminator, latent_dim=None, d_steps=1, num_classes=None, instance_noise=0.0,
                 instance_noise_steps=10000, seed=None, **kwargs):
        if not float(instance_noise) >= 0.0:  # also refuses NaN
            raise ValueError(f"instance_noise (sigma_0) must be >= 0, got {instance_noise!r}")
        if int(instance_noise_steps) != instance_noise_steps or instance_noise_steps < 1:
            raise ValueError(f"instance_noise_steps must be a positive integer, got {instance_noise_steps!r}")
        self.instance_noise = float(instance_noise)
        self.instance_noise_steps = int(instance_noise_steps)
        if self.instance_noise and "instance_noise" not in self.tracker_names:
            self.tracker_names = (*type(self).tracker_names, "instance_noise")
        super().__init__(seed=seed, **kwargs)
        if not isinstance(generator, keras.Model) or not isinstance(discriminator, keras.Model):
            raise TypeError("generator and discriminator must be keras.Model instances")
        if int(d_steps) != d_steps or d_steps < 1:
            raise ValueError(f"d_steps must be a positive integer, got {d_steps!r}")
        # === Networks ===
        self.generator = generator
        self.discriminator = discriminator
        inferred = generator.inputs[0].shape[-1]
        self.latent_dim = int(latent_dim if latent_dim is not None else inferred)
        if inferred is not None and inferred != self.latent_dim:
            raise ValueError(f"latent_dim={latent_dim} but the generator takes z of size {inferred}")
        self.d_steps = int(d_steps)
        self.num_classes = int(num_classes) if num_classes else None
        self.image_shape = tuple(generator.outputs[0].shape[1:])
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
            d_steps=self.d_steps,
            instance_noise=self.instance_noise,
            instance_noise_steps=self.instance_noise_steps,
            seed=self.seed,
        )
        return config

    # --- Helpers for train_step (noise -> image) ---------------------------------
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

    def sample_latent(self, batch_size):
        """``z ~ N(0, I)`` of shape ``[batch_size, latent_dim]``, replica-consistent."""
        return self.sample_normal(batch_size, (self.latent_dim,))

    def sample_normal(self, batch_size, shape):
        """``N(0, 1)`` of shape ``[batch_size, *shape]`` (replica-consistent), e.g. instance noise."""
        return draw_for_global_batch(batch_size, lambda n: keras.random.normal((n, *shape), seed=self.seed_generator))

    def sample_uniform(self, batch_size, shape=()):
        """``U[0, 1)`` per example (replica-consistent), e.g. interpolation weights."""
        return draw_for_global_batch(batch_size, lambda n: keras.random.uniform((n, *shape), seed=self.seed_generator))

    def generator_inputs(self, z, labels=None):
        return [z, labels] if self.num_classes else z

    def discriminator_inputs(self, images, labels=None):
        return [images, labels] if self.num_classes else images

    # --- Instance noise ------------------------------------------------------------
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

    def discriminate(self, images, labels=None):
        """The discriminator's output for ``images`` (with their labels) in training mode, after
        instance noise: what every ``train_step`` asks the discriminator."""
        return self.discriminator(self.discriminator_inputs(self.add_instance_noise(images), labels), training=True)

    # --- Evaluation ---------------------------------------------------------------
    def test_step(self, data):
        """Generate as many images as the real batch (with its labels, if conditional) and
        update the compiled image metrics with both; logs their results (``val_fid`` in ``fit``)."""
        if not self._image_metrics:
            raise ValueError(f"{type(self).__name__} evaluates with image metrics: "
                             "compile(metrics=[keras_gans.evaluation.metrics.FID(), ...]) before evaluate or validation_data")
        real, labels = self.unpack(data)
        m = real.shape[0] or tf.shape(real)[0]
        fake = self.generator(self.generator_inputs(self.sample_latent(m), labels), training=False)
        for metric in self._image_metrics:
            metric.update_state(real, fake)
        return fit_logs(self._image_metrics, self.distribute_strategy)

    # --- Critic-only steps (WGAN's schedule) ------------------------------------
    def critic_only_now(self):
        """Python-side: should the next ``train_step`` skip the generator update?

        ``None`` (the default) means the model has no such schedule. A model that
        returns booleans (WGAN) gets two compiled step functions and ``fit`` picks
        one per step; both run under ``tf.distribute`` because the choice is made
        outside the replicated function (a ``tf.cond`` around ``apply_gradients``
        inside it is not supported by ``MirroredStrategy``).
        """
        return None

    def make_train_function(self, force=False):
        if self.critic_only_now() is None:
            return super().make_train_function(force)
        if self.train_function is not None and not force:
            return self.train_function
        if self.steps_per_execution > 1:
            raise ValueError(f"{type(self).__name__} chooses critic-only steps one step at a time: "
                             "compile with steps_per_execution=1")
        full = self._make_function(self.train_step)
        critic_only = self._make_function(lambda data: self.train_step(data, generator_update=False))

        def train_function(iterator):
            return critic_only(iterator) if self.critic_only_now() else full(iterator)

        self.train_function = train_function
        return train_function

    # --- Sampling ------------------------------------------------------------
    def latent_for_seed(self, num, seed):
        """Deterministic ``z`` for a seed: the same numbers as the export's ``sample``."""
        return tf.random.stateless_normal((num, self.latent_dim), seed=tf.stack([tf.cast(seed, tf.int64), 0]))

    def check_labels(self, labels, num):
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

    def generate(self, num, seed=None, labels=None, batch_size=256):
        """``num`` images in [-1, 1] as a numpy array ``[num, H, W, C]``.

        The same ``seed`` gives the same images (and the same as the exported
        ``sample`` signature); ``seed=None`` draws a fresh one. Conditional models
        need ``labels`` (one int, or ``num`` ints).
        """
        if int(num) != num or num < 1:
            raise ValueError(f"num must be a positive integer, got {num!r}")
        num = int(num)
        labels = self.check_labels(labels, num)
        if seed is None:
            seed = int(np.random.randint(0, 2**31 - 1))
        z = self.latent_for_seed(num, seed)
        out = []
        for start in range(0, num, batch_size):
            zb = z[start : start + batch_size]
            lb = None if labels is None else tf.constant(labels[start : start + batch_size])
            out.append(ops.convert_to_numpy(self.generator(self.generator_inputs(zb, lb), training=False)))
        return np.concatenate(out).astype("float32")


class _Untracked:
    """A sequence Keras does not track (it tracks lists and tuples), so image metrics and their
    extractor networks stay out of the model's variables and ``.keras`` files."""

    def __init__(self, items=()):
        self._items = tuple(items)

    def __iter__(self):
        return iter(self._items)

    def __len__(self):
        return len(self._items)
