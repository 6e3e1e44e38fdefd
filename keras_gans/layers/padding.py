"""Reflection padding, as in the reference style-transfer and image-translation networks."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gans")
class ReflectionPadding2D(keras.layers.Layer):
    """Pad height and width by mirroring the border (``nn.ReflectionPad2d`` in PyTorch).

    Args:
        padding: int ``p`` (``p`` on every side) or ``((top, bottom), (left, right))``.
            Each side must be smaller than the image side it pads.
    """

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(padding, int):
            padding = ((padding, padding), (padding, padding))
        self.padding = tuple(tuple(int(p) for p in pair) for pair in padding)
        if len(self.padding) != 2 or any(len(p) != 2 or min(p) < 0 for p in self.padding):
            raise ValueError(f"padding must be an int or ((top, bottom), (left, right)), got {padding!r}")

    def call(self, inputs):
        (top, bottom), (left, right) = self.padding
        return ops.pad(inputs, [[0, 0], [top, bottom], [left, right], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        (top, bottom), (left, right) = self.padding
        b, h, w, c = input_shape
        return (b, None if h is None else h + top + bottom, None if w is None else w + left + right, c)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}
