"""The small-data table of the training toolbox (issue 20): DCGAN on the 6,000-image embedded Fashion-MNIST subset,
plain vs EMA alone vs DiffAugment + EMA vs ADA + EMA, three seeds each.

    python scripts/benchmarks/toolbox_small_data.py                       # 4 configs x seeds 0 1 2, 3,000 steps
    python scripts/benchmarks/toolbox_small_data.py --configs plain ema ema_rampup --name toolbox_small_data_ema_rampup
    python scripts/benchmarks/toolbox_small_data.py --configs plain ada_ema --seeds 0 --steps 20 --name scratch
    python scripts/benchmarks/toolbox_small_data.py --configs plain bf16 --name precision_small_data   # issue 22
    python scripts/benchmarks/toolbox_small_data.py --configs plain diffaugment_ema ada_ema --steps 10000 \
        --precision mixed_bfloat16 --name toolbox_small_data_10k     # longer runs, every configuration in bfloat16

Each run is the CLI a user would type (``keras-gans train dcgan --dataset embedded --batch-size 64
--steps-per-epoch S/10 --epochs 10 --seed SEED`` plus the configuration's options, DCGAN's defaults otherwise:
28x28x1), in its own process, into ``--runs-dir/CONFIG_seedSEED_stepsSTEPS``. Its final ``model.keras`` is then
scored exactly as ``scripts/examples/evaluate_fashion.py`` scores the README's table (its
``keras_gans.cli.evaluate.evaluate_model``): 10,000 images of the model's default sampling (the EMA generator when
EMA is on, seed 0) against the 10,000 Fashion-MNIST test images, FID and KID (100 subsets of 1000) on the shipped
classifier's 128-d features. For the configurations with EMA the raw generator (``generate(ema=False)``) is
scored too, with the same seed and metrics: the raw generator of ``diffaugment_ema`` / ``ada_ema`` is the
augmentation-without-EMA number, that of ``ema`` is plain DCGAN again (another run of it).

The EMA (``keras_gans.core.ema``, since commit e2a3c56) averages the generator's trainable weights and keeps the
averaged generator's own batch-norm statistics (after each update it is run in training mode on the step's latents);
before e2a3c56 it copied the raw generator's statistics (that table: ``toolbox_small_data_copied_bn_stats.md``).

Runs go in the order seed 0 of every configuration, then seed 1, ... so that a table cut short is still a
paired comparison. A run is skipped when its record ``--records/CONFIG_seedSEED_stepsSTEPS.json`` exists and its
folder's ``model.keras`` is there; a run folder with a checkpoint but no final model (an interrupted run) is
continued with ``--resume``; the table is rebuilt from all records each time.

Per run: config, seed, FID, KID (± its std over the KID subsets), ADA's final p (the model's ``augmenter.p``),
the command's wall time (start-up, training, sample grids, checkpoints, export), ``images_per_s`` = steps x 64 /
the training epochs' own time (the Keras progress bar's seconds per epoch, first epoch with its tracing
included), and the 1-minute load average before the run. Writes ``--out``/NAME.csv (runs) and NAME.md (runs
and the mean ± std table with the change relative to plain).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent  # scripts/benchmarks
REPO = HERE.parents[1]
RESULTS = HERE / "results"
CLI = REPO / ".venv" / "bin" / "keras-gans"

#: name -> (label, extra CLI options)
CONFIGS = {
    "plain": ("DCGAN", []),
    "ema": ("DCGAN + EMA 0.999", ["--ema", "0.999"]),
    "diffaugment_ema": ("DCGAN + DiffAugment (color,translation,cutout) + EMA 0.999",
                        ["--augment", "diffaugment", "--augment-policy", "color,translation,cutout", "--ema", "0.999"]),
    "ada_ema": ("DCGAN + ADA (target 0.6) + EMA 0.999", ["--augment", "ada", "--ema", "0.999"]),
    # not in the default table: the EMA with the reference's ramp-up (half-life min(693, 0.05 t) steps at step t)
    "ema_rampup": ("DCGAN + EMA 0.999, ramp-up 0.05", ["--ema", "0.999", "--ema-rampup", "0.05"]),
    # issue 22: the same plain DCGAN computing in bfloat16 (quality at equal steps; compare with plain)
    "bf16": ("DCGAN in mixed_bfloat16", ["--precision", "mixed_bfloat16"]),
}
DEFAULT_CONFIGS = ["plain", "ema", "diffaugment_ema", "ada_ema"]
BATCH = 64
EPOCHS = 10
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# the last progress-bar line of an epoch: "300/300 ━━━━ 61s 203ms/step - ..."
EPOCH_LINE = re.compile(r"(\d+)/(\d+) \S+ (\d+(?:\.\d+)?)(s|ms|min|h) (\d+(?:\.\d+)?)(s|ms|us)/step")
UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0}


def run_name(config, seed, steps):
    return f"{config}_seed{seed}_steps{steps}"


def train_command(config, seed, steps, run_dir, export_dir, precision="float32"):
    """The run's ``keras-gans train`` command; ``precision`` other than float32 is added to every configuration."""
    extra = [] if precision == "float32" else ["--precision", precision]
    return [str(CLI), "train", "dcgan", "--dataset", "embedded", "--batch-size", str(BATCH),
            "--steps-per-epoch", str(steps // EPOCHS), "--epochs", str(EPOCHS), "--seed", str(seed),
            "--out", str(run_dir), "--export-dir", str(export_dir), *CONFIGS[config][1], *extra]


def epoch_seconds(log_text):
    """Seconds of each epoch from the Keras progress bar (the last complete ``N/N ... Xs Yms/step`` of each)."""
    text = ANSI.sub("", log_text).replace("\r", "\n").replace("\x08", "")
    out = []
    for block in re.split(r"Epoch \d+/\d+", text)[1:]:
        done = [m for m in EPOCH_LINE.finditer(block) if m.group(1) == m.group(2)]
        if done:  # steps x the mean time per step (finer than the rounded epoch seconds, unless that is in whole s)
            last = done[-1]
            if last.group(6) == "s":  # "98s 10s/step": the epoch's own seconds are the finer number
                out.append(float(last.group(3)) * UNITS[last.group(4)])
            else:
                out.append(int(last.group(2)) * float(last.group(5)) * UNITS[last.group(6)])
    return out


def finished(run_dir):
    return (run_dir / "model.keras").is_file() and (run_dir / "run.json").is_file()


def run_cli(name, cmd, runs_dir, logs_dir):
    """Run one ``keras-gans train`` command ``cmd`` whose ``--out`` is ``runs_dir/name``: resumed (``--resume``)
    when an earlier run there was cut off after a checkpoint, started again when it had none. Returns the epochs'
    seconds (:func:`epoch_seconds`) and the facts every record keeps; a failed run raises with its log's tail."""
    run_dir = runs_dir / name
    resumed = False
    if run_dir.exists() and not finished(run_dir):
        if (run_dir / "checkpoints").is_dir() and any((run_dir / "checkpoints").glob("ckpt-*")):
            resumed = True
        else:  # started but no checkpoint yet: start again
            shutil.rmtree(run_dir)
    log = logs_dir / f"{name}.log"
    cmd = cmd + (["--resume"] if resumed else [])
    print(f"[{time.strftime('%H:%M:%S')}] {' '.join(cmd[1:])}", flush=True)
    load = os.getloadavg()[0]
    commit = git_commit(("keras_gans",))  # the library code this run imports
    diff_sha = library_diff(logs_dir / f"{name}.keras_gans.diff")
    start = time.perf_counter()
    with open(log, "a" if resumed else "w") as f:
        rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=REPO).returncode
    wall = time.perf_counter() - start
    if rc != 0 or not finished(run_dir):
        tail = open(log, errors="replace").read()[-2000:]
        raise RuntimeError(f"{' '.join(cmd)} exited {rc}; log {log}:\n{ANSI.sub('', tail)}")
    secs = epoch_seconds(open(log, errors="replace").read())
    return secs, {"wall_s": wall, "load_1min_before": load, "resumed": resumed,
                  "command": " ".join(["keras-gans", *cmd[1:]]), "commit": commit, "keras_gans_diff_sha1": diff_sha,
                  "log": str(log)}


