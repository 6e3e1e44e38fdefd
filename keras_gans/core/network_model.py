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
- ``from_config`` for configs whose ``network_config_keys`` hold serialized networks.

:class:`keras_gans.core.adversarial.AdversarialBase` (two players, two optimizers) and
:class:`keras_gans.models.adain.AdaINStyleTransfer` (one decoder, one optimizer) build on it.
"""

import copy

import keras
import tensorflow as tf
from keras import ops


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

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._trackers = {name: keras.metrics.Mean(name=name) for name in self.tracker_names}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in cls.network_config_keys:
            if isinstance(config.get(key), dict):
                # a copy: deserializing consumes the dict, and the caller's config must stay intact
                config[key] = keras.saving.deserialize_keras_object(copy.deepcopy(config[key]))
        return cls(**config)

    @property
    def metrics(self):
        return list(self._trackers.values())

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
