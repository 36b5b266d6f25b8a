"""G-tests (log-likelihood ratio tests) of goodness of fit, independence and homogeneity,
and the power of the G-test.

Every statistic is 2 N times a plug-in divergence from :mod:`klstats._discrete`:
G = 2 N D(p_hat || q) for goodness of fit (``kl1_plugin``) and G = 2 N I(X;Y) for a
contingency table (``mi_plugin``). The kernels take leading batch axes, so Monte Carlo
and exact p-values evaluate thousands of simulated tables in one call.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from .._base._validation import (
    align_counts,
    align_on_labels,
    as_counts,
    as_counts_like_probs,
    as_table,
    check_alpha,
    check_choice,
    check_int,
    check_real,
    check_resamples,
    check_rng,
    cross_tabulate,
    materialise,
)
from .._base._warnings import DegenerateDataWarning, InfiniteEstimateWarning, SmallSampleWarning
from .._estimators._discrete import kl_divergence, mutual_information
from .._kernels._counts import kl1_plugin, mi_plugin
from .._kernels._random_tables import g_null_gof, g_null_independence
from .._results._classes import GTestResult, KLEstimate
from .._results._summary import Block, fmt

__all__ = ["g_test", "g_test_homogeneity", "g_test_independence", "g_test_power"]

GOF_METHODS = ("auto", "asymptotic", "montecarlo", "exact")
TABLE_METHODS = GOF_METHODS
CORRECTIONS = ("none", "williams", "yates")

# exact goodness of fit enumerates C(N + K - 1, K - 1) outcomes; beyond this, Monte Carlo
MAX_EXACT_OUTCOMES = 2_000_000
# method="auto" (the default), from the size study validation/gtest_auto_rule.py (exact
# sizes by enumeration for goodness of fit, simulated tables for r x c): the exact
# p-value when enumeration is cheap; else the chi-square reference only where every
# expected count is >= 5 and Williams' q <= 1.01 (goodness of fit) or 1.02 (tables; the
# size of the uncorrected G-test is then 0.051-0.053, except for two categories and
# 2 x 2 tables, which the rule sends to the exact p-value at any N); else a Monte Carlo
# p-value. The chi-square reference is liberal (up to 0.18 at alpha = 0.05) when q is
# larger or expected counts are small.
AUTO_EXACT_OUTCOMES = 200_000
AUTO_EXACT_TABLE_WORK = 100_000
AUTO_MIN_EXPECTED = 5.0
AUTO_MAX_WILLIAMS_Q = 1.01
AUTO_MAX_WILLIAMS_Q_TABLE = 1.02
# seeds drawn for Monte Carlo p-values when none is given (63 bits: plain JSON integers)
_SEED_BITS = 63
# observed/expected/residual blocks are added to the summary up to this many cells
_MAX_BLOCK_CELLS = 60
# an uncorrected goodness-of-fit G whose Williams factor exceeds this is liberal even
# where Cochran's rule is met: the validation report (docs/guide/validation.rst; exact
# sizes from enumeration, K >= 3) finds up to 1.6 alpha just above it, at most 1.4 below
_WILLIAMS_Q_WARN = 1.03


# =========================================================================== helpers


def _check_correction(correction: Any) -> str | None:
    if correction is None:
        return None
    key = check_choice(correction, "correction", CORRECTIONS)
    return None if key == "none" else key


def _tie_tolerance(g_obs: float, n: float) -> float:
    """Slack on ``G* >= G_obs`` so that floating-point noise does not break ties.

    The kernels form G from sums of x log x terms of size about N log N, so rounding
    errors scale with N (log N + 1), not with G; 64 eps of that scale is far below
    the spacing between distinct values of G (cf. R ``chisq.test``: 1 - 64 eps).
    """
    return 64 * np.finfo(float).eps * (abs(g_obs) + 2 * n * (1 + math.log(max(n, 1.0))))


def _snap_zero(g: float, n: float) -> float:
    """G that is zero up to rounding (|G| within the tie tolerance) is reported as 0,
    so that a table at exact independence gets p = 1 rather than 1 - 1e-7."""
    return 0.0 if abs(g) <= _tie_tolerance(0.0, n) else g


def _yates_shift(x: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Move every count up to 0.5 towards its expected value, never past it.

    For two categories or a 2 x 2 table every |O - E| is the same, so totals and
    margins are kept. Capping at |O - E| follows scipy (gh-13875); it equals the
    DescTools/Zar version whenever |O - E| >= 0.5.
    """
    diff = expected - x
    return x + np.sign(diff) * np.minimum(0.5, np.abs(diff))


