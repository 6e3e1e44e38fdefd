"""Crash-safe checkpoints and exact resume from the CLI, by failure injection (issue 18).

A run killed at any moment (``SIGKILL`` at random times, in the middle of checkpoint writes and of the export)
or stopped with Ctrl-C, then continued with ``--resume``, ends with the same weights and the same
``history.csv`` as one uninterrupted run with the same options and ``--seed``.
"""

import json
import os
import random
import shlex
import signal
import subprocess
import sys
import time
import zipfile

import keras
import numpy as np
import pytest

from tests.cli.helpers import REPO, interruptible

pytestmark = pytest.mark.slow

#: 4 epochs x 10 steps of DCGAN on the embedded Fashion-MNIST subset, a checkpoint after every step: enough
#: steps that the kills land before the run can finish. 12 kills (6 at random moments, 6 timed into a checkpoint
#: write or the export); it had 20, which took 143 s of a 28-minute suite (issue 22 session: the suite's time)
OPTIONS = ["train", "dcgan", "--epochs", "4", "--steps-per-epoch", "10", "--batch-size", "8", "--num-samples", "4",
           "--checkpoint-every", "1", "--seed", "3"]
KILLS = 12


def start(run, exports, *extra, log=None):
    env = {**os.environ, "PYTHONPATH": REPO, "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = open(log, "w") if log else subprocess.DEVNULL
    return subprocess.Popen([sys.executable, "-m", "keras_gans.cli", *OPTIONS, "--out", str(run), "--export-dir",
                             str(exports), *extra], env=env, stdout=out, stderr=out, text=True,
                            preexec_fn=interruptible)


def weights(run):
    return keras.models.load_model(os.path.join(run, "model.keras")).get_weights()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """One uninterrupted run: its final weights and history.csv."""
    root = tmp_path_factory.mktemp("reference")
    proc = start(root / "run", root / "exports")
    assert proc.wait(timeout=600) == 0
    return weights(root / "run"), (root / "run" / "history.csv").read_text()


def assert_same_run(run, reference):
    final, history = reference
    resumed = weights(run)
    assert len(resumed) == len(final)
    for a, b in zip(resumed, final):
        # exact in practice (same kernels, same batches, float32 saved bit-exactly); no tolerance needed
        np.testing.assert_array_equal(a, b)
    assert (run / "history.csv").read_text() == history  # one row per epoch, the uninterrupted run's values


def temporary_entries(folder):
    return [n for n in os.listdir(folder) if n.startswith(".tmp-")] if os.path.isdir(folder) else []


def checkpoint_being_written(ckpt_dir):
    """A checkpoint's temporary folder (``.tmp-ckpt-*``; not ``.tmp-old-*``, an old checkpoint being pruned)."""
    return any(n.startswith(".tmp-ckpt-") for n in temporary_entries(ckpt_dir))


def committed(ckpt_dir):
    return [n for n in os.listdir(ckpt_dir) if n.startswith("ckpt-")] if os.path.isdir(ckpt_dir) else []


def check_checkpoints_whole(ckpt_dir):
    """Every ckpt-* folder is complete: a valid state.json and an intact model.keras."""
    names = sorted(n for n in os.listdir(ckpt_dir) if n.startswith("ckpt-")) if os.path.isdir(ckpt_dir) else []
    assert len(names) <= 3, names  # the newest 2, and a third when a kill came between a commit and the pruning
    for name in names:
        state = json.load(open(os.path.join(ckpt_dir, name, "state.json")))
        assert name == f"ckpt-{state['global_step']:010d}"
        with zipfile.ZipFile(os.path.join(ckpt_dir, name, "model.keras")) as archive:
            assert archive.testzip() is None
    return names


def test_sigkill_at_random_moments_then_resume_is_exact(reference, tmp_path):
    rng = random.Random(18)
    run, exports = tmp_path / "run", tmp_path / "exports"
    ckpt_dir = run / "checkpoints"
    kills, mid_write = 0, 0

    def resume_if_started():
        return ["--resume"] if check_checkpoints_whole(ckpt_dir) else []

    while kills < KILLS:
        before = set(check_checkpoints_whole(ckpt_dir))
        proc = start(run, exports, *resume_if_started())
        if kills % 2 == 0:  # any moment: start-up, a step, a checkpoint, the export
            deadline = time.monotonic() + rng.uniform(0.0, 8.0)
            while time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.005)
        else:  # after this process committed a checkpoint, the moment the next one or the export starts, + 0-10 ms
            # (a checkpoint write takes ~100 ms unloaded; 10 ms keeps the kill inside it on a loaded CI machine too)
            export_root = exports / "dcgan"
            while proc.poll() is None and set(committed(ckpt_dir)) <= before:
                time.sleep(0.002)
            while proc.poll() is None and not checkpoint_being_written(ckpt_dir) and not (
                    export_root.is_dir() and any(n.startswith(".version-") for n in os.listdir(export_root))):
                time.sleep(0.001)
            time.sleep(rng.uniform(0.0, 0.01))
        if proc.poll() is not None:
            assert proc.returncode == 0
            break  # it finished before the kill
        writing = checkpoint_being_written(ckpt_dir) or (exports / "dcgan").is_dir()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
        mid_write += writing
        names = check_checkpoints_whole(ckpt_dir)
        if names and (run / "history.csv").exists():
            epochs_done = json.load(open(ckpt_dir / names[-1] / "state.json"))["epoch"]
            rows = len((run / "history.csv").read_text().splitlines()) - 1
            # rewritten after each checkpoint commits (a kill in between leaves it one epoch behind) and on resume
            assert epochs_done - 1 <= rows <= epochs_done
    assert kills == KILLS, f"the run finished after {kills} kills; make it longer"
    assert mid_write >= 3, f"only {mid_write} of {kills} kills landed during a checkpoint write or the export"
    proc = start(run, exports, *resume_if_started(), log=tmp_path / "last.log")
    assert proc.wait(timeout=600) == 0, (tmp_path / "last.log").read_text()[-2000:]
    assert_same_run(run, reference)
    assert temporary_entries(ckpt_dir) == [] and temporary_entries(run) == []
    versions = sorted(n for n in os.listdir(exports / "dcgan") if not n.startswith(".version-"))
    assert versions and all(n.isdigit() for n in versions)  # no half-written export under a version number
    for version in versions:
        assert (exports / "dcgan" / version / "saved_model.pb").is_file()


