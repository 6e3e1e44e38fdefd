"""Small layers the networks share."""

from keras_gans.layers.dropout import Dropout
from keras_gans.layers.maxout import Maxout

__all__ = ["Dropout", "Maxout"]
