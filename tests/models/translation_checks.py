"""Shared pieces of the Pix2Pix and CycleGAN tests: real Fashion-MNIST pairs, fresh-process serving."""

import io
import json

import numpy as np
from PIL import Image

from keras_gans.datasets.translation import load_paired, load_unpaired, make_translation_dataset
from tests.model_checks import serve_in_fresh_process, spread_images


def paired_data(n=8, batch=2):
    """(a, b, dataset): sketch -> garment pairs of real Fashion-MNIST images, 32x32, fixed order."""
    a, b, _ = load_paired("fashion_edges")
    a, b = a[:n], b[:n]
    return a, b, make_translation_dataset(a, b, batch_size=batch, paired=True, shuffle=False)


def unpaired_data(n=8, batch=2):
    """(a, b, dataset): real sneakers (A) and ankle boots (B), 32x32, fixed order."""
    a, b, _ = load_unpaired("fashion_sneaker2boot")
    a, b = a[:n], b[: n - 2]
    return a, b, make_translation_dataset(a, b, batch_size=batch, paired=False, shuffle=False)


_SERVING_SCRIPT = r"""
import base64, io, json, sys
import numpy as np
import tensorflow as tf
m = tf.saved_model.load(sys.argv[1])
spec = json.loads(sys.argv[2])
image = np.load(sys.argv[3])
out = {"signatures": sorted(m.signatures.keys()), "results": {}}
for name in spec["endpoints"]:
    out["results"][name] = m.signatures[name](images=tf.constant(image))["translated_images"].numpy().tolist()
    png = open(sys.argv[4], "rb").read()
    encoded = m.signatures[name + "_bytes"](image_bytes=tf.constant([png]))["translated_bytes"].numpy()[0]
    out["results"][name + "_bytes"] = tf.io.decode_png(encoded).numpy().tolist()
try:
    m.signatures[spec["endpoints"][0]](images=tf.zeros((1, 8, 8, spec["channels"] + 1), tf.uint8))
    out["wrong_channels"] = "accepted"
except Exception as e:
    out["wrong_channels"] = type(e).__name__
out["imported_keras_gans"] = any(k.startswith("keras_gans") for k in sys.modules)
print("RESULT" + json.dumps(out))
"""


def check_translation_export(model, tmp_path, size=(45, 70)):
    """Export, then serve in a process without keras_gans: every direction's ``translate`` and
    ``translate_bytes`` on a non-square image whose sides are not multiples of the network's
    stride equal ``model.translate`` to one uint8 level."""
    from keras_gans import export

    channels = model.input_channels
    image = np.random.default_rng(0).integers(0, 256, size=(1, *size, channels), dtype=np.uint8)
    for direction in model.directions:  # images, not near-grey noise, to compare (spread_images)
        network = model.averaged(model.generator_for(direction))
        assert spread_images(network, lambda: model.translate(image, direction)) >= 20, direction
    path = str(tmp_path / "export" / "1")
    export(model, path)
    np.save(tmp_path / "image.npy", image)
    buffer = io.BytesIO()
    Image.fromarray(image[0, ..., 0] if channels == 1 else image[0]).save(buffer, format="PNG")
    (tmp_path / "image.png").write_bytes(buffer.getvalue())
    endpoints = ["translate"] + (["translate_BtoA"] if "BtoA" in model.directions else [])
    spec = {"endpoints": endpoints, "channels": channels}
    out = serve_in_fresh_process(_SERVING_SCRIPT, path, json.dumps(spec), tmp_path / "image.npy",
                                 tmp_path / "image.png", cwd=tmp_path)
    assert {"serving_default", *endpoints, *(e + "_bytes" for e in endpoints)} <= set(out["signatures"])
    assert out["wrong_channels"] == "InvalidArgumentError"  # refused by the signature, not by some other bug
    for name in endpoints:
        direction = "AtoB" if name == "translate" else "BtoA"
        expected = model.translate(image, direction).astype("int64")
        assert expected.shape == (1, *size, model.channels_for(direction)[1])
        for key, want in ((name, expected), (name + "_bytes", expected[0])):  # a batch; one decoded PNG
            served = np.array(out["results"][key], "int64")
            assert served.shape == want.shape, key
            # uint8 rounding of float32 outputs computed by two graphs: at most one level apart.
            assert np.abs(served - want).max() <= 1, key
    return path
