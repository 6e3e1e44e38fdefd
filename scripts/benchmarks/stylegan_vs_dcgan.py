"""StyleGAN2 vs DCGAN at equal wall-clock on Fashion-MNIST 32x32, a truncation sweep, and StyleGAN's cost (issue 21).

    python scripts/benchmarks/stylegan_vs_dcgan.py                      # train 30 min each side by side, score
    python scripts/benchmarks/stylegan_vs_dcgan.py --minutes 2 --name scratch --runs-dir /tmp/sg   # a quick look
    python scripts/benchmarks/stylegan_vs_dcgan.py --cost               # images/s and peak memory per synthesis
    python scripts/benchmarks/stylegan_vs_dcgan.py --figures docs       # style mixing and a W walk of the 30-min run

**Equal wall-clock.** The two models train at the same time, each in its own process pinned to its own core
(``taskset``) with TensorFlow limited to one thread, so each gets one core of this machine for ``--minutes``
minutes of ``fit`` (tracing included) and neither slows the other more than the other slows it. Both read the
60,000 Fashion-MNIST training images resized to 32x32 (bilinear, antialiased), batch 64, seed ``--seed``:

- DCGAN: ``keras_gans.DCGAN(image_shape=(32, 32, 1))``, Radford et al.'s defaults;
- StyleGAN2: ``keras_gans.StyleGAN(image_shape=(32, 32, 1), synthesis="modulated", latent_dim=128, w_dim=128,
  channel_base=2048, channel_max=128)``: the CPU-sized widths of docs/models/stylegan.md, the papers' training
  otherwise (R1 gamma 10 every 16 steps, style mixing 0.9, Adam 2e-3 beta (0, 0.99), EMA with a half-life of
  10k images: ``ema_kimg=10``, 156 steps at this batch).

A callback stops ``fit`` at the first step that ends after the time limit; the model is then saved (``.keras``).

**Score.** 10,000 images (seed 0; StyleGAN: its EMA generator at psi 1.0, 0.7 and 0.5, and its raw generator at
psi 1.0) against the 10,000 test
images: FID, KID (100 subsets of 1,000), improved precision and recall (k = 3) and density/coverage (k = 5) on the
shipped classifier's 128-d features (``keras_gans.evaluate_samples``). The test images are resized to 32x32 as the
training images were; the classifier takes 28x28, so both sets are resized to 28x28 (bilinear, antialiased) before
it. The floor row scores 10,000 of the (32x32) training images against the test images the same way.

**Cost** (``--cost``): for each synthesis (``adain``, ``modulated``) at 32x32 and 64x64 with the CPU widths,
in each of ``--rounds`` interleaved rounds, a fresh process (TensorFlow's default threads) times 10 training
steps of batch 32 after 3 warm-up steps and generation of 256 images in batches of 64, and reports its peak
resident memory (``ru_maxrss``).

Writes ``--out``/NAME.csv and NAME.md (and ``--out``/NAME_cost.csv/.md for ``--cost``).
"""

import argparse
import datetime
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import toolbox_small_data as tsd  # noqa: E402  (CPU note and commit helpers)

REPO = tsd.REPO
RESULTS = HERE / "results"
BATCH = 64
CPU_WIDTHS = dict(latent_dim=128, w_dim=128, channel_base=2048, channel_max=128)
PSIS = (1.0, 0.7, 0.5)
METRICS = ("fid", "kid", "precision", "recall", "density", "coverage")
#: model -> the samplings scored: (row label, generate() keyword arguments, columns added to the row);
#: StyleGAN2's raw generator shows the EMA's share of its score
SAMPLINGS = {"dcgan": [("dcgan", {}, dict(psi=None))],
             "stylegan2": [(f"stylegan2 psi {psi}", dict(truncation_psi=psi), dict(psi=psi)) for psi in PSIS]
             + [("stylegan2 raw generator (no EMA) psi 1.0", dict(ema=False), dict(psi=1.0, ema=False))]}


def build(model, seed, resolution=32, synthesis="modulated"):
    import keras_gans

    if model == "dcgan":
        return keras_gans.DCGAN(image_shape=(resolution, resolution, 1), seed=seed)
    return keras_gans.StyleGAN(image_shape=(resolution, resolution, 1), synthesis=synthesis, seed=seed, **CPU_WIDTHS)