def test_ctrl_c_stops_after_the_step_with_a_checkpoint_and_resumes_exactly(reference, tmp_path):
    run, exports = tmp_path / "run", tmp_path / "exports"
    log = tmp_path / "log"
    proc = start(run, exports, log=log)
    # the first step's checkpoint (global step 1) is there: training is under way
    while proc.poll() is None and not (run / "checkpoints" / "ckpt-0000000001").is_dir():
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=120) == 130
    err = log.read_text()
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err[-3000:]
    command = err.strip().splitlines()[-1].strip()
    assert command.startswith("keras-gans ") and "--resume" in command, err[-1000:]
    names = check_checkpoints_whole(run / "checkpoints")
    state = json.load(open(run / "checkpoints" / names[-1] / "state.json"))
    assert 0 < state["global_step"] < 40 and f"checkpoint {run / 'checkpoints' / names[-1]}" in err
    assert not (run / "model.keras").exists()
    # the printed command continues the run
    env = {**os.environ, "PYTHONPATH": REPO, "TF_CPP_MIN_LOG_LEVEL": "3"}
    argv = shlex.split(command)[1:]
    done = subprocess.run([sys.executable, "-m", "keras_gans.cli", *argv], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"resuming {run / 'checkpoints' / names[-1]}" in done.stdout
    assert_same_run(run, reference)
