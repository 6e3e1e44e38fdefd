"""Poisson blending (Pérez, Gangnet & Blake 2003, "Poisson Image Editing"), batched in TensorFlow.

Yeh et al. 2016 (eq. 5) blend the generated fill into the known pixels this way: inside the hole
the result keeps the generated image's gradients (its Laplacian), and on the hole's border it
meets the known pixels. Writing the result as ``x = source + d``, the correction ``d`` equals
``target - source`` on known pixels and is harmonic (``Δd = 0``) in the hole, with the image
border as a free (Neumann) boundary. We solve for ``d`` in the hole with conjugate gradients on
the 4-neighbour graph Laplacian, per example and per channel.
"""

import tensorflow as tf


def _neighbour_sum(x):
    """Sum of each pixel's 4 neighbours inside the image (zero outside)."""
    p = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
    return p[:, :-2, 1:-1] + p[:, 2:, 1:-1] + p[:, 1:-1, :-2] + p[:, 1:-1, 2:]


def laplacian(x):
    """The graph Laplacian ``Σ_q (x_p - x_q)`` over each pixel's in-image 4-neighbours."""
    count = _neighbour_sum(tf.ones_like(x[..., :1]))
    return count * x - _neighbour_sum(x)


@tf.function(reduce_retracing=True)
def _conjugate_gradients(target, source, known, iterations):
    hole = 1.0 - known

    def A(v):  # the Laplacian restricted to the hole: symmetric positive definite
        return hole * laplacian(hole * v)

    def dot(a, b):
        return tf.reduce_sum(a * b, axis=[1, 2], keepdims=True)

    boundary = known * (target - source)
    r = -hole * laplacian(boundary)  # b - A(0)
    p, d = r, tf.zeros_like(r)
    rs = dot(r, r)

    def step(i, d, r, p, rs):
        Ap = A(p)
        alpha = tf.math.divide_no_nan(rs, dot(p, Ap))
        d = d + alpha * p
        r = r - alpha * Ap
        rs_new = dot(r, r)
        p = r + tf.math.divide_no_nan(rs_new, rs) * p
        return i + 1, d, r, p, rs_new

    _, d, _, _, _ = tf.while_loop(lambda i, *_: i < iterations, step, (tf.constant(0), d, r, p, rs))
    return d


def poisson_blend(target, source, mask, iterations=None):
    """``target`` on known pixels (``mask`` 1); in the hole, the Poisson solution guided by ``source``.

    Args:
        target: ``[B, H, W, C]`` images whose known pixels are kept exactly.
        source: ``[B, H, W, C]`` images (the generated fill) whose gradients fill the hole.
        mask: ``[B, H, W, 1]`` 1 = known, 0 = hole; every hole must touch a known pixel.
        iterations: conjugate-gradient iterations; default ``2 (H + W)``: with it the largest
            residual of ``Δx = Δsource`` in the hole was below 1e-5 for the centre, half and
            random-pixel masks on 28x28 and 64x64 images (the tests check 1e-4 at 28x28).
    """
    target = tf.convert_to_tensor(target, tf.float32)
    source = tf.convert_to_tensor(source, tf.float32)
    known = tf.convert_to_tensor(mask, tf.float32)
    hole = 1.0 - known
    if iterations is None:
        iterations = 2 * (int(target.shape[1]) + int(target.shape[2]))
    d = _conjugate_gradients(target, source, known, tf.constant(iterations, tf.int32))
    blended = known * target + hole * (source + d)
    return tf.clip_by_value(blended, -1.0, 1.0) * hole + known * target