def _whole_counts(x: np.ndarray, name: str, method: str) -> None:
    if not np.array_equal(x, np.round(x)):
        raise ValueError(
            f"`{name}` must hold whole-number counts for method={method!r} (simulation and "
            "enumeration draw integer tables); use method='asymptotic' for non-integer data."
        )


def _cochran(expected: np.ndarray) -> bool:
    """Cochran's rule is broken: any expected count < 1, or more than 20 % of them < 5."""
    return bool(np.any(expected < 1) or np.mean(expected < 5) > 0.2)


def _check_small(expected: np.ndarray, stacklevel: int, williams_q: float | None = None) -> None:
    """SmallSampleWarning where the chi-square reference makes G liberal: Cochran's rule
    broken, or (``williams_q`` given: uncorrected goodness of fit) Williams' q > 1.03,
    i.e. the mean of G exceeds the chi-square's by more than 3 % (e.g. every expected
    count 5 over K = 10 categories: size 0.069 at alpha = 0.05, 0.016 at 0.01)."""
    if _cochran(expected):
        low = int(np.sum(expected < 5))
        why = (
            f"{low} of {expected.size} expected counts are below 5 (smallest {expected.min():.3g})"
        )
    elif williams_q is not None and williams_q > _WILLIAMS_Q_WARN:
        why = (
            f"Williams' q = {williams_q:.3g}: the mean of G exceeds that of its chi-square "
            f"reference by about {100 * (williams_q - 1):.0f} % (smallest expected count "
            f"{expected.min():.3g})"
        )
    else:
        return
    warnings.warn(
        f"{why}; the chi-square approximation to G can be liberal here. Consider "
        "method='auto' (the default: exact or Monte Carlo p-values where needed), "
        "'exact', 'montecarlo', or correction='williams'.",
        SmallSampleWarning,
        stacklevel=stacklevel,
    )


def _seeded(rng: Any) -> tuple[int, np.random.Generator]:
    """The seed a Monte Carlo p-value is drawn from, and its generator.

    An integer ``rng`` is the seed. None draws a fresh seed from operating-system
    entropy; a Generator (or SeedSequence) gives one draw of its own stream. Either way
    the p-value is computed from ``default_rng(seed)``, so passing the recorded seed
    back as ``rng`` reproduces it exactly.
    """
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool | np.bool_):
        if rng < 0:
            raise ValueError(f"`rng` as an integer seed must be >= 0; got {rng}.")
        seed = int(rng)
    elif rng is None:
        seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> 1)
    else:
        gen = check_rng(rng)
        seed = int(gen.integers(0, 2**_SEED_BITS))
    return seed, np.random.default_rng(seed)


def _check_seed(rng: Any) -> None:
    """Validate ``rng`` at the door without drawing from it."""
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool | np.bool_):
        if rng < 0:
            raise ValueError(f"`rng` as an integer seed must be >= 0; got {rng}.")
    elif rng is not None:
        check_rng(rng)


