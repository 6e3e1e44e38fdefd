"""Adaptive discriminator augmentation (ADA).

Karras, Aittala, Hellsten, Laine, Lehtinen, Aila, "Training Generative Adversarial Networks with Limited
Data", NeurIPS 2020. Reference implementation: NVlabs/stylegan2-ada-pytorch, ``training/augment.py``
(``AugmentPipe``), the p controller in ``training/training_loop.py`` (``ada_target``, ``ada_interval``,
``ada_kimg``) and the ``Loss/signs/real`` statistic reported in ``training/loss.py``.
"""

import math

import keras
import numpy as np
import tensorflow as tf

from keras_gans.core.distribution import draw_for_global_batch

# === The reference's constants (AugmentPipe defaults; every probability multiplier is 1) ===
XINT_MAX = 0.125  # integer translation range, relative to the image size
SCALE_STD = 0.2  # log2 std of isotropic scaling (lognormal with std 0.2 ln 2)
ROTATE_MAX = 1.0  # range of arbitrary rotation, 1 = full circle
ANISO_STD = 0.2  # log2 std of anisotropic scaling
XFRAC_STD = 0.125  # std of fractional translation, relative to the image size
BRIGHTNESS_STD = 0.2
CONTRAST_STD = 0.5  # log2 std
HUE_MAX = 1.0  # range of hue rotation, 1 = full circle
SATURATION_STD = 1.0  # log2 std

#: the transforms each letter of ``pipeline`` turns on, in the reference's order of application
GROUPS = {
    "b": ("xflip", "rotate90", "xint"),  # pixel blitting
    "g": ("scale", "rotate", "aniso", "xfrac"),  # general geometric transformations
    "c": ("brightness", "contrast", "lumaflip", "hue", "saturation"),  # colour transformations
}
_GEOMETRIC = GROUPS["b"] + GROUPS["g"]

# Column layout of the per-sample random draws: every call draws all of them, whichever transforms are
# enabled, so the seed stream does not depend on the configuration.
_UNIFORM = (
    "xflip", "xflip_gate", "rotate90", "rotate90_gate", "xint_x", "xint_y", "xint_gate", "scale_gate",
    "prerot", "prerot_gate", "aniso_gate", "postrot", "postrot_gate", "xfrac_gate", "brightness_gate",
    "contrast_gate", "lumaflip", "lumaflip_gate", "hue", "hue_gate", "saturation_gate",
)
_NORMAL = ("scale", "aniso", "xfrac_x", "xfrac_y", "brightness", "contrast", "saturation")
_ANGLES = (("prerot", ROTATE_MAX), ("postrot", ROTATE_MAX), ("hue", HUE_MAX))  # theta = (2u - 1) pi max
_LOG2_STD = (("scale", SCALE_STD), ("aniso", ANISO_STD), ("contrast", CONTRAST_STD),
             ("saturation", SATURATION_STD))  # factor = 2 ** (z std)
_COLUMNS = (_UNIFORM + tuple("n_" + name for name in _NORMAL) + tuple("cos_" + name for name, _ in _ANGLES)
            + tuple("sin_" + name for name, _ in _ANGLES) + tuple("exp2_" + name for name, _ in _LOG2_STD)
            + tuple("inv_exp2_" + name for name, _ in _LOG2_STD))


def _matrix(rows, batch):
    """A ``[batch, n, n]`` matrix from rows of per-sample ``[batch]`` tensors or Python numbers."""
    def entry(e):
        return e if isinstance(e, tf.Tensor) else tf.fill([batch], tf.constant(e, tf.float32))
    return tf.stack([tf.stack([entry(e) for e in row], axis=-1) for row in rows], axis=-2)


def _matmul(a, b):
    """Batched product of small matrices written elementwise: each sample's result is computed the same
    way whatever the batch size (so N replicas reproduce one device bit for bit)."""
    return tf.reduce_sum(a[..., :, :, None] * b[..., None, :, :], axis=-2)


def _identity(n, batch):
    return tf.tile(tf.eye(n, dtype=tf.float32)[None], [batch, 1, 1])