def train_worker(args):
    """One model for ``--minutes`` of fit on one thread; writes RUN_DIR/record.json and model.keras."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras

    from keras_gans import datasets

    keras.utils.set_random_seed(args.seed)
    run_dir = Path(args.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    images, _, _ = datasets.load_arrays("fashion_mnist", image_size=32)
    data = datasets.make_dataset(images, batch_size=BATCH, seed=args.seed, repeat=True)
    model = build(args.worker, args.seed)
    model.compile()
    limit = args.minutes * 60.0

    class TimeLimit(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start, self.steps = time.perf_counter(), 0

        def on_train_batch_end(self, batch, logs=None):
            self.steps += 1
            if time.perf_counter() - self.start >= limit:
                self.model.stop_training = True

    clock = TimeLimit()
    history = model.fit(data, steps_per_epoch=100, epochs=10 ** 6, callbacks=[clock], verbose=0)
    train_s = time.perf_counter() - clock.start
    model.save(run_dir / "model.keras")
    last = {k: float(v[-1]) for k, v in history.history.items()}
    record = dict(model=args.worker, seed=args.seed, minutes=args.minutes, steps=clock.steps,
                  images_seen=clock.steps * BATCH, train_s=train_s, images_per_s=clock.steps * BATCH / train_s,
                  params_g=int(sum(v.numpy().size for v in model.generator.trainable_weights)),
                  params_d=int(sum(v.numpy().size for v in model.discriminator.trainable_weights)),
                  last_epoch_logs=last, peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  finished_at=datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), commit=tsd.git_commit(["keras_gans"]))
    (run_dir / "record.json").write_text(json.dumps(record, indent=1))


def score(run_dirs, num_samples):
    """Rows of every model's scores (StyleGAN at each psi) and the resize floor."""
    import numpy as np

    from keras_gans import datasets
    from keras_gans.evaluation.metrics import evaluate_samples, get_extractor
    from keras_gans.serving.images import to_uint8
    import keras

    test, _, _ = datasets.load_arrays("fashion_mnist", split="test", image_size=32)
    extractor = get_extractor(None)
    rows = []

    def add(label, generated, extra):
        values = {r["metric"]: r for r in evaluate_samples(generated, test, METRICS, extractor, seed=0)}
        row = dict(label=label, **extra)
        for m in METRICS:
            row[m] = values[m]["value"]
            if m == "kid":
                row["kid_std"] = values[m]["std"]
        rows.append(row)
        print(json.dumps(row), flush=True)

    train32, _, _ = datasets.load_arrays("fashion_mnist", image_size=32)
    add("floor: 10,000 training images", train32[:num_samples], dict(model="floor"))
    for run_dir in run_dirs:
        record = json.loads((Path(run_dir) / "record.json").read_text())
        model = keras.models.load_model(Path(run_dir) / "model.keras")
        for label, kwargs, extra in SAMPLINGS[record["model"]]:
            add(label, np.asarray(to_uint8(model.generate(num_samples, seed=0, **kwargs))), dict(record, **extra))
    return rows


def figures(run_dir, out_dir):
    """The docs' figures of the trained StyleGAN2, from its raw generator and from its EMA generator: Figure 3's
    style-mixing grid (rows 1-3 give the coarse or the fine styles to columns 10-13, as ``keras-gans style-mix
    --styles coarse|fine``) and a walk linear in W (4 rows of 8 steps, ``keras-gans walk --space w``)."""
    import contextlib

    import keras

    from keras_gans.cli.stylegan import band_layers, style_mix_grid
    from keras_gans.latent import walk, walk_grid
    from keras_gans.serving.images import make_grid, save_png

    model = keras.models.load_model(Path(run_dir) / "model.keras")
    written = []
    for which, context in (("raw", model.raw_weights), ("ema", contextlib.nullcontext)):
        with context():
            for band in ("coarse", "fine"):
                start, stop = band_layers(band, model.num_ws)
                path = Path(out_dir) / f"stylegan_mix_{band}_{which}.png"
                save_png(make_grid(style_mix_grid(model, [1, 2, 3], [10, 11, 12, 13], start, stop), cols=5), path)
                written.append(path)
            path = Path(out_dir) / f"stylegan_walk_w_{which}.png"
            save_png(walk_grid(walk(model, 8, seed=0, rows=4, space="w")), path)
            written.append(path)
    print("wrote " + ", ".join(map(str, written)))


