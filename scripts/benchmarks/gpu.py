"""Issue 22's GPU table in one command: every model's training throughput at its paper's resolution and batch in
float32 and mixed_float16 (and with XLA on request), DCGAN and Pix2Pix under ``MirroredStrategy``, and AdaIN stylizing
at 256² and 512².

    python scripts/benchmarks/gpu.py --name gpu_h100                 # on a machine with a GPU (pip install ".[cuda]")
    python scripts/benchmarks/gpu.py --configs float32 mixed_float16 "float32 + XLA" "mixed_float16 + XLA" --name x
    python scripts/benchmarks/gpu.py --rows dcgan adain_stylize512 --name gpu_some
    python scripts/benchmarks/gpu.py --smoke --rows dcgan --out /tmp/x  # the same code on a CPU, tiny networks

Each row runs in a fresh process that builds the model once per configuration (``precision=`` is the model's own and
``jit_compile`` its ``compile``'s, so all live in one process) and times them in turn, each round starting with the
next one, ``--rounds`` times each: ``fit`` for ``--warmup`` untimed steps (tracing, XLA compilation, cuDNN
autotuning), then ``--steps`` timed steps (synthetic data of the model's shapes, made on the host and prefetched), or
``--images`` calls of ``stylize`` after one warm-up call. The throughput of a round is the batch over the median step;
the table gives the median over rounds with the range, each configuration's ratio to the first one (medians), and
the peak device memory of the process (``tf.config.experimental.get_memory_info("GPU:0")["peak"]``; the peak
resident memory on a CPU). Rows marked "mirrored" build and fit the model inside ``tf.distribute.MirroredStrategy()``
over every visible GPU (one GPU: the strategy's own overhead against the plain row), without the XLA configurations
(keras_gans compiles with XLA on one device only: ``keras_gans.cli.training.use_jit``). The header records the device,
TensorFlow and its CUDA/cuDNN build, and the commit.

Rows (``ROWS``): the models' constructor defaults are their papers' resolutions (the docstrings cite them); the batch is
the paper's where it states one, else the ``keras-gans train`` default of 64, and ``WGAN``/``WGANGP``/``SNGAN`` steps
take ``n_critic``/``n_dis`` minibatches each. WGAN runs without its warm-up schedule (100 critic steps per generator
step for the first 25), which would make the timed steps unlike the rest of training.

``--smoke`` shrinks every network and image (``SMOKE``) and takes 1 warm-up, 2 timed steps, 1 round: it checks that
every row builds, trains in each configuration and is written, on any machine
(``tests/scripts/benchmarks/test_gpu.py``); its numbers mean nothing. Without a GPU the script says so in the header
and runs on the CPU (mixed_float16 is then emulated and slow).
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
from benchmark import _spawn, rss_mb  # noqa: E402  (a worker in a fresh process, peak memory)
from export_latency import call_seconds  # noqa: E402  (back-to-back timed calls; stdlib only)
from precision import number_format, spread  # noqa: E402  ("median (min-max)" as precision.py writes it)
from toolbox_small_data import git_commit  # noqa: E402

#: the precision of the model (its ``precision=``), with `` + XLA`` compiled with ``jit_compile=True``
CONFIGS = ("float32", "mixed_float16", "float32 + XLA", "mixed_float16 + XLA")
#: name: (model class, constructor arguments, batch per minibatch, data kind, what the batch is and where it is from)
ROWS = {
    "gan": ("GAN", {}, 100, "images", "28x28x1 MLP, batch 100 (Goodfellow et al. 2014, its pylearn2 MNIST set-up)"),
    "cgan": ("ConditionalGAN", {}, 100, "labelled", "28x28x1 MLP, batch 100 (Mirza & Osindero 2014)"),
    "dcgan": ("DCGAN", {}, 128, "images", "64x64x3, batch 128 (Radford et al. 2016)"),
    "dcgan_mirrored": ("DCGAN", {}, 128, "images", "as dcgan, under MirroredStrategy"),
    "wgan": ("WGAN", {"warmup_schedule": False}, 64, "images", "64x64x3, m = 64, 5 critic steps (Arjovsky 2017)"),
    "wgan_gp": ("WGANGP", {}, 64, "images", "64x64x3, m = 64, 5 critic steps (Gulrajani et al. 2017)"),
    "ebgan": ("EBGAN", {}, 64, "images", "64x64x3, batch 64 (CLI default)"),
    "began": ("BEGAN", {}, 16, "images", "64x64x3, batch 16 (Berthelot et al. 2017)"),
    "ali": ("ALI", {}, 100, "images", "64x64x3, batch 100 (Dumoulin et al. 2017, CelebA)"),
    "bigan": ("BiGAN", {}, 100, "images", "64x64x3, batch 100 (as ALI)"),
    "sngan": ("SNGAN", {}, 64, "images", "32x32x3 ResNet, batch 64, n_dis 5 (Miyato et al. 2018)"),
    "stylegan": ("StyleGAN", {}, 64, "images", "32x32x3, batch 64 (StyleGAN2-ADA's CIFAR-10 configuration)"),
    "gran": ("GRAN", {}, 64, "images", "32x32x3, 3 steps, batch 64 (CLI default)"),
    "pix2pix": ("Pix2Pix", {}, 1, "pairs", "256x256, batch 1 (Isola et al. 2017)"),
    "pix2pix_b4": ("Pix2Pix", {}, 4, "pairs", "256x256, batch 4"),
    "pix2pix_mirrored": ("Pix2Pix", {}, 4, "pairs", "256x256, batch 4, under MirroredStrategy"),
    "cyclegan": ("CycleGAN", {}, 1, "pairs", "256x256, batch 1 (Zhu et al. 2017)"),
    "dtn": ("DTN", {}, 64, "domains", "32x32, batch 64 (CLI default)"),
    "adain_train": ("AdaINStyleTransfer", {}, 8, "styles", "256x256 crops, batch 8 (Huang & Belongie 2017)"),
    "adain_stylize256": ("AdaINStyleTransfer", {}, 1, "stylize256", "stylize one 256x256 content + style"),
    "adain_stylize512": ("AdaINStyleTransfer", {}, 1, "stylize512",
                         "stylize one 512x512 content + style (paper: 15 images/s on a Titan X; goal: 4x that)"),
}
#: the same rows with tiny networks and images, for --smoke
_IMG = {"image_shape": (16, 16, 1)}
SMOKE = {
    "GAN": dict(g_units=(16, 16), d_units=(8, 8), **_IMG),
    "ConditionalGAN": dict(num_classes=10, g_filters=4, d_filters=4, **_IMG),
    "DCGAN": dict(g_filters=4, d_filters=4, **_IMG), "WGAN": dict(g_filters=4, d_filters=4, n_critic=2, **_IMG),
    "WGANGP": dict(n_critic=2, **_IMG), "EBGAN": dict(g_filters=4, d_filters=4, **_IMG),
    "BEGAN": dict(filters=4, hidden_dim=4, latent_dim=4, **_IMG),
    "ALI": dict(g_filters=4, d_filters=4, e_filters=4, latent_dim=8, **_IMG),
    "BiGAN": dict(g_filters=4, d_filters=4, e_filters=4, latent_dim=8, **_IMG),
    "SNGAN": dict(architecture="cnn", image_shape=(32, 32, 1), n_dis=2),
    "StyleGAN": dict(image_shape=(16, 16, 1), latent_dim=8, w_dim=8, mapping_layers=1, channel_base=64,
                     channel_max=8),
    "GRAN": dict(g_filters=4, d_filters=4, num_steps=2, **_IMG),
    "Pix2Pix": dict(input_channels=1, output_channels=1, image_size=32, g_filters=2, d_filters=2),
    "CycleGAN": dict(input_channels=1, output_channels=1, image_size=32, g_filters=2, d_filters=2, n_blocks=1,
                     pool_size=2),
    "DTN": dict(representation_dim=8, f_filters=2, g_filters=2, d_filters=2),
    "AdaINStyleTransfer": dict(width=1 / 16),
}


def synthetic_data(model, kind, batch, image_size, np, tf):
    """A repeated, prefetched dataset of uniform noise shaped as ``model`` trains on it, ``batch`` examples a step."""
    rng = np.random.default_rng(0)

    def uniform(shape, low=-1.0, high=1.0):
        return rng.uniform(low, high, (2 * batch, *shape)).astype("float32")

    if kind == "images":
        source = uniform(model.image_shape)
    elif kind == "labelled":
        source = (uniform(model.image_shape), rng.integers(0, model.num_classes, 2 * batch).astype("int32"))
    elif kind == "pairs":
        size = model.image_size
        source = (uniform((size, size, model.input_channels)), uniform((size, size, model.output_channels)))
    elif kind == "domains":
        source = (uniform(model.source_shape), uniform(model.target_shape))
    else:  # styles: (content, style) crops in [0, 255]
        source = (uniform((image_size, image_size, 3), 0, 255), uniform((image_size, image_size, 3), 0, 255))
    return tf.data.Dataset.from_tensor_slices(source).repeat().batch(batch, drop_remainder=True).prefetch(-1)


def peak_memory_mb(tf):
    """The process's peak device memory so far: the first GPU's allocator peak, or the peak resident memory."""
    if tf.config.list_physical_devices("GPU"):
        return tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2**20
    return rss_mb()


def worker(cfg):
    """One row, every configuration, ``cfg["rounds"]`` rounds in this process: a list of result dicts."""
    import time

    import keras
    import numpy as np
    import tensorflow as tf

    sys.path.insert(0, str(REPO))
    import keras_gans

    cls_name, kwargs, batch, kind, _ = ROWS[cfg["row"]]
    kwargs = dict(kwargs, **SMOKE[cls_name]) if cfg["smoke"] else dict(kwargs)
    mirrored = cfg["row"].endswith("_mirrored")
    strategy = tf.distribute.MirroredStrategy() if mirrored else tf.distribute.get_strategy()
    stylize = kind.startswith("stylize")
    size = 32 if cfg["smoke"] else int(kind[len("stylize"):]) if stylize else 256  # the images AdaIN sees
    configs = [c for c in cfg["configs"] if not (mirrored and c.endswith(" + XLA"))]  # XLA: one device (use_jit)
    models = {}
    for config in configs:
        keras.utils.set_random_seed(0)
        with strategy.scope():
            model = getattr(keras_gans, cls_name)(precision=config.split(" + ")[0], **kwargs)
            model.compile(jit_compile=config.endswith(" + XLA"))  # stylize runs XLA-compiled too
        models[config] = model
    results = []
    for round_index in range(cfg["rounds"]):
        turn = round_index % len(configs)
        for config in configs[turn:] + configs[:turn]:  # each round another configuration goes first
            model = models[config]
            if stylize:
                rng = np.random.default_rng(round_index)
                content, style = (rng.integers(0, 256, (size, size, 3)).astype("uint8") for _ in range(2))
                model.stylize(content, style)  # warm-up: traces this size
                calls = call_seconds(lambda: model.stylize(content, style), cfg["images"])
                per_s, unit = 1.0 / statistics.median(calls), "images/s"
            else:
                images = batch * getattr(model, "d_steps", 1) * strategy.num_replicas_in_sync
                data = synthetic_data(model, kind, images, size, np, tf)
                stamps = []
                stamp = keras.callbacks.LambdaCallback(
                    on_train_batch_end=lambda *_, **__: stamps.append(time.perf_counter()))
                model.fit(data, steps_per_epoch=cfg["warmup"] + cfg["steps"], epochs=1, verbose=0,
                          callbacks=[stamp])
                step_s = statistics.median(np.diff(stamps[cfg["warmup"] - 1:]))
                per_s = (1 if kind == "styles" else images) / step_s
                unit = "steps/s" if kind == "styles" else "images/s"
            results.append({"row": cfg["row"], "config": config, "round": round_index, "per_s": per_s,
                            "unit": unit, "peak_memory_mb": peak_memory_mb(tf),
                            "replicas": strategy.num_replicas_in_sync})
    return results


def device_note():
    """The device this process's TensorFlow sees, and TensorFlow's version and CUDA/cuDNN build."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    build = tf.sysconfig.get_build_info()
    cuda = f"CUDA {build.get('cuda_version', '-')}, cuDNN {build.get('cudnn_version', '-')}"
    if not gpus:
        return f"no GPU visible: ran on the CPU ({os.cpu_count()} CPUs); TensorFlow {tf.__version__} ({cuda})"
    names = [tf.config.experimental.get_device_details(g).get("device_name", g.name) for g in gpus]
    return f"{len(gpus)} GPU(s): {', '.join(names)}; TensorFlow {tf.__version__} ({cuda})"


