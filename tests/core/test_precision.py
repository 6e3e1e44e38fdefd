"""Precision as one switch (keras_gans.core.precision): every model trains a few steps in each mixed precision with
finite losses and float32 outputs; float32 where it matters; the gradient penalty and R1 under float16 equal
float32's on the same batch; a model saved in one precision reloads in another; bad values are clear errors."""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import (ALI, BEGAN, DCGAN, DTN, EBGAN, GAN, GRAN, SNGAN, WGAN, WGANGP, AdaINStyleTransfer, BiGAN,
                        ConditionalGAN, CycleGAN, Pix2Pix, StyleGAN)
from keras_gans.core import precision as precisions
from tests import model_checks as checks

MIXED = ["mixed_bfloat16", "mixed_float16"]
IMAGES = dict(image_shape=(28, 28, 1))
#: name -> (small model factory taking the precision, the data it trains on)
MODELS = {
    "GAN": (lambda p: GAN(g_units=(32, 32), d_units=(16, 16), precision=p, **IMAGES), "images"),
    "DCGAN": (lambda p: DCGAN(g_filters=8, d_filters=8, precision=p, **IMAGES), "images"),
    "WGAN": (lambda p: WGAN(g_filters=8, d_filters=8, n_critic=1, warmup_schedule=False, precision=p, **IMAGES),
             "images"),
    "WGANGP": (lambda p: WGANGP(g_filters=8, d_filters=8, n_critic=1, precision=p, **IMAGES), "images"),
    "ConditionalGAN": (lambda p: ConditionalGAN(num_classes=10, precision=p, **IMAGES), "labelled"),
    "EBGAN": (lambda p: EBGAN(g_filters=8, d_filters=8, precision=p, **IMAGES), "images"),
    "BEGAN": (lambda p: BEGAN(filters=8, hidden_dim=8, latent_dim=8, precision=p, **IMAGES), "images"),
    "ALI": (lambda p: ALI(g_filters=8, d_filters=8, e_filters=8, latent_dim=16, precision=p, **IMAGES), "images"),
    "BiGAN": (lambda p: BiGAN(g_filters=8, d_filters=8, e_filters=8, latent_dim=16, precision=p, **IMAGES),
              "images"),
    "GRAN": (lambda p: GRAN(g_filters=8, d_filters=8, num_steps=2, precision=p, **IMAGES), "images"),
    "SNGAN": (lambda p: SNGAN(architecture="cnn", image_shape=(32, 32, 1), n_dis=1, precision=p), "images32"),
    "StyleGAN": (lambda p: StyleGAN(image_shape=(16, 16, 1), latent_dim=16, w_dim=16, mapping_layers=2,
                                    channel_base=128, channel_max=16, ema_kimg=0.1, r1_gamma=0.1, precision=p),
                 "images16"),
    "Pix2Pix": (lambda p: Pix2Pix(input_channels=1, output_channels=1, image_size=32, g_filters=4, d_filters=4,
                                  precision=p), "pairs"),
    "CycleGAN": (lambda p: CycleGAN(input_channels=1, output_channels=1, image_size=32, g_filters=4, d_filters=4,
                                    n_blocks=1, pool_size=2, precision=p), "pairs"),
    "DTN": (lambda p: DTN(representation_dim=16, f_filters=4, g_filters=4, d_filters=4, precision=p), "domains"),
    "AdaIN": (lambda p: AdaINStyleTransfer(width=1 / 16, precision=p), "styles"),
}


def data(kind, fashion, batch=4):
    """Two batches of real Fashion-MNIST garments shaped for a model."""
    images, labels = fashion[0][: 2 * batch], fashion[1][: 2 * batch]
    resized = {size: tf.image.resize(images, (size, size), antialias=True).numpy() for size in (16, 32)}
    if kind == "images":
        return tf.data.Dataset.from_tensor_slices(images).batch(batch)
    if kind == "labelled":
        return tf.data.Dataset.from_tensor_slices((images, labels)).batch(batch)
    if kind in ("images16", "images32"):
        return tf.data.Dataset.from_tensor_slices(resized[int(kind[-2:])]).batch(batch)
    if kind == "pairs":  # (A, B): a garment and its mirror image
        return tf.data.Dataset.from_tensor_slices((resized[32], resized[32][:, :, ::-1])).batch(batch)
    rgb = np.repeat(resized[32], 3, axis=-1)
    if kind == "domains":  # (source RGB, target grey), both in [-1, 1]
        return tf.data.Dataset.from_tensor_slices((rgb, resized[32][::-1])).batch(batch)
    pixels = np.round((rgb + 1.0) * 127.5)  # AdaIN: (content, style) in [0, 255]
    return tf.data.Dataset.from_tensor_slices((pixels, pixels[::-1])).batch(batch)


