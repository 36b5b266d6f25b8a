"""Dask back end of the k-NN estimators (the counting half is ``_base/_dask_counts.py``).

The k-NN estimators describe what they need from the neighbour search as a plan
(:class:`klstats._kernels._neighbours.Plan`: which sample queries which, for which
neighbour orders, and a reducer from blocks of distances to partial sums); the in-memory
search and :class:`KnnBackend` here run the same plan, and the same formulas
(:mod:`klstats._kernels._knn_formulas`) finish it. Two exact strategies, chosen by
memory, are described at :class:`KnnBackend`. This module imports nothing above the
kernels: it turns Dask collections into blocks of neighbour distances.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from .._base._dask_counts import _compute, _kind, require
from .._base._samples import as_samples
from .._base._validation import is_dask
from .._kernels._knn_prep import exact_rescaling, jitter_scale, map_from_moments, warn_constant
from .._kernels._neighbours import (
    Plan,
    Query,
    brute_orders,
    kdtree_orders,
    resolve_algorithm,
    tree,
)

__all__: list[str] = []  # private module

# the tree strategy needs the trees of all samples in this fraction of a worker's memory
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
    if any(c == 0 for c in arr.chunks[0]):
        # empty partitions (e.g. after a filter) carry no rows: drop them
        arr = arr.rechunk({0: tuple(c for c in arr.chunks[0] if c)})
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
            warn_constant(np.vstack([lo, hi]), name)
    top = max(
        max(float(np.max(out[2 * i + 1])), -float(np.min(out[2 * i]))) for i in range(len(arrays))
    )
    moment = np.atleast_2d(out[-1]) if std == "whiten" else (out[-1] if std else None)
    return moment, top


def _jitter(arrays: Sequence[Any], rng: np.random.Generator) -> list[Any]:
    """``ties="jitter"`` on Dask arrays: the noise scale of the in-memory jitter (pooled
    spread) and normal noise drawn per block from seeds taken from ``rng``."""
    da = require("dask.array")
    pooled = da.concatenate(list(arrays)) if len(arrays) > 1 else arrays[0]
    sd, top = _compute(pooled.std(axis=0), abs(pooled).max(axis=0))
    scale = jitter_scale(sd, top)
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


# =========================================================================== k-NN: plans


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


def _strategy(shapes: Sequence[tuple[int, int]]) -> str:
    need = sum(n * (8 * d + _TREE_OVERHEAD) for n, d in shapes)
    return "tree" if need <= TREE_MEMORY_FRACTION * _memory_budget() else "blocks"


def _whole(algorithm: str, target: bool, *blocks: np.ndarray) -> Any:
    """A whole sample: a KD-tree when it is searched with a KD-tree, else an array."""
    a = np.concatenate(blocks) if len(blocks) > 1 else np.ascontiguousarray(blocks[0])
    return tree(a) if (target and algorithm == "kd-tree") else a


def _data(obj: Any) -> np.ndarray:
    return obj.data if isinstance(obj, cKDTree) else obj


def _orders(q: Query) -> list[int]:
    return [o + 1 for o in q.orders] if q.source == q.target else list(q.orders)


def _tree_task(plan: Plan, algorithm: str, start: int, stop: int, *wholes: Any) -> np.ndarray:
    """Rows start:stop (in the leaf order of the first source's tree) against the whole
    samples: the distances of every query, reduced by the plan."""
    first = wholes[plan.queries[0].source]
    idx = first.indices[start:stop] if isinstance(first, cKDTree) else np.arange(start, stop)
    dists = []
    for q in plan.queries:
        rows = _data(wholes[q.source])[idx]
        if algorithm == "kd-tree":
            dists.append(
                kdtree_orders(rows, np.arange(idx.size), [(wholes[q.target], _orders(q))], 1)[0]
            )
        else:
            dists.append(brute_orders(rows, _data(wholes[q.target]), _orders(q), 1))
    return plan.reduce([_data(wholes[s])[idx] for s in plan.row_samples], dists)


def _sorted_rows(*blocks: np.ndarray) -> tuple[np.ndarray, ...]:
    # paired blocks in the leaf order of a tree of the first: neighbouring queries walk
    # the same branches in turn
    order = tree(blocks[0]).indices
    return tuple(b[order] for b in blocks)


def _pick(blocks: tuple[np.ndarray, ...], i: int) -> np.ndarray:
    return blocks[i]


def _block_task(best: np.ndarray | None, q: np.ndarray, ref: np.ndarray, kk: int, own: bool):
    """Merge the kk nearest candidates of ``q`` in ``ref`` into ``best`` (b, kk)."""
    take = min(kk + 1 if own else kk, ref.shape[0])
    dist = tree(ref).query(q, k=take)[0].reshape(q.shape[0], take)
    if own:  # the point itself, at distance 0, comes first
        dist = dist[:, 1:]
    if best is not None:
        dist = np.concatenate((best, dist), axis=1)
    if dist.shape[1] > kk:
        dist = np.partition(dist, kk - 1, axis=1)[:, :kk]
    return dist


def _block_finish(plan: Plan, rows: tuple[np.ndarray, ...], *best: np.ndarray) -> np.ndarray:
    dists = []
    for q, b in zip(plan.queries, best, strict=True):
        b = np.sort(b, axis=1)
        dists.append(b[:, np.asarray(q.orders) - 1])
    return plan.reduce([rows[s] for s in plan.row_samples], dists)


class KnnBackend:
    """Dask back end of the k-NN neighbour search.

    Runs a :class:`~klstats._kernels._neighbours.Plan` (the same one the in-memory
    search runs) with one of two exact strategies, chosen by memory:

    ``"tree"``
        One KD-tree of each whole sample, built once as a single Dask task and shared
        by every query task; query tasks take contiguous runs of the first sample's
        leaf order. Memory per worker: the trees, about ``n (8 d + 24)`` bytes per
        sample.
    ``"blocks"``
        No sample is ever whole on one worker: a task builds the tree of one block and
        queries one block against it for its k nearest candidates; the candidates of
        each block of queries are merged (the k nearest points of a union are among
        the k nearest of each part), so the distances are exactly those of the whole
        sample.

    Query tasks return the plan's partial sums, so the client never holds per-point
    arrays. Each query task runs single threaded: Dask's threads and workers provide
    the parallelism.
    """

    dask = True

    def __init__(self, algorithm: str, workers: int) -> None:
        self.algorithm = algorithm
        self.workers = workers
        self.strategy = ""
        self.notes: list[str] = []

    def samples(self, a: Any, name: str) -> Any:
        return _as_dask_samples(a, name)

    def prepare(
        self, arrays: Sequence[Any], names: Sequence[str], std: str | None, pooled: str
    ) -> tuple[list[Any], np.ndarray | None, float]:
        moment, top = _check_samples(arrays, names, std)
        if std is None:
            scaled = exact_rescaling(top, arrays[0].shape[1])
            if scaled is None:
                return list(arrays), None, 0.0
            matrix, log_det = scaled
            return [a * matrix[0, 0] for a in arrays], matrix, log_det
        matrix, log_det = map_from_moments(std, moment, pooled)
        return [a @ matrix for a in arrays], matrix, log_det

    def jitter(self, arrays: Sequence[Any], gen: np.random.Generator) -> list[Any]:
        return _jitter(arrays, gen)

    def describe(self, *arrays: Any) -> str:
        return ""

    def rows(self, a: Any, raw: Any = None, matrix: Any = None) -> DaskRows:
        # subsamples gather rows of the source and map them (cheap), rather than whole
        # blocks of the mapped arrays
        return DaskRows(raw, matrix) if matrix is not None else DaskRows(a)

    def hstack(self, a: Any, b: Any) -> Any:
        da = require("dask.array")
        return da.hstack([a, b.rechunk({0: a.chunks[0]})]).rechunk({1: -1})

    def apply(self, a: Any, matrix: np.ndarray | None) -> Any:
        return a if matrix is None else a @ matrix

    def run(self, samples: Sequence[Any], plan: Plan, d: int) -> np.ndarray:
        """Run ``plan`` on Dask samples; returns the reduced array."""
        algorithm = resolve_algorithm(self.algorithm, d)
        delayed = require("dask").delayed
        src = plan.queries[0].source
        used = sorted(
            {q.source for q in plan.queries}
            | {q.target for q in plan.queries}
            | set(plan.row_samples)
        )
        targets = {q.target for q in plan.queries}
        # paired rows: every row sample chunked like the first source
        chunks = samples[src].chunks[0]
        arrs = {
            s: samples[s]
            if s not in ({q.source for q in plan.queries} | set(plan.row_samples))
            else samples[s].rechunk({0: chunks})
            for s in used
        }
        strategy = _strategy([tuple(samples[s].shape) for s in used])
        parts = []
        if strategy == "tree":
            wholes_map = {
                s: delayed(_whole)(algorithm, s in targets, *arrs[s].to_delayed().ravel())
                for s in used
            }
            wholes = [wholes_map.get(s) for s in range(max(used) + 1)]
            n = samples[src].shape[0]
            pieces = max(samples[src].numblocks[0], min(os.cpu_count() or 1, n // 50_000))
            edges = np.linspace(0, n, pieces + 1).astype(int)
            for start, stop in itertools.pairwise(edges):
                if stop > start:
                    parts.append(
                        delayed(_tree_task)(plan, algorithm, int(start), int(stop), *wholes)
                    )
        else:
            nblocks = samples[src].numblocks[0]
            row_set = sorted({q.source for q in plan.queries} | set(plan.row_samples))
            blocks = {s: list(arrs[s].to_delayed().ravel()) for s in used}
            # per block of rows: the paired rows sorted together
            sorted_rows = [
                delayed(_sorted_rows, nout=len(row_set))(*(blocks[s][i] for s in row_set))
                for i in range(nblocks)
            ]
            pos = {s: j for j, s in enumerate(row_set)}

            def rows_of(s: int, i: int) -> Any:
                return sorted_rows[i][pos[s]]

            # references: the sorted copies of row samples (order is irrelevant there),
            # the original blocks of the other samples
            def refs_of(s: int) -> list[Any]:
                if s in pos:
                    return [rows_of(s, i) for i in range(nblocks)]
                return blocks[s]

            for i in range(nblocks):
                best_all = []
                for q in plan.queries:
                    kk = max(q.orders)
                    best = None
                    for j, ref in enumerate(refs_of(q.target)):
                        best = delayed(_block_task)(
                            best, rows_of(q.source, i), ref, kk, q.source == q.target and i == j
                        )
                    best_all.append(best)
                rows_i = tuple(rows_of(s, i) if s in pos else None for s in range(max(used) + 1))
                parts.append(delayed(_block_finish)(plan, rows_i, *best_all))
        results = _compute(*parts)
        out = results[0]
        for part in results[1:]:
            out = plan.combine(out, part)
        self.strategy = strategy
        where = (
            "KD-trees of the whole samples shared by the query tasks"
            if strategy == "tree"
            else "blockwise KD-trees, candidates merged per block of rows"
        )
        self.notes = [
            f"Neighbour distances computed by Dask ({strategy} strategy: {where}; "
            f"{len(parts)} tasks)."
        ]
        return out
