"""Why WGAN: KL, JSD and Wasserstein-1 on disjoint supports, and the gradients a generator receives.

Usage::

    python scripts/examples/divergences.py --out docs/divergences.png   # the README figure and tables
    python scripts/examples/divergences.py --thetas -1 -0.5 0 0.5 1 --samples 100 --out /tmp/d.png

Part (a), Arjovsky, Chintala & Bottou 2017 ("Wasserstein GAN"), Example 1 and Figure 1:
P0 is the law of (0, Z) and P_theta the law of (theta, Z), Z ~ U[0, 1]: two segments on parallel
lines at distance |theta|. The paper shows KL(P_theta || P0) = inf, JSD(P0, P_theta) = log 2 and
TV = 1 for every theta != 0 (all 0 at theta = 0), while W1(P0, P_theta) = |theta|: only the
Earth-Mover distance is continuous in theta and gives a usable gradient. Here they are measured, not
written down:

- both laws are represented by the same ``n`` points: Z at the equal-mass quantiles (i + 1/2) / n
  of U[0, 1] (a deterministic sample; the generator maps each to (theta, Z));
- KL, JSD (natural log) and TV come from the two point sets binned on a common grid of square
  cells of side ``cell`` (:func:`cell_masses`, :func:`discrete_divergences`); the discretisation
  resolves |theta| >= cell / 2, below that both segments fall into the same cells;
- W1 is the exact optimal transport cost between the two equal-size point sets with Euclidean
  ground cost (:func:`empirical_w1`: ``scipy.optimize.linear_sum_assignment``; for uniform
  weights and equal sizes an optimal plan is a permutation, Birkhoff-von Neumann).

Part (b), the same in 1-D with gradients (Arjovsky & Bottou 2017, "Towards principled methods for
training GANs", Section 2, Figure 2; WGAN paper, Figure 2): real data x ~ N(0, sigma^2) (its ``n``
quantile points), generator g_theta(z) = z + theta on the same points. For each theta:

- the optimal discriminator D*(x) = p_r(x) / (p_r(x) + p_g(x)) (Goodfellow et al. 2014,
  Proposition 1) of the two samples' Gaussian kernel density estimates (bandwidth: Silverman's rule
  on the real sample unless given). Closed form instead of a trained network: it *is* the optimum a
  trained D approaches, with no optimiser noise, in milliseconds; the kernel is what keeps the
  densities (and D's derivative) finite. With D* held fixed, the generator's gradient
  d/dtheta of the minimax loss E[log(1 - D*(g_theta(z)))] and of the non-saturating loss
  -E[log D*(g_theta(z))] (:func:`gan_generator_gradients`);
- the optimal 1-Lipschitz critic f* of the Kantorovich-Rubinstein dual (in 1-D, f*' =
  sign(F_g - F_r); :func:`optimal_critic`) and the generator's gradient d/dtheta of
  -E[f*(g_theta(z))] (:func:`critic_generator_gradient`), which equals dW1/dtheta (WGAN paper,
  Theorem 3).

Once the supports separate D* saturates and the minimax gradient vanishes (faster than
exponentially in theta); the critic's stays exactly 1 in magnitude. The non-saturating gradient does
not vanish: it grows like (theta - max real point) / h^2, set by how sharp the discriminator is
(h, the kernel bandwidth) rather than by the distance - the "unstable updates" of Arjovsky & Bottou
2017, Section 2.2.2.
"""

import argparse
import math
import os
import sys

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.special import logsumexp
from scipy.stats import norm

DEFAULT_THETAS = tuple(np.round(np.linspace(-1.0, 1.0, 41), 6))
TABLE_THETAS = (-1.0, -0.5, -0.1, -0.05, 0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0)


# ----------------------------------------------------------------------------------------------
# input checks
# ----------------------------------------------------------------------------------------------
def check_thetas(thetas):
    """``thetas`` as a 1-D float array; refuses an empty grid and non-finite values."""
    thetas = np.asarray(thetas, dtype="float64").reshape(-1)
    if thetas.size == 0:
        raise ValueError("the theta grid is empty: give at least one theta")
    if not np.all(np.isfinite(thetas)):
        raise ValueError(f"every theta must be a finite number, got {thetas.tolist()}")
    return thetas


