"""GRAN with T = 1, 3, 5 drawing steps against DCGAN at equal generator steps on Fashion-MNIST, scored by FID/KID and
by GAM battles (Im et al. 2016; issue 24).

    python scripts/benchmarks/gran_gam.py                         # 5 models x seed 0, 1,500 generator steps, battles
    python scripts/benchmarks/gran_gam.py --steps 30 --name scratch --records /tmp/g/r --runs-dir /tmp/g/s  # a look

**Runs.** Each model is the CLI a user would type, in its own process, one after the other: ``keras-gans train MODEL
--dataset fashion_mnist --batch-size 64 --steps-per-epoch S/10 --epochs 10 --seed SEED`` (the 60,000 training images,
28x28x1), each model's defaults otherwise:

- ``dcgan``: Radford et al.'s networks, ngf = ndf = 64, Adam 2e-4 / beta1 0.5, non-saturating loss;
- ``gran_t1``, ``gran_t3``, ``gran_t5``: ``train gran --steps T``: the same discriminator, optimizer and loss, a
  generator whose DCGAN decoder (ngf 64) draws T canvas increments, reading each back through an encoder;
- ``wgan_gp``: Gulrajani et al.'s defaults (n_critic 5, lambda 10, Adam 1e-4 / (0, 0.9)): 5 critic updates, each on
  64 fresh real images, per generator step.

**FID/KID.** The final ``model.keras``: 10,000 images (seed 0) against the 10,000 test images on the shipped
classifier's 128-d features (``keras_gans.cli.evaluate.evaluate_model``), as the other quality tables.

**GAM.** ``keras_gans.metrics.gam`` on the 10,000 test images with 10,000 samples of each generator (seed 0), the
paper's decision rule with tolerance 0.1 on r_test: GRAN (T = 1, 3, 5) against DCGAN, GRAN T = 3 against T = 5 and
T = 1 against T = 3 (the paper battles GRANs of different T as well), DCGAN against WGAN-GP (WGAN-GP's critic
threshold fitted on the first 10,000 training images against 10,000 of its own samples, seed 1).

A run is skipped when its record exists in ``--records``; battles are recomputed from the saved models each time.
Writes ``--out``/NAME.md and NAME.csv (runs) and NAME_gam.csv (battles).
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import toolbox_small_data as tsd  # noqa: E402  (run, CPU and commit helpers)

REPO = tsd.REPO
RESULTS = HERE / "results"
BATCH = 64
EPOCHS = 10
#: name -> (label, `keras-gans train` arguments, discriminator updates per generator step)
MODELS = {
    "dcgan": ("DCGAN", ["dcgan"], 1),
    "gran_t1": ("GRAN T=1", ["gran", "--steps", "1"], 1),
    "gran_t3": ("GRAN T=3", ["gran", "--steps", "3"], 1),
    "gran_t5": ("GRAN T=5", ["gran", "--steps", "5"], 1),
    "wgan_gp": ("WGAN-GP", ["wgan_gp"], 5),
}
BATTLES = [("gran_t1", "dcgan"), ("gran_t3", "dcgan"), ("gran_t5", "dcgan"), ("gran_t3", "gran_t5"),
           ("gran_t1", "gran_t3"), ("dcgan", "wgan_gp")]


def run_name(model, seed, steps):
    return f"{model}_seed{seed}_steps{steps}"


def train(model, seed, steps, runs_dir, logs_dir):
    name = run_name(model, seed, steps)
    cmd = [str(tsd.CLI), "train", *MODELS[model][1], "--dataset", "fashion_mnist", "--batch-size", str(BATCH),
           "--steps-per-epoch", str(steps // EPOCHS), "--epochs", str(EPOCHS), "--seed", str(seed),
           "--out", str(runs_dir / name), "--export-dir", str(runs_dir / "exports")]
    secs, facts = tsd.run_cli(name, cmd, runs_dir, logs_dir)
    facts.pop("log")
    steady = sum(secs[1:]) / (steps * (len(secs) - 1) // EPOCHS) if len(secs) >= EPOCHS else None
    return {"train_s": sum(secs), "s_per_g_step": steady, **facts}


def score(run_dir, num_samples):
    from keras_gans.cli.evaluate import evaluate_model
    from keras_gans.cli.loading import load

    model_path = str(run_dir / "model.keras")
    rows = {r["metric"]: r for r in evaluate_model(model_path, ("fid", "kid"), num_samples)}
    model = load(model_path)
    return {"fid": rows["fid"]["value"], "kid": rows["kid"]["value"], "kid_std": rows["kid"]["std"],
            "generator_params": int(model.generator.count_params()),
            "discriminator_params": int(model.discriminator.count_params())}


def battles(runs, seed, steps, num, pairs=BATTLES):
    """The GAM battles ``pairs`` (default :data:`BATTLES`) among the finished runs: a list of rows."""
    from keras_gans import datasets
    from keras_gans.cli.loading import load
    from keras_gans.metrics import gam

    test = datasets.load_arrays("fashion_mnist", split="test")[0][:num]
    calibration = datasets.load_arrays("fashion_mnist", split="train")[0][:num]
    models = {m: load(str(runs / run_name(m, seed, steps) / "model.keras")) for m in MODELS
              if (runs / run_name(m, seed, steps) / "model.keras").is_file()}
    rows = []
    for a, b in pairs:
        if a not in models or b not in models:
            continue
        t = time.perf_counter()
        result = gam(models[a], models[b], test, num_samples=num, seed=0, tolerance=0.1, names=(a, b),
                     calibration_images=calibration)
        rows.append({"model_a": a, "model_b": b, "r_test": result.r_test, "r_samples": result.r_samples,
                     "a_error_test": result.errors[a]["test"], "a_error_b_samples": result.errors[a]["samples"],
                     "b_error_test": result.errors[b]["test"], "b_error_a_samples": result.errors[b]["samples"],
                     "a_threshold": result.thresholds[a], "b_threshold": result.thresholds[b],
                     "winner": result.winner or "tie", "verdict": result.verdict, "seconds": time.perf_counter() - t,
                     "steps": steps, "seed": seed})
    return rows


def write(records, gam_rows, args):
    import pandas as pd

    fmt = tsd.fmt
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    df = pd.DataFrame(records)
    df["order"] = df.model.map({m: i for i, m in enumerate(MODELS)})
    df = df.sort_values(["steps", "order", "seed"]).drop(columns="order")
    df.to_csv(out / f"{args.name}.csv", index=False)
    g = pd.DataFrame(gam_rows)
    if len(g):
        g.to_csv(out / f"{args.name}_gam.csv", index=False)
    md = ["# GRAN (T = 1, 3, 5) vs DCGAN at equal generator steps on Fashion-MNIST: FID/KID and GAM battles", "",
          f"- Regenerate: `python scripts/benchmarks/gran_gam.py --steps {' '.join(map(str, sorted(set(df.steps))))} "
          f"--seeds {' '.join(map(str, sorted(set(df.seed))))}` (records in "
          f"`{os.path.relpath(args.records, REPO)}` are reused; battles recomputed). Method: the script's docstring.",
          f"- Written {time.strftime('%Y-%m-%d %H:%M')}; CPU: {tsd.cpu_note()}; float32, TensorFlow's default "
          f"threads, runs one at a time under `nice`; 1-minute load before the runs "
          f"{df.load_1min_before.min():.1f}-{df.load_1min_before.max():.1f}.",
          "- FID/KID: 10,000 samples (seed 0) vs the 10,000 test images on the shipped classifier's features; "
          "lower is better (real-vs-real floor 0.019, `fashion_eval.md`).", "",
          "## Runs", "",
          "| model | seed | generator steps | D updates / step | FID | KID (± std over subsets) | s / G step "
          "(epochs 2-10) | wall s | G / D params | commit |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in df.itertuples():
        md.append(f"| {MODELS[r.model][0]} | {r.seed} | {r.steps:,} | {MODELS[r.model][2]} | {r.fid:.2f} | "
                  f"{r.kid:.4f} ± {r.kid_std:.4f} | {fmt(r.s_per_g_step)} | {r.wall_s:.0f} | "
                  f"{r.generator_params / 1e6:.2f} M / {r.discriminator_params / 1e6:.2f} M | "
                  f"{str(r.commit).replace(' (with uncommitted changes to keras_gans)', ' + edits')} |")
    if len(g):
        md += ["", "## GAM battles (`keras_gans.metrics.gam`, tolerance 0.1 on r_test)", "",
               "ε = classification error of a model's discriminator: on the test images, the share it calls fake; on "
               "the other model's samples, the share it calls real. r_test = ε_A(test) / ε_B(test), r_samples = "
               "ε_A(G_B) / ε_B(G_A); A wins when r_samples < 1 and |r_test - 1| <= 0.1.", "",
               "| A | B | ε_A(test) | ε_B(test) | r_test | ε_A(B's samples) | ε_B(A's samples) | r_samples | "
               "winner | B's threshold |", "|---|---|---|---|---|---|---|---|---|---|"]
        for r in g.itertuples():
            md.append(f"| {MODELS[r.model_a][0]} | {MODELS[r.model_b][0]} | {r.a_error_test:.4f} | "
                      f"{r.b_error_test:.4f} | {fmt(r.r_test)} | {r.a_error_b_samples:.4f} | "
                      f"{r.b_error_a_samples:.4f} | {fmt(r.r_samples)} | "
                      f"{MODELS[r.winner][0] if r.winner in MODELS else r.winner} | {fmt(r.b_threshold)} |")
        md += ["", "Verdicts:", ""] + [f"- {MODELS[r.model_a][0]} vs {MODELS[r.model_b][0]}: {r.verdict}"
                                       for r in g.itertuples()]
    (out / f"{args.name}.md").write_text("\n".join(md) + "\n")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    p.add_argument("--seeds", nargs="+", type=int, default=[0])
    p.add_argument("--steps", type=int, default=1500, help=f"generator updates per run, a multiple of {EPOCHS}")
    p.add_argument("--num-samples", type=int, default=10000)
    p.add_argument("--runs-dir", default="/tmp/gran_runs")
    p.add_argument("--records", default=str(RESULTS / "gran_runs"))
    p.add_argument("--out", default=str(RESULTS))
    p.add_argument("--name", default="gran_gam")
    p.add_argument("--battles", nargs="+", default=None, metavar="A:B",
                   help="only these battles (e.g. dcgan:wgan_gp); the table keeps the others' earlier rows")
    args = p.parse_args(argv)
    if args.steps < EPOCHS or args.steps % EPOCHS:
        p.error(f"--steps must be a positive multiple of {EPOCHS}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    runs_dir, records_dir, logs_dir = tsd.make_dirs(args)
    for seed in args.seeds:
        for model in args.models:
            name = run_name(model, seed, args.steps)
            record = records_dir / f"{name}.json"
            if record.is_file():
                print(f"{name}: recorded, skipped", flush=True)
                continue
            run_dir = runs_dir / name
            timing = tsd.train_once(run_dir, lambda: train(model, seed, args.steps, runs_dir, logs_dir))
            rec = {"model": model, "seed": seed, "steps": args.steps, **score(run_dir, args.num_samples), **timing,
                   "finished_at": time.strftime("%Y-%m-%d %H:%M")}
            record.write_text(json.dumps(rec, indent=1) + "\n")
            print(f"{name}: FID {rec['fid']:.2f} KID {rec['kid']:.4f} wall {rec['wall_s']:.0f}s", flush=True)
    records = [json.loads(f.read_text()) for f in sorted(records_dir.glob("*.json"))]
    pairs = BATTLES if args.battles is None else [tuple(b.split(":")) for b in args.battles]
    gam_rows = []
    for seed in args.seeds:
        gam_rows += battles(runs_dir, seed, args.steps, args.num_samples, pairs)
    earlier = Path(args.out) / f"{args.name}_gam.csv"
    if args.battles is not None and earlier.is_file():  # keep the battles not run again
        import pandas as pd

        done = {(r["model_a"], r["model_b"], r["seed"], r["steps"]) for r in gam_rows}
        gam_rows = [r for r in pd.read_csv(earlier).to_dict("records")
                    if (r["model_a"], r["model_b"], r["seed"], r["steps"]) not in done] + gam_rows
    for row in gam_rows:
        print(f"{row['model_a']} vs {row['model_b']}: r_test {row['r_test']:.3f} r_samples {row['r_samples']:.3f} "
              f"-> {row['winner']}", flush=True)
    write(records, gam_rows, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
