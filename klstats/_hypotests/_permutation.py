"""Tests whose null distribution is obtained by resampling: the two-sample permutation
test and the one-sample Monte Carlo goodness-of-fit test with a KL statistic
(:func:`kl_test`), and the permutation test of independence with a mutual-information
statistic (:func:`independence_test`).

The draws come from :mod:`klstats._resampling`: for counts, a label permutation is a
multivariate hypergeometric split of the pooled counts, a Monte Carlo sample is a
multinomial draw from the reference, and a permutation of one variable of a
contingency table is a random table with the observed margins, each O(K) per draw.
"""

from __future__ import annotations

import dataclasses
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from .._base._docstrings import fill_doc
from .._base._validation import check_choice, check_resamples, check_rng, is_dask
from .._estimators._discrete import (
    KL_ESTIMATORS,
    MI_ESTIMATORS,
    _as_mi_table,
    kl_divergence,
    mutual_information,
)
from .._inference._intervals import CountInference
from .._inference._resampling import (
    check_integer_counts,
    multinomial_draws,
    permute_two_samples,
    random_tables,
    run_chunks,
)
from .._kernels._counts import KL1_KERNELS
from .._results._common import seed_of
from .._results._test_results import ResamplingTestResult
from ._resampling_result import _result

__all__ = ["independence_test", "kl_test"]

KNN_ESTIMATORS = ("knn", "weighted", "wang", "adaptive")
KSG_ESTIMATORS = ("knn", "weighted", "ksg1", "ksg2")


def _is_continuous_dist(obj: Any) -> bool:
    return hasattr(obj, "pdf") and hasattr(obj, "rvs")


def _seeded(res: ResamplingTestResult, rng: Any) -> ResamplingTestResult:
    """The result with the integer seed behind `rng` recorded (None for a Generator)."""
    seed = seed_of(rng)
    return res if seed is None else dataclasses.replace(res, seed=seed)


# =========================================================================== kl_test


DATA_KINDS = ("counts", "labels", "samples")

# why kl_test's statistic on counts defaults to Zhang-Grabchak, not kl_divergence's plug-in
_ZHANG_WHY = (
    "Statistic: the Zhang-Grabchak estimate of D(P||Q), kl_test's default for counts. It "
    "is always finite, so every permutation gives a usable statistic, whereas the "
    "plug-in (kl_divergence's default) is infinite whenever a category of P is empty in "
    "Q; estimator='plugin' gives the plug-in."
)


def _values_kind(a: Any, name: str) -> str:
    """'labels', 'whole' (non-negative whole numbers), 'negative' (whole numbers, some
    negative), 'fractional' (other real numbers) or '2d' (rows of samples)."""
    if isinstance(a, pd.DataFrame):
        return "2d"
    dtype = getattr(a, "dtype", None)
    if isinstance(dtype, pd.CategoricalDtype) or isinstance(a, pd.Categorical):
        return "labels"
    values = a.to_numpy() if isinstance(a, pd.Series | pd.Index) else np.asarray(a)
    if values.dtype.kind in "OUSVb" or not pd.api.types.is_numeric_dtype(values.dtype):
        try:  # an object array of numbers (a list of Python ints) is numeric
            values = values.astype(float)
        except (TypeError, ValueError):
            return "labels"
        if values.dtype.kind == "b":
            return "labels"
    if values.ndim == 2:
        return "2d"
    if values.dtype.kind == "b":
        return "labels"
    with np.errstate(invalid="ignore"):
        if not np.all(values == np.round(values)):
            return "fractional"
    return "negative" if values.size and np.min(values) < 0 else "whole"


