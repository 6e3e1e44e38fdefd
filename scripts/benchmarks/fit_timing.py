"""One model's training throughput timed with ``fit`` in this process: the worker shared by the A/B scripts
(``fused_batchnorm_ab.py``, ``transpose_conv.py``, ``runtime_ab.py``), each of which changes one thing before calling
it in a fresh process.

``timed_fit("dcgan" | "pix2pix" | "cyclegan" | "sngan" | "began", precision)``: DCGAN 32x32x3 at batch 128 on
1,024 synthetic images, Pix2Pix / CycleGAN 256x256 at batch 1 on 4 synthetic pairs, SN-GAN 32x32x3 (ResNet,
n_dis 5: a batch of 320 is 5 discriminator minibatches of 64) or BEGAN 64x64x3 at batch 16 on 8 batches of
images, ``compile()`` defaults, trained with ``fit`` for 2 + N steps (N = 26 for DCGAN, 8 for Pix2Pix, 5 for
CycleGAN, 4 for SN-GAN, 10 for BEGAN); the
throughput is the batch over the median step after the first 2.
"""

import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MODELS = {"dcgan": (128, 26), "pix2pix": (1, 8), "cyclegan": (1, 5), "sngan": (320, 4), "began": (16, 10)}  # batch, steps


def timed_fit(model_name, precision):
    """``(images_per_s, model)`` of one ``fit`` of ``model_name`` in ``precision``."""
    import time

    import keras
    import numpy as np
    import tensorflow as tf

    sys.path.insert(0, str(REPO))
    import keras_gans

    batch, steps = MODELS[model_name]
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    if model_name == "dcgan":
        model = keras_gans.DCGAN(image_shape=(32, 32, 3), seed=0, precision=precision)
        source = rng.uniform(-1, 1, (1024, 32, 32, 3)).astype("float32")
    elif model_name in ("sngan", "began"):
        model = (keras_gans.SNGAN if model_name == "sngan" else keras_gans.BEGAN)(seed=0, precision=precision)
        source = rng.uniform(-1, 1, (8 * batch, *model.image_shape)).astype("float32")
    else:
        cls = keras_gans.Pix2Pix if model_name == "pix2pix" else keras_gans.CycleGAN
        model = cls(image_size=256, seed=0, precision=precision)
        x = rng.uniform(-1, 1, (4, 256, 256, 3)).astype("float32")
        source = (x, x[::-1].copy())
    model.compile()
    data = tf.data.Dataset.from_tensor_slices(source).repeat().batch(batch, drop_remainder=True).prefetch(-1)
    stamps = []

    class Timer(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            stamps.append(time.perf_counter())

    model.fit(data, steps_per_epoch=steps + 2, epochs=1, verbose=0, callbacks=[Timer()])
    return batch / statistics.median(np.diff(stamps[2:])), model
