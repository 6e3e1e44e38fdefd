"""Train keras_gans' DCGAN(image_shape=(32, 32, 1)) on padded Fashion-MNIST, save 10,000 samples.

Baseline (no flags): the library's DCGAN with compile() defaults, batch 128, 940 steps, the library's
make_dataset (shuffled full training set, reshuffled each epoch). Flags change one thing each, from
this script (the library is not edited):

  --gamma-init normal   BN gamma ~ N(1, 0.02) in G and D (DCGAN reference code, dcgan.torch / pytorch example)
  --logit-init default  the final Dense(1) with Keras's default glorot_uniform instead of N(0, 0.02)
  --adam-eps 1e-8       both FusedAdam optimizers with epsilon 1e-8 (torch's default)
  --adam-eps-torch      Adam with torch's epsilon placement: eps added to sqrt(v_hat) (bias-corrected)
  --g-step reuse        the G step reuses the D step's z/fake (pytorch/examples dcgan) instead of fresh z
  --d-batch joint       D sees real and fake concatenated in one forward pass (one set of BN statistics)
  --sync-bn 0           synchronized_batch_norm=False (tf.nn.moments instead of E[x^2]-E[x]^2)

  .venv/bin/python scripts/benchmarks/dcgan_parity/train_keras.py --seed 0 [flags] --name keras_base_s0
"""

import argparse
import json
import sys
import time

from common import REPO, load_split, save_run, to_uint8

sys.path.insert(0, str(REPO))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_gans import DCGAN  # noqa: E402
from keras_gans.datasets import make_dataset  # noqa: E402
from keras_gans.kernels import FusedAdam  # noqa: E402


class VariantDCGAN(DCGAN):
    """DCGAN whose train_step can reuse the D step's fakes for the G step and/or show D one joint batch.

    With g_step="fresh" and d_batch="separate" this is MinimaxGame.train_step (d_steps=1) line by line."""

    def __init__(self, *args, g_step="fresh", d_batch="separate", **kwargs):
        super().__init__(*args, **kwargs)
        self.g_step, self.d_batch = g_step, d_batch

    def d_logits(self, real, fake):
        if self.d_batch == "joint":
            logits = self.discriminator(tf.concat([real, fake], 0), training=True)
            return tf.split(logits, 2, axis=0)
        return self.discriminator(real, training=True), self.discriminator(fake, training=True)

    def train_step(self, data):
        real, _ = self.unpack(data)
        m = tf.shape(real)[0]
        with tf.GradientTape() as g_tape:
            fake = self.generator(self.sample_latent(m), training=True)
        with tf.GradientTape() as tape:
            real_logits, fake_logits = self.d_logits(real, tf.stop_gradient(fake))
            d_loss = self.d_loss_fn(real_logits, fake_logits)
        self.apply_gradients(tape, d_loss, self.discriminator, self.d_optimizer)
        self.track(d_loss=d_loss)
        with g_tape:
            if self.g_step == "fresh":
                fake = self.generator(self.sample_latent(m), training=True)
            g_loss = self.g_loss_fn(self.discriminator(fake, training=True))
        self.apply_gradients(g_tape, g_loss, self.generator, self.g_optimizer)
        self.track(g_loss=g_loss)
        return self.logs()