def _check_count(name, value, minimum=2):
    if isinstance(value, bool) or int(value) != value or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def _check_positive(name, value):
    if value is None or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value}")
    return float(value)


# ----------------------------------------------------------------------------------------------
# generic numerics
# ----------------------------------------------------------------------------------------------
def cell_masses(points_p, points_q, cell):
    """Empirical masses of two point sets (shape (n, d)) on a common grid of cubic cells of side
    ``cell`` (cell k covers [(k - 1/2) cell, (k + 1/2) cell) on each axis, so 0 is a cell centre).

    Returns ``(p, q)``: the masses of P and Q over the union of the occupied cells (each sums to 1).
    """
    cell = _check_positive("cell", cell)
    points_p = np.atleast_2d(np.asarray(points_p, dtype="float64"))
    points_q = np.atleast_2d(np.asarray(points_q, dtype="float64"))
    ids_p = np.floor(points_p / cell + 0.5).astype("int64")
    ids_q = np.floor(points_q / cell + 0.5).astype("int64")
    cells, inverse = np.unique(np.concatenate([ids_p, ids_q]), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    p = np.bincount(inverse[:len(ids_p)], minlength=len(cells)) / len(ids_p)
    q = np.bincount(inverse[len(ids_p):], minlength=len(cells)) / len(ids_q)
    return p, q


def kl_divergence(p, q):
    """KL(P || Q) = sum p log(p / q) (nats) of two discrete laws; ``inf`` where P has mass and Q none."""
    p, q = np.asarray(p, dtype="float64"), np.asarray(q, dtype="float64")
    support = p > 0
    if np.any(q[support] == 0):
        return math.inf
    return float(np.sum(p[support] * np.log(p[support] / q[support])))


def discrete_divergences(p, q):
    """KL(Q || P), JSD(P, Q) (natural log: log 2 for disjoint supports) and TV(P, Q) = 1/2 sum |p - q|.

    With P = P0 and Q = P_theta this is the WGAN paper's KL(P_theta || P0) (Example 1)."""
    p, q = np.asarray(p, dtype="float64"), np.asarray(q, dtype="float64")
    m = 0.5 * (p + q)
    return {"kl": kl_divergence(q, p),
            "jsd": 0.5 * kl_divergence(p, m) + 0.5 * kl_divergence(q, m),
            "tv": 0.5 * float(np.sum(np.abs(p - q)))}


def empirical_w1(x, y):
    """Exact Wasserstein-1 between the empirical laws of two equal-size point sets (rows), Euclidean
    ground cost: the optimal assignment (``scipy.optimize.linear_sum_assignment``) of the pairwise
    cost matrix."""
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    x, y = x.reshape(len(x), -1), y.reshape(len(y), -1)
    if len(x) != len(y):
        raise ValueError(f"empirical_w1 needs equal-size samples, got {len(x)} and {len(y)}")
    cost = np.sqrt(np.sum((x[:, None, :] - y[None, :, :]) ** 2, axis=-1))
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].mean())


# ----------------------------------------------------------------------------------------------
# (a) WGAN paper, Example 1: parallel lines
# ----------------------------------------------------------------------------------------------
def parallel_lines(theta, samples):
    """The ``samples`` points of P0 = law of (0, Z) and of P_theta = law of (theta, Z), Z at the
    equal-mass quantiles of U[0, 1] (the generator moves each point (0, z) to (theta, z))."""
    z = (np.arange(samples) + 0.5) / samples
    return np.stack([np.zeros_like(z), z], axis=1), np.stack([np.full_like(z, theta), z], axis=1)


def parallel_lines_table(thetas, samples=400, cell=0.01):
    """Rows ``{theta, kl, jsd, tv, w1}`` of Example 1 for each theta (see the module docstring)."""
    thetas = check_thetas(thetas)
    samples = _check_count("the sample count", samples)
    cell = _check_positive("cell", cell)
    rows = []
    for theta in thetas:
        p0, ptheta = parallel_lines(theta, samples)
        row = {"theta": float(theta), **discrete_divergences(*cell_masses(p0, ptheta, cell))}
        row["w1"] = empirical_w1(p0, ptheta)
        rows.append(row)
    return rows


# ----------------------------------------------------------------------------------------------
# (b) 1-D: optimal discriminator vs optimal critic
# ----------------------------------------------------------------------------------------------
def gaussian_quantiles(samples, sigma):
    """The ``samples`` equal-mass quantile points of N(0, sigma^2) (a deterministic sample)."""
    return sigma * norm.ppf((np.arange(samples) + 0.5) / samples)


