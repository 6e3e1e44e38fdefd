"""The history of generated images that CycleGAN's discriminators see (Shrivastava et al. 2017)."""

import keras
import tensorflow as tf
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gans")
class ImagePool(keras.layers.Layer):
    """A buffer of ``pool_size`` earlier generated images (CycleGAN, Zhu et al. 2017, Sec. 4).

    ``pool(images, draws)`` follows the reference ``ImagePool.query`` image by image:
    while the buffer is filling, an image is stored and returned; afterwards, with
    probability 0.5 a random stored image is returned and replaced by the new one,
    otherwise the new image is returned. ``pool_size=0`` returns the images as they are.

    The buffer is a non-trainable weight, so ``model.save`` keeps it and a resumed run
    continues with the same history. Under ``tf.distribute`` every replica gathers the
    global batch, runs the same query with the same random draws and keeps its own
    slice: N replicas see exactly what one device would.
    """

    def __init__(self, pool_size=50, image_shape=None, **kwargs):
        super().__init__(**kwargs)
        if int(pool_size) != pool_size or pool_size < 0:
            raise ValueError(f"pool_size must be an integer >= 0, got {pool_size!r}")
        self.pool_size = int(pool_size)
        self.image_shape = tuple(image_shape) if image_shape is not None else None
        if self.image_shape is not None:
            self.build((None, *self.image_shape))

    def build(self, input_shape):
        if self.built:
            return
        self.image_shape = tuple(input_shape[1:])
        if None in self.image_shape:
            raise ValueError(f"ImagePool needs a fixed image shape, got {self.image_shape}")
        self.images = self.add_weight(shape=(max(self.pool_size, 1), *self.image_shape), initializer="zeros",
                                      trainable=False, name="images", aggregation="only_first_replica")
        self.count = self.add_weight(shape=(), initializer="zeros", dtype="int32", trainable=False, name="count",
                                     aggregation="only_first_replica")
        self.built = True

    def call(self, images, uniform, index):
        """``images`` [B, H, W, C] (this replica's); ``uniform`` [B] in [0, 1) and ``index`` [B]
        ints in [0, pool_size), drawn for this replica's examples (see ``draw_for_global_batch``)."""
        if self.pool_size == 0:
            return images
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync if context is not None else 1
        local = tf.shape(images)[0]
        if replicas > 1:  # the global batch in replica order, identical on every replica
            images, uniform, index = (context.all_gather(t, axis=0) for t in (images, uniform, index))
        images = ops.cast(images, self.images.dtype)
        pool, count = self.images.value, self.count.value

        def query(i, pool, count, out):
            # gathers, not x[i]: under XLA a slice's begin must be a compile-time constant, which made every step
            # of a jit-compiled CycleGAN recompile (the random index's seed became a constant input)
            image = tf.gather(images, i)
            filling = count < self.pool_size
            swap = tf.logical_and(tf.logical_not(filling), tf.gather(uniform, i) > 0.5)
            slot = tf.where(filling, count, tf.gather(index, i))
            kept = tf.gather(pool, slot)
            returned = tf.where(swap, kept, image)
            stored = tf.logical_or(filling, swap)
            pool = tf.tensor_scatter_nd_update(pool, [[slot]], [tf.where(stored, image, kept)])
            count = tf.where(filling, count + 1, count)
            return i + 1, pool, count, out.write(i, returned)

        n = tf.shape(images)[0]
        out = tf.TensorArray(images.dtype, size=n, element_shape=tf.TensorShape(self.image_shape))
        _, pool, count, out = tf.while_loop(lambda i, *_: i < n, query, (0, pool, count, out))
        self.images.assign(pool)
        self.count.assign(count)
        returned = out.stack()
        if replicas > 1:
            start = context.replica_id_in_sync_group * local
            returned = returned[start : start + local]
        return returned

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "image_shape": self.image_shape}
