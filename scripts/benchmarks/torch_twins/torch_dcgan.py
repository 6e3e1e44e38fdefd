"""A PyTorch DCGAN identical to keras_gans' DCGAN at 32x32x3, for throughput comparisons.

Architecture (mirrors ``keras_gans.networks.build_dcgan_generator`` / ``build_dcgan_discriminator``
with ``image_shape=(32, 32, 3)``, ``base_filters=64``, ``latent_dim=100``, ``norm="batch"``):

    G: Linear(100 -> 4*4*256, no bias) -> view 256x4x4
       -> BN -> ReLU -> ConvT(256 -> 128, 4, s2, p1, no bias)     8x8
       -> BN -> ReLU -> ConvT(128 -> 64, 4, s2, p1, no bias)      16x16
       -> BN -> ReLU -> ConvT(64 -> 3, 4, s2, p1, bias) -> tanh   32x32
    D: Conv(3 -> 64, 4, s2, p1, bias) -> LeakyReLU(0.2)                     16x16
       -> Conv(64 -> 128, 4, s2, p1, no bias) -> BN -> LeakyReLU(0.2)        8x8
       -> Conv(128 -> 256, 4, s2, p1, no bias) -> BN -> LeakyReLU(0.2)       4x4
       -> flatten -> Linear(4096 -> 1, bias)   (a logit, no sigmoid)

BN: eps 1e-5, momentum 0.1 (= Keras momentum 0.9). Weights N(0, 0.02) like ``keras_gans.networks.common.weight_init``.
Keras' ``padding="same"`` with kernel 4 / stride 2 on even sizes pads 1 on each side, which is
``padding=1`` here, for the convolutions and the transposed convolutions alike.
``python scripts/benchmarks/torch_twins/torch_dcgan.py --check-keras`` copies the Keras networks' weights
into these modules and compares outputs (a proof that the two are the same function).

Training step (``keras_gans.models.GAN.train_step`` with ``d_steps=1``):
    D step: fake = G(z) (no gradient to G), BCE-with-logits(D(real), 1) + BCE(D(fake), 0),
            two separate D forward passes (each with its own BN batch statistics), Adam step on D;
    G step: fresh z, non-saturating BCE(D(G(z)), 1), Adam step on G.
    Adam(lr 2e-4, betas (0.5, 0.999), eps 1e-7 as Keras' default epsilon).

Data: a fixed synthetic float32 array in [-1, 1] served as consecutive (wrapping) batches of 128,
the equivalent of the Keras side's ``from_tensor_slices(...).repeat().batch(128, drop_remainder)``.

Measurement (as ``scripts/benchmarks/benchmark.py`` does for Keras): ``warmup`` steps, then the
clock runs from the end of the last warm-up step to the end of the last step; ``loss.item()`` ends each step (CPU
torch is synchronous anyway). Prints one line ``RESULT {json}``. Threads: ``torch.set_num_threads``
(default 2), inter-op threads left at torch's default.

PyTorch at its best on a CPU with bfloat16 (``--bf16 --channels-last``): the forward passes and losses under
``torch.autocast("cpu", dtype=torch.bfloat16)`` (PyTorch's automatic mixed precision: convolutions and linear
layers in bfloat16, batch norm and the losses in float32, float32 weights and Adam), and the networks and images
in the channels-last memory format (oneDNN's preferred layout for bfloat16 convolutions). ``--compile``: both networks
through ``torch.compile`` (TorchInductor's generated CPU kernels around oneDNN's convolutions; compiled during the
warm-up steps, which are not timed).
"""

import contextlib

import argparse
import json
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

LATENT_DIM = 100


