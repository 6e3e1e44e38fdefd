"""What the latent-space tools share: the model's networks, input checks, Adam on ``z``,
and running a compiled function on a batch on one device or split over a strategy's replicas."""

import weakref

import keras
import numpy as np
import tensorflow as tf

from keras_gans.core.images import scale_images
from keras_gans.core.noise_to_image import latent_for_seed
from keras_gans.datasets.folders import read_image


def check_model(model, need_discriminator=False):
    """``model`` if it has a generator (and a discriminator when asked), else a ValueError."""
    generator = getattr(model, "generator", None)
    if not isinstance(generator, keras.Model):
        raise ValueError(f"{type(model).__name__} has no generator: the latent tools need a keras_gans "
                         "model (DCGAN, GAN, WGAN, WGANGP, ConditionalGAN, ...) with a .generator network")
    if need_discriminator:
        discriminator = getattr(model, "discriminator", None)
        if not isinstance(discriminator, keras.Model):
            raise ValueError(f"{type(model).__name__} has no discriminator (needed for the perceptual loss); "
                             "pass perceptual_weight=0 to inpaint with the contextual loss only")
        # The perceptual loss reads one logit per image: EBGAN's and BEGAN's auto-encoders and ALI's
        # (x, z) discriminator are not such networks.
        outputs = discriminator.outputs
        if (len(outputs) != 1 or len(outputs[0].shape) != 2 or outputs[0].shape[-1] != 1
                or len(discriminator.inputs) != 1 + bool(num_classes(model))):
            raise ValueError(f"{type(model).__name__}'s discriminator is not an image -> logit network, which the "
                             "perceptual loss needs; pass perceptual_weight=0 to inpaint with the contextual loss only")
    if len(generator.inputs[0].shape) != 2:
        raise ValueError(f"the generator's first input must be a latent vector [batch, latent_dim], "
                         f"got {generator.inputs[0].shape}")
    return model


def latent_dim(model):
    return int(model.generator.inputs[0].shape[-1])


def image_shape(model):
    return tuple(int(s) for s in model.generator.outputs[0].shape[1:])


def num_classes(model):
    return getattr(model, "num_classes", None) or None


def check_images(images, model, what="images"):
    """float32 ``[B, H, W, C]`` in [-1, 1] of the generator's shape, or a ValueError.

    uint8 arrays are scaled with ``x / 127.5 - 1``; a single ``[H, W, C]`` image gets a batch axis.
    """
    images = np.asarray(images)
    if images.dtype == np.uint8:
        images = scale_images(images)
    images = images.astype("float32")
    if images.ndim == 3:
        images = images[np.newaxis]
    want = image_shape(model)
    if images.ndim != 4 or images.shape[0] < 1:
        raise ValueError(f"{what} must be [batch, H, W, C] = [N, {', '.join(map(str, want))}], got {images.shape}")
    if images.shape[1:3] != want[:2]:
        raise ValueError(f"{what} are {images.shape[1]}x{images.shape[2]}, the generator makes {want[0]}x{want[1]}")
    if images.shape[3] != want[2]:
        raise ValueError(f"{what} have {images.shape[3]} channel(s), the generator makes {want[2]}")
    if not np.all(np.isfinite(images)) or images.min() < -1.0 - 1e-6 or images.max() > 1.0 + 1e-6:
        raise ValueError(f"{what} must be finite floats in [-1, 1] (or uint8), "
                         f"got values in [{images.min()}, {images.max()}]")
    return images


def check_labels(model, labels, num):
    """int32 ``[num]`` labels for a conditional model (one int is broadcast), ``None`` otherwise."""
    if num_classes(model) is None:
        if labels is not None:
            raise ValueError(f"{type(model).__name__} is not conditional: it takes no labels")
        return None
    if labels is None:
        raise ValueError(f"{type(model).__name__} is conditional: pass labels (ints in [0, {model.num_classes}))")
    return model.check_labels(labels, num)


def read_images(paths, model):
    """Image files -> float32 ``[N, H, W, C]`` in [-1, 1]; each must have the generator's size and channels."""
    want = image_shape(model)
    out = []
    for path in paths:
        array = read_image(path, None)
        if array.shape[:2] != want[:2]:
            raise ValueError(f"{path} is {array.shape[0]}x{array.shape[1]}, the generator makes {want[0]}x{want[1]} "
                             "images (resize it first)")
        if array.shape[2] != want[2]:
            raise ValueError(f"{path} has {array.shape[2]} channel(s), the generator makes {want[2]}")
        out.append(array)
    return scale_images(np.stack(out))


