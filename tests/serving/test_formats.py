"""TFLite and ONNX exports (keras_gans.serving.formats): what each carries, the sidecar, and parity with the
SavedModel — the converted outputs equal the SavedModel's within 1 uint8 level at batch 1 and 8, and at a
size that needs padding (45x30) for the any-size models.

Small networks with random weights; each generator's last layer is rescaled so its outputs spread over the
uint8 range (a random generator's tanh outputs sit near grey, where a comparison would prove little).
"""

import importlib.util
import json
import os
import stat
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import ALI, DTN, EBGAN, AdaINStyleTransfer, ConditionalGAN, CycleGAN, DCGAN, Pix2Pix, StyleGAN
from keras_gans.serving import export, export_new_version, portable_endpoints, signatures_for
from keras_gans.serving.formats import SIDECAR, Converted, export_converted
from tests.cli.helpers import run_main
from tests.model_checks import output_layer, spread_images
from tests.serving.graph_checks import TRUNCATED_IN_ONNX, conds_with_weights, graph_ops, graphs, negative_operands

HAVE_ONNX = bool(importlib.util.find_spec("onnxruntime") and importlib.util.find_spec("tf2onnx"))
needs_onnx = pytest.mark.skipif(not HAVE_ONNX, reason="needs the onnx extra: pip install \"keras_gans[onnx]\"")
FORMATS = ["tflite", pytest.param("onnx", marks=needs_onnx)]

SMALL = {
    "DCGAN": lambda: DCGAN(image_shape=(28, 28, 1), g_filters=8, d_filters=8),
    "ConditionalGAN": lambda: ConditionalGAN(num_classes=10, image_shape=(28, 28, 1)),
    "EBGAN": lambda: EBGAN(image_shape=(28, 28, 1), g_filters=8, d_filters=8),
    "ALI": lambda: ALI(image_shape=(28, 28, 1), g_filters=8, d_filters=8, e_filters=8, latent_dim=16),
    "Pix2Pix": lambda: Pix2Pix(input_channels=1, output_channels=1, image_size=32, g_filters=4, d_filters=4),
    "CycleGAN": lambda: CycleGAN(input_channels=1, output_channels=3, image_size=32, g_filters=4, d_filters=4,
                                 n_blocks=1, identity_weight=0),
    "DTN": lambda: DTN(representation_dim=16, f_filters=4, g_filters=4, d_filters=4),
    "AdaIN": lambda: AdaINStyleTransfer(width=1 / 16),
    # without EMA, so that spread_outputs scales the network the endpoints use (EMA changes weights, not graphs)
    "StyleGAN": lambda: StyleGAN(image_shape=(16, 16, 1), latent_dim=32, w_dim=32, mapping_layers=2, channel_base=256,
                                 channel_max=32, ema_kimg=None, seed=0),
}
#: what TFLite and ONNX carry per model (the SavedModel has every endpoint)
CARRIED = {
    "DCGAN": ["generate"], "ConditionalGAN": ["generate"], "EBGAN": ["generate"], "ALI": ["generate", "encode"],
    "Pix2Pix": ["translate"], "CycleGAN": ["translate", "translate_BtoA"], "DTN": ["translate"],
    "AdaIN": ["stylize"], "StyleGAN": ["generate", "map", "synthesize"],
}
PARITY = ["DCGAN", "ConditionalGAN", "ALI", "Pix2Pix"]  # the fast tier; the rest are slow (16-60 s each)


def generators(model):
    """``(network, endpoint)``: each network whose outputs an endpoint turns into uint8 images."""
    if isinstance(model, AdaINStyleTransfer):
        return [(model.decoder, "stylize")]
    if isinstance(model, DTN):
        return [(model.generator, "translate")]
    if isinstance(model, StyleGAN):
        return [(model.generator.get_layer("synthesis"), "generate")]
    if hasattr(model, "generator_for"):
        return [(model.generator_for(d), "translate" if d == "AtoB" else f"translate_{d}") for d in model.directions]
    return [(model.generator, "generate")]


