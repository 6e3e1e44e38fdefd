"""Training throughput and peak memory of every keras_gans model (and a PyTorch DCGAN for reference).

Usage::

    python scripts/benchmarks/benchmark.py                         # all nine models, synthetic data
    python scripts/benchmarks/benchmark.py --models DCGAN --torch  # DCGAN 32x32x3 vs the same DCGAN in PyTorch
    python scripts/benchmarks/benchmark.py --models DCGAN --jit    # each model with jit_compile False and True
    python scripts/benchmarks/benchmark.py --profile               # the DCGAN settings sweep of the notes below
    python scripts/benchmarks/benchmark.py --data fashion_mnist    # real data through keras_gans.datasets

What is measured
----------------
Each model runs in its own subprocess (so ``peak_rss_mb``, the process's ``ru_maxrss``, is that
model's peak: TensorFlow import + data + graphs + variables; ``tracemalloc`` cannot see TF's
allocator). The worker does what a user does::

    model.compile()
    model.fit(dataset, steps_per_epoch=warmup + steps, epochs=1, verbose=0, callbacks=[timer])

where ``dataset`` is ``from_tensor_slices(fixed random array in [-1, 1]).repeat().batch(B,
drop_remainder=True).prefetch(AUTOTUNE)`` (labels too for ConditionalGAN), so the input pipeline is
included but nothing is downloaded. The timer starts at ``on_train_batch_end`` of the last warm-up
step and stops at ``on_train_batch_end`` of the last step; a callback that is not ``async_safe``
makes Keras fetch the logs every step, so every timed step has finished when it is counted.

- ``images_per_s``: real images consumed per second. One ``train_step`` of GAN, DCGAN and
  ConditionalGAN is one D update + one G update on ``batch`` images. For WGAN and WGAN-GP one
  ``train_step`` is ``n_critic`` critic updates + 1 generator update and consumes ``n_critic * m``
  images (``batch`` = 5 x 64 = 320 by default).
- ``g_steps_per_s``: generator updates (= ``train_step`` calls) per second.
- ``notes``: the settings, the first-step (tracing) time, TF's thread pools, how many cores the
  process kept busy in the timed window (``cores``, CPU time / wall time) and the 1-minute load
  average of the machine at the start, since other work shares the CPU.
- WGAN runs with ``warmup_schedule=False``: its default reference schedule makes the first 25
  generator steps 100 critic steps each (and every 500th), which is not the steady state.

Thread settings: TensorFlow's intra-op and inter-op pools are left at their defaults (0 = one
thread per core: 2 and 2 on the 2-core machine) unless ``--intra-threads/--inter-threads`` is given;
oneDNN is TensorFlow's default (on). The PyTorch worker uses ``torch.set_num_threads(2)`` and
torch's default inter-op pool (2). See ``scripts/benchmarks/torch_twins/torch_dcgan.py`` for the PyTorch
twin (checked to be the same function as the Keras networks with
``python scripts/benchmarks/torch_twins/torch_dcgan.py --check-keras``).

Notes: DCGAN 32x32x3, batch 128, profiling (2-core CPU shared with other work)
------------------------------------------------------------------------------
Measured 2026-11-21 on the 2-vCPU AMD EPYC VM, TF 2.21 / Keras 3.15, torch 2.13.0+cpu, synthetic
data, 6-10 timed steps after 2 warm-up steps. Other sessions' test runs kept about one of the two
cores busy most of the time (load average 2-3), so absolute numbers move by +-15 % from run to run
and a 2-thread process usually got ~1 core ("cores" ~1.0 in the notes column). Comparisons below are
round-robin repeats (``--repeat``) in one invocation; "a/b" are the individual runs' images/s.

1. jit_compile (``--profile --variants 0 2 1 3 --repeat 2 --intra-threads 1 --inter-threads 1``,
   1 thread so that contention does not decide the outcome):

   ===================================  ===============  ============  ===========
   DCGAN 32x32x3, batch 128              images/s         img/cpu-s     peak RSS MB
   ===================================  ===============  ============  ===========
   defaults (sync BN, jit auto=False)   82 / 84          82            874
   jit_compile=True                     107 / 121        107           1194
   synchronized_batch_norm=False        74 / 87          74            877
   jit_compile=True + sync BN off       122 / 126        123           1173
   ===================================  ===============  ============  ===========

   Same at 2 (default) threads, single runs: defaults 85, jit 125, jit + sync BN off 176 (that run
   happened to get 1.65 cores; per CPU-second 79 / 110 / 107). DCGAN 28x28x1 (``--image-size 28
   --channels 1 --jit --repeat 2``): 213 / 226 without, 281 / 293 with jit (+30 %), which
   contradicts the CONVENTIONS note (320 vs 500 with jit slower) for the current networks.
   Other models, single runs (``--models GAN ConditionalGAN WGAN WGANGP --jit --steps 5``):
   GAN 1315 -> 1288 (same), ConditionalGAN 1203 -> 1909 (per CPU-s 1200 -> 1310, +9 %),
   WGAN 117 -> 169 (+45 %), WGAN-GP 67 -> 125 (+70-85 %). Costs of jit: the first step takes
   longer (DCGAN 3-4 s -> 6-9 s, WGAN 8 -> 26 s) and peak RSS grows by 250-600 MB.
2. synchronized_batch_norm: no measurable difference without jit (74/87 vs 82/84); with jit
   122/126 vs 107/121, i.e. at most ~10 %, within noise. On one device the synchronized path goes
   through the default replica context (sum, sum of squares and a full-size ``ones_like`` count,
   then E[x^2] - E[x]^2) instead of ``tf.nn.moments``; XLA folds most of that away.
3. TF threads (defaults, single runs under contention): intra 2 / inter 1: 95 images/s (1.35 cores);
   intra 1 / inter 1: 84 (1.0 core); defaults (2/2): 78-86 (~1.05 cores). A bare conv2d loop shows
   the same ~1 core in all three settings while another process holds a core: inconclusive here,
   nothing to recommend.
4. Input pipeline: ``prefetch(AUTOTUNE)`` vs no prefetch: 85 vs 66 images/s (single runs); keep it
   (``keras_gans.datasets.make_dataset`` already ends with ``prefetch(AUTOTUNE)``).
5. The strided convolutions themselves (quiet machine, 2 threads, DCGAN 32x32x3 batch 128). Per
   part, ms per call, TF vs torch: G forward 140 vs 67, G forward+backward 251 vs 154, D
   forward+backward 242 vs 132. One op explained most of it: TF's CPU ``Conv2DBackpropInput`` (the
   forward pass of ``Conv2DTranspose`` and the input gradient of a strided ``Conv2D``) took 77-85 ms
   for 128x4x4x256 -> 8x8x128 where four stride-1 2x2 convolutions with the same FLOPs take 20 ms.
   ``keras_gans.kernels.FastConv2DTranspose`` / ``FastConv2D`` (measured when they were
   ``keras_gans.layers.Conv2DTranspose`` / ``Conv2D``) compute exactly that product through the
   stride-1 convolutions (sub-pixel decomposition, ``tf.custom_gradient`` for the rest). Whole
   step: 130 (jit off) / 187 (jit on) images/s before vs 248 / 239 after, torch 243-247 in the
   same runs (``scripts/benchmarks/results/dcgan_vs_torch.md``: ratio 1.00). XLA no longer helps,
   so the CLI leaves it off (``--jit`` turns it on). A first attempt that also sent the backward
   pass through the decomposition was slower (G forward+backward 472 ms): only the forward product
   is rerouted.
5. oneDNN off (``TF_ENABLE_ONEDNN_OPTS=0``): 73 vs 78-85 images/s: keep TF's default (on).

PyTorch twin (``scripts/benchmarks/torch_twins/torch_dcgan.py``, checked to be the same function): at 1
thread each (``--models DCGAN --torch --repeat 2 --intra-threads 1 --inter-threads 1``) Keras
81 / 84, torch 115 / 120 images/s: keras_gans / torch = 0.70 per core without jit (and ~0.95-1.0 with
jit_compile=True, 107-122 images/s). At 2 threads torch swings from 41 to 161 images/s with the
other load (its OpenMP threads stall when one core is taken) while Keras stays at 67-86:
``--repeat 3`` gave medians 78 vs 83, ratio 0.94; a single run under load gave 1.71. Use the
1-thread ratio when the machine is shared.

Recommendation: compile with ``jit_compile=True`` on CPU for the convolutional models (DCGAN, WGAN,
WGAN-GP, DCGAN-architecture cGAN); Keras' "auto" turns XLA off on CPU-only machines, and turns it
on by itself on GPU. Same math (same ops and update rule; floating-point results are not bitwise
identical to the non-XLA graph). See the report for the exact change.
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
MODELS = ("GAN", "DCGAN", "WGAN", "WGANGP", "ConditionalGAN", "EBGAN", "BEGAN", "ALI", "BiGAN")
CONV_MODELS = ("DCGAN", "WGAN", "WGANGP", "EBGAN", "BEGAN", "ALI", "BiGAN")
COLUMNS = ["model", "image_size", "batch", "framework", "images_per_s", "g_steps_per_s", "peak_rss_mb", "notes"]
N_CRITIC = 5


def canonical_model(name):
    key = name.lower().replace("-", "").replace("_", "")
    aliases = {"gan": "GAN", "dcgan": "DCGAN", "wgan": "WGAN", "wgangp": "WGANGP", "conditionalgan": "ConditionalGAN",
               "cgan": "ConditionalGAN", "ebgan": "EBGAN", "began": "BEGAN", "ali": "ALI", "bigan": "BiGAN"}
    if key not in aliases:
        raise argparse.ArgumentTypeError(f"unknown model {name!r}; expected one of {', '.join(MODELS)}")
    return aliases[key]


def default_image_size(model):
    return 32 if model in CONV_MODELS else 28


def channels_for(model):
    return 3 if model in CONV_MODELS else 1


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def warmup_timer(warmup):
    """A ``fit`` callback that times the steps after the first ``warmup``: wall ``t0``..``t1`` and process CPU time
    ``cpu0``..``cpu1`` (from the end of step ``warmup`` to the end of the last), ``first`` (seconds to the end of the
    first step, tracing included) and the last step's ``logs``."""
    import keras

    class Timer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.begin = time.perf_counter()

        def on_train_batch_end(self, batch_index, logs=None):
            now, cpu = time.perf_counter(), time.process_time()
            if batch_index == 0:
                self.first = now - self.begin
            if batch_index == warmup - 1:
                self.t0, self.cpu0 = now, cpu
            self.t1, self.cpu1 = now, cpu
            self.logs = dict(logs or {})

    return Timer()


