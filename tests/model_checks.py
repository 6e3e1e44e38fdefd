"""Checks every adversarial model's tests call (keras-hub's run_model_saving_test idea).

Each takes the model class and small constructor arguments, trains on real
Fashion-MNIST images and asserts one guarantee of the base model.
"""

import inspect
import json
import os
import subprocess
import sys

import keras
import numpy as np
import tensorflow as tf

from keras_gans import ConditionalGAN, export

#: TensorFlow's saved_model_cli of the running interpreter (found without an activated environment)
SAVED_MODEL_CLI = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")


def output_layer(network):
    """The layer with weights nearest ``network``'s (first) output on the way back through the layers' first
    inputs, looking inside nested networks (GRAN's canvas is tanh of a sum of its nested "draw" network's
    outputs)."""
    tensor = network.outputs[0]
    while True:
        layer, node_index, _ = tensor._keras_history
        if isinstance(layer, keras.Model):
            tensor = layer.outputs[0]
        elif layer.weights:
            return layer
        else:
            tensor = layer._inbound_nodes[node_index].input_tensors[0]


def spread_images(network, images, min_std=40.0, tries=16):
    """Double the kernel of ``network``'s output layer (:func:`output_layer`) until ``images()`` (images made
    through it) have a standard deviation of at least ``min_std`` (uint8 levels, or the images' own unit); returns
    that standard deviation.

    An untrained generator's N(0, 0.02) weights make images within a level or two of grey, where "the served
    images equal the model's to one uint8 level" holds for almost any two images (tests/serving/test_formats.py
    does the same for its small networks)."""
    last = output_layer(network)
    variables = [v for v in last.weights if len(v.shape) > 1] or last.trainable_weights  # or a norm's scale, offset
    spread = float(np.std(images()))
    for _ in range(tries):
        if spread >= min_std:
            break
        for variable in variables:
            variable.assign(variable * 2.0)
        spread = float(np.std(images()))
    return spread


def dataset(model_or_cls, fashion, batch, n=None, repeat=1):
    images, labels = fashion
    n = n or batch
    if model_or_cls is ConditionalGAN or isinstance(model_or_cls, ConditionalGAN):
        ds = tf.data.Dataset.from_tensor_slices((images[:n], labels[:n]))
    else:
        ds = tf.data.Dataset.from_tensor_slices(images[:n])
    return ds.repeat(repeat).batch(batch, drop_remainder=True)


def fashion16(fashion, n, batch):
    """The first ``n`` real Fashion-MNIST garments, bilinearly resized to 16x16 (StyleGAN's power-of-two sizes), in
    batches of ``batch``."""
    images = tf.image.resize(fashion[0][:n], (16, 16), antialias=True)
    return tf.data.Dataset.from_tensor_slices(images).batch(batch, drop_remainder=True)


def takes_argument(cls, name):
    """Whether ``cls(name=...)`` is accepted: ``name`` is in the signature of its or a base class's ``__init__``
    (the models pass what is not their own to ``super().__init__`` through ``**kwargs``)."""
    return any(name in inspect.signature(c.__init__).parameters for c in cls.__mro__ if "__init__" in vars(c))


def max_diff(a, b):
    return max(float(np.max(np.abs(np.asarray(x, "float64") - np.asarray(y, "float64"))))
               for x, y in zip(a, b, strict=True))


def check_fit_finite(cls, kwargs, fashion, batch, steps=3):
    """A few steps of fit on real images: every logged loss is finite, counters advance."""
    model = cls(**kwargs)
    model.compile()
    history = model.fit(dataset(cls, fashion, batch, n=batch * steps), epochs=1, verbose=0)
    assert set(history.history) == set(model.tracker_names)
    for name, values in history.history.items():
        assert np.all(np.isfinite(values)), (name, values)
    assert int(model.d_optimizer.iterations) == steps * model.d_steps
    return model


