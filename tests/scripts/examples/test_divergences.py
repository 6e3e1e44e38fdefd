"""scripts/examples/divergences.py: KL, JSD, TV and W1 of the WGAN paper's Example 1, the generator's gradient
from an optimal discriminator vs an optimal critic, and the script's command line."""

import importlib.util
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import entropy, wasserstein_distance

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "examples" / "divergences.py"
_spec = importlib.util.spec_from_file_location("divergences", SCRIPT)
div = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(div)

LOG2 = math.log(2)


def test_discrete_divergences_match_scipy():
    rng = np.random.default_rng(0)
    p, q = rng.random(7), rng.random(7)
    p, q = p / p.sum(), q / q.sum()
    got = div.discrete_divergences(p, q)
    assert got["kl"] == pytest.approx(entropy(q, p), rel=1e-12)  # KL(Q || P), natural log
    assert got["jsd"] == pytest.approx(jensenshannon(p, q) ** 2, rel=1e-10)  # scipy returns sqrt(JSD)
    assert got["tv"] == pytest.approx(0.5 * np.abs(p - q).sum(), rel=1e-12)
    assert div.discrete_divergences([0.5, 0.5, 0.0], [0.5, 0.0, 0.5])["kl"] == math.inf


def test_empirical_w1_matches_scipy_in_1d():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=60), rng.normal(1.0, 2.0, size=60)
    assert div.empirical_w1(x, y) == pytest.approx(wasserstein_distance(x, y), rel=1e-9)
    with pytest.raises(ValueError, match="equal-size"):
        div.empirical_w1(x, y[:10])


def test_parallel_lines_jsd_is_log2_and_w1_is_theta():
    """WGAN paper, Example 1. The discretisation is exact for segments that fall in different cells,
    so the tolerances are floating-point ones (1e-9)."""
    thetas = [-0.7, -0.2, 0.0, 0.05, 0.3, 1.0]
    rows = div.parallel_lines_table(thetas, samples=100, cell=0.01)
    assert [r["theta"] for r in rows] == thetas
    for row in rows:
        theta = row["theta"]
        assert row["w1"] == pytest.approx(abs(theta), abs=1e-9)
        if theta == 0:
            assert row["kl"] == 0 and row["jsd"] == pytest.approx(0, abs=1e-12) and row["tv"] == 0
        else:
            assert row["kl"] == math.inf
            assert row["jsd"] == pytest.approx(LOG2, abs=1e-9)
            assert row["tv"] == pytest.approx(1.0, abs=1e-12)
    # below half a cell both segments share their cells: the resolution limit, stated in the docstring
    assert div.parallel_lines_table([0.004], samples=100, cell=0.01)[0]["jsd"] == pytest.approx(0, abs=1e-12)


def test_gan_gradient_vanishes_while_the_critic_gradient_stays_one():
    """Arjovsky & Bottou 2017, Section 2; WGAN paper, Figure 2."""
    rows = {r["theta"]: r for r in div.shifted_gaussian_table([-1.0, 0.0, 0.05, 0.5, 1.0], samples=200, sigma=0.1)}
    for theta, row in rows.items():
        assert row["w1"] == pytest.approx(abs(theta), abs=1e-9)
        assert row["critic_grad"] == pytest.approx(np.sign(theta), abs=1e-12)
    assert rows[0.0]["minimax_grad"] == pytest.approx(0, abs=1e-12)
    # overlapping supports: the minimax GAN gradient is informative (same sign as the critic's, > 0.5)
    assert rows[0.05]["minimax_grad"] > 0.5
    # separated supports (theta = 10 sigma): it has vanished, the critic's has not
    assert abs(rows[1.0]["minimax_grad"]) < 1e-6 * abs(rows[1.0]["critic_grad"])
    assert rows[1.0]["minimax_loss"] == pytest.approx(0, abs=1e-9)  # saturated: log(1 - D*) = 0
    assert rows[-1.0]["minimax_grad"] == pytest.approx(-rows[1.0]["minimax_grad"], abs=1e-30)
    # the -log D loss does not vanish but grows with theta (its size is the discriminator's sharpness)
    assert rows[1.0]["ns_grad"] > 10 * rows[0.05]["ns_grad"] > 10


