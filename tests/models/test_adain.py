"""AdaINStyleTransfer: training, save/resume, distribution, every stylizing control, export, bad input.

Real images: content = Fashion-MNIST garments (grayscale, converted to RGB by repeating the channel,
resized 28 -> 32), style = crops of the two photographs scikit-learn ships (china.jpg, flower.jpg).
The VGG-19 encoder is random (no ImageNet weights offline) and 1/16 as wide as the paper's.
"""

import subprocess

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from sklearn.datasets import load_sample_images

from keras_gans import AdaIN, AdaINStyleTransfer, export
from keras_gans.layers.adain import mean_std
from keras_gans.models.adain import masked_adain, match_color
from tests import model_checks as checks

SIZE = 32


@pytest.fixture(scope="module")
def model_kwargs(tmp_path_factory):
    """A 1/16-width model whose random encoder is loaded from a weights file (the loading path users take)."""
    path = checks.write_paired_encoder_weights(tmp_path_factory.mktemp("vgg") / "paired.npz")
    return dict(width=1 / 16, encoder_weights=path)


@pytest.fixture(scope="module")
def photos():
    """scikit-learn's two sample photographs (427x640 RGB), uint8."""
    return load_sample_images().images


@pytest.fixture(scope="module")
def images(fashion, photos):
    """16 content images (garments, RGB) and 16 style crops (photos at 1/4 size), float32 [0, 255], 32x32."""
    garments = np.round((fashion[0][:16] + 1.0) * 127.5)
    content = np.round(tf.image.resize(np.repeat(garments, 3, axis=-1), (SIZE, SIZE)).numpy().clip(0, 255))
    rng = np.random.default_rng(0)
    crops = []
    for i in range(16):
        photo = np.asarray(Image.fromarray(photos[i % 2]).resize((160, 107), Image.BILINEAR))
        y, x = rng.integers(0, 107 - SIZE), rng.integers(0, 160 - SIZE)
        crops.append(photo[y : y + SIZE, x : x + SIZE])
    return content.astype("float32"), np.stack(crops).astype("float32")


def pairs(images, batch, n):
    content, style = images
    return tf.data.Dataset.from_tensor_slices((content[:n], style[:n])).batch(batch, drop_remainder=True)


def spread_outputs(model, images):
    """A random decoder's outputs are ~0 +- 1 grey level (mostly clipped to 0); rescale its last layer so that
    on these images they have mean 128 and std 50, and the stylizing comparisons below compare real pixels."""
    content, style = images
    t = model.adain([model.encoder(content[:4])[-1], model.encoder(style[:4])[-1]])
    last = model.decoder.get_layer("dec1_conv2")
    raw = np.asarray(keras.Model(model.decoder.input, last.output)(t))
    kernel, bias = last.get_weights()
    scale = 50.0 / 255.0 / raw.std()
    last.set_weights([kernel * scale, (bias - raw.mean()) * scale + 128.0 / 255.0])
    return model


@pytest.fixture(scope="module")
def model(model_kwargs, images):
    keras.utils.set_random_seed(1)
    return spread_outputs(AdaINStyleTransfer(**model_kwargs), images)


def decode(model, t):
    return np.clip(np.asarray(model.decoder(t)), 0, 255)


def close(a, b, levels=1):
    """uint8 images from two float32 graphs agree to rounding: at most `levels` grey levels apart."""
    a, b = np.asarray(a, "float64"), np.asarray(b, "float64")
    assert a.shape == b.shape
    return np.abs(a - b).max() <= levels


