"""Every family's SavedModel driven the way TF Serving drives it, in a process that never imports keras_gans:

(a) REST: the documented ``curl`` requests of README.md and docs/serving.md, run as written by bash (with a
    ``curl`` that captures the body), converted by ``tests/serving/rest.py`` (TF Serving's ``api_rest.md`` /
    ``json_tensor.cc`` rules), run through the signature and written back as the JSON reply;
(b) gRPC: the same tensors as a ``tensorflow_serving.apis.predict_pb2.PredictRequest`` (``tf.make_tensor_proto``)
    sent over a real gRPC channel to a ``PredictionService`` that the test serves from the SavedModels, the
    ``PredictResponse`` read back with ``tf.make_ndarray``; and the documented gRPC client block run as written.

Every signature of every family must be reached by a documented REST request in the column format, in the row
format too where its inputs allow it (all with a batch dimension), and by the documented gRPC block.
"""

import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "docs" / "serving.md"]
#: the URL model names the documented requests use
MODELS = ("dcgan", "cgan", "ali", "stylegan", "pix2pix", "cyclegan", "dtn", "adain")


def documented_blocks(kind):
    """The fenced blocks right after a ``<!-- test: KIND -->`` line in README.md and docs/serving.md, in order."""
    blocks = []
    for path in DOCS:
        blocks += re.findall(rf"<!-- test: {kind} -->\n```\w+\n(.*?)\n```", path.read_text(), re.S)
    return blocks


def test_the_documented_requests_are_found_and_name_known_models():
    rest_blocks, grpc_blocks = documented_blocks("rest"), documented_blocks("grpc")
    readme = re.findall(r"<!-- test: rest -->\n```\w+\n(.*?)\n```", DOCS[0].read_text(), re.S)
    assert readme and all("curl -d" in block for block in readme)
    urls = re.findall(r"localhost:8501/v1/models/([\w-]+):predict", "\n".join(rest_blocks))
    assert set(urls) == set(MODELS), urls
    # every curl line of the two files is inside a tested block
    for path in DOCS:
        text = path.read_text()
        assert text.count("curl -d") == sum(block.count("curl -d") for block in
                                             re.findall(r"<!-- test: rest -->\n```\w+\n(.*?)\n```", text, re.S))
    assert len(grpc_blocks) == 1 and "predict_pb2.PredictRequest()" in grpc_blocks[0]


