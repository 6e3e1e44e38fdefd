"""val_fid / val_kid during fit, ModelCheckpoint on val_fid, and the EvaluateEvery callback."""

import math
import os

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from keras_gans import GAN, ConditionalGAN
from keras_gans.evaluation.metrics import FID, KID, EvaluateEvery

KWARGS = dict(image_shape=(28, 28, 1), g_filters=8, d_filters=8, seed=0)
SMALL_MLP = dict(image_shape=(28, 28, 1), g_units=(32, 32), d_units=(16, 16), latent_dim=8, seed=0)


def _data(fashion, n, labels=False, offset=0):
    images, y = fashion[0][offset : offset + n], fashion[1][offset : offset + n]
    return tf.data.Dataset.from_tensor_slices((images, y) if labels else images).batch(64, drop_remainder=True)


def test_val_fid_drives_model_checkpoint(fashion, tiny_classifier, tmp_path):
    model = GAN(**SMALL_MLP)
    model.compile(metrics=[FID(tiny_classifier), KID(tiny_classifier, max_samples=128)])
    best = keras.callbacks.ModelCheckpoint(str(tmp_path / "best_{epoch}.keras"), monitor="val_fid", mode="min",
                                           save_best_only=True)
    history = model.fit(_data(fashion, 128), validation_data=_data(fashion, 128, offset=256), epochs=3,
                        callbacks=[best], verbose=0).history
    val_fid = history["val_fid"]
    assert len(val_fid) == 3 and all(np.isfinite(val_fid)) and all(np.isfinite(history["val_kid"]))
    # saved exactly at the epochs where val_fid reached a new minimum
    improved = [e + 1 for e in range(3) if val_fid[e] < min(val_fid[:e], default=math.inf)]
    saved = sorted(int(f[len("best_"):-len(".keras")]) for f in os.listdir(tmp_path))
    assert saved == improved
    assert "fid" not in history and "d_loss" in history  # training logs carry only the losses
    # the checkpoint holds the GAN, not the metrics' extractor network
    reloaded = keras.models.load_model(tmp_path / f"best_{saved[-1]}.keras")
    assert len(reloaded.weights) == len(model.weights)


def test_evaluate_returns_the_metrics_and_matches_the_metric(fashion, tiny_classifier):
    model = ConditionalGAN(architecture="dcgan", num_classes=10, **KWARGS)
    model.compile(metrics=[FID(tiny_classifier)])
    data = _data(fashion, 128, labels=True)
    start = model.seed_generator.state.numpy()
    out = model.evaluate(data, return_dict=True, verbose=0)
    assert set(out) == {"fid"}

    # the same inputs again: the real batches, and the fakes evaluate drew (its latents replayed from the
    # model's seed state; the labels are the real batch's) ...
    model.seed_generator.state.assign(start)
    real, fake = [], []
    for images, labels in data:
        z = model.sample_latent(images.shape[0])
        real.append(images.numpy())
        fake.append(model.generator(model.generator_inputs(z, labels), training=False).numpy())
    # ... through a fresh FID metric batch by batch (what evaluate should have done) and through the
    # NumPy path on all the images at once (another implementation of the same distance)
    direct = FID(tiny_classifier)
    for r, f in zip(real, fake):
        direct.update_state(r, f)
    assert out["fid"] == pytest.approx(float(direct.result()), rel=1e-5)
    from keras_gans.evaluation.metrics import evaluate_samples

    rows = evaluate_samples(np.concatenate(fake), np.concatenate(real), metrics="fid", extractor=tiny_classifier)
    assert out["fid"] == pytest.approx(rows[0]["value"], rel=1e-3)
    # and not what the same metric gives for other fakes (the check can tell images apart)
    other = FID(tiny_classifier)
    for r in real:
        other.update_state(r, np.clip(r + 0.5, -1, 1))
    assert abs(float(other.result()) - out["fid"]) > 1e-3 * out["fid"]


def test_evaluate_without_metrics_is_a_clear_error(fashion):
    model = GAN(**SMALL_MLP)
    model.compile()
    with pytest.raises(ValueError, match=r"compile\(metrics="):
        model.evaluate(_data(fashion, 64), verbose=0)
    with pytest.raises(ValueError, match="keras.metrics.Metric"):
        model.compile(metrics=["accuracy"])


def test_evaluate_every_n_epochs_logs_fid_for_checkpoints_and_csv(fashion, tiny_classifier, tmp_path):
    model = GAN(**SMALL_MLP)
    model.compile()
    every = EvaluateEvery(fashion[0][256:512], every=2, num_samples=128, extractor=tiny_classifier)
    best = keras.callbacks.ModelCheckpoint(str(tmp_path / "best.keras"), monitor="fid", mode="min",
                                           save_best_only=True)
    csv = keras.callbacks.CSVLogger(str(tmp_path / "history.csv"))
    model.fit(_data(fashion, 64), epochs=2, callbacks=[every, best, csv], verbose=0)
    table = pd.read_csv(tmp_path / "history.csv")
    assert table["fid"].isna().tolist() == [True, False]
    assert np.isfinite(table["kid"].iloc[1])
    assert (tmp_path / "best.keras").exists()
    # the numbers are those of the fixed-seed samples at the end of training
    assert every.evaluate()["fid"] == pytest.approx(table["fid"].iloc[1], rel=1e-5)


def test_knn_metrics_in_compile_and_in_evaluate_every(fashion, tiny_classifier, tiny_extractor):
    from keras_gans.evaluation.metrics import Coverage, Density, ImprovedPrecision, ImprovedRecall, prdc_from_features

    model = GAN(**SMALL_MLP)
    metrics = [cls(tiny_classifier, max_samples=128) for cls in (ImprovedPrecision, ImprovedRecall, Density, Coverage)]
    model.compile(metrics=metrics)
    # "real" images from the generator itself (other latents), so that no metric is trivially 0 or 1
    own = tf.data.Dataset.from_tensor_slices(model.generate(128, seed=1)).batch(64)
    out = model.evaluate(own, return_dict=True, verbose=0)
    assert set(out) == {"precision", "recall", "density", "coverage"}
    assert 0 < min(out.values()) and max(out["precision"], out["recall"], out["coverage"]) < 1
    # the compiled test step's results are the function's on the features each metric kept
    (_, real), (_, fake) = metrics[0].buffered()
    assert out == pytest.approx(prdc_from_features(real.numpy(), fake.numpy()), abs=1e-6)
    assert model.evaluate(_data(fashion, 128), return_dict=True, verbose=0)["precision"] < out["precision"]

    others = model.generate(150, seed=2)
    every = EvaluateEvery(others, num_samples=100, metrics="precision,coverage,kid", extractor=tiny_extractor,
                          precision_recall_k=2, density_coverage_k=4)
    every.set_model(model)
    every.on_train_begin()
    logs = every.evaluate()
    assert list(logs) == ["kid", "precision", "coverage"]
    expected = prdc_from_features(tiny_extractor.extract(others), tiny_extractor.extract(model.generate(100, seed=0)),
                                  ("precision", "coverage"), precision_recall_k=2, density_coverage_k=4)
    assert {k: logs[k] for k in expected} == expected and 0 < min(expected.values()) < 1
    with pytest.raises(ValueError, match="recall with k = 3 needs more than 3 generated"):
        EvaluateEvery(fashion[0][:10], num_samples=3, metrics="recall", extractor=tiny_extractor)
