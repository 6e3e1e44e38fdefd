"""StyleGAN's SavedModel (keras_gans.serving.stylegan): a tiny StyleGAN2 fitted 2 steps on real Fashion-MNIST
(16x16), exported with its generator EMA and without, and served by a Python that never imports keras_gans:
every signature equals the model's own method (images within one uint8 level, styles within 1e-5), the EMA
average is what is served, ψ = 0 is one image, and bad ψ / crossover / batch sizes are refused by the graph."""

import json
import subprocess

import keras
import numpy as np
import pytest

from keras_gans import StyleGAN, export
from keras_gans.serving.images import to_uint8
from tests.model_checks import SAVED_MODEL_CLI, fashion16, max_diff, serve_in_fresh_process

# training, two exports and a fresh Python: the slow tier, as every model's fresh-process export but DCGAN's
# (tests/conftest.py); the fast tier traces these signatures in tests/serving/test_formats.py
pytestmark = pytest.mark.slow

SMALL = dict(image_shape=(16, 16, 1), latent_dim=32, w_dim=32, mapping_layers=2, channel_base=256, channel_max=32,
             seed=0)  # EMA: StyleGAN's default, a half-life of 10k images
SIGNATURES = {"serving_default", "generate", "sample", "mix", "map", "synthesize"}
PSI = [1.0, 0.7, 0.5, 0.0]
SEEDS_A, SEEDS_B = [0, 1, 2, 3], [10, 11, 12, 13]


@pytest.fixture(scope="module")
def model(fashion):
    keras.utils.set_random_seed(0)
    model = StyleGAN(**SMALL)
    model.compile()
    model.fit(fashion16(fashion, 32, 16), epochs=1, verbose=0)  # 2 steps
    assert (model.ema_decay, model.ema_kimg) == (None, 10.0) and int(model.g_optimizer.iterations) == 2
    # two steps move the average by little: make it clearly another generator (the mapping's and ToRGB's scale
    # survive demodulation), and w̄ the mean w of 256 latents (two steps at β = 0.995 leave it near 0)
    shadow = model.ema_networks[0]
    shadow.set_weights([w * 1.5 if w.ndim > 1 else w for w in shadow.get_weights()])
    z = model.latent_for_seed(256, 123)
    model.w_avg.assign(np.mean(shadow.get_layer("mapping")(z).numpy(), axis=0))
    averaged = model.generate(4, seed=1)
    assert max_diff(averaged, model.generate(4, seed=1, ema=False)) > 0.1
    assert np.std(averaged) > 0.1  # images, not flat grey
    return model


