"""``keras-gans train stylegan``, ``sample --truncation`` and ``style-mix`` end to end, and their bad input."""

import numpy as np
import pytest
from PIL import Image

from keras_gans.cli.errors import BadInput
from keras_gans.cli.stylegan import band_layers
from tests.cli.helpers import run_main

TINY = ["--image-size", "16", "--latent-dim", "16", "--w-dim", "16", "--mapping-layers", "2", "--channel-base",
        "128", "--channel-max", "16", "--batch-size", "8", "--steps-per-epoch", "2", "--num-samples", "4"]


@pytest.mark.slow
def test_train_sample_with_truncation_and_style_mix(tmp_path, capsys):
    out = run_main("train", "stylegan", *TINY, "--synthesis", "adain", "--progressive", "--lod-kimg", "0.008", "0.008",
                   "--epochs", "1", cwd=tmp_path, capsys=capsys)
    assert out.returncode == 0, out.stderr[-3000:]
    model_path = tmp_path / "runs" / "stylegan" / "model.keras"
    import keras

    model = keras.models.load_model(model_path)
    assert (model.synthesis, model.image_shape, model.num_ws, model.ema_kimg) == ("adain", (16, 16, 1), 6, 10.0)
    assert model.progressive and int(model.images_seen.numpy()) == 16  # 2 steps of 8: lod 1, then 1 - 0 / 8
    assert (tmp_path / "savedmodels" / "stylegan" / "1" / "saved_model.pb").exists()

    out = run_main("sample", model_path, "--num", "4", "--truncation", "0", "--out", "t0.png", cwd=tmp_path,
                   capsys=capsys)
    assert out.returncode == 0, out.stderr[-2000:]
    grid = np.asarray(Image.open(tmp_path / "t0.png"))
    cells = [grid[2 + r * 18 : 18 + r * 18, 2 + c * 18 : 18 + c * 18] for r in range(2) for c in range(2)]
    assert all(np.array_equal(cells[0], cell) for cell in cells)  # ψ = 0: the w̄ image for every seed

    out = run_main("style-mix", model_path, "--rows", "1,2", "--cols", "3,4,5", "--styles", "fine", "--out",
                   "mix.png", cwd=tmp_path, capsys=capsys)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "styles 4:6 from the rows" in out.stdout  # 16x16: fine = its last resolution's two styles
    mix = np.asarray(Image.open(tmp_path / "mix.png"))
    assert mix.shape[:2] == (3 * 18 + 2, 4 * 18 + 2)


def test_style_bands_follow_the_paper_and_the_model_size():
    assert band_layers("coarse", 18) == (0, 4) and band_layers("middle", 18) == (4, 8)
    assert band_layers("fine", 18) == (8, 18)  # 1024²: 64² and up
    assert band_layers("fine", 8) == (6, 8) and band_layers("middle", 8) == (4, 6)  # 32²
    assert band_layers("2:5", 8) == (2, 5)
    for bad in ("middle", "0:9", "5:3", "x"):
        with pytest.raises(BadInput):
            band_layers(bad, 6 if bad == "middle" else 8)


@pytest.mark.parametrize("args, message", [
    (["train", "stylegan", "--image-size", "24"], "power of two"),
    (["train", "stylegan", "--style-mixing", "1.5"], "--style-mixing must be in [0, 1]"),
    (["train", "stylegan", "--channel-max", "0"], "--channel-max must be >= 1"),
    (["train", "stylegan", "--progressive"], "--progressive: progressive growing is a training option of"),
    (["train", "stylegan", "--synthesis", "adain", "--progressive", "--lod-initial-resolution", "64"], "is above"),
])
def test_bad_training_options_exit_2_before_reading_data(tmp_path, capsys, args, message):
    out = run_main(*args, "--dataset", "no_such_dataset_xyz", cwd=tmp_path, capsys=capsys)
    assert out.returncode == 2, (out.returncode, out.stderr[-2000:])
    assert message in out.stderr and "no_such_dataset_xyz" not in out.stderr
    assert "Traceback" not in out.stderr and not (tmp_path / "runs").exists()


@pytest.mark.slow
def test_truncation_and_style_mix_refuse_other_models_and_bad_values(tmp_path, capsys):
    from keras_gans import DCGAN, StyleGAN

    DCGAN(image_shape=(28, 28, 1), g_filters=4, d_filters=4).save(tmp_path / "dcgan.keras")
    StyleGAN(image_shape=(16, 16, 1), latent_dim=8, w_dim=8, mapping_layers=1, channel_base=64,
             channel_max=8).save(tmp_path / "sg.keras")
    cases = [
        (["sample", "dcgan.keras", "--truncation", "0.5"], "DCGAN has no truncation trick"),
        (["sample", "sg.keras", "--truncation", "1.5"], "truncation_psi must be in [0, 1]"),
        (["style-mix", "dcgan.keras", "--rows", "1", "--cols", "2"], "is not a StyleGAN .keras model"),
        (["style-mix", "sg.keras", "--rows", "1,x", "--cols", "2"], "--rows takes comma-separated integer seeds"),
        (["style-mix", "sg.keras", "--rows", "1", "--cols", "2", "--styles", "middle"], "are not a range"),
        (["style-mix", "sg.keras", "--rows", "1", "--cols", "2", "--truncation", "-1"], "truncation_psi must be in"),
    ]
    for args, message in cases:
        out = run_main(*args, "--out", "x.png", cwd=tmp_path, capsys=capsys)
        assert out.returncode == 2 and message in out.stderr, (args, out.returncode, out.stderr[-1500:])
        assert "Traceback" not in out.stderr and not (tmp_path / "x.png").exists()
