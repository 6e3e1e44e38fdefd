"""Pix2Pix and CycleGAN throughput: keras_gans vs PyTorch twins of the same networks, one run.

Usage::

    python scripts/benchmarks/benchmark.py translation                       # 256 and 128, batch 1 and 4
    python scripts/benchmarks/benchmark.py translation --sizes 128 --batches 1 --steps 5

Each framework runs in its own process: ``warmup`` training steps, then ``steps`` timed ones,
then one untimed and ``infer_steps`` timed inference batches (``model.translate``'s compiled
function; torch ``no_grad``). Both report the median step and the median inference call.

This shared 2-core machine drifts: the same process pair run twice in a row gave CycleGAN 128
batch 1 training ratios of 1.01 and 1.15. So by default (``--mode lockstep``) both processes are
alive at once and take turns: the parent starts keras_gans, waits until it has warmed up, then
does the same for torch, and from then on lets exactly one of them run one timed step or call
at a time, alternating which goes first, with a 0.05 s pause between turns. Both frameworks'
timings then come from the same minutes, and a slow patch of the machine hits both.
``--mode sequential`` runs keras_gans to completion and then torch (the method before; it needs
half the memory). ``--repeats N`` runs N such pairs and reports the medians over the N.
The networks are the papers' defaults (U-Net 256/128 + 70x70 PatchGAN; ResNet 9/6 blocks + two
PatchGANs) on random RGB images. Writes ``scripts/benchmarks/results/translation.{csv,md}``; the
PyTorch twins are ``scripts/benchmarks/torch_twins/torch_translation.py``.
"""

import argparse
import json
import os
import queue
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent  # scripts/benchmarks
REPO = HERE.parents[1]
COLUMNS = ["model", "image_size", "batch", "framework", "train_images_per_s", "infer_images_per_s", "peak_rss_mb",
           "notes"]


class Turns:
    """A worker's side of ``--mode lockstep``: before each timed step or call it waits for the
    parent's ``go`` line on stdin, and after it reports ``@done SECONDS`` on stdout. Without
    ``lockstep`` it does nothing, so the same timing code serves both modes."""

    def __init__(self, lockstep):
        self.lockstep = lockstep

    def ready(self):
        if self.lockstep:
            print("@ready", flush=True)

    def wait(self):
        if self.lockstep:
            line = sys.stdin.readline()
            if line.strip() != "go":
                raise SystemExit(f"lockstep: expected 'go' from the parent, got {line!r}")

    def done(self, seconds):
        if self.lockstep:
            print(f"@done {seconds:.6f}", flush=True)


def timed_calls(fn, n, turns):
    """``n`` calls of ``fn``, each in its own turn; their wall times."""
    times = []
    for _ in range(n):
        turns.wait()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
        turns.done(times[-1])
    return times


def worker(cfg):
    import numpy as np
    import tensorflow as tf

    sys.path.insert(0, str(REPO))
    import keras

    import keras_gans

    keras.utils.set_random_seed(0)
    size, batch = cfg["image_size"], cfg["batch"]
    cls = {"pix2pix": keras_gans.Pix2Pix, "cyclegan": keras_gans.CycleGAN}[cfg["model"]]
    model = cls(image_size=size, seed=0, precision=cfg.get("precision", "float32"))
    model.compile(**({} if cfg.get("jit") is None else {"jit_compile": cfg["jit"]}))  # Keras's "auto" unless set
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (batch, size, size, 3)).astype("float32")
    ds = tf.data.Dataset.from_tensors((images, images[::-1].copy())).repeat()
    warmup, steps = cfg["warmup"], cfg["steps"]
    turns = Turns(cfg.get("lockstep", False))
    step_s, cpu_s = [], []

    class Timer(keras.callbacks.Callback):
        """Times each step after the warm-up ones (``fit`` calls these around ``train_function``)."""

        def on_train_batch_begin(self, i, logs=None):
            if i == warmup:
                self.warm_s = time.perf_counter() - start
                run(x).numpy()  # trace the inference function before the timed turns start
                turns.ready()
            if i >= warmup:
                turns.wait()
                self.start = (time.perf_counter(), time.process_time())

        def on_train_batch_end(self, i, logs=None):
            if i >= warmup:
                step_s.append(time.perf_counter() - self.start[0])
                cpu_s.append(time.process_time() - self.start[1])
                turns.done(step_s[-1])

    run = model._translate_fn("AtoB")
    x = tf.constant(images)
    load = os.getloadavg()[0]
    start = time.perf_counter()
    timer = Timer()
    model.fit(ds, steps_per_epoch=warmup + steps, epochs=1, verbose=0, callbacks=[timer])
    cores = sum(cpu_s) / sum(step_s)
    timed_calls(lambda: run(x).numpy(), 1, turns)  # the untimed first call after training (time unused)
    call_s = timed_calls(lambda: run(x).numpy(), cfg["infer_steps"], turns)
    return {"model": cfg["model"], "image_size": size, "batch": batch, "framework": "keras_gans",
            "train_images_per_s": batch / np.median(step_s), "infer_images_per_s": batch / np.median(call_s),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
            "notes": f"params {model.count_params():,}; {model.precision}; first {warmup} step(s) + trace "
                     f"{timer.warm_s:.0f}s; {spread(step_s)}; cores {cores:.2f}; load {load:.1f}"}


