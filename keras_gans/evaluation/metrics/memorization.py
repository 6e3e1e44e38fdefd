"""Memorisation check: does the generator replay its training images?

For each generated image, the nearest training image in pixel space (L2 on [-1, 1] pixels) and in
feature space (L2 on an extractor's features); the same distances from held-out test images to
the training set are the reference: a generator that copies training images has nearest-neighbour
distances well *below* those of real unseen images. ``memorization_report`` returns summary
statistics of both and saves the closest generated images beside their neighbours as a PNG grid
with the distances written under them.
"""

import numpy as np

from keras_gans.evaluation.metrics.features import as_float_images, check_image_sets, get_extractor


def nearest_neighbours(queries, references, batch_size=1024):
    """``(distances, indices)``: the L2-nearest row of ``references`` for each row of ``queries``."""
    import tensorflow as tf

    q = np.asarray(queries, np.float32).reshape(len(queries), -1)
    r = tf.constant(np.asarray(references, np.float32).reshape(len(references), -1))
    if q.shape[1] != r.shape[1]:
        raise ValueError(f"queries have {q.shape[1]} values each, references {r.shape[1]}")
    r_sq = tf.reduce_sum(tf.square(r), 1)
    dist, idx = [], []
    for start in range(0, len(q), batch_size):
        qb = tf.constant(q[start : start + batch_size])
        d2 = tf.reduce_sum(tf.square(qb), 1, keepdims=True) - 2.0 * tf.matmul(qb, r, transpose_b=True) + r_sq
        best = tf.argmin(d2, axis=1)
        dist.append(np.sqrt(np.maximum(tf.gather(d2, best, batch_dims=1).numpy(), 0.0)))
        idx.append(best.numpy())
    return np.concatenate(dist), np.concatenate(idx)


def _summary(distances):
    return {"mean": float(np.mean(distances)), "median": float(np.median(distances)),
            "min": float(np.min(distances)), "p5": float(np.percentile(distances, 5))}


def memorization_report(generated, train, test, extractor=None, num_show=16, out_png=None, batch_size=200):
    """Nearest-training-image statistics of ``generated`` against those of ``test`` images.

    Returns ``{"pixel": {...}, "feature": {...}}`` where each space holds ``generated`` and
    ``test`` summaries (mean, median, min, 5th percentile of the nearest-neighbour distance),
    ``ratio`` = median(generated) / median(test) (below 1: closer to the training set than real
    unseen images are) and ``copies`` = the fraction of generated images nearer to a training
    image than the 1st percentile of the test images' distances. With ``out_png``, the
    ``num_show`` generated images closest to the training set (pixel space) are saved as rows
    [generated | nearest in pixels | nearest in features] with the distances.
    """
    generated, train = check_image_sets(generated, train, ("generated images", "training images"))
    _, test = check_image_sets(generated, test, ("generated images", "test images"))
    extractor = get_extractor(extractor)
    report, neighbours = {}, {}
    spaces = {
        "pixel": (generated, train, test),
        "feature": tuple(extractor.extract(x, batch_size) for x in (generated, train, test)),
    }
    for space, (g, tr, te) in spaces.items():
        g_dist, g_idx = nearest_neighbours(g, tr)
        t_dist, _ = nearest_neighbours(te, tr)
        neighbours[space] = (g_dist, g_idx)
        report[space] = {
            "generated": _summary(g_dist),
            "test": _summary(t_dist),
            "ratio": float(np.median(g_dist) / max(np.median(t_dist), 1e-12)),
            "copies": float(np.mean(g_dist < np.percentile(t_dist, 1))),
        }
    report["features"] = extractor.name
    report["num_generated"], report["num_train"], report["num_test"] = len(generated), len(train), len(test)
    if out_png is not None:
        save_neighbour_grid(generated, train, neighbours, out_png, num_show)
        report["grid"] = str(out_png)
    return report


def save_neighbour_grid(generated, train, neighbours, path, num_show=16, scale=3):
    """Rows of [generated | nearest training image in pixels | in features], distances underneath."""
    from PIL import Image, ImageDraw

    from keras_gans.serving.images import save_png, to_uint8

    p_dist, p_idx = neighbours["pixel"]
    f_dist, f_idx = neighbours["feature"]
    order = np.argsort(p_dist)[:num_show]
    h, w = generated.shape[1:3]
    cell_h, cell_w, text_h, pad = h * scale, w * scale, 12, 4
    canvas = Image.new("RGB", (3 * (cell_w + pad) + pad, len(order) * (cell_h + text_h + pad) + pad + text_h), "white")
    draw = ImageDraw.Draw(canvas)
    for col, title in enumerate(("generated", "nearest (pixels)", "nearest (features)")):
        draw.text((pad + col * (cell_w + pad), 0), title, fill="black")
    for row, i in enumerate(order):
        y = text_h + pad + row * (cell_h + text_h + pad)
        cells = ((generated[i], ""), (train[p_idx[i]], f"d={p_dist[i]:.2f}"), (train[f_idx[i]], f"d={f_dist[i]:.2f}"))
        for col, (image, label) in enumerate(cells):
            tile = to_uint8(image)
            tile = np.repeat(tile, 3, axis=-1) if tile.shape[-1] == 1 else tile
            x = pad + col * (cell_w + pad)
            canvas.paste(Image.fromarray(tile).resize((cell_w, cell_h), Image.NEAREST), (x, y))
            draw.text((x, y + cell_h), label, fill="black")
    return save_png(np.asarray(canvas), path)


def flatten_report(report):
    """``{"pixel_generated_median": ..., "feature_ratio": ...}``: the report as one flat row."""
    row = {}
    for space in ("pixel", "feature"):
        for who in ("generated", "test"):
            for stat, value in report[space][who].items():
                row[f"{space}_{who}_{stat}"] = value
        row[f"{space}_ratio"] = report[space]["ratio"]
        row[f"{space}_copies"] = report[space]["copies"]
    return row


__all__ = ["as_float_images", "flatten_report", "memorization_report", "nearest_neighbours", "save_neighbour_grid"]
