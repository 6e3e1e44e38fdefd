"""keras_gans: the classic GAN papers as Keras 3 models you fit, resume, distribute and serve.

The public names only; importing the package changes nothing in your process (the ``keras-gans``
command sets its own environment: ``keras_gans_launcher`` before TensorFlow is imported, ``keras_gans.cli.main``).
"""

from keras_gans import kernels, schedules  # noqa: F401  (registers FusedAdam, FastConv2D, the schedules for load_model)
from keras_gans.layers import AdaIN
from keras_gans.models import (
    ALI,
    BEGAN,
    DCGAN,
    DTN,
    EBGAN,
    GAN,
    GRAN,
    WGAN,
    WGANGP,
    AdaINStyleTransfer,
    BiGAN,
    ConditionalGAN,
    CycleGAN,
    DomainTransferNetwork,
    Pix2Pix,
    SNGAN,
    StyleGAN,
)
from keras_gans.serving import export

__version__ = "0.1.0"

__all__ = [
    "ALI", "AdaIN", "AdaINStyleTransfer", "BEGAN", "BiGAN", "ConditionalGAN", "CycleGAN", "DCGAN", "DTN",
    "DomainTransferNetwork", "EBGAN", "GAN", "GRAN", "Pix2Pix", "SNGAN", "StyleGAN", "WGAN", "WGANGP", "export", "__version__",
]
