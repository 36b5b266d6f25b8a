"""Column-by-column machinery of the whole-table comparisons: typing a column, binning,
the per-column G-test or k-NN test, multiplicity corrections (module constants)."""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._base._validation import check_choice, check_rng, is_dask
from .._estimators._discrete_derived import jensen_shannon
from .._inference._intervals import chi2_sf
from .._kernels._counts import js_plugin, mi_plugin
from .._results._classes import KLEstimate, KLTestResult
from ._gtest_pvalues import _snap_zero
from ._gtests import g_test_homogeneity
from ._permutation import kl_test

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
    return g, chi2_sf(g, df), df


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