# --- Training ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_fit_trains_the_decoder_only_and_the_loss_falls(images, model_kwargs):
    keras.utils.set_random_seed(0)
    model = AdaINStyleTransfer(**model_kwargs)
    model.compile()
    encoder_before = [w.copy() for w in model.encoder.get_weights()]
    decoder_before = [w.copy() for w in model.decoder.get_weights()]
    history = model.fit(pairs(images, 4, 4), epochs=10, verbose=0)
    assert set(history.history) == {"loss", "content_loss", "style_loss"}
    losses = history.history["loss"]
    # Adam at the paper's 1e-4 on one fixed batch: the loss falls at every step (by ~5 % in 10 steps here)
    assert np.all(np.isfinite(losses)) and np.all(np.diff(losses) < 0) and losses[-1] < 0.98 * losses[0], losses
    np.testing.assert_allclose(np.array(losses), np.array(history.history["content_loss"])
                               + 10.0 * np.array(history.history["style_loss"]), rtol=1e-5)
    assert int(model.optimizer.iterations) == 10
    assert all(np.array_equal(a, b) for a, b in zip(encoder_before, model.encoder.get_weights()))
    assert not any(np.array_equal(a, b) for a, b in zip(decoder_before, model.decoder.get_weights()))


def test_loss_is_the_papers_equations(images, model):
    """train_step's losses equal Eq. 11-13 computed here with numpy from the networks' outputs."""
    content, style = images[0][:2], images[1][:2]
    f_s = [np.asarray(f, "float64") for f in model.encoder(style)]
    t = np.asarray(AdaIN()([model.encoder(content)[-1], model.encoder(style)[-1]]))
    f_g = [np.asarray(f, "float64") for f in model.encoder(model.decoder(t))]
    l_c = ((f_g[-1] - t) ** 2).mean()
    l_s = sum(((a.mean((1, 2)) - b.mean((1, 2))) ** 2).mean() + ((np.sqrt(a.var((1, 2)) + 1e-5)
              - np.sqrt(b.var((1, 2)) + 1e-5)) ** 2).mean() for a, b in zip(f_g, f_s))
    clone = AdaINStyleTransfer.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    clone.compile(optimizer=keras.optimizers.SGD(0.0))
    logs = clone.train_on_batch(content, style, return_dict=True)
    assert logs["content_loss"] == pytest.approx(l_c, rel=1e-4)
    assert logs["style_loss"] == pytest.approx(l_s, rel=1e-4)
    assert logs["loss"] == pytest.approx(l_c + 10 * l_s, rel=1e-4)


def test_bfloat16_encoder_features_and_float32_losses(images, model):
    """Under mixed_bfloat16 the encoder's outputs (relu1_1 ... relu4_1) stay bfloat16 -- their layers are its widest
    convolutions -- and every consumer computes in float32: the losses equal float32 arithmetic on those features,
    and the stylized images stay within bfloat16 rounding of the float32 model's on the same weights."""
    mixed = model.to_precision("mixed_bfloat16")
    content, style = images[0][:2], images[1][:2]


    @tf.function  # a graph, as train_step's: its fused bfloat16 kernels round as the step's do
    def forward(content, style):
        features = mixed.encoder(style)
        t = mixed.adain([mixed.encoder(content)[-1], features[-1]])
        return features, t, mixed.encoder(mixed.decoder(t))

    features, t, stylized = forward(tf.constant(content), tf.constant(style))
    assert [f.dtype for f in features] == ["bfloat16"] * 4
    f_g = [np.asarray(tf.cast(f, tf.float32), "float64") for f in stylized]
    f_s = [np.asarray(tf.cast(f, tf.float32), "float64") for f in features]
    l_c = ((f_g[-1] - np.asarray(tf.cast(t, tf.float32), "float64")) ** 2).mean()
    l_s = sum(((a.mean((1, 2)) - b.mean((1, 2))) ** 2).mean() + ((np.sqrt(a.var((1, 2)) + 1e-5)
              - np.sqrt(b.var((1, 2)) + 1e-5)) ** 2).mean() for a, b in zip(f_g, f_s))
    mixed.compile(optimizer=keras.optimizers.SGD(0.0))
    logs = mixed.train_on_batch(content, style, return_dict=True)
    # float32 sums over bfloat16 features in another order than numpy's float64 ones
    assert logs["content_loss"] == pytest.approx(l_c, rel=1e-4)
    assert logs["style_loss"] == pytest.approx(l_s, rel=1e-4)
    got = mixed.stylize(np.asarray(content[0], "uint8"), np.asarray(style[0], "uint8")).astype(float)
    want = model.stylize(np.asarray(content[0], "uint8"), np.asarray(style[0], "uint8")).astype(float)
    # bfloat16 keeps 8 bits of mantissa through ~20 layers: a few levels on average, not a different image
    assert np.abs(got - want).mean() <= 4.0 and np.corrcoef(got.ravel(), want.ravel())[0, 1] > 0.99


