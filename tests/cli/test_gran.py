"""``keras-gans train gran`` (with its per-step drawing grid), ``sample --drawing`` and ``keras-gans gam`` end to end,
and their bad input (exit 2, nothing written)."""

import json

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gans import EBGAN, GRAN
from tests.cli.helpers import run_main

TINY = ["--steps", "2", "--latent-dim", "8", "--g-filters", "8", "--d-filters", "8", "--batch-size", "16",
        "--steps-per-epoch", "2", "--epochs", "1", "--num-samples", "4"]


@pytest.mark.slow
def test_train_gran_then_drawing_grid_then_gam(tmp_path, capsys, saved_tiny_dcgan):
    out = run_main("train", "gran", *TINY, cwd=tmp_path, capsys=capsys)
    assert out.returncode == 0, out.stderr[-3000:]
    model_path = tmp_path / "runs" / "gran" / "model.keras"
    model = keras.models.load_model(model_path)
    assert type(model) is GRAN and (model.num_steps, model.latent_dim, model.image_shape) == (2, 8, (28, 28, 1))
    assert (tmp_path / "savedmodels" / "gran" / "1" / "saved_model.pb").exists()
    # the training run's drawing grid: 8 rows (images) x 2 columns (steps) of 28x28 cells with 2-pixel borders
    drawing = np.asarray(Image.open(tmp_path / "runs" / "gran" / "drawing" / "epoch_0001.png"))
    assert drawing.shape[:2] == (8 * 30 + 2, 2 * 30 + 2)

    out = run_main("sample", model_path, "--drawing", "--num", "3", "--seed", "4", "--out", "steps.png", cwd=tmp_path,
                   capsys=capsys)
    assert out.returncode == 0, out.stderr[-2000:]
    grid = np.asarray(Image.open(tmp_path / "steps.png"))
    assert grid.shape[:2] == (3 * 30 + 2, 2 * 30 + 2)
    _, canvases = model.generate(3, seed=4, return_steps=True)
    last = grid[2 + 2 * 30: 30 + 2 * 30, 2 + 30: 30 + 30]  # row 3, step 2 = the third image
    expected = np.round((canvases[2, 1, :, :, 0] + 1) * 127.5)
    assert np.abs(last[..., 0].astype(int) - expected.astype(int)).max() <= 1

    out = run_main("gam", model_path, saved_tiny_dcgan, "--num-test", "200", "--num-samples", "100",
                   "--names", "gran", "dcgan", "--out", "battle", cwd=tmp_path, capsys=capsys)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "verdict:" in out.stdout
    summary = json.loads((tmp_path / "battle.json").read_text())
    assert summary["names"] == ["gran", "dcgan"] and summary["num_test"] == 200 and summary["num_samples"] == 100
    assert {"r_test", "r_samples", "errors", "winner", "verdict"} <= set(summary)
    assert (tmp_path / "battle.csv").exists() and (tmp_path / "battle.md").exists()


@pytest.fixture(scope="module")
def saved_ebgan(tmp_path_factory):
    path = tmp_path_factory.mktemp("ebgan") / "ebgan.keras"
    EBGAN(image_shape=(28, 28, 1), g_filters=8, d_filters=8).save(path)
    return str(path)


@pytest.fixture(scope="module")
def saved_gran32(tmp_path_factory):
    path = tmp_path_factory.mktemp("gran32") / "gran32.keras"
    GRAN(image_shape=(32, 32, 1), g_filters=8, d_filters=8, latent_dim=8, num_steps=2).save(path)
    return str(path)


@pytest.mark.parametrize("case, message", [
    (["train", "gran", "--steps", "0"], "--steps must be >= 1"),
    (["train", "gran", "--g-filters", "0"], "--g-filters must be >= 1"),
    (["train", "gran", "--read", "sum"], "invalid choice: 'sum'"),
    (["gam", "missing_a.keras", "{dcgan}"], "no model A file missing_a.keras"),
    (["gam", "{dcgan}", "{ebgan}", "--num-test", "10"], "not one logit or score"),
    (["gam", "{dcgan}", "{gran32}", "--num-test", "10"], "the models make different images"),
    (["gam", "{dcgan}", "{dcgan}", "--tolerance", "-1"], "--tolerance must be >= 0"),
    (["gam", "{dcgan}", "{dcgan}", "--num-test", "0"], "--num-test must be >= 1"),
    (["gam", "{dcgan}", "{dcgan}", "--dataset", "no_such_dataset_here"], "no_such_dataset_here"),
    (["sample", "{dcgan}", "--drawing"], "does not draw in steps"),
])
def test_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, saved_tiny_dcgan, saved_ebgan, saved_gran32, case,
                                              message):
    paths = dict(dcgan=saved_tiny_dcgan, ebgan=saved_ebgan, gran32=saved_gran32)
    args = [a.format(**paths) for a in case]
    out = run_main(*args, cwd=tmp_path, capsys=capsys)
    assert out.returncode == 2, (out.stdout[-1000:], out.stderr[-2000:])
    assert message in out.stderr, out.stderr[-2000:]
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "runs").exists() and not list(tmp_path.glob("gam.*")) and not list(tmp_path.glob("*.png"))
