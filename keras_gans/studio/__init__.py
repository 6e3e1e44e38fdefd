"""The studio: the models in the browser (``keras-gans studio``, extra ``keras_gans[studio]``, Gradio).

:class:`Studio` holds the loaded models and one handler per tab; each takes and returns numpy images (uint8) and
raises ``ValueError`` with a message for the page on bad input. :func:`build_app` wires them into a
``gradio.Blocks`` (imported only there), so the handlers are plain Python, testable without a browser. The tabs:

- *Sketch → colour*: draw on a canvas; a paired translation model (Pix2Pix) colours the drawing as it changes;
- *Edit*: a generated image; paint colour strokes or sketch lines on it, get the edit and its morph
  (:func:`keras_gans.latent.manipulate`, iGAN);
- *Explore*: a seed's samples, a latent walk, and truncation and style mixing where the model has them (StyleGAN);
- *Style*: AdaIN style transfer with α, two-style interpolation weights, colour preservation and a region mask;
- *Inpaint*: erase part of a generated or uploaded image with a brush, fill it with the model
  (:func:`keras_gans.latent.inpaint`).

Exported SavedModels join through :func:`served` (:mod:`keras_gans.studio.served`): the tabs their signatures
allow (Explore, Sketch -> colour, Style; Edit and Inpaint need the ``.keras`` model's gradients).
"""

from keras_gans.studio.handlers import Studio, TAB_NEEDS, default_models
from keras_gans.studio.served import served

__all__ = ["Studio", "TAB_NEEDS", "build_app", "default_models", "served"]


def build_app(studio):
    """The ``gradio.Blocks`` of ``studio`` (see :mod:`keras_gans.studio.app`)."""
    from keras_gans.studio.app import build_app as build

    return build(studio)
