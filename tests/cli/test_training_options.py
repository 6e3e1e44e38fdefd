"""``keras-gans train``'s runtime-failure exit (1), ``--strategy mirrored`` and ``--jit``, each in a fresh process
(what a shell sees: the exit code, the one-line error, TensorFlow's own record of what ran)."""

import csv
import os
import subprocess
import sys

import numpy as np

from tests.cli.helpers import REPO, run_cli

#: the cheapest training run: DCGAN on the embedded Fashion-MNIST subset, 2 steps of 8
TINY = ["train", "dcgan", "--epochs", "1", "--steps-per-epoch", "2", "--batch-size", "8", "--num-samples", "4",
        "--out", "run", "--export-dir", "exports"]

#: TensorFlow's C++ INFO line when it runs a function through XLA (tensorflow/compiler/jit: logged once per process)
XLA_LINE = "Compiled cluster using XLA!"


def _trained(tmp_path, out):
    assert out.returncode == 0, out.stderr[-3000:]
    assert "Traceback" not in out.stderr
    rows = list(csv.DictReader(open(tmp_path / "run" / "history.csv")))
    assert len(rows) == 1 and np.isfinite(float(rows[0]["d_loss"])) and np.isfinite(float(rows[0]["g_loss"]))
    assert (tmp_path / "run" / "model.keras").is_file()
    assert (tmp_path / "exports" / "dcgan" / "1" / "saved_model.pb").is_file()
    assert "keras-gans: exported SavedModel" in out.stdout


def test_a_non_finite_loss_exits_1_with_one_line_and_saves_nothing(tmp_path):
    # instance noise of σ0 = 1e38 on D's inputs (a real option): D's logits overflow and its loss is NaN at the
    # first step; NaNGuard stops fit and the command reports the runtime failure
    out = run_cli(*TINY, "--instance-noise", "1e38", cwd=tmp_path)
    assert out.returncode == 1, (out.returncode, out.stderr[-3000:])
    errors = [line for line in out.stderr.splitlines() if line.startswith("keras-gans: error:")]
    assert len(errors) == 1 and errors[0].startswith("keras-gans: error: non-finite loss: d_loss = nan"), errors
    assert errors[0] == out.stderr.rstrip("\n").splitlines()[-1]  # the last thing the command said
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "run" / "model.keras").exists()
    assert not (tmp_path / "exports" / "dcgan").exists()


# The console script's main() in a fresh process, with TensorFlow's Python logger at INFO: tf.distribute then
# says which strategy it made ("Using MirroredStrategy with devices ...").
_MAIN_WITH_TF_INFO_LOGS = """
import sys
from keras_gans.cli.main import main
import tensorflow as tf
tf.get_logger().setLevel("INFO")
sys.exit(main(sys.argv[1:]))
"""


def test_strategy_mirrored_trains_saves_and_exports(tmp_path):
    env = {**os.environ, "PYTHONPATH": REPO, "TF_CPP_MIN_LOG_LEVEL": "0"}
    out = subprocess.run([sys.executable, "-c", _MAIN_WITH_TF_INFO_LOGS, *TINY, "--strategy", "mirrored"],
                         cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600)
    _trained(tmp_path, out)
    # MirroredStrategy() over this machine's devices: one CPU, so one replica (tests/models check two)
    assert "Using MirroredStrategy with devices ('/job:localhost/replica:0/task:0/device:CPU:0',)" in out.stderr
    assert "1 replica(s)" in out.stdout
    assert XLA_LINE not in out.stderr  # no --jit: the control of the --jit test


def test_jit_compiles_the_train_step_with_xla(tmp_path):
    out = run_cli(*TINY, "--jit", cwd=tmp_path, env={"TF_CPP_MIN_LOG_LEVEL": "0"})
    _trained(tmp_path, out)
    assert XLA_LINE in out.stderr
    # (not checked on the saved model: AdversarialBase.get_compile_config keeps only the optimizers, so a
    # loaded model.keras has jit_compile False whatever the run used; --resume sets it again from --jit)


def test_precision_trains_saves_and_exports_and_a_bad_one_exits_2(tmp_path):
    """--precision mixed_float16 on this CPU: a warning line (no float16 hardware: no GPU, and AVX-512 FP16 is
    Sapphire Rapids' only), then training, the saved precision and a uint8 export; an unknown value exits 2."""
    from keras_gans.core import precision

    out = run_cli(*TINY, "--precision", "mixed_float16", cwd=tmp_path)
    _trained(tmp_path, out)
    warned = [line for line in out.stderr.splitlines() if "no float16 hardware" in line]
    assert len(warned) == (0 if precision.hardware_supports("mixed_float16") else 1), out.stderr[-2000:]
    import keras

    model = keras.models.load_model(tmp_path / "run" / "model.keras")
    assert model.precision == "mixed_float16" and isinstance(model.g_optimizer, keras.optimizers.LossScaleOptimizer)
    bad = run_cli(*TINY[:-4], "--out", "bad", "--export-dir", "exports", "--precision", "bfloat16", cwd=tmp_path)
    assert bad.returncode == 2 and "invalid choice: 'bfloat16'" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "bad").exists()
