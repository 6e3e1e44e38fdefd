"""Builders of plain Functional models; the models in ``keras_gans.models`` compose them.

Unconditional generators take ``z`` ``[B, latent_dim]``; conditional ones take
``[z, labels]`` with integer labels ``[B]``. Generators end in ``tanh`` (images in
[-1, 1], float32 output even under mixed precision); discriminators output
logits (no sigmoid), ``[B, 1]``. Image-to-image generators (U-Net, ResNet) and
PatchGAN discriminators are fully convolutional: ``[B, H, W, C]`` inputs.
"""

from keras_gans.networks.ali import build_ali_discriminator, build_ali_encoder
from keras_gans.networks.began import build_began_decoder, build_began_discriminator
from keras_gans.networks.dcgan import build_dcgan_discriminator, build_dcgan_generator, dcgan_start_size
from keras_gans.networks.dtn import (build_dtn_classifier, build_dtn_discriminator, build_dtn_encoder,
                                     build_dtn_generator)
from keras_gans.networks.ebgan import build_ebgan_discriminator
from keras_gans.networks.gran import build_gran_encoder, build_gran_generator, gran_increments
from keras_gans.networks.mlp import build_mlp_discriminator, build_mlp_generator
from keras_gans.networks.patchgan import build_patchgan_discriminator
from keras_gans.networks.resnet import build_resnet_generator
from keras_gans.networks.sngan import (build_sngan_cnn_discriminator, build_sngan_cnn_generator,
                                       build_sngan_resnet_discriminator, build_sngan_resnet_generator)
from keras_gans.networks.unet import build_unet_generator
from keras_gans.networks.vgg import build_adain_decoder, build_vgg19_encoder, load_vgg19_weights

__all__ = [
    "build_adain_decoder",
    "build_ali_discriminator",
    "build_ali_encoder",
    "build_began_decoder",
    "build_began_discriminator",
    "build_dcgan_discriminator",
    "build_dcgan_generator",
    "build_dtn_classifier",
    "build_dtn_discriminator",
    "build_dtn_encoder",
    "build_dtn_generator",
    "build_ebgan_discriminator",
    "build_gran_encoder",
    "build_gran_generator",
    "build_mlp_discriminator",
    "build_mlp_generator",
    "build_patchgan_discriminator",
    "build_resnet_generator",
    "build_sngan_cnn_discriminator",
    "build_sngan_cnn_generator",
    "build_sngan_resnet_discriminator",
    "build_sngan_resnet_generator",
    "build_unet_generator",
    "build_vgg19_encoder",
    "dcgan_start_size",
    "gran_increments",
    "load_vgg19_weights",
]
