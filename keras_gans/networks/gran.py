"""GRAN's recurrent generator (Im, Kim, Jiang & Memisevic 2016, "Generating images with recurrent adversarial
networks", Section 3.1 and Figure 2; the authors' Theano code ``jiwoongim/GRAN``, ``recGenI*.py``).

The image is drawn in ``T`` steps. At step ``t`` a decoder ``f`` turns the latent code and the encoded previous
drawing into a canvas increment, and an encoder ``g`` reads that increment back into the recurrent state::

    h_z       = tanh(BN(W z))                  the projected latent, the same z at every step
    ΔC_t      = f([h_z, h_{c,t}])              (eq. 3), f a DCGAN generator with a linear output
    h_{c,t+1} = g(ΔC_t)                        (eq. 4), g a DCGAN-style encoder ending in tanh(BN(dense))
    C         = squash(Σ_t ΔC_t)               (eq. 5)

with ``h_{c,1} = 0``. The paper squashes with the logistic function into [0, 1]; our images live in [-1, 1], so
the squashing is ``tanh`` (``tanh(x) = 2σ(2x) - 1``: the same curve, rescaled). ``f`` and ``g`` are shared by
all steps. The whole recurrence is unrolled in one Functional model whose step increments are the layers
``increment_0 .. increment_{T-1}``, so that :func:`gran_increments` can read them (the per-step drawing of the
paper's Figures 4-6).
"""

import weakref

import keras

from keras_gans.layers import ZeroState
from keras_gans.networks.common import check_image_shape, normalization, weight_init
from keras_gans.networks.dcgan import build_dcgan_generator, dcgan_down_stack, dcgan_start_size, square_size

#: what the encoder g reads: the previous step's increment (eq. 4 and the reference code) or the canvas so far
READS = ("increment", "canvas")


def build_gran_encoder(image_shape, state_dim, base_filters=64, synchronized_batch_norm=True, name="read"):
    """The encoder ``g``: an image-shaped drawing -> ``h_c`` of ``state_dim`` in (-1, 1).

    DCGAN's strided-convolution stack (the mirror of the decoder, as the reference's ``backward``), then a dense
    layer, batch norm and ``tanh`` (the reference's ``L0b``).
    """
    image_shape = check_image_shape(image_shape)
    _, n_down = dcgan_start_size(square_size(image_shape))
    drawing = keras.Input(shape=image_shape, name="drawing")
    x = dcgan_down_stack(drawing, n_down, base_filters, "batch", synchronized_batch_norm, prefix="read_")
    x = keras.layers.Flatten(name="read_flatten")(x)
    x = keras.layers.Dense(state_dim, use_bias=False, kernel_initializer=weight_init(), name="read_dense")(x)
    x = normalization("batch", "read_norm", synchronized_batch_norm)(x)
    state = keras.layers.Activation("tanh", name="read_tanh")(x)
    return keras.Model(drawing, state, name=name)


def build_gran_generator(latent_dim=100, image_shape=(32, 32, 3), base_filters=64, num_steps=3, read="increment",
                         synchronized_batch_norm=True, name="generator"):
    """GRAN's generator ``z -> image`` in [-1, 1], drawn in ``num_steps`` steps (see the module docstring).

    Args:
        latent_dim: size of ``z`` and of the recurrent state ``h_c``.
        image_shape: ``(S, S, C)`` with ``S = 4·2^n`` or ``7·2^n``.
        base_filters: ``ngf`` of the decoder (DCGAN's) and the first width of the encoder.
        num_steps: ``T``, the drawing steps.
        read: ``"increment"`` (eq. 4: ``g`` reads ``ΔC_t``) or ``"canvas"`` (``g`` reads ``Σ_{s≤t} ΔC_s``).
        synchronized_batch_norm: batch statistics of the global batch under ``tf.distribute``.
    """
    if int(num_steps) != num_steps or num_steps < 1:
        raise ValueError(f"GRAN needs num_steps >= 1 drawing steps, got {num_steps!r}")
    if read not in READS:
        raise ValueError(f"GRAN's encoder reads one of {READS}, got {read!r}")
    image_shape = check_image_shape(image_shape)
    # === Layers (shared by all steps) ===
    draw = build_dcgan_generator(2 * latent_dim, image_shape, base_filters, output_activation="linear", name="draw",
                                 synchronized_batch_norm=synchronized_batch_norm)
    encode = build_gran_encoder(image_shape, latent_dim, base_filters, synchronized_batch_norm)
    # === Functional model ===
    z = keras.Input(shape=(latent_dim,), name="z")
    h_z = keras.layers.Dense(latent_dim, use_bias=False, kernel_initializer=weight_init(), name="project")(z)
    h_z = normalization("batch", "project_norm", synchronized_batch_norm)(h_z)
    h_z = keras.layers.Activation("tanh", name="project_tanh")(h_z)
    h_c = ZeroState(latent_dim, name="initial_state")(z)
    increments = []
    for t in range(int(num_steps)):
        delta = draw(keras.layers.Concatenate(name=f"join_{t}")([h_z, h_c]))
        increments.append(keras.layers.Identity(name=f"increment_{t}")(delta))
        if t < num_steps - 1:
            drawn = increments[-1] if read == "increment" or t == 0 else keras.layers.Add(name=f"sum_{t}")(increments)
            h_c = encode(drawn)
    total = keras.layers.Add(name="canvas")(increments) if len(increments) > 1 else increments[0]
    images = keras.layers.Activation("tanh", dtype="float32", name="tanh")(total)
    return keras.Model(z, images, name=name)


def gran_num_steps(generator):
    """``T`` of a generator made by :func:`build_gran_generator` (its ``increment_t`` layers)."""
    return sum(layer.name.startswith("increment_") for layer in generator.layers)


_INCREMENT_MODELS = weakref.WeakKeyDictionary()


def gran_increments(generator):
    """``z -> [B, T, H, W, C]``: the canvas increments ``ΔC_1 .. ΔC_T`` of a GRAN generator (the same weights;
    built once per generator)."""
    if generator not in _INCREMENT_MODELS:
        _INCREMENT_MODELS[generator] = _increments_model(generator)
    return _INCREMENT_MODELS[generator]


def _increments_model(generator):
    steps = [generator.get_layer(f"increment_{t}").output for t in range(gran_num_steps(generator))]
    stacked = keras.layers.Concatenate(axis=1)([keras.layers.Reshape((1, *steps[0].shape[1:]))(s) for s in steps])
    return keras.Model(generator.inputs, stacked, name=f"{generator.name}_increments")