@pytest.mark.slow
def test_save_load_resume_exact(images, model_kwargs, tmp_path):
    resumed = checks.check_save_resume(AdaINStyleTransfer, model_kwargs, None, batch=4, tmp_path=tmp_path,
                                       data=pairs(images, 4, 8))
    schedule = resumed.optimizer.learning_rate
    # the reference's decay lr / (1 + 5e-5 · iteration) continues from the saved step (4 steps done)
    assert int(resumed.optimizer.iterations) == 4
    assert float(resumed.optimizer._get_current_learning_rate()) == pytest.approx(1e-4 / (1 + 5e-5 * 4), rel=1e-6)
    assert isinstance(resumed.optimizer._learning_rate, keras.optimizers.schedules.InverseTimeDecay), schedule


@pytest.mark.slow
def test_mirrored_matches_single_device(images, model_kwargs):
    checks.check_mirrored_matches_single_device(AdaINStyleTransfer, model_kwargs, None, batch=8, data=pairs(images, 8, 8))


def test_defaults_are_the_papers():
    model = AdaINStyleTransfer()
    model.compile()
    assert model.style_weight == 10.0 and model.padding == "reflect" and model.epsilon == 1e-5
    lr = model.optimizer._learning_rate
    assert float(lr(0)) == pytest.approx(1e-4) and float(lr(20000)) == pytest.approx(1e-4 / 2)
    assert model.optimizer.epsilon == 1e-8
    assert model.encoder.trainable is False and model.encoder.trainable_weights == []
    assert [v.path for v in model.trainable_variables] == [v.path for v in model.decoder.trainable_variables]
    # VGG-19 to relu4_1 and its mirror: the reference decoder has 3,505,219 parameters
    assert model.encoder.count_params() == 3_505_728
    assert model.decoder.count_params() == 3_505_219


# --- Stylizing controls -------------------------------------------------------------------------
@pytest.mark.slow
def test_alpha_trades_content_for_style(images, model):
    content, style = images[0][0], images[1][0]
    f_c = model.encoder(content[None])[-1]
    t = AdaIN()([f_c, model.encoder(style[None])[-1]])
    outputs = {}
    for alpha in (0.0, 0.5, 1.0):
        outputs[alpha] = model.stylize(content.astype("uint8"), style, alpha=alpha)
        assert close(outputs[alpha], decode(model, alpha * t + (1 - alpha) * f_c)[0])
    assert (decode(model, t) <= 0).mean() + (decode(model, t) >= 255).mean() < 0.05  # real values, not clipping
    assert np.abs(outputs[0.0].astype(int) - outputs[1.0]).mean() > 5


def test_interpolating_styles_with_weights(images, model):
    content, s1, s2 = images[0][1], images[1][0], images[1][1]
    f_c = model.encoder(content[None])[-1]
    t1 = AdaIN()([f_c, model.encoder(s1[None])[-1]])
    t2 = AdaIN()([f_c, model.encoder(s2[None])[-1]])
    mixed = model.stylize(content, [s1, s2], style_weights=[3, 7])  # normalized to 0.3 / 0.7 as the reference does
    assert close(mixed, decode(model, 0.3 * t1 + 0.7 * t2)[0])  # the reference's weighted sum of AdaIN outputs
    assert close(model.stylize(content, [s1, s2], style_weights=[1, 0]), model.stylize(content, s1))
    assert np.abs(mixed.astype(int) - model.stylize(content, s1)).mean() > 1


