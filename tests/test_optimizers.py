"""keras_gans.optimizers.get: "adam" resolves to the fused kernel."""

import keras
import pytest

from keras_gans.kernels import FusedAdam


@pytest.mark.parametrize("identifier", ["adam", "Adam"])
def test_models_compiled_with_the_string_adam_get_the_fused_adam(identifier):
    from keras_gans import DCGAN
    from keras_gans.optimizers import get

    optimizer = get(identifier)
    assert type(optimizer) is FusedAdam
    unnamed = lambda o: {k: v for k, v in o.get_config().items() if k != "name"}  # noqa: E731
    assert unnamed(optimizer) == unnamed(keras.optimizers.Adam())  # Keras's defaults
    assert type(get("rmsprop")) is keras.optimizers.RMSprop
    keras_adam = keras.optimizers.Adam()
    assert get(keras_adam) is keras_adam  # an object the user built is kept as it is
    model = DCGAN(image_shape=(28, 28, 1), g_filters=8, d_filters=8)
    model.compile(g_optimizer=identifier, d_optimizer="rmsprop")
    assert type(model.g_optimizer) is FusedAdam and type(model.d_optimizer) is keras.optimizers.RMSprop
