"""FID of every saved run (CACHE/samples/*.npy, 10,000 generated images) vs the 10,000 test images, on the
penultimate (256-d) features of feature_net.py's classifier; one script for both frameworks' samples.

Writes results/runs.csv (one row per run with its meta) and results/summary.md (mean ± std per configuration).
Also scores 10,000 training images vs test as a floor.

  /tmp/torchvenv/bin/python scripts/benchmarks/dcgan_parity/score.py
"""

import csv
import json
import time

import numpy as np

from common import CACHE, RESULTS, load_split
from feature_net import features, load_feature_net

CONFIG_KEYS = ("framework", "gamma_init", "logit_init", "adam_eps", "adam_eps_placement", "g_step", "d_batch", "sync_bn")


def stats(f):
    return f.mean(0), np.cov(f, rowvar=False)


def fid(s1, s2):
    """Fréchet distance; tr sqrt(C1 C2) from the eigenvalues of C1^1/2 C2 C1^1/2 (symmetric PSD)."""
    (m1, c1), (m2, c2) = s1, s2
    w, v = np.linalg.eigh(c1)
    root1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    ev = np.linalg.eigvalsh(root1 @ c2 @ root1)
    return float(((m1 - m2) ** 2).sum() + np.trace(c1) + np.trace(c2) - 2 * np.sqrt(np.clip(ev, 0, None)).sum())


def main():
    net = load_feature_net()
    test_stats = stats(features(net, load_split("test")[0]))
    train = load_split("train")[0]
    floor = fid(stats(features(net, train[np.random.default_rng(0).permutation(len(train))[:10000]])), test_stats)
    rows = []
    for meta_path in sorted((RESULTS / "runs").glob("*.json")):
        meta = json.loads(meta_path.read_text())
        samples = np.load(CACHE / "samples" / f"{meta['name']}.npy")
        meta["fid"] = fid(stats(features(net, samples)), test_stats)
        meta["config"] = " ".join(f"{k}={meta[k]}" for k in CONFIG_KEYS)
        rows.append(meta)
        print(f"{meta['name']}: FID {meta['fid']:.3f}", flush=True)
    cols = ["name", "fid", "seed", "framework", "gamma_init", "logit_init", "adam_eps", "adam_eps_placement", "g_step",
            "d_batch", "sync_bn", "steps", "batch", "d_loss_epoch_mean", "g_loss_epoch_mean", "train_seconds", "date",
            "cpu", "avx512_bf16", "amx", "cpus", "commit"]
    with open(RESULTS / "runs.csv", "w", newline="") as f:
        w = csv.DictWriter(f, cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    acc = json.loads((RESULTS / "feature_net.json").read_text())["test_accuracy"]
    groups = {}
    for r in rows:
        groups.setdefault(r["config"], []).append(r)
    lines = [f"# DCGAN 32x32 Fashion-MNIST: keras_gans vs its PyTorch twin ({time.strftime('%Y-%m-%d %H:%M')})", "",
             f"FID: 10,000 samples vs the 10,000 test images, 256-d penultimate features of an independent CNN "
             f"(feature_net.py, test accuracy {acc:.4f}). 10,000 training images vs test: FID {floor:.3f} (floor).",
             f"Batch 128, 940 steps. CPU: {rows[0]['cpu'] if rows else '?'}, avx512_bf16={rows[0]['avx512_bf16'] if rows else '?'}, "
             f"amx={rows[0]['amx'] if rows else '?'}; float32 everywhere. Rows per run: runs.csv.", "",
             "| configuration | n | FID mean ± std | FIDs (seed) |", "| --- | --- | --- | --- |"]
    for config, rs in groups.items():
        f_ = np.array([r["fid"] for r in rs])
        std = f_.std(ddof=1) if len(f_) > 1 else float("nan")
        each = ", ".join(f"{r['fid']:.2f} ({r['seed']})" for r in sorted(rs, key=lambda r: r["seed"]))
        lines.append(f"| {config} | {len(rs)} | {f_.mean():.2f} ± {std:.2f} | {each} |")
    (RESULTS / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
