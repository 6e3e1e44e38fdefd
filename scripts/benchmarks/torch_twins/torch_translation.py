"""PyTorch twins of keras_gans' Pix2Pix and CycleGAN networks and steps, for
``scripts/benchmarks/bench_translation.py``.

The networks follow junyanz/pytorch-CycleGAN-and-pix2pix (``UnetGenerator``, ``NLayerDiscriminator``,
``ResnetGenerator``) with the choices keras_gans makes, so both frameworks run the same math:
no conv bias before a normalization, affine instance norm, the same parameter counts (``--params``
prints them, to check against keras_gans). A training step is the reference ``optimize_parameters``.

Usage (one configuration per process; prints ``RESULT {json}``)::

    python scripts/benchmarks/torch_twins/torch_translation.py --model pix2pix --image-size 256 --batch-size 1 --steps 3
    python scripts/benchmarks/torch_twins/torch_translation.py --model cyclegan --bf16 --channels-last   # torch at best

``--bf16``: the forward passes and losses under ``torch.autocast("cpu", dtype=torch.bfloat16)`` (the backward
passes outside it, as PyTorch's AMP recipe; weights and Adam in float32); ``--channels-last``: networks and
images in the channels-last memory format (oneDNN's preferred layout for bfloat16 convolutions); ``--compile``: every
network through ``torch.compile`` (TorchInductor; compiled during the untimed warm-up step and first inference call).
"""

import argparse
import contextlib
import json
import os
import resource
import statistics
import sys
import time

import torch
from torch import nn

# bench_translation.py is in scripts/benchmarks/, the parent of this file's folder (appended, so that
# scripts/benchmarks/torch_twins/ cannot shadow the real torch package)
sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench_translation import Turns, timed_calls  # noqa: E402


def norm_layer(kind, channels):
    if kind == "batch":
        return nn.BatchNorm2d(channels, momentum=0.1, eps=1e-5)
    return nn.InstanceNorm2d(channels, affine=True, eps=1e-5)


class UnetGenerator(nn.Module):
    """The U-Net of keras_gans.networks.unet (skip concatenation, dropout in the 3 innermost up blocks)."""

    def __init__(self, in_c, out_c, size, ngf=64, norm="batch"):
        super().__init__()
        depth = size.bit_length() - 1
        self.depth = depth
        self.down, self.up = nn.ModuleList(), nn.ModuleList()
        prev = in_c
        for i in range(depth):
            f = ngf * min(2**i, 8)
            layers = [] if i == 0 else [nn.LeakyReLU(0.2)]
            layers.append(nn.Conv2d(prev, f, 4, 2, 1, bias=False))
            if 0 < i < depth - 1:
                layers.append(norm_layer(norm, f))
            self.down.append(nn.Sequential(*layers))
            prev = f
        channels = [ngf * min(2**i, 8) for i in range(depth)]
        for j, i in enumerate(reversed(range(depth))):
            in_ch = channels[i] if j == 0 else channels[i] * 2
            if i == 0:
                self.up.append(nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(in_ch, out_c, 4, 2, 1), nn.Tanh()))
                break
            f = ngf * min(2 ** (i - 1), 8)
            layers = [nn.ReLU(), nn.ConvTranspose2d(in_ch, f, 4, 2, 1, bias=False), norm_layer(norm, f)]
            if j < 3:
                layers.append(nn.Dropout(0.5))
            self.up.append(nn.Sequential(*layers))

    def forward(self, x):
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
        for j, block in enumerate(self.up):
            if j > 0:
                x = torch.cat([x, skips[self.depth - 1 - j]], 1)
            x = block(x)
        return x