def silverman_bandwidth(x):
    """Silverman's rule of thumb, 1.06 std(x) n^(-1/5)."""
    return 1.06 * float(np.std(x)) * len(x) ** -0.2


def _log_kde_and_score(x, centres, bandwidth):
    """log p(x) and the score p'(x) / p(x) of the Gaussian KDE on ``centres`` at points ``x``."""
    logits = -0.5 * ((x[:, None] - centres[None, :]) / bandwidth) ** 2
    log_norm = logsumexp(logits, axis=1)
    weights = np.exp(logits - log_norm[:, None])
    score = (weights * (centres[None, :] - x[:, None])).sum(axis=1) / bandwidth ** 2
    log_p = log_norm - math.log(len(centres) * bandwidth * math.sqrt(2 * math.pi))
    return log_p, score


def optimal_discriminator(real, fake, x, bandwidth):
    """log D*(x), log(1 - D*(x)) and d/dx log D*, d/dx log(1 - D*) for D* = p_r / (p_r + p_g), the
    optimal discriminator of the Gaussian KDEs of ``real`` and ``fake`` (Goodfellow et al. 2014,
    Proposition 1). Computed in log space: D* underflows long before log D* does.

    Uses d/dx log(1 - D*) = D* (s_g - s_r) and d/dx log D* = -(1 - D*) (s_g - s_r), s = p' / p."""
    x = np.asarray(x, dtype="float64")
    log_r, score_r = _log_kde_and_score(x, np.asarray(real, dtype="float64"), bandwidth)
    log_g, score_g = _log_kde_and_score(x, np.asarray(fake, dtype="float64"), bandwidth)
    log_d, log_1md = -np.logaddexp(0.0, log_g - log_r), -np.logaddexp(0.0, log_r - log_g)
    diff = score_g - score_r
    return {"log_d": log_d, "log_1md": log_1md,
            "dlog_d": -np.exp(log_1md) * diff, "dlog_1md": np.exp(log_d) * diff}


def gan_generator_gradients(real, fake, bandwidth):
    """The standard GAN generator's losses and their d/dtheta for g_theta(z) = z + theta with the
    optimal discriminator held fixed (the gradient a generator receives after D is trained to
    optimality; Arjovsky & Bottou 2017, Section 2.2). ``fake`` are the generator's samples.

    Returns ``{minimax_loss, minimax_grad, ns_loss, ns_grad}``: minimax = E[log(1 - D*(x_g))],
    non-saturating ("-log D trick") = -E[log D*(x_g)]; dx_g/dtheta = 1."""
    d = optimal_discriminator(real, fake, fake, bandwidth)
    return {"minimax_loss": float(np.mean(d["log_1md"])), "minimax_grad": float(np.mean(d["dlog_1md"])),
            "ns_loss": float(-np.mean(d["log_d"])), "ns_grad": float(-np.mean(d["dlog_d"]))}


def optimal_critic(real, fake, x):
    """The optimal 1-Lipschitz critic f* (maximiser of E_r f - E_g f) of two 1-D samples on the
    sorted grid ``x``: f*' = sign(F_g - F_r) (empirical CDFs), integrated from x[0] and shifted so
    that E_r f* = 0. Then E_r f* - E_g f* = W1 (up to the grid's resolution)."""
    x = np.asarray(x, dtype="float64")
    real, fake = np.sort(real), np.sort(fake)
    cdf_r = np.searchsorted(real, x, side="right") / len(real)
    cdf_g = np.searchsorted(fake, x, side="right") / len(fake)
    slope = np.sign(cdf_g - cdf_r)
    f = np.concatenate([[0.0], np.cumsum(0.5 * (slope[1:] + slope[:-1]) * np.diff(x))])
    return f - np.mean(np.interp(real, x, f))


def critic_generator_gradient(real, fake):
    """W1 of two equal-size 1-D samples and d/dtheta of the WGAN generator loss -E[f*(g_theta(z))]
    with the optimal critic held fixed (= dW1/dtheta, WGAN paper Theorem 3).

    In 1-D the optimal transport is the monotone matching of the sorted samples, and f*' at a
    generated point x equals -sign(x - T(x)) for its matched real point T(x)."""
    real, fake = np.sort(real), np.sort(fake)
    if len(real) != len(fake):
        raise ValueError(f"the critic gradient needs equal-size samples, got {len(real)} and {len(fake)}")
    return {"w1": float(np.mean(np.abs(fake - real))), "critic_grad": float(np.mean(np.sign(fake - real)))}


