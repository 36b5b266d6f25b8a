"""Interval machinery of the likelihood-ratio effect size LR/(2n).

Noncentral chi-square inversion of the LR statistic, and Wald intervals when the
per-observation log-likelihood ratios are known (used by ``lr_test``,
``lr_test_distributions`` and ``vuong_test``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ._intervals import Pivot, ncx2_interval, wald_interval

# --------------------------------------------------------------------------- intervals


@dataclass(frozen=True)
class _LRInference:
    """Intervals for LR/(2n): noncentral chi-square inversion, and Wald when the
    per-observation log-likelihood ratios are known."""

    pivot: Pivot
    mean: float = math.nan
    se: float = math.nan
    default_method: str = "ncx2"
    stochastic: frozenset = field(default_factory=frozenset)

    @property
    def methods(self) -> tuple[str, ...]:
        return ("ncx2", "wald") if math.isfinite(self.se) else ("ncx2",)

    def interval(self, method, alpha, n_resamples, rng):
        if method == "wald":
            return (*wald_interval(self.mean, self.se, alpha), None)
        p = self.pivot
        return (*ncx2_interval(p.statistic, p.df, p.scale, alpha), p.note)


@dataclass(frozen=True)
class _WaldInference:
    mean: float
    se: float
    default_method: str = "wald"
    methods: tuple[str, ...] = ("wald",)
    stochastic: frozenset = field(default_factory=frozenset)

    def interval(self, method, alpha, n_resamples, rng):
        return (*wald_interval(self.mean, self.se, alpha), None)
