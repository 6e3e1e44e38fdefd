"""DomainTransferNetwork: the paper's losses, exact resume, 2 replicas == 1, serving, bad inputs."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import DTN, export, losses
from keras_gans.datasets import load_handwritten_digits, load_printed_digits, make_domain_dataset, scale_images
from keras_gans.networks import build_dtn_encoder, build_dtn_generator
from tests import model_checks as checks

KWARGS = dict(representation_dim=16, f_filters=4, g_filters=4, d_filters=4)
BATCH = 16


@pytest.fixture(scope="module")
def digits():
    """64 rendered printed digits (source, 32x32x3) and 64 real handwritten ones (target, 32x32x1), uint8."""
    source, _ = load_printed_digits("train", num=64, seed=0)
    target, _ = load_handwritten_digits("train")
    return source, target[:64]


def pairs(digits, batches):
    source, target = (scale_images(x[: batches * BATCH]) for x in digits)
    return tf.data.Dataset.from_tensor_slices((source, target)).batch(BATCH, drop_remainder=True)


def test_fit_logs_the_paper_losses_and_keeps_f_fixed(digits):
    model = DTN(seed=0, alpha=2.0, beta=3.0, gamma=0.5, **KWARGS)
    model.compile()
    f_before = [w.numpy() for w in model.encoder.weights]
    g_before = [w.numpy() for w in model.generator.trainable_weights]
    history = model.fit(pairs(digits, 1), epochs=2, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss", "gan_loss", "const_loss", "tid_loss", "tv_loss"}
    assert all(np.isfinite(v).all() for v in history.history.values())
    assert int(model.d_optimizer.iterations) == int(model.g_optimizer.iterations) == 2
    assert checks.max_diff(f_before, [w.numpy() for w in model.encoder.weights]) == 0.0  # f is frozen
    assert checks.max_diff(g_before, [w.numpy() for w in model.generator.trainable_weights]) > 0.0
    # one step's g_loss = L_GANG + alpha L_CONST + beta L_TID + gamma L_TV
    logs = {k: v[-1] for k, v in history.history.items()}
    expected = logs["gan_loss"] + 2.0 * logs["const_loss"] + 3.0 * logs["tid_loss"] + 0.5 * logs["tv_loss"]
    np.testing.assert_allclose(logs["g_loss"], expected, rtol=1e-5)
    assert model.translate(digits[0][:3]).shape == (3, 32, 32, 1)


def test_losses_against_direct_formulas():
    logits = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]], "float32")
    log_softmax = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    for k in range(3):
        np.testing.assert_allclose(losses.class_cross_entropy(logits, k), -log_softmax[:, k], rtol=1e-6)
    one = np.array([[2.0], [-1.0]], "float32")
    np.testing.assert_allclose(losses.class_cross_entropy(one, 1), np.log1p(np.exp(-one[:, 0])), rtol=1e-6)
    np.testing.assert_allclose(losses.class_cross_entropy(one, 0), np.log1p(np.exp(one[:, 0])), rtol=1e-6)
    ramp = np.tile(np.arange(4, dtype="float32"), (4, 1))[None, ..., None]  # +1 per column, 0 per row
    np.testing.assert_allclose(losses.total_variation(ramp), [1.0], rtol=1e-6)
    np.testing.assert_allclose(losses.total_variation(np.zeros((1, 4, 4, 1))), [1e-4], rtol=1e-3)  # sqrt(eps)


def test_binary_discriminator_and_l1_distance_train(digits):
    model = DTN(seed=0, discriminator_kind="binary", distance="l1", **KWARGS)
    assert model.discriminator.outputs[0].shape[-1] == 1
    model.compile()
    history = model.fit(pairs(digits, 1), epochs=1, verbose=0)
    assert all(np.isfinite(v).all() for v in history.history.values())


@pytest.mark.slow
def test_save_load_resume_exact(digits, tmp_path):
    resumed = checks.check_save_resume(DTN, dict(KWARGS, seed=0), None, BATCH, tmp_path, data=pairs(digits, 2))
    assert resumed.alpha == 15.0 and resumed.beta == 15.0 and resumed.gamma == 0.0  # the paper's digits values
    assert resumed.encoder.trainable is False


@pytest.mark.slow
def test_mirrored_matches_single_device(digits):
    checks.check_mirrored_matches_single_device(DTN, KWARGS, None, BATCH, data=pairs(digits, 1))


_SERVE = r"""
import json, sys
import numpy as np
import tensorflow as tf
m = tf.saved_model.load(sys.argv[1])
x = np.load(sys.argv[2])
out = {"signatures": sorted(m.signatures.keys())}
y = m.signatures["serving_default"](images=tf.constant(x))["translated_images"]
out["dtype"], out["images"] = y.dtype.name, y.numpy().tolist()
try:
    m.signatures["serving_default"](images=tf.zeros((1, 28, 28, 3), tf.uint8))
    out["wrong_size"] = "accepted"
