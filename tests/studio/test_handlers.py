"""The studio's tabs as plain Python (keras_gans.studio.Studio): every tab gives images of the expected kind, follows
its input, and refuses bad input with a message the page shows."""

import numpy as np
import pytest

from keras_gans.studio import Studio
from keras_gans.studio.handlers import display, painted
from tests.studio.conftest import sketch_drawing


@pytest.fixture(scope="module")
def studio(studio_models):
    return Studio(studio_models)


def test_models_are_sorted_into_tabs(studio):
    assert studio.names("translate") == ["pix2pix", "cyclegan"]  # one direction first: sketch -> colour
    assert studio.names("style") == ["adain"]
    assert studio.names("generate") == ["dcgan", "stylegan"]


def test_sketch_to_colour_follows_the_drawing(studio):
    seen, coloured = studio.colour(sketch_drawing(column=80), "pix2pix")
    seen2, coloured2 = studio.colour(sketch_drawing(column=170), "pix2pix")
    assert seen.shape == coloured.shape == (256, 256, 3) and seen.dtype == coloured.dtype == np.uint8
    assert np.abs(seen.astype(int) - seen2.astype(int)).max() > 100  # the stroke moved
    # and so did the colouring (the briefly trained model's outputs differ a little; the same drawing gives the same
    # output, below, so the difference is the drawing's)
    assert np.abs(coloured.astype(int) - coloured2.astype(int)).max() > 0
    assert studio.colour(None, "pix2pix") == (None, None)  # an untouched canvas: nothing to show yet
    blank = np.zeros((256, 256, 4), np.uint8)  # an empty (transparent) sketchpad is white paper
    assert studio.colour(blank, "pix2pix")[0].min() == 255
    editor_value = {"background": None, "layers": [], "composite": sketch_drawing(column=80)}
    np.testing.assert_array_equal(studio.colour(editor_value, "pix2pix")[1], coloured)


def test_cyclegan_translates_the_drawing_both_ways(studio, studio_models):
    seen, forwards = studio.colour(sketch_drawing(column=80), "cyclegan", "AtoB")
    _, backwards = studio.colour(sketch_drawing(column=80), "cyclegan", "BtoA")
    model = studio_models["cyclegan"]
    np.testing.assert_array_equal(forwards[::8, ::8, 0], model.translate(seen[::8, ::8, :1], "AtoB")[..., 0])
    np.testing.assert_array_equal(backwards[::8, ::8, 0], model.translate(seen[::8, ::8, :1], "BtoA")[..., 0])
    with pytest.raises(ValueError, match="the direction is AtoB or BtoA"):
        studio.colour(sketch_drawing(), "cyclegan", "sideways")


def test_explore_samples_walks_truncates_and_mixes(studio, studio_models):
    grid = studio.sample("dcgan", 3, 4)
    assert grid.dtype == np.uint8 and grid.ndim == 3
    np.testing.assert_array_equal(grid, studio.sample("dcgan", 3, 4))  # a seed names its images
    assert np.abs(grid.astype(int) - studio.sample("dcgan", 4, 4).astype(int)).max() > 0
    assert studio.walk("dcgan", 0, 4).shape[1] > studio.walk("dcgan", 0, 2).shape[1]
    # psi 0: the average image for every seed, so two seeds' grids are equal; at psi 1 they differ
    np.testing.assert_array_equal(studio.sample("stylegan", 1, 4, 0.0), studio.sample("stylegan", 2, 4, 0.0))
    assert np.abs(studio.sample("stylegan", 1, 4).astype(int) - studio.sample("stylegan", 2, 4).astype(int)).max() > 0
    mixed = studio.style_mix("stylegan", 1, 2, 2)
    assert mixed.shape[1] > 2.5 * mixed.shape[0]  # A | B | A with B's styles, side by side
    with pytest.raises(ValueError, match="DCGAN has no truncation trick"):
        studio.sample("dcgan", 0, 4, 0.5)
    with pytest.raises(ValueError, match="DCGAN has no style mixing"):
        studio.style_mix("dcgan", 1, 2, 2)


