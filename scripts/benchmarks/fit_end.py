"""How long ``fit`` waits after its last step, with and without tf.data's autotuning model thread (issue 22: the
bimodality of whole-``fit`` timings).

    python scripts/benchmarks/fit_end.py --rounds 3 --name fit_end_amx

Each run is a fresh process. "autotune" ends the package's pipelines with TensorFlow's default
``prefetch(AUTOTUNE)``; "no model thread" is the package's default, ``keras_gans.datasets.pipeline.prefetched``
(``options.autotune.enabled = False``). Per run: DCGAN 32x32x3 in mixed_bfloat16 on ``make_dataset`` (1,024
synthetic uint8 images, batch 128, shuffled, repeated), a 5-step warm-up ``fit``, then ``--fits`` calls of
``fit(steps_per_epoch=30)``; for each call the wall time, the time from its last step's end to its return, and the
median step. Then the input pipelines alone: batches per second pulled from ``make_dataset`` (batch 128, 32x32x3
from 28x28x1 -- resize and tiling) and from ``make_translation_dataset`` (Pix2Pix's jitter at 256x256, batch 1).
Writes ``results/NAME.md`` and ``.csv``.
"""

import argparse
import datetime
import json
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
VARIANTS = ("autotune", "no model thread")


def worker(variant, fits):
    import time

    import numpy as np
    import tensorflow as tf

    import keras

    sys.path.insert(0, str(REPO))
    import keras_gans
    from keras_gans.datasets import make_dataset, pipeline, translation
    from keras_gans.datasets.translation import make_translation_dataset

    if variant == "autotune":  # TensorFlow's default pipeline end
        pipeline.prefetched = translation.prefetched = lambda ds: ds.prefetch(tf.data.AUTOTUNE)

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (1024, 32, 32, 3), dtype=np.uint8)
    data = make_dataset(images, batch_size=128, seed=0, repeat=True)
    model = keras_gans.DCGAN(image_shape=(32, 32, 3), seed=0, precision="mixed_bfloat16")
    model.compile()
    stamps = []

    class Timer(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            stamps.append(time.perf_counter())

    model.fit(data, steps_per_epoch=5, epochs=1, verbose=0)
    calls = []
    for _ in range(fits):
        stamps.clear()
        start = time.perf_counter()
        model.fit(data, steps_per_epoch=30, epochs=1, verbose=0, callbacks=[Timer()])
        end = time.perf_counter()
        calls.append(dict(wall_s=end - start, wait_after_last_step_s=end - stamps[-1],
                          median_step_ms=1e3 * statistics.median(np.diff(stamps[1:]))))

    def batches_per_s(ds, n):
        it = iter(ds)
        for _ in range(5):
            next(it)
        t = time.perf_counter()
        for _ in range(n):
            next(it)
        return n / (time.perf_counter() - t)

    small = rng.integers(0, 256, (2048, 28, 28, 1), dtype=np.uint8)
    pairs = rng.integers(0, 256, (2, 32, 256, 256, 3), dtype=np.uint8)
    pipelines = dict(
        make_dataset_per_s=batches_per_s(make_dataset(small, batch_size=128, image_size=32, channels=3, seed=0,
                                                      repeat=True), 200),
        translation_per_s=batches_per_s(make_translation_dataset(pairs[0], pairs[1], batch_size=1, paired=True,
                                                                 image_size=256, seed=0, repeat=True), 200))
    print("RESULT " + json.dumps(dict(calls=calls, **pipelines)))


def main(argv=None):
    import pandas as pd

    sys.path.insert(0, str(HERE))
    import benchmark  # _spawn: a worker in a fresh process
    import toolbox_small_data as tsd

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--fits", type=int, default=5)
    p.add_argument("--name", default="fit_end", help="file stem of the results")
    p.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        return worker(args.worker[0], int(args.worker[1]))
    rows, pipes = [], []
    for round_ in range(args.rounds):
        for variant in VARIANTS if round_ % 2 == 0 else VARIANTS[::-1]:
            res = benchmark._spawn([str(Path(__file__).resolve()), "--worker", variant, str(args.fits)])
            rows += [dict(round=round_, variant=variant, call=i, **c) for i, c in enumerate(res.pop("calls"))]
            pipes.append(dict(round=round_, variant=variant, **res))
            print(rows[-args.fits:], pipes[-1], flush=True)
    df, pf = pd.DataFrame(rows), pd.DataFrame(pipes)
    out = HERE / "results" / args.name
    df.to_csv(f"{out}.csv", index=False)
    pf.to_csv(f"{out}_pipelines.csv", index=False)
    lines = ["# The end of `fit` with and without tf.data's autotuning model thread (issue 22)", "",
             f"- Regenerate: `python scripts/benchmarks/fit_end.py --rounds {args.rounds} --fits {args.fits} "
             f"--name {args.name}`. Method: the script's docstring.",
             f"- Measured {datetime.datetime.now():%Y-%m-%d %H:%M}; commit {tsd.git_commit(['keras_gans'])}; "
             f"CPU: {tsd.cpu_note()}.", "",
             f"## DCGAN mixed_bfloat16, {args.rounds} processes x {args.fits} `fit` calls of 30 steps each", "",
             "| pipeline end | wall per call, median (range) | wait after the last step, median (range) | calls that "
             "waited > 0.5 s | median step, median (range) |", "|---|---|---|---|---|"]
    for variant in VARIANTS:
        d = df[df.variant == variant]
        lines.append(
            f"| {variant} | {d.wall_s.median():.2f} s ({d.wall_s.min():.2f}-{d.wall_s.max():.2f}) | "
            f"{d.wait_after_last_step_s.median():.3f} s ({d.wait_after_last_step_s.min():.3f}-"
            f"{d.wait_after_last_step_s.max():.3f}) | {(d.wait_after_last_step_s > 0.5).sum()} of {len(d)} | "
            f"{d.median_step_ms.median():.1f} ms ({d.median_step_ms.min():.1f}-{d.median_step_ms.max():.1f}) |")
    lines += ["", "## The input pipelines alone (batches/s, median (range) of the processes)", "",
              "| pipeline end | make_dataset 28x28x1 -> 32x32x3, batch 128 | make_translation_dataset 256x256 jitter, "
              "batch 1 |", "|---|---|---|"]
    for variant in VARIANTS:
        d = pf[pf.variant == variant]
        lines.append(f"| {variant} | {d.make_dataset_per_s.median():.0f} ({d.make_dataset_per_s.min():.0f}-"
                     f"{d.make_dataset_per_s.max():.0f}) | {d.translation_per_s.median():.0f} "
                     f"({d.translation_per_s.min():.0f}-{d.translation_per_s.max():.0f}) |")
    Path(f"{out}.md").write_text("\n".join(lines) + "\n")
    print(Path(f"{out}.md").read_text())


if __name__ == "__main__":
    main()