_SERVER = r'''
import base64, concurrent.futures, json, os, subprocess, sys, time
start = time.time()
import numpy as np
import tensorflow as tf
import grpc
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

cfg = json.loads(open(sys.argv[1]).read())
sys.path.insert(0, cfg["rest_dir"])
import rest

models = {name: tf.saved_model.load(path) for name, path in cfg["models"].items()}
out = {"aliases": {}, "signatures": {}, "rest": [], "grpc": [], "refused": {}, "seconds": {"load": time.time() - start}}
for name, m in models.items():
    out["aliases"][name] = rest.check_aliases_follow_rest_rules(m)
    sigs = {}
    for sig, fn in m.signatures.items():
        specs = fn.structured_input_signature[1]
        sigs[sig] = {"inputs": {a: s.shape.as_list() for a, s in specs.items()},
                     "outputs": {a: s.dtype.name for a, s in fn.structured_outputs.items()}}
    out["signatures"][name] = sigs
source = ["none"]


class Service(prediction_service_pb2_grpc.PredictionServiceServicer):
    """TF Serving's Predict over a loaded SavedModel: the request's inputs must be exactly the signature's, of its
    dtypes (as predict_util.cc checks), the outputs go back as TensorProtos."""

    def Predict(self, request, context):
        if request.model_spec.name not in models:
            context.abort(grpc.StatusCode.NOT_FOUND, f"Servable not found for request: {request.model_spec.name}")
        m = models[request.model_spec.name]
        name = request.model_spec.signature_name or "serving_default"
        if name not in m.signatures:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"Serving signature name: {name} not found")
        fn = m.signatures[name]
        specs = fn.structured_input_signature[1]
        if set(request.inputs) != set(specs):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"input size does not match signature: "
                          f"{len(request.inputs)}!={len(specs)} {sorted(request.inputs)} != {sorted(specs)}")
        tensors = {}
        for alias, proto in request.inputs.items():
            if proto.dtype != specs[alias].dtype.as_datatype_enum:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"Expects arg {alias} to be "
                              f"{specs[alias].dtype.name} but {tf.dtypes.as_dtype(proto.dtype).name} is provided")
            array = tf.make_ndarray(proto)
            if not specs[alias].shape.is_compatible_with(array.shape):
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"{alias}: shape {list(array.shape)} does not fit "
                              f"{specs[alias].shape.as_list()}")
            tensors[alias] = tf.constant(array, specs[alias].dtype)
        try:
            outputs = fn(**tensors)
        except tf.errors.OpError as e:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, e.message[:500])
        response = predict_pb2.PredictResponse()
        response.model_spec.CopyFrom(request.model_spec)
        response.model_spec.signature_name = name
        for alias, tensor in outputs.items():
            response.outputs[alias].CopyFrom(tf.make_tensor_proto(tensor.numpy()))
        out["grpc"].append({"source": source[0], "model": request.model_spec.name, "signature": name,
                            "outputs": {a: list(t.shape) for a, t in outputs.items()}})
        return response


server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=1))
prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(Service(), server)
port = server.add_insecure_port("localhost:0")
server.start()
stub = prediction_service_pb2_grpc.PredictionServiceStub(grpc.insecure_channel(f"localhost:{port}"))


def grpc_predict(model, signature, arrays):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model
    request.model_spec.signature_name = signature
    specs = models[model].signatures[signature].structured_input_signature[1]
    for alias, array in arrays.items():
        request.inputs[alias].CopyFrom(tf.make_tensor_proto(array, dtype=specs[alias].dtype))
    response = predict_pb2.PredictResponse.FromString(stub.Predict(request, timeout=120.0).SerializeToString())
    return {alias: tf.make_ndarray(proto) for alias, proto in response.outputs.items()}


# (a) the documented curl requests, run by bash as written; curl hands its -d body and URL over
capture = os.path.join(cfg["workdir"], "requests.bin")
shim = 'curl() { [ "$1" = -d ] || return 9; printf "%s\\0%s\\0" "$3" "$2" >> "$CAPTURE"; }\n'
env = dict(os.environ, CAPTURE=capture, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
subprocess.run(["bash", "-euo", "pipefail", "-c", shim + "\n".join(cfg["rest_blocks"])], cwd=cfg["workdir"],
               env=env, check=True, timeout=300)
out["seconds"]["bash"] = time.time() - start
fields = open(capture, "rb").read().decode().split("\0")[:-1]
source[0] = "rest"
for url, body in zip(fields[::2], fields[1::2]):
    model, _ = rest.parse_predict_url(url)
    m = models[model]
    dtypes = rest.signature_dtypes(m)
    signature, arrays, fmt = rest.request_to_arrays(body, lambda s: dtypes[s][0])
    reply_text = rest.predict(m, body)
    reply = json.loads(reply_text)
    served = rest.reply_to_arrays(reply, dtypes[signature][1])
    by_grpc = grpc_predict(model, signature, arrays)
    equal = set(served) == set(by_grpc) and all(
        served[a].shape == by_grpc[a].shape and served[a].dtype == by_grpc[a].dtype
        and bool(np.all(served[a] == by_grpc[a])) for a in served)
    decoded = {a: list(tf.io.decode_png(v[0]).shape) for a, v in served.items() if a.endswith("_bytes")}
    # what TF Serving's batching session (--enable_batching) takes: every input and output batched, one batch size
    sizes = {a.shape[0] if a.ndim else None for a in [*arrays.values(), *served.values()]}
    batchable = None not in sizes and len(sizes) == 1
    out["rest"].append({"model": model, "signature": signature, "format": fmt, "reply_key": next(iter(reply)),
                        "batchable": batchable,
                        "b64_in_reply": '"b64"' in reply_text, "equal_to_grpc": equal, "decoded_png": decoded,
                        "outputs": {a: [list(v.shape), str(v.dtype)] for a, v in served.items()}})
    if (model, signature) in (("dcgan", "sample"), ("stylegan", "sample"), ("stylegan", "mix")):
        np.save(os.path.join(cfg["workdir"], f"{model}_{signature}_{fmt}.npy"), served["images"])

out["seconds"]["rest"] = time.time() - start
# (b) the documented gRPC client, run as written against this server
source[0] = "docs"
os.chdir(cfg["workdir"])
exec(compile(cfg["grpc_block"].replace("localhost:8500", f"localhost:{port}"), "docs/serving.md (gRPC)", "exec"),
     {"__name__": "grpc_docs"})

out["seconds"]["grpc_docs"] = time.time() - start
# what TF Serving refuses
def refused(key, call):
    try:
        call()
        out["refused"][key] = "accepted"
    except Exception as e:
        out["refused"][key] = f"{type(e).__name__}: {getattr(e, 'details', lambda: str(e))() or e}"[:400]

sketch, big = (open(os.path.join(cfg["workdir"], f), "rb").read() for f in ("sketch.png", "big.png"))
b64 = lambda data: {"b64": base64.b64encode(data).decode()}
refused("rest_seed_7.0", lambda: rest.predict(models["dcgan"], '{"signature_name": "sample", "inputs": {"num": 4, "seed": 7.0}}'))
refused("rest_sample_rows", lambda: rest.predict(models["dcgan"], '{"signature_name": "sample", "instances": [{"num": 4, "seed": 7}]}'))
# encoded images of different sizes in one request: each is translated at its own size
mixed_rest = json.loads(rest.predict(models["pix2pix"], json.dumps(
    {"signature_name": "translate_bytes", "inputs": {"image_bytes": [b64(sketch), b64(big)]}})))["outputs"]
mixed_grpc = grpc_predict("pix2pix", "translate_bytes",
                          {"image_bytes": np.array([sketch, big], dtype=object)})["translated_bytes"]
out["mixed_sizes"] = {
    "inputs": [list(tf.io.decode_png(x).shape) for x in (sketch, big)],
    "rest": [list(tf.io.decode_png(base64.b64decode(x["b64"])).shape) for x in mixed_rest],
    "grpc": [list(tf.io.decode_png(x).shape) for x in mixed_grpc],
}
def int32_seed():
    request = predict_pb2.PredictRequest()
    request.model_spec.name, request.model_spec.signature_name = "dcgan", "sample"
    request.inputs["num"].CopyFrom(tf.make_tensor_proto(4))
    request.inputs["seed"].CopyFrom(tf.make_tensor_proto(7))  # a Python int: int32
    stub.Predict(request, timeout=60.0)
refused("grpc_int32_seed", int32_seed)
refused("grpc_missing_input", lambda: grpc_predict("dcgan", "sample", {"num": np.int32(4)}))
server.stop(None)
out["imported_keras_gans"] = any(k == "keras_gans" or k.startswith("keras_gans.") for k in sys.modules)
print("RESULT" + json.dumps(out))
'''

