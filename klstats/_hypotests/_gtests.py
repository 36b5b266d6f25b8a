"""G-tests (log-likelihood ratio tests) of goodness of fit, independence and homogeneity.

Every statistic is 2 N times a plug-in divergence from :mod:`klstats._discrete`:
G = 2 N D(p_hat || q) for goodness of fit (``kl1_plugin``) and G = 2 N I(X;Y) for a
contingency table (``mi_plugin``). The kernels take leading batch axes, so Monte Carlo
and exact p-values evaluate thousands of simulated tables in one call. The p-value
machinery (chi-square, Monte Carlo, exact, ``method="auto"``) is in ``_gtest_pvalues``,
result building in ``_gtest_output``, the power in ``_gtest_power``.

Size: about 890 lines for three public tests; their numpydoc docstrings with worked
examples are half of it.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._base._docstrings import fill_doc
from .._base._validation import (
    align_counts,
    align_on_labels,
    as_counts,
    as_expected,
    as_table,
    check_choice,
    check_int,
    check_pairing,
    check_resamples,
    cross_tabulate,
    is_labelled,
    is_whole,
    materialise,
    show_labels,
)
from .._base._warnings import DegenerateDataWarning, InfiniteEstimateWarning, find_stacklevel
from .._estimators._discrete import kl_divergence, mutual_information
from .._inference._intervals import chi2_sf
from .._kernels._counts import kl1_plugin, mi_plugin
from .._kernels._random_tables import _g_null, g_null_gof
from .._results._classes import Deferred
from .._results._summary import Block, fmt
from .._results._test_results import GTestResult
from ._gtest_output import (
    _MAX_BLOCK_CELLS,
    _as_frame,
    _as_output,
    _correction_note,
    _labels,
    _suppress_infinite,
    _title,
)
from ._gtest_pvalues import (
    MAX_EXACT_OUTCOMES,
    _auto_note,
    _check_seed,
    _check_small,
    _exact_gof_pvalue,
    _exact_table_pvalue,
    _gof_auto,
    _mc_pvalue,
    _seeded,
    _snap_zero,
    _table_auto,
    _tie_tolerance,
)

__all__ = ["g_test", "g_test_homogeneity", "g_test_independence"]

GOF_METHODS = ("auto", "asymptotic", "montecarlo", "exact")
TABLE_METHODS = GOF_METHODS
CORRECTIONS = ("none", "williams", "yates")
# the row labels of the 2 x K table of g_test_homogeneity (a pandas Index is immutable)
_SAMPLE_LABELS = pd.Index(["x", "y"])


# =========================================================================== helpers


def _check_correction(correction: Any) -> str | None:
    if correction is None:
        return None
    key = check_choice(correction, "correction", CORRECTIONS)
    return None if key == "none" else key


def _yates_shift(x: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Move every count up to 0.5 towards its expected value, never past it.

    For two categories or a 2 x 2 table every |O - E| is the same, so totals and
    margins are kept. Capping at |O - E| follows scipy (gh-13875); it equals the
    DescTools/Zar version whenever |O - E| >= 0.5.
    """
    diff = expected - x
    return x + np.sign(diff) * np.minimum(0.5, np.abs(diff))


def _whole_counts(x: np.ndarray, name: str, method: str) -> None:
    if not is_whole(x):
        raise ValueError(
            f"`{name}` must hold whole-number counts for method={method!r} (simulation and "
            "enumeration draw integer tables); use method='asymptotic' for non-integer data."
        )


# =========================================================================== goodness of fit


_HINT_TABLE = (
    "The G-test of independence needs a table of counts (observations in each cell), "
    "not of proportions."
)
_HINT_TWO = (
    "The G-test of homogeneity needs the counts of the two samples. To compare "
    "counts with known probabilities use `g_test(counts, probabilities)`."
)
_HINT_F_OBS = (
    "The G-test needs the observed counts (how many observations fell in each "
    "category); pass the hypothesised probabilities as `f_exp`."
)


