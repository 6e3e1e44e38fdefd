"""``keras-gans train pix2pix|cyclegan`` and ``keras-gans translate`` end to end, and their bad input."""

import csv

import numpy as np
import pytest
from PIL import Image

from keras_gans.cli import main
from tests.cli.helpers import run_cli, run_main

TINY = ["--g-filters", "4", "--d-filters", "4", "--steps-per-epoch", "2", "--batch-size", "2"]


def _image(path, h, w, channels=3, seed=0):
    array = np.random.default_rng(seed).integers(0, 256, size=(h, w, channels), dtype=np.uint8)
    Image.fromarray(array[..., 0] if channels == 1 else array).save(path)
    return path


@pytest.fixture(scope="module")
def pix2pix_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("pix2pix")
    # with the toolbox options translation models take: the .keras and SavedModel translations below then both
    # come from the averaged generator
    out = run_cli("train", "pix2pix", *TINY, "--epochs", "1", "--ema", "0.9", "--spectral-norm", cwd=root)
    assert out.returncode == 0, out.stderr[-3000:]
    return root


@pytest.mark.slow
def test_pix2pix_trains_exports_and_translates_any_size(pix2pix_run, tmp_path, capsys):
    root = pix2pix_run
    assert (root / "runs" / "pix2pix" / "model.keras").is_file()
    assert (root / "runs" / "pix2pix" / "samples" / "epoch_0001.png").is_file()
    assert (root / "savedmodels" / "pix2pix" / "1" / "saved_model.pb").is_file()
    import keras

    trained = keras.models.load_model(root / "runs" / "pix2pix" / "model.keras")
    assert (trained.ema_decay, trained.architecture["spectral_norm"], len(trained.ema_networks)) == (0.9, True, 1)
    _image(tmp_path / "photo.png", 45, 70, channels=3)  # RGB, converted to the model's 1 channel
    _image(tmp_path / "sketch.png", 33, 20, channels=1, seed=1)
    for model, out_dir in ((root / "runs" / "pix2pix" / "model.keras", "k"), (root / "savedmodels" / "pix2pix" / "1", "s")):
        # translate in this process (the training above ran in a fresh one): no TensorFlow start-up per call
        out = run_main("translate", model, tmp_path / "photo.png", tmp_path / "sketch.png", "--out", out_dir,
                       cwd=tmp_path, capsys=capsys)
        assert out.returncode == 0, out.stderr[-3000:]
        assert "converting 3 channel(s) to the model's 1" in out.stdout
    for name, size in (("photo", (45, 70)), ("sketch", (33, 20))):
        keras_out = np.asarray(Image.open(tmp_path / "k" / f"{name}.png"))
        served = np.asarray(Image.open(tmp_path / "s" / f"{name}.png"))
        assert keras_out.shape == served.shape == size
        assert np.abs(keras_out.astype(int) - served.astype(int)).max() <= 1
    tiled = run_main("translate", root / "runs" / "pix2pix" / "model.keras", tmp_path / "photo.png",
                     "--out", "t", "--tile-size", "32", "--overlap", "8", cwd=tmp_path, capsys=capsys)
    assert tiled.returncode == 0, tiled.stderr[-2000:]
    assert np.asarray(Image.open(tmp_path / "t" / "photo.png")).shape == (45, 70)


