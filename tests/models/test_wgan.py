import numpy as np
import pytest

from keras_gans import WGAN
from tests import model_checks as checks

KWARGS = dict(image_shape=(28, 28, 1), g_filters=16, d_filters=16, warmup_critic_steps=10,
              warmup_generator_steps=1)
#: the warm-up schedule on, at its smallest: n_critic 2, and 4 critic steps (2 train_steps, the first critic-only)
#: before the first generator step
SCHEDULED = dict(KWARGS, n_critic=2, warmup_critic_steps=4, warmup_generator_steps=1)


def test_fit_finite_and_logs_wasserstein(fashion):
    model = checks.check_fit_finite(WGAN, dict(KWARGS, warmup_schedule=False), fashion, batch=40)
    assert "wasserstein" in model.tracker_names


@pytest.mark.slow
def test_discriminator_learns(fashion):
    import keras
    checks.check_discriminator_learns(WGAN, dict(KWARGS, warmup_schedule=False), fashion, batch=40, epochs=10,
                                      d_optimizer=keras.optimizers.RMSprop(5e-4))


@pytest.mark.slow
def test_save_load_resume_exact(fashion, tmp_path):
    checks.check_save_resume(WGAN, KWARGS, fashion, batch=40, tmp_path=tmp_path)


@pytest.mark.slow
def test_export_serves_in_fresh_process(fashion, tmp_path):
    # with the warm-up schedule, scaled down as in test_mirrored_matches_single_device: a critic-only step, then a
    # full one, so fit made both step functions before the export
    model = checks.check_fit_finite(WGAN, SCHEDULED, fashion, batch=16, steps=2)
    assert model.warmup_schedule
    assert (int(model.d_optimizer.iterations), int(model.g_optimizer.iterations)) == (4, 1)
    checks.check_export(model, tmp_path)


@pytest.mark.slow
def test_mirrored_matches_single_device(fashion):
    """The warm-up schedule on: two train_steps, the first critic-only (the schedule asks for more critic steps
    before generator step 0 than one train_step makes), the second with the generator step. The reference's 100
    critic steps for each of the first 25 generator steps run the same two step functions (only how often each
    runs differs), so n_critic 2 and 4 warm-up critic steps for the first generator step check the same code in
    2 steps instead of 505 (and with 2 unrolled critic steps per function instead of 5: half the tracing)."""
    data = checks.dataset(WGAN, fashion, 16, n=32)  # 2 steps of 2 critic minibatches of 8
    single, replicated = checks.check_mirrored_matches_single_device(WGAN, SCHEDULED, fashion, batch=16, data=data)
    for model in (single, replicated):
        assert model.warmup_schedule
        assert (int(model.d_optimizer.iterations.numpy()), int(model.g_optimizer.iterations.numpy())) == (4, 1)


def test_weights_clipped_after_every_critic_step(fashion):
    model = WGAN(**dict(KWARGS, warmup_schedule=False))
    model.compile()
    model.fit(checks.dataset(WGAN, fashion, 40, n=80), epochs=1, verbose=0)
    for v in model.discriminator.trainable_variables:
        assert np.abs(v.numpy()).max() <= 0.01 + 1e-7, v.path
    assert any(np.abs(v.numpy()).max() > 0.0099 for v in model.discriminator.trainable_variables)


@pytest.mark.slow
def test_reference_warmup_schedule(fashion):
    """10 critic steps for the first generator step (scaled-down 100/25), then n_critic = 5."""
    model = WGAN(**KWARGS)
    model.compile()
    counts = []
    import keras

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            counts.append((int(model.d_optimizer.iterations), int(model.g_optimizer.iterations)))

    model.fit(checks.dataset(WGAN, fashion, 5, n=20, repeat=1), epochs=1, verbose=0, callbacks=[Record()])
    # each train_step = 5 critic steps; the first generator step waits for 10
    assert counts == [(5, 0), (10, 1), (15, 2), (20, 3)]


def test_schedule_formula_matches_reference():
    model = WGAN(**dict(KWARGS, warmup_critic_steps=100, warmup_generator_steps=25, warmup_every=500))
    reference, total = [], 0
    for g in range(1200):
        reference.append(total)
        total += 100 if (g < 25 or g % 500 == 0) else 5
    assert [model.critic_steps_before(g) for g in range(1200)] == reference
    assert WGAN().critic_steps_for(0) == 100 and WGAN().critic_steps_for(30) == 5


def test_defaults_are_the_papers():
    model = WGAN()
    model.compile()
    assert model.n_critic == 5 and model.clip_value == 0.01 and model.warmup_schedule
    assert type(model.g_optimizer).__name__ == "RMSprop"
    assert float(model.d_optimizer.learning_rate) == pytest.approx(5e-5)
