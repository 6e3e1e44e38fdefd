import os

import pandas as pd
import pytest

from keras_gans import DCGAN, ConditionalGAN
from keras_gans.cli import main

KWARGS = dict(image_shape=(28, 28, 1), g_filters=8, d_filters=8, seed=0)


@pytest.fixture(scope="module")
def dcgan_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "model.keras"
    model = DCGAN(**KWARGS)
    model.compile()
    model.save(path)
    return str(path)


def _args(model, tiny_classifier, *extra):
    return ["evaluate", model, "--extractor", tiny_classifier, "--num-samples", "120", "--num-real", "150",
            "--kid-subsets", "3", "--kid-subset-size", "50", "--batch-size", "100", *extra]


def test_all_metrics_printed_and_written(dcgan_file, tiny_classifier, tmp_path, capsys):
    stem = tmp_path / "eval"
    rc = main(_args(dcgan_file, tiny_classifier, "--metrics", "fid,kid,is,memorization", "--out", str(stem)))
    assert rc == 0
    table = pd.read_csv(f"{stem}.csv")
    assert table["metric"].tolist()[:3] == ["fid", "kid", "is"]
    assert {"memorization_pixel_ratio", "memorization_feature_copies"} <= set(table["metric"])
    assert (table.loc[table.metric == "fid", "value"] > 0).all() and (table["num_generated"] == 120).all()
    assert table.loc[table.metric == "kid", "std"].iloc[0] > 0
    assert os.path.getsize(f"{stem}_memorization.png") > 0
    out = capsys.readouterr().out
    assert "| metric |" in out and open(f"{stem}.md").read().startswith("| metric |")


def test_knn_metrics_with_their_k(dcgan_file, tiny_classifier, tmp_path, capsys):
    stem = tmp_path / "eval"
    args = _args(dcgan_file, tiny_classifier, "--metrics", "coverage,precision,recall,density",
                 "--precision-recall-k", "2", "--out", str(stem))
    assert main(args) == 0
    table = pd.read_csv(f"{stem}.csv")
    assert table["metric"].tolist() == ["coverage", "precision", "recall", "density"]
    assert table["k"].tolist() == [5, 2, 2, 5]
    fractions = table[table.metric != "density"]["value"]
    assert ((fractions >= 0) & (fractions <= 1)).all() and table["value"].iloc[-1] >= 0
    assert (table["num_generated"] == 120).all() and (table["num_real"] == 150).all()
    assert "| coverage |" in capsys.readouterr().out


def test_default_output_sits_next_to_the_model(dcgan_file, tiny_classifier):
    assert main(_args(dcgan_file, tiny_classifier, "--metrics", "fid")) == 0
    assert os.path.exists(os.path.join(os.path.dirname(dcgan_file), "evaluation.csv"))


def test_conditional_model_gets_balanced_labels(tiny_classifier, tmp_path):
    path = tmp_path / "cgan.keras"
    model = ConditionalGAN(architecture="dcgan", num_classes=10, **KWARGS)
    model.compile()
    model.save(path)
    assert main(_args(str(path), tiny_classifier, "--metrics", "kid", "--out", str(tmp_path / "e"))) == 0
    assert pd.read_csv(tmp_path / "e.csv")["metric"].tolist() == ["kid"]


@pytest.mark.parametrize("extra, message", [
    (["--metrics", "fid,ssim"], "unknown metric name(s) ['ssim']"),
    (["--metrics", "fid", "--feature-layer", "nope"], "no layer named 'nope'"),
    (["--metrics", "fid", "--image-size", "32"], "the sets must have the same image shape"),
    (["--metrics", "fid", "--num-samples", "1"], "--num-samples must be >= 2"),
    (["--metrics", "precision", "--precision-recall-k", "0"], "--precision-recall-k must be >= 1, got 0"),
    (["--metrics", "fid,density", "--density-coverage-k", "150"], "density with k = 150 needs more than 150 real"),
    (["--metrics", "recall", "--precision-recall-k", "120"], "recall with k = 120 needs more than 120 generated"),
])
def test_bad_input_exits_2_and_writes_nothing(dcgan_file, tiny_classifier, tmp_path, capsys, extra, message):
    args = _args(dcgan_file, tiny_classifier, "--out", str(tmp_path / "e"))
    args = [a for a in args if a != "--num-samples" and a != "120"] if "--num-samples" in extra else args
    assert main(args + extra) == 2
    assert message in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


def test_missing_model(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "none.keras")]) == 2
    assert "no model" in capsys.readouterr().err