@pytest.mark.slow
def test_cyclegan_trains_resumes_on_the_schedule_and_translates_both_ways(tmp_path, capsys):
    import keras

    import keras_gans  # noqa: F401

    args = ["train", "cyclegan", *TINY, "--n-blocks", "1", "--pool-size", "4"]
    first = run_cli(*args, "--epochs", "1", cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    model_path = tmp_path / "runs" / "cyclegan" / "model.keras"
    after_one = keras.models.load_model(model_path).generator_ab.get_weights()
    resumed = run_cli(*args, "--epochs", "2", "--resume", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "learning-rate plan now 4 steps (constant for 2, then to 0)" in resumed.stdout
    with open(tmp_path / "runs" / "cyclegan" / "history.csv") as f:
        rows = list(csv.DictReader(f))
    assert [row["epoch"] for row in rows] == ["0", "1"]

    model = keras.models.load_model(model_path)
    # The first run planned 2 steps (constant for 1, then to 0 over 1: 0 from step 2 on). Resuming with
    # --epochs 2 stretches the plan to 4 steps (constant for 2, then to 0 over 2), so steps 2 and 3 of the
    # second epoch ran at 2e-4 and 1e-4 (under the unstretched plan both at 0, and G would not have moved).
    assert int(model.g_optimizer.iterations) == 4
    for optimizer in (model.g_optimizer, model.d_optimizer):
        plan = optimizer.get_config()["learning_rate"]["config"]
        assert (plan["constant_steps"], plan["decay_steps"]) == (2, 2), plan
        schedule = keras.optimizers.schedules.deserialize(optimizer.get_config()["learning_rate"])
        assert [round(float(schedule(step)), 7) for step in range(5)] == [2e-4, 2e-4, 2e-4, 1e-4, 0.0]
    moved = max(float(np.abs(a - b).max()) for a, b in zip(after_one, model.generator_ab.get_weights()))
    assert moved > 1e-5, moved
    _image(tmp_path / "boot.png", 30, 41, channels=1)
    for direction in ("AtoB", "BtoA"):
        out = run_main("translate", "savedmodels/cyclegan/2", "boot.png", "--direction", direction, "--out",
                       direction, cwd=tmp_path, capsys=capsys)
        assert out.returncode == 0, out.stderr[-2000:]
        assert np.asarray(Image.open(tmp_path / direction / "boot.png")).shape == (30, 41)


def run_in_process(capsys, monkeypatch, cwd, *args):
    """``main(args)`` in this process (no TensorFlow start-up per case): ``(exit code, stderr)``."""
    monkeypatch.chdir(cwd)
    code = main(list(args))
    return code, capsys.readouterr().err


@pytest.mark.slow
def test_translate_bad_input_is_a_clear_error_and_writes_nothing(pix2pix_run, tmp_path, capsys, monkeypatch):
    model = str(pix2pix_run / "runs" / "pix2pix" / "model.keras")
    good = _image(tmp_path / "good.png", 32, 32)
    (tmp_path / "bad.png").write_bytes(b"not an image")
    cases = [
        ([model, "missing.png"], "missing.png does not exist"),
        ([model, str(good), "bad.png"], "cannot read image"),
        ([model, str(good), "--direction", "BtoA"], "translates AtoB"),
        ([model, str(good), "--direction", "sideways"], "direction must be"),
        (["nomodel.keras", str(good)], "no model file"),
        ([model, str(good), "--tile-size", "20"], "multiple of 32"),
    ]
    for args, message in cases:
        code, err = run_in_process(capsys, monkeypatch, tmp_path, "translate", *args, "--out", "o")
        assert code == 2 and message in err, (args, err[-2000:])
        assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir()), args
    assert run_in_process(capsys, monkeypatch, tmp_path, "translate", model, str(good), "--out", "o")[0] == 0
    before = (tmp_path / "o" / "good.png").read_bytes()
    code, err = run_in_process(capsys, monkeypatch, tmp_path, "translate", model, str(good), "--out", "o")
    assert code == 2 and "--overwrite" in err
    assert (tmp_path / "o" / "good.png").read_bytes() == before


def test_train_bad_data_is_a_clear_error(tmp_path, capsys, monkeypatch):
    (tmp_path / "odd").mkdir()
    _image(tmp_path / "odd" / "x.png", 32, 63)
    cases = [
        (["train", "pix2pix", "--data", "odd"], "odd width"),
        (["train", "pix2pix", "--data", "nowhere"], "no such folder"),
        (["train", "pix2pix", "--image-size", "32", "--load-size", "30"], "smaller than --image-size"),
        (["train", "cyclegan", "--data", "nowhere"], "no such folder"),
        (["train", "pix2pix", "--image-size", "48"], "power-of-two"),
    ]
    for args, message in cases:
        code, err = run_in_process(capsys, monkeypatch, tmp_path, *args, "--out", "run")
        assert code == 2 and message in err, (args, err[-2000:])
        assert not (tmp_path / "savedmodels").exists() and not (tmp_path / "run" / "model.keras").exists()


def test_translate_reads_exports_written_before_the_outputs_were_renamed(tmp_path, capsys):
    """Exports before 2026-12-02 returned ``{"images": ...}`` from ``translate`` (now ``translated_images``); the
    command still reads them (issue 19: exports of the previous format stay loadable)."""
    import tensorflow as tf

    class OldExport(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, None, None, 1], tf.uint8, name="images")])
        def translate(self, images):
            return {"images": 255 - images}  # the old output name; an inverting "generator"

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="image_bytes")])
        def translate_bytes(self, image_bytes):  # its presence tells a Pix2Pix/CycleGAN export from a DTN one
            return {"image_bytes": image_bytes}

    module = OldExport()
    tf.saved_model.save(module, str(tmp_path / "old"), signatures={
        "serving_default": module.translate, "translate": module.translate, "translate_bytes": module.translate_bytes})
    _image(tmp_path / "sketch.png", 33, 20, channels=1, seed=1)
    out = run_main("translate", tmp_path / "old", tmp_path / "sketch.png", "--out", "o", cwd=tmp_path, capsys=capsys)
    assert out.returncode == 0, out.stderr[-2000:]
    source = np.asarray(Image.open(tmp_path / "sketch.png"))
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "o" / "sketch.png")), 255 - source)
    # a direction the export does not serve and --tile-size (a .keras option) are bad input: exit 2, nothing written
    for extra, message in ((["--direction", "BtoA"], "has no BtoA translation (it translates AtoB)"),
                           (["--tile-size", "16"], "--tile-size needs a .keras model")):
        out = run_main("translate", tmp_path / "old", tmp_path / "sketch.png", "--out", "bad", *extra, cwd=tmp_path,
                       capsys=capsys)
        assert out.returncode == 2 and message in out.stderr, out.stderr[-2000:]
        assert not (tmp_path / "bad").exists()
