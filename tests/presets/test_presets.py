"""Presets (keras_gans.presets): the shipped models load, reproduce their model cards' metrics and fit the package's
size budget; save/load round trips; damaged files, unknown names and other classes are clear errors; the CLI takes
``preset:NAME``."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import DCGAN, GRAN, CycleGAN, Pix2Pix, StyleGAN, presets
from keras_gans.presets.measure import measure
from tests.cli.helpers import run_main

#: the presets the package ships (issue 23's list)
SHIPPED = {"cyclegan_sneaker2boot": CycleGAN, "dcgan_fashion_mnist": DCGAN, "pix2pix_fashion_edges": Pix2Pix,
           "stylegan2_fashion_mnist": StyleGAN}
#: every preset together, in the installed package (issue 23: <= 15 MB)
BUDGET_BYTES = 15_000_000


def test_the_shipped_presets_and_their_cards():
    assert presets.names() == sorted(SHIPPED)
    total = 0
    for name, cls in SHIPPED.items():
        card = presets.card(name)
        assert card["name"] == name and card["class"] == cls.__name__
        for key in ("description", "data", "command", "regenerate", "protocol", "metrics", "generator_steps"):
            assert card[key], (name, key)
        assert card["command"].startswith("keras-gans train ")
        assert card["generator_steps"] > 0
        total += os.path.getsize(os.path.join(presets.DATA, f"{name}.npz")) + \
            os.path.getsize(os.path.join(presets.DATA, f"{name}.json"))
    assert total <= BUDGET_BYTES, total


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_a_preset_reproduces_its_model_card(name):
    """The card's metrics, measured again on the loaded preset (float32 CPU kernels: the same numbers up to the
    summation order of another CPU; 2 % relative)."""
    model = SHIPPED[name].from_preset(name)
    card = presets.card(name)
    measured = measure(model, card["protocol"])
    assert set(measured) == set(card["metrics"])
    for key, value in card["metrics"].items():
        assert measured[key] == pytest.approx(value, rel=0.02, abs=1e-4), (key, measured[key], value)


def test_the_cards_say_the_presets_learned():
    """Not only reproducible: better than the untrained baselines the cards record."""
    pix2pix = presets.card("pix2pix_fashion_edges")["metrics"]
    assert pix2pix["mae_uint8"] < 0.5 * pix2pix["sketch_mae_uint8"]
    cyclegan = presets.card("cyclegan_sneaker2boot")["metrics"]
    assert cyclegan["fid_sneakers_as_boots"] < cyclegan["fid_sneakers_vs_boots"]
    assert presets.card("dcgan_fashion_mnist")["metrics"]["fid"] < 20.0
    assert presets.card("stylegan2_fashion_mnist")["metrics"]["fid"] < 20.0


def test_a_preset_trained_in_bfloat16_computes_in_float32():
    """The StyleGAN preset was trained in mixed bfloat16 (its card's command) and ships computing in float32, so it
    gives its card's numbers on any CPU; its truncation and style mixing work from the preset."""
    card = presets.card("stylegan2_fashion_mnist")
    assert "--precision mixed_bfloat16" in card["command"]
    model = StyleGAN.from_preset("stylegan2_fashion_mnist")
    assert model.precision_policy == "float32" and model.image_shape == (32, 32, 1)
    images = model.generate(4, seed=0, truncation_psi=0.7)
    assert images.dtype == np.float32 and images.shape == (4, 32, 32, 1) and np.isfinite(images).all()
    mixed = model.mix(1, 2, 4)
    assert mixed.shape == (1, 32, 32, 1) and np.abs(mixed - model.generate(1, seed=1)).max() > 0


def test_from_preset_takes_the_short_name_and_checks_the_class():
    model = DCGAN.from_preset("fashion_mnist")
    assert type(model) is DCGAN and model.image_shape == (28, 28, 1)
    images = model.generate(4, seed=0)
    assert images.shape == (4, 28, 28, 1) and np.isfinite(images).all()
    with pytest.raises(presets.PresetError, match="holds a DCGAN, not a GRAN"):
        GRAN.from_preset("dcgan_fashion_mnist")
    with pytest.raises(presets.PresetError, match="no preset 'nope'; the presets are: cyclegan_sneaker2boot"):
        presets.load("nope")


def small_model():
    model = DCGAN(image_shape=(28, 28, 1), g_filters=8, d_filters=8, latent_dim=16, seed=0)
    model.compile()
    x = np.random.default_rng(0).uniform(-1, 1, (64, 28, 28, 1)).astype("float32")
    model.fit(tf.data.Dataset.from_tensor_slices(x).batch(32), epochs=1, verbose=0)
    return model


def test_save_and_load_round_trip(tmp_path):
    model = small_model()
    card = presets.save(model, "tiny", {"description": "a test"}, directory=str(tmp_path))
    assert card["class"] == "DCGAN" and card["stored_float"] == "float16" and len(card["sha256"]) == 64
    assert presets.names(str(tmp_path)) == ["tiny"]
    loaded = presets.load("tiny", directory=str(tmp_path))
    # float16 storage: weights within float16 rounding; the images agree to a few 1e-3
    for a, b in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)
    assert np.abs(loaded.generate(8, seed=3) - model.generate(8, seed=3)).max() < 5e-3
    loaded.compile()  # trains further with fresh optimizers
    loaded.fit(tf.data.Dataset.from_tensor_slices(np.zeros((32, 28, 28, 1), "float32")).batch(32), verbose=0)


def test_a_damaged_or_replaced_preset_is_refused(tmp_path):
    presets.save(small_model(), "tiny", {}, directory=str(tmp_path))
    path = tmp_path / "tiny.npz"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(presets.PresetError, match="does not match its model card"):
        presets.load("tiny", directory=str(tmp_path))
    card = json.loads((tmp_path / "tiny.json").read_text())
    assert card["name"] == "tiny"


def test_the_cli_takes_preset_names(tmp_path, capsys):
    out = run_main("sample", "preset:dcgan_fashion_mnist", "--num", "4", "--seed", "1", "--out", "s.png", cwd=tmp_path,
                   capsys=capsys)
    assert out.returncode == 0, out.stderr[-2000:]
    from PIL import Image

    grid = np.asarray(Image.open(tmp_path / "s.png"))
    expected = np.round((DCGAN.from_preset("fashion_mnist").generate(4, seed=1)[0, ..., 0] + 1) * 127.5)
    assert np.abs(grid[2:30, 2:30].astype(int) - expected.astype(int)).max() <= 1
    out = run_main("sample", "preset:nope", "--out", "t.png", cwd=tmp_path, capsys=capsys)
    assert out.returncode == 2 and "no preset 'nope'" in out.stderr and not (tmp_path / "t.png").exists()
