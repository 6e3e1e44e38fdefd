"""Train the presets shipped in ``keras_gans/presets/data`` and write their model cards (issue 23).

    python scripts/presets/train_presets.py                       # every preset
    python scripts/presets/train_presets.py dcgan_fashion_mnist   # one of them

Each preset is trained by the ``keras-gans train`` command in :data:`PRESETS` (in its own process, into
``--runs-dir/NAME``). The trained ``model.keras`` is then written as the preset, with float16 weights and no
optimizer state (``keras_gans.presets.save``). Its card's metrics are measured on the *loaded preset*
(``keras_gans.presets.measure``), so the shipped numbers are those of the shipped weights;
``tests/presets/test_presets.py`` measures them again. A preset trained in a mixed precision is shipped computing in
float32 (``to_precision``), so that it gives its card's numbers on any CPU. ``--reuse`` skips the training of a
preset whose run folder already holds its ``model.keras`` (and its ``train_seconds.txt``).
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

#: name -> (`keras-gans` arguments, measurement protocol, data, what it is)
PRESETS = {
    "dcgan_fashion_mnist": (
        ["train", "dcgan", "--dataset", "fashion_mnist", "--epochs", "5", "--seed", "0"], "fid_kid_2000",
        "Fashion-MNIST training set (60,000 images, 28x28x1)",
        "DCGAN (Radford et al. 2015) with the paper's networks and optimizer (ngf = ndf = 64, Adam 2e-4 / beta1 0.5), "
        "batch 64 (the CLI's default; the paper's is 128), 5 epochs"),
    "pix2pix_fashion_edges": (
        ["train", "pix2pix", "--g-filters", "16", "--d-filters", "16", "--epochs", "4", "--steps-per-epoch", "500",
         "--seed", "0"], "pix2pix_mae_1000",
        "built-in fashion_edges: the 6,000 embedded Fashion-MNIST garments (32x32) and their Sobel sketches",
        "Pix2Pix (Isola et al. 2017): U-Net + 70x70 PatchGAN + L1 (weight 100), batch 1, at a quarter of the paper's "
        "widths (ngf = ndf = 16) to keep the package small"),
    "cyclegan_sneaker2boot": (
        ["train", "cyclegan", "--g-filters", "16", "--d-filters", "16", "--epochs", "4", "--steps-per-epoch", "750",
         "--seed", "0"], "cyclegan_fid_1000",
        "built-in fashion_sneaker2boot: Fashion-MNIST sneakers (A) and ankle boots (B), unpaired, 32x32",
        "CycleGAN (Zhu et al. 2017): ResNet generators (6 blocks), PatchGAN, cycle 10, identity 0.5, batch 1, at a "
        "quarter of the paper's widths (ngf = ndf = 16)"),
    "stylegan2_fashion_mnist": (
        ["train", "stylegan", "--dataset", "fashion_mnist", "--image-size", "32", "--latent-dim", "128", "--w-dim",
         "128", "--channel-base", "2048", "--channel-max", "128", "--precision", "mixed_bfloat16", "--epochs", "4",
         "--steps-per-epoch", "1000", "--seed", "0"], "fid_kid_2000",
        "Fashion-MNIST training set (60,000 images, resized to 32x32x1)",
        "StyleGAN2 (Karras et al. 2020): mapping network (8 layers), modulated convolutions, skip generator, residual "
        "discriminator, R1 10 every 16 steps, style mixing 0.9, EMA half-life 10k images; at the CPU widths of "
        "docs/models/stylegan.md (z = w = 128, feature maps min(2048 / resolution, 128)), batch 64, trained in "
        "mixed bfloat16"),
}


def train(name, runs_dir, reuse=False):
    args, protocol, data, what = PRESETS[name]
    run = Path(runs_dir) / name
    if reuse and (run / "model.keras").is_file() and (run / "train_seconds.txt").is_file():
        print(f"{name}: reusing {run / 'model.keras'}", flush=True)
        return run / "model.keras", float((run / "train_seconds.txt").read_text())
    cmd = [sys.executable, "-m", "keras_gans.cli", *args, "--out", str(run), "--export-dir", str(run / "export")]
    log = Path(runs_dir) / f"{name}.log"
    print(f"[{time.strftime('%H:%M:%S')}] {name}: keras-gans {' '.join(args)}", flush=True)
    start = time.perf_counter()
    with open(log, "w") as f:
        rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)}).returncode
    if rc != 0:
        raise SystemExit(f"{name}: training failed ({rc}); log {log}")
    seconds = time.perf_counter() - start
    (run / "train_seconds.txt").write_text(f"{seconds:.1f}\n")
    return run / "model.keras", seconds


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("names", nargs="*", metavar="NAME", help=f"presets to train (default all: {', '.join(PRESETS)})")
    p.add_argument("--runs-dir", default="/tmp/presets_runs")
    p.add_argument("--reuse", action="store_true", help="skip training where the run folder holds a trained model")
    args = p.parse_args(argv)
    unknown = [n for n in args.names if n not in PRESETS]
    if unknown:
        p.error(f"unknown presets {unknown}; expected some of {list(PRESETS)}")
    os.makedirs(args.runs_dir, exist_ok=True)
    import keras

    from keras_gans import presets
    from keras_gans.presets.measure import measure
    from scripts.benchmarks.toolbox_small_data import cpu_note, git_commit

    for name in args.names or list(PRESETS):
        cli_args, protocol, data, what = PRESETS[name]
        commit = git_commit(("keras_gans",))
        model_path, seconds = train(name, args.runs_dir, args.reuse)
        model = keras.models.load_model(model_path)
        steps = int(model.g_optimizer.iterations.numpy()) if hasattr(model, "g_optimizer") else None
        if getattr(model, "precision_policy", "float32") != "float32":  # shipped computing in float32
            model = model.to_precision("float32")
        card = {"description": what, "data": data, "command": "keras-gans " + " ".join(cli_args),
                "generator_steps": steps, "trained_on": f"{cpu_note()}; {seconds / 60:.1f} min", "commit": commit,
                "regenerate": f"python scripts/presets/train_presets.py {name}", "protocol": protocol}
        presets.save(model, name, {**card, "metrics": {}})
        card["metrics"] = measure(presets.load(name), protocol)  # on the shipped float16 weights
        card = presets.save(model, name, card)
        print(f"{name}: {card['metrics']} ({card['size_bytes'] / 1e6:.2f} MB)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
