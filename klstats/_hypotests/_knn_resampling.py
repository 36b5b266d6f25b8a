"""Resampling tests with k-NN statistics: the two-sample permutation test and the
one-sample Monte Carlo test of :func:`klstats.kl_test` on continuous samples, and the
permutation test of independence of :func:`klstats.independence_test` with a KSG
statistic.

The statistic is whatever :func:`klstats.kl_divergence_knn` computes (the weighted
estimator by default, or Wang's fixed-k or adaptive one); the tests read its resolved
options from the typed :class:`~klstats._estimators._knn.KnnSetup` of the estimate.

Permutation speed-up (two samples): a permutation only relabels the pooled sample, so
the neighbours of every pooled point are found once, with enough of them (L) that the
k-th neighbour of either label is almost surely among them. Each permutation then
reads its within-sample distance rho_k(i) and between-sample distance nu_k(i) off that
list by walking the labels; only the rare points whose list runs short are queried
again, with a longer list. Every permuted statistic is exactly the estimator applied
to the permuted samples.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from scipy import special, stats
from scipy.spatial import cKDTree

from .._estimators._knn import kl_divergence_knn, mutual_information_knn
from .._estimators._knn_core import KnnSetup
from .._inference._resampling import run_chunks, spawn
from .._kernels._knn_prep import jitter
from .._kernels._knn_weights import default_k
from .._kernels._neighbours import RADIUS_SLACK as _RADIUS_SLACK
from .._kernels._neighbours import TREE_OPTIONS as _TREE_OPTIONS
from .._results._classes import KLEstimate
from .._results._test_results import ResamplingTestResult
from ._resampling_result import _result

__all__: list[str] = []

# permutations evaluated together (arrays of batch x n x L)
_BATCH_ELEMENTS = 1 << 21
# neighbour lists longer than this many entries in total are not stored
_MAX_LIST_ENTRIES = 60_000_000
# expected number of points per permutation whose list runs short
_SHORT_PER_PERMUTATION = 0.05


# =========================================================================== neighbour lists


def list_length(n: int, m: int, k: int, adaptive: bool) -> int:
    """Neighbours to store per pooled point: the smallest L for which a point's k-th
    neighbour of either label lies beyond the list in fewer than
    ``_SHORT_PER_PERMUTATION`` points per permutation (binomial approximation of the
    labels of a point's neighbours)."""
    N = n + m
    px, py = (n - 1) / (N - 1), m / (N - 1)
    # the first L in k..N-2 that passes, searched in blocks of doubling length (one
    # vectorised binomial cdf per block); N - 1 if none does
    L, start, size = N - 1, k, 64
    while start < N - 1:
        Ls = np.arange(start, min(start + size, N - 1))
        short = stats.binom.cdf(k - 1, Ls, px) + stats.binom.cdf(k - 1, Ls, py)
        ok = np.flatnonzero(N * short <= _SHORT_PER_PERMUTATION)
        if ok.size:
            L = int(Ls[ok[0]])
            break
        start, size = start + size, 2 * size
    if adaptive:
        L = max(L, 2 * k + 8)
    return min(L, N - 1)


class NeighbourLists:
    """Sorted neighbours (self excluded) of every point of the pooled sample."""

    def __init__(self, pooled: np.ndarray, L: int, workers: int = -1) -> None:
        self.pooled = pooled
        self.tree = cKDTree(pooled, **_TREE_OPTIONS)
        self.N = pooled.shape[0]
        self.workers = workers
        dist, idx = self.tree.query(pooled, k=L + 1, workers=workers)
        self.dist, self.idx = self._drop_self(dist, idx, np.arange(self.N))
        with np.errstate(divide="ignore"):
            self.logd = np.log(self.dist)
        # column-major copies: the permutation walk reads one column at a time
        self.idx_t = np.ascontiguousarray(self.idx.T)
        self.logd_t = np.ascontiguousarray(self.logd.T)
        self.L = L

    @staticmethod
    def _drop_self(dist, idx, rows):
        # without exact duplicates the point itself is the unique first neighbour
        dist, idx = dist.reshape(len(rows), -1), idx.reshape(len(rows), -1)
        return np.ascontiguousarray(dist[:, 1:]), np.ascontiguousarray(idx[:, 1:], np.int32)

    def longer(self, rows: np.ndarray, L: int) -> tuple[np.ndarray, np.ndarray]:
        L = min(L, self.N - 1)
        dist, idx = self.tree.query(self.pooled[rows], k=L + 1, workers=1)
        return self._drop_self(dist, idx, rows)


def _kth_position(labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Index of the k-th True along the last axis, and whether there is one."""
    if k == 1:
        pos = labels.argmax(axis=-1)
        ok = np.take_along_axis(labels, pos[..., None], axis=-1)[..., 0]
        return pos, ok
    c = np.cumsum(labels, axis=-1, dtype=np.int32)
    return (c >= k).argmax(axis=-1), c[..., -1] >= k


def _count_position(labels: np.ndarray, count: np.ndarray) -> np.ndarray:
    c = np.cumsum(labels, axis=-1, dtype=np.int32)
    return (c >= count[..., None]).argmax(axis=-1)


def _weighted_terms(logd, lab, w):
    """sum_j w_j (log nu_j - log rho_j) per row from sorted lists, and whether every
    order up to K = len(w) of both labels is in the list."""
    cx = np.cumsum(lab, axis=-1, dtype=np.int32)
    cy = np.cumsum(~lab, axis=-1, dtype=np.int32)
    K = w.size
    ok = (cx[..., -1] >= K) & (cy[..., -1] >= K)
    acc = np.zeros(lab.shape[:-1])
    for j in np.flatnonzero(w):
        px = (cx >= j + 1).argmax(axis=-1)
        py = (cy >= j + 1).argmax(axis=-1)
        lx = np.take_along_axis(logd, px[..., None], axis=-1)[..., 0]
        ly = np.take_along_axis(logd, py[..., None], axis=-1)[..., 0]
        acc = acc + w[j] * (ly - lx)
    return acc, ok


def _walk(dist, logd, lab, k, adaptive, cap, complete, w=None):
    """Per-point terms of the weighted (or fixed-k) or adaptive Wang statistic from
    neighbour lists.

    ``lab`` is True where the neighbour belongs to the permuted x sample. Returns
    (sum_j w_j (log nu_j - log rho_j) or its adaptive analogue, psi(l) - psi(k_i), ok);
    ``ok`` is False where the list is too short to decide.
    """
    if not adaptive:
        t, ok = _weighted_terms(logd, lab, w)
        return t, 0.0, ok
    px, okx = _kth_position(lab, k)
    py, oky = _kth_position(~lab, k)
    ok = okx & oky
    rho = np.take_along_axis(dist, px[..., None], axis=-1)[..., 0]
    nu = np.take_along_axis(dist, py[..., None], axis=-1)[..., 0]
    eps = np.maximum(rho, nu) * _RADIUS_SLACK
    inside = dist <= eps[..., None]
    lc = np.count_nonzero(inside & lab, axis=-1)
    kc = np.count_nonzero(inside & ~lab, axis=-1)
    if cap is not None:
        ok &= complete | (dist[..., -1] > eps) | ((lc >= cap) & (kc >= cap))
        lc, kc = np.minimum(lc, cap), np.minimum(kc, cap)
    else:
        ok &= complete | (dist[..., -1] > eps)
    lc, kc = np.maximum(lc, k), np.maximum(kc, k)
    pl = _count_position(lab, lc)
    pk = _count_position(~lab, kc)
    log_rho = np.take_along_axis(logd, pl[..., None], axis=-1)[..., 0]
    log_nu = np.take_along_axis(logd, pk[..., None], axis=-1)[..., 0]
    return log_nu - log_rho, special.digamma(lc) - special.digamma(kc), ok


def random_splits(N: int, n: int, b: int, gen: np.random.Generator) -> np.ndarray:
    """Indices of the x sample for ``b`` uniformly random label permutations, (b, n).

    Bernoulli(n/N) labels conditioned on their count are a uniform subset of that
    size; removing (or adding) a uniform subset of the surplus (or deficit) leaves a
    uniform n-subset. About 20 times cheaper than shuffling N indices.
    """
    return random_split_labels(N, n, b, gen)[0]


def random_split_labels(
    N: int, n: int, b: int, gen: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """`random_splits` (same draws) and its (b, N) label matrix, True for the x sample."""
    labels = gen.random((b, N)) < n / N
    for j, c in enumerate(labels.sum(axis=1)):
        if c != n:
            pool = np.flatnonzero(labels[j] if c > n else ~labels[j])
            labels[j, gen.choice(pool, abs(int(c) - n), replace=False)] = c < n
    return np.nonzero(labels)[1].reshape(b, n), labels


def _column_walk(
    lists: NeighbourLists,
    rows: np.ndarray,
    perm_of_row: np.ndarray,
    labels: np.ndarray,
    w: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Terms sum_j w_j (log nu_j - log rho_j) for many (permutation, point) rows at once.

    Walks the neighbour lists one column at a time, keeping only the rows that have not
    yet met their K-th neighbour of each label (K = len(w)); with mixed labels that set
    halves with every column once K of each are found. ``labels`` is (permutations, N),
    True for the permuted x sample. Returns the terms and the rows whose list ran short
    (left as nan).
    """
    N = labels.shape[1]
    K = w.size
    flat = labels.ravel()
    dtype = np.int32 if labels.size < 2**31 else np.int64
    base = perm_of_row.astype(dtype) * dtype(N)
    rows = rows.astype(dtype, copy=False)
    lab0 = flat[base + lists.idx_t[0][rows]]
    ld0 = lists.logd_t[0][rows]
    if K == 1:
        # the first neighbour gives one of rho_1, nu_1; walk on to the first neighbour
        # of the other label (column 1 for every row, then only the rows still looking)
        other = np.full(rows.size, np.nan)
        active = np.arange(rows.size)
        for c in range(1, lists.L):
            if not active.size:
                break
            pa = rows[active]
            hit = flat[base[active] + lists.idx_t[c][pa]] != lab0[active]
            other[active[hit]] = lists.logd_t[c][pa[hit]]
            active = active[~hit]
        out = np.where(lab0, other - ld0, ld0 - other)
        return out, active
    acc_rho = np.zeros(rows.size)
    acc_nu = np.zeros(rows.size)
    cx = lab0.astype(np.int32)
    cy = 1 - cx
    if w[0] != 0:
        acc_rho[lab0] += w[0] * ld0[lab0]
        acc_nu[~lab0] += w[0] * ld0[~lab0]
    active = np.arange(rows.size)
    for c in range(1, lists.L):
        keep = (cx[active] < K) | (cy[active] < K)
        active = active[keep]
        if not active.size:
            break
        pts = rows[active]
        lab = flat[base[active] + lists.idx_t[c][pts]]
        cxa = cx[active] + lab
        cya = cy[active] + ~lab
        cx[active], cy[active] = cxa, cya
        ld = lists.logd_t[c][pts]
        hit = lab & (cxa <= K)
        wx = w[cxa[hit] - 1]
        nz = wx != 0
        acc_rho[active[hit][nz]] += wx[nz] * ld[hit][nz]
        hit = ~lab & (cya <= K)
        wy = w[cya[hit] - 1]
        nz = wy != 0
        acc_nu[active[hit][nz]] += wy[nz] * ld[hit][nz]
    short = np.flatnonzero((cx < K) | (cy < K))
    out = acc_nu - acc_rho
    out[short] = np.nan
    return out, short


def permutation_null_wang(
    xs: np.ndarray,
    ys: np.ndarray,
    *,
    k: int,
    w: np.ndarray | None,
    const: float,
    adaptive: bool,
    max_k: int | None,
    n_resamples: int,
    rng: np.random.Generator,
    workers: int = -1,
    progress: bool | None = None,
) -> np.ndarray | None:
    """Permutation distribution of the weighted (or fixed-k, weights (0, .., 0, 1)) or
    adaptive Wang estimate in nats, d mean(terms) + ``const`` (None when the neighbour
    lists would not fit in memory)."""
    n, m, d = xs.shape[0], ys.shape[0], xs.shape[1]
    pooled = np.concatenate((xs, ys))
    N = n + m
    K = k if adaptive or w is None else w.size
    L = list_length(n, m, K, adaptive)
    if N * L > _MAX_LIST_ENTRIES:
        return None
    lists = NeighbourLists(pooled, L, workers)
    if np.any(lists.dist[:, 0] == 0):
        raise ValueError(
            "The pooled sample has exact duplicate points, so some permutations would "
            "put two copies in one sample (a zero k-NN distance). Pass ties='jitter' or "
            "remove the duplicates."
        )
    cap = None if max_k is None else max(max_k, k)
    complete = L >= N - 1

    def fix(rows, labels_row_source, current_L):
        # exact terms for the rows whose list ran short, from longer lists
        out_t = np.empty(rows.size)
        out_p = np.zeros(rows.size)
        todo = np.arange(rows.size)
        L2 = current_L
        while todo.size:
            L2 = min(4 * L2, N - 1)
            dist, idx = lists.longer(rows[todo], L2)
            with np.errstate(divide="ignore"):
                logd = np.log(dist)
            lab = labels_row_source[idx]
            t, p, ok = _walk(dist, logd, lab, k, adaptive, cap, L2 >= N - 1, w)
            out_t[todo[ok]] = t[ok]
            out_p[todo[ok]] = (p if np.ndim(p) else np.zeros(ok.size))[ok]
            todo = todo[~ok]
        return out_t, out_p

    def task(gen: np.random.Generator, size: int) -> np.ndarray:
        out = np.empty(size)
        batch = max(1, _BATCH_ELEMENTS // (n * (4 if not adaptive else L)))
        for start in range(0, size, batch):
            b = min(batch, size - start)
            xi, labels = random_split_labels(N, n, b, gen)
            if not adaptive:
                perm_of_row = np.repeat(np.arange(b), n)
                t, short = _column_walk(lists, xi.ravel(), perm_of_row, labels, w)
                for r in short:  # lists too short: longer lists for these rows
                    t[r] = fix(xi.ravel()[r : r + 1], labels[perm_of_row[r]], L)[0][0]
                out[start : start + b] = d * t.reshape(b, n).sum(axis=1) / n + const
                continue
            nb = lists.idx[xi]
            lab = labels[np.arange(b)[:, None, None], nb]
            t, p, ok = _walk(lists.dist[xi], lists.logd[xi], lab, k, adaptive, cap, complete, w)
            t = np.array(t)
            p = np.broadcast_to(np.asarray(p, dtype=float), t.shape).copy()
            for j in np.flatnonzero(~ok.all(axis=1)):
                bad = np.flatnonzero(~ok[j])
                t[j, bad], p[j, bad] = fix(xi[j, bad], labels[j], L)
            out[start : start + b] = d * t.mean(axis=1) + p.mean(axis=1) + const
        return out

    # chunks of about 2^20 / (n L) permutations: their arrays stay in cache (measured)
    return run_chunks(task, n_resamples, n * L, rng, progress=progress, desc="permutations")


# =========================================================================== tests


def _rows_cols(a: Any) -> tuple[int, int] | None:
    """(rows, columns) of a sample without converting it (Dask arrays stay lazy)."""
    try:
        shape = np.shape(a)
    except Exception:  # ragged or odd input: the estimator's checks will say what is wrong
        return None
    if len(shape) == 1:
        return int(shape[0]), 1
    if len(shape) == 2:
        return int(shape[0]), int(shape[1])
    return None


def _with_test_k(
    options: dict[str, Any], estimator: str, x: Any, y: Any, *, joint: bool = False
) -> dict[str, Any]:
    """``options`` with the tests' default k filled in for the weighted statistic.

    ``default_k(..., use="test")``: a larger k than the estimators' (more power,
    validation/knn_power.py). ``joint`` (independence): d = d_x + d_y, n rows;
    otherwise two samples (m = rows of ``y``) or one (``y`` None). Explicit ``k`` and
    the unweighted estimators are left alone.
    """
    if options.get("k") is not None or estimator not in ("auto", "weighted"):
        return options
    sx = _rows_cols(x)
    sy = None if y is None else _rows_cols(y)
    if sx is None or (y is not None and sy is None) or sx[0] < 2:
        return options
    if joint:
        k = default_k(sx[0], sx[1] + sy[1], use="test")  # type: ignore[index]
    elif sy is None:
        k = default_k(sx[0], sx[1], use="test")
    else:
        if sy[0] < 1:
            return options
        k = default_k(sx[0], sx[1], sy[0], use="test")
    return {**options, "k": k}


def _k_note(k: int) -> str:
    return (
        f"k = {k}: the tests' default k (about n^(4/(d+4)), at most 40), larger than "
        "the estimators' default for more power; the estimate shown uses the same k."
    )


# a permutation null that took longer than this gets a note on its cost
_SLOW_NULL_SECONDS = 20.0


def _cost_note(elapsed: float, B: int, N: int, k: int) -> str:
    return (
        f"The permutation null took {elapsed:.0f} s ({B} permutations of {N} points, "
        f"k = {k}); the time grows like n_resamples x (n + m) x k, so n_resamples=999 "
        "takes about a tenth as long (Monte Carlo s.e. of the p-value at most 0.016)."
    )


def kl_test_knn(
    x: Any,
    y: Any,
    reference: Any,
    key: str,
    B: int,
    gen: np.random.Generator,
    base: float | None,
    progress: bool | None,
    options: dict[str, Any],
) -> ResamplingTestResult:
    """kl_test with a k-NN statistic (see :func:`klstats.kl_test`)."""
    estimator = "auto" if key == "knn" else key
    given = options
    options = _with_test_k(options, estimator, x, y)
    jitter_rng, perm_rng = spawn(gen, 2)
    effect = kl_divergence_knn(
        x, y, reference=reference, estimator=estimator, base=base, rng=jitter_rng, **options
    )
    inf = effect._inference
    k_notes = [] if options is given else [_k_note(int(options["k"]))]
    if reference is not None:
        return _montecarlo_knn(effect, reference, B, perm_rng, progress, k_notes)
    setup: KnnSetup = inf.setup
    xs, ys = (np.asarray(a) for a in inf.data)
    n, m = xs.shape[0], ys.shape[0]
    adaptive = setup.key == "adaptive"
    if setup.key == "weighted":
        const = float(special.digamma(m + 1) - special.digamma(n))
    else:
        const = math.log(m / (n - 1))
    w = setup.weights
    pooled_dups = _pooled_has_duplicates(xs, ys)
    notes = [
        "Label permutations of the pooled sample; neighbour lists of the pooled points are "
        "computed once and each permutation reads its distances from them.",
        *k_notes,
    ]
    if pooled_dups:
        if setup.ties != "jitter":
            raise ValueError(
                "The pooled sample has exact duplicate points, so some permutations would "
                "put two copies in one sample (a zero k-NN distance). Pass ties='jitter' "
                "or remove the duplicates."
            )
        xs, ys = jitter((xs, ys), jitter_rng)
        notes.append("Duplicate points of the pooled sample broken by jitter for the null.")
    started = time.perf_counter()
    null = permutation_null_wang(
        xs,
        ys,
        k=setup.k,
        w=w,
        const=const,
        adaptive=adaptive,
        max_k=setup.max_k,
        n_resamples=B,
        rng=perm_rng,
        workers=setup.workers,
        progress=progress,
    )
    if null is None:  # too large to store neighbour lists: recompute each permutation
        notes[0] = "Label permutations of the pooled sample, each estimated afresh."
        null = _direct_permutations(inf.statistic, xs, ys, B, perm_rng, progress)
    elapsed = time.perf_counter() - started
    if elapsed > _SLOW_NULL_SECONDS:
        notes.append(_cost_note(elapsed, B, n + m, setup.k))
    return _result(
        "two-sample",
        "k-NN KL statistic",
        effect=effect,
        observed=inf.estimate,
        null=null,
        notes=notes,
        n_resamples=B,
    )


def _direct_permutations(stat, xs, ys, B, rng, progress) -> np.ndarray:
    pooled = np.concatenate((xs, ys))
    n = xs.shape[0]

    def task(g: np.random.Generator, size: int) -> np.ndarray:
        out = np.empty(size)
        for i in range(size):
            perm = g.permutation(pooled.shape[0])
            out[i] = stat(pooled[perm[:n]], pooled[perm[n:]])
        return out

    return run_chunks(task, B, pooled.size, rng, progress=progress, desc="permutations")


def _pooled_has_duplicates(xs: np.ndarray, ys: np.ndarray) -> bool:
    pooled = np.concatenate((xs, ys))
    return np.unique(pooled, axis=0).shape[0] < pooled.shape[0]


def _montecarlo_knn(
    effect: KLEstimate,
    reference: Any,
    B: int,
    rng: np.random.Generator,
    progress,
    k_notes: list[str],
) -> ResamplingTestResult:
    inf = effect._inference
    (xs,) = inf.data
    n, d = xs.shape
    stat = inf.statistic
    if not callable(getattr(reference, "rvs", None)):
        raise TypeError("`reference` needs an `rvs` method to draw Monte Carlo samples.")

    def task(gen: np.random.Generator, size: int) -> np.ndarray:
        out = np.empty(size)
        for i in range(size):
            draw = np.asarray(reference.rvs(size=n, random_state=gen), dtype=float)
            out[i] = stat(draw.reshape(n, d))
        return out

    null = run_chunks(task, B, n * d, rng, progress=progress, desc="Monte Carlo")
    return _result(
        "gof",
        "k-NN KL statistic",
        effect=effect,
        observed=inf.estimate,
        null=null,
        notes=["Null samples of size n drawn from the reference.", *k_notes],
        n_resamples=B,
    )


def independence_test_knn(
    x: Any,
    y: Any,
    key: str,
    B: int,
    gen: np.random.Generator,
    base: float | None,
    progress: bool | None,
    options: dict[str, Any],
) -> ResamplingTestResult:
    """independence_test with a k-NN MI statistic: permute the rows of y against x."""
    jitter_rng, perm_rng = spawn(gen, 2)
    estimator = "auto" if key == "knn" else key
    given = options
    options = _with_test_k(options, estimator, x, y, joint=True)
    k_notes = [] if options is given else [_k_note(int(options["k"]))]
    effect = mutual_information_knn(
        x, y, estimator=estimator, base=base, rng=jitter_rng, **options
    )
    inf = effect._inference
    xs, ys = (np.asarray(a) for a in inf.data)
    stat = inf.statistic
    n = xs.shape[0]

    def task(g: np.random.Generator, size: int) -> np.ndarray:
        out = np.empty(size)
        for i in range(size):
            with np.errstate(divide="ignore", invalid="ignore"):
                out[i] = stat(xs, ys[g.permutation(n)])
        return out

    null = run_chunks(
        task, B, n * (xs.shape[1] + ys.shape[1]), perm_rng, progress=progress, desc="permutations"
    )
    return _result(
        "independence",
        "k-NN MI statistic",
        effect=effect,
        observed=inf.estimate,
        null=null,
        notes=["Rows of y permuted against x.", *k_notes],
        n_resamples=B,
    )
