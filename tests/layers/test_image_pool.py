"""The CycleGAN image pool follows the reference ImagePool.query image by image."""

import numpy as np
import pytest
import tensorflow as tf

from keras_gans.layers import ImagePool
from tests.model_checks import mirrored_strategy


def _images(start, n):
    return tf.constant(np.arange(start, start + n, dtype="float32")[:, None, None, None] * np.ones((1, 2, 2, 1)),
                       tf.float32)


def _ids(images):
    return [int(v) for v in np.asarray(images)[:, 0, 0, 0]]


def test_fills_then_swaps_with_probability_one_half():
    pool = ImagePool(3, (2, 2, 1))
    # filling: the first 3 images are stored and returned as they are (draws ignored)
    out = pool(_images(0, 2), tf.constant([0.9, 0.9]), tf.constant([0, 0]))
    assert _ids(out) == [0, 1] and int(pool.count.numpy()) == 2
    out = pool(_images(2, 2), tf.constant([0.9, 0.9]), tf.constant([1, 0]))
    # image 2 fills slot 2; image 3 finds the pool full, u > 0.5: returns slot 0 (image 0), stores 3 there
    assert _ids(out) == [2, 0]
    assert _ids(pool.images.numpy()) == [3, 1, 2]
    out = pool(_images(4, 2), tf.constant([0.2, 0.7]), tf.constant([2, 2]))
    # u <= 0.5: image 4 returned, pool unchanged; u > 0.5: slot 2 (image 2) returned, 5 stored
    assert _ids(out) == [4, 2]
    assert _ids(pool.images.numpy()) == [3, 1, 5]


def test_pool_size_zero_passes_images_through_and_bad_size():
    pool = ImagePool(0, (2, 2, 1))
    assert _ids(pool(_images(7, 2), tf.constant([0.9, 0.9]), tf.constant([0, 0]))) == [7, 8]
    with pytest.raises(ValueError, match="pool_size"):
        ImagePool(2.5)


def test_two_replicas_see_what_one_device_sees():
    """Each replica gathers the global batch, runs the same query, keeps its slice."""
    uniform = tf.constant([0.9, 0.9, 0.1, 0.8])
    index = tf.constant([0, 1, 0, 1])
    single = ImagePool(2, (2, 2, 1))
    first = _ids(single(_images(0, 4), uniform, index))
    second = _ids(single(_images(4, 4), uniform, index))

    strategy = mirrored_strategy()
    with strategy.scope():
        pool = ImagePool(2, (2, 2, 1))

    def step(start):
        def replica_fn(images, u, i):
            return pool(images, u, i)

        dist = strategy.experimental_distribute_values_from_function(
            lambda ctx: tuple(t[ctx.replica_id_in_sync_group * 2 : ctx.replica_id_in_sync_group * 2 + 2]
                              for t in (_images(start, 4), uniform, index)))
        out = strategy.run(tf.function(replica_fn), args=dist)
        return sum((_ids(v) for v in strategy.experimental_local_results(out)), [])

    assert step(0) == first
    assert step(4) == second
    assert _ids(pool.images.numpy()) == _ids(single.images.numpy())
