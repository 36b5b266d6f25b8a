"""Result building shared by the G-tests: labelled outputs (Series/DataFrame when the
input had labels), summary titles and notes of the corrections."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .._base._warnings import InfiniteEstimateWarning
from .._results._classes import KLEstimate

# observed/expected/residual blocks are added to the summary up to this many cells
_MAX_BLOCK_CELLS = 60


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
