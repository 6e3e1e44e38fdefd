"""keras_gans: the classic GAN papers as Keras 3 models you fit, resume, distribute and serve."""

__version__ = "0.1.0"

from keras_gans.models import DCGAN, DTN, GAN, WGAN, WGANGP, ConditionalGAN, DomainTransferNetwork  # noqa: E402
from keras_gans.export import export  # noqa: E402

__all__ = ["ConditionalGAN", "DCGAN", "DTN", "DomainTransferNetwork", "GAN", "WGAN", "WGANGP", "export", "__version__"]
