"""Conditional GAN (Mirza & Osindero 2014, "Conditional Generative Adversarial Nets")."""

import keras

from keras_gans.models.dcgan import radford_adam
from keras_gans.models.gan import MinimaxGame, goodfellow_sgd
from keras_gans.networks import (build_dcgan_discriminator, build_dcgan_generator, build_mlp_discriminator,
                                 build_mlp_generator)


@keras.saving.register_keras_serializable(package="keras_gans")
class ConditionalGAN(MinimaxGame):
    """The GAN game (``MinimaxGame``) with the class label given to both generator and discriminator.

    ``architecture="mlp"`` (default) is the paper's MNIST model: G maps z (100)
    to 200 ReLU units and the one-hot label to 1000, joined into 1200 ReLU units;
    D maps the image to maxout 240x5 and the label to maxout 50x5, joined into
    maxout 240x4, with dropout 0.5; SGD with learning rate 0.1 and momentum 0.5.
    ``architecture="dcgan"`` conditions DCGAN networks (label concatenated to z,
    and as one-hot planes to the image) and trains with Adam 2e-4, beta_1 0.5.

    The dataset yields ``(images, labels)``; fakes in a discriminator step use the
    real minibatch's labels. ``generate(num, labels=...)`` samples chosen classes.

    Args:
        num_classes: number of label classes (>= 2).
        latent_dim, image_shape: sizes of ``z`` and of the images.
        architecture: ``"mlp"`` or ``"dcgan"``.
        g_filters, d_filters: widths of the DCGAN networks.
        generator, discriminator: pre-built networks that replace the defaults.
        **kwargs: ``d_steps``, ``loss`` (``MinimaxGame``), ``instance_noise``, ``seed`` ... (``NoiseToImage``).
    """

    def __init__(self, num_classes=10, latent_dim=100, image_shape=(28, 28, 1), architecture="mlp", g_filters=64,
                 d_filters=64, generator=None, discriminator=None, **kwargs):
        if int(num_classes) != num_classes or num_classes < 2:
            raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}")
        # === Networks ===
        if architecture == "mlp":
            generator = generator or build_mlp_generator(latent_dim, image_shape, hidden_units=(1200,),
                                                         num_classes=num_classes)
            discriminator = discriminator or build_mlp_discriminator(image_shape, num_classes=num_classes)
        elif architecture == "dcgan":
            generator = generator or build_dcgan_generator(latent_dim, image_shape, g_filters, num_classes=num_classes)
            discriminator = discriminator or build_dcgan_discriminator(image_shape, d_filters, num_classes=num_classes)
        else:
            raise ValueError(f"architecture must be 'mlp' or 'dcgan', got {architecture!r}")
        super().__init__(generator, discriminator, latent_dim=latent_dim, **kwargs)
        # === Config ===
        self.num_classes = int(num_classes)
        self.architecture = architecture
        self.g_filters, self.d_filters = g_filters, d_filters

    def default_optimizers(self):
        return radford_adam() if self.architecture == "dcgan" else goodfellow_sgd()

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, image_shape=self.image_shape, architecture=self.architecture,
                      g_filters=self.g_filters, d_filters=self.d_filters)
        return config
