"""SNGAN vs DCGAN at equal generator steps on the full Fashion-MNIST training set (issue 20).

    python scripts/benchmarks/sngan_vs_dcgan.py                            # dcgan, sngan x seed 0, 3,000 G steps
    python scripts/benchmarks/sngan_vs_dcgan.py --seeds 0 1
    python scripts/benchmarks/sngan_vs_dcgan.py --models dcgan sngan --steps 100 --seeds 0   # what fits on a CPU
    python scripts/benchmarks/sngan_vs_dcgan.py --models sngan_cnn --steps 1000 --seeds 0   # the paper's Table 3 CNN
    python scripts/benchmarks/sngan_vs_dcgan.py --time                       # seconds per generator step only
    python scripts/benchmarks/sngan_vs_dcgan.py --steps 300 --seeds 0 1 2 --precision mixed_bfloat16  # AMX/AVX-512 BF16
    python scripts/benchmarks/sngan_vs_dcgan.py --seeds 0 --steps 20 --name scratch --records /tmp/r --runs-dir /tmp/s

Each run is the CLI a user would type: ``keras-gans train MODEL --dataset fashion_mnist --batch-size 64
--steps-per-epoch S/10 --epochs 10 --seed SEED`` (``sngan_cnn``: ``train sngan --architecture cnn``, the paper's
Table 3 standard CNN), each model's defaults otherwise, in its own process, into
``--runs-dir/MODEL_seedSEED_stepsSTEPS``. ``--dataset fashion_mnist`` is the 60,000 training images (local IDX
files, e.g. Debian's /usr/share/datasets/fashion-mnist), 28x28x1: the CLI builds both models for the data's shape,
so both generators make 28x28x1 images (SNGAN's ResNet generator starts at 7x7 for 7*2^n sizes: two up-sampling
blocks instead of the three of 32x32).

"Equal steps" means equal generator updates, S of them, each on a minibatch of 64 latents. DCGAN makes one
discriminator update per generator update (64 real images per step); SNGAN's default ``n_dis = 5`` makes five, each
on a fresh minibatch of 64 real images, so one SNGAN step consumes 320 real images (the CLI feeds it batches of
320) and SNGAN sees five times as many real images and makes five times as many D updates in the same number of
steps. Wall time is reported next to the scores for that reason. Other defaults: DCGAN = Radford et al.'s
networks (batch-norm D), non-saturating loss, Adam 2e-4 / beta1 0.5; SNGAN = the paper's ResNet (256-channel G,
128-channel spectrally normalized D), hinge loss, Adam 2e-4 / beta1 0 / beta2 0.9, no learning-rate decay.

Scoring is that of ``toolbox_small_data.py`` and ``scripts/examples/evaluate_fashion.py``
(``keras_gans.cli.evaluate.evaluate_model``): 10,000 images of the final ``model.keras`` (seed 0) against the 10,000
Fashion-MNIST test images, FID and KID (100 subsets of 1000) on the shipped classifier's 128-d features. The
classifier takes 28x28x1; ``FeatureExtractor.preprocess`` would resize other sizes bilinearly (antialiased) before
the features, but here both models' samples are already 28x28x1 (checked per run: ``generated_shape``), so no
image of either model, nor the real images, is resized.

Cost: on a 2-core CPU SNGAN's default ResNet is far slower per generator step than DCGAN (about 20-25 s vs
0.1-0.2 s on the machine of 2026-12-03, under load; the Python API's ``architecture="cnn"`` about 5 s), so the
3,000-step comparison this script runs by default takes most of a day there for SNGAN; ``--steps 100`` gives an
equal-steps point in about 40 minutes, and ``--time`` measures the seconds per step of ``dcgan``, ``sngan_resnet``
and ``sngan_cnn`` (one process each, no scoring) into the table's cost section.

``--precision mixed_bfloat16`` adds ``--precision mixed_bfloat16`` to every run (and to ``--time``): on CPUs with
AMX or AVX-512 BF16 it makes SNGAN's steps several times cheaper (docs/performance.md); those runs and timings
are recorded and tabled apart from the float32 ones (``_bf16`` in their names).

A run is skipped when its record ``--records/MODEL_seedSEED_stepsSTEPS.json`` exists; an interrupted run with a
checkpoint is continued with ``--resume``. Runs go by step count, then seed, both models per seed. Writes
``--out``/NAME.csv (runs) and NAME.md (per model and step count mean ± std, the cost table, the runs), rebuilt from
every record in ``--records``.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent  # scripts/benchmarks
sys.path.insert(0, str(HERE))
import toolbox_small_data as tsd  # noqa: E402  (its timing, CPU and commit helpers)

REPO = tsd.REPO
RESULTS = HERE / "results"
CLI = tsd.CLI
MODELS = {"dcgan": ("DCGAN (defaults)", 1), "sngan": ("SNGAN (defaults: ResNet, hinge, n_dis 5)", 5),
          "sngan_cnn": ("SNGAN (standard CNN of Table 3, hinge, n_dis 5)", 5)}  # run name -> label, n_dis
CLI_MODEL = {"dcgan": ["dcgan"], "sngan": ["sngan"], "sngan_cnn": ["sngan", "--architecture", "cnn"]}
BATCH = 64
EPOCHS = 10


PRECISIONS = {"float32": "", "mixed_bfloat16": "_bf16"}  # precision -> suffix of run and timing names


def run_name(model, seed, steps, precision="float32"):
    return f"{model}_seed{seed}_steps{steps}{PRECISIONS[precision]}"


def train_command(model, seed, steps, run_dir, export_dir, precision="float32"):
    extra = [] if precision == "float32" else ["--precision", precision]
    return [str(CLI), "train", *CLI_MODEL[model], "--dataset", "fashion_mnist", "--batch-size", str(BATCH),
            "--steps-per-epoch", str(steps // EPOCHS), "--epochs", str(EPOCHS), "--seed", str(seed),
            "--out", str(run_dir), "--export-dir", str(export_dir), *extra]


def train(model, seed, steps, runs_dir, logs_dir, precision="float32"):
    name = run_name(model, seed, steps, precision)
    secs, facts = tsd.run_cli(name, train_command(model, seed, steps, runs_dir / name, runs_dir / "exports",
                                                  precision), runs_dir, logs_dir)
    facts.pop("log")  # this table's records do not keep it
    timed = sum(secs[-EPOCHS:]) if len(secs) >= EPOCHS else float("nan")
    n_dis = MODELS[model][1]
    steady = sum(secs[-(EPOCHS - 1):]) / (steps * (EPOCHS - 1) // EPOCHS) if len(secs) >= EPOCHS else None
    return {"train_s": timed, "s_per_g_step": steady,  # epochs 2-10: without the tracing
            "real_images_per_s": steps * BATCH * n_dis / timed if timed == timed else None, **facts}


def score(run_dir, num_samples):
    from keras_gans.cli.evaluate import evaluate_model
    from keras_gans.cli.loading import load
    from keras_gans.evaluation.metrics import get_extractor

    model_path = str(run_dir / "model.keras")
    rows = {r["metric"]: r for r in evaluate_model(model_path, ("fid", "kid"), num_samples)}
    model = load(model_path)
    generated_shape = tuple(int(d) for d in model.generate(2, seed=0).shape[1:])
    extractor_shape = tuple(get_extractor(None, "features").input_shape)
    state = json.loads(sorted((run_dir / "checkpoints").glob("ckpt-*/state.json"))[-1].read_text())
    last = (state.get("history") or [{}])[-1]
    return {"fid": rows["fid"]["value"], "kid": rows["kid"]["value"], "kid_std": rows["kid"]["std"],
            "generated_shape": "x".join(map(str, generated_shape)),
            "extractor_input": "x".join(map(str, extractor_shape)),
            "resized_for_features": generated_shape != extractor_shape,
            "n_dis": getattr(model, "n_dis", 1), "ema": getattr(model, "ema_decay", None),
            "generator_params": int(model.generator.count_params()),
            "discriminator_params": int(model.discriminator.count_params()),
            "global_step": state.get("global_step"), "final_d_loss": last.get("d_loss"),
            "final_g_loss": last.get("g_loss"), "features": rows["fid"]["features"], "real": rows["fid"]["real"],
            "num_generated": rows["fid"]["num_generated"]}


def time_steps(arch, steps, precision="float32"):
    """Seconds per generator step of one architecture, in this process: ``dcgan`` or ``sngan_resnet`` /
    ``sngan_cnn`` (SNGAN's ``architecture``), 28x28x1, in ``precision``, the CLI's data stream (batches of
    64 x n_dis of the 60,000 training images), ``compile()`` defaults, 3 warm-up steps (tracing) then ``steps``
    timed ones."""
    from keras_gans import DCGAN, SNGAN, datasets

    images = datasets.load_arrays("fashion_mnist")[0]
    if arch == "dcgan":
        model = DCGAN(image_shape=(28, 28, 1), seed=0, precision=precision)
    else:
        model = SNGAN(image_shape=(28, 28, 1), architecture=arch.split("_", 1)[1], seed=0, precision=precision)
    n_dis = getattr(model, "n_dis", 1)
    model.compile()
    data = datasets.make_dataset(images, None, batch_size=BATCH * n_dis, seed=0, repeat=True)
    model.fit(data, epochs=1, steps_per_epoch=3, verbose=0)
    load = os.getloadavg()[0]
    t = time.perf_counter()
    model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
    dt = (time.perf_counter() - t) / steps
    return {"arch": arch, "precision": precision, "timed_steps": steps, "s_per_g_step": dt, "n_dis": n_dis,
            "generator_params": int(model.generator.count_params()),
            "discriminator_params": int(model.discriminator.count_params()), "load_1min_before": load,
            "load_1min_after": os.getloadavg()[0], "cpu": tsd.cpu_note(), "commit": tsd.git_commit(("keras_gans",)),
            "finished_at": time.strftime("%Y-%m-%d %H:%M")}


TIMED = {"dcgan": 50, "sngan_cnn": 10, "sngan_resnet": 5}  # architecture -> timed steps


def cpu_short(note):
    """``tsd.cpu_note()`` in a table cell: the model name, "+ AMX" where it has AMX."""
    return note.split(",")[0] + (" + AMX" if "AMX present" in note else "")


def write(records, timings, args):
    import pandas as pd

    fmt = tsd.fmt
    df = pd.DataFrame(records)
    df["precision"] = df["precision"].fillna("float32") if "precision" in df else "float32"
    df["cpu_short"] = df.cpu.map(cpu_short)
    df = df.sort_values(["steps", "model", "seed"], key=lambda s: s.map({m: i for i, m in enumerate(MODELS)})
                        if s.name == "model" else s)
    columns = ["model", "seed", "steps", "precision", "n_dis", "d_updates", "real_images_seen", "fid", "kid", "kid_std",
               "generated_shape", "resized_for_features", "wall_s", "train_s", "s_per_g_step", "real_images_per_s",
               "load_1min_before", "cpu", "generator_params", "discriminator_params", "final_d_loss", "final_g_loss",
               "resumed", "finished_at", "commit", "keras_gans_diff_sha1"]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    df[columns].to_csv(out / f"{args.name}.csv", index=False)
    loads = df.load_1min_before
    records_rel = os.path.relpath(args.records, REPO)
    cpus = "; ".join(f"{cpu_short(c)}: {c}" for c in sorted(set(df.cpu)))
    md = ["# SNGAN vs DCGAN at equal generator steps on the full Fashion-MNIST training set",
          "",
          "- Regenerate: `python scripts/benchmarks/sngan_vs_dcgan.py --models M... --steps S... --seeds N...` for the "
          "rows below (the commands this table's runs came from are listed under the runs), `--time` for the cost "
          f"table; runs and timings recorded in `{records_rel}` are reused (delete a record to run it again), the "
          "table is rebuilt from all records. Method: the script's docstring.",
          f"- Table written {time.strftime('%Y-%m-%d %H:%M')}; runs finished {df.finished_at.min()} .. "
          f"{df.finished_at.max()}; each run's commit in the runs table.",
          f"- CPU: per row ({cpus}). TensorFlow's default threads; precision per row (float32, or "
          f"`--precision mixed_bfloat16` on the `_bf16` runs). Shared 2-core machine (other sessions' "
          f"tests ran alongside), every run under `nice`, one at a time; 1-minute load average before the runs "
          f"{loads.min():.1f}-{loads.max():.1f}. Times are this machine's under that load.",
          f"- Each run: `keras-gans train MODEL --dataset fashion_mnist --batch-size {BATCH} --steps-per-epoch "
          f"S/{EPOCHS} --epochs {EPOCHS} --seed SEED` (sngan_cnn: `train sngan --architecture cnn`), each model's "
          "defaults otherwise: S generator updates on 64 "
          "latents each. The data: the 60,000 Fashion-MNIST training images, 28x28x1.",
          "- **Equal generator steps is not equal work**: DCGAN makes 1 discriminator update per generator update "
          "(64 real images per step); SNGAN's default `n_dis = 5` makes 5, each on a fresh minibatch of 64 real images "
          "(320 real images per step), with larger networks (ResNet G 256 channels at 28x28, D 128 channels; "
          "parameter counts below).",
          "- Score: the final `model.keras`, 10,000 images (seed 0) vs the 10,000 Fashion-MNIST test images, FID and "
          "KID (100 subsets of 1000) on the shipped classifier's 128-d features (`keras_gans.cli.evaluate."
          "evaluate_model`, as `toolbox_small_data.md` and `scripts/examples/evaluate_fashion.py`). Both models "
          "generate 28x28x1, the classifier's input size: no image is resized before the features "
          "(`resized_for_features` in the CSV). Lower is better; the real-vs-real floor on these features "
          "(train[:10000] vs test) is FID 0.019 (`fashion_eval.md`).",
          "",
          "## Mean ± std per model and step count",
          "",
          "| generator steps | precision | CPU | model | runs | FID mean ± std | KID mean ± std | wall s (median) | "
          "s per G step (median, epochs 2-10) | real images seen per run | D updates per run |",
          "|---|---|---|---|---|---|---|---|---|---|---|"]
    for steps, precision, cpu in sorted(set(zip(df.steps, df.precision, df.cpu_short)),
                                        key=lambda k: (k[0], k[1] != "float32", k[2])):
        for model in MODELS:
            d = df[(df.model == model) & (df.steps == steps) & (df.precision == precision) & (df.cpu_short == cpu)]
            if not len(d):
                continue
            cells = []
            for metric in ("fid", "kid"):
                mean = d[metric].mean()
                cells.append(f"{fmt(mean)} ± {fmt(d[metric].std(ddof=1), 2)}" if len(d) > 1 else fmt(mean))
            md.append(f"| {steps:,} | {precision} | {cpu} | {MODELS[model][0]} | {len(d)} | {cells[0]} | {cells[1]} | "
                      f"{d.wall_s.median():.0f} | {d.s_per_g_step.median():.3f} | {int(d.real_images_seen.iloc[0]):,}"
                      f" | {int(d.d_updates.iloc[0]):,} |")
    if timings:
        md += ["", "## Cost per generator step (`--time`)", "",
               "The same architectures timed in one process each (`time_steps`: `compile()` defaults, the CLI's data "
               "stream, 3 warm-up steps then N timed ones), and what 3,000 generator steps would take at that speed "
               "on this machine. `sngan_cnn` is SNGAN's `architecture=\"cnn\"` (the paper's Table 3 standard CNN; "
               "`keras-gans train sngan --architecture cnn`).", "",
               "| architecture | precision | CPU | timed steps | s per G step | 3,000 G steps would take | "
               "G / D params | load before / after | commit | measured |", "|---|---|---|---|---|---|---|---|---|---|"]
        for t in sorted(timings, key=lambda t: t["s_per_g_step"]):
            md.append(f"| {t['arch']} (n_dis {t['n_dis']}) | {t.get('precision', 'float32')} | "
                      f"{cpu_short(t['cpu'])} | {t['timed_steps']} | {t['s_per_g_step']:.2f} | "
                      f"{3000 * t['s_per_g_step'] / 3600:.1f} h | {t['generator_params'] / 1e6:.2f} M / "
                      f"{t['discriminator_params'] / 1e6:.2f} M | {t['load_1min_before']:.1f} / "
                      f"{t['load_1min_after']:.1f} | {t['commit'].replace(' (with uncommitted changes to keras_gans)', ' + edits')} | "
                      f"{t['finished_at']} |")
    md += ["", "## Runs", "",
           "| generator steps | precision | CPU | model | seed | FID | KID (± std over subsets) | generated | wall s "
           "| train s | s / G step | real images/s | load before | G / D params | final d_loss / g_loss | commit |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in df.itertuples():
        sha = r.keras_gans_diff_sha1 if isinstance(r.keras_gans_diff_sha1, str) else None
        commit = str(r.commit).replace(" (with uncommitted changes to keras_gans)", "")
        md.append(f"| {r.steps:,} | {r.precision} | {r.cpu_short} | {r.model} | {r.seed} | {r.fid:.2f} | "
                  f"{r.kid:.4f} ± {r.kid_std:.4f} | "
                  f"{r.generated_shape} | {r.wall_s:.0f}{' (resumed)' if r.resumed is True else ''} | {r.train_s:.0f} | "
                  f"{r.s_per_g_step:.3f} | {r.real_images_per_s:.0f} | {r.load_1min_before:.1f} | "
                  f"{r.generator_params / 1e6:.2f} M / {r.discriminator_params / 1e6:.2f} M | "
                  f"{fmt(r.final_d_loss)} / {fmt(r.final_g_loss)} | {commit}{f' + edits {sha}' if sha else ''} |")
    md += ["", "Commands of these runs: " + "; ".join(
               f"`python scripts/benchmarks/sngan_vs_dcgan.py --models {' '.join(sorted(set(g.model), key=list(MODELS).index))} "
               f"--steps {steps} --seeds {' '.join(str(x) for x in sorted(set(g.seed)))}"
               f"{'' if precision == 'float32' else ' --precision ' + precision}`"
               for (steps, precision), g in df.groupby(["steps", "precision"]))
           + " (each run is one `keras-gans train` command, in the record).",
           "", "train s = the 10 epochs' own time from the Keras progress bar (steps x its mean time per step; the first "
           "epoch includes tracing); s / G step = epochs 2-10's time per generator step (no tracing); wall s = the whole command (start-up, data loading, sample grids, checkpoints, "
           "export). d_loss/g_loss: the last epoch's means (SNGAN: hinge loss, DCGAN: non-saturating cross-entropy; "
           "not comparable across models). commit: HEAD when the run started; \"+ edits SHA\": the library had "
           "uncommitted edits (other sessions work in the same tree), SHA = sha1 of `git diff HEAD -- keras_gans` + "
           "untracked files under keras_gans/, saved under `--runs-dir`/logs.", ""]
    (out / f"{args.name}.md").write_text("\n".join(md))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--models", nargs="+", choices=list(MODELS), default=["dcgan", "sngan"])
    p.add_argument("--seeds", nargs="+", type=int, default=[0])
    p.add_argument("--steps", type=int, nargs="+", default=[3000],
                   help=f"generator updates per run, multiples of {EPOCHS} (3000); several: each model at each")
    p.add_argument("--num-samples", type=int, default=10000)
    p.add_argument("--runs-dir", default="/tmp/toolbox_runs/sngan_vs_dcgan")
    p.add_argument("--records", default=str(RESULTS / "toolbox_runs" / "sngan_vs_dcgan"))
    p.add_argument("--out", default=str(RESULTS))
    p.add_argument("--name", default="sngan_vs_dcgan")
    p.add_argument("--time", nargs="*", choices=list(TIMED), default=None,
                   help="instead of training: time these architectures' steps (all when none named), one process each")
    p.add_argument("--precision", default="float32", choices=list(PRECISIONS),
                   help="every run's (and --time's) precision; mixed_bfloat16 runs are recorded apart (_bf16)")
    p.add_argument("--time-one", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if any(steps < EPOCHS or steps % EPOCHS for steps in args.steps):
        p.error(f"--steps must be positive multiples of {EPOCHS}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    runs_dir, records_dir, logs_dir = tsd.make_dirs(args)

    def write_all():
        recs = [json.loads(f.read_text()) for f in sorted(records_dir.glob("*_seed*_steps*.json"))]  # all of them
        timings = [json.loads(f.read_text()) for f in sorted(records_dir.glob("timing_*.json"))]
        if recs:
            write(recs, timings, args)
        return recs

    if args.time_one:  # the child process of --time
        print(json.dumps(time_steps(args.time_one, TIMED[args.time_one], args.precision)))
        return 0
    if args.time is not None:
        for arch in args.time or list(TIMED):
            print(f"[{time.strftime('%H:%M:%S')}] timing {arch}", flush=True)
            res = subprocess.run([sys.executable, __file__, "--time-one", arch, "--precision", args.precision],
                                 capture_output=True, text=True, cwd=REPO)
            line = [x for x in res.stdout.splitlines() if x.startswith("{")]
            if res.returncode or not line:
                print(f"timing {arch} FAILED ({res.returncode}):\n{res.stderr[-2000:]}", flush=True)
                continue
            (records_dir / f"timing_{arch}{PRECISIONS[args.precision]}.json").write_text(line[-1] + "\n")
            print(line[-1], flush=True)
        write_all()
        return 0

    failures = []
    for steps, seed, model in [(st, se, m) for st in args.steps for se in args.seeds for m in args.models]:
        name = run_name(model, seed, steps, args.precision)
        record = records_dir / f"{name}.json"
        if record.is_file():
            print(f"{name}: recorded, skipped", flush=True)
            continue
        run_dir = runs_dir / name
        try:
            timing = tsd.train_once(run_dir, lambda: train(model, seed, steps, runs_dir, logs_dir, args.precision))
            t0 = time.perf_counter()
            scores = score(run_dir, args.num_samples)
            n_dis = scores["n_dis"]
            rec = {"model": model, "label": MODELS[model][0], "seed": seed, "steps": steps, "precision": args.precision,
                   "d_updates": steps * n_dis, "real_images_seen": steps * BATCH * n_dis,
                   **scores, **timing, "eval_s": time.perf_counter() - t0, "cpu": tsd.cpu_note(),
                   "finished_at": time.strftime("%Y-%m-%d %H:%M")}
            record.write_text(json.dumps(rec, indent=1) + "\n")
            print(f"{name}: FID {rec['fid']:.2f} KID {rec['kid']:.4f} generated {rec['generated_shape']} "
                  f"wall {rec.get('wall_s', float('nan')):.0f}s", flush=True)
        except Exception as e:  # noqa: BLE001 - report it, keep the other runs
            failures.append(name)
            print(f"{name}: FAILED: {e}", flush=True)
        write_all()
    recs = write_all()
    if recs:
        md = Path(args.out) / f"{args.name}.md"
        print(md.read_text())
    if failures:
        print(f"failed: {', '.join(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
