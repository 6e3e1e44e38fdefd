"""The studio's tabs as plain Python: :class:`Studio` holds the models and turns page inputs (uint8 images of the
canvas's size, numbers) into page outputs (uint8 images scaled up for display). Bad input is a ``ValueError`` whose
message the page shows."""

import numpy as np
from PIL import Image

from keras_gans import latent
from keras_gans.core.image_to_image import ImageTranslationModel
from keras_gans.serving.images import make_grid, to_uint8

#: side of the images the page shows (the models make 28-64 px images: scaled up, nearest neighbour)
DISPLAY = 256
#: what each tab needs of a model (its handler refuses others with a message)
TAB_NEEDS = {
    "sketch": "an image-to-image model (Pix2Pix, CycleGAN)",
    "edit": "an unconditional noise -> image model (DCGAN, GAN, WGAN, GRAN, StyleGAN, ...)",
    "explore": "an unconditional noise -> image model",
    "style": "an AdaIN style-transfer model",
    "inpaint": "an unconditional noise -> image model",
}


def default_models():
    """The shipped presets by name (what the studio opens on when given no model)."""
    from keras_gans import presets

    return {f"preset:{name}": presets.load(name) for name in presets.names()}


def _kind(model):
    if getattr(model, "studio_kind", None):  # an exported SavedModel (keras_gans.studio.served)
        return model.studio_kind
    if callable(getattr(model, "stylize", None)):
        return "style"
    if isinstance(model, ImageTranslationModel):
        return "translate"
    if callable(getattr(model, "generate", None)) and not getattr(model, "num_classes", None):
        return "generate"
    return None


def display(images, size=DISPLAY):
    """uint8 ``[H, W, C]`` (or floats in [-1, 1]) scaled by an integer factor towards ``size`` (nearest
    neighbour: the model's pixels stay visible), RGB."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        images = to_uint8(images)
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    factor = max(1, size // max(images.shape[:2]))
    return np.kron(images, np.ones((factor, factor, 1), np.uint8))


def canvas_image(value):
    """A page image (numpy ``[H, W, 1|3|4]``, or Gradio's editor dict with a ``composite``) as uint8 RGBA, or a
    ValueError naming what is wrong."""
    if isinstance(value, dict):
        value = value.get("composite") if value.get("composite") is not None else value.get("background")
    if value is None:
        raise ValueError("no image: draw on the canvas or upload an image first")
    array = np.asarray(value)
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or array.shape[-1] not in (1, 3, 4) or min(array.shape[:2]) < 8:
        raise ValueError(f"expected an image of at least 8x8 pixels with 1, 3 or 4 channels, got shape {array.shape}")
    if array.dtype != np.uint8:
        array = np.clip(array, 0, 255).astype(np.uint8)
    if array.shape[-1] == 1:
        array = np.repeat(array, 3, axis=-1)
    if array.shape[-1] == 3:
        array = np.concatenate([array, np.full(array.shape[:2] + (1,), 255, np.uint8)], axis=-1)
    return array


def _resize(array, size, resample=Image.BOX):
    return np.asarray(Image.fromarray(array).resize((size[1], size[0]), resample))


def on_white(rgba):
    """RGBA -> RGB composited over white (an empty sketchpad is transparent: white paper)."""
    alpha = rgba[..., 3:4].astype(np.float32) / 255.0
    return np.round(rgba[..., :3] * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)


def to_model_image(rgba, shape):
    """A page image as the model's input: uint8 ``shape`` (area-resized, grey or RGB over white)."""
    rgb = _resize(on_white(rgba), shape[:2])
    if shape[-1] == 1:
        rgb = np.round(rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)).astype(np.uint8)[..., None]
    return rgb


def painted(rgba, shape):
    """``(colours uint8 [H, W, 4], mask [H, W])`` of what was painted on a transparent layer, at the model's size:
    a model pixel is painted when at least half of its canvas pixels are."""
    alpha = _resize(rgba[..., 3], shape[:2]).astype(np.float32) / 255.0
    colours = _resize(rgba, shape[:2])
    return colours, (alpha >= 0.5).astype(np.float32)


