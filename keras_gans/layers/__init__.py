"""Small layers the networks share."""

from keras_gans.layers.dropout import Dropout
from keras_gans.layers.maxout import Maxout
from keras_gans.layers.strided import Conv2D, Conv2DTranspose

__all__ = ["Conv2D", "Conv2DTranspose", "Dropout", "Maxout"]
