"""``keras-gans walk | arithmetic | invert | inpaint`` end to end (in process) and their bad inputs."""

import os

import keras
import numpy as np
from PIL import Image

from keras_gans.cli import main
from keras_gans.datasets import to_uint8


def write_images(folder, images, mode="L"):
    os.makedirs(folder, exist_ok=True)
    paths = []
    for i, image in enumerate(to_uint8(images)):
        path = os.path.join(folder, f"img{i}.png")
        Image.fromarray(image[..., 0]).convert(mode).save(path)
        paths.append(path)
    return paths


def test_walk_and_arithmetic(saved_tiny_dcgan, tmp_path, capsys):
    gif, grid = str(tmp_path / "walk.gif"), str(tmp_path / "walk.png")
    assert main(["walk", saved_tiny_dcgan, "--steps", "4", "--seed", "2", "--rows", "3", "--out", gif,
                 "--grid", grid]) == 0
    with Image.open(gif) as image:
        assert image.n_frames == 4 + 2
    assert np.asarray(Image.open(grid)).shape == (3 * 30 + 2, 4 * 30 + 2)
    assert main(["walk", saved_tiny_dcgan, "--steps", "1", "--out", str(tmp_path / "w1.gif")]) == 2
    assert "steps >= 2" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "w1.gif")

    out = str(tmp_path / "arith.png")
    assert main(["arithmetic", saved_tiny_dcgan, "0,1,2 - 3,4,5 + 6,7,8", "--num", "16", "--out", out]) == 0
    assert np.asarray(Image.open(out)).shape == (4 * 30 + 2, 9 * 30 + 2)  # 3 term rows + result and 8 variations
    assert main(["arithmetic", saved_tiny_dcgan, "0,1 - 99", "--num", "16", "--out", out + "2"]) == 2
    assert "indices must be in [0, 16)" in capsys.readouterr().err


def test_invert_and_inpaint(saved_tiny_dcgan, held_out, tmp_path, capsys):
    paths = write_images(str(tmp_path / "in"), held_out[:2])
    out = str(tmp_path / "filled")
    assert main(["inpaint", saved_tiny_dcgan, *paths, "--mask", "center", "--iterations", "5", "--out", out]) == 0
    for stem in ("img0", "img1"):
        filled = np.asarray(Image.open(os.path.join(out, f"{stem}_filled.png")))
        original = np.asarray(Image.open(os.path.join(tmp_path, "in", f"{stem}.png")))
        known = np.ones((28, 28), bool)
        known[7:21, 7:21] = False
        np.testing.assert_array_equal(filled[known], original[known])
    assert main(["inpaint", saved_tiny_dcgan, *paths, "--out", out]) == 2  # exists: refused
    assert "already exists" in capsys.readouterr().err

    inv = str(tmp_path / "inverted")
    assert main(["invert", saved_tiny_dcgan, *paths[:2], "--iterations", "5", "--restarts", "1", "--out", inv]) == 0
    assert np.load(os.path.join(inv, "latents.npy")).shape == (2, 16)
    assert len(open(os.path.join(inv, "errors.tsv")).read().splitlines()) == 3


def test_bad_inputs_exit_2_and_write_nothing(saved_tiny_dcgan, held_out, tmp_path, capsys):
    good = write_images(str(tmp_path / "good"), held_out[:1])
    rgb = write_images(str(tmp_path / "rgb"), held_out[:1], mode="RGB")
    big = str(tmp_path / "big.png")
    Image.new("L", (32, 32)).save(big)
    full = str(tmp_path / "full.png")
    Image.new("L", (28, 28), 255).save(full)
    empty = str(tmp_path / "empty.png")
    Image.new("L", (28, 28), 0).save(empty)
    classifier = str(tmp_path / "classifier.keras")
    keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(2)]).save(classifier)
    cases = [
        ([saved_tiny_dcgan, *rgb], "3 channel"),
        ([saved_tiny_dcgan, big], "32x32, the generator makes 28x28"),
        ([saved_tiny_dcgan, *good, "--mask", full], "no missing pixels"),
        ([saved_tiny_dcgan, *good, "--mask", empty], "no known pixels"),
        ([saved_tiny_dcgan, *good, "--mask", big], "mask is 32x32"),
        ([classifier, *good], "has no generator"),
        ([str(tmp_path / "nope.keras"), *good], "no model file"),
    ]
    for i, (args, message) in enumerate(cases):
        out = str(tmp_path / f"out{i}")
        assert main(["inpaint", *args, "--iterations", "2", "--out", out]) == 2, message
        assert message in capsys.readouterr().err, message
        assert not os.path.exists(out) and not [p for p in os.listdir(tmp_path) if p.startswith(f".out{i}")]