class Studio:
    """The models of a studio session (``{name: model}``) and one handler per tab."""

    def __init__(self, models):
        if not models:
            raise ValueError("the studio needs at least one model (a .keras file, a preset:NAME)")
        self.models = dict(models)
        self.kinds = {name: _kind(model) for name, model in self.models.items()}
        unusable = [name for name, kind in self.kinds.items() if kind is None]
        if unusable:
            raise ValueError(f"the studio has no tab for {', '.join(unusable)} (conditional or other models); "
                             f"its tabs take: {'; '.join(TAB_NEEDS.values())}")

    def names(self, kind):
        """The session's models of ``kind``; translation models with one direction (Pix2Pix: sketch -> colour)
        first."""
        found = [name for name, k in self.kinds.items() if k == kind]
        return sorted(found, key=lambda n: len(getattr(self.models[n], "directions", ()))) if kind == "translate" \
            else found

    def model(self, name, kind, tab, gradients=False):
        """The session's model ``name`` for ``tab``, or a ValueError saying why not (``gradients``: the tab
        optimises a latent through the generator, which an exported SavedModel cannot)."""
        if not name:
            raise ValueError(f"{tab}: choose a model ({TAB_NEEDS[tab]}); this session has "
                             f"{', '.join(self.names(kind)) or 'none'}")
        if name not in self.models:
            raise ValueError(f"{tab}: no model {name!r} in this session")
        if self.kinds[name] != kind:
            raise ValueError(f"{tab}: {name} is a {type(self.models[name]).__name__}; this tab needs {TAB_NEEDS[tab]}")
        if gradients and getattr(self.models[name], "no_gradients", None):
            raise ValueError(f"{tab}: {self.models[name].no_gradients}")
        return self.models[name]

    # --- Sketch -> colour ---------------------------------------------------------------------------------
    def colour(self, drawing, model_name, direction="AtoB"):
        """The drawing (dark lines on white, any size) translated by the model: ``(input as the model sees it,
        output)``, both scaled for display."""
        model = self.model(model_name, "translate", "sketch")
        if drawing is None or (isinstance(drawing, dict) and drawing.get("composite") is None
                               and drawing.get("background") is None):
            return None, None  # an untouched canvas: nothing to colour yet
        rgba = canvas_image(drawing)
        if direction not in ("AtoB", "BtoA"):
            raise ValueError(f"sketch: the direction is AtoB or BtoA, got {direction!r}")
        directions = getattr(model, "directions", ("AtoB",))
        direction = direction if direction in directions else "AtoB"  # (a paired model has AtoB only)
        # the training size and the direction's input channels (ImageTranslationModel's attributes)
        shape = (model.image_size, model.image_size, model.channels_for(direction)[0])
        x = to_model_image(rgba, shape)
        y = model.translate(x, direction)
        return display(x), display(y)

    # --- Explore ------------------------------------------------------------------------------------------
    def sample(self, model_name, seed, num=16, truncation=1.0):
        model = self.model(model_name, "generate", "explore")
        num, seed = _int(num, "number of images", 1, 64), _int(seed, "seed", 0, 2**31 - 1)
        kwargs = {}
        if float(truncation) != 1.0:
            if not callable(getattr(model, "check_truncation", None)):
                raise ValueError(f"explore: {type(model).__name__} has no truncation trick (StyleGAN has); "
                                 "leave truncation at 1")
            kwargs["truncation_psi"] = float(truncation)
        images = model.generate(num, seed=seed, **kwargs)
        return display(make_grid(images), size=4 * DISPLAY)

    def walk(self, model_name, seed, steps=8, rows=4):
        model = self.model(model_name, "generate", "explore")
        steps, seed, rows = _int(steps, "steps", 2, 32), _int(seed, "seed", 0, 2**31 - 1), _int(rows, "rows", 1, 8)
        walk = getattr(model, "walk_images", None) or (lambda *args: latent.walk(model, *args))  # (a SavedModel's own)
        images = walk(steps, seed, rows)
        return display(latent.walk_grid(images), size=4 * DISPLAY)

    def style_mix(self, model_name, seed_a, seed_b, crossover):
        model = self.model(model_name, "generate", "explore")
        if not callable(getattr(model, "mix", None)):
            raise ValueError(f"explore: {type(model).__name__} has no style mixing (StyleGAN has)")
        crossover = _int(crossover, "crossover layer", 1, model.num_ws - 1)
        a, b = _int(seed_a, "seed A", 0, 2**31 - 1), _int(seed_b, "seed B", 0, 2**31 - 1)
        images = np.concatenate([model.generate(1, seed=a), model.generate(1, seed=b), model.mix(a, b, crossover)])
        return display(make_grid(images, cols=3), size=3 * DISPLAY)

    # --- Edit (iGAN) --------------------------------------------------------------------------------------
    def start_image(self, model_name, seed):
        """The image an edit starts from (seed ``seed``), scaled for display."""
        model = self.model(model_name, "generate", "edit")
        return display(model.generate(1, seed=_int(seed, "seed", 0, 2**31 - 1))[0])

    def edit(self, model_name, seed, strokes, meaning="colour", iterations=150):
        """Strokes painted over the start image (an editor value: its layers, or an RGBA image whose opaque pixels
        are the strokes) -> ``(edited image, morph grid)``, scaled for display."""
        model = self.model(model_name, "generate", "edit", gradients=True)
        if meaning not in ("colour", "sketch"):
            raise ValueError(f"edit: strokes are 'colour' or 'sketch', got {meaning!r}")
        layer = _strokes_layer(strokes)
        colours, mask = painted(layer, model.image_shape)
        if not mask.any():
            raise ValueError("edit: paint at least one stroke on the image first")
        colour_args = dict(colors=colours[None, ..., :3], color_mask=mask)  # (RGB becomes luma for grey models)
        args = colour_args if meaning == "colour" else dict(sketch_mask=mask)
        result = latent.manipulate(model, seed=_int(seed, "seed", 0, 2**31 - 1), num=1,
                                   iterations=_int(iterations, "iterations", 1, 2000), frames=6, **args)
        morph = make_grid(to_uint8(result.morph[0]), cols=result.morph.shape[1])
        return display(result.images[0]), display(morph, size=6 * DISPLAY // 2)

    # --- Inpaint ------------------------------------------------------------------------------------------
    def inpaint(self, model_name, canvas, iterations=300):
        """An editor value: its background (the image, the model's size or larger: it is resized) and its layers
        (painted where the image should be filled) -> ``(what the model keeps, filled image)``, scaled for display."""
        model = self.model(model_name, "generate", "inpaint", gradients=True)
        shape = model.image_shape
        if not isinstance(canvas, dict) or canvas.get("background") is None:
            raise ValueError("inpaint: generate or upload an image first")
        picture = to_model_image(canvas_image(canvas["background"]), shape)
        layers = [layer for layer in canvas.get("layers") or [] if layer is not None]
        hole = painted(_strokes_layer({"layers": layers}), shape)[1] if layers else np.zeros(shape[:2])
        if not hole.any():
            raise ValueError("inpaint: brush over the part of the image to fill first")
        if hole.all():
            raise ValueError("inpaint: the whole image is erased; leave some of it for the model to match")
        mask = np.broadcast_to((1.0 - hole)[None, ..., None], (1, *shape)).astype(np.float32)
        result = latent.inpaint(model, picture[None], mask, iterations=_int(iterations, "iterations", 1, 5000),
                                perceptual_weight=0.1 if _logit_discriminator(model) else 0.0)
        kept = np.where(mask[0] > 0, picture, 0).astype(np.uint8)
        return display(kept), display(result.filled[0])

    # --- Style (AdaIN) ------------------------------------------------------------------------------------
    def style(self, model_name, content, style, alpha=1.0, second_style=None, second_weight=0.0,
              preserve_color=False, mask=None):
        model = self.model(model_name, "style", "style")
        if content is None or style is None:
            raise ValueError("style: give a content image and a style image")
        content, first = on_white(canvas_image(content)), on_white(canvas_image(style))
        if not 0.0 <= float(alpha) <= 1.0:
            raise ValueError(f"style: alpha must be in [0, 1], got {alpha}")
        styles, weights = [first], None
        if second_style is not None:
            if not 0.0 <= float(second_weight) <= 1.0:
                raise ValueError(f"style: the second style's weight must be in [0, 1], got {second_weight}")
            styles.append(on_white(canvas_image(second_style)))
            weights = [1.0 - float(second_weight), float(second_weight)]
        region = None
        if mask is not None:  # dark where the second style goes, light where the first does
            if second_style is None:
                raise ValueError("style: a region mask needs a second style (the mask says where each one goes)")
            grey = on_white(canvas_image(mask)).mean(axis=-1).astype(np.uint8)
            region = (_resize(grey, content.shape[:2], Image.NEAREST) < 128).astype(np.int32)
            weights = None
        out = model.stylize(content, styles if len(styles) > 1 else styles[0], alpha=float(alpha),
                            style_weights=weights, preserve_color=bool(preserve_color), mask=region)
        return np.asarray(out[0] if np.ndim(out) == 4 else out)


def _logit_discriminator(model):
    """Whether inpainting's perceptual loss (Yeh et al.: the discriminator's logit, weight 0.1) applies."""
    try:
        latent.check_model(model, need_discriminator=True)
    except ValueError:
        return False
    return getattr(model, "discriminator_logits", True)


def _int(value, what, low, high):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a whole number, got {value!r}") from None
    if number != float(value) or not low <= number <= high:
        raise ValueError(f"{what} must be a whole number in [{low}, {high}], got {value!r}")
    return number


def _strokes_layer(value):
    """The painted strokes of an editor value (its layers merged), or an RGBA image (opaque where painted)."""
    if isinstance(value, dict):
        layers = [np.asarray(layer) for layer in value.get("layers") or [] if layer is not None]
        if layers:
            merged = canvas_image(layers[0]).copy()
            for layer in layers[1:]:
                layer = canvas_image(layer)
                on = layer[..., 3] > 0
                merged[on] = layer[on]
            return merged
        value = value.get("composite")
    if value is None:
        raise ValueError("no strokes: paint on the image first")
    array = np.asarray(value)
    if array.ndim != 3 or array.shape[-1] != 4:
        raise ValueError(f"strokes must be an RGBA layer (transparent where nothing is painted), got shape "
                         f"{array.shape}")
    return canvas_image(array)