#: the first endpoint of each family is also written as serving_default (the same function)
_DEFAULT_TWINS = {"generate", "translate", "stylize"}


def _uint8(images):
    return np.clip(np.round((np.asarray(images) + 1.0) * 127.5), 0, 255).astype(np.uint8)


def _write_images(folder, fashion):
    garments = _uint8(fashion[0][:8])[..., 0]  # real Fashion-MNIST, [8, 28, 28]

    def save(name, pixels, size=(32, 32), mode="L", tint=None):
        image = Image.fromarray(pixels).resize(size)
        if mode == "RGB":
            rgb = np.asarray(image.convert("RGB"), np.float32) * np.asarray(tint, np.float32)
            image = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))
        image.save(folder / name, **({"quality": 95} if name.endswith(".jpg") else {}))

    Image.fromarray(garments[0]).save(folder / "garment.png")  # 28x28, ALI's image shape
    save("sketch.png", garments[1])
    save("sneaker.png", garments[2])
    save("boot.png", garments[3])
    save("big.png", garments[4], size=(40, 40))
    save("digit.png", garments[5], mode="RGB", tint=(1.0, 0.6, 0.3))
    save("content.jpg", garments[6], mode="RGB", tint=(0.9, 0.9, 1.0))
    save("style.jpg", garments[7], mode="RGB", tint=(1.0, 0.3, 0.2))
    save("style2.jpg", garments[0], mode="RGB", tint=(0.2, 0.5, 1.0))


