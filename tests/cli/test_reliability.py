"""Every user-facing failure of ``keras-gans train`` / ``sample`` / ``export`` is a message with its exit code, and
nothing good is lost (issue 18): a full disk (exit 1, the last good checkpoint intact), read-only folders (exit 2
before training), damaged, foreign or finished checkpoints and damaged SavedModels (exit 2 naming the file),
concurrent exports (distinct versions), files with the umask's permissions.

Folders are made full or read-only with a small tmpfs mount where the tests run as root (CI does); elsewhere a
full disk is an injected ``OSError`` and a read-only folder is ``chmod 555``.
"""

import contextlib
import errno
import json
import os
import shutil
import stat
import subprocess
import sys
import time
import zipfile

import keras
import pytest

from keras_gans.cli import main
from tests.cli.helpers import REPO, run_main

TINY = ["--batch-size", "8", "--steps-per-epoch", "2", "--num-samples", "4"]


def can_mount():
    return os.geteuid() == 0 and shutil.which("mount") is not None


@contextlib.contextmanager
def tmpfs(path, options):
    """A tmpfs at ``path`` (``options``: e.g. "size=30m" or "ro"); unmounted afterwards."""
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True)
    if done.returncode:
        raise RuntimeError(f"mount failed: {done.stderr!r}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def train(tmp_path, capsys, *extra, model="dcgan", epochs=1, out="run"):
    return run_main("train", model, *TINY, "--epochs", epochs, "--out", out, "--export-dir", "exports", *extra,
                    cwd=tmp_path, capsys=capsys)


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """A DCGAN run of 1 epoch x 2 steps (checkpoints at steps 1 and 2), trained once for the module."""
    root = tmp_path_factory.mktemp("finished")
    old = os.getcwd()
    os.chdir(root)
    try:
        code = main(["train", "dcgan", *TINY, "--epochs", "1", "--out", "run", "--export-dir", "exports",
                     "--checkpoint-every", "1"])
    finally:
        os.chdir(old)
    assert code == 0
    return root


def copy_run(finished_run, tmp_path):
    shutil.copytree(finished_run / "run", tmp_path / "run")
    return tmp_path / "run"


def newest(run):
    return sorted((run / "checkpoints").glob("ckpt-*"))[-1]


# --- a full disk ---------------------------------------------------------------------------------
def test_a_full_disk_is_exit_1_and_keeps_the_last_good_checkpoint(tmp_path, capsys, monkeypatch):
    out = tmp_path / "disk"
    if can_mount():
        # one checkpoint is ~11 MB: two fit in 30 MB, the third one's temporary copy does not
        context = tmpfs(out, "size=30m")
    else:
        calls = {"n": 0}
        save = keras.Model.save

        def failing_save(self, *args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 3:
                raise OSError(errno.ENOSPC, "No space left on device")
            return save(self, *args, **kwargs)

        monkeypatch.setattr(keras.Model, "save", failing_save)
        context = contextlib.nullcontext(out)
    with context:
        done = train(tmp_path, capsys, "--checkpoint-every", "1", epochs=3, out=out / "run")
        assert done.returncode == 1, done.stderr[-2000:]
        assert "No space left on device" in done.stderr and "Traceback" not in done.stderr
        assert done.stderr.count("\n") == 1  # one line
        run = out / "run"
        checkpoints = sorted(p.name for p in (run / "checkpoints").iterdir())
        assert checkpoints == ["ckpt-0000000001", "ckpt-0000000002"]  # nothing temporary left, the good ones whole
        state = json.loads((run / "checkpoints" / "ckpt-0000000002" / "state.json").read_text())
        assert (state["epoch"], state["step"], state["global_step"]) == (1, 0, 2)
        with zipfile.ZipFile(run / "checkpoints" / "ckpt-0000000002" / "model.keras") as archive:
            assert archive.testzip() is None
        assert not (run / "model.keras").exists()
        if can_mount():  # with room again, the run resumes from the intact checkpoint and finishes
            subprocess.run(["mount", "-o", "remount,size=200m", str(out)], check=True)
            resumed = train(tmp_path, capsys, "--resume", epochs=3, out=run)
            assert resumed.returncode == 0, resumed.stderr[-2000:]
            assert "resuming" in resumed.stdout and "ckpt-0000000002 at epoch 2, step 1" in resumed.stdout
            assert len((run / "history.csv").read_text().splitlines()) == 1 + 3


# --- read-only folders: exit 2 before training, nothing written ------------------------------------
@contextlib.contextmanager
def read_only(path):
    if can_mount():
        with tmpfs(path, "ro,size=1m"):
            yield path
    else:
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o555)
        try:
            yield path
        finally:
            path.chmod(0o755)


@pytest.mark.parametrize("option", ["--out", "--export-dir"])
def test_a_read_only_folder_is_exit_2_before_training(tmp_path, capsys, option):
    with read_only(tmp_path / "locked") as locked:
        target = str(locked / "x")
        args = ["train", "dcgan", *TINY, "--epochs", "1", "--out", target if option == "--out" else "run",
                "--export-dir", target if option == "--export-dir" else "exports"]
        done = run_main(*args, cwd=tmp_path, capsys=capsys)
    assert done.returncode == 2, done.stderr
    assert f"{option} {locked / 'x'} is not writable" in done.stderr
    assert "Epoch" not in done.stdout and "dcgan on" not in done.stdout  # refused before the data or any step
    assert not (tmp_path / "run").exists() and not (tmp_path / "exports").exists()


# --- damaged, foreign and finished checkpoints: exit 2 naming the file ----------------------------------
@pytest.mark.parametrize("damage, message", [
    ("truncate-model", "model.keras is corrupt or truncated"),
    ("empty-state", "state.json is corrupt: 'epoch' must be an integer >= 0, got None"),
    ("negative-epoch", "state.json is corrupt: 'epoch' must be an integer >= 0, got -1"),
    ("not-json", "state.json is corrupt: not valid JSON"),
])
def test_a_damaged_checkpoint_is_exit_2_naming_the_file(finished_run, tmp_path, capsys, damage, message):
    run = copy_run(finished_run, tmp_path)
    ckpt = newest(run)
    if damage == "truncate-model":
        data = (ckpt / "model.keras").read_bytes()
        (ckpt / "model.keras").write_bytes(data[: len(data) // 2])
    elif damage == "empty-state":
        (ckpt / "state.json").write_text("{}")
    elif damage == "negative-epoch":
        state = json.loads((ckpt / "state.json").read_text())
        (ckpt / "state.json").write_text(json.dumps({**state, "epoch": -1}))
    else:
        (ckpt / "state.json").write_text('{"epoch": 1, "ste')
    before = sorted(p.name for p in run.rglob("*"))
    done = train(tmp_path, capsys, "--resume", epochs=2)
    assert done.returncode == 2, done.stderr[-2000:]
    assert message in done.stderr and str(ckpt) in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in run.rglob("*")) == before  # nothing written


def test_resume_with_another_model_or_other_options_is_exit_2(finished_run, tmp_path, capsys):
    run = copy_run(finished_run, tmp_path)
    wgan = train(tmp_path, capsys, "--resume", model="wgan", epochs=2)
    assert wgan.returncode == 2 and "is a checkpoint of `train dcgan`, not `train wgan`" in wgan.stderr
    other = run_main("train", "dcgan", "--batch-size", "16", "--steps-per-epoch", "2", "--num-samples", "4",
                     "--epochs", "2", "--out", "run", "--export-dir", "exports", "--resume", cwd=tmp_path,
                     capsys=capsys)
    assert other.returncode == 2 and "--batch-size: the run has 8, this command 16" in other.stderr
    assert not (tmp_path / "exports").exists() and json.loads((newest(run) / "state.json").read_text())["epoch"] == 1


def test_resuming_a_finished_run_is_exit_2_and_more_epochs_continue_it(finished_run, tmp_path, capsys):
    run = copy_run(finished_run, tmp_path)
    same = train(tmp_path, capsys, "--resume", epochs=1)
    assert same.returncode == 2 and "is complete (1 epochs, saved and exported)" in same.stderr
    more = train(tmp_path, capsys, "--resume", epochs=2)
    assert more.returncode == 0, more.stderr[-2000:]
    assert len((run / "history.csv").read_text().splitlines()) == 1 + 2
    assert sorted(os.listdir(tmp_path / "exports" / "dcgan")) == ["1"]  # this copy's first export (the fixture's is elsewhere)


def test_a_damaged_saved_model_or_model_file_is_exit_2_naming_it(finished_run, tmp_path, capsys):
    export = tmp_path / "export"
    shutil.copytree(finished_run / "exports" / "dcgan" / "1", export)
    (export / "saved_model.pb").write_bytes(b"\x00garbage\xff" * 10)
    done = run_main("sample", export, "--num", "4", "--out", "s.png", cwd=tmp_path, capsys=capsys)
    assert done.returncode == 2 and f"the SavedModel {export} is corrupt" in done.stderr, done.stderr
    model = tmp_path / "half.keras"
    data = (finished_run / "run" / "model.keras").read_bytes()
    model.write_bytes(data[: len(data) // 2])
    done = run_main("sample", model, "--num", "4", "--out", "s.png", cwd=tmp_path, capsys=capsys)
    assert done.returncode == 2 and f"{model} is corrupt or truncated" in done.stderr, done.stderr
    assert not (tmp_path / "s.png").exists()


# --- exports ---------------------------------------------------------------------------------------
EXPORT_SCRIPT = """
import sys, time
import keras, keras_gans
from keras_gans import serving
model = keras.models.load_model(sys.argv[1])
time.sleep(max(0.0, float(sys.argv[3]) - time.time()))  # both processes start exporting at the same moment
print(serving.export_new_version(model, sys.argv[2]))
"""


@pytest.mark.slow
def test_concurrent_exports_get_distinct_versions(finished_run, tmp_path):
    env = {**os.environ, "PYTHONPATH": REPO, "TF_CPP_MIN_LOG_LEVEL": "3"}
    at = str(time.time() + 12)
    procs = [subprocess.Popen([sys.executable, "-c", EXPORT_SCRIPT, str(finished_run / "run" / "model.keras"),
                               str(tmp_path / "exports"), at], env=env, stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    paths = sorted(p.communicate(timeout=300)[0].strip() for p in procs)
    assert [p.returncode for p in procs] == [0, 0]
    assert paths == [str(tmp_path / "exports" / "1"), str(tmp_path / "exports" / "2")]
    assert sorted(os.listdir(tmp_path / "exports")) == ["1", "2"]  # no claim or temporary folder left
    for path in paths:
        assert os.path.isfile(os.path.join(path, "saved_model.pb"))


def test_export_overwrite_replaces_only_a_saved_model(finished_run, tmp_path, capsys):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "mine.txt").write_text("keep me")
    model = finished_run / "run" / "model.keras"
    done = run_main("export", model, "--out", folder, "--overwrite", cwd=tmp_path, capsys=capsys)
    assert done.returncode == 2 and "is not a SavedModel" in done.stderr
    assert os.listdir(folder) == ["mine.txt"]
    saved = tmp_path / "saved"
    assert run_main("export", model, "--out", saved, cwd=tmp_path, capsys=capsys).returncode == 0
    assert run_main("export", model, "--out", saved, "--overwrite", cwd=tmp_path, capsys=capsys).returncode == 0
    assert (saved / "saved_model.pb").is_file() and not [n for n in os.listdir(tmp_path) if n.startswith(".tmp-")]


def test_outputs_get_the_umask_permissions(finished_run):
    """Under umask 022 (the fixture's process), files are 0644 and folders 0755: a TF Serving process running as
    another user can read the export."""
    old = os.umask(0o022)
    os.umask(old)
    assert old == 0o022, "this check assumes the usual umask"
    run, export = finished_run / "run", finished_run / "exports" / "dcgan" / "1"
    for path in [run / "model.keras", run / "history.csv", newest(run) / "model.keras", newest(run) / "state.json",
                 export / "saved_model.pb", *export.rglob("variables.*")]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
    for path in [newest(run), export, export / "variables"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o755, path


def test_bad_sample_counts_are_refused_before_training(tmp_path, capsys):
    done = run_main("train", "dcgan", *TINY[:4], "--num-samples", "0", "--epochs", "1", "--out", "run",
                    cwd=tmp_path, capsys=capsys)
    assert done.returncode == 2 and "--num-samples must be >= 1, got 0" in done.stderr
    assert not (tmp_path / "run").exists()
