"""A PyTorch twin of keras_gans' AdaIN networks and training step, for throughput comparisons.

The networks of naoto0804/pytorch-AdaIN (``net.py``), written to be the same function as
``keras_gans.networks.build_vgg19_encoder`` (reflection padding) / ``build_adain_decoder`` and
``AdaINStyleTransfer.train_step``:

    encoder: RGB [0, 255] -> BGR minus ImageNet means -> VGG-19 block1_conv1 ... block4_conv1, each
             3x3 conv after ReflectionPad2d(1), ReLU, 2x2 max-pools after blocks 1-3; returns relu1_1,
             relu2_1, relu3_1, relu4_1.
    decoder: the reference decoder (9 reflection-padded 3x3 convs, nearest 2x up-sampling), x 255.
    AdaIN:   population variance, std = sqrt(var + 1e-5).
    step:    t = AdaIN(f(c), f(s)); loss = mse(f(g(t)), t) + 10 * sum_i mse(mean) + mse(std); Adam
             (lr 1e-4 / (1 + 5e-5 * step), eps 1e-8) on the decoder only.

``python scripts/benchmarks/torch_twins/torch_adain.py --check-keras`` copies a small Keras model's weights
into these modules and compares the stylized outputs and the loss (proof that the two compute the same function).
"""

import argparse
import contextlib
import sys

import torch
import torch.nn.functional as F
from torch import nn

BGR_MEAN = (103.939, 116.779, 123.68)
VGG19_BLOCKS = ((1, 2, 64), (2, 2, 128), (3, 4, 256), (4, 1, 512))
DECODER = (("dec4_conv1", 256), "up", ("dec3_conv1", 256), ("dec3_conv2", 256), ("dec3_conv3", 256),
           ("dec3_conv4", 128), "up", ("dec2_conv1", 128), ("dec2_conv2", 64), "up", ("dec1_conv1", 64),
           ("dec1_conv2", 3))


def scaled(n, width):
    return max(1, int(round(n * width)))


class Encoder(nn.Module):
    def __init__(self, width=1.0):
        super().__init__()
        self.convs = nn.ModuleDict()
        c_in = 3
        for block, convs, filters in VGG19_BLOCKS:
            for i in range(1, convs + 1):
                self.convs[f"block{block}_conv{i}"] = nn.Conv2d(c_in, scaled(filters, width), 3)
                c_in = scaled(filters, width)
        self.register_buffer("mean", torch.tensor(BGR_MEAN).view(1, 3, 1, 1))

    def forward(self, rgb):
        x = rgb.flip(1) - self.mean
        features = []
        for block, convs, _ in VGG19_BLOCKS:
            for i in range(1, convs + 1):
                x = F.relu(self.convs[f"block{block}_conv{i}"](F.pad(x, (1, 1, 1, 1), mode="reflect")))
                if i == 1:
                    features.append(x)
            if block < 4:
                x = F.max_pool2d(x, 2)
        return features


class Decoder(nn.Module):
    def __init__(self, width=1.0):
        super().__init__()
        self.convs = nn.ModuleDict()
        c_in = scaled(512, width)
        for step in DECODER:
            if step == "up":
                continue
            name, filters = step
            out = 3 if name == "dec1_conv2" else scaled(filters, width)
            self.convs[name] = nn.Conv2d(c_in, out, 3)
            c_in = out

    def forward(self, x):
        for step in DECODER:
            if step == "up":
                x = F.interpolate(x, scale_factor=2, mode="nearest")
                continue
            x = self.convs[step[0]](F.pad(x, (1, 1, 1, 1), mode="reflect"))
            if step[0] != "dec1_conv2":
                x = F.relu(x)
        return x * 255.0


def mean_std(x, eps=1e-5):
    x = x.float()  # the statistics in float32 under bf16 autocast too, as keras_gans computes them
    mean = x.mean(dim=(2, 3))
    var = ((x - mean[..., None, None]) ** 2).mean(dim=(2, 3))
    return mean, torch.sqrt(var + eps)


def adain(content, style, eps=1e-5):
    cm, cs = mean_std(content, eps)
    sm, ss = mean_std(style, eps)
    return ss[..., None, None] * (content - cm[..., None, None]) / cs[..., None, None] + sm[..., None, None]


