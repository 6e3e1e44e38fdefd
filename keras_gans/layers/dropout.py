"""Dropout whose masks do not depend on how the batch is split over replicas."""

import keras
from keras import ops

from keras_gans.core.distribution import draw_for_global_batch


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
        keep = draw_for_global_batch(
            ops.shape(inputs)[0],
            lambda n: keras.random.uniform((n, *inputs.shape[1:]), seed=self.seed_generator) >= self.rate)
        scale = ops.cast(1.0 / (1.0 - self.rate), inputs.dtype)
        return ops.where(keep, inputs * scale, ops.zeros_like(inputs))
