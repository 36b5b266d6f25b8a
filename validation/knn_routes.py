r"""Other routes to bias-cancelled k-NN estimates, compared with the package's default.

Issue 12 asks to compare, on one grid, the default weighted estimators (Berrett,
Samworth & Yuan 2019: a weighted average of the order-j estimates, j = 1..k, whose
weights cancel the bias terms of order (j/n)^{2l/d}) with two other published routes,
and to keep what wins. The routes, written here for the study only (the estimates come
from one ``scipy.spatial.cKDTree`` query per sample; the plain order-k formulas are
checked against the package's ``estimator="wang"`` / ``"kozachenko-leonenko"`` in
``tests/test_knn_routes.py``):

**Ensemble estimation (Moon, Sricharan, Greenewald & Hero 2018).** Moon, K. R.,
Sricharan, K., Greenewald, K. and Hero, A. O. III (2018) "Ensemble estimation of
information divergence", Entropy 20(8), 560, doi:10.3390/e20080560. An ensemble of L
plug-in estimates with tuning parameters :math:`l_1, \dots, l_L` has bias
:math:`\sum_{i=1}^{d} c_i\, l^{i}\, N^{-i/(2d)}` (plus terms of smaller order); the
weights solve the convex program (their eq. 6, as in the authors' reference code
EnDive, ``calculateWeightsKDE``)

.. math:: \min_{w, \epsilon} \epsilon \quad \text{s.t.} \quad \sum_l w_l = 1,\quad
          \Big|\sum_l w_l\, l^{i}\Big| N^{1/2 - i/(2d)} \le \epsilon \ (i = 1..d),\quad
          \|w\|_2 \le \eta\, \epsilon,

with :math:`\eta = 1` (their default). Two ensembles are studied:

- ``ensemble k-NN``: the k-NN density-ratio plug-in with :math:`k_l = l\sqrt N`
  (the k-NN form of the same theory, Sricharan, Wei & Hero 2013, IEEE Trans. Inf.
  Theory 59(7), 4374-4388): a ball holding k_l of N points has radius of order
  :math:`(k_l/N)^{1/d} = (k_l/\sqrt N)^{1/d} N^{-1/(2d)}`, so the tuning parameter of
  the program is :math:`(k_l/\sqrt N)^{1/d}`. The base estimates are the plug-ins of
  order k_l: for KL the Wang et al. (2009) estimate (the log-ratio of the two k-NN
  density estimates; the digamma terms cancel), for entropy the Kozachenko-Leonenko
  estimate of order k_l. k_l runs over the distinct integers among 40 values from
  2√N to 3√N (the range of the authors' code) and, a second variant, from 0.1√N to
  3√N: over the narrow range the program cannot make the d bias terms small with
  eta = 1 (at n = 4000, d = 5 its optimum has eps = 9.5, against 2.9 over the wide
  range).
- ``EnDive KDE`` (KL only): the paper's own estimator, Gaussian-kernel density
  plug-ins (leave-one-out in the P sample, as in the paper; the reference code keeps
  each point in its own sum while dividing by N - 1), bandwidths from the 95th
  percentiles of the 2√N- and 3√N-nearest-neighbour distances of the pooled sample,
  as in EnDive; 10 bandwidths (EnDive: 40) to keep the O(N^2) cost affordable. Only at
  n <= 1000 in the full run.

**Richardson extrapolation over subsample sizes (Delattre & Fournier 2017).**
Delattre, S. and Fournier, N. (2017) "On the Kozachenko-Leonenko entropy estimator",
Journal of Statistical Planning and Inference 185, 69-93 (arXiv:1602.07440): the bias
of the order-k estimate of a sample of size N is a series in powers of
:math:`N^{-2/d}`, so with :math:`a_j` the mean of the estimates on the 2^j disjoint
blocks of size N/2^j (j = 0..L), the combination :math:`\sum_j \lambda_j a_j` whose
coefficients are the Lagrange weights of the nodes :math:`t_j = 2^{2j/d}` at t = 0
(:math:`\sum_j \lambda_j = 1`, :math:`\sum_j \lambda_j t_j^l = 0`, l = 1..L) removes the
first L terms. For two-sample KL (Wang et al.) both samples are halved together.
Studied with base order k = 5 (k = 1 doubles the variance), L = 1 and 2.

**Package default and plain estimators**: ``kl_divergence_knn(x, y)`` and
``entropy_knn(x)`` with their defaults, and the plain order-1 and order-5 estimators
(Wang et al. 2009 for KL, Kozachenko-Leonenko for entropy).

Data: N(0, I_d) against N(0.5·1, 1.5 I_d) and the bimodal mixture against N(0, 1.5 I_d)
of ``validation/knn_study.py`` (truths from closed forms / quadrature there),
d in {1, 3, 5}, n = m in {1000, 4000}. Every route sees the same samples; seed s of a
cell draws from ``default_rng([SEED, crc32(cell), s])``.

``python -m validation.knn_routes --full [--max-minutes M]`` appends the estimates
of every route per data set to ``validation/results/knn_routes_partial.csv`` (data
sets already there are skipped, so runs add up) and writes ``knn_routes.{csv,md}``:
bias, s.d. and RMSE of every route with their Monte Carlo standard errors. Without
``--full`` a small grid runs and prints (nothing is written).
"""

