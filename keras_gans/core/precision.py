"""Precision as one switch: ``precision="float32"|"mixed_bfloat16"|"mixed_float16"|"auto"`` on every model.

Mixed precision (Micikevicius et al. 2018, "Mixed Precision Training"; Keras's ``mixed_*`` dtype policies):
the networks' layers compute in bfloat16 or float16 and keep float32 variables, while everything where precision
matters stays float32:

- each network's *output* layers (the generator's ``tanh``, the discriminator's logit, an encoder's code): the
  builders give them ``dtype="float32"`` and :func:`convert` keeps every layer that makes a network output in
  float32, so losses, gradient penalties, R1, ADA's ``sign(D(x))`` statistics and the images are float32;
- batch normalization computes its moments in float32 (Keras upcasts), instance normalization and AdaIN their
  mean and standard deviation (:func:`keras_gans.layers.adain.mean_std`);
- the model itself (``train_step``: losses, reductions, interpolations, the EMA) computes in float32;
- under float16, Keras's ``LossScaleOptimizer`` (dynamic loss scaling; a step whose gradients are not finite is
  skipped and the scale halved) wraps both optimizers (:func:`wrap_optimizer`).

``"auto"`` resolves on the machine that builds the model: float16 on a GPU; bfloat16 on a CPU with AMX (Intel
Sapphire Rapids and newer) or on an AMD CPU with AVX-512 BF16 (Zen 4 and newer); float32 elsewhere, an Intel CPU
with AVX-512 BF16 but no AMX (Cooper Lake, or a VM that hides AMX) included: on an AMX Xeon with oneDNN held to
AVX-512 BF16, bfloat16 ran every measured model at 0.61-0.88x the speed of float32 (PyTorch's autocast: 0.62-0.95x),
while on Zen 4 it was 1.3-1.8x (docs/performance.md). A unit that ``ONEDNN_MAX_CPU_ISA`` keeps oneDNN from using
counts as absent. A requested type that the hardware lacks still works (TensorFlow emulates it) but is slow:
:func:`resolve` warns once per process.
"""

import copy
import functools
import os
import warnings

import keras

PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")
CHOICES = (*PRECISIONS, "auto")


def check(precision):
    """``precision`` if it is one of :data:`CHOICES`, else a ValueError naming them."""
    if precision not in CHOICES:
        raise ValueError(f"precision must be one of {', '.join(CHOICES)}; got {precision!r}")
    return precision


@functools.lru_cache(maxsize=None)
def _cpuinfo(field):
    """The value of ``field`` in ``/proc/cpuinfo``'s first processor (empty where it is not readable)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith(field):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def cpu_flags():
    """The CPU's feature flags (``/proc/cpuinfo``; empty where it is not readable)."""
    return frozenset(_cpuinfo("flags").split())


def cpu_vendor():
    """The CPU's ``vendor_id`` (``"GenuineIntel"``, ``"AuthenticAMD"``; empty where ``/proc/cpuinfo`` is not
    readable)."""
    return _cpuinfo("vendor_id")


def onednn_allows(unit):
    """Whether oneDNN may use ``unit`` (``"amx_bf16"`` or ``"avx512_bf16"``) under ``ONEDNN_MAX_CPU_ISA`` (or its
    older name ``DNNL_MAX_CPU_ISA``): any unit when unset, ``ALL`` or ``DEFAULT``; AMX only for a cap naming AMX;
    AVX-512 BF16 for those and ``AVX512_CORE_BF16``, ``AVX512_CORE_FP16``, ``AVX10_1_512``."""
    cap = (os.environ.get("ONEDNN_MAX_CPU_ISA") or os.environ.get("DNNL_MAX_CPU_ISA") or "").upper()
    if cap in ("", "ALL", "DEFAULT") or "AMX" in cap:
        return True
    return unit == "avx512_bf16" and cap in ("AVX512_CORE_BF16", "AVX512_CORE_FP16", "AVX10_1_512")


def bfloat16_units():
    """The CPU's bfloat16 units that oneDNN may use here: a subset of ``{"amx_bf16", "avx512_bf16"}``."""
    return {unit for unit in ("amx_bf16", "avx512_bf16") if unit in cpu_flags() and onednn_allows(unit)}


def bfloat16_pays_on_cpu():
    """Whether ``"auto"`` picks bfloat16 on this CPU: with AMX, or AVX-512 BF16 on AMD (measured faster than
    float32 on Zen 4; slower on Intel without AMX, see the module's docstring)."""
    units = bfloat16_units()
    return "amx_bf16" in units or ("avx512_bf16" in units and cpu_vendor() == "AuthenticAMD")


def has_gpu():
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def hardware_supports(precision):
    """Whether this machine runs ``precision`` natively: bfloat16 on a GPU or a CPU with ``amx_bf16`` or
    ``avx512_bf16`` that oneDNN may use, float16 on a GPU or a CPU with ``avx512_fp16`` (Sapphire Rapids); float32
    everywhere."""
    if precision == "float32" or has_gpu():
        return True
    if precision == "mixed_bfloat16":
        return bool(bfloat16_units())
    return "avx512_fp16" in cpu_flags()


