"""keras_gans: the classic GAN papers as Keras 3 models you fit, resume, distribute and serve."""

__version__ = "0.1.0"

import os

# TensorFlow's caching ("BFC") CPU allocator instead of one malloc per tensor: with malloc, every
# large activation of the image-to-image models was mapped and page-faulted in anew on every step.
# Measured on the 2-core CPU (README, "Pix2Pix and CycleGAN" performance): Pix2Pix 256 batch 4
# training 1.03 -> 1.13 img/s and inference 7.3 -> 8.6 img/s, CycleGAN 128 batch 4 inference
# 6.3 -> 7.2 img/s. TensorFlow reads the variable when it makes its first tensor, so it takes effect
# when keras_gans is imported before any TensorFlow computation; TF_CPU_ALLOCATOR_USE_BFC=false opts out.
os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")

from keras_gans.layers import AdaIN  # noqa: E402
from keras_gans.models import (  # noqa: E402
    ALI,
    BEGAN,
    DCGAN,
    EBGAN,
    DTN,
    GAN,
    WGAN,
    WGANGP,
    AdaINStyleTransfer,
    BiGAN,
    ConditionalGAN,
    CycleGAN,
    DomainTransferNetwork,
    Pix2Pix,
)
from keras_gans.serving.export import export  # noqa: E402
from keras_gans import kernels, schedules  # noqa: E402,F401  (registers them for load_model)

__all__ = ["ALI", "AdaIN", "AdaINStyleTransfer", "BEGAN", "BiGAN", "EBGAN", "ConditionalGAN", "CycleGAN", "DCGAN", "DTN", "DomainTransferNetwork", "GAN",
           "Pix2Pix", "WGAN", "WGANGP", "export", "__version__"]
