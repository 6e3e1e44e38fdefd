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


def student_t_two_sided_p(t, df):
    """Two-sided p of Student's t with (real) ``df`` degrees of freedom, by integrating its density (numpy only)."""
    import math

    x = np.linspace(0.0, abs(t), 200001)
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    pdf = np.exp(log_c - (df + 1) / 2 * np.log1p(x**2 / df))
    return float(max(0.0, 1.0 - 2.0 * np.trapezoid(pdf, x)))


def compare_baselines(rows):
    """Markdown lines: the plain baselines (every CONFIG_KEYS at its default) of keras_gans vs torch: mean ± std,
    range, whether the ranges overlap, Welch's t."""
    def base(r):
        return (r["gamma_init"], r["logit_init"], float(r["adam_eps"]), r["g_step"], r["d_batch"]) == (
            "ones", "library", 1e-7, "fresh", "separate") and (r["framework"] == "torch" or r["sync_bn"] in (True, 1))

    groups = {fw: sorted((r for r in rows if r["framework"] == fw and base(r)), key=lambda r: r["seed"])
              for fw in ("keras_gans", "torch")}
    if not all(len(g) >= 2 for g in groups.values()):
        return []
    out = ["", "## Plain baselines: keras_gans vs the torch twin", "",
           "| framework | n | FID mean ± std (sample) | min - max | FIDs (seed) | train seconds (each) | commits |",
           "| --- | --- | --- | --- | --- | --- | --- |"]
    summary = {}
    for fw, g in groups.items():
        f_ = np.array([r["fid"] for r in g])
        summary[fw] = (f_.mean(), f_.std(ddof=1), len(f_), f_.min(), f_.max())
        out.append(f"| {fw} | {len(f_)} | {f_.mean():.2f} ± {f_.std(ddof=1):.2f} | {f_.min():.2f} - {f_.max():.2f} | "
                   + ", ".join(f"{r['fid']:.2f} ({r['seed']})" for r in g) + " | "
                   + ", ".join(f"{float(r['train_seconds']):.0f}" for r in g) + " | "
                   + ", ".join(sorted({str(r.get('commit')) for r in g})) + " |")
    (m1, s1, n1, lo1, hi1), (m2, s2, n2, lo2, hi2) = summary["keras_gans"], summary["torch"]
    v1, v2 = s1**2 / n1, s2**2 / n2
    t = (m1 - m2) / np.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    overlap = max(lo1, lo2) <= min(hi1, hi2)
    out += ["", f"keras_gans - torch: {m1 - m2:+.2f} FID ({100 * (m1 / m2 - 1):+.1f} %); the seed ranges "
            f"{'overlap' if overlap else 'do not overlap'}; Welch's t = {t:.2f} with {df:.1f} degrees of freedom, "
            f"two-sided p = {student_t_two_sided_p(t, df):.2f} (lower FID is better; seeds are not paired across "
            f"frameworks: the same seed gives different initial weights and data order in each)."]
    return out


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
    lines += compare_baselines(rows)
    (RESULTS / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
