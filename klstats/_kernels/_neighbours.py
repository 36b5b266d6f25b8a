"""Neighbour search for the k-NN estimators, in memory.

scipy's KD-tree in parallel over ``workers`` threads, or a blocked brute-force search
(matrix products) in high dimension, where KD-trees degrade. The estimators describe
what they need as a :class:`Plan` (which samples query which, which neighbour orders,
and a reducer that turns blocks of distances into a few sums); :func:`run_plan` runs it
in memory, block by block, and the Dask adapter runs the same plan on Dask blocks, so
every back end feeds the same formulas. Also here: the point-dependent neighbour counts
of Wang et al.'s adaptive estimator and the max-norm counts of the KSG estimators.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special
from scipy.spatial import cKDTree

__all__: list[str] = []

# Queries run in chunks of this many points taken in the leaf order of a KD-tree built on
# the query points: neighbouring queries then walk the same branches and the tree stays
# in cache (about 3x faster than random order at n = 10^6, d = 5). Small chunks keep the
# copies of query points negligible next to the tree.
CHUNK = 1 << 13
# Sliding-midpoint splits without shrinking the node boxes: builds about twice as fast as
# scipy's default and queries as fast on continuous data (benchmarks/bench_knn.py).
TREE_OPTIONS: dict[str, Any] = {"leafsize": 16, "balanced_tree": False, "compact_nodes": False}
# algorithm="auto" switches to the blocked brute-force search from this dimension on
# (crossover measured with benchmarks/bench_knn.py --crossover).
BRUTE_FORCE_DIM = 12
# elements of one block of the brute-force distance matrix (32 MB of float64)
_BRUTE_ELEMENTS = 1 << 22
# brute force selects up to this many neighbours by repeated row minima, more by partition
_ARGMIN_MAX_K = 16
# A KD-tree ball query compares squared distances, which can round a neighbour found at
# distance r by a k-NN query to just outside the ball of radius r.
RADIUS_SLACK = 1.0 + 1e-12
# queries of fewer points run on one thread
_MIN_PARALLEL = 4096
# rows of distances reduced at once by run_plan (bounds memory at rows x orders)
_REDUCE_ROWS = 1 << 16


# =========================================================================== primitives


def n_threads(workers: int) -> int:
    return (os.cpu_count() or 1) if workers == -1 else workers


def threads_for(workers: int, size: int) -> int:
    # starting threads costs more than a few thousand small queries
    return 1 if size < _MIN_PARALLEL else workers


def tree(a: np.ndarray) -> cKDTree:
    return cKDTree(a, **TREE_OPTIONS)


def resolve_algorithm(algorithm: str, d: int) -> str:
    if algorithm == "auto":
        return "brute" if d >= BRUTE_FORCE_DIM else "kd-tree"
    return algorithm


def kdtree_orders(
    q: np.ndarray,
    order: np.ndarray,
    queries: Sequence[tuple[cKDTree, Sequence[int]]],
    workers: int,
    p: float = 2.0,
) -> list[np.ndarray]:
    """For each ``(tree, orders)``: distances from every row of ``q`` to its neighbours
    of the given orders (1-based, increasing), shape (len(q), len(orders))."""
    n = q.shape[0]
    workers = threads_for(workers, n)
    outs = [np.empty((n, len(ks))) for _, ks in queries]
    for start in range(0, n, CHUNK):
        idx = order[start : start + CHUNK]
        qc = q[idx]
        for out, (t, ks) in zip(outs, queries, strict=True):
            out[idx] = t.query(qc, k=list(ks), p=p, workers=workers)[0].reshape(len(idx), len(ks))
    return outs


def brute_orders(
    q: np.ndarray, ref: np.ndarray, orders: Sequence[int], workers: int
) -> np.ndarray:
    """Neighbour distances of the given orders by blocks of a distance matrix.

    The nearest candidates are selected on |r|^2 - 2 q.r (data centred at the mean of
    ``ref``; |q|^2 does not change the order within a row), then their distances are
    recomputed exactly from coordinate differences and sorted, so that ties give exact
    zeros and small distances keep full precision.
    """
    kk = int(max(orders))
    cols = np.asarray(orders, dtype=np.intp) - 1
    n, m = q.shape[0], ref.shape[0]
    centre = ref.mean(axis=0)
    ref_c = ref - centre
    ref_sq = np.einsum("ij,ij->i", ref_c, ref_c)
    ref_t = np.ascontiguousarray(ref_c.T)
    ref_t *= -2.0
    rows = max(1, _BRUTE_ELEMENTS // m)
    out = np.empty((n, cols.size))

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
        dist = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
        dist.sort(axis=1)
        out[start : start + b] = dist[:, cols]

    starts = range(0, n, rows)
    threads = min(n_threads(workers), len(starts))
    if threads > 1:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(block, starts))
    else:
        for s in starts:
            block(s)
    return out


# =========================================================================== plans


@dataclass(frozen=True)
class Query:
    """Rows of sample ``source`` query sample ``target`` for neighbours of ``orders``
    (1-based). With ``source == target`` the point itself is excluded."""

    source: int
    target: int
    orders: tuple[int, ...]


@dataclass(frozen=True)
class Plan:
    """What an estimator needs from the neighbour search.

    ``queries`` share their source rows: every query's source has the same number of
    rows (the rows of one sample, or paired rows of several). ``reduce(rows, dists)``
    maps a block of source rows (one array per sample in ``query_samples``, the rows of
    that block) and the distances of every query (one (b, len(orders)) array each) to a
    1-D array of partial results; ``combine(a, b)`` merges two partial results (sums
    and pooled moments), so blocks can be reduced in any grouping.
    """

    queries: tuple[Query, ...]
    reduce: Callable[[list[np.ndarray], list[np.ndarray]], np.ndarray]
    combine: Callable[[np.ndarray, np.ndarray], np.ndarray]
    row_samples: tuple[int, ...]


def _orders(q: Query) -> list[int]:
    # within a sample the point itself is its own first neighbour
    return [o + 1 for o in q.orders] if q.source == q.target else list(q.orders)


def run_plan(
    samples: Sequence[np.ndarray], plan: Plan, algorithm: str, workers: int
) -> np.ndarray:
    """Run ``plan`` on in-memory samples (Euclidean norm), block by block of source
    rows (memory: a block of distances, never all n x k of them)."""
    src = plan.queries[0].source
    n = samples[src].shape[0]
    trees: dict[int, cKDTree] = {}
    if algorithm == "brute":
        order = np.arange(n)
    else:
        for q in plan.queries:
            for s in (q.source, q.target):
                if s not in trees:
                    trees[s] = tree(samples[s])
        order = trees[src].indices
    out = None
    for start in range(0, n, _REDUCE_ROWS):
        idx = order[start : start + _REDUCE_ROWS]
        if algorithm == "brute":
            dists = [
                brute_orders(samples[q.source][idx], samples[q.target], _orders(q), workers)
                for q in plan.queries
            ]
        else:
            dists = []
            for q in plan.queries:
                rows = samples[q.source][idx]
                dists.append(
                    kdtree_orders(
                        rows, np.arange(idx.size), [(trees[q.target], _orders(q))], workers
                    )[0]
                )
        part = plan.reduce([samples[s][idx] for s in plan.row_samples], dists)
        out = part if out is None else plan.combine(out, part)
    assert out is not None
    return out


# =========================================================================== adaptive (Wang)


def adaptive_parts(
    x: np.ndarray, y: np.ndarray, k: int, max_k: int | None, workers: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Point-dependent l_i, k_i and the matching distances (Wang et al. 2009, eq. 29).

    eps(i) = max(rho_k(i), nu_k(i)); l_i = #{j != i: |x_j - x_i| <= eps(i)},
    k_i = #{j: |y_j - x_i| <= eps(i)}, each capped at ``max_k``; rho_{l_i}(i) and
    nu_{k_i}(i) are then the largest distances inside the common ball.
    """
    tx, ty = tree(x), tree(y)
    order = tx.indices
    rho, nu = (a[:, 0] for a in kdtree_orders(x, order, [(tx, [k + 1]), (ty, [k])], workers))
    eps = np.maximum(rho, nu)
    n = x.shape[0]
    ball_workers = threads_for(workers, n)
    eps *= RADIUS_SLACK
    lcount = np.empty(n, dtype=np.int64)
    kcount = np.empty(n, dtype=np.int64)
    for start in range(0, n, CHUNK):
        idx = order[start : start + CHUNK]
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
    t: cKDTree,
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
                dist = t.query(q[s], k=kk, workers=threads_for(workers, s.size))[0]
                out[s] = dist.reshape(s.size, kk)[np.arange(s.size), w - 1]
    return out