def spread(step_s):
    """The timed steps' range, for the notes column: how much this run drifted."""
    return f"steps {min(step_s):.2f}-{max(step_s):.2f}s"


def markdown_table(df, digits=2):
    """``df`` as a GitHub markdown table (no ``tabulate`` needed)."""
    def fmt(v):
        if v is None or (isinstance(v, float) and v != v):
            return ""
        return f"{v:.{digits}f}" if isinstance(v, float) else str(v)

    rows = [list(df.columns), ["---"] * len(df.columns)] + [[fmt(v) for v in row] for row in df.itertuples(False)]
    return "\n".join("| " + " | ".join(r) + " |" for r in rows)


def _python(argv):
    """The command line and environment every benchmark process runs with."""
    return [sys.executable, *argv], dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")


def _spawn(argv, timeout, python=None):
    command, env = _python(argv)
    command[0] = python or command[0]
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout, cwd=REPO)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(argv[:3])} failed (exit {proc.returncode}): "
                           + "\n".join((proc.stdout + proc.stderr).splitlines()[-15:]))
    return json.loads(lines[-1][len("RESULT "):])


def _torch_argv(cfg):
    argv = [str(HERE / "torch_twins" / "torch_translation.py"), "--model", cfg["model"], "--image-size",
            str(cfg["image_size"]), "--batch-size", str(cfg["batch"]), "--steps", str(cfg["steps"]),
            "--warmup", str(cfg["warmup"]), "--infer-steps", str(cfg["infer_steps"])]
    return argv + (["--lockstep"] if cfg.get("lockstep") else []) + list(cfg.get("torch_options", ()))


def _torch_row(cfg, res):
    return {"model": cfg["model"], "image_size": cfg["image_size"], "batch": cfg["batch"],
            "framework": f"torch {res['torch']}", "train_images_per_s": res["train_images_per_s"],
            "infer_images_per_s": res["infer_images_per_s"], "peak_rss_mb": res["peak_rss_mb"],
            "notes": f"threads {res['threads']}; {spread(res['step_s'])}; cores {res['cores']:.2f}; "
                     f"load {res['load']:.1f}"}


def run_keras(cfg, timeout, script=__file__):
    """The keras_gans worker in a new process; ``script``: this file of another checkout (``ab_commits.py``)."""
    return _spawn([str(script), "--worker", json.dumps(cfg)], timeout)


def run_torch(cfg, timeout, python=None):
    return _torch_row(cfg, _spawn(_torch_argv(cfg), timeout, python))


class _Worker:
    """A benchmark process driven turn by turn over stdin/stdout (``--mode lockstep``)."""

    def __init__(self, argv, timeout):
        self.timeout = timeout
        self.stderr = tempfile.TemporaryFile(mode="w+")
        command, env = _python(argv)
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
                                     text=True, env=env, cwd=REPO)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.name = " ".join(Path(a).name for a in argv[:3])

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)  # end of output

    def expect(self, prefix):
        """The next stdout line starting with ``prefix`` (other lines are skipped)."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                line = self.lines.get(timeout=max(deadline - time.monotonic(), 0.0))
            except queue.Empty:
                raise RuntimeError(f"{self.name}: no {prefix!r} within {self.timeout}s") from None
            if line is None:
                self.proc.wait()
                self.stderr.seek(0)
                tail = "\n".join(self.stderr.read().splitlines()[-15:])
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}) before {prefix!r}: {tail}")
            if line.startswith(prefix):
                return line[len(prefix):].strip()

    def go(self):
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.stderr.close()


#: Pause between two turns of ``--mode lockstep``, so that threads still spinning after one
#: framework's turn do not eat into the other's.
SETTLE_S = 0.05


def run_lockstep(cfg, timeout):
    """keras_gans and torch rows for ``cfg``, their timed steps and calls taken in turns."""
    cfg = {**cfg, "lockstep": True}
    workers = []
    try:
        for argv in ([__file__, "--worker", json.dumps(cfg)], _torch_argv(cfg)):
            workers.append(_Worker(argv, timeout))  # one at a time: warm-ups do not overlap
            workers[-1].expect("@ready")
        for turn in range(cfg["steps"] + 1 + cfg["infer_steps"]):  # steps, the untimed call, calls
            for w in workers if turn % 2 == 0 else workers[::-1]:
                time.sleep(SETTLE_S)
                w.go()
                w.expect("@done")
        keras_row, torch_res = (json.loads(w.expect("RESULT ")) for w in workers)
        return keras_row, _torch_row(cfg, torch_res)
    finally:
        for w in workers:
            w.close()


def write_results(rows, args, pd, final=False):
    df = pd.DataFrame(rows, columns=COLUMNS)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / f"{args.name}.csv", index=False)
    header = (f"mode={args.mode} steps={args.steps} warmup={args.warmup} infer_steps={args.infer_steps} "
              f"repeats={args.repeats} "
              f"(medians) cpus={os.cpu_count()} ({time.strftime('%Y-%m-%d %H:%M')})")
    text = header + "\n\n" + markdown_table(df) + "\n"
    (out / f"{args.name}.md").write_text(text)
    if final:
        print("\n" + text)


def _rows_or_failed(cfg, kinds, fn):
    """``fn()``'s rows, or one "failed" row per kind with the error (the run goes on)."""
    try:
        return list(fn())
    except Exception as e:  # noqa: BLE001 - report and go on
        return [{**{c: None for c in COLUMNS}, **{k: cfg[k] for k in ("model", "image_size", "batch")},
                 "framework": kind, "notes": f"failed: {e}"[:300]} for kind in kinds]