def _export_every_family(folder, vgg_weights):
    import keras

    from keras_gans import ALI, DCGAN, DTN, AdaINStyleTransfer, ConditionalGAN, CycleGAN, Pix2Pix, StyleGAN, export

    keras.utils.set_random_seed(0)
    translation = dict(input_channels=1, output_channels=1, image_size=32, g_filters=4, d_filters=4)
    models = {
        "dcgan": DCGAN(image_shape=(28, 28, 1), g_filters=8, d_filters=8),  # latent_dim 100, as documented
        "cgan": ConditionalGAN(num_classes=10, image_shape=(28, 28, 1), architecture="dcgan", g_filters=8,
                               d_filters=8),
        "ali": ALI(image_shape=(28, 28, 1), g_filters=8, d_filters=8, e_filters=8),
        # latent_dim and w_dim 512 as documented, num_ws 6 (16x16); EMA on (the default); w̄ away from 0
        "stylegan": StyleGAN(image_shape=(16, 16, 1), mapping_layers=2, channel_base=256, channel_max=32, seed=0),
        "pix2pix": Pix2Pix(**translation),
        "cyclegan": CycleGAN(**translation, n_blocks=1),
        "dtn": DTN(representation_dim=16, f_filters=4, g_filters=4, d_filters=4),
        "adain": AdaINStyleTransfer(width=1 / 16, encoder_weights=vgg_weights),
    }
    models["stylegan"].w_avg.assign(np.random.default_rng(0).normal(size=512).astype("float32") * 0.3)
    return models, {name: export(model, folder / name / "1") for name, model in models.items()}


