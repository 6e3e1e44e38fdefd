"""Bad input: the one error class the ``keras-gans`` command answers with exit code 2."""

import contextlib


class BadInput(Exception):
    """What the user gave cannot be used: an option's value, a missing input, an output that already exists."""


@contextlib.contextmanager
def user_input():
    """Inside this block, the library's checks of what the user gave are :class:`BadInput`.

    keras_gans raises ``ValueError`` for a value it cannot use and ``FileNotFoundError``, ``FileExistsError``
    or ``NotADirectoryError`` for a path that is missing, already there or not a folder. Around a library call
    that reads the user's options and files these mean bad input. Outside such a block they are not turned
    into anything: an ``OSError`` there is a runtime failure (exit 1) and anything else a bug, shown with its
    traceback.
    """
    try:
        yield
    except (ValueError, FileNotFoundError, FileExistsError, NotADirectoryError) as e:
        raise BadInput(str(e)) from e
