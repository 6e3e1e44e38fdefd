"""``keras-gans train gan|dcgan|...``, ``sample`` and ``export`` end to end, and their bad-input handling."""

import csv
import json
import os
import re
import socket
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from keras_gans.cli import main
from tests.cli.helpers import REPO, run_cli, run_main
from tests.model_checks import SAVED_MODEL_CLI



@pytest.mark.slow
def test_train_resume_sample_export(tmp_path, capsys):
    common = ["dcgan", "--batch-size", "16", "--steps-per-epoch", "2", "--num-samples", "4"]
    first = run_cli("train", *common, "--epochs", "1", cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    run = tmp_path / "runs" / "dcgan"
    for name in ("model.keras", "history.csv", "run.json", "checkpoints/ckpt-0000000002/model.keras",
                 "checkpoints/ckpt-0000000002/state.json", "samples/epoch_0001.png"):
        assert (run / name).exists(), name
    assert (tmp_path / "savedmodels" / "dcgan" / "1" / "saved_model.pb").exists()

    # a second run into the same folder without --resume is refused and changes nothing
    before = (run / "model.keras").read_bytes()
    again = run_cli("train", *common, "--epochs", "2", cwd=tmp_path)
    assert again.returncode == 2 and "already holds a run" in again.stderr
    assert (run / "model.keras").read_bytes() == before

    resumed = run_cli("train", *common, "--epochs", "2", "--resume", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    rows = list(csv.DictReader(open(run / "history.csv")))
    assert [r["epoch"] for r in rows] == ["0", "1"]
    assert json.load(open(run / "checkpoints" / "ckpt-0000000004" / "state.json"))["epoch"] == 2
    assert (tmp_path / "savedmodels" / "dcgan" / "2").exists()  # a new version, 1 kept
    assert (tmp_path / "savedmodels" / "dcgan" / "1").exists()

    # sample and export in this process (the train runs above are the fresh processes a user starts)
    a = run_main("sample", "savedmodels/dcgan/2", "--num", "9", "--seed", "3", "--out", "a.png", cwd=tmp_path,
                 capsys=capsys)
    b = run_main("sample", run / "model.keras", "--num", "9", "--seed", "3", "--out", "b.png", cwd=tmp_path,
                 capsys=capsys)
    assert a.returncode == 0 and b.returncode == 0, a.stderr[-2000:] + b.stderr[-2000:]
    grid_a = np.asarray(Image.open(tmp_path / "a.png")).astype(int)
    grid_b = np.asarray(Image.open(tmp_path / "b.png")).astype(int)
    assert grid_a.shape == (3 * 30 + 2, 3 * 30 + 2)
    assert np.abs(grid_a - grid_b).max() <= 1

    exported = run_main("export", run / "model.keras", "--out", "exp", cwd=tmp_path, capsys=capsys)
    assert exported.returncode == 0 and (tmp_path / "exp" / "saved_model.pb").exists()
    refused = run_main("export", run / "model.keras", "--out", "exp", cwd=tmp_path, capsys=capsys)
    assert refused.returncode == 2 and "already exists" in refused.stderr


@pytest.mark.slow
def test_conditional_train_and_sample_with_labels(tmp_path, capsys):
    out = run_cli("train", "cgan", "--batch-size", "16", "--steps-per-epoch", "2", "--epochs", "1",
                  "--num-samples", "10", cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    ok = run_main("sample", "savedmodels/cgan/1", "--num", "3", "--labels", "0,1,9", "--out", "c.png", cwd=tmp_path,
                  capsys=capsys)
    assert ok.returncode == 0, ok.stderr[-2000:]
    bad = run_main("sample", "savedmodels/cgan/1", "--num", "2", "--labels", "0,10", "--out", "d.png", cwd=tmp_path,
                   capsys=capsys)
    assert bad.returncode != 0 and "num_classes" in bad.stderr
    assert not (tmp_path / "d.png").exists()


def _folder(path, sizes, mode="L"):
    path.mkdir(parents=True, exist_ok=True)
    for i, size in enumerate(sizes):
        Image.fromarray(np.full((size, size) + ((3,) if mode == "RGB" else ()), (40 * i) % 256, np.uint8), mode).save(
            path / f"img{i}.png")
    return path


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "stylegan9"], "invalid choice: 'stylegan9'"),
        (["train", "dcgan", "--dataset", "no_such_dataset_xyz"], "unknown dataset 'no_such_dataset_xyz'"),
        (["train", "dcgan", "--image-size", "30"], "image size 30 cannot be produced"),
        (["train", "dcgan", "--batch-size", "0"], "--batch-size must be >= 1"),
        (["train", "dcgan", "--batch-size", "7000"], "larger than the dataset"),
        (["train", "dcgan", "--resume", "--out", "fresh"], "no checkpoint"),
        (["sample", "missing.keras"], "no model file"),
        (["export", "missing.keras", "--out", "x"], "no model file"),
    ],
)
def test_bad_input_is_a_clear_error_with_exit_2(tmp_path, capsys, args, message):
    # in this process: each case ends before any training (a fresh process per case cost ~6 s of TensorFlow
    # start-up; test_train_resume_sample_export's refused second run is the exit 2 a shell sees)
    out = run_main(*args, cwd=tmp_path, capsys=capsys)
    assert out.returncode == 2, (out.returncode, out.stderr[-2000:])
    assert message in out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "savedmodels").exists()