@pytest.mark.slow
def test_every_signature_through_rest_and_grpc_in_a_process_without_keras_gans(fashion, tmp_path):
    from tests import model_checks

    work = tmp_path / "work"
    work.mkdir()
    _write_images(work, fashion)
    vgg = model_checks.write_paired_encoder_weights(tmp_path / "vgg.npz")
    models, paths = _export_every_family(tmp_path / "savedmodels", vgg)
    cfg = {"models": paths, "workdir": str(work), "rest_dir": str(Path(__file__).parent),
           "rest_blocks": documented_blocks("rest"), "grpc_block": documented_blocks("grpc")[0]}
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    out = model_checks.serve_in_fresh_process(_SERVER, tmp_path / "cfg.json", cwd=tmp_path)  # asserts no keras_gans
    print("server process, seconds since start:", out["seconds"])

    # TF Serving's REST rules on names: string outputs end in _bytes, no alias is an input and an output
    assert out["aliases"] == {name: [] for name in MODELS}

    # every signature: REST column format, row format where every input has a batch dimension, the docs' gRPC
    rest_seen, grpc_seen = {}, {(c["model"], c["signature"]) for c in out["grpc"] if c["source"] == "docs"}
    for call in out["rest"]:
        rest_seen.setdefault((call["model"], call["signature"]), set()).add(call["format"])
    for model, signatures in out["signatures"].items():
        for signature, spec in signatures.items():
            if signature in _DEFAULT_TWINS:
                assert spec == signatures["serving_default"], (model, signature)
                continue
            row_possible = all(shape and shape[0] is None for shape in spec["inputs"].values())
            want = {"column", "row"} if row_possible else {"column"}
            assert rest_seen.get((model, signature)) == want, (model, signature, rest_seen.get((model, signature)))
            assert (model, signature) in grpc_seen, (model, signature)

    for call in out["rest"]:
        assert call["equal_to_grpc"], call
        assert call["reply_key"] == ("predictions" if call["format"] == "row" else "outputs"), call
        string_outputs = [a for a, (_, dtype) in call["outputs"].items() if dtype == "object"]
        assert call["b64_in_reply"] == bool(string_outputs), call
        for alias in string_outputs:  # the PNGs the reply carries decode to the input's size
            assert call["decoded_png"][alias][:2] == [32, 32], call

    # docs/serving.md: under --enable_batching, sample and every AdaIN signature fail; the rest can be batched
    unbatchable = {(c["model"], c["signature"]) for c in out["rest"] if not c["batchable"]}
    assert unbatchable == {("dcgan", "sample"), ("cgan", "sample"), ("ali", "sample"), ("stylegan", "sample"),
                           ("adain", "serving_default"), ("adain", "stylize_bytes"), ("adain", "interpolate"),
                           ("adain", "masked")}, unbatchable

    shapes = {(c["model"], c["signature"], c["format"]): c["outputs"] for c in out["rest"]}
    assert shapes["dcgan", "sample", "column"] == {"images": [[4, 28, 28, 1], "uint8"]}
    assert shapes["cgan", "serving_default", "row"] == {"images": [[2, 28, 28, 1], "uint8"]}
    assert shapes["ali", "encode", "row"] == {"z": [[1, 100], "float32"]}
    assert shapes["stylegan", "serving_default", "row"] == {"images": [[2, 16, 16, 1], "uint8"]}
    assert shapes["stylegan", "mix", "row"] == {"images": [[2, 16, 16, 1], "uint8"]}
    assert shapes["stylegan", "map", "column"] == {"ws": [[1, 6, 512], "float32"]}
    assert shapes["stylegan", "synthesize", "column"] == {"images": [[2, 16, 16, 1], "uint8"]}
    assert shapes["pix2pix", "translate_bytes", "row"] == {"translated_bytes": [[1], "object"]}
    assert shapes["cyclegan", "translate_BtoA", "column"] == {"translated_images": [[1, 32, 32, 1], "uint8"]}
    assert shapes["dtn", "serving_default", "row"] == {"translated_images": [[1, 32, 32, 1], "uint8"]}
    assert shapes["adain", "masked", "column"] == {"images": [[1, 32, 32, 3], "uint8"]}

    # what came back is the model's: the README's sample request == model.generate(4, seed=7) within a level
    from keras_gans.serving.images import to_uint8

    served = np.load(work / "dcgan_sample_column.npy").astype(np.int64)
    assert np.abs(served - to_uint8(models["dcgan"].generate(4, seed=7)).astype(np.int64)).max() <= 1
    # and StyleGAN's documented sample and mix requests are the model's (EMA generator, truncated to w̄ at export)
    stylegan = models["stylegan"]
    served = np.load(work / "stylegan_sample_column.npy").astype(np.int64)
    assert np.abs(served - to_uint8(stylegan.generate(4, seed=7, truncation_psi=0.7)).astype(np.int64)).max() <= 1
    mixed = np.concatenate([to_uint8(stylegan.mix(1, b, c, 0.7)) for b, c in ((2, 4), (3, 2))]).astype(np.int64)
    for fmt in ("row", "column"):
        assert np.abs(np.load(work / f"stylegan_mix_{fmt}.npy").astype(np.int64) - mixed).max() <= 1

    refused = out["refused"]
    assert "int64" in refused["rest_seed_7.0"], refused
    assert "does not fit" in refused["rest_sample_rows"], refused  # scalars cannot go in the row format
    mixed = out["mixed_sizes"]  # one request, two sizes: each image comes back at its own size
    assert mixed["inputs"][0] != mixed["inputs"][1] and mixed["rest"] == mixed["grpc"] == mixed["inputs"], mixed
    assert "int64 but int32" in refused["grpc_int32_seed"], refused
    assert "input size does not match" in refused["grpc_missing_input"], refused
