"""The one size check of the test suite: a rejection rate under H0 against its level.

A simulated rejection rate from ``reps`` independent replications has Monte Carlo
standard error sqrt(alpha (1 - alpha) / reps) under a test of exact size alpha; the check
accepts alpha +/- 3 such standard errors (a false alarm about 3 times in 1000 per level
for a correct test) and nothing wider, so an incorrect test can fail it.
"""

from __future__ import annotations

import math

import numpy as np

K_SE = 3.0  # standard errors either side of alpha


def mc_se(alpha: float, reps: int) -> float:
    """Monte Carlo standard error of a rejection rate from ``reps`` replications."""
    return math.sqrt(alpha * (1 - alpha) / reps)


def assert_size(pvalues, levels=(0.05, 0.1), *, exact: bool = True) -> None:
    """Rejection rate at each level within alpha +/- 3 Monte Carlo s.e. of ``len(pvalues)``.

    ``exact=False`` checks only the upper side (a valid but conservative test, e.g. a
    permutation test whose statistic has many ties).
    """
    p = np.asarray(pvalues, dtype=float)
    for alpha in np.atleast_1d(levels):
        assert_rate(float(np.mean(p <= alpha)), float(alpha), p.size, exact=exact)


def assert_rate(rate: float, alpha: float, reps: int, *, exact: bool = True) -> None:
    """A rejection rate from ``reps`` replications within alpha +/- 3 Monte Carlo s.e."""
    tol = K_SE * mc_se(alpha, reps)
    assert rate - alpha <= tol, f"size {rate:.4f} > {alpha} + {tol:.4f} (reps = {reps})"
    if exact:
        assert alpha - rate <= tol, f"size {rate:.4f} < {alpha} - {tol:.4f} (reps = {reps})"