def train_once(run_dir, train):
    """The timing facts of a run: ``train()`` it and keep them beside it (``timing.json``) unless it finished
    before, then those kept ({} when none were)."""
    path = run_dir / "timing.json"
    if not finished(run_dir):
        timing = train()
        path.write_text(json.dumps(timing, indent=1))
        return timing
    return json.loads(path.read_text()) if path.is_file() else {}


def make_dirs(args):
    """``(runs_dir, records_dir, logs_dir)`` of a benchmark's ``--runs-dir`` and ``--records``, created."""
    runs_dir, records_dir = Path(args.runs_dir), Path(args.records)
    logs_dir = runs_dir / "logs"
    for d in (runs_dir, records_dir, logs_dir):
        d.mkdir(parents=True, exist_ok=True)
    return runs_dir, records_dir, logs_dir


def train(config, seed, steps, runs_dir, logs_dir, precision="float32"):
    name = run_name(config, seed, steps)
    secs, facts = run_cli(name, train_command(config, seed, steps, runs_dir / name, runs_dir / "exports", precision),
                          runs_dir, logs_dir)
    timed = sum(secs[-EPOCHS:]) if len(secs) >= EPOCHS else float("nan")
    return {"train_s": timed, "images_per_s": steps * BATCH / timed if timed == timed else None, **facts}