def test_match_color_gives_the_targets_mean_and_covariance(photos):
    source = photos[0][:200, :300][None].astype("float32")
    target = photos[1][100:300, 200:400][None].astype("float32")
    exact = np.asarray(match_color(source, target, clip=False), "float64")[0].reshape(-1, 3)
    target = target[0].reshape(-1, 3).astype("float64")
    np.testing.assert_allclose(exact.mean(0), target.mean(0), atol=0.01)
    # both covariances get +1 (one grey level²) on the diagonal before the square roots, and match_color sums
    # 60,000 pixels and takes eigenvectors in float32: 0.5 % relative
    np.testing.assert_allclose(np.cov(exact.T, bias=True), np.cov(target.T, bias=True), rtol=5e-3, atol=1.5)
    assert np.abs(np.cov(exact.T, bias=True) - np.cov(source[0].reshape(-1, 3).T, bias=True)).max() > 200
    clipped = np.asarray(match_color(source, target.reshape(1, 200, 200, 3)))
    assert clipped.min() >= 0 and clipped.max() <= 255
    np.testing.assert_allclose(clipped.reshape(-1, 3), exact.clip(0, 255), atol=1e-3)


@pytest.mark.slow
def test_preserve_color_recolours_the_style_first(images, photos, model):
    content = np.asarray(Image.fromarray(photos[0]).resize((48, 32)), "float32")
    style = images[1][1]
    kept = model.stylize(content, style, preserve_color=True)
    recoloured = np.asarray(match_color(style[None], content[None]))[0]
    assert close(kept, model.stylize(content, recoloured))
    assert np.abs(kept.astype(int) - model.stylize(content, style)).mean() > 1


def test_masked_adain_gives_each_region_its_style():
    rng = np.random.default_rng(2)
    content = rng.gamma(2.0, 1.0, (1, 6, 8, 4)).astype("float32")
    regions = np.zeros((1, 6, 8), "int32")
    regions[:, :, 5:] = 1
    style_mean = np.array([[[1.0, 2, 3, 4], [-4, -3, -2, -1]]], "float32")
    style_std = np.array([[[0.5, 1, 2, 3], [3, 2, 1, 0.5]]], "float32")
    out = np.asarray(masked_adain(content, regions, style_mean, style_std, epsilon=0.0))
    for k, region in enumerate((out[:, :, :5], out[:, :, 5:])):
        np.testing.assert_allclose(region.mean(axis=(1, 2))[0], style_mean[0, k], atol=1e-5)
        np.testing.assert_allclose(region.std(axis=(1, 2))[0], style_std[0, k], rtol=1e-5)


@pytest.mark.slow
def test_mask_assigns_styles_to_regions(images, model):
    content, s0, s1 = images[0][2], images[1][0], images[1][1]
    zeros, ones = np.zeros((SIZE, SIZE), int), np.ones((SIZE, SIZE), int)
    assert close(model.stylize(content, [s0, s1], mask=zeros), model.stylize(content, s0))
    assert close(model.stylize(content, [s0, s1], mask=ones), model.stylize(content, s1))
    half = zeros.copy()
    half[:, 16:] = 1
    f_c = model.encoder(content[None])[-1]
    stats = [mean_std(model.encoder(s[None])[-1]) for s in (s0, s1)]
    mean = tf.stack([m[0] for m, _ in stats])[None]
    std = tf.stack([s[0] for _, s in stats])[None]
    t = masked_adain(f_c, half[None, 4::8, 4::8], mean, std)
    assert close(model.stylize(content, [s0, s1], mask=half), decode(model, t)[0])


