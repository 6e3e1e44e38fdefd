"""Domain Transfer Network (Taigman, Polyak & Wolf 2016, "Unsupervised Cross-Domain Image Generation")."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_gans import losses
from keras_gans.core.adversarial import AdversarialBase
from keras_gans.core.images import scale_images
from keras_gans.kernels import FusedAdam
from keras_gans.networks.common import check_image_shape
from keras_gans.networks.dtn import (NUM_DTN_CLASSES, build_dtn_discriminator, build_dtn_encoder,
                                     build_dtn_generator)

DISTANCES = {"mse": losses.mse, "l1": losses.l1}
#: D's class for each kind of image: (G(source), G(target), real target)
D_CLASSES = {"ternary": (0, 1, 2), "binary": (0, 0, 1)}


def match_channels(images, channels):
    """``images`` with ``channels`` channels: gray -> RGB by tiling, RGB -> gray by luma."""
    have = images.shape[-1]
    if have == channels:
        return images
    if have == 1 and channels == 3:
        return ops.tile(images, (1, 1, 1, 3))
    if have == 3 and channels == 1:
        return tf.image.rgb_to_grayscale(images)
    raise ValueError(f"cannot convert {have}-channel images to {channels} channels")


@keras.saving.register_keras_serializable(package="keras_gans")
class DomainTransferNetwork(AdversarialBase):
    """DTN: G = g ∘ f maps source images to the target domain, keeping what a fixed f sees.

    f (``encoder``) is trained first on the source domain (the penultimate layer of a classifier,
    :func:`keras_gans.networks.build_dtn_classifier`) and stays frozen; g (``generator``) and
    D (``discriminator``) are trained on unpaired ``(source_images, target_images)`` batches:

    - D minimises ``L_D = -E_s log D_1(G(x)) - E_t log D_2(G(x)) - E_t log D_3(x)``
      (the ternary D of Section 3; ``discriminator_kind="binary"`` is the reference code's
      one-logit D, where G(source) and G(target) are both "fake").
    - g minimises ``L_GANG + alpha L_CONST + beta L_TID + gamma L_TV`` with
      ``L_GANG = -E_s log D_3(G(x)) - E_t log D_3(G(x))``, ``L_CONST = d(f(x), f(G(x)))`` on the
      source, ``L_TID = d(x, G(x))`` on the target and the total variation of G's outputs.

    Defaults are the paper's digits (SVHN -> MNIST) values: ``alpha = beta = 15``, ``gamma = 0``,
    ``d`` = MSE (``distance="l1"`` by option); 32x32x3 source, 32x32x1 target, 128-d f. For faces
    -> emoji the paper uses ``alpha=100, beta=1, gamma=0.05``. Adam 3e-4, beta_1 0.5 (the paper
    gives no optimizer settings; DCGAN-style values).

    Both domains must have the same image size: resize one first. f sees target images and G's
    outputs too; when the domains' channel counts differ, ``match_channels=True`` (default,
    explicit) tiles gray images to RGB (or takes the luma of RGB) before f, as the reference
    code does for MNIST; ``match_channels=False`` makes that mismatch an error.

    An image -> image model: it has no latent space (no ``generate``); its serving signature is in
    :mod:`keras_gans.serving.dtn`.
    """

    tracker_names = ("d_loss", "g_loss", "gan_loss", "const_loss", "tid_loss", "tv_loss")
    network_config_keys = ("generator", "discriminator", "encoder")

    def __init__(
        self,
        source_shape=(32, 32, 3),
        target_shape=(32, 32, 1),
        representation_dim=128,
        alpha=15.0,
        beta=15.0,
        gamma=0.0,
        distance="mse",
        discriminator_kind="ternary",
        match_channels=True,
        f_filters=64,
        g_filters=64,
        d_filters=128,
        synchronized_batch_norm=True,
        encoder=None,
        generator=None,
        discriminator=None,
        seed=None,
        **kwargs,
    ):
        if distance not in DISTANCES:
            raise ValueError(f"distance must be one of {sorted(DISTANCES)}, got {distance!r}")
        if discriminator_kind not in D_CLASSES:
            raise ValueError(f"discriminator_kind must be one of {sorted(D_CLASSES)}, got {discriminator_kind!r}")
        for name, value in (("alpha", alpha), ("beta", beta), ("gamma", gamma)):
            if not float(value) >= 0:
                raise ValueError(f"{name} must be a non-negative weight, got {value!r}")
        # === Networks (f frozen; g and D trained) ===
        if encoder is not None:
            if not isinstance(encoder, keras.Model):
                raise TypeError(f"encoder (f) must be a keras.Model, got {type(encoder).__name__}")
            source_shape = tuple(encoder.inputs[0].shape[1:])
        if generator is not None:
            target_shape = tuple(generator.outputs[0].shape[1:])
        source_shape, target_shape = check_image_shape(source_shape), check_image_shape(target_shape)
        if source_shape[:2] != target_shape[:2]:
            raise ValueError(
                f"the domains have different image sizes: source {source_shape[0]}x{source_shape[1]}, target "
                f"{target_shape[0]}x{target_shape[1]}; resize one explicitly (e.g. image_size=32 when loading)")
        if source_shape[2] != target_shape[2] and not match_channels:
            raise ValueError(
                f"the domains have different channel counts (source {source_shape[2]}, target {target_shape[2]}) "
                "and match_channels=False; convert one explicitly or pass match_channels=True")
        encoder = encoder or build_dtn_encoder(source_shape, f_filters, representation_dim, synchronized_batch_norm)
        representation = encoder.outputs[0].shape
        if len(representation) != 2:
            raise ValueError(f"f must output a flat representation [batch, features], got shape {representation}")
        generator = generator or build_dtn_generator(representation[-1], target_shape, g_filters,
                                                     synchronized_batch_norm)
        if generator.inputs[0].shape[-1] != representation[-1]:
            raise ValueError(f"f's representation has {representation[-1]} features but g takes "
                             f"{generator.inputs[0].shape[-1]}: g must be built for f's output")
        discriminator = discriminator or build_dtn_discriminator(target_shape, d_filters, discriminator_kind,
                                                                 synchronized_batch_norm)
        d_logits = discriminator.outputs[0].shape[-1]
        if d_logits != NUM_DTN_CLASSES[discriminator_kind]:
            raise ValueError(f"a {discriminator_kind} D needs {NUM_DTN_CLASSES[discriminator_kind]} logits, "
                             f"the discriminator has {d_logits}")
        super().__init__(seed=seed, **kwargs)
        self.generator, self.discriminator = self.in_precision(generator), self.in_precision(discriminator)
        self.encoder = self.in_precision(encoder)
        self.encoder.trainable = False
        # === Config ===
        self.source_shape, self.target_shape = source_shape, target_shape
        self.alpha, self.beta, self.gamma = float(alpha), float(beta), float(gamma)
        self.distance_name, self.distance = distance, DISTANCES[distance]
        self.discriminator_kind = discriminator_kind
        self.match_channels = bool(match_channels)
        self.architecture = dict(representation_dim=int(representation[-1]), f_filters=f_filters,
                                 g_filters=g_filters, d_filters=d_filters,
                                 synchronized_batch_norm=synchronized_batch_norm)
        self.built = True  # the networks are built Functional models

    def default_optimizers(self):
        return (FusedAdam(3e-4, beta_1=0.5), FusedAdam(3e-4, beta_1=0.5))

    # --- G = g ∘ f --------------------------------------------------------------
    def encode(self, images):
        """f(x) (frozen, inference mode) for images of either domain, or G's outputs."""
        return self.encoder(match_channels(images, self.source_shape[-1]), training=False)

    def call(self, images, training=False):
        """``model(source_images)`` = G(x) = g(f(x)), images in [-1, 1]."""
        return self.generator(self.encode(images), training=training)

    def unpack_domains(self, data):
        if not isinstance(data, (tuple, list)) or len(data) != 2:
            raise ValueError("DomainTransferNetwork trains on (source_images, target_images) batches "
                             "(keras_gans.datasets.make_domain_dataset)")
        source, target = data
        for name, images, shape in (("source", source, self.source_shape), ("target", target, self.target_shape)):
            if tuple(images.shape[1:]) != shape:
                raise ValueError(f"the {name} domain's images have shape {tuple(images.shape[1:])}, the model "
                                 f"expects {shape}")
        return ops.cast(source, self.compute_dtype), ops.cast(target, self.compute_dtype)

    # --- The paper's algorithm ----------------------------------------------------
    def train_step(self, data):
        self._check_compiled()
        source, target = self.unpack_domains(data)
        fake_s_class, fake_t_class, real_class = D_CLASSES[self.discriminator_kind]
        f_source, f_target = self.encode(source), self.encode(target)  # f is fixed

        # D step: classify G(source), G(target) and real target images (L_D)
        fake_s = self.generator(f_source, training=True)
        fake_t = self.generator(f_target, training=True)
        with tf.GradientTape() as tape:
            d_loss = (losses.class_cross_entropy(self.discriminator(fake_s, training=True), fake_s_class)
                      + losses.class_cross_entropy(self.discriminator(fake_t, training=True), fake_t_class)
                      + losses.class_cross_entropy(self.discriminator(target, training=True), real_class))
        self.apply_gradients(tape, d_loss, self.discriminator, self.d_optimizer)

        # g step: L_GANG + alpha L_CONST + beta L_TID + gamma L_TV
        with tf.GradientTape() as tape:
            fake_s = self.generator(f_source, training=True)
            fake_t = self.generator(f_target, training=True)
            gan_loss = (losses.class_cross_entropy(self.discriminator(fake_s, training=True), real_class)
                        + losses.class_cross_entropy(self.discriminator(fake_t, training=True), real_class))
            const_loss = self.distance(f_source, self.encode(fake_s))
            tid_loss = self.distance(target, fake_t)
            tv_loss = losses.total_variation(fake_s) + losses.total_variation(fake_t)
            g_loss = gan_loss + self.alpha * const_loss + self.beta * tid_loss + self.gamma * tv_loss
        self.apply_gradients(tape, g_loss, self.generator, self.g_optimizer)
        self.track(d_loss=d_loss, g_loss=g_loss, gan_loss=gan_loss, const_loss=const_loss, tid_loss=tid_loss,
                   tv_loss=tv_loss)
        return self.logs()

    # --- Translation ---------------------------------------------------
    def translate(self, images, batch_size=256):
        """G(x) for source images (uint8, or float in [-1, 1]) -> numpy float32 in [-1, 1]."""
        images = np.asarray(images)
        if images.ndim == 3 and self.source_shape[-1] == 1:
            images = images[..., None]
        if images.ndim != 4 or tuple(images.shape[1:]) != self.source_shape:
            raise ValueError(f"translate takes source images of shape [N, {', '.join(map(str, self.source_shape))}]"
                             f", got {images.shape}")
        if images.dtype == np.uint8:
            images = scale_images(images)
        out = [ops.convert_to_numpy(self(tf.constant(images[i : i + batch_size], tf.float32)))
               for i in range(0, len(images), batch_size)]
        return np.concatenate(out).astype("float32")

    # --- Saving ---------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update(
            self.architecture,
            generator=keras.saving.serialize_keras_object(self.generator),
            discriminator=keras.saving.serialize_keras_object(self.discriminator),
            encoder=keras.saving.serialize_keras_object(self.encoder),
            source_shape=self.source_shape,
            target_shape=self.target_shape,
            alpha=self.alpha,
            beta=self.beta,
            gamma=self.gamma,
            distance=self.distance_name,
            discriminator_kind=self.discriminator_kind,
            match_channels=self.match_channels,
            seed=self.seed,
        )
        return config


#: short name
DTN = DomainTransferNetwork
