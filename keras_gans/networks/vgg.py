"""VGG-19 up to ``relu4_1``: the frozen encoder of AdaIN style transfer (Huang & Belongie 2017,
Section 6.1; Simonyan & Zisserman 2015).

The encoder takes RGB images in [0, 255] (float or uint8) and applies the preprocessing that the
``keras.applications`` VGG-19 ImageNet weights were trained with ("caffe" mode: RGB -> BGR, minus
the ImageNet channel means) as its first layer, so callers never preprocess. Its outputs are the
activations ``relu1_1, relu2_1, relu3_1, relu4_1`` (``block{1..4}_conv1`` after ReLU), the layers
AdaIN's style loss uses; the last is the content feature.

Layer names are those of ``keras.applications.VGG19`` (``block1_conv1``, ...), which is how the
ImageNet weights (and any local file in the same format) are mapped onto it.
"""

import os

import keras
import numpy as np
from keras import ops

from keras_gans.kernels import FastConv2D, UpsamplingConv2D
from keras_gans.layers import ReflectionPadding2D

#: ``(block, convolutions used, filters)``: blocks 1-3 whole, block 4 up to ``block4_conv1``
VGG19_BLOCKS = ((1, 2, 64), (2, 2, 128), (3, 4, 256), (4, 1, 512))
#: the layers whose activations the encoder returns (relu1_1, relu2_1, relu3_1, relu4_1)
FEATURE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1")
#: ImageNet channel means in BGR order, as ``keras.applications.vgg19.preprocess_input`` subtracts them
IMAGENET_BGR_MEAN = (103.939, 116.779, 123.68)
#: ``keras.applications.VGG19(include_top=False)``'s weights (same URL and MD5 as Keras uses)
IMAGENET_WEIGHTS = (
    "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
    "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"
    "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
    "253f8cb515780f3b799900260a226db6",
)
PADDINGS = ("reflect", "zero")


@keras.saving.register_keras_serializable(package="keras_gans")
class CaffePreprocessing(keras.layers.Layer):
    """RGB in [0, 255] -> BGR minus the ImageNet means (``keras.applications.vgg19.preprocess_input``)."""

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        return ops.flip(x, axis=-1) - ops.convert_to_tensor(IMAGENET_BGR_MEAN, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


def scaled_filters(filters, width):
    """``filters * width`` rounded, at least 1 (``width`` shrinks networks for tests)."""
    return max(1, int(round(filters * width)))


def check_width_and_padding(width, padding):
    if not isinstance(width, (int, float)) or isinstance(width, bool) or not 0 < width <= 1:
        raise ValueError(f"width must be a number in (0, 1] (1 = the paper's channel widths), got {width!r}")
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")


def conv3x3(x, filters, padding, name, activation="relu"):
    """A 3x3 stride-1 convolution with zero ('same') or reflection padding."""
    if padding == "reflect":
        x = ReflectionPadding2D(1, name=f"{name}_pad")(x)
        return FastConv2D(filters, 3, padding="valid", activation=activation, name=name)(x)
    return FastConv2D(filters, 3, padding="same", activation=activation, name=name)(x)


def build_vgg19_encoder(width=1.0, padding="reflect", weights=None, name="vgg19_encoder"):
    """VGG-19 ``block1_conv1`` ... ``block4_conv1`` returning ``[relu1_1, relu2_1, relu3_1, relu4_1]``.

    Args:
        width: channel multiplier (1 = VGG-19's 64/128/256/512; ImageNet weights need 1).
        padding: ``"reflect"`` (the reference AdaIN encoder, ``nn.ReflectionPad2d``) or ``"zero"``
            (the padding the ImageNet weights were trained with).
        weights: ``None`` (random), ``"imagenet"`` (downloaded into Keras's cache on first use) or
            a local file path, see :func:`load_vgg19_weights`.

    The input is ``[B, H, W, 3]`` RGB in [0, 255], any ``H, W`` >= 16 (the three 2x2 max-pools
    floor odd sizes; multiples of 8 keep every pixel).
    """
    check_width_and_padding(width, padding)
    inputs = keras.Input((None, None, 3), name="rgb_0_255")
    x = CaffePreprocessing(name="caffe_preprocessing")(inputs)
    outputs = []
    for block, convs, filters in VGG19_BLOCKS:
        for i in range(1, convs + 1):
            x = conv3x3(x, scaled_filters(filters, width), padding, f"block{block}_conv{i}")
            if i == 1:
                outputs.append(x)
        if block < 4:
            x = keras.layers.MaxPooling2D(2, name=f"block{block}_pool")(x)
    encoder = keras.Model(inputs, outputs, name=name)
    if weights is not None:
        load_vgg19_weights(encoder, weights)
    return encoder


def _read_h5(path):
    """``{layer_name: [arrays]}`` from a Keras 2-format HDF5 weights file (the keras.applications files)."""
    import h5py

    with h5py.File(path, "r") as f:
        root = f["model_weights"] if "model_weights" in f else f
        if "layer_names" not in root.attrs:
            raise ValueError(
                f"encoder weights {path}: not a Keras 2-format HDF5 weights file (no 'layer_names'); pass "
                f"{IMAGENET_WEIGHTS[0]} or an .npz file with 'block1_conv1/kernel', 'block1_conv1/bias', ...")
        out = {}
        for layer in root.attrs["layer_names"]:
            layer = layer.decode() if isinstance(layer, bytes) else str(layer)
            group = root[layer]
            names = [n.decode() if isinstance(n, bytes) else str(n) for n in group.attrs.get("weight_names", [])]
            out[layer] = [np.asarray(group[n]) for n in names]
    return out


def _read_npz(path):
    with np.load(path) as data:
        out = {}
        for key in data.files:
            layer, _, var = key.partition("/")
            out.setdefault(layer, {})[var] = data[key]
    return {layer: [v[k] for k in ("kernel", "bias") if k in v] for layer, v in out.items()}


def imagenet_weights_path():
    """The local path of the ImageNet VGG-19 weights, downloading them into Keras's cache if needed."""
    fname, url, md5 = IMAGENET_WEIGHTS
    try:
        return keras.utils.get_file(fname, url, cache_subdir="models", file_hash=md5)
    except Exception as e:  # noqa: BLE001 - offline machines: say what to do instead
        raise ValueError(
            f"cannot get the ImageNet VGG-19 weights ({type(e).__name__}: {str(e)[:200]}); on a machine without "
            f"internet pass a local copy of {fname} (encoder_weights=PATH / --encoder-weights PATH)") from e


def load_vgg19_weights(encoder, weights):
    """Set ``encoder``'s convolutions from ``"imagenet"`` or a local file, matching layers by name.

    Files: a Keras 2-format HDF5 file such as ``keras.applications``'
    ``vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`` (extra layers such as block5 are ignored),
    or an ``.npz`` with arrays ``"block1_conv1/kernel"`` ``[3, 3, in, out]`` and
    ``"block1_conv1/bias"`` ``[out]`` per layer. Raises ``FileNotFoundError`` for a missing file and
    ``ValueError`` naming the layer for a missing layer or a shape that does not fit the encoder.
    """
    if weights == "imagenet":
        path = imagenet_weights_path()
    else:
        path = os.fspath(weights)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"encoder weights file {path} does not exist")
    try:
        stored = _read_npz(path) if path.endswith(".npz") else _read_h5(path)
    except (OSError, KeyError) as e:
        raise ValueError(f"cannot read encoder weights {path}: {e}") from e
    updates = []
    for layer in encoder.layers:
        if not isinstance(layer, keras.layers.Conv2D):
            continue
        if layer.name not in stored:
            raise ValueError(f"encoder weights {path} have no layer {layer.name!r} (layers: {sorted(stored)[:8]} ...)")
        arrays = stored[layer.name]
        expected = [tuple(v.shape) for v in layer.weights]
        got = [tuple(a.shape) for a in arrays]
        if got != expected:
            raise ValueError(f"encoder weights {path}: layer {layer.name!r} has shapes {got}, the encoder needs "
                             f"{expected} (a VGG-19 with this width); ImageNet weights need width=1")
        updates.append((layer, arrays))
    for layer, arrays in updates:  # only after every layer checked: nothing half loaded
        layer.set_weights(arrays)
    return encoder


