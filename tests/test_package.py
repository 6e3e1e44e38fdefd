"""Importing keras_gans: TensorFlow's caching CPU allocator by default, with an opt-out."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

# A fresh process: TensorFlow picks its CPU allocator when it makes its first tensor. Only the
# caching (BFC) allocator keeps statistics, so get_memory_info raises for the malloc one.
_PROBE = """
import keras_gans, tensorflow as tf
tf.ones((512, 512)).numpy()
try:
    print("peak", tf.config.experimental.get_memory_info("CPU:0")["peak"])
except ValueError as e:
    print("no stats:", e)
"""


def _probe(**env):
    clean = {k: v for k, v in os.environ.items() if k != "TF_CPU_ALLOCATOR_USE_BFC"}
    proc = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parents[1], env={**clean, "TF_CPP_MIN_LOG_LEVEL": "2", **env})
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip().splitlines()[-1]


def test_import_selects_the_caching_cpu_allocator():
    line = _probe()
    assert line.startswith("peak "), line
    assert int(line.split()[1]) >= 512 * 512 * 4


@pytest.mark.parametrize("value", ["false", "0"])
def test_the_user_can_opt_out(value):
    assert _probe(TF_CPU_ALLOCATOR_USE_BFC=value).startswith("no stats:")
