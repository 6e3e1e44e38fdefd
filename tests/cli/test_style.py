"""``keras-gans train adain`` and ``keras-gans stylize`` end to end on real images, and their bad input."""

import csv

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_sample_images

from keras_gans.cli import main
from keras_gans.networks.vgg import build_vgg19_encoder, save_vgg19_weights_npz
from tests.cli.helpers import run_cli
from tests.model_checks import write_paired_encoder_weights


@pytest.fixture(scope="module")
def data(tmp_path_factory, fashion):
    """Content: 6 real garments (grayscale PNG, converted to RGB by the CLI); style: 3 crops of real photographs;
    a 1/16-width random encoder in a weights file (``write_paired_encoder_weights``)."""
    root = tmp_path_factory.mktemp("adain_cli")
    content, style = root / "content", root / "style"
    content.mkdir()
    style.mkdir()
    for i, g in enumerate(np.round((fashion[0][:6, ..., 0] + 1) * 127.5).astype(np.uint8)):
        Image.fromarray(g, "L").resize((40, 40)).save(content / f"garment{i}.png")
    photos = load_sample_images().images
    for i, (y, x) in enumerate([(0, 0), (150, 200), (250, 300)]):
        Image.fromarray(photos[i % 2][y : y + 120, x : x + 160]).save(style / f"photo{i}.jpg")
    weights = write_paired_encoder_weights(root / "vgg_small.npz")
    mask = np.zeros((40, 40), np.uint8)
    mask[:, 20:] = 255
    Image.fromarray(mask).save(root / "mask.png")
    return root, content, style, weights


