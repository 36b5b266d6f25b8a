r"""Exact bias of the k-NN entropy and cross-entropy terms for Gaussians (quadrature).

No simulation: for P = N(0, I_d) and Q = N(mu 1, s2 I_d) the expectation of every
order-j Kozachenko-Leonenko term is a two-dimensional integral.

Within a sample (the H(P) part), the P-mass U of the ball around x_i reaching its j-th
neighbour among the other n - 1 points is exactly Beta(j, n - j), whatever P. Write the
mass of a ball of radius r around x as

.. math:: M(x, r) = f(x) V_d r^d e^{h(x, r)}, \qquad
          h(x, r) = \log E_{u \sim \mathrm{Unif}\,B(0, r)} \frac{f(x + u)}{f(x)}.

With the exact constant psi(j) - psi(n) = E log U, the order-j term of the estimate at
x has expectation -log f(x) - E h(x, r_j), so its bias is -E_x E_U h(x, r(U)), r(U)
solving log U = log f(x) + log V_d + d log r + h(x, r). For a standard Gaussian,
h depends on a = |x| and r only:
:math:`E e^{-a u_1 - |u|^2/2}` over the ball, where the direction average is
:math:`\Gamma(\nu + 1)(2/b)^\nu I_\nu(b)` (b = a r s, nu = d/2 - 1, s the radial
fraction, integrated by Gauss-Legendre). The cross part (H(P, Q): x ~ P querying the
sample of m points from Q, U ~ Beta(j, m - j + 1)) is the same function in the
coordinates of Q, a = |x - mu 1| / s with |x - mu 1|^2 noncentral chi-square(d, d mu^2).

The weighted estimators are linear in the order-j terms, so their exact bias is the
weighted sum. At the target cell of issue 12 (d = 5, n = m = 20000) the per-order
values agree with a 190-seed simulation within its Monte Carlo error
(``validation/results/knn_target_exact.md`` lists both).

Run ``python -m validation.knn_exact_bias`` (about a minute): writes
``validation/results/knn_target_exact.{csv,md}``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special, stats

from klstats._kernels._knn_weights import bias_weights, default_k, noise_variance

OUT = Path(__file__).resolve().parent / "results"
_S, _SW = np.polynomial.legendre.leggauss(40)
_S = (_S + 1.0) / 2.0
_SW = _SW / 2.0


def log_ball_ratio(a: np.ndarray, r: np.ndarray, d: int) -> np.ndarray:
    """h(a, r) = log of the mean of phi(x + u)/phi(x) over the ball |u| <= r, |x| = a
    (phi the standard normal density in d dimensions); a and r broadcast."""
    nu = d / 2.0 - 1.0
    a = np.asarray(a, dtype=float)[..., None]
    r = np.asarray(r, dtype=float)[..., None]
    b = a * r * _S
    with np.errstate(divide="ignore", invalid="ignore"):
        lt = special.gammaln(nu + 1.0) + nu * np.log(2.0 / b) + np.log(special.ive(nu, b)) + b
    lt = np.where(b < 1e-8, 0.0, lt)
    li = lt - (r * _S) ** 2 / 2.0 + np.log(d * _S ** (d - 1) * _SW)
    top = li.max(axis=-1, keepdims=True)
    return (top + np.log(np.exp(li - top).sum(axis=-1, keepdims=True)))[..., 0]


def _radius_grid(d: int, part: str, mu: float, s2: float) -> tuple[np.ndarray, np.ndarray]:
    """Grid of a (standardized distance to the centre of the density whose balls are
    counted) and its probability weights under x ~ P = N(0, I_d)."""
    if part == "P":
        law = stats.chi2(d)
        scale = 1.0
    else:
        law = stats.ncx2(d, d * mu * mu)
        scale = s2
    top = math.sqrt(law.isf(1e-13) / scale) + 0.5
    t = np.linspace(1e-4, top, 700)
    dens = law.pdf(scale * t * t) * 2.0 * scale * t
    return t, dens / dens.sum()


def order_bias(
    d: int, n: int, orders: np.ndarray, part: str, mu: float = 0.5, s2: float = 1.5
) -> np.ndarray:
    """Exact bias of the order-j terms (exact Beta constants) for P = N(0, I_d):
    ``part="P"`` the entropy H(P) from a sample of n, ``part="PQ"`` the cross-entropy
    H(P, Q) from x ~ P and a sample of n points from Q = N(mu 1, s2 I_d)."""
    t, wt = _radius_grid(d, part, mu, s2)
    lr = np.linspace(math.log(1e-4), math.log(40.0), 500)
    h = log_ball_ratio(t[:, None], np.exp(lr)[None, :], d)
    log_v = 0.5 * d * math.log(math.pi) - math.lgamma(0.5 * d + 1.0)
    logmass = -0.5 * d * math.log(2 * math.pi) - t[:, None] ** 2 / 2 + log_v + d * lr + h
    logmass = np.maximum.accumulate(logmass, axis=1)
    q = (np.arange(96) + 0.5) / 96
    out = []
    for j in orders:
        second = n - j if part == "P" else n - j + 1
        log_u = np.log(stats.beta.ppf(q, j, second))
        hv = np.array([np.interp(log_u, logmass[i], h[i]) for i in range(t.size)])
        out.append(-float(wt @ hv.mean(axis=1)))
    return np.array(out)


def gauss_kl(d: int, mu: float = 0.5, s2: float = 1.5) -> float:
    return 0.5 * (d / s2 + d * mu * mu / s2 - d + d * math.log(s2))


def target_table(d: int = 5, n: int = 20000, kmax: int = 128) -> pd.DataFrame:
    """Exact bias at the target cell: per order j and for weighted estimators (k, L)."""
    orders = np.arange(1, kmax + 1)
    bp = order_bias(d, n, orders, "P")
    bq = order_bias(d, n, orders, "PQ")
    truth = gauss_kl(d)
    rows = []
    for j in (1, 2, 3, 5, 10, 20, 54, 100):
        rows.append(
            {
                "estimator": f"plain order j = {j}",
                "k": j,
                "L": 0,
                "bias H(P)": bp[j - 1],
                "bias H(P,Q)": bq[j - 1],
                "bias KL": bq[j - 1] - bp[j - 1],
                "relative bias KL": (bq[j - 1] - bp[j - 1]) / truth,
                "v_w": special.polygamma(1, j),
            }
        )
    k_def = default_k(n, d, n)
    for k in sorted({20, 30, k_def, 64, 100, 128}):
        for L in (1, 2, 3, 4):
            w = bias_weights(k, d, L)
            b_p, b_q = float(w @ bp[:k]), float(w @ bq[:k])
            rows.append(
                {
                    "estimator": f"weighted k = {k}, L = {L}"
                    + (" (default)" if (k, L) == (k_def, 2) else ""),
                    "k": k,
                    "L": L,
                    "bias H(P)": b_p,
                    "bias H(P,Q)": b_q,
                    "bias KL": b_q - b_p,
                    "relative bias KL": (b_q - b_p) / truth,
                    "v_w": noise_variance(w),
                }
            )
    return pd.DataFrame(rows)


def simulate_orders(
    reps: int, d: int = 5, n: int = 20000, kmax: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """Monte Carlo check of :func:`order_bias` at the target cell: per seed
    (``default_rng([777, n, s])``) the order-j terms of H(P) and H(P, Q) minus the
    sample's own mean of -log p(x_i) and -log q(x_i) (which removes the first-order
    sampling noise). Returns two (reps, kmax) arrays."""
    from scipy.spatial import cKDTree

    j = np.arange(1, kmax + 1)
    log_v = 0.5 * d * math.log(math.pi) - math.lgamma(0.5 * d + 1.0)
    hp, hq = [], []
    for s in range(reps):
        g = np.random.default_rng([777, n, s])
        x = g.standard_normal((n, d))
        y = 0.5 + math.sqrt(1.5) * g.standard_normal((n, d))
        rho = cKDTree(x).query(x, kmax + 1)[0][:, 1:]
        nu = cKDTree(y).query(x, kmax)[0]
        op = -stats.norm.logpdf(x).sum(axis=1).mean()
        oq = -stats.norm.logpdf(x, 0.5, math.sqrt(1.5)).sum(axis=1).mean()
        base = log_v - special.digamma(j)
        hp.append(special.digamma(n) + base + d * np.log(rho).mean(axis=0) - op)
        hq.append(special.digamma(n + 1) + base + d * np.log(nu).mean(axis=0) - oq)
    return np.array(hp), np.array(hq)


def richardson_check(b: int = 737, d: int = 5, n: int = 20000) -> list[str]:
    """What a Richardson correction from subsamples of b points (the subsampling
    interval's size n^(2/3), same k) would leave of the default's exact bias at the
    target cell, for several assumed rates n^-gamma of the remaining bias."""
    k = default_k(n, d, n)
    w = bias_weights(k, d)
    j = np.arange(1, k + 1)
    full = float(w @ order_bias(d, n, j, "PQ") - w @ order_bias(d, n, j, "P"))
    sub = float(w @ order_bias(d, b, j, "PQ") - w @ order_bias(d, b, j, "P"))
    truth = gauss_kl(d)
    out = [f"exact bias: {full:+.5f} at n = {n}, {sub:+.5f} at b = {b} (k = {k})"]
    for gamma in (0.4, 2 / 3, 0.8, 1.0):
        est = (sub - full) / ((n / b) ** gamma - 1.0)
        out.append(
            f"rate n^-{gamma:.2f}: corrected bias {100 * (full - est) / truth:+.2f} % "
            f"(uncorrected {100 * full / truth:+.2f} %)"
        )
    return out


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--check", type=int, default=0, help="also simulate this many seeds")
    ap.add_argument("--richardson", action="store_true", help="only the Richardson check")
    args = ap.parse_args()
    if args.richardson:
        print("\n".join(richardson_check()))
        return
    df = target_table()
    OUT.mkdir(exist_ok=True)
    df.to_csv(OUT / "knn_target_exact.csv", index=False)
    lines = [
        "# Exact bias at the target cell (quadrature, no simulation)",
        "",
        "P = N(0, I_5), Q = N(0.5 1, 1.5 I_5), n = m = 20000, D = 0.59700 nats.",
        "bias KL = bias H(P,Q) - bias H(P); v_w = per-point noise variance of the weights",
        "(the estimator's variance grows with it). Produced by validation/knn_exact_bias.py.",
        "",
        "| estimator | bias H(P) | bias H(P,Q) | bias KL | relative | v_w |",
        "|---|---|---|---|---|---|",
    ]
    for _, r in df.iterrows():
        lines.append(
            f"| {r['estimator']} | {r['bias H(P)']:+.5f} | {r['bias H(P,Q)']:+.5f} | "
            f"{r['bias KL']:+.5f} | {100 * r['relative bias KL']:+.2f} % | {r['v_w']:.2f} |"
        )
    if args.check:
        hp, hq = simulate_orders(args.check)
        r = hp.shape[0]
        bp = order_bias(5, 20000, np.arange(1, hp.shape[1] + 1), "P")
        bq = order_bias(5, 20000, np.arange(1, hp.shape[1] + 1), "PQ")
        w = bias_weights(default_k(20000, 5, 20000), 5)
        k = w.size
        lines += [
            "",
            f"Check by simulation ({r} seeds, ``--check {r}``; terms minus the sample's own",
            "mean of -log p and -log q; Monte Carlo s.e. in brackets):",
            "",
            "| order | H(P) exact | H(P) simulated | H(P,Q) exact | H(P,Q) simulated |",
            "|---|---|---|---|---|",
        ]
        for jj in (1, 2, 5, 10, 20, 54, 100):
            if jj > hp.shape[1]:
                continue
            a, b = hp[:, jj - 1], hq[:, jj - 1]
            sa, sb = a.std(ddof=1) / math.sqrt(r), b.std(ddof=1) / math.sqrt(r)
            lines.append(
                f"| {jj} | {bp[jj - 1]:+.4f} | {a.mean():+.4f} ({sa:.4f}) "
                f"| {bq[jj - 1]:+.4f} | {b.mean():+.4f} ({sb:.4f}) |"
            )
        kl = (hq[:, :k] - hp[:, :k]) @ w
        lines.append(
            f"| default weighted KL | | | {float(w @ bq[:k] - w @ bp[:k]):+.5f} (exact) | "
            f"{kl.mean():+.5f} ({kl.std(ddof=1) / math.sqrt(r):.5f}) |"
        )
    (OUT / "knn_target_exact.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
