import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_gans import DCGAN
from keras_gans.callbacks import Checkpoint, NaNGuard, NonFiniteLossError, SampleGrid, load_checkpoint
from tests.model_checks import dataset, max_diff

KWARGS = dict(image_shape=(28, 28, 1), g_filters=8, d_filters=8)


def test_sample_grid_writes_same_latents_each_epoch(fashion, tmp_path):
    model = DCGAN(**KWARGS)
    model.compile()
    grid = SampleGrid(str(tmp_path / "s"), num=4, seed=1, log_dir=str(tmp_path / "logs"))
    model.fit(dataset(DCGAN, fashion, 16, n=32), epochs=2, verbose=0, callbacks=[grid])
    files = sorted(os.listdir(tmp_path / "s"))
    assert files == ["epoch_0001.png", "epoch_0002.png"]
    image = np.asarray(Image.open(tmp_path / "s" / files[-1]))
    assert image.shape == (2 * 30 + 2, 2 * 30 + 2)
    expected = np.asarray(model.generate(4, seed=1))
    assert np.abs(image[2:30, 2:30].astype(int) - np.round((expected[0, ..., 0] + 1) * 127.5)).max() <= 1
    assert any(f.startswith("events") for f in os.listdir(tmp_path / "logs"))


def test_nan_guard_names_the_loss_and_keeps_the_last_good_checkpoint(fashion, tmp_path):
    model = DCGAN(**KWARGS)
    model.compile()
    ckpt = tmp_path / "ckpt.keras"
    good = dataset(DCGAN, fashion, 16, n=32)
    model.fit(good, epochs=1, verbose=0, callbacks=[keras.callbacks.ModelCheckpoint(str(ckpt)), Checkpoint(tmp_path / "c")])
    saved = ckpt.read_bytes()
    state = (tmp_path / "c" / "ckpt-0000000002" / "state.json").read_text()
    images = fashion[0][:32].copy()
    images[16:] = np.nan
    bad = tf.data.Dataset.from_tensor_slices(images).batch(16)
    with pytest.raises(NonFiniteLossError, match="d_loss"):
        model.fit(bad, epochs=2, initial_epoch=1, verbose=0,
                  callbacks=[NaNGuard(), keras.callbacks.ModelCheckpoint(str(ckpt)), Checkpoint(tmp_path / "c")])
    assert ckpt.read_bytes() == saved
    assert (tmp_path / "c" / "ckpt-0000000002" / "state.json").read_text() == state
    assert sorted(os.listdir(tmp_path / "c")) == ["ckpt-0000000002"]  # nothing of the broken epoch


def test_checkpoint_round_trip(fashion, tmp_path):
    model = DCGAN(**KWARGS)
    model.compile()
    model.fit(dataset(DCGAN, fashion, 16, n=32), epochs=2, verbose=0, callbacks=[Checkpoint(tmp_path)])
    loaded, epoch = load_checkpoint(tmp_path)
    assert epoch == 2 and max_diff(loaded.get_weights(), model.get_weights()) == 0.0
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_checkpoint(tmp_path / "nothing")


def test_backup_and_restore_resumes_after_a_crash(fashion, tmp_path):
    data = dataset(DCGAN, fashion, 16, n=32)
    model = DCGAN(**KWARGS)
    model.compile()
    init = str(tmp_path / "init.keras")
    model.save(init)

    class Crash(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise RuntimeError("simulated crash")

    backup = keras.callbacks.BackupAndRestore(str(tmp_path / "backup"))
    crashed = keras.models.load_model(init)
    with pytest.raises(RuntimeError, match="simulated crash"):
        # the crash hits at the end of epoch 1, before BackupAndRestore saves it: the backup holds epoch 0
        crashed.fit(data, epochs=3, verbose=0, callbacks=[Crash(), backup])
    restarted = keras.models.load_model(init)
    history = restarted.fit(data, epochs=3, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(str(tmp_path / "backup"))])
    assert len(history.history["d_loss"]) == 2  # epochs 1 and 2 only
    straight = keras.models.load_model(init)
    straight.fit(data, epochs=3, verbose=0)
    assert int(restarted.g_optimizer.iterations) == int(straight.g_optimizer.iterations) == 6
    assert max_diff(restarted.get_weights(), straight.get_weights()) < 1e-6


def test_csv_logger_and_tensorboard(fashion, tmp_path):
    model = DCGAN(**KWARGS)
    model.compile()
    model.fit(dataset(DCGAN, fashion, 16, n=32), epochs=1, verbose=0, callbacks=[
        keras.callbacks.CSVLogger(str(tmp_path / "h.csv")), keras.callbacks.TensorBoard(str(tmp_path / "tb"))])
    header, row = [line.split(",") for line in (tmp_path / "h.csv").read_text().splitlines()[:2]]
    assert header[:3] == ["epoch", "d_loss", "g_loss"]  # Keras's CSVLogger adds NA val_ columns
    assert np.isfinite(float(row[1])) and np.isfinite(float(row[2]))
    assert os.listdir(tmp_path / "tb" / "train")