def _gof_inputs(
    f_obs: Any, f_exp: Any, rescale: bool
) -> tuple[np.ndarray, np.ndarray, Any, str, str]:
    """Observed counts, expected probabilities (aligned), the category labels, how
    ``f_exp`` was read, and labels of ``f_exp`` absent from ``f_obs``."""
    c = as_counts(f_obs, "f_obs", probabilities_hint=_HINT_F_OBS)
    f_exp = materialise(f_exp, "f_exp")
    if f_exp is None:
        return c.values, np.ones_like(c.values) / c.values.size, c.index, "", ""
    if hasattr(f_exp, "pmf") and hasattr(f_exp, "dist"):
        raise TypeError(
            "`f_exp` must be expected counts or probabilities, not a distribution; pass "
            "`f_exp=dist.pmf(categories)` for the categories you observed."
        )
    if isinstance(f_exp, Mapping):
        f_exp = pd.Series(dict(f_exp))
    exp_index = f_exp.index if isinstance(f_exp, pd.Series) else None
    e, read_as = as_expected(f_exp, "f_exp", total=c.total, rescale=rescale)
    check_pairing(c.index, exp_index, ("f_obs", "f_exp"), positional_b_ok=True)
    if exp_index is not None and c.index is not None:
        # align on labels: a category missing on one side has zero count / zero mass
        only = exp_index.difference(c.index, sort=False)
        (obs, exp), union = align_on_labels(
            [(c.values, c.index), (e, exp_index)], ["f_obs", "f_exp"]
        )
        return obs, exp, union, read_as, show_labels(only) if len(only) else ""
    if e.shape != c.values.shape:
        raise ValueError(
            f"`f_obs` and `f_exp` must have the same length (one entry per category); got "
            f"{c.values.size} and {e.size}. Pass pandas Series to align them on labels."
        )
    return c.values, e, c.index, read_as, ""


def _infinite_where(obs: np.ndarray, exp: np.ndarray, index: Any, only_exp: str) -> str:
    """The categories that make G infinite, and labels only in ``f_exp``, in words."""
    pos = np.flatnonzero((obs > 0) & (exp <= 0))
    plural = "ies" if pos.size > 1 else "y"
    if index is not None and is_labelled(index):
        out = f"categor{plural} {show_labels(index[pos])}"
    else:
        out = f"categor{plural} at position {show_labels(pos)}"
    if only_exp:
        out += f"; labels only in `f_exp`: {only_exp} (a misspelt label?)"
    return out


