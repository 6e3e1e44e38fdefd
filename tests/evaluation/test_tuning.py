import keras_tuner as kt
import numpy as np
import pytest

from keras_gans.evaluation.tuning import HYPERMODELS, VAL_FID, GANHyperModel
from keras_gans.evaluation.metrics import FID
from keras_gans.models import MODELS


def _uint8(fashion, start, n):
    return np.round((fashion[0][start : start + n] + 1) * 127.5).astype("uint8"), fashion[1][start : start + n]


@pytest.mark.slow
def test_search_with_the_val_fid_objective(fashion, tiny_classifier, tmp_path):
    # the MLP GAN (fast to trace); every model shares GANHyperModel's fit and objective
    hypermodel = HYPERMODELS["gan"](image_shape=(28, 28, 1), widths=(2, 4), batch_size=32,
                                    model_kwargs=dict(latent_dim=8, d_units=(16, 16)),
                                    metrics=lambda: [FID(tiny_classifier)])
    tuner = kt.RandomSearch(hypermodel, objective=VAL_FID, max_trials=2, seed=3, directory=str(tmp_path),
                            project_name="gan", overwrite=True)
    train, _ = _uint8(fashion, 0, 64)
    val, _ = _uint8(fashion, 256, 64)
    tuner.search(train, validation_data=val, epochs=1, verbose=0)
    trials = list(tuner.oracle.trials.values())
    assert len(trials) == 2
    scores = [t.metrics.get_best_value("val_fid") for t in trials]
    assert all(np.isfinite(scores)) and scores[0] != scores[1]
    best = tuner.oracle.get_best_trials(1)[0]
    assert best.score == min(scores)  # direction min
    assert {"g_lr", "d_lr", "momentum", "g_units"} <= set(best.hyperparameters.values)


def test_every_model_has_a_search_space_and_fresh_optimizers():
    assert set(HYPERMODELS) == set(MODELS)
    spaces = {}
    for name, cls in HYPERMODELS.items():
        stylegan = name == "stylegan"  # power-of-two sizes; a small mapping network
        hm = cls(image_shape=(16, 16, 1) if stylegan else (28, 28, 1), num_classes=10 if name == "cgan" else None,
                 widths=(4,), metrics=lambda: [],
                 model_kwargs=dict(latent_dim=8, **(dict(w_dim=8, mapping_layers=1) if stylegan else {})))
        hp = kt.HyperParameters()
        first, second = hm.build(hp), hm.build(hp)
        assert first.g_optimizer is not second.g_optimizer and int(second.g_optimizer.iterations) == 0
        spaces[name] = set(hp.values)
    assert {"n_critic", "gp_weight", "beta_1"} <= spaces["wgan_gp"]
    assert {"n_critic", "clip_value"} <= spaces["wgan"] and "beta_1" not in spaces["wgan"]  # RMSprop
    assert {"momentum", "g_units"} <= spaces["gan"]  # SGD with momentum, MLP widths
    assert {"g_lr", "d_lr"} <= spaces["cgan"]
    assert {"channel_max", "g_lr", "d_lr", "beta_1"} <= spaces["stylegan"]
    assert {"num_steps", "g_filters", "d_filters", "beta_1"} <= spaces["gran"]


def test_tuned_values_reach_the_model():
    hp = kt.HyperParameters()
    hp.Fixed("n_critic", 2)
    hp.Fixed("gp_weight", 3.0)
    hp.Fixed("g_lr", 3e-4)
    model = GANHyperModel("wgan_gp", (28, 28, 1), widths=(4,), metrics=lambda: []).build(hp)
    assert model.d_steps == 2 and model.gp_weight == 3.0
    assert float(model.g_optimizer.learning_rate) == pytest.approx(3e-4)
    assert float(model.g_optimizer.beta_1) == float(model.d_optimizer.beta_1)


def test_toolbox_options_are_searched_where_the_model_takes_them():
    hp = kt.HyperParameters()
    hp.Fixed("augment", "ada")
    hp.Fixed("ema_decay", 0.999)
    hp.Fixed("r1_gamma", 10.0)
    hp.Fixed("spectral_norm", True)
    model = GANHyperModel("dcgan", (28, 28, 1), widths=(4,), metrics=lambda: [], toolbox=True).build(hp)
    assert (model.augment, model.ema_decay, model.r1_gamma, model.spectral_norm) == ("ada", 0.999, 10.0, True)
    space = kt.HyperParameters()
    GANHyperModel("wgan_gp", (28, 28, 1), widths=(4,), metrics=lambda: [], toolbox=True).build(space)
    names = {p.name: p for p in space.space}
    assert names["augment"].values == ["none", "diffaugment"]  # no ADA without logits
    assert "r1_gamma" not in names and "spectral_norm" not in names and names["ema_decay"].values == [0.0, 0.999]
    fixed = kt.HyperParameters()
    GANHyperModel("dcgan", (28, 28, 1), widths=(4,), metrics=lambda: [], toolbox=True,
                  model_kwargs={"augment": "diffaugment"}).build(fixed)
    assert "augment" not in {p.name for p in fixed.space}
    plain = kt.HyperParameters()
    GANHyperModel("dcgan", (28, 28, 1), widths=(4,), metrics=lambda: []).build(plain)
    assert not {"augment", "ema_decay", "r1_gamma", "spectral_norm"} & {p.name for p in plain.space}


def test_bad_arguments(fashion):
    with pytest.raises(ValueError, match="conditional: pass num_classes"):
        HYPERMODELS["cgan"](image_shape=(28, 28, 1))
    with pytest.raises(ValueError, match="unknown model"):
        GANHyperModel("stylegan3")
    hm = GANHyperModel("dcgan", (28, 28, 1), widths=(4,), metrics=lambda: [])
    with pytest.raises(ValueError, match="validation_data"):
        hm.fit(kt.HyperParameters(), hm.build(kt.HyperParameters()), _uint8(fashion, 0, 64)[0])
