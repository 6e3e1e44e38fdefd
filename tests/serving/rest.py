"""TF Serving's REST predict API, done the way the server does it, to check our SavedModels against it.

Follows ``tensorflow_serving/g3doc/api_rest.md`` and the code behind it (``tensorflow_serving/util/json_tensor.cc``:
``FillPredictRequestFromJson`` and ``MakeJsonFromTensors``):

- request: ``{"signature_name": str (optional, else "serving_default"), "instances": [...]}`` (row format: every
  input shares the 0-th dimension; a plain list when the signature has one input, else a list of objects that
  each name every input exactly) or ``{"inputs": value | {name: value}}`` (column format: each input whole; a
  plain value only when the signature has one input; keys that are not inputs are ignored, as the server does);
  never both;
- JSON -> dtype as ``AddValueToTensor``: DT_FLOAT/DT_DOUBLE take any number (also ``NaN``/``Infinity``) that
  converts without loss (an integer above 2**24 - 1 is refused for float); the integer types take only
  integral JSON numbers (``7.0`` is refused for an int64, ``true`` is not a number) in the proto field's range
  (int32 for DT_INT8/16/32/UINT8: TensorFlow then narrows them the way C++ does, so 300 for a uint8 becomes 44 and
  is not refused), DT_BOOL only ``true``/``false``, DT_STRING a string (UTF-8 bytes) or ``{"b64": ...}`` (the
  only object allowed anywhere in a tensor);
- nested lists must be dense: every list at one level the size of the first one;
- reply: ``{"predictions": ...}`` for the row format (every output must have a batch dimension, the same for
  all; one output -> its rows, several -> one object per row), ``{"outputs": ...}`` for the column format (one
  output -> the value, several -> an object); a DT_STRING output is ``{"b64": ...}`` only when its alias ends in
  ``_bytes``, otherwise a raw string, which is not JSON unless the bytes are UTF-8 (refused here);
  floats written with the shortest text that reads back to the same float32.

Numpy only, so it imports in a process that never imports keras_gans (the tests' server processes).
:func:`predict` runs a loaded SavedModel's signature; that needs TensorFlow, imported there.
"""

import base64
import binascii
import json
import re

import numpy as np

#: the server's numeric ranges (rapidjson's IsInt / IsInt64 / IsUint / IsUint64)
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_UINT32 = (0, 2**32 - 1)
_UINT64 = (0, 2**64 - 1)

#: dtype name -> (numpy dtype, JSON check); the integer types stored in TensorProto.int_val narrow like C++.
_INT_FIELDS = {"int8": _INT32, "int16": _INT32, "int32": _INT32, "uint8": _INT32, "int64": _INT64,
               "uint32": _UINT32, "uint64": _UINT64}
_FLOAT_MAX_INT = {"float32": 2**24 - 1, "float64": 2**53 - 1}


class RestError(ValueError):
    """What TF Serving answers with HTTP 400 ``{"error": ...}``."""


def _describe(value):
    return json.dumps(value)[:80]


def _is_b64_object(value):
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("b64"), str)