def _chi2_trouble(
    expected: np.ndarray, williams_q: float, q_max: float = AUTO_MAX_WILLIAMS_Q
) -> str | None:
    """Why the chi-square reference is not trusted (None if it is): the auto rule."""
    e_min = float(expected.min())
    if e_min < AUTO_MIN_EXPECTED:
        return f"smallest expected count {e_min:.3g} < {AUTO_MIN_EXPECTED:g}"
    if williams_q > q_max:
        return f"Williams' q = {williams_q:.4g} > {q_max:g}"
    return None


def _auto_note(method: str, why: str) -> str:
    label = {
        "exact": "the exact p-value",
        "montecarlo": "a Monte Carlo p-value",
        "asymptotic": "the chi-square reference",
    }[method]
    return f"method='auto' chose {label}: {why}."


def _mc_pvalue(null: np.ndarray, g_obs: float, tol: float) -> float:
    # never 0: the observed table counts as one of the B + 1 (Phipson & Smyth 2010)
    return (1.0 + np.count_nonzero(null >= g_obs - tol)) / (null.size + 1.0)


def _compositions(n: int, k: int) -> np.ndarray:
    """All vectors of k non-negative integers summing to n, one per row."""
    parts = np.zeros((1, 0), dtype=np.int64)
    rem = np.array([n], dtype=np.int64)
    for _ in range(k - 1):
        counts = rem + 1
        idx = np.repeat(np.arange(rem.size), counts)
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        v = np.arange(idx.size) - starts
        parts = np.column_stack([parts[idx], v])
        rem = rem[idx] - v
    return np.column_stack([parts, rem])


def _exact_gof_pvalue(
    statistic: Callable[[np.ndarray], np.ndarray], g_obs: float, n: int, q: np.ndarray, tol: float
) -> tuple[float, int]:
    """P(G >= G_obs) summed over every outcome of Multinomial(n, q) (LLR ordering)."""
    k = q.size
    total = math.comb(n + k - 1, k - 1)
    if total > MAX_EXACT_OUTCOMES:
        raise ValueError(
            f"method='exact' would enumerate {total:,} outcomes (N = {n}, K = {k}); the "
            f"limit is {MAX_EXACT_OUTCOMES:,}. Use method='montecarlo' instead."
        )
    log_q = np.log(q)
    const = special.gammaln(n + 1)
    pieces = []
    # chunk on the first category so that memory stays a fraction of the whole enumeration
    for first in range(n + 1):
        rest = _compositions(n - first, k - 1)
        x = np.column_stack([np.full(rest.shape[0], first), rest]).astype(float)
        keep = statistic(x) >= g_obs - tol
        if np.any(keep):
            xs = x[keep]
            log_pmf = const - special.gammaln(xs + 1).sum(axis=-1) + (xs * log_q).sum(axis=-1)
            pieces.append(np.exp(log_pmf))
    p = math.fsum(np.concatenate(pieces)) if pieces else 0.0
    return min(p, 1.0), total


def _exact_table_pvalue(
    statistic: Callable[[np.ndarray], np.ndarray],
    g_obs: float,
    row_tot: np.ndarray,
    col_tot: np.ndarray,
    tol: float,
    max_work: int,
) -> tuple[float, int] | None:
    """P(G >= G_obs) over every table with the observed margins (conditional exact
    test, multiple hypergeometric law; for a 2 x 2 table this is Fisher's exact test
    with tables ordered by G instead of by probability). None when the enumeration
    would handle more than ``max_work`` partial tables."""
    rows = row_tot.round().astype(np.int64)
    cols = col_tot.round().astype(np.int64)
    r, c = rows.size, cols.size
    n = int(rows.sum())
    rem = cols[None, :].copy()  # remaining column totals, one row per partial table
    cells = np.zeros((1, 0, c), dtype=np.int64)
    for i in range(r - 1):
        if rem.shape[0] * math.comb(int(rows[i]) + c - 1, c - 1) > max_work:
            return None
        comp = _compositions(int(rows[i]), c)
        ok = np.all(comp[None, :, :] <= rem[:, None, :], axis=-1)
        s_idx, c_idx = np.nonzero(ok)
        cells = np.concatenate([cells[s_idx], comp[c_idx][:, None, :]], axis=1)
        rem = rem[s_idx] - comp[c_idx]
    tables = np.concatenate([cells, rem[:, None, :]], axis=1).astype(float)
    log_p = (
        special.gammaln(rows + 1.0).sum()
        + special.gammaln(cols + 1.0).sum()
        - special.gammaln(n + 1.0)
        - special.gammaln(tables + 1.0).sum(axis=(-2, -1))
    )
    keep = statistic(tables) >= g_obs - tol
    p = math.fsum(np.exp(log_p[keep])) if np.any(keep) else 0.0
    return min(p, 1.0), int(tables.shape[0])


