"""What GRAN's recurrent canvas needs beyond stock Keras layers (Im, Kim, Jiang & Memisevic 2016)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gans")
class ZeroState(keras.layers.Layer):
    """``[B, units]`` zeros, one row per row of the input: the recurrent state before the first step.

    GRAN's generator starts from ``h_{c,0} = 0`` (the reference code's ``T.alloc(0., num_sam, dim_sample)``); a
    layer rather than a constant so that the Functional graph knows the batch size.
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        if int(units) != units or units < 1:
            raise ValueError(f"ZeroState needs a positive number of units, got {units!r}")
        self.units = int(units)

    def call(self, inputs):
        return ops.zeros((ops.shape(inputs)[0], self.units), dtype=self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units)
        return config
