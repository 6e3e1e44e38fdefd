"""WGAN's reference critic schedule and the two-step-function plumbing that runs it."""

import keras
import pytest

from keras_gans import WGAN

SMALL = dict(image_shape=(28, 28, 1), g_filters=8, d_filters=8)


def critic_steps_per_generator_step(model, generator_steps):
    """Run the schedule's choices without training: each train_step makes n_critic critic steps and,
    unless ``critic_only_now()``, one generator step. Critic steps before each generator step."""
    counts, since_last = [], 0
    while len(counts) < generator_steps:
        critic_only = model.critic_only_now()
        model.d_optimizer.iterations.assign_add(model.n_critic)
        since_last += model.n_critic
        if not critic_only:
            model.g_optimizer.iterations.assign_add(1)
            counts.append(since_last)
            since_last = 0
    return counts


def test_reference_schedule_100_critic_steps_for_the_first_25_generator_steps_and_every_500th():
    model = WGAN(**SMALL)  # the reference's 100 / 25 / 500 and n_critic = 5
    model.compile()
    counts = critic_steps_per_generator_step(model, 502)
    expected = [100 if (g < 25 or g % 500 == 0) else 5 for g in range(502)]
    assert counts == expected
    assert int(model.d_optimizer.iterations) == model.critic_steps_before(502)


def test_without_the_schedule_fit_compiles_the_usual_step_function():
    model = WGAN(warmup_schedule=False, **SMALL)
    model.compile(steps_per_execution=2)
    assert model.critic_only_now() is None
    assert critic_steps_per_generator_step(model, 3) == [5, 5, 5]
    model.make_train_function()  # Keras's own function: several steps per execution are fine


def test_schedule_needs_one_step_per_execution():
    model = WGAN(**SMALL)
    model.compile(steps_per_execution=2)
    with pytest.raises(ValueError, match="steps_per_execution=1"):
        model.make_train_function()


def test_uncompiled_model_takes_full_steps_until_it_has_optimizers():
    assert WGAN(**SMALL).critic_only_now() is False
    model = WGAN(**SMALL)
    model.compile(g_optimizer=keras.optimizers.RMSprop(1e-4), d_optimizer=keras.optimizers.RMSprop(1e-4))
    assert model.critic_only_now() is True  # 5 + 5 < 100 critic steps before the first generator step
