"""Exported SavedModels in the studio (keras_gans.studio.served): each tab their signatures allow gives the same images
as the .keras model it was exported from, and the tabs they cannot serve say why."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import serving
from keras_gans.core.images import to_uint8
from keras_gans.latent import walk
from keras_gans.serving.saved_model import INFO_FILE
from keras_gans.studio import Studio, served
from tests.cli.helpers import run_main
from tests.studio.conftest import sketch_drawing


@pytest.fixture(scope="module")
def exports(studio_models, tmp_path_factory):
    root = tmp_path_factory.mktemp("studio_exports")
    paths = {}
    for name in ("dcgan", "stylegan", "pix2pix", "cyclegan", "adain"):
        paths[name] = serving.export(studio_models[name], root / name)
    return paths


@pytest.fixture(scope="module")
def studio(exports):
    return Studio({name: served(tf.saved_model.load(path), path) for name, path in exports.items()})


def test_the_export_says_what_its_model_is(exports, studio_models):
    with open(os.path.join(exports["pix2pix"], INFO_FILE)) as f:
        info = json.load(f)
    assert info["class"] == "Pix2Pix" and info["image_size"] == 32 and info["channels"] == {"AtoB": [1, 1]}
    assert serving.read_model_info(exports["cyclegan"])["directions"] == ["AtoB", "BtoA"]
    stylegan = serving.read_model_info(exports["stylegan"])
    assert stylegan["num_ws"] == studio_models["stylegan"].num_ws and stylegan["image_shape"] == [16, 16, 1]


def test_exports_are_sorted_into_the_tabs_they_allow(studio):
    assert studio.names("generate") == ["dcgan", "stylegan"]
    assert studio.names("translate") == ["pix2pix", "cyclegan"]
    assert studio.names("style") == ["adain"]


def test_explore_gives_the_keras_models_images(studio, studio_models):
    dcgan, stylegan = studio.models["dcgan"], studio.models["stylegan"]
    np.testing.assert_array_equal(dcgan.generate(5, seed=3), to_uint8(studio_models["dcgan"].generate(5, seed=3)))
    expected_walk = to_uint8(walk(studio_models["dcgan"], 4, seed=2, rows=2))
    assert np.abs(dcgan.walk_images(4, 2, 2).astype(int) - expected_walk).max() <= 1  # (float round-off at .5)
    np.testing.assert_array_equal(studio.walk("dcgan", 2, 4, 2), studio.walk("dcgan", 2, 4, 2))
    keras_stylegan = studio_models["stylegan"]
    assert stylegan.num_ws == keras_stylegan.num_ws and stylegan.image_shape == (16, 16, 1)
    for psi in (1.0, 0.5):
        np.testing.assert_array_equal(stylegan.generate(3, seed=7, truncation_psi=psi),
                                      to_uint8(keras_stylegan.generate(3, seed=7, truncation_psi=psi)))
    np.testing.assert_array_equal(stylegan.mix(1, 2, 3), to_uint8(keras_stylegan.mix(1, 2, 3)))
    # the page's handlers on the export: psi 0 is the average image for every seed; a DCGAN has no truncation
    np.testing.assert_array_equal(studio.sample("stylegan", 1, 4, 0.0), studio.sample("stylegan", 2, 4, 0.0))
    assert studio.style_mix("stylegan", 1, 2, 2).shape[1] > 2.5 * studio.style_mix("stylegan", 1, 2, 2).shape[0]
    with pytest.raises(ValueError, match="no truncation trick"):
        studio.sample("dcgan", 0, 4, 0.5)


def test_edit_and_inpaint_need_the_keras_model(studio):
    start = studio.start_image("dcgan", 5)  # the start image is a sample: the export gives it
    strokes = np.zeros(start.shape[:2] + (4,), np.uint8)
    strokes[90:126, 45:207] = 255
    with pytest.raises(ValueError, match="edit: a SavedModel serves uint8 images.*open the .keras model"):
        studio.edit("dcgan", 5, {"background": start, "layers": [strokes]}, "colour", 10)
    with pytest.raises(ValueError, match="inpaint: a SavedModel serves uint8 images"):
        studio.inpaint("dcgan", {"background": start, "layers": [strokes]}, 10)


def test_sketch_colours_with_the_export_as_with_the_model(studio, studio_models):
    from keras_gans.studio.handlers import Studio as KerasStudio

    keras_studio = KerasStudio({"pix2pix": studio_models["pix2pix"], "cyclegan": studio_models["cyclegan"]})
    for name, direction in (("pix2pix", "AtoB"), ("cyclegan", "BtoA")):
        seen, coloured = studio.colour(sketch_drawing(column=90), name, direction)
        seen_keras, coloured_keras = keras_studio.colour(sketch_drawing(column=90), name, direction)
        np.testing.assert_array_equal(seen, seen_keras)
        assert np.abs(coloured.astype(int) - coloured_keras.astype(int)).max() <= 1


def test_style_with_the_export_as_with_the_model(studio, studio_models):
    rng = np.random.default_rng(0)
    content, first, second = (rng.integers(0, 256, (64, 64, 3), dtype=np.uint8) for _ in range(3))
    mask = np.zeros((64, 64, 3), np.uint8)
    mask[:, :32] = 255  # light: the first style on the left
    keras_studio = Studio({"adain": studio_models["adain"]})
    for args in ((0.7, None, 0.0, False, None), (1.0, second, 0.3, True, None), (1.0, second, 0.0, False, mask)):
        out, expected = studio.style("adain", content, first, *args), keras_studio.style("adain", content, first, *args)
        assert out.shape == expected.shape == (64, 64, 3)
        assert np.abs(out.astype(int) - expected.astype(int)).max() <= 1


def test_an_old_translation_export_asks_to_be_exported_again(exports, tmp_path):
    import shutil

    old = tmp_path / "old_pix2pix"
    shutil.copytree(exports["pix2pix"], old)
    os.remove(old / INFO_FILE)
    with pytest.raises(ValueError, match="does not say the size its model was trained at"):
        served(tf.saved_model.load(str(old)), str(old))


def test_the_command_opens_exports_and_refuses_those_without_a_tab(exports, tmp_path, capsys):
    from keras_gans import ConditionalGAN
    from keras_gans.cli.studio import make_app

    app = make_app([exports["dcgan"], exports["pix2pix"], "preset:dcgan_fashion_mnist"])
    assert {"sample", "colour", "edit"} <= {d.get("api_name") for d in app.config["dependencies"]}
    cgan = serving.export(ConditionalGAN(num_classes=10, image_shape=(28, 28, 1)), tmp_path / "cgan")
    out = run_main("studio", cgan, cwd=tmp_path, capsys=capsys)
    assert out.returncode == 2 and f"the SavedModel {cgan} is conditional" in out.stderr, out.stderr[-2000:]
    (tmp_path / "style_only").mkdir()  # a SavedModel with signatures the studio has no tab for
    style_only = tf.Module()
    style_only.f = tf.function(lambda x: {"y": x + 1}, input_signature=[tf.TensorSpec([None], tf.float32)])
    tf.saved_model.save(style_only, str(tmp_path / "style_only"), signatures={"encode": style_only.f})
    out = run_main("studio", str(tmp_path / "style_only"), cwd=tmp_path, capsys=capsys)
    assert out.returncode == 2 and "the studio has no tab for the SavedModel" in out.stderr, out.stderr[-2000:]