# ============================================================================================
# Worker: one model, one process
# ============================================================================================
def run_worker(cfg):
    """Build, compile and fit one model; return the measurements as a dict."""
    import numpy as np
    import tensorflow as tf

    if cfg.get("intra") is not None:
        tf.config.threading.set_intra_op_parallelism_threads(cfg["intra"])
    if cfg.get("inter") is not None:
        tf.config.threading.set_inter_op_parallelism_threads(cfg["inter"])

    sys.path.insert(0, str(REPO))
    import keras

    import keras_gans

    rss_after_import = rss_mb()
    name, size, m = cfg["model"], cfg["image_size"], cfg["batch"]
    channels = cfg.get("channels") or channels_for(name)
    shape = (size, size, channels)
    keras.utils.set_random_seed(0)

    if name == "GAN":
        model = keras_gans.GAN(image_shape=shape, seed=0)
    elif name == "DCGAN":
        kwargs = {} if cfg.get("sync_bn") is None else {"synchronized_batch_norm": cfg["sync_bn"]}
        model = keras_gans.DCGAN(image_shape=shape, seed=0, precision=cfg.get("precision", "float32"), **kwargs)
    elif name == "WGAN":
        model = keras_gans.WGAN(image_shape=shape, n_critic=N_CRITIC, warmup_schedule=False, seed=0)
    elif name == "WGANGP":
        model = keras_gans.WGANGP(image_shape=shape, n_critic=N_CRITIC, seed=0)
    elif name == "ConditionalGAN":
        model = keras_gans.ConditionalGAN(num_classes=10, image_shape=shape, seed=0)
    elif name in ("EBGAN", "BEGAN", "ALI", "BiGAN"):  # the papers' defaults
        model = getattr(keras_gans, name)(image_shape=shape, seed=0)
    else:
        raise ValueError(name)
    d_steps = getattr(model, "d_steps", 1)
    batch = d_steps * m  # images per train_step
    conditional = name == "ConditionalGAN"

    # --- data ------------------------------------------------------------------------------
    prefetch = cfg.get("prefetch", -1)
    if cfg["data"] == "synthetic":
        rng = np.random.default_rng(0)
        num = max(4 * batch, 1024)
        images = rng.uniform(-1.0, 1.0, (num, *shape)).astype("float32")
        source = (images, rng.integers(0, 10, num).astype("int32")) if conditional else images
        ds = tf.data.Dataset.from_tensor_slices(source).repeat().batch(batch, drop_remainder=True)
        if prefetch != 0:
            ds = ds.prefetch(tf.data.AUTOTUNE if prefetch < 0 else prefetch)
    else:
        try:
            from keras_gans import datasets
        except ImportError as e:  # the datasets package is written elsewhere; may be absent
            raise SystemExit(f"--data {cfg['data']} needs keras_gans.datasets: {e}") from None
        ds, _ = datasets.load(cfg["data"], batch_size=batch, image_size=size, channels=channels,
                              with_labels=conditional, repeat=True, seed=0)

    # --- fit ----------------------------------------------------------------------------------
    warmup, steps = cfg["warmup"], cfg["steps"]

    compile_kwargs = {} if cfg.get("jit") is None else {"jit_compile": cfg["jit"]}
    model.compile(**compile_kwargs)
    timer = warmup_timer(warmup)
    load_before = os.getloadavg()[0]
    model.fit(ds, steps_per_epoch=warmup + steps, epochs=1, verbose=0, callbacks=[timer])
    seconds = timer.t1 - timer.t0

    notes = []
    if cfg.get("label"):
        notes.append(cfg["label"])
    if cfg.get("precision", "float32") != "float32":
        notes.append(f"precision={cfg['precision']}")
    if name in ("WGAN", "WGANGP"):
        notes.append(f"n_critic={d_steps} x m={m}")
    if name == "WGAN":
        notes.append("warmup_schedule=False")
    if name == "DCGAN":
        notes.append(f"sync_bn={model.get_config().get('synchronized_batch_norm')}")
    jit = model.jit_compile
    notes.append(f"jit={jit}" + ("" if cfg.get("jit") is not None else "(auto)"))
    intra = tf.config.threading.get_intra_op_parallelism_threads()
    inter = tf.config.threading.get_inter_op_parallelism_threads()
    notes.append(f"tf threads intra={intra or 'default'}/inter={inter or 'default'}")
    if os.environ.get("TF_ENABLE_ONEDNN_OPTS") is not None:
        notes.append(f"TF_ENABLE_ONEDNN_OPTS={os.environ['TF_ENABLE_ONEDNN_OPTS']}")
    if cfg["data"] != "synthetic":
        notes.append(f"data={cfg['data']}")
    elif prefetch != -1:
        notes.append(f"prefetch={prefetch}")
    notes.append(f"first step {timer.first:.1f}s")
    cpu_seconds = timer.cpu1 - timer.cpu0
    notes.append(f"cores {cpu_seconds / seconds:.2f}")
    notes.append(f"img/cpu-s {steps * batch / cpu_seconds:.1f}")
    notes.append(f"load {load_before:.1f}")
    notes.append(f"rss after import {rss_after_import:.0f}MB")
    if channels != channels_for(name):
        notes.append(f"channels={channels}")
    return {
        "model": name,
        "image_size": size,
        "batch": batch,
        "framework": "keras_gans",
        "images_per_s": steps * batch / seconds,
        "g_steps_per_s": steps / seconds,
        "peak_rss_mb": rss_mb(),
        "notes": "; ".join(notes),
    }