def _data_kind(
    x: Any, y: Any, reference: Any, estimator: str | None, data: str | None
) -> tuple[str, str]:
    """The kind of data kl_test reads (counts, labels or samples) and why."""
    if data is not None:
        return check_choice(data, "data", DATA_KINDS), f"data={data!r}"
    if estimator is not None and str(estimator).lower() in KNN_ESTIMATORS:
        return "samples", f"inferred from the k-NN estimator {estimator!r}"
    if _is_continuous_dist(reference):
        return "samples", "inferred: `reference` is a continuous distribution"
    if is_dask(x) or is_dask(y):
        return "counts", "inferred: Dask input is read as counts"
    kinds = [_values_kind(x, "x")] + ([] if y is None else [_values_kind(y, "y")])
    if "labels" in kinds:
        return "labels", "inferred: the values are not numbers"
    if "2d" in kinds:
        return "samples", "inferred: 2-D input (one row per observation)"
    if "fractional" in kinds:
        if estimator is not None:  # a discrete estimator asked for: weighted counts
            return "counts", f"inferred from the discrete estimator {estimator!r}"
        if reference is not None:  # probabilities or a discrete distribution
            return "counts", "inferred: `reference` is a discrete distribution"
        return "samples", "inferred: the values are not whole numbers"
    if "negative" in kinds:
        raise ValueError(
            "`x`/`y` hold negative whole numbers, which are not counts. Pass "
            "data='labels' if they are categories (integer observations) or "
            "data='samples' for a k-NN estimate on numeric observations."
        )
    if y is not None:
        lx, ly = _length(x), _length(y)
        labelled = isinstance(x, pd.Series) or isinstance(y, pd.Series)
        if lx != ly and not labelled:
            raise ValueError(
                f"`x` and `y` are whole numbers of different lengths ({lx} and {ly}): as "
                "counts they need one entry per category, so they look like observations. "
                "Pass data='labels' (integer categories, tabulated) or data='samples' "
                "(k-NN), or data='counts' with pandas Series indexed by category."
            )
    return "counts", (
        "inferred: 1-D whole numbers, read as the counts of categories; pass "
        "data='labels' if they are integer observations"
    )


def _length(a: Any) -> int:
    """Observations (or categories) of an input, for the cost estimate of resampling."""
    try:
        return int(np.prod(np.shape(a))) if hasattr(a, "shape") else len(a)
    except TypeError:
        return 1


