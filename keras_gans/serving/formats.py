"""Exports for runtimes other than TF Serving: TFLite (built-in ops only) and ONNX (through tf2onnx).

``keras_gans.serving.export(model, path, format="tflite" | "onnx")`` writes a folder, atomically and with the
umask's permissions like the SavedModel, holding

- one model file per *portable* endpoint: ``<endpoint>.tflite`` or ``<endpoint>.onnx`` (a TFLite file's
  signature key is ``serving_default``; an ONNX graph's inputs and outputs carry the endpoint's names);
- ``signatures.json``: the format, the model's class, the default endpoint (the SavedModel's
  ``serving_default``), and per endpoint its file, its inputs and outputs (name, dtype, shape, value range)
  and, for TFLite, the quantization; the endpoints a format does not carry are listed with the reason.

A portable endpoint takes and returns numeric tensors only and its graph uses no op that TFLite's built-in
ops or ONNX lack: the ``*_bytes`` endpoints (image decoding and PNG encoding, string tensors), the noise
models' ``sample`` and StyleGAN's ``mix`` (a stateless Philox draw: convert ``generate`` -- StyleGAN: also
``map`` and ``synthesize``, which mix styles -- and draw ``z ~ N(0, I)`` in the client) and AdaIN's
``interpolate`` / ``masked`` (colour preservation's eigendecomposition, ``SelfAdjointEigV2``) stay in
the SavedModel. Every endpoint's weights are folded into constants (TFLite's converter on a SavedModel keeps
them as resource variables, which its interpreter then reads wrongly).

TFLite: float32 by default; ``quantize="float16"`` stores the weights as float16 (computed in float32 on
CPUs), ``quantize="dynamic"`` stores them as int8 (dynamic-range quantization). ONNX needs the ``onnx`` extra
(``pip install "keras_gans[onnx]"``: tf2onnx, onnx, onnxruntime).
"""

import json
import os
import tempfile

import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

from keras_gans import files
from keras_gans.kernels.conv import tracing_for_conversion
from keras_gans.serving.signatures import signatures_for

FORMATS = ("savedmodel", "tflite", "onnx")
QUANTIZATIONS = ("float16", "dynamic")
SIDECAR = "signatures.json"
#: ONNX operator set of the converted graphs (tf2onnx 1.17 writes up to 18; ONNX Runtime >= 1.14 reads it)
ONNX_OPSET = 17

# Op types that a converted graph cannot carry (prefixes): string tensors and image codecs, TensorFlow's
# counter-based random numbers (no TFLite builtin; tf2onnx cannot reproduce the Philox stream), and the
# eigendecomposition behind AdaIN's colour preservation.
_NOT_PORTABLE = {
    "DecodeImage": "decodes encoded images (string tensors)", "DecodePng": "decodes encoded images (string tensors)",
    "DecodeJpeg": "decodes encoded images (string tensors)", "EncodePng": "encodes PNG (string tensors)",
    "StatelessRandom": "draws TensorFlow's seeded (Philox) random numbers: convert `generate` and draw z in the "
                       "client",
    "SelfAdjointEig": "uses an eigendecomposition (colour preservation)",
}


class Portable:
    """One endpoint that converts: its ``name``, traced ``concrete_function`` and ``input_signature``."""

    def __init__(self, name, concrete_function, input_signature):
        self.name, self.concrete_function, self.input_signature = name, concrete_function, input_signature
        self._frozen = None

    @property
    def outputs(self):
        """``{alias: tf.TensorSpec}`` of the endpoint's outputs."""
        return {k: tf.TensorSpec(v.shape, v.dtype, name=k)
                for k, v in self.concrete_function.structured_outputs.items()}

    def frozen(self):
        """A ``tf.Module`` whose ``endpoint`` (a ``tf.function`` with the endpoint's inputs and
        ``{alias: tensor}`` outputs) holds the weights and every other captured tensor as constants: what the
        converters take (tf2onnx would make a captured tensor a graph input; TFLite's converter reads
        variables kept in a SavedModel wrongly)."""
        if self._frozen is None:
            frozen = convert_variables_to_constants_v2(self.concrete_function)
            keys = tf.nest.flatten({k: k for k in self.concrete_function.structured_outputs})  # frozen's order
            module = tf.Module()
            module.endpoint = tf.function(lambda *args: dict(zip(keys, frozen(*args))),
                                          input_signature=self.input_signature)
            self._frozen = module
        return self._frozen


