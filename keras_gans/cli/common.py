"""Small helpers the command groups share: option checks and outputs that appear complete or not at all."""

import contextlib
import os

from keras_gans import files
from keras_gans.cli.errors import BadInput


def check_positive(args, *names):
    """Each of ``args.<name>`` (when given) is >= 1, else :class:`BadInput` naming the option."""
    for name in names:
        value = getattr(args, name, None)
        if value is not None and value < 1:
            raise BadInput(f"--{name.replace('_', '-')} must be >= 1, got {value}")


def parse_labels(text):
    """``"0,1,9"`` -> ``[0, 1, 9]`` (``None`` stays ``None``): the ``--labels`` of conditional models."""
    if text is None:
        return None
    try:
        return [int(v) for v in text.split(",")]
    except ValueError:
        raise BadInput(f"--labels takes comma-separated class ids, got {text!r}") from None


@contextlib.contextmanager
def new_output_dir(path):
    """A temporary folder beside ``path`` (which must not exist), renamed to ``path`` when the block ends
    without an error and removed otherwise: the output appears complete or not at all."""
    path = os.path.abspath(path)
    if os.path.exists(path):
        raise BadInput(f"{path} already exists; choose another --out")
    with files.atomic_path(path, folder=True, replace=False) as tmp:
        yield tmp

