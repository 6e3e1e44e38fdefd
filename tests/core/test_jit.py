"""``compile(jit_compile=True)``: every model's train step compiles with XLA once and trains with finite losses.

XLA compiles a step again whenever an input it needs as a compile-time constant changes. The CycleGAN image pool's
random slot, read with ``x[i]``, made the seed state such an input, so every step recompiled (6 s a step for a tiny
CycleGAN instead of 11 ms), and the StyleGAN discriminator's minibatch standard deviation did not compile inside the
lazy R1 branch at all. The batches have a static size, as ``keras_gans.datasets`` makes them (``drop_remainder``;
with an unknown batch size StyleGAN's minibatch standard deviation does not compile). The count comes from
TensorFlow's own log (``device_compiler``'s "Instantly compiling" lines), so the models train in a fresh process with
that log on."""

import collections
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from tests.core.test_precision import MODELS

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STEPS = 4

CHILD = r"""
import json, sys
import numpy as np
from keras_gans.datasets.fashion_mnist import load_fashion_mnist
from tests.core.test_precision import MODELS, data

images, labels = load_fashion_mnist("train")
fashion = (images[:64].astype("float32") / 127.5 - 1.0, labels[:64].astype("int32"))
finite = {}
for name in sys.argv[1:]:
    make, kind = MODELS[name]
    model = make("float32")
    model.compile(jit_compile=True)
    print(f"MODEL {name}", file=sys.stderr, flush=True)
    batches = data(kind, fashion).unbatch().repeat().batch(4, drop_remainder=True)  # static, as keras_gans.datasets
    history = model.fit(batches, steps_per_epoch=%d, epochs=1, verbose=0).history
    finite[name] = all(bool(np.all(np.isfinite(v))) for v in history.values())
print("RESULT " + json.dumps(finite))
""" % STEPS


@pytest.mark.slow
def test_every_model_compiles_its_step_once_and_trains():
    env = {**os.environ, "PYTHONPATH": REPO, "TF_CPP_MIN_LOG_LEVEL": "0", "TF_CPP_VMODULE": "device_compiler=2"}
    proc = subprocess.run([sys.executable, "-c", CHILD, *MODELS], capture_output=True, text=True, env=env, cwd=REPO,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    finite = json.loads(proc.stdout.split("RESULT ", 1)[1])
    assert finite == {name: True for name in MODELS}
    compiles, model = collections.defaultdict(collections.Counter), None
    for line in proc.stderr.splitlines():
        if line.startswith("MODEL "):
            model = line.split()[1]
        match = re.search(r"Instantly compiling for signature: (__inference_one_step_on_data_\d+)", line)
        if match:
            compiles[model][match.group(1)] += 1
    # each model's train step is compiled (XLA is on), and once: not again in the following steps
    assert {name: dict(compiles[name]) for name in MODELS} == {
        name: {step: 1 for step in compiles[name]} for name in MODELS}
    assert all(len(compiles[name]) == 1 for name in MODELS), dict(compiles)


def test_stylegan_under_xla_asks_for_a_static_batch(fashion):
    make, _ = MODELS["StyleGAN"]
    model = make("float32")
    model.compile(jit_compile=True)
    images = tf.image.resize(fashion[0][:8], (16, 16))
    with pytest.raises(ValueError, match="static size.*drop_remainder=True"):
        model.fit(tf.data.Dataset.from_tensor_slices(images).batch(4), epochs=1, verbose=0)
    model.compile(jit_compile=False)  # without XLA the same batches train
    assert np.isfinite(model.fit(tf.data.Dataset.from_tensor_slices(images).batch(4), epochs=1, verbose=0)
                       .history["d_loss"][-1])