@fill_doc
def kl_test(
    x: Any,
    y: Any = None,
    *,
    reference: Any = None,
    estimator: str | None = None,
    n_resamples: int = 9999,
    rng: Any = None,
    base: float | None = None,
    progress: bool | None = None,
    data: str | None = None,
    **options: Any,
) -> ResamplingTestResult:
    r"""Resampling test of P = Q with a KL-divergence estimate as statistic.

    Two-sample (``y`` given): permutation test of H0: the samples ``x`` ~ P and
    ``y`` ~ Q come from one distribution. One-sample (``reference`` given): Monte Carlo
    goodness-of-fit test of H0: P equals the known reference, with the null
    distribution drawn from the reference. The statistic is the estimate of
    D(P||Q) with ``x`` ~ P; large values are evidence against H0.

    Parameters
    ----------
    x : array_like or pandas Series
        Counts of the sample from P, its raw labels (one per observation), or samples,
        shape ``(n,)`` or ``(n, d)`` (k-NN estimators); see ``data``.
    y : array_like or pandas Series, optional
        Counts, labels or samples from Q (two-sample test), of the same kind as ``x``.
    reference : optional
        Known Q for the one-sample test: probabilities (array, Series, dict) or a frozen
        scipy.stats discrete distribution for counts; a frozen continuous distribution
        (with ``rvs`` and ``logpdf``) for samples.
    estimator : str, optional
        Counts: ``"plugin"``, ``"miller-madow"``, ``"jackknife"``, ``"zhang"``,
        ``"dirichlet"`` or ``"shrink"``; samples: ``"knn"`` (the default k-NN
        estimator of :func:`kl_divergence_knn`, the weighted bias-cancelling one),
        ``"weighted"``, ``"wang"`` or ``"adaptive"``. Default ``"zhang"`` for counts
        (always finite) and ``"knn"`` when ``reference`` is a continuous distribution.
        The summary says which estimator is the statistic and, for the default, why.
        Without ``k`` the weighted statistic uses the tests' default k, round(n^(4/(d+4)))
        between the estimators' default and 40: larger than the estimators' k, because
        the test needs low noise, not low bias (more power; see the guide page
        "Continuous samples" for the power table and when another test is better).
    n_resamples : int, optional
        Number of permutations or Monte Carlo samples B (default 9999).
    rng : `numpy.random.Generator`, optional
        Pseudorandom number generator state for the resampling.
        %(rng)s
    base : float, optional
        Logarithm base of the statistic and the effect size; None (default) gives
        nats.
    progress : bool, optional
        Progress bar (tqdm): None shows one only on a terminal for runs longer than a
        second, True always, False never.
    data : {"counts", "labels", "samples"}, optional
        What ``x`` and ``y`` hold. ``"counts"``: counts per category (discrete
        estimators); ``"labels"``: one category per observation, tabulated with
        :func:`tabulate` (discrete estimators); ``"samples"``: numeric observations
        (k-NN estimators). None (default) infers it, in this order: a k-NN
        ``estimator`` or a continuous ``reference`` means samples; values that are not
        numbers (strings, categoricals, booleans) are labels; 2-D input is samples;
        1-D numbers that are not all whole are samples (counts if a discrete
        ``estimator`` or a discrete ``reference`` is given); non-negative whole numbers
        are counts. Whole numbers
        that cannot be counts (negative ones; two arrays of different lengths) are
        refused with a request to say ``data=``. The summary says how the data were
        read.
    **options
        Estimator options (``prior``, ``k``, ...), passed to the estimator.

    Returns
    -------
    ResamplingTestResult
        ``statistic`` (the KL estimate, in ``units``), ``pvalue``, ``df=None``,
        ``null_distribution`` (the B resampled statistics), ``estimate`` and
        ``conf_int()`` (interval for D(P||Q) from the estimate), ``summary()``.

    Raises
    ------
    ValueError
        For invalid counts or samples, both or neither of ``y`` and ``reference``,
        counts that are not whole numbers, an unknown estimator, or
        ``n_resamples`` < 1.
    TypeError
        For a non-integer ``n_resamples`` or an unknown option.

    Notes
    -----
    The p-value is :math:`(1 + \#\{T^*_b \ge T\})/(B + 1)`, never 0. Under H0 the
    pooled sample is exchangeable, so the permutation test has exact level for any
    estimator, biased or not (Lehmann & Romano 2005, ch. 15; Pérez-Cruz 2008). For
    counts a label permutation is a multivariate hypergeometric split of the pooled
    counts (O(K) per draw); a Monte Carlo sample is Multinomial(n, Q). A reference that
    puts mass outside the listed categories gets an extra "elsewhere" category for the
    draws.

    References
    ----------
    .. [1] Good, P. "Permutation, Parametric, and Bootstrap Tests of Hypotheses",
           3rd ed., Springer (2005).
    .. [2] Phipson, B. and Smyth, G. K. "Permutation p-values should never be zero",
           Stat. Appl. Genet. Mol. Biol. 9(1), Article 39 (2010).

    Examples
    --------
    >>> import klstats as kls
    >>> res = kls.kl_test([30, 20, 10, 5], [18, 22, 15, 10], n_resamples=999, rng=1)
    >>> print(f"D = {res.statistic:.4f}, p = {res.pvalue:.3f}")
    D = 0.0464, p = 0.115
    """
    size = _length(x) + _length(y)
    if data is not None:
        data = check_choice(data, "data", DATA_KINDS)
    knn = (estimator is not None and str(estimator).lower() in KNN_ESTIMATORS) or (
        data == "samples"
    )
    # a k-NN statistic per permutation costs about 1e3 operations per point (measured)
    B = check_resamples(
        n_resamples, work_per_resample=(1000.0 if knn else 10.0) * size, what="kl_test"
    )
    gen = check_rng(rng)
    if (y is None) == (reference is None):
        raise ValueError(
            "Give exactly one of `y` (a second sample: permutation test) and `reference` "
            "(a known distribution: Monte Carlo goodness-of-fit test)."
        )
    kind, why = _data_kind(x, y, reference, estimator, data)
    defaulted = estimator is None
    if estimator is None:
        estimator = "knn" if kind == "samples" else "zhang"
    key = check_choice(estimator, "estimator", (*KL_ESTIMATORS, *KNN_ESTIMATORS))
    if (key in KNN_ESTIMATORS) != (kind == "samples"):
        need = "a k-NN estimator ('knn', 'weighted', 'wang' or 'adaptive')"
        if kind != "samples":
            need = f"a discrete estimator {KL_ESTIMATORS}"
        raise ValueError(
            f"The data are read as {kind} ({why}), which needs {need}; got "
            f"estimator={key!r}. Pass `data=` to say what `x` and `y` hold."
        )
    notes = [f"Data read as {kind} ({why})."]
    if defaulted and kind != "samples":
        notes.append(_ZHANG_WHY)
    if key in KNN_ESTIMATORS:
        from ._knn_resampling import kl_test_knn

        res = kl_test_knn(x, y, reference, key, B, gen, base, progress, options)
        return _seeded(_with_notes(res, notes), rng)
    if _is_continuous_dist(reference):
        raise ValueError(
            "`reference` is a continuous distribution; use a k-NN estimator "
            "(estimator='knn', 'weighted', 'wang' or 'adaptive') with samples `x`."
        )
    if kind == "labels":
        from .._estimators._discrete import tabulate

        if y is not None:
            x, y = tabulate(x, y)
        else:
            x = tabulate(x)
    if y is not None:
        res = _kl_permutation_counts(x, y, key, B, gen, base, progress, options)
    else:
        res = _kl_montecarlo_counts(x, reference, key, B, gen, base, progress, options)
    return _seeded(_with_notes(res, notes), rng)