def spread_outputs(model, name):
    """Scale the output layer of every generator up until its endpoint's uint8 outputs have a standard deviation of
    at least 40 levels (``model_checks.spread_images``; AdaIN's decoder, which outputs [0, 255] directly, first gets
    +128 on its bias), so that the parity checks compare images rather than flat grey."""
    endpoints = {endpoint.name: endpoint.fn for endpoint in signatures_for(model).endpoints}
    if isinstance(model, DTN):
        # N(0, 0.02) weights through batch norms at their initial statistics map every input to about the same
        # image: first set the statistics to those of the test inputs, so outputs depend on the input
        images = tf.cast(feeds(model, name, "translate", 8)["images"], "float32") / 127.5 - 1.0
        model.encoder.trainable = True  # (a frozen batch norm runs in inference mode even with training=True)
        for _ in range(40):
            model.generator(model.encoder(images, training=True), training=True)
        model.encoder.trainable = False
    for network, endpoint in generators(model):
        if isinstance(model, AdaINStyleTransfer):
            last = output_layer(network)
            weights = last.get_weights()
            last.set_weights(weights[:-1] + [weights[-1] + 128.0])

        def images():
            return list(endpoints[endpoint](*feeds(model, name, endpoint, 8).values()).values())[0].numpy()

        assert spread_images(network, images) >= 20, (name, endpoint)


def feeds(model, name, endpoint, batch, size=None):
    """Inputs of ``endpoint`` at ``batch`` (and ``size`` = (H, W) for the any-size endpoints)."""
    rng = np.random.default_rng(batch * 7 + (size[0] if size else 0))
    pixels = lambda *shape: rng.integers(0, 256, shape).astype("uint8")  # noqa: E731
    if endpoint in ("generate", "map"):
        feed = {"z": rng.normal(size=(batch, model.latent_dim)).astype("float32")}
        if getattr(model, "num_classes", None):
            feed["labels"] = rng.integers(0, model.num_classes, batch).astype("int32")
        if isinstance(model, StyleGAN):  # per example: none, half and full truncation among them
            feed["truncation_psi"] = rng.choice(np.float32([1.0, 0.7, 0.5, 0.0]), batch)
        return feed
    if endpoint == "synthesize":
        return {"ws": rng.normal(size=(batch, model.num_ws, model.w_dim)).astype("float32")}
    if endpoint == "encode":
        return {"images": pixels(batch, *model.image_shape)}
    if name == "DTN":
        return {"images": pixels(batch, *model.source_shape)}
    if endpoint.startswith("translate"):
        h, w = size or (model.image_size, model.image_size)
        channels = model.channels_for("AtoB" if endpoint == "translate" else "BtoA")[0]
        return {"images": pixels(batch, h, w, channels)}
    h, w = size or (32, 32)
    return {"content": pixels(batch, h, w, 3), "style": pixels(batch, 24, 40, 3), "alpha": np.float32(0.8)}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """``name -> (model, saved signatures, {format: Converted})``, each exported once on first use."""
    done = {}

    def get(name):
        if name not in done:
            keras.utils.set_random_seed(0)
            model = SMALL[name]()
            spread_outputs(model, name)
            root = tmp_path_factory.mktemp(name)
            saved = tf.saved_model.load(export(model, root / "savedmodel"))
            traced = portable_endpoints(model)  # once for both formats
            converted = {fmt: Converted(export_converted(model, root / fmt, fmt, endpoints=traced))
                         for fmt in (("tflite", "onnx") if HAVE_ONNX else ("tflite",))}
            done[name] = model, saved, converted
        return done[name]

    return get


def cases(name):
    sizes = [None, (45, 30)] if name in ("Pix2Pix", "CycleGAN", "AdaIN") else [None]
    return [(endpoint, batch, size) for endpoint in CARRIED[name] for batch in (1, 8) for size in sizes
            if not (size and endpoint == "encode")]


def check_parity(exported, name, fmt):
    model, saved, converted = exported(name)
    worst = {}
    for endpoint, batch, size in cases(name):
        feed = feeds(model, name, endpoint, batch, size)
        outputs = saved.signatures[endpoint](**{k: tf.constant(v) for k, v in feed.items()})
        want = {k: v.numpy() for k, v in outputs.items()}
        got = converted[fmt](endpoint, **feed)
        assert sorted(got) == sorted(want), (endpoint, sorted(got), sorted(want))
        for key, expected in want.items():
            assert got[key].shape == expected.shape and got[key].dtype == expected.dtype, (endpoint, key)
            if expected.dtype == np.uint8:
                diff = int(np.max(np.abs(got[key].astype(int) - expected.astype(int))))
                assert diff <= 1, f"{fmt} {name} {endpoint} batch {batch} size {size}: {diff} uint8 levels apart"
                assert np.std(expected) > 20, f"{name} {endpoint}: outputs too flat to compare ({np.std(expected)})"
                if batch > 1:  # and they depend on the inputs
                    across = float(np.mean(np.std(expected.astype(float), axis=0)))
                    assert across > 5, f"{name} {endpoint}: every input gives about the same image ({across})"
            else:
                diff = float(np.max(np.abs(got[key] - expected)))
                assert diff <= 1e-4 * max(1.0, float(np.max(np.abs(expected)))), (endpoint, key, diff)
            worst[endpoint] = max(worst.get(endpoint, 0), diff)
    print(f"parity {fmt} {name}: max |diff| per endpoint {worst}")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", PARITY)