class PatchDiscriminator(nn.Module):
    """70x70 PatchGAN (n_layers=3) on the channel concatenation of its inputs."""

    def __init__(self, in_c, ndf=64, n_layers=3, norm="batch"):
        super().__init__()
        layers = [nn.Conv2d(in_c, ndf, 4, 2, 1), nn.LeakyReLU(0.2)]
        prev = ndf
        for n in range(1, n_layers):
            f = ndf * min(2**n, 8)
            layers += [nn.Conv2d(prev, f, 4, 2, 1, bias=False), norm_layer(norm, f), nn.LeakyReLU(0.2)]
            prev = f
        f = ndf * min(2**n_layers, 8)
        layers += [nn.Conv2d(prev, f, 4, 1, 1, bias=False), norm_layer(norm, f), nn.LeakyReLU(0.2),
                   nn.Conv2d(f, 1, 4, 1, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, *inputs):
        return self.net(torch.cat(inputs, 1) if len(inputs) > 1 else inputs[0])


class ResnetBlock(nn.Module):
    def __init__(self, f, norm):
        super().__init__()
        self.block = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(f, f, 3, bias=False), norm_layer(norm, f),
                                   nn.ReLU(True), nn.ReflectionPad2d(1), nn.Conv2d(f, f, 3, bias=False),
                                   norm_layer(norm, f))

    def forward(self, x):
        return x + self.block(x)


