"""Dask back end of the k-NN estimators (the counting half is ``_base/_dask_counts.py``).

The k-NN estimators need, for every point of ``x``, its k-th neighbour distance in ``x``
(itself excluded) and in ``y``. Two exact strategies, chosen by memory:

``"tree"``
    One KD-tree of the whole of ``x`` (and of ``y``) is built once, as a single Dask
    task, and shared by every query task (threads of one worker share it; each
    ``distributed`` worker holds one copy). Query tasks take contiguous runs of the
    tree's leaf order, as many as ``x`` has blocks. Memory per worker: the trees,
    about ``(n + m) (8 d + 24)`` bytes. Work: the in-memory work.
``"blocks"``
    No sample is ever whole on one worker: a task builds the tree of one block of ``x``
    or ``y`` and queries one block of ``x`` against it for its k nearest candidates;
    the candidates of each block of ``x`` are merged (the k nearest points of a union
    are among the k nearest of each part), so the distances are exactly those of the
    whole sample. Memory: the blocks of ``x`` and ``y`` spread over the cluster (Dask
    spills them to disk if needed) plus k distances per point; work about
    ``(B_x + B_y) / 2`` times the in-memory work for ``B_x``, ``B_y`` blocks.

``"tree"`` is used when the trees fit in ``TREE_MEMORY_FRACTION`` of the smallest
worker's memory limit (no client: of the machine's memory). Each query task runs single
threaded: Dask's threads and workers provide the parallelism. Query tasks return sums of
log distances, so the client never holds per-point arrays; the formulas are those of
:mod:`klstats._knn`, applied to the mean logs.
"""

from __future__ import annotations

import itertools
import math
import os
import warnings
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np

from .._base._dask_counts import _compute, _kind, require
from .._base._validation import as_samples, check_rng, is_dask
from .._base._warnings import InfiniteEstimateWarning
from .._estimators import _knn

__all__: list[str] = []  # private module

# the tree strategy needs the trees of x and y in this fraction of a worker's memory
TREE_MEMORY_FRACTION = 0.5
# bytes per point of a KD-tree beyond its 8 d bytes of coordinates (indices, nodes)
_TREE_OVERHEAD = 24


# =========================================================================== k-NN: data


def _as_dask_samples(x: Any, name: str) -> Any:
    """Samples as a float Dask array (n, d), chunked along rows only, sizes known."""
    da = require("dask.array")
    if not is_dask(x):
        a = as_samples(x, name, copy=False)
        return da.from_array(a, chunks=a.shape)
    kind = _kind(x)
    arr = x.to_dask_array(lengths=True) if kind in ("series", "frame") else x
    if getattr(arr.dtype, "kind", "O") not in "biuf":
        raise TypeError(f"`{name}` must contain real numbers; got values of type {arr.dtype}.")
    arr = arr.astype(float)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"`{name}` must be 1-D (n,) or 2-D (n, d); got shape {arr.shape}.")
    if any(math.isnan(c) for c in arr.chunks[0]):
        arr = arr.compute_chunk_sizes()
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"`{name}` must not be empty; got shape {arr.shape}.")
    return arr.rechunk({1: -1})


def _check_samples(arrays: Sequence[Any], names: Sequence[str], std: str | None) -> Any:
    """One Dask pass: finite values, constant columns and the pooled moment of the
    ``standardize`` map (standard deviations or covariance); returns the moment."""
    da = require("dask.array")
    jobs: list[Any] = []
    for a in arrays:
        jobs += [a.min(axis=0), a.max(axis=0)]
    pooled = da.concatenate(list(arrays)) if len(arrays) > 1 else arrays[0]
    if std == "scale":
        jobs.append(pooled.std(axis=0))
    elif std == "whiten":
        jobs.append(da.cov(pooled, rowvar=False))
    out = _compute(*jobs)
    for i, (a, name) in enumerate(zip(arrays, names, strict=True)):
        lo, hi = out[2 * i], out[2 * i + 1]
        if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
            (bad,) = _compute((~da.isfinite(a)).any(axis=1).sum())
            raise ValueError(
                f"`{name}` must contain only finite values; found NaN or inf in {int(bad)} row(s)."
            )
        if a.shape[0] > 1:
            _knn._warn_constant(np.vstack([lo, hi]), name)
    return np.atleast_2d(out[-1]) if std == "whiten" else (out[-1] if std else None)