def _with_notes(res: ResamplingTestResult, notes: list[str]) -> ResamplingTestResult:
    """The result with notes on how the data were read put first."""
    return dataclasses.replace(res, notes=(*notes, *res.notes))


def _kl_permutation_counts(x, y, key, B, gen, base, progress, options) -> ResamplingTestResult:
    effect = kl_divergence(x, y, estimator=key, base=base, **options)
    inf: CountInference = effect._inference  # type: ignore[assignment]
    xc, yc = inf.data
    check_integer_counts((xc, yc), "The permutation test")
    stat = inf.statistic

    def task(g: np.random.Generator, size: int) -> np.ndarray:
        return stat(*permute_two_samples(xc, yc, size, g))

    null = run_chunks(task, B, 2 * xc.size, gen, progress=progress, desc="permutations")
    return _result(
        "two-sample",
        "KL statistic",
        effect=effect,
        observed=inf.estimate,
        null=null,
        notes=[
            "Label permutations drawn as multivariate hypergeometric splits of the pooled counts."
        ],
        n_resamples=B,
    )


def _kl_montecarlo_counts(
    x, reference, key, B, gen, base, progress, options
) -> ResamplingTestResult:
    effect = kl_divergence(x, reference=reference, estimator=key, base=base, **options)
    inf: CountInference = effect._inference  # type: ignore[assignment]
    (xc,) = inf.data
    check_integer_counts((xc,), "The Monte Carlo test")
    q = inf.statistic.keywords["q"]
    opts = {k: v for k, v in inf.statistic.keywords.items() if k != "q"}
    mass = float(q.sum())
    notes = ["Null samples drawn as Multinomial(n, Q) from the reference."]
    if mass < 1 - 1e-9:
        # Q has mass outside the listed categories: draws may land there
        q = np.append(q, 1.0 - mass)
        xc = np.append(xc, 0.0)
        notes.append(
            f"The reference puts mass {1 - mass:.4g} outside the listed categories; "
            "the draws use an extra 'elsewhere' category."
        )
    stat = partial(KL1_KERNELS[key], q=q, **opts)
    with np.errstate(all="ignore"):
        observed = float(stat(xc))
    n = int(round(xc.sum()))

    def task(g: np.random.Generator, size: int) -> np.ndarray:
        return stat(multinomial_draws(n, q, size, g))

    null = run_chunks(task, B, xc.size, gen, progress=progress, desc="Monte Carlo")
    return _result(
        "gof",
        "KL statistic",
        effect=effect,
        observed=observed,
        null=null,
        notes=notes,
        n_resamples=B,
    )


# =========================================================================== independence


