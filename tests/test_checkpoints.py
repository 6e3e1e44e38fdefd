"""keras_gans.checkpoints and the Checkpoint callback: atomic units, validation, every N steps, stop on request."""

import json
import os

import keras
import numpy as np
import pytest

from keras_gans import checkpoints
from keras_gans.callbacks import Checkpoint, TrainingInterrupted, load_checkpoint
from keras_gans.models import DCGAN
from tests.model_checks import dataset, max_diff

KWARGS = dict(image_shape=(28, 28, 1), latent_dim=8, g_filters=8, d_filters=8)


@pytest.fixture
def model():
    m = DCGAN(**KWARGS)
    m.compile()
    return m


def test_every_n_steps_keeps_the_newest_and_records_the_position(fashion, model, tmp_path):
    cb = Checkpoint(tmp_path, every_n_steps=3, keep=2, history_csv=tmp_path / "history.csv", run={"note": "x"})
    model.fit(dataset(DCGAN, fashion, 16, n=64), epochs=2, verbose=0, callbacks=[cb])  # 4 steps an epoch
    assert [os.path.basename(p) for p in checkpoints.checkpoints(tmp_path)] == ["ckpt-0000000006", "ckpt-0000000008"]
    mid = checkpoints.read_state(tmp_path / "ckpt-0000000006")
    assert (mid["epoch"], mid["step"], mid["note"], mid["class"]) == (1, 2, "x", "DCGAN")
    assert len(mid["metrics"]) == len(model.metrics_variables) and len(mid["history"]) == 1
    end = checkpoints.read_state(tmp_path / "ckpt-0000000008")
    assert (end["epoch"], end["step"], end["metrics"], len(end["history"])) == (2, 0, None, 2)
    rows = (tmp_path / "history.csv").read_text().splitlines()
    assert rows[0] == "epoch,d_loss,g_loss" and len(rows) == 3
    loaded, epochs = load_checkpoint(tmp_path)
    assert epochs == 2 and max_diff(loaded.get_weights(), model.get_weights()) == 0.0


def test_request_stop_ends_after_the_step_with_a_checkpoint(fashion, model, tmp_path):
    class StopAtStep3(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == 2:
                cb.request_stop()

    cb = Checkpoint(tmp_path)
    with pytest.raises(TrainingInterrupted) as stopped:
        model.fit(dataset(DCGAN, fashion, 16, n=64), epochs=2, verbose=0, callbacks=[StopAtStep3(), cb])
    assert os.path.basename(stopped.value.checkpoint) == "ckpt-0000000003"
    state = checkpoints.read_state(stopped.value.checkpoint)
    assert (state["epoch"], state["step"], state["global_step"]) == (0, 3, 3)
    reloaded, _ = checkpoints.load(stopped.value.checkpoint)
    assert max_diff(reloaded.get_weights(), model.get_weights()) == 0.0


def test_a_mid_epoch_checkpoint_restores_the_epochs_metric_sums(fashion, model, tmp_path):
    data = dataset(DCGAN, fashion, 16, n=64)
    cb = Checkpoint(tmp_path, every_n_steps=2)
    model.fit(data, epochs=1, verbose=0, callbacks=[cb])
    state = checkpoints.read_state(tmp_path / "ckpt-0000000002")
    resumed, _ = checkpoints.load(tmp_path / "ckpt-0000000002")
    again = Checkpoint(tmp_path / "again", resume=state)
    resumed.fit(data.skip(2), initial_epoch=0, epochs=1, verbose=0, callbacks=[again])
    # the epoch's logs cover all 4 steps, as the uninterrupted run's did
    np.testing.assert_allclose([again.history[0][k] for k in ("d_loss", "g_loss")],
                               [cb.history[0][k] for k in ("d_loss", "g_loss")], rtol=1e-6)


def test_validation_names_the_file_and_what_is_wrong(fashion, model, tmp_path):
    model.fit(dataset(DCGAN, fashion, 16, n=32), epochs=1, verbose=0, callbacks=[Checkpoint(tmp_path)])
    ckpt = tmp_path / "ckpt-0000000002"
    state = json.loads((ckpt / "state.json").read_text())
    cases = [({**state, "step": "3"}, "'step' must be an integer >= 0, got '3'"),
             ({**state, "history": state["history"] * 2}, "2 history rows for 1 epochs"),
             ({**state, "format": 99}, "has checkpoint format 99"),
             ([1, 2], "expected a JSON object, got list")]
    for bad, message in cases:
        (ckpt / "state.json").write_text(json.dumps(bad))
        with pytest.raises(checkpoints.CheckpointError, match="state.json") as error:
            checkpoints.load(ckpt)
        assert message in str(error.value)
    (ckpt / "state.json").write_text(json.dumps({**state, "class": "WGAN"}))
    with pytest.raises(checkpoints.CheckpointError, match="state.json says WGAN, model.keras holds a DCGAN"):
        checkpoints.load(ckpt)


def test_folders_in_the_format_before_ckpt_folders_still_load(model, tmp_path):
    model.save(tmp_path / "last.keras")
    (tmp_path / "state.json").write_text(json.dumps({"epoch": 3, "logs": {}}))
    loaded, epochs = load_checkpoint(tmp_path)
    assert epochs == 3 and max_diff(loaded.get_weights(), model.get_weights()) == 0.0