def _reflect(index, size):
    """Reflect integer pixel indices into ``[0, size)`` like ``reflect`` padding (edge not repeated),
    for any distance outside the image. Only non-negative operands reach ``floormod``."""
    if size == 1:
        return tf.zeros_like(index)
    period = 2 * (size - 1)
    folded = tf.math.floormod(tf.abs(index), period)
    return (size - 1) - tf.abs(folded - (size - 1))


def _resample(images, g_inv):
    """Bilinear resampling of ``images`` ``[B, H, W, C]`` through the per-sample inverse transforms
    ``g_inv`` ``[B, 3, 3]`` (output pixel -> input pixel, in pixel units about the image centre), with
    reflect padding. Built from gathers, so its gradient is the exact adjoint of the resampling."""
    height, width, channels = images.shape[1], images.shape[2], images.shape[3]
    cx, cy = (width - 1) / 2, (height - 1) / 2
    ys, xs = np.meshgrid(np.arange(height, dtype="float32") - cy, np.arange(width, dtype="float32") - cx,
                         indexing="ij")
    xs, ys = tf.constant(xs.reshape(1, -1)), tf.constant(ys.reshape(1, -1))  # [1, H*W]

    def row(r):
        return g_inv[:, r, 0:1] * xs + g_inv[:, r, 1:2] * ys + g_inv[:, r, 2:3]  # [B, H*W]

    px, py = row(0) + cx, row(1) + cy
    x0, y0 = tf.floor(px), tf.floor(py)
    fx, fy = (px - x0)[..., None], (py - y0)[..., None]
    x0, y0 = tf.cast(x0, tf.int32), tf.cast(y0, tf.int32)
    xa, xb = _reflect(x0, width), _reflect(x0 + 1, width)
    ya, yb = _reflect(y0, height), _reflect(y0 + 1, height)
    flat = tf.reshape(images, [-1, height * width, channels])

    def at(y, x):
        return tf.gather(flat, y * width + x, batch_dims=1)  # [B, H*W, C]

    top = at(ya, xa) * (1 - fx) + at(ya, xb) * fx
    bottom = at(yb, xa) * (1 - fx) + at(yb, xb) * fx
    return tf.reshape(top * (1 - fy) + bottom * fy, [-1, height, width, channels])


def _rotate2d(cos, sin, batch):
    return _matrix([[cos, -sin, 0.0], [sin, cos, 0.0], [0.0, 0.0, 1.0]], batch)


def _diag3(sx, sy, batch):
    return _matrix([[sx, 0.0, 0.0], [0.0, sy, 0.0], [0.0, 0.0, 1.0]], batch)


def _translate2d(tx, ty, batch):
    return _matrix([[1.0, 0.0, tx], [0.0, 1.0, ty], [0.0, 0.0, 1.0]], batch)


def _luma_projection():
    v = np.ones(3) / np.sqrt(3)
    vv = np.zeros((4, 4))
    vv[:3, :3] = np.outer(v, v)
    return tf.constant(vv, tf.float32)


def _rotate_about_luma(c, s, batch):
    """Rotation of RGB by the angle with cosine ``c`` and sine ``s`` about the luma axis
    ``(1, 1, 1) / sqrt(3)`` (the reference's ``rotate3d``)."""
    vx = vy = vz = 1 / math.sqrt(3)
    cc = 1 - c
    return _matrix([
        [vx * vx * cc + c, vx * vy * cc - vz * s, vx * vz * cc + vy * s, 0.0],
        [vy * vx * cc + vz * s, vy * vy * cc + c, vy * vz * cc - vx * s, 0.0],
        [vz * vx * cc - vy * s, vz * vy * cc + vx * s, vz * vz * cc + c, 0.0],
        [0.0, 0.0, 0.0, 1.0],
    ], batch)