def _graph_ops(concrete_function):
    """Op types of a concrete function's graph and of every function it calls."""
    library = {f.signature.name: f for f in concrete_function.graph.as_graph_def().library.function}
    ops = {op.type for op in concrete_function.graph.get_operations()}
    ops |= {node.op for f in library.values() for node in f.node_def}
    return ops


def portable_endpoints(model):
    """``(portable, skipped)``: the :class:`Portable` endpoints of ``model`` that TFLite and ONNX carry, in
    the order of :func:`~keras_gans.serving.signatures_for` (the first is the default), and ``{name: reason}``
    for the others."""
    portable, skipped = [], {}
    for endpoint in signatures_for(model).endpoints:
        if any(spec.dtype == tf.string for spec in endpoint.input_signature):
            skipped[endpoint.name] = "takes encoded images (string tensors)"
            continue
        with tracing_for_conversion():  # one path per layer, no tf.cond between two copies of the weights
            concrete = tf.function(endpoint.fn, input_signature=endpoint.input_signature).get_concrete_function()
        if any(spec.dtype == tf.string for spec in tf.nest.flatten(concrete.structured_outputs)):
            skipped[endpoint.name] = "returns encoded images (string tensors)"
            continue
        ops = _graph_ops(concrete)
        reasons = [why for prefix, why in _NOT_PORTABLE.items() if any(op.startswith(prefix) for op in ops)]
        if reasons:
            skipped[endpoint.name] = reasons[0]
            continue
        portable.append(Portable(endpoint.name, concrete, endpoint.input_signature))
    if not portable:
        raise ValueError(f"{type(model).__name__} has no endpoint that converts to TFLite or ONNX ({skipped})")
    return portable, skipped


def value_range(name, dtype, model, role="input"):
    """What values a tensor of the signatures holds (``role``: ``"input"`` or ``"output"``), for the sidecar
    (``None``: floats without bounds, such as ALI's encoded ``z``)."""
    if dtype == tf.uint8:
        return {"min": 0, "max": 255}
    if name == "labels" and getattr(model, "num_classes", None):
        return {"min": 0, "max": int(model.num_classes) - 1}
    if name in ("alpha", "truncation_psi"):
        return {"min": 0.0, "max": 1.0}
    if name == "z" and dtype == tf.float32 and role == "input":
        return {"distribution": "normal(0, 1)"}
    return None


def _tensor(spec, model, role):
    shape = None if spec.shape.rank is None else [d if d is None else int(d) for d in spec.shape.as_list()]
    return {"name": spec.name, "dtype": spec.dtype.name, "shape": shape,
            "range": value_range(spec.name, spec.dtype, model, role)}


# === TFLite ===

def to_tflite(endpoint, quantize=None):
    """A ``.tflite`` flatbuffer (bytes) of one :class:`Portable` endpoint, with TFLite's built-in ops only and
    one signature, ``serving_default``, whose inputs and outputs carry the endpoint's names.

    The endpoint goes to the converter frozen (:meth:`Portable.frozen`), as a SavedModel without variables
    in a temporary folder. ``quantize``: ``None`` (float32), ``"float16"`` or ``"dynamic"``.
    """
    if quantize not in (None, *QUANTIZATIONS):
        raise ValueError(f"quantize must be one of {QUANTIZATIONS} (or None for float32), got {quantize!r}")
    module = endpoint.frozen()
    with tempfile.TemporaryDirectory(prefix="keras-gans-tflite-") as folder:
        # the frozen graph keeps Keras's custom-gradient functions, which a SavedModel cannot save with the
        # gradients of constants: inference needs none of them
        tf.saved_model.save(module, folder, signatures={"serving_default": module.endpoint.get_concrete_function()},
                            options=tf.saved_model.SaveOptions(experimental_custom_gradients=False))
        converter = tf.lite.TFLiteConverter.from_saved_model(folder)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        if quantize:
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        if quantize == "float16":
            converter.target_spec.supported_types = [tf.float16]
        return converter.convert()


