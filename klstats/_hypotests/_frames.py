"""Whole-table comparisons: every column of two data sets (:func:`compare_frames`), and
every column of one data set against a target (:func:`mutual_information_frame`), with
p-values adjusted for the number of columns.

Each column gets a test suited to its type, built from the single-column functions of
the package:

- categorical, boolean and low-cardinality numeric columns: counts per category, the
  G-test of homogeneity (:func:`klstats.g_test_homogeneity`) and the Jensen-Shannon
  divergence of the two distributions of categories (:func:`klstats.jensen_shannon`);
- continuous columns: counts in equal-frequency bins of the pooled sample, then the same
  G-test and divergence. The bin edges are a function of the pooled (unordered) sample, so
  under H0 the table of bin counts is a random split of fixed bin totals, exactly the
  null of the homogeneity test. ``continuous="knn"`` uses the k-NN permutation test
  (:func:`klstats.kl_test`) instead.

P-values are adjusted across the tested columns with
:func:`statsmodels.stats.multitest.multipletests`.

Size: one module of about 1600 lines, over the 1000-line guide, because it is one concept:
the two public functions share the column typing, binning, missing-value accounting,
multiplicity adjustment, lazy per-column results and the result classes; more than half
of the lines are the numpydoc docstrings.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._base._docstrings import fill_doc
from .._base._validation import (
    check_alpha,
    check_choice,
    check_int,
    check_resamples,
    check_rng,
    is_dask,
)
from .._estimators._discrete import jensen_shannon
from .._kernels._counts import js_plugin, mi_plugin
from .._results._classes import KLEstimate, KLTestResult, _fields_equal
from .._results._summary import (
    Block,
    Parts,
    as_markdown,
    build_summary,
    fmt,
    fmt_pvalue,
    jsonable,
    versions,
)
from ._gtest_pvalues import _snap_zero
from ._gtests import g_test_homogeneity
from ._permutation import independence_test, kl_test

__all__ = [
    "FrameComparison",
    "MutualInformationFrame",
    "compare_frames",
    "mutual_information_frame",
]

# correction= value -> statsmodels.stats.multitest.multipletests method
CORRECTIONS = {
    "holm": "holm",
    "bonferroni": "bonferroni",
    "hommel": "hommel",
    "sidak": "sidak",
    "holm-sidak": "holm-sidak",
    "bh": "fdr_bh",
    "fdr_bh": "fdr_bh",
    "by": "fdr_by",
    "fdr_by": "fdr_by",
    "none": None,
}
CORRECTION_LABELS = {
    "holm": "Holm (family-wise error rate)",
    "bonferroni": "Bonferroni (family-wise error rate)",
    "hommel": "Hommel (family-wise error rate)",
    "sidak": "Sidak (family-wise error rate)",
    "holm-sidak": "Holm-Sidak (family-wise error rate)",
    "fdr_bh": "Benjamini-Hochberg (false discovery rate)",
    "fdr_by": "Benjamini-Yekutieli (false discovery rate)",
    None: "none (per-column p-values)",
}
TYPES = ("categorical", "boolean", "discrete", "continuous")
MISSING = ("drop", "category")
MISSING_LABEL = "<missing>"
DEFAULT_SUBSAMPLE = 100_000
MAX_BINS = 10
LOG2 = math.log(2.0)
MIN_PER_BIN = 10


# =========================================================================== helpers


def _check_correction(correction: Any) -> str | None:
    if correction is None:
        return None
    key = check_choice(correction, "correction", tuple(CORRECTIONS))
    return CORRECTIONS[key]


def _check_frame(obj: Any, name: str) -> Any:
    if isinstance(obj, pd.DataFrame) or (is_dask(obj) and hasattr(obj, "columns")):
        if len(obj.columns) == 0:
            raise ValueError(f"`{name}` has no columns.")
        if not obj.columns.is_unique:
            dup = obj.columns[obj.columns.duplicated()].unique().tolist()[:5]
            raise ValueError(f"`{name}` has duplicated column names {dup}; rename them first.")
        return obj
    if isinstance(obj, pd.Series) or is_dask(obj):
        raise TypeError(
            f"`{name}` must be a DataFrame (pandas or Dask); got a "
            f"{type(obj).__name__}. Use `.to_frame()`, or a single-column test such as "
            "kls.kl_test or kls.g_test_homogeneity."
        )
    raise TypeError(
        f"`{name}` must be a pandas or Dask DataFrame; got {type(obj).__name__}. Wrap "
        "arrays with pandas.DataFrame(...)."
    )


def _seed_and_children(rng: Any, n: int) -> tuple[int, list[np.random.Generator]]:
    """One seed drawn at the door (or the integer given), spawned once per column."""
    gen = check_rng(rng)
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool | np.bool_) and rng >= 0:
        seed = int(rng)
    else:
        seed = int(gen.integers(2**63 - 1))
    children = np.random.SeedSequence(seed).spawn(n)
    return seed, [np.random.default_rng(c) for c in children]


def _is_numeric(dtype: Any) -> bool:
    return (
        pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_bool_dtype(dtype)
        and not isinstance(dtype, pd.CategoricalDtype)
    )


def _is_datetime(dtype: Any) -> bool:
    return pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype)


def _as_float(s: pd.Series) -> np.ndarray:
    if _is_datetime(s.dtype):
        return s.astype("int64").to_numpy(dtype=float)
    return s.to_numpy(dtype=float)


def _default_resamples(m: int, alpha: float) -> int:
    """Resamples per column: 999, or enough that the smallest p-value, 1/(B + 1), is a
    tenth of the Bonferroni threshold alpha/m (else no column could ever be flagged)."""
    return int(max(999, math.ceil(10 * m / alpha) - 1))


def _auto_bins(n_min: int) -> int:
    """Equal-frequency bins: at most 10, at least 10 expected counts per bin in the
    smaller sample, at least 2."""
    return int(min(MAX_BINS, max(2, n_min // MIN_PER_BIN)))


def _bin_edges(pooled: np.ndarray, bins: int) -> np.ndarray:
    """Inner edges at the pooled-sample quantiles (ties merge bins)."""
    bins = min(bins, max(pooled.size, 1))  # more bins than points cannot add edges
    qs = np.linspace(0.0, 1.0, bins + 1)[1:-1]
    return np.unique(np.quantile(pooled, qs, method="inverted_cdf"))


def _bin_counts(a: np.ndarray, edges: np.ndarray) -> np.ndarray:
    # bin i holds edges[i-1] < v <= edges[i]; values equal to an edge go to the lower bin
    return np.bincount(np.searchsorted(edges, a, side="left"), minlength=len(edges) + 1)


def _bin_labels(edges: np.ndarray) -> list[str]:
    # 4 significant digits, more when they would print two edges alike (bin labels
    # must be unique: repeated category labels are refused)
    for digits in range(4, 18):
        e = [f"{v:.{digits}g}" for v in edges]
        if len(set(e)) == len(e):
            break
    if not e:
        return ["all"]
    return [f"<= {e[0]}"] + [f"({a}, {b}]" for a, b in itertools.pairwise(e)] + [f"> {e[-1]}"]


def _adjust(
    pvalues: np.ndarray, alpha: float, method: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted p-values and rejections over the finite p-values (nan stays nan)."""
    adj = np.full(pvalues.shape, np.nan)
    rej = np.zeros(pvalues.shape, dtype=bool)
    ok = np.isfinite(pvalues)
    if not ok.any():
        return adj, rej
    if method is None:
        adj[ok] = pvalues[ok]
        rej[ok] = pvalues[ok] <= alpha
        return adj, rej
    if method == "holm":
        # Holm (1979) step-down: the same numbers as statsmodels' multipletests, without
        # the full garbage collection it runs on every Holm call (~0.1 s in a busy process)
        p = pvalues[ok]
        order = np.argsort(p, kind="stable")
        m = len(p)
        stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
        p_adj = np.empty(m)
        p_adj[order] = np.minimum(stepped, 1.0)
        adj[ok], rej[ok] = p_adj, p_adj <= alpha
        return adj, rej
    from statsmodels.stats.multitest import multipletests

    r, p_adj, _, _ = multipletests(pvalues[ok], alpha=alpha, method=method)
    adj[ok], rej[ok] = p_adj, r
    return adj, rej