except Exception as e:
    out["wrong_size"] = type(e).__name__ + ": " + str(e)[:300]
out["imported_keras_gans"] = any(k.startswith("keras_gans") for k in sys.modules)
print("RESULT" + json.dumps(out))
"""


@pytest.mark.slow
def test_export_serves_source_uint8_to_target_uint8_without_keras_gans(digits, tmp_path):
    model = DTN(seed=0, **KWARGS)
    path = export(model, str(tmp_path / "dtn" / "1"))
    x = digits[0][:5]
    np.save(tmp_path / "x.npy", x)
    out = checks.serve_in_fresh_process(_SERVE, path, str(tmp_path / "x.npy"), cwd=tmp_path)
    assert {"serving_default", "translate"} <= set(out["signatures"])
    served = np.array(out["images"], "int64")
    assert out["dtype"] == "uint8" and served.shape == (5, 32, 32, 1)
    expected = np.round((np.clip(model.translate(x), -1, 1) + 1) * 127.5).astype("int64")
    assert np.abs(served - expected).max() <= 1  # two graphs' float32 rounding: one uint8 level at most
    assert out["wrong_size"].startswith("InvalidArgumentError")
    assert "images must be [batch, 32, 32, 3]" in out["wrong_size"]


def test_bad_inputs_are_clear_errors(digits):
    with pytest.raises(ValueError, match="different image sizes"):
        DTN(source_shape=(32, 32, 3), target_shape=(28, 28, 1), **KWARGS)
    with pytest.raises(ValueError, match="different channel counts"):
        DTN(source_shape=(32, 32, 3), target_shape=(32, 32, 1), match_channels=False, **KWARGS)
    f = build_dtn_encoder((32, 32, 3), filters=4, representation_dim=16)
    g = build_dtn_generator(representation_dim=32, image_shape=(32, 32, 1), filters=4)
    with pytest.raises(ValueError, match="f's representation has 16 features but g takes 32"):
        DTN(encoder=f, generator=g)
    with pytest.raises(ValueError, match="distance must be one of"):
        DTN(distance="cosine", **KWARGS)
    source, target = digits
    small = tf.image.resize(scale_images(target[:16]), (28, 28)).numpy()
    with pytest.raises(ValueError, match="different image sizes"):
        make_domain_dataset(source, (small * 127.5 + 127.5).astype("uint8"), batch_size=8)
    model = DTN(**KWARGS)
    model.compile()
    wrong = tf.data.Dataset.from_tensor_slices((scale_images(source[:16]), small)).batch(16)
    with pytest.raises(ValueError, match="target domain's images have shape"):
        model.fit(wrong, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"\(source_images, target_images\)"):
        model.fit(tf.data.Dataset.from_tensor_slices(scale_images(source[:16])).batch(16), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="translate takes source images"):
        model.translate(target[:2])


def test_domain_dataset_pairs_unaligned_batches(digits):
    source, target = digits
    data = make_domain_dataset(source, target[:20], batch_size=16, seed=0)
    batches = list(data)
    assert len(batches) == 4  # one pass over the 64 source images; the 20 targets repeat
    s, t = batches[0]
    assert s.shape == (16, 32, 32, 3) and t.shape == (16, 32, 32, 1)
    assert float(tf.reduce_min(s)) >= -1.0 and float(tf.reduce_max(t)) <= 1.0
    assert keras.ops.convert_to_numpy(s).dtype == np.float32