def score(run_dir, num_samples):
    from keras_gans.cli.evaluate import evaluate_model
    from keras_gans.cli.loading import load

    model_path = str(run_dir / "model.keras")
    rows = {r["metric"]: r for r in evaluate_model(model_path, ("fid", "kid"), num_samples)}
    model = load(model_path)
    augmenter = getattr(model, "augmenter", None)
    ada_p = float(augmenter.p.numpy()) if getattr(model, "augment", None) == "ada" and augmenter is not None else None
    raw = raw_generator_scores(model, num_samples) if getattr(model, "ema_decay", None) else {}
    state = json.loads(sorted((run_dir / "checkpoints").glob("ckpt-*/state.json"))[-1].read_text())
    last = (state.get("history") or [{}])[-1]
    return {"fid": rows["fid"]["value"], "kid": rows["kid"]["value"], "kid_std": rows["kid"]["std"],
            "ada_p": ada_p, "global_step": state.get("global_step"), "final_d_loss": last.get("d_loss"),
            "final_g_loss": last.get("g_loss"), "features": rows["fid"]["features"], "real": rows["fid"]["real"],
            "num_generated": rows["fid"]["num_generated"], **raw}


def raw_generator_scores(model, num_samples):
    """FID/KID of the raw (not averaged) generator of an EMA model: same seed, images and metrics, ``ema=False``.
    Tells the EMA's share of a configuration's score from the augmentation's."""
    from keras_gans import datasets
    from keras_gans.core.images import to_uint8
    from keras_gans.evaluation.metrics import evaluate_samples

    real = datasets.load_arrays("fashion_mnist", split="test")[0]
    generated = to_uint8(model.generate(num_samples, seed=0, ema=False))
    rows = {r["metric"]: r for r in evaluate_samples(generated, real, ("fid", "kid"))}
    return {"fid_raw_g": rows["fid"]["value"], "kid_raw_g": rows["kid"]["value"]}