@fill_doc
def g_test(
    f_obs: Any,
    f_exp: Any = None,
    *,
    ddof: int = 0,
    correction: str | None = None,
    method: str = "auto",
    n_resamples: int = 9999,
    rng: Any = None,
    rescale: bool = False,
) -> GTestResult:
    r"""G-test (log-likelihood ratio test) of goodness of fit.

    Tests whether counts over K categories come from a multinomial distribution with
    given probabilities. The statistic is :math:`G = 2 \sum_k O_k \log(O_k/E_k)
    = 2 N \hat D(\hat p \,\|\, q)`, twice the sample size times the plug-in KL
    divergence of the observed proportions from the hypothesised ones.

    Parameters
    ----------
    f_obs : array_like or pandas Series
        Observed counts (finite, non-negative, not all zero). Probabilities
        (non-integer values adding up to 1) are refused.
    f_exp : array_like, pandas Series or dict, optional
        Hypothesised distribution, scaled to the observed total N: probabilities
        (summing to 1 within 1e-6), expected counts (summing to N), or whole-number
        ratios (such as 9:3:3:1). Other totals (proportions summing to 0.9, rounded
        shares) are refused unless ``rescale=True``. Default: equal probabilities.
        Two Series (or a Series and a dict) are aligned on their labels; a category
        missing from one side counts 0 there, and the warning of an infinite G names
        it. Labelled ``f_obs`` (a Series with labels, such as ``value_counts()``) with
        an unlabelled ``f_exp`` (a list or array) is refused: pairing them by position
        would follow the order of the labels, which need not be the order of the list.
        Unlabelled ``f_obs`` with labelled ``f_exp``: paired by position, with a
        ``LabelPairingWarning``.
    ddof : int, optional
        Number of parameters of ``f_exp`` estimated from the same data; the chi-square
        reference has K - 1 - ``ddof`` degrees of freedom (K = categories left after
        dropping structural zeros). Only with ``method="asymptotic"``.
    correction : {None, "williams", "yates"}, optional
        None (default): no correction. ``"williams"``: divide G by Williams' (1976)
        q = 1 + (K^2 - 1)/(6 N df), which brings the size close to nominal for small
        expected counts. ``"yates"``: continuity correction, two categories only.
    method : {"auto", "asymptotic", "montecarlo", "exact"}, optional
        ``"auto"`` (default): the exact p-value when enumeration is cheap (at most
        200,000 outcomes); otherwise the chi-square reference when every expected count is
        at least 5 and Williams' q <= 1.01; otherwise a Monte Carlo p-value (size study:
        the chi-square reference is liberal there, up to 2-3 times alpha). The
        summary says which was chosen and why; ``method_requested`` records "auto".
        Non-integer counts or ``ddof`` > 0 use the chi-square reference, with a caution in the
        summary when the rule would not.
        ``"asymptotic"``: chi-square reference. ``"montecarlo"``: ``n_resamples``
        multinomial samples drawn under H0. ``"exact"``: sum of the multinomial
        probabilities of every outcome with G at least the observed one (at most
        2,000,000 outcomes, C(N + K - 1, K - 1)).
    n_resamples : int, optional
        Number of Monte Carlo samples (default 9999).
    rng : int, `numpy.random.Generator` or `numpy.random.SeedSequence`, optional
        %(rng_seed)s
    rescale : bool, optional
        Rescale an ``f_exp`` whose total is neither 1 nor N (and whose values are not
        whole-number ratios) to N, instead of refusing it. The summary says so.

    Returns
    -------
    GTestResult
        ``statistic`` (G, corrected if asked), ``pvalue``, ``df`` (None for Monte Carlo
        and exact p-values), ``nobs``, ``method``, ``estimate`` (uncorrected plug-in
        D(p_hat || q) in nats, = G_uncorrected / (2 N)), ``conf_int()`` for it (noncentral
        chi-square inversion, treating ``f_exp`` as known), ``null_distribution`` (Monte
        Carlo), and as attributes ``observed``, ``expected``, ``correction``,
        ``williams_q``, ``g_uncorrected``, ``residuals`` (Pearson) and
        ``std_residuals`` (adjusted, approximately N(0, 1) under H0).

    Raises
    ------
    ValueError
        For negative, NaN, infinite, empty or all-zero counts; ``f_obs`` and ``f_exp`` of
        different lengths; negative or non-finite ``f_exp``; fewer than two categories
        with positive expected counts; ``ddof`` >= K - 1, or ``ddof`` > 0 with a Monte
        Carlo or exact p-value; an unknown ``correction`` or ``method``; Yates'
        correction with K != 2; non-integer counts with a Monte Carlo or exact p-value;
        too many outcomes for ``method="exact"``.
    TypeError
        For non-numeric counts, a non-integer ``ddof`` or ``n_resamples``, or a bad
        ``rng``.

    Warns
    -----
    SmallSampleWarning
        With ``method="asymptotic"`` (chosen by the user), when an expected count is
        below 1 or more than 20 % of them are below 5.
    InfiniteEstimateWarning
        When a category with zero expected count has observations: G = inf, p = 0.

    Notes
    -----
    Categories with zero expected and zero observed count (structural zeros) are
    dropped and do not count towards the degrees of freedom. Williams' q for goodness of
    fit is :math:`1 + (K^2 - 1)/(6 N \nu)` with :math:`\nu` the degrees of freedom
    (Sokal & Rohlf 1995, sec. 17.2). Yates' correction moves each count up to 0.5
    towards its expectation; it over-corrects and is kept for comparison with textbooks.
    Monte Carlo and exact p-values are computed for the statistic as corrected, so the
    Williams factor (a constant) does not change them. The Monte Carlo p-value is
    (1 + #{G* >= G}) / (B + 1), with a tolerance for floating-point ties.

    References
    ----------
    .. [1] Sokal, R. R. and Rohlf, F. J. *Biometry*, 3rd ed., W. H. Freeman (1995),
           ch. 17.
    .. [2] Williams, D. A. "Improved likelihood ratio tests for complete contingency
           tables", Biometrika 63(1), 33-37 (1976).
    .. [3] McDonald, J. H. *Handbook of Biological Statistics*, 3rd ed., Sparky House
           Publishing (2014), "G-test of goodness-of-fit".

    Examples
    --------
    Groth (1992) counted 1752 right-billed and 1895 left-billed crossbills; McDonald
    (2014) reports G = 5.61, 1 d.f., P = 0.018 against a 1:1 ratio:

    >>> import klstats as kls
    >>> res = kls.g_test([1752, 1895], method="asymptotic")
    >>> print(f"G = {res.statistic:.2f}, df = {res.df}, p = {res.pvalue:.3f}")
    G = 5.61, df = 1, p = 0.018

    With two categories the default (``method="auto"``) enumerates the 3,648 outcomes:

    >>> res = kls.g_test([1752, 1895])
    >>> print(f"{res.method}: p = {res.pvalue:.4f}")
    exact: p = 0.0187
    >>> print(f"{res.estimate:.6f} nats = G / (2N)")
    0.000769 nats = G / (2N)

    F2 offspring of a clearfield x red rice cross (Shivrain et al. 2006) against a 1:2:1
    ratio; McDonald (2014) reports G = 4.15, 2 d.f., P = 0.126. With Williams'
    correction:

    >>> res = kls.g_test([772, 1611, 737], [1, 2, 1], correction="williams")
    >>> print(f"G = {res.statistic:.4f}, q = {res.williams_q:.6f}, p = {res.pvalue:.4f}")
    G = 4.1462, q = 1.000214, p = 0.1258
    """
    corr = _check_correction(correction)
    method = check_choice(method, "method", GOF_METHODS)
    ddof = check_int(ddof, "ddof", minimum=0)
    n_resamples = check_resamples(n_resamples, what="the Monte Carlo G-test")
    _check_seed(rng)
    obs_full, weights, index, read_as, only_exp = _gof_inputs(f_obs, f_exp, rescale)
    if method == "montecarlo":
        check_resamples(
            n_resamples, work_per_resample=20.0 * obs_full.size, what="the Monte Carlo G-test"
        )
    n = float(obs_full.sum())
    exp_full = weights / weights.sum() * n

    keep = (exp_full > 0) | (obs_full > 0)  # drop structural zeros
    obs, exp = obs_full[keep], exp_full[keep]
    positive = exp > 0
    k = int(positive.sum())
    if k < 2:
        raise ValueError(
            f"`f_exp` must give positive expected counts to at least two categories; got {k}."
        )
    if ddof >= k - 1:
        raise ValueError(
            f"`ddof` must be smaller than K - 1 = {k - 1} (K = {k} categories with positive "
            f"expected counts), so that df >= 1; got ddof={ddof}."
        )
    if ddof and method not in ("asymptotic", "auto"):
        raise ValueError(
            f"`ddof` > 0 is only valid with method='asymptotic': Monte Carlo and exact "
            f"p-values treat `f_exp` as known; got ddof={ddof} with method={method!r}."
        )
    if corr == "yates" and obs.size != 2:
        raise ValueError(
            f"Yates' correction applies to two categories only; got {obs.size}. Use "
            "correction='williams' or method='montecarlo'."
        )
    if method in ("montecarlo", "exact"):
        _whole_counts(obs_full, "f_obs", method)
    df = k - 1 - ddof
    q = exp / n
    infinite = bool(np.any(~positive))

    williams_q = 1.0 + (k * k - 1) / (6.0 * n * df)
    williams = williams_q if corr == "williams" else 1.0
    notes: list[str] = []
    requested = method
    if method == "auto":
        method, why = _gof_auto(obs_full, exp[positive], k, n, ddof, williams_q)
        notes.append(_auto_note(method, why))

    def statistic(x: np.ndarray) -> np.ndarray:
        if corr == "yates":
            x = _yates_shift(x, exp)
        return 2.0 * n * kl1_plugin(x, q) / williams

    kl = float(kl1_plugin(obs, q))  # the effect size: kl_divergence(obs, reference=q).estimate
    g_raw = _snap_zero(2.0 * n * kl, n)
    g = g_raw if corr is None else _snap_zero(float(statistic(obs)), n)
    null = None
    seed: int | None = None
    n_outcomes = None
    if read_as == "ratios" or read_as.startswith("rescaled"):
        notes.append(f"`f_exp` read as {read_as} and scaled to the observed total.")
    if infinite:
        where = _infinite_where(obs_full, exp_full, index, only_exp)
        warnings.warn(
            "G is infinite: a category with zero expected count has observations, which "
            f"is impossible under the null hypothesis (p = 0): {where}.",
            InfiniteEstimateWarning,
            stacklevel=find_stacklevel(),
        )
        pvalue = 0.0
        notes.append("G is infinite (observations where f_exp is zero): p = 0.")
    elif method == "asymptotic":
        if requested == "asymptotic" or "caution" in notes[-1]:
            _check_small(exp, 3, williams_q if corr is None else None)
        pvalue = chi2_sf(g, df)
        notes.append(f"p-value from the chi-square distribution with {df} df.")
    elif method == "montecarlo":
        if requested != "montecarlo":  # (checked at the door when asked for)
            check_resamples(
                n_resamples,
                work_per_resample=20.0 * obs_full.size,
                what="the Monte Carlo G-test",
            )
        seed, generator = _seeded(rng)
        # rng.multinomial(N, q, size=m) in blocks; G from sum x log x (no Python loop)
        null = g_null_gof(
            round(n), q, n_resamples, generator, statistic if corr == "yates" else None
        )
        if corr != "yates":
            null /= williams
        pvalue = _mc_pvalue(null, g, _tie_tolerance(g, n))
        notes.append(
            f"Monte Carlo p-value from {n_resamples} multinomial samples under H0, seed "
            f"{seed} (pass rng={seed} to reproduce it)."
        )
    else:
        pvalue, outcomes = _exact_gof_pvalue(statistic, g, round(n), q, _tie_tolerance(g, n))
        n_outcomes = outcomes
        notes.append(f"Exact p-value: {outcomes:,} outcomes enumerated (LLR ordering).")

    dropped = int((~keep).sum())
    if dropped:
        notes.append(
            f"{dropped} structural zero(s) (zero expected and zero observed) dropped from df."
        )
    if corr is not None:
        notes.append(_correction_note(corr, williams))  # type: ignore[arg-type]

    def resid() -> np.ndarray:  # Pearson residuals
        with np.errstate(divide="ignore", invalid="ignore"):
            return (obs_full - exp_full) / np.sqrt(exp_full)

    def std_resid() -> np.ndarray:  # adjusted residuals
        with np.errstate(divide="ignore", invalid="ignore"):
            return (obs_full - exp_full) / np.sqrt(exp_full * (1 - exp_full / n))

    blocks: tuple[Block, ...] | Deferred = ()
    if obs_full.size <= _MAX_BLOCK_CELLS:  # (formatted when the summary is shown)
        blocks = Deferred(
            lambda: (
                Block(
                    "Observed and expected counts",
                    ["Observed", "Expected", "Std. residual"],
                    _labels(index, obs_full.size),
                    [
                        [fmt(o), fmt(e), fmt(r)]
                        for o, e, r in zip(obs_full, exp_full, std_resid(), strict=True)
                    ],
                ),
            )
        )
    return GTestResult(
        statistic=g,
        pvalue=pvalue,
        df=None if method != "asymptotic" else df,
        nobs=round(n),
        method=method,
        null_hypothesis="the category probabilities are the expected ones",
        estimate=kl,
        distribution={"asymptotic": "chi2", "montecarlo": "montecarlo", "exact": "exact"}[method],
        title=_title("G-test of goodness of fit", corr),
        effect=Deferred(lambda: _suppress_infinite(lambda: kl_divergence(obs, reference=q))),
        null_distribution=null,
        notes=tuple(notes),
        blocks=blocks,
        seed=seed,
        method_requested=requested,
        correction=corr,
        williams_q=williams_q,
        g_uncorrected=g_raw,
        ddof=ddof,
        chi2_df=df,
        n_resamples=n_resamples if method == "montecarlo" else None,
        n_outcomes=n_outcomes,
        observed=Deferred(lambda: _as_output(obs_full, index)),
        expected=Deferred(lambda: _as_output(exp_full, index)),
        residuals=Deferred(lambda: _as_output(resid(), index)),
        std_residuals=Deferred(lambda: _as_output(std_resid(), index)),
    )


