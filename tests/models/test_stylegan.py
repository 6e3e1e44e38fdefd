"""StyleGAN / StyleGAN2 on real Fashion-MNIST (resized to 16x16, small widths): training, style mixing,
truncation, w̄, saving and resuming, two replicas, bad input."""

import inspect

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import StyleGAN
from keras_gans.networks.stylegan import build_synthesis_network, num_ws
from tests.model_checks import check_mirrored_matches_single_device, check_save_resume, fashion16, max_diff

SMALL = dict(image_shape=(16, 16, 1), latent_dim=32, w_dim=32, mapping_layers=2, channel_base=256, channel_max=32,
             r1_gamma=0.1, ema_kimg=0.1)  # EMA: β = 0.5 ** (16 / 100) = 0.895 at a batch of 16


@pytest.mark.parametrize("synthesis", ["modulated", "adain"])
def test_both_syntheses_train_and_the_discriminator_learns(fashion, synthesis):
    model = StyleGAN(synthesis=synthesis, **SMALL, seed=0)
    model.compile()
    history = model.fit(fashion16(fashion, 256, 16), epochs=2, verbose=0)
    for name, values in history.history.items():
        assert np.all(np.isfinite(values)), (name, values)
    assert int(model.g_optimizer.iterations) == int(model.d_optimizer.iterations) == 32
    assert float(np.linalg.norm(model.w_avg.numpy())) > 0  # w̄ tracked
    # D separates real from generated images better than chance after 32 steps: mean D(real) > mean D(fake)
    real = tf.image.resize(fashion[0][256:384], (16, 16), antialias=True)
    fake = model.generate(128, seed=1)
    assert float(np.mean(model.discriminator(real))) > float(np.mean(model.discriminator(fake)))


def test_lazy_regularization_and_optimizer_defaults():
    model = StyleGAN(**dict(SMALL, r1_gamma=10.0), pl_weight=2.0)
    g_opt, d_opt = model.default_optimizers()
    # StyleGAN2's correction: c = k / (k + 1); lr 2e-3·c, β2 0.99^c (β1 = 0 stays 0)
    assert float(d_opt.learning_rate) == pytest.approx(2e-3 * 16 / 17)
    assert float(g_opt.learning_rate) == pytest.approx(2e-3 * 4 / 5)
    assert d_opt.beta_2 == pytest.approx(0.99 ** (16 / 17)) and g_opt.beta_1 == 0.0
    assert model.r1_interval == 16 and model.pl_interval == 4


def test_path_length_penalty_trains_and_tracks_its_running_mean(fashion):
    model = StyleGAN(**SMALL, pl_weight=2.0, pl_interval=2, seed=0)
    model.compile()
    history = model.fit(fashion16(fashion, 64, 16), epochs=1, verbose=0)
    assert np.all(np.isfinite(history.history["pl_penalty"]))
    assert float(model.pl_mean.numpy()) > 0  # moved on the due steps (1 and 3 of 4)


def test_truncation_psi_zero_gives_the_average_image_for_every_seed(fashion):
    model = StyleGAN(**SMALL, seed=0)
    model.compile()
    model.fit(fashion16(fashion, 64, 16), epochs=1, verbose=0)
    at_zero = model.generate(3, seed=5, truncation_psi=0.0)
    np.testing.assert_allclose(at_zero[0], at_zero[1], atol=1e-5)
    np.testing.assert_allclose(model.generate(2, seed=9, truncation_psi=0.0)[0], at_zero[0], atol=1e-5)
    np.testing.assert_allclose(at_zero[0], model.synthesize(model.w_avg.numpy()[None])[0], atol=1e-5)
    full = model.generate(3, seed=5)
    assert max_diff(full[0], full[1]) > 1e-3  # different seeds, different images without truncation
    np.testing.assert_allclose(model.generate(3, seed=5, truncation_psi=1.0), full, atol=1e-6)
    half = model.generate(3, seed=5, truncation_psi=0.5)
    assert 0 < max_diff(half, at_zero) and 0 < max_diff(half, full)
    # cutoff: only the first layers truncated -- the coarse layers at w̄, the rest the seed's own
    ws = model.map(model.latent_for_seed(3, 5), truncation_psi=0.0, truncation_cutoff=2)
    np.testing.assert_allclose(ws[:, :2].numpy(), np.broadcast_to(model.w_avg.numpy(), (3, 2, 32)), atol=1e-6)
    assert max_diff(ws[:, 2:].numpy(), np.broadcast_to(model.w_avg.numpy(), (3, model.num_ws - 2, 32))) > 1e-3


