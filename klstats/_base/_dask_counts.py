"""Dask input: counts and tables computed by Dask, the statistics unchanged.

Every discrete estimator and G-test depends on the data only through counts, so with Dask
input only the counting runs on Dask (``value_counts``; cross-tabulation as a
``groupby(...).size()``), in one ``compute`` on the active scheduler (a
``distributed.Client`` if the user made one, else Dask's local default). The small
result then goes through the in-memory code unchanged.

This module sits at the bottom layer with the validation that calls it: it imports
nothing from klstats. Dask itself is imported only when a Dask collection arrives.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__: list[str] = []  # private module

_EXTRA = "klstats[dask]"


def is_dask(obj: Any) -> bool:
    """A Dask collection, recognised without importing Dask (an optional extra)."""
    module = getattr(type(obj), "__module__", None) or ""
    return module.startswith("dask") and hasattr(obj, "__dask_graph__")


def require(module: str = "dask.dataframe") -> Any:
    """Import ``module`` or say which extra provides it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"A Dask collection was passed, but `{module}` cannot be imported ({exc}). "
            f"Install the optional dependencies with `pip install '{_EXTRA}'`."
        ) from exc


def _kind(obj: Any) -> str:
    """'series', 'frame' or 'array' (imports Dask: only called on Dask objects)."""
    dd = require("dask.dataframe")
    da = require("dask.array")
    if isinstance(obj, dd.Series):
        return "series"
    if isinstance(obj, dd.DataFrame):
        return "frame"
    if isinstance(obj, da.Array):
        return "array"
    raise TypeError(
        f"Unsupported Dask collection {type(obj).__name__}; pass a Dask Series, "
        "DataFrame or Array."
    )


def _compute(*objs: Any) -> tuple[Any, ...]:
    dask = require("dask")
    return dask.compute(*objs)


# =========================================================================== counts


def _is_label_dtype(dtype: Any) -> bool:
    return (
        isinstance(dtype, pd.CategoricalDtype | pd.StringDtype)
        or getattr(dtype, "kind", "O") in "OUSVMm"
    )


def compute_small(x: Any, name: str) -> Any:
    """A Dask collection of counts or probabilities (small) computed into memory.

    Collections of labels are rejected before anything is computed: counting them is
    :func:`klstats.tabulate`'s job, and materialising raw labels could exhaust memory.
    """
    kind = _kind(x)
    dtypes = list(x.dtypes) if kind == "frame" else [x.dtype]
    if any(_is_label_dtype(t) for t in dtypes):
        raise TypeError(
            f"`{name}` is a Dask collection of labels ({', '.join(map(str, dtypes))}); "
            "counts were expected. Count raw labels with `klstats.tabulate` (or pass two "
            "label Series to cross-tabulate them)."
        )
    (out,) = _compute(x)
    return out


def _as_dask_series(x: Any, name: str) -> Any:
    kind = _kind(x)
    if kind == "frame":
        raise ValueError(f"`{name}` must be 1-D labels; got a Dask DataFrame.")
    if kind == "array":
        if x.ndim != 1:
            raise ValueError(f"`{name}` must be 1-D labels; got shape {x.shape}.")
        return require("dask.dataframe").from_dask_array(x)
    return x


# partial count tables merged per task of the tree reduction
_SPLIT_EVERY = 8