# =========================================================================== KSG (max-norm)


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
    t = tree(a)
    order = t.indices
    radius = np.nextafter(r, 0.0) if strict else r  # max-norm distances are exact
    out = np.empty(a.shape[0], dtype=np.int64)
    for start in range(0, a.shape[0], CHUNK):
        idx = order[start : start + CHUNK]
        out[idx] = t.query_ball_point(
            a[idx], radius[idx], p=np.inf, return_length=True, workers=workers
        )
    return out


def ksg_parts(
    x: np.ndarray, y: np.ndarray, k: int, variant: int, workers: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-point digamma terms psi(n_x + 1), psi(n_y + 1) (algorithm 1) or psi(n_x),
    psi(n_y) (algorithm 2) of the KSG estimators, and the joint distances."""
    z = np.hstack((x, y))
    tz = tree(z)
    order = tz.indices
    n = z.shape[0]
    workers = threads_for(workers, n)
    eps = np.empty(n)
    if variant == 2:
        rx, ry = np.empty(n), np.empty(n)
    for start in range(0, n, CHUNK):
        idx = order[start : start + CHUNK]
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
        return special.digamma(nx), special.digamma(ny), eps
    nx = _marginal_counts(x, rx, False, workers)
    ny = _marginal_counts(y, ry, False, workers)
    return special.digamma(nx - 1), special.digamma(ny - 1), eps