def _label_index(vc: pd.Series) -> pd.Series:
    """Value counts with a missing-value label replaced by a plain string."""
    idx = vc.index
    na = np.asarray(pd.isna(idx))
    if na.any():
        labels = [MISSING_LABEL if m else v for v, m in zip(idx.tolist(), na, strict=True)]
        vc = pd.Series(vc.to_numpy(), index=pd.Index(labels, dtype=object))
        vc = vc.groupby(level=0, sort=False).sum()
    return vc


class _Lazy(Mapping):
    """Column -> result, each built on first access from a picklable recipe
    ``(function, args, kwargs)`` (or given ready-made), then cached."""

    def __init__(self, recipes: Mapping[Hashable, Any]) -> None:
        self._recipes = dict(recipes)
        self._done: dict[Hashable, Any] = {}

    def __getitem__(self, key: Hashable) -> Any:
        if key not in self._done:
            recipe = self._recipes[key]
            if isinstance(recipe, tuple) and len(recipe) == 3 and callable(recipe[0]):
                fn, args, kwargs = recipe
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # noted in the table already
                    recipe = fn(*args, **kwargs)
            self._done[key] = recipe
        return self._done[key]

    def __iter__(self):
        return iter(self._recipes)

    def __len__(self) -> int:
        return len(self._recipes)

    def __repr__(self) -> str:
        return f"<{len(self)} per-column results: {list(self._recipes)[:5]}...>"


def _williams_q(t: np.ndarray) -> float:
    """Williams' (1976) correction factor of G for an r x c table without empty rows or
    columns: q = 1 + (N sum 1/R_i - 1)(N sum 1/C_j - 1) / (6 N (r-1)(c-1))."""
    n = float(t.sum())
    r, c = t.shape
    rows, cols = t.sum(axis=1), t.sum(axis=0)
    return 1.0 + (n * np.sum(1 / rows) - 1) * (n * np.sum(1 / cols) - 1) / (
        6.0 * n * (r - 1) * (c - 1)
    )


def _g_asymptotic(
    a: np.ndarray, b: np.ndarray, correction: str | None
) -> tuple[float, float, int]:
    """G-test of homogeneity with the chi-square p-value, from the 2 x K counts (the
    numbers of :func:`klstats.g_test_homogeneity`, without building its result)."""
    keep = (a + b) > 0
    t = np.vstack([a[keep], b[keep]])
    n = float(t.sum())
    g = 2.0 * n * float(mi_plugin(t))
    if correction == "williams":
        g = g / _williams_q(t)
    g = _snap_zero(g, n)
    df = int(keep.sum()) - 1
    return g, float(stats.chi2.sf(g, df)), df


# =========================================================================== one column


@dataclass
class _Column:
    """What is known about one column before testing (pandas or Dask)."""

    name: Hashable
    kind: str
    n_ref: int = 0
    n_cur: int = 0
    missing_ref: int = 0
    missing_cur: int = 0
    counts: tuple[pd.Series, pd.Series] | None = None  # categorical
    values: tuple[np.ndarray, np.ndarray] | None = None  # continuous
    subsampled: bool = False
    rows: tuple[int, int] = (0, 0)
    test_missing: tuple[int, int] = (0, 0)  # missing values among the rows tested
    notes: list[str] = field(default_factory=list)


def _kind(name: Hashable, s_ref: Any, s_cur: Any, types: Mapping, max_levels: int, nunique) -> str:
    if name in types:
        return types[name]
    d_ref, d_cur = s_ref.dtype, s_cur.dtype
    if pd.api.types.is_bool_dtype(d_ref) and pd.api.types.is_bool_dtype(d_cur):
        return "boolean"
    numeric = (_is_numeric(d_ref) or _is_datetime(d_ref)) and (
        _is_numeric(d_cur) or _is_datetime(d_cur)
    )
    if not numeric:
        return "categorical"
    if _is_datetime(d_ref) or _is_datetime(d_cur):
        return "continuous"
    return "discrete" if nunique() <= max_levels else "continuous"


