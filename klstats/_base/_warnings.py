"""Warning classes raised by klstats.

All derive from :class:`KLStatsWarning` (a ``RuntimeWarning``) so that users can
filter everything the package says with one ``warnings.filterwarnings`` call.
"""

from __future__ import annotations

import os
import sys

__all__ = [
    "DegenerateDataWarning",
    "InfiniteEstimateWarning",
    "KLStatsWarning",
    "LabelPairingWarning",
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


class LabelPairingWarning(KLStatsWarning):
    """A labelled input was paired by position with an unlabelled one."""


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def find_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first caller outside klstats
    (so that it names the user's line, however deep inside the package it is issued)."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
        _PACKAGE_DIR + os.sep
    ):
        frame = frame.f_back
        level += 1
    return level
