"""Reflection padding (CycleGAN's ResNet generator, AdaIN's encoder/decoder)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gans")
class ReflectionPadding2D(keras.layers.Layer):
    """Pad height and width by mirroring the border (``torch.nn.ReflectionPad2d``).

    Args:
        padding: an int (all sides) or ``((top, bottom), (left, right))``.
    """

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(padding, int):
            padding = ((padding, padding), (padding, padding))
        self.padding = tuple(tuple(int(p) for p in pair) for pair in padding)
        if len(self.padding) != 2 or any(len(pair) != 2 or min(pair) < 0 for pair in self.padding):
            raise ValueError(f"padding must be an int or ((top, bottom), (left, right)) of ints >= 0, got {padding!r}")

    def call(self, inputs):
        return ops.pad(inputs, ((0, 0), *self.padding, (0, 0)), mode="reflect")

    def compute_output_shape(self, input_shape):
        (top, bottom), (left, right) = self.padding
        h, w = input_shape[1], input_shape[2]
        return (input_shape[0], None if h is None else h + top + bottom, None if w is None else w + left + right,
                input_shape[3])

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}