def combine(rows):
    """One row for ``--repeats`` processes of one framework: median throughputs, largest RSS."""
    if len(rows) == 1 or not all(r["train_images_per_s"] for r in rows):
        return next((r for r in rows if not r["train_images_per_s"]), rows[0])
    train = [r["train_images_per_s"] for r in rows]
    infer = [r["infer_images_per_s"] for r in rows]
    return {**rows[0], "train_images_per_s": statistics.median(train), "infer_images_per_s": statistics.median(infer),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in rows),
            "notes": f"median of {len(rows)} processes: train {', '.join(f'{v:.3g}' for v in train)}; "
                     f"infer {', '.join(f'{v:.3g}' for v in infer)}; first: {rows[0]['notes']}"}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", nargs="+", default=["pix2pix", "cyclegan"], choices=["pix2pix", "cyclegan"])
    p.add_argument("--sizes", nargs="+", type=int, default=[256, 128])
    p.add_argument("--batches", nargs="+", type=int, default=[1, 4])
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--infer-steps", type=int, default=5, help="timed inference calls (after one untimed)")
    p.add_argument("--repeats", type=int, default=1, help="keras/torch process pairs per configuration")
    p.add_argument("--mode", choices=["lockstep", "sequential"], default="lockstep",
                   help="lockstep: both processes alive, timed steps and calls in turns (default); "
                        "sequential: keras_gans to completion, then torch")
    p.add_argument("--no-torch", action="store_true")
    p.add_argument("--timeout", type=int, default=1800)
    p.add_argument("--out", default=str(HERE / "results"))
    p.add_argument("--name", default="translation")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        print("RESULT " + json.dumps(worker(json.loads(args.worker))))
        return 0
    if min(args.steps, args.warmup, args.infer_steps, args.repeats) < 1:
        p.error("--steps, --warmup, --infer-steps and --repeats must be >= 1")
    import pandas as pd

    rows = []
    for model in args.models:
        for size in args.sizes:
            for batch in args.batches:
                cfg = {"model": model, "image_size": size, "batch": batch, "steps": args.steps, "warmup": args.warmup,
                       "infer_steps": args.infer_steps}
                kinds = ["keras"] + ([] if args.no_torch else ["torch"])
                repeats = {kind: [] for kind in kinds}
                for _ in range(args.repeats):
                    if args.mode == "lockstep" and len(kinds) == 2:
                        print(f"running keras and torch in turns: {model} {size} batch {batch} ...", flush=True)
                        got = _rows_or_failed(cfg, kinds, lambda: run_lockstep(cfg, args.timeout))
                    else:
                        got = []
                        for kind in kinds:
                            print(f"running {kind} {model} {size} batch {batch} ...", flush=True)
                            fn = run_keras if kind == "keras" else run_torch
                            got += _rows_or_failed(cfg, [kind], lambda: [fn(cfg, args.timeout)])
                    for kind, row in zip(kinds, got):
                        print(f"  {kind}: train {row['train_images_per_s'] or 0:.2f} img/s, infer "
                              f"{row['infer_images_per_s'] or 0:.2f} img/s", flush=True)
                        repeats[kind].append(row)
                pair = [combine(repeats[kind]) for kind in kinds]
                rows += pair
                if len(pair) == 2 and all(r["train_images_per_s"] for r in pair):
                    k, t = pair
                    per_run = [f"{a['train_images_per_s'] / b['train_images_per_s']:.2f}"
                               for a, b in zip(*repeats.values())]
                    rows.append({"model": model, "image_size": size, "batch": batch, "framework": "ratio keras/torch",
                                 "train_images_per_s": k["train_images_per_s"] / t["train_images_per_s"],
                                 "infer_images_per_s": k["infer_images_per_s"] / t["infer_images_per_s"],
                                 "peak_rss_mb": None, "notes": "ratio measured in this run, not images/s"
                                 + (f"; training ratio of each pair {', '.join(per_run)}" if args.repeats > 1 else "")})
                write_results(rows, args, pd)  # after every configuration: a stopped run keeps its rows
    write_results(rows, args, pd, final=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