def tflite_signature(blob):
    """``(inputs, outputs)`` names of a ``.tflite`` flatbuffer's ``serving_default`` signature."""
    signature = tflite_interpreter(model_content=blob).get_signature_list()["serving_default"]
    return signature["inputs"], signature["outputs"]


# === ONNX ===

def to_onnx(endpoint, opset=ONNX_OPSET):
    """An ``onnx.ModelProto`` of one :class:`Portable` endpoint (tf2onnx, on :meth:`Portable.frozen`), its
    inputs and outputs named as the endpoint's.

    tf2onnx deep-copies the whole graph before each of its optimizer passes, to roll a failed pass back; on
    the translation generators that is half of the conversion time (9 of 18 s for a small U-Net). The
    conversion runs without the copies first (tf2onnx's ``TF2ONNX_CATCH_ERRORS``) and again with them only
    if a pass fails.
    """
    try:
        import tf2onnx
    except ImportError as e:
        raise ImportError("ONNX export needs tf2onnx: pip install \"keras_gans[onnx]\"") from e
    function = endpoint.frozen().endpoint
    convert = lambda: tf2onnx.convert.from_function(function, endpoint.input_signature, opset=opset)[0]  # noqa: E731
    old = os.environ.get(_CATCH_ERRORS)
    os.environ[_CATCH_ERRORS] = "FALSE"
    try:
        return convert()
    except Exception:  # noqa: BLE001  (an optimizer pass failed: convert again, skipping failed passes)
        os.environ.pop(_CATCH_ERRORS)
        return convert()
    finally:
        if old is None:
            os.environ.pop(_CATCH_ERRORS, None)
        else:
            os.environ[_CATCH_ERRORS] = old


_CATCH_ERRORS = "TF2ONNX_CATCH_ERRORS"


# === The export folder ===

def check_can_replace(path, overwrite):
    """Refuse an existing ``path`` unless ``overwrite`` and it is an export (a SavedModel or a folder with
    ``signatures.json``)."""
    if not os.path.exists(path):
        return
    if not overwrite:
        raise FileExistsError(f"export path {path} already exists; choose another path or pass overwrite=True")
    if not (os.path.isfile(os.path.join(path, "saved_model.pb")) or os.path.isfile(os.path.join(path, SIDECAR))):
        raise FileExistsError(f"export path {path} exists and is not a SavedModel or a TFLite/ONNX export; "
                              "overwrite replaces exports only: choose another path")


def export_converted(model, path, format, overwrite=False, quantize=None, endpoints=None):
    """Write ``model``'s portable endpoints as TFLite or ONNX files with ``signatures.json`` into the folder
    ``path`` (atomically). ``endpoints``: the ``(portable, skipped)`` of :func:`portable_endpoints` when they
    are traced already (to write several formats from one tracing). Returns ``path``."""
    if format not in ("tflite", "onnx"):
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}")
    if quantize and format != "tflite":
        raise ValueError(f"quantize applies to TFLite exports only (format={format!r})")
    if quantize not in (None, *QUANTIZATIONS):
        raise ValueError(f"quantize must be one of {QUANTIZATIONS} (or None for float32), got {quantize!r}")
    if format == "onnx":
        try:
            import tf2onnx  # noqa: F401
        except ImportError as e:
            raise ImportError("ONNX export needs tf2onnx: pip install \"keras_gans[onnx]\"") from e
    path = os.path.abspath(os.fspath(path))
    check_can_replace(path, overwrite)
    portable, skipped = endpoints or portable_endpoints(model)
    sidecar = {"format": format, "model": type(model).__name__, "default": portable[0].name, "endpoints": {},
               "not_carried": skipped}
    if format == "tflite":
        sidecar["quantize"] = quantize
    else:
        sidecar["opset"] = ONNX_OPSET
    with files.atomic_path(path, folder=True, replace=overwrite) as tmp:
        for endpoint in portable:
            file = f"{endpoint.name}.{format}"
            outputs = endpoint.outputs
            if format == "tflite":
                blob = to_tflite(endpoint, quantize)
                input_names, output_names = tflite_signature(blob)
                with open(os.path.join(tmp, file), "wb") as f:
                    f.write(blob)
            else:
                proto = to_onnx(endpoint)
                input_names = [i.name for i in proto.graph.input]
                output_names = [o.name for o in proto.graph.output]
                with open(os.path.join(tmp, file), "wb") as f:
                    f.write(proto.SerializeToString())
            expected_in = [spec.name for spec in endpoint.input_signature]
            if sorted(input_names) != sorted(expected_in) or sorted(output_names) != sorted(outputs):
                raise RuntimeError(f"{format} conversion of {endpoint.name!r} named its tensors {input_names} -> "
                                   f"{output_names}, expected {expected_in} -> {sorted(outputs)}")
            sidecar["endpoints"][endpoint.name] = {
                "file": file,
                "inputs": [_tensor(spec, model, "input") for spec in endpoint.input_signature],
                "outputs": [_tensor(spec, model, "output") for spec in outputs.values()],
            }
        with open(os.path.join(tmp, SIDECAR), "w") as f:
            json.dump(sidecar, f, indent=1)
            f.write("\n")
    return path


