import h5py
import keras
import numpy as np
import pytest

from keras_gans.kernels import UpsamplingConv2D
from keras_gans.networks import build_adain_decoder, build_vgg19_encoder, load_vgg19_weights
from keras_gans.networks import vgg
from keras_gans.networks.vgg import FEATURE_LAYERS, save_vgg19_weights_npz


@pytest.fixture(scope="module")
def keras_vgg19():
    """keras.applications' VGG-19 without its top, random weights (ImageNet weights cannot be downloaded here)."""
    keras.utils.set_random_seed(0)
    return keras.applications.VGG19(include_top=False, weights=None, input_shape=(None, None, 3))


def write_keras2_h5(model, path):
    """The layout of keras.applications' vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5 (Keras 2 HDF5)."""
    with h5py.File(path, "w") as f:
        names = [layer.name for layer in model.layers]
        f.attrs["layer_names"] = [n.encode() for n in names]
        for layer in model.layers:
            group = f.create_group(layer.name)
            weight_names = [f"{layer.name}/{w.name}:0".encode() for w in layer.weights]
            group.attrs["weight_names"] = weight_names
            for name, value in zip(weight_names, layer.get_weights()):
                group.create_dataset(name.decode(), data=value)
    return path


def test_encoder_is_keras_vgg19_with_its_preprocessing_built_in(keras_vgg19, tmp_path):
    """Zero-padded encoder + the same weights == keras.applications VGG19 on preprocess_input(x)."""
    path = write_keras2_h5(keras_vgg19, tmp_path / "vgg19_notop.h5")
    encoder = build_vgg19_encoder(padding="zero", weights=str(path))
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (2, 32, 40, 3)).astype("uint8")
    features = encoder(rgb.astype("float32"))
    reference = keras.Model(keras_vgg19.input, [keras_vgg19.get_layer(n).output for n in FEATURE_LAYERS])
    expected = reference(keras.applications.vgg19.preprocess_input(rgb.astype("float32")))
    assert [f.shape[-1] for f in features] == [64, 128, 256, 512]
    for ours, theirs in zip(features, expected):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-3 * float(np.abs(theirs).max()))
    # uint8 input is accepted as is
    np.testing.assert_allclose(encoder(rgb)[-1], features[-1], rtol=1e-6)


def test_weights_load_by_name_and_block5_is_ignored(keras_vgg19, tmp_path):
    path = write_keras2_h5(keras_vgg19, tmp_path / "vgg19_notop.h5")
    encoder = build_vgg19_encoder(padding="reflect", weights=str(path))
    convs = [layer for layer in encoder.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [c.name for c in convs] == ["block1_conv1", "block1_conv2", "block2_conv1", "block2_conv2",
                                       "block3_conv1", "block3_conv2", "block3_conv3", "block3_conv4", "block4_conv1"]
    for conv in convs:
        for ours, theirs in zip(conv.get_weights(), keras_vgg19.get_layer(conv.name).get_weights()):
            np.testing.assert_array_equal(ours, theirs)


def test_npz_round_trip_at_small_width(tmp_path):
    source = build_vgg19_encoder(width=1 / 16)
    path = save_vgg19_weights_npz(source, tmp_path / "small.npz")
    target = build_vgg19_encoder(width=1 / 16, weights=str(path))
    x = np.random.default_rng(1).uniform(0, 255, (1, 16, 16, 3)).astype("float32")
    for a, b in zip(source(x), target(x), strict=True):
        np.testing.assert_array_equal(a, b)


def test_wrong_weights_are_clear_errors(keras_vgg19, tmp_path):
    small = save_vgg19_weights_npz(build_vgg19_encoder(width=1 / 16), tmp_path / "small.npz")
    encoder = build_vgg19_encoder(width=1 / 8)
    before = [w.copy() for w in encoder.get_weights()]
    with pytest.raises(ValueError, match=r"layer 'block1_conv1' has shapes \[\(3, 3, 3, 4\), \(4,\)\], the encoder "
                                         r"needs \[\(3, 3, 3, 8\), \(8,\)\]"):
        load_vgg19_weights(encoder, str(small))
    assert all(np.array_equal(a, b) for a, b in zip(before, encoder.get_weights()))  # nothing half loaded
    arrays = dict(np.load(small))
    del arrays["block4_conv1/kernel"], arrays["block4_conv1/bias"]
    np.savez(tmp_path / "partial.npz", **arrays)
    with pytest.raises(ValueError, match="have no layer 'block4_conv1'"):
        build_vgg19_encoder(width=1 / 16, weights=str(tmp_path / "partial.npz"))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        build_vgg19_encoder(width=1 / 16, weights=str(tmp_path / "missing.h5"))
    (tmp_path / "garbage.h5").write_bytes(b"not hdf5")
    with pytest.raises(ValueError, match="cannot read encoder weights"):
        build_vgg19_encoder(width=1 / 16, weights=str(tmp_path / "garbage.h5"))
    with h5py.File(tmp_path / "keras3.h5", "w") as f:
        f.create_group("layers")
    with pytest.raises(ValueError, match="not a Keras 2-format HDF5"):
        build_vgg19_encoder(width=1 / 16, weights=str(tmp_path / "keras3.h5"))
    # full-width ImageNet-layout weights into a narrow encoder
    path = write_keras2_h5(keras_vgg19, tmp_path / "vgg19_notop.h5")
    with pytest.raises(ValueError, match="ImageNet weights need width=1"):
        build_vgg19_encoder(width=1 / 16, weights=str(path))


def test_imagenet_offline_says_what_to_do(monkeypatch):
    def offline(*args, **kwargs):
        raise OSError("URL fetch failure: no internet")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(ValueError, match="pass a local copy of vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"):
        vgg.imagenet_weights_path()


def test_decoder_mirrors_the_encoder():
    decoder = build_adain_decoder()
    assert decoder.input.shape[-1] == 512
    assert decoder(np.zeros((1, 4, 5, 512), "float32")).shape == (1, 32, 40, 3)
    kinds = [type(layer).__name__ for layer in decoder.layers]
    # the three nearest up-samplings, each with the reflection-padded conv after it, are UpsamplingConv2D layers
    assert kinds.count("FastConv2D") == 6 == kinds.count("ReflectionPadding2D")
    assert kinds.count("UpsamplingConv2D") == 3
    assert [l.name for l in decoder.layers if isinstance(l, UpsamplingConv2D)] == ["dec3_conv1", "dec2_conv1",
                                                                                   "dec1_conv1"]
    assert all(l.border == "reflect" for l in decoder.layers if isinstance(l, UpsamplingConv2D))
    assert not any("Normalization" in k or "UpSampling" in k for k in kinds)
    convs = [l for l in decoder.layers if isinstance(l, keras.layers.Conv2D)]
    assert [c.filters for c in convs] == [256, 256, 256, 256, 128, 128, 64, 64, 3]
    assert convs[-1].activation.__name__ == "linear"
    assert all(c.activation.__name__ == "relu" for c in convs[:-1])


@pytest.mark.parametrize("kwargs, message", [(dict(width=0), "width must be"), (dict(width=2), "width must be"),
                                             (dict(padding="same"), "padding must be one of")])
def test_bad_encoder_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_vgg19_encoder(**kwargs)
