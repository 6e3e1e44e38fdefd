"""Exact mid-epoch resume for every family the CLI trains (issue 18): a run is rewound to a checkpoint written in
the middle of its last epoch and resumed; it must end with the same weights and ``history.csv`` as before.

This exercises what each family adds to the data position and the saved state: WGAN's warm-up schedule and
``n_critic`` batches per step, cGAN's labels, ALI's encoder, Pix2Pix's dropout and jitter, CycleGAN's image pools
and learning-rate schedule. (The kill/Ctrl-C mechanics are tests/cli/test_resume.py, on DCGAN.)
"""

import shutil

import keras
import numpy as np
import pytest

from tests.cli.helpers import run_main

pytestmark = pytest.mark.slow

TRANSLATION = ["--g-filters", "4", "--d-filters", "4", "--batch-size", "2", "--num-samples", "2"]
FAMILIES = {
    "wgan": ["--batch-size", "4", "--num-samples", "4"],
    "cgan": ["--batch-size", "8", "--num-samples", "10"],
    "ali": ["--batch-size", "8", "--num-samples", "4"],
    "pix2pix": TRANSLATION,
    "cyclegan": [*TRANSLATION, "--n-blocks", "1", "--pool-size", "4"],
}


@pytest.mark.parametrize("model", sorted(FAMILIES))
def test_a_run_resumed_mid_epoch_ends_as_the_uninterrupted_run(model, tmp_path, capsys):
    # 2 epochs x 3 steps, a checkpoint every 2 steps: ckpt-4 is epoch 2, step 1; ckpt-6 the end
    args = ["train", model, *FAMILIES[model], "--epochs", "2", "--steps-per-epoch", "3", "--checkpoint-every", "2",
            "--out", "run", "--export-dir", "exports"]
    first = run_main(*args, cwd=tmp_path, capsys=capsys)
    assert first.returncode == 0, first.stderr[-3000:]
    run = tmp_path / "run"
    final = keras.models.load_model(run / "model.keras").get_weights()
    history = (run / "history.csv").read_text()
    assert len(history.splitlines()) == 3

    # rewind: as if the run had been killed just after writing ckpt-4
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == ["ckpt-0000000004", "ckpt-0000000006"]
    shutil.rmtree(run / "checkpoints" / "ckpt-0000000006")
    (run / "model.keras").unlink()
    (run / "run.json").unlink()
    resumed = run_main(*args, "--resume", cwd=tmp_path, capsys=capsys)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "ckpt-0000000004 at epoch 2, step 2" in resumed.stdout
    weights = keras.models.load_model(run / "model.keras").get_weights()
    assert len(weights) == len(final)
    for a, b in zip(weights, final):
        np.testing.assert_array_equal(a, b)  # same batches, same random draws, same pools: bit for bit
    assert (run / "history.csv").read_text() == history  # the resumed epoch's row includes its first step