def cost_worker(args):
    """Training and generation images/s of one synthesis at one resolution, and the process's peak memory."""
    import keras
    import numpy as np
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    model = build("stylegan2", 0, args.resolution, args.synthesis)
    model.compile()
    images = tf.random.uniform((32 * 13, args.resolution, args.resolution, 1), -1, 1, seed=0)
    data = tf.data.Dataset.from_tensor_slices(images).batch(32, drop_remainder=True)
    model.fit(data.take(3), epochs=1, verbose=0)  # tracing and warm-up
    start = time.perf_counter()
    model.fit(data.skip(3).take(10), epochs=1, verbose=0)
    train_ips = 320 / (time.perf_counter() - start)
    model.generate(64, seed=0, batch_size=64)
    start = time.perf_counter()
    out = model.generate(256, seed=1, batch_size=64)
    gen_ips = 256 / (time.perf_counter() - start)
    assert np.isfinite(np.asarray(out)).all()
    print(json.dumps(dict(synthesis=args.synthesis, resolution=args.resolution, train_images_per_s=train_ips,
                          generate_images_per_s=gen_ips,
                          params_g=int(sum(v.numpy().size for v in model.generator.trainable_weights)),
                          peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))


def table(rows, columns):
    """A markdown table (the library's ``to_markdown``) of ``rows``, one ``(header, cell formatter)`` per column."""
    import pandas as pd

    from keras_gans.evaluation.results import to_markdown

    return to_markdown(pd.DataFrame({header: [cell(r) for r in rows] for header, cell in columns})).rstrip("\n")


def num(key, fmt="{:.3f}"):
    return lambda r: "" if r.get(key) is None or r.get(key) != r.get(key) else fmt.format(r[key])


def spread(values, fmt):
    """``median (min-max)`` of ``values``, each formatted with ``fmt``."""
    text = fmt.format(statistics.median(values))
    return text + (f" ({fmt.format(min(values))}-{fmt.format(max(values))})" if len(values) > 1 else "")


def run_cost(args):
    import pandas as pd

    rows, load_before = [], os.getloadavg()[0]
    configs = [(resolution, synthesis) for resolution in (32, 64) for synthesis in ("adain", "modulated")]
    for round_ in range(args.rounds):  # interleaved: each round times every configuration once, in a new process
        for resolution, synthesis in configs:
            cmd = [sys.executable, __file__, "--cost-worker", synthesis, "--resolution", str(resolution)]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                                 env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
            rows.append(dict(json.loads(out.stdout.strip().splitlines()[-1]), round=round_))
            print(rows[-1], flush=True)
    stem = Path(args.out) / f"{args.name}_cost"
    pd.DataFrame(rows).to_csv(f"{stem}.csv", index=False)
    summary = []
    for resolution, synthesis in configs:
        runs = [r for r in rows if (r["resolution"], r["synthesis"]) == (resolution, synthesis)]
        summary.append(dict(synthesis=synthesis, resolution=f"{resolution}²",
                            params=f"{runs[0]['params_g'] / 1e6:.2f} M",
                            train=spread([r["train_images_per_s"] for r in runs], "{:.1f}"),
                            generate=spread([r["generate_images_per_s"] for r in runs], "{:.0f}"),
                            memory=spread([r["peak_rss_mb"] for r in runs], "{:.0f}")))
    Path(f"{stem}.md").write_text("\n".join([
        "# StyleGAN: images/s and peak memory per synthesis (CPU widths)", "",
        f"- Regenerate: `python scripts/benchmarks/stylegan_vs_dcgan.py --cost --rounds {args.rounds}`. "
        "Method: the script's docstring.",
        f"- Measured {datetime.datetime.now():%Y-%m-%d %H:%M}; commit {tsd.git_commit(['keras_gans'])}; "
        f"1-minute load before: {load_before:.1f}.",
        f"- CPU: {tsd.cpu_note()}. TensorFlow's default threads, float32.",
        f"- Widths: {CPU_WIDTHS}. Training: batch 32, 10 timed steps after 3 warm-up steps (R1 every 16 steps, so "
        "the timed steps hold none or one); generation: 256 images of the EMA generator in batches of 64.",
        f"- {args.rounds} round(s), configurations interleaved, each run a new process: median (min-max) over rounds.",
        "- peak memory: the process's maximum resident set (TensorFlow, the model, the traced steps).", "",
        table(summary, [("synthesis", lambda r: r["synthesis"]), ("resolution", lambda r: r["resolution"]),
                        ("G params", lambda r: r["params"]), ("training images/s", lambda r: r["train"]),
                        ("generation images/s", lambda r: r["generate"]), ("peak memory MB", lambda r: r["memory"])]),
        ""]))


def run_comparison(args):
    import pandas as pd

    runs_dir = Path(args.runs_dir)
    run_dirs = [runs_dir / f"{m}_seed{args.seed}_{args.minutes:g}min" for m in ("dcgan", "stylegan2")]
    load_before = os.getloadavg()[0]
    procs = []
    for core, (model, run_dir) in enumerate(zip(("dcgan", "stylegan2"), run_dirs)):
        if (run_dir / "record.json").exists():
            continue
        cmd = ["taskset", "-c", str(core % os.cpu_count()), sys.executable, __file__, "--worker", model,
               "--run-dir", str(run_dir), "--seed", str(args.seed), "--minutes", str(args.minutes)]
        log = open(runs_dir / f"{run_dir.name}.log", "w")
        procs.append(subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                      env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}))
    for p in procs:
        if p.wait():
            raise SystemExit(f"a training process failed ({p.args}); its log is in {runs_dir}")
    rows = score(run_dirs, args.num_samples)
    stem = Path(args.out) / args.name
    pd.DataFrame(rows).to_csv(f"{stem}.csv", index=False)
    trained = [r for r in rows if r["model"] != "floor"]
    by_model = {r["model"]: r for r in trained}
    Path(f"{stem}.md").write_text("\n".join([
        "# StyleGAN2 vs DCGAN at equal wall-clock, Fashion-MNIST 32x32", "",
        f"- Regenerate: `python scripts/benchmarks/stylegan_vs_dcgan.py --minutes {args.minutes:g} --seed {args.seed}`"
        " (finished runs in `--runs-dir` are reused). Method: the script's docstring.",
        f"- Written {datetime.datetime.now():%Y-%m-%d %H:%M}; training commit(s): "
        f"{', '.join(sorted({r['commit'] for r in trained}))}; 1-minute load before training {load_before:.1f}.",
        f"- CPU: {tsd.cpu_note()}. Each model on its own core, one TensorFlow thread, float32, "
        f"{args.minutes:g} minutes of `fit` each, at the same time.",
        "- Scores: 10,000 samples (seed 0) vs the 10,000 test images on the shipped classifier's features "
        "(samples and test images at 32x32, resized to 28x28 for it). FID, KID: lower is better; precision "
        "(fidelity), recall (diversity), density, coverage: higher is better.", "",
        "## Training", "",
        table(list(by_model.values()), [
            ("model", lambda r: r["model"]), ("steps", lambda r: str(r["steps"])),
            ("images seen", lambda r: f"{r['images_seen']:,}"), ("images/s", num("images_per_s", "{:.1f}")),
            ("G / D params", lambda r: f"{r['params_g'] / 1e6:.2f} M / {r['params_d'] / 1e6:.2f} M"),
            ("peak memory MB", num("peak_rss_mb", "{:.0f}")), ("finished", lambda r: r["finished_at"])]), "",
        "## Scores", "",
        table(rows, [("samples", lambda r: r["label"]), ("FID", num("fid", "{:.2f}")), ("KID", num("kid", "{:.4f}")),
                     ("KID std", num("kid_std", "{:.4f}")), ("precision", num("precision")),
                     ("recall", num("recall")), ("density", num("density")), ("coverage", num("coverage"))]), ""]))
    print(f"wrote {stem}.md")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--num-samples", type=int, default=10000)
    p.add_argument("--runs-dir", default=str(REPO / "runs" / "stylegan_vs_dcgan"), help="models and logs")
    p.add_argument("--out", default=str(RESULTS))
    p.add_argument("--name", default="stylegan_vs_dcgan")
    p.add_argument("--cost", action="store_true")
    p.add_argument("--rounds", type=int, default=3, help="--cost: interleaved rounds (3)")
    p.add_argument("--figures", metavar="DIR", help="write the docs' figures of the trained StyleGAN2 into DIR")
    p.add_argument("--worker", choices=("dcgan", "stylegan2"), help=argparse.SUPPRESS)
    p.add_argument("--run-dir", help=argparse.SUPPRESS)
    p.add_argument("--cost-worker", choices=("adain", "modulated"), dest="synthesis", help=argparse.SUPPRESS)
    p.add_argument("--resolution", type=int, default=32, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        return train_worker(args)
    if args.synthesis:
        return cost_worker(args)
    Path(args.runs_dir).mkdir(parents=True, exist_ok=True)
    if args.figures:
        return figures(Path(args.runs_dir) / f"stylegan2_seed{args.seed}_{args.minutes:g}min", args.figures)
    return run_cost(args) if args.cost else run_comparison(args)


if __name__ == "__main__":
    main()
