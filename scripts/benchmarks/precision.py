"""Training and inference throughput in float32 and bfloat16, keras_gans and its PyTorch twins, side by side in one run
(issue 22).

    python scripts/benchmarks/precision.py --torch-python /tmp/torchvenv/bin/python      # DCGAN, 3 rounds
    python scripts/benchmarks/precision.py --rows dcgan pix2pix256b1 pix2pix256b4 cyclegan256b1 adain256train \\
        adain256stylize --name precision_all --torch-python /tmp/torchvenv/bin/python

Rows (``--rows``) and their workers, each configuration run in a fresh process:

- ``dcgan``: DCGAN 32x32x3, batch 128, training images/s (``benchmark.py``'s worker: synthetic images, ``fit``,
  warm-up steps excluded; the twin ``torch_twins/torch_dcgan.py``);
- ``pix2pix256b1`` / ``pix2pix256b4`` / ``cyclegan256b1``: the paper networks at 256x256, training images/s, median
  step (``bench_translation.py``'s worker; the twin ``torch_twins/torch_translation.py``);
- ``adain256train``: AdaIN (paper widths) training on batches of 8 256x256 pairs, steps/s; ``adain256stylize``:
  one 256x256 content and style image per call, images/s (``bench_adain.py``'s workers; the twin
  ``torch_twins/torch_adain.py``).

Configurations (``--configs``): ``keras float32``; ``keras mixed_bfloat16`` (the model's ``precision=``);
``torch float32``; ``torch bf16 autocast + channels-last`` (the twin at its best on a bfloat16 CPU:
``torch.autocast("cpu", dtype=torch.bfloat16)`` around the forward passes and losses, channels-last networks
and images); ``torch bf16 autocast + channels-last + compile`` (the same with every network through
``torch.compile``, TorchInductor, compiled in the untimed warm-up); on request also ``keras float32 + XLA`` and
``keras mixed_bfloat16 + XLA`` (``compile(jit_compile=True)``; AdaIN's ``stylize`` then runs XLA-compiled too). Every
round runs every configuration of every row once, in a rotated order, so that drift of the
machine falls on all alike. Writes ``--out``/NAME.csv (every run) and NAME.md (per row and configuration the
median and range of the throughput and of the peak memory, and the keras/torch ratios of the medians). Both
frameworks use the machine's threads (TensorFlow's defaults, ``torch.set_num_threads(2)``).

``--max-isa AVX512_CORE_BF16`` sets ``ONEDNN_MAX_CPU_ISA`` for every worker, so that oneDNN (in TensorFlow and in
PyTorch alike) stops short of AMX: on an AMX Xeon this gives the instruction set of an AVX-512 BF16 CPU such as AMD
Zen 4 (not its microarchitecture). The instruction set each framework's oneDNN reports under that setting is
written in the header (``ONEDNN_VERBOSE``'s ``isa`` line).
"""

import argparse
import datetime
import json
import os
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bench_translation  # noqa: E402  (the translation workers)
import benchmark  # noqa: E402  (the DCGAN workers)
import toolbox_small_data as tsd  # noqa: E402  (CPU note, commit)

CONFIGS = ("keras float32", "keras mixed_bfloat16", "torch float32", "torch bf16 autocast + channels-last",
           "torch bf16 autocast + channels-last + compile")
XLA_CONFIGS = ("keras float32 + XLA", "keras mixed_bfloat16 + XLA")  # compile(jit_compile=True); not run by default
ROWS = {  # name: (what is measured, its unit, worker settings)
    "dcgan": ("DCGAN 32x32x3 batch 128, training", "images/s", dict(kind="dcgan", batch=128)),
    "pix2pix256b1": ("Pix2Pix 256x256 batch 1, training", "images/s",
                     dict(kind="translation", model="pix2pix", batch=1)),
    "pix2pix256b4": ("Pix2Pix 256x256 batch 4, training", "images/s",
                     dict(kind="translation", model="pix2pix", batch=4)),
    "cyclegan256b1": ("CycleGAN 256x256 batch 1, training", "images/s",
                      dict(kind="translation", model="cyclegan", batch=1)),
    "adain256train": ("AdaIN 256x256 batch 8, training", "steps/s", dict(kind="adain", task="train", batch=8)),
    "adain256stylize": ("AdaIN 256x256 stylize (1 content + 1 style)", "images/s", dict(kind="adain", task="stylize")),
}


def dcgan_config(steps, warmup):
    """``benchmark.py``'s worker settings for the ``dcgan`` row (``steps`` timed after ``warmup``, synthetic data),
    without the precision; ``ab_commits.py`` uses them too."""
    return dict(model="DCGAN", image_size=32, channels=3, batch=ROWS["dcgan"][2]["batch"], steps=steps, warmup=warmup,
                data="synthetic")


