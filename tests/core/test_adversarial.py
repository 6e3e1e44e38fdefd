"""The two-player base: compile's optimizers, untracked image metrics, config of the seed."""

import keras
import pytest

from keras_gans import DCGAN
from keras_gans.core.adversarial import AdversarialBase, UntrackedSequence
from keras_gans.core.network_model import fit_logs

SMALL = dict(image_shape=(28, 28, 1), g_filters=8, d_filters=8)


def test_compile_builds_both_optimizers_and_refuses_keras_arguments():
    model = DCGAN(**SMALL)
    model.compile()
    assert model.g_optimizer.built and model.d_optimizer.built
    with pytest.raises(ValueError, match="not optimizer="):
        model.compile(optimizer="adam")
    with pytest.raises(ValueError, match="not loss="):
        model.compile(loss="mse")
    shared = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="two different optimizer objects"):
        model.compile(g_optimizer=shared, d_optimizer=shared)


def test_image_metrics_are_not_tracked_and_must_not_shadow_a_tracker():
    model = DCGAN(**SMALL)
    weights = len(model.weights)
    metric = keras.metrics.Mean(name="fid")
    model.compile(metrics=[metric])
    assert list(model.image_metrics) == [metric] and isinstance(model.image_metrics, UntrackedSequence)
    assert len(model.weights) == weights and metric in model.metrics
    with pytest.raises(ValueError, match="named unlike the loss trackers"):
        model.compile(metrics=[keras.metrics.Mean(name="d_loss")])
    assert fit_logs([metric], model.distribute_strategy) == {"fid": metric.result()}


def test_the_seed_is_the_bases_argument_and_in_every_config():
    model = DCGAN(seed=5, **SMALL)
    assert isinstance(model, AdversarialBase) and model.get_config()["seed"] == 5


def test_jit_compile_survives_save_and_load(tmp_path):
    """compile(jit_compile=True) is part of the saved compile config, as it is for Keras's own models."""
    import keras

    from keras_gans.models import DCGAN

    model = DCGAN(image_shape=(28, 28, 1), latent_dim=8, g_filters=8, d_filters=8)
    model.compile(jit_compile=True)
    model.save(tmp_path / "m.keras")
    assert keras.models.load_model(tmp_path / "m.keras").jit_compile is True
    model.compile(jit_compile=False)
    model.save(tmp_path / "n.keras")
    assert keras.models.load_model(tmp_path / "n.keras").jit_compile is False
