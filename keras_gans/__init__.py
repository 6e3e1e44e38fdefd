"""keras_gans: the classic GAN papers as Keras 3 models you fit, resume, distribute and serve."""

__version__ = "0.1.0"

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
from keras_gans.serving import export  # noqa: E402
from keras_gans import kernels, schedules  # noqa: E402,F401  (registers them for load_model)

__all__ = ["ALI", "AdaIN", "AdaINStyleTransfer", "BEGAN", "BiGAN", "EBGAN", "ConditionalGAN", "CycleGAN", "DCGAN", "DTN", "DomainTransferNetwork", "GAN",
           "Pix2Pix", "WGAN", "WGANGP", "export", "__version__"]
