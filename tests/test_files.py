"""keras_gans.files: outputs appear whole or not at all, with the umask's permissions."""

import os
import stat

import pytest

from keras_gans import files


def test_atomic_file_replaces_only_on_success_and_leaves_nothing_temporary(tmp_path):
    path = tmp_path / "a.txt"
    files.write_text(path, "old")
    with pytest.raises(RuntimeError):
        with files.atomic_path(path) as tmp:
            with open(tmp, "w") as f:
                f.write("half")
            raise RuntimeError("killed mid-write")
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["a.txt"]
    files.write_text(path, "new")
    assert path.read_text() == "new" and os.listdir(tmp_path) == ["a.txt"]


def test_atomic_folder_swaps_in_whole_and_refuses_to_replace_when_asked(tmp_path):
    path = tmp_path / "out"
    with files.atomic_path(path, folder=True) as tmp:
        (open(os.path.join(tmp, "x"), "w")).close()
        assert not path.exists()  # nothing under the final name until the block ends
    assert os.listdir(path) == ["x"]
    with pytest.raises(FileExistsError):
        with files.atomic_path(path, folder=True, replace=False) as tmp:
            (open(os.path.join(tmp, "y"), "w")).close()
    assert os.listdir(path) == ["x"] and sorted(os.listdir(tmp_path)) == ["out"]
    with files.atomic_path(path, folder=True) as tmp:
        (open(os.path.join(tmp, "y"), "w")).close()
    assert os.listdir(path) == ["y"] and sorted(os.listdir(tmp_path)) == ["out"]


@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_outputs_get_what_the_umask_gives(tmp_path, mask):
    old = os.umask(mask)
    try:
        files.write_text(tmp_path / "f", "x")
        with files.atomic_path(tmp_path / "d", folder=True) as tmp:
            os.mkdir(os.path.join(tmp, "sub"))
            files.write_text(os.path.join(tmp, "sub", "g"), "y")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "f").stat().st_mode) == 0o666 & ~mask
    assert stat.S_IMODE((tmp_path / "d" / "sub" / "g").stat().st_mode) == 0o666 & ~mask
    for folder in (tmp_path / "d", tmp_path / "d" / "sub"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o777 & ~mask


def test_remove_leftovers_clears_only_temporary_entries(tmp_path):
    (tmp_path / ".tmp-model.keras-abc.keras").write_text("half")
    (tmp_path / ".tmp-ckpt-1-xyz").mkdir()
    (tmp_path / "keep.txt").write_text("x")
    files.remove_leftovers(tmp_path)
    assert os.listdir(tmp_path) == ["keep.txt"]


def test_check_writable_probes_without_creating_the_folder(tmp_path):
    files.check_writable(tmp_path / "a" / "b", "--out")
    assert os.listdir(tmp_path) == []
    (tmp_path / "file").write_text("x")
    with pytest.raises(PermissionError, match=r"--out .*file/sub is not writable"):
        files.check_writable(tmp_path / "file" / "sub", "--out")