def initial_latents(num, dim, seed):
    """``z ~ N(0, I)`` ``[num, dim]`` from a stateless seed: drawn for the whole batch before it is
    split over replicas, so 1 and N replicas start from the same points."""
    return tf.random.stateless_normal((num, dim), seed=tf.constant([int(seed), 1], tf.int64)).numpy()


def latents_for_seed(model, num, seed):
    """The ``z`` of ``model.generate(num, seed)`` / ``keras-gans sample --seed`` (numpy)."""
    return np.asarray(latent_for_seed(num, latent_dim(model), seed))


#: latent spaces the tools optimise or walk in: ``z`` (every model), StyleGAN's ``w`` (one style for every layer)
#: and ``w+`` (a style per layer; Abdal et al. 2019, "Image2StyleGAN")
SPACES = ("z", "w", "w+")


def check_space(model, space):
    """``space`` if ``model`` has it, else a ValueError naming the spaces it has."""
    if space not in SPACES:
        raise ValueError(f"space must be one of {SPACES}, got {space!r}")
    if space != "z" and not callable(getattr(model, "synthesize", None)):
        raise ValueError(f"space {space!r} is StyleGAN's intermediate latent space; {type(model).__name__} has z only")
    return space


def latent_shape(model, space="z"):
    """The shape of one latent: ``(latent_dim,)``, ``(w_dim,)`` or ``(num_ws, w_dim)``."""
    if space == "z":
        return (latent_dim(model),)
    return (model.w_dim,) if space == "w" else (model.num_ws, model.w_dim)


def starting_points(model, num, restarts, seed, space="z", z_clip=None):
    """Starting latents ``[num, restarts, *latent_shape]``: ``z ~ N(0, I)`` (clipped to ``z_clip``); in W and
    W+ restart 0 is w̄ (StyleGAN2's projector starts there) and the others map such ``z`` (broadcast to every
    layer in W+). Drawn from a stateless seed for the whole batch, so 1 and N replicas start alike."""
    dim = latent_dim(model)
    z = initial_latents(num * restarts, dim, seed)
    if z_clip is not None and space == "z":
        z = np.clip(z, -z_clip, z_clip)
    if space == "z":
        return z.reshape(num, restarts, dim)
    w = np.array(model.map(z)[:, 0]).reshape(num, restarts, -1)  # a writable copy
    w[:, 0] = np.asarray(model.w_avg.numpy())
    if space == "w+":
        w = np.repeat(w[:, :, None], model.num_ws, axis=2)
    return w.astype("float32")


def restart_major(latents):
    """``[B, R, *shape] -> [R * B, *shape]`` (restart-major, as :func:`best_of_restarts` reads)."""
    rank = len(latents.shape)
    moved = tf.transpose(latents, [1, 0, *range(2, rank)])
    return tf.reshape(moved, (-1, *latents.shape[2:]))


def generate(model, latents, labels=None, training=False, space="z"):
    """Images of ``latents`` in ``space`` by the generator sampling uses (the EMA average when on)."""
    generator = model.averaged(model.generator)
    if space == "z":
        return generator([latents, labels] if num_classes(model) else latents, training=training)
    ws = latents if space == "w+" else model.broadcast(latents)
    return generator.get_layer("synthesis")(ws, training=training)


def discriminate(model, images, labels=None):
    inputs = [images, labels] if num_classes(model) else images
    return model.discriminator(inputs, training=False)


