"""Latent walks: linear and spherical interpolation, label interpolation for conditional
generators, rendered as an image grid and an animated GIF.

Smooth walks are DCGAN's evidence that the generator has not memorised (Radford et al. 2015,
Section 6.1). Spherical interpolation follows White 2016 ("Sampling Generative Networks"): for
a Gaussian prior it stays where the prior puts its mass, while a straight line between two
samples passes through the low-norm middle.
"""

import os

import keras
import numpy as np
import tensorflow as tf

from keras_gans import files
from keras_gans.serving.images import make_grid
from keras_gans.core.images import to_uint8
from keras_gans.latent import common

METHODS = ("slerp", "lerp")


def _weights(steps):
    if int(steps) != steps or steps < 2:
        raise ValueError(f"interpolation needs steps >= 2 (the two endpoints), got {steps!r}")
    return np.linspace(0.0, 1.0, int(steps), dtype=np.float32)


def _endpoints(a, b):
    a, b = np.asarray(a, np.float32), np.asarray(b, np.float32)
    if a.shape != b.shape:
        raise ValueError(f"endpoints must have the same shape, got {a.shape} and {b.shape}")
    return a, b


def lerp(a, b, steps):
    """``steps`` points from ``a`` to ``b`` on the straight line: ``[steps, *a.shape]``.

    The first is exactly ``a`` and the last exactly ``b``."""
    a, b = _endpoints(a, b)
    t = _weights(steps).reshape((-1,) + (1,) * a.ndim)
    return (1.0 - t) * a + t * b


def slerp(a, b, steps, epsilon=1e-6):
    """``steps`` points from ``a`` to ``b`` along the great circle (White 2016):
    ``sin((1-t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b`` with ``Ω`` the angle between them, over the
    last axis (a batch of pairs interpolates pair by pair). When ``|a| = |b|`` every point has
    that norm. (Anti)parallel pairs (``sin Ω < epsilon``) fall back to ``lerp``."""
    a, b = _endpoints(a, b)
    t = _weights(steps).reshape((-1,) + (1,) * a.ndim)
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    na, nb = np.linalg.norm(a64, axis=-1, keepdims=True), np.linalg.norm(b64, axis=-1, keepdims=True)
    cos = np.clip(np.sum(a64 * b64, axis=-1, keepdims=True) / np.maximum(na * nb, 1e-30), -1.0, 1.0)
    omega = np.arccos(cos)
    sin = np.sin(omega)
    safe = np.where(sin < epsilon, 1.0, sin)
    wa = np.where(sin < epsilon, 1.0 - t, np.sin((1.0 - t) * omega) / safe)
    wb = np.where(sin < epsilon, t, np.sin(t * omega) / safe)
    out = (wa * a64 + wb * b64).astype(np.float32)
    out[0], out[-1] = a, b  # exact endpoints, whatever the rounding of sin(Ω)/sin(Ω)
    return out


def interpolate(a, b, steps, method="slerp"):
    if method == "slerp":
        return slerp(a, b, steps)
    if method == "lerp":
        return lerp(a, b, steps)
    raise ValueError(f"method must be one of {METHODS}, got {method!r}")


def walk_path(a, b, steps, method="slerp"):
    """``[rows * steps, D]`` row-major: row ``i`` goes from ``a[i]`` to ``b[i]`` in ``steps`` (``a``, ``b``:
    ``[rows, D]``), the order of :func:`walk`'s images."""
    return np.transpose(interpolate(a, b, steps, method), (1, 0, 2)).reshape(-1, np.shape(a)[-1])


def soft_label_generator(model):
    """The conditional generator with its one-hot label encoding replaced by an input, so it
    takes ``[z, label_weights]`` where ``label_weights`` ``[batch, num_classes]`` may mix classes."""
    generator = model.averaged(model.generator)
    one_hot = [layer for layer in generator.layers if isinstance(layer, keras.layers.CategoryEncoding)]
    if common.num_classes(model) is None or len(one_hot) != 1:
        raise ValueError(f"{type(model).__name__} has no one-hot label input to interpolate")
    return keras.Model([generator.inputs[0], one_hot[0].output], generator.outputs[0])


def interpolate_labels(label_a, label_b, steps, num_classes):
    """``[steps, num_classes]`` label weights going linearly from one-hot ``label_a`` to ``label_b``."""
    for label in (label_a, label_b):
        if int(label) != label or not 0 <= label < num_classes:
            raise ValueError(f"labels must be ints in [0, {num_classes}), got {label!r}")
    eye = np.eye(num_classes, dtype=np.float32)
    return lerp(eye[int(label_a)], eye[int(label_b)], steps)