def test_bad_image_folders(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    mixed = _folder(tmp_path / "mixed", [28, 28, 32])
    broken = _folder(tmp_path / "broken", [28, 28])
    (broken / "bad.png").write_bytes(b"not a png")
    small = _folder(tmp_path / "small", [28, 28, 28])
    for folder, message in [(empty, "no images"), (mixed, "mixed"), (broken, "bad.png"), (small, "larger than")]:
        out = run_main("train", "dcgan", "--dataset", folder, "--batch-size", "8", "--out", "o", cwd=tmp_path,
                       capsys=capsys)
        assert out.returncode == 2 and message in out.stderr.lower(), (folder, out.returncode, out.stderr[-1500:])
        assert "Traceback" not in out.stderr
        assert not (tmp_path / "o" / "model.keras").exists()


@pytest.mark.slow
def test_image_folder_with_classes_trains_cgan(tmp_path, capsys):
    for c in range(2):
        _folder(tmp_path / "data" / f"class{c}", [28] * 8)
    out = run_main("train", "cgan", "--dataset", tmp_path / "data", "--batch-size", "4", "--epochs", "1",
                   "--num-samples", "4", cwd=tmp_path, capsys=capsys)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "16 images" in out.stdout


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_multiworker_two_processes_on_localhost(tmp_path):
    workers = [f"127.0.0.1:{_free_port()}", f"127.0.0.1:{_free_port()}"]
    procs = []
    for index in range(2):
        tf_config = json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": REPO, "TF_CONFIG": tf_config}
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "keras_gans.cli", "train", "dcgan", "--strategy", "multiworker", "--batch-size",
             "8", "--steps-per-epoch", "2", "--epochs", "1", "--num-samples", "4", "--out", "mw"],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outputs = [p.communicate(timeout=600) for p in procs]
    for p, (stdout, stderr) in zip(procs, outputs):
        assert p.returncode == 0, stderr[-3000:]
    assert "2 replica(s)" in outputs[0][0]
    assert (tmp_path / "mw" / "model.keras").exists()
    assert (tmp_path / "savedmodels" / "dcgan" / "1" / "saved_model.pb").exists()
    rows = list(csv.DictReader(open(tmp_path / "mw" / "history.csv")))
    assert len(rows) == 1 and np.isfinite(float(rows[0]["d_loss"]))


@pytest.mark.slow
def test_wgan_gp_reads_n_critic_minibatches_per_step(tmp_path, capsys):
    out = run_main("train", "wgan_gp", "--batch-size", "4", "--steps-per-epoch", "2", "--epochs", "1",
                   "--num-samples", "4", cwd=tmp_path, capsys=capsys)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "batch 4 x 5 step(s)" in out.stdout
    rows = list(csv.DictReader(open(tmp_path / "runs" / "wgan_gp" / "history.csv")))
    assert np.isfinite(float(rows[0]["gp"])) and (tmp_path / "savedmodels" / "wgan_gp" / "1").exists()


@pytest.mark.parametrize("model", ["ebgan", "began", "ali"])
@pytest.mark.slow
def test_more_families_train_with_instance_noise_resume_and_export(model, tmp_path):
    common = [model, "--batch-size", "8", "--steps-per-epoch", "2", "--num-samples", "4", "--instance-noise", "0.3",
              "--instance-noise-steps", "3"]
    first = run_cli("train", *common, "--epochs", "1", cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    resumed = run_cli("train", *common, "--epochs", "2", "--resume", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    run = tmp_path / "runs" / model
    rows = list(csv.DictReader(open(run / "history.csv")))
    # σ(t) = 0.3 (1 - t / 3): epoch 1 (t = 0, 1 and the G pass at t + 1) > 0, epoch 2 (t >= 2) smaller;
    # the resumed run continued the schedule instead of restarting at 0.3
    noise = [float(r["instance_noise"]) for r in rows]
    assert len(noise) == 2 and noise[0] > noise[1] and noise[1] < 0.1, noise
    assert (tmp_path / "savedmodels" / model / "2" / "saved_model.pb").exists()
    if model == "ali":
        assert (run / "reconstructions" / "epoch_0002.png").exists()
        sigs = subprocess.run([SAVED_MODEL_CLI, "show", "--dir", str(tmp_path / "savedmodels" / "ali" / "2"),
                               "--all"], capture_output=True, text=True, timeout=300).stdout
        assert "signature_def['encode']" in sigs and "signature_def['sample']" in sigs


def test_negative_instance_noise_is_refused(tmp_path, capsys):
    out = run_main("train", "ebgan", "--instance-noise", "-1", "--out", "o", cwd=tmp_path, capsys=capsys)
    assert out.returncode == 2 and re.search(r"instance[-_]noise.* must be >= 0", out.stderr), out.stderr
    assert "Traceback" not in out.stderr and not (tmp_path / "o" / "model.keras").exists()


def test_seed_makes_a_training_run_repeatable(tmp_path):
    import keras

    def trained_generator(seed, name):
        code = main(["train", "gan", "--batch-size", "16", "--steps-per-epoch", "2", "--epochs", "1",
                     "--num-samples", "4", "--seed", str(seed), "--out", str(tmp_path / name),
                     "--export-dir", str(tmp_path / "exports" / name)])
        assert code == 0
        model = keras.models.load_model(tmp_path / name / "model.keras")
        return [np.asarray(w) for w in model.generator.weights]

    a, b, c = trained_generator(3, "a"), trained_generator(3, "b"), trained_generator(4, "c")
    assert len(a) == len(b) and all(np.allclose(x, y, atol=1e-6) for x, y in zip(a, b))
    assert not np.allclose(a[0], c[0])