def bn_statistics_check(model, num_samples, standing_batches=200):
    """FID/KID of an EMA model's averaged generator with three kinds of batch-norm statistics: its saved moving
    statistics (what ``generate`` uses), batch statistics (training-mode batch norm, batches of 64) and "standing"
    statistics recomputed from ``standing_batches`` batches of 64 fresh latents (each layer's mean of the batch
    means / variances, layer by layer); and the raw generator with batch statistics. If the three EMA numbers agree,
    the averaged generator's statistics fit its weights and what is left of the EMA's score is the averaged weights'.
    Changes the loaded model's statistics (not the file)."""
    import keras
    import numpy as np
    import tensorflow as tf

    from keras_gans import datasets
    from keras_gans.core.images import to_uint8
    from keras_gans.evaluation.metrics import evaluate_samples

    real = datasets.load_arrays("fashion_mnist", split="test")[0]
    z = model.latent_for_seed(num_samples, 0)

    def norms(g):
        return [l for l in g._flatten_layers() if isinstance(l, keras.layers.BatchNormalization)]

    def sample(g, batch_statistics):
        if not batch_statistics:
            return np.concatenate([g(z[i:i + 256], training=False).numpy() for i in range(0, num_samples, 256)])
        saved = [(l.moving_mean.numpy(), l.moving_variance.numpy()) for l in norms(g)]
        trainable, g.trainable = g.trainable, True  # Keras runs a non-trainable batch norm in inference mode
        out = np.concatenate([g(z[i:i + 64], training=True).numpy() for i in range(0, num_samples, 64)])
        g.trainable = trainable
        for l, (m, v) in zip(norms(g), saved):
            l.moving_mean.assign(m)
            l.moving_variance.assign(v)
        return out

    def score(images):
        rows = {r["metric"]: r for r in evaluate_samples(to_uint8(images), real, ("fid", "kid"))}
        return [rows["fid"]["value"], rows["kid"]["value"]]

    averaged = model.averaged(model.generator)
    out = {"ema_saved_statistics": score(sample(averaged, False)),
           "ema_batch_statistics": score(sample(averaged, True)),
           "raw_batch_statistics": score(sample(model.generator, True))}
    layers = norms(averaged)
    probe = keras.Model(averaged.inputs, [l.input for l in layers])
    for i, layer in enumerate(layers):  # in order: each layer's inputs depend on the layers before it
        means, variances = [], []
        for b in range(standing_batches):
            x = probe(model.latent_for_seed(64, 1000 + b), training=False)[i]
            m, v = tf.nn.moments(x, list(range(len(x.shape) - 1)))
            means.append(m.numpy())
            variances.append(v.numpy())
        layer.moving_mean.assign(np.mean(means, 0))
        layer.moving_variance.assign(np.mean(variances, 0))
    out["ema_standing_statistics"] = score(sample(averaged, False))
    return out


def fmt(v, nd=3):
    if v is None or v != v:
        return ""
    return f"{v:.{nd}g}" if abs(v) < 1 else f"{v:.{nd + 1}g}"