def translation_config(row, steps):
    """``bench_translation.py``'s worker settings for translation ``row`` (the median of ``steps`` after 1), without
    the precision; ``ab_commits.py --row`` uses them too."""
    settings = ROWS[row][2]
    return dict(model=settings["model"], image_size=256, batch=settings["batch"], steps=steps, warmup=1, infer_steps=1)


def adain_config(row, steps, images):
    """``bench_adain.py``'s worker settings for AdaIN ``row`` (``steps`` timed training steps or ``images`` stylized
    images after 1), without the framework's options; ``ab_commits.py --row`` uses them too."""
    settings = ROWS[row][2]
    return dict(task=settings["task"], size=256, batch=settings.get("batch", 1), warmup=1, steps=steps, images=images)


def run(row, config, args):
    """(throughput, peak memory MB, notes) of one configuration of one row, in a fresh process."""
    settings = ROWS[row][2]
    keras, bf16 = config.startswith("keras"), "bf16" in config or "bfloat16" in config
    xla = dict(jit=True) if config.endswith("+ XLA") else {}
    python = None if keras else args.torch_python
    compiled = config.endswith("+ compile")
    torch_flags = (("--bf16", "--channels-last") if bf16 else ()) + (("--compile",) if compiled else ())
    if settings["kind"] == "dcgan":
        if keras:
            res = benchmark.run_keras(dict(dcgan_config(args.steps, args.warmup),
                                           precision="mixed_bfloat16" if bf16 else "float32", **xla))
        else:
            res = benchmark.run_torch(settings["batch"], 32, args.steps, args.warmup, python=python,
                                      extra=torch_flags)
        return res["images_per_s"], res["peak_rss_mb"], res["notes"]
    if settings["kind"] == "translation":
        cfg = translation_config(row, args.translation_steps)
        if keras:
            res = bench_translation.run_keras(dict(cfg, precision="mixed_bfloat16" if bf16 else "float32", **xla), 3600)
        else:
            res = bench_translation.run_torch(dict(cfg, torch_options=torch_flags), 3600, python=python)
        return res["train_images_per_s"], res["peak_rss_mb"], res["notes"]
    cfg = dict(adain_config(row, args.adain_steps, args.adain_images), framework="keras_gans" if keras else "torch")
    cfg.update(dict(precision="mixed_bfloat16" if bf16 else "float32", **xla) if keras
               else dict(bf16=bf16, channels_last=bf16, compile=compiled))
    res = benchmark._spawn([str(HERE / "bench_adain.py"), "--worker", json.dumps(cfg)], python=python, timeout=3600)
    return res["per_s"], res["peak_rss_mb"], res["notes"]


def onednn_isa(python=None):
    """The instruction set oneDNN reports in a worker process of ``python`` (TensorFlow's, or torch's when
    ``python`` is given), under this process's environment."""
    import subprocess

    code = ("import torch; torch.nn.functional.conv2d(torch.ones(1, 64, 32, 32, dtype=torch.bfloat16), "
            "torch.ones(64, 64, 3, 3, dtype=torch.bfloat16))" if python else
            "import tensorflow as tf; tf.nn.conv2d(tf.ones([1, 8, 8, 8]), tf.ones([3, 3, 8, 8]), 1, 'SAME')")
    out = subprocess.run([python or sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, ONEDNN_VERBOSE="1", TF_CPP_MIN_LOG_LEVEL="2")).stdout
    return next((line.split("isa:", 1)[1] for line in out.splitlines() if ",info,cpu,isa:" in line), "not reported")