def shifted_gaussian_table(thetas, samples=400, sigma=0.1, bandwidth=None):
    """Rows ``{theta, w1, minimax_loss, minimax_grad, ns_loss, ns_grad, critic_grad, bandwidth}`` of
    part (b): real = the quantiles of N(0, sigma^2), generator = real + theta."""
    thetas = check_thetas(thetas)
    samples = _check_count("the sample count", samples)
    sigma = _check_positive("sigma", sigma)
    real = gaussian_quantiles(samples, sigma)
    bandwidth = silverman_bandwidth(real) if bandwidth is None else _check_positive("bandwidth", bandwidth)
    rows = []
    for theta in thetas:
        fake = real + theta
        rows.append({"theta": float(theta), **critic_generator_gradient(real, fake),
                     **gan_generator_gradients(real, fake, bandwidth), "bandwidth": bandwidth})
    return rows


# ----------------------------------------------------------------------------------------------
# output
# ----------------------------------------------------------------------------------------------
def _fmt(value):
    value = value + 0.0  # no "-0.0000"
    if math.isinf(value):
        return "inf"
    if value != 0 and abs(value) < 1e-3:
        return f"{value:.1e}"
    return f"{value:.4f}"


def format_table(rows, columns):
    """A markdown table of ``rows`` (dicts) with ``columns`` = [(key, header), ...]."""
    lines = ["| " + " | ".join(h for _, h in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_fmt(row[k]) for k, _ in columns) + " |" for row in rows]
    return "\n".join(lines)


LINES_COLUMNS = [("theta", "θ"), ("kl", "KL(Pθ‖P0)"), ("jsd", "JSD(P0,Pθ)"), ("tv", "TV"), ("w1", "W1")]
GRADIENT_COLUMNS = [("theta", "θ"), ("w1", "W1"), ("minimax_loss", "E log(1−D*)"),
                    ("minimax_grad", "∂θ minimax"), ("ns_grad", "∂θ −log D*"), ("critic_grad", "∂θ WGAN")]