_SCRIPT = r"""
import json, sys
import numpy as np
import tensorflow as tf

spec = json.loads(sys.argv[3])
ema, raw = tf.saved_model.load(sys.argv[1]), tf.saved_model.load(sys.argv[2])
out = {"signatures": sorted(ema.signatures.keys()), "raw_signatures": sorted(raw.signatures.keys()), "refused": {}}
f32, i32, i64 = (lambda x: tf.constant(x, tf.float32)), (lambda x: tf.constant(x, tf.int32)), \
    (lambda x: tf.constant(x, tf.int64))
z, psi = np.array(spec["z"], "float32"), spec["psi"]
inputs = {k: [str(v.dtype.name), v.shape.as_list()] for k, v in
          ema.signatures["serving_default"].structured_input_signature[1].items()}
out["default_inputs"] = inputs
out["generate"] = ema.signatures["serving_default"](z=f32(z), truncation_psi=f32(psi))["images"].numpy().tolist()
out["generate_dtype"] = ema.signatures["generate"](z=f32(z), truncation_psi=f32(psi))["images"].dtype.name
out["raw_generate"] = raw.signatures["serving_default"](z=f32(z), truncation_psi=f32(psi))["images"].numpy().tolist()
sample = ema.signatures["sample"]
out["sample"] = {str(p): sample(num=i32(4), seed=i64(7), truncation_psi=f32(p))["images"].numpy().tolist()
                 for p in (1.0, 0.7)}
out["mix"] = ema.signatures["mix"](seed_a=i64(spec["seed_a"]), seed_b=i64(spec["seed_b"]),
                                   crossover=i32(spec["crossover"]), truncation_psi=f32(psi))["images"].numpy().tolist()
ws = ema.signatures["map"](z=f32(z), truncation_psi=f32(psi))["ws"]
out["ws"] = ws.numpy().tolist()
out["synthesize"] = ema.signatures["synthesize"](ws=ws)["images"].numpy().tolist()
at_zero = ema.signatures["sample"](num=i32(5), seed=i64(99), truncation_psi=f32(0.0))["images"].numpy()
out["psi0_one_image"] = bool((at_zero == at_zero[:1]).all())
out["psi0"] = at_zero[0].tolist()

def refused(key, signature, **kw):
    try:
        ema.signatures[signature](**kw)
        out["refused"][key] = "accepted"
    except Exception as e:
        failed = [line.strip() for line in str(e).splitlines() if "assertion failed" in line]
        out["refused"][key] = type(e).__name__ + ": " + (failed[0] if failed else str(e)[:300])

n = len(z)
refused("psi_above_1", "serving_default", z=f32(z), truncation_psi=f32([1.5] + [1.0] * (n - 1)))
refused("psi_below_0", "map", z=f32(z), truncation_psi=f32([-0.1] * n))
refused("psi_nan", "serving_default", z=f32(z), truncation_psi=f32([float("nan")] * n))
refused("sample_psi", "sample", num=i32(2), seed=i64(0), truncation_psi=f32(2.0))
refused("sample_num", "sample", num=i32(0), seed=i64(0), truncation_psi=f32(1.0))
refused("psi_count", "serving_default", z=f32(z), truncation_psi=f32([1.0]))
mix = dict(seed_a=i64([1, 2]), seed_b=i64([3, 4]), truncation_psi=f32([1.0, 1.0]))
refused("crossover_negative", "mix", **mix, crossover=i32([-1, 0]))
refused("crossover_above", "mix", **mix, crossover=i32([0, spec["num_ws"] + 1]))
refused("mix_psi", "mix", **dict(mix, truncation_psi=f32([1.0, 1.01])), crossover=i32([1, 1]))
refused("mix_lengths", "mix", **dict(mix, seed_b=i64([3])), crossover=i32([1, 1]))
refused("ws_shape", "synthesize", ws=f32(np.zeros((1, spec["num_ws"] + 1, 32))))
refused("z_width", "map", z=f32(np.zeros((n, z.shape[1] + 1))), truncation_psi=f32(psi))
out["imported_keras_gans"] = any(k == "keras_gans" or k.startswith("keras_gans.") for k in sys.modules)
print("RESULT" + json.dumps(out))
"""


@pytest.fixture(scope="module")
def served(model, tmp_path_factory):
    """The EMA and the raw export, each run once in a fresh Python without keras_gans."""
    root = tmp_path_factory.mktemp("stylegan")
    ema_path = export(model, root / "ema" / "1")
    raw_path = export(model, root / "raw" / "1", ema=False)
    z = np.random.default_rng(0).normal(size=(len(PSI), model.latent_dim)).astype("float32")
    spec = {"z": z.tolist(), "psi": PSI, "seed_a": SEEDS_A, "seed_b": SEEDS_B, "num_ws": model.num_ws,
            "crossover": [0, 1, 3, model.num_ws]}
    out = serve_in_fresh_process(_SCRIPT, ema_path, raw_path, json.dumps(spec), cwd=root)  # asserts no keras_gans
    return {"out": out, "z": z, "spec": spec, "paths": (ema_path, raw_path)}


def levels_apart(served, expected):
    """Largest |difference| in uint8 levels (two graphs' float32 outputs may round one level apart)."""
    return int(np.max(np.abs(np.asarray(served, "int64") - np.asarray(expected).astype("int64"))))


def test_five_signatures_with_per_example_truncation(served, model):
    out = served["out"]
    assert set(out["signatures"]) == set(out["raw_signatures"]) == SIGNATURES  # generate is serving_default's twin
    assert out["default_inputs"] == {"z": ["float32", [None, model.latent_dim]],
                                     "truncation_psi": ["float32", [None]]}
    assert out["generate_dtype"] == "uint8"
    assert np.array(out["generate"]).shape == (len(PSI), 16, 16, 1)