def save_vgg19_weights_npz(encoder, path):
    """Write ``encoder``'s convolutions as the ``.npz`` format :func:`load_vgg19_weights` reads."""
    arrays = {}
    for layer in encoder.layers:
        if isinstance(layer, keras.layers.Conv2D):
            kernel, bias = layer.get_weights()
            arrays[f"{layer.name}/kernel"], arrays[f"{layer.name}/bias"] = kernel, bias
    np.savez(path, **arrays)
    return path


#: the reference decoder (naoto0804/pytorch-AdaIN ``net.decoder``): 3x3 convolutions and 2x up-samplings
DECODER = (("dec4_conv1", 256), "up3", ("dec3_conv1", 256), ("dec3_conv2", 256), ("dec3_conv3", 256),
           ("dec3_conv4", 128), "up2", ("dec2_conv1", 128), ("dec2_conv2", 64), "up1", ("dec1_conv1", 64),
           ("dec1_conv2", 3))


def build_adain_decoder(width=1.0, name="adain_decoder"):
    """The AdaIN decoder: VGG-19 to relu4_1 mirrored (Huang & Belongie 2017, Section 6.1).

    As in the reference (naoto0804/pytorch-AdaIN ``net.decoder``): reflection-padded 3x3
    convolutions with ReLU, nearest-neighbour 2x up-sampling in place of the pools, no
    normalization, a linear last layer. Each up-sampling and the convolution after it are one
    :class:`~keras_gans.kernels.UpsamplingConv2D` (same weights and results, 2.25x fewer FLOPs).
    The reference decoder outputs images in [0, 1]; a fixed ``x 255`` (``to_pixels``) gives the
    encoder's [0, 255] scale. Input ``[B, h, w, 512 * width]``, output ``[B, 8h, 8w, 3]``.
    """
    check_width_and_padding(width, "reflect")
    inputs = keras.Input((None, None, scaled_filters(512, width)), name="features")
    x = inputs
    for previous, step in zip((None,) + DECODER[:-1], DECODER):
        if isinstance(step, str):
            continue  # an up-sampling: the convolution after it does it
        layer_name, filters = step
        last = step is DECODER[-1]
        filters, activation = (3, None) if last else (scaled_filters(filters, width), "relu")
        if isinstance(previous, str):  # UpSampling2D + ReflectionPadding2D + Conv2D, computed at the low resolution
            x = UpsamplingConv2D(filters, 3, border="reflect", activation=activation, name=layer_name)(x)
        else:
            x = conv3x3(x, filters, "reflect", layer_name, activation=activation)
    outputs = keras.layers.Rescaling(255.0, name="to_pixels")(x)
    return keras.Model(inputs, outputs, name=name)