def check_paper_defaults_train_stably(cls, epochs=3, seed=0, **kwargs):
    """The paper's full-size networks and optimizers, as ``keras-gans train`` runs them (the embedded 6,000
    real Fashion-MNIST garments, batch 64, ``--seed 0``): every loss stays finite for ``epochs`` epochs.
    Before D's inputs were mapped to [0, 1] the MLP GAN went non-finite at step 137 and the conditional GAN
    at step 198 (of 93 a epoch)."""
    from keras_gans import datasets

    keras.utils.set_random_seed(seed)
    data, info = datasets.load("embedded", batch_size=64, seed=seed, with_labels=cls is ConditionalGAN)
    model = cls(image_shape=info["image_shape"], seed=seed, **kwargs)
    model.compile()
    history = model.fit(data, epochs=epochs, verbose=0)
    for name, values in history.history.items():
        assert np.all(np.isfinite(values)), (name, values)
    return history.history


def check_discriminator_learns(cls, kwargs, fashion, batch, epochs=8, d_optimizer=None):
    """With the generator frozen (learning rate 0), D's loss on one fixed real batch falls."""
    model = cls(**kwargs)
    g_opt = keras.optimizers.SGD(0.0)
    model.compile(g_optimizer=g_opt, d_optimizer=d_optimizer)
    history = model.fit(dataset(cls, fashion, batch), epochs=epochs, verbose=0)
    d_loss = history.history["d_loss"]
    assert np.all(np.isfinite(d_loss))
    first, last = np.mean(d_loss[:2]), np.mean(d_loss[-2:])
    # by at least 1 % of its size (the models' falls: 1.7-79 %): rounding noise or a drift of 1e-5 is not learning
    assert last < first - 0.01 * abs(first), f"d_loss did not fall by 1 %: {d_loss}"
    return d_loss


def optimizers(model):
    """The model's optimizers: ``[g_optimizer, d_optimizer]`` of adversarial models, else ``[optimizer]``."""
    found = [getattr(model, name, None) for name in ("g_optimizer", "d_optimizer")]
    return [o for o in found if o is not None] or [model.optimizer]


def check_save_resume(cls, kwargs, fashion, batch, tmp_path, data=None, compile_kwargs=None):
    """fit 2 epochs == fit 1, save .keras, load, fit 1 more: weights, optimizer state, counters.

    ``data``: a dataset to use instead of Fashion-MNIST images (image-to-image models, AdaIN's pairs).
    """
    model = cls(**kwargs)
    model.compile(**(compile_kwargs or {}))
    init = str(tmp_path / "init.keras")
    model.save(init)
    data = data if data is not None else dataset(cls, fashion, batch, n=2 * batch)

    straight = keras.models.load_model(init)
    straight.fit(data, epochs=2, verbose=0)

    first = keras.models.load_model(init)
    assert type(first) is cls
    first.fit(data, epochs=1, verbose=0)
    mid = str(tmp_path / "mid.keras")
    first.save(mid)
    resumed = keras.models.load_model(mid)
    assert int(optimizers(resumed)[0].iterations) == int(optimizers(first)[0].iterations) > 0
    assert max_diff([v.numpy() for v in optimizers(resumed)[-1].variables],
                    [v.numpy() for v in optimizers(first)[-1].variables]) == 0.0
    resumed.fit(data, epochs=2, initial_epoch=1, verbose=0)

    for resumed_opt, straight_opt in zip(optimizers(resumed), optimizers(straight), strict=True):
        assert int(resumed_opt.iterations) == int(straight_opt.iterations)
    # float32 CPU kernels are deterministic here; 1e-6 allows summation-order noise only.
    assert max_diff(resumed.get_weights(), straight.get_weights()) < 1e-6
    assert max_diff([v.numpy() for v in optimizers(resumed)[0].variables],
                    [v.numpy() for v in optimizers(straight)[0].variables]) < 1e-6
    return resumed


