"""``keras_gans.serving.client``: what it refuses and how a signature's own check reaches the caller.

The real exports go through it in ``tests/cli/test_translation.py``, ``tests/cli/test_style.py`` (both against the
``.keras`` model's images) and ``tests/studio/test_served.py``; these use tiny hand-written SavedModels."""

import numpy as np
import pytest
import tensorflow as tf

from keras_gans.serving.client import SavedStylizer, SavedTranslator, call


class Inverter(tf.Module):
    """A one-way "translation" export: 255 - image, refusing images wider than 8 pixels (a signature's check)."""

    @tf.function(input_signature=[tf.TensorSpec([None, None, None, 1], tf.uint8, name="images")])
    def translate(self, images):
        with tf.control_dependencies([tf.debugging.assert_less_equal(tf.shape(images)[2], 8,
                                                                     message="images must be at most 8 wide")]):
            return {"translated_images": 255 - images}


@pytest.fixture(scope="module")
def inverter(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("client") / "inverter")
    module = Inverter()
    tf.saved_model.save(module, path, signatures={"translate": module.translate})
    return tf.saved_model.load(path), path


def test_translator_runs_one_image_in_the_directions_the_export_serves(inverter):
    loaded, path = inverter
    translator = SavedTranslator(loaded, path)
    image = np.arange(12, dtype=np.uint8).reshape(3, 4, 1)
    np.testing.assert_array_equal(translator.translate(image), 255 - image)
    assert translator.directions == ("AtoB",) and translator.channels_for("AtoB") == (1,)
    with pytest.raises(ValueError, match=r"has no BtoA translation \(it translates AtoB\)"):
        translator.translate(image, "BtoA")


def test_a_failed_signature_check_is_a_value_error_naming_it(inverter):
    loaded, path = inverter
    with pytest.raises(ValueError, match=r"^translate: assertion failed: \[images must be at most 8 wide\]"):
        SavedTranslator(loaded, path).translate(np.zeros((2, 9, 1), np.uint8))
    # other errors are not turned into ValueError: only the signature's own InvalidArgumentError is
    with pytest.raises(TypeError):
        call(loaded.signatures["translate"], "translate", image=tf.zeros([1, 2, 2, 1], tf.uint8))


def test_exports_of_other_kinds_are_refused_with_their_signatures(inverter):
    loaded, path = inverter
    with pytest.raises(ValueError, match=r"is not an AdaIN export .*signatures: translate\)"):
        SavedStylizer(loaded, path)