def test_converted_outputs_equal_the_saved_models_within_one_level(exported, name, fmt):
    check_parity(exported, name, fmt)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", ["CycleGAN", "AdaIN", "EBGAN", "DTN", "StyleGAN"])
def test_converted_outputs_equal_the_saved_models_within_one_level_slow(exported, name, fmt):
    check_parity(exported, name, fmt)


@pytest.mark.slow
def test_stylegan_carries_generate_map_and_synthesize_with_psi_in_the_sidecar(exported):
    model, _, converted = exported("StyleGAN")
    sidecar = converted["tflite"].signatures
    assert sidecar["default"] == "generate" and set(sidecar["not_carried"]) == {"sample", "mix"}
    psi = {"name": "truncation_psi", "dtype": "float32", "shape": [None], "range": {"min": 0.0, "max": 1.0}}
    assert sidecar["endpoints"]["generate"]["inputs"][1] == sidecar["endpoints"]["map"]["inputs"][1] == psi
    assert sidecar["endpoints"]["map"]["outputs"] == [
        {"name": "ws", "dtype": "float32", "shape": [None, model.num_ws, model.w_dim], "range": None}]


@needs_onnx
def test_sidecar_names_the_carried_endpoints_their_tensors_and_ranges(exported):
    model, _, converted = exported("ConditionalGAN")
    sidecar = converted["tflite"].signatures
    assert sidecar["format"] == "tflite" and sidecar["model"] == "ConditionalGAN" and sidecar["default"] == "generate"
    assert sidecar["quantize"] is None
    assert sidecar["endpoints"]["generate"] == {
        "file": "generate.tflite",
        "inputs": [{"name": "z", "dtype": "float32", "shape": [None, model.latent_dim],
                    "range": {"distribution": "normal(0, 1)"}},
                   {"name": "labels", "dtype": "int32", "shape": [None], "range": {"min": 0, "max": 9}}],
        "outputs": [{"name": "images", "dtype": "uint8", "shape": [None, 28, 28, 1], "range": {"min": 0, "max": 255}}],
    }
    assert set(sidecar["not_carried"]) == {"sample"} and "client" in sidecar["not_carried"]["sample"]
    onnx_sidecar = converted["onnx"].signatures
    assert onnx_sidecar["format"] == "onnx" and onnx_sidecar["endpoints"]["generate"] == {
        **sidecar["endpoints"]["generate"], "file": "generate.onnx"}
    assert sorted(os.listdir(converted["onnx"].path)) == ["generate.onnx", SIDECAR]
    # ONNX graph inputs and outputs carry the signature's names
    import onnxruntime

    session = onnxruntime.InferenceSession(os.path.join(converted["onnx"].path, "generate.onnx"))
    assert [i.name for i in session.get_inputs()] == ["z", "labels"]
    assert [o.name for o in session.get_outputs()] == ["images"]


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n == "AdaIN" else n
                                  for n in sorted(SMALL)])
def test_each_model_carries_its_tensor_endpoints_and_names_the_rest(name):
    keras.utils.set_random_seed(0)
    model = SMALL[name]()
    portable, skipped = portable_endpoints(model)
    assert [p.name for p in portable] == CARRIED[name]
    assert all(("_bytes" in n) or n in ("sample", "interpolate", "masked", "mix") for n in skipped), skipped
    # TFLite's built-in PAD takes at most 4-D tensors (tests/serving/graph_checks.py); other ops may go to 5-D
    # (GroupNormalization's instance norm, AdaIN's statistics) and convert exactly (the parity tests)
    for endpoint in portable:
        pad_ranks = [t.shape.rank for graph in graphs(endpoint.concrete_function) for op in graph.get_operations()
                     if op.type in ("Pad", "PadV2", "MirrorPad") for t in op.outputs if t.shape.rank is not None]
        assert max(pad_ranks, default=4) <= 4, endpoint.name
        # traced for conversion, the transposed convolutions take one path: no tf.cond carrying the weights twice
        assert conds_with_weights(endpoint.concrete_function) == [], endpoint.name
        # tf2onnx lowers integer FloorMod/FloorDiv with truncating division: no negative operand at any size
        if set(TRUNCATED_IN_ONNX) & graph_ops(endpoint.concrete_function):
            for batch, size in [(1, None), (2, (45, 30))] if name in ("Pix2Pix", "CycleGAN", "AdaIN") else [(1, None)]:
                feed = feeds(model, name, endpoint.name, batch, size)
                assert negative_operands(endpoint.concrete_function, list(feed.values())) == {}, (endpoint.name, size)