def _jitter(arrays: Sequence[Any], rng: np.random.Generator) -> list[Any]:
    """``ties="jitter"`` on Dask arrays: the noise scale of :func:`klstats._knn._jitter`
    (pooled spread) and normal noise drawn per block from seeds taken from ``rng``."""
    da = require("dask.array")
    pooled = da.concatenate(list(arrays)) if len(arrays) > 1 else arrays[0]
    sd, top = _compute(pooled.std(axis=0), abs(pooled).max(axis=0))
    scale = np.array(sd, dtype=float)
    flat = scale == 0
    scale[flat] = top[flat]
    scale[scale == 0] = 1.0
    scale *= _knn.JITTER_SCALE
    out = []
    for a in arrays:
        seeds = rng.integers(0, 2**63, size=a.numblocks[0])
        out.append(a.map_blocks(_add_noise, scale=scale, seeds=seeds, dtype=float))
    return out


def _add_noise(block: np.ndarray, scale: np.ndarray, seeds: np.ndarray, block_info=None):
    gen = np.random.default_rng(int(seeds[block_info[0]["chunk-location"][0]]))
    return block + gen.standard_normal(block.shape) * scale


class DaskRows:
    """Rows of a Dask sample gathered on demand, for subsampling intervals.

    ``matrix`` (the ``standardize`` map) is applied to the gathered rows. Each
    subsample is one Dask computation: persist the sample (``x = x.persist()``) first,
    or every subsample re-reads it from its source.
    """

    ndim = 2
    dtype = np.dtype(float)

    def __init__(self, array: Any, matrix: np.ndarray | None = None) -> None:
        self._array = array
        self._matrix = matrix
        self.shape: tuple[int, int] = (int(array.shape[0]), int(array.shape[1]))

    def __len__(self) -> int:
        return self.shape[0]

    def _finish(self, rows: np.ndarray) -> np.ndarray:
        return rows if self._matrix is None else rows @ self._matrix

    def __getitem__(self, index: Any) -> np.ndarray:
        index = np.asarray(index)
        # Dask gathers sorted indices block by block; put the rows back in order after
        order = np.argsort(index, kind="stable")
        (rows,) = _compute(self._array[index[order]])
        out = np.empty_like(rows)
        out[order] = rows
        return self._finish(out)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        (rows,) = _compute(self._array)
        out = self._finish(rows)
        return out if dtype is None else out.astype(dtype)


# =========================================================================== k-NN: queries


def _memory_budget() -> float:
    """Smallest worker memory limit of the active distributed Client, else the machine's."""
    try:
        from distributed import default_client

        info = default_client().scheduler_info(n_workers=-1)
        limits = [w.get("memory_limit") or 0 for w in info.get("workers", {}).values()]
        if limits and min(limits) > 0:
            return float(min(limits))
    except (ImportError, ValueError, TypeError):
        pass
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return math.inf


def _strategy(sizes: Sequence[int], d: int) -> str:
    need = sum(sizes) * (8 * d + _TREE_OVERHEAD)
    return "tree" if need <= TREE_MEMORY_FRACTION * _memory_budget() else "blocks"


def _log_sums(dist: Sequence[np.ndarray]) -> np.ndarray:
    """Per distance array: sum of logs and number of zeros."""
    out = []
    with np.errstate(divide="ignore"):
        for a in dist:
            out += [float(np.log(a).sum()), float(np.count_nonzero(a == 0))]
    return np.array(out)


def _reference(algorithm: str, *blocks: np.ndarray) -> Any:
    """The whole sample as a KD-tree (or, for brute force, as one array)."""
    a = np.concatenate(blocks) if len(blocks) > 1 else np.ascontiguousarray(blocks[0])
    return _knn._tree(a) if algorithm == "kd-tree" else a


