"""tests/serving/rest.py, the REST converter the serving tests use, against TF Serving's rules (api_rest.md and
json_tensor.cc): what it accepts, what it refuses, and the reply's shape. Numpy only: fast."""

import base64
import json

import numpy as np
import pytest

from tests.serving import rest

SAMPLE = {"num": "int32", "seed": "int64"}
GENERATE = {"z": "float32", "labels": "int32"}


def test_column_format_scalars_and_int64():
    signature, arrays, fmt = rest.request_to_arrays('{"signature_name": "sample", "inputs": {"num": 4, "seed": 7}}',
                                                    SAMPLE)
    assert (signature, fmt) == ("sample", "column")
    assert arrays["num"].dtype == np.int32 and arrays["num"].shape == () and int(arrays["num"]) == 4
    assert arrays["seed"].dtype == np.int64 and int(arrays["seed"]) == 7


@pytest.mark.parametrize("bad", ["7.0", "7.5", "true", '"7"', "1e2"])
def test_a_non_integral_json_number_is_refused_for_an_int64(bad):
    # 7.0 is a JSON double for the server (rapidjson IsInt64() is false): "is not of expected type: int64"
    with pytest.raises(rest.RestError, match="int64|level"):
        rest.request_to_arrays(f'{{"inputs": {{"num": 4, "seed": {bad}}}}}', SAMPLE)


def test_int32_range_and_uint8_narrowing():
    with pytest.raises(rest.RestError, match="int32"):
        rest.json_to_array([2**31], "int32")
    # TF Serving stores uint8 values in TensorProto.int_val and narrows them in C++: 300 -> 44, not refused
    assert rest.json_to_array([255, 300, -1], "uint8").tolist() == [255, 44, 255]
    with pytest.raises(rest.RestError, match="uint8"):
        rest.json_to_array([1.0], "uint8")


def test_float_rules():
    assert rest.json_to_array([1, 2.5, float("nan"), float("inf")], "float32").dtype == np.float32
    assert rest.json_to_array(json.loads("[NaN, Infinity, -Infinity]"), "float32").shape == (3,)
    assert rest.json_to_array([2**24 - 1], "float32")[0] == 2**24 - 1
    with pytest.raises(rest.RestError, match="without loss of precision"):
        rest.json_to_array([2**24 + 1], "float32")  # an integer a float32 cannot hold exactly
    with pytest.raises(rest.RestError, match="without loss of precision"):
        rest.json_to_array([1e39], "float32")
    with pytest.raises(rest.RestError, match="float32"):
        rest.json_to_array([True], "float32")
    with pytest.raises(rest.RestError, match="float32"):
        rest.json_to_array(["0.5"], "float32")


def test_bool_takes_only_true_false():
    assert rest.json_to_array(True, "bool").dtype == np.bool_
    for bad in (1, 0, "true"):
        with pytest.raises(rest.RestError, match="bool"):
            rest.json_to_array(bad, "bool")


def test_b64_round_trip_and_plain_strings():
    png = bytes(range(256))  # not UTF-8: only b64 can carry it
    body = {"signature_name": "translate_bytes", "instances": [{"b64": base64.b64encode(png).decode()}]}
    _, arrays, fmt = rest.request_to_arrays(json.dumps(body), {"image_bytes": "string"})
    assert fmt == "row" and arrays["image_bytes"].shape == (1,) and arrays["image_bytes"][0] == png
    # a plain JSON string is a DT_STRING input too (its UTF-8 bytes)
    assert rest.json_to_array(["héllo"], "string")[0] == "héllo".encode()
    # out: base64-wrapped only for an alias ending in _bytes
    reply = rest.arrays_to_reply({"translated_bytes": np.array([png], dtype=object)}, "row")
    assert reply == {"predictions": [{"b64": base64.b64encode(png).decode()}]}
    assert rest.reply_to_arrays(rest.reply_text(reply), {"translated_bytes": "string"})["translated_bytes"][0] == png
    assert rest.arrays_to_reply({"text": np.array([b"ok"], dtype=object)}, "column") == {"outputs": ["ok"]}
    with pytest.raises(rest.RestError, match="_bytes suffix"):
        rest.arrays_to_reply({"images_png": np.array([png], dtype=object)}, "column")


@pytest.mark.parametrize("b64, message", [({"b64": "!!"}, "base64 decode"), ({"b64": "AA==", "x": 1}, "base64 data"),
                                          ({"b64": 3}, "base64 data")])
def test_bad_b64_objects(b64, message):
    with pytest.raises(rest.RestError, match=message):
        rest.json_to_array([b64], "string")


def test_an_object_is_refused_for_a_number():
    with pytest.raises(rest.RestError, match="Object is not of expected type"):
        rest.json_to_array([{"b64": "AA=="}], "uint8")


def test_row_format_with_several_inputs_builds_the_batch():
    body = {"instances": [{"z": [0.1, 0.2], "labels": 3}, {"z": [0.3, 0.4], "labels": 5}]}
    signature, arrays, fmt = rest.request_to_arrays(body, GENERATE)
    assert (signature, fmt) == ("serving_default", "row")
    assert arrays["z"].shape == (2, 2) and arrays["labels"].tolist() == [3, 5]


