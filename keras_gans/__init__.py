"""keras_gans: the classic GAN papers as Keras 3 models you fit, resume, distribute and serve."""

__version__ = "0.1.0"

from keras_gans.models import DCGAN, GAN, WGAN, WGANGP, ConditionalGAN, CycleGAN, Pix2Pix  # noqa: E402
from keras_gans.export import export  # noqa: E402
from keras_gans import schedules  # noqa: E402,F401  (registers the schedules for load_model)

__all__ = ["ConditionalGAN", "CycleGAN", "DCGAN", "GAN", "Pix2Pix", "WGAN", "WGANGP", "export", "__version__"]