class AdaINTwin(nn.Module):
    def __init__(self, width=1.0, style_weight=10.0):
        super().__init__()
        self.encoder = Encoder(width).requires_grad_(False)
        self.decoder = Decoder(width)
        self.style_weight = style_weight

    def losses(self, content, style):
        with torch.no_grad():
            style_feats = self.encoder(style)
            t = adain(self.encoder(content)[-1], style_feats[-1])
        g_feats = self.encoder(self.decoder(t))
        loss_c = F.mse_loss(g_feats[-1], t)
        loss_s = 0.0
        for a, b in zip(g_feats, style_feats):
            (am, asd), (bm, bsd) = mean_std(a), mean_std(b)
            loss_s = loss_s + F.mse_loss(am, bm) + F.mse_loss(asd, bsd)
        return loss_c, loss_s

    def make_optimizer(self):
        opt = torch.optim.Adam(self.decoder.parameters(), lr=1e-4, eps=1e-8)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1.0 / (1.0 + 5e-5 * step))
        return opt, sched

    amp = staticmethod(contextlib.nullcontext)  # or lambda: torch.autocast("cpu", dtype=torch.bfloat16)

    def train_step(self, content, style, opt, sched):
        with self.amp():  # the forward passes and losses; the backward pass outside, as PyTorch's AMP recipe
            loss_c, loss_s = self.losses(content, style)
            loss = loss_c + self.style_weight * loss_s
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        return loss.item()

    @torch.inference_mode()
    def stylize(self, content, style, alpha=1.0):
        fc = self.encoder(content)[-1]
        t = alpha * adain(fc, self.encoder(style)[-1]) + (1 - alpha) * fc
        return self.decoder(t).clamp(0, 255).round().to(torch.uint8)


def copy_from_keras(twin, model):
    """Set the twin's weights from a keras_gans AdaINStyleTransfer (HWIO -> OIHW)."""
    for network, convs in ((model.encoder, twin.encoder.convs), (model.decoder, twin.decoder.convs)):
        for name, conv in convs.items():
            kernel, bias = network.get_layer(name).get_weights()
            conv.weight.data = torch.from_numpy(kernel.transpose(3, 2, 0, 1).copy())
            conv.bias.data = torch.from_numpy(bias.copy())


def check_keras():
    import numpy as np

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[3]))  # the repository
    from keras_gans import AdaINStyleTransfer

    model = AdaINStyleTransfer(width=1 / 8)
    twin = AdaINTwin(width=1 / 8)
    copy_from_keras(twin, model)
    rng = np.random.default_rng(0)
    content = rng.uniform(0, 255, (2, 48, 64, 3)).astype("float32")
    style = rng.uniform(0, 255, (2, 40, 40, 3)).astype("float32")
    ours = np.asarray(model([content, style]))
    to_t = lambda a: torch.from_numpy(a.transpose(0, 3, 1, 2).copy())  # noqa: E731
    with torch.no_grad():
        theirs = twin.decoder(adain(twin.encoder(to_t(content))[-1], twin.encoder(to_t(style))[-1]))
    theirs = theirs.numpy().transpose(0, 2, 3, 1)
    loss_c, loss_s = twin.losses(to_t(content), to_t(style))
    model.compile(optimizer="sgd")
    logs = model.train_on_batch(content, style, return_dict=True)
    diff = float(np.abs(ours - theirs).max() / (np.abs(theirs).max() + 1e-12))
    print(f"stylized max relative difference {diff:.2e}; content loss keras {logs['content_loss']:.6g} "
          f"torch {float(loss_c):.6g}; style loss keras {logs['style_loss']:.6g} torch {float(loss_s):.6g}")
    ok = diff < 1e-4 and abs(logs["content_loss"] / float(loss_c) - 1) < 1e-4 \
        and abs(logs["style_loss"] / float(loss_s) - 1) < 1e-4
    print("SAME FUNCTION" if ok else "DIFFERENT")
    return 0 if ok else 1


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check-keras", action="store_true")
    if p.parse_args().check_keras:
        sys.exit(check_keras())
