"""keras-tuner search spaces for every adversarial model (needs ``pip install keras_gans[tuner]``).

``GANHyperModel("dcgan", image_shape=(28, 28, 1))`` builds the model with hyperparameters drawn
from a space derived from the model itself: separate generator and discriminator learning rates
(log-uniform within 5x of the paper's default), β1 for Adam (momentum for SGD), the width
(``g_filters``/``d_filters`` or the MLP's ``g_units``), ``n_critic`` for WGANs, the gradient-penalty
λ for WGAN-GP and the clipping constant for WGAN. Every trial gets fresh optimizers (rebuilt from
the defaults' configs) and fresh image metrics, so nothing leaks between trials. Tune on
``kt.Objective("val_fid", "min")`` (:data:`VAL_FID`) or ``val_kid``::

    tuner = kt.RandomSearch(GANHyperModel("dcgan", (28, 28, 1)), objective=VAL_FID, max_trials=8)
    tuner.search(train_uint8, validation_data=test_uint8[:1000], epochs=5)

``HYPERMODELS`` maps each name of ``keras_gans.models.MODELS`` to its hypermodel class.
"""

import inspect

import keras_tuner as kt

from keras_gans.models import MODELS, NoiseToImage, get_model_class

VAL_FID = kt.Objective("val_fid", direction="min")
VAL_KID = kt.Objective("val_kid", direction="min")


def _default_metrics():
    from keras_gans.evaluation.metrics import FID

    return [FID()]