def _test_column(
    col: _Column,
    *,
    alpha: float,
    continuous: str,
    bins: int | None,
    missing: str,
    n_resamples: int,
    gen: np.random.Generator,
    test_options: Mapping[str, Any],
) -> dict[str, Any]:
    """Test one prepared column; returns a row of the summary frame plus the results."""
    row: dict[str, Any] = {
        "type": col.kind,
        "test": "",
        "statistic": math.nan,
        "df": math.nan,
        "pvalue": math.nan,
        "effect": math.nan,
        "ci_lower": math.nan,
        "ci_upper": math.nan,
        "n_reference": col.n_ref,
        "n_current": col.n_cur,
        "n": col.n_ref + col.n_cur,
        "missing_reference": col.missing_ref,
        "missing_current": col.missing_cur,
        "levels": 0,
    }
    notes = list(col.notes)
    test: KLTestResult | None = None
    effect: KLEstimate | None = None
    if col.n_ref == 0 or col.n_cur == 0:
        side = "reference" if col.n_ref == 0 else "current"
        notes.append(f"not tested: no non-missing values in {side}")
        row["test"] = "none"
        return {"row": row, "notes": notes, "test": None, "effect": None}

    if col.counts is not None:
        c_ref, c_cur = col.counts
        union = c_ref.index.union(c_cur.index, sort=False) if len(c_ref) else c_cur.index
        c_ref = c_ref.reindex(union, fill_value=0).astype(float)
        c_cur = c_cur.reindex(union, fill_value=0).astype(float)
        try:
            c_ref, c_cur = c_ref.sort_index(), c_cur.sort_index()
        except TypeError:
            pass
        levels = int(((c_ref + c_cur) > 0).sum())
        row["levels"] = levels
        r_np, c_np = c_ref.to_numpy(), c_cur.to_numpy()
        only_ref = c_ref.index[(c_np == 0) & (r_np > 0)].tolist()
        only_cur = c_ref.index[(r_np == 0) & (c_np > 0)].tolist()
        if only_cur:
            notes.append(f"{len(only_cur)} categor(ies) only in current: {only_cur[:5]}")
        if only_ref:
            notes.append(f"{len(only_ref)} categor(ies) only in reference: {only_ref[:5]}")
        ref_arr, cur_arr = c_ref, c_cur
        row["test"] = "G-test of homogeneity"
    else:
        x, y = col.values  # type: ignore[misc]
        if continuous == "knn":
            row["test"] = "k-NN permutation test"
        else:
            row["test"] = "G-test of homogeneity, binned"
        pooled = np.concatenate([x, y])
        k = bins if bins is not None else _auto_bins(min(len(x), len(y)))
        edges = _bin_edges(pooled, k)
        ref_counts, cur_counts = _bin_counts(x, edges), _bin_counts(y, edges)
        labels = _bin_labels(edges)
        m_ref, m_cur = col.test_missing
        if missing == "category" and (m_ref or m_cur):
            ref_counts = np.append(ref_counts, m_ref)
            cur_counts = np.append(cur_counts, m_cur)
            labels.append(MISSING_LABEL)
            row["n_reference"] = col.n_ref + m_ref
            row["n_current"] = col.n_cur + m_cur
            row["n"] = row["n_reference"] + row["n_current"]
        ref_arr = pd.Series(ref_counts.astype(float), index=labels)
        cur_arr = pd.Series(cur_counts.astype(float), index=labels)
        levels = int(((ref_arr + cur_arr) > 0).sum())
        row["levels"] = levels
        notes.append(f"{len(edges) + 1} equal-frequency bins of the pooled sample")

    if levels < 2:
        notes.append("not tested: a single value in both data sets")
        row["effect"], row["ci_lower"], row["ci_upper"] = 0.0, 0.0, 0.0
        row["test"] = "none"
        return {"row": row, "notes": notes, "test": None, "effect": None}

    a, b = ref_arr.to_numpy(dtype=float), cur_arr.to_numpy(dtype=float)
    # the estimate now; its KLEstimate (and interval) when first asked for
    row["effect"] = float(js_plugin(a, b))
    effect = (jensen_shannon, (ref_arr, cur_arr), {})
    if col.values is not None and continuous == "knn":
        x, y = col.values
        opts = {"ties": "jitter", **dict(test_options)}
        test = kl_test(y, x, estimator="knn", n_resamples=n_resamples, rng=gen, **opts)
    else:
        # Williams' correction unless asked otherwise: the uncorrected G is slightly
        # liberal at moderate n (size 0.053 at alpha = 0.05 in the validation study)
        opts = {"correction": "williams", **dict(test_options)}
        small = _small_expected(ref_arr.to_numpy(), cur_arr.to_numpy())
        if "method" not in opts:
            # Cochran's rule: chi-square where it holds, else Monte Carlo tables with the
            # observed margins (the G-test is liberal on sparse tables)
            opts["method"] = "montecarlo" if small else "asymptotic"
        if small and opts["method"] == "asymptotic":
            notes.append(f"{small}: chi-square p-value approximate")
        if opts["method"] == "montecarlo":
            opts.setdefault("n_resamples", n_resamples)
            if small:
                notes.append(
                    f"small expected counts: Monte Carlo p-value ({opts['n_resamples']} tables)"
                )
        fast = set(opts) <= {"method", "correction"} and opts["correction"] in (None, "williams")
        if opts["method"] == "asymptotic" and fast:
            g, pvalue, df = _g_asymptotic(a, b, opts["correction"])
            row["statistic"], row["pvalue"], row["df"] = g, pvalue, float(df)
            test = (g_test_homogeneity, (ref_arr, cur_arr), opts)
            return {"row": row, "notes": notes, "test": test, "effect": effect}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # small expected counts: noted instead
            test = g_test_homogeneity(ref_arr, cur_arr, rng=gen, **opts)
    row["statistic"], row["pvalue"] = test.statistic, test.pvalue
    # degrees of freedom of the chi-square law, also when the p-value is exact or
    # Monte Carlo (g_test_homogeneity's method="auto")
    df = getattr(test, "chi2_df", None) if test.df is None else test.df
    row["df"] = math.nan if df is None else float(df)
    return {"row": row, "notes": notes, "test": test, "effect": effect}


def _small_expected(a: np.ndarray, b: np.ndarray) -> str | None:
    keep = (a + b) > 0
    t = np.vstack([a[keep], b[keep]])
    e = np.outer(t.sum(1), t.sum(0)) / t.sum()
    if (e < 1).any() or (e < 5).mean() > 0.2:
        return "small expected counts"
    return None


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


# =========================================================================== results


def _fmt_ci(lo: float, hi: float) -> str:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return ""
    return f"[{fmt(lo)}, {fmt(hi)}]"


