"""The evaluation metrics under a short name: ``keras_gans.metrics.gam``, ``.fid``, ``.kid``, ``.FID`` ... are the
objects of :mod:`keras_gans.evaluation.metrics` (where they are documented)."""

from keras_gans.evaluation.metrics import *  # noqa: F401,F403
from keras_gans.evaluation.metrics import __all__  # noqa: F401