def summary(df, configs):
    """Markdown lines: mean ± std per configuration, change of the means vs plain, seeds better than plain."""
    lines = ["| configuration | runs | FID mean ± std | FID vs plain | KID mean ± std | KID vs plain | "
             "better FID than plain (same seed) | raw G (no EMA) FID mean ± std | ADA final p | images/s (median) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    plain = df[df.config == "plain"].set_index("seed")
    for config in configs:
        d = df[df.config == config]
        if not len(d):
            continue
        row = [CONFIGS[config][0], str(len(d))]
        for metric in ("fid", "kid"):
            mean, std = d[metric].mean(), d[metric].std(ddof=1) if len(d) > 1 else float("nan")
            row.append(f"{fmt(mean)} ± {fmt(std, 2)}" if std == std else fmt(mean))
            if config == "plain" or not len(plain):
                row.append("")
            else:
                paired = d[d.seed.isin(plain.index)]
                base = plain.loc[paired.seed, metric].mean()
                row.append(f"{100 * (paired[metric].mean() / base - 1):+.1f} %" + (
                    f" ({len(paired)} paired)" if len(paired) != len(d) or len(paired) != len(plain) else ""))
        if config == "plain" or not len(plain):
            row.append("")
        else:
            paired = d[d.seed.isin(plain.index)]
            wins = int((paired.set_index("seed").fid < plain.loc[paired.seed, "fid"]).sum())
            row.append(f"{wins}/{len(paired)}")
        raw = d.fid_raw_g.dropna()
        row.append("" if not len(raw) else f"{fmt(raw.mean())} ± {fmt(raw.std(ddof=1), 2)}" if len(raw) > 1
                   else fmt(raw.mean()))
        p = d.ada_p.dropna()
        row.append(", ".join(f"{v:.3f}" for v in p) if len(p) else "")
        row.append(f"{d.images_per_s.median():.0f}" if d.images_per_s.notna().any() else "")
        lines.append("| " + " | ".join(row) + " |")
    return lines


def cpu_note():
    try:
        model = next(line.split(":", 1)[1].strip() for line in
                     subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
                     if line.startswith("Model name"))
    except StopIteration:
        model = "?"
    flags = set(open("/proc/cpuinfo").read().split())
    amx = sorted(f for f in flags if f.startswith("amx"))
    return (f"{model}, {os.cpu_count()} CPUs; avx512_bf16 {'present' if 'avx512_bf16' in flags else 'absent'}; "
            f"AMX {'present (' + ', '.join(amx) + ')' if amx else 'absent'}")


def library_diff(path):
    """Write the uncommitted changes to keras_gans/ (``git diff HEAD`` + untracked files' contents) to ``path``;
    return their sha1 (None when there are none), so runs made on the same working tree can be told apart."""
    import hashlib

    diff = subprocess.run(["git", "diff", "HEAD", "--", "keras_gans"], capture_output=True, text=True,
                          cwd=REPO).stdout
    untracked = subprocess.run(["git", "ls-files", "--others", "--exclude-standard", "--", "keras_gans"],
                               capture_output=True, text=True, cwd=REPO).stdout.split()
    for name in sorted(untracked):
        diff += f"\n--- untracked {name}\n" + (REPO / name).read_text(errors="replace")
    if not diff.strip():
        return None
    path.write_text(diff)
    return hashlib.sha1(diff.encode()).hexdigest()[:10]


def git_commit(paths=()):
    """Short HEAD, noting uncommitted changes (to tracked files under ``paths``, all when empty)."""
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", *paths],
                           capture_output=True, text=True, cwd=REPO).stdout.strip()
    where = " to " + ", ".join(paths) if paths else ""
    return rev.stdout.strip() + (f" (with uncommitted changes{where})" if dirty else "")