class Generator(nn.Module):
    def __init__(self, latent_dim=LATENT_DIM, image_size=32, channels=3, base_filters=64):
        super().__init__()
        if image_size not in (32, 64, 128):
            raise ValueError("this mirror supports 4*2^n image sizes (32, 64, 128)")
        n_up = (image_size // 4).bit_length() - 1
        filters = base_filters * 2 ** (n_up - 1)
        self.start_filters = filters
        self.project = nn.Linear(latent_dim, 4 * 4 * filters, bias=False)
        layers = []
        for i in range(n_up):
            last = i == n_up - 1
            layers += [nn.BatchNorm2d(filters, eps=1e-5, momentum=0.1), nn.ReLU(inplace=True)]
            out = channels if last else filters // 2
            layers.append(nn.ConvTranspose2d(filters, out, 4, stride=2, padding=1, bias=last))
            filters = out
        layers.append(nn.Tanh())
        self.body = nn.Sequential(*layers)

    def forward(self, z):
        x = self.project(z).view(-1, self.start_filters, 4, 4)
        return self.body(x)


class Discriminator(nn.Module):
    def __init__(self, image_size=32, channels=3, base_filters=64):
        super().__init__()
        n_down = (image_size // 4).bit_length() - 1
        layers, filters, c_in = [], base_filters, channels
        for i in range(n_down):
            layers.append(nn.Conv2d(c_in, filters, 4, stride=2, padding=1, bias=i == 0))
            if i > 0:
                layers.append(nn.BatchNorm2d(filters, eps=1e-5, momentum=0.1))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            c_in, filters = filters, filters * 2
        self.body = nn.Sequential(*layers)
        self.logit = nn.Linear(c_in * 4 * 4, 1)

    def forward(self, x):
        return self.logit(torch.flatten(self.body(x), 1))


def init_weights(module):
    """N(0, 0.02) for every conv / linear kernel (keras_gans.networks.common.weight_init); zero biases."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def make_models(image_size=32, channels=3, base_filters=64, latent_dim=LATENT_DIM):
    g = Generator(latent_dim, image_size, channels, base_filters)
    d = Discriminator(image_size, channels, base_filters)
    init_weights(g)
    init_weights(d)
    return g, d


def make_train_step(g, d, latent_dim=LATENT_DIM, lr=2e-4, bf16=False):
    def precision():
        return torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()

    g_opt = torch.optim.Adam(g.parameters(), lr=lr, betas=(0.5, 0.999), eps=1e-7)
    d_opt = torch.optim.Adam(d.parameters(), lr=lr, betas=(0.5, 0.999), eps=1e-7)

    def train_step(real):
        m = real.shape[0]
        # D step: fakes from the current G (training-mode BN, no gradient to G)
        with torch.no_grad(), precision():
            fake = g(torch.randn(m, latent_dim))
        with precision():
            real_logits = d(real)
            fake_logits = d(fake)
            d_loss = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits)) + \
                F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
        d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        d_opt.step()
        # G step: fresh noise, non-saturating loss
        with precision():
            fake_logits = d(g(torch.randn(m, latent_dim)))
            g_loss = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()
        return d_loss.item(), g_loss.item()

    return train_step


def benchmark(batch_size=128, steps=20, warmup=3, threads=2, image_size=32, channels=3, num_images=2048, seed=0,
              bf16=False, channels_last=False, compile=False):
    """Images per second over whole D+G steps, warm-up excluded; returns a dict."""
    if warmup < 1 or steps < 1:
        raise ValueError("warmup and steps must be >= 1")
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    g, d = make_models(image_size, channels)
    g.train()
    d.train()
    gen = torch.Generator().manual_seed(seed)
    num_images = max(num_images, batch_size)
    data = torch.rand(num_images, channels, image_size, image_size, generator=gen) * 2 - 1
    if channels_last:
        g, d = g.to(memory_format=torch.channels_last), d.to(memory_format=torch.channels_last)
        data = data.contiguous(memory_format=torch.channels_last)
    if compile:
        g, d = torch.compile(g), torch.compile(d)
    step = make_train_step(g, d, bf16=bf16)
    per_epoch = num_images // batch_size  # drop_remainder

    load = os.getloadavg()[0]
    t_start = time.perf_counter()
    t0 = cpu0 = None
    for i in range(warmup + steps):
        j = i % per_epoch
        step(data[j * batch_size:(j + 1) * batch_size])
        if i == warmup - 1:
            t0, cpu0 = time.perf_counter(), time.process_time()
    t1, cpu1 = time.perf_counter(), time.process_time()
    seconds = t1 - t0
    return {
        "images_per_s": steps * batch_size / seconds,
        "g_steps_per_s": steps / seconds,
        "seconds": seconds,
        "cores": (cpu1 - cpu0) / seconds,
        "load": load,
        "first_steps_s": t0 - t_start,
        "steps": steps,
        "warmup": warmup,
        "batch": batch_size,
        "threads": torch.get_num_threads(),
        "bf16": bf16,
        "channels_last": channels_last,
        "compile": compile,
        "interop_threads": torch.get_num_interop_threads(),
        "torch": torch.__version__,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }


# --- parity check against the Keras builders ------------------------------------------------
def copy_from_keras(g, d, keras_g, keras_d):
    """Load the Keras networks' weights into ``g`` and ``d`` (NHWC -> NCHW layouts)."""
    import numpy as np

    def t(a):
        return torch.from_numpy(np.ascontiguousarray(a))

    def bn(module, layer):
        gamma, beta, mean, var = [w.numpy() for w in layer.weights]
        module.weight.data, module.bias.data = t(gamma), t(beta)
        module.running_mean.data, module.running_var.data = t(mean), t(var)

    kg = {layer.name: layer for layer in keras_g.layers}
    kernel = kg["project"].kernel.numpy()  # [latent, 4*4*C] in (h, w, c) order
    c = g.start_filters
    kernel = kernel.reshape(-1, 4, 4, c).transpose(0, 3, 1, 2).reshape(kernel.shape[0], -1)
    g.project.weight.data = t(kernel.T)
    convs = [m for m in g.body if isinstance(m, nn.ConvTranspose2d)]
    norms = [m for m in g.body if isinstance(m, nn.BatchNorm2d)]
    names = [f"up_{i}" for i in range(len(convs) - 1)] + ["to_image"]
    for module, name in zip(convs, names):
        module.weight.data = t(kg[name].kernel.numpy().transpose(3, 2, 0, 1))  # (kh,kw,out,in)->(in,out,kh,kw)
        if module.bias is not None:
            module.bias.data = t(kg[name].bias.numpy())
    for i, module in enumerate(norms):
        bn(module, kg[f"norm_{i}"])

    kd = {layer.name: layer for layer in keras_d.layers}
    convs = [m for m in d.body if isinstance(m, nn.Conv2d)]
    norms = [m for m in d.body if isinstance(m, nn.BatchNorm2d)]
    for i, module in enumerate(convs):
        module.weight.data = t(kd[f"down_{i}"].kernel.numpy().transpose(3, 2, 0, 1))  # (kh,kw,in,out)->(out,in,kh,kw)
        if module.bias is not None:
            module.bias.data = t(kd[f"down_{i}"].bias.numpy())
    for i, module in enumerate(norms):
        bn(module, kd[f"norm_{i + 1}"])
    kernel = kd["logit"].kernel.numpy()  # [4*4*C, 1] in (h, w, c) order
    c = kernel.shape[0] // 16
    d.logit.weight.data = t(kernel.reshape(4, 4, c, 1).transpose(2, 0, 1, 3).reshape(-1, 1).T)
    d.logit.bias.data = t(kd["logit"].bias.numpy())


def check_against_keras(image_size=32, channels=3, base_filters=64):
    """Parameter counts and outputs (train and eval mode) of both frameworks; raises on mismatch."""
    import numpy as np

    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    sys.path.insert(0, repo)  # scripts/benchmarks/torch_twins/ -> the repository
    from keras_gans.networks import build_dcgan_discriminator, build_dcgan_generator

    shape = (image_size, image_size, channels)
    keras_g = build_dcgan_generator(LATENT_DIM, shape, base_filters, synchronized_batch_norm=False)
    keras_d = build_dcgan_discriminator(shape, base_filters, synchronized_batch_norm=False)
    g, d = make_models(image_size, channels, base_filters)
    n_torch = [sum(p.numel() for p in m.parameters()) for m in (g, d)]
    n_keras = [int(sum(np.prod(w.shape) for w in m.trainable_weights)) for m in (keras_g, keras_d)]
    copy_from_keras(g, d, keras_g, keras_d)
    rng = np.random.default_rng(0)
    z = rng.standard_normal((8, LATENT_DIM)).astype("float32")
    x = rng.uniform(-1, 1, (8, *shape)).astype("float32")
    report = {"params_torch": n_torch, "params_keras": n_keras}
    for training in (False, True):
        g.train(training)
        d.train(training)
        with torch.no_grad():
            tg = g(torch.from_numpy(z)).numpy().transpose(0, 2, 3, 1)
            td = d(torch.from_numpy(x.transpose(0, 3, 1, 2).copy())).numpy()
        kg = np.asarray(keras_g(z, training=training))
        kd = np.asarray(keras_d(x, training=training))
        mode = "train" if training else "eval"
        report[f"max_abs_diff_G_{mode}"] = float(np.abs(tg - kg).max())
        report[f"max_abs_diff_D_{mode}"] = float(np.abs(td - kd).max())
    ok = n_torch == n_keras and all(v < 1e-4 for k, v in report.items() if k.startswith("max_abs"))
    report["same_function"] = bool(ok)
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--bf16", action="store_true", help="torch.autocast('cpu', dtype=torch.bfloat16)")
    parser.add_argument("--channels-last", action="store_true", help="channels-last networks and images")
    parser.add_argument("--compile", action="store_true", help="torch.compile both networks")
    parser.add_argument("--check-keras", action="store_true",
                        help="compare with keras_gans' builders (imports TensorFlow) instead of benchmarking")
    args = parser.parse_args(argv)
    if args.check_keras:
        torch.set_num_threads(args.threads)
        report = check_against_keras(args.image_size)
        print("RESULT " + json.dumps(report))
        return 0 if report["same_function"] else 1
    result = benchmark(args.batch_size, args.steps, args.warmup, args.threads, args.image_size, bf16=args.bf16,
                       channels_last=args.channels_last, compile=args.compile)
    print("RESULT " + json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
