"""Vector arithmetic on latent vectors (Radford, Metz & Chintala 2015, Section 6.3).

DCGAN's "smiling woman - neutral woman + neutral man = smiling man": average the ``z`` of a few
samples per concept (single samples are unstable; the paper averages three), add and subtract
the averages, and render the result with small uniform perturbations (±0.25 in the paper) to
show that it is a region, not a lucky point.
"""

import re

import numpy as np
import tensorflow as tf

from keras_gans.serving.images import make_grid
from keras_gans.latent import common


def select(group, labels=None):
    """Indices of a group: a list of sample indices, or ``{"label": k}`` (needs ``labels``)."""
    if isinstance(group, dict):
        if set(group) != {"label"}:
            raise ValueError(f"a group is a list of indices or {{'label': k}}, got {group!r}")
        if labels is None:
            raise ValueError("a group chosen by label needs the samples' labels")
        indices = np.flatnonzero(np.asarray(labels) == group["label"])
        if indices.size == 0:
            raise ValueError(f"no sample has label {group['label']!r}")
        return indices
    indices = np.asarray(group).reshape(-1)
    if indices.size == 0 or not np.issubdtype(indices.dtype, np.integer):
        raise ValueError(f"a group must be a non-empty list of sample indices, got {group!r}")
    return indices


def group_mean(latents, group, labels=None):
    """The mean latent vector of a group of samples."""
    latents = np.asarray(latents, np.float32)
    indices = select(group, labels)
    if indices.min() < 0 or indices.max() >= len(latents):
        raise ValueError(f"sample indices must be in [0, {len(latents)}), got {indices.tolist()}")
    return latents[indices].mean(axis=0)


def combine(latents, terms, labels=None):
    """``Σ coefficient · mean(group)`` over ``terms`` = ``[(coefficient, group), ...]``."""
    if not terms:
        raise ValueError("vector arithmetic needs at least one term")
    return sum(float(c) * group_mean(latents, g, labels) for c, g in terms)


def parse_expression(text):
    """``"0,1,2 - 3,4,5 + 6,7,8"`` (or ``"label=3 - label=5 + ..."``) -> terms for ``combine``."""
    tokens = re.findall(r"([+-]?)\s*([^\s+-][^+-]*)", text.replace(" ", ""))
    if not tokens or "".join(sign + body for sign, body in tokens) != text.replace(" ", ""):
        raise ValueError(f"cannot parse {text!r}: expected groups like '0,1,2 - 3,4,5 + 6,7,8' or 'label=3'")
    terms = []
    for sign, body in tokens:
        coefficient = -1.0 if sign == "-" else 1.0
        if body.startswith("label="):
            group = {"label": int(body[len("label="):])}
        else:
            try:
                group = [int(v) for v in body.split(",") if v != ""]
            except ValueError:
                raise ValueError(f"cannot parse group {body!r} in {text!r}: expected comma-separated indices") from None
        terms.append((coefficient, group))
    return terms


def arithmetic(model, terms, num=64, seed=0, labels=None, result_label=None, variations=8, noise=0.25):
    """Render latent vector arithmetic on ``num`` samples of ``seed``.

    Sample ``i`` is image ``i`` of ``model.generate(num, seed)`` (``keras-gans sample --seed``),
    so groups can be picked from that grid. Conditional models generate sample ``i`` with
    ``labels[i]`` (which groups may also select by) and the result with ``result_label``.

    Returns ``(result, rows)``: ``result`` the combined ``z`` and ``rows`` a list of image rows
    ``[k, H, W, C]`` in [-1, 1]: for each term its samples and their mean's image, then the
    result's image and ``variations`` images of ``result + U(-noise, noise)``.
    """
    common.check_model(model)
    latents = common.latents_for_seed(model, num, seed)
    conditional = common.num_classes(model) is not None
    sample_labels = common.check_labels(model, labels, num) if conditional else labels
    if conditional and result_label is None:
        raise ValueError(f"{type(model).__name__} is conditional: pass result_label")
    result = combine(latents, terms, sample_labels)
    rng = np.random.default_rng(seed)
    perturbed = result + rng.uniform(-noise, noise, (variations, result.shape[-1])).astype(np.float32)

    def render(z, lab):
        z = tf.constant(np.asarray(z, np.float32))
        lab = tf.constant(np.asarray(lab, np.int32)) if conditional else None
        return np.asarray(common.generate(model, z, lab))

    rows = []
    for _, group in terms:
        indices = select(group, sample_labels)
        mean = latents[indices].mean(axis=0, keepdims=True)
        lab = np.concatenate([sample_labels[indices], sample_labels[indices[:1]]]) if conditional else None
        rows.append(render(np.concatenate([latents[indices], mean]), lab))
    final = np.concatenate([result[None], perturbed])
    rows.append(render(final, np.full((len(final),), result_label if conditional else 0)))
    return result, rows


def arithmetic_grid(rows):
    """Image rows (ragged) -> one uint8 grid, one row per term and the result row last."""
    width = max(len(r) for r in rows)
    blank = -np.ones_like(rows[0][:1])  # black in [-1, 1]
    padded = [np.concatenate([r] + [blank] * (width - len(r))) for r in rows]
    return make_grid(np.concatenate(padded), cols=width)