from __future__ import annotations

import math
import time
import warnings
import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, special, stats
from scipy.spatial import cKDTree

import klstats as kls
from klstats._kernels._knn_weights import log_ball_volume
from validation._report import Checkpoint, study_parser
from validation.knn_study import PAIRS, _markdown

SEED = 20261208
OUT = Path(__file__).resolve().parent / "results"
PARTIAL = OUT / "knn_routes_partial.csv"
RICHARDSON_K = 5


# =========================================================================== base estimates


def knn_log_distances(x: np.ndarray, y: np.ndarray | None, kmax: int):
    """log of the distances from each x_i to its 1..kmax nearest other x points and
    (with ``y``) to its 1..kmax nearest y points: arrays (n, kmax)."""
    lr = np.log(cKDTree(x).query(x, k=kmax + 1)[0][:, 1:])
    ln = None if y is None else np.log(cKDTree(y).query(x, k=kmax)[0].reshape(len(x), -1))
    return lr, ln


def wang_orders(lr: np.ndarray, ln: np.ndarray, d: int, n: int, m: int) -> np.ndarray:
    """Wang, Kulkarni & Verdú (2009) two-sample KL of every order k = 1..kmax
    (d times the mean log ratio of the k-th neighbour distances, + log(m / (n - 1)))."""
    return d * (ln.mean(axis=0) - lr.mean(axis=0)) + math.log(m / (n - 1))


def kl_entropy_orders(lr: np.ndarray, d: int, n: int) -> np.ndarray:
    """Kozachenko-Leonenko entropy of every order k = 1..kmax:
    psi(n) - psi(k) + log V_d + d mean log rho_k."""
    k = np.arange(1, lr.shape[1] + 1)
    return special.digamma(n) - special.digamma(k) + log_ball_volume(d) + d * lr.mean(axis=0)


# =========================================================================== Moon et al.


def ensemble_orders(n: int, low: float = 2.0) -> np.ndarray:
    """k_l: the distinct integers among 40 values from ``low`` sqrt(n) (at least 1) to
    3 sqrt(n); ``low = 2`` is the range EnDive uses for its bandwidths."""
    lo = max(low * math.sqrt(n), 1.0)
    return np.unique(np.round(np.linspace(lo, 3 * math.sqrt(n), 40)).astype(int))