# ============================================================================================
# Parent: one subprocess per configuration
# ============================================================================================
def _spawn(argv, env_extra=None, timeout=900, python=None):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")
    env.update(env_extra or {})
    proc = subprocess.run([python or sys.executable, *argv], capture_output=True, text=True, env=env, timeout=timeout,
                          cwd=REPO)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-25:])
        raise RuntimeError(f"worker {' '.join(argv)} failed (exit {proc.returncode}):\n{tail}")
    return json.loads(lines[-1][len("RESULT "):])


def run_keras(cfg, env_extra=None, script=__file__):
    """The keras_gans worker in a new process; ``script``: this file of another checkout (``ab_commits.py``)."""
    return _spawn([str(script), "--worker", json.dumps(cfg)], env_extra)


def run_torch(batch, image_size, steps, warmup, threads=2, extra=(), python=None):
    """The PyTorch twin's row; ``extra``: more options of torch_dcgan.py (``--bf16``, ``--channels-last``);
    ``python``: an interpreter with torch (default this one)."""
    res = _spawn([str(HERE / "torch_twins" / "torch_dcgan.py"), "--batch-size", str(batch), "--image-size",
                  str(image_size), "--steps", str(steps), "--warmup", str(warmup), "--threads", str(threads),
                  *extra], python=python)
    return {
        "model": "DCGAN",
        "image_size": image_size,
        "batch": batch,
        "framework": f"torch {res['torch']}",
        "images_per_s": res["images_per_s"],
        "g_steps_per_s": res["g_steps_per_s"],
        "peak_rss_mb": res["peak_rss_mb"],
        "notes": f"threads={res['threads']}/interop={res['interop_threads']}; first {warmup} steps "
                 f"{res['first_steps_s']:.1f}s; cores {res['cores']:.2f}; "
                 f"img/cpu-s {res['images_per_s'] / res['cores']:.1f}; "
                 f"load {res['load']:.1f}",
    }