def write(records, failed, args, device):
    """``--out``/NAME.csv (every round) and NAME.md (per row the medians and ranges, the ratio, memory)."""
    import pandas as pd

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    df = pd.DataFrame(records)
    df.to_csv(out / f"{args.name}.csv", index=False)
    argv = " ".join(sys.argv[1:])
    lines = [f"# keras_gans on {'a GPU' if 'GPU(s)' in device else 'no GPU'}: {', '.join(args.configs)} ({args.name})",
             "", f"- Regenerate: `python scripts/benchmarks/gpu.py {argv}`. Method: the script's docstring.",
             f"- Measured {datetime.datetime.now():%Y-%m-%d %H:%M}; commit {git_commit(('keras_gans',))}.",
             f"- Device: {device}.", f"- {args.rounds} round(s) of {args.warmup} warm-up + {args.steps} timed steps "
             f"(stylizing: {args.images} calls after 1) per configuration, in turn, one process per row."
             + (" **--smoke: tiny networks, numbers meaningless.**" if args.smoke else ""), "",
             "| row | what | " + " | ".join(f"{c} (median, range)" for c in args.configs)
             + f" | {' ; '.join(args.configs[1:])} ÷ {args.configs[0]} (medians) | peak memory MB |",
             "|" + "---|" * (len(args.configs) + 4)]
    for row in args.rows:
        if row in failed:
            lines.append(f"| {row} | {ROWS[row][4]} | failed: {failed[row]} |" + " |" * (len(args.configs) + 1))
            continue
        d = df[df.row == row]
        cells, medians = [], []
        for config in args.configs:
            values = d[d.config == config].per_s.tolist()
            medians.append(statistics.median(values) if values else None)
            cells.append(f"{spread(values, number_format(values))} {d.unit.iloc[0]}" if values else
                         "n/a (XLA runs on one device)")
        ratio = " ; ".join(f"{m / medians[0]:.2f}" if m and medians[0] else "-" for m in medians[1:])
        memory = " / ".join(f"{d[d.config == c].peak_memory_mb.max():.0f}" if (d.config == c).any() else "-"
                            for c in args.configs)
        lines.append(f"| {row} | {ROWS[row][4]} | " + " | ".join(cells) + f" | {ratio} | {memory} |")
    lines += ["", "Peak memory: the process's peak after each configuration's rounds (a later one's includes the "
              "earlier's, since all the row's models live in one process)."]
    (out / f"{args.name}.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {out / args.name}.csv and .md")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rows", nargs="+", choices=list(ROWS), default=list(ROWS))
    p.add_argument("--configs", nargs="+", choices=CONFIGS, default=list(CONFIGS[:2]),
                   help="float32 and mixed_float16 by default; ' + XLA' compiles with jit_compile=True")
    p.add_argument("--rounds", type=int, default=3, help="rounds per configuration (3)")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps per round (3; the first traces)")
    p.add_argument("--steps", type=int, default=20, help="timed steps per round (20)")
    p.add_argument("--images", type=int, default=20, help="timed stylize calls per round (20)")
    p.add_argument("--smoke", action="store_true", help="tiny networks, 1 round of 1 + 2 steps: a check, not a table")
    p.add_argument("--timeout", type=int, default=1800, help="seconds per row's process (1800)")
    p.add_argument("--out", default=str(HERE / "results"))
    p.add_argument("--name", default="gpu")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.smoke:
        args.rounds, args.warmup, args.steps, args.images = 1, 1, 2, 2
    for name in ("rounds", "warmup", "steps", "images"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be >= 1, got {getattr(args, name)}")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        print("RESULT " + json.dumps(worker(json.loads(args.worker))))
        return
    records, failed = [], {}
    for row in args.rows:
        cfg = dict(row=row, configs=args.configs, rounds=args.rounds, warmup=args.warmup, steps=args.steps,
                   images=args.images, smoke=args.smoke)
        try:
            records += _spawn([__file__, "--worker", json.dumps(cfg)], timeout=args.timeout)
            print(records[-1], flush=True)
        except subprocess.TimeoutExpired as e:  # one row out of time or memory: the others go on
            failed[row] = f"timed out after {e.timeout} s"
        except RuntimeError as e:
            print(e, file=sys.stderr, flush=True)
            failed[row] = str(e).strip().splitlines()[-1][:300]  # the worker's last line: the exception
    write(records, failed, args, device_note())  # the parent sees the devices its workers saw (the same environment)
    if failed:
        raise SystemExit(f"{len(failed)} row(s) failed: {', '.join(failed)} (their reasons are in the table)")


if __name__ == "__main__":
    main()
