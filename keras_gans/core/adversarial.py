"""What every two-player model shares: networks lists, two optimizers, trackers, reductions, seed state.

A model subclasses :class:`AdversarialBase` and writes its paper's algorithm in ``train_step``
with these helpers:

- :meth:`AdversarialBase.average` reduces per-example losses by the global batch size
  (``tf.nn.compute_average_loss``); the optimizers sum gradients over replicas, so the update
  equals the single-device one. :meth:`AdversarialBase.global_average` is that mean on every
  replica, for values a model feeds back into its own state.
- :meth:`AdversarialBase.apply_gradients` averages, scales the loss for mixed precision
  (``optimizer.scale_loss``) and applies the gradients of one network (or a list).
- :meth:`AdversarialBase.track` feeds per-example values to the ``keras.metrics.Mean`` trackers
  that the ``metrics`` property exposes (they aggregate across replicas); :meth:`logs` returns them.

Saving: the compile config holds both optimizers, which ``compile`` builds on their networks'
variables inside the distribution strategy's scope, so ``keras.models.load_model`` restores the
optimizer slots and step counters; the model also saves the states of its ``SeedGenerator`` and of
its networks' random layers, so a reloaded model draws what one that never stopped would.
"""

import contextlib

import keras
import tensorflow as tf
from keras import ops

from keras_gans import optimizers
from keras_gans.core import ema
from keras_gans.core.network_model import NetworkModel


class UntrackedSequence:
    """A sequence Keras does not track (it tracks lists and tuples), so image metrics and their
    extractor networks stay out of the model's variables and ``.keras`` files."""

    def __init__(self, items=()):
        self._items = tuple(items)

    def __iter__(self):
        return iter(self._items)

    def __len__(self):
        return len(self._items)


