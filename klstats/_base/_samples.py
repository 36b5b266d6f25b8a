"""Reference distributions of the count estimators (arrays, Series, frozen scipy laws)
and continuous samples (k-NN input, duplicate rows): their checks at the door."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ._validation import (
    Counts,
    as_expected,
    check_pairing,
    check_unique_labels,
    frame_values,
    materialise,
    reject_masked,
)

# --------------------------------------------------------------------------- references


def _is_frozen_discrete(obj: Any) -> bool:
    return hasattr(obj, "pmf") and hasattr(obj, "dist") and hasattr(obj, "support")


def as_reference(
    reference: Any, counts: Counts, name: str = "reference", *, rescale: bool = False
) -> np.ndarray:
    """Reference probabilities q_k aligned with ``counts``.

    Arrays, Series and dicts are probabilities (summing to 1), or whole-number ratios,
    read by :func:`as_expected`: other totals are refused unless ``rescale=True``. A
    Series or dict is aligned with labelled counts on the labels; with unlabelled
    counts it is read by position (with a :class:`LabelPairingWarning`), and labelled
    counts beside an unlabelled reference are refused (:func:`check_pairing`). A
    frozen scipy.stats discrete distribution is evaluated with ``pmf`` at the
    category labels (array counts: categories 0, 1, ..., K-1) and *not* rescaled, so
    mass outside the listed categories stays outside.
    """
    reference = materialise(reference, name)
    if _is_frozen_discrete(reference):
        support = counts.index if counts.index is not None else np.arange(counts.values.size)
        try:
            pts = np.asarray(support, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(
                f"`{name}` is a scipy.stats distribution, so the categories of the counts "
                "must be numbers (its support points)."
            ) from None
        q = np.asarray(reference.pmf(pts), dtype=float)
        if not np.all(np.isfinite(q)):
            raise ValueError(f"`{name}`.pmf returned non-finite values.")
        return q
    if hasattr(reference, "pdf") and hasattr(reference, "dist"):
        raise TypeError(
            f"`{name}` is a continuous distribution; discrete estimators need a discrete "
            "one. For continuous samples use `kl_divergence_knn`."
        )
    if isinstance(reference, Mapping):
        reference = pd.Series(dict(reference))
    ref_index = reference.index if isinstance(reference, pd.Series) else None
    ref, _ = as_expected(reference, name, rescale=rescale)
    check_pairing(counts.index, ref_index, ("p", name), positional_b_ok=True)
    if ref_index is not None and counts.index is not None:
        # categories of Q that the sample lacks keep their share of Q's mass
        check_unique_labels(ref_index, name)
        pos = ref_index.get_indexer(counts.index)
        return np.where(pos >= 0, ref[pos], 0.0)
    if ref.shape != counts.values.shape:
        raise ValueError(
            f"`{name}` must have one probability per category ({counts.values.size}); "
            f"got {ref.size}. Pass pandas Series to align them on category labels."
        )
    return ref


# --------------------------------------------------------------------------- samples


def as_samples(x: Any, name: str, *, copy: bool = True) -> np.ndarray:
    """Continuous samples as a float (n, d) array (one row per observation).

    ``copy=False`` returns the caller's own float64 array (or a view of it) when no
    conversion is needed; use it only in code that never writes to the result (it
    saves a copy of large samples in the k-NN estimators).
    """
    reject_masked(x, name)
    if isinstance(x, pd.Series | pd.DataFrame):
        values = frame_values(x)
    else:
        values = x
    if isinstance(values, str | bytes):
        raise TypeError(f"`{name}` must be an array of numbers; got a string.")
    try:
        a = np.array(values) if copy else np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`{name}` must be array_like of numbers: {exc}") from None
    if a.dtype.kind not in "biuf":
        raise TypeError(f"`{name}` must contain real numbers; got values of type {a.dtype}.")
    a = a.astype(float, copy=False)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise ValueError(f"`{name}` must be 1-D (n,) or 2-D (n, d); got shape {a.shape}.")
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"`{name}` must not be empty; got shape {a.shape}.")
    # a finite sum proves every value finite without an (n, d) temporary
    if not np.isfinite(a.sum()) and not np.all(np.isfinite(a)):
        raise ValueError(
            f"`{name}` must contain only finite values; found NaN or inf in "
            f"{int((~np.isfinite(a)).any(axis=1).sum())} row(s)."
        )
    return a


def _row_keys(a: np.ndarray) -> np.ndarray:
    """One opaque key per row, equal exactly when the rows are equal (-0.0 == 0.0)."""
    b = np.ascontiguousarray(a + 0.0)
    return b.view(np.dtype((np.void, b.dtype.itemsize * b.shape[1]))).ravel()


def count_duplicate_rows(a: np.ndarray, other: np.ndarray | None = None) -> int:
    """Rows of ``a`` equal to another row of ``a`` or, given ``other``, to a row of it.

    Exact ties make nearest-neighbour distances zero; the k-NN estimators use this to
    say how many points are involved.
    """
    keys = _row_keys(a)
    if other is None:
        _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        return int((counts[inverse] > 1).sum())
    return int(np.isin(keys, _row_keys(other)).sum())