_warned = set()


def lacking_hardware(precision):
    """A sentence saying that this machine lacks ``precision``'s type, or ``None`` when it has it."""
    if precision == "auto" or hardware_supports(precision):
        return None
    kind = precision.removeprefix("mixed_")
    return (f"precision {precision}: this machine has no {kind} hardware (no GPU, and the CPU lacks "
            f"{'AMX and AVX-512 BF16' if kind == 'bfloat16' else 'AVX-512 FP16'}); TensorFlow emulates it, "
            "correctly but usually slower than float32 ('auto' picks what this machine has)")


def resolve(precision):
    """The dtype policy name ``precision`` stands for here (``"auto"`` chosen as the module says); a
    ``RuntimeWarning`` once per process and precision where the hardware lacks the type."""
    check(precision)
    if precision == "auto":
        if has_gpu():
            return "mixed_float16"
        return "mixed_bfloat16" if bfloat16_pays_on_cpu() else "float32"
    message = lacking_hardware(precision)
    if message and precision not in _warned:
        _warned.add(precision)
        warnings.warn(message, RuntimeWarning, stacklevel=3)
    return precision


def _is_graph(layer):
    """Whether ``layer`` is a Functional or Sequential model (``keras.Model(inputs, outputs)`` makes a
    ``Functional``), whose layers ``clone_model`` clones one by one."""
    return isinstance(layer, keras.Model) and type(layer).__name__ in ("Functional", "Sequential")


def _layers(network):
    """``[(layer, makes_an_output)]`` of the layers ``keras.models.clone_model(..., recursive=True)`` hands to its
    ``clone_function``: those of ``network`` and of every Functional or Sequential model nested in it."""
    outputs = {id(t._keras_history.operation) for t in network.outputs}
    found = []
    for layer in network.layers:
        if _is_graph(layer):
            found += _layers(layer)
        elif not isinstance(layer, keras.layers.InputLayer):
            found.append((layer, id(layer) in outputs))
    return found


def _with_dtype(config, dtype):
    """A layer config with ``dtype`` set on it and on every serialized layer nested in it (a wrapper's)."""
    config = copy.deepcopy(config)
    config["dtype"] = dtype
    for value in config.values():
        if isinstance(value, dict) and isinstance(value.get("config"), dict) and "dtype" in value["config"]:
            value["config"] = _with_dtype(value["config"], dtype)
    return config


def policies(network):
    """``{layer name: policy name}`` of the layers :func:`convert` sets (nested models' included)."""
    return {layer.path: layer.dtype_policy.name for layer, _ in _layers(network)}


def convert(network, precision, float32_outputs=True):
    """``network`` with its layers computing in ``precision`` (a policy name) and its output layers in float32:
    the same object when it already is, else a clone holding the same variable values.

    ``float32_outputs=False`` leaves the output layers in ``precision`` too, for a network whose outputs are
    features that every consumer turns to float32 itself (AdaIN's VGG encoder: its outputs relu1_1 ... relu4_1 are
    the first, widest convolutions of their blocks, and in float32 they took 27 of the encoder's 42 ms at 256x256
    in bfloat16 on the AMX Xeon).
    """
    layers = _layers(network)
    wanted = {id(layer): "float32" if output and float32_outputs else precision for layer, output in layers}
    if all(layer.dtype_policy.name == wanted[id(layer)] for layer, _ in layers):
        return network

    def clone_layer(layer):
        return layer.__class__.from_config(_with_dtype(layer.get_config(), wanted[id(layer)]))

    clone = keras.models.clone_model(network, clone_function=clone_layer, recursive=True)
    copy_variables(clone.variables, network.variables, f"{network.name!r} in {precision}")
    return clone


def copy_variables(targets, sources, what):
    """Assign ``sources`` to ``targets`` (two lists of variables of one structure) or raise naming ``what``."""
    if [tuple(v.shape) for v in targets] != [tuple(v.shape) for v in sources]:
        raise RuntimeError(f"{what}: the variables differ from the original's ({len(targets)} against "
                           f"{len(sources)})")
    for target, source in zip(targets, sources):
        target.assign(keras.ops.cast(source, target.dtype))


def unscaled(optimizer):
    """The optimizer inside a ``LossScaleOptimizer``, or ``optimizer``."""
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer.inner_optimizer
    return optimizer


def wrap_optimizer(optimizer, precision):
    """``optimizer`` under loss scaling for float16 (Keras's ``LossScaleOptimizer``, dynamic scale), and without
    it for the other precisions (a float16 model's optimizer given to a bfloat16 one)."""
    if precision != "mixed_float16":
        return unscaled(optimizer)
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer)