@fill_doc
def independence_test(
    x: Any,
    y: Any = None,
    *,
    estimator: str | None = None,
    n_resamples: int = 9999,
    rng: Any = None,
    base: float | None = None,
    progress: bool | None = None,
    **options: Any,
) -> ResamplingTestResult:
    """Permutation test of independence with a mutual-information statistic.

    Parameters
    ----------
    x : array_like or pandas DataFrame
        A 2-D contingency table of counts; or, with ``y``, the labels of X (discrete
        estimators, cross-tabulated) or samples of X, shape ``(n,)`` or ``(n, dx)``
        (``estimator="knn"``, ``"weighted"``, ``"ksg1"``, ``"ksg2"``).
    y : array_like, optional
        Labels or samples of Y, one per row of ``x``.
    estimator : str, optional
        Discrete: ``"plugin"`` (default; the permutation version of the G-test of
        independence), ``"miller-madow"``, ``"jackknife"``, ``"zhang"``,
        ``"dirichlet"``, ``"shrink"``. Samples: ``"knn"`` (the default estimator of
        :func:`mutual_information_knn`: weighted entropies, Berrett & Samworth's MINT
        statistic), ``"weighted"``, ``"ksg1"`` or ``"ksg2"``
        (Kraskov-Stoegbauer-Grassberger). Without ``k`` the weighted statistic uses the
        tests' default k, round(n^(4/(d+4))) with d = d_x + d_y, between the
        estimators' default and 40 (more power than the estimators' k; see the guide
        page "Continuous samples").
    n_resamples : int, optional
        Number of permutations B (default 9999).
    rng : `numpy.random.Generator`, optional
        Pseudorandom number generator state for the resampling.
        %(rng)s
    base : float, optional
        Logarithm base of the statistic and the effect size (default nats).
    progress : bool, optional
        Progress bar (tqdm): None shows one only on a terminal for runs longer than a
        second, True always, False never.
    **options
        Estimator options (``prior``, ``k``, ...).

    Returns
    -------
    ResamplingTestResult
        ``statistic`` (the MI estimate), ``pvalue``, ``df=None``,
        ``null_distribution``, ``estimate`` with ``conf_int()``, ``summary()``.

    Raises
    ------
    ValueError
        For an invalid table, labels of different lengths, continuous-looking labels
        with a discrete estimator, an unknown estimator or ``n_resamples`` < 1.
    TypeError
        For a non-integer ``n_resamples`` or an unknown option.

    Notes
    -----
    Permuting one variable against the other keeps both margins of the table, so
    each permutation is a random table with the observed margins (Patefield's
    algorithm, via :class:`scipy.stats.random_table`), O(r c) per draw. With the
    plug-in estimator the statistic is G/(2N), so the test is the conditional
    (permutation) G-test of independence.

    References
    ----------
    .. [1] Patefield, W. M. "Algorithm AS 159: An efficient method of generating
           random r x c tables with given row and column totals", Applied
           Statistics 30(1), 91-97 (1981).

    Examples
    --------
    >>> import klstats as kls
    >>> res = kls.independence_test([[10, 2, 3], [1, 12, 4]], n_resamples=999, rng=1)
    >>> print(f"I = {res.statistic:.4f}, p = {res.pvalue:.3f}")
    I = 0.2577, p = 0.001
    """
    knn = estimator is not None and str(estimator).lower() in KSG_ESTIMATORS
    B = check_resamples(
        n_resamples,
        work_per_resample=(1000.0 if knn else 10.0) * (_length(x) + _length(y)),
        what="independence_test",
    )
    gen = check_rng(rng)
    key = check_choice(estimator or "plugin", "estimator", (*MI_ESTIMATORS, *KSG_ESTIMATORS))
    if key in KSG_ESTIMATORS:
        from ._knn_resampling import independence_test_knn

        if y is None:
            raise ValueError(f"estimator={key!r} needs two samples `x, y`.")
        return _seeded(independence_test_knn(x, y, key, B, gen, base, progress, options), rng)
    if y is not None:
        _reject_continuous_labels(x, "x")
        _reject_continuous_labels(y, "y")
    table = _as_mi_table(x, y)
    effect = mutual_information(table, estimator=key, base=base, **options)
    inf: CountInference = effect._inference  # type: ignore[assignment]
    (t,) = inf.data
    check_integer_counts((t,), "The permutation test")
    stat = inf.statistic

    def task(g: np.random.Generator, size: int) -> np.ndarray:
        return stat(random_tables(t, size, g))

    null = run_chunks(task, B, t.size, gen, progress=progress, desc="permutations")
    return _result(
        "independence",
        "MI statistic",
        effect=effect,
        observed=inf.estimate,
        null=null,
        notes=["Permutations drawn as random tables with the observed margins."],
        n_resamples=B,
        rng=rng,
    )


def _reject_continuous_labels(a: Any, name: str) -> None:
    """Float labels that are not whole numbers are almost surely continuous data."""
    if is_dask(a):  # one number from Dask rather than every label
        from .._base._dask_counts import fractional_labels

        values = fractional_labels(a)
    else:
        values = a.to_numpy() if isinstance(a, pd.Series) else np.asarray(a)
    if values.dtype.kind == "f" and values.size and not np.all(values == np.round(values)):
        raise ValueError(
            f"`{name}` holds non-integer floats, which look like continuous samples; a "
            "discrete estimator would cross-tabulate every distinct value. Use "
            "estimator='knn' (or 'ksg1', 'ksg2') for continuous samples, or bin the values."
        )
