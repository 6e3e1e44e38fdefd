"""Exponential moving average of the generator's weights (generator EMA).

Karras et al. 2018 ("Progressive Growing of GANs", Section 4 footnote / Appendix A.1: a moving average of the
generator with decay 0.999) and Yazıcı et al. 2019 ("The Unusual Effectiveness of Averaging in GAN Training")
sample from ``θ_ema ← β·θ_ema + (1 - β)·θ`` after every generator step instead of the raw weights. The ramp-up is
Karras et al. 2020's (``stylegan2-ada-pytorch/training/training_loop.py``: ``ema_nimg = min(ema_nimg, cur_nimg *
ema_rampup)``, ``ema_beta = 0.5 ** (batch_size / ema_nimg)``, ``ema_rampup=0.05`` in the paper's configurations),
written here in steps: a decay ``d`` has a half-life of ``h = ln 0.5 / ln d`` generator steps; with ramp-up ``r``
the half-life at step ``t`` is ``min(h, r·t)`` and ``β_t = 0.5 ** (1 / that)`` (0 at the first step: a copy).
The horizon can instead be given in images, as the StyleGAN papers do (``ema_kimg``: the half-life in thousands of
images, 10 in StyleGAN/StyleGAN2 config F, ``G_smoothing_kimg``/``ema_kimg``): ``h = 1000·ema_kimg / B`` steps for
a global batch of ``B`` images, which keeps the horizon in images whatever the batch and the number of replicas.

Batch-norm statistics are the averaged network's own. stylegan2-ada-pytorch copies the raw network's buffers
(its generator has no batch norm); with a batch-normalized generator (DCGAN) those statistics belong to other
weights, and the average then samples worse than the raw generator (FID 8.58 against 6.86 with batch statistics,
``scripts/benchmarks/results/toolbox_small_data.md``). So after each update the shadow is run in training mode on
the same step's inputs and its batch-norm layers keep moving averages of *its* activations, the per-step form of
the "standing statistics" of Brock et al. 2019 (BigGAN) / PyTorch-StudioGAN. Other non-trainable variables (and
the statistics of a network given no inputs) are copied.

The shadow networks are clones of the generator networks held by the model, so ``.keras`` files save and restore
them with the other weights; the update is made once in cross-replica context (``merge_call``), so it is the
same on 1 and N replicas.
"""

import math

import keras
import tensorflow as tf
from keras import ops


def _positive(name, value, hint):
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a positive number or None, got {value!r}") from None
    if not value > 0.0:  # also refuses NaN
        raise ValueError(f"{name} must be > 0 ({hint}), got {value!r}")
    return value


def check_decay(ema_decay, ema_rampup=None, ema_kimg=None):
    """``(ema_decay, ema_rampup, ema_kimg)`` as floats (or ``None``), or a ValueError naming the bad one. The
    average is on when ``ema_decay`` (per generator step) or ``ema_kimg`` (half-life in thousands of images) is
    set, never both."""
    if ema_decay is not None:
        try:
            ema_decay = float(ema_decay)
        except (TypeError, ValueError):
            raise ValueError(f"ema_decay must be a number in (0, 1) or None, got {ema_decay!r}") from None
        if not 0.0 < ema_decay < 1.0:
            raise ValueError(f"ema_decay must be in (0, 1) (e.g. 0.999), got {ema_decay!r}")
    if ema_kimg is not None:
        ema_kimg = _positive("ema_kimg", ema_kimg, "the half-life in thousands of images; StyleGAN2: 10")
        if ema_decay is not None:
            raise ValueError(f"ema_decay={ema_decay!r} and ema_kimg={ema_kimg!r} are two ways to set the EMA's "
                             "horizon (per generator step, in thousands of images): give one, the other None")
    if ema_rampup is not None:
        ema_rampup = _positive("ema_rampup", ema_rampup, "Karras et al. 2020 use 0.05")
        if ema_decay is None and ema_kimg is None:
            raise ValueError("ema_rampup needs ema_decay or ema_kimg (the moving average is off without them)")
    return ema_decay, ema_rampup, ema_kimg


