"""Counting raw labels (`tabulate`, cross-tabulation of label pairs) through integer codes
and bincount: the same counts, order and index as pandas' value_counts / crosstab on
every kind of label, bounded memory, chunked passes."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import klstats as kls
from klstats._base import _validation as V

rng = np.random.default_rng(0)
N = 3000
_codes = rng.integers(0, 7, N)
_words = np.array(["kiwi", "apple", "fig", "date", "cherry", "banana", "elder"], dtype=object)

KINDS = {
    "int64": _codes - 3,
    "int8": (_codes - 3).astype(np.int8),
    "uint64": _codes.astype(np.uint64),
    "sparse int": _codes * 10**12 - 5,
    "bool": _codes > 3,
    "float": _codes / 4,
    "object str": _words[_codes],
    "numpy str": _words[_codes].astype(str),
    "str Series": pd.Series(_words[_codes], name="fruit"),
    "arrow str": pd.Series(_words[_codes], dtype="string[pyarrow]", name="a"),
    "arrow int": pd.Series(_codes, dtype="int64[pyarrow]"),
    "Int64": pd.Series(_codes, dtype="Int64", name="n"),
    "list": list(_words[_codes]),
    "datetime": pd.Series(pd.Timestamp("2024-01-01") + pd.to_timedelta(_codes, "D")),
}


def pandas_counts(x):
    """What pandas gives: value_counts sorted by label, int64, named like tabulate."""
    s = x if isinstance(x, pd.Series) else pd.Series(np.asarray(x, dtype=object))
    if isinstance(x, np.ndarray) and x.dtype != object:
        s = pd.Series(x)
    out = s.value_counts().sort_index().astype(np.int64)
    out.name = "count"
    out.index.name = s.name
    return out


@pytest.mark.parametrize("kind", list(KINDS))
def test_tabulate_equals_value_counts(kind):
    x = KINDS[kind]
    got = kls.tabulate(x)
    want = pandas_counts(x)
    pd.testing.assert_series_equal(got, want, check_index_type=False)
    assert list(got.index) == sorted(got.index)


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("other", ["int64", "object str", "arrow str"])
def test_cross_tabulate_equals_crosstab(kind, other):
    x, y = KINDS[kind], KINDS[other]
    got = V.cross_tabulate(x, y)
    ax = x.to_numpy() if isinstance(x, pd.Series) else np.asarray(x)
    ay = y.to_numpy() if isinstance(y, pd.Series) else np.asarray(y)
    want = pd.crosstab(ax, ay)
    np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())
    assert list(got.index) == list(want.index) and list(got.columns) == list(want.columns)
    assert got.index.name == getattr(x, "name", None)
    assert got.columns.name == getattr(y, "name", None)


def test_categorical_keeps_declared_categories():
    cat = pd.Categorical(["lo", "hi", "hi", "mid"], categories=["lo", "mid", "hi", "none"])
    got = kls.tabulate(cat)
    assert list(got.index) == ["lo", "mid", "hi", "none"]
    assert got.tolist() == [1, 1, 2, 0]
    # cross-tabulation: observed categories only, in declared order (as pd.crosstab)
    tab = V.cross_tabulate(cat, [1, 2, 1, 2])
    assert list(tab.index) == ["lo", "mid", "hi"]
    assert tab.to_numpy().tolist() == [[1, 0], [0, 1], [1, 1]]
    assert list(pd.crosstab(cat, np.array([1, 2, 1, 2])).index) == ["lo", "mid", "hi"]


def test_mixed_labels_order():
    x = [2, "b", 1, "a", 2]
    assert list(kls.tabulate(x).index) == [2, "b", 1, "a"]  # first seen (unorderable)
    tab = V.cross_tabulate(x, [0, 0, 1, 1, 0])
    assert list(tab.index) == [1, 2, "a", "b"]  # numbers before strings, as pd.crosstab
    np.testing.assert_array_equal(tab.to_numpy(), [[0, 1], [2, 0], [0, 1], [1, 0]])


@pytest.mark.parametrize(
    "x",
    [
        np.array([1.0, np.nan, 2.0]),
        pd.Series(["a", None, "b"], dtype="string[pyarrow]"),
        pd.Categorical(["a", None, "b"]),
        pd.Series([1, None, 2], dtype="Int64"),
        ["a", None, "b"],
    ],
)
def test_missing_labels_are_refused(x):
    with pytest.raises(ValueError, match="1 missing value"):
        kls.tabulate(x)
    with pytest.raises(ValueError, match="1 missing value"):
        V.cross_tabulate(x, [1, 2, 3])


def test_bad_label_input():
    with pytest.raises(ValueError, match="empty"):
        kls.tabulate(np.array([], dtype=int))
    with pytest.raises(TypeError, match="single string"):
        kls.tabulate("abc")
    with pytest.raises(ValueError, match="1-D"):
        kls.tabulate(np.zeros((2, 2), dtype=int))
    with pytest.raises(ValueError, match="same length"):
        V.cross_tabulate([1, 2], [1, 2, 3])


def test_input_not_modified_and_chunks(monkeypatch):
    monkeypatch.setattr(V, "_LABEL_CHUNK", 7)  # many chunks
    x = (_codes - 3).astype(np.int16)
    y = _words[_codes[::-1]]
    x0, y0 = x.copy(), y.copy()
    tab = V.cross_tabulate(x, y)
    want = pd.crosstab(x, y)
    np.testing.assert_array_equal(tab.to_numpy(), want.to_numpy())
    pd.testing.assert_series_equal(kls.tabulate(x), pandas_counts(x), check_index_type=False)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(-(2**62), 2**62), min_size=1, max_size=40),
    st.integers(0, 3),
)
def test_integer_labels_property(values, width):
    dtype = [np.int64, np.int32, np.int16, np.int8][width]
    info = np.iinfo(dtype)
    x = np.clip(np.array(values), info.min, info.max).astype(dtype)
    pd.testing.assert_series_equal(kls.tabulate(x), pandas_counts(x), check_index_type=False)
    y = x[::-1]
    tab = V.cross_tabulate(x, y)
    want = pd.crosstab(x, y)
    np.testing.assert_array_equal(tab.to_numpy(), want.to_numpy())
    assert list(tab.index) == list(want.index)


def test_too_large_table_refused(monkeypatch):
    monkeypatch.setattr(V, "_MAX_TABLE_CELLS", 100)
    x = np.arange(20) * 1000  # 20 sparse labels
    with pytest.raises(ValueError, match="400 cells"):
        V.cross_tabulate(x, x)


@pytest.mark.parametrize("case", ["tabulate unique", "tabulate int", "cross"])
def test_memory_at_most_twice_the_input(case):
    n = 2_000_000
    g = np.random.default_rng(1)
    if case == "tabulate unique":  # the output alone is two arrays of n
        x = g.permutation(n).astype(np.int64)
        inp, call = x.nbytes, lambda: kls.tabulate(x)
    elif case == "tabulate int":
        x = g.integers(0, 50, n)
        inp, call = x.nbytes, lambda: kls.tabulate(x)
    else:
        x, y = g.integers(0, 50, n), g.integers(0, 20, n)
        inp, call = x.nbytes + y.nbytes, lambda: kls.mutual_information(x, y)
    tracemalloc.start()
    try:
        call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= 2.05 * inp, peak / inp


@pytest.mark.parametrize("sort", [True, False])
@pytest.mark.parametrize("chunk", [None, 3])
@pytest.mark.parametrize(
    "x",
    [
        np.random.default_rng(5).integers(0, 20, 200) / 3.0,  # few distinct values
        np.random.default_rng(5).random(50),  # all distinct
        np.array([2.0, -0.0, 0.0, np.inf, -np.inf, 2.0, 1e-300]),
        np.array([3.5]),
        (np.random.default_rng(2).integers(0, 3, 100) / 2).astype(np.float32),
    ],
)
def test_float_labels_sorted_counting(x, chunk, sort, monkeypatch):
    """Float labels with many distinct values are counted from one sorted copy (few:
    hashing): the same counts and labels as value_counts (-0.0 and 0.0 are one label,
    shown as 0.0), dtype kept."""
    if chunk is not None:
        monkeypatch.setattr(V, "_LABEL_CHUNK", chunk)
    monkeypatch.setattr(V, "_FLOAT_HASH_MAX_DISTINCT", 0 if sort else 10**9)
    x0 = x.copy()
    got = kls.tabulate(x)
    want = pandas_counts(x)
    np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())
    np.testing.assert_array_equal(got.index.to_numpy(), want.index.to_numpy())
    assert got.index.dtype == x.dtype
    if sort:  # (hashing keeps the first-seen zero, as pandas does)
        assert not np.signbit(got.index.to_numpy()[got.index.to_numpy() == 0]).any()
    np.testing.assert_array_equal(x, x0)


def test_float_labels_memory():
    """All-distinct float labels: the output alone is two arrays of n; the counting
    adds at most one chunk (pandas' hashing needed about 7x the input)."""
    x = np.random.default_rng(3).random(4_000_000)
    kls.tabulate(x[:10])
    tracemalloc.start()
    try:
        out = kls.tabulate(x)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out.size == x.size and out.sum() == x.size
    assert peak <= 2.0 * x.nbytes + 9 * V._LABEL_CHUNK + 2**20, peak / x.nbytes