@keras.saving.register_keras_serializable(package="keras_gans")
class AdaptiveAugment(keras.layers.Layer):
    """Adaptive discriminator augmentation (Karras et al. 2020, "Training Generative Adversarial
    Networks with Limited Data"), the ``bgc`` pipeline of NVlabs/stylegan2-ada-pytorch's ``AugmentPipe``
    with its probability ``p`` steered by the overfitting heuristic r_t = E[sign(D(real))].

    Apply it to *every* image D sees (reals and fakes, in D's and G's steps); after each D step call
    ``observe(real_logits)`` with D's logits of the augmented reals. Every ``interval`` calls,
    ``p <- clip(p + sign(r_t - target) * images / (speed_kimg * 1000), 0, 1)``, where ``images`` is the
    global number of reals observed in the interval (``batch * interval``, as the reference's
    ``training_loop.py``; the reference clamps at 0 only).

    Pipeline (NHWC images in [-1, 1], every transform applied per sample with probability ``p``, the
    reference's multipliers all 1): ``b`` x-flip, 90 degree rotations, integer translation (+-0.125 of
    the size); ``g`` isotropic scaling (log2 std 0.2), pre-rotation and post-rotation each with
    probability ``1 - sqrt(1 - p)``, anisotropic scaling (log2 std 0.2), fractional translation (std
    0.125); ``c`` brightness (std 0.2), contrast (log2 std 0.5), luma flip, hue rotation, saturation (log2
    std 1). Geometric transforms compose into one 3x3 matrix per sample and resample once; colour ones
    into one 4x4 matrix applied to RGB about the luma axis ``(1, 1, 1) / sqrt(3)``.

    Documented deviations from the reference:

    * geometric resampling is **bilinear** with reflect padding of unlimited extent, not the
      reference's 2x upsampling with the sym6 wavelet filter before ``grid_sample`` (so it aliases a
      little more). It is written with gathers, so its gradient w.r.t. the images is the exact adjoint
      (``ImageProjectiveTransformV3``'s registered gradient warps by the inverse transform, which is not
      the adjoint). Blit transforms land on exact pixel centres: they copy pixels exactly.
    * channel counts other than 1 and 3 (the reference raises): every channel gets the 1-channel form
      of the colour matrix (the mean of its RGB rows, as the reference does for grayscale), so
      brightness, contrast and luma flip act on each channel and hue and saturation do nothing.
    * ``p`` is clipped to [0, 1] (the reference clamps at 0 only; probabilities saturate at 1 anyway).

    Randomness comes from the layer's ``seed_generator`` through ``draw_for_global_batch``: N replicas
    augment exactly the samples one device would. ``p`` and the controller's accumulators are
    non-trainable weights (saved with the layer), updated identically on every replica.

    Args:
        target: the r_t the controller aims for (paper: 0.6).
        interval: adjust ``p`` every this many ``observe`` calls (paper: 4 minibatches).
        speed_kimg: thousands of images over which ``p`` can move by 1 (paper: 500).
        initial_p: the starting probability.
        pipeline: letters of ``"bgc"`` (blit, geometric, colour).
        seed: seed of the layer's ``keras.random.SeedGenerator``.

    Call arguments:
        images: ``[batch, H, W, C]`` floating images with static ``H, W, C``; any batch size.
        training: when False the images pass through unchanged. Defaults to True, so calling the layer
            in a ``train_step`` augments.
    """

    def __init__(self, target=0.6, interval=4, speed_kimg=500, initial_p=0.0, pipeline="bgc", seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        # === Validation ===
        if isinstance(target, bool) or not isinstance(target, (int, float)) or not 0 < target < 1:
            raise ValueError(f"AdaptiveAugment: `target` must be a number in (0, 1); got target={target!r}")
        if isinstance(interval, bool) or not isinstance(interval, (int, np.integer)) or interval < 1:
            raise ValueError(f"AdaptiveAugment: `interval` must be a positive integer; got interval={interval!r}")
        if (isinstance(speed_kimg, bool) or not isinstance(speed_kimg, (int, float))
                or not math.isfinite(speed_kimg) or speed_kimg <= 0):
            raise ValueError(f"AdaptiveAugment: `speed_kimg` must be a positive number; got "
                             f"speed_kimg={speed_kimg!r}")
        if isinstance(initial_p, bool) or not isinstance(initial_p, (int, float)) or not 0 <= initial_p <= 1:
            raise ValueError(f"AdaptiveAugment: `initial_p` must be a number in [0, 1]; got "
                             f"initial_p={initial_p!r}")
        if not isinstance(pipeline, str) or not pipeline:
            raise ValueError(f"AdaptiveAugment: `pipeline` must be a non-empty string of the letters 'bgc'; "
                             f"got pipeline={pipeline!r}")
        unknown = sorted(set(pipeline) - set(GROUPS))
        if unknown:
            raise ValueError(f"AdaptiveAugment: `pipeline` has unknown letters {''.join(unknown)!r} "
                             f"(supported: 'b' blit, 'g' geometric, 'c' colour); got pipeline={pipeline!r}")
        if len(set(pipeline)) != len(pipeline):
            raise ValueError(f"AdaptiveAugment: `pipeline` repeats a letter; got pipeline={pipeline!r}")

        # === Config ===
        self.target = float(target)
        self.interval = int(interval)
        self.speed_kimg = float(speed_kimg)
        self.initial_p = float(initial_p)
        self.pipeline = pipeline
        self.seed = seed
        #: the transforms that run (tests restrict it to one transform)
        self._enabled = frozenset(name for letter in pipeline for name in GROUPS[letter])
        # Output dtype = input dtype (computed in float32), not the layer's compute dtype.
        self._convert_input_args = False
        self._allow_non_tensor_positional_args = True  # NumPy images are converted in call

        # === State ===
        self.seed_generator = keras.random.SeedGenerator(seed)
        if self.seed_generator not in self._seed_generators:
            self._seed_generators.append(self.seed_generator)

        def state(name, value, dtype="float32"):
            return self.add_weight(shape=(), dtype=dtype, initializer=keras.initializers.Constant(value),
                                   trainable=False, autocast=False, aggregation="only_first_replica", name=name)

        self.p = state("p", self.initial_p)  # the augmentation probability
        self.sign_sum = state("sign_sum", 0.0)  # sum of per-sample mean sign(D(real)) in this interval
        self.sign_count = state("sign_count", 0.0)  # reals observed in this interval (global)
        self.step = state("step", 0, dtype="int64")  # observe calls so far
        self.built = True

    # === The p controller ===
    def observe(self, real_logits):
        """Accumulate sign(D(real)) of this global batch; every ``interval`` calls adjust ``p``.

        ``real_logits``: D's logits of the augmented reals, ``[batch, ...]`` (patch logits count as their
        mean per sample). Call it in replica context (inside ``train_step``) or without a strategy: the
        sums are all-reduced so every replica updates ``p`` identically. Returns r_t of this batch
        (mean sign, float32) for logging.
        """
        logits = tf.cast(tf.convert_to_tensor(real_logits), tf.float32)
        if logits.shape.rank is None or logits.shape.rank < 1:
            raise ValueError(f"AdaptiveAugment.observe: `real_logits` needs a batch axis; got shape {logits.shape}")
        signs = tf.sign(logits)
        if logits.shape.rank > 1:
            signs = tf.reduce_mean(tf.reshape(signs, [tf.shape(signs)[0], -1]), axis=1)
        batch_sum = tf.reduce_sum(signs)
        batch_count = tf.cast(tf.shape(signs)[0], tf.float32)
        context = tf.distribute.get_replica_context()
        if context is not None and context.num_replicas_in_sync > 1:
            batch_sum, batch_count = context.all_reduce("sum", [batch_sum, batch_count])

        total = tf.convert_to_tensor(self.sign_sum) + batch_sum
        count = tf.convert_to_tensor(self.sign_count) + batch_count
        step = tf.convert_to_tensor(self.step) + 1
        update = tf.equal(step % self.interval, 0)
        r_t = total / tf.maximum(count, 1.0)
        adjust = tf.sign(r_t - self.target) * count / (self.speed_kimg * 1000.0)
        p = tf.convert_to_tensor(self.p)
        self.p.assign(tf.where(update, tf.clip_by_value(p + adjust, 0.0, 1.0), p))
        self.sign_sum.assign(tf.where(update, 0.0, total))
        self.sign_count.assign(tf.where(update, 0.0, count))
        self.step.assign(step)
        return batch_sum / tf.maximum(batch_count, 1.0)

    # === The augmentation pipeline ===
    def call(self, images, training=True):
        images = tf.convert_to_tensor(images)
        if not training:
            return images
        if images.shape.rank != 4 or None in images.shape[1:]:
            raise ValueError(f"AdaptiveAugment expects [batch, H, W, C] images with static H, W, C; "
                             f"got shape {images.shape}")
        dtype = images.dtype
        x = tf.cast(images, tf.float32)
        p = tf.convert_to_tensor(self.p)
        out = tf.cond(p > 0, lambda: self._augment(x, p), lambda: x)
        return tf.cast(out, dtype)

    def _draw(self, batch):
        """This replica's slice of the global batch's random parameters, by name.

        The transcendental functions (cos, sin, exp2 and its inverse) are taken of the *global* draw
        before slicing: Eigen's vectorised cos, pow and reciprocal (grappler turns ``1 / s`` into one)
        round an element differently depending on its position in the tensor, so computing them on the
        slice would change the last bit on N replicas.
        """
        def draw(n):
            u = keras.random.uniform((n, len(_UNIFORM)), seed=self.seed_generator)
            z = keras.random.normal((n, len(_NORMAL)), seed=self.seed_generator)
            angles = tf.stack([(u[:, _UNIFORM.index(name)] * 2 - 1) * np.pi * limit
                               for name, limit in _ANGLES], axis=1)
            log2 = tf.stack([z[:, _NORMAL.index(name)] * std for name, std in _LOG2_STD], axis=1)
            return tf.concat([u, z, tf.cos(angles), tf.sin(angles), tf.pow(2.0, log2), tf.pow(2.0, -log2)], axis=1)

        values = draw_for_global_batch(batch, draw)
        return {name: values[:, i] for i, name in enumerate(_COLUMNS)}

    def _geometric_matrix(self, r, p, batch, height, width):
        """The reference's ``G_inv`` (output pixel -> input pixel, pixels about the centre), ``[B, 3, 3]``."""
        on = self._enabled
        g = _identity(3, batch)
        zero, one = tf.zeros([batch]), tf.ones([batch])

        def gate(name, prob=p):
            return r[name + "_gate"] < prob

        if "xflip" in on:
            i = tf.where(gate("xflip"), tf.floor(r["xflip"] * 2), zero)
            g = _matmul(g, _diag3(1 - 2 * i, 1.0, batch))  # scale2d_inv(1 - 2i, 1)
        if "rotate90" in on:
            k = tf.cast(tf.where(gate("rotate90"), tf.floor(r["rotate90"] * 4), zero), tf.int32)
            cos = tf.gather(tf.constant([1.0, 0.0, -1.0, 0.0]), k)  # exact cos/sin of k * pi / 2
            sin = tf.gather(tf.constant([0.0, 1.0, 0.0, -1.0]), k)
            g = _matmul(g, _rotate2d(cos, sin, batch))  # rotate2d_inv(-pi / 2 * k)
        if "xint" in on:
            keep = gate("xint")
            tx = tf.where(keep, tf.round((r["xint_x"] * 2 - 1) * XINT_MAX * width), zero)
            ty = tf.where(keep, tf.round((r["xint_y"] * 2 - 1) * XINT_MAX * height), zero)
            g = _matmul(g, _translate2d(-tx, -ty, batch))
        if "scale" in on:
            inv = tf.where(gate("scale"), r["inv_exp2_scale"], one)
            g = _matmul(g, _diag3(inv, inv, batch))  # scale2d_inv(s, s)
        p_rot = 1 - tf.sqrt(tf.clip_by_value(1 - p, 0.0, 1.0))  # P(pre or post) = p
        if "rotate" in on:
            keep = gate("prerot", p_rot)
            cos, sin = tf.where(keep, r["cos_prerot"], one), tf.where(keep, r["sin_prerot"], zero)
            g = _matmul(g, _rotate2d(cos, sin, batch))  # rotate2d_inv(-theta)
        if "aniso" in on:
            keep = gate("aniso")
            s, inv = tf.where(keep, r["exp2_aniso"], one), tf.where(keep, r["inv_exp2_aniso"], one)
            g = _matmul(g, _diag3(inv, s, batch))  # scale2d_inv(s, 1 / s)
        if "rotate" in on:
            keep = gate("postrot", p_rot)
            cos, sin = tf.where(keep, r["cos_postrot"], one), tf.where(keep, r["sin_postrot"], zero)
            g = _matmul(g, _rotate2d(cos, sin, batch))
        if "xfrac" in on:
            keep = gate("xfrac")
            tx = tf.where(keep, r["n_xfrac_x"] * XFRAC_STD * width, zero)
            ty = tf.where(keep, r["n_xfrac_y"] * XFRAC_STD * height, zero)
            g = _matmul(g, _translate2d(-tx, -ty, batch))
        return g

    def _color_matrix(self, r, p, batch, channels):
        """The reference's ``C`` (colour in -> colour out, homogeneous RGB), ``[B, 4, 4]``."""
        on = self._enabled
        eye = _identity(4, batch)
        vv = _luma_projection()
        c = eye
        zero, one = tf.zeros([batch]), tf.ones([batch])

        def gate(name):
            return r[name + "_gate"] < p

        if "brightness" in on:
            b = tf.where(gate("brightness"), r["n_brightness"] * BRIGHTNESS_STD, zero)
            c = _matmul(_matrix([[1.0, 0.0, 0.0, b], [0.0, 1.0, 0.0, b], [0.0, 0.0, 1.0, b],
                                 [0.0, 0.0, 0.0, 1.0]], batch), c)
        if "contrast" in on:
            s = tf.where(gate("contrast"), r["exp2_contrast"], one)
            c = _matmul(_matrix([[s, 0.0, 0.0, 0.0], [0.0, s, 0.0, 0.0], [0.0, 0.0, s, 0.0],
                                 [0.0, 0.0, 0.0, 1.0]], batch), c)
        if "lumaflip" in on:
            i = tf.where(gate("lumaflip"), tf.floor(r["lumaflip"] * 2), zero)
            c = _matmul(eye - 2 * vv * i[:, None, None], c)  # Householder reflection
        if "hue" in on and channels == 3:
            keep = gate("hue")
            cos, sin = tf.where(keep, r["cos_hue"], one), tf.where(keep, r["sin_hue"], zero)
            c = _matmul(_rotate_about_luma(cos, sin, batch), c)
        if "saturation" in on and channels == 3:
            s = r["exp2_saturation"][:, None, None]
            saturate = tf.where(gate("saturation")[:, None, None], vv + (eye - vv) * s, eye)
            c = _matmul(saturate, c)
        return c

    def _augment(self, x, p):
        batch = tf.shape(x)[0]
        height, width, channels = x.shape[1], x.shape[2], x.shape[3]
        r = self._draw(batch)
        if self._enabled & set(_GEOMETRIC):
            x = _resample(x, self._geometric_matrix(r, p, batch, height, width))
        if self._enabled & set(GROUPS["c"]):
            c = self._color_matrix(r, p, batch, channels)
            if channels == 3:
                x = tf.reduce_sum(c[:, None, None, :3, :3] * x[..., None, :], axis=-1) + c[:, None, None, :3, 3]
            else:  # the reference's grayscale form: the mean of the RGB rows
                gray = tf.reduce_mean(c[:, :3, :], axis=1)  # [B, 4]
                x = x * tf.reduce_sum(gray[:, :3], axis=1)[:, None, None, None] + gray[:, None, None, None, 3]
        return x

    # === Saving ===
    # Keras does not save SeedGenerator states; the layer does, so a reloaded layer continues the same
    # stream wherever it sits (inside a network or owned directly by a model).
    def save_own_variables(self, store):
        super().save_own_variables(store)
        store["seed_state"] = keras.ops.convert_to_numpy(self.seed_generator.state.value)

    def load_own_variables(self, store):
        super().load_own_variables({k: store[k] for k in store.keys() if k != "seed_state"})
        if "seed_state" in store.keys():
            self.seed_generator.state.assign(store["seed_state"])

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "target": self.target,
            "interval": self.interval,
            "speed_kimg": self.speed_kimg,
            "initial_p": self.initial_p,
            "pipeline": self.pipeline,
            "seed": self.seed,
        })
        return config
