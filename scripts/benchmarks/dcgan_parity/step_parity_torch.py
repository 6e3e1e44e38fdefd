"""Step-level parity, torch half: load step_parity_keras.py's initial weights into the torch twin, replay the
same real batches and z's through the twin's training step (Adam eps 1e-7 unless --adam-eps), and print the
relative difference ||w_torch - w_keras|| / ||w_keras - w_init|| of every tensor after each checkpoint: the
difference as a fraction of how far training moved the weight (0 = same step, 1 = as different as the step).

  /tmp/torchvenv/bin/python scripts/benchmarks/dcgan_parity/step_parity_torch.py [--adam-eps 1e-7] [--keras-eps]
"""

import argparse
import json
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from common import CACHE, HERE, RESULTS, load_split

sys.path.insert(0, str(HERE.parent / "torch_twins"))
from torch_dcgan import make_models  # noqa: E402


def mapping(g, d):
    """(torch tensor, keras key, numpy layout function keras -> torch) for every parameter and BN buffer."""
    out = []
    c = g.start_filters
    out.append((g.project.weight, "generator/project/kernel",
                lambda k: k.reshape(-1, 4, 4, c).transpose(0, 3, 1, 2).reshape(k.shape[0], -1).T))
    convs = [m for m in g.body if isinstance(m, nn.ConvTranspose2d)]
    names = [f"up_{i}" for i in range(len(convs) - 1)] + ["to_image"]
    for m, name in zip(convs, names):
        out.append((m.weight, f"generator/{name}/kernel", lambda k: k.transpose(3, 2, 0, 1)))
        if m.bias is not None:
            out.append((m.bias, f"generator/{name}/bias", lambda k: k))
    bns = [(m, f"generator/norm_{i}") for i, m in enumerate(x for x in g.body if isinstance(x, nn.BatchNorm2d))]
    for i, m in enumerate(x for x in d.body if isinstance(x, nn.Conv2d)):
        out.append((m.weight, f"discriminator/down_{i}/kernel", lambda k: k.transpose(3, 2, 0, 1)))
        if m.bias is not None:
            out.append((m.bias, f"discriminator/down_{i}/bias", lambda k: k))
    bns += [(m, f"discriminator/norm_{i + 1}") for i, m in enumerate(x for x in d.body if isinstance(x, nn.BatchNorm2d))]
    for m, name in bns:
        for t, w in ((m.weight, "gamma"), (m.bias, "beta"), (m.running_mean, "moving_mean"),
                     (m.running_var, "moving_variance")):
            out.append((t, f"{name}/{w}", lambda k: k))
    cd = d.logit.weight.shape[1] // 16
    out.append((d.logit.weight, "discriminator/logit/kernel",
                lambda k: k.reshape(4, 4, cd, 1).transpose(2, 0, 1, 3).reshape(-1, 1).T))
    out.append((d.logit.bias, "discriminator/logit/bias", lambda k: k))
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--adam-eps", type=float, default=1e-7)
    p.add_argument("--keras-eps", action="store_true", help="torch Adam with Keras's eps placement (eps-hat)")
    args = p.parse_args()
    torch.set_num_threads(2)
    dump = dict(np.load(CACHE / "step_parity.npz"))
    images = load_split("train")[0]
    g, d = make_models(32, 1)
    table = mapping(g, d)
    with torch.no_grad():
        for t, key, f in table:
            t.copy_(torch.from_numpy(np.ascontiguousarray(f(dump[f"init/{key}"]))))
    g.train()
    d.train()
    kw = dict(lr=2e-4, betas=(0.5, 0.999), eps=args.adam_eps)
    g_opt, d_opt = torch.optim.Adam(g.parameters(), **kw), torch.optim.Adam(d.parameters(), **kw)
    zs, idx = dump["zs"], dump["idx"]
    report = {}
    for step in range(len(idx)):
        if args.keras_eps:  # eps-hat: torch eps = eps / sqrt(1 - b2^t)
            for opt in (g_opt, d_opt):
                opt.param_groups[0]["eps"] = args.adam_eps / np.sqrt(1 - 0.999 ** (step + 1))
        real = torch.from_numpy(np.ascontiguousarray(images[idx[step]].transpose(0, 3, 1, 2))).float() / 127.5 - 1.0
        with torch.no_grad():
            fake = g(torch.from_numpy(zs[step, 0]))
        rl, fl = d(real), d(fake)
        d_loss = F.binary_cross_entropy_with_logits(rl, torch.ones_like(rl)) + \
            F.binary_cross_entropy_with_logits(fl, torch.zeros_like(fl))
        d_opt.zero_grad()
        d_loss.backward()
        d_opt.step()
        fl = d(g(torch.from_numpy(zs[step, 1])))
        g_loss = F.binary_cross_entropy_with_logits(fl, torch.ones_like(fl))
        g_opt.zero_grad()
        g_loss.backward()
        g_opt.step()
        key = f"step{step + 1}"
        if f"{key}/generator/project/kernel" not in dump:
            continue
        rows = {}
        for t, name, f in table:
            k_now, k_init = f(dump[f"{key}/{name}"]), f(dump[f"init/{name}"])
            moved = np.linalg.norm(k_now - k_init)
            diff = np.linalg.norm(t.detach().numpy() - k_now)
            rows[name] = float(diff / moved) if moved > 0 else float(diff)
        params = {k: v for k, v in rows.items() if "moving" not in k}
        buffers = {k: v for k, v in rows.items() if "moving" in k}
        worst = max(params, key=params.get)
        report[key] = {"max_rel_param": params[worst], "worst_param": worst,
                       "median_rel_param": float(np.median(list(params.values()))),
                       "max_rel_bn_buffer": max(buffers.values()), "worst_buffer": max(buffers, key=buffers.get),
                       "d_loss_torch": d_loss.item(), "g_loss_torch": g_loss.item()}
        print(key, json.dumps(report[key]), flush=True)
    tag = f"eps{args.adam_eps:g}" + ("_kerasplacement" if args.keras_eps else "")
    (RESULTS / f"step_parity_{tag}.json").write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