# =========================================================================== tables


def _table_test(
    table: np.ndarray,
    rows: Any,
    cols: Any,
    *,
    correction: Any,
    method: Any,
    n_resamples: Any,
    rng: Any,
    kind: str,
) -> GTestResult:
    corr = _check_correction(correction)
    method = check_choice(method, "method", TABLE_METHODS)
    n_resamples = check_resamples(n_resamples, what="the Monte Carlo G-test")
    if method == "montecarlo":
        check_resamples(
            n_resamples,
            work_per_resample=20.0 * table.size + float(table.sum()),
            what="the Monte Carlo G-test",
        )
    _check_seed(rng)
    notes: list[str] = []

    row_tot, col_tot = table.sum(axis=1), table.sum(axis=0)
    row_keep, col_keep = row_tot > 0, col_tot > 0
    n_rows_out = row_keep.size - np.count_nonzero(row_keep)
    n_cols_out = col_keep.size - np.count_nonzero(col_keep)
    t = table
    if n_rows_out or n_cols_out:
        what = "categories" if kind == "homogeneity" else "rows/columns"
        msg = (
            f"{n_rows_out} empty row(s) and {n_cols_out} empty column(s) dropped; df "
            "counts the remaining ones."
        )
        if kind == "homogeneity":
            msg = f"{n_cols_out} categories with no counts in either sample dropped."
        else:
            warnings.warn(
                f"All-zero {what} in `table`: {msg}", DegenerateDataWarning, stacklevel=3
            )
        notes.append(msg)
        t = table[row_keep][:, col_keep]
        row_tot, col_tot = t.sum(axis=1), t.sum(axis=0)
        rows = None if rows is None else rows[row_keep]
        cols = None if cols is None else cols[col_keep]
    r, c = t.shape
    if r < 2 or c < 2:
        if kind == "homogeneity":
            raise ValueError(
                f"The samples must have counts in at least two categories between them; got {c}."
            )
        raise ValueError(
            "`table` needs at least two non-empty rows and two non-empty columns; got "
            f"{r} x {c} after dropping empty ones."
        )
    if corr == "yates" and (r, c) != (2, 2):
        raise ValueError(
            f"Yates' correction applies to a 2 x 2 table only; got {r} x {c}. Use "
            "correction='williams' or method='montecarlo'."
        )
    if method in ("montecarlo", "exact"):
        _whole_counts(t, "table" if kind == "independence" else "x_counts` and `y_counts", method)

    n = float(t.sum())
    expected = row_tot[:, None] * col_tot / n  # (np.outer, without its overhead)
    df = (r - 1) * (c - 1)
    williams_q = 1.0 + (n * (1 / row_tot).sum() - 1) * (n * (1 / col_tot).sum() - 1) / (
        6.0 * n * df
    )
    williams = williams_q if corr == "williams" else 1.0

    def statistic(tables: np.ndarray) -> np.ndarray:
        if corr == "yates":
            tables = _yates_shift(tables, expected)
        return 2.0 * n * mi_plugin(tables) / williams

    mi = float(mi_plugin(t))  # the effect size: mutual_information(t).estimate
    g_raw = _snap_zero(2.0 * n * mi, n)
    g = g_raw if corr is None else _snap_zero(float(statistic(t)), n)
    null = None
    exact = None
    requested = method
    n_outcomes = None
    seed: int | None = None
    if method == "auto":
        method, why, exact = _table_auto(t, statistic, g, row_tot, col_tot, expected, williams_q)
        notes.append(_auto_note(method, why))
    if method == "asymptotic":
        if requested == "asymptotic" or "caution" in notes[-1]:
            _check_small(expected.ravel(), 4)
        pvalue = chi2_sf(g, df)
        notes.append(f"p-value from the chi-square distribution with {df} df.")
    elif method == "exact":
        if exact is None:
            exact = _exact_table_pvalue(
                statistic, g, row_tot, col_tot, _tie_tolerance(g, n), MAX_EXACT_OUTCOMES
            )
        if exact is None:
            raise ValueError(
                f"method='exact' would enumerate more than {MAX_EXACT_OUTCOMES:,} partial "
                f"tables for this {r} x {c} table with N = {round(n)}; use "
                "method='montecarlo' instead."
            )
        pvalue, n_tables = exact
        n_outcomes = n_tables
        notes.append(
            f"Exact conditional p-value: {n_tables:,} tables with the observed margins "
            "enumerated (LLR ordering)."
        )
    else:
        if requested != "montecarlo":  # (checked at the door when asked for)
            check_resamples(
                n_resamples,
                work_per_resample=20.0 * table.size + float(table.sum()),
                what="the Monte Carlo G-test",
            )
        seed, generator = _seeded(rng)
        # random tables with the observed margins (kernel's documented algorithm)
        # (whole counts, checked above: the margins as int64 without rounding)
        margins = (row_tot.astype(np.int64), col_tot.astype(np.int64), round(n))
        null = _g_null(margins, n_resamples, generator, statistic if corr == "yates" else None)
        if corr == "williams":
            null /= williams
        pvalue = _mc_pvalue(null, g, _tie_tolerance(g, n))
        notes.append(
            f"Monte Carlo p-value from {n_resamples} tables with the observed margins, seed "
            f"{seed} (pass rng={seed} to reproduce it)."
        )
    if corr is not None:
        notes.append(_correction_note(corr, williams))  # type: ignore[arg-type]

    def std_resid() -> np.ndarray:  # adjusted residuals (Agresti 2007, sec. 2.4.5)
        return (t - expected) / np.sqrt(expected * np.outer(1 - row_tot / n, 1 - col_tot / n))

    blocks: tuple[Block, ...] | Deferred = ()
    if r * c <= _MAX_BLOCK_CELLS and c <= 8:  # (formatted when the summary is shown)

        def _blocks() -> tuple[Block, ...]:
            row_lab, col_lab = _labels(rows, r), _labels(cols, c)
            return tuple(
                Block(title, col_lab, row_lab, [[fmt(v) for v in row] for row in values])
                for title, values in (
                    ("Observed counts", t),
                    ("Expected counts", expected),
                    ("Standardized residuals", std_resid()),
                )
            )

        blocks = Deferred(_blocks)
    if kind == "homogeneity":
        hypothesis = "the two samples come from the same distribution"
    else:
        hypothesis = "the row and column variables are independent"
    return GTestResult(
        statistic=g,
        pvalue=pvalue,
        df=df if method == "asymptotic" else None,
        nobs=round(n),
        method=method,
        null_hypothesis=hypothesis,
        estimate=mi,
        distribution={"asymptotic": "chi2", "montecarlo": "montecarlo", "exact": "exact"}[method],
        title=_title(f"G-test of {kind}", corr),
        effect=Deferred(lambda: mutual_information(t)),
        null_distribution=null,
        notes=tuple(notes),
        blocks=blocks,
        seed=seed,
        method_requested=requested,
        correction=corr,
        williams_q=williams_q,
        g_uncorrected=g_raw,
        chi2_df=df,
        n_resamples=n_resamples if method == "montecarlo" else None,
        n_outcomes=n_outcomes,
        observed=Deferred(lambda: _as_frame(t, rows, cols)),
        expected=Deferred(lambda: _as_frame(expected, rows, cols)),
        residuals=Deferred(lambda: _as_frame((t - expected) / np.sqrt(expected), rows, cols)),
        std_residuals=Deferred(lambda: _as_frame(std_resid(), rows, cols)),
    )


