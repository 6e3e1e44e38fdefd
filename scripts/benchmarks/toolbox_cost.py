"""What each training-toolbox option costs in training throughput: DCGAN 28x28x1, batch 64, embedded Fashion-MNIST.

    python scripts/benchmarks/toolbox_cost.py                     # 7 options x 3 rounds, 64 timed steps
    python scripts/benchmarks/toolbox_cost.py --repeat 5 --steps 128 --options plain ema r1

Method (that of ``scripts/benchmarks/benchmark.py``, whose worker builds models without keyword arguments, so
it is repeated here with them): every measurement is its own process, which builds ``keras_gans.DCGAN(
image_shape=(28, 28, 1), seed=0, **options)`` as ``keras-gans train dcgan`` does (``compile(jit_compile=False)``,
TensorFlow's caching CPU allocator on as the CLI sets it), feeds it the embedded 6,000-image subset through
``keras_gans.datasets.make_dataset`` (batch 64, shuffled, repeated, prefetched) and runs
``fit(steps_per_epoch=warmup + steps)``. A timer starts at the end of the last warm-up step and stops at the end
of the last step (a callback that is not ``async_safe`` makes Keras finish each step before it is counted).
The options run interleaved (plain, ema, ..., plain, ema, ...) ``--repeat`` times, so the load of the shared
machine drifts over all of them alike. Reported per option: the median images/s and the min-max over rounds,
the median relative to plain's median, and the median of the per-round ratios to that round's plain run.
Writes ``--out``/NAME.csv (every run) and NAME.md.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent  # scripts/benchmarks
REPO = HERE.parents[1]
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))
from benchmark import warmup_timer  # noqa: E402  (the timed fit)
from toolbox_small_data import cpu_note, git_commit  # noqa: E402

#: name -> (CLI options it stands for, DCGAN keyword arguments)
OPTIONS = {
    "plain": ("", {}),
    "ema": ("--ema 0.999", {"ema_decay": 0.999}),
    "diffaugment": ("--augment diffaugment", {"augment": "diffaugment"}),
    "ada": ("--augment ada", {"augment": "ada"}),
    "r1": ("--r1 10", {"r1_gamma": 10.0}),
    "r1_lazy16": ("--r1 10 --r1-interval 16", {"r1_gamma": 10.0, "r1_interval": 16}),
    "spectral_norm": ("--spectral-norm", {"spectral_norm": True}),
}
BATCH = 64


def worker(cfg):
    sys.path.insert(0, str(REPO))
    import keras_gans
    from keras_gans import datasets

    images, _, _ = datasets.load_arrays("embedded")
    ds = datasets.make_dataset(images, None, batch_size=BATCH, seed=0, repeat=True)
    model = keras_gans.DCGAN(image_shape=tuple(images.shape[1:]), seed=0, **OPTIONS[cfg["option"]][1])
    model.compile(jit_compile=False)
    warmup, steps = cfg["warmup"], cfg["steps"]

    timer = warmup_timer(warmup)
    load = os.getloadavg()[0]
    model.fit(ds, steps_per_epoch=warmup + steps, epochs=1, verbose=0, callbacks=[timer])
    seconds, cpu = timer.t1 - timer.t0, timer.cpu1 - timer.cpu0
    return {"option": cfg["option"], "cli": OPTIONS[cfg["option"]][0], "images_per_s": steps * BATCH / seconds,
            "ms_per_step": 1000 * seconds / steps, "cores": cpu / seconds, "first_step_s": timer.first,
            "load_1min_before": load, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "image_shape": "x".join(map(str, images.shape[1:])),
            "final_augment_p": float(timer.logs["augment_p"]) if "augment_p" in timer.logs else None}


def spawn(cfg, timeout=900):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")
    env.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")  # as the keras-gans command sets it
    proc = subprocess.run([sys.executable, __file__, "--worker", json.dumps(cfg)], capture_output=True, text=True,
                          env=env, timeout=timeout, cwd=REPO)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-25:])
        raise RuntimeError(f"worker {cfg} failed (exit {proc.returncode}):\n{tail}")
    return json.loads(lines[-1][len("RESULT "):])


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--options", nargs="+", choices=list(OPTIONS), default=list(OPTIONS))
    p.add_argument("--repeat", type=int, default=3, help="rounds over all options, one process each (3)")
    p.add_argument("--steps", type=int, default=64, help="timed steps per run (64: 4 lazy-R1 steps at interval 16)")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps first (3; the first traces the step)")
    p.add_argument("--out", default=str(RESULTS))
    p.add_argument("--name", default="toolbox_cost")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        print("RESULT " + json.dumps(worker(json.loads(args.worker))))
        return 0
    if "plain" not in args.options:
        args.options = ["plain", *args.options]
    import pandas as pd

    start = time.perf_counter()
    started = time.strftime("%Y-%m-%d %H:%M")
    rows = []
    for r in range(args.repeat):
        for option in args.options:
            t = time.perf_counter()
            try:
                row = {"round": r, **spawn({"option": option, "steps": args.steps, "warmup": args.warmup})}
            except Exception as e:  # noqa: BLE001 - report it, measure the rest
                row = {"round": r, "option": option, "cli": OPTIONS[option][0], "images_per_s": None,
                       "error": str(e)[-300:]}
            rows.append(row)
            print(f"round {r + 1}/{args.repeat} {option:14s} {row['images_per_s'] or float('nan'):7.1f} images/s "
                  f"({time.perf_counter() - t:.0f} s)", flush=True)
    runs = pd.DataFrame(rows)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runs.to_csv(out / f"{args.name}.csv", index=False)

    plain = runs[runs.option == "plain"].set_index("round").images_per_s
    plain_median = plain.median()
    lines = ["| option | CLI | images/s median (min-max) | vs plain (medians) | vs plain (median of per-round "
             "ratios, min-max) | ms/step median | cores used (median) |", "|---|---|---|---|---|---|---|"]
    for option in args.options:
        d = runs[(runs.option == option) & runs.images_per_s.notna()]
        if not len(d):
            lines.append(f"| {option} | `{OPTIONS[option][0]}` | failed | | | | |")
            continue
        ips = d.images_per_s
        ratios = (d.set_index("round").images_per_s / plain).dropna()
        rel = "" if option == "plain" else f"{100 * (ips.median() / plain_median - 1):+.1f} %"
        paired = "" if option == "plain" else (f"{ratios.median():.3f} ({ratios.min():.3f}-{ratios.max():.3f})"
                                               if len(ratios) else "")
        lines.append(f"| {option} | `{OPTIONS[option][0] or '(none)'}` | {ips.median():.0f} ({ips.min():.0f}-"
                     f"{ips.max():.0f}) | {rel} | {paired} | {d.ms_per_step.median():.0f} | "
                     f"{d.cores.median():.2f} |")
    loads = runs.load_1min_before.dropna()
    cmd = "python scripts/benchmarks/toolbox_cost.py" + ("" if not argv else " " + " ".join(argv))
    md = ["# Training toolbox: throughput cost of each option (DCGAN 28x28x1, batch 64, embedded Fashion-MNIST)", "",
          f"- Regenerate: `{cmd}`",
          f"- Measured {started} .. {time.strftime('%H:%M')} ({time.perf_counter() - start:.0f} s); git commit "
          f"{git_commit()}.",
          f"- CPU: {cpu_note()}. TensorFlow's default threads, float32, jit off (the CLI's default).",
          f"- Machine load: shared 2-core machine, other sessions' work alongside (1-minute load average before "
          f"the runs {loads.min():.1f}-{loads.max():.1f}); run under `nice`. Absolute images/s move with that load; "
          "the interleaved rounds and per-round ratios are what compare the options.",
          f"- Each run: its own process, {args.warmup} warm-up steps then {args.steps} timed steps of "
          f"`keras_gans.DCGAN(image_shape=(28, 28, 1), seed=0, **options)` (what `keras-gans train dcgan` with the "
          f"CLI options builds); {args.repeat} rounds, options interleaved. images/s = real images per second "
          f"(one D and one G update per 64 images).",
          "- ADA starts at p = 0 and its p stays near 0 over so few steps, but the augmentation pipeline runs "
          "every step whatever p is (final p per run in the CSV), so its cost is that of the pipeline. Lazy R1 at "
          f"interval 16 adds the penalty on {args.steps // 16} of the {args.steps} timed steps.",
          "", *lines, ""]
    (out / f"{args.name}.md").write_text("\n".join(md))
    print("\n".join(md))
    print(f"wrote {out / (args.name + '.csv')} and {out / (args.name + '.md')}")
    return 0 if runs.images_per_s.notna().all() else 1


if __name__ == "__main__":
    sys.exit(main())