def enabled(ema_decay, ema_kimg):
    """Whether these settings keep a moving average."""
    return ema_decay is not None or ema_kimg is not None


def half_life(decay):
    """Generator steps after which the weight of a step has halved: ``ln 0.5 / ln decay``."""
    return math.log(0.5) / math.log(decay)


def ema_beta(decay, rampup, step, kimg=None, batch_size=None):
    """β at generator step ``step`` (1 for the first update): ``decay``, or ``0.5 ** (1 / h)`` for a half-life of
    ``h = 1000 · kimg / batch_size`` steps (``batch_size``: the global batch); with ramp-up
    ``0.5 ** (1 / min(h, rampup · step))``."""
    if decay is not None and rampup is None:
        return ops.convert_to_tensor(decay, "float32")
    if decay is not None:
        steps = ops.convert_to_tensor(half_life(decay), "float32")
    else:
        steps = 1000.0 * kimg / ops.cast(batch_size, "float32")
    if rampup is not None:
        steps = ops.minimum(steps, rampup * ops.cast(step, "float32"))
    return ops.where(steps > 0.0, ops.power(0.5, 1.0 / ops.maximum(steps, 1e-8)), 0.0)


def shadow_of(network):
    """A clone of ``network`` holding a copy of its weights, for the moving average (not trainable)."""
    shadow = keras.models.clone_model(network)
    shadow.set_weights(network.get_weights())
    shadow.trainable = False
    return shadow


def _pairs(shadows, networks):
    pairs = []
    for shadow, network in zip(shadows, networks):
        trainable = {id(v) for v in network.trainable_variables}
        for target, source in zip(shadow.variables, network.variables):
            pairs.append((target, source, id(source) in trainable))
    return pairs


def _statistics(network):
    """Ids of ``network``'s batch-norm moving statistics."""
    return {id(v) for layer in network._flatten_layers() if isinstance(layer, keras.layers.BatchNormalization)
            for v in (layer.moving_mean, layer.moving_variance)}


def refresh_statistics(shadow, inputs):
    """Run ``shadow`` in training mode on ``inputs`` (output discarded) so that its batch-norm layers update their
    moving statistics from the averaged weights' own activations (Keras runs a non-trainable batch norm in inference
    mode, hence the temporary ``trainable``)."""
    shadow.trainable = True
    try:
        shadow(inputs, training=True)
    finally:
        shadow.trainable = False


def update(shadows, networks, beta, inputs=None):
    """``shadow ← β·shadow + (1 - β)·network`` for the trainable variables; batch-norm statistics refreshed from
    ``inputs`` (one entry per network: that step's inputs, or ``None``), copies for everything else.

    Called in a ``train_step`` (replica context): the new values are computed on every replica (they are equal,
    since the networks are mirrored) and assigned once per variable through the strategy, as an optimizer does.
    """
    inputs = list(inputs or []) + [None] * (len(shadows) - len(inputs or []))
    own = set()  # shadow statistics that refresh_statistics updates: not copied
    for shadow, network_inputs in zip(shadows, inputs):
        if network_inputs is not None:
            own |= _statistics(shadow)
    pairs = [pair for pair in _pairs(shadows, networks) if id(pair[0]) not in own]
    beta = ops.cast(beta, "float32")
    values = []
    for target, source, averaged in pairs:
        value = ops.cast(source, "float32")
        if averaged:
            value = value + beta * (ops.cast(target, "float32") - value)
        values.append(ops.cast(value, target.dtype))
    targets = [target for target, _, _ in pairs]

    def assign(strategy, values):
        for target, value in zip(targets, values):
            strategy.extended.update(target.value, lambda var, v: var.assign(v), args=(value,), group=False)

    context = tf.distribute.get_replica_context()
    if context is None:  # cross-replica context (e.g. eager, outside strategy.run)
        assign(tf.distribute.get_strategy(), values)
    else:
        context.merge_call(assign, args=(values,))
    for shadow, network_inputs in zip(shadows, inputs):
        if network_inputs is not None and _statistics(shadow):
            refresh_statistics(shadow, network_inputs)
