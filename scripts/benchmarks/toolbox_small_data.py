"""The small-data table of the training toolbox (issue 20): DCGAN on the 6,000-image embedded Fashion-MNIST subset,
plain vs DiffAugment + EMA vs ADA + EMA, three seeds each.

    python scripts/benchmarks/toolbox_small_data.py                       # 3 configs x seeds 0 1 2, 3,000 steps
    python scripts/benchmarks/toolbox_small_data.py --configs plain ada_ema --seeds 0 --steps 20 --name scratch

Each run is the CLI a user would type (``keras-gans train dcgan --dataset embedded --batch-size 64
--steps-per-epoch S/10 --epochs 10 --seed SEED`` plus the configuration's options, DCGAN's defaults otherwise:
28x28x1), in its own process, into ``--runs-dir/CONFIG_seedSEED_stepsSTEPS``. Its final ``model.keras`` is then
scored exactly as ``scripts/examples/evaluate_fashion.py`` scores the README's table (its
``keras_gans.cli.evaluate.evaluate_model``): 10,000 images of the model's default sampling (the EMA generator when
EMA is on, seed 0) against the 10,000 Fashion-MNIST test images, FID and KID (100 subsets of 1000) on the shipped
classifier's 128-d features.

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
import datetime
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
    "diffaugment_ema": ("DCGAN + DiffAugment (color,translation,cutout) + EMA 0.999",
                        ["--augment", "diffaugment", "--augment-policy", "color,translation,cutout", "--ema", "0.999"]),
    "ada_ema": ("DCGAN + ADA (target 0.6) + EMA 0.999", ["--augment", "ada", "--ema", "0.999"]),
}
BATCH = 64
EPOCHS = 10
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# the last progress-bar line of an epoch: "300/300 ━━━━ 61s 203ms/step - ..."
EPOCH_LINE = re.compile(r"(\d+)/(\d+) \S+ (\d+(?:\.\d+)?)(s|ms|min|h) (\d+(?:\.\d+)?)(s|ms|us)/step")
UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0}


def run_name(config, seed, steps):
    return f"{config}_seed{seed}_steps{steps}"


def train_command(config, seed, steps, run_dir, export_dir):
    return [str(CLI), "train", "dcgan", "--dataset", "embedded", "--batch-size", str(BATCH),
            "--steps-per-epoch", str(steps // EPOCHS), "--epochs", str(EPOCHS), "--seed", str(seed),
            "--out", str(run_dir), "--export-dir", str(export_dir), *CONFIGS[config][1]]


def epoch_seconds(log_text):
    """Seconds of each epoch from the Keras progress bar (the last complete ``N/N ... Xs Yms/step`` of each)."""
    text = ANSI.sub("", log_text).replace("\r", "\n").replace("\x08", "")
    out = []
    for block in re.split(r"Epoch \d+/\d+", text)[1:]:
        done = [m for m in EPOCH_LINE.finditer(block) if m.group(1) == m.group(2)]
        if done:  # steps x the mean time per step (finer than the rounded epoch seconds)
            out.append(int(done[-1].group(2)) * float(done[-1].group(5)) * UNITS[done[-1].group(6)])
    return out


def finished(run_dir):
    return (run_dir / "model.keras").is_file() and (run_dir / "run.json").is_file()


def train(config, seed, steps, runs_dir, logs_dir):
    run_dir = runs_dir / run_name(config, seed, steps)
    resumed = False
    if run_dir.exists() and not finished(run_dir):
        if (run_dir / "checkpoints").is_dir() and any((run_dir / "checkpoints").glob("ckpt-*")):
            resumed = True
        else:  # started but no checkpoint yet: start again
            shutil.rmtree(run_dir)
    log = logs_dir / f"{run_name(config, seed, steps)}.log"
    cmd = train_command(config, seed, steps, run_dir, runs_dir / "exports") + (["--resume"] if resumed else [])
    print(f"[{time.strftime('%H:%M:%S')}] {' '.join(cmd[1:])}", flush=True)
    load = os.getloadavg()[0]
    start = time.perf_counter()
    with open(log, "a" if resumed else "w") as f:
        rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=REPO).returncode
    wall = time.perf_counter() - start
    if rc != 0 or not finished(run_dir):
        tail = open(log, errors="replace").read()[-1500:]
        raise RuntimeError(f"{' '.join(cmd)} exited {rc}; log {log}:\n{ANSI.sub('', tail)}")
    secs = epoch_seconds(open(log, errors="replace").read())
    timed = sum(secs[-EPOCHS:]) if len(secs) >= EPOCHS else float("nan")
    return {"wall_s": wall, "train_s": timed, "images_per_s": steps * BATCH / timed if timed == timed else None,
            "load_1min_before": load, "resumed": resumed, "command": " ".join(["keras-gans", *cmd[1:]]),
            "log": str(log)}


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


def git_commit():
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True,
                           cwd=REPO).stdout.strip()
    return rev.stdout.strip() + (" (with uncommitted changes)" if dirty else "")


def write(records, args, argv):
    import pandas as pd

    order = {c: i for i, c in enumerate(args.configs)}
    df = pd.DataFrame(records)
    df = df.sort_values(["config", "seed"], key=lambda s: s.map(order) if s.name == "config" else s)
    for c in ("fid_raw_g", "kid_raw_g"):
        if c not in df:
            df[c] = float("nan")
    columns = ["config", "seed", "steps", "fid", "kid", "kid_std", "fid_raw_g", "kid_raw_g", "ada_p", "wall_s", "train_s", "images_per_s",
               "load_1min_before", "final_d_loss", "final_g_loss", "resumed", "finished_at"]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    df[columns].to_csv(out / f"{args.name}.csv", index=False)
    loads = df.load_1min_before
    cmd = "python scripts/benchmarks/toolbox_small_data.py" + ("" if not argv else " " + " ".join(argv))
    md = [f"# Training toolbox on small data: DCGAN on the 6,000-image embedded Fashion-MNIST subset",
          "",
          f"- Regenerate: `{cmd}` (runs already recorded in `{os.path.relpath(args.records, REPO)}` are reused; "
          f"delete a record to run it again).",
          f"- Table written {time.strftime('%Y-%m-%d %H:%M')}; runs finished {df.finished_at.min()} .. "
          f"{df.finished_at.max()}; git commit {git_commit()}.",
          f"- CPU: {cpu_note()}. TensorFlow's default threads, float32.",
          f"- Machine load: shared 2-core machine; other sessions' work (a long DCGAN benchmark among it) ran "
          f"alongside, 1-minute load average before the runs {loads.min():.1f}-{loads.max():.1f}. Everything ran "
          f"under `nice`, one run at a time, so images/s and wall times are this machine's under that load, not "
          f"the library's best; FID/KID do not depend on it.",
          f"- Each run: `keras-gans train dcgan --dataset embedded --batch-size {BATCH} --steps-per-epoch "
          f"{args.steps // EPOCHS} --epochs {EPOCHS} --seed SEED` + the options below ({args.steps} steps = "
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
          "load before | final d_loss / g_loss |",
          "|---|---|---|---|---|---|---|---|---|---|"]
    for r in df.itertuples():
        raw_g = "" if r.fid_raw_g != r.fid_raw_g else f"{r.fid_raw_g:.2f} / {r.kid_raw_g:.4f}"
        md.append(f"| {r.config} | {r.seed} | {r.fid:.2f} | {r.kid:.4f} ± {r.kid_std:.4f} | {raw_g} | "
                  f"{'' if r.ada_p is None or r.ada_p != r.ada_p else f'{r.ada_p:.3f}'} | {r.wall_s:.0f}"
                  f"{' (resumed)' if r.resumed is True else ''} | "
                  f"{'' if r.images_per_s is None or r.images_per_s != r.images_per_s else f'{r.images_per_s:.0f}'}"
                  f" | {r.load_1min_before:.1f} | {fmt(r.final_d_loss)} / {fmt(r.final_g_loss)} |")
    md += ["", "raw G: the same run's raw (not averaged) generator, `generate(..., ema=False)`, scored the same "
           "way, for the configurations with EMA: it separates the EMA's share of the score from the augmentation's. "
           "The EMA averages the trainable weights and copies the batch-norm statistics (keras_gans.core.ema), so the "
           "averaged DCGAN generator runs with the raw generator's batch-norm statistics.",
           "", "images/s = steps x 64 / the 10 epochs' own time (Keras progress bar: steps x its mean time per step; "
           "the first epoch includes tracing the train step); wall s = the whole command (start-up, sample grids, checkpoints, export).", ""]
    (out / f"{args.name}.md").write_text("\n".join(md))
    return out / f"{args.name}.csv", out / f"{args.name}.md"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--configs", nargs="+", choices=list(CONFIGS), default=list(CONFIGS))
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--steps", type=int, default=3000, help=f"train steps per run, a multiple of {EPOCHS} (3000)")
    p.add_argument("--num-samples", type=int, default=10000, help="generated images scored per run (10000)")
    p.add_argument("--runs-dir", default="/tmp/toolbox_runs/small_data", help="run folders and exports")
    p.add_argument("--records", default=str(RESULTS / "toolbox_runs"), help="one small JSON record per run")
    p.add_argument("--out", default=str(RESULTS))
    p.add_argument("--name", default="toolbox_small_data", help="stem of the .csv/.md")
    args = p.parse_args(argv)
    if args.steps < EPOCHS or args.steps % EPOCHS:
        p.error(f"--steps must be a positive multiple of {EPOCHS}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    runs_dir, records_dir = Path(args.runs_dir), Path(args.records)
    logs_dir = runs_dir / "logs"
    for d in (runs_dir, records_dir, logs_dir):
        d.mkdir(parents=True, exist_ok=True)

    def write_all():
        recs = [json.loads((records_dir / f"{run_name(c, s, args.steps)}.json").read_text())
                for s in args.seeds for c in args.configs
                if (records_dir / f"{run_name(c, s, args.steps)}.json").is_file()]
        if recs:
            write(recs, args, argv)
        return recs

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
                timing = {}
                if not finished(run_dir):
                    timing = train(config, seed, args.steps, runs_dir, logs_dir)
                    (run_dir / "timing.json").write_text(json.dumps(timing, indent=1))
                elif (run_dir / "timing.json").is_file():
                    timing = json.loads((run_dir / "timing.json").read_text())
                t0 = time.perf_counter()
                scores = score(run_dir, args.num_samples)
                rec = {"config": config, "label": CONFIGS[config][0], "seed": seed, "steps": args.steps,
                       **scores, **timing, "eval_s": time.perf_counter() - t0,
                       "finished_at": time.strftime("%Y-%m-%d %H:%M")}
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
