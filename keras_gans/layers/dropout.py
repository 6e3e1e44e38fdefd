"""Dropout whose masks do not depend on how the batch is split over replicas."""

import keras
import tensorflow as tf
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gans")
class Dropout(keras.layers.Dropout):
    """``keras.layers.Dropout`` that draws the mask of the *global* batch.

    Under ``tf.distribute`` every replica draws the mask for all replicas' examples
    from the (mirrored) seed generator and keeps its own slice, so a step on N
    replicas drops exactly the units one device would. Without a strategy it is
    ordinary inverted dropout.
    """

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync if context is not None else 1
        batch = ops.shape(inputs)[0]
        shape = (batch * replicas, *inputs.shape[1:])
        keep = keras.random.uniform(shape, seed=self.seed_generator) >= self.rate
        if replicas > 1:
            start = context.replica_id_in_sync_group * batch
            keep = keep[start : start + batch]
        scale = ops.cast(1.0 / (1.0 - self.rate), inputs.dtype)
        return ops.where(keep, inputs * scale, ops.zeros_like(inputs))