_SERVING_SCRIPT = r"""
import json, sys
import numpy as np
import tensorflow as tf

m = tf.saved_model.load(sys.argv[1])
spec = json.loads(sys.argv[2])
out = {"signatures": sorted(m.signatures.keys())}
z = np.load(sys.argv[3])
kw = {"z": tf.constant(z)}
if spec["labels"] is not None:
    kw["labels"] = tf.constant(spec["labels"], tf.int32)
out["default"] = m.signatures["serving_default"](**kw)["images"].numpy().tolist()
def sample(seed):
    s = m.signatures["sample"]
    if spec["labels"] is not None:
        return s(labels=tf.constant(spec["labels"], tf.int32), seed=tf.constant(seed, tf.int64))["images"].numpy()
    return s(num=tf.constant(len(z)), seed=tf.constant(seed, tf.int64))["images"].numpy()
a, b, c = sample(7), sample(7), sample(8)
out["sample_dtype"] = str(a.dtype)
out["sample"] = a.tolist()
out["same_seed_equal"] = bool((a == b).all())
out["other_seed_differs"] = bool((a != c).any())
try:
    m.signatures["serving_default"](**{**kw, "z": tf.zeros((len(z), z.shape[1] + 1))})
    out["wrong_shape"] = "accepted"
except Exception as e:
    out["wrong_shape"] = type(e).__name__
if spec["labels"] is not None:
    try:
        m.signatures["serving_default"](z=tf.constant(z), labels=tf.constant([spec["num_classes"]] * len(z), tf.int32))
        out["bad_label"] = "accepted"
    except Exception as e:
        out["bad_label"] = type(e).__name__ + ": " + str(e)[:300]
out["imported_keras_gans"] = any(k.startswith("keras_gans") for k in sys.modules)
print("RESULT" + json.dumps(out))
"""