@fill_doc
def g_test_independence(
    table: Any,
    y: Any = None,
    *,
    correction: str | None = None,
    method: str = "auto",
    n_resamples: int = 9999,
    rng: Any = None,
) -> GTestResult:
    r"""G-test of independence for an r x c contingency table.

    :math:`G = 2 \sum_{ij} O_{ij} \log(O_{ij}/E_{ij}) = 2 N \hat I(X;Y)` with
    :math:`E_{ij} = R_i C_j / N`: twice the sample size times the plug-in mutual
    information of the table.

    Parameters
    ----------
    table : array_like, pandas DataFrame, or labels
        A 2-D table of counts (ndarray, DataFrame such as ``pd.crosstab(...)``), or,
        with ``y``, the labels of the row variable.
    y : array_like or pandas Series, optional
        Labels of the column variable, same length as ``table``; the pair is
        cross-tabulated.
    correction : {None, "williams", "yates"}, optional
        None (default); ``"williams"``: divide G by
        q = 1 + (N sum 1/R_i - 1)(N sum 1/C_j - 1) / (6 N (r-1)(c-1)) (Williams 1976);
        ``"yates"``: continuity correction, 2 x 2 tables only.
    method : {"auto", "asymptotic", "montecarlo", "exact"}, optional
        ``"auto"`` (default): the exact p-value when enumeration is cheap (at most
        100,000 partial tables); otherwise the chi-square reference when every expected
        count is at least 5 and Williams' q <= 1.02; otherwise a Monte Carlo p-value (size study:
        the chi-square reference is liberal there, up to 2-3 times alpha). The
        summary says which was chosen and why; ``method_requested`` records "auto".
        Non-integer counts use the chi-square reference, with a caution in the
        summary when the rule would not.
        ``"asymptotic"``: chi-square reference. ``"montecarlo"``: ``n_resamples``
        random tables with the observed margins: when there are at most
        ``n_resamples`` possible tables (for a 2 x 2 table, at most ``n_resamples``
        or 2048), all of them
        enumerated with their exact probabilities and drawn by inversion of that
        distribution function; by sequential hypergeometric draws, cell by cell and
        vectorised over the tables, when N >= 1000 r c (N >= 2000 r c for tables of
        5 to 20 cells with ``n_resamples`` < 5000); otherwise by
        Patefield's algorithm (Boyett's shuffling for sparse tables, N <= r c log(N +
        1)) via ``scipy.stats.random_table``. ``"exact"``: conditional exact test, the
        hypergeometric probability of every table with the observed margins and G at
        least the observed one (Fisher's exact test for 2 x 2 tables, with tables
        ordered by G).
    n_resamples : int, optional
        Number of Monte Carlo tables (default 9999).
    rng : int, `numpy.random.Generator` or `numpy.random.SeedSequence`, optional
        %(rng_seed)s

    Returns
    -------
    GTestResult
        ``statistic``, ``pvalue``, ``df`` = (r-1)(c-1) over non-empty rows and columns
        (None for Monte Carlo), ``estimate`` (uncorrected plug-in mutual information in
        nats, = G_uncorrected / (2 N)) with ``conf_int()``, ``null_distribution`` (Monte
        Carlo), and as attributes ``observed``, ``expected``, ``correction``,
        ``williams_q``, ``g_uncorrected``, ``residuals`` (Pearson) and
        ``std_residuals`` (adjusted standardized residuals, Agresti 2007 sec. 2.4.5).

    Raises
    ------
    ValueError
        For 1-D input, an empty table, negative, NaN, infinite or all-zero counts, label
        arrays of different lengths, fewer than two non-empty rows or columns, an unknown
        ``correction`` or ``method`` (``"exact"`` is for goodness of fit), Yates'
        correction on a table other than 2 x 2, or non-integer counts with Monte Carlo.
    TypeError
        For non-numeric counts or a bad ``n_resamples`` or ``rng``.

    Warns
    -----
    DegenerateDataWarning
        When all-zero rows or columns are dropped.
    SmallSampleWarning
        With ``method="asymptotic"`` (chosen by the user), when an expected count is
        below 1 or more than 20 % of them are below 5.

    Notes
    -----
    No correction is applied unless asked for (scipy's ``chi2_contingency`` applies
    Yates' correction to G on 2 x 2 tables by default). The Monte Carlo p-value
    conditions on both margins, like R's ``chisq.test(simulate.p.value=TRUE)``.

    References
    ----------
    .. [1] Agresti, A. *An Introduction to Categorical Data Analysis*, 2nd ed., Wiley
           (2007), sec. 2.4.
    .. [2] Williams, D. A. "Improved likelihood ratio tests for complete contingency
           tables", Biometrika 63(1), 33-37 (1976).
    .. [3] Patefield, W. M. "Algorithm AS 159", Applied Statistics 30, 91-97 (1981).

    Examples
    --------
    Party identification by gender (Agresti 2007, Table 2.5): G^2 = 30.02, df = 2.

    >>> import klstats as kls
    >>> res = kls.g_test_independence([[762, 327, 468], [484, 239, 477]])
    >>> print(f"G = {res.statistic:.2f}, df = {res.df}, p = {res.pvalue:.2e}")
    G = 30.02, df = 2, p = 3.03e-07
    >>> print(f"I = {res.estimate:.5f} nats")
    I = 0.00545 nats
    """
    if y is not None:
        frame = cross_tabulate(table, y, ("table", "y"))
        t, rows, cols = as_table(frame, "table", probabilities_hint=_HINT_TABLE)
    else:
        arr = table.to_numpy() if isinstance(table, pd.Series) else table
        if not isinstance(arr, pd.DataFrame) and np.ndim(arr) == 1:
            raise ValueError(
                "`table` must be a 2-D table of counts; got 1-D input. For goodness of fit "
                "use `g_test`; to cross-tabulate raw labels pass `g_test_independence(x, y)`."
            )
        t, rows, cols = as_table(table, "table", probabilities_hint=_HINT_TABLE)
    return _table_test(
        t,
        rows,
        cols,
        correction=correction,
        method=method,
        n_resamples=n_resamples,
        rng=rng,
        kind="independence",
    )