def _labels(index: Any, size: int) -> list[str]:
    if index is None:
        return [str(i) for i in range(size)]
    return [str(v) for v in index]


def _as_output(values: np.ndarray, index: Any) -> np.ndarray | pd.Series:
    return values if index is None else pd.Series(values, index=index)


def _as_frame(values: np.ndarray, rows: Any, cols: Any) -> np.ndarray | pd.DataFrame:
    if rows is None and cols is None:
        return values
    return pd.DataFrame(values, index=rows, columns=cols)


def _suppress_infinite(call: Callable[[], KLEstimate]) -> KLEstimate:
    # the test issues its own warning about an infinite G; do not repeat the estimator's
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InfiniteEstimateWarning)
        return call()


def _correction_note(correction: str | None, q: float) -> str | None:
    if correction == "williams":
        return f"Williams' correction: G divided by q = {q:.6f}."
    if correction == "yates":
        return "Yates' correction: counts moved up to 0.5 towards expectation."
    return None


def _title(base: str, correction: str | None) -> str:
    label = {"williams": " (Williams' correction)", "yates": " (Yates' correction)"}
    return base + label.get(correction or "", "")


# =========================================================================== method="auto"


def _gof_auto(
    obs: np.ndarray, exp: np.ndarray, k: int, n: float, ddof: int, williams_q: float
) -> tuple[str, str]:
    """The method ``method="auto"`` uses for goodness of fit, and why."""
    trouble = _chi2_trouble(exp, williams_q)
    if ddof:
        return "asymptotic", (
            f"ddof = {ddof} parameters estimated from the data (exact and Monte Carlo "
            "p-values treat `f_exp` as known)" + (f"; caution, {trouble}" if trouble else "")
        )
    if not np.array_equal(obs, np.round(obs)):
        return "asymptotic", "the counts are not whole numbers" + (
            f"; caution, {trouble}" if trouble else ""
        )
    outcomes = math.comb(round(n) + k - 1, k - 1)
    if outcomes <= AUTO_EXACT_OUTCOMES:
        return "exact", f"{outcomes:,} outcomes to enumerate (at most {AUTO_EXACT_OUTCOMES:,})"
    if trouble is None:
        return "asymptotic", (
            f"every expected count >= {AUTO_MIN_EXPECTED:g} and Williams' q = "
            f"{williams_q:.4g} <= {AUTO_MAX_WILLIAMS_Q:g}"
        )
    return "montecarlo", f"{trouble}, where the chi-square reference is liberal"


def _table_auto(
    t: np.ndarray,
    statistic: Callable[[np.ndarray], np.ndarray],
    g: float,
    row_tot: np.ndarray,
    col_tot: np.ndarray,
    expected: np.ndarray,
    williams_q: float,
) -> tuple[str, str, tuple[float, int] | None]:
    """The method ``method="auto"`` uses for a table, why, and the exact p-value if
    it was computed on the way."""
    trouble = _chi2_trouble(expected, williams_q, AUTO_MAX_WILLIAMS_Q_TABLE)
    if not np.array_equal(t, np.round(t)):
        return (
            "asymptotic",
            "the counts are not whole numbers" + (f"; caution, {trouble}" if trouble else ""),
            None,
        )
    exact = _exact_table_pvalue(
        statistic, g, row_tot, col_tot, _tie_tolerance(g, float(t.sum())), AUTO_EXACT_TABLE_WORK
    )
    if exact is not None:
        return "exact", f"{exact[1]:,} tables with the observed margins to enumerate", exact
    if trouble is None:
        return (
            "asymptotic",
            (
                f"every expected count >= {AUTO_MIN_EXPECTED:g} and Williams' q = "
                f"{williams_q:.4g} <= {AUTO_MAX_WILLIAMS_Q_TABLE:g}"
            ),
            None,
        )
    return "montecarlo", f"{trouble}, where the chi-square reference is liberal", None


