"""The fused Adam, the caching allocator and the Winograd convolutions, re-justified in float32 and bfloat16: each
against what it replaces, in whole training steps, interleaved fresh processes (issue 22).

    python scripts/benchmarks/runtime_ab.py --rounds 3 --name runtime_ab_amx

Variants: "default" is what the ``keras-gans`` command runs (``keras_gans.kernels.FusedAdam``, TensorFlow's caching
BFC CPU allocator, ``TF_CPU_ALLOCATOR_USE_BFC=true``); "Keras Adam" puts ``keras.optimizers.Adam``'s update step in
place of the fused one; "malloc" turns the caching allocator off (``TF_CPU_ALLOCATOR_USE_BFC=false``, a Python
program's default); "TF 3x3" runs TensorFlow's own kernel for the wide 3x3 convolutions instead of
``keras_gans.kernels.winograd`` (``KERAS_GANS_NATIVE=0``). Models: Pix2Pix 256x256 batch 1 (a 54M-parameter U-Net and PatchGAN: where the fused Adam was
measured to matter), DCGAN 32x32x3 batch 128 and (``--models cyclegan``) CycleGAN 256x256 batch 1, each trained
with ``fit`` on synthetic data, median step of 8 (Pix2Pix), 26 (DCGAN) or 5 (CycleGAN) after 2; each process's peak
resident memory beside it. ``--variants`` and ``--precisions`` pick a subset. Writes ``results/NAME.md`` and ``.csv``.
"""

import argparse
import datetime
import json
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
import benchmark  # noqa: E402  (_spawn: a worker in a fresh process)
import fit_timing  # noqa: E402  (the timed fit of each model)
VARIANTS = {"default": {"TF_CPU_ALLOCATOR_USE_BFC": "true"}, "Keras Adam": {"TF_CPU_ALLOCATOR_USE_BFC": "true"},
            "malloc": {"TF_CPU_ALLOCATOR_USE_BFC": "false"},
            "TF 3x3": {"TF_CPU_ALLOCATOR_USE_BFC": "true", "KERAS_GANS_NATIVE": "0"}}
MODELS = {name: fit_timing.MODELS[name] for name in ("pix2pix", "dcgan", "cyclegan")}  # Pix2Pix first: Adam matters


def worker(model_name, variant, precision):
    import keras

    sys.path.insert(0, str(REPO))
    from keras_gans.kernels import FusedAdam, native

    if variant == "Keras Adam":
        FusedAdam.update_step = keras.optimizers.Adam.update_step
    images_per_s, model = fit_timing.timed_fit(model_name, precision)
    assert all(isinstance(o, FusedAdam) for o in (model.g_optimizer, model.d_optimizer))
    assert (native.library() is None) == (variant == "TF 3x3"), native.why_not()  # the variant ran what it says
    print("RESULT " + json.dumps(dict(images_per_s=images_per_s, params=model.count_params(),
                                      peak_rss_mb=benchmark.rss_mb())))


def main(argv=None):
    import pandas as pd

    sys.path.insert(0, str(HERE))
    import toolbox_small_data as tsd

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--models", nargs="+", default=["pix2pix", "dcgan"], choices=list(MODELS))
    p.add_argument("--variants", nargs="+", default=["default", "Keras Adam", "malloc"], choices=list(VARIANTS))
    p.add_argument("--precisions", nargs="+", default=["mixed_bfloat16", "float32"])
    p.add_argument("--name", default="runtime_ab", help="file stem of the results")
    p.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        return worker(*args.worker)
    rows = []
    order = args.variants
    for round_ in range(args.rounds):
        for model_name in args.models:
            for variant in order[round_ % len(order):] + order[:round_ % len(order)]:
                for precision in args.precisions:
                    rows.append(dict(round=round_, model=model_name, variant=variant, precision=precision,
                                     **benchmark._spawn([str(Path(__file__).resolve()), "--worker", model_name, variant, precision],
                                                        VARIANTS[variant])))
                    print(rows[-1], flush=True)
    df = pd.DataFrame(rows)
    out = HERE / "results" / args.name
    df.to_csv(f"{out}.csv", index=False)
    lines = ["# The fused Adam, the caching allocator and the Winograd convolutions against what they replace "
             "(issue 22)", "",
             f"- Regenerate: `python scripts/benchmarks/runtime_ab.py --rounds {args.rounds} --models "
             f"{' '.join(args.models)} --variants {' '.join(f'{v!r}' if ' ' in v else v for v in args.variants)} "
             f"--precisions {' '.join(args.precisions)} --name {args.name}`. "
             "Method: the script's docstring.",
             f"- Measured {datetime.datetime.now():%Y-%m-%d %H:%M}; commit {tsd.git_commit(['keras_gans'])}; "
             f"CPU: {tsd.cpu_note()}.", "",
             f"Training images/s, median (runs) of {args.rounds} fresh processes each; peak resident memory (MB), "
             "median; ratios where both variants ran.", "",
             "| model | precision | " + " | ".join(f"{v}{' (FusedAdam, BFC)' if v == 'default' else ''}"
                                               for v in args.variants)
             + " | default / Keras Adam | default / malloc | default / TF 3x3 | peak MB " + " / ".join(args.variants)
             + " |",
             "|---|---|" + "---|" * (len(args.variants) + 4)]
    for model_name in args.models:
        for precision in args.precisions:
            sel = (df.model == model_name) & (df.precision == precision)
            runs = {v: df[sel & (df.variant == v)] for v in args.variants}
            values = {v: r.images_per_s.tolist() for v, r in runs.items()}
            med = {v: statistics.median(x) for v, x in values.items()}
            first = med[args.variants[0]]
            fmt = "{:.0f}" if first >= 20 else ("{:.2f}" if first >= 1 else "{:.3f}")
            cells = [f"{fmt.format(med[v])} ({', '.join(fmt.format(x) for x in values[v])})" for v in args.variants]
            ratios = [f"{med['default'] / med[v]:.2f}" if "default" in med and v in med else "—"
                      for v in ("Keras Adam", "malloc", "TF 3x3")]
            peaks = " / ".join(f"{statistics.median(r.peak_rss_mb):.0f}" for r in runs.values())
            lines.append(f"| {model_name} b{MODELS[model_name][0]} | {precision} | {' | '.join(cells)} | "
                         f"{' | '.join(ratios)} | {peaks} |")
    Path(f"{out}.md").write_text("\n".join(lines) + "\n")
    print(Path(f"{out}.md").read_text())


if __name__ == "__main__":
    main()
