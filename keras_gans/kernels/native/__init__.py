"""TensorFlow custom ops in C++, compiled on first use (like ``torch.utils.cpp_extension.load``).

:func:`library` builds ``winograd.cc`` with the machine's C++ compiler against the installed TensorFlow's headers
(``tf.sysconfig``) into a cache folder, once per source, TensorFlow version and compiler flags, and loads it with
``tf.load_op_library``. Where that is not possible (no compiler, ``KERAS_GANS_NATIVE=0``, a failed build) it
returns ``None`` and warns once; the layers that use it then run TensorFlow's own kernels, which compute the same
function. The cache is ``$KERAS_GANS_CACHE/native`` (default ``~/.cache/keras_gans/native``, or under
``$XDG_CACHE_HOME``); a build writes a temporary file and renames it, so concurrent processes do not see half a file.
"""

import functools
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
import warnings

import tensorflow as tf

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "winograd.cc")
# -march=native: the transforms run 1.3-2.7x faster with the CPU's widest vectors (AVX-512 on AMD Zen 4, measured
# against the x86-64 baseline when they were written); the cache key holds the CPU's flags, so a cache shared
# between machines never loads code built for another CPU.
FLAGS = ["-O3", "-march=native", "-shared", "-fPIC", "-w"]
BUILD_TIMEOUT_S = 600

_unavailable = None  # why library() returned None


def cache_dir():
    root = os.environ.get("KERAS_GANS_CACHE")
    if not root:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(base, "keras_gans")
    return os.path.join(root, "native")


def compiler():
    """The C++ compiler: ``$CXX``, else ``c++`` or ``g++`` on the PATH (``None`` if there is none)."""
    return os.environ.get("CXX") or shutil.which("c++") or shutil.which("g++")


def _command(cxx, output):
    return [cxx, *FLAGS, SOURCE, "-o", output, *tf.sysconfig.get_compile_flags(), *tf.sysconfig.get_link_flags()]


def cpu_signature():
    """What -march=native depends on: the CPU's model and flags (Linux's /proc/cpuinfo), else the platform's name."""
    try:
        with open("/proc/cpuinfo") as f:
            lines = [line for line in f if line.startswith(("model name", "flags", "Features", "CPU part"))]
        return "".join(sorted(set(lines)))
    except OSError:
        return platform.processor() or platform.machine()


def library_path(cxx):
    """Where the library for this source, TensorFlow, compiler command and CPU is (or will be) cached."""
    with open(SOURCE, "rb") as f:
        source = f.read()
    key = "\0".join([tf.__version__, platform.machine(), cpu_signature(), " ".join(_command(cxx, "OUT"))]).encode()
    digest = hashlib.sha256(source + b"\0" + key).hexdigest()[:16]
    return os.path.join(cache_dir(), f"keras_gans_ops-{digest}.so")


def _build(cxx, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".build-", suffix=".so", dir=os.path.dirname(path))
    os.close(fd)
    try:
        result = subprocess.run(_command(cxx, tmp), capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
        if result.returncode != 0:
            raise RuntimeError(f"{cxx} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


@functools.cache
def library():
    """The loaded op library (``tf.load_op_library``), or ``None`` where it cannot be built (see :func:`why_not`)."""
    global _unavailable
    if os.environ.get("KERAS_GANS_NATIVE", "1") == "0":
        _unavailable = "KERAS_GANS_NATIVE=0"
        return None
    cxx = compiler()
    if cxx is None:
        _unavailable = "no C++ compiler (set CXX, or install one: Debian/Ubuntu `apt-get install g++`)"
    else:
        try:
            path = library_path(cxx)
            if not os.path.exists(path):
                _build(cxx, path)
            return tf.load_op_library(path)
        except (OSError, RuntimeError, subprocess.SubprocessError, tf.errors.OpError) as error:
            _unavailable = f"building {os.path.basename(SOURCE)} failed: {error}"
    warnings.warn(f"keras_gans: the native CPU kernels are off ({_unavailable}); TensorFlow's own kernels compute "
                  "the same convolutions, more slowly", RuntimeWarning, stacklevel=2)
    return None


def why_not():
    """Why :func:`library` returned ``None`` (``None`` if it did not, or has not been called)."""
    return _unavailable