# =========================================================================== goodness of fit


def _gof_inputs(f_obs: Any, f_exp: Any) -> tuple[np.ndarray, np.ndarray, Any]:
    c = as_counts(f_obs, "f_obs")
    f_exp = materialise(f_exp, "f_exp")
    if f_exp is None:
        return c.values, np.ones_like(c.values), c.index
    if hasattr(f_exp, "pmf") and hasattr(f_exp, "dist"):
        raise TypeError(
            "`f_exp` must be expected counts or probabilities, not a distribution; pass "
            "`f_exp=dist.pmf(categories)` for the categories you observed."
        )
    if isinstance(f_exp, Mapping):
        f_exp = pd.Series(dict(f_exp))
    e = as_counts_like_probs(f_exp, "f_exp")
    if isinstance(f_exp, pd.Series) and c.index is not None:
        # align on labels: a category missing on one side has zero count / zero mass
        (obs, exp), union = align_on_labels(
            [(c.values, c.index), (e, f_exp.index)], ["f_obs", "f_exp"]
        )
        return obs, exp, union
    if e.shape != c.values.shape:
        raise ValueError(
            f"`f_obs` and `f_exp` must have the same length (one entry per category); got "
            f"{c.values.size} and {e.size}. Pass pandas Series to align them on labels."
        )
    return c.values, e, c.index


