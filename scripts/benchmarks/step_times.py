"""Every step's time of DCGAN training in float32 and mixed bfloat16, over several fresh processes: the bimodality
study of issue 22 (the same bfloat16 run at 500 or 800-840 images/s, float32 "stuck at a 256 ms step", on an AMX
Xeon).

    python scripts/benchmarks/step_times.py --runs 4 --steps 40          # -> results/step_times_<cpu>.md/.json

Each run is a fresh process (``fit`` on synthetic 32x32x3 images, batch 128, ``--warmup`` untimed steps, then
``--steps`` timed ones), the configurations alternating run by run. A callback that is not ``async_safe`` stamps
``on_train_batch_end``, so every step is finished when it is timed. Per run: images/s over the timed steps, the
median step and its 10th/90th percentiles, and the share of steps within 3 % of 256 ms (the floor the issue
saw). The report says whether the runs of one configuration fall into separate clusters (the slowest run's
images/s below 0.8x the fastest's) or form one.
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
import toolbox_small_data as tsd  # noqa: E402  (CPU note, commit)

CONFIGS = ("float32", "mixed_bfloat16")
FLOOR_MS = 256.0


def worker(precision, steps, warmup, batch):
    import numpy as np
    import tensorflow as tf

    import keras
    import keras_gans

    model = keras_gans.DCGAN(image_shape=(32, 32, 3), precision=precision)
    model.compile()
    x = np.random.default_rng(0).uniform(-1, 1, (batch * 8, 32, 32, 3)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices(x).repeat().batch(batch, drop_remainder=True).prefetch(-1)
    stamps = []

    class Stamp(keras.callbacks.Callback):  # not async_safe: Keras waits for each step's logs
        def on_train_batch_end(self, batch, logs=None):
            stamps.append(time.perf_counter())

    model.fit(data, steps_per_epoch=warmup + steps, epochs=1, verbose=0, callbacks=[Stamp()])
    step_ms = [1000 * (b - a) for a, b in zip(stamps[warmup - 1:], stamps[warmup:])]
    print(json.dumps({"precision": precision, "step_ms": step_ms,
                      "images_per_s": batch * len(step_ms) / (stamps[-1] - stamps[warmup - 1]),
                      "intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
                      "inter_op": tf.config.threading.get_inter_op_parallelism_threads()}))


def summarise(run):
    ms = sorted(run["step_ms"])
    q = lambda f: ms[min(len(ms) - 1, int(f * len(ms)))]  # noqa: E731
    near_floor = sum(abs(m - FLOOR_MS) <= 0.03 * FLOOR_MS for m in ms) / len(ms)
    return {"images_per_s": run["images_per_s"], "median_ms": statistics.median(ms), "p10_ms": q(0.1),
            "p90_ms": q(0.9), "near_256ms": near_floor}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=4, help="fresh processes per configuration (default 4)")
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--out", default=str(HERE / "results"))
    p.add_argument("--name", default=None, help="file stem (default step_times_<amx|zen4>)")
    p.add_argument("--worker", choices=CONFIGS, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.steps, args.warmup, args.batch)
    cpu = tsd.cpu_note()
    name = args.name or ("step_times_amx" if "AMX present" in cpu else "step_times")
    runs = []
    for i in range(args.runs):
        for precision in (CONFIGS if i % 2 == 0 else CONFIGS[::-1]):
            out = subprocess.run([sys.executable, __file__, "--worker", precision, "--steps", str(args.steps),
                                  "--warmup", str(args.warmup), "--batch", str(args.batch)], capture_output=True,
                                 text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
            if out.returncode:
                raise SystemExit(out.stderr[-3000:])
            run = json.loads(out.stdout.strip().splitlines()[-1])
            run.update(summarise(run), round=i + 1, load=os.getloadavg()[0])
            runs.append(run)
            print(f"round {i + 1} {precision}: {run['images_per_s']:.0f} images/s, median step "
                  f"{run['median_ms']:.0f} ms (p10 {run['p10_ms']:.0f}, p90 {run['p90_ms']:.0f}), "
                  f"{100 * run['near_256ms']:.0f} % of steps at 256 ms +- 3 %", flush=True)
    lines = [f"# DCGAN step times, float32 and mixed bfloat16 ({len(runs)} fresh processes)", "",
             f"- Regenerate: `python scripts/benchmarks/step_times.py --runs {args.runs} --steps {args.steps}`. "
             "Method: the script's docstring.",
             f"- Written {datetime.datetime.now():%Y-%m-%d %H:%M}; commit {tsd.git_commit(('keras_gans',))}.",
             f"- CPU: {cpu}. TensorFlow's default thread pools (intra {runs[0]['intra_op']}, inter "
             f"{runs[0]['inter_op']}; 0 = one per core).", "",
             "| round | precision | images/s | median step ms | p10–p90 ms | steps at 256 ms ± 3 % | load before |",
             "|---|---|---|---|---|---|---|"]
    for r in runs:
        lines.append(f"| {r['round']} | {r['precision']} | {r['images_per_s']:.0f} | {r['median_ms']:.0f} | "
                     f"{r['p10_ms']:.0f}–{r['p90_ms']:.0f} | {100 * r['near_256ms']:.0f} % | {r['load']:.2f} |")
    lines += ["", "| precision | median images/s | range | slowest / fastest | clusters |", "|---|---|---|---|---|"]
    for precision in CONFIGS:
        rates = [r["images_per_s"] for r in runs if r["precision"] == precision]
        ratio = min(rates) / max(rates)
        lines.append(f"| {precision} | {statistics.median(rates):.0f} | {min(rates):.0f}–{max(rates):.0f} | "
                     f"{ratio:.2f} | {'two (slowest < 0.8x fastest)' if ratio < 0.8 else 'one'} |")
    os.makedirs(args.out, exist_ok=True)
    Path(args.out, f"{name}.md").write_text("\n".join(lines) + "\n")
    Path(args.out, f"{name}.json").write_text(json.dumps({"cpu": cpu, "runs": runs}, indent=1) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
