"""The independent feature network: a small CNN classifier trained on padded 32x32 Fashion-MNIST (torch).

Not keras_gans' shipped classifier. conv(1->32) -> BN-ReLU-pool -> conv(32->64) -> BN-ReLU-pool ->
conv(64->128) -> BN-ReLU-pool -> fc(2048->256) -> ReLU [penultimate features, 256-d] -> dropout -> fc(256->10).
Adam 1e-3, batch 128, 1 epoch (4 took too long on the shared CPU), seed 0, light augmentation: none. Writes CACHE/feature_net.pt and
results/feature_net.json (test accuracy).

  /tmp/torchvenv/bin/python scripts/benchmarks/dcgan_parity/feature_net.py
"""

import json
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from common import CACHE, RESULTS, load_split


class FeatureNet(nn.Module):
    def __init__(self):
        super().__init__()
        def block(i, o):
            return nn.Sequential(nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(), nn.MaxPool2d(2))
        self.body = nn.Sequential(block(1, 32), block(32, 64), block(64, 128), nn.Flatten(),
                                  nn.Linear(128 * 4 * 4, 256), nn.ReLU())
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(256, 10))

    def forward(self, x):
        return self.head(self.body(x))

    def features(self, x):
        return self.body(x)


def to_input(images_uint8):
    """uint8 [N, 32, 32, 1] -> float [N, 1, 32, 32] in [-1, 1]."""
    return torch.from_numpy(np.ascontiguousarray(images_uint8.transpose(0, 3, 1, 2))).float() / 127.5 - 1.0


def load_feature_net():
    net = FeatureNet()
    net.load_state_dict(torch.load(CACHE / "feature_net.pt"))
    net.eval()
    return net


@torch.no_grad()
def features(net, images_uint8, batch=1000):
    return np.concatenate([net.features(to_input(images_uint8[i:i + batch])).double().numpy()
                           for i in range(0, len(images_uint8), batch)])


def main(epochs=1):
    torch.set_num_threads(2)
    torch.manual_seed(0)
    x, y = load_split("train")
    xt, yt = load_split("test")
    net = FeatureNet()
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    gen = torch.Generator().manual_seed(0)
    xs, ys = to_input(x), torch.from_numpy(y)
    t0 = time.time()
    for epoch in range(epochs):
        net.train()
        perm = torch.randperm(len(xs), generator=gen)
        for i in range(0, len(xs), 128):
            idx = perm[i:i + 128]
            loss = F.cross_entropy(net(xs[idx]), ys[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            pred = torch.cat([net(to_input(xt[i:i + 1000])).argmax(1) for i in range(0, len(xt), 1000)])
        acc = float((pred.numpy() == yt).mean())
        print(f"epoch {epoch + 1}: test accuracy {acc:.4f} ({time.time() - t0:.0f}s)", flush=True)
    torch.save(net.state_dict(), CACHE / "feature_net.pt")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "feature_net.json").write_text(json.dumps(
        {"test_accuracy": acc, "epochs": epochs, "features": 256, "seed": 0, "torch": torch.__version__,
         "date": time.strftime("%Y-%m-%d %H:%M")}, indent=1) + "\n")


if __name__ == "__main__":
    main()