@pytest.mark.slow
def test_any_content_size_is_padded_and_cropped_back(images, photos, model):
    style = photos[1][:20, :70]  # another size than the content
    content = np.asarray(Image.fromarray(photos[0]).resize((50, 37)))
    out = model.stylize(content, style)
    assert out.shape == (37, 50, 3) and out.dtype == np.uint8
    padded = np.pad(content.astype("float32"), [(0, 3), (0, 6), (0, 0)], mode="reflect")
    full = np.clip(np.asarray(model([padded[None], style[None].astype("float32")])), 0, 255)
    assert close(out, full[0, :37, :50])
    # a multiple of 8 needs no padding
    assert close(model.stylize(content[:32, :48], style),
                 np.clip(np.asarray(model([content[None, :32, :48].astype("float32"), style[None]])), 0, 255)[0])


def test_batches_lists_grayscale_and_rgba(images, model):
    content, style = images[0][:3].astype("uint8"), images[1][0]
    batch = model.stylize(content, style)
    assert batch.shape == (3, SIZE, SIZE, 3)
    listed = model.stylize([content[0], content[1, :24, :20]], style)
    assert isinstance(listed, list) and listed[1].shape == (24, 20, 3)
    assert close(listed[0], batch[0])
    with pytest.warns(UserWarning, match="content image is grayscale: converted to RGB"):
        gray = model.stylize(content[0, :, :, 0], style)
    assert close(gray, batch[0])  # the garments are gray: R = G = B
    rgba = np.concatenate([content[0], np.full((SIZE, SIZE, 1), 128, np.uint8)], axis=-1)
    with pytest.warns(UserWarning, match="content image is RGBA: its alpha channel was dropped"):
        assert close(model.stylize(rgba, style), batch[0])


@pytest.mark.parametrize("kwargs, message", [
    (dict(alpha=1.5), r"alpha .* must be a number in \[0, 1\], got 1.5"),
    (dict(alpha=-0.1), r"must be a number in \[0, 1\]"),
    (dict(alpha="1"), r"must be a number in \[0, 1\]"),
    (dict(styles=2, style_weights=[1.0]), r"style_weights has 1 value\(s\) for 2 style image\(s\)"),
    (dict(styles=2, style_weights=[1.0, -1.0]), "non-negative and not all zero"),
    (dict(mask=np.zeros((20, 32), int)), "mask is 20x32 but the content image is 32x32"),
    (dict(styles=2, mask=np.full((32, 32), 2)), r"mask has 3 regions \(ids 0..2\) but only 2 style image\(s\)"),
    (dict(mask=np.zeros((32, 32), float)), "mask must be an integer array"),
    (dict(styles=2, mask=np.zeros((32, 32), int), style_weights=[1, 1]), "pass one of them"),
    (dict(content=np.zeros((12, 40, 3))), "content image is 12x40: AdaIN needs images of at least 16x16"),
    (dict(content=np.full((32, 32, 3), 300.0)), r"values in \[0, 255\]"),
    (dict(content=np.zeros((32, 32, 2))), "has 2 channels"),
])
def test_bad_stylize_input_is_a_clear_error(images, model, kwargs, message):
    kwargs = dict(kwargs)
    content = kwargs.pop("content", images[0][0])
    styles = [images[1][i] for i in range(kwargs.pop("styles", 1))]
    with pytest.raises(ValueError, match=message):
        model.stylize(content, styles, **kwargs)


