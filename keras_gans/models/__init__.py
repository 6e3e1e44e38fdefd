"""The papers' training algorithms, one per file."""

from keras_gans.core.adversarial import AdversarialBase
from keras_gans.core.image_to_image import ImageTranslationModel
from keras_gans.core.noise_to_image import NoiseToImage
from keras_gans.models.adain import AdaINStyleTransfer
from keras_gans.models.ali import ALI, BiGAN
from keras_gans.models.began import BEGAN
from keras_gans.models.cgan import ConditionalGAN
from keras_gans.models.cyclegan import CycleGAN
from keras_gans.models.dcgan import DCGAN
from keras_gans.models.dtn import DTN, DomainTransferNetwork
from keras_gans.models.ebgan import EBGAN
from keras_gans.models.gan import GAN
from keras_gans.models.gran import GRAN
from keras_gans.models.pix2pix import Pix2Pix
from keras_gans.models.sngan import SNGAN
from keras_gans.models.stylegan import StyleGAN
from keras_gans.models.wgan import WGAN
from keras_gans.models.wgan_gp import WGANGP

#: CLI / config names -> classes
MODELS = {
    "gan": GAN,
    "dcgan": DCGAN,
    "wgan": WGAN,
    "wgan_gp": WGANGP,
    "cgan": ConditionalGAN,
    "ebgan": EBGAN,
    "began": BEGAN,
    "ali": ALI,
    "bigan": BiGAN,
    "sngan": SNGAN,
    "stylegan": StyleGAN,
    "gran": GRAN,
}

#: image-to-image models (paired and unpaired); the CLI trains them on (A, B) data
TRANSLATION_MODELS = {
    "pix2pix": Pix2Pix,
    "cyclegan": CycleGAN,
}


def get_model_class(name):
    key = name.lower().replace("-", "_")
    if key not in MODELS:
        raise ValueError(f"unknown model {name!r}; expected one of {sorted(MODELS)}")
    return MODELS[key]


__all__ = ["ALI", "AdaINStyleTransfer", "AdversarialBase", "BEGAN", "BiGAN", "EBGAN", "ConditionalGAN", "CycleGAN", "DCGAN", "DTN", "DomainTransferNetwork",
           "GAN", "GRAN", "ImageTranslationModel", "MODELS", "NoiseToImage", "Pix2Pix", "SNGAN", "StyleGAN", "TRANSLATION_MODELS", "WGAN", "WGANGP", "get_model_class"]