def adam_on_latents(loss_fn, z, iterations, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-8, z_clip=None):
    """Minimise ``loss_fn(z)`` (per-example losses ``[B]``) over ``z`` with Adam (Kingma & Ba 2015).

    The networks run in inference mode, so example ``i``'s loss depends on ``z[i]`` only: the
    gradient of the sum is each example's own gradient and the batch is B independent problems
    (which is what makes a split over replicas give the one-device result). ``z_clip`` keeps
    ``z`` in ``[-z_clip, z_clip]`` after every step (Yeh et al. 2016 clip to their prior's range).
    Returns ``(z, loss_fn(z))``.
    """
    b1, b2 = tf.constant(beta_1, tf.float32), tf.constant(beta_2, tf.float32)

    def step(t, z, m, v):
        with tf.GradientTape() as tape:
            tape.watch(z)
            loss = tf.reduce_sum(loss_fn(z))
        g = tape.gradient(loss, z)
        m = b1 * m + (1.0 - b1) * g
        v = b2 * v + (1.0 - b2) * tf.square(g)
        t1 = tf.cast(t + 1, tf.float32)
        z = z - learning_rate * (m / (1.0 - b1**t1)) / (tf.sqrt(v / (1.0 - b2**t1)) + epsilon)
        if z_clip is not None:
            z = tf.clip_by_value(z, -z_clip, z_clip)
        return t + 1, z, m, v

    z = tf.convert_to_tensor(z, tf.float32)
    _, z, _, _ = tf.while_loop(lambda t, *_: t < iterations, step,
                               (tf.constant(0), z, tf.zeros_like(z), tf.zeros_like(z)))
    return z, loss_fn(z)


def best_of_restarts(losses, restarts, *values):
    """Losses ``[R * B]`` (restart-major) -> the index of each example's best restart, and
    each ``values[k]`` ``[R * B, ...]`` reduced to ``[B, ...]`` at that restart."""
    per = tf.reshape(losses, (restarts, -1))
    best = tf.argmin(per, axis=0, output_type=tf.int32)
    batch = tf.shape(per)[1]
    index = best * batch + tf.range(batch)
    return [tf.gather(losses, index)] + [tf.gather(v, index) for v in values]


#: model -> {(tool, its settings): the cache run_batched keeps its compiled function in}
COMPILED = weakref.WeakKeyDictionary()


def compiled_cache(model, tool, *settings):
    """The :func:`run_batched` cache of ``tool`` on ``model`` with these settings (the Python constants its function
    closes over): a second call with the same ones reuses the trace."""
    return COMPILED.setdefault(model, {}).setdefault((tool, *settings), {})


def run_batched(fn, arrays, strategy=None, batch_size=None, cache=None):
    """``fn(*arrays)`` as a compiled ``tf.function`` over the batch axis of ``arrays``.

    ``cache``: a dict the caller keeps for calls whose ``fn`` computes the same thing (same model, same
    constants): the compiled function is kept there, so later calls reuse its trace instead of tracing again
    (seconds per call for an optimisation loop).

    The batch is cut into chunks of ``batch_size`` (the last padded by repeating its final row, so
    every chunk reuses one trace). Under a ``tf.distribute`` strategy with N replicas each chunk
    is split into N equal slices, replica ``r`` runs ``fn`` on slice ``r`` and the results are
    concatenated: ``fn`` must treat examples independently. Returns a tuple of numpy arrays.
    """
    arrays = [np.asarray(a) for a in arrays]
    total = arrays[0].shape[0]
    strategy = strategy or tf.distribute.get_strategy()
    replicas = strategy.num_replicas_in_sync
    chunk = min(int(batch_size or total), total)  # (a single edit is not padded to a whole batch)
    chunk = -(-chunk // replicas) * replicas  # a multiple of the replica count
    per_replica = chunk // replicas

    def wrapped(*args):
        out = fn(*args)
        return tuple(out) if isinstance(out, (tuple, list)) else (out,)

    key = ("compiled", id(strategy), chunk)
    if cache is not None and key in cache:
        compiled = cache[key]
    elif replicas == 1:
        compiled = tf.function(wrapped)
    else:
        run = tf.function(lambda values: strategy.run(lambda v: wrapped(*v), args=(values,)))

        def compiled(*args):
            def value_fn(ctx):
                r = ctx.replica_id_in_sync_group
                return tuple(a[r * per_replica:(r + 1) * per_replica] for a in args)

            return run(strategy.experimental_distribute_values_from_function(value_fn))

    if cache is not None:
        cache[key] = compiled
    results = []
    for start in range(0, total, chunk):
        part = [a[start:start + chunk] for a in arrays]
        n = part[0].shape[0]
        if n < chunk:
            part = [np.concatenate([p, np.repeat(p[-1:], chunk - n, axis=0)]) for p in part]
        out = compiled(*[tf.constant(p) for p in part])
        if replicas > 1:
            out = tuple(tf.concat(strategy.experimental_local_results(o), axis=0) for o in out)
        results.append([o.numpy()[:n] for o in out])
    return tuple(np.concatenate(cols) for cols in zip(*results))