def networks(model):
    return [getattr(model, name) for name in model.network_config_keys]


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("precision", MIXED)
def test_every_model_trains_in_each_mixed_precision(fashion, name, precision):
    make, kind = MODELS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (no float16 hardware here)
        model = make(precision)
    assert (model.precision, model.precision_policy) == (precision, precision)
    model.compile()
    history = model.fit(data(kind, fashion), epochs=1, verbose=0).history
    for key, values in history.items():
        assert np.all(np.isfinite(values)), (key, values)
    for network in networks(model):
        policies = precisions.policies(network)
        assert precision in set(policies.values()), (network.name, policies)  # the layers compute in it ...
        # ... and the outputs are float32, except the AdaIN encoder's features: every consumer of theirs (mean_std,
        # AdaIN, the content loss) computes in float32 itself, and their layers are the encoder's widest convolutions
        features = isinstance(model, AdaINStyleTransfer) and network is model.encoder
        for output in network.outputs:
            assert output.dtype == (precision.split("_")[1] if features else "float32"), (network.name, output)
        assert all(v.dtype == "float32" for v in network.trainable_variables)  # float32 master weights
    optimizers = [model.optimizer] if isinstance(model, AdaINStyleTransfer) else [model.g_optimizer,
                                                                                  model.d_optimizer]
    for optimizer in optimizers:  # loss scaling exactly under float16
        assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer) == (precision == "mixed_float16")


def test_generated_images_and_serving_stay_float32_and_uint8(fashion, tmp_path):
    model = DCGAN(g_filters=8, d_filters=8, precision="mixed_bfloat16", seed=0, **IMAGES)
    images = model.generate(4, seed=1)
    assert images.dtype == "float32" and np.all(np.abs(images) <= 1.0)
    from keras_gans.serving import export

    export(model, tmp_path / "export")
    loaded = tf.saved_model.load(str(tmp_path / "export"))
    z = tf.random.normal((2, model.latent_dim), seed=1)
    served = loaded.signatures["generate"](z=z)["images"]
    assert served.dtype == tf.uint8 and served.shape == (2, 28, 28, 1)
    expected = tf.round((tf.clip_by_value(model.generator(z), -1, 1) + 1) * 127.5)
    assert float(tf.reduce_max(tf.abs(tf.cast(served, tf.float32) - expected))) <= 1.0
    # TFLite has no bfloat16 kernels: its file computes in float32 from the float32 master weights
    from keras_gans.serving.formats import Converted

    tflite = Converted(export(model, tmp_path / "tflite", format="tflite"))("generate", z=z.numpy())["images"]
    in_float32 = tf.round((tf.clip_by_value(model.to_precision("float32").generator(z), -1, 1) + 1) * 127.5)
    assert tflite.dtype == np.uint8 and float(np.max(np.abs(tflite - in_float32.numpy()))) <= 1.0


def _same_weights(target, source):
    for a, b in zip(target.weights, source.weights):
        a.assign(b)


