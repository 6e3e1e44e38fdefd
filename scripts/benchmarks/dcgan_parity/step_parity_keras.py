"""Step-level parity, Keras half: run keras_gans' DCGAN.train_step (the library's, unchanged) eagerly on fixed
real batches and fixed z's, and dump the initial weights, the inputs and the weights after some steps to
CACHE/step_parity.npz. step_parity_torch.py loads the same initial weights into the torch twin, replays the
same inputs and compares. A structural difference between the two training steps shows up as a large
difference after one step; rounding alone stays near float32 precision for the first steps.

  .venv/bin/python scripts/benchmarks/dcgan_parity/step_parity_keras.py [--adam-eps 1e-7]
"""

import argparse
import sys

import numpy as np

from common import CACHE, REPO, load_split

sys.path.insert(0, str(REPO))
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_gans import DCGAN  # noqa: E402

CHECKPOINTS = (1, 2, 5, 10, 30)


def weights(model):
    out = {}
    for net in (model.generator, model.discriminator):
        for layer in net.layers:
            for w in layer.weights:
                out[f"{net.name}/{layer.name}/{w.name}"] = np.array(w.numpy())
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sync-bn", type=int, default=1)
    args = p.parse_args()
    keras.utils.set_random_seed(0)
    model = DCGAN(image_shape=(32, 32, 1), seed=0, synchronized_batch_norm=bool(args.sync_bn))
    model.compile()
    images = load_split("train")[0]
    rng = np.random.default_rng(0)
    steps = max(CHECKPOINTS)
    idx = rng.permutation(len(images))[: steps * 128].reshape(steps, 128)
    zs = rng.standard_normal((steps, 2, 128, 100)).astype("float32")  # [step, (D step, G step)]
    dump = {"idx": idx, "zs": zs}
    dump.update({f"init/{k}": v for k, v in weights(model).items()})
    queue = []
    model.sample_latent = lambda m: tf.constant(queue.pop(0))
    for step in range(steps):
        queue[:] = [zs[step, 0], zs[step, 1]]
        real = tf.constant(images[idx[step]].astype("float32") / 127.5 - 1.0)
        logs = model.train_step(real)
        assert not queue
        if step + 1 in CHECKPOINTS:
            dump.update({f"step{step + 1}/{k}": v for k, v in weights(model).items()})
            dump[f"step{step + 1}/d_loss_mean"] = float(logs["d_loss"])
            dump[f"step{step + 1}/g_loss_mean"] = float(logs["g_loss"])
    np.savez(CACHE / "step_parity.npz", **dump)
    print("wrote", CACHE / "step_parity.npz", len(dump), "arrays")


if __name__ == "__main__":
    main()
