"""The SavedModel writer (keras_gans.serving.saved_model): what one export costs in tracing."""

import collections

import keras
import numpy as np
import tensorflow as tf

from keras_gans.serving import Signatures, export, register


def test_an_export_traces_each_endpoint_once(tmp_path):
    """TensorFlow retraces a signature inside ``tf.saved_model.save`` when it was first traced outside a save
    context; keras_gans's archive traces it once (an AdaIN export spent a third of its time on the second trace)."""
    traced = collections.Counter()

    class Twice(keras.Model):
        def __init__(self):
            super().__init__()
            self.net = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])

    def endpoint(name, scale):
        def fn(x):
            traced[name] += 1  # Python runs only while TensorFlow traces
            return {"y": scale * model.net(x)}
        return fn

    @register(Twice)
    def twice_signatures(model):
        spec = tf.TensorSpec([None, 3], tf.float32, name="x")
        return Signatures([model.net]).add("double", endpoint("double", 2.0), spec).add(
            "triple", endpoint("triple", 3.0), spec)

    model = Twice()
    loaded = tf.saved_model.load(export(model, tmp_path / "twice"))
    assert traced == {"double": 1, "triple": 1}
    x = np.arange(6, dtype="float32").reshape(2, 3)
    for name, scale in (("double", 2.0), ("triple", 3.0), ("serving_default", 2.0)):
        np.testing.assert_allclose(loaded.signatures[name](x=tf.constant(x))["y"].numpy(), scale * model.net(x),
                                   rtol=1e-6)