class GANHyperModel(kt.HyperModel):
    """The search space of one adversarial model.

    Args:
        model: a name in ``keras_gans.models.MODELS``.
        image_shape: ``(H, W, C)`` of the data.
        num_classes: for conditional models.
        model_kwargs: fixed constructor arguments (e.g. ``architecture="dcgan"``).
        widths: the width choices (filters of convolutional models; StyleGAN's ``channel_max``; MLP units are 10x /
            20x these).
        batch_size: minibatch per update (WGANs read ``n_critic`` of them per step).
        metrics: a callable returning fresh image metrics per trial (default ``[FID()]`` on the
            shipped Fashion-MNIST classifier's features).
        toolbox: also search the training toolbox (docs/toolbox.md) where the model takes it: ``augment``
            (none / DiffAugment / ADA where D gives logits), ``ema_decay`` (off / 0.999; not StyleGAN, whose
            EMA is the paper's ``ema_kimg``), ``r1_gamma``
            (0 / 1 / 10, models with ``supports_r1``) and ``spectral_norm`` (models with that option).
            Options fixed in ``model_kwargs`` are not searched.
    """

    model_name = None

    def __init__(self, model=None, image_shape=(28, 28, 1), num_classes=None, model_kwargs=None, widths=(32, 64),
                 batch_size=64, metrics=None, toolbox=False, **kwargs):
        model = model or self.model_name
        self.model_class = get_model_class(model)
        super().__init__(name=kwargs.pop("name", f"{model}_hypermodel"), **kwargs)
        self.model_key = model
        self.image_shape = tuple(image_shape)
        self.num_classes = num_classes
        self.model_kwargs = dict(model_kwargs or {})
        self.widths = tuple(widths)
        self.batch_size = int(batch_size)
        self.toolbox = bool(toolbox)
        self.metrics = metrics or _default_metrics
        self.params = inspect.signature(self.model_class.__init__).parameters
        if "num_classes" in self.params and not num_classes:
            raise ValueError(f"{self.model_class.__name__} is conditional: pass num_classes")

    # --- the search space -------------------------------------------------------
    def model_hyperparameters(self, hp):
        kw = {}
        uses_filters = self.model_kwargs.get("architecture", self._default("architecture")) != "mlp"
        if "g_filters" in self.params and uses_filters:
            kw["g_filters"] = hp.Choice("g_filters", list(self.widths))
            kw["d_filters"] = hp.Choice("d_filters", list(self.widths))
        elif "channel_max" in self.params:  # StyleGAN: full width up to 16², halved per resolution above
            width = hp.Choice("channel_max", list(self.widths))
            kw.update(channel_max=width, channel_base=16 * width)
        elif "g_units" in self.params and "num_classes" not in self.params:
            units = hp.Choice("g_units", [20 * w for w in self.widths])
            kw["g_units"] = (units, units)
        if "num_steps" in self.params:  # GRAN's drawing steps (the paper shows 1 to 5)
            kw["num_steps"] = hp.Int("num_steps", 1, 5, default=self._default("num_steps"))
        if "n_critic" in self.params:
            kw["n_critic"] = hp.Int("n_critic", 1, 5, default=self._default("n_critic"))
        if "gp_weight" in self.params:
            kw["gp_weight"] = hp.Float("gp_weight", 1.0, 30.0, sampling="log", default=self._default("gp_weight"))
        elif "clip_value" in self.params:
            kw["clip_value"] = hp.Choice("clip_value", [0.005, 0.01, 0.02], default=self._default("clip_value"))
        if self.toolbox:
            kw.update(self.toolbox_hyperparameters(hp))
        return kw

    def toolbox_hyperparameters(self, hp):
        """The toolbox options this model takes, as hyperparameters (none of those fixed in ``model_kwargs``)."""
        cls, kw = self.model_class, {}
        if "augment" not in self.model_kwargs and issubclass(cls, NoiseToImage):
            choices = ["none", "diffaugment"] + (["ada"] if cls.discriminator_logits else [])
            augment = hp.Choice("augment", choices, default="none")
            kw["augment"] = None if augment == "none" else augment
        ema_fixed = any(k in self.model_kwargs for k in ("ema_decay", "ema_kimg")) or self._default("ema_kimg")
        if not ema_fixed and issubclass(cls, NoiseToImage):  # (StyleGAN keeps its paper's EMA: not a choice)
            decay = hp.Choice("ema_decay", [0.0, 0.999], default=0.0)
            kw["ema_decay"] = decay or None
        if "r1_gamma" not in self.model_kwargs and getattr(cls, "supports_r1", False):
            kw["r1_gamma"] = hp.Choice("r1_gamma", [0.0, 1.0, 10.0], default=0.0)
        if "spectral_norm" not in self.model_kwargs and "spectral_norm" in self.params:
            kw["spectral_norm"] = hp.Boolean("spectral_norm", default=False)
        return kw

    def _default(self, name):
        param = self.params.get(name)
        return None if param is None else param.default

    def optimizers(self, hp, defaults):
        """Fresh optimizers: the model's defaults with tuned learning rates and β1 (or momentum)."""
        out = []
        shared = {}
        for net, default in zip(("g", "d"), defaults):
            config = default.get_config()
            lr = float(config["learning_rate"])
            config["learning_rate"] = hp.Float(f"{net}_lr", lr / 5, lr * 5, sampling="log", default=lr)
            for key in ("beta_1", "momentum"):
                if key in config and key not in shared:
                    shared[key] = hp.Choice(key, sorted({0.0, 0.5, 0.9, float(config[key])}), default=float(config[key]))
                if key in config:
                    config[key] = shared[key]
            out.append(type(default).from_config(config))
        return out

    def build(self, hp):
        kwargs = dict(image_shape=self.image_shape, **self.model_kwargs)
        if self.num_classes:
            kwargs["num_classes"] = self.num_classes
        kwargs.update(self.model_hyperparameters(hp))
        model = self.model_class(**kwargs)
        g_opt, d_opt = self.optimizers(hp, model.default_optimizers())
        model.compile(g_optimizer=g_opt, d_optimizer=d_opt, metrics=self.metrics())
        return model

    # --- training a trial -------------------------------------------------------
    def fit(self, hp, model, x, y=None, validation_data=None, seed=0, **kwargs):
        """``x``: uint8 training images (``y``: their labels for conditional models);
        ``validation_data``: uint8 images, or ``(images, labels)``; the rest goes to ``model.fit``."""
        from keras_gans.datasets import make_dataset

        conditional = bool(self.num_classes)
        if conditional and y is None:
            raise ValueError(f"{self.model_class.__name__} is conditional: pass y= (the training labels)")
        if validation_data is None:
            raise ValueError("the objective is a validation metric: pass validation_data=")
        val_x, val_y = validation_data if isinstance(validation_data, (tuple, list)) else (validation_data, None)
        if conditional and val_y is None:
            raise ValueError("conditional models need validation_data=(images, labels)")
        train = make_dataset(x, y if conditional else None, batch_size=self.batch_size * model.d_steps, seed=seed)
        val = make_dataset(val_x, val_y if conditional else None, batch_size=min(250, len(val_x)), shuffle=False,
                           drop_remainder=False)
        return model.fit(train, validation_data=val, **kwargs)


def _hypermodel_class(name):
    cls = type(f"{MODELS[name].__name__}HyperModel", (GANHyperModel,), {"model_name": name,
               "__doc__": f"The search space of ``{MODELS[name].__name__}`` (see :class:`GANHyperModel`)."})
    return cls


#: one hypermodel class per adversarial model
HYPERMODELS = {name: _hypermodel_class(name) for name in MODELS}