def _tree_task(ref_x: Any, ref_y: Any, start: int, stop: int, k: int, algorithm: str):
    """Rows start:stop of x (in the tree's leaf order) against the whole of x and y."""
    if algorithm == "kd-tree":
        q = ref_x.data[ref_x.indices[start:stop]]
        queries = [(ref_x, k + 1)] + ([(ref_y, k)] if ref_y is not None else [])
        dist = _knn._kdtree_kth(q, np.arange(q.shape[0]), queries, 1)
    else:
        q = ref_x[start:stop]
        dist = [_knn._brute_kth(q, ref_x, k + 1, 1)]
        if ref_y is not None:
            dist.append(_knn._brute_kth(q, ref_y, k, 1))
    return _log_sums(dist)


def _leaf_order(block: np.ndarray) -> np.ndarray:
    # queries in the leaf order of a tree of their own walk the same branches in turn
    return block[_knn._tree(block).indices]


def _block_task(best: np.ndarray | None, q: np.ndarray, ref: np.ndarray, k: int, own: bool):
    """Merge the k nearest candidates of ``q`` in ``ref`` into ``best`` (b, k)."""
    kk = k + 1 if own else k
    dist = _knn._tree(ref).query(q, k=kk)[0].reshape(q.shape[0], kk)
    if own:  # the point itself, at distance 0, comes first
        dist = dist[:, 1:]
    if best is None:
        return dist
    both = np.concatenate((best, dist), axis=1)
    return np.partition(both, k - 1, axis=1)[:, :k]


def _block_finish(*best: np.ndarray) -> np.ndarray:
    return _log_sums([b.max(axis=1) for b in best])


