"""``keras-gans edit`` (iGAN's generative visual manipulation) end to end, and its bad input (exit 2, nothing
written)."""

import numpy as np
import pytest
from PIL import Image

from tests.cli.helpers import run_main


def strokes_png(path, size=28, alpha=True):
    """White horizontal strokes on a transparent layer (or, without alpha, black lines on white)."""
    if alpha:
        rgba = np.zeros((size, size, 4), np.uint8)
        rgba[8:10, 6:22] = (255, 255, 255, 255)
        rgba[18:20, 6:22] = (255, 255, 255, 255)
        Image.fromarray(rgba, "RGBA").save(path)
    else:
        rgb = np.full((size, size, 3), 255, np.uint8)
        rgb[4:24, 13:15] = 0
        Image.fromarray(rgb, "RGB").save(path)
    return str(path)


def test_edit_a_seed_with_strokes_and_a_sketch(saved_tiny_dcgan, tmp_path, capsys):
    colors, sketch = strokes_png(tmp_path / "c.png"), strokes_png(tmp_path / "s.png", alpha=False)
    out = run_main("edit", saved_tiny_dcgan, "--seed", "2", "--num", "2", "--colors", colors, "--sketch", sketch,
                   "--iterations", "100", "--frames", "4", "--out", "edits", cwd=tmp_path, capsys=capsys)
    assert out.returncode == 0, out.stderr[-2000:]
    folder = tmp_path / "edits"
    for i in range(2):
        assert np.asarray(Image.open(folder / f"{i:04d}_edited.png")).shape[:2] == (28, 28)
        with Image.open(folder / f"{i:04d}_morph.gif") as gif:
            assert gif.n_frames == 4 + 2  # forwards, then back
    latents = np.load(folder / "latents.npz")
    assert latents["start"].shape == latents["edited"].shape == (2, 16)
    rows = [line.split("\t") for line in (folder / "errors.tsv").read_text().splitlines()[1:]]
    for row in rows:
        color_before, color_after = float(row[1]), float(row[2])
        assert color_after < color_before, row
    # the start images are the model's samples of that seed
    import keras

    model = keras.models.load_model(saved_tiny_dcgan)
    start = np.asarray(Image.open(folder / "0000_start.png"))
    expected = np.round((model.generate(2, seed=2)[0, ..., 0] + 1) * 127.5)
    assert np.abs(start.astype(int) - expected.astype(int)).max() <= 1


@pytest.mark.parametrize("case, message", [
    (["--seed", "0", "--out", "o"], "nothing to edit"),
    (["--seed", "0", "--colors", "{plain}", "--out", "o"], "has no transparency"),
    (["--seed", "0", "--colors", "{big}", "--out", "o"], "is 32x32, the generator makes 28x28"),
    (["--seed", "0", "--colors", "missing.png", "--out", "o"], "no file missing.png"),
    (["--seed", "0", "--colors", "{empty}", "--out", "o"], "has no painted (opaque) pixel"),
    (["--seed", "0", "--sketch", "{plain}", "--frames", "1", "--out", "o"], "--frames >= 2"),
    (["--seed", "0", "--image", "x.png", "--sketch", "{plain}", "--out", "o"], "not allowed with argument"),
])
def test_bad_input_exits_2_and_writes_nothing(saved_tiny_dcgan, tmp_path, capsys, case, message):
    paths = dict(plain=strokes_png(tmp_path / "plain.png", alpha=False), big=strokes_png(tmp_path / "big.png", 32),
                 empty=str(tmp_path / "empty.png"))
    Image.fromarray(np.zeros((28, 28, 4), np.uint8), "RGBA").save(paths["empty"])
    out = run_main("edit", saved_tiny_dcgan, *[a.format(**paths) for a in case], cwd=tmp_path, capsys=capsys)
    assert out.returncode == 2, out.stderr[-2000:]
    assert message in out.stderr, out.stderr[-2000:]
    assert "Traceback" not in out.stderr and not (tmp_path / "o").exists()