def test_edit_follows_the_painted_strokes(studio, studio_models):
    start = studio.start_image("dcgan", 5)
    assert start.shape == (252, 252, 3)  # 28 px x 9
    strokes = np.zeros((252, 252, 4), np.uint8)
    strokes[90:126, 45:207] = (255, 255, 255, 255)  # a white band over the middle
    edited, morph = studio.edit("dcgan", 5, {"background": start, "layers": [strokes], "composite": None}, "colour",
                                100)
    colours, mask = painted(strokes, (28, 28, 1))
    model = studio_models["dcgan"]
    before = model.generate(1, seed=5)[0, ..., 0]
    after = edited[::9, ::9, 0].astype(np.float32) / 127.5 - 1
    band = mask > 0
    assert np.mean((after[band] - 1.0) ** 2) < 0.5 * np.mean((before[band] - 1.0) ** 2)
    assert morph.shape[1] > morph.shape[0]  # six frames side by side
    with pytest.raises(ValueError, match="paint at least one stroke"):
        studio.edit("dcgan", 5, {"background": start, "layers": [np.zeros_like(strokes)]}, "colour", 10)


def test_inpaint_fills_the_brushed_hole(studio):
    start = studio.start_image("dcgan", 2)
    hole = np.zeros((252, 252, 4), np.uint8)
    hole[90:162, 90:162] = (255, 255, 255, 255)
    kept, filled = studio.inpaint("dcgan", {"background": start, "layers": [hole]}, 50)
    assert kept.shape == filled.shape == (252, 252, 3)
    inside = (slice(90, 162), slice(90, 162))
    assert kept[inside].max() == 0 and filled[inside].max() > 0  # the hole is shown erased, and filled
    # with the model that made the picture, the fill is nearer the erased pixels than the black hole is
    original = np.asarray(start, np.float32)[..., :3][inside]
    assert np.mean((filled[inside] - original) ** 2) < 0.5 * np.mean(original ** 2)
    np.testing.assert_array_equal(kept[:72], filled[:72])  # known pixels are kept (Poisson blending) -- rows above
    with pytest.raises(ValueError, match="brush over the part"):
        studio.inpaint("dcgan", {"background": start, "layers": []}, 50)
    with pytest.raises(ValueError, match="generate or upload an image first"):
        studio.inpaint("dcgan", {"background": None, "layers": [hole]}, 50)


def test_style_transfer_with_alpha_two_styles_and_a_mask(studio):
    rng = np.random.default_rng(0)
    content = rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)
    style_a, style_b = rng.integers(0, 255, (48, 48, 3), dtype=np.uint8), np.full((48, 48, 3), 200, np.uint8)
    full = studio.style("adain", content, style_a, 1.0)
    none = studio.style("adain", content, style_a, 0.0)
    assert full.shape == (64, 64, 3) and np.abs(full.astype(int) - none.astype(int)).mean() > 0
    mix = studio.style("adain", content, style_a, 1.0, style_b, 0.5)
    mask = np.full((64, 64, 3), 255, np.uint8)
    mask[:, 32:] = 0
    regions = studio.style("adain", content, style_a, 1.0, style_b, 0.0, False, mask)
    assert mix.shape == regions.shape == (64, 64, 3)
    with pytest.raises(ValueError, match="a region mask needs a second style"):
        studio.style("adain", content, style_a, 1.0, None, 0.0, False, mask)


@pytest.mark.parametrize("call, message", [
    (lambda s: s.colour(sketch_drawing(), "dcgan"), "dcgan is a DCGAN; this tab needs an image-to-image model"),
    (lambda s: s.colour(np.zeros((4, 4, 3), np.uint8), "pix2pix"), "at least 8x8 pixels"),
    (lambda s: s.colour(np.zeros((64, 64, 2), np.uint8), "pix2pix"), "1, 3 or 4 channels"),
    (lambda s: s.sample("nope", 0), "no model 'nope' in this session"),
    (lambda s: s.sample("dcgan", -1), r"seed must be a whole number in \[0,"),
    (lambda s: s.sample("dcgan", 1.5), "seed must be a whole number"),
    (lambda s: s.style("dcgan", None, None), "this tab needs an AdaIN style-transfer model"),
    (lambda s: s.style("adain", None, None), "give a content image and a style image"),
    (lambda s: s.edit("dcgan", 0, np.zeros((252, 252, 3), np.uint8)), "must be an RGBA layer"),
])
def test_bad_input_is_a_message(studio, call, message):
    with pytest.raises(ValueError, match=message):
        call(studio)


def test_display_scales_by_whole_factors():
    image = display(np.zeros((28, 28, 1), np.uint8))
    assert image.shape == (252, 252, 3)
    assert display(np.zeros((32, 32, 3), np.uint8)).shape == (256, 256, 3)