class _FrameResult:
    """Shared behaviour of the whole-table results (summary, Markdown, dict, HTML)."""

    title = ""
    _sort_by = "effect"

    def _interval(self, name: Hashable) -> tuple[float, float] | None:  # pragma: no cover
        raise NotImplementedError

    @property
    def _frame(self) -> pd.DataFrame:
        """The table with the intervals, computed on first use (p-values, flags and
        adjusted p-values need none)."""
        if "frame" not in self._cache:
            f = self._table.copy()
            for name in f.index:
                if np.isnan(f.at[name, "ci_lower"]):
                    ci = self._interval(name)
                    if ci is not None:
                        f.at[name, "ci_lower"], f.at[name, "ci_upper"] = ci
            self._cache["frame"] = f
        return self._cache["frame"]

    def _sorted(self) -> pd.DataFrame:
        return self._frame.sort_values(self._sort_by, ascending=False, na_position="last")

    def _block(self, alpha: float) -> Block:  # pragma: no cover - abstract
        raise NotImplementedError

    def _header(self) -> list[tuple[str, str]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _notes(self) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _check_alpha(self, alpha: float | None) -> None:
        if alpha is not None and not math.isclose(check_alpha(alpha), self.alpha):
            raise ValueError(
                f"This table was computed with alpha={self.alpha:g} (flags and intervals); "
                f"run it again with alpha={alpha:g}."
            )

    def summary(self, alpha: float | None = None):
        """A statsmodels ``Summary``: the settings, then one row per column sorted by
        effect (largest first), then notes (``as_text()``, ``as_html()``,
        ``as_latex()``). ``alpha`` must be None or the level the table was run at."""
        self._check_alpha(alpha)
        return build_summary(self.title, self._header(), self._notes(), (self._block(),))

    def _parts(self, alpha: float | None = None) -> Parts:
        """What the summary shows (title, settings, the per-column table, notes)."""
        self._check_alpha(alpha)
        return Parts(self.title, self._header(), self._notes(), (self._block(),))

    def summary_markdown(self, alpha: float | None = None) -> str:
        """The content of :meth:`summary` as Markdown."""
        self._check_alpha(alpha)
        return as_markdown(self.title, self._header(), self._notes(), (self._block(),))

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    # plain data: equal when every compared field is equal (tables by value)
    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        names = tuple(f.name for f in fields(self) if f.compare)
        return _fields_equal(self, other, names)

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, eq=False, repr=False)
class FrameComparison(_FrameResult):
    """Result of :func:`compare_frames`: one test per shared column.

    Attributes
    ----------
    columns : tuple
        The tested columns, in the order tested.
    only_reference, only_current : tuple
        Columns present in one data set only (not tested).
    tests : Mapping
        Column name -> the column's test result (:class:`KLTestResult`; None for a
        column that could not be tested).
    effects : Mapping
        Column name -> the Jensen-Shannon divergence estimate (:class:`KLEstimate`; None
        when not tested).
    alpha : float
        Level of the adjusted tests and 1 - confidence level of the intervals.
    correction : str or None
        The multiple-testing method (``statsmodels`` name, e.g. ``"holm"``,
        ``"fdr_bh"``).
    seed : int
        The seed every column's random numbers were spawned from; ``rng=seed``
        reproduces the result.
    flagged : tuple
        Columns whose adjusted test rejects at ``alpha``.
    """

    columns: tuple
    only_reference: tuple
    only_current: tuple
    tests: Mapping[Hashable, KLTestResult | None]
    effects: Mapping[Hashable, KLEstimate | None]
    alpha: float
    correction: str | None
    seed: int
    nrows: tuple[int, int]
    options: Mapping[str, Any]
    _table: pd.DataFrame
    _col_notes: Mapping[Hashable, tuple[str, ...]]
    _cache: dict = field(default_factory=dict, compare=False)

    title = "Comparison of two data sets, column by column"

    def _interval(self, name: Hashable) -> tuple[float, float] | None:
        effect = self.effects[name]
        if effect is None:
            return None
        ci = effect.conf_int(self.alpha)
        # JS lies in [0, log 2]: a limit past log 2 (near-disjoint supports) is cut there
        return min(ci.low, LOG2), min(ci.high, LOG2)

    @property
    def flagged(self) -> tuple:
        f = self._table
        return tuple(f.index[f["flagged"].to_numpy(dtype=bool)])

    @property
    def pvalues(self) -> pd.Series:
        """Unadjusted p-values, by column."""
        return self._table["pvalue"].copy()

    @property
    def pvalues_adjusted(self) -> pd.Series:
        """Adjusted p-values, by column."""
        return self._table["pvalue_adj"].copy()

    def summary_frame(self) -> pd.DataFrame:
        """One row per tested column (index = column name), in the order tested.

        Columns: ``type`` (categorical, boolean, discrete = numeric with few distinct
        values, continuous), ``test``, ``statistic`` (G; the k-NN KL estimate for
        ``continuous="knn"``), ``df``, ``pvalue``, ``pvalue_adj`` (adjusted across
        columns), ``flagged`` (adjusted test rejects at ``alpha``), ``effect`` (the
        Jensen-Shannon divergence in nats), ``ci_lower``, ``ci_upper`` (its
        ``1 - alpha`` confidence interval, per column), ``n_reference``, ``n_current``,
        ``n`` (values used), ``missing_reference``, ``missing_current``, ``levels``
        (categories or bins with counts) and ``note``.
        """
        return self._frame.copy()

    def _header(self) -> list[tuple[str, str]]:
        return [
            ("Rows (reference, current)", f"{self.nrows[0]}, {self.nrows[1]}"),
            ("Columns tested", str(len(self.columns))),
            ("Flagged", str(len(self.flagged))),
            ("Correction", CORRECTION_LABELS[self.correction]),
            ("Alpha", fmt(self.alpha)),
            ("Effect", "Jensen-Shannon divergence (nats)"),
            ("Continuous columns", str(self.options.get("continuous"))),
            ("Seed", str(self.seed)),
        ]

    def _block(self) -> Block:
        f = self._sorted()
        headers = ["type", "test", "statistic", "p-value", "p adj", "effect", "CI", "n", "missing"]
        short = {
            "G-test of homogeneity": "G",
            "G-test of homogeneity, binned": "G binned",
            "k-NN permutation test": "k-NN perm.",
            "none": "-",
        }
        data = []
        for _, r in f.iterrows():
            flag = " *" if r["flagged"] else ""
            data.append(
                [
                    r["type"],
                    short.get(r["test"], r["test"]),
                    fmt(r["statistic"]),
                    fmt_pvalue(r["pvalue"]),
                    fmt_pvalue(r["pvalue_adj"]) + flag,
                    fmt(r["effect"]),
                    _fmt_ci(r["ci_lower"], r["ci_upper"]),
                    str(int(r["n"])),
                    f"{int(r['missing_reference'])}/{int(r['missing_current'])}",
                ]
            )
        return Block(
            "Columns, largest effect first (* flagged)",
            headers,
            [str(i) for i in f.index],
            data,
        )

    def _notes(self) -> list[str]:
        out = [
            "Null hypothesis per column: the column has the same distribution in both data "
            "sets. Effect: Jensen-Shannon divergence JS(P_ref, P_cur) in nats (0 to log 2 = "
            f"0.693), with a {1 - self.alpha:.0%} per-column confidence interval; continuous "
            "columns: of the binned distributions (a lower bound on the continuous JS).",
            "Missing values (reference/current) are counted and "
            + (
                "counted as a category."
                if self.options.get("missing") == "category"
                else "left out of the tests."
            ),
        ]
        if self.only_reference:
            out.append(f"Only in reference (not tested): {list(self.only_reference)}")
        if self.only_current:
            out.append(f"Only in current (not tested): {list(self.only_current)}")
        for name, notes in self._col_notes.items():
            extra = [n for n in notes if "equal-frequency bins" not in n]
            if extra:
                out.append(f"{name}: " + "; ".join(extra))
        return out

    def to_dict(self, alpha: float | None = None) -> dict[str, Any]:
        """Everything in the summary as plain JSON types."""
        self._check_alpha(alpha)
        f = self._frame
        return jsonable(
            {
                "kind": "frame_comparison",
                "title": self.title,
                "alpha": self.alpha,
                "correction": self.correction,
                "seed": self.seed,
                "nrows": list(self.nrows),
                "options": dict(self.options),
                "only_reference": list(self.only_reference),
                "only_current": list(self.only_current),
                "flagged": list(self.flagged),
                "columns": {
                    str(name): {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
                    for name, r in f.to_dict(orient="index").items()
                },
                "notes": self._notes(),
                "versions": versions(),
            }
        )

    def plot(self, ax: Any = None, *, top: int | None = None) -> Any:
        """Effect of every column with its confidence interval, largest first; flagged
        columns highlighted.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure is created when omitted.
        top : int, optional
            Show only the ``top`` columns with the largest effects.

        Returns
        -------
        matplotlib.axes.Axes
        """
        return _plot_effects(self._sorted(), ax, top, "Jensen-Shannon divergence (nats)", self)

    def __repr__(self) -> str:
        return (
            f"FrameComparison(columns={len(self.columns)}, flagged={len(self.flagged)}, "
            f"correction={self.correction!r}, alpha={self.alpha:g}, seed={self.seed})"
        )

    def __getitem__(self, name: Hashable) -> KLTestResult | None:
        return self.tests[name]


def _plot_effects(f: pd.DataFrame, ax: Any, top: int | None, xlabel: str, res: Any) -> Any:
    from .._results import _plotting

    _plotting.check(ax)
    if top is not None:
        top = check_int(top, "top", minimum=1)
        f = f.iloc[:top]
    plt = _plotting.pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, max(2.0, 0.32 * len(f) + 1.0)))
    f = f.iloc[::-1]  # largest on top
    y = np.arange(len(f))
    flagged = f["flagged"].to_numpy(dtype=bool)
    est = f["effect" if "effect" in f else "estimate"].to_numpy(dtype=float)
    lo, hi = f["ci_lower"].to_numpy(dtype=float), f["ci_upper"].to_numpy(dtype=float)
    err = np.vstack([np.clip(est - lo, 0, None), np.clip(hi - est, 0, None)])
    err = np.where(np.isfinite(err), err, 0.0)
    for mask, colour, label in ((~flagged, "0.55", "not flagged"), (flagged, "C3", "flagged")):
        if mask.any():
            ax.errorbar(
                est[mask],
                y[mask],
                xerr=err[:, mask],
                fmt="o",
                color=colour,
                ecolor=colour,
                capsize=2,
                label=f"{label} ({int(mask.sum())})",
            )
    ax.set_yticks(y)
    ax.set_yticklabels([str(i) for i in f.index])
    ax.axvline(0.0, color="0.8", lw=0.8, zorder=0)
    ax.set_xlabel(xlabel)
    level = f"{1 - res.alpha:.0%}"
    ax.set_title(f"{res.title}\n{level} intervals; flagged: adjusted p <= {res.alpha:g}")
    ax.legend(loc="lower right", fontsize="small")
    return ax