@pytest.mark.parametrize("theta", [0.1, 0.3])
def test_gradients_are_the_derivatives_of_the_losses(theta):
    """The analytic d/dtheta with D* (resp. f*) held fixed equals a central finite difference."""
    real = div.gaussian_quantiles(150, 0.1)
    bandwidth = div.silverman_bandwidth(real)
    fake = real + theta
    grads = div.gan_generator_gradients(real, fake, bandwidth)
    eps = 1e-6

    def losses(shift):
        d = div.optimal_discriminator(real, fake, fake + shift, bandwidth)  # D* of theta, kept fixed
        return np.mean(d["log_1md"]), -np.mean(d["log_d"])

    (mm_hi, ns_hi), (mm_lo, ns_lo) = losses(eps), losses(-eps)
    assert grads["minimax_grad"] == pytest.approx((mm_hi - mm_lo) / (2 * eps), rel=1e-5)
    assert grads["ns_grad"] == pytest.approx((ns_hi - ns_lo) / (2 * eps), rel=1e-5)
    w1 = [div.critic_generator_gradient(real, real + t)["w1"] for t in (theta - 1e-3, theta + 1e-3)]
    assert div.critic_generator_gradient(real, fake)["critic_grad"] == pytest.approx((w1[1] - w1[0]) / 2e-3, rel=1e-6)


def test_optimal_critic_is_1_lipschitz_and_attains_w1():
    rng = np.random.default_rng(2)
    real, fake = rng.normal(size=300), rng.normal(0.4, 0.5, size=300)
    x = np.linspace(-5, 5, 20001)
    f = div.optimal_critic(real, fake, x)
    assert np.max(np.abs(np.diff(f)) / np.diff(x)) <= 1 + 1e-9
    gap = np.mean(np.interp(real, x, f)) - np.mean(np.interp(fake, x, f))
    assert gap == pytest.approx(wasserstein_distance(real, fake), abs=2e-3)  # grid step 5e-4


def test_script_writes_the_figure_and_prints_the_tables(tmp_path):
    out = tmp_path / "figs" / "div.png"
    result = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out), "--thetas", "-0.5", "0", "0.5",
                             "--samples", "50", "--table-thetas", "0", "0.5"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| 0.5000 | inf | 0.6931 | 1.0000 | 0.5000 |" in result.stdout
    assert os.listdir(out.parent) == ["div.png"]


def test_script_refuses_bad_input_with_exit_2(tmp_path):
    out = tmp_path / "div.png"
    out.write_bytes(b"previous figure")
    result = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out), "--samples", "-5"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "--samples must be an integer >= 2, got -5" in result.stderr and "Traceback" not in result.stderr
    assert out.read_bytes() == b"previous figure"


@pytest.mark.parametrize("argv, message", [
    (["--thetas"], "the theta grid is empty"),
    (["--thetas", "0", "nan"], "every theta must be a finite number"),
    (["--samples", "1"], "--samples must be an integer >= 2, got 1"),
    (["--cell", "0"], "--cell must be a positive finite number"),
    (["--sigma", "-1"], "--sigma must be a positive finite number"),
    (["--bandwidth", "0"], "--bandwidth must be a positive finite number"),
])
def test_main_refuses_bad_input(tmp_path, capsys, argv, message):
    out = tmp_path / "div.png"
    assert div.main(["--out", str(out), *argv]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_main_refuses_a_non_png_output(tmp_path, capsys):
    assert div.main(["--out", str(tmp_path / "div.pdf"), "--thetas", "0"]) == 2
    assert "--out must be a .png path" in capsys.readouterr().err


def test_a_failed_write_leaves_the_previous_figure(tmp_path, monkeypatch, capsys):
    import matplotlib.figure

    out = tmp_path / "div.png"
    out.write_bytes(b"previous figure")

    def half_write(self, path, **kwargs):
        with open(path, "wb") as f:
            f.write(b"\x89PNG half")
        raise OSError("disk full")

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", half_write)
    assert div.main(["--out", str(out), "--thetas", "0", "0.5", "--samples", "20"]) == 2
    assert "disk full" in capsys.readouterr().err
    assert out.read_bytes() == b"previous figure"
    assert os.listdir(tmp_path) == ["div.png"]