class ResnetGenerator(nn.Module):
    def __init__(self, in_c, out_c, ngf=64, n_blocks=9, norm="instance"):
        super().__init__()
        layers = [nn.ReflectionPad2d(3), nn.Conv2d(in_c, ngf, 7, bias=False), norm_layer(norm, ngf), nn.ReLU(True)]
        for i in range(2):
            f = ngf * 2 ** (i + 1)
            layers += [nn.Conv2d(f // 2, f, 3, 2, 1, bias=False), norm_layer(norm, f), nn.ReLU(True)]
        layers += [ResnetBlock(ngf * 4, norm) for _ in range(n_blocks)]
        for i in reversed(range(2)):
            f = ngf * 2**i
            layers += [nn.ConvTranspose2d(f * 2, f, 3, 2, 1, output_padding=1, bias=False), norm_layer(norm, f),
                       nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, out_c, 7), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


def _adam(params):
    return torch.optim.Adam(params, lr=2e-4, betas=(0.5, 0.999))


class Pix2PixTwin:
    def __init__(self, size):
        self.g, self.d = UnetGenerator(3, 3, size), PatchDiscriminator(6)
        self.opt_g, self.opt_d = _adam(self.g.parameters()), _adam(self.d.parameters())
        self.bce = nn.BCEWithLogitsLoss()

    def nets(self):
        return [self.g, self.d]

    def step(self, a, b):
        with self.amp():
            fake = self.g(a)
        for p in self.d.parameters():
            p.requires_grad_(True)
        self.opt_d.zero_grad()
        with self.amp():
            real_logits, fake_logits = self.d(a, b), self.d(a, fake.detach())
            loss_d = 0.5 * (self.bce(real_logits, torch.ones_like(real_logits))
                            + self.bce(fake_logits, torch.zeros_like(fake_logits)))
        loss_d.backward()
        self.opt_d.step()
        for p in self.d.parameters():
            p.requires_grad_(False)
        self.opt_g.zero_grad()
        with self.amp():
            logits = self.d(a, fake)
            loss_g = self.bce(logits, torch.ones_like(logits)) + 100.0 * (fake.float() - b).abs().mean()
        loss_g.backward()
        self.opt_g.step()

    def infer(self, a):
        return self.g(a)


class CycleGANTwin:
    def __init__(self, size):
        blocks = 9 if size >= 256 else 6
        self.g_ab, self.g_ba = ResnetGenerator(3, 3, n_blocks=blocks), ResnetGenerator(3, 3, n_blocks=blocks)
        self.d_a, self.d_b = PatchDiscriminator(3, norm="instance"), PatchDiscriminator(3, norm="instance")
        self.opt_g = _adam(list(self.g_ab.parameters()) + list(self.g_ba.parameters()))
        self.opt_d = _adam(list(self.d_a.parameters()) + list(self.d_b.parameters()))
        self.pool_a, self.pool_b = [], []

    def nets(self):
        return [self.g_ab, self.g_ba, self.d_a, self.d_b]

    @staticmethod
    def query(pool, images, size=50):
        out = []
        for image in images.detach():
            image = image[None]
            if len(pool) < size:
                pool.append(image)
                out.append(image)
            elif torch.rand(1).item() > 0.5:
                i = torch.randint(0, size, (1,)).item()
                out.append(pool[i].clone())
                pool[i] = image
            else:
                out.append(image)
        return torch.cat(out)

    def step(self, a, b):
        mse, l1 = nn.MSELoss(), nn.L1Loss()
        with self.amp():
            fake_b, fake_a = self.g_ab(a), self.g_ba(b)
            rec_a, rec_b = self.g_ba(fake_b), self.g_ab(fake_a)
        for d in (self.d_a, self.d_b):
            for p in d.parameters():
                p.requires_grad_(False)
        self.opt_g.zero_grad()
        with self.amp():
            pb, pa = self.d_b(fake_b), self.d_a(fake_a)
            loss = (mse(pb, torch.ones_like(pb)) + mse(pa, torch.ones_like(pa)) + 10 * (l1(rec_a, a) + l1(rec_b, b))
                    + 5 * (l1(self.g_ab(b), b) + l1(self.g_ba(a), a)))
        loss.backward()
        self.opt_g.step()
        for d in (self.d_a, self.d_b):
            for p in d.parameters():
                p.requires_grad_(True)
        self.opt_d.zero_grad()
        loss_d = 0
        for d, real, fake, pool in ((self.d_b, b, fake_b, self.pool_b), (self.d_a, a, fake_a, self.pool_a)):
            with self.amp():
                r, f = d(real), d(self.query(pool, fake))
                loss_d = loss_d + 0.5 * (mse(r, torch.ones_like(r)) + mse(f, torch.zeros_like(f)))
        loss_d.backward()
        self.opt_d.step()

    def infer(self, a):
        return self.g_ab(a)


def _compile(twin):
    """Every network of ``twin`` replaced by its ``torch.compile`` wrapper (the same parameters; losses stay)."""
    for name, value in list(vars(twin).items()):
        if isinstance(value, nn.Module) and any(True for _ in value.parameters()):
            setattr(twin, name, torch.compile(value))


TWINS = {"pix2pix": Pix2PixTwin, "cyclegan": CycleGANTwin}
for _twin in TWINS.values():
    _twin.amp = staticmethod(contextlib.nullcontext)  # --bf16 sets torch.autocast


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", choices=sorted(TWINS), required=True)
    p.add_argument("--image-size", type=int, default=256)
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--infer-steps", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--params", action="store_true", help="print the networks' parameter counts and exit")
    p.add_argument("--bf16", action="store_true", help="torch.autocast('cpu', dtype=torch.bfloat16)")
    p.add_argument("--channels-last", action="store_true", help="channels-last networks and images")
    p.add_argument("--compile", action="store_true", help="torch.compile every network")
    p.add_argument("--lockstep", action="store_true",
                   help="time each step and call in a turn given by bench_translation.py (stdin/stdout)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    twin = TWINS[args.model](args.image_size)
    if args.bf16:
        twin.amp = lambda: torch.autocast("cpu", dtype=torch.bfloat16)
    if args.params:
        print("RESULT " + json.dumps([sum(p.numel() for p in net.parameters()) for net in twin.nets()]))
        return 0
    shape = (args.batch_size, 3, args.image_size, args.image_size)
    a, b = torch.rand(shape) * 2 - 1, torch.rand(shape) * 2 - 1
    if args.channels_last:
        a, b = a.contiguous(memory_format=torch.channels_last), b.contiguous(memory_format=torch.channels_last)
        for net in twin.nets():
            net.to(memory_format=torch.channels_last)
    if args.compile:
        _compile(twin)
    for net in twin.nets():
        net.train()
    load = os.getloadavg()[0]
    for _ in range(args.warmup):
        twin.step(a, b)
    turns = Turns(args.lockstep)
    turns.ready()
    c0 = time.process_time()
    step_s = timed_calls(lambda: twin.step(a, b), args.steps, turns)
    train_s, train_cpu = sum(step_s), time.process_time() - c0
    for net in twin.nets():
        net.eval()
    with torch.no_grad():
        def infer():
            with twin.amp():
                return twin.infer(a)

        timed_calls(infer, 1, turns)  # the untimed first call after training (time unused)
        call_s = timed_calls(infer, args.infer_steps, turns)
    print("RESULT " + json.dumps({
        "torch": torch.__version__, "train_images_per_s": args.batch_size / statistics.median(step_s),
        "infer_images_per_s": args.batch_size / statistics.median(call_s), "cores": train_cpu / train_s,
        "step_s": step_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, "load": load,
        "threads": torch.get_num_threads(), "bf16": args.bf16, "channels_last": args.channels_last,
        "compile": args.compile}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