# === Running an export ===

def tflite_interpreter(model_path=None, num_threads=None, model_content=None):
    """A TFLite interpreter: LiteRT's (``ai-edge-litert``, the ``tflite`` extra) where it is installed, else
    TensorFlow's ``tf.lite.Interpreter``."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        Interpreter = tf.lite.Interpreter
    return Interpreter(model_path=model_path, model_content=model_content, num_threads=num_threads)


class Converted:
    """A TFLite or ONNX export folder, loaded for inference: ``converted(endpoint, **inputs) -> {name: array}``.

    TFLite files run in :func:`tflite_interpreter`, ONNX files in ONNX Runtime (CPU). Inputs are cast to the
    dtypes ``signatures.json`` gives; ``endpoint=None`` is the default endpoint. Each endpoint is loaded on
    its first call. ``num_threads``: the runtime's intra-op threads (its default when ``None``).

    Example::

        converted = Converted("exports/dcgan-tflite")
        images = converted(z=np.random.default_rng(0).normal(size=(8, 100)))["images"]  # uint8 [8, H, W, C]
    """

    def __init__(self, path, num_threads=None):
        self.path = os.fspath(path)
        with open(os.path.join(self.path, SIDECAR)) as f:
            self.signatures = json.load(f)
        self.format = self.signatures["format"]
        self.num_threads = num_threads
        self._runners = {}

    @property
    def endpoints(self):
        return list(self.signatures["endpoints"])

    def _runner(self, endpoint):
        if endpoint not in self._runners:
            file = os.path.join(self.path, self.signatures["endpoints"][endpoint]["file"])
            if self.format == "tflite":
                runner = tflite_interpreter(file, self.num_threads).get_signature_runner("serving_default")
                self._runners[endpoint] = lambda inputs: runner(**inputs)
            else:
                import onnxruntime

                options = onnxruntime.SessionOptions()
                if self.num_threads:
                    options.intra_op_num_threads = self.num_threads
                session = onnxruntime.InferenceSession(file, options, providers=["CPUExecutionProvider"])
                names = [o.name for o in session.get_outputs()]
                self._runners[endpoint] = lambda inputs: dict(zip(names, session.run(names, inputs)))
        return self._runners[endpoint]

    def __call__(self, endpoint=None, **inputs):
        import numpy as np

        endpoint = endpoint or self.signatures["default"]
        if endpoint not in self.signatures["endpoints"]:
            raise ValueError(f"{self.path} has no endpoint {endpoint!r}; it has {self.endpoints}")
        specs = self.signatures["endpoints"][endpoint]["inputs"]
        missing = {s["name"] for s in specs} ^ set(inputs)
        if missing:
            raise ValueError(f"{endpoint} takes inputs {[s['name'] for s in specs]}, got {sorted(inputs)}")
        feed = {s["name"]: np.asarray(inputs[s["name"]], dtype=s["dtype"]) for s in specs}
        return self._runner(endpoint)(feed)
