r"""k-nearest-neighbour estimators for continuous samples.

KL divergence (Wang, Kulkarni & Verdú 2009, fixed k and adaptive; one-sample form after
Pérez-Cruz 2008), differential entropy (Kozachenko & Leonenko 1987) and mutual
information (Kraskov, Stögbauer & Grassberger 2004). Neighbour searches use scipy's
KD-tree in parallel over ``workers`` threads, or a blocked brute-force search (matrix
products) in high dimension, where KD-trees degrade. All quantities are computed in
nats and converted to ``base`` at the end.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
from scipy import special
from scipy.spatial import cKDTree

from .._base._validation import (
    as_samples,
    check_base,
    check_choice,
    check_int,
    check_rng,
    count_duplicate_rows,
    is_dask,
)
from .._base._warnings import DegenerateDataWarning, InfiniteEstimateWarning
from .._results._classes import KLEstimate

__all__ = ["entropy_knn", "kl_divergence_knn", "mutual_information_knn"]

# Queries run in chunks of this many points taken in the leaf order of a KD-tree built on
# the query points: neighbouring queries then walk the same branches and the tree stays
# in cache (about 3x faster than random order at n = 10^6, d = 5). Small chunks keep the
# copies of query points negligible next to the tree.
_CHUNK = 1 << 13
# Sliding-midpoint splits without shrinking the node boxes: builds about twice as fast as
# scipy's default and queries as fast on continuous data (benchmarks/bench_knn.py).
_TREE_OPTIONS: dict[str, Any] = {"leafsize": 16, "balanced_tree": False, "compact_nodes": False}
# algorithm="auto" switches to the blocked brute-force search from this dimension on
# (crossover measured with benchmarks/bench_knn.py --crossover).
BRUTE_FORCE_DIM = 12
# elements of one block of the brute-force distance matrix (32 MB of float64)
_BRUTE_ELEMENTS = 1 << 22
# brute force selects up to this many neighbours by repeated row minima, more by partition
_ARGMIN_MAX_K = 16
# ties="jitter" warns when the tied points may move the estimate by more than this many
# nats (KL, entropy), or when more than this fraction of the points were tied (KSG)
_TIE_SHIFT = 0.01
_MANY_TIES = 0.01
# standard deviation of the ties="jitter" noise, relative to each coordinate's spread
JITTER_SCALE = 1e-10
# A KD-tree ball query compares squared distances, which can round a neighbour found at
# distance r by a k-NN query to just outside the ball of radius r.
_RADIUS_SLACK = 1.0 + 1e-12
_DEFAULT_MAX_K = 50
# queries of fewer points run on one thread
_MIN_PARALLEL = 4096

_NO_BOOTSTRAP = (
    "k-NN estimates cannot be bootstrapped with replacement (duplicated points make "
    "k-NN distances zero); use method='subsampling' (without replacement). For a test "
    "of P = Q or of independence use a permutation test."
)


# =========================================================================== inference


@dataclass(frozen=True)
class KnnInference:
    """What a k-NN estimate keeps for intervals.

    k-NN estimators cannot be bootstrapped with replacement: the duplicated points make
    neighbour distances zero (METHODS B7). Intervals come from subsampling without
    replacement, which the resampling module provides from ``statistic`` (the estimate in
    nats, recomputed from arrays shaped like ``data``) and ``design`` (``"one"`` sample,
    ``"two"`` independent samples, or ``"paired"`` rows of ``x`` and ``y`` for mutual
    information). ``data`` are the samples as estimated (after ``standardize`` and
    tie-breaking); they may share memory with the caller's arrays, read-only.
    ``interval`` delegates to :func:`klstats._resampling.subsampling_interval`.
    """

    estimate: float
    data: tuple[np.ndarray, ...]
    design: str
    statistic: Callable[..., float]
    default_method: str = "subsampling"
    extra_methods: tuple[str, ...] = ("subsampling",)
    stochastic: frozenset[str] = field(default_factory=lambda: frozenset({"subsampling"}))
    unavailable_reason: str = _NO_BOOTSTRAP
    # intervals drawn with an integer seed, so summaries do not redo the subsampling
    _cache: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def methods(self) -> tuple[str, ...]:
        return self.extra_methods

    def interval(
        self,
        method: str,
        alpha: float,
        n_resamples: int | None,
        rng: Any,
        progress: bool | None = None,
    ) -> tuple[float, float, str | None, Any]:
        if method != "subsampling":
            raise ValueError(self.unavailable_reason)
        from .._inference._resampling import subsampling_interval

        key = None
        if isinstance(rng, int | np.integer) and not isinstance(rng, bool | np.bool_):
            key = (alpha, n_resamples, int(rng))
            if key in self._cache:
                return self._cache[key]
        k = int(getattr(self.statistic, "keywords", {}).get("k", 1))
        out = subsampling_interval(
            self.statistic,
            self.data,
            self.design,
            self.estimate,
            alpha,
            n_resamples,
            rng,
            k=k,
            progress=progress,
        )
        if key is not None:
            if len(self._cache) >= 8:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = out
        return out


def _readonly(a: np.ndarray) -> np.ndarray:
    v = a.view()
    v.flags.writeable = False
    return v


# =========================================================================== neighbours


def _n_threads(workers: int) -> int:
    return (os.cpu_count() or 1) if workers == -1 else workers


def _threads_for(workers: int, size: int) -> int:
    # starting threads costs more than a few thousand small queries
    return 1 if size < _MIN_PARALLEL else workers


def _check_workers(workers: Any) -> int:
    w = check_int(workers, "workers")
    if w == 0 or w < -1:
        raise ValueError(f"`workers` must be -1 (all cores) or a positive integer; got {w}.")
    return w


def _tree(a: np.ndarray) -> cKDTree:
    return cKDTree(a, **_TREE_OPTIONS)


def _kdtree_kth(
    q: np.ndarray,
    order: np.ndarray,
    queries: Sequence[tuple[cKDTree, int]],
    workers: int,
    p: float = 2.0,
) -> list[np.ndarray]:
    """For each ``(tree, kk)``: distance from every row of ``q`` to its kk-th neighbour."""
    n = q.shape[0]
    workers = _threads_for(workers, n)
    outs = [np.empty(n) for _ in queries]
    for start in range(0, n, _CHUNK):
        idx = order[start : start + _CHUNK]
        qc = q[idx]
        for out, (tree, kk) in zip(outs, queries, strict=True):
            out[idx] = tree.query(qc, k=[kk], p=p, workers=workers)[0][:, 0]
    return outs


def _brute_kth(q: np.ndarray, ref: np.ndarray, kk: int, workers: int) -> np.ndarray:
    """kk-th neighbour distances by blocks of a distance matrix (matrix products).

    The kk nearest candidates are selected on |r|^2 - 2 q.r (data centred at the mean
    of ``ref``; |q|^2 does not change the order within a row), then their distances
    are recomputed exactly from coordinate differences, so that ties give exact zeros
    and small distances keep full precision.
    """
    n, m = q.shape[0], ref.shape[0]
    centre = ref.mean(axis=0)
    ref_c = ref - centre
    ref_sq = np.einsum("ij,ij->i", ref_c, ref_c)
    ref_t = np.ascontiguousarray(ref_c.T)
    ref_t *= -2.0
    rows = max(1, _BRUTE_ELEMENTS // m)
    out = np.empty(n)

    def block(start: int) -> None:
        qb = q[start : start + rows]
        d2 = (qb - centre) @ ref_t
        d2 += ref_sq
        b = qb.shape[0]
        if kk <= _ARGMIN_MAX_K:
            # repeated row minima beat a partition by far for small k
            near = np.empty((b, kk), dtype=np.intp)
            r = np.arange(b)
            for j in range(kk):
                idx = d2.argmin(axis=1)
                near[:, j] = idx
                d2[r, idx] = np.inf
        else:
            near = np.argpartition(d2, kk - 1, axis=1)[:, :kk]
        diff = ref[near] - qb[:, None, :]
        out[start : start + b] = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff).max(axis=1))

    starts = range(0, n, rows)
    threads = min(_n_threads(workers), len(starts))
    if threads > 1:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(block, starts))
    else:
        for s in starts:
            block(s)
    return out


def _check_algorithm(algorithm: Any) -> str:
    return check_choice(algorithm, "algorithm", ("auto", "kd-tree", "brute"))


def _resolve(algorithm: str, d: int) -> str:
    if algorithm == "auto":
        return "brute" if d >= BRUTE_FORCE_DIM else "kd-tree"
    return algorithm


def _self_distances(x: np.ndarray, k: int, algorithm: str, workers: int) -> np.ndarray:
    """rho_k(i): distance from x_i to its k-th nearest neighbour among the other x_j."""
    if algorithm == "brute":
        return _brute_kth(x, x, k + 1, workers)
    tx = _tree(x)
    return _kdtree_kth(x, tx.indices, [(tx, k + 1)], workers)[0]


def _pair_distances(
    x: np.ndarray, y: np.ndarray, k: int, algorithm: str, workers: int
) -> tuple[np.ndarray, np.ndarray]:
    """rho_k(i) within x (self excluded) and nu_k(i) from x_i to y."""
    if algorithm == "brute":
        return _brute_kth(x, x, k + 1, workers), _brute_kth(x, y, k, workers)
    tx, ty = _tree(x), _tree(y)
    rho, nu = _kdtree_kth(x, tx.indices, [(tx, k + 1), (ty, k)], workers)
    return rho, nu


# =========================================================================== kernels (nats)


def _log_ball_volume(d: int) -> float:
    """log V_d, V_d the volume of the Euclidean unit ball in d dimensions."""
    return 0.5 * d * math.log(math.pi) - math.lgamma(0.5 * d + 1.0)


def _mean_log(a: np.ndarray, *, inplace: bool = False) -> float:
    with np.errstate(divide="ignore"):
        return float((np.log(a, out=a) if inplace else np.log(a)).mean())


def _wang_value(rho: np.ndarray, nu: np.ndarray, d: int, m: int) -> float:
    """Eq. 5 from the distances; overwrites ``rho`` and ``nu`` with their logarithms."""
    n = rho.shape[0]
    return _wang_from_logs(_mean_log(nu, inplace=True), _mean_log(rho, inplace=True), d, n, m)


def _wang_from_logs(mean_log_nu: float, mean_log_rho: float, d: int, n: int, m: int) -> float:
    """Eq. 5 from the means of log nu_k(i) and log rho_k(i) (the Dask path sums them)."""
    return d * (mean_log_nu - mean_log_rho) + math.log(m / (n - 1))


def _wang_nats(
    x: np.ndarray, y: np.ndarray, *, k: int, algorithm: str = "kd-tree", workers: int = -1
) -> float:
    """Wang et al. (2009) eq. 5 in nats."""
    rho, nu = _pair_distances(x, y, k, algorithm, workers)
    return _wang_value(rho, nu, x.shape[1], y.shape[0])


def _adaptive_parts(
    x: np.ndarray, y: np.ndarray, k: int, max_k: int | None, workers: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Point-dependent l_i, k_i and the matching distances (Wang et al. 2009, eq. 29).

    eps(i) = max(rho_k(i), nu_k(i)); l_i = #{j != i: |x_j - x_i| <= eps(i)},
    k_i = #{j: |y_j - x_i| <= eps(i)}, each capped at ``max_k``; rho_{l_i}(i) and
    nu_{k_i}(i) are then the largest distances inside the common ball.
    """
    tx, ty = _tree(x), _tree(y)
    order = tx.indices
    rho, nu = _kdtree_kth(x, order, [(tx, k + 1), (ty, k)], workers)
    eps = np.maximum(rho, nu)
    n = x.shape[0]
    ball_workers = _threads_for(workers, n)
    eps *= _RADIUS_SLACK
    lcount = np.empty(n, dtype=np.int64)
    kcount = np.empty(n, dtype=np.int64)
    for start in range(0, n, _CHUNK):
        idx = order[start : start + _CHUNK]
        qc, r = x[idx], eps[idx]
        lcount[idx] = tx.query_ball_point(qc, r, return_length=True, workers=ball_workers) - 1
        kcount[idx] = ty.query_ball_point(qc, r, return_length=True, workers=ball_workers)
    # the k-th neighbours are inside the ball; a count below k only means rounding noise
    np.maximum(lcount, k, out=lcount)
    np.maximum(kcount, k, out=kcount)
    capped = 0
    if max_k is not None:
        cap = max(max_k, k)
        capped = int(np.count_nonzero((lcount > cap) | (kcount > cap)))
        np.minimum(lcount, cap, out=lcount)
        np.minimum(kcount, cap, out=kcount)
    # counts equal to k reuse rho_k / nu_k; larger ones are queried by group of equal count
    rho_l = _grouped_kth(x, tx, lcount, k, rho, 1, workers)
    nu_k = _grouped_kth(x, ty, kcount, k, nu, 0, workers)
    return rho_l, nu_k, lcount, kcount, capped