def write(records, args, argv):
    import pandas as pd

    order = {c: i for i, c in enumerate(args.configs)}
    df = pd.DataFrame(records)
    df = df.sort_values(["config", "seed"], key=lambda s: s.map(order) if s.name == "config" else s)
    for c in ("fid_raw_g", "kid_raw_g", "commit", "keras_gans_diff_sha1"):
        if c not in df:
            df[c] = float("nan")
    df["commit"] = df.commit.fillna("ac1afa5")  # records from before the commit was recorded (all ran on ac1afa5)
    columns = ["config", "seed", "steps", "fid", "kid", "kid_std", "fid_raw_g", "kid_raw_g", "ada_p", "wall_s", "train_s", "images_per_s",
               "load_1min_before", "final_d_loss", "final_g_loss", "resumed", "finished_at", "commit",
               "keras_gans_diff_sha1"]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    df[columns].to_csv(out / f"{args.name}.csv", index=False)
    loads = df.load_1min_before
    cmd = "python scripts/benchmarks/toolbox_small_data.py" + ("" if not argv else " " + " ".join(argv))
    md = ["# Training toolbox on small data: DCGAN on the 6,000-image embedded Fashion-MNIST subset",
          "",
          f"- Regenerate: `{cmd}` (runs already recorded in `{os.path.relpath(args.records, REPO)}` are reused; "
          f"delete a record to run it again).",
          f"- Table written {time.strftime('%Y-%m-%d %H:%M')}; runs finished {df.finished_at.min()} .. "
          f"{df.finished_at.max()}; git commit {git_commit()} (table); each run's commit (library code at its start) "
          f"is in the runs table.",
          f"- CPU: {cpu_note()}. TensorFlow's default threads, {args.precision}"
          + (" (`--precision` on every configuration)." if args.precision != "float32" else "."),
          f"- Machine load: shared 2-core machine; other sessions' work (tests, other benchmarks) ran "
          f"alongside at times, 1-minute load average before the runs {loads.min():.1f}-{loads.max():.1f}. Everything ran "
          f"under `nice`, one run at a time, so images/s and wall times are this machine's under that load, not "
          f"the library's best; FID/KID do not depend on it.",
          f"- Each run: `keras-gans train dcgan --dataset embedded --batch-size {BATCH} --steps-per-epoch "
          f"{args.steps // EPOCHS} --epochs {EPOCHS} --seed SEED"
          f"{'' if args.precision == 'float32' else ' --precision ' + args.precision}` + the options below "
          f"({args.steps} steps = "
          f"{args.steps * BATCH / 6000:.3g} passes over the 6,000 images), DCGAN's defaults otherwise (28x28x1).",
          "- Score: the final `model.keras`, 10,000 images of its default sampling (the EMA generator when EMA is "
          "on; seed 0) vs the 10,000 Fashion-MNIST test images, FID and KID (100 subsets of 1000) on the shipped "
          "classifier's 128-d features, as `scripts/examples/evaluate_fashion.py` (its `evaluate_model`). Lower is "
          "better. Real-vs-real floors on these features are in `fashion_eval.md` (embedded 6000 vs test).",
          "- Configurations: " + "; ".join(f"`{c}` = {CONFIGS[c][0]}"
                                            + (f" (`{' '.join(CONFIGS[c][1])}`)" if CONFIGS[c][1] else "")
                                            for c in args.configs) + ".",
          "- mean ± std: over seeds (sample std). \"vs plain\": change of the mean relative to plain's mean over the "
          "same seeds. \"better FID than plain\": seeds on which the configuration's FID is below plain's.",
          "- images/s follows the machine's load at the time of each run (see \"load before\" below), not the "
          "option: what each option costs is measured interleaved in `toolbox_cost.md`.",
          "",
          "## Mean ± std per configuration",
          "",
          *summary(df, args.configs),
          "",
          "## Runs",
          "",
          "| config | seed | FID | KID (± std over subsets) | raw G: FID / KID | ADA final p | wall s | images/s | "
          "load before | final d_loss / g_loss | commit |",
          "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in df.itertuples():
        raw_g = "" if r.fid_raw_g != r.fid_raw_g else f"{r.fid_raw_g:.2f} / {r.kid_raw_g:.4f}"
        md.append(f"| {r.config} | {r.seed} | {r.fid:.2f} | {r.kid:.4f} ± {r.kid_std:.4f} | {raw_g} | "
                  f"{'' if r.ada_p is None or r.ada_p != r.ada_p else f'{r.ada_p:.3f}'} | {r.wall_s:.0f}"
                  f"{' (resumed)' if r.resumed is True else ''} | "
                  f"{'' if r.images_per_s is None or r.images_per_s != r.images_per_s else f'{r.images_per_s:.0f}'}"
                  f" | {r.load_1min_before:.1f} | {fmt(r.final_d_loss)} / {fmt(r.final_g_loss)} | "
                  f"{str(r.commit).replace(' (with uncommitted changes to keras_gans)', '')}"
                  f"{'' if not isinstance(r.keras_gans_diff_sha1, str) else ' + edits ' + r.keras_gans_diff_sha1} |")
    plain, ema = df[df.config == "plain"].set_index("seed"), df[df.config == "ema"].set_index("seed")
    both = [seed for seed in ema.index if seed in plain.index]
    if both:
        same = sum(ema.fid_raw_g[seed] == plain.fid[seed] and ema.kid_raw_g[seed] == plain.kid[seed] for seed in both)
        md += ["", f"Determinism check: the raw generator of `ema` scores exactly (bit for bit) plain's FID and KID on "
               f"{same} of {len(both)} seeds: the EMA does not change the training trajectory, and a seed's run "
               f"reproduces across the commits in the runs table."]
    checked = [r for r in records if r.get("bn_check")]
    if checked:
        md += ["", "## The averaged generator's batch-norm statistics (`--bn-check`)", "",
               "FID / KID of the EMA generator with its saved moving statistics (what `generate` uses), with batch "
               "statistics (training-mode batch norm, batches of 64) and with standing statistics recomputed from "
               "200 batches of 64 fresh latents; the raw generator with batch statistics for comparison (with its "
               "saved statistics it is the raw G column above). Same 10,000 latents (seed 0) and metrics.", "",
               "| config | seed | EMA, saved statistics | EMA, batch statistics | EMA, standing statistics | "
               "raw G, batch statistics |", "|---|---|---|---|---|---|"]
        for r in sorted(checked, key=lambda r: (r["config"], r["seed"])):
            c = r["bn_check"]
            md.append(f"| {r['config']} | {r['seed']} | " + " | ".join(
                f"{c[k][0]:.2f} / {c[k][1]:.4f}" for k in ("ema_saved_statistics", "ema_batch_statistics",
                                                          "ema_standing_statistics", "raw_batch_statistics")) + " |")
    earlier = []  # the same run recorded before, in a sub-folder of --records (superseded tables)
    for r in df.itertuples():
        for old_path in sorted(Path(args.records).glob(f"*/{run_name(r.config, r.seed, r.steps)}.json")):
            old = json.loads(old_path.read_text())
            key = "fid" if r.config == "plain" else "fid_raw_g"  # the raw generator: what the EMA fix left alone
            if key in old and old[key] == old[key]:
                same = old[key] == getattr(r, key) and old.get("final_d_loss") == r.final_d_loss
                earlier.append(f"{r.config} seed {r.seed} ({old_path.parent.name}/: {key} {old[key]:.4f}, "
                               f"{'identical' if same else 'now %.4f' % getattr(r, key)})")
    if earlier:
        md += ["", "Re-runs of runs recorded before (raw generator's FID and final d_loss compared; identical = bit "
               "for bit): " + "; ".join(earlier) + "."]
    md += ["", "raw G: the same run's raw (not averaged) generator, `generate(..., ema=False)`, scored the same "
           "way, for the configurations with EMA: it separates the EMA's share of the score from the augmentation's. "
           "For `ema` the raw generator is plain DCGAN (a second scoring of a plain run). The EMA (keras_gans.core.ema, "
           "since e2a3c56) averages the trainable weights with decay 0.999 and keeps the averaged generator's own "
           "batch-norm statistics: after each update the averaged generator is run in training mode on that step's "
           "latents, so its moving mean/variance follow its own activations. Before e2a3c56 it copied the raw "
           "generator's statistics; those runs are in `toolbox_small_data_copied_bn_stats.md` (EMA FID 8.3-9.8 vs "
           "raw G 6.0-6.8).",
           "", "commit: HEAD when the run started; \"+ edits SHA\": the library had uncommitted edits (other sessions work in "
           "the same tree), SHA = sha1 of `git diff HEAD -- keras_gans` + the untracked files under keras_gans/, saved "
           "beside the run's log as `NAME.keras_gans.diff` under `--runs-dir`/logs.",
           "", "images/s = steps x 64 / the 10 epochs' own time (Keras progress bar: steps x its mean time per step; "
           "the first epoch includes tracing the train step); wall s = the whole command (start-up, sample grids, checkpoints, export).", ""]
    (out / f"{args.name}.md").write_text("\n".join(md))
    return out / f"{args.name}.csv", out / f"{args.name}.md"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--configs", nargs="+", choices=list(CONFIGS), default=DEFAULT_CONFIGS,
                   help=f"default: {' '.join(DEFAULT_CONFIGS)}")
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--steps", type=int, default=3000, help=f"train steps per run, a multiple of {EPOCHS} (3000)")
    p.add_argument("--num-samples", type=int, default=10000, help="generated images scored per run (10000)")
    p.add_argument("--runs-dir", default="/tmp/toolbox_runs/small_data", help="run folders and exports")
    p.add_argument("--records", default=str(RESULTS / "toolbox_runs"), help="one small JSON record per run")
    p.add_argument("--out", default=str(RESULTS))
    p.add_argument("--name", default="toolbox_small_data", help="stem of the .csv/.md")
    p.add_argument("--precision", default="float32", choices=("float32", "mixed_bfloat16"),
                   help="added to every configuration's command (float32: none added); use its own --records")
    p.add_argument("--bn-check", action="store_true",
                   help="for the recorded EMA runs of --configs/--seeds: add bn_statistics_check's scores to the "
                        "records (no training), then rebuild the table")
    args = p.parse_args(argv)
    if args.steps < EPOCHS or args.steps % EPOCHS:
        p.error(f"--steps must be a positive multiple of {EPOCHS}")
    if args.precision != "float32" and "bf16" in args.configs:
        p.error("the bf16 configuration sets its own precision: run it without --precision")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    runs_dir, records_dir, logs_dir = make_dirs(args)

    def write_all():
        recs = [json.loads((records_dir / f"{run_name(c, s, args.steps)}.json").read_text())
                for s in args.seeds for c in args.configs
                if (records_dir / f"{run_name(c, s, args.steps)}.json").is_file()]
        if recs:
            write(recs, args, argv)
        return recs

    if args.bn_check:
        from keras_gans.cli.loading import load

        for seed in args.seeds:
            for config in args.configs:
                name = run_name(config, seed, args.steps)
                record, run_dir = records_dir / f"{name}.json", runs_dir / name
                if "--ema" not in CONFIGS[config][1] or not record.is_file() or not finished(run_dir):
                    continue
                rec = json.loads(record.read_text())
                rec["bn_check"] = bn_statistics_check(load(str(run_dir / "model.keras")), args.num_samples)
                record.write_text(json.dumps(rec, indent=1) + "\n")
                print(f"{name}: {rec['bn_check']}", flush=True)
        write_all()
        return 0

    start = time.perf_counter()
    failures = []
    for seed in args.seeds:  # seed 0 of every config first: a partial table is still paired
        for config in args.configs:
            name = run_name(config, seed, args.steps)
            record = records_dir / f"{name}.json"
            run_dir = runs_dir / name
            if record.is_file() and (finished(run_dir) or json.loads(record.read_text()).get("fid") is not None):
                rec = json.loads(record.read_text())
                if "--ema" in CONFIGS[config][1] and "fid_raw_g" not in rec and finished(run_dir):
                    from keras_gans.cli.loading import load  # a record from before the raw-G column

                    try:
                        rec.update(raw_generator_scores(load(str(run_dir / "model.keras")), args.num_samples))
                        record.write_text(json.dumps(rec, indent=1) + "\n")
                        print(f"{name}: recorded; added the raw generator's FID {rec['fid_raw_g']:.2f}", flush=True)
                    except Exception as e:  # noqa: BLE001 - the record stays as it was
                        print(f"{name}: recorded; the raw generator's scores FAILED: {e}", flush=True)
                else:
                    print(f"{name}: recorded, skipped", flush=True)
                continue
            try:
                timing = train_once(run_dir, lambda: train(config, seed, args.steps, runs_dir, logs_dir,
                                                           args.precision))
                t0 = time.perf_counter()
                scores = score(run_dir, args.num_samples)
                rec = {"config": config, "label": CONFIGS[config][0], "seed": seed, "steps": args.steps,
                       "precision": args.precision, **scores, **timing, "eval_s": time.perf_counter() - t0,
                       "commit": timing.get("commit"), "finished_at": time.strftime("%Y-%m-%d %H:%M")}
                rec.pop("log", None)
                record.write_text(json.dumps(rec, indent=1) + "\n")
                print(f"{name}: FID {rec['fid']:.2f} KID {rec['kid']:.4f} ada_p {rec['ada_p']} "
                      f"wall {rec.get('wall_s', float('nan')):.0f}s images/s {rec.get('images_per_s')}", flush=True)
            except Exception as e:  # noqa: BLE001 - report it, keep the other runs
                failures.append(name)
                print(f"{name}: FAILED: {e}", flush=True)
            write_all()  # after every run, so an interrupted sweep keeps what finished
    recs = write_all()
    print(f"total {time.perf_counter() - start:.0f} s" + (f"; failed: {', '.join(failures)}" if failures else ""))
    if recs:
        md = Path(args.out) / f"{args.name}.md"
        print(md.read_text())
        print(f"wrote {md.with_suffix('.csv')} and {md}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