def test_mixing_at_the_last_layers_changes_the_image_less_than_at_the_first(fashion):
    model = StyleGAN(**SMALL, seed=0)
    model.compile()
    model.fit(fashion16(fashion, 256, 16), epochs=1, verbose=0)
    seeds_a, seeds_b = list(range(16)), list(range(100, 116))
    image_a = model.mix(seeds_a, seeds_b, crossover=model.num_ws)   # no layer takes B: A itself
    image_b = model.mix(seeds_a, seeds_b, crossover=0)              # every layer takes B: B itself
    for seed, image in zip(seeds_a[:2], image_a[:2]):
        np.testing.assert_allclose(image, model.generate(1, seed=seed)[0], atol=1e-5)
    coarse = model.mix(seeds_a, seeds_b, crossover=1)                 # B from the first layer on
    fine = model.mix(seeds_a, seeds_b, crossover=model.num_ws - 1)    # B in the last layer only
    change = lambda images: float(np.mean((images - image_a) ** 2))  # noqa: E731
    assert change(fine) < change(coarse) <= change(image_b) * 1.5
    assert change(fine) > 0


def test_config_round_trip_and_network_sizes():
    model = StyleGAN(synthesis="adain", **SMALL)
    clone = StyleGAN.from_config(model.get_config())
    assert (clone.synthesis, clone.num_ws, clone.w_dim, clone.image_shape) == ("adain", 6, 32, (16, 16, 1))
    assert len(clone.get_weights()) == len(model.get_weights())
    assert num_ws(1024) == 18 and num_ws(32) == 8  # both papers: 18 styles at 1024²
    assert inspect.signature(StyleGAN).parameters["ema_kimg"].default == 10.0  # config F's G_smoothing_kimg
    # a config saved before ema_kimg existed holds its EMA in ema_decay (0.999 was the default then)
    legacy = {k: v for k, v in model.get_config().items() if k != "ema_kimg"}
    old = StyleGAN.from_config({**legacy, "ema_decay": 0.999})
    assert (old.ema_decay, old.ema_kimg, len(old.ema_networks)) == (0.999, None, 1)
    synthesis = build_synthesis_network(32, 16, 3, "modulated", channel_base=256, channel_max=16)
    assert synthesis.input_shape == (None, 8, 16) and synthesis.output_shape == (None, 32, 32, 3)


@pytest.mark.parametrize("kwargs, message", [
    (dict(image_shape=(24, 24, 1)), "power of two"),
    (dict(image_shape=(16, 32, 1)), "square images"),
    (dict(synthesis="progressive"), "synthesis must be one of"),
    (dict(style_mixing_prob=1.5), "style_mixing_prob must be in"),
    (dict(ema_kimg=None, ema_decay=1.0), "ema_decay must be in (0, 1)"),
    (dict(ema_kimg=0.0), "ema_kimg must be > 0"),
    (dict(ema_decay=0.999), "two ways to set the EMA's horizon"),
])
def test_bad_arguments_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError) as error:
        StyleGAN(**{**SMALL, **kwargs})
    assert message in str(error.value)


def test_bad_truncation_and_crossover_are_clear_errors():
    model = StyleGAN(**SMALL)
    for psi in (-0.1, 1.5, "high"):
        with pytest.raises(ValueError, match="truncation_psi must be"):
            model.generate(2, seed=0, truncation_psi=psi)
    with pytest.raises(ValueError, match=r"truncation_cutoff must be an int in \[1, 6\]"):
        model.generate(2, seed=0, truncation_psi=0.5, truncation_cutoff=7)
    for crossover in (-1, 7, 2.5):
        with pytest.raises(ValueError, match=r"crossover must be an int in \[0, 6\]"):
            model.mix(1, 2, crossover)
    with pytest.raises(ValueError, match="same length"):
        model.mix([1, 2], [3], 2)