def native_ops():
    """Whether keras_gans's C++ ops (the Winograd 3x3 convolutions) load in a worker process, under this environment
    (``KERAS_GANS_NATIVE=0`` turns them off)."""
    import subprocess

    code = ("from keras_gans.kernels import native; lib = native.library(); "
            "print('on' if lib is not None else 'off (' + native.why_not() + ')')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900, cwd=HERE.parents[1],
                         env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else f"unknown (exit {out.returncode})"


def spread(values, fmt="{:.0f}"):
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def number_format(values):
    return "{:.0f}" if statistics.median(values) >= 20 else "{:.2f}" if statistics.median(values) >= 1 else "{:.3f}"


def write(rows, args, load_before):
    import pandas as pd

    stem = Path(args.out) / args.name
    pd.DataFrame(rows).to_csv(f"{stem}.csv", index=False)
    configs = "" if args.configs == list(CONFIGS) else " --configs " + " ".join(f"'{c}'" for c in args.configs)
    isa = f" --max-isa {args.max_isa}" if args.max_isa else ""
    torch = " --torch-python PYTHON_WITH_TORCH" if any(c.startswith("torch") for c in args.configs) else ""
    command = (f"python scripts/benchmarks/precision.py --rows {' '.join(args.rows)}{configs} --rounds {args.rounds} "
               f"--name {args.name}{isa}{torch}")
    lines = [f"# keras_gans and the PyTorch twins in float32 and bfloat16 ({args.name})", "",
             f"- Regenerate: `{command}`. Method: the script's docstring.",
             f"- Measured {datetime.datetime.now():%Y-%m-%d %H:%M}; commit {tsd.git_commit(['keras_gans'])}; "
             f"1-minute load before: {load_before:.1f}.",
             f"- CPU: {tsd.cpu_note()}.",
             f"- oneDNN's instruction set{' (ONEDNN_MAX_CPU_ISA=' + args.max_isa + ')' if args.max_isa else ''}: "
             f"TensorFlow {args.isa['tensorflow']}; torch {args.isa['torch']}.",
             f"- keras_gans's Winograd 3x3 convolutions (C++ ops): {args.native}.",
             f"- {args.rounds} rounds, configurations interleaved (rotated order), each run a new process. Steps: "
             f"DCGAN {args.steps} timed after {args.warmup} warm-up; Pix2Pix/CycleGAN the median of "
             f"{args.translation_steps} steps after 1; AdaIN {args.adain_steps} training steps / {args.adain_images} "
             f"images after 1. Synthetic data.", ""]
    for row in args.rows:
        what, unit, _ = ROWS[row]
        runs = {c: [r for r in rows if r["row"] == row and r["config"] == c] for c in args.configs}
        runs = {c: r for c, r in runs.items() if r}
        if not runs:
            continue
        lines += [f"## {what}", "", f"| configuration | {unit}, median (range) | peak memory MB | runs |",
                  "|---|---|---|---|"]
        for config, rs in runs.items():
            values = [r["per_s"] for r in rs]
            lines.append(f"| {config} | {spread(values, number_format(values))} | "
                         f"{spread([r['peak_rss_mb'] for r in rs])} | {len(rs)} |")
        medians = {c: statistics.median(r["per_s"] for r in rs) for c, rs in runs.items()}
        pairs = [(k, t) for k in medians if k.startswith("keras") for t in medians if t.startswith("torch")]
        if pairs:
            lines += ["", "| keras_gans / torch (medians) | ratio |", "|---|---|"]
            lines += [f"| {k} / {t} | {medians[k] / medians[t]:.2f} |" for k, t in pairs]
        best_keras = max((c for c in medians if c.startswith("keras")), key=medians.get, default=None)
        best_torch = max((c for c in medians if c.startswith("torch")), key=medians.get, default=None)
        if best_keras and best_torch and "torch float32" in medians:
            lines += ["", f"Best against best: {best_keras} / {best_torch} = "
                          f"**{medians[best_keras] / medians[best_torch]:.2f}** (goal >= 1.2); against torch float32 "
                          f"**{medians[best_keras] / medians['torch float32']:.2f}** (goal >= 1.5)."]
        lines += ["", "<details><summary>notes of the first runs</summary>", ""]
        lines += [f"- {c}: {rs[0]['notes']}" for c, rs in runs.items()] + ["", "</details>", ""]
    Path(f"{stem}.md").write_text("\n".join(lines))
    return stem


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", nargs="+", default=["dcgan"], choices=list(ROWS))
    p.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS + XLA_CONFIGS))
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=20, help="DCGAN timed steps")
    p.add_argument("--warmup", type=int, default=3, help="DCGAN warm-up steps")
    p.add_argument("--translation-steps", type=int, default=3, help="Pix2Pix/CycleGAN timed steps (median)")
    p.add_argument("--adain-steps", type=int, default=2, help="AdaIN timed training steps")
    p.add_argument("--adain-images", type=int, default=4, help="AdaIN timed stylized images")
    p.add_argument("--torch-python", default=None, help="a Python with torch for the twins (default this one)")
    p.add_argument("--out", default=str(benchmark.RESULTS))
    p.add_argument("--name", default="precision_dcgan")
    p.add_argument("--max-isa", default=None, help="ONEDNN_MAX_CPU_ISA for every worker, e.g. AVX512_CORE_BF16")
    args = p.parse_args(argv)
    if args.max_isa:
        os.environ["ONEDNN_MAX_CPU_ISA"] = args.max_isa  # inherited by every worker process
    args.isa = dict(tensorflow=onednn_isa(), torch=onednn_isa(args.torch_python) if any(
        c.startswith("torch") for c in args.configs) else "not run")
    args.native = native_ops()
    print(f"oneDNN: {args.isa}; native ops: {args.native}", flush=True)
    rows, load_before = [], os.getloadavg()[0]
    for round_ in range(args.rounds):
        shift = round_ % len(args.configs)
        for row in args.rows:
            for config in args.configs[shift:] + args.configs[:shift]:
                per_s, peak, notes = run(row, config, args)
                rows.append(dict(row=row, config=config, round=round_, per_s=per_s, peak_rss_mb=peak, notes=notes))
                print(f"round {round_} {row} {config}: {per_s:.3g} {ROWS[row][1]}, {peak:.0f} MB", flush=True)
        stem = write(rows, args, load_before)  # after every round: a partial table survives an interrupted run
    print(f"wrote {stem}.md")


if __name__ == "__main__":
    main()
