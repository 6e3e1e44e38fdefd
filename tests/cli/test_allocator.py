"""The ``keras-gans`` command selects TensorFlow's caching CPU allocator, with an opt-out; importing the
library leaves the process environment alone."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

# A fresh process: TensorFlow picks its CPU allocator when it makes its first tensor. The caching (BFC)
# allocator keeps statistics; the plain malloc one does not, so get_memory_info raises for it. Where
# TensorFlow turns oneDNN on by default (CPUs with AVX-512 VNNI/BF16 or AMX, e.g. this project's Zen 4
# machines), its default CPU allocator is oneDNN's caching one, which keeps statistics too: so the opt-out
# is checked as "the user's value is kept and the allocator is TensorFlow's own default", not as "no stats".
# The probe imports what the console script imports (keras_gans.cli.main), keras_gans alone, or nothing.
_PROBE = """
import importlib, os, sys
if sys.argv[1] != "-":
    importlib.import_module(sys.argv[1])
import tensorflow as tf
tf.ones((512, 512)).numpy()
try:
    stats = "peak %d" % tf.config.experimental.get_memory_info("CPU:0")["peak"]
except ValueError as e:
    stats = "no stats: %s" % e
print(os.environ.get("TF_CPU_ALLOCATOR_USE_BFC"), stats)
"""


def _probe(module="keras_gans.cli.main", **env):
    clean = {k: v for k, v in os.environ.items() if k != "TF_CPU_ALLOCATOR_USE_BFC"}
    proc = subprocess.run([sys.executable, "-c", _PROBE, module or "-"],
                          capture_output=True, text=True, timeout=300, cwd=Path(__file__).resolve().parents[2],
                          env={**clean, "TF_CPP_MIN_LOG_LEVEL": "2", **env})
    assert proc.returncode == 0, proc.stderr[-2000:]
    variable, stats = proc.stdout.strip().splitlines()[-1].split(" ", 1)
    return variable, stats


def test_the_command_selects_the_caching_cpu_allocator():
    variable, stats = _probe()
    assert variable == "true"
    assert stats.startswith("peak "), stats
    assert int(stats.split()[1]) >= 512 * 512 * 4


@pytest.mark.parametrize("value", ["false", "0"])
@pytest.mark.slow
def test_the_user_can_opt_out(value):
    variable, stats = _probe(TF_CPU_ALLOCATOR_USE_BFC=value)
    assert variable == value  # the command did not override it
    _, tensorflow_default = _probe(module=None, TF_CPU_ALLOCATOR_USE_BFC=value)
    assert stats.split()[0] == tensorflow_default.split()[0]  # "peak" or "no" (stats)


@pytest.mark.slow
def test_importing_the_library_leaves_the_environment_alone():
    variable, stats = _probe(module="keras_gans")
    assert variable == "None"
    assert stats == _probe(module=None)[1]  # TensorFlow's own default allocator