@needs_onnx
def test_files_get_the_umask_permissions_and_overwrite_replaces_only_exports(exported, tmp_path):
    model, _, converted = exported("DCGAN")
    for fmt in ("tflite", "onnx"):
        folder = converted[fmt].path
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o777 & ~_umask()
        for name in os.listdir(folder):
            assert stat.S_IMODE(os.stat(os.path.join(folder, name)).st_mode) == 0o666 & ~_umask()
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "mine.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="is not a SavedModel or a TFLite/ONNX export"):
        export(model, notes, overwrite=True, format="tflite")
    assert os.listdir(notes) == ["mine.txt"]
    with pytest.raises(FileExistsError, match="already exists"):
        export(model, converted["tflite"].path, format="tflite")
    # a TFLite folder is an export: overwrite replaces it (here with ONNX)
    path = export(model, tmp_path / "t", format="tflite")
    export(model, path, overwrite=True, format="onnx")
    assert sorted(os.listdir(path)) == ["generate.onnx", SIDECAR]
    assert export_new_version(model, tmp_path / "versions", format="tflite").endswith(os.sep + "1")
    with pytest.raises(ValueError, match="format must be one of"):
        export(model, tmp_path / "x", format="coreml")
    with pytest.raises(ValueError, match="TFLite exports only"):
        export(model, tmp_path / "x", format="onnx", quantize="float16")
    with pytest.raises(ValueError, match="quantize must be one of"):
        export(model, tmp_path / "x", format="tflite", quantize="int4")
    assert not (tmp_path / "x").exists()


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_onnx_without_tf2onnx_is_a_clear_error(exported, tmp_path, monkeypatch):
    model = exported("DCGAN")[0]
    monkeypatch.setitem(sys.modules, "tf2onnx", None)
    with pytest.raises(ImportError, match=r"pip install \"keras_gans\[onnx\]\""):
        export(model, tmp_path / "o", format="onnx")
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
@pytest.mark.parametrize("quantize", ["float16", "dynamic"])
def test_quantized_tflite_stays_close(exported, tmp_path, quantize):
    model, saved, converted = exported("Pix2Pix")
    path = export(model, tmp_path / quantize, format="tflite", quantize=quantize)
    small = Converted(path)
    assert small.signatures["quantize"] == quantize
    size = os.path.getsize(os.path.join(path, "translate.tflite"))
    full = os.path.getsize(os.path.join(converted["tflite"].path, "translate.tflite"))
    assert size < full  # these small kernels are mostly under dynamic-range quantization's 1024-element minimum
    feed = feeds(model, "Pix2Pix", "translate", 8, (45, 30))
    want = saved.signatures["translate"](images=tf.constant(feed["images"]))["translated_images"].numpy().astype(int)
    got = small("translate", **feed)["translated_images"].astype(int)
    mean = float(np.mean(np.abs(got - want)))
    print(f"{quantize}: {size} of {full} bytes; mean |diff| {mean:.3f} levels, max {np.max(np.abs(got - want))}")
    assert mean < (0.5 if quantize == "float16" else 3.0)


def test_cli_exports_tflite_and_onnx(exported, tmp_path, capsys):
    model = exported("DCGAN")[0]
    model.save(tmp_path / "model.keras")
    done = run_main("export", "model.keras", "--out", "lite", "--format", "tflite", "--quantize", "float16",
                    cwd=tmp_path, capsys=capsys)
    assert done.returncode == 0 and "exported TFLite lite" in done.stdout
    assert json.loads((tmp_path / "lite" / SIDECAR).read_text())["quantize"] == "float16"
    done = run_main("export", "model.keras", "--out", "o", "--format", "onnx", "--quantize", "dynamic",
                    cwd=tmp_path, capsys=capsys)
    assert done.returncode == 2 and "--format tflite only" in done.stderr and not (tmp_path / "o").exists()