def test_progressive_growing_shows_lower_resolutions_first_and_fades_in(fashion):
    """16x16 from 8x8: 16 images per resolution, 32 per fade-in (batches of 16)."""
    model = StyleGAN(**dict(SMALL, synthesis="adain"), progressive=True, lod_initial_resolution=8,
                     lod_training_kimg=0.016, lod_transition_kimg=0.032, seed=0)
    model.compile()
    history = model.fit(fashion16(fashion, 64, 16), epochs=1, verbose=0)
    assert np.all(np.isfinite(history.history["d_loss"])) and int(model.images_seen.numpy()) == 64
    # steps at 0, 16, 32, 48 images: lod 1, 1, 0.5, 0 (logged as their mean)
    assert history.history["lod"][-1] == pytest.approx((1 + 1 + 0.5 + 0) / 4)
    lod_layers = [model.synthesis_network.get_layer("lod"), model.discriminator.get_layer("lod")]
    assert [float(layer.lod.numpy()) for layer in lod_layers] == [0.0, 0.0]
    sharp = model.generate(2, seed=1, ema=False)
    for layer in lod_layers:
        layer.set(1.0)
    blocky = model.generate(2, seed=1, ema=False)  # 8x8 shown at 16x16: constant 2x2 blocks
    np.testing.assert_allclose(blocky[:, ::2, ::2], blocky[:, 1::2, 1::2], atol=1e-6)
    assert max_diff(sharp[:, ::2, ::2], sharp[:, 1::2, 1::2]) > 1e-3
    with pytest.raises(ValueError, match="adain synthesis"):
        StyleGAN(**SMALL, progressive=True)  # modulated


@pytest.mark.slow
def test_saved_and_resumed_exactly_mid_fade_with_w_avg_ema_ada_and_lazy_counters(fashion, tmp_path):
    """2 steps per epoch: the resumed epoch starts at lod 0.5, mid-fade; R1 every 2 D steps, path length every 2
    G steps, ADA on. (The modulated synthesis has no state of its own beyond its weights and noise buffers.)"""
    data = fashion16(fashion, 32, 16)
    resumed = check_save_resume(StyleGAN, dict(SMALL, synthesis="adain", progressive=True, lod_training_kimg=0.016,
                                               lod_transition_kimg=0.032, r1_interval=2, pl_weight=2.0,
                                               pl_interval=2, augment="ada", ada_target=0.1, seed=3),
                                None, 16, tmp_path, data=data)
    assert int(resumed.images_seen.numpy()) == 64 and float(resumed.discriminator.get_layer("lod").lod) == 0.0
    assert float(np.linalg.norm(resumed.w_avg.numpy())) > 0 and float(resumed.pl_mean.numpy()) > 0
    # w̄, pl_mean, images_seen, ADA's p and accumulators and the EMA generator are model weights:
    # check_save_resume compared them with a straight run
    assert len(resumed.get_weights()) > len(resumed.generator.get_weights()) * 2


@pytest.mark.slow
@pytest.mark.parametrize("synthesis, growing", [("modulated", {}), ("adain", dict(
    progressive=True, lod_training_kimg=0.0, lod_transition_kimg=0.032))])
def test_two_replicas_match_one_device(fashion, synthesis, growing):
    """Latents, the mixing crossover, the synthesis noise, w̄, R1, the path length (and for StyleGAN progressive
    growing at lod 1) on 2 replicas as one device."""
    data = fashion16(fashion, 16, 16)
    single, replicated = check_mirrored_matches_single_device(
        StyleGAN, dict(SMALL, synthesis=synthesis, r1_interval=1, pl_weight=2.0, pl_interval=1,
                       mbstd_group_size=4, **growing), None, 16, data=data,
        compile_kwargs=lambda: dict(g_optimizer=keras.optimizers.SGD(0.01), d_optimizer=keras.optimizers.SGD(0.01)))
    assert max_diff([single.w_avg.numpy()], [replicated.w_avg.numpy()]) < 1e-5
