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
        Counts of the sample from P (discrete estimators), or samples, shape ``(n,)``
        or ``(n, d)`` (k-NN estimators).
    y : array_like or pandas Series, optional
        Counts or samples from Q (two-sample test).
    reference : optional
        Known Q for the one-sample test: probabilities (array, Series, dict) or a frozen
        scipy.stats discrete distribution for counts; a frozen continuous distribution
        (with ``rvs`` and ``logpdf``) for samples.
    estimator : str, optional
        Counts: ``"plugin"``, ``"miller-madow"``, ``"jackknife"``, ``"zhang"``,
        ``"dirichlet"`` or ``"shrink"``; samples: ``"knn"`` (the default k-NN
        estimator of :func:`kl_divergence_knn`, the weighted bias-cancelling one, with
        its default ``k``), ``"weighted"``, ``"wang"`` or ``"adaptive"``. Default
        ``"zhang"`` for counts (always finite) and ``"knn"`` when ``reference`` is a
        continuous distribution.
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
    knn = estimator is not None and str(estimator).lower() in (*KNN_ESTIMATORS, "weighted")
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
    if estimator is None:
        estimator = "knn" if _is_continuous_dist(reference) else "zhang"
    key = check_choice(estimator, "estimator", (*KL_ESTIMATORS, *KNN_ESTIMATORS))
    if key in KNN_ESTIMATORS:
        from ._knn_resampling import kl_test_knn

        return _seeded(kl_test_knn(x, y, reference, key, B, gen, base, progress, options), rng)
    if _is_continuous_dist(reference):
        raise ValueError(
            "`reference` is a continuous distribution; use a k-NN estimator "
            "(estimator='knn', 'weighted', 'wang' or 'adaptive') with samples `x`."
        )
    if y is not None:
        return _seeded(_kl_permutation_counts(x, y, key, B, gen, base, progress, options), rng)
    return _seeded(_kl_montecarlo_counts(x, reference, key, B, gen, base, progress, options), rng)


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
        statistic, with its default ``k``), ``"weighted"``, ``"ksg1"`` or ``"ksg2"``
        (Kraskov-Stoegbauer-Grassberger).
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
