"""Small layers the networks share."""

from keras_gans.layers.dropout import Dropout
from keras_gans.layers.image_pool import ImagePool
from keras_gans.layers.maxout import Maxout
from keras_gans.layers.padding import ReflectionPadding2D
from keras_gans.layers.strided import Conv2D, Conv2DTranspose

__all__ = ["Conv2D", "Conv2DTranspose", "Dropout", "ImagePool", "Maxout", "ReflectionPadding2D"]