# --- Export ---------------------------------------------------------------------------------------
_SERVING_SCRIPT = r"""
import base64, io, json, sys
import numpy as np
import tensorflow as tf

m = tf.saved_model.load(sys.argv[1])
d = np.load(sys.argv[2])
out = {"signatures": sorted(m.signatures.keys())}
c, s = tf.constant(d["content"]), tf.constant(d["style"])
out["default"] = m.signatures["serving_default"](content=c, style=s, alpha=tf.constant(0.7))["images"].numpy().tolist()
png = lambda a: tf.io.encode_png(a).numpy()
b = m.signatures["stylize_bytes"](content_bytes=tf.constant([png(x) for x in d["content"]]),
                                  style_bytes=tf.constant([png(x) for x in d["style"]]), alpha=tf.constant(0.7))
out["bytes"] = [tf.io.decode_png(p).numpy().tolist() for p in b["stylized_bytes"].numpy()]
styles = tf.constant(d["style"])
out["interpolate"] = m.signatures["interpolate"](content=c[0], styles=styles, style_weights=tf.constant([0.25, 0.75]),
    alpha=tf.constant(1.0), preserve_color=tf.constant(True))["images"].numpy().tolist()
out["masked"] = m.signatures["masked"](content=c[0], styles=styles, mask=tf.constant(d["mask"]),
    alpha=tf.constant(1.0), preserve_color=tf.constant(False))["images"].numpy().tolist()
errors = {}
for name, call in {
    "alpha": lambda: m.signatures["serving_default"](content=c, style=s, alpha=tf.constant(1.5)),
    "weights": lambda: m.signatures["interpolate"](content=c[0], styles=styles, style_weights=tf.constant([1.0]),
                                                   alpha=tf.constant(1.0), preserve_color=tf.constant(False)),
    "mask_regions": lambda: m.signatures["masked"](content=c[0], styles=styles, mask=tf.constant(d["mask"]) + 1,
                                                   alpha=tf.constant(1.0), preserve_color=tf.constant(False)),
    "mask_size": lambda: m.signatures["masked"](content=c[0], styles=styles, mask=tf.constant(d["mask"][:8]),
                                                alpha=tf.constant(1.0), preserve_color=tf.constant(False)),
}.items():
    try:
        call()
        errors[name] = "accepted"
    except Exception as e:
        errors[name] = type(e).__name__ + ": " + str(e)
out["errors"] = errors
out["imported_keras_gans"] = any(k.startswith("keras_gans") for k in sys.modules)
print("RESULT" + json.dumps(out))
"""


@pytest.mark.slow
def test_export_serves_every_control_in_a_fresh_process(images, model, tmp_path):
    path = export(model, str(tmp_path / "adain" / "1"))
    content = images[0][3:5].astype("uint8")
    style = images[1][2:4].astype("uint8")
    mask = np.zeros((SIZE, SIZE), "int32")
    mask[16:] = 1
    np.savez(tmp_path / "inputs.npz", content=content, style=style, mask=mask)
    out = checks.serve_in_fresh_process(_SERVING_SCRIPT, path, str(tmp_path / "inputs.npz"), cwd=tmp_path)
    assert {"serving_default", "stylize_bytes", "interpolate", "masked"} <= set(out["signatures"])
    expected = np.stack([model.stylize(c, s, alpha=0.7) for c, s in zip(content, style)])
    assert close(np.array(out["default"]), expected)
    assert close(np.array(out["bytes"]), expected)
    assert close(np.array(out["interpolate"])[0],
                 model.stylize(content[0], list(style), style_weights=[0.25, 0.75], preserve_color=True))
    assert close(np.array(out["masked"])[0], model.stylize(content[0], list(style), mask=mask))
    errors = out["errors"]
    assert errors["alpha"].startswith("InvalidArgumentError") and "alpha must be in [0, 1]" in errors["alpha"]
    assert "one weight per style" in errors["weights"]
    assert "more regions than styles" in errors["mask_regions"]
    assert "mask must have the size of the content image" in errors["mask_size"]
    cli = subprocess.run([checks.SAVED_MODEL_CLI, "show", "--dir", path, "--all"], capture_output=True, text=True,
                         timeout=300)
    assert cli.returncode == 0 and "signature_def['serving_default']" in cli.stdout
    assert "inputs['alpha']" in cli.stdout and "DT_UINT8" in cli.stdout