@lru_cache(maxsize=64)
def _ensemble_weights(n: int, d: int, low: float) -> tuple[np.ndarray, np.ndarray]:
    ks = ensemble_orders(n, low)
    w, _ = moon_weights((ks / math.sqrt(n)) ** (1.0 / d), d, n)
    return ks, w


def moon_weights(lparam: np.ndarray, d: int, n: int, eta: float = 1.0):
    """Weights of Moon et al. (2018, eq. 6): minimise eps subject to sum w = 1,
    |sum_l w_l lparam_l^i| n^(1/2 - i/(2d)) <= eps (i = 1..d) and ||w||_2 <= eta eps.

    Returns (w, eps). A second-order cone program, solved by bisection on eps: eps is
    feasible when the quadratic program min ||w||^2 subject to sum w = 1 and
    |A w| <= eps (SLSQP) has optimum <= (eta eps)^2."""
    lparam = np.asarray(lparam, dtype=float)
    L = lparam.size
    a = np.vstack([lparam**i * n ** (0.5 - i / (2.0 * d)) for i in range(1, d + 1)])
    ones = np.ones(L)

    def qp(eps, start):
        res = optimize.minimize(
            lambda w: w @ w,
            start,
            jac=lambda w: 2 * w,
            constraints=[
                {
                    "type": "eq",
                    "fun": lambda w: np.array([w.sum() - 1.0]),
                    "jac": lambda w: ones[None, :],
                },
                {
                    "type": "ineq",
                    "fun": lambda w: np.concatenate([eps - a @ w, eps + a @ w]),
                    "jac": lambda w: np.vstack([-a, a]),
                },
            ],
            method="SLSQP",
            options={"maxiter": 500, "ftol": 1e-14},
        )
        w = res.x
        ok = abs(w.sum() - 1) < 1e-8 and float(np.abs(a @ w).max()) <= eps * (1 + 1e-7) + 1e-12
        return w, ok and float(np.linalg.norm(w)) <= eta * eps * (1 + 1e-9)

    w_best = ones / L
    hi = max(float(np.abs(a @ w_best).max()), float(np.linalg.norm(w_best)) / eta)
    lo = 0.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        w, ok = qp(mid, w_best)
        if ok:
            hi, w_best = mid, w
        else:
            lo = mid
        if hi - lo < 1e-6 * hi:
            break
    return w_best, hi


def moon_constraints(w: np.ndarray, lparam: np.ndarray, d: int, n: int) -> np.ndarray:
    """|sum_l w_l lparam_l^i| n^(1/2 - i/(2d)), i = 1..d (the bias terms' sizes)."""
    return np.array([abs(w @ lparam**i) * n ** (0.5 - i / (2.0 * d)) for i in range(1, d + 1)])


def ensemble_knn(base_orders: np.ndarray, n: int, d: int, low: float = 2.0) -> float:
    """Moon et al. weighted ensemble of the order-k_l plug-ins (``base_orders[k - 1]``
    is the order-k estimate), k_l from :func:`ensemble_orders`."""
    ks, w = _ensemble_weights(int(n), int(d), float(low))
    return float(w @ base_orders[ks - 1])