# =========================================================================== compare_frames


@fill_doc
def compare_frames(
    reference: Any,
    current: Any,
    *,
    columns: Sequence[Hashable] | None = None,
    alpha: float = 0.05,
    correction: str | None = "holm",
    rng: Any = None,
    types: Mapping[Hashable, str] | None = None,
    max_levels: int = 20,
    continuous: str = "binned",
    bins: int | None = None,
    missing: str = "drop",
    n_resamples: int | None = None,
    subsample: int | None = None,
    test_options: Mapping[str, Any] | None = None,
) -> FrameComparison:
    r"""Compare two data sets column by column, with p-values adjusted for multiplicity.

    For every column present in both data frames: a test of H0 "the column has the same
    distribution in ``reference`` and ``current``" suited to its type, the
    Jensen-Shannon divergence between the two distributions as effect size (in nats) with
    a confidence interval, and p-values adjusted across the tested columns.

    Parameters
    ----------
    reference, current : pandas.DataFrame or dask.dataframe.DataFrame
        The two data sets (e.g. last month and this month, control and treatment).
    columns : sequence, optional
        Columns to compare (each must be in both); default: every shared column, in the
        order of ``reference``.
    alpha : float, optional
        Level of the adjusted tests (a column is flagged when its adjusted p-value is at
        most ``alpha``) and 1 - confidence level of the per-column intervals (default
        0.05).
    correction : str or None, optional
        Multiple-testing adjustment across columns, one of ``"holm"``, ``"bh"``,
        ``"by"``, ``"bonferroni"``, ``"hommel"``, ``"sidak"``, ``"holm-sidak"`` or None,
        by :func:`statsmodels.stats.multitest.multipletests`: ``"holm"`` (default) controls
        the family-wise error rate, ``"bh"`` (Benjamini-Hochberg, alias ``"fdr_bh"``)
        the false discovery rate (``"by"``: Benjamini-Yekutieli, under any
        dependence); None or ``"none"``: no adjustment.
    rng : `numpy.random.Generator`, optional
        Pseudorandom number generator state. One seed is drawn from it (or an integer
        ``rng`` is used as the seed), recorded as ``result.seed``, and spawned into one
        independent stream per column (:meth:`numpy.random.SeedSequence.spawn`), so
        ``rng=result.seed`` reproduces the result. Used by Monte Carlo and permutation
        p-values and by subsampling.
        %(rng)s
    types : mapping, optional
        Column name -> ``"categorical"``, ``"boolean"``, ``"discrete"`` (all three
        tested on counts per value) or ``"continuous"``, overriding the rule below.
    max_levels : int, optional
        Numeric columns with at most this many distinct values (both data sets
        together) are tested on counts per value (type ``"discrete"``, default 20).
    continuous : {"binned", "knn"}, optional
        Test for continuous columns. ``"binned"`` (default): the G-test of homogeneity
        on counts in equal-frequency bins of the pooled sample (``bins``). ``"knn"``:
        the k-NN permutation test of :func:`klstats.kl_test` with ``n_resamples``
        permutations (exact ties are jittered; ``test_options`` go to it).
    bins : int, optional
        Number of equal-frequency bins for continuous columns; default: 10, fewer when
        the smaller sample has under 100 values (at least 10 values per bin, at least 2
        bins).
    missing : {"drop", "category"}, optional
        ``"drop"`` (default): missing values are counted and reported per column, and
        left out of the test; ``"category"``: missing is one more category (or bin), so
        a change in the missing rate counts as a change of distribution.
    n_resamples : int, optional
        Monte Carlo tables (sparse counted columns) or permutations
        (``continuous="knn"``) per column. Default: 999, or more with many columns, so
        that the smallest p-value 1/(B + 1) is at most a tenth of alpha/m for m columns
        (e.g. 9999 for 50 columns at alpha = 0.05).
    subsample : int, optional
        Largest number of values per data set used for a continuous column; a larger
        column is subsampled without replacement (noted per column). Default: no
        subsampling for pandas data, 100000 for Dask data.
    test_options : mapping, optional
        Extra keyword arguments for the per-column tests: for
        :func:`klstats.g_test_homogeneity` (e.g. ``{"method": "asymptotic"}`` or
        ``{"correction": None}``; the default is Williams' correction), or for
        :func:`klstats.kl_test` with ``continuous="knn"`` (e.g. ``{"k": 5}``).

    Returns
    -------
    FrameComparison
        ``summary_frame()`` (one row per column, index = column name, with ``pvalue``,
        the adjusted ``pvalue_adj``, ``flagged``, ``effect`` and its interval, ``n`` and
        the missing counts), ``summary()`` (sorted by effect), ``plot()``, ``flagged``,
        ``tests`` and ``effects`` (per-column results), ``only_reference`` and
        ``only_current``, ``seed``.

    Raises
    ------
    TypeError
        If ``reference`` or ``current`` is not a pandas or Dask DataFrame, or for a bad
        ``rng``.
    ValueError
        For an unknown option value, a requested column missing from a data set, no
        shared columns, or duplicated column names.

    Notes
    -----
    *Column types.* Boolean, string, object and categorical columns, and numeric columns
    with at most ``max_levels`` distinct values, are compared on their counts per value
    (categories missing on one side count 0). Other numeric and datetime columns are
    continuous.

    *Tests.* Counts: :func:`klstats.g_test_homogeneity` with Williams' correction
    (G / q, Williams 1976; the uncorrected G was slightly liberal in the validation
    study), with the chi-square p-value when Cochran's rule holds (every expected count
    at least 1, at most 20 % below 5) and otherwise the Monte Carlo p-value from
    ``n_resamples`` random tables with the observed margins (``test_options=`` overrides
    either). Continuous: the same test on counts in equal-frequency bins whose edges are
    quantiles of the pooled sample. The edges depend
    on the data only through the pooled sample, which H0 leaves exchangeable, so the
    conditional null of the table is that of the homogeneity test. In a simulation
    study (see the documentation's guide) this binned test had exact size and more power
    than the k-NN permutation test against location and scale changes of 1-D
    columns, and it costs one sort per column.

    *Effect.* The Jensen-Shannon divergence JS(P, Q) = D(P||M)/2 + D(Q||M)/2,
    M = (P+Q)/2, in nats (symmetric, between 0 and log 2), estimated by plug-in from the
    counts (:func:`klstats.jensen_shannon`, interval by noncentral chi-square
    inversion). For a continuous column it is the JS of the binned distributions: a
    lower bound on the JS of the continuous distributions (information is lost by
    binning, never gained). The intervals are per column at level ``1 - alpha``, not
    adjusted for multiplicity.

    *Multiplicity.* Only tested columns enter the adjustment. Columns that could not be
    tested (no values on one side, or a single value in both) have p-value NaN and are
    never flagged.

    *Dask.* Counts (categories, missing values, sizes) are computed by Dask, one pass
    over each data set; continuous columns are subsampled (``subsample``, default
    100000 values per side) and the subsample sizes are reported in ``n_reference`` and
    ``n_current``.

    References
    ----------
    .. [1] Holm, S. "A simple sequentially rejective multiple test procedure",
           Scandinavian Journal of Statistics 6(2), 65-70 (1979).
    .. [2] Benjamini, Y. and Hochberg, Y. "Controlling the false discovery rate: a
           practical and powerful approach to multiple testing", Journal of the Royal
           Statistical Society B 57(1), 289-300 (1995).
    .. [3] Lin, J. "Divergence measures based on the Shannon entropy", IEEE
           Transactions on Information Theory 37(1), 145-151 (1991).
    .. [4] Williams, D. A. "Improved likelihood ratio tests for complete contingency
           tables", Biometrika 63(1), 33-37 (1976).

    Examples
    --------
    Women with secondary infertility (cases) against matched controls (Trichopoulos et
    al. 1976): the matching variables do not differ, earlier spontaneous abortions do.

    >>> import klstats as kls
    >>> df = kls.datasets.load("infert")
    >>> controls, cases = df[df.case == 0], df[df.case == 1]
    >>> res = kls.compare_frames(controls.drop(columns="case"), cases.drop(columns="case"), rng=1)
    >>> print(res.flagged)
    ('spontaneous',)
    >>> row = res.summary_frame().loc["spontaneous"]
    >>> print(f"G/q = {row.statistic:.2f}, df = {row.df:.0f}, adjusted p = {row.pvalue_adj:.1e}")
    G/q = 32.08, df = 2, adjusted p = 5.4e-07
    >>> print(f"JS = {row.effect:.4f} nats, 95% CI [{row.ci_lower:.4f}, {row.ci_upper:.4f}]")
    JS = 0.0718 nats, 95% CI [0.0297, 0.1235]
    """
    reference = _check_frame(reference, "reference")
    current = _check_frame(current, "current")
    alpha = check_alpha(alpha)
    method = _check_correction(correction)
    continuous = check_choice(continuous, "continuous", ("binned", "knn"))
    missing = check_choice(missing, "missing", MISSING)
    max_levels = check_int(max_levels, "max_levels", minimum=1)
    if n_resamples is not None:
        n_resamples = check_resamples(n_resamples, what="compare_frames")
    if bins is not None:
        bins = check_int(bins, "bins", minimum=2)
    dask_in = is_dask(reference) or is_dask(current)
    if subsample is not None:
        subsample = check_int(subsample, "subsample", minimum=10)
    elif dask_in:
        subsample = DEFAULT_SUBSAMPLE
    types = dict(types or {})
    for name, kind in types.items():
        check_choice(kind, f"types[{name!r}]", TYPES)
    test_options = dict(test_options or {})

    ref_cols, cur_cols = list(reference.columns), list(current.columns)
    cur_set, ref_set = set(cur_cols), set(ref_cols)
    only_ref = tuple(c for c in ref_cols if c not in cur_set)
    only_cur = tuple(c for c in cur_cols if c not in ref_set)
    if columns is None:
        names = [c for c in ref_cols if c in cur_set]
        if not names:
            raise ValueError(
                "`reference` and `current` share no column names; rename the columns or "
                "pass `columns=`."
            )
    else:
        if isinstance(columns, str) or not isinstance(columns, Sequence | pd.Index):
            columns = [columns]
        names = list(columns)
        if not names:
            raise ValueError("`columns` is empty; pass None to compare every shared column.")
        if len(set(names)) != len(names):
            raise ValueError("`columns` lists a column more than once.")
        for c in names:
            where = [w for w, s in (("reference", ref_set), ("current", cur_set)) if c not in s]
            if where:
                raise ValueError(f"Column {c!r} of `columns` is not in `{where[0]}`.")
    unknown = [k for k in types if k not in names]
    if unknown:
        raise ValueError(f"`types` names columns that are not compared: {unknown[:5]}.")

    seed, gens = _seed_and_children(rng, len(names))
    if n_resamples is None:
        n_resamples = _default_resamples(len(names), alpha)
    if dask_in:
        prepared = _prepare_dask(
            names,
            reference,
            current,
            types=types,
            max_levels=max_levels,
            missing=missing,
            subsample=subsample,
            gens=gens,  # type: ignore[arg-type]
        )
        nrows_ref, nrows_cur = prepared[0].rows
    else:
        prepared = [
            _prepare_pandas(
                name,
                reference[name],
                current[name],
                types=types,
                max_levels=max_levels,
                missing=missing,
                subsample=subsample,
                gen=gen,
            )
            for name, gen in zip(names, gens, strict=True)
        ]
        nrows_ref, nrows_cur = len(reference), len(current)

    rows, tests, effects, col_notes = {}, {}, {}, {}
    for col, gen in zip(prepared, gens, strict=True):
        out = _test_column(
            col,
            alpha=alpha,
            continuous=continuous,
            bins=bins,
            missing=missing,
            n_resamples=n_resamples,
            gen=gen,
            test_options=test_options,
        )
        rows[col.name] = out["row"]
        tests[col.name], effects[col.name] = out["test"], out["effect"]
        col_notes[col.name] = tuple(out["notes"])
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "column"
    adj, rej = _adjust(frame["pvalue"].to_numpy(dtype=float), alpha, method)
    frame.insert(frame.columns.get_loc("pvalue") + 1, "pvalue_adj", adj)
    frame.insert(frame.columns.get_loc("pvalue_adj") + 1, "flagged", rej)
    frame["note"] = ["; ".join(col_notes[c]) for c in frame.index]
    return FrameComparison(
        columns=tuple(names),
        only_reference=only_ref,
        only_current=only_cur,
        tests=_Lazy(tests),
        effects=_Lazy(effects),
        alpha=alpha,
        correction=method,
        seed=seed,
        nrows=(nrows_ref, nrows_cur),
        options={
            "continuous": continuous,
            "bins": bins,
            "missing": missing,
            "max_levels": max_levels,
            "n_resamples": n_resamples,
            "subsample": subsample,
            "types": {str(k): v for k, v in types.items()},
            "test_options": test_options,
        },
        _table=frame,
        _col_notes=col_notes,
    )