class AdversarialBase(NetworkModel):
    """What every model with generator(s), discriminator(s) and two optimizers shares.

    Subclasses set their networks as attributes, list them in
    :meth:`generator_networks` / :meth:`discriminator_networks` (one optimizer
    updates all generators, the other all discriminators, as in the CycleGAN
    reference code), and give :meth:`default_optimizers`.

    Args:
        seed: seed of the model-owned ``keras.random.SeedGenerator``.
    """

    tracker_names = ("d_loss", "g_loss")
    network_config_keys = ("generator", "discriminator")

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        # === Randomness and loss trackers ===
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")
        self.g_optimizer = None
        self.d_optimizer = None
        self._image_metrics = UntrackedSequence()
        # === Generator EMA (off unless a subclass calls track_moving_average) ===
        self.ema_decay, self.ema_rampup, self.ema_kimg = None, None, None
        self.ema_networks = []
        self._raw_weights = False

    # === Config ===
    def get_config(self):
        config = super().get_config()
        config.update(seed=self.seed)
        return config

    # === Networks ===
    def generator_networks(self):
        return [self.generator]

    def discriminator_networks(self):
        return [self.discriminator]

    # === Compile: two optimizers, image metrics ===
    @property
    def metrics(self):
        return super().metrics + list(self._image_metrics)

    @property
    def image_metrics(self):
        """The image metrics given to ``compile`` (FID, KID ...), which ``test_step`` updates."""
        return self._image_metrics

    def default_optimizers(self):
        """``(g_optimizer, d_optimizer)`` of the paper; subclasses override."""
        raise NotImplementedError

    def compile(self, g_optimizer=None, d_optimizer=None, metrics=None, **kwargs):
        """Set (or default) both optimizers and build them on their networks.

        ``metrics``: image metrics with ``update_state(real, generated)`` (``keras_gans.evaluation.metrics.FID``,
        ``KID``) that ``test_step`` updates. They are not part of the saved compile config: compile again
        with them after loading.

        Building here, inside the model's distribution strategy scope, is what
        lets ``fit`` run under ``MirroredStrategy`` (see CONVENTIONS) and what lets
        ``load_model`` restore the optimizer slots.
        """
        for key in ("optimizer", "loss"):
            if kwargs.get(key) is not None:
                raise ValueError(f"{type(self).__name__}.compile takes g_optimizer/d_optimizer, not {key}=")
        kwargs.pop("optimizer", None)
        default_g, default_d = self.default_optimizers()
        self.g_optimizer = self.loss_scaled(default_g if g_optimizer is None else optimizers.get(g_optimizer))
        self.d_optimizer = self.loss_scaled(default_d if d_optimizer is None else optimizers.get(d_optimizer))
        if self.g_optimizer is self.d_optimizer:
            raise ValueError("g_optimizer and d_optimizer must be two different optimizer objects")
        metrics = list(metrics or [])
        for metric in metrics:
            if not isinstance(metric, keras.metrics.Metric) or metric.name in self._trackers:
                raise ValueError(f"metrics must be keras.metrics.Metric objects (keras_gans.evaluation.metrics.FID, KID) "
                                 f"named unlike the loss trackers {list(self._trackers)}, got {metric!r}")
        self._image_metrics = UntrackedSequence(metrics)
        self._jit_compile_argument = kwargs.get("jit_compile", "auto")  # saved as given, as Keras does
        super().compile(optimizer=None, **kwargs)
        self.build_optimizer(self.g_optimizer, self.generator_networks())
        self.build_optimizer(self.d_optimizer, self.discriminator_networks())
        self.train_function = None

    def trained_optimizers(self):
        return [self.g_optimizer, self.d_optimizer]

    def get_compile_config(self):
        if self.g_optimizer is None:
            return None
        return {
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
            "jit_compile": self._jit_compile_argument,
        }

    def compile_from_config(self, config):
        self.compile(
            g_optimizer=keras.saving.deserialize_keras_object(config["g_optimizer"]),
            d_optimizer=keras.saving.deserialize_keras_object(config["d_optimizer"]),
            jit_compile=config.get("jit_compile", "auto"),  # absent in files saved before it was kept
        )

    # === Seed state ===
    # Keras does not save SeedGenerator states; we do, so a reloaded model draws
    # the same latents and dropout masks as one that never stopped.
    def _all_seed_generators(self):
        generators = [self.seed_generator]
        augmenter = getattr(self, "augmenter", None)
        if augmenter is not None:
            generators.extend(augmenter._seed_generators)
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

    # === Generator EMA (keras_gans.core.ema) ===
    def track_moving_average(self):
        """Keep a moving average of every generator network (:mod:`keras_gans.core.ema`) when ``ema_decay`` or
        ``ema_kimg`` is set; a base class calls it at the end of its ``__init__``, once the networks exist."""
        self.ema_decay, self.ema_rampup, self.ema_kimg = ema.check_decay(self.ema_decay, self.ema_rampup,
                                                                         self.ema_kimg)
        if ema.enabled(self.ema_decay, self.ema_kimg):
            self.ema_networks = [ema.shadow_of(network) for network in self.generator_networks()]

    def update_moving_average(self, *inputs):
        """After a generator update: ``θ_ema ← β·θ_ema + (1 - β)·θ``; logs β as ``ema_beta``. No-op when off.

        ``inputs``: that step's inputs of each generator network (in :meth:`generator_networks` order), on which the
        average refreshes its own batch-norm statistics (:func:`keras_gans.core.ema.update`); the first one's
        batch, times the replicas, is the global batch that turns ``ema_kimg`` into steps.
        """
        if not self.ema_networks:
            return
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync if context is not None else 1
        global_batch = ops.shape(tf.nest.flatten(inputs[0])[0])[0] * replicas
        beta = ema.ema_beta(self.ema_decay, self.ema_rampup, self.g_optimizer.iterations, self.ema_kimg,
                            global_batch)
        ema.update(self.ema_networks, self.generator_networks(), beta, inputs)
        self.track(ema_beta=beta)

    def averaged(self, network):
        """The moving average of generator ``network`` when EMA is on (outside :meth:`raw_weights`), else
        ``network`` itself: what sampling, evaluation, latent tools and exports use."""
        if not self.ema_networks or self._raw_weights:
            return network
        for shadow, source in zip(self.ema_networks, self.generator_networks()):
            if source is network:
                return shadow
        return network

    @contextlib.contextmanager
    def raw_weights(self):
        """Inside, :meth:`averaged` returns the raw networks (``generate(..., ema=False)``, ``export(...,
        ema=False)``)."""
        before, self._raw_weights = self._raw_weights, True
        try:
            yield self
        finally:
            self._raw_weights = before

    # === Helpers for train_step ===
    def _check_compiled(self):
        if self.g_optimizer is None or self.d_optimizer is None:
            raise RuntimeError(f"{type(self).__name__} must be compiled before training: call model.compile()")

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
