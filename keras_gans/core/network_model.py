"""A ``keras.Model`` that trains networks it holds: what every model of the library shares.

- loss trackers (``keras.metrics.Mean``, which aggregate across replicas) named by ``tracker_names``,
  fed per-example values by :meth:`NetworkModel.track` and returned to ``fit`` by :meth:`NetworkModel.logs`;
- :meth:`NetworkModel.average`: per-example losses reduced by the *global* batch size
  (``tf.nn.compute_average_loss``); optimizers sum gradients over replicas, so one replica and N replicas
  make the same update;
- :meth:`NetworkModel.apply_gradients`: that average, scaled for mixed precision (``optimizer.scale_loss``),
  backpropagated into some networks only;
- :meth:`NetworkModel.build_optimizer`: an optimizer built on its networks' variables inside the
  distribution strategy's scope (what lets ``fit`` run under ``MirroredStrategy`` and ``load_model``
  restore the optimizer slots);
- ``from_config`` for configs whose ``network_config_keys`` hold serialized networks;
- ``precision`` (:mod:`keras_gans.core.precision`): :meth:`NetworkModel.in_precision` converts each network as the
  model takes it, :meth:`NetworkModel.loss_scaled` wraps each optimizer for float16.

:class:`keras_gans.core.adversarial.AdversarialBase` (two players, two optimizers) and
:class:`keras_gans.models.adain.AdaINStyleTransfer` (one decoder, one optimizer) build on it.
"""

import copy

import keras
import tensorflow as tf
from keras import ops

from keras_gans.core import precision as precisions


def fit_logs(metrics, strategy):
    """``{name: result}`` of ``metrics``, shaped as ``fit`` can reduce them under ``strategy``."""
    results = {m.name: m.result() for m in metrics}
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and strategy.extended._in_multi_worker_mode():
        # Keras 3 reduces multi-worker logs with strategy.reduce("MEAN", v, axis=0), which
        # fails on scalars; a [1] vector reduces to the same scalar.
        results = {name: ops.reshape(value, (1,)) for name, value in results.items()}
    return results


class NetworkModel(keras.Model):
    """Base of the library's models: trackers, replica-exact reductions, networks in the config."""

    #: names of the loss trackers, in the order ``fit`` logs them
    tracker_names = ()
    #: config entries that hold serialized networks (deserialized by ``from_config``)
    network_config_keys = ()

    def __init__(self, precision="float32", **kwargs):
        policy = precisions.resolve(precision)  # (checks it first)
        super().__init__(**kwargs)
        #: what was asked (saved in the config) and the dtype policy it stands for on this machine
        self.precision, self.precision_policy = precision, policy
        self._trackers = {name: keras.metrics.Mean(name=name) for name in self.tracker_names}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in cls.network_config_keys:
            if isinstance(config.get(key), dict):
                # a copy: deserializing consumes the dict, and the caller's config must stay intact
                config[key] = keras.saving.deserialize_keras_object(copy.deepcopy(config[key]))
        return cls(**config)

    def get_config(self):
        return {**super().get_config(), "precision": self.precision}

    @classmethod
    def from_preset(cls, name):
        """A trained model shipped with the package (:mod:`keras_gans.presets`, KerasHub's convention):
        ``keras_gans.DCGAN.from_preset("fashion_mnist")`` or by its full name, ``"dcgan_fashion_mnist"``."""
        from keras_gans import presets

        return presets.load(presets.resolve(cls, name), expected_class=cls)

    @property
    def metrics(self):
        return list(self._trackers.values())

    def in_precision(self, network, float32_outputs=True):
        """``network`` computing in the model's precision (its output layers in float32 unless ``float32_outputs``
        is false, see :func:`~keras_gans.core.precision.convert`): what a model assigns as its network, so that a
        network built, passed in or loaded in another precision is converted."""
        return precisions.convert(network, self.precision_policy, float32_outputs)

    def loss_scaled(self, optimizer):
        """``optimizer``, under dynamic loss scaling when the model computes in float16 (and without it else)."""
        return precisions.wrap_optimizer(optimizer, self.precision_policy)

    def to_precision(self, precision):
        """This model computing in ``precision``: a new model with the same variables (weights, EMA, counters,
        random states) and, when this one is compiled, its optimizers and their state; e.g. a model trained in
        bfloat16 to sample, export or go on training in float32. Image metrics given to ``compile`` are not
        carried: compile again with them."""
        clone = type(self).from_config({**self.get_config(), "precision": precision})
        precisions.copy_variables(clone.variables, self.variables, f"{type(self).__name__} in {precision}")
        compile_config = self.get_compile_config() if self.compiled else None
        if compile_config is not None:
            clone.compile_from_config(compile_config)
            for target, source in zip(clone.trained_optimizers(), self.trained_optimizers()):
                precisions.copy_variables(precisions.unscaled(target).variables,
                                          precisions.unscaled(source).variables, "the optimizer state")
        return clone

    def trained_optimizers(self):
        """The optimizers ``compile`` set (one per trained network group)."""
        return [self.optimizer]

    @staticmethod
    def variables_of(networks):
        return [v for network in networks for v in network.trainable_variables]

    def build_optimizer(self, optimizer, networks):
        """Build ``optimizer`` on ``networks``' trainable variables inside the strategy scope."""
        with self.distribute_strategy.scope():
            optimizer.build(self.variables_of(networks))
        return optimizer

    # === Helpers for train_step ===
    @staticmethod
    def average(per_example_loss):
        """Mean over the *global* batch: the same number on 1 or N replicas."""
        return tf.nn.compute_average_loss(per_example_loss)

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