def endive_kl(x: np.ndarray, y: np.ndarray, n_bandwidths: int = 10) -> float:
    """EnDive (Moon et al. 2018): weighted ensemble of Gaussian-kernel plug-ins of
    mean -log(q_hat(X_i) / p_hat_{-i}(X_i)), bandwidths between the 95th percentiles of
    the 2 sqrt(N)- and 3 sqrt(N)-NN distances of the pooled sample."""
    n, d = x.shape
    m = y.shape[0]
    size = min(n, m)
    kmin, kmax = round(2 * math.sqrt(size)), round(3 * math.sqrt(size))
    pooled = np.vstack([x, y])
    dist = cKDTree(pooled).query(pooled, k=kmax + 1)[0]
    hmin, hmax = np.percentile(dist[:, kmin], 95), np.percentile(dist[:, kmax], 95)
    h = np.linspace(hmin, hmax, n_bandwidths)
    w, _ = moon_weights(h * size ** (1.0 / (2 * d)), d, size)
    sx = (x * x).sum(axis=1)
    sy = (y * y).sum(axis=1)
    dxx = np.maximum(sx[:, None] + sx[None, :] - 2 * x @ x.T, 0.0)
    dxy = np.maximum(sx[:, None] + sy[None, :] - 2 * x @ y.T, 0.0)
    est = np.empty(n_bandwidths)
    for t, ht in enumerate(h):
        kx = np.exp(-0.5 * dxx / ht**2)
        px = (kx.sum(axis=1) - 1.0) / ((n - 1) * ht**d)  # leave-one-out
        qx = np.exp(-0.5 * dxy / ht**2).sum(axis=1) / (m * ht**d)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = qx / px
        ok = np.isfinite(ratio) & (ratio > 0)
        est[t] = float(np.mean(-np.log(ratio[ok])))
    return float(w @ est)


# =========================================================================== Richardson


def richardson_coefficients(d: int, L: int) -> np.ndarray:
    """lambda_j (j = 0..L): Lagrange weights at t = 0 of the nodes t_j = 2^(2j/d), so
    that sum_j lambda_j = 1 and sum_j lambda_j t_j^l = 0 for l = 1..L."""
    t = 2.0 ** (2.0 * np.arange(L + 1) / d)
    lam = np.ones(L + 1)
    for j in range(L + 1):
        for i in range(L + 1):
            if i != j:
                lam[j] *= -t[i] / (t[j] - t[i])
    return lam


def block_means(estimate, x: np.ndarray, y: np.ndarray | None, L: int) -> np.ndarray:
    """a_j = mean of ``estimate`` over the 2^j disjoint blocks of x (and y), j = 0..L."""
    out = []
    for j in range(L + 1):
        b = 2**j
        xs = np.array_split(x, b)
        ys = [None] * b if y is None else np.array_split(y, b)
        out.append(float(np.mean([estimate(xb, yb) for xb, yb in zip(xs, ys, strict=True)])))
    return np.array(out)


def _wang_k(x, y, k=RICHARDSON_K):
    lr, ln = knn_log_distances(x, y, k)
    return float(wang_orders(lr, ln, x.shape[1], len(x), len(y))[k - 1])


def _kl_entropy_k(x, y=None, k=RICHARDSON_K):
    lr, _ = knn_log_distances(x, None, k)
    return float(kl_entropy_orders(lr, x.shape[1], len(x))[k - 1])


def richardson(quantity: str, x: np.ndarray, y: np.ndarray | None, L: int) -> float:
    """Delattre & Fournier (2017) Richardson extrapolation of the order-5 estimate over
    the subsample sizes n, n/2, ..., n/2^L."""
    d = x.shape[1]
    base = _wang_k if quantity == "KL" else _kl_entropy_k
    a = block_means(base, x, y, L)
    return float(richardson_coefficients(d, L) @ a)


# =========================================================================== one data set

ROUTES = {
    "KL": [
        "package default",
        "wang k=1",
        "wang k=5",
        "ensemble k-NN (Moon, k 2-3 √n)",
        "ensemble k-NN (Moon, k 0.1-3 √n)",
        "EnDive KDE (Moon)",
        "Richardson k=5 L=1",
        "Richardson k=5 L=2",
    ],
    "entropy": [
        "package default",
        "KL k=1",
        "KL k=5",
        "ensemble k-NN (Moon, k 2-3 √n)",
        "ensemble k-NN (Moon, k 0.1-3 √n)",
        "Richardson k=5 L=1",
        "Richardson k=5 L=2",
    ],
}
COLUMNS = [f"{q}|{r}" for q, routes in ROUTES.items() for r in routes]
ENSEMBLES = {2.0: "ensemble k-NN (Moon, k 2-3 √n)", 0.1: "ensemble k-NN (Moon, k 0.1-3 √n)"}


