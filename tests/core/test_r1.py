"""The R1 penalty (Mescheder et al. 2018) and its lazy form (Karras et al. 2020) on the logit models."""

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import DCGAN, EBGAN, WGANGP, ConditionalGAN, losses
from tests import model_checks as checks

KWARGS = dict(image_shape=(28, 28, 1), g_filters=8, d_filters=8)


def test_penalty_is_half_gamma_times_the_squared_input_gradient(fashion):
    model = DCGAN(**KWARGS, r1_gamma=10.0)
    model.compile()
    real = tf.constant(fashion[0][:8])
    with tf.GradientTape() as tape:
        tape.watch(real)
        logits = model.discriminator(real, training=True)
    expected = 5.0 * np.sum(tape.gradient(logits, real).numpy().reshape(8, -1) ** 2, axis=1)
    got = model.r1_penalty(real).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4)
    assert np.all(got > 0)
    np.testing.assert_allclose(losses.r1_penalty_from_gradients(tf.ones((2, 3, 3, 1))).numpy(), [9.0, 9.0])


def test_r1_trains_and_is_logged(fashion):
    for cls, kwargs in [(DCGAN, KWARGS), (ConditionalGAN, dict(num_classes=10, image_shape=(28, 28, 1)))]:
        model = cls(**kwargs, r1_gamma=10.0)
        model.compile()
        history = model.fit(checks.dataset(cls, fashion, 32, n=64), epochs=1, verbose=0).history
        assert np.isfinite(history["d_loss"][-1]) and history["r1"][-1] > 0


def test_the_penalty_changes_the_discriminator_update(fashion):
    def trained(gamma):
        tf.keras.utils.set_random_seed(1)
        model = DCGAN(**KWARGS, r1_gamma=gamma, seed=1)
        model.compile()
        model.fit(checks.dataset(DCGAN, fashion, 32), epochs=1, verbose=0)
        return model.discriminator.get_weights()

    assert checks.max_diff(trained(0.0), trained(100.0)) > 1e-6


def test_lazy_penalty_only_on_due_updates_scaled_by_the_interval(fashion):
    """r1_interval=2: due at d_optimizer.iterations 0, 2, ...: the step-0 update equals γ·2 penalty's, and
    the mean logged r1 counts only the due updates."""
    model = DCGAN(**KWARGS, r1_gamma=10.0, r1_interval=2)
    model.compile()
    real = tf.constant(fashion[0][:8])
    due = model.r1_penalty(real).numpy()
    every = DCGAN(**KWARGS, r1_gamma=10.0)
    every.compile()
    every.discriminator.set_weights(model.discriminator.get_weights())
    np.testing.assert_allclose(due, 2.0 * every.r1_penalty(real).numpy(), rtol=1e-5)
    model.d_optimizer.iterations.assign(1)
    assert np.all(model.r1_penalty(real).numpy() == 0.0)
    history = model.fit(checks.dataset(DCGAN, fashion, 32, n=128), epochs=1, verbose=0).history
    assert history["r1"][-1] > 0


def test_two_replicas_match_one_device(fashion):
    checks.check_mirrored_matches_single_device(DCGAN, dict(KWARGS, r1_gamma=10.0), fashion, batch=32)


def test_lazy_penalty_on_two_replicas_equals_one_device(fashion):
    """r1_interval > 1 on N replicas computes the penalty every update and keeps the due ones (a tf.cond around a
    synchronized batch norm is not supported): the per-example penalties equal one device's on due and other
    updates. (The discriminator's state updates of that extra pass, batch-norm statistics and the spectral norm's
    u, then happen on every update: such a D is not bit-identical to one device with r1_interval > 1.)"""
    strategy = checks.mirrored_strategy()
    real = fashion[0][:16]
    with strategy.scope():
        replicated = DCGAN(**KWARGS, r1_gamma=10.0, r1_interval=2)
        replicated.compile()
    single = DCGAN(**KWARGS, r1_gamma=10.0, r1_interval=2)
    single.compile()
    single.set_weights(replicated.get_weights())
    batches = strategy.experimental_distribute_dataset(tf.data.Dataset.from_tensor_slices(real).batch(16))
    run = tf.function(lambda x: strategy.run(replicated.r1_penalty, args=(x,)))
    for iterations in (0, 1):
        replicated.d_optimizer.iterations.assign(iterations)
        single.d_optimizer.iterations.assign(iterations)
        got = np.concatenate([t.numpy() for t in strategy.experimental_local_results(run(next(iter(batches))))])
        np.testing.assert_allclose(got, single.r1_penalty(tf.constant(real)).numpy(), rtol=1e-4, atol=1e-6)
        assert np.all(got > 0) if iterations == 0 else np.all(got == 0)


def test_saved_and_resumed_exactly(fashion, tmp_path):
    resumed = checks.check_save_resume(DCGAN, dict(KWARGS, r1_gamma=10.0, r1_interval=2), fashion, batch=32,
                                       tmp_path=tmp_path)
    assert (resumed.r1_gamma, resumed.r1_interval) == (10.0, 2)


@pytest.mark.parametrize("kwargs, message", [
    (dict(r1_gamma=-1.0), "r1_gamma must be >= 0"),
    (dict(r1_gamma=float("nan")), "r1_gamma must be >= 0"),
    (dict(r1_gamma="strong"), "r1_gamma must be a number"),
    (dict(r1_gamma=10.0, r1_interval=0), "r1_interval must be a positive integer"),
    (dict(r1_gamma=10.0, r1_interval=1.5), "r1_interval must be a positive integer"),
])
def test_bad_values_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError) as error:
        DCGAN(**KWARGS, **kwargs)
    assert message in str(error.value)


@pytest.mark.parametrize("cls", [WGANGP, EBGAN], ids=lambda c: c.__name__)
def test_models_without_r1_refuse_it(cls):
    with pytest.raises(ValueError, match="does not take it"):
        cls(**KWARGS, r1_gamma=10.0)
