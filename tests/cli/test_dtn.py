"""keras-gans train classifier / train dtn / evaluate dtn / translate-dtn end to end, and bad inputs."""

import csv
import os

import numpy as np
import pytest
from PIL import Image

from tests.cli.helpers import run_main

TINY = ["--batch-size", "16", "--seed", "0"]


def _folder(path, n, size, mode="RGB"):
    path.mkdir(parents=True)
    for i in range(n):
        shape = (size, size, 3) if mode == "RGB" else (size, size)
        Image.fromarray(np.full(shape, (40 * i) % 256, np.uint8), mode).save(path / f"im{i}.png")
    return path


@pytest.mark.slow
def test_classifier_dtn_evaluate_translate_end_to_end(tmp_path, capsys):
    cli = lambda *args: run_main(*args, cwd=tmp_path, capsys=capsys)  # noqa: E731
    f = cli("train", "classifier", "--domain", "printed", "--num-train", "160", "--num-test", "20", "--epochs", "1",
            "--filters", "4", "--out", "f", *TINY)
    assert f.returncode == 0, f.stderr[-3000:]
    assert (tmp_path / "f" / "classifier.keras").exists() and "test_accuracy" in f.stdout
    t = cli("train", "classifier", "--domain", "handwritten", "--num-test", "20", "--epochs", "1", "--filters", "4",
            "--out", "t", *TINY)
    assert t.returncode == 0, t.stderr[-3000:]

    common = ["train", "dtn", "--num-source", "64", "--g-filters", "4", "--d-filters", "4", "--num-samples", "4",
              "--steps-per-epoch", "2", *TINY]
    # an f trained on 1-channel handwritten digits cannot read the 3-channel printed source
    wrong_f = cli(*common, "--classifier", "t/classifier.keras", "--out", "bad")
    assert wrong_f.returncode == 2 and "the classifier's f takes (32, 32, 1)" in wrong_f.stderr
    assert not (tmp_path / "bad" / "model.keras").exists()

    dtn = cli(*common, "--classifier", "f/classifier.keras", "--epochs", "1", "--out", "dtn")
    assert dtn.returncode == 0, dtn.stderr[-3000:]
    for name in ("model.keras", "history.csv", "checkpoints/ckpt-0000000002/model.keras", "samples/epoch_0001.png"):
        assert (tmp_path / "dtn" / name).exists(), name
    assert (tmp_path / "savedmodels" / "dtn" / "1" / "saved_model.pb").exists()
    assert [r["epoch"] for r in csv.DictReader(open(tmp_path / "dtn" / "history.csv"))] == ["0"]

    ev = cli("evaluate-dtn", "dtn/model.keras", "--target-classifier", "t/classifier.keras", "--num-source-test",
             "40", "--num-source-train", "32", "--epochs", "1", "--baseline", "--csv", "eval.csv")
    assert ev.returncode == 0, ev.stderr[-3000:]
    rows = list(csv.DictReader(open(tmp_path / "eval.csv")))
    assert [r["generator"] for r in rows] == ["trained", "untrained"]
    for r in rows:
        assert 0.0 <= float(r["transfer_accuracy"]) <= 1.0 and 0.0 <= float(r["domain_adaptation_accuracy"]) <= 1.0
        assert r["source_test_images"] == "40" and r["target_test_images"] == "500"
    assert "transfer accuracy" in ev.stdout and "domain adaptation" in ev.stdout

    # missing labels when the evaluation needs them
    unlabelled = _folder(tmp_path / "unlabelled", 4, 32)
    nolabels = cli("evaluate", "dtn", "dtn/model.keras", "--target-classifier", "t/classifier.keras",
                   "--source-test", str(unlabelled), "--num-source-train", "32", "--csv", "x.csv")
    assert nolabels.returncode == 2 and "needs labels" in nolabels.stderr and not (tmp_path / "x.csv").exists()

    # translate from the SavedModel and from the .keras file: same images (within one uint8 level)
    inputs = _folder(tmp_path / "inputs", 3, 32)
    a = cli("translate-dtn", "savedmodels/dtn/1", "--inputs", str(inputs), "--out", "a")
    b = cli("translate-dtn", "dtn/model.keras", "--inputs", str(inputs), "--out", "b")
    assert a.returncode == 0 and b.returncode == 0, a.stderr[-2000:] + b.stderr[-2000:]
    for name in ("im0.png", "im1.png", "im2.png", "grid.png"):
        x = np.asarray(Image.open(tmp_path / "a" / name)).astype(int)
        y = np.asarray(Image.open(tmp_path / "b" / name)).astype(int)
        assert x.shape == y.shape and np.abs(x - y).max() <= 1, name
    assert np.asarray(Image.open(tmp_path / "a" / "im0.png")).shape == (32, 32)  # 1-channel target
    again = cli("translate-dtn", "dtn/model.keras", "--inputs", str(inputs), "--out", "a")
    assert again.returncode == 2 and "already exists" in again.stderr
    small = _folder(tmp_path / "small", 2, 28)
    wrong = cli("translate-dtn", "dtn/model.keras", "--inputs", str(small), "--out", "c")
    assert wrong.returncode == 2 and "resize them first" in wrong.stderr and not (tmp_path / "c").exists()


def test_dtn_bad_inputs_exit_2(tmp_path, capsys):
    cli = lambda *args: run_main(*args, cwd=tmp_path, capsys=capsys)  # noqa: E731
    small = _folder(tmp_path / "small", 20, 28)
    sizes = cli("train", "dtn", "--classifier", "missing.keras", "--source", str(small), "--out", "o")
    assert sizes.returncode == 2 and "different image sizes" in sizes.stderr and "Traceback" not in sizes.stderr
    missing = cli("train", "dtn", "--classifier", "missing.keras", "--num-source", "32", "--batch-size", "16",
                  "--out", "o")
    assert missing.returncode == 2 and "no classifier file missing.keras" in missing.stderr
    assert not (tmp_path / "o" / "model.keras").exists() and not os.path.exists(tmp_path / "savedmodels")
