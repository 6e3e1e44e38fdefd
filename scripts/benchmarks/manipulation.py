"""Generative visual manipulation (iGAN) measured on held-out Fashion-MNIST garments (issue 23).

    python scripts/benchmarks/manipulation.py                              # the DCGAN preset, 512 edits
    python scripts/benchmarks/manipulation.py --model runs/dcgan/model.keras --num 128 --name scratch

**Edits.** Edit ``i`` starts from the model's sample ``i`` of seed 0. Its colour strokes are sampled from held-out
test garment ``i`` (the first ``--num`` Fashion-MNIST test images, never trained on): three horizontal strokes
two pixels high across the middle half of the image, at rows drawn at random (seed 0) from rows 6-21, coloured
with the true garment's pixels. ``keras_gans.latent.manipulate`` runs with its defaults (200 Adam iterations, colour
weight 1, keep weight 0.5, z weight 0.01) in batches of 64.

**Measured.**

- The colour error at the strokes (mean squared error in [-1, 1] units) before (the start sample) and after.
- The keep error after: the mean squared change outside the strokes (2-pixel margin).
- Realism: FID and KID on the shipped classifier's features of the edited set and of the unedited starts, each
  against the 10,000 test images.
- Latency on this CPU, for a single edit (batch 1) and per edit in a batch of 64: the median of ``--timing-runs``
  calls after one warm-up (tracing) call.

Writes ``--out``/NAME.md and NAME.json.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import toolbox_small_data as tsd  # noqa: E402  (CPU and commit helpers)

RESULTS = HERE / "results"


def strokes(targets, seed=0):
    """``(colors, mask)``: three 2-pixel horizontal strokes per image over the middle half, coloured as the target."""
    rng = np.random.default_rng(seed)
    num, size = len(targets), targets.shape[1]
    mask = np.zeros((num, size, size), "float32")
    for i in range(num):
        for row in rng.choice(np.arange(6, size - 6), 3, replace=False):
            mask[i, row:row + 2, size // 4: 3 * size // 4] = 1.0
    return targets, mask


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="preset:dcgan_fashion_mnist", help="MODEL.keras or preset:NAME")
    p.add_argument("--num", type=int, default=512)
    p.add_argument("--timing-runs", type=int, default=5)
    p.add_argument("--out", default=str(RESULTS))
    p.add_argument("--name", default="manipulation")
    args = p.parse_args(argv)
    from keras_gans import datasets
    from keras_gans.cli.loading import load
    from keras_gans.evaluation.metrics import fid, kid
    from keras_gans.latent import manipulate

    model = load(args.model, saved_model=False)
    test = datasets.load_arrays("fashion_mnist", split="test")[0]
    targets = test[: args.num].astype("float32") / 127.5 - 1.0
    colors, mask = strokes(targets)
    start = time.perf_counter()
    result = manipulate(model, seed=0, num=args.num, colors=colors, color_mask=mask)
    total_s = time.perf_counter() - start

    def timed(n):
        runs = []
        for k in range(args.timing_runs + 1):
            t = time.perf_counter()
            manipulate(model, seed=k, num=n, colors=colors[:n], color_mask=mask[:n])
            runs.append(time.perf_counter() - t)
        return runs[1:]  # the first call traces

    single, batch = timed(1), timed(64)
    fid_edited, fid_start = float(fid(test, result.images)), float(fid(test, result.start_images))
    kid_edited, kid_start = kid(test, result.images)[0], kid(test, result.start_images)[0]
    c, k = result.color_error, result.keep_error
    record = {
        "model": args.model, "num": args.num, "color_error_before": float(c["before"].mean()),
        "color_error_before_std": float(c["before"].std()), "color_error_after": float(c["after"].mean()),
        "color_error_after_std": float(c["after"].std()),
        "edits_with_lower_color_error": float(np.mean(c["after"] < c["before"])),
        "keep_error_after": float(k["after"].mean()), "keep_error_after_std": float(k["after"].std()),
        "fid_edited": fid_edited, "fid_start": fid_start, "kid_edited": float(kid_edited),
        "kid_start": float(kid_start), "seconds_all": total_s,
        "latency_single_s": statistics.median(single), "latency_single_runs": single,
        "latency_per_edit_batch64_s": statistics.median(batch) / 64, "latency_batch64_runs": batch,
        "load_1min_after": os.getloadavg()[0], "cpu": tsd.cpu_note(), "commit": tsd.git_commit(("keras_gans",)), "measured": time.strftime("%Y-%m-%d %H:%M"),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{args.name}.json").write_text(json.dumps(record, indent=1) + "\n")
    r = record
    md = [f"# Generative visual manipulation (iGAN) on {args.num} held-out Fashion-MNIST garments", "",
          f"- Regenerate: `python scripts/benchmarks/manipulation.py --model {args.model} --num {args.num}` "
          "(method: the script's docstring).",
          f"- Model: `{args.model}`; measured {r['measured']} at {r['commit']}; CPU: {r['cpu']}; 1-minute load "
          f"average at the end {r['load_1min_after']:.1f} (other jobs ran alongside when it is above 2: the latencies "
          "are then upper bounds).", "",
          "| quantity | before (the start samples) | after the edit |", "|---|---|---|",
          f"| colour error at the strokes (MSE, [-1, 1] units) | {r['color_error_before']:.4f} ± "
          f"{r['color_error_before_std']:.4f} | {r['color_error_after']:.4f} ± {r['color_error_after_std']:.4f} |",
          f"| change outside the strokes (MSE) | 0 | {r['keep_error_after']:.4f} ± {r['keep_error_after_std']:.4f} |",
          f"| FID vs the 10,000 test images (shipped classifier) | {r['fid_start']:.2f} | {r['fid_edited']:.2f} |",
          f"| KID | {r['kid_start']:.4f} | {r['kid_edited']:.4f} |", "",
          f"- {100 * r['edits_with_lower_color_error']:.1f} % of the edits lowered their colour error.",
          f"- Latency (200 iterations): {r['latency_single_s']:.2f} s for one edit, "
          f"{1000 * r['latency_per_edit_batch64_s']:.0f} ms per edit in a batch of 64 (medians of "
          f"{args.timing_runs} calls after a warm-up; all {args.num} edits: {r['seconds_all']:.0f} s).", ""]
    (out / f"{args.name}.md").write_text("\n".join(md))
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