def to_markdown(df):
    try:
        return df.to_markdown(index=False, floatfmt=".1f")
    except ImportError:  # pandas needs `tabulate` for to_markdown
        def fmt(v):
            return f"{v:.1f}" if isinstance(v, float) else str(v)

        columns = list(df.columns)
        rows = [columns, ["---"] * len(columns)] + [[fmt(v) for v in row] for row in df.itertuples(False)]
        return "\n".join("| " + " | ".join(r) + " |" for r in rows)


PROFILE_VARIANTS = [
    # (label, worker config overrides, extra environment)
    ("baseline (defaults)", {}, {}),
    ("synchronized_batch_norm=False", {"sync_bn": False}, {}),
    ("jit_compile=True", {"jit": True}, {}),
    ("jit_compile=True + sync_bn=False", {"jit": True, "sync_bn": False}, {}),
    ("intra=2 inter=1", {"intra": 2, "inter": 1}, {}),
    ("intra=1 inter=1", {"intra": 1, "inter": 1}, {}),
    ("no prefetch", {"prefetch": 0}, {}),
    ("oneDNN off", {}, {"TF_ENABLE_ONEDNN_OPTS": "0"}),
]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="keras_gans training throughput and peak memory",
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", nargs="+", type=canonical_model, default=list(MODELS),
                   help="models to run (GAN DCGAN WGAN WGANGP ConditionalGAN EBGAN BEGAN ALI BiGAN; cgan / wgan_gp accepted)")
    p.add_argument("--batch-size", type=int, default=128,
                   help="images per D step for GAN, DCGAN, ConditionalGAN (default 128)")
    p.add_argument("--critic-batch", type=int, default=64,
                   help="m, images per critic step for WGAN / WGANGP (default 64: a train_step takes 5*m)")
    p.add_argument("--image-size", type=int, default=None,
                   help="side of the square images (default 32 for conv models, 28 for GAN / ConditionalGAN)")
    p.add_argument("--channels", type=int, choices=(1, 3), default=None,
                   help="image channels (default 3 for conv models, 1 for GAN / ConditionalGAN)")
    p.add_argument("--steps", type=int, default=20, help="timed train steps per model (default 20)")
    p.add_argument("--warmup", type=int, default=3, help="untimed train steps first (default 3, >= 1)")
    p.add_argument("--data", default="synthetic", help="'synthetic' (default) or a keras_gans.datasets name, "
                                                       "e.g. fashion_mnist")
    p.add_argument("--out", default=str(RESULTS), help="folder for the CSV and markdown")
    p.add_argument("--name", default=None, help="file stem of the outputs (default benchmark, or profile)")
    p.add_argument("--torch", action="store_true", help="also run scripts/benchmarks/torch_twins/torch_dcgan.py and print the ratio")
    p.add_argument("--jit", action="store_true", help="run each model with jit_compile=False and True")
    p.add_argument("--profile", action="store_true", help="DCGAN settings sweep (see PROFILE_VARIANTS)")
    p.add_argument("--repeat", type=int, default=1,
                   help="run the whole plan N times round-robin and keep the median run (default 1)")
    p.add_argument("--variants", type=int, nargs="+", default=None,
                   help="with --profile: indices into PROFILE_VARIANTS to run (default all); 0 is the baseline")
    p.add_argument("--no-profile-torch", action="store_true", help="with --profile: skip the torch row")
    p.add_argument("--sync-bn", choices=("true", "false"), default=None, help="DCGAN synchronized_batch_norm")
    p.add_argument("--intra-threads", type=int, default=None, help="TF intra-op threads (default: TF's)")
    p.add_argument("--inter-threads", type=int, default=None, help="TF inter-op threads (default: TF's)")
    p.add_argument("--torch-threads", type=int, default=None,
                   help="torch.set_num_threads for the torch row (default: --intra-threads, else 2)")
    p.add_argument("--prefetch", type=int, default=-1, help="synthetic pipeline prefetch: -1 AUTOTUNE, 0 none, N")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.torch_threads is None:
        args.torch_threads = args.intra_threads or 2
    if args.warmup < 1 or args.steps < 1 or args.repeat < 1:
        p.error("--warmup, --steps and --repeat must be >= 1")
    return args