@pytest.mark.slow
def test_train_resume_export_and_stylize(data, tmp_path, capsys):
    root, content, style, weights = data
    common = ["train", "adain", "--content", str(content), "--style", str(style), "--width", "0.0625",
              "--encoder-weights", str(weights), "--load-size", "40", "--crop-size", "32", "--batch-size", "2",
              "--steps-per-epoch", "2"]
    # (--resume goes through the shared run_training/load_checkpoint that tests/cli/test_gan.py covers; the exact
    # resume of this model is tests/models/test_adain.py::test_save_load_resume_exact)
    first = run_cli(*common, "--epochs", "1", cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "content: converted 6 grayscale image(s) to RGB" in first.stdout
    run = tmp_path / "runs" / "adain"
    for name in ("model.keras", "history.csv", "checkpoints/ckpt-0000000002/model.keras", "samples/epoch_0001.png"):
        assert (run / name).exists(), name
    grid = np.asarray(Image.open(run / "samples" / "epoch_0001.png"))
    assert grid.shape == (3 * 34 + 2, 4 * 34 + 2, 3)  # content, style and stylized rows of 4 crops
    assert [r["epoch"] for r in csv.DictReader(open(run / "history.csv"))] == ["0"]
    assert {"loss", "content_loss", "style_loss"} <= set(next(csv.DictReader(open(run / "history.csv"))))
    saved = tmp_path / "savedmodels" / "adain" / "1"
    assert (saved / "saved_model.pb").exists()

    # stylize from the .keras file and from the SavedModel: same images (to uint8 rounding)
    images = [str(content / "garment0.png"), str(content / "garment1.png")]
    styles = [str(style / "photo0.jpg"), str(style / "photo1.jpg")]
    for model, out in ((run / "model.keras", "k"), (saved, "s")):
        code = main(["stylize", str(model), *images, "--style", *styles, "--weights", "1", "3", "--alpha", "0.8",
                     "--out", str(tmp_path / out)])
        assert code == 0
    assert "content image " + images[0] + " is grayscale: converted to RGB" in capsys.readouterr().out
    for name in ("garment0", "garment1"):
        a = np.asarray(Image.open(tmp_path / "k" / f"{name}_stylized.png")).astype(int)
        b = np.asarray(Image.open(tmp_path / "s" / f"{name}_stylized.png")).astype(int)
        assert a.shape == (40, 40, 3) and np.abs(a - b).max() <= 1
    # the masked signature with colour preservation: the SavedModel gives the .keras model's images (the
    # Python path's own checks are in tests/models/test_adain.py). Two steps of training leave the decoder's
    # output mostly below 0 (black after clipping), so the mask's and the colour option's effects are asserted
    # as "more than uint8 rounding" against the run without each; --seed makes the run the same every time.
    mask = ["--mask", str(root / "mask.png")]
    for model, out, extra in ((run / "model.keras", "mask_k", mask), (saved, "mask_s", mask), (saved, "color_s", []),
                              (saved, "color_w", ["--weights", "1", "3", "--alpha", "0.8"])):
        code = main(["stylize", str(model), images[0], "--style", *styles, *extra, "--preserve-color",
                     "--out", str(tmp_path / out)])
        assert code == 0
    masked, masked_keras, color, color_weighted, plain_weighted = (
        np.asarray(Image.open(tmp_path / out / "garment0_stylized.png")).astype(int)
        for out in ("mask_s", "mask_k", "color_s", "color_w", "s"))
    assert masked.shape == (40, 40, 3) and np.abs(masked - masked_keras).max() <= 1
    assert np.abs(masked - color).max() > 1, "the mask changed nothing"
    assert np.abs(color_weighted - plain_weighted).max() > 1, "--preserve-color changed nothing"

    # the SavedModel's own checks are bad input too (exit 2, nothing written), not a TensorFlow traceback
    Image.fromarray(np.zeros((12, 12, 3), np.uint8)).save(tmp_path / "tiny.png")
    Image.open(style / "photo2.jpg").resize((80, 60)).save(tmp_path / "small_style.png")
    for inputs, message in (([str(tmp_path / "tiny.png"), "--style", *styles], "content images must be at least 16x16"),
                            ([images[0], "--style", styles[0], str(tmp_path / "small_style.png")],
                             "a SavedModel takes style images of one size")):
        code = main(["stylize", str(saved), *inputs, "--out", str(tmp_path / "bad")])
        assert code == 2
        assert message in capsys.readouterr().err
        assert not (tmp_path / "bad").exists()


@pytest.mark.parametrize("args, message", [
    (["--alpha", "1.5"], r"alpha (the content-style trade-off) must be a number in [0, 1], got 1.5"),
    (["--alpha", "-0.5"], "must be a number in [0, 1]"),
    (["--weights", "1"], "style_weights has 1 value(s) for 2 style image(s)"),
    (["--mask", "{root}/small_mask.png"], "mask is 20x20 but the content image is 40x40"),
    (["--mask", "{root}/three_regions.png"], "mask has 3 regions (ids 0..2) but only 2 style image(s)"),
    (["--mask", "{root}/mask.png", "--weights", "1", "1"], "pass one"),
    (["--style", "{root}/no_such.jpg"], "style image {root}/no_such.jpg does not exist"),
    (["--style", "{root}/broken.jpg"], "cannot read style image {root}/broken.jpg"),
])
def test_stylize_bad_input_exits_2_and_writes_nothing(data, tmp_path, capsys, args, message):
    root, content, style, _ = data
    Image.fromarray(np.zeros((20, 20), np.uint8)).save(root / "small_mask.png")
    Image.fromarray(np.repeat(np.array([0, 100, 200], np.uint8), [14, 13, 13])[None].repeat(40, 0)).save(
        root / "three_regions.png")
    (root / "broken.jpg").write_bytes(b"\xff\xd8 not a jpeg")
    args = [a.format(root=root) for a in args]
    styles = [] if "--style" in args else ["--style", str(style / "photo0.jpg"), str(style / "photo1.jpg")]
    code = main(["stylize", str(root / "model_not_needed.keras"), str(content / "garment0.png"), *styles, *args,
                 "--out", str(tmp_path / "out")])
    assert code == 2
    assert message.format(root=root) in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_train_bad_input_exits_2(data, tmp_path, capsys):
    root, content, style, weights = data
    wrong = save_vgg19_weights_npz(build_vgg19_encoder(width=1 / 8), tmp_path / "wide.npz")
    base = ["train", "adain", "--load-size", "40", "--crop-size", "32", "--batch-size", "2", "--out",
            str(tmp_path / "run")]
    cases = [
        (["--content", str(root / "nope"), "--style", str(style)], "content folder"),
        (["--content", str(content), "--style", str(style), "--width", "0.0625", "--encoder-weights", str(wrong)],
         "layer 'block1_conv1' has shapes"),
        (["--content", str(content), "--style", str(style), "--crop-size", "36", "--load-size", "40"],
         "crop_size must be a multiple of 8"),
    ]
    for extra, message in cases:
        assert main(base + extra) == 2
        assert message in capsys.readouterr().err
        assert not (tmp_path / "run" / "model.keras").exists()
