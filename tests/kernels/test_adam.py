"""keras_gans.kernels.FusedAdam: TensorFlow's fused kernel, Keras's Adam update."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.kernels import FusedAdam


def _train(optimizer, steps=6):
    rng = np.random.default_rng(0)
    weights = [tf.Variable(rng.normal(size=shape).astype("float32")) for shape in [(7, 5), (5,)]]
    for _ in range(steps):
        grads = [tf.constant(rng.normal(size=w.shape).astype("float32")) for w in weights]
        optimizer.apply_gradients(zip(grads, weights))
    return [w.numpy() for w in weights]


@pytest.mark.parametrize("kwargs", [
    dict(learning_rate=2e-4, beta_1=0.5),  # DCGAN / Pix2Pix / CycleGAN
    dict(learning_rate=keras.optimizers.schedules.PolynomialDecay(1e-2, 4, 1e-3), epsilon=1e-8),  # a schedule
    dict(learning_rate=1e-3, beta_1=0.5, weight_decay=0.1, clipnorm=1.0),  # Keras's own code around the step
    dict(learning_rate=1e-3, amsgrad=True),  # Keras's step
])
def test_same_update_as_keras_adam(kwargs, monkeypatch):
    fused_calls = []
    kernel = tf.raw_ops.ResourceApplyAdam
    monkeypatch.setattr(tf.raw_ops, "ResourceApplyAdam", lambda **kw: fused_calls.append(1) or kernel(**kw))
    got = _train(FusedAdam(**kwargs))
    # the fused kernel ran (one call per variable and step), except with AMSGrad, which takes Keras's own step:
    # otherwise this would compare Keras's Adam with itself
    assert len(fused_calls) == (0 if kwargs.get("amsgrad") else 2 * 6)
    want = _train(keras.optimizers.Adam(**kwargs))
    initial = _train(FusedAdam(), steps=0)
    for g, w, start in zip(got, want, initial):
        assert np.abs(w - start).max() > 1e-4  # the weights did move
        # the same float32 arithmetic in another order: a few ulps of the weights
        np.testing.assert_allclose(g, w, rtol=0, atol=1e-6)


def test_tf_function_and_saved_state(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer=FusedAdam(1e-2, beta_1=0.5), loss="mse", jit_compile=False)
    x, y = np.ones((8, 3), "float32"), np.zeros((8, 2), "float32")
    model.fit(x, y, epochs=2, verbose=0)  # traced train_step
    path = str(tmp_path / "m.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    assert type(restored.optimizer) is FusedAdam and restored.optimizer.beta_1 == 0.5
    assert int(restored.optimizer.iterations) == 2
    for a, b in zip(model.optimizer.variables, restored.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))