# =========================================================================== MI screening


@dataclass(frozen=True, eq=False, repr=False)
class MutualInformationFrame(_FrameResult):
    """Result of :func:`mutual_information_frame`: every column against one target.

    Attributes
    ----------
    target : hashable
        The target column.
    columns : tuple
        The screened columns, in the order tested.
    tests : Mapping
        Column name -> permutation test result (:class:`KLTestResult`; its
        ``effect`` is the mutual-information estimate), None when not tested.
    alpha, correction, seed, flagged
        As for :class:`FrameComparison`.
    """

    target: Hashable
    target_type: str
    columns: tuple
    tests: Mapping[Hashable, KLTestResult | None]
    alpha: float
    correction: str | None
    seed: int
    nrows: int
    target_missing: int
    options: Mapping[str, Any]
    _table: pd.DataFrame
    _col_notes: Mapping[Hashable, tuple[str, ...]]
    _cache: dict = field(default_factory=dict, compare=False)

    _sort_by = "estimate"

    def _interval(self, name: Hashable) -> tuple[float, float] | None:
        test = self.tests[name]
        if test is None:
            return None
        ci = test.conf_int(self.alpha)
        return ci.low, ci.high

    @property
    def title(self) -> str:  # type: ignore[override]
        return f"Mutual information with {self.target!r}, column by column"

    @property
    def flagged(self) -> tuple:
        f = self._table
        return tuple(f.index[f["flagged"].to_numpy(dtype=bool)])

    def summary_frame(self) -> pd.DataFrame:
        """One row per screened column (index = column name), in the order tested.

        Columns: ``type``, ``test``, ``estimate`` (mutual information with the target,
        nats), ``ci_lower``, ``ci_upper`` (``1 - alpha`` interval, per column),
        ``statistic`` (the permutation statistic), ``pvalue``, ``pvalue_adj``,
        ``flagged``, ``n`` (rows used), ``missing`` (rows left out because the column
        or the target is missing), ``levels`` (rows x columns of the table) and
        ``note``.
        """
        return self._frame.copy()

    def _header(self) -> list[tuple[str, str]]:
        return [
            ("Target", f"{self.target} ({self.target_type})"),
            ("Rows", str(self.nrows)),
            ("Columns screened", str(len(self.columns))),
            ("Flagged", str(len(self.flagged))),
            ("Correction", CORRECTION_LABELS[self.correction]),
            ("Alpha", fmt(self.alpha)),
            ("Permutations", str(self.options.get("n_resamples"))),
            ("Seed", str(self.seed)),
        ]

    def _block(self) -> Block:
        f = self._sorted()
        headers = ["type", "MI (nats)", "CI", "p-value", "p adj", "n", "missing", "table"]
        data = []
        for _, r in f.iterrows():
            flag = " *" if r["flagged"] else ""
            data.append(
                [
                    r["type"],
                    fmt(r["estimate"]),
                    _fmt_ci(r["ci_lower"], r["ci_upper"]),
                    fmt_pvalue(r["pvalue"]),
                    fmt_pvalue(r["pvalue_adj"]) + flag,
                    str(int(r["n"])),
                    str(int(r["missing"])),
                    str(r["levels"]),
                ]
            )
        return Block(
            "Columns, largest mutual information first (* flagged)",
            headers,
            [str(i) for i in f.index],
            data,
        )

    def _notes(self) -> list[str]:
        out = [
            "Null hypothesis per column: the column is independent of the target. "
            "Estimate: plug-in mutual information of the table of the column against "
            "the target (continuous variables in equal-frequency bins), in nats, with a "
            f"{1 - self.alpha:.0%} per-column interval; p-values from permutations.",
        ]
        if self.target_missing:
            out.append(f"The target is missing in {self.target_missing} rows (left out).")
        for name, notes in self._col_notes.items():
            if notes:
                out.append(f"{name}: " + "; ".join(notes))
        return out

    def to_dict(self, alpha: float | None = None) -> dict[str, Any]:
        """Everything in the summary as plain JSON types."""
        self._check_alpha(alpha)
        f = self._frame
        return jsonable(
            {
                "kind": "mutual_information_frame",
                "title": self.title,
                "target": self.target,
                "alpha": self.alpha,
                "correction": self.correction,
                "seed": self.seed,
                "options": dict(self.options),
                "flagged": list(self.flagged),
                "columns": {
                    str(name): {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
                    for name, r in f.to_dict(orient="index").items()
                },
                "notes": self._notes(),
                "versions": versions(),
            }
        )

    def plot(self, ax: Any = None, *, top: int | None = None) -> Any:
        """Mutual information of every column with its interval, largest first; flagged
        columns highlighted (parameters as for :meth:`FrameComparison.plot`)."""
        return _plot_effects(
            self._sorted(), ax, top, f"mutual information with {self.target} (nats)", self
        )

    def __repr__(self) -> str:
        return (
            f"MutualInformationFrame(target={self.target!r}, columns={len(self.columns)}, "
            f"flagged={len(self.flagged)}, correction={self.correction!r}, seed={self.seed})"
        )

    def __getitem__(self, name: Hashable) -> KLTestResult | None:
        return self.tests[name]


def _codes(s: pd.Series, kind: str, bins: int | None, n_min_bins: int) -> pd.Series:
    """Labels for the table: the values themselves, or equal-frequency bin numbers."""
    if kind != "continuous":
        return s
    v = _as_float(s)
    k = bins if bins is not None else int(min(MAX_BINS, max(2, n_min_bins)))
    edges = _bin_edges(v, k)
    return pd.Series(np.searchsorted(edges, v, side="left"), index=s.index)


@fill_doc
def mutual_information_frame(
    frame: Any,
    target: Hashable,
    *,
    columns: Sequence[Hashable] | None = None,
    alpha: float = 0.05,
    correction: str | None = "holm",
    rng: Any = None,
    types: Mapping[Hashable, str] | None = None,
    max_levels: int = 20,
    bins: int | None = None,
    missing: str = "drop",
    estimator: str = "plugin",
    n_resamples: int | None = None,
    subsample: int | None = None,
) -> MutualInformationFrame:
    r"""Mutual information of every column with a target, with permutation p-values
    adjusted for multiplicity: a screening table.

    Parameters
    ----------
    frame : pandas.DataFrame or dask.dataframe.DataFrame
        The data, one row per observation.
    target : hashable
        Name of the target column.
    columns : sequence, optional
        Columns to screen; default: every other column.
    alpha : float, optional
        Level of the adjusted tests and 1 - confidence level of the intervals (default
        0.05).
    correction : str or None, optional
        Multiple-testing adjustment across columns (as for
        :func:`compare_frames`; default ``"holm"``).
    rng : `numpy.random.Generator`, optional
        Pseudorandom number generator state; one seed is drawn (or an integer ``rng``
        is the seed), recorded as ``result.seed`` and spawned into one stream per column.
        %(rng)s
    types : mapping, optional
        Column name (the target included) -> ``"categorical"``, ``"boolean"``,
        ``"discrete"`` or ``"continuous"``.
    max_levels : int, optional
        Numeric columns with at most this many distinct values are used as they are;
        others are continuous and binned (default 20).
    bins : int, optional
        Equal-frequency bins for continuous variables; default 10, fewer for small
        data (about 20 rows per bin, at least 2 bins).
    missing : {"drop", "category"}, optional
        ``"drop"`` (default): rows where the column or the target is missing are left
        out of that column's table and counted in ``missing``; ``"category"``: missing
        is one more category of the column (rows with a missing target are still left
        out).
    estimator : str, optional
        Mutual-information estimator of :func:`klstats.mutual_information` used as the
        permutation statistic and the estimate (default ``"plugin"``, whose permutation
        test is the conditional G-test of independence).
    n_resamples : int, optional
        Permutations per column. Default: 999, or more with many columns, so that the
        smallest p-value 1/(B + 1) is at most a tenth of alpha/m for m columns.
    subsample : int, optional
        Largest number of rows used for a column pair involving a continuous variable
        (random rows, noted per column). Default: none for pandas data, 100000 for
        Dask data.

    Returns
    -------
    MutualInformationFrame
        ``summary_frame()`` (one row per column: ``estimate`` with ``ci_lower`` and
        ``ci_upper``, ``pvalue``, the adjusted ``pvalue_adj``, ``flagged``, ``n``,
        ``missing``), ``summary()`` (sorted by estimate), ``plot()``, ``tests``,
        ``seed``.

    Raises
    ------
    TypeError
        If ``frame`` is not a DataFrame, or for a bad ``rng``.
    ValueError
        If ``target`` or a requested column is not in ``frame``, or for an unknown
        option value.

    Notes
    -----
    Each column and the target are cross-tabulated (continuous variables in
    equal-frequency bins of their own values) and the test is
    :func:`klstats.independence_test` on the table: permuting the column against the
    target keeps both margins, and binning a variable depends only on its own values, so
    the permutation p-value is exact. The estimate is the mutual information of the
    binned variables, a lower bound on that of the continuous ones; its interval
    (noncentral chi-square inversion for the plug-in estimator) is per column at level
    ``1 - alpha``.

    Examples
    --------
    >>> import klstats as kls
    >>> df = kls.datasets.load("infert")
    >>> res = kls.mutual_information_frame(df, "case", rng=2)
    >>> print(res.flagged)
    ('spontaneous',)
    """
    frame = _check_frame(frame, "frame")
    if target not in frame.columns:
        raise ValueError(f"`target` {target!r} is not a column of `frame`.")
    alpha = check_alpha(alpha)
    method = _check_correction(correction)
    missing = check_choice(missing, "missing", MISSING)
    max_levels = check_int(max_levels, "max_levels", minimum=1)
    if n_resamples is not None:
        n_resamples = check_resamples(n_resamples, what="mutual_information_frame")
    if bins is not None:
        bins = check_int(bins, "bins", minimum=2)
    dask_in = is_dask(frame)
    if subsample is not None:
        subsample = check_int(subsample, "subsample", minimum=10)
    elif dask_in:
        subsample = DEFAULT_SUBSAMPLE
    types = dict(types or {})
    for name, kind in types.items():
        check_choice(kind, f"types[{name!r}]", TYPES)
    if columns is None:
        names = [c for c in frame.columns if c != target]
    else:
        if isinstance(columns, str) or not isinstance(columns, Sequence | pd.Index):
            columns = [columns]
        names = list(columns)
        bad = [c for c in names if c not in frame.columns]
        if bad:
            raise ValueError(f"Column {bad[0]!r} of `columns` is not in `frame`.")
        if target in names:
            raise ValueError("`columns` must not include the target.")
        if len(set(names)) != len(names):
            raise ValueError("`columns` lists a column more than once.")
    if not names:
        raise ValueError("`frame` has no column besides the target.")

    seed, gens = _seed_and_children(rng, len(names))
    if n_resamples is None:
        n_resamples = _default_resamples(len(names), alpha)
    # kinds from dtypes and, for numeric columns, the number of distinct values
    if dask_in:
        import dask

        numeric = [c for c in [target, *names] if _is_numeric(frame[c].dtype) and c not in types]
        nu = dict(zip(numeric, dask.compute(*[frame[c].nunique() for c in numeric]), strict=True))
        nrows, target_missing = (
            int(v) for v in dask.compute(frame.shape[0], frame[target].isna().sum())
        )
    else:
        nu = {}
        nrows, target_missing = len(frame), int(frame[target].isna().sum())

    def kind_of(c: Hashable) -> str:
        s = frame[c]
        return _kind(c, s, s, types, max_levels, lambda: nu[c] if c in nu else s.nunique())

    t_kind = kind_of(target)
    kinds = {c: kind_of(c) for c in names}

    # small pandas pieces: the (column, target) pairs, counted or subsampled
    pairs: dict[Hashable, Any] = {}
    if dask_in:
        import dask

        lazy = {}
        for c in names:
            sub = frame[[c, target]]
            if kinds[c] == "continuous" or t_kind == "continuous":
                frac = min(1.0, 1.2 * subsample / max(nrows, 1))  # type: ignore[operator]
                seed_c = int(gens[names.index(c)].integers(2**32 - 1))
                lazy[c] = sub.sample(frac=frac, random_state=seed_c) if frac < 1 else sub
            else:
                lazy[c] = sub.groupby([c, target], dropna=False).size()
        got = dask.compute(lazy)[0]
        for c in names:
            pairs[c] = got[c]
    else:
        for c in names:
            pairs[c] = frame[[c, target]]

    rows, tests, col_notes = {}, {}, {}
    for c, gen in zip(names, gens, strict=True):
        notes: list[str] = []
        piece = pairs[c]
        if isinstance(piece, pd.Series):  # counts by (column, target) from Dask
            counts = piece.reset_index()
            counts.columns = ["c", "t", "w"]
            t_na = counts["t"].isna()
            counts = counts[~t_na]
            c_na = counts["c"].isna()
            n_missing = int(counts.loc[c_na, "w"].sum())
            if missing == "category":
                counts.loc[c_na, "c"] = MISSING_LABEL
            else:
                counts = counts[~c_na]
            table = counts.pivot_table(
                index="c", columns="t", values="w", aggfunc="sum", fill_value=0
            )
        else:
            piece = piece[piece[target].notna()]
            if (
                subsample is not None
                and len(piece) > subsample
                and (kinds[c] == "continuous" or t_kind == "continuous")
            ):
                piece = piece.iloc[np.sort(gen.choice(len(piece), subsample, replace=False))]
                notes.append(f"subsample of {subsample} rows")
            cs = piece[c]
            c_na = cs.isna()
            n_missing = int(c_na.sum())
            if missing == "category" and n_missing:
                if kinds[c] == "continuous":
                    codes = _codes(cs[~c_na], "continuous", bins, len(cs) // 20).astype(object)
                    cs = codes.reindex(cs.index).astype(object)
                else:
                    cs = cs.astype(object)
                cs = cs.where(~c_na, MISSING_LABEL)
                tv = _codes(piece[target], t_kind, bins, len(piece) // 20)
            else:
                keep = ~c_na
                cs = _codes(cs[keep], kinds[c], bins, int(keep.sum()) // 20)
                tv = _codes(piece[target][keep], t_kind, bins, int(keep.sum()) // 20)
            table = pd.crosstab(cs.to_numpy(), tv.to_numpy())
        t = table.to_numpy(dtype=float)
        t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
        n = int(t.sum())
        row = {
            "type": kinds[c],
            "test": "permutation test of independence",
            "estimate": math.nan,
            "ci_lower": math.nan,
            "ci_upper": math.nan,
            "statistic": math.nan,
            "pvalue": math.nan,
            "n": n,
            "missing": n_missing,
            "levels": f"{t.shape[0]} x {t.shape[1]}",
        }
        test = None
        if t.shape[0] < 2 or t.shape[1] < 2:
            notes.append("not tested: a single value in the column or the target")
            row["test"] = "none"
            if n:
                row["estimate"], row["ci_lower"], row["ci_upper"] = 0.0, 0.0, 0.0
        else:
            test = independence_test(t, estimator=estimator, n_resamples=n_resamples, rng=gen)
            row.update(estimate=test.estimate, statistic=test.statistic, pvalue=test.pvalue)
        rows[c], tests[c], col_notes[c] = row, test, tuple(notes)

    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "column"
    adj, rej = _adjust(out["pvalue"].to_numpy(dtype=float), alpha, method)
    out.insert(out.columns.get_loc("pvalue") + 1, "pvalue_adj", adj)
    out.insert(out.columns.get_loc("pvalue_adj") + 1, "flagged", rej)
    out["note"] = ["; ".join(col_notes[c]) for c in out.index]
    return MutualInformationFrame(
        target=target,
        target_type=t_kind,
        columns=tuple(names),
        tests=tests,
        alpha=alpha,
        correction=method,
        seed=seed,
        nrows=nrows,
        target_missing=target_missing,
        options={
            "bins": bins,
            "missing": missing,
            "max_levels": max_levels,
            "estimator": estimator,
            "n_resamples": n_resamples,
            "subsample": subsample,
            "types": {str(k): v for k, v in types.items()},
        },
        _table=out,
        _col_notes=col_notes,
    )
