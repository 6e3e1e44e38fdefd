"""``keras-gans train ... --ema --augment --r1 --spectral-norm`` and ``train sngan`` end to end, and bad values."""

import csv

import numpy as np
import pytest

from tests.cli.helpers import run_cli, run_main


@pytest.mark.slow
def test_dcgan_with_every_option_trains_resumes_and_exports_the_average(tmp_path):
    common = ["dcgan", "--batch-size", "16", "--steps-per-epoch", "2", "--num-samples", "4", "--ema", "0.9",
              "--ema-rampup", "0.05", "--augment", "ada", "--ada-target", "0.05", "--r1", "10", "--r1-interval", "2",
              "--spectral-norm"]
    first = run_cli("train", *common, "--epochs", "1", cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    resumed = run_cli("train", *common, "--epochs", "2", "--resume", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    rows = list(csv.DictReader(open(tmp_path / "runs" / "dcgan" / "history.csv")))
    assert len(rows) == 2
    for key in ("ema_beta", "augment_p", "ada_rt", "r1"):
        assert all(np.isfinite(float(r[key])) for r in rows), key
    import keras

    model = keras.models.load_model(tmp_path / "runs" / "dcgan" / "model.keras")
    assert (model.ema_decay, model.augment, model.r1_gamma, model.r1_interval, model.spectral_norm) == (
        0.9, "ada", 10.0, 2, True)
    assert float(model.augmenter.p.numpy()) > 0  # r_t above the 0.05 target raised p
    assert (tmp_path / "savedmodels" / "dcgan" / "2" / "saved_model.pb").exists()
    tags = set()
    for event_file in (tmp_path / "runs" / "dcgan" / "logs" / "train").glob("events.out.tfevents.*"):
        import tensorflow as tf

        for event in tf.compat.v1.train.summary_iterator(str(event_file)):
            tags |= {value.tag for value in event.summary.value}
    assert {"epoch_augment_p", "epoch_ada_rt", "epoch_r1", "epoch_ema_beta"} <= tags, tags
    # a changed toolbox option is another run: refused on resume, listing the difference
    changed = run_cli("train", *common[:-1], "--epochs", "3", "--resume", cwd=tmp_path)
    assert changed.returncode == 2 and "--spectral-norm: the run has True" in changed.stderr, changed.stderr[-2000:]


@pytest.mark.slow
@pytest.mark.parametrize("options, config", [
    (["--augment", "diffaugment"], {"architecture": "resnet", "n_dis": 5, "loss_name": "hinge"}),  # the paper's
    (["--architecture", "cnn", "--n-dis", "2", "--loss", "non_saturating"],
     {"architecture": "cnn", "n_dis": 2, "loss_name": "non_saturating"}),
])
def test_sngan_trains_from_the_cli_with_n_dis_minibatches(tmp_path, capsys, options, config):
    out = run_main("train", "sngan", "--batch-size", "4", "--steps-per-epoch", "1", "--epochs", "1",
                   "--num-samples", "4", *options, cwd=tmp_path, capsys=capsys)
    assert out.returncode == 0, out.stderr[-3000:]
    assert f"batch 4 x {config['n_dis']} step(s)" in out.stdout  # n_dis minibatches per train_step
    import keras

    model = keras.models.load_model(tmp_path / "runs" / "sngan" / "model.keras")
    assert {key: getattr(model, key) for key in config} == config
    assert (tmp_path / "savedmodels" / "sngan" / "1" / "saved_model.pb").exists()


@pytest.mark.parametrize("args, message", [
    (["dcgan", "--ema", "1.5"], "ema_decay must be in (0, 1)"),
    (["dcgan", "--ema-rampup", "0.05"], "ema_rampup needs ema_decay or ema_kimg"),
    (["dcgan", "--ema", "0.999", "--ema-kimg", "10"], "--ema (decay per step) and --ema-kimg"),
    (["stylegan", "--no-ema", "--ema-kimg", "10"], "--no-ema and --ema-kimg contradict"),
    (["dcgan", "--ema-kimg", "-1"], "ema_kimg must be > 0"),
    (["dcgan", "--augment", "mixup"], "invalid choice: 'mixup'"),
    (["dcgan", "--augment", "diffaugment", "--augment-policy", "color,zoom"], "unknown DiffAugment policy 'zoom'"),
    (["dcgan", "--augment-policy", "color"], "augment_policy is DiffAugment's"),
    (["wgan_gp", "--augment", "ada"], "use augment='diffaugment'"),
    (["dcgan", "--r1", "-1"], "r1_gamma must be >= 0"),
    (["dcgan", "--r1", "10", "--r1-interval", "0"], "r1_interval must be a positive integer"),
    (["ebgan", "--r1", "10"], "does not take it"),
    (["wgan", "--spectral-norm"], "--spectral-norm: WGAN has no spectral-norm option"),
    (["sngan", "--n-dis", "0"], "--n-dis must be >= 1"),
    (["sngan", "--architecture", "vgg"], "invalid choice: 'vgg'"),
])
def test_bad_toolbox_values_exit_2_before_reading_data(tmp_path, capsys, args, message):
    out = run_main("train", *args, "--dataset", "no_such_dataset_xyz", cwd=tmp_path, capsys=capsys)
    assert out.returncode == 2, (out.returncode, out.stderr[-2000:])
    assert message in out.stderr and "no_such_dataset_xyz" not in out.stderr  # refused before the data
    assert "Traceback" not in out.stderr and not (tmp_path / "runs").exists()


@pytest.mark.parametrize("args, message", [
    (["pix2pix", "--ema", "1.5"], "ema_decay must be in (0, 1)"),
    (["cyclegan", "--ema-rampup", "0.05"], "ema_rampup needs ema_decay or ema_kimg"),
    (["pix2pix", "--augment", "ada"], "unrecognized arguments: --augment"),  # not offered for translation
    (["cyclegan", "--r1", "10"], "unrecognized arguments: --r1"),
])
def test_translation_toolbox_values_exit_2_before_reading_data(tmp_path, capsys, args, message):
    out = run_main("train", *args, "--data", "no_such_folder_xyz", cwd=tmp_path, capsys=capsys)
    assert out.returncode == 2, (out.returncode, out.stderr[-2000:])
    assert message in out.stderr and "no_such_folder_xyz" not in out.stderr  # refused before the data
    assert "Traceback" not in out.stderr and not (tmp_path / "runs").exists()


@pytest.mark.parametrize("args, kwargs, horizon", [
    ([], {}, (None, 10.0)),  # StyleGAN's own: a half-life of 10k images
    (["--ema-rampup", "0.05"], {"ema_rampup": 0.05}, (None, 10.0)),
    (["--ema", "0.999"], {"ema_decay": 0.999, "ema_kimg": None}, (0.999, None)),
    (["--ema-kimg", "20"], {"ema_kimg": 20.0, "ema_decay": None}, (None, 20.0)),
    (["--no-ema"], {"ema_decay": None, "ema_kimg": None, "ema_rampup": None}, (None, None)),
])
def test_stylegan_keeps_its_ema_unless_an_option_replaces_it(args, kwargs, horizon):
    from keras_gans import StyleGAN
    from keras_gans.cli.main import build_parser
    from keras_gans.cli.toolbox import check_toolbox

    parsed = build_parser().parse_args(["train", "stylegan", *args])
    assert check_toolbox(parsed, StyleGAN) == kwargs
    model = StyleGAN(image_shape=(8, 8, 1), latent_dim=8, w_dim=8, mapping_layers=1, channel_base=64, channel_max=8,
                     **kwargs)
    assert (model.ema_decay, model.ema_kimg) == horizon and len(model.ema_networks) == (horizon != (None, None))