@pytest.mark.parametrize("cls, kwargs, penalty", [
    (WGANGP, dict(g_filters=8, d_filters=8, n_critic=1, **IMAGES), "gp"),
    (DCGAN, dict(g_filters=8, d_filters=8, r1_gamma=10.0, **IMAGES), "r1"),
])
def test_penalties_under_float16_equal_float32_on_the_same_batch(fashion, cls, kwargs, penalty):
    """float16 computes D in half precision (10-bit mantissa): the per-example penalties agree with float32's to
    within 2 % (a relative rounding of ~1e-3 per layer, through D and its gradient; measured: R1 3e-4, the gradient
    penalty up to 3 % on a penalty near 0, where (||g|| - 1)² magnifies the error of ||g||: hence atol 1e-4),
    and are finite."""
    reference = cls(precision="float32", seed=0, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        half = cls(precision="mixed_float16", seed=0, **kwargs)
    _same_weights(half, reference)
    real = tf.constant(fashion[0][:8])
    fake = reference.generator(tf.random.stateless_normal((8, reference.latent_dim), seed=(1, 2)), training=False)
    values = []
    for model in (reference, half):
        model.compile()
        if penalty == "gp":  # (both models draw the same interpolation weights: the same seed, fresh states)
            value = model.critic_penalty(real, fake)[1]["gp"]
        else:
            value = model.r1_penalty(real)
        values.append(np.asarray(value, "float64"))
    assert np.all(np.isfinite(values[1])) and values[1].dtype == np.float64
    assert float(np.max(values[0])) > 1e-3  # a penalty worth comparing
    np.testing.assert_allclose(values[1], values[0], rtol=0.02, atol=1e-4)


def test_a_model_saved_in_one_precision_reloads_in_another(fashion, tmp_path):
    model = DCGAN(g_filters=8, d_filters=8, precision="mixed_bfloat16", seed=0, **IMAGES)
    model.compile()
    model.fit(data("images", fashion), epochs=1, verbose=0)
    model.save(tmp_path / "bf16.keras")
    loaded = keras.models.load_model(tmp_path / "bf16.keras")
    assert loaded.precision == "mixed_bfloat16" and "mixed_bfloat16" in precisions.policies(loaded.generator).values()
    assert checks.max_diff(loaded.get_weights(), model.get_weights()) == 0.0
    as_float32 = loaded.to_precision("float32")
    assert as_float32.precision == "float32"
    assert set(precisions.policies(as_float32.generator).values()) == {"float32"}
    assert checks.max_diff(as_float32.get_weights(), model.get_weights()) == 0.0
    z = model.sample_latent(4)
    # the same weights in float32: the bfloat16 generator's images within its rounding (8-bit mantissa)
    np.testing.assert_allclose(as_float32.generator(z), model.generator(z), atol=0.05)
    as_float32.fit(data("images", fashion), epochs=1, verbose=0)  # the optimizer state came along
    assert int(as_float32.g_optimizer.iterations) == 4


def test_bad_precision_is_a_clear_error_and_auto_resolves_from_the_hardware(monkeypatch):
    with pytest.raises(ValueError, match="precision must be one of float32, mixed_bfloat16, mixed_float16, auto"):
        DCGAN(precision="bfloat16", **IMAGES)
    monkeypatch.setattr(precisions, "has_gpu", lambda: False)
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    monkeypatch.delenv("DNNL_MAX_CPU_ISA", raising=False)
    monkeypatch.setattr(precisions, "cpu_vendor", lambda: "AuthenticAMD")  # Zen 4: bfloat16 measured faster
    monkeypatch.setattr(precisions, "cpu_flags", lambda: frozenset({"avx512f", "avx512_bf16"}))
    assert precisions.resolve("auto") == "mixed_bfloat16"
    monkeypatch.setattr(precisions, "cpu_vendor", lambda: "GenuineIntel")  # no AMX: bfloat16 measured slower
    assert precisions.resolve("auto") == "float32" and precisions.lacking_hardware("mixed_bfloat16") is None
    monkeypatch.setattr(precisions, "cpu_flags", lambda: frozenset({"avx512f", "avx512_bf16", "amx_bf16"}))
    assert precisions.resolve("auto") == "mixed_bfloat16"
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "avx512_core_bf16")  # oneDNN held below AMX
    assert precisions.resolve("auto") == "float32" and precisions.lacking_hardware("mixed_bfloat16") is None
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX512_CORE_AMX")
    assert precisions.resolve("auto") == "mixed_bfloat16"
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")  # no bfloat16 unit left to oneDNN
    assert precisions.resolve("auto") == "float32" and "no bfloat16 hardware" in precisions.lacking_hardware(
        "mixed_bfloat16")
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA")
    monkeypatch.setattr(precisions, "cpu_flags", lambda: frozenset({"avx2"}))
    assert precisions.resolve("auto") == "float32"
    assert "no bfloat16 hardware" in precisions.lacking_hardware("mixed_bfloat16")
    monkeypatch.setattr(precisions, "_warned", set())
    with pytest.warns(RuntimeWarning, match="no bfloat16 hardware") as record:
        precisions.resolve("mixed_bfloat16")
        precisions.resolve("mixed_bfloat16")
    assert len(record) == 1  # once per process
    monkeypatch.setattr(precisions, "has_gpu", lambda: True)
    assert precisions.resolve("auto") == "mixed_float16" and precisions.lacking_hardware("mixed_float16") is None
