"""Small layers the networks share."""

from keras_gans.layers.ada import AdaptiveAugment
from keras_gans.layers.adain import AdaIN
from keras_gans.layers.canvas import ZeroState
from keras_gans.layers.diffaugment import DiffAugment
from keras_gans.layers.dropout import Dropout
from keras_gans.layers.image_pool import ImagePool
from keras_gans.layers.maxout import Maxout
from keras_gans.layers.normalization import InstanceNormalization
from keras_gans.layers.padding import ReflectionPadding2D
from keras_gans.layers.spectral_norm import SpectralNormalization
from keras_gans.layers.stylegan import (Bias, ConstantInput, EqualizedConv2D, EqualizedDense, MinibatchStdDev,
                                        ModulatedConv2D, NoiseInjection, PixelNorm, SelectStyle, StyleModulation)

__all__ = ["AdaIN", "AdaptiveAugment", "DiffAugment", "Dropout", "ImagePool", "InstanceNormalization", "Maxout", "ReflectionPadding2D",
           "SpectralNormalization", "ZeroState",
           "Bias", "SelectStyle", "ConstantInput", "EqualizedConv2D", "EqualizedDense", "MinibatchStdDev", "ModulatedConv2D", "NoiseInjection",
           "PixelNorm", "StyleModulation"]
