"""Running ``keras-gans``: in a fresh process (what users run) or in this one (no TensorFlow start-up per call)."""

import os
import signal
import subprocess
import sys
import types

from keras_gans.cli import main

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def interruptible():
    """``preexec_fn`` for a child that a test sends SIGINT: it starts with SIGINT's default action even where
    the test runner inherited it ignored (pytest started with ``&`` by a non-interactive shell), as it would
    from a terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_cli(*args, cwd, env=None, timeout=600):
    """``python -m keras_gans.cli ARGS`` in ``cwd``: the ``subprocess.CompletedProcess``."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": REPO, **(env or {})}
    return subprocess.run([sys.executable, "-m", "keras_gans.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=timeout)


def run_main(*args, cwd, capsys):
    """``main(ARGS)`` in this process with ``cwd`` as the working folder: returncode, stdout, stderr."""
    capsys.readouterr()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        code = main([str(a) for a in args])
    finally:
        os.chdir(old)
    out = capsys.readouterr()
    return types.SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)
