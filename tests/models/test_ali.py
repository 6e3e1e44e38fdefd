import keras
import numpy as np
import pytest

from keras_gans import ALI, BiGAN
from keras_gans.callbacks import ReconstructionGrid
from keras_gans.serving.images import to_uint8
from tests import model_checks as checks

KWARGS = dict(image_shape=(28, 28, 1), g_filters=8, d_filters=8, e_filters=8, latent_dim=16)


@pytest.mark.parametrize("cls", [ALI, BiGAN])
def test_fit_finite(cls, fashion):
    model = checks.check_fit_finite(cls, KWARGS, fashion, batch=32)
    # one optimizer updates G and E together, as the paper's Algorithm 1
    assert len(model.g_optimizer.variables) > 1 and model.g_optimizer.iterations == 3
    assert model.encoder.trainable_variables[0].path in {v.path for v in model.variables_of(model.generator_networks())}


@pytest.mark.slow
def test_discriminator_learns(fashion):
    # Adam instead of the paper's optimizer: from the small initial weights (±0.005) the paper's SGD moves D's
    # loss by about 1e-5 in 8 steps, too little for 'falls' to prove anything
    checks.check_discriminator_learns(ALI, KWARGS, fashion, batch=64, d_optimizer=keras.optimizers.Adam(1e-3))


@pytest.mark.slow
@pytest.mark.parametrize("cls", [ALI, BiGAN])
def test_save_load_resume_exact(cls, fashion, tmp_path):
    resumed = checks.check_save_resume(cls, KWARGS, fashion, batch=32, tmp_path=tmp_path)
    assert type(resumed) is cls and resumed.stochastic == (cls is ALI)


@pytest.mark.slow
@pytest.mark.parametrize("cls", [ALI, BiGAN])
def test_mirrored_matches_single_device(cls, fashion):
    # dropout in D and ALI's encoder ε are drawn for the global batch: exact on 2 replicas; BiGAN's encoder is
    # deterministic and its Adam has weight decay
    single, replicated = checks.check_mirrored_matches_single_device(cls, KWARGS, fashion, batch=32)
    assert type(replicated) is cls and replicated.stochastic == (cls is ALI)
    x = fashion[0][:4]
    np.testing.assert_allclose(replicated.encode(x), single.encode(x), atol=1e-5)


_ENCODE_SCRIPT = r"""
import json, sys
import numpy as np
import tensorflow as tf
m = tf.saved_model.load(sys.argv[1])
x = np.load(sys.argv[2])
out = {"signatures": sorted(m.signatures.keys()), "z": m.signatures["encode"](images=tf.constant(x))["z"].numpy().tolist()}
try:
    m.signatures["encode"](images=tf.constant(np.zeros((1, 28, 28, 3), np.uint8)))
    out["wrong_channels"] = "accepted"
except Exception as e:
    out["wrong_channels"] = type(e).__name__
out["imported_keras_gans"] = any(k.startswith("keras_gans") for k in sys.modules)
print("RESULT" + json.dumps(out))
"""


@pytest.mark.slow
@pytest.mark.parametrize("cls", [ALI, BiGAN])
def test_export_serves_generate_and_encode_in_fresh_process(cls, fashion, tmp_path):
    model = checks.check_fit_finite(cls, KWARGS, fashion, batch=32, steps=1)
    path = checks.check_export(model, tmp_path)  # generate / sample / serving_default
    x = ((fashion[0][:5] + 1) * 127.5).round().astype(np.uint8)
    np.save(tmp_path / "x.npy", x)
    out = checks.serve_in_fresh_process(_ENCODE_SCRIPT, path, str(tmp_path / "x.npy"), cwd=tmp_path)
    assert "encode" in out["signatures"] and out["wrong_channels"] == "InvalidArgumentError"
    np.testing.assert_allclose(np.array(out["z"]), model.encode(x / 127.5 - 1.0), atol=1e-4)


def test_encode_is_the_mean_and_reconstruct_is_g_of_e(fashion):
    model = ALI(seed=0, **KWARGS)
    x = fashion[0][:6]
    z = model.encode(x)
    mean = model.encoder(x, training=False).numpy()[:, :16]
    np.testing.assert_allclose(z, mean, atol=1e-6)
    np.testing.assert_allclose(model.reconstruct(x), model.generator(z, training=False).numpy(), atol=1e-5)
    bigan = BiGAN(seed=0, **KWARGS)
    assert bigan.encoder.outputs[0].shape[-1] == 16 and model.encoder.outputs[0].shape[-1] == 32


@pytest.mark.slow
def test_generator_and_encoder_learn_to_fool_a_fixed_discriminator(fashion):
    """D frozen (learning rate 0): the swapped-label loss of G and E falls, and E's weights move."""
    model = ALI(seed=0, **KWARGS)
    model.compile(g_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5), d_optimizer=keras.optimizers.SGD(0.0))
    before = [w.copy() for w in model.encoder.get_weights()]
    g = model.fit(checks.dataset(ALI, fashion, 64), epochs=10, verbose=0).history["g_loss"]
    assert np.mean(g[-2:]) < np.mean(g[:2]) - 0.003, g  # from 2·log 2 = 1.386: D starts near-constant
    assert checks.max_diff(before, model.encoder.get_weights()) > 1e-3


@pytest.mark.slow
def test_reconstruction_grid_writes_x_above_g_of_e(fashion, tmp_path):
    model = ALI(seed=0, **KWARGS)
    model.compile()
    grid = ReconstructionGrid(fashion[0][:4], directory=str(tmp_path / "rec"))
    model.fit(checks.dataset(ALI, fashion, 32), epochs=1, verbose=0, callbacks=[grid])
    from PIL import Image

    image = np.asarray(Image.open(grid.last_path))
    assert image.shape[:2] == (2 * 30 + 2, 4 * 30 + 2)
    expected = to_uint8(model.reconstruct(fashion[0][:4]))
    assert np.abs(image[32:60, 2:30].astype(int) - expected[0, :, :, 0].astype(int)).max() <= 1
    with pytest.raises(TypeError, match="encoder"):
        from keras_gans import DCGAN

        dcgan = DCGAN(image_shape=(28, 28, 1), g_filters=8, d_filters=8)
        dcgan.compile()
        dcgan.fit(checks.dataset(DCGAN, fashion, 32), epochs=1, verbose=0, callbacks=[grid])


@pytest.mark.slow
def test_defaults_are_the_papers():
    ali, bigan = ALI(), BiGAN()
    ali.compile()
    bigan.compile()
    assert ali.stochastic and not bigan.stochastic
    # the paper's "β2 = 1e-3" is Blocks' 1 - β2
    assert (float(ali.d_optimizer.learning_rate), float(ali.d_optimizer.beta_1), float(ali.d_optimizer.beta_2)) == \
        pytest.approx((1e-4, 0.5, 0.999))
    assert float(bigan.g_optimizer.learning_rate) == pytest.approx(2e-4)
    assert float(bigan.g_optimizer.weight_decay) == pytest.approx(2.5e-5)
    rates = {layer.rate for layer in ali.discriminator.layers if isinstance(layer, keras.layers.Dropout)}
    assert rates == {0.2}


def test_bad_inputs_are_clear_errors():
    model = ALI(seed=0, **KWARGS)
    with pytest.raises(ValueError, match=r"encodes images of shape \(28, 28, 1\)"):
        model.encode(np.zeros((2, 32, 32, 1)))
    wrong = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(16)])
    with pytest.raises(ValueError, match="mean and sigma logit"):
        ALI(encoder=wrong, **KWARGS)
