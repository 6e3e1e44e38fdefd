"""Exported SavedModels in the studio: each kind of export seen through the few methods its tabs call.

A SavedModel serves uint8 images through fixed signatures (``keras_gans.serving``), so the studio uses what those
allow and says what they do not:

- a noise -> image export (``sample``, ``generate``; StyleGAN's also ``mix`` and ``truncation_psi``): *Explore*
  (samples, latent walk, truncation, style mixing). *Edit* and *Inpaint* optimise the latent through the generator's
  gradient, which uint8 signatures do not give: they take the ``.keras`` model;
- a Pix2Pix or CycleGAN export (``translate``, ``translate_BtoA``): *Sketch -> colour*, at the size it was trained at
  (from the export's ``assets.extra/keras_gans.json``, :func:`keras_gans.serving.read_model_info`);
- an AdaIN export (``interpolate``, ``masked``): *Style*, with every option of the tab.

The same seed gives the same images as the ``.keras`` model: ``sample`` draws ``z`` with
:func:`keras_gans.core.noise_to_image.latent_for_seed`, and the walk here does too.
"""

import numpy as np
import tensorflow as tf

from keras_gans.core.noise_to_image import latent_for_seed
from keras_gans.latent.interpolation import walk_path
from keras_gans.serving import read_model_info
from keras_gans.serving.client import SavedStylizer, SavedTranslator, call, input_specs


def served(loaded, path):
    """The studio's view of ``loaded`` (``tf.saved_model.load(path)``), or a ValueError saying why it has none."""
    names = set(loaded.signatures)
    if "sample" in names and "generate" in names:
        return ServedGenerator(loaded, path)
    if "translate" in names:
        return ServedTranslator(loaded, path)
    if "interpolate" in names and "masked" in names:
        return ServedStylizer(loaded, path)
    raise ValueError(f"the studio has no tab for the SavedModel {path} (signatures: {', '.join(sorted(names))}); it "
                     "takes exports of noise -> image models, Pix2Pix/CycleGAN and AdaIN")


class ServedGenerator:
    """A noise -> image export: ``generate(num, seed, truncation_psi)``, ``walk_images``, ``mix`` (StyleGAN)."""

    studio_kind = "generate"
    #: why the latent-optimising tabs refuse it
    no_gradients = ("a SavedModel serves uint8 images, which carry no gradient to optimise the latent through: "
                    "open the .keras model for this tab")

    def __init__(self, loaded, path):
        self.path = path
        self._sample, self._generate = loaded.signatures["sample"], loaded.signatures["generate"]
        self._mix = loaded.signatures["mix"] if "mix" in loaded.signatures else None
        if "labels" in input_specs(self._sample):
            raise ValueError(f"the SavedModel {path} is conditional: the studio's tabs take unconditional models")
        self.latent_dim = int(input_specs(self._generate)["z"].shape[-1])
        self._psi = "truncation_psi" in input_specs(self._sample)
        self.image_shape = tuple(self.generate(1, 0).shape[1:])
        if self._mix is not None:
            info = read_model_info(path) or {}
            resolution = self.image_shape[0]
            # StyleGAN's 2 log2(resolution) - 2 styles (``num_ws``)
            self.num_ws = int(info.get("num_ws", 2 * int(np.log2(resolution)) - 2))

    @property
    def check_truncation(self):
        """Present (as on a StyleGAN) only where the export takes ``truncation_psi``: the page offers it then."""
        return self._check_psi if self._psi else None

    @staticmethod
    def _check_psi(psi, cutoff=None):
        if not 0.0 <= float(psi) <= 1.0:
            raise ValueError(f"truncation must be in [0, 1] (1: no truncation), got {psi}")

    def _psi_args(self, num, psi, signature):
        if not self._psi:
            return {}
        spec = input_specs(signature)["truncation_psi"]
        return {"truncation_psi": tf.fill([num] if spec.shape.rank else [], tf.constant(float(psi), tf.float32))}

    def generate(self, num, seed=0, truncation_psi=1.0):
        """uint8 ``[num, H, W, C]`` of seed ``seed`` (the ``sample`` signature)."""
        out = call(self._sample, "explore", num=tf.constant(int(num), tf.int32), seed=tf.constant(int(seed), tf.int64),
                   **self._psi_args(num, truncation_psi, self._sample))
        return out["images"].numpy()

    def walk_images(self, steps, seed, rows):
        """uint8 ``[rows, steps, H, W, C]``: ``latent.walk``'s walk (slerp in z from ``seed`` to ``seed + 1``)."""
        za, zb = (np.asarray(latent_for_seed(rows, self.latent_dim, s)) for s in (seed, seed + 1))
        z = walk_path(za, zb, steps, "slerp")
        out = call(self._generate, "explore", z=tf.constant(z, tf.float32),
                   **self._psi_args(len(z), 1.0, self._generate))
        return out["images"].numpy().reshape(rows, steps, *self.image_shape)

    def mix(self, seed_a, seed_b, crossover):
        """The image of ``seed_a`` with the styles of ``seed_b`` from layer ``crossover`` on (StyleGAN's ``mix``)."""
        inputs = dict(seed_a=tf.constant([seed_a], tf.int64), seed_b=tf.constant([seed_b], tf.int64),
                      crossover=tf.constant([crossover], tf.int32))
        return call(self._mix, "explore", **inputs, **self._psi_args(1, 1.0, self._mix))["images"].numpy()


class ServedTranslator(SavedTranslator):
    """A Pix2Pix or CycleGAN export: ``translate(image, direction)`` at its training size (``image_size``)."""

    studio_kind = "translate"

    def __init__(self, loaded, path):
        super().__init__(loaded, path)
        info = read_model_info(path)
        if info is None:
            raise ValueError(f"the SavedModel {path} does not say the size its model was trained at (exported before "
                             "keras_gans wrote assets.extra/keras_gans.json): export the .keras model again, or open "
                             "the .keras model in the studio")
        if "image_size" not in info or "channels" not in info:  # e.g. the Domain Transfer Network's translate
            raise ValueError(f"the studio has no tab for the SavedModel {path} (a {info.get('class')}); its sketch "
                             "tab takes Pix2Pix and CycleGAN exports")
        self.image_size = int(info["image_size"])


class ServedStylizer(SavedStylizer):
    """An AdaIN export: ``stylize`` with α, style weights, colour preservation and a region mask."""

    studio_kind = "style"