def g_test(
    f_obs: Any,
    f_exp: Any = None,
    *,
    ddof: int = 0,
    correction: str | None = None,
    method: str = "auto",
    n_resamples: int = 9999,
    rng: Any = None,
) -> GTestResult:
    r"""G-test (log-likelihood ratio test) of goodness of fit.

    Tests whether counts over K categories come from a multinomial distribution with
    given probabilities. The statistic is :math:`G = 2 \sum_k O_k \log(O_k/E_k)
    = 2 N \hat D(\hat p \,\|\, q)`, twice the sample size times the plug-in KL
    divergence of the observed proportions from the hypothesised ones.

    Parameters
    ----------
    f_obs : array_like or pandas Series
        Observed counts (finite, non-negative, not all zero).
    f_exp : array_like, pandas Series or dict, optional
        Expected counts, proportions or probabilities; rescaled to the observed total.
        Default: equal probabilities. Two Series (or a Series and a dict) are aligned on
        their labels; a category missing from one side counts 0 there.
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
        Seed of a Monte Carlo p-value. An integer is the seed; None draws one from
        operating-system entropy; a Generator or SeedSequence gives one draw of its
        stream. The draws come from ``numpy.random.default_rng(seed)`` and the seed is
        recorded (``res.seed``, the summary, ``to_dict()``): ``rng=res.seed``
        reproduces the p-value exactly. Validated even when nothing is drawn.

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
    obs_full, weights, index = _gof_inputs(f_obs, f_exp)
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

    effect = _suppress_infinite(lambda: kl_divergence(obs, reference=q))
    g_raw = _snap_zero(2.0 * n * float(kl1_plugin(obs, q)), n)
    g = _snap_zero(float(statistic(obs)), n)
    null = None
    seed: int | None = None
    n_outcomes = None
    if infinite:
        warnings.warn(
            "G is infinite: a category with zero expected count has observations, which "
            "is impossible under the null hypothesis (p = 0).",
            InfiniteEstimateWarning,
            stacklevel=2,
        )
        pvalue = 0.0
        notes.append("G is infinite (observations where f_exp is zero): p = 0.")
    elif method == "asymptotic":
        if requested == "asymptotic" or "caution" in notes[-1]:
            _check_small(exp, 3, williams_q if corr is None else None)
        pvalue = float(stats.chi2.sf(g, df))
        notes.append(f"p-value from the chi-square distribution with {df} df.")
    elif method == "montecarlo":
        check_resamples(
            n_resamples, work_per_resample=20.0 * obs_full.size, what="the Monte Carlo G-test"
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

    with np.errstate(divide="ignore", invalid="ignore"):
        resid = (obs_full - exp_full) / np.sqrt(exp_full)
        std_resid = (obs_full - exp_full) / np.sqrt(exp_full * (1 - exp_full / n))
    blocks: tuple[Block, ...] = ()
    if obs_full.size <= _MAX_BLOCK_CELLS:
        blocks = (
            Block(
                "Observed and expected counts",
                ["Observed", "Expected", "Std. residual"],
                _labels(index, obs_full.size),
                [
                    [fmt(o), fmt(e), fmt(r)]
                    for o, e, r in zip(obs_full, exp_full, std_resid, strict=True)
                ],
            ),
        )
    return GTestResult(
        statistic=g,
        pvalue=pvalue,
        df=None if method != "asymptotic" else df,
        nobs=round(n),
        method=method,
        null_hypothesis="the category probabilities are the expected ones",
        estimate=effect.estimate,
        distribution={"asymptotic": "chi2", "montecarlo": "montecarlo", "exact": "exact"}[method],
        title=_title("G-test of goodness of fit", corr),
        effect=effect,
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
        observed=_as_output(obs_full, index),
        expected=_as_output(exp_full, index),
        residuals=_as_output(resid, index),
        std_residuals=_as_output(std_resid, index),
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

    row_keep, col_keep = table.sum(axis=1) > 0, table.sum(axis=0) > 0
    n_rows_out, n_cols_out = int((~row_keep).sum()), int((~col_keep).sum())
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
    row_tot, col_tot = t.sum(axis=1), t.sum(axis=0)
    expected = np.outer(row_tot, col_tot) / n
    df = (r - 1) * (c - 1)
    williams_q = 1.0 + (n * np.sum(1 / row_tot) - 1) * (n * np.sum(1 / col_tot) - 1) / (
        6.0 * n * df
    )
    williams = williams_q if corr == "williams" else 1.0

    def statistic(tables: np.ndarray) -> np.ndarray:
        if corr == "yates":
            tables = _yates_shift(tables, expected)
        return 2.0 * n * mi_plugin(tables) / williams

    effect = mutual_information(t)
    g_raw = _snap_zero(2.0 * n * float(mi_plugin(t)), n)
    g = _snap_zero(float(statistic(t)), n)
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
        pvalue = float(stats.chi2.sf(g, df))
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
        check_resamples(
            n_resamples,
            work_per_resample=20.0 * table.size + float(table.sum()),
            what="the Monte Carlo G-test",
        )
        seed, generator = _seeded(rng)
        # random tables with the observed margins (kernel's documented algorithm)
        null = g_null_independence(
            row_tot.round().astype(np.int64),
            col_tot.round().astype(np.int64),
            n_resamples,
            generator,
            statistic if corr == "yates" else None,
        )
        if corr != "yates":
            null /= williams
        pvalue = _mc_pvalue(null, g, _tie_tolerance(g, n))
        notes.append(
            f"Monte Carlo p-value from {n_resamples} tables with the observed margins, seed "
            f"{seed} (pass rng={seed} to reproduce it)."
        )
    if corr is not None:
        notes.append(_correction_note(corr, williams))  # type: ignore[arg-type]

    resid = (t - expected) / np.sqrt(expected)
    std_resid = (t - expected) / np.sqrt(expected * np.outer(1 - row_tot / n, 1 - col_tot / n))
    row_lab, col_lab = _labels(rows, r), _labels(cols, c)
    blocks: tuple[Block, ...] = ()
    if r * c <= _MAX_BLOCK_CELLS and c <= 8:
        blocks = tuple(
            Block(title, col_lab, row_lab, [[fmt(v) for v in row] for row in values])
            for title, values in (
                ("Observed counts", t),
                ("Expected counts", expected),
                ("Standardized residuals", std_resid),
            )
        )
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
        estimate=effect.estimate,
        distribution={"asymptotic": "chi2", "montecarlo": "montecarlo", "exact": "exact"}[method],
        title=_title(f"G-test of {kind}", corr),
        effect=effect,
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
        observed=_as_frame(t, rows, cols),
        expected=_as_frame(expected, rows, cols),
        residuals=_as_frame(resid, rows, cols),
        std_residuals=_as_frame(std_resid, rows, cols),
    )


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
        random tables with the observed margins: by sequential hypergeometric draws,
        cell by cell and vectorised over the tables, when N >= 1000 r c; otherwise by
        Patefield's algorithm (Boyett's shuffling for sparse tables, N <= r c log(N +
        1)) via ``scipy.stats.random_table``. ``"exact"``: conditional exact test, the
        hypergeometric probability of every table with the observed margins and G at
        least the observed one (Fisher's exact test for 2 x 2 tables, with tables
        ordered by G).
    n_resamples : int, optional
        Number of Monte Carlo tables (default 9999).
    rng : int, `numpy.random.Generator` or `numpy.random.SeedSequence`, optional
        Seed of a Monte Carlo p-value. An integer is the seed; None draws one from
        operating-system entropy; a Generator or SeedSequence gives one draw of its
        stream. The draws come from ``numpy.random.default_rng(seed)`` and the seed is
        recorded (``res.seed``, the summary, ``to_dict()``): ``rng=res.seed``
        reproduces the p-value exactly. Validated even when nothing is drawn.

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
        t, rows, cols = as_table(frame, "table")
    else:
        arr = table.to_numpy() if isinstance(table, pd.Series) else table
        if not isinstance(arr, pd.DataFrame) and np.ndim(arr) == 1:
            raise ValueError(
                "`table` must be a 2-D table of counts; got 1-D input. For goodness of fit "
                "use `g_test`; to cross-tabulate raw labels pass `g_test_independence(x, y)`."
            )
        t, rows, cols = as_table(table, "table")
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
        Seed of a Monte Carlo p-value. An integer is the seed; None draws one from
        operating-system entropy; a Generator or SeedSequence gives one draw of its
        stream. The draws come from ``numpy.random.default_rng(seed)`` and the seed is
        recorded (``res.seed``, the summary, ``to_dict()``): ``rng=res.seed``
        reproduces the p-value exactly. Validated even when nothing is drawn.

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
        as_counts(x_counts, "x_counts"), as_counts(y_counts, "y_counts"), ("x_counts", "y_counts")
    )
    t = np.vstack([cx.values, cy.values])
    return _table_test(
        t,
        pd.Index(["x", "y"]),
        cx.index,
        correction=correction,
        method=method,
        n_resamples=n_resamples,
        rng=rng,
        kind="homogeneity",
    )


# =========================================================================== power


def _ncx2_sf(x: float, df: int, lam: float) -> float:
    """P(ncx2(df, lam) > x), also for noncentralities where scipy returns nan (beyond
    about 1e10; there the normal approximation, exact to many digits, is used)."""
    with np.errstate(all="ignore"):
        out = float(stats.ncx2.sf(x, df, lam)) if math.isfinite(lam) else math.nan
    if math.isnan(out):
        if math.isinf(lam):
            return 1.0
        sd = math.sqrt(2.0 * (df + 2.0 * lam))
        out = float(stats.norm.sf((x - df - lam) / sd))
    return out


def g_test_power(
    effect: float | KLEstimate,
    *,
    df: int,
    nobs: float | None = None,
    power: float | None = None,
    alpha: float = 0.05,
) -> float:
    r"""Power of the G-test, or the sample size that gives a target power.

    Under an alternative at KL divergence ``effect`` from the null, G is approximately
    noncentral chi-square with ``df`` degrees of freedom and noncentrality
    :math:`\lambda = 2 N D` (Mitra 1958, Ann. Math. Statist. 29:1221-1233; a Pitman-type
    approximation). Exactly one of ``nobs`` and ``power`` is None; that one is returned.

    Parameters
    ----------
    effect : float or KLEstimate
        The KL divergence D(P1 || P0) in nats (> 0): for goodness of fit the divergence
        of the alternative probabilities from the null ones; for independence the mutual
        information; for homogeneity the weighted JS divergence JS_w, with ``nobs`` =
        n + m. A :class:`~klstats.KLEstimate` (any units) is converted to nats.
    df : int
        Degrees of freedom of the test (K - 1, or (r - 1)(c - 1)).
    nobs : float, optional
        Total sample size N. Give it to compute the power.
    power : float, optional
        Target power in (``alpha``, 1). Give it to compute the sample size.
    alpha : float, optional
        Significance level (default 0.05).

    Returns
    -------
    float
        The power (when ``nobs`` is given), or the sample size N, not rounded (when
        ``power`` is given; round up with ``math.ceil``).

    Raises
    ------
    ValueError
        If both or neither of ``nobs`` and ``power`` are given, ``effect`` or ``nobs``
        is not positive and finite, ``power`` is not in (``alpha``, 1), ``alpha`` is not
        in (0, 1), or ``df`` < 1.
    TypeError
        For non-numeric arguments.

    Notes
    -----
    The approximation is accurate when the alternative is close to the null (D of
    order 1/N). Cohen's w^2 = sum (p1 - p0)^2 / p0 gives nearly the same noncentrality
    (statsmodels ``GofChisquarePower`` uses N w^2).

    References
    ----------
    .. [1] Cohen, J. *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed.,
           Erlbaum (1988), ch. 7.

    Examples
    --------
    Four categories, null uniform, alternative (0.3, 0.3, 0.2, 0.2), N = 200:

    >>> import klstats as kls
    >>> d = kls.kl_divergence([3, 3, 2, 2], reference=[1, 1, 1, 1]).estimate
    >>> print(f"{kls.g_test_power(d, df=3, nobs=200):.4f}")
    0.6574
    >>> n = kls.g_test_power(d, df=3, power=0.8)
    >>> print(f"N = {n:.1f}")
    N = 270.7
    """
    if isinstance(effect, KLEstimate):
        effect = effect.estimate * effect._divisor  # back to nats
    effect = check_real(effect, "effect", low=0.0, low_open=True)
    df = check_int(df, "df", minimum=1)
    alpha = check_alpha(alpha)
    if (nobs is None) == (power is None):
        raise ValueError(
            "Give exactly one of `nobs` (to compute the power) and `power` (to compute the "
            "sample size); the other must be None."
        )
    crit = float(stats.chi2.isf(alpha, df))
    if power is None:
        n = check_real(nobs, "nobs", low=0.0, low_open=True)
        return _ncx2_sf(crit, df, 2.0 * n * effect)
    target = check_real(power, "power", low=alpha, high=1.0, low_open=True, high_open=True)

    def excess(lam: float) -> float:
        return _ncx2_sf(crit, df, lam) - target

    hi = max(1.0, crit)
    while excess(hi) < 0:
        hi *= 2.0
    lam = optimize.brentq(excess, 0.0, hi, xtol=1e-12, rtol=1e-12)
    return lam / (2.0 * effect)