@pytest.mark.parametrize("instances, message", [
    ([{"z": [0.1, 0.2], "labels": 3}, {"z": [0.3], "labels": 5}], "Expecting shape"),  # batch items differ
    ([{"z": [0.1, 0.2], "labels": 3}, {"z": [0.3, 0.4]}], "must only have keys"),  # an input missing in a row
    ([{"z": [0.1, 0.2], "labels": 3, "extra": 1}], "does not have named input: extra"),
    ([[0.1, 0.2]], "plain list, but expecting list of objects"),  # two inputs need objects
    ([], "No values"),
    ({"z": [0.1]}, "list/array"),
])
def test_row_format_refusals(instances, message):
    with pytest.raises(rest.RestError, match=message):
        rest.request_to_arrays({"instances": instances}, GENERATE)


def test_row_format_mismatched_batch_sizes_are_refused():
    # the row format cannot carry inputs of different 0-th dimensions: a mixed row is refused
    with pytest.raises(rest.RestError, match="Expecting shape"):
        rest.request_to_arrays({"instances": [[[0, 1], [2, 3]], [[4, 5]]]}, {"images": "uint8"})


def test_ragged_or_misnested_lists_are_refused():
    with pytest.raises(rest.RestError, match="unexpected size"):
        rest.json_to_array([[1, 2], [3]], "int32")
    with pytest.raises(rest.RestError, match="incorrect level"):
        rest.json_to_array([[1, 2], 3], "int32")
    with pytest.raises(rest.RestError, match="unexpected level"):
        rest.json_to_array([1, [2]], "int32")


def test_column_format_rules():
    with pytest.raises(rest.RestError, match="Missing named input: seed"):
        rest.request_to_arrays({"inputs": {"num": 4}}, SAMPLE)
    with pytest.raises(rest.RestError, match="plain value/list"):
        rest.request_to_arrays({"inputs": [4, 7]}, SAMPLE)
    # one input: the value itself (or a b64 object) may stand for it
    _, arrays, _ = rest.request_to_arrays({"inputs": [[1, 2]]}, {"images": "uint8"})
    assert arrays["images"].shape == (1, 2)
    # keys that are not inputs are ignored by the server (json_tensor.cc looks up the signature's inputs only)
    _, arrays, _ = rest.request_to_arrays({"inputs": {"num": 4, "seed": 7, "unused": 1}}, SAMPLE)
    assert set(arrays) == {"num", "seed"}


def test_envelope_rules():
    with pytest.raises(rest.RestError, match="only one of"):
        rest.request_to_arrays({"inputs": {"num": 1, "seed": 1}, "instances": [1]}, SAMPLE)
    with pytest.raises(rest.RestError, match="Missing 'inputs' or 'instances'"):
        rest.request_to_arrays({"signature_name": "sample"}, SAMPLE)
    with pytest.raises(rest.RestError, match="signature_name"):
        rest.request_to_arrays({"signature_name": 1, "inputs": {}}, SAMPLE)
    with pytest.raises(rest.RestError, match="Is not object"):
        rest.request_to_arrays("[1]", SAMPLE)
    with pytest.raises(rest.RestError, match="Parse error"):
        rest.request_to_arrays("{", SAMPLE)


def test_reply_formats():
    images = np.arange(8, dtype=np.uint8).reshape(2, 2, 2, 1)
    # one output: its name is left out
    assert rest.arrays_to_reply({"images": images}, "row") == {"predictions": images.tolist()}
    assert rest.arrays_to_reply({"images": images}, "column") == {"outputs": images.tolist()}
    # several outputs: objects per row / one object of columns
    two = {"images": images, "z": np.array([[0.2], [0.1]], np.float32)}
    assert rest.arrays_to_reply(two, "row")["predictions"][1] == {"images": images[1].tolist(), "z": [0.1]}
    assert rest.arrays_to_reply(two, "column")["outputs"]["z"] == [[0.2], [0.1]]  # float32 0.2 written as 0.2
    with pytest.raises(rest.RestError, match="inconsistent batch size"):
        rest.arrays_to_reply({"images": images, "z": np.zeros((3, 1), np.float32)}, "row")
    with pytest.raises(rest.RestError, match="no shape information"):
        rest.arrays_to_reply({"score": np.float32(1.0)}, "row")
    text = rest.reply_text(rest.arrays_to_reply({"x": np.array([np.nan, np.inf], np.float32)}, "column"))
    assert text == '{"outputs": [NaN, Infinity]}'


def test_predict_url():
    assert rest.parse_predict_url("localhost:8501/v1/models/dcgan:predict") == ("dcgan", None)
    assert rest.parse_predict_url("http://h:8501/v1/models/cgan/versions/2:predict") == ("cgan", "2")


def test_the_export_rules_and_predict_on_a_saved_model_that_breaks_them(tmp_path):
    """A SavedModel whose string output lacks the _bytes suffix and whose input and output share a name: both
    reported; its non-UTF-8 string reply is refused (TF Serving would write bytes that are not JSON)."""
    import tensorflow as tf

    class Bad(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.uint8, name="x")])
        def encode(self, x):
            return {"images_png": tf.map_fn(lambda v: tf.io.encode_png(tf.fill([1, 1, 1], v)), x,
                                            fn_output_signature=tf.string), "x": x}

    module = Bad()
    tf.saved_model.save(module, str(tmp_path / "bad"), signatures={"serving_default": module.encode})
    loaded = tf.saved_model.load(str(tmp_path / "bad"))
    assert sorted(rest.check_aliases_follow_rest_rules(loaded)) == [
        "serving_default: 'x' is both an input and an output",
        "serving_default: string output 'images_png' does not end in _bytes (not base64-wrapped)"]
    with pytest.raises(rest.RestError, match="not JSON"):
        rest.predict(loaded, '{"instances": [3, 4]}')
    with pytest.raises(rest.RestError, match="does not fit"):
        rest.predict(loaded, '{"inputs": 3}')  # a scalar for a [None] input
