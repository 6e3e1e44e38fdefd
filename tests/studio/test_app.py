"""The studio end to end through its real HTTP API (gradio_client): every tab answers, bad input is a message in the
page (an AppError carrying our text) and the server keeps serving; ``keras-gans studio`` refuses what it cannot
serve with exit 2."""

import socket

import numpy as np
import pytest
from gradio_client import Client, handle_file
from PIL import Image

from keras_gans.studio import Studio, build_app
from tests.cli.helpers import run_main
from tests.studio.conftest import sketch_drawing


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(studio_models):
    """The studio of the test models, serving on 127.0.0.1, and a client of its HTTP API."""
    app = build_app(Studio(studio_models))
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/", Client(f"http://127.0.0.1:{port}/", verbose=False)
    finally:
        app.close()


def image(path):
    return np.asarray(Image.open(path).convert("RGB"))


def png(tmp_path, name, array):
    path = tmp_path / name
    Image.fromarray(array).save(path)
    return handle_file(str(path))


def test_every_tab_has_its_endpoint(served):
    _, client = served
    endpoints = set(client.view_api(return_format="dict", print_info=False)["named_endpoints"])
    assert {"/colour", "/edit_start", "/edit", "/sample", "/walk", "/style_mix", "/style", "/inpaint_start",
            "/inpaint"} <= endpoints


def test_sketch_tab_colours_a_drawing(served, tmp_path, studio_models):
    _, client = served
    seen, coloured = client.predict({"background": None, "layers": [], "composite": png(tmp_path, "d.png",
                                     sketch_drawing(column=90))}, "pix2pix", "AtoB", api_name="/colour")
    seen, coloured = image(seen), image(coloured)
    assert seen.shape == coloured.shape == (256, 256, 3)
    assert seen[128, 90].max() < 60 and seen[128, 200].min() == 255  # the stroke where it was drawn, white elsewhere
    model_input = seen[::8, ::8, :1]
    expected = studio_models["pix2pix"].translate(model_input)
    np.testing.assert_array_equal(coloured[::8, ::8, 0], expected[..., 0])


def test_explore_tab(served, studio_models):
    _, client = served
    grid = image(client.predict("dcgan", 3, 4, 1.0, api_name="/sample"))
    again = image(client.predict("dcgan", 3, 4, 1.0, api_name="/sample"))
    np.testing.assert_array_equal(grid, again)
    walk = image(client.predict("dcgan", 0, 8, api_name="/walk"))  # 4 walks of 8 steps
    assert walk.shape[1] > walk.shape[0]
    mixed = image(client.predict("stylegan", 1, 2, 2, api_name="/style_mix"))
    assert mixed.shape[1] > 2.5 * mixed.shape[0]


def test_edit_tab(served, tmp_path):
    _, client = served
    start = client.predict("dcgan", 5, api_name="/edit_start")
    background = image(start["background"] if isinstance(start, dict) else start)
    strokes = np.zeros((*background.shape[:2], 4), np.uint8)
    strokes[90:126, 45:207] = (255, 255, 255, 255)
    edited, morph = client.predict("dcgan", 5, {"background": png(tmp_path, "b.png", background),
                                                "layers": [png(tmp_path, "s.png", strokes)], "composite": None},
                                   "colour", 60, api_name="/edit")
    edited = image(edited)
    band = edited[90:126:9, 45:207:9].astype(float)
    assert band.mean() > background[90:126:9, 45:207:9].astype(float).mean()  # whiter where painted white
    assert image(morph).shape[1] > image(morph).shape[0]


def test_inpaint_tab(served, tmp_path):
    _, client = served
    start = client.predict("dcgan", 2, api_name="/inpaint_start")
    background = image(start["background"] if isinstance(start, dict) else start)
    hole = np.zeros((*background.shape[:2], 4), np.uint8)
    hole[90:162, 90:162] = (255, 255, 255, 255)
    kept, filled = client.predict("dcgan", {"background": png(tmp_path, "b.png", background),
                                            "layers": [png(tmp_path, "h.png", hole)], "composite": None},
                                  50, api_name="/inpaint")
    kept, filled = image(kept), image(filled)
    assert kept[126, 126].max() == 0 and kept.shape == filled.shape


def test_style_tab(served, tmp_path):
    _, client = served
    rng = np.random.default_rng(0)
    content = png(tmp_path, "c.png", rng.integers(0, 255, (64, 64, 3), dtype=np.uint8))
    style = png(tmp_path, "s.png", rng.integers(0, 255, (48, 48, 3), dtype=np.uint8))
    out = image(client.predict("adain", content, style, 1.0, None, 0.0, False, None, api_name="/style"))
    assert out.shape == (64, 64, 3)


def test_bad_input_is_a_message_and_the_server_keeps_serving(served, tmp_path):
    url, client = served
    # (the page offers each tab's models only: another model is refused by the page itself)
    with pytest.raises(Exception, match="dcgan is not in the list of choices") as error:
        client.predict({"background": None, "layers": [], "composite": png(tmp_path, "d.png", sketch_drawing())},
                       "dcgan", "AtoB", api_name="/colour")
    assert "Traceback" not in str(error.value)
    with pytest.raises(Exception, match="DCGAN has no style mixing"):
        client.predict("dcgan", 1, 2, 2, api_name="/style_mix")
    with pytest.raises(Exception, match="give a content image and a style image"):
        client.predict("adain", None, None, 1.0, None, 0.0, False, None, api_name="/style")
    # still serving, the same answers as before
    assert image(client.predict("dcgan", 3, 4, 1.0, api_name="/sample")).shape[0] > 0
    assert Client(url, verbose=False).predict("dcgan", 3, 4, 1.0, api_name="/sample")


@pytest.mark.parametrize("case, message", [
    (["studio", "missing.keras"], "no model file missing.keras"),
    (["studio", "preset:nope"], "no preset 'nope'"),
    (["studio", "--port", "0"], "--port must be in 1..65535"),
])
def test_the_command_refuses_what_it_cannot_serve(tmp_path, capsys, case, message):
    out = run_main(*case, cwd=tmp_path, capsys=capsys)
    assert out.returncode == 2 and message in out.stderr, out.stderr[-2000:]


def test_the_command_refuses_a_model_without_a_tab(tmp_path, capsys):
    from keras_gans import ConditionalGAN

    path = tmp_path / "cgan.keras"
    ConditionalGAN(num_classes=10, image_shape=(28, 28, 1)).save(path)
    out = run_main("studio", str(path), cwd=tmp_path, capsys=capsys)
    assert out.returncode == 2 and "the studio has no tab for" in out.stderr, out.stderr[-2000:]