def plot(lines_rows, gradient_rows, out, samples, sigma, illustrate_theta=0.5):
    """The three-panel figure, written to ``out`` through a temporary file renamed into place."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.4))
    theta = np.array([r["theta"] for r in lines_rows])
    ax = axes[0]
    ax.plot(theta, [r["w1"] for r in lines_rows], "o-", ms=3, label="W1 (exact OT)")
    ax.plot(theta, [r["jsd"] for r in lines_rows], "s-", ms=3, label="JSD")
    ax.plot(theta, [r["tv"] for r in lines_rows], "^-", ms=3, label="TV", alpha=0.7)
    kl = np.array([r["kl"] for r in lines_rows])
    top = 1.15 * max(1.0, np.max(np.abs(theta)))
    ax.plot(theta[np.isinf(kl)], np.full(np.isinf(kl).sum(), top), "kx", ms=5, label="KL(Pθ‖P0) = ∞")
    ax.plot(theta[~np.isinf(kl)], kl[~np.isinf(kl)], "kx", ms=5)
    ax.axhline(math.log(2), color="grey", ls=":", lw=1)
    ax.text(theta.min(), math.log(2) + 0.02, "log 2", color="grey", fontsize=8)
    ax.set_xlabel("θ")
    ax.set_title("(a) P0 = (0, Z), Pθ = (θ, Z), Z ~ U[0,1]")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)

    real = gaussian_quantiles(samples, sigma)
    bandwidth = gradient_rows[0]["bandwidth"]
    fake = real + illustrate_theta
    x = np.linspace(min(real.min(), fake.min()) - 0.3, max(real.max(), fake.max()) + 0.3, 800)
    d = optimal_discriminator(real, fake, x, bandwidth)
    ax = axes[1]
    ax.fill_between(x, np.exp(_log_kde_and_score(x, real, bandwidth)[0]) / 5, alpha=0.3, label="p_r / 5")
    ax.fill_between(x, np.exp(_log_kde_and_score(x, fake, bandwidth)[0]) / 5, alpha=0.3, label="p_g / 5")
    ax.plot(x, np.exp(d["log_d"]), label="optimal D*")
    ax.plot(x, optimal_critic(real, fake, x), label="optimal critic f*")
    ax.set_xlabel("x")
    ax.set_title(f"(b) real N(0, {sigma}²), generator shifted by θ = {illustrate_theta}")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)

    ax = axes[2]
    floor = 1e-12
    g_theta = np.array([r["theta"] for r in gradient_rows])
    keep = g_theta > 0
    for key, label, style in [("critic_grad", "WGAN critic", "o-"), ("ns_grad", "GAN −log D*", "^-"),
                              ("minimax_grad", "GAN log(1−D*)", "s-")]:
        values = np.abs([r[key] for r in gradient_rows])[keep]
        ax.semilogy(g_theta[keep], np.maximum(values, floor), style, ms=3, label=label)
    ax.axhline(floor, color="grey", ls=":", lw=1)
    ax.text(g_theta[keep].min() if keep.any() else 0, floor * 3, f"≤ {floor:g}", color="grey", fontsize=8)
    ax.set_xlabel("θ (shift of the generator)")
    ax.set_ylabel("|∂ generator loss / ∂θ|, D / critic optimal")
    ax.set_title("(b) the generator's gradient")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()

    out = os.path.abspath(out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = f"{out}.tmp-{os.getpid()}.png"
    try:
        fig.savefig(tmp, dpi=100, format="png")
        os.replace(tmp, out)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.remove(tmp)
    return out


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="the figure (a .png path)")
    parser.add_argument("--thetas", type=float, nargs="*", default=list(DEFAULT_THETAS),
                        help="the theta grid of the figure (default: -1 to 1 in steps of 0.05)")
    parser.add_argument("--samples", type=int, default=400, help="points per law (default 400)")
    parser.add_argument("--cell", type=float, default=0.01, help="cell side for KL/JSD/TV (default 0.01)")
    parser.add_argument("--sigma", type=float, default=0.1, help="std of the 1-D real data (default 0.1)")
    parser.add_argument("--bandwidth", type=float, default=None,
                        help="KDE bandwidth of the optimal discriminator (default: Silverman's rule)")
    parser.add_argument("--table-thetas", type=float, nargs="*", default=list(TABLE_THETAS),
                        help="the thetas of the printed tables (the figure's grid if empty)")
    return parser.parse_args(argv)


def run(args):
    """Checks every input, computes both parts, prints the tables, writes the figure."""
    if not args.out.lower().endswith(".png"):
        raise ValueError(f"--out must be a .png path, got {args.out!r}")
    thetas = check_thetas(args.thetas)
    table_thetas = check_thetas(args.table_thetas) if args.table_thetas else thetas
    _check_count("--samples", args.samples)
    _check_positive("--cell", args.cell)
    _check_positive("--sigma", args.sigma)
    if args.bandwidth is not None:
        _check_positive("--bandwidth", args.bandwidth)
    if os.path.isdir(args.out):
        raise IsADirectoryError(f"--out {args.out} is a directory")
    grid = np.union1d(thetas, table_thetas)
    lines = parallel_lines_table(grid, args.samples, args.cell)
    gradients = shifted_gaussian_table(grid, args.samples, args.sigma, args.bandwidth)
    pick = np.isin(grid, table_thetas)
    print(f"(a) parallel lines, {args.samples} points per law, cells of side {args.cell}")
    print(format_table([r for r, k in zip(lines, pick) if k], LINES_COLUMNS))
    print(f"\n(b) real = {args.samples} quantiles of N(0, {args.sigma}^2), generator = real + θ, "
          f"KDE bandwidth {gradients[0]['bandwidth']:.4f}; gradients with D* / critic optimal and fixed")
    print(format_table([r for r, k in zip(gradients, pick) if k and r["theta"] >= 0], GRADIENT_COLUMNS))
    in_figure = np.isin(grid, thetas)
    path = plot([r for r, k in zip(lines, in_figure) if k],
                [r for r, k in zip(gradients, in_figure) if k and r["theta"] >= 0], args.out, args.samples,
                args.sigma)
    print(f"\nwrote {path}")
    return lines, gradients


def main(argv=None):
    args = parse_args(argv)
    try:
        run(args)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