def serve_in_fresh_process(script, *args, cwd):
    """Run ``script`` (which prints ``RESULT{json}``) in a new Python without PYTHONPATH, as a server
    would: asserts it succeeded and never imported keras_gans; returns the parsed result."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-c", script, *map(str, args)], capture_output=True, text=True,
                          cwd=str(cwd), env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.split("RESULT", 1)[1])
    assert out["imported_keras_gans"] is False
    return out


def check_export(model, tmp_path, saved_model_cli=False):
    """SavedModel: loads without keras_gans, serving_default/sample agree with the model; with ``saved_model_cli``
    TensorFlow's ``saved_model_cli show`` lists the signatures too (one more TensorFlow start-up, ~5 s: the models'
    tests ask for it once, in test_dcgan; the fresh process above already lists the signatures for every model)."""
    from keras_gans.serving.images import to_uint8

    labels = list(range(model.num_classes)) * 1 if model.num_classes else None
    num = len(labels) if labels else 4
    z = np.random.default_rng(0).normal(size=(num, model.latent_dim)).astype("float32")
    inputs = model.generator_inputs(tf.constant(z), None if labels is None else tf.constant(labels, tf.int32))
    served_network = model.averaged(model.generator)  # EMA if on
    assert spread_images(served_network, lambda: to_uint8(served_network(inputs, training=False).numpy())) >= 20
    path = str(tmp_path / "export" / "1")
    export(model, path)
    np.save(tmp_path / "z.npy", z)
    spec = {"labels": labels, "num_classes": model.num_classes}
    out = serve_in_fresh_process(_SERVING_SCRIPT, path, json.dumps(spec), str(tmp_path / "z.npy"), cwd=tmp_path)
    assert {"serving_default", "sample", "generate"} <= set(out["signatures"])
    expected = to_uint8(served_network(inputs, training=False).numpy())
    served = np.array(out["default"], dtype="int64")
    assert served.shape == (num, *model.image_shape)
    # uint8 rounding of float32 outputs computed by two graphs: at most one level apart.
    assert np.abs(served - expected.astype("int64")).max() <= 1
    assert out["sample_dtype"] == "uint8" and out["same_seed_equal"] and out["other_seed_differs"]
    generated = to_uint8(model.generate(num, seed=7, labels=labels))
    assert np.abs(np.array(out["sample"], "int64") - generated.astype("int64")).max() <= 1
    assert out["wrong_shape"] == "InvalidArgumentError"  # refused by the signature, not by some other bug
    if labels is not None:
        assert out["bad_label"].startswith("InvalidArgumentError") and "num_classes" in out["bad_label"]

    if saved_model_cli:
        cli = subprocess.run([SAVED_MODEL_CLI, "show", "--dir", path, "--all"], capture_output=True, text=True,
                             timeout=300)
        assert cli.returncode == 0, cli.stderr[-2000:]
        for name in ("serving_default", "sample", "generate"):
            assert f"signature_def['{name}']" in cli.stdout
    return path


_MIRRORED = []


def mirrored_strategy():
    """One MirroredStrategy over two logical CPUs for the whole session.

    Several strategy objects in one process reuse collective instance keys and
    abort with "Shape mismatch in the collective instance" (a TensorFlow limitation).
    """
    if not _MIRRORED:
        _MIRRORED.append(tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]))
    return _MIRRORED[0]


def check_mirrored_matches_single_device(cls, kwargs, fashion, batch, data=None, compile_kwargs=None):
    """One step on the same batch from the same weights: 2 CPU replicas == 1 device. Returns the two trained
    models ``(single device, two replicas)``.

    ``data``: one batch (or a few) as a dataset, for models that do not train on ``dataset(cls, fashion, ...)``.
    ``compile_kwargs``: e.g. SGD optimizers (a callable returning them, called inside each
    strategy scope) where the model's Adam would turn gradients that are zero up to float32
    rounding into learning-rate-sized, replica-dependent updates.
    """
    data = data if data is not None else dataset(cls, fashion, batch)

    def one_step(strategy):
        with strategy.scope():
            keras.utils.set_random_seed(123)
            seeded = takes_argument(cls, "seed")  # models that own random generators
            model = cls(**({"seed": 7} if seeded else {}), **kwargs)
            model.compile(**(compile_kwargs() if compile_kwargs else {}))
        history = model.fit(data, epochs=1, verbose=0)
        return {k: v[-1] for k, v in history.history.items()}, [w.numpy() for w in model.weights], model

    def optimizer_state(model):
        return [v.numpy() for optimizer in model.trained_optimizers() for v in optimizer.variables]

    single_logs, single_weights, single = one_step(tf.distribute.get_strategy())
    mirrored = mirrored_strategy()
    assert mirrored.num_replicas_in_sync == 2
    mirrored_logs, mirrored_weights, replicated = one_step(mirrored)
    # Adam's first update is about lr * sign(gradient), the same for a gradient off by any factor (a loss
    # averaged over one replica's half of the batch, a penalty summed over replicas): its moments are not
    single_state, mirrored_state = optimizer_state(single), optimizer_state(replicated)
    assert len(single_state) == len(mirrored_state) > 0
    floats = [a for a in single_state if a.dtype.kind == "f" and a.size]
    # relative 1e-4 per variable; a floor at 1e-5 of the largest moment for a gradient that cancels to nearly 0
    # (GAN's output bias: 6e-7, with all-reduce rounding 1.5e-9 apart)
    floor = 1e-5 * max(float(np.max(np.abs(a))) for a in floats)
    for a, b in zip(single_state, mirrored_state, strict=True):
        scale = float(np.max(np.abs(a))) if a.size else 0.0
        assert a.shape == b.shape and np.max(np.abs(a - b), initial=0.0) <= 1e-4 * scale + floor, (a.shape, scale)
    assert set(single_logs) == set(mirrored_logs)
    for name in single_logs:
        # float32 all-reduce sums in another order than one device: relative 1e-5.
        np.testing.assert_allclose(mirrored_logs[name], single_logs[name], rtol=1e-5, atol=1e-6, err_msg=name)
    assert len(single_weights) == len(mirrored_weights)
    assert max_diff(single_weights, mirrored_weights) < 1e-5
    return single, replicated


def write_paired_encoder_weights(path, width=1 / 16, seed=3):
    """A random VGG-19 encoder (``keras_gans.networks.build_vgg19_encoder``) written as ``.npz``.

    Each layer's filters come in opposite pairs (k, -k), so no layer is ever all zero after its ReLU: with
    only 4 first-layer filters at width 1/16, a plain random encoder can map an untrained decoder's
    near-black images to all-zero features and zero gradients. Returns the path (str).
    """
    from keras_gans.networks.vgg import build_vgg19_encoder, save_vgg19_weights_npz

    keras.utils.set_random_seed(seed)
    encoder = build_vgg19_encoder(width=width)
    for layer in encoder.layers:
        if isinstance(layer, keras.layers.Conv2D):
            kernel, bias = layer.get_weights()
            half = kernel.shape[-1] // 2
            layer.set_weights([np.concatenate([kernel[..., :half], -kernel[..., :half]], axis=-1), bias])
    return str(save_vgg19_weights_npz(encoder, path))