@fill_doc
def g_test_homogeneity(
    x_counts: Any,
    y_counts: Any,
    *,
    correction: str | None = None,
    method: str = "auto",
    n_resamples: int = 9999,
    rng: Any = None,
) -> GTestResult:
    r"""G-test that two samples of counts come from the same distribution.

    The independence test of the 2 x K table with rows ``x_counts`` and ``y_counts``:
    :math:`G = 2 [n \hat D(\hat p\|\hat m) + m \hat D(\hat q\|\hat m)] = 2 (n+m) JS_w`,
    with :math:`\hat m` the pooled proportions and :math:`JS_w` the Jensen-Shannon
    divergence weighted by the sample sizes.

    Parameters
    ----------
    x_counts, y_counts : array_like or pandas Series
        Counts of the two samples. Two Series are aligned on the union of their labels
        (missing categories count 0); arrays are aligned by position.
    correction : {None, "williams", "yates"}, optional
        As for :func:`g_test_independence` (Yates only with two categories).
    method : {"auto", "asymptotic", "montecarlo", "exact"}, optional
        As for :func:`g_test_independence`, on the 2 x K table (the margins are both
        sample sizes and the pooled category counts).
    n_resamples : int, optional
        Number of Monte Carlo tables (default 9999).
    rng : int, `numpy.random.Generator` or `numpy.random.SeedSequence`, optional
        %(rng_seed)s

    Returns
    -------
    GTestResult
        As for :func:`g_test_independence`; ``df`` = K - 1 over categories seen in
        either sample; ``estimate`` is the plug-in mutual information between sample
        membership and category (= the weighted JS divergence), in nats.

    Raises
    ------
    ValueError
        For negative, NaN, infinite, empty or all-zero counts, arrays of different
        lengths, fewer than two categories with counts, an unknown ``correction`` or
        ``method``, or Yates' correction with more than two categories.
    TypeError
        For non-numeric counts or a bad ``n_resamples`` or ``rng``.

    Warns
    -----
    SmallSampleWarning
        With ``method="asymptotic"`` (chosen by the user), when an expected count is
        below 1 or more than 20 % of them are below 5.

    Notes
    -----
    Categories with no counts in either sample are dropped (noted in the summary, no
    warning). Unlike 2 n_eff D(p_hat || q_hat), G stays finite when one sample misses a
    category the other has.

    References
    ----------
    .. [1] Sokal, R. R. and Rohlf, F. J. *Biometry*, 3rd ed., W. H. Freeman (1995),
           sec. 17.6.

    Examples
    --------
    The 2 x 4 table of Sokal & Rohlf (1995, p. 738), read as two samples over four
    categories (G = 28.59642, Williams-adjusted 28.31244):

    >>> import klstats as kls
    >>> res = kls.g_test_homogeneity([29, 273, 8, 64], [11, 191, 31, 64])
    >>> print(f"G = {res.statistic:.5f}, df = {res.df}, p = {res.pvalue:.2e}")
    G = 28.59642, df = 3, p = 2.72e-06
    """
    cx, cy = align_counts(
        as_counts(x_counts, "x_counts", probabilities_hint=_HINT_TWO),
        as_counts(y_counts, "y_counts", probabilities_hint=_HINT_TWO),
        ("x_counts", "y_counts"),
    )
    t = np.vstack([cx.values, cy.values])
    return _table_test(
        t,
        _SAMPLE_LABELS,
        cx.index,
        correction=correction,
        method=method,
        n_resamples=n_resamples,
        rng=rng,
        kind="homogeneity",
    )
