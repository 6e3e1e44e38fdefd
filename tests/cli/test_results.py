import os

import pandas as pd
import pytest

from keras_gans import DCGAN
from keras_gans.cli import main


def test_results_table_and_curves(tmp_path, capsys):
    run = tmp_path / "runs" / "dcgan"
    run.mkdir(parents=True)
    pd.DataFrame({"epoch": [0, 1, 2], "d_loss": [1.0, 0.8, 0.9], "g_loss": [2.0, 1.5, 1.4],
                  "fid": [float("nan"), 30.0, 20.0]}).to_csv(run / "history.csv", index=False)
    model = DCGAN(image_shape=(28, 28, 1), g_filters=8, d_filters=8)
    model.compile()
    model.save(run / "model.keras")
    pd.DataFrame({"metric": ["fid", "kid"], "value": [21.0, 0.01]}).to_csv(run / "evaluation.csv", index=False)
    (tmp_path / "runs" / "empty").mkdir()

    assert main(["results", str(tmp_path / "runs")]) == 0
    table = pd.read_csv(tmp_path / "runs" / "results.csv")
    row = table.iloc[0]
    assert len(table) == 1 and row["run"] == "dcgan" and row["model"] == "DCGAN" and row["epochs"] == 3
    assert row["g_filters"] == 8 and row["g_lr"] == pytest.approx(2e-4) and row["final_g_loss"] == 1.4
    assert row["best_fid"] == 20.0 and row["best_fid_epoch"] == 3 and row["eval_kid"] == 0.01
    assert os.path.getsize(run / "curves.png") > 0
    assert "| dcgan | DCGAN | 3 |" in capsys.readouterr().out


def test_no_runs_is_an_error(tmp_path, capsys):
    assert main(["results", str(tmp_path)]) == 2
    assert main(["results", str(tmp_path / "missing")]) == 2
    assert "no run" in capsys.readouterr().err
