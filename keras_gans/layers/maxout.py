"""Maxout units (Goodfellow et al. 2013), used by the original GAN discriminator."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gans")
class Maxout(keras.layers.Layer):
    """Dense layer with ``units`` outputs, each the max over ``pieces`` linear pieces.

    Goodfellow et al. 2014 used maxout discriminators (240 units, 5 pieces on MNIST,
    ``adversarial/mnist.yaml`` in the authors' code).
    """

    def __init__(self, units, pieces=5, kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        if units < 1 or pieces < 1:
            raise ValueError(f"Maxout needs units >= 1 and pieces >= 1, got {units}, {pieces}")
        self.units = int(units)
        self.pieces = int(pieces)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.dense = keras.layers.Dense(
            self.units * self.pieces, kernel_initializer=self.kernel_initializer, name="linear"
        )

    def build(self, input_shape):
        self.dense.build(input_shape)

    def call(self, inputs):
        y = self.dense(inputs)
        y = ops.reshape(y, (-1, self.units, self.pieces))
        return ops.max(y, axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units,
            pieces=self.pieces,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
        )
        return config
