"""The ``keras-gans`` console script: a quiet start for the command's own process, then ``keras_gans.cli.main``.

This module sits outside the ``keras_gans`` package on purpose. Importing anything under ``keras_gans`` first
runs ``keras_gans/__init__.py``, which imports TensorFlow (it must: ``import keras_gans`` is what registers the
model classes for ``keras.models.load_model``), and TensorFlow's C++ logging only honours settings that are in
the environment before that import. So the command sets up its process here, before it imports the package;
the library itself never changes its users' environment.

By default (``keras-gans --verbose ...`` leaves all of this alone, as do the user's own settings):

1. ``TF_CPP_MIN_LOG_LEVEL=3`` unless the user set it: TensorFlow's C++ INFO, WARNING and ERROR lines are not
   printed, FATAL ones are. That hides no failure: TensorFlow reports every failed op, function, device
   placement or file access as a status that becomes a Python exception (``tf.errors.*``, ``OSError``), and the
   command reports every exception (one line with its exit code, or a traceback for a bug). What it logs at
   level E without raising are conditions it has already recovered from, e.g. ``failed call to cuInit`` (no
   usable CUDA driver: it runs on the CPU) and ``remapper failed`` (a Grappler graph rewrite that did not
   apply: the graph runs without it). The one such condition that is the user's problem, TensorFlow's CUDA
   libraries installed (the ``cuda`` extra) but no GPU found, is said in one line (``gpu_missing_warning``).
2. TensorFlow 2.19+ writes its start-up lines while its libraries load, before it reads that variable
   (tensorflow/tensorflow#100442): absl's ``All log messages before absl::InitializeLog()`` banner and INFO
   lines (oneDNN, ``cudart_stub``, ``cpu_feature_guard``). They are captured while the package is imported;
   those known lines are dropped and everything else is written to stderr as it came, all of it when the
   import fails.
3. Python warnings that every run would print and that say nothing about the user's run are ignored:
   ``KNOWN_HARMLESS_WARNINGS``.
"""

import os
import re
import sys
import tempfile
import warnings

#: ``(message regex, category)``: Python warnings a plain run prints that concern no choice of the user's.
KNOWN_HARMLESS_WARNINGS = (
    # Keras 3 warns on every fit() of a tf.data.Dataset: fit's shuffle argument defaults to True and a
    # Dataset is not shuffled by fit (our pipelines shuffle themselves).
    (r"`shuffle=True` was passed, but will be ignored since the data `x` was provided as a tf\.data\.Dataset",
     UserWarning),
)

#: the first line of one C++ log record: absl's "I0000 00:00:1796229714.240471    2480 port.cc:153] " or the
#: older "2025-09-17 14:44:05.157831: I external/local_xla/xla/tsl/cuda/cudart_stub.cc:32] "
_RECORD = re.compile(r"^(?:(?P<absl>[IWEF])\d{4} \d\d:\d\d:\d+\.\d+ +\d+ "
                     r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: (?P<tsl>[IWEF]) )[^ \]]+:\d+\] ")
_ABSL_BANNER = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
#: start-up records above INFO that are known to be harmless: the CUDA plugins registered twice when both the
#: XLA and the TensorFlow copies load (tensorflow/tensorflow#100442, GPU builds)
_HARMLESS_START_UP = re.compile(r"Unable to register cu\w+ factory: Attempting to register factory for plugin "
                                r"\w+ when one has already been registered")


def wants_verbose(argv):
    """Whether ``argv`` has the global ``--verbose`` flag (or an abbreviation), i.e. before the subcommand."""
    for arg in argv:
        if arg.startswith("--v") and "--verbose".startswith(arg):
            return True
        if not arg.startswith("-"):  # the subcommand: what follows are its own arguments
            return False
    return False


def filter_start_up_lines(text):
    """``text`` (what the process wrote to stderr while TensorFlow loaded) less the known-harmless lines:
    absl's banner, INFO records (with their continuation lines) and ``_HARMLESS_START_UP`` records."""
    kept, dropping = [], False
    for line in text.splitlines(keepends=True):
        record = _RECORD.match(line)
        if record:
            severity = record.group("absl") or record.group("tsl")
            dropping = severity == "I" or bool(_HARMLESS_START_UP.search(line))
        elif line.rstrip("\n") == _ABSL_BANNER:
            dropping = False  # one line; what follows it is not part of it
            continue
        if not dropping:
            kept.append(line)
    return "".join(kept)


def gpu_missing_warning(cuda_libraries_installed, gpus):
    """The line to print when the user installed TensorFlow's CUDA libraries but TensorFlow found no GPU
    (the ``failed call to cuInit`` that level 3 hides is then a real problem), else ``None``."""
    if cuda_libraries_installed and not gpus:
        return ("keras-gans: warning: TensorFlow's CUDA libraries are installed but it found no GPU, so it runs "
                "on the CPU (`keras-gans --verbose ...` shows why)")
    return None


def _warn_if_the_gpu_is_missing():
    import importlib.util

    if importlib.util.find_spec("nvidia") is None:  # the nvidia-* wheels of tensorflow[and-cuda]
        return
    import tensorflow as tf

    message = gpu_missing_warning(True, tf.config.list_physical_devices("GPU"))
    if message:
        print(message, file=sys.stderr)


def _import_main_quietly():
    """``keras_gans.cli.main.main``, imported with file descriptor 2 captured (``filter_start_up_lines``)."""
    sys.stderr.flush()
    saved = os.dup(2)
    failed = True
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            from keras_gans.cli.main import main
            failed = False
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode("utf-8", errors="replace")
            sys.stderr.write(text if failed else filter_start_up_lines(text))
            sys.stderr.flush()
    return main


def main(argv=None):
    """The ``keras-gans`` console script: quiet start (unless ``--verbose``), then the command's exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if wants_verbose(argv):
        from keras_gans.cli.main import main as run
    else:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        for message, category in KNOWN_HARMLESS_WARNINGS:
            warnings.filterwarnings("ignore", message=message, category=category)
        run = _import_main_quietly()
        _warn_if_the_gpu_is_missing()
    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
