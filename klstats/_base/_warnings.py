"""Warning classes raised by klstats.

All derive from :class:`KLStatsWarning` (a ``RuntimeWarning``) so that users can
filter everything the package says with one ``warnings.filterwarnings`` call.
"""

from __future__ import annotations

__all__ = [
    "DegenerateDataWarning",
    "InfiniteEstimateWarning",
    "KLStatsWarning",
    "SmallSampleWarning",
]


class KLStatsWarning(RuntimeWarning):
    """Base class of every warning klstats emits."""


class SmallSampleWarning(KLStatsWarning):
    """Expected counts or sample sizes are too small for an asymptotic approximation."""


class DegenerateDataWarning(KLStatsWarning):
    """The data make a procedure degenerate (ties, a bootstrap distribution on one side, ...)."""


class InfiniteEstimateWarning(KLStatsWarning):
    """An estimate is infinite because P puts mass where Q has none (P is not << Q)."""
