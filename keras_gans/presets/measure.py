"""The measurements behind the presets' model cards: one protocol per kind of model, run on the loaded preset (so a
card's numbers are those of the shipped float16 weights, and anyone can check them with :func:`measure`).

- ``"fid_kid_2000"`` (noise -> image): 2,000 samples (seed 0) against the first 2,000 Fashion-MNIST test images, FID
  and KID (100 subsets of 1,000) on the shipped classifier's features (for a model of another size, the test images
  resized to it first, bilinear and antialiased, as its training images were);
- ``"pix2pix_mae_1000"`` (sketch -> garment): the first 1,000 test pairs of the built-in ``fashion_edges``; mean
  absolute error of the translation against the true garment in uint8 levels, beside the sketch's own error;
- ``"cyclegan_fid_1000"`` (sneaker <-> ankle boot): the first 1,000 test sneakers and boots of the built-in
  ``fashion_sneaker2boot``; FID of the translated sneakers against the real boots and of the translated boots
  against the real sneakers, beside the untranslated sets' FIDs (the baselines).
"""

import numpy as np

from keras_gans import datasets
from keras_gans.datasets.translation import load_paired, load_unpaired
from keras_gans.evaluation.metrics import fid, kid


def _noise_to_image(model):
    num = 2000
    real = datasets.load_arrays("fashion_mnist", split="test")[0][:num]
    fake = np.clip(model.generate(num, seed=0), -1.0, 1.0)  # (StyleGAN2's output is linear: as an export clips it)
    if fake.shape[1:3] != real.shape[1:3]:  # a 32x32 model: the test images at its size, as it was trained
        real = datasets.resize_images(real, tuple(fake.shape[1:3]))
    kid_mean, kid_std = kid(real, fake)
    return {"fid": float(fid(real, fake)), "kid": float(kid_mean), "kid_std": float(kid_std)}


def _pix2pix(model):
    sketches, garments, _ = load_paired("fashion_edges", split="test")
    sketches, garments = sketches[:1000], garments[:1000].astype("float64")
    translated = model.translate(sketches).astype("float64")
    return {"mae_uint8": float(np.mean(np.abs(translated - garments))),
            "sketch_mae_uint8": float(np.mean(np.abs(sketches.astype("float64") - garments)))}


def _cyclegan(model):
    sneakers, boots, _ = load_unpaired("fashion_sneaker2boot", split="test")
    sneakers, boots = sneakers[:1000], boots[:1000]
    as_boots, as_sneakers = model.translate(sneakers, "AtoB"), model.translate(boots, "BtoA")
    return {"fid_sneakers_as_boots": float(fid(boots, as_boots)),
            "fid_sneakers_vs_boots": float(fid(boots, sneakers)),
            "fid_boots_as_sneakers": float(fid(sneakers, as_sneakers))}


PROTOCOLS = {"fid_kid_2000": _noise_to_image, "pix2pix_mae_1000": _pix2pix, "cyclegan_fid_1000": _cyclegan}


def measure(model, protocol):
    """``{metric: value}`` of ``model`` under ``protocol`` (a name of :data:`PROTOCOLS`)."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; expected one of {sorted(PROTOCOLS)}")
    return PROTOCOLS[protocol](model)