def _grouped_kth(
    q: np.ndarray,
    tree: cKDTree,
    ranks: np.ndarray,
    k: int,
    known: np.ndarray,
    offset: int,
    workers: int,
) -> np.ndarray:
    """Distance to the ``ranks[i] + offset``-th neighbour; ``known`` holds rank k's.

    Ranks are grouped in powers of two and each group is queried once for all its
    neighbours up to the group's largest rank: a few calls, at most twice the work.
    """
    out = known.copy()
    need = np.flatnonzero(ranks != k)
    if need.size:
        top = ranks[need] + offset
        group = np.ceil(np.log2(top)).astype(np.int64)
        for g in np.unique(group):
            members = group == g
            sel, wanted = need[members], top[members]
            kk = int(wanted.max())
            rows = max(1, _BRUTE_ELEMENTS // kk)
            for start in range(0, sel.size, rows):
                s, w = sel[start : start + rows], wanted[start : start + rows]
                dist = tree.query(q[s], k=kk, workers=_threads_for(workers, s.size))[0]
                out[s] = dist.reshape(s.size, kk)[np.arange(s.size), w - 1]
    return out


def _adaptive_value(
    rho_l: np.ndarray, nu_k: np.ndarray, lcount: np.ndarray, kcount: np.ndarray, d: int, m: int
) -> float:
    n = rho_l.shape[0]
    psi = float(np.mean(special.digamma(lcount) - special.digamma(kcount)))
    return d * (_mean_log(nu_k) - _mean_log(rho_l)) + psi + math.log(m / (n - 1))


def _adaptive_nats(
    x: np.ndarray, y: np.ndarray, *, k: int, max_k: int | None, workers: int = -1
) -> float:
    """Wang et al. (2009) eq. 17 with the adaptive l_i, k_i of eq. 29, in nats."""
    rho_l, nu_k, lc, kc, _ = _adaptive_parts(x, y, k, max_k, workers)
    return _adaptive_value(rho_l, nu_k, lc, kc, x.shape[1], y.shape[0])


def _log_density_terms(rho: np.ndarray, k: int, d: int) -> float:
    """mean_i log p_hat(x_i) with p_hat(x_i) = k / ((n-1) V_d rho_k(i)^d) and psi(k) for
    log k (the form whose expectation matches, Pérez-Cruz 2008 eq. 18)."""
    return _log_density_from_logs(_mean_log(rho), k, d, rho.shape[0])


def _log_density_from_logs(mean_log_rho: float, k: int, d: int, n: int) -> float:
    return special.digamma(k) - math.log(n - 1) - _log_ball_volume(d) - d * mean_log_rho


def _one_sample_nats(
    x: np.ndarray,
    *,
    log_q: Callable[[np.ndarray], np.ndarray],
    k: int,
    log_jacobian: float = 0.0,
    transform: Callable[[np.ndarray], np.ndarray] | None = None,
    algorithm: str = "kd-tree",
    workers: int = -1,
) -> float:
    z = x if transform is None else transform(x)
    rho = _self_distances(z, k, algorithm, workers)
    return _log_density_terms(rho, k, x.shape[1]) + log_jacobian - float(np.mean(log_q(x)))


def _kl_entropy_value(rho: np.ndarray, k: int, d: int) -> float:
    return _kl_entropy_from_logs(_mean_log(rho), k, d, rho.shape[0])


def _kl_entropy_from_logs(mean_log_rho: float, k: int, d: int, n: int) -> float:
    return float(special.digamma(n) - special.digamma(k) + _log_ball_volume(d) + d * mean_log_rho)


def _entropy_nats(
    x: np.ndarray,
    *,
    k: int,
    log_jacobian: float = 0.0,
    algorithm: str = "kd-tree",
    workers: int = -1,
) -> float:
    """Kozachenko-Leonenko entropy in nats (``log_jacobian`` undoes a linear transform)."""
    return _kl_entropy_value(_self_distances(x, k, algorithm, workers), k, x.shape[1]) + (
        log_jacobian
    )


def _first_false(s: np.ndarray, pred: Callable[[np.ndarray], np.ndarray], size: int):
    """Per query, the first index of sorted ``s`` where ``pred`` (true on a prefix) fails.

    Vectorised binary search on the exact predicate.
    """
    n = s.shape[0]
    lo = np.zeros(size, dtype=np.intp)
    hi = np.full(size, n, dtype=np.intp)
    active = lo < hi
    while active.any():
        mid = (lo + hi) >> 1
        ok = pred(s[np.minimum(mid, n - 1)])
        lo = np.where(active & ok, mid + 1, lo)
        hi = np.where(active & ~ok, mid, hi)
        active = lo < hi
    return lo


def _count_sorted_1d(v: np.ndarray, r: np.ndarray, strict: bool) -> np.ndarray:
    """#{j: |v_j - v_i| < r_i} (or <= r_i), the point itself included, for 1-D data.

    Rounding is monotone, so fl(v_j - v_i) grows with v_j and the qualifying points are
    a run of the sorted values: two binary searches on the same floating-point
    comparisons as a max-norm KD-tree ball query find it, ~10x faster than the query.
    """
    s = np.sort(v)
    less = np.less if strict else np.less_equal
    upper = _first_false(s, lambda w: less(w - v, r), v.shape[0])
    lower = _first_false(s, lambda w: ~less(v - w, r), v.shape[0])
    return upper - lower


def _marginal_counts(a: np.ndarray, r: np.ndarray, strict: bool, workers: int) -> np.ndarray:
    """#{j: ||a_j - a_i||_max < r_i} (strict) or <= r_i, the point itself included."""
    if a.shape[1] == 1:
        return _count_sorted_1d(a[:, 0], r, strict)
    tree = _tree(a)
    order = tree.indices
    radius = np.nextafter(r, 0.0) if strict else r  # max-norm distances are exact
    out = np.empty(a.shape[0], dtype=np.int64)
    for start in range(0, a.shape[0], _CHUNK):
        idx = order[start : start + _CHUNK]
        out[idx] = tree.query_ball_point(
            a[idx], radius[idx], p=np.inf, return_length=True, workers=workers
        )
    return out


def _ksg_parts(
    x: np.ndarray, y: np.ndarray, k: int, variant: int, workers: int
) -> tuple[float, np.ndarray]:
    """Mean of the digamma terms of KSG algorithm 1 or 2 and the joint distances eps."""
    z = np.hstack((x, y))
    tz = _tree(z)
    order = tz.indices
    n = z.shape[0]
    workers = _threads_for(workers, n)
    eps = np.empty(n)
    if variant == 2:
        rx, ry = np.empty(n), np.empty(n)
    for start in range(0, n, _CHUNK):
        idx = order[start : start + _CHUNK]
        if variant == 1:
            eps[idx] = tz.query(z[idx], k=[k + 1], p=np.inf, workers=workers)[0][:, 0]
        else:
            dist, nb = tz.query(z[idx], k=k + 1, p=np.inf, workers=workers)
            eps[idx] = dist[:, -1]
            # the point itself is among the k + 1 and contributes 0 to the maxima
            rx[idx] = np.abs(x[nb] - x[idx][:, None, :]).max(axis=(1, 2))
            ry[idx] = np.abs(y[nb] - y[idx][:, None, :]).max(axis=(1, 2))
    if variant == 1:
        # strict counts n_x + 1 (self included): psi(n_x + 1) = psi(count)
        nx = _marginal_counts(x, eps, True, workers)
        ny = _marginal_counts(y, eps, True, workers)
        total = float(special.digamma(nx).sum() + special.digamma(ny).sum())
    else:
        nx = _marginal_counts(x, rx, False, workers)
        ny = _marginal_counts(y, ry, False, workers)
        total = float(special.digamma(nx - 1).sum() + special.digamma(ny - 1).sum())
    return total / n, eps


def _ksg_value(mean_psi: float, n: int, k: int, variant: int) -> float:
    if variant == 1:
        return float(special.digamma(k) + special.digamma(n)) - mean_psi
    return float(special.digamma(k) - 1.0 / k + special.digamma(n)) - mean_psi


def _ksg_nats(x: np.ndarray, y: np.ndarray, *, k: int, variant: int, workers: int = -1) -> float:
    """Kraskov-Stögbauer-Grassberger algorithm 1 or 2 (max-norm), in nats."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_psi, _ = _ksg_parts(x, y, k, variant, workers)
    return _ksg_value(mean_psi, x.shape[0], k, variant)


# =========================================================================== preparation


def _check_k(k: Any, n: int, m: int | None = None) -> int:
    k = check_int(k, "k", minimum=1)
    if k >= n:
        raise ValueError(
            f"`k` must be smaller than the number of points in `x` (neighbours exclude the "
            f"point itself); got k={k} with n={n}."
        )
    if m is not None and k > m:
        raise ValueError(f"`k` must not exceed the number of points in `y`; got k={k} with m={m}.")
    return k


def _check_standardize(standardize: Any) -> str | None:
    if standardize is False or standardize is None:
        return None
    if standardize is True:
        return "scale"
    return check_choice(standardize, "standardize", ("scale", "whiten"))


def _warn_constant(a: np.ndarray, name: str) -> None:
    if a.shape[0] > 1:
        const = np.flatnonzero(a.min(axis=0) == a.max(axis=0))
        if const.size:
            warnings.warn(
                f"Column(s) {const.tolist()} of `{name}` are constant: the sample has no "
                f"density in {a.shape[1]} dimensions and k-NN estimates are meaningless. "
                "Drop the constant columns.",
                DegenerateDataWarning,
                stacklevel=3,
            )


def _linear_map(pooled: np.ndarray, kind: str, names: str) -> tuple[np.ndarray, float]:
    """Matrix A (z = x @ A) and log|det A| of the scale or whitening transform."""
    if kind == "scale":
        return _map_from_moments(kind, pooled.std(axis=0), names)
    return _map_from_moments(kind, np.atleast_2d(np.cov(pooled, rowvar=False)), names)


def _map_from_moments(kind: str, moment: np.ndarray, names: str) -> tuple[np.ndarray, float]:
    """:func:`_linear_map` from the pooled standard deviations (``"scale"``) or
    covariance matrix (``"whiten"``), however they were computed (the Dask path)."""
    d = moment.shape[0]
    if kind == "scale":
        sd = moment
        if np.any(sd == 0):
            raise ValueError(
                f"Cannot standardize: column(s) {np.flatnonzero(sd == 0).tolist()} of "
                f"{names} are constant."
            )
        return np.diag(1.0 / sd), -float(np.log(sd).sum())
    cov = moment
    try:
        chol = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise ValueError(
            f"Cannot whiten: the covariance matrix of {names} is singular (the data lie "
            "on a lower-dimensional subspace)."
        ) from None
    a = np.linalg.solve(chol, np.eye(d)).T  # z = x @ inv(L).T has identity covariance
    return a, -float(np.log(np.diag(chol)).sum())


def _apply_map(v: np.ndarray, a: np.ndarray) -> np.ndarray:
    return v @ a


def _jitter(arrays: Sequence[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """Add N(0, (JITTER_SCALE * s_j)^2) noise, s_j the pooled spread of coordinate j."""
    pooled = np.concatenate(arrays, axis=0)
    scale = pooled.std(axis=0)
    flat = scale == 0
    scale[flat] = np.abs(pooled[:, flat]).max(axis=0) if flat.any() else 0
    scale[scale == 0] = 1.0
    scale *= JITTER_SCALE
    return [a + rng.standard_normal(a.shape) * scale for a in arrays]


def _ties_error(zero: str, k: int, dup: str, remedy: str = "kl_divergence") -> ValueError:
    return ValueError(
        f"Exact ties: {zero}, so the k-NN estimate (k={k}) would be infinite or NaN. "
        f"{dup}If the ties are accidental, pass ties='jitter' (tiny seeded noise; give "
        "rng= for reproducibility) or use a larger k. If the data are discrete or "
        f"rounded, treat them as discrete: klstats.{remedy} on counts from "
        "klstats.tabulate."
    )


def _duplicates_text(x: np.ndarray, y: np.ndarray | None = None) -> str:
    parts = []
    within = count_duplicate_rows(x)
    if within:
        parts.append(f"{within} point(s) of `x` repeat another one")
    if y is not None:
        shared = count_duplicate_rows(x, y)
        if shared:
            parts.append(f"{shared} point(s) of `x` coincide with points of `y`")
    return "; ".join(parts) + ". " if parts else ""


def _standard_options(k: int, ties: str, standardize: str | None, **more: Any) -> dict:
    out: dict[str, Any] = {"k": k}
    out.update(more)
    out["ties"] = ties
    out["standardize"] = standardize or "none"
    return out


def _result(
    value: float,
    key: str,
    units: Any,
    nobs: int,
    quantity: str,
    sizes: tuple[int, ...],
    options: dict[str, Any],
    inference: KnnInference,
    notes: Sequence[str] = (),
) -> KLEstimate:
    return KLEstimate(
        estimate=value / units.divisor,
        estimator=key,
        units=units.name,
        nobs=nobs,
        bse=math.nan,
        quantity=quantity,
        sizes=sizes,
        options=options,
        notes=tuple(notes),
        _inference=inference,
        _divisor=units.divisor,
    )


def _jitter_note(count: int, n: int, d: int | None) -> str:
    """Summary note after jittering; warns when the tied points drive the estimate.

    A tied point's jittered distance is ~JITTER_SCALE times the spread, so for KL and
    entropy it moves the estimate by about d log(1/JITTER_SCALE) / n (23 d / n nats).
    For KSG (``d=None``) the effect is milder; there more than 1% tied points warn.
    """
    shift = math.nan if d is None else count * d * math.log(1 / JITTER_SCALE) / n
    if (d is None and count > _MANY_TIES * n) or shift > _TIE_SHIFT:
        size = "" if d is None else f" (by up to about {shift:.2g} nats)"
        warnings.warn(
            f"{count} of {n} points had k-NN distances of zero before jittering; their "
            f"jittered distances reflect the noise scale, not the data, and move the "
            f"estimate{size}. Use a larger k, or treat the data as discrete "
            "(klstats.tabulate and the count estimators).",
            DegenerateDataWarning,
            stacklevel=3,
        )
    return (
        f"Ties broken with N(0, ({JITTER_SCALE:g} x spread)^2) noise; {count} distance(s) "
        "were zero before."
    )


# =========================================================================== reference


def _is_discrete_distribution(obj: Any) -> bool:
    if hasattr(obj, "pmf") and not hasattr(obj, "pdf"):
        return True
    return any(c.__name__ == "DiscreteDistribution" for c in type(obj).__mro__)


def _reference_log_q(reference: Any, d: int) -> Callable[[np.ndarray], np.ndarray]:
    """``x -> log q(x_i)`` for a frozen scipy.stats continuous distribution."""
    if _is_discrete_distribution(reference):
        raise TypeError(
            "`reference` is a discrete distribution; for counts use klstats.kl_divergence."
        )
    if not callable(getattr(reference, "logpdf", None)):
        raise TypeError(
            "`reference` must be a frozen scipy.stats continuous distribution (anything "
            f"with a `logpdf` method); got {type(reference).__name__}."
        )
    dim = getattr(reference, "dim", None)
    if isinstance(dim, int | np.integer) and dim != d:
        raise ValueError(
            f"`reference` is a {int(dim)}-dimensional distribution but `x` has d={d} column(s)."
        )

    def log_q(x: np.ndarray) -> np.ndarray:
        arg = x[:, 0] if d == 1 else x
        out = np.asarray(reference.logpdf(arg), dtype=float)
        if out.size != x.shape[0] or (out.ndim > 1 and out.shape != (x.shape[0], 1)):
            raise ValueError(
                f"`reference.logpdf` returned shape {out.shape} for {x.shape[0]} points in "
                f"d={d} dimensions: a univariate `reference` needs 1-D `x`; for d > 1 "
                "pass a multivariate distribution (e.g. scipy.stats.multivariate_normal)."
            )
        return out.reshape(x.shape[0])

    return log_q


def _describe_reference(reference: Any) -> str:
    dist = getattr(reference, "dist", None)
    name = getattr(dist, "name", None) or type(reference).__name__
    return str(name).replace("_frozen", "")


# =========================================================================== public API


def kl_divergence_knn(
    x: Any,
    y: Any = None,
    *,
    reference: Any = None,
    k: int = 1,
    estimator: str = "wang",
    base: float | None = None,
    ties: str = "raise",
    standardize: bool | str = False,
    algorithm: str = "auto",
    max_k: int | None = _DEFAULT_MAX_K,
    workers: int = -1,
    rng: Any = None,
) -> KLEstimate:
    r"""Kullback-Leibler divergence D(P||Q) from continuous samples, by k-NN distances.

    Two-sample: ``x`` ~ P and ``y`` ~ Q. One-sample: ``reference`` is the known Q.
    Exactly one of ``y`` and ``reference`` is given.

    Parameters
    ----------
    x : array_like, pandas DataFrame or Dask array, shape (n,) or (n, d)
        Sample from P, one row per observation. Dask arrays (or DataFrames) are queried
        block by block by Dask, with the same result (``estimator="wang"``; see the
        guide page "Data larger than memory").
    y : array_like, pandas DataFrame or Dask array, shape (m,) or (m, d), optional
        Sample from Q, with the same number of columns ``d``.
    reference : frozen scipy.stats continuous distribution, optional
        Known Q: anything with a ``logpdf`` method, univariate (``d = 1``) or
        multivariate (e.g. ``scipy.stats.multivariate_normal(mean, cov)``).
    k : int, optional
        Neighbour order (default 1), ``1 <= k < n`` and ``k <= m``. For
        ``estimator="adaptive"`` it sets the radius of the common ball (1 is Wang et
        al.'s choice).
    estimator : {"wang", "adaptive"}, optional
        ``"wang"`` (default): Wang, Kulkarni & Verdú (2009) eq. 5 (one-sample: the
        k-NN density form below). ``"adaptive"``: their bias-reduced estimator with
        point-dependent neighbour counts (eq. 17 with the choice of eq. 29; two
        samples only).
    base : float, optional
        Logarithm base; None (default) gives nats, 2 bits.
    ties : {"raise", "jitter"}, optional
        What to do when exact ties make a neighbour distance zero (the estimate
        would be infinite or NaN). ``"raise"`` (default): a ValueError saying how many
        points are duplicated. ``"jitter"``: add N(0, (1e-10 s_j)^2) noise to every
        coordinate, s_j the pooled standard deviation of coordinate j, drawn from
        ``rng``, and estimate again; data without such ties are used as they are.
    standardize : bool or {"scale", "whiten"}, optional
        Transform x and y with ONE pooled linear map before the neighbour search:
        ``True``/``"scale"`` divides each coordinate by its pooled standard
        deviation, ``"whiten"`` multiplies by the inverse Cholesky factor of the
        pooled covariance. Default False. One-sample: the map is estimated from ``x``
        and its Jacobian is accounted for, so ``reference`` is used unchanged.
    algorithm : {"auto", "kd-tree", "brute"}, optional
        Neighbour search for the fixed-k estimators: a KD-tree, or blocked brute force
        (matrix products). ``"auto"`` (default) uses brute force from d = 12 on,
        where it is faster. The adaptive estimator always uses KD-trees.
    max_k : int or None, optional
        Adaptive estimator only: cap on the point-dependent neighbour counts (default
        50, as in R's kldest; None for no cap). Without a cap, widely separated
        samples cost O(n^2).
    workers : int, optional
        Threads for the neighbour search; -1 (default) uses all cores.
    rng : `numpy.random.Generator`, optional
        Pseudorandom number generator state, used only by ``ties="jitter"``. When
        `rng` is None, a new generator is created using entropy from the operating
        system. Types other than `numpy.random.Generator` are passed to
        `numpy.random.default_rng` to instantiate a ``Generator``.

    Returns
    -------
    KLEstimate
        ``estimate`` (in ``units``; not clipped at 0), ``bse`` (nan), ``options`` (k,
        n, m, d, metric, ties, standardize, algorithm, ...) shown in ``summary()``.
        ``conf_int()`` comes from subsampling without replacement (the only method).

    Raises
    ------
    ValueError
        For empty input, NaN or inf, different numbers of columns, ``k < 1``,
        ``k >= n`` or ``k > m``, both or neither of ``y`` and ``reference``, an unknown
        option value, ``estimator="adaptive"`` with ``reference``, or exact ties with
        ``ties="raise"``.
    TypeError
        For non-numeric data or a ``reference`` without ``logpdf`` (or a discrete one).

    Warns
    -----
    DegenerateDataWarning
        When a column of ``x`` or ``y`` is constant (the data have no density in d
        dimensions), or when ``ties="jitter"`` broke so many ties that the jittered
        distances can move the estimate by more than 0.01 nats.
    InfiniteEstimateWarning
        One-sample, when ``reference`` has zero density at some point of ``x``: the
        estimate is inf, returned as is.

    See Also
    --------
    entropy_knn, mutual_information_knn, kl_divergence : counts.

    Notes
    -----
    With :math:`\rho_k(i)` the distance from :math:`x_i` to its k-th nearest
    neighbour among the other points of x and :math:`\nu_k(i)` the distance to its
    k-th nearest neighbour in y (Euclidean), Wang et al.'s estimator is

    .. math:: \hat D = \frac{d}{n}\sum_{i=1}^n \log\frac{\nu_k(i)}{\rho_k(i)}
              + \log\frac{m}{n-1}.

    R's ``FNN::KL.divergence`` uses :math:`\log(m/n)`; the two differ by
    :math:`\log(n/(n-1))`. The adaptive estimator takes
    :math:`\varepsilon(i) = \max(\rho_k(i), \nu_k(i))`, counts :math:`l_i` points of
    x (other than :math:`x_i`) and :math:`k_i` points of y within
    :math:`\varepsilon(i)` and uses

    .. math:: \hat D = \frac{d}{n}\sum_i \log\frac{\nu_{k_i}(i)}{\rho_{l_i}(i)}
              + \frac1n\sum_i\left[\psi(l_i) - \psi(k_i)\right] + \log\frac{m}{n-1},

    computed with KD-tree radius counts in O(n log n) (counts are capped at
    ``max_k``). One-sample, with the k-NN density estimate
    :math:`\log\hat p(x_i) = \psi(k) - \log(n-1) - \log V_d - d\log\rho_k(i)`
    (:math:`V_d` the volume of the unit ball; :math:`\psi(k)` in place of
    :math:`\log k` removes the bias of the log density, Pérez-Cruz 2008, eq. 18):

    .. math:: \hat D = \frac1n\sum_i\left[\log\hat p(x_i) - \log q(x_i)\right].

    All three are consistent for fixed k, but large divergences are strongly
    underestimated at moderate n, more so for larger k (e.g. the truth 4.5 of
    N(0,1) vs N(3,1) is estimated near 4.0 with n = m = 1000, k = 1). k-NN
    estimates are not affine invariant (only rotations, translations and a common
    scale leave them unchanged): standardise x and y with the same pooled map, never
    separately, since separate scaling removes differences that are part of D.

    The result keeps a reference to the samples (for subsampling intervals);
    do not modify them in place afterwards.

    References
    ----------
    .. [1] Wang, Q., Kulkarni, S. R. and Verdú, S. "Divergence estimation for
           multidimensional densities via k-nearest-neighbor distances", IEEE
           Transactions on Information Theory 55(5), 2392-2405 (2009).
    .. [2] Pérez-Cruz, F. "Kullback-Leibler divergence estimation of continuous
           distributions", Proc. IEEE ISIT 2008, 1666-1670 (2008).

    Examples
    --------
    >>> import numpy as np
    >>> import klstats as kls
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(0.0, 1.0, size=2000)
    >>> y = rng.normal(1.0, 1.0, size=2000)
    >>> d = kls.kl_divergence_knn(x, y, k=5)
    >>> print(f"{d.estimate:.3f} {d.units}")  # truth 0.5
    0.491 nats
    >>> from scipy import stats
    >>> d1 = kls.kl_divergence_knn(x, reference=stats.norm(1.0, 1.0), k=5)
    >>> print(f"{d1.estimate:.3f}")
    0.512
    """
    units = check_base(base)
    if (y is None) == (reference is None):
        raise ValueError(
            "Give exactly one of `y` (a sample from Q) and `reference` (a known "
            "continuous distribution Q)."
        )
    key = check_choice(estimator, "estimator", ("wang", "adaptive"))
    ties = check_choice(ties, "ties", ("raise", "jitter"))
    std = _check_standardize(standardize)
    alg_choice = _check_algorithm(algorithm)
    workers = _check_workers(workers)
    if max_k is not None:
        max_k = check_int(max_k, "max_k", minimum=1)
    if is_dask(x) or is_dask(y):
        from .._adapters._dask import kl_divergence_knn as dask_kl

        return dask_kl(x, y, reference, k, key, units, ties, std, alg_choice, workers, rng)
    xs = as_samples(x, "x", copy=False)
    n, d = xs.shape
    if reference is not None:
        if key == "adaptive":
            raise ValueError(
                "estimator='adaptive' needs a second sample `y`; with a known `reference` "
                "use estimator='wang'."
            )
        return _kl_one_sample(xs, reference, k, units, ties, std, alg_choice, workers, rng)
    ys = as_samples(y, "y", copy=False)
    m = ys.shape[0]
    if ys.shape[1] != d:
        raise ValueError(
            f"`x` and `y` must have the same number of columns (dimension); got d={d} "
            f"and {ys.shape[1]}."
        )
    k = _check_k(k, n, m)
    _warn_constant(xs, "x")
    _warn_constant(ys, "y")
    if std is not None:
        a, _ = _linear_map(np.concatenate((xs, ys)), std, "`x` and `y` (pooled)")
        xs, ys = xs @ a, ys @ a
    alg = "kd-tree" if key == "adaptive" else _resolve(alg_choice, d)

    def compute(xa, ya):
        if key == "wang":
            rho, nu = _pair_distances(xa, ya, k, alg, workers)
            return rho, nu, None
        rho_l, nu_k, lc, kc, capped = _adaptive_parts(xa, ya, k, max_k, workers)
        return rho_l, nu_k, (lc, kc, capped)

    rho, nu, extra = compute(xs, ys)
    notes = []
    zero_rho, zero_nu = int(np.count_nonzero(rho == 0)), int(np.count_nonzero(nu == 0))
    if zero_rho or zero_nu:
        zero = " and ".join(
            f"{count} point(s) of `x` have their k-th nearest neighbour in `{where}` at distance 0"
            for count, where in ((zero_rho, "x"), (zero_nu, "y"))
            if count
        )
        if ties == "raise":
            raise _ties_error(zero, k, _duplicates_text(xs, ys))
        xs, ys = _jitter((xs, ys), check_rng(rng))
        rho, nu, extra = compute(xs, ys)
        if np.any(rho == 0) or np.any(nu == 0):
            raise _ties_error(zero + " (also after jittering)", k, _duplicates_text(xs, ys))
        notes.append(_jitter_note(zero_rho + zero_nu, n, d))
    if key == "wang":
        value = _wang_value(rho, nu, d, m)
        stat = partial(_wang_nats, k=k, algorithm=alg, workers=workers)
        more = {"n": n, "m": m, "d": d, "metric": "euclidean", "algorithm": alg}
    else:
        lc, kc, capped = extra
        value = _adaptive_value(rho, nu, lc, kc, d, m)
        stat = partial(_adaptive_nats, k=k, max_k=max_k, workers=workers)
        more = {"n": n, "m": m, "d": d, "metric": "euclidean", "max_k": max_k or "none"}
        if capped:
            notes.append(f"Neighbour counts capped at max_k={max_k} for {capped} point(s).")
    inference = KnnInference(value, (_readonly(xs), _readonly(ys)), "two", stat)
    return _result(
        value,
        key,
        units,
        n + m,
        "KL divergence D(P||Q)",
        (n, m),
        _standard_options(k, ties, std, **more),
        inference,
        notes,
    )


def _kl_one_sample(xs, reference, k, units, ties, std, alg_choice, workers, rng) -> KLEstimate:
    n, d = xs.shape
    k = _check_k(k, n)
    log_q = _reference_log_q(reference, d)
    lq = log_q(xs)
    if np.any(np.isnan(lq)) or np.any(lq == np.inf):
        raise ValueError("`reference.logpdf` returned NaN or +inf at points of `x`.")
    _warn_constant(xs, "x")
    transform, log_jac = None, 0.0
    if std is not None:
        a, log_jac = _linear_map(xs, std, "`x`")
        transform = partial(_apply_map, a=a)
    alg = _resolve(alg_choice, d)
    zs = xs if transform is None else transform(xs)
    rho = _self_distances(zs, k, alg, workers)
    notes = []
    zero = int(np.count_nonzero(rho == 0))
    if zero:
        text = f"{zero} point(s) of `x` have their k-th nearest neighbour at distance 0"
        if ties == "raise":
            raise _ties_error(text, k, _duplicates_text(xs))
        xs = _jitter((xs,), check_rng(rng))[0]
        lq = log_q(xs)
        zs = xs if transform is None else transform(xs)
        rho = _self_distances(zs, k, alg, workers)
        if np.any(rho == 0):
            raise _ties_error(text + " (also after jittering)", k, _duplicates_text(xs))
        notes.append(_jitter_note(zero, n, d))
    value = _log_density_terms(rho, k, d) + log_jac - float(np.mean(lq))
    if math.isinf(value):
        warnings.warn(
            "The KL divergence estimate is infinite: `reference` has zero density at "
            f"{int(np.count_nonzero(np.isneginf(lq)))} point(s) of `x` (P is not "
            "absolutely continuous with respect to Q).",
            InfiniteEstimateWarning,
            stacklevel=3,
        )
    stat = partial(
        _one_sample_nats,
        log_q=log_q,
        k=k,
        log_jacobian=log_jac,
        transform=transform,
        algorithm=alg,
        workers=workers,
    )
    more = {
        "n": n,
        "d": d,
        "reference": _describe_reference(reference),
        "metric": "euclidean",
        "algorithm": alg,
    }
    inference = KnnInference(value, (_readonly(xs),), "one", stat)
    return _result(
        value,
        "wang",
        units,
        n,
        "KL divergence D(P||Q)",
        (n,),
        _standard_options(k, ties, std, **more),
        inference,
        notes,
    )


def entropy_knn(
    x: Any,
    *,
    k: int = 3,
    base: float | None = None,
    ties: str = "raise",
    standardize: bool | str = False,
    algorithm: str = "auto",
    workers: int = -1,
    rng: Any = None,
) -> KLEstimate:
    r"""Differential entropy H(P) from a continuous sample (Kozachenko-Leonenko).

    Parameters
    ----------
    x : array_like, pandas DataFrame or Dask array, shape (n,) or (n, d)
        Sample from P, one row per observation (a Dask array is queried block by block
        by Dask, with the same result).
    k : int, optional
        Neighbour order, ``1 <= k < n`` (default 3).
    base : float, optional
        Logarithm base; None (default) gives nats, 2 bits.
    ties : {"raise", "jitter"}, optional
        As in :func:`kl_divergence_knn`: duplicated points make a distance zero and
        the estimate -inf; ``"raise"`` (default) or ``"jitter"`` (tiny seeded noise).
    standardize : bool or {"scale", "whiten"}, optional
        Estimate on linearly transformed data z = A x (coordinates divided by their
        standard deviations, or whitened) and add back log|det A^{-1}|. Default False.
    algorithm : {"auto", "kd-tree", "brute"}, optional
        Neighbour search, as in :func:`kl_divergence_knn`.
    workers : int, optional
        Threads for the neighbour search; -1 (default) uses all cores.
    rng : `numpy.random.Generator`, optional
        Pseudorandom number generator state, used only by ``ties="jitter"``. When
        `rng` is None, a new generator is created using entropy from the operating
        system. Types other than `numpy.random.Generator` are passed to
        `numpy.random.default_rng` to instantiate a ``Generator``.

    Returns
    -------
    KLEstimate
        ``estimate`` in ``units`` (differential entropy: may be negative), ``bse``
        (nan), ``options`` (k, n, d, metric, ...).

    Raises
    ------
    ValueError
        For empty input, NaN or inf, ``k < 1`` or ``k >= n``, an unknown option value,
        or exact ties with ``ties="raise"``.
    TypeError
        For non-numeric data.

    Warns
    -----
    DegenerateDataWarning
        When a column of ``x`` is constant, or when ``ties="jitter"`` broke ties that
        can move the estimate by more than 0.01 nats.

    See Also
    --------
    kl_divergence_knn, mutual_information_knn, entropy : counts.

    Notes
    -----
    .. math:: \hat H = \psi(n) - \psi(k) + \log V_d + \frac{d}{n}\sum_{i=1}^n
              \log\rho_k(i),

    with :math:`\rho_k(i)` the Euclidean distance from :math:`x_i` to its k-th
    nearest neighbour among the other points and :math:`V_d = \pi^{d/2}/\Gamma(d/2+1)`
    the volume of the unit ball (the form of Kraskov et al. 2004 and of R's
    ``FNN::entropy``). The bias decays like :math:`n^{-2/d}` and boundaries make it
    large in high dimension (uniform data on the unit cube are overestimated by
    about 0.5 nats in d = 5 at n = 1000).

    References
    ----------
    .. [1] Kozachenko, L. F. and Leonenko, N. N. "Sample estimate of the entropy of a
           random vector", Problems of Information Transmission 23(2), 95-101 (1987).
    .. [2] Kraskov, A., Stögbauer, H. and Grassberger, P. "Estimating mutual
           information", Physical Review E 69, 066138 (2004).

    Examples
    --------
    >>> import numpy as np
    >>> import klstats as kls
    >>> x = np.random.default_rng(2).normal(size=5000)
    >>> h = kls.entropy_knn(x)
    >>> print(f"{h.estimate:.3f}")  # truth log(2 pi e)/2 = 1.419
    1.430
    """
    units = check_base(base)
    ties = check_choice(ties, "ties", ("raise", "jitter"))
    std = _check_standardize(standardize)
    alg_choice = _check_algorithm(algorithm)
    workers = _check_workers(workers)
    if is_dask(x):
        from .._adapters._dask import entropy_knn as dask_entropy

        return dask_entropy(x, k, units, ties, std, alg_choice, workers, rng)
    xs = as_samples(x, "x", copy=False)
    n, d = xs.shape
    k = _check_k(k, n)
    _warn_constant(xs, "x")
    log_jac = 0.0
    if std is not None:
        a, log_det = _linear_map(xs, std, "`x`")
        xs, log_jac = xs @ a, -log_det
    alg = _resolve(alg_choice, d)
    rho = _self_distances(xs, k, alg, workers)
    notes = []
    zero = int(np.count_nonzero(rho == 0))
    if zero:
        text = f"{zero} point(s) of `x` have their k-th nearest neighbour at distance 0"
        if ties == "raise":
            raise _ties_error(text, k, _duplicates_text(xs), remedy="entropy")
        xs = _jitter((xs,), check_rng(rng))[0]
        rho = _self_distances(xs, k, alg, workers)
        if np.any(rho == 0):
            raise _ties_error(text + " (also after jittering)", k, _duplicates_text(xs))
        notes.append(_jitter_note(zero, n, d))
    value = _kl_entropy_value(rho, k, d) + log_jac
    stat = partial(_entropy_nats, k=k, log_jacobian=log_jac, algorithm=alg, workers=workers)
    more = {"n": n, "d": d, "metric": "euclidean", "algorithm": alg}
    return _result(
        value,
        "kozachenko-leonenko",
        units,
        n,
        "differential entropy H(P)",
        (n,),
        _standard_options(k, ties, std, **more),
        KnnInference(value, (_readonly(xs),), "one", stat),
        notes,
    )


def mutual_information_knn(
    x: Any,
    y: Any,
    *,
    k: int = 3,
    estimator: str = "ksg1",
    base: float | None = None,
    ties: str = "raise",
    standardize: bool | str = False,
    workers: int = -1,
    rng: Any = None,
) -> KLEstimate:
    r"""Mutual information I(X;Y) from paired continuous samples (Kraskov et al.).

    Parameters
    ----------
    x : array_like or pandas DataFrame, shape (n,) or (n, d_x)
        Observations of X, one row per observation.
    y : array_like or pandas DataFrame, shape (n,) or (n, d_y)
        Observations of Y, paired row by row with ``x``.
    k : int, optional
        Neighbour order in the joint space, ``1 <= k < n`` (default 3).
    estimator : {"ksg1", "ksg2"}, optional
        Kraskov-Stögbauer-Grassberger algorithm 1 (default) or 2, with the max-norm.
    base : float, optional
        Logarithm base; None (default) gives nats, 2 bits.
    ties : {"raise", "jitter"}, optional
        Duplicated (x, y) pairs make the joint distance zero: ``"raise"`` (default)
        or ``"jitter"`` (tiny seeded noise, as in :func:`kl_divergence_knn`).
    standardize : bool or {"scale", "whiten"}, optional
        Transform x and y, each with its own linear map (coordinates divided by their
        standard deviations, or whitened); I(X;Y) is invariant under such maps but
        the estimate is not. Default False.
    workers : int, optional
        Threads for the neighbour search; -1 (default) uses all cores.
    rng : `numpy.random.Generator`, optional
        Pseudorandom number generator state, used only by ``ties="jitter"``. When
        `rng` is None, a new generator is created using entropy from the operating
        system. Types other than `numpy.random.Generator` are passed to
        `numpy.random.default_rng` to instantiate a ``Generator``.

    Returns
    -------
    KLEstimate
        ``estimate`` in ``units`` (never clipped at 0: near-independent data give small
        negative values), ``bse`` (nan), ``options`` (k, n, d_x, d_y, metric, ...).

    Raises
    ------
    ValueError
        For empty input, NaN or inf, ``x`` and ``y`` of different lengths, ``k < 1``
        or ``k >= n``, an unknown option value, or exact ties with ``ties="raise"``.
    TypeError
        For non-numeric data.

    Warns
    -----
    DegenerateDataWarning
        When a column of ``x`` or ``y`` is constant, or when ``ties="jitter"`` broke
        the ties of more than 1% of the points.

    See Also
    --------
    kl_divergence_knn, entropy_knn, mutual_information : counts.

    Notes
    -----
    In the joint space z = (x, y) with the max-norm, let :math:`\varepsilon(i)` be the
    distance from :math:`z_i` to its k-th nearest neighbour. Algorithm 1 counts
    :math:`n_x(i) = \#\{j \ne i: \|x_j - x_i\| < \varepsilon(i)\}` (strictly; likewise
    :math:`n_y`) and estimates

    .. math:: \hat I_1 = \psi(k) + \psi(n) - \langle \psi(n_x + 1) + \psi(n_y + 1)
              \rangle.

    Algorithm 2 takes :math:`\varepsilon_x(i)`, the largest x-distance among the k
    joint neighbours, counts :math:`n_x(i) = \#\{j \ne i: \|x_j - x_i\| \le
    \varepsilon_x(i)\}` (likewise :math:`n_y`) and estimates

    .. math:: \hat I_2 = \psi(k) - 1/k + \psi(n) - \langle \psi(n_x) + \psi(n_y)
              \rangle.

    The max-norm makes the volume constants cancel (with Euclidean norms they do
    not). With tied joint distances (rounded data) the set of k neighbours, and so
    algorithm 2, depends on how the tie is broken; algorithm 1 does not. For
    independent X and Y both estimates scatter around 0; systematic errors grow like
    k/n, and strong dependence needs large samples.
    Estimates are not clipped at 0 (scikit-learn's are), so they can serve as
    statistics of permutation tests and resampling intervals.

    References
    ----------
    .. [1] Kraskov, A., Stögbauer, H. and Grassberger, P. "Estimating mutual
           information", Physical Review E 69, 066138 (2004).

    Examples
    --------
    >>> import numpy as np
    >>> import klstats as kls
    >>> rng = np.random.default_rng(3)
    >>> x = rng.normal(size=3000)
    >>> y = 0.6 * x + 0.8 * rng.normal(size=3000)  # correlation 0.6
    >>> mi = kls.mutual_information_knn(x, y)
    >>> print(f"{mi.estimate:.3f}")  # truth -log(1 - 0.36)/2 = 0.223
    0.227
    """
    units = check_base(base)
    key = check_choice(estimator, "estimator", ("ksg1", "ksg2"))
    ties = check_choice(ties, "ties", ("raise", "jitter"))
    std = _check_standardize(standardize)
    workers = _check_workers(workers)
    xs = as_samples(x, "x", copy=False)
    ys = as_samples(y, "y", copy=False)
    n = xs.shape[0]
    if ys.shape[0] != n:
        raise ValueError(
            f"`x` and `y` must have the same number of rows (paired observations); got "
            f"{n} and {ys.shape[0]}."
        )
    k = _check_k(k, n)
    _warn_constant(xs, "x")
    _warn_constant(ys, "y")
    if std is not None:
        xs = xs @ _linear_map(xs, std, "`x`")[0]
        ys = ys @ _linear_map(ys, std, "`y`")[0]
    variant = 1 if key == "ksg1" else 2

    def compute(xa, ya):
        with np.errstate(divide="ignore", invalid="ignore"):
            return _ksg_parts(xa, ya, k, variant, workers)

    mean_psi, eps = compute(xs, ys)
    notes = []
    zero = int(np.count_nonzero(eps == 0))
    if zero:
        text = (
            f"{zero} point(s) have their k-th nearest neighbour in the joint (x, y) space "
            "at distance 0"
        )
        if ties == "raise":
            joint = np.hstack((xs, ys))
            raise _ties_error(
                text,
                k,
                f"{count_duplicate_rows(joint)} (x, y) pair(s) repeat another one. ",
                remedy="mutual_information",
            )
        gen = check_rng(rng)
        xs, ys = _jitter((xs,), gen)[0], _jitter((ys,), gen)[0]
        mean_psi, eps = compute(xs, ys)
        if np.any(eps == 0):
            raise _ties_error(text + " (also after jittering)", k, "")
        notes.append(_jitter_note(zero, n, None))
    value = _ksg_value(mean_psi, n, k, variant)
    stat = partial(_ksg_nats, k=k, variant=variant, workers=workers)
    more = {"n": n, "d_x": xs.shape[1], "d_y": ys.shape[1], "metric": "max-norm"}
    return _result(
        value,
        key,
        units,
        n,
        "mutual information I(X;Y)",
        (n,),
        _standard_options(k, ties, std, **more),
        KnnInference(value, (_readonly(xs), _readonly(ys)), "paired", stat),
        notes,
    )
