"""Preparing the columns of two data sets for :func:`klstats.compare_frames`: pandas
and Dask input, missing values, subsampling of continuous columns."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._base._validation import is_dask
from ._frame_columns import _as_float, _Column, _is_datetime, _is_numeric, _kind, _label_index

# =========================================================================== preparing


def _prepare_pandas(
    name: Hashable,
    s_ref: pd.Series,
    s_cur: pd.Series,
    *,
    types: Mapping,
    max_levels: int,
    missing: str,
    subsample: int | None,
    gen: np.random.Generator,
) -> _Column:
    na_ref, na_cur = s_ref.isna(), s_cur.isna()
    col = _Column(
        name,
        "",
        missing_ref=int(na_ref.sum()),
        missing_cur=int(na_cur.sum()),
    )
    r, c = s_ref[~na_ref], s_cur[~na_cur]

    def nunique() -> int:
        # more than max_levels distinct values among the first rows settles it
        head = pd.unique(np.concatenate([r.to_numpy()[:500], c.to_numpy()[:500]]))
        if len(head) > max_levels:
            return len(head)
        return int(pd.concat([r, c], ignore_index=True).nunique())

    col.kind = _kind(name, s_ref, s_cur, types, max_levels, nunique)
    if col.kind == "continuous":
        _continuous_values(col, s_ref, s_cur, missing, subsample, gen)
    else:
        dropna = missing == "drop"
        vr = _label_index(s_ref.value_counts(dropna=dropna))
        vc = _label_index(s_cur.value_counts(dropna=dropna))
        col.counts = (vr, vc)
        col.n_ref, col.n_cur = int(vr.sum()), int(vc.sum())
    return col


def _take(s: pd.Series, size: int, gen: np.random.Generator) -> pd.Series:
    if len(s) <= size:
        return s
    return s.iloc[np.sort(gen.choice(len(s), size, replace=False))]


def _continuous_values(col, s_ref, s_cur, missing, subsample, gen) -> None:
    """The values (and, for missing="category", the missing counts) a continuous column
    is tested on: all of them, or a random subsample of at most ``subsample`` rows per
    data set (rows with missing values included when missing is a category, so that
    its share is kept)."""
    if missing == "category":
        if subsample is not None:
            t_ref, t_cur = _take(s_ref, subsample, gen), _take(s_cur, subsample, gen)
            if len(t_ref) < len(s_ref) or len(t_cur) < len(s_cur):
                col.subsampled = True
                col.notes.append(f"subsample of at most {subsample} rows per data set")
            s_ref, s_cur = t_ref, t_cur
        col.test_missing = (int(s_ref.isna().sum()), int(s_cur.isna().sum()))
        x, y = _as_float(s_ref.dropna()), _as_float(s_cur.dropna())
    else:
        x, y = _as_float(s_ref.dropna()), _as_float(s_cur.dropna())
        if subsample is not None:
            x, y, col.subsampled = _subsample_arrays(x, y, subsample, gen, col.notes)
    col.values = (x, y)
    col.n_ref, col.n_cur = len(x), len(y)


def _subsample_arrays(x, y, size, gen, notes):
    done = False
    if len(x) > size:
        x = gen.choice(x, size, replace=False)
        done = True
    if len(y) > size:
        y = gen.choice(y, size, replace=False)
        done = True
    if done:
        notes.append(f"subsample of at most {size} rows per data set")
    return x, y, done


def _prepare_dask(
    names: Sequence[Hashable],
    reference: Any,
    current: Any,
    *,
    types: Mapping,
    max_levels: int,
    missing: str,
    subsample: int,
    gens: Sequence[np.random.Generator],
) -> list[_Column]:
    """Count through Dask (one pass per data set for every counted column) and subsample
    the continuous columns."""
    import dask

    def series(frame, name):
        return frame[name]

    def lazy(frame):
        return is_dask(frame)

    # 1. kinds: dtypes are known without computing; numbers of distinct values need a pass
    pending_nunique = {}
    for name in names:
        s_ref, s_cur = series(reference, name), series(current, name)
        if name in types:
            continue
        if (_is_numeric(s_ref.dtype) and _is_numeric(s_cur.dtype)) and not (
            _is_datetime(s_ref.dtype) or _is_datetime(s_cur.dtype)
        ):
            pending_nunique[name] = (s_ref.dropna().unique(), s_cur.dropna().unique())
    computed = dask.compute(pending_nunique)[0] if pending_nunique else {}
    kinds = {}
    for name in names:
        s_ref, s_cur = series(reference, name), series(current, name)
        if name in computed:
            u_ref, u_cur = computed[name]
            n_u = len(pd.unique(np.concatenate([np.asarray(u_ref), np.asarray(u_cur)])))
            kinds[name] = _kind(name, s_ref, s_cur, types, max_levels, lambda n_u=n_u: n_u)
        else:
            kinds[name] = _kind(name, s_ref, s_cur, types, max_levels, lambda: 0)

    # 2. counts of the counted columns and missing/non-missing sizes of all columns
    dropna = missing == "drop"
    work = {}
    for name in names:
        s_ref, s_cur = series(reference, name), series(current, name)
        item = {
            "na": (s_ref.isna().sum(), s_cur.isna().sum()),
            "size": (s_ref.size, s_cur.size),
        }
        if kinds[name] != "continuous":
            item["counts"] = (s_ref.value_counts(dropna=dropna), s_cur.value_counts(dropna=dropna))
        work[name] = item
    done = dask.compute(work)[0]

    # 3. continuous columns: a random subsample of the non-missing values of each side
    cols = []
    samples = {}
    for name, gen in zip(names, gens, strict=True):
        d = done[name]
        col = _Column(name, kinds[name], missing_ref=int(d["na"][0]), missing_cur=int(d["na"][1]))
        col.rows = (int(d["size"][0]), int(d["size"][1]))
        if kinds[name] == "continuous":
            sizes = (int(d["size"][0]) - col.missing_ref, int(d["size"][1]) - col.missing_cur)
            if missing == "category":  # sample rows, missing ones included
                sizes = col.rows
            parts = []
            for frame, n_ok in zip((reference, current), sizes, strict=True):
                s = series(frame, name)
                if missing != "category":
                    s = s.dropna()
                if lazy(frame) and n_ok > subsample:
                    frac = min(1.0, 1.2 * subsample / n_ok)
                    s = s.sample(frac=frac, random_state=int(gen.integers(2**32 - 1)))
                parts.append(s)
            samples[name] = parts
        else:
            vr, vc = (_label_index(v) for v in d["counts"])
            col.counts = (vr, vc)
            col.n_ref, col.n_cur = int(vr.sum()), int(vc.sum())
        cols.append(col)
    if samples:
        got = dask.compute(samples)[0]
        for col, gen in zip(cols, gens, strict=True):
            if col.name in got:
                s_ref, s_cur = got[col.name]
                _continuous_values(col, s_ref, s_cur, missing, subsample, gen)
    return cols