def _plain_index(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        return pd.MultiIndex.from_arrays(
            [_plain_index(index.get_level_values(i)) for i in range(index.nlevels)],
            names=index.names,
        )
    if isinstance(index.dtype, pd.CategoricalDtype):
        return pd.Index(np.asarray(index), dtype=index.dtype.categories.dtype, name=index.name)
    return index


def _partition_counts(part: pd.Series) -> pd.Series:
    """Value counts of one partition; a categorical lists its declared categories first
    (zero when unobserved), so that their union survives the reduction in order."""
    vc = part.value_counts(dropna=False, sort=False)
    if isinstance(part.dtype, pd.CategoricalDtype):
        missing = vc.index[pd.isna(vc.index)]
        vc = vc.reindex(part.cat.categories.append(missing), fill_value=0)
    vc.index = _plain_index(vc.index)
    return vc.astype(np.int64)


class _LengthMismatch(ValueError):
    pass


def _pair_frame(a: pd.Series, b: pd.Series) -> pd.DataFrame:
    if len(a) != len(b):
        raise _LengthMismatch("label Series of different lengths")
    # .array keeps Arrow-backed strings (no Python string objects)
    return pd.DataFrame({"_x": a.array, "_y": b.array})


def _partition_table(part: pd.DataFrame) -> pd.Series:
    sizes = part.groupby(["_x", "_y"], dropna=False, observed=True, sort=False).size()
    sizes.index = _plain_index(sizes.index)
    return sizes.astype(np.int64)


def _merge_counts(*parts: pd.Series) -> pd.Series:
    both = pd.concat(parts)
    levels = list(range(both.index.nlevels))
    return both.groupby(level=levels, sort=False, dropna=False).sum()


def _tree_merge(parts: list[Any], extra: Sequence[Any] = ()):
    """Merge delayed partial count tables in a tree and compute them (one compute)."""
    delayed = require("dask").delayed
    while len(parts) > 1:
        parts = [
            delayed(_merge_counts)(*parts[i : i + _SPLIT_EVERY])
            for i in range(0, len(parts), _SPLIT_EVERY)
        ]
    return _compute(parts[0], *extra)


def _reduce_counts(frame: Any, counter: Callable[[Any], pd.Series], extra: Sequence[Any] = ()):
    """Count every partition and merge the tables in a tree (one compute, no shuffle)."""
    delayed = require("dask").delayed
    return _tree_merge([delayed(counter)(p) for p in frame.to_delayed()], extra)


def _slice_rows(part: pd.Series, start: int, stop: int) -> pd.Series:
    return part.iloc[start:stop]


def _pair_pieces(a: pd.Series, *pieces: pd.Series) -> pd.Series:
    b = pd.concat(pieces) if len(pieces) != 1 else pieces[0]
    return _partition_table(_pair_frame(a, b))


def _pair_table(a: pd.Series, b: pd.Series) -> pd.Series:
    return _partition_table(_pair_frame(a, b))


def _paired_counts(sx: Any, sy: Any, names: tuple[str, str]) -> pd.Series:
    """Counts of label pairs, the i-th label of ``x`` with the i-th label of ``y``.

    The one pairing rule of the package, as for arrays and in-memory Series: by
    position, never by index, whatever the partitioning of the two collections.
    Partition i is paired with partition i when their lengths agree (the common case:
    two columns of one DataFrame); otherwise ``y`` is cut at the partition boundaries
    of ``x`` (one extra pass counts the partition lengths).
    """
    delayed = require("dask").delayed
    px, py = sx.to_delayed(), sy.to_delayed()
    if len(px) == len(py):
        try:
            (counts,) = _tree_merge(
                [delayed(_pair_table)(a, b) for a, b in zip(px, py, strict=True)]
            )
            return counts
        except _LengthMismatch:
            pass
    lx, ly = _compute(sx.map_partitions(len), sy.map_partitions(len))
    lx, ly = np.asarray(lx, dtype=np.int64), np.asarray(ly, dtype=np.int64)
    if lx.sum() != ly.sum():
        raise ValueError(
            f"`{names[0]}` and `{names[1]}` must have the same length; got {int(lx.sum())} "
            f"and {int(ly.sum())}."
        )
    bx, by = np.concatenate([[0], np.cumsum(lx)]), np.concatenate([[0], np.cumsum(ly)])
    parts = []
    for i, a in enumerate(px):
        lo, hi = bx[i], bx[i + 1]
        if hi == lo:
            continue
        pieces = []
        for j in range(len(py)):
            start, stop = max(lo, by[j]), min(hi, by[j + 1])
            if start < stop:
                pieces.append(delayed(_slice_rows)(py[j], start - by[j], stop - by[j]))
        parts.append(delayed(_pair_pieces)(a, *pieces))
    if not parts:
        raise ValueError(f"`{names[0]}` must not be empty.")
    (counts,) = _tree_merge(parts)
    return counts


def label_counts(x: Any, name: str) -> tuple[pd.Series, pd.Index | None, Hashable]:
    """Counts of the labels of a Dask Series or 1-D Array, computed by Dask.

    Same contract as :func:`klstats._base._validation.label_counts`: value counts in no
    particular order, the declared categories of a categorical (None otherwise) and
    the name of the labels.
    """
    s = _as_dask_series(x, name)
    (vc,) = _reduce_counts(s, _partition_counts)
    missing = pd.isna(vc.index)
    if missing.any():
        raise ValueError(
            f"`{name}` has {int(vc.to_numpy()[missing].sum())} missing value(s); drop or "
            "recode them first."
        )
    if vc.sum() == 0:
        raise ValueError(f"`{name}` must not be empty.")
    categories = vc.index if isinstance(s.dtype, pd.CategoricalDtype) else None
    return vc[vc > 0], categories, s.name


def cross_tabulate(x: Any, y: Any, names: tuple[str, str]) -> pd.DataFrame:
    """Cross-tabulation of two Dask label Series by per-partition ``groupby().size()``
    tables merged in a tree.

    Matches :func:`klstats._base._validation.cross_tabulate`: observed labels only, rows and
    columns sorted, index and columns named after the labels.
    """
    if not (is_dask(x) and is_dask(y)):
        one, other = names if is_dask(x) else names[::-1]
        raise TypeError(
            f"`{one}` is a Dask collection but `{other}` is not; pass both as Dask Series "
            "(e.g. two columns of one Dask DataFrame)."
        )
    sx, sy = _as_dask_series(x, names[0]), _as_dask_series(y, names[1])
    counts = _paired_counts(sx, sy, names)
    for i, name in enumerate(names):
        missing = np.asarray(pd.isna(counts.index.get_level_values(i)))
        if missing.any():
            raise ValueError(
                f"`{name}` has {int(counts.to_numpy()[missing].sum())} missing value(s); "
                "drop or recode them first."
            )
    if counts.sum() == 0:
        raise ValueError(f"`{names[0]}` must not be empty.")
    tab = counts.unstack(fill_value=0)
    for axis in (0, 1):
        try:
            tab = tab.sort_index(axis=axis)
        except TypeError:  # unorderable mixed labels: keep the order found
            pass
    tab.index.name, tab.columns.name = sx.name, sy.name
    return tab.astype(np.int64)


def fractional_labels(a: Any) -> np.ndarray:
    """Largest distance of a float label from an integer (one number), for the check
    that float labels are not continuous samples; an empty array for other dtypes."""
    s = _as_dask_series(a, "labels")
    if getattr(s.dtype, "kind", "O") != "f":
        return np.empty(0)
    (frac,) = _compute((s - s.round()).abs().max())
    return np.array([float(frac)])