def estimates(x: np.ndarray, y: np.ndarray, endive: bool) -> dict[str, float]:
    """Every route on one pair of samples: {"quantity|route": estimate} (nan where a
    route is not run)."""
    n, d = x.shape
    m = len(y)
    kmax = int(ensemble_orders(min(n, m)).max())
    lr, ln = knn_log_distances(x, y, kmax)
    wang = wang_orders(lr, ln, d, n, m)
    ent = kl_entropy_orders(lr, d, n)
    out = dict.fromkeys(COLUMNS, math.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["KL|package default"] = kls.kl_divergence_knn(x, y).estimate
        out["entropy|package default"] = kls.entropy_knn(x).estimate
    out["KL|wang k=1"], out["KL|wang k=5"] = float(wang[0]), float(wang[4])
    out["entropy|KL k=1"], out["entropy|KL k=5"] = float(ent[0]), float(ent[4])
    for low, label in ENSEMBLES.items():
        out[f"KL|{label}"] = ensemble_knn(wang, min(n, m), d, low)
        out[f"entropy|{label}"] = ensemble_knn(ent, n, d, low)
    for L in (1, 2):
        out[f"KL|Richardson k=5 L={L}"] = richardson("KL", x, y, L)
        out[f"entropy|Richardson k=5 L={L}"] = richardson("entropy", x, None, L)
    if endive:
        out["KL|EnDive KDE (Moon)"] = endive_kl(x, y)
    return out


# =========================================================================== study


def cell_seed(pair: str, d: int, n: int, s: int) -> np.random.Generator:
    return np.random.default_rng([SEED, zlib.crc32(repr((pair, d, n)).encode()), s])


def run(
    pairs: tuple[str, ...],
    dims: tuple[int, ...],
    ns: tuple[int, ...],
    reps: int,
    endive_max_n: int,
    checkpoint: Checkpoint | None = None,
) -> pd.DataFrame:
    """One row per seeded data set: the estimate of every route. With ``checkpoint``
    (key pair, d, n, seed) data sets already done are skipped and new rows appended
    every 10 data sets, so runs add up."""
    seen = checkpoint.seen() if checkpoint is not None else set()
    rows: list[dict] = []
    batch: list[dict] = []
    # cells in order: cheap first, so a budget-limited run fills whole rows of the table
    plan = sorted(((n, d, p) for p in pairs for d in dims for n in ns), key=lambda c: (c[0], c[1]))
    stop = False
    for n, d, key in plan:
        pair = PAIRS[key]
        t0, count = time.time(), 0
        for s in range(reps):
            cell = {"pair": key, "d": d, "n": n, "seed": s}
            if checkpoint is not None:
                if checkpoint.key_of(cell) in seen:
                    continue
                if checkpoint.out_of_time():
                    stop = True
                    break
            g = cell_seed(key, d, n, s)
            x, y = pair.draw(g, n, d, "p"), pair.draw(g, n, d, "q")
            row = {**cell, **estimates(x, y, n <= endive_max_n)}
            rows.append(row)
            batch.append(row)
            count += 1
            if checkpoint is not None and len(batch) >= 10:
                checkpoint.append(batch)
                batch = []
        if checkpoint is not None and batch:
            checkpoint.append(batch)
            batch = []
        if count:
            print(f"routes {key} d={d} n={n}: {count} seeds, {time.time() - t0:.0f} s", flush=True)
        if stop:
            break
    if checkpoint is not None:
        return checkpoint.read()
    return pd.DataFrame(rows)


def _long(per_seed: pd.DataFrame) -> pd.DataFrame:
    """Long form: one row per data set and route, with the truth from knn_study."""
    long = per_seed.melt(id_vars=["pair", "d", "n", "seed"], value_vars=COLUMNS)
    long = long.dropna(subset=["value"])
    long[["quantity", "route"]] = long["variable"].str.split("|", n=1, expand=True)
    truth = {}
    for key, d in set(zip(long["pair"], long["d"], strict=True)):
        pair = PAIRS[key]
        truth[key, d, "KL"], truth[key, d, "entropy"] = pair.kl(int(d)), pair.entropy(int(d))
    long["truth"] = [
        truth[k, d, q] for k, d, q in zip(long["pair"], long["d"], long["quantity"], strict=True)
    ]
    return long.rename(columns={"value": "estimate"})


def _coverage_at(delta: float) -> float:
    """Coverage of estimate +- 1.96 sd when the estimate is normal with bias
    ``delta`` sd: what the bias alone costs a Wald interval with an exact s.e."""
    return float(stats.norm.cdf(1.959964 - delta) - stats.norm.cdf(-1.959964 - delta))


def summarise(per_seed: pd.DataFrame) -> pd.DataFrame:
    """Bias, s.d., RMSE per cell and route with Monte Carlo s.e.: bias s.e. sd/sqrt(R);
    s.d. s.e. sqrt((m4 - s^4)/R)/(2 s); RMSE s.e. by the delta method from the s.e. of
    the mean squared error; ``rmse diff se``: s.e. of (RMSE - the default's RMSE) from
    the paired squared errors (delta method)."""
    long = _long(per_seed)
    out = []
    for (key, d, n), cell in long.groupby(["pair", "d", "n"], sort=True):
        for quantity in ROUTES:
            sub = cell[cell["quantity"] == quantity]
            wide = sub.pivot(index="seed", columns="route", values="estimate")
            truth = float(sub["truth"].iloc[0])
            err = wide - truth
            ref = err["package default"] ** 2
            rmse_ref = math.sqrt(ref.mean())
            for route in ROUTES[quantity]:
                if route not in err:
                    continue
                e = err[route].dropna().to_numpy()
                r = e.size
                sd = float(e.std(ddof=1))
                c = e - e.mean()
                m4 = float((c**4).mean())
                rmse = math.sqrt(float((e * e).mean()))
                # paired: RMSE_route - RMSE_ref ~ (MSE_route - MSE_ref)... by the delta method
                both = pd.concat([err[route] ** 2, ref], axis=1).dropna().to_numpy()
                g = both[:, 0] / (2 * rmse) - both[:, 1] / (2 * rmse_ref)
                out.append(
                    {
                        "quantity": quantity,
                        "pair": key,
                        "d": int(d),
                        "n": int(n),
                        "route": route,
                        "R": r,
                        "truth": truth,
                        "bias": float(e.mean()),
                        "bias se": sd / math.sqrt(r),
                        "sd": sd,
                        "sd se": math.sqrt(max(m4 - sd**4, 0.0) / r) / (2 * sd),
                        "rmse": rmse,
                        "rmse se": float((e * e).std(ddof=1)) / math.sqrt(r) / (2 * rmse),
                        "rmse - default": rmse - rmse_ref,
                        "rmse diff se": float(g.std(ddof=1)) / math.sqrt(g.size),
                        "relative bias": float(e.mean()) / abs(truth),
                        "coverage at the true sd": _coverage_at(float(e.mean()) / sd),
                    }
                )
    return pd.DataFrame(out)


PAIR_NAMES = {"gauss": "N(0, I) vs N(0.5, 1.5 I)", "mixture": "bimodal mixture vs N(0, 1.5 I)"}


def markdown(table: pd.DataFrame) -> str:
    reps = sorted({int(v) for v in table["R"]})
    lines = [
        "# Other routes to bias-cancelled k-NN estimates, against the package default",
        "",
        "``python -m validation.knn_routes --full`` (the routes, their papers and tuning: "
        "the module docstring). Every route on the same seeded samples, "
        f"{', '.join(map(str, reps))} samples per cell; n = m. Entries: value (Monte "
        "Carlo s.e.) in nats. RMSE in **bold**: smaller than the package default's by "
        "more than 2 s.e. of the paired difference; in _italics_: larger by more than 2 "
        "s.e. The last table of each quantity: the probability that estimate ± 1.96 s.d. "
        "holds the truth for a normal estimate with the measured bias and s.d. (0.95 "
        "without bias): what a route's bias costs an interval even with an exact "
        "standard error.",
        "",
    ]
    for quantity in ROUTES:
        sub = table[table["quantity"] == quantity]
        if sub.empty:
            continue
        routes = [r for r in ROUTES[quantity] if r in set(sub["route"])]
        for what, col, se in (
            ("RMSE", "rmse", "rmse se"),
            ("bias", "bias", "bias se"),
            ("s.d.", "sd", "sd se"),
            (
                "coverage of estimate ± 1.96 s.d. (the cost of the bias alone)",
                "coverage at the true sd",
                None,
            ),
        ):
            lines += [f"## {quantity}: {what}", ""]
            lines.append("| pair | d | n | truth | " + " | ".join(routes) + " |")
            lines.append("|---|---|---|---|" + "---|" * len(routes))
            for (key, d, n), cell in sub.groupby(["pair", "d", "n"], sort=False):
                vals = []
                for route in routes:
                    r = cell[cell["route"] == route]
                    if r.empty:
                        vals.append("")
                        continue
                    r = r.iloc[0]
                    sign = "+" if col == "bias" else ""
                    if se is None:
                        txt = f"{r[col]:.3f}"
                    else:
                        txt = f"{r[col]:{sign}.4f} ({r[se]:.4f})"
                    if col == "rmse" and route != "package default":
                        z = r["rmse - default"] / r["rmse diff se"]
                        txt = f"**{txt}**" if z < -2 else f"_{txt}_" if z > 2 else txt
                    vals.append(txt)
                truth = float(cell["truth"].iloc[0])
                lines.append(
                    f"| {PAIR_NAMES.get(key, key)} | {d} | {n} | {truth:.4f} | "
                    + " | ".join(vals)
                    + " |"
                )
            lines.append("")
    return "\n".join(lines)


def refresh_default(per_seed: pd.DataFrame, dims=None, ns=None) -> pd.DataFrame:
    """Recompute the package-default columns of the data sets in ``dims`` x ``ns``
    (None: every d or n; same seeds, same samples) after a change of the default; the
    other routes' estimates do not depend on it."""
    out = per_seed.copy()
    for i, r in out.iterrows():
        if (dims is not None and int(r["d"]) not in dims) or (
            ns is not None and int(r["n"]) not in ns
        ):
            continue
        pair, d, n = PAIRS[r["pair"]], int(r["d"]), int(r["n"])
        g = cell_seed(r["pair"], d, n, int(r["seed"]))
        x, y = pair.draw(g, n, d, "p"), pair.draw(g, n, d, "q")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.at[i, "KL|package default"] = kls.kl_divergence_knn(x, y).estimate
            out.at[i, "entropy|package default"] = kls.entropy_knn(x).estimate
    return out


def k_check(pairs, dims, n: int, ks: tuple[int, ...], reps: int) -> pd.DataFrame:
    """The package's own weighted estimators with a larger k, on the study's data sets:
    is a route's advantage its weighting or only that it uses more neighbours?"""
    out = []
    for key in pairs:
        pair = PAIRS[key]
        for d in dims:
            truth = {"KL": pair.kl(d), "entropy": pair.entropy(d)}
            err: dict[tuple[str, int], list[float]] = {}
            for s in range(reps):
                g = cell_seed(key, d, n, s)
                x, y = pair.draw(g, n, d, "p"), pair.draw(g, n, d, "q")
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    for k in ks:
                        kl = kls.kl_divergence_knn(x, y, k=k).estimate
                        h = kls.entropy_knn(x, k=k).estimate
                        err.setdefault(("KL", k), []).append(kl - truth["KL"])
                        err.setdefault(("entropy", k), []).append(h - truth["entropy"])
            for (quantity, k), e in err.items():
                e = np.array(e)
                sd = float(e.std(ddof=1))
                rmse = math.sqrt(float((e * e).mean()))
                out.append(
                    {
                        "quantity": quantity,
                        "pair": key,
                        "d": d,
                        "n": n,
                        "k": k,
                        "R": e.size,
                        "bias": float(e.mean()),
                        "bias se": sd / math.sqrt(e.size),
                        "sd": sd,
                        "rmse": rmse,
                        "rmse se": float((e * e).std(ddof=1)) / math.sqrt(e.size) / (2 * rmse),
                        "coverage at the true sd": _coverage_at(float(e.mean()) / sd),
                    }
                )
    return pd.DataFrame(out)


def main() -> None:
    ap = study_parser()
    ap.add_argument("--reps", type=int, default=None)
    ap.add_argument("--pairs", nargs="+", default=None)
    ap.add_argument("--dims", type=int, nargs="+", default=None)
    ap.add_argument("--ns", type=int, nargs="+", default=None)
    ap.add_argument("--endive-max-n", type=int, default=1000)
    ap.add_argument(
        "--k-check",
        action="store_true",
        help="only the package's weighted estimators with k = 10, 20, 40, 48, 64 (d = 1, 3; "
        "n = 1000; the study's data sets): knn_routes_k.{csv,md}",
    )
    ap.add_argument(
        "--refresh-default",
        action="store_true",
        help="recompute the package-default columns of the cells in --dims x --ns of "
        "the partial file (after a change of the default), then rewrite the tables",
    )
    args = ap.parse_args()
    if args.refresh_default:
        per_seed = refresh_default(
            pd.read_csv(PARTIAL),
            None if args.dims is None else set(args.dims),
            None if args.ns is None else set(args.ns),
        )
        per_seed.to_csv(PARTIAL, index=False)
        table = summarise(per_seed)
        table.to_csv(OUT / "knn_routes.csv", index=False)
        (OUT / "knn_routes.md").write_text(markdown(table) + "\n")
        return
    if args.k_check:
        table = k_check(("gauss", "mixture"), (1, 3), 1000, (10, 20, 40, 48, 64), args.reps or 200)
        table.to_csv(OUT / "knn_routes_k.csv", index=False)
        (OUT / "knn_routes_k.md").write_text(
            "# The package's weighted estimators with more neighbours (same data sets as "
            "knn_routes.md)\n\n``python -m validation.knn_routes --k-check``; the default "
            "k at n = 1000 is 10 in d = 1 (one cancelled term) and 48 in d = 3 (three; in "
            "d = 3 every k >= 48 cancels three terms, a smaller k one). Values in nats "
            "(Monte Carlo s.e.).\n\n" + _markdown(table) + "\n"
        )
        return
    pairs = tuple(args.pairs or (("gauss", "mixture") if args.full else ("gauss",)))
    dims = tuple(args.dims or ((1, 3, 5) if args.full else (1, 3)))
    ns = tuple(args.ns or ((1000, 4000) if args.full else (400,)))
    reps = args.reps or (200 if args.full else 10)
    if args.full:
        OUT.mkdir(exist_ok=True)
        ck = Checkpoint(PARTIAL, ["pair", "d", "n", "seed"], args.max_minutes)
        per_seed = run(pairs, dims, ns, reps, args.endive_max_n, ck)
        table = summarise(per_seed)
        table.to_csv(OUT / "knn_routes.csv", index=False)
        (OUT / "knn_routes.md").write_text(markdown(table) + "\n")
    else:
        print(markdown(summarise(run(pairs, dims, ns, reps, args.endive_max_n))))


if __name__ == "__main__":
    main()
