"""The ``keras-gans`` command selects TensorFlow's caching CPU allocator, with an opt-out; importing the
library leaves the process environment alone."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

# A fresh process: TensorFlow picks its CPU allocator when it makes its first tensor. Allocator statistics
# (get_memory_info) cannot tell the setting apart: where TensorFlow turns oneDNN on by default (CPUs with
# AVX-512 VNNI/BF16 or AMX, e.g. this project's Zen 4 machines) its default CPU allocator is oneDNN's caching
# one, which keeps statistics too. What only TF_CPU_ALLOCATOR_USE_BFC=true causes is that ProcessState makes
# its CPU allocator a BFCAllocator, and says so in a VLOG(2) line of process_state.cc (TensorFlow 2.21):
# "Using BFCAllocator with memory limit of ... MB for ProcessState CPU allocator". The probe imports what the
# console script imports (keras_gans.cli.main), keras_gans alone, or nothing, then makes its first tensor.
_PROBE = """
import importlib, os, sys
if sys.argv[1] != "-":
    importlib.import_module(sys.argv[1])
import tensorflow as tf
tf.ones((512, 512)).numpy()
print(os.environ.get("TF_CPU_ALLOCATOR_USE_BFC"))
"""
_BFC_LINE = "Using BFCAllocator with memory limit of"


def _probe(module="keras_gans.cli.main", **env):
    """``(TF_CPU_ALLOCATOR_USE_BFC as the process saw it, whether TensorFlow made a BFC CPU allocator)``."""
    clean = {k: v for k, v in os.environ.items() if k not in ("TF_CPU_ALLOCATOR_USE_BFC", "TF_CPP_MAX_VLOG_LEVEL")}
    proc = subprocess.run([sys.executable, "-c", _PROBE, module or "-"],
                          capture_output=True, text=True, timeout=300, cwd=Path(__file__).resolve().parents[2],
                          env={**clean, "TF_CPP_MIN_LOG_LEVEL": "0", "TF_CPP_VMODULE": "process_state=2", **env})
    assert proc.returncode == 0, proc.stderr[-2000:]
    variable = proc.stdout.strip().splitlines()[-1]
    bfc = [line for line in proc.stderr.splitlines() if _BFC_LINE in line]
    assert all("ProcessState CPU allocator" in line for line in bfc), bfc
    return variable, bool(bfc)


def test_the_command_selects_the_caching_cpu_allocator():
    assert _probe() == ("true", True)
    # the control: TensorFlow on its own does not (else this test could not tell the command's setting apart)
    assert _probe(module=None) == ("None", False)


@pytest.mark.parametrize("value", ["false", "0"])
@pytest.mark.slow
def test_the_user_can_opt_out(value):
    assert _probe(TF_CPU_ALLOCATOR_USE_BFC=value) == (value, False)  # the command did not override it


@pytest.mark.slow
def test_importing_the_library_leaves_the_environment_alone():
    assert _probe(module="keras_gans") == ("None", False)
