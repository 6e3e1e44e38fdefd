"""The ``keras-gans`` command: its tree of subcommands, their dispatch and the exit codes."""

import os

# TensorFlow's caching ("BFC") CPU allocator instead of one malloc per tensor: with malloc, every
# large activation of the image-to-image models was mapped and page-faulted in anew on every step.
# Measured on the 2-core CPU (README, "Pix2Pix and CycleGAN" performance): Pix2Pix 256 batch 4
# training 1.03 -> 1.13 img/s and inference 7.3 -> 8.6 img/s, CycleGAN 128 batch 4 inference
# 6.3 -> 7.2 img/s. TensorFlow reads the variable when it makes its first tensor. The command sets it
# for its own process, here, before any tensor (importing keras_gans, which runs before this line, makes
# none); the library does not touch its users' environment: a Python program gets the same effect by
# setting TF_CPU_ALLOCATOR_USE_BFC=true before its first tensor. TF_CPU_ALLOCATOR_USE_BFC=false opts out.
# TensorFlow's logging is set up before this package is imported, by the console script (keras_gans_launcher.py:
# a quiet start unless `keras-gans --verbose`); `python -m keras_gans.cli` and main() leave it as it is.
os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")

import argparse  # noqa: E402
import sys  # noqa: E402

import tensorflow as tf  # noqa: E402

from keras_gans.callbacks import NonFiniteLossError, TrainingInterrupted  # noqa: E402
from keras_gans.cli import (dtn, evaluate, export, gan, gran, latent, results, studio, style, stylegan,  # noqa: E402
                            translation)
from keras_gans.cli.errors import BadInput  # noqa: E402

OK, FAILURE, BAD_INPUT, INTERRUPTED = 0, 1, 2, 130

#: Runtime failures (exit 1, one line on stderr): a non-finite loss, and I/O errors — a file that cannot be
#: read or written, a full disk (Python's OSError; TensorFlow reports a full disk or memory as
#: ResourceExhaustedError and other file errors with their own classes).
RUNTIME_FAILURES = (NonFiniteLossError, OSError, tf.errors.ResourceExhaustedError, tf.errors.PermissionDeniedError,
                    tf.errors.DataLossError)

EXIT_CODES = """\
exit codes:
  0    success
  1    runtime failure: a non-finite loss, an I/O error (a file that cannot be read or written, a full
       disk); one line on stderr. A bug in keras_gans shows its traceback and also exits 1.
  2    bad input: an unknown option, model or dataset, a bad value, a missing input file, an output
       that already exists; one line on stderr, nothing written
  130  interrupted (Ctrl-C)
A failed or interrupted command leaves earlier checkpoints, models and exports as they were."""


class FirstWordSubcommand(argparse.Action):
    """A positional that takes the rest of the line and parses it with the parser its first word names,
    or, when the first word names none, with ``default_parser`` (``evaluate MODEL`` and ``evaluate dtn MODEL``:
    argparse's own subcommands cannot have a default)."""

    def __init__(self, option_strings, dest, parsers, default_parser, **kwargs):
        super().__init__(option_strings, dest, nargs=argparse.REMAINDER, default=argparse.SUPPRESS, **kwargs)
        self.parsers, self.default_parser = parsers, default_parser

    def __call__(self, parser, namespace, values, option_string=None):
        if values and values[0] in self.parsers:
            self.parsers[values[0]].parse_args(values[1:], namespace)
        else:
            self.default_parser.parse_args(values, namespace)


def build_parser():
    parser = argparse.ArgumentParser(prog="keras-gans", description="Train, sample, export, evaluate and use the "
                                     "classic GAN papers as Keras 3 models.", epilog=EXIT_CODES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--verbose", action="store_true", help="show TensorFlow's start-up and C++ log lines and "
                        "the Python warnings the command hides by default (see keras_gans_launcher)")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a model; writes samples, history, checkpoints, model and export")
    models = train.add_subparsers(dest="model", required=True, metavar="MODEL")
    gan.add_train_commands(models)  # gan, dcgan, wgan, wgan_gp, cgan, ebgan, began, ali, bigan, sngan, stylegan, gran
    translation.add_train_commands(models)  # pix2pix, cyclegan
    style.add_train_command(models)  # adain
    dtn.add_train_commands(models)  # classifier, dtn

    gan.add_sample_command(commands)
    stylegan.add_style_mix_command(commands)
    export.add_export_command(commands)
    translation.add_translate_command(commands)
    style.add_stylize_command(commands)
    latent.add_commands(commands)  # walk, arithmetic, invert, inpaint

    usage = "keras-gans evaluate MODEL [options]\n       keras-gans evaluate dtn MODEL [options]"
    evaluate_parser = commands.add_parser(
        "evaluate", usage=usage, help="FID / KID / Inception score / memorisation of a generator; `evaluate dtn`: "
        "a DTN's accuracies", description="`keras-gans evaluate MODEL -h` and `keras-gans evaluate dtn -h` list "
        "the options.")
    generator_evaluation = argparse.ArgumentParser(prog="keras-gans evaluate")
    evaluate.add_arguments(generator_evaluation)
    dtn_evaluation = argparse.ArgumentParser(prog="keras-gans evaluate dtn")
    dtn.add_evaluate_arguments(dtn_evaluation)
    evaluate_parser.add_argument("arguments", metavar="MODEL | dtn MODEL", action=FirstWordSubcommand,
                                 parsers={"dtn": dtn_evaluation}, default_parser=generator_evaluation)
    dtn.add_evaluate_arguments(commands.add_parser("evaluate-dtn", help="the same as `evaluate dtn`"))
    dtn.add_translate_command(commands)
    results.add_results_command(commands)
    gran.add_gam_command(commands)
    studio.add_studio_command(commands)
    return parser


def fail(message, code):
    print(f"keras-gans: error: {message}", file=sys.stderr)
    return code


def main(argv=None):
    """Run ``keras-gans ARGV`` (default ``sys.argv[1:]``) and return its exit code (see ``EXIT_CODES``)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:  # argparse printed the help (0) or the usage error (2)
        return e.code
    args.argv = [str(a) for a in (sys.argv[1:] if argv is None else argv)]  # what to print to resume a run
    try:
        return args.func(args)
    except BadInput as e:
        return fail(e, BAD_INPUT)
    except RUNTIME_FAILURES as e:
        return fail(" ".join(str(e).split("\n")), FAILURE)
    except TrainingInterrupted as e:
        print(f"keras-gans: interrupted; checkpoint {e.checkpoint} written. Continue with:\n"
              f"  {getattr(e, 'resume_command', 'the same command and --resume')}", file=sys.stderr)
        return INTERRUPTED
    except KeyboardInterrupt:
        print("keras-gans: interrupted; earlier checkpoints, models and exports are as they were", file=sys.stderr)
        return INTERRUPTED
