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

The column machinery (typing, binning, per-column tests, corrections) is in
``_frame_columns``, the preparation of pandas and Dask input in ``_frame_prepare``, the
result classes in ``_frame_results``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._base._docstrings import fill_doc
from .._base._validation import check_alpha, check_choice, check_int, check_resamples, is_dask
from ._frame_columns import (
    DEFAULT_SUBSAMPLE,
    MAX_BINS,
    MISSING,
    MISSING_LABEL,
    TYPES,
    _adjust,
    _as_float,
    _bin_edges,
    _check_correction,
    _check_frame,
    _default_resamples,
    _is_numeric,
    _kind,
    _Lazy,
    _seed_and_children,
    _test_column,
)
from ._frame_prepare import _prepare_dask, _prepare_pandas
from ._frame_results import FrameComparison, MutualInformationFrame
from ._permutation import independence_test

__all__ = ["compare_frames", "mutual_information_frame"]


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
    JS = 0.0718 nats, 95% CI [0.0294, 0.1246]
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
