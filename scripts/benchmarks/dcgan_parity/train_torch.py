"""Train the PyTorch twin of keras_gans' DCGAN (scripts/benchmarks/torch_twins/torch_dcgan.py) at 32x32x1
on the same padded Fashion-MNIST uint8 array, batch 128, 940 steps, shuffled each epoch (drop_remainder),
and save 10,000 samples (G in eval mode, as keras_gans' ``generate`` uses training=False).

Defaults are the twin's (= keras_gans' hyper-parameters): Adam(2e-4, betas (0.5, 0.999), eps 1e-7), BN gamma 1,
weights N(0, 0.02), separate D passes for real and fake, fresh z for the G step. Flags for the reference
DCGAN code's choices: --adam-eps 1e-8 (torch default), --gamma-init normal (N(1, 0.02), pytorch/examples dcgan),
--g-step reuse (pytorch/examples dcgan reuses the D step's fake batch).

  /tmp/torchvenv/bin/python scripts/benchmarks/dcgan_parity/train_torch.py --seed 0 --name torch_base_s0
"""

import argparse
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from common import HERE, load_split, save_run, to_uint8

sys.path.insert(0, str(HERE.parent / "torch_twins"))
from torch_dcgan import LATENT_DIM, make_models  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--steps", type=int, default=940)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--num-samples", type=int, default=10000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--adam-eps", type=float, default=1e-7)
    p.add_argument("--gamma-init", choices=("ones", "normal"), default="ones")
    p.add_argument("--g-step", choices=("fresh", "reuse"), default="fresh")
    args = p.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    images, _ = load_split("train")
    data = torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2)))  # uint8 NCHW
    g, d = make_models(32, 1)
    if args.gamma_init == "normal":
        for m in list(g.modules()) + list(d.modules()):
            if isinstance(m, nn.BatchNorm2d):
                nn.init.normal_(m.weight, 1.0, 0.02)
    g.train()
    d.train()
    g_opt = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=args.adam_eps)
    d_opt = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=args.adam_eps)
    gen = torch.Generator().manual_seed(args.seed)
    per_epoch = len(data) // args.batch_size
    m = args.batch_size
    t0 = time.time()
    d_losses, g_losses = [], []
    perm = None
    for step in range(args.steps):
        j = step % per_epoch
        if j == 0:
            perm = torch.randperm(len(data), generator=gen)
        real = data[perm[j * m:(j + 1) * m]].float() / 127.5 - 1.0
        # D step: fakes from the current G (training-mode BN, no gradient to G); two D passes
        if args.g_step == "reuse":
            fake_g = g(torch.randn(m, LATENT_DIM))
            fake = fake_g.detach()
        else:
            with torch.no_grad():
                fake = g(torch.randn(m, LATENT_DIM))
        real_logits = d(real)
        fake_logits = d(fake)
        d_loss = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits)) + \
            F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
        d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        d_opt.step()
        # G step: fresh noise (or the D step's fake), non-saturating loss
        fake = fake_g if args.g_step == "reuse" else g(torch.randn(m, LATENT_DIM))
        fake_logits = d(fake)
        g_loss = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()
        d_losses.append(d_loss.item())
        g_losses.append(g_loss.item())
        if (step + 1) % 100 == 0:
            print(f"step {step + 1}: d_loss {np.mean(d_losses[-100:]):.4f} g_loss {np.mean(g_losses[-100:]):.4f} "
                  f"{time.time() - t0:.0f}s", flush=True)
    seconds = time.time() - t0
    g.eval()
    out = []
    with torch.no_grad():
        for start in range(0, args.num_samples, 500):
            n = min(500, args.num_samples - start)
            out.append(g(torch.randn(n, LATENT_DIM)).numpy().transpose(0, 2, 3, 1))
    samples = to_uint8(np.concatenate(out))
    meta = {
        "framework": "torch", "torch": torch.__version__, "seed": args.seed, "steps": args.steps,
        "batch": args.batch_size, "gamma_init": args.gamma_init, "logit_init": "library", "adam_eps": args.adam_eps,
        "adam_eps_placement": "torch", "g_step": args.g_step, "d_batch": "separate", "sync_bn": False,
        "d_loss_epoch_mean": float(np.mean(d_losses)), "g_loss_epoch_mean": float(np.mean(g_losses)),
        "train_seconds": seconds, "date": time.strftime("%Y-%m-%d %H:%M"),
    }
    save_run(args.name, samples, meta)
    print("RESULT " + json.dumps(meta))


if __name__ == "__main__":
    main()