def test_every_signature_equals_the_models_method(served, model):
    out, z = served["out"], served["z"]
    generate = np.concatenate([to_uint8(model.synthesize(model.map(z[i : i + 1], psi))) for i, psi in enumerate(PSI)])
    assert levels_apart(out["generate"], generate) <= 1
    # psi = 1 is the plain generator (model.generate's path without truncation)
    assert levels_apart(out["generate"][0], to_uint8(model.averaged(model.generator)(z[:1]).numpy())[0]) <= 1
    for psi, images in out["sample"].items():
        assert levels_apart(images, to_uint8(model.generate(4, seed=7, truncation_psi=float(psi)))) <= 1
    crossover = served["spec"]["crossover"]
    mixed = np.concatenate([to_uint8(model.mix(a, b, c, psi))
                            for a, b, c, psi in zip(SEEDS_A, SEEDS_B, crossover, PSI)])
    assert levels_apart(out["mix"], mixed) <= 1
    # crossover 0: all of B's styles; num_ws: all of A's -- B's and A's sample images (seed s = sample(1, s))
    assert levels_apart(out["mix"][0], to_uint8(model.generate(1, seed=SEEDS_B[0], truncation_psi=PSI[0]))[0]) <= 1
    assert levels_apart(out["mix"][3], to_uint8(model.generate(1, seed=SEEDS_A[3], truncation_psi=PSI[3]))[0]) <= 1
    assert levels_apart(out["mix"][1], to_uint8(model.mix(SEEDS_A[1], SEEDS_B[1], model.num_ws, PSI[1]))[0]) > 20
    ws = np.concatenate([model.map(z[i : i + 1], psi).numpy() for i, psi in enumerate(PSI)])
    assert np.array(out["ws"]).shape == (len(PSI), model.num_ws, model.w_dim)
    np.testing.assert_allclose(np.array(out["ws"]), ws, atol=1e-5)
    np.testing.assert_array_equal(out["synthesize"], out["generate"])  # synthesize(map(z, psi)) == generate(z, psi)
    assert levels_apart(out["synthesize"], to_uint8(model.synthesize(np.array(out["ws"], "float32")))) <= 1


def test_the_ema_average_and_w_avg_at_export_are_served(served, model):
    out, z = served["out"], served["z"]
    raw = np.concatenate([to_uint8(model.synthesize(model.map(z[i : i + 1], psi, ema=False), ema=False))
                          for i, psi in enumerate(PSI)])
    assert levels_apart(out["raw_generate"], raw) <= 1
    assert levels_apart(out["raw_generate"], out["generate"]) > 20  # the two exports serve different generators
    # psi = 0: w̄ itself for every seed, the exported w̄ being the model's
    assert out["psi0_one_image"]
    np.testing.assert_allclose(np.array(out["ws"])[3], np.broadcast_to(model.w_avg.numpy(), (model.num_ws, 32)),
                               atol=1e-5)
    assert levels_apart(out["psi0"], to_uint8(model.synthesize(model.w_avg.numpy()[None]))[0]) <= 1


def test_bad_inputs_are_refused_by_the_graph(served, model):
    refused = served["out"]["refused"]
    for key in ("psi_above_1", "psi_below_0", "psi_nan", "sample_psi", "mix_psi"):
        assert refused[key].startswith("InvalidArgumentError") and "truncation_psi must be in [0, 1]" in refused[key]
    for key in ("crossover_negative", "crossover_above"):
        assert f"crossover must be in [0, {model.num_ws}]" in refused[key], refused[key]
    assert "num must be positive" in refused["sample_num"]
    assert "truncation_psi needs one value per z" in refused["psi_count"]
    assert "seed_b needs one value per seed_a" in refused["mix_lengths"]
    assert f"ws must be [batch, {model.num_ws}, {model.w_dim}]" in refused["ws_shape"], refused["ws_shape"]
    assert f"z must be [batch, {model.latent_dim}]" in refused["z_width"], refused["z_width"]


def test_saved_model_cli_lists_the_signatures(served):
    ema_path, _ = served["paths"]
    cli = subprocess.run([SAVED_MODEL_CLI, "show", "--dir", ema_path, "--all"], capture_output=True, text=True,
                         timeout=300)
    assert cli.returncode == 0, cli.stderr[-2000:]
    for name in SIGNATURES:
        assert f"signature_def['{name}']" in cli.stdout
    for alias in ("truncation_psi", "seed_a", "seed_b", "crossover", "ws"):
        assert f"inputs['{alias}']" in cli.stdout
    assert "outputs['ws']" in cli.stdout

