"""P-values of the G-tests: the chi-square reference and when to trust it, Monte Carlo
p-values with recorded seeds, exact enumeration (multinomial for goodness of fit,
multiple hypergeometric for tables), and the ``method="auto"`` rule that chooses among
them. The public tests are in :mod:`klstats._hypotests._gtests`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import special

from .._base._validation import check_rng, is_whole
from .._base._warnings import SmallSampleWarning

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
# an uncorrected goodness-of-fit G whose Williams factor exceeds this is liberal even
# where Cochran's rule is met: the validation report (docs/guide/validation.rst; exact
# sizes from enumeration, K >= 3) finds up to 1.6 alpha just above it, at most 1.4 below
_WILLIAMS_Q_WARN = 1.03
_EPS = float(np.finfo(float).eps)


def _tie_tolerance(g_obs: float, n: float) -> float:
    """Slack on ``G* >= G_obs`` so that floating-point noise does not break ties.

    The kernels form G from sums of x log x terms of size about N log N, so rounding
    errors scale with N (log N + 1), not with G; 64 eps of that scale is far below
    the spacing between distinct values of G (cf. R ``chisq.test``: 1 - 64 eps).
    """
    return 64 * _EPS * (abs(g_obs) + 2 * n * (1 + math.log(max(n, 1.0))))


def _snap_zero(g: float, n: float) -> float:
    """G that is zero up to rounding (|G| within the tie tolerance) is reported as 0,
    so that a table at exact independence gets p = 1 rather than 1 - 1e-7."""
    return 0.0 if abs(g) <= _tie_tolerance(0.0, n) else g


def _cochran(expected: np.ndarray) -> bool:
    """Cochran's rule is broken: any expected count < 1, or more than 20 % of them < 5."""
    return bool((expected < 1).any() or np.count_nonzero(expected < 5) / expected.size > 0.2)


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
    if not is_whole(obs):
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
    if not is_whole(t):
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