def _neighbour_logs(z: Any, w: Any, k: int, algorithm: str) -> tuple[np.ndarray, str, int]:
    """Sums of log rho_k, (log nu_k), and their zero counts over all points of ``z``."""
    dask = require("dask")
    delayed = dask.delayed
    sizes = [z.shape[0]] + ([w.shape[0]] if w is not None else [])
    strategy = _strategy(sizes, z.shape[1])
    xb = list(z.to_delayed().ravel())
    yb = list(w.to_delayed().ravel()) if w is not None else []
    parts = []
    if strategy == "tree":
        ref_x = delayed(_reference)(algorithm, *xb)
        ref_y = delayed(_reference)(algorithm, *yb) if yb else None
        n = z.shape[0]
        pieces = max(z.numblocks[0], min(os.cpu_count() or 1, n // 50_000))
        edges = np.linspace(0, n, pieces + 1).astype(int)
        for start, stop in itertools.pairwise(edges):
            if stop > start:
                parts.append(
                    delayed(_tree_task)(ref_x, ref_y, int(start), int(stop), k, algorithm)
                )
    else:
        # the sorted copies serve as queries and as references (order is irrelevant
        # there), so the original blocks can be released
        sorted_x = [delayed(_leaf_order)(block) for block in xb]
        for i, q in enumerate(sorted_x):
            rho = None
            for j, other in enumerate(sorted_x):
                rho = delayed(_block_task)(rho, q, other, k, i == j)
            finish = [rho]
            if yb:
                nu = None
                for other in yb:
                    nu = delayed(_block_task)(nu, q, other, k, False)
                finish.append(nu)
            parts.append(delayed(_block_finish)(*finish))
    results = _compute(*parts)
    return np.sum(results, axis=0), strategy, len(parts)


def _log_q_task(block: np.ndarray, log_q: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    lq = log_q(block)
    return np.array(
        [
            float(lq.sum()),
            float(np.count_nonzero(np.isnan(lq) | (lq == np.inf))),
            float(np.count_nonzero(np.isneginf(lq))),
        ]
    )


def _dask_note(strategy: str, tasks: int) -> str:
    where = (
        "KD-trees of the whole samples shared by the query tasks"
        if strategy == "tree"
        else "blockwise KD-trees, candidates merged per block of x"
    )
    return f"Neighbour distances computed by Dask ({strategy} strategy: {where}; {tasks} tasks)."


def _ties(
    logs: np.ndarray, labels: Sequence[str], k: int, ties: str, remedy: str, after: bool
) -> str | None:
    """Zero-distance message (None without zeros); raises for ties='raise'."""
    zeros = logs[1::2]
    if not np.any(zeros):
        return None
    if len(labels) == 1:
        zero = f"{int(zeros[0])} point(s) of `x` have their k-th nearest neighbour at distance 0"
    else:
        zero = " and ".join(
            f"{int(c)} point(s) of `x` have their k-th nearest neighbour in `{where}` at "
            "distance 0"
            for c, where in zip(zeros, labels, strict=True)
            if c
        )
    if ties == "raise" or after:
        raise _knn._ties_error(zero + (" (also after jittering)" if after else ""), k, "", remedy)
    return zero


# =========================================================================== k-NN: estimators


def kl_divergence_knn(
    x: Any,
    y: Any,
    reference: Any,
    k: Any,
    key: str,
    units: Any,
    ties: str,
    std: str | None,
    algorithm: str,
    workers: int,
    rng: Any,
) -> Any:
    """:func:`klstats.kl_divergence_knn` with Dask input (options already validated)."""
    if key == "adaptive":
        raise ValueError(
            "estimator='adaptive' is not available for Dask input (its point-dependent "
            "neighbour counts need the whole samples in memory); use estimator='wang'."
        )
    xs = _as_dask_samples(x, "x")
    n, d = xs.shape
    if reference is not None:
        return _kl_one_sample(xs, reference, k, units, ties, std, algorithm, workers, rng)
    ys = _as_dask_samples(y, "y")
    m = ys.shape[0]
    if ys.shape[1] != d:
        raise ValueError(
            f"`x` and `y` must have the same number of columns (dimension); got d={d} "
            f"and {ys.shape[1]}."
        )
    k = _knn._check_k(k, n, m)
    moment = _check_samples((xs, ys), ("x", "y"), std)
    # subsamples for intervals gather rows of the source and map them (cheap), rather
    # than whole blocks of the mapped arrays
    data = (DaskRows(xs), DaskRows(ys))
    if std is not None:
        matrix, _ = _knn._map_from_moments(std, moment, "`x` and `y` (pooled)")
        data = (DaskRows(xs, matrix), DaskRows(ys, matrix))
        xs, ys = xs @ matrix, ys @ matrix
    alg = _knn._resolve(algorithm, d)
    logs, strategy, tasks = _neighbour_logs(xs, ys, k, alg)
    notes = [_dask_note(strategy, tasks)]
    if _ties(logs, ("x", "y"), k, ties, "kl_divergence", after=False):
        zeros = int(logs[1] + logs[3])
        xs, ys = _jitter((xs, ys), check_rng(rng))
        logs, strategy, tasks = _neighbour_logs(xs, ys, k, alg)
        _ties(logs, ("x", "y"), k, ties, "kl_divergence", after=True)
        notes.append(_knn._jitter_note(zeros, n, d))
        data = (DaskRows(xs), DaskRows(ys))
    value = _knn._wang_from_logs(logs[2] / n, logs[0] / n, d, n, m)
    stat = partial(_knn._wang_nats, k=k, algorithm=alg, workers=workers)
    more = {"n": n, "m": m, "d": d, "metric": "euclidean", "algorithm": alg, "dask": strategy}
    return _knn._result(
        value,
        key,
        units,
        n + m,
        "KL divergence D(P||Q)",
        (n, m),
        _knn._standard_options(k, ties, std, **more),
        _knn.KnnInference(value, data, "two", stat),
        notes,
    )


def _log_q_sums(xs: Any, log_q: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    dask = require("dask")
    parts = [dask.delayed(_log_q_task)(b, log_q) for b in xs.to_delayed().ravel()]
    sums = np.sum(_compute(*parts), axis=0)
    if sums[1]:
        raise ValueError("`reference.logpdf` returned NaN or +inf at points of `x`.")
    return sums


def _kl_one_sample(xs, reference, k, units, ties, std, algorithm, workers, rng) -> Any:
    n, d = xs.shape
    k = _knn._check_k(k, n)
    log_q = _knn._reference_log_q(reference, d)
    lq = _log_q_sums(xs, log_q)
    moment = _check_samples((xs,), ("x",), std)
    transform, log_jac, matrix = None, 0.0, None
    if std is not None:
        matrix, log_jac = _knn._map_from_moments(std, moment, "`x`")
        transform = partial(_knn._apply_map, a=matrix)
    alg = _knn._resolve(algorithm, d)
    zs = xs if matrix is None else xs @ matrix
    logs, strategy, tasks = _neighbour_logs(zs, None, k, alg)
    notes = [_dask_note(strategy, tasks)]
    if _ties(logs, ("x",), k, ties, "kl_divergence", after=False):
        zeros = int(logs[1])
        (xs,) = _jitter((xs,), check_rng(rng))
        lq = _log_q_sums(xs, log_q)
        zs = xs if matrix is None else xs @ matrix
        logs, strategy, tasks = _neighbour_logs(zs, None, k, alg)
        _ties(logs, ("x",), k, ties, "kl_divergence", after=True)
        notes.append(_knn._jitter_note(zeros, n, d))
    value = _knn._log_density_from_logs(logs[0] / n, k, d, n) + log_jac - lq[0] / n
    if math.isinf(value):
        warnings.warn(
            "The KL divergence estimate is infinite: `reference` has zero density at "
            f"{int(lq[2])} point(s) of `x` (P is not absolutely continuous with respect "
            "to Q).",
            InfiniteEstimateWarning,
            stacklevel=4,
        )
    stat = partial(
        _knn._one_sample_nats,
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
        "reference": _knn._describe_reference(reference),
        "metric": "euclidean",
        "algorithm": alg,
        "dask": strategy,
    }
    return _knn._result(
        value,
        "wang",
        units,
        n,
        "KL divergence D(P||Q)",
        (n,),
        _knn._standard_options(k, ties, std, **more),
        _knn.KnnInference(value, (DaskRows(xs),), "one", stat),
        notes,
    )


def entropy_knn(
    x: Any,
    k: Any,
    units: Any,
    ties: str,
    std: str | None,
    algorithm: str,
    workers: int,
    rng: Any,
) -> Any:
    """:func:`klstats.entropy_knn` with a Dask ``x`` (options already validated)."""
    xs = _as_dask_samples(x, "x")
    n, d = xs.shape
    k = _knn._check_k(k, n)
    moment = _check_samples((xs,), ("x",), std)
    log_jac = 0.0
    data = DaskRows(xs)
    if std is not None:
        matrix, log_det = _knn._map_from_moments(std, moment, "`x`")
        data = DaskRows(xs, matrix)
        xs, log_jac = xs @ matrix, -log_det
    alg = _knn._resolve(algorithm, d)
    logs, strategy, tasks = _neighbour_logs(xs, None, k, alg)
    notes = [_dask_note(strategy, tasks)]
    if _ties(logs, ("x",), k, ties, "entropy", after=False):
        zeros = int(logs[1])
        (xs,) = _jitter((xs,), check_rng(rng))
        logs, strategy, tasks = _neighbour_logs(xs, None, k, alg)
        _ties(logs, ("x",), k, ties, "entropy", after=True)
        notes.append(_knn._jitter_note(zeros, n, d))
        data = DaskRows(xs)
    value = _knn._kl_entropy_from_logs(logs[0] / n, k, d, n) + log_jac
    stat = partial(_knn._entropy_nats, k=k, log_jacobian=log_jac, algorithm=alg, workers=workers)
    more = {"n": n, "d": d, "metric": "euclidean", "algorithm": alg, "dask": strategy}
    return _knn._result(
        value,
        "kozachenko-leonenko",
        units,
        n,
        "differential entropy H(P)",
        (n,),
        _knn._standard_options(k, ties, std, **more),
        _knn.KnnInference(value, (data,), "one", stat),
        notes,
    )