def walk(model, steps, seed=0, rows=8, method=None, labels=None, batch_size=256, space="z"):
    """A latent walk: ``rows`` pairs of latents from ``seed``, each interpolated in ``steps``.

    Returns images ``[rows, steps, H, W, C]`` in [-1, 1]. ``z_a`` of row ``i`` is image ``i`` of
    ``model.generate(rows, seed)`` (and of ``keras-gans sample --seed``); ``z_b`` comes from
    ``seed + 1``. Conditional models take ``labels``: one class for every image, or a pair
    ``(a, b)`` to walk from class ``a`` to class ``b`` (label weights interpolated linearly
    while ``z`` moves). ``space="w"`` (StyleGAN) walks between the endpoints' ``w = mapping(z)`` in W, where
    ``method`` is ``"lerp"`` (the default there; Karras et al. 2019 measure W's perceptual path length along
    straight lines), and ``"slerp"`` the default in z.
    """
    common.check_model(model)
    common.check_space(model, space)
    if space == "w+":
        raise ValueError("walk between seeds in z or w: their w+ is w repeated for every layer")
    method = method or ("slerp" if space == "z" else "lerp")
    if int(rows) != rows or rows < 1:
        raise ValueError(f"rows must be a positive integer, got {rows!r}")
    _weights(steps)  # checks steps
    za, zb = common.latents_for_seed(model, rows, seed), common.latents_for_seed(model, rows, seed + 1)
    if space == "w":
        if labels is not None:
            raise ValueError(f"{type(model).__name__} is not conditional: it takes no labels")
        wa, wb = (np.asarray(model.map(z)[:, 0]) for z in (za, zb))
        w = walk_path(wa, wb, steps, method)
        out = [common.generate(model, tf.constant(w[i:i + batch_size]), space="w").numpy()
               for i in range(0, len(w), batch_size)]
        return np.concatenate(out).reshape(rows, steps, *common.image_shape(model))
    z = walk_path(za, zb, steps, method)
    n_classes = common.num_classes(model)
    if n_classes is None:
        if labels is not None:
            raise ValueError(f"{type(model).__name__} is not conditional: it takes no labels")
        run = lambda zb_, lb_: common.generate(model, zb_)  # noqa: E731
        label_weights = np.zeros((len(z), 1), np.float32)
    else:
        if labels is None:
            raise ValueError(f"{type(model).__name__} is conditional: pass labels (one class or a pair)")
        pair = list(labels) if np.ndim(labels) else [labels, labels]
        if len(pair) != 2:
            raise ValueError(f"labels must be one class or a pair (a, b), got {labels!r}")
        label_weights = np.tile(interpolate_labels(pair[0], pair[1], steps, n_classes), (rows, 1))
        soft = soft_label_generator(model)
        run = lambda zb_, lb_: soft([zb_, lb_], training=False)  # noqa: E731
    out = [run(tf.constant(z[i:i + batch_size]), tf.constant(label_weights[i:i + batch_size])).numpy()
           for i in range(0, len(z), batch_size)]
    return np.concatenate(out).reshape(rows, steps, *common.image_shape(model))


def walk_grid(images):
    """``[rows, steps, H, W, C]`` -> one uint8 grid, a walk per row."""
    rows, steps = images.shape[:2]
    return make_grid(images.reshape(rows * steps, *images.shape[2:]), cols=steps)


def save_gif(images, path, duration_ms=100, boomerang=True):
    """An animated GIF of a walk ``[rows, steps, H, W, C]``: frame ``t`` shows every row's step
    ``t`` as a grid; ``boomerang`` plays it forwards then backwards. Written atomically."""
    from PIL import Image

    images = np.asarray(images)
    if images.ndim != 5:
        raise ValueError(f"save_gif needs a walk [rows, steps, H, W, C], got shape {images.shape}")
    order = list(range(images.shape[1]))
    if boomerang and len(order) > 2:
        order += order[-2:0:-1]
    frames = []
    for t in order:
        grid = make_grid(to_uint8(images[:, t]) if images.dtype != np.uint8 else images[:, t])
        frames.append(Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid))
    os.makedirs(os.path.dirname(os.path.abspath(path)) or ".", exist_ok=True)
    with files.atomic_path(path) as tmp:
        frames[0].save(tmp, format="GIF", save_all=True, append_images=frames[1:], duration=duration_ms, loop=0)
    return path