def _is_integral_json(value):
    """A JSON number written without a fraction or exponent (rapidjson's integer types)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _decode_b64(value):
    text = value["b64"]
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as e:
        raise RestError("Unable to base64 decode") from e


def _leaf(value, dtype):
    """One JSON value -> a Python value of ``dtype`` (``AddValueToTensor``); raises RestError like the server."""
    if isinstance(value, dict):
        if dtype == "string" and _is_b64_object(value):
            return _decode_b64(value)
        if dtype == "string":
            raise RestError(f"JSON Value: {_describe(value)} not formatted correctly for base64 data")
        raise RestError(f"JSON Value: {_describe(value)} Type: Object is not of expected type: {dtype}")
    if dtype in _FLOAT_MAX_INT:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise RestError(f"JSON Value: {_describe(value)} is not of expected type: {dtype}")
        if isinstance(value, int) and abs(value) <= _UINT64[1]:
            if abs(value) > _FLOAT_MAX_INT[dtype]:
                raise RestError(f"Cannot convert JSON value: {value} to {dtype} without loss of precision.")
        elif np.isfinite(float(value)) and abs(float(value)) > float(np.finfo(dtype).max):
            raise RestError(f"Cannot convert JSON value: {value} to {dtype} without loss of precision.")
        return float(value)
    if dtype in _INT_FIELDS:
        low, high = _INT_FIELDS[dtype]
        if not _is_integral_json(value) or not low <= value <= high:
            raise RestError(f"JSON Value: {_describe(value)} is not of expected type: {dtype}")
        return value
    if dtype == "bool":
        if not isinstance(value, bool):
            raise RestError(f"JSON Value: {_describe(value)} is not of expected type: bool")
        return value
    if dtype == "string":
        if not isinstance(value, str):
            raise RestError(f"JSON Value: {_describe(value)} is not of expected type: string")
        return value.encode("utf-8")
    raise RestError(f"Conversion of JSON Value: {_describe(value)} to type: {dtype} is not implemented")


def _dense_shape(value):
    """``GetDenseTensorShape``: the sizes of the first element at each level."""
    shape = []
    while isinstance(value, list):
        shape.append(len(value))
        if not value:
            break
        value = value[0]
    return shape


def _fill(value, shape, dtype, level, out):
    """``FillTensorProto``: leaves only at the tensor's rank, every list of its level's size."""
    if not isinstance(value, list):
        if level != len(shape):
            raise RestError(f"JSON Value: {_describe(value)} found at incorrect level: {level + 1} in the JSON DOM. "
                            f"Expected at level: {len(shape)}")
        out.append(_leaf(value, dtype))
        return
    if level >= len(shape):
        raise RestError(f"Encountered list at unexpected level: {level} expected < {len(shape)}")
    if len(value) != shape[level]:
        raise RestError(f"Encountered list at unexpected size: {len(value)} at level: {level} "
                        f"expected size: {shape[level]}")
    for item in value:
        _fill(item, shape, dtype, level + 1, out)


def _as_array(values, shape, dtype):
    if dtype == "string":
        array = np.empty(len(values), dtype=object)
        array[:] = values
        return array.reshape(shape)
    if dtype in _INT_FIELDS:
        # TensorProto.int_val / int64_val as int64, then narrowed like Tensor::FromProto's C++ copy
        wide = "uint64" if dtype == "uint64" else "int64"
        return np.array(values, dtype=wide).reshape(shape).astype(dtype)
    return np.array(values, dtype=dtype).reshape(shape)


def json_to_array(value, dtype):
    """One input's JSON value (nested lists of leaves) -> a numpy array of ``dtype`` (a numpy dtype name, or
    ``"string"`` for DT_STRING, given as an object array of bytes)."""
    shape = _dense_shape(value)
    values = []
    _fill(value, shape, dtype, 0, values)
    return _as_array(values, shape, dtype)


def _dtype_name(spec_dtype):
    name = getattr(spec_dtype, "name", str(spec_dtype))
    return {"float": "float32", "double": "float64"}.get(name, name)


def request_to_arrays(body, input_dtypes):
    """A predict request -> ``(signature_name, {input: array}, "row" | "column")``.

    ``body``: the JSON text (parsed with ``NaN``/``Infinity`` allowed, as the server does) or a dict.
    ``input_dtypes``: a callable ``signature_name -> {input alias: dtype name}``, or that dict itself (for one
    signature). Raises :class:`RestError` where TF Serving answers 400.
    """
    if isinstance(body, (str, bytes)):
        try:
            body = json.loads(body)
        except json.JSONDecodeError as e:
            raise RestError(f"JSON Parse error: {e}") from e
    if not isinstance(body, dict):
        raise RestError(f"JSON Value: {_describe(body)} Is not object")
    signature = body.get("signature_name", "serving_default")
    if not isinstance(signature, str):
        raise RestError("'signature_name' key must be a string value.")
    inputs = input_dtypes(signature) if callable(input_dtypes) else input_dtypes
    if not inputs:
        raise RestError(f"Failed to get input map for signature: {signature}")
    names = sorted(inputs)
    if "instances" in body and "inputs" in body:
        raise RestError("Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist")
    if "instances" in body:
        return signature, _rows(body["instances"], inputs, names), "row"
    if "inputs" in body:
        return signature, _columns(body["inputs"], inputs, names), "column"
    raise RestError("Missing 'inputs' or 'instances' key")


def _rows(instances, inputs, names):
    if not isinstance(instances, list):
        raise RestError("Excepting 'instances' to be an list/array")
    if not instances:
        raise RestError("No values in 'instances' array")

    def is_object(value):
        return isinstance(value, dict) and not _is_b64_object(value)

    objects = is_object(instances[0])
    if not objects and len(names) > 1:
        raise RestError("instances is a plain list, but expecting list of objects as multiple input tensors "
                        "required as per tensorinfo_map")
    columns = {name: [] for name in names}
    shapes = {}
    for i, item in enumerate(instances):
        if objects:
            if not is_object(item):
                raise RestError(f"Expecting object but got list at item {i} of input list")
            unknown = set(item) - set(names)
            if unknown:
                raise RestError(f"Failed to process element: {i} key: {sorted(unknown)[0]} of 'instances' list. "
                                f"Error: JSON object: does not have named input: {sorted(unknown)[0]}")
            if set(item) != set(names):
                raise RestError(f"Failed to process element: {i} of 'instances' list. JSON object must only have "
                                f"keys: {','.join(names)}")
            pairs = item.items()
        else:
            if is_object(item):
                raise RestError(f"Expecting value/list but got object at item {i} of input list")
            pairs = [(names[0], item)]
        for name, value in pairs:
            try:
                array = json_to_array(value, inputs[name])
            except RestError as e:
                raise RestError(f"Failed to process element: {i} key: {name} of 'instances' list. Error: {e}") from e
            if name in shapes and shapes[name] != array.shape:
                raise RestError(f"Failed to process element: {i} key: {name} of 'instances' list. Error: "
                                f"Expecting shape {list(shapes[name])} but got: {list(array.shape)}")
            shapes[name] = array.shape
            columns[name].append(array)
    return {name: np.stack(arrays) for name, arrays in columns.items()}


def _columns(value, inputs, names):
    if not isinstance(value, dict) or _is_b64_object(value):
        if len(names) > 1:
            raise RestError("inputs is a plain value/list, but expecting an object as multiple input tensors "
                            "required as per tensorinfo_map")
        return {names[0]: json_to_array(value, inputs[names[0]])}
    arrays = {}
    for name in names:  # keys that are not inputs are ignored, as json_tensor.cc does
        if name not in value:
            raise RestError(f"Missing named input: {name} in 'inputs' object.")
        arrays[name] = json_to_array(value[name], inputs[name])
    return arrays


def _float_json(x, dtype):
    """``WriteDecimal``: the shortest text that reads back as the same float32/float64, NaN/Infinity tokens."""
    x = dtype.type(x)
    if np.isnan(x):
        return float("nan")
    if np.isinf(x):
        return float(x)
    return float(str(x))  # numpy prints the shortest round-trip text of a float32 / float64


def _leaf_json(x, dtype, as_bytes, alias):
    if dtype.kind == "f":
        return _float_json(x, dtype)
    if dtype.kind == "b":
        return bool(x)
    if dtype.kind in "iu":
        return int(x)
    if dtype.kind in "OSU":
        data = x if isinstance(x, bytes) else str(x).encode("utf-8")
        if as_bytes:
            return {"b64": base64.b64encode(data).decode("ascii")}
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise RestError(f"output {alias!r} is a tf.string of non-UTF-8 bytes without the _bytes suffix: "
                            "TF Serving writes it raw and the reply is not JSON") from e
    raise RestError(f"Failed to write JSON value for tensor type: {dtype}")


def _tensor_json(array, alias):
    array = np.asarray(array)
    as_bytes = array.dtype.kind in "OSU" and alias.endswith("_bytes")

    def walk(a):
        if a.ndim == 0:
            return _leaf_json(a[()], array.dtype, as_bytes, alias)
        return [walk(a[i, ...]) for i in range(a.shape[0])]

    return walk(array)


def arrays_to_reply(outputs, fmt):
    """``{alias: array}`` -> the reply dict (``{"predictions": ...}`` or ``{"outputs": ...}``)."""
    if not outputs:
        raise RestError("Cannot convert empty tensor map to JSON")
    outputs = {name: np.asarray(a) for name, a in outputs.items()}
    if fmt == "column":
        if len(outputs) == 1:
            (name, array), = outputs.items()
            return {"outputs": _tensor_json(array, name)}
        return {"outputs": {name: _tensor_json(a, name) for name, a in outputs.items()}}
    if fmt != "row":
        raise RestError("Invalid request format")
    batch = None
    for name, array in outputs.items():
        if array.ndim == 0:
            raise RestError(f"Tensor name: {name} has no shape information ")
        if array.shape[0] < 1:
            raise RestError(f"Tensor name: {name} has invalid batch size: {array.shape[0]}")
        if batch is not None and array.shape[0] != batch:
            raise RestError(f"Tensor name: {name} has inconsistent batch size: {array.shape[0]} expecting: {batch}")
        batch = array.shape[0]
    rows = []
    for i in range(batch):
        if len(outputs) == 1:
            (name, array), = outputs.items()
            rows.append(_tensor_json(array[i], name))
        else:
            rows.append({name: _tensor_json(a[i], name) for name, a in outputs.items()})
    return {"predictions": rows}


def reply_text(reply):
    """The reply as JSON text (``NaN``/``Infinity`` tokens allowed, as the server writes them)."""
    return json.dumps(reply)


def reply_to_arrays(reply, dtypes):
    """What a client does with the reply: ``{alias: array}`` given the outputs' dtype names (``b64`` decoded).
    A single output (whose name the reply omits) comes back under its alias from ``dtypes``."""
    if isinstance(reply, (str, bytes)):
        reply = json.loads(reply)
    if "predictions" in reply:
        rows = reply["predictions"]
        if len(dtypes) == 1:
            (name, dtype), = dtypes.items()
            return {name: np.stack([json_to_array(row, dtype) for row in rows])}
        return {name: np.stack([json_to_array(row[name], dtype) for row in rows]) for name, dtype in dtypes.items()}
    values = reply["outputs"]
    if len(dtypes) == 1:
        (name, dtype), = dtypes.items()
        return {name: json_to_array(values, dtype)}
    return {name: json_to_array(values[name], dtype) for name, dtype in dtypes.items()}


# --- a loaded SavedModel (TensorFlow needed from here on) -------------------------------------------------------


def signature_dtypes(loaded):
    """``signature_name -> ({input: dtype name}, {output: dtype name})`` of a ``tf.saved_model.load``-ed model."""
    found = {}
    for name, fn in loaded.signatures.items():
        inputs = {alias: _dtype_name(spec.dtype) for alias, spec in fn.structured_input_signature[1].items()}
        outputs = {alias: _dtype_name(spec.dtype) for alias, spec in fn.structured_outputs.items()}
        found[name] = (inputs, outputs)
    return found


def check_aliases_follow_rest_rules(loaded):
    """Every string output alias ends in ``_bytes``; no alias is both an input and an output of one signature.
    Returns the list of violations (empty when the export follows the rules)."""
    problems = []
    for name, (inputs, outputs) in signature_dtypes(loaded).items():
        for alias, dtype in outputs.items():
            if dtype == "string" and not alias.endswith("_bytes"):
                problems.append(f"{name}: string output {alias!r} does not end in _bytes (not base64-wrapped)")
        for alias in set(inputs) & set(outputs):
            problems.append(f"{name}: {alias!r} is both an input and an output")
    return problems


def predict(loaded, body):
    """``POST /v1/models/M:predict`` against a loaded SavedModel: the JSON reply text, or raises RestError (the
    server's 400) / the signature's error. The signature checks dtypes and shapes as the concrete function does."""
    import tensorflow as tf

    dtypes = signature_dtypes(loaded)

    def inputs_of(signature):
        if signature not in dtypes:
            raise RestError(f"Serving signature name: \"{signature}\" not found in signature def")
        return dtypes[signature][0]

    signature, arrays, fmt = request_to_arrays(body, inputs_of)
    fn = loaded.signatures[signature]
    specs = fn.structured_input_signature[1]
    tensors = {}
    for alias, array in arrays.items():
        spec = specs[alias]
        if not spec.shape.is_compatible_with(array.shape):
            raise RestError(f"input {alias!r}: shape {list(array.shape)} does not fit the signature's "
                            f"{spec.shape.as_list()}")
        tensors[alias] = tf.constant(array, dtype=spec.dtype)
    outputs = {alias: t.numpy() for alias, t in fn(**tensors).items()}
    return reply_text(arrays_to_reply(outputs, fmt))


_CURL_URL = re.compile(r"/v1/models/(?P<model>[\w.-]+)(?:/versions/(?P<version>\d+))?:predict$")


def parse_predict_url(url):
    """``host:port/v1/models/NAME[/versions/N]:predict`` -> ``(NAME, N or None)``."""
    match = _CURL_URL.search(url)
    if not match:
        raise RestError(f"not a predict URL: {url}")
    return match["model"], match["version"]
