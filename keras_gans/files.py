"""Outputs that appear whole or not at all, durable after a crash, with the permissions the umask gives.

Every file and folder keras_gans writes for its users (models, checkpoints, exports, grids, tables) goes
through here: it is written under a hidden temporary name beside its destination, flushed to disk
(``fsync``), given the permissions a plain ``open``/``mkdir`` would have had under the process's umask
(``tempfile`` makes 0600 files and 0700 folders, which a TF Serving process running as another user
cannot read), and renamed into place in one step. A kill at any moment leaves either the old output or
the new one, plus at worst a hidden ``.tmp-*`` leftover that :func:`remove_leftovers` clears.
"""

import contextlib
import os
import shutil
import tempfile

TMP_PREFIX = ".tmp-"


def umask():
    """The process's umask (read without changing it for longer than the two calls)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def set_default_permissions(path):
    """Give ``path`` (and everything under it) what ``open``/``mkdir`` would: 0666/0777 less the umask."""
    mask = umask()
    if os.path.isdir(path):
        for root, dirs, files in os.walk(path):
            os.chmod(root, 0o777 & ~mask)
            for name in files:
                os.chmod(os.path.join(root, name), 0o666 & ~mask)
    else:
        os.chmod(path, 0o666 & ~mask)


def fsync_tree(path):
    """Flush ``path``'s files and folders (recursively) to disk."""
    if os.path.isdir(path):
        for root, _, files in os.walk(path):
            for name in files:
                fsync_file(os.path.join(root, name))
            fsync_dir(root)
    else:
        fsync_file(path)


def fsync_file(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path):
    """Make a rename or a new entry in folder ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some file systems cannot sync a folder; the rename itself is still atomic
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path, folder=False, replace=True):
    """Yield a temporary path beside ``path``; when the block ends without an error, make it ``path``.

    ``folder=True`` yields an (empty) temporary folder, otherwise a file name to write. On success the
    output is fsynced, given the umask's permissions and renamed over ``path`` (a folder is swapped in
    through a second rename, so an existing ``path`` is replaced only once the new one is complete;
    ``replace=False`` refuses an existing ``path`` with ``FileExistsError``). On an error, or a
    ``KeyboardInterrupt``, the temporary output is removed and ``path`` is left as it was.
    """
    path = os.path.abspath(os.fspath(path))
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    name = os.path.basename(path)
    if folder:
        tmp = tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{name}-", dir=parent)
    else:
        fd, tmp = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{name}-", suffix=os.path.splitext(name)[1], dir=parent)
        os.close(fd)
    try:
        yield tmp
        fsync_tree(tmp)
        set_default_permissions(tmp)
        if not replace and os.path.exists(path):
            raise FileExistsError(f"{path} already exists")
        if folder and os.path.exists(path):
            old = tempfile.mkdtemp(prefix=f"{TMP_PREFIX}old-{name}-", dir=parent)
            os.rename(path, os.path.join(old, name))
            os.rename(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
        fsync_dir(parent)
    finally:
        remove(tmp)


def remove(path):
    """Remove a file or a folder tree if it exists."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


def write_text(path, text):
    """Write ``text`` to ``path`` atomically (see :func:`atomic_path`). Returns ``path``."""
    with atomic_path(path) as tmp:
        with open(tmp, "w") as f:
            f.write(text)
    return path


def remove_leftovers(folder):
    """Remove the ``.tmp-*`` files and folders a killed process left in ``folder`` (not recursive)."""
    if os.path.isdir(folder):
        for name in os.listdir(folder):
            if name.startswith(TMP_PREFIX):
                remove(os.path.join(folder, name))


def check_writable(folder, what):
    """Prove that ``folder`` can be written, or made and written, without making it: a file is created and
    removed in ``folder`` or in its nearest existing parent (``os.access`` is not enough: it says yes to
    root on a read-only mount). Raises ``PermissionError`` naming ``what`` and the folder."""
    folder = os.path.abspath(os.fspath(folder))
    existing = folder
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    try:
        if not os.path.isdir(existing):
            raise NotADirectoryError(f"{existing} is not a folder")
        fd, probe = tempfile.mkstemp(prefix=f"{TMP_PREFIX}probe-", dir=existing)
        os.close(fd)
        os.remove(probe)
    except OSError as e:
        raise PermissionError(f"{what} {folder} is not writable ({e.strerror or e})") from e
