"""Exact CPU rewrites of slow TensorFlow kernels, under their own names.

Each computes what the Keras object it subclasses computes (tests compare values and gradients) and
says in its module docstring which measurement justifies it:

- :class:`FastConv2D` / :class:`FastConv2DTranspose` (``kernels/conv.py``): 4x4 stride-2 convolutions
  through a matmul with few pixels and, with many, through stride-1 sub-pixel phases where TensorFlow runs
  without oneDNN (its own kernel where oneDNN runs); rewritten kernel gradients where TensorFlow's are slow;
  rewritten gradients for the stride-1 cases whose TensorFlow gradient kernels are slow on CPU; 3x3 stride-1
  convolutions between wide layers by Winograd's F(2x2, 3x3) on CPUs (``kernels/winograd.py``, its transforms in
  C++: ``kernels/native/``, compiled on first use).
- :class:`UpsamplingConv2D` (``kernels/upsampling_conv.py``): nearest-neighbour 2x up-sampling and the
  convolution after it in one layer, computed at the low resolution (3x3: four 2x2 phases, 2.25x fewer FLOPs).
- :class:`FusedAdam` (``kernels/adam.py``): Keras's Adam update through TensorFlow's fused
  ``ResourceApplyAdam`` kernel.
- :class:`FastBatchNormalization` (``kernels/batchnorm.py``): batch norm whose training call on one replica runs
  TensorFlow's fused ``FusedBatchNormV3`` kernel.
- :class:`FastLeakyReLU` (``kernels/activation.py``): LeakyReLU whose gradient reads its output, so oneDNN can fuse
  the activation into the batch norm or convolution before it.

Networks choose them explicitly (``networks/*.py``); ``keras_gans.optimizers.get("adam")`` gives
:class:`FusedAdam`.
"""

from keras_gans.kernels.activation import FastLeakyReLU
from keras_gans.kernels.adam import FusedAdam
from keras_gans.kernels.batchnorm import FastBatchNormalization
from keras_gans.kernels.conv import FastConv2D, FastConv2DTranspose
from keras_gans.kernels.upsampling_conv import UpsamplingConv2D

__all__ = ["FastBatchNormalization", "FastConv2D", "FastConv2DTranspose", "FastLeakyReLU", "FusedAdam",
           "UpsamplingConv2D"]