#: Other suites, one file each: ``python scripts/benchmarks/benchmark.py SUITE [options]`` runs
#: ``scripts/benchmarks/bench_SUITE.py``'s ``main(options)`` (results in scripts/benchmarks/results/SUITE.md).
SUITES = ("translation", "inpainting", "adain", "metrics", "dtn")


def run_suite(name, argv):
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"bench_{name}", Path(__file__).with_name(f"bench_{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main(argv)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in SUITES:
        return run_suite(argv[0], argv[1:])
    args = parse_args(argv)
    if args.worker:
        print("RESULT " + json.dumps(run_worker(json.loads(args.worker))))
        return 0

    import pandas as pd

    base = {
        "steps": args.steps, "warmup": args.warmup, "data": args.data, "prefetch": args.prefetch,
        "intra": args.intra_threads, "inter": args.inter_threads, "channels": args.channels,
        "sync_bn": None if args.sync_bn is None else args.sync_bn == "true",
    }

    def cfg_for(model, **extra):
        size = args.image_size or default_image_size(model)
        m = args.critic_batch if model in ("WGAN", "WGANGP") else args.batch_size
        return {**base, "model": model, "image_size": size, "batch": m, **extra}

    plan = []  # (kind, cfg, env)
    if args.profile:
        for i in args.variants if args.variants is not None else range(len(PROFILE_VARIANTS)):
            label, overrides, env = PROFILE_VARIANTS[i]
            plan.append(("keras", cfg_for("DCGAN", label=label, **overrides), env))
        if not args.no_profile_torch:
            plan.append(("torch", cfg_for("DCGAN"), {}))
    else:
        for model in args.models:
            if args.jit:
                plan.append(("keras", cfg_for(model, jit=False), {}))
                plan.append(("keras", cfg_for(model, jit=True), {}))
            else:
                plan.append(("keras", cfg_for(model), {}))
            if model == "DCGAN" and args.torch:  # right after the Keras DCGAN: same machine load
                plan.append(("torch", cfg_for(model), {}))
        if args.torch and "DCGAN" not in args.models:
            plan.append(("keras", cfg_for("DCGAN"), {}))
            plan.append(("torch", cfg_for("DCGAN"), {}))

    # Round-robin over the plan `repeat` times (A B C A B C ...), so slow drifts of the machine's
    # load hit every configuration alike; each row is the run with the median images/s (the lower
    # of two), and its notes list every run.
    results = [[] for _ in plan]
    for r in range(args.repeat):
        for i, (kind, cfg, env) in enumerate(plan):
            what = f"{kind} {cfg['model']} {cfg.get('label', '')}".strip()
            print(f"running {what}" + (f" (round {r + 1}/{args.repeat})" if args.repeat > 1 else "") + " ...",
                  flush=True)
            start = time.perf_counter()
            try:
                if kind == "torch":
                    if cfg["image_size"] not in (32, 64, 128):
                        raise RuntimeError("torch_dcgan mirrors 4*2^n sizes only (32, 64, 128)")
                    row = run_torch(cfg["batch"], cfg["image_size"], args.steps, args.warmup, args.torch_threads)
                else:
                    row = run_keras(cfg, env)
            except Exception as e:  # noqa: BLE001 - report and go on with the other models
                print(f"  FAILED: {e}", flush=True)
                row = {**{c: None for c in COLUMNS}, "model": cfg["model"], "framework": kind,
                       "notes": f"failed: {e}"[:200]}
            print(f"  {row['images_per_s'] or 0:.1f} images/s ({time.perf_counter() - start:.0f}s)", flush=True)
            results[i].append(row)
    rows = []
    for runs in results:
        ok = sorted((r for r in runs if r["images_per_s"] is not None), key=lambda r: r["images_per_s"])
        if not ok:
            rows.append(runs[-1])
            continue
        row = dict(ok[(len(ok) - 1) // 2])
        if len(runs) > 1:
            row["notes"] += "; median of " + "/".join(f"{r['images_per_s']:.0f}" for r in ok) + " images/s"
        rows.append(row)

    df = pd.DataFrame(rows, columns=COLUMNS)
    ratio_line = None
    torch_rows = df[df.framework.str.startswith("torch", na=False)]
    if len(torch_rows):
        keras_rows = df[(df.model == "DCGAN") & (df.framework == "keras_gans")]
        if args.profile:
            keras_rows = keras_rows[keras_rows.notes.str.startswith("baseline")]
        else:
            keras_rows = keras_rows[~keras_rows.notes.str.contains("jit=True", na=False)]
        if len(keras_rows) and keras_rows.images_per_s.notna().all() and torch_rows.images_per_s.notna().all():
            ratio = float(keras_rows.images_per_s.iloc[0] / torch_rows.images_per_s.iloc[0])
            ratio_line = f"DCGAN keras_gans / torch = {ratio:.2f}"
            df.loc[len(df)] = {"model": "DCGAN", "image_size": int(torch_rows.image_size.iloc[0]),
                               "batch": int(torch_rows.batch.iloc[0]), "framework": "ratio keras_gans/torch",
                               "images_per_s": ratio, "g_steps_per_s": None, "peak_rss_mb": None,
                               "notes": "ratio of images/s measured in this run, not images/s"}

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = args.name or ("profile" if args.profile else "benchmark")
    df.to_csv(out / f"{stem}.csv", index=False)
    markdown = to_markdown(df)
    header = (f"steps={args.steps} warmup={args.warmup} data={args.data} cpus={os.cpu_count()} "
              f"({time.strftime('%Y-%m-%d %H:%M')})")
    text = header + "\n\n" + markdown + ("\n\n" + ratio_line if ratio_line else "") + "\n"
    (out / f"{stem}.md").write_text(text)
    print()
    print(text)
    print(f"wrote {out / (stem + '.csv')} and {out / (stem + '.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
