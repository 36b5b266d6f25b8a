r"""The k-NN formulas as search plans: what to query, how to reduce, how to finish.

Each estimator is a :class:`~klstats._kernels._neighbours.Plan` (queries and a reducer
from blocks of neighbour distances to partial sums and pooled moments) plus a
``finish`` function from the reduced array to the estimate, its standard error and the
zero-distance counts. Every back end (in memory, Dask) runs the same plan.

Constants. Under a locally uniform density the probability mass of the ball reaching
the j-th of the other n - 1 points of the sample is Beta(j, n - j), and of the ball
reaching the j-th of m points of another sample Beta(j, m - j + 1); their expected
logarithms are :math:`\psi(j) - \psi(n)` and :math:`\psi(j) - \psi(m + 1)`. The weighted
estimators use these exact constants, so the neighbour order j and the two sample sizes
enter without approximation. The legacy estimators keep their published constants
(Wang et al.: :math:`\log(m / (n - 1))`; Pérez-Cruz's one-sample form: :math:`\psi(k) -
\log(n - 1)`).

Standard errors: first-order (efficient influence function) variance estimated from
per-point terms, plus the next-order noise of the k-NN terms (see
:mod:`klstats._kernels._knn_weights` and ``validation/knn_noise_table.py``), which is
all that is left at P = Q or under independence.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
from scipy import special

from ._knn_noise_table import TABLE as _NOISE
from ._knn_weights import log_ball_volume, mean_digamma, noise_variance
from ._neighbours import Plan, Query

__all__: list[str] = []

# partial results: for each term variable (count, mean, M2), then additive counters
_MOMENT = 3


def moments(v: np.ndarray) -> list[float]:
    n = v.size
    if n == 0:
        return [0.0, 0.0, 0.0]
    with np.errstate(invalid="ignore"):
        mean = float(v.mean())
        m2 = float(((v - mean) ** 2).sum())
    return [float(n), mean, m2]


def combine(a: np.ndarray, b: np.ndarray, n_vars: int) -> np.ndarray:
    """Merge two partial results: pooled moments (Chan et al.) and summed counters."""
    out = a + b
    for i in range(n_vars):
        na, ma, qa = a[_MOMENT * i : _MOMENT * i + 3]
        nb, mb, qb = b[_MOMENT * i : _MOMENT * i + 3]
        n = na + nb
        if n == 0:
            out[_MOMENT * i : _MOMENT * i + 3] = 0.0
            continue
        delta = mb - ma
        with np.errstate(invalid="ignore"):
            out[_MOMENT * i : _MOMENT * i + 3] = (
                n,
                ma + delta * nb / n,
                qa + qb + delta * delta * na * nb / n,
            )
    return out


def _mean(r: np.ndarray, i: int) -> float:
    return float(r[_MOMENT * i + 1])


def _var(r: np.ndarray, i: int) -> float:
    n = r[_MOMENT * i]
    return float(r[_MOMENT * i + 2] / (n - 1)) if n > 1 else math.nan


def _logs(a: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(a)


def _used(w: np.ndarray) -> tuple[tuple[int, ...], np.ndarray]:
    orders = tuple(int(j) + 1 for j in np.flatnonzero(w))
    return orders, w[np.flatnonzero(w)]


# =========================================================================== noise


def _pooled(kind: str) -> tuple[float, float]:
    vals = np.array([v[:2] for key, v in _NOISE.items() if key[0] == kind])
    return float(vals[:, 0].mean()), float(vals[:, 1].mean())


# The per-dimension simulated constants scatter within their Monte Carlo error (about
# 0.2 for kappa_self, 0.15 for kappa_cross per cell): the pooled means are used.
_KAPPA = {"w": _pooled("w"), "u": _pooled("u")}


def noise_terms(w: np.ndarray, d: int, weighted: bool) -> tuple[float, float, float]:
    """(v_w, kappa_self, kappa_cross) for weights ``w`` (the kappas pooled over the
    simulated dimensions 1..8, separately for the weighted and the plain estimators)."""
    kappa_self, kappa_cross = _KAPPA["w" if weighted else "u"]
    return noise_variance(w), kappa_self, kappa_cross


# =========================================================================== results


@dataclass(frozen=True)
class Finished:
    """An estimate in nats, its standard error and the zero-distance counts."""

    value: float
    se: float
    zeros: tuple[int, ...]
    extra: tuple[float, ...] = ()


# =========================================================================== entropy


def _entropy_reduce(rows, dists, w_used):
    (rho,) = dists
    lr = _logs(rho)
    with np.errstate(invalid="ignore"):  # zero distances (ties): -inf, counted below
        a = lr @ w_used if w_used.size > 1 else lr[:, 0] * w_used[0]
    zeros = float(np.count_nonzero(rho[:, 0] == 0))
    return np.array([*moments(a), zeros])


def entropy_plan(w: np.ndarray) -> Plan:
    """Weighted Kozachenko-Leonenko entropy of sample 0 (weights over orders 1..k)."""
    orders, wu = _used(w)
    return Plan(
        queries=(Query(0, 0, orders),),
        reduce=partial(_entropy_reduce, w_used=wu),
        combine=partial(combine, n_vars=1),
        row_samples=(),
    )


def entropy_finish(r: np.ndarray, w: np.ndarray, d: int, weighted: bool) -> Finished:
    n = int(r[0])
    value = float(special.digamma(n)) - mean_digamma(w) + log_ball_volume(d) + d * _mean(r, 0)
    v, ks, _ = noise_terms(w, d, weighted)
    var = d * d * _var(r, 0) + (ks - 1.0) * v
    return Finished(value, math.sqrt(max(var, 0.0) / n), (int(r[3]),))


# =========================================================================== two-sample KL


def _kl_reduce(rows, dists, w_used, col_r, col_k, d):
    rho, nu = dists
    lr, ln = _logs(rho), _logs(nu)
    with np.errstate(invalid="ignore"):
        t = (ln - lr) @ w_used
    with np.errstate(over="ignore", invalid="ignore"):
        ratio = np.exp(d * (ln[:, col_r] - lr[:, col_r]))
    return np.array(
        [
            *moments(t),
            *moments(lr[:, col_k]),
            *moments(ln[:, col_k]),
            float(ratio.sum()),
            float(np.count_nonzero(rho[:, 0] == 0)),
            float(np.count_nonzero(nu[:, 0] == 0)),
            float(np.count_nonzero((rho[:, 0] == 0) | (nu[:, 0] == 0))),
        ]
    )


# Neighbour order of the density ratio p/q behind the Q part of the variance: the
# smallest order whose ratio estimate has a finite variance with room to spare
# (E Gamma_j^-2 is finite from j = 3). A larger order smooths p/q over the ball and
# underestimates E_P[p/q] where p is peaked: for the product of bimodal mixtures
# against N(0, 1.5 I) in d = 5 at n = 4000 the order 64 gave 1.46 for a true 2.21,
# the order 4 2.03 (validation/knn_ratio_order.py); for Gaussians every order agrees.
RATIO_ORDER = 4


def _ratio_order(n: int, m: int) -> int:
    return min(RATIO_ORDER, m, n - 1)


def kl_plan(w: np.ndarray, d: int, n: int, m: int) -> Plan:
    """Weighted two-sample KL (sample 0 = x ~ P, sample 1 = y ~ Q). The density ratio
    behind the Q part of the variance uses the order ``RATIO_ORDER`` (fewer when the
    samples are smaller); the moments of log rho_k and log nu_k of the largest weighted
    order k serve the legacy form."""
    orders, wu = _used(w)
    k_r = _ratio_order(n, m)
    all_orders = tuple(sorted(set(orders) | {k_r}))
    # weights on the queried columns
    wq = np.zeros(len(all_orders))
    for j, wj in zip(orders, wu, strict=True):
        wq[all_orders.index(j)] = wj
    plan = Plan(
        queries=(Query(0, 0, all_orders), Query(0, 1, all_orders)),
        reduce=partial(
            _kl_reduce,
            w_used=wq,
            col_r=all_orders.index(k_r),
            col_k=all_orders.index(orders[-1]),
            d=d,
        ),
        combine=partial(combine, n_vars=3),
        row_samples=(),
    )
    return plan


def kl_finish(
    r: np.ndarray,
    w: np.ndarray,
    d: int,
    m: int,
    weighted: bool,
) -> Finished:
    n = int(r[0])
    mean_t = _mean(r, 0)
    if weighted:
        value = float(special.digamma(m + 1) - special.digamma(n)) + d * mean_t
    else:
        value = d * (_mean(r, 2) - _mean(r, 1)) + math.log(m / (n - 1))
    k_r = _ratio_order(n, m)
    e_r = r[9] / n * (k_r - 1) / k_r * m / (n - 1)
    v, ks, kc = noise_terms(w, d, weighted)
    var_p = d * d * _var(r, 0) + (ks - 1.0) * v + kc * v * (n / m) * e_r
    var_q = max(e_r - 1.0, 0.0)
    se = math.sqrt(max(var_p, 0.0) / n + var_q / m)
    return Finished(value, se, (int(r[10]), int(r[11])), (e_r, float(r[12])))


# =========================================================================== one-sample KL


def _kl1_reduce(rows, dists, w_used, log_q, d):
    (x,) = rows
    (rho,) = dists
    lr = _logs(rho)
    with np.errstate(invalid="ignore"):  # zero distances (ties): -inf, counted below
        a = lr @ w_used
    lq = np.asarray(log_q(x), dtype=float)
    bad = np.isnan(lq) | (lq == np.inf)
    neg = np.isneginf(lq)
    clean = np.where(bad | neg, 0.0, lq)
    with np.errstate(invalid="ignore"):
        s = -d * a - clean
    return np.array(
        [
            *moments(a),
            *moments(clean),
            *moments(s),
            float(np.count_nonzero(rho[:, 0] == 0)),
            float(np.count_nonzero(bad)),
            float(np.count_nonzero(neg)),
        ]
    )


def kl1_plan(w: np.ndarray, d: int, log_q: Callable[[np.ndarray], np.ndarray]) -> Plan:
    """One-sample KL of sample 0 (the search space) against ``log_q`` evaluated on the
    rows of sample 1 (the data in their original coordinates)."""
    orders, wu = _used(w)
    return Plan(
        queries=(Query(0, 0, orders),),
        reduce=partial(_kl1_reduce, w_used=wu, log_q=log_q, d=d),
        combine=partial(combine, n_vars=3),
        row_samples=(1,),
    )


def kl1_finish(r: np.ndarray, w: np.ndarray, d: int, log_jac: float, weighted: bool) -> Finished:
    """D = mean log p_hat - mean log q. Weighted: log p_hat from the exact constants;
    legacy (Pérez-Cruz 2008): psi(k) - log(n - 1) - log V_d - d log rho_k."""
    n = int(r[0])
    if weighted:
        log_p = -(
            float(special.digamma(n)) - mean_digamma(w) + log_ball_volume(d) + d * _mean(r, 0)
        )
    else:
        k = w.size
        log_p = float(special.digamma(k)) - math.log(n - 1) - log_ball_volume(d) - d * _mean(r, 0)
    neg = int(r[11])
    value = log_p + log_jac - (_mean(r, 1) if not neg else -math.inf)
    v, ks, _ = noise_terms(w, d, weighted)
    var = _var(r, 2) + (ks - 1.0) * v
    return Finished(value, math.sqrt(max(var, 0.0) / n), (int(r[9]),), (float(r[10]), float(neg)))


# =========================================================================== mutual information


def _mi_reduce(rows, dists, ws, dims):
    t = None
    zeros = []
    anyzero = None
    for (w_used, _), dist, dim, sign in zip(ws, dists, dims, (1.0, 1.0, -1.0), strict=True):
        with np.errstate(invalid="ignore"):
            part = sign * dim * (_logs(dist) @ w_used)
            t = part if t is None else t + part
        z = dist[:, 0] == 0
        anyzero = z if anyzero is None else anyzero | z
        zeros.append(float(np.count_nonzero(z)))
    return np.array([*moments(t), *zeros, float(np.count_nonzero(anyzero))])


def mi_plan(wx: np.ndarray, wy: np.ndarray, wz: np.ndarray, dims: tuple[int, int, int]) -> Plan:
    """Weighted MI = H(X) + H(Y) - H(X, Y) on samples 0 = x, 1 = y, 2 = (x, y)."""
    ux, uy, uz = _used(wx), _used(wy), _used(wz)
    return Plan(
        queries=(Query(0, 0, ux[0]), Query(1, 1, uy[0]), Query(2, 2, uz[0])),
        reduce=partial(_mi_reduce, ws=((ux[1], 0), (uy[1], 0), (uz[1], 0)), dims=dims),
        combine=partial(combine, n_vars=1),
        row_samples=(),
    )


def mi_finish(
    r: np.ndarray, ws: tuple[np.ndarray, np.ndarray, np.ndarray], dims: tuple[int, int, int]
) -> Finished:
    n = int(r[0])
    const = 0.0
    extra_var = 0.0
    for w, dim, sign in zip(ws, dims, (1.0, 1.0, -1.0), strict=True):
        const += sign * (float(special.digamma(n)) - mean_digamma(w) + log_ball_volume(dim))
        v, ks, _ = noise_terms(w, dim, True)
        extra_var += (ks - 1.0) * v
    value = const + _mean(r, 0)
    var = _var(r, 0) + extra_var
    return Finished(
        value, math.sqrt(max(var, 0.0) / n), tuple(int(z) for z in r[3:6]), (float(r[6]),)
    )