class TorchEpsAdam(FusedAdam):
    """Adam with torch's update ``w -= lr / (1 - b1^t) * m / (sqrt(v / (1 - b2^t)) + eps)``.

    TensorFlow/Keras compute ``lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)`` (Kingma & Ba's
    "epsilon hat"), i.e. torch's update with eps / sqrt(1 - b2^t) in place of eps. Same as TF's kernel
    called with epsilon = eps * sqrt(1 - b2^t)."""

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        step = tf.cast(self.iterations + 1, dtype)
        beta_1, beta_2 = tf.cast(self.beta_1, dtype), tf.cast(self.beta_2, dtype)
        index = self._get_variable_index(variable)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle, m=self._momentums[index].value.handle, v=self._velocities[index].value.handle,
            beta1_power=tf.pow(beta_1, step), beta2_power=tf.pow(beta_2, step), lr=tf.cast(learning_rate, dtype),
            beta1=beta_1, beta2=beta_2, epsilon=tf.cast(self.epsilon, dtype) * tf.sqrt(1 - tf.pow(beta_2, step)),
            grad=tf.cast(gradient, dtype), use_locking=False)


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--steps", type=int, default=940)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--num-samples", type=int, default=10000)
    p.add_argument("--gamma-init", choices=("ones", "normal"), default="ones")
    p.add_argument("--logit-init", choices=("library", "default"), default="library")
    p.add_argument("--adam-eps", type=float, default=None)
    p.add_argument("--adam-eps-torch", action="store_true")
    p.add_argument("--g-step", choices=("fresh", "reuse"), default="fresh")
    p.add_argument("--d-batch", choices=("separate", "joint"), default="separate")
    p.add_argument("--sync-bn", type=int, default=1)
    args = p.parse_args(argv)

    keras.utils.set_random_seed(args.seed)
    images, _ = load_split("train")
    ds = make_dataset(images, batch_size=args.batch_size, shuffle=True, seed=args.seed, repeat=True)

    variant = args.g_step != "fresh" or args.d_batch != "separate"
    cls = VariantDCGAN if variant else DCGAN
    kwargs = dict(g_step=args.g_step, d_batch=args.d_batch) if variant else {}
    model = cls(image_shape=(32, 32, 1), synchronized_batch_norm=bool(args.sync_bn), seed=args.seed, **kwargs)
    if args.gamma_init == "normal":
        rng = np.random.default_rng(args.seed + 1000)
        for net in (model.generator, model.discriminator):
            for layer in net.layers:
                if isinstance(layer, keras.layers.BatchNormalization):
                    layer.gamma.assign(rng.normal(1.0, 0.02, layer.gamma.shape).astype("float32"))
    if args.logit_init == "default":
        logit = model.discriminator.get_layer("logit")
        logit.kernel.assign(keras.initializers.GlorotUniform(seed=args.seed)(logit.kernel.shape))
    if args.adam_eps is not None or args.adam_eps_torch:
        cls_opt = TorchEpsAdam if args.adam_eps_torch else FusedAdam
        eps = args.adam_eps if args.adam_eps is not None else 1e-7
        model.compile(g_optimizer=cls_opt(2e-4, beta_1=0.5, epsilon=eps),
                      d_optimizer=cls_opt(2e-4, beta_1=0.5, epsilon=eps))
    else:
        model.compile()

    t0 = time.time()
    hist = model.fit(ds, epochs=1, steps_per_epoch=args.steps, verbose=2)
    seconds = time.time() - t0
    samples = to_uint8(model.generate(args.num_samples, seed=10_000 + args.seed))
    # Adam's second moments at the end: how many weights have sqrt(v_hat) near epsilon
    vhat = {}
    for tag, opt in (("g", model.g_optimizer), ("d", model.d_optimizer)):
        t = int(opt.iterations.numpy())
        v = np.concatenate([np.ravel(x.numpy()) for x in opt._velocities]) / (1 - 0.999 ** t)
        vhat[f"{tag}_frac_sqrt_vhat_below_1e-6"] = float(np.mean(np.sqrt(v) < 1e-6))
        vhat[f"{tag}_median_sqrt_vhat"] = float(np.median(np.sqrt(v)))
    meta = {
        "framework": "keras_gans", "keras": keras.__version__, "tensorflow": tf.__version__,
        "seed": args.seed, "steps": args.steps, "batch": args.batch_size,
        "gamma_init": args.gamma_init, "logit_init": args.logit_init,
        "adam_eps": args.adam_eps if args.adam_eps is not None else 1e-7,
        "adam_eps_placement": "torch" if args.adam_eps_torch else "keras",
        "g_step": args.g_step, "d_batch": args.d_batch, "sync_bn": bool(args.sync_bn),
        "d_loss_epoch_mean": float(hist.history["d_loss"][-1]), "g_loss_epoch_mean": float(hist.history["g_loss"][-1]),
        "train_seconds": seconds, "date": time.strftime("%Y-%m-%d %H:%M"), **vhat,
    }
    save_run(args.name, samples, meta)
    print("RESULT " + json.dumps(meta))


if __name__ == "__main__":
    main()
