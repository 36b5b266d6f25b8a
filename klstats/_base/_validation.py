"""Input validation: the one layer every public function goes through.

Every helper returns fresh arrays (the caller's data are never modified) and
raises ``ValueError``/``TypeError`` with a message that names the argument, states
the rule and says what was received.

Size: about 980 lines, kept as one module on purpose: every argument rule of the counts
(scalars, counts, labels and their tabulation) is in this one file; reference
distributions and continuous samples are in ``_base/_samples.py``, and the labels section
(``_base/_labels.py``) is the next to move out.
"""

from __future__ import annotations

import math
import numbers
import operator
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._dask_counts import compute_small, is_dask
from ._dask_counts import cross_tabulate as dask_cross_tabulate
from ._dask_counts import label_counts as dask_label_counts
from ._warnings import find_stacklevel

__all__: list[str] = []  # private module


def materialise(x: Any, name: str) -> Any:
    """Counts or probabilities given as a Dask collection, computed (they are small)."""
    if not is_dask(x):
        return x
    return compute_small(x, name)


# --------------------------------------------------------------------------- scalars


def check_int(value: Any, name: str, *, minimum: int | None = None) -> int:
    """Return ``value`` as a Python int, or raise naming ``name``."""
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"`{name}` must be an integer; got a boolean.")
    try:
        out = operator.index(value)
    except TypeError:
        raise TypeError(f"`{name}` must be an integer; got {value!r}.") from None
    if minimum is not None and out < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}; got {out}.")
    return out


def check_real(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` as a finite Python float inside the given bounds."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number; got {value!r}.")
    out = float(value)
    if not math.isfinite(out):
        raise ValueError(f"`{name}` must be finite; got {out}.")
    if low is not None and (out < low or (low_open and out == low)):
        op = ">" if low_open else ">="
        raise ValueError(f"`{name}` must be {op} {low:g}; got {out:g}.")
    if high is not None and (out > high or (high_open and out == high)):
        op = "<" if high_open else "<="
        raise ValueError(f"`{name}` must be {op} {high:g}; got {out:g}.")
    return out


# Bounds on one call's resampling work (the one shared guard): the replicates kept in
# memory (8 bytes each) and the elementary operations (about 1e9 per second).
MAX_REPLICATES = 2**27  # 134,217,728 replicates: 1 GiB of float64
MAX_OPERATIONS = 2e12  # about half an hour at 1e9 operations a second
_OVERHEAD_PER_RESAMPLE = 1000.0


def _fmt_bytes(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.3g} {unit}"
        n /= 1024
    return f"{n:.3g} PiB"  # pragma: no cover


def _fmt_seconds(sec: float) -> str:
    for unit, size in (("years", 3.15e7), ("days", 86400.0), ("hours", 3600.0)):
        if sec >= size:
            return f"{sec / size:.3g} {unit}"
    return f"{sec / 60:.3g} minutes" if sec >= 60 else f"{sec:.2g} seconds"


def check_resamples(
    value: Any,
    name: str = "n_resamples",
    *,
    work_per_resample: float = 1.0,
    what: str = "resampling",
) -> int:
    """A replicate count: an int >= 1 whose cost is not absurd.

    The one guard every resampling entry point uses (bootstrap, subsampling,
    permutation and Monte Carlo tests, parametric bootstrap). The work itself is done
    in bounded chunks; this refuses, before anything is allocated, a request whose
    replicates alone would not fit in memory (more than ``MAX_REPLICATES``) or whose
    estimated work (``value * work_per_resample`` elementary operations, about 1e9 a
    second) exceeds ``MAX_OPERATIONS``, with the estimate in the message.
    """
    n = check_int(value, name, minimum=1)
    # plus a fixed cost per replicate (Python and numpy call overhead, measured ~1 us)
    per = max(float(work_per_resample), 1.0) + _OVERHEAD_PER_RESAMPLE
    work = n * per
    if n <= MAX_REPLICATES and work <= MAX_OPERATIONS:
        return n
    limit = int(min(MAX_REPLICATES, MAX_OPERATIONS // per))
    raise ValueError(
        f"`{name}`={n} is too large for {what}: storing the replicates alone needs "
        f"{_fmt_bytes(8.0 * n)}, and the work is about {work:.2g} elementary operations "
        f"(roughly {_fmt_seconds(work / 1e9)}). Use at most {limit:,} here; 9999 "
        "replicates give a p-value or interval endpoint to about +-0.005."
    )


def check_alpha(alpha: Any) -> float:
    """Significance level strictly inside (0, 1)."""
    return check_real(alpha, "alpha", low=0.0, high=1.0, low_open=True, high_open=True)


def check_choice(value: Any, name: str, choices: Iterable[str]) -> str:
    """A string option among ``choices`` (case-insensitive, ``_`` read as ``-``)."""
    choices = tuple(choices)
    if not isinstance(value, str):
        raise TypeError(f"`{name}` must be one of {choices}; got {value!r}.")
    key = value.lower().replace("_", "-")
    if key not in choices:
        raise ValueError(f"`{name}` must be one of {choices}; got {value!r}.")
    return key


def check_options(options: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
    """Reject keyword options that ``where`` does not understand."""
    allowed = tuple(allowed)
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        hint = f"; it accepts {allowed}" if allowed else "; it takes no extra options"
        raise TypeError(f"{where} got unknown option(s) {unknown}{hint}.")


@dataclass(frozen=True)
class Units:
    """Logarithm base of a result: ``divisor`` turns nats into these units.

    The one conversion: every kernel works in nats and every public function converts
    its result with :meth:`from_nats` (results keep their ``Units`` to convert intervals,
    bootstrap replicates and resampled statistics the same way).
    """

    name: str
    divisor: float
    base: float | None

    def from_nats(self, value: Any) -> Any:
        """A value (float or array) in nats, in these units."""
        return value / self.divisor

    def to_nats(self, value: Any) -> Any:
        """A value (float or array) in these units, in nats."""
        return value * self.divisor


NATS = Units("nats", 1.0, None)


def check_base(base: Any) -> Units:
    """``base=None`` (or e) means nats; 2 bits; 10 hartleys; any other b > 0, b != 1."""
    if base is None:
        return NATS
    b = check_real(base, "base", low=0.0, low_open=True)
    if b == 1.0:
        raise ValueError("`base` must be > 0 and != 1 (log base 1 is undefined); got 1.")
    if b == math.e:
        return Units("nats", 1.0, b)
    names = {2.0: "bits", 10.0: "hartleys"}
    return Units(names.get(b, f"log-base-{b:g} units"), math.log(b), b)


def check_rng(rng: Any) -> np.random.Generator:
    """SPEC 7: normalise ``rng`` once with :func:`numpy.random.default_rng`."""
    if isinstance(rng, bool | np.bool_):
        raise TypeError(
            "`rng` must be None, an int, a SeedSequence or a numpy Generator; got a boolean."
        )
    try:
        return np.random.default_rng(rng)
    except (TypeError, ValueError) as exc:
        if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
            raise ValueError(
                f"`rng` as an integer seed must be >= 0; got {rng}. Use a non-negative "
                "seed, a SeedSequence or a numpy Generator."
            ) from exc
        raise TypeError(
            "`rng` must be None, an int, a SeedSequence or a numpy Generator; "
            f"got {type(rng).__name__} ({str(exc).splitlines()[0] if str(exc) else rng!r})."
        ) from exc


# --------------------------------------------------------------------------- counts


def _reject_labels(a: np.ndarray, name: str) -> None:
    if a.dtype.kind in "OUSV" or isinstance(a.dtype, pd.CategoricalDtype):
        raise TypeError(
            f"`{name}` must contain numeric counts; got values of type {a.dtype}. "
            "To count raw labels use `klstats.tabulate`."
        )
    if a.dtype.kind == "c":
        raise TypeError(f"`{name}` must contain real counts; got complex values.")
    if a.dtype.kind == "M" or a.dtype.kind == "m":
        raise TypeError(f"`{name}` must contain numeric counts; got {a.dtype} values.")


def reject_masked(x: Any, name: str) -> None:
    """A numpy masked array with masked entries is refused (its mask would be lost)."""
    if isinstance(x, np.ma.MaskedArray):
        masked = int(np.ma.getmaskarray(x).sum())
        if masked:
            raise ValueError(
                f"`{name}` is a masked array with {masked} masked entr"
                f"{'y' if masked == 1 else 'ies'}; the mask would be ignored. Drop them "
                "(`x.compressed()`, or `x[~x.mask.any(axis=1)]` for rows) or fill them "
                "(`x.filled(value)`) first."
            )


def frame_values(x: pd.Series | pd.DataFrame) -> np.ndarray:
    """The values of a Series or DataFrame; nullable numeric columns (Int64, Float64,
    boolean) become floats with NaN for a missing value, so they are read like numpy
    ones and missing values are found (not mistaken for labels)."""
    dtypes = [x.dtype] if isinstance(x, pd.Series) else list(x.dtypes)
    if dtypes and all(
        isinstance(t, pd.api.extensions.ExtensionDtype)
        and not isinstance(t, pd.CategoricalDtype)
        and pd.api.types.is_numeric_dtype(t)
        for t in dtypes
    ):
        return x.to_numpy(dtype=float, na_value=np.nan)
    if (
        isinstance(x, pd.DataFrame)
        and dtypes
        and all(
            pd.api.types.is_numeric_dtype(t) and not isinstance(t, pd.CategoricalDtype)
            for t in dtypes
        )
    ):
        return x.to_numpy(dtype=float, na_value=np.nan)
    return x.to_numpy()


def _numeric_array(x: Any, name: str) -> np.ndarray:
    reject_masked(x, name)
    if isinstance(x, pd.Series | pd.DataFrame):
        if isinstance(x.dtype if isinstance(x, pd.Series) else None, pd.CategoricalDtype):
            raise TypeError(
                f"`{name}` is categorical (labels, not counts). "
                "To count raw labels use `klstats.tabulate`."
            )
        values = frame_values(x)
    else:
        values = x
    if isinstance(values, str | bytes):
        raise TypeError(f"`{name}` must be array_like of counts; got a string.")
    if isinstance(values, Mapping):
        raise TypeError(
            f"`{name}` must be array_like of counts or a pandas Series; got a dict. "
            "Wrap it as pandas.Series(...)."
        )
    try:
        a = np.array(values)  # always a copy: callers' data are never modified
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`{name}` must be array_like of numbers: {exc}") from None
    _reject_labels(a, name)
    if a.dtype.kind == "b":
        a = a.astype(float)
    try:
        a = a.astype(float)
    except (TypeError, ValueError):
        raise TypeError(
            f"`{name}` must contain numeric counts. To count raw labels use `klstats.tabulate`."
        ) from None
    return a


def _check_count_values(a: np.ndarray, name: str) -> None:
    if a.size == 0:
        raise ValueError(f"`{name}` must not be empty.")
    lo, hi = float(a.min()), float(a.max())  # (NaN if any value is NaN)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        bad = "NaN" if np.any(np.isnan(a)) else "infinite"
        raise ValueError(f"`{name}` must contain only finite counts; found {bad} values.")
    if lo < 0:
        raise ValueError(f"`{name}` must be non-negative; smallest value is {lo:g}.")
    if hi <= 0:
        raise ValueError(f"`{name}` must contain at least one positive count; all are zero.")
    if hi * a.size > _FLOAT_MAX / 2:  # (below, the total cannot overflow)
        _check_total(a, name, "counts")


_FLOAT_MAX = float(np.finfo(float).max)


def _check_total(a: np.ndarray, name: str, what: str) -> None:
    """The total must be a finite float (counts near 1e308 overflow when added)."""
    with np.errstate(over="ignore"):
        total = a.sum()
    if not np.isfinite(total):
        raise ValueError(
            f"`{name}` adds up to more than the largest float64 ({np.finfo(float).max:.3g}; "
            f"largest entry {a.max():.3g}), so its {what} cannot be totalled. Divide them "
            "by a common factor first (proportions are unchanged)."
        )


def nobs_of(total: float) -> int:
    """The number of observations reported for counts with this total: the total
    rounded, and at least 1 when it is positive (fractional weights summing below 0.5
    are not zero observations)."""
    total = float(total)
    return max(1, int(round(total))) if total > 0 else 0


@dataclass(frozen=True)
class Counts:
    """Validated 1-D counts with optional category labels."""

    values: np.ndarray
    index: pd.Index | None

    @property
    def total(self) -> float:
        return float(self.values.sum())


# --------------------------------------------------------------------------- what was passed

# A total this close to 1 makes non-integer values probabilities (or proportions), and
# expected probabilities must sum to 1 this closely unless the caller asks to rescale.
PROBABILITY_TOL = 1e-6

PROBABILITY_HINT = "Pass the counts of the sample (how many observations fell in each category)."


def is_whole(a: np.ndarray) -> bool:
    """Every value a whole number (counts, or ratios such as 9:3:3:1)."""
    return bool((a == np.round(a)).all())


def refuse_probabilities(a: np.ndarray, name: str, hint: str | None = None) -> None:
    """Refuse non-integer values that add up to 1 or less where counts are expected.

    Such values are probabilities or proportions (or weights normalised to 1): read
    as counts they would be a sample of about one observation, and every interval
    and test computed from them would be meaningless. Whole numbers (integer-valued
    floats too) are counts; non-integer values with a larger total are weighted
    counts (see :func:`weights_note`).
    """
    if is_whole(a):
        return
    total = float(a.sum())
    if total <= 1.0 + PROBABILITY_TOL:
        raise ValueError(
            f"`{name}` looks like probabilities or proportions, not counts: its values are "
            f"not whole numbers and add up to {total:.6g}. {hint or PROBABILITY_HINT}"
        )


def weights_note(values: np.ndarray, what: str = "The counts") -> str | None:
    """A summary note for non-integer counts (weights), else None."""
    if is_whole(values):
        return None
    return (
        f"{what} are not whole numbers: read as weighted counts. Intervals treat their "
        f"total ({float(values.sum()):.6g}) as the number of observations; with survey "
        "weights rescale them to the effective sample size first."
    )


def is_labelled(index: pd.Index | None) -> bool:
    """A category index that carries labels (anything but the positions 0..K-1)."""
    if index is None:
        return False
    if isinstance(index, pd.RangeIndex):
        return not (index.start == 0 and index.step == 1)
    if index.dtype.kind in "iu":
        return not np.array_equal(np.asarray(index), np.arange(len(index)))
    return True


def show_labels(labels: Any, limit: int = 6) -> str:
    labels = list(labels)
    shown = ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in labels[:limit])
    return shown + (f", ... ({len(labels)} in all)" if len(labels) > limit else "")


def check_pairing(
    index_a: pd.Index | None,
    index_b: pd.Index | None,
    names: tuple[str, str],
    *,
    positional_b_ok: bool = False,
) -> None:
    """Labelled against unlabelled input: refused, naming the labels.

    When exactly one of two vectors that are paired category by category carries
    labels (a Series or dict with an index other than 0..K-1) and the other is a
    plain list or array, they could only be paired by position, and the order of
    the labels (for instance ``value_counts()``, sorted by frequency) need not be the
    order of the list. That is refused with a ``ValueError`` naming the labels.

    ``positional_b_ok``: the second vector is a known distribution (``reference=``,
    ``f_exp``) that may be labelled while the counts are not; it is then paired by
    position (documented) with a :class:`LabelPairingWarning` naming the pairing.
    """
    la, lb = is_labelled(index_a), is_labelled(index_b)
    if la == lb:
        return
    if la:
        labelled, plain = names
        labels = index_a
    else:
        plain, labelled = names
        labels = index_b
    if lb and positional_b_ok:
        from ._warnings import LabelPairingWarning

        warnings.warn(
            f"`{labelled}` is labelled ({show_labels(labels)}) but `{plain}` is not, so "
            f"they are paired by position ({plain}[0] with {labels[0]!r}, and so on). Pass "
            f"`{plain}` as a pandas Series indexed by category to pair them by label.",
            LabelPairingWarning,
            stacklevel=find_stacklevel(),
        )
        return
    raise ValueError(
        f"`{labelled}` is labelled (categories {show_labels(labels)}) but `{plain}` is "
        "a plain list or array, so they could only be paired by position, and the "
        "order of the labels (for example `value_counts()`, which sorts by frequency) "
        f"need not be the order of `{plain}`. Give `{plain}` the same labels (a pandas "
        f"Series indexed by category, or a dict), or, if the positions do match, pass "
        f"`{labelled}` as an array (`.to_numpy()`)."
    )


def one_sided_labels(parts: Sequence[tuple[pd.Index, str]]) -> str:
    """Which labels appear in only one of labelled inputs, in words ('' if none)."""
    out = []
    for i, (index, name) in enumerate(parts):
        others = [ix for j, (ix, _) in enumerate(parts) if j != i]
        only = index
        for other in others:
            only = only.difference(other, sort=False)
        if len(only):
            out.append(f"only in `{name}`: {show_labels(only)}")
    return "; ".join(out)


def as_expected(
    weights: Any,
    name: str,
    *,
    total: float | None = None,
    rescale: bool = False,
) -> tuple[np.ndarray, str]:
    """Known probabilities (or expected counts, or ratios) as probabilities summing to 1.

    The one rule for a hypothesised distribution (``f_exp``, ``reference=``, the
    inputs of ``known=True``):

    - values summing to 1 within ``PROBABILITY_TOL``: probabilities;
    - given ``total`` (the observed N), values summing to N (relative tolerance
      ``PROBABILITY_TOL``): expected counts;
    - whole numbers: ratios, such as 9:3:3:1;
    - anything else (proportions summing to 0.9, rounded shares, expected counts of
      another total) is refused, unless ``rescale=True`` asks to rescale them.

    Returns the probabilities and what the values were read as.
    """
    a = as_counts_like_probs(weights, name)
    s = float(a.sum())
    if abs(s - 1.0) <= PROBABILITY_TOL:
        return a / s, "probabilities"
    if total is not None and abs(s - total) <= PROBABILITY_TOL * max(total, 1.0):
        return a / s, "expected counts"
    if is_whole(a):
        return a / s, "ratios"
    if rescale:
        return a / s, f"rescaled (they added up to {s:.6g})"
    expect = " or to the observed total" if total is not None else ""
    counts = f" ({total:.6g})" if total is not None else ""
    raise ValueError(
        f"`{name}` adds up to {s:.6g}, not to 1{expect}{counts}: as probabilities or "
        "proportions they must sum to 1 (within 1e-6). If categories are missing, add "
        "them; if the shortfall is rounding, or the values are weights to be "
        "normalised, pass `rescale=True`. Whole-number ratios (such as 9:3:3:1) are "
        "rescaled without asking."
    )


def as_counts(
    x: Any,
    name: str,
    *,
    probabilities_hint: str | None = None,
    allow_probabilities: bool = False,
) -> Counts:
    """Validate one vector of counts (array_like or Series).

    Probabilities passed as counts are refused (:func:`refuse_probabilities`, whose
    message ends with ``probabilities_hint``, the call the caller should make) unless
    ``allow_probabilities`` (known distributions, ``known=True``).
    """
    x = materialise(x, name)
    index = x.index if isinstance(x, pd.Series) else None
    if isinstance(x, pd.DataFrame):
        raise ValueError(
            f"`{name}` must be 1-D counts; got a DataFrame. "
            "For a contingency table use `mutual_information` or `g_test_independence`."
        )
    a = _numeric_array(x, name)
    if a.ndim != 1:
        raise ValueError(
            f"`{name}` must be 1-D counts; got an array with shape {a.shape}. "
            "For a 2-D contingency table use `mutual_information`."
        )
    _check_count_values(a, name)
    if not allow_probabilities:
        refuse_probabilities(a, name, probabilities_hint)
    if index is not None:
        check_unique_labels(index, name)
    return Counts(a, index)


def check_unique_labels(index: pd.Index, name: str) -> pd.Index:
    """Refuse an index of category labels that repeats a label.

    The one rule for duplicate labels everywhere labelled counts, probabilities or
    tables enter the package (library, Dask, command line): a category is listed
    once. Repeated labels are refused, naming them, rather than summed: summing would
    hide a data error (a label typed twice), and reindexing would repeat entries and
    give silently wrong numbers.
    """
    if index.is_unique:
        return index
    dup = index[index.duplicated()].unique()
    shown = ", ".join(repr(v) for v in dup[:5]) + (", ..." if len(dup) > 5 else "")
    raise ValueError(
        f"`{name}` has {len(dup)} duplicated category label(s): {shown}. Each category "
        "must appear once; to add up the counts of repeated labels use "
        "`s.groupby(level=0).sum()` first."
    )


def align_on_labels(
    parts: Sequence[tuple[np.ndarray, pd.Index]], names: Sequence[str]
) -> tuple[list[np.ndarray], pd.Index]:
    """Labelled vectors reindexed onto the union of their labels (first-seen order).

    A label missing from one vector gets 0 there. Duplicated labels are refused
    (:func:`check_unique_labels`), so no entry is ever repeated or dropped.
    """
    union: pd.Index | None = None
    for (_, index), name in zip(parts, names, strict=True):
        check_unique_labels(index, name)
        union = index if union is None else union.union(index, sort=False)
    assert union is not None
    out = []
    for values, index in parts:
        if index.equals(union):
            out.append(np.asarray(values, dtype=float))
            continue
        pos = index.get_indexer(union)
        v = np.zeros(len(union), dtype=float)
        found = pos >= 0
        v[found] = np.asarray(values, dtype=float)[pos[found]]
        out.append(v)
    return out, union


def align_counts(a: Counts, b: Counts, names: tuple[str, str]) -> tuple[Counts, Counts]:
    """Align two count vectors: Series on the union of labels, arrays by position.

    A labelled vector beside an unlabelled one is refused (:func:`check_pairing`).
    """
    check_pairing(a.index, b.index, names)
    if a.index is not None and b.index is not None:
        (av, bv), union = align_on_labels([(a.values, a.index), (b.values, b.index)], names)
        return Counts(av, union), Counts(bv, union)
    if a.values.shape != b.values.shape:
        raise ValueError(
            f"`{names[0]}` and `{names[1]}` must have the same length (one entry per "
            f"category); got {a.values.size} and {b.values.size}. Pass pandas Series to "
            "align them on their category labels."
        )
    index = a.index if a.index is not None else b.index
    return Counts(a.values, index), Counts(b.values, index)


def as_table(
    table: Any,
    name: str = "table",
    *,
    probabilities_hint: str | None = None,
    allow_probabilities: bool = False,
) -> tuple[np.ndarray, pd.Index | None, pd.Index | None]:
    """Validate a 2-D table of counts (ndarray or DataFrame); a table of
    probabilities is refused (:func:`refuse_probabilities`)."""
    table = materialise(table, name)
    rows = cols = None
    if isinstance(table, pd.DataFrame):
        rows, cols = table.index, table.columns
        if any(isinstance(t, pd.CategoricalDtype) or t.kind in "OUS" for t in table.dtypes):
            raise TypeError(
                f"`{name}` must contain numeric counts; to cross-tabulate labels pass "
                "them as two arrays `x, y`."
            )
        values = frame_values(table)
    else:
        values = table
    a = _numeric_array(values, name)
    if a.ndim != 2:
        raise ValueError(
            f"`{name}` must be a 2-D table of counts; got {a.ndim}-D input with shape "
            f"{a.shape}. Pass two equal-length label arrays `x, y` to cross-tabulate them."
        )
    if min(a.shape) < 1:
        raise ValueError(f"`{name}` must not be empty; got shape {a.shape}.")
    _check_count_values(a, name)
    if not allow_probabilities:
        refuse_probabilities(a, name, probabilities_hint)
    if rows is not None:
        check_unique_labels(rows, f"{name}.index")
        check_unique_labels(cols, f"{name}.columns")
    return a, rows, cols


# --------------------------------------------------------------------------- labels


def as_labels(x: Any, name: str) -> pd.Series:
    """Raw labels (array, list, Series, Categorical) as a Series; missing values rejected."""
    if isinstance(x, pd.DataFrame):
        raise ValueError(f"`{name}` must be 1-D labels; got a DataFrame.")
    if isinstance(x, pd.Series):
        s = x.copy()
    elif isinstance(x, pd.Categorical):
        s = pd.Series(x)
    else:
        if isinstance(x, str | bytes):
            raise TypeError(f"`{name}` must be a sequence of labels; got a single string.")
        reject_masked(x, name)
        arr = np.asarray(x, dtype=object) if not isinstance(x, np.ndarray) else x
        if arr.ndim != 1:
            raise ValueError(f"`{name}` must be 1-D labels; got shape {arr.shape}.")
        s = pd.Series(arr)
    if len(s) == 0:
        raise ValueError(f"`{name}` must not be empty.")
    if s.isna().any():
        raise ValueError(
            f"`{name}` has {int(s.isna().sum())} missing value(s); drop or recode them first."
        )
    return s


# label arrays are counted in chunks of this many labels, so that temporary arrays stay
# small whatever the input's length
_LABEL_CHUNK = 1 << 20
# a cross-tabulation of labels is refused beyond this many cells (about 1 GB of counts)
_MAX_TABLE_CELLS = 1 << 27


def _label_values(x: Any, name: str) -> tuple[Any, Any]:
    """The labels' values without copying (ndarray, Categorical or extension array), and
    their name. Rejects DataFrames, single strings, non-1-D and empty input."""
    if isinstance(x, pd.DataFrame):
        raise ValueError(f"`{name}` must be 1-D labels; got a DataFrame.")
    if isinstance(x, pd.Series):
        values, label = x.array, x.name
        if isinstance(values, pd.arrays.NumpyExtensionArray):
            values = values.to_numpy()
    elif isinstance(x, pd.Categorical):
        values, label = x, None
    elif isinstance(x, pd.Index):
        values, label = x.array, None
        if isinstance(values, pd.arrays.NumpyExtensionArray):
            values = values.to_numpy()
    else:
        if isinstance(x, str | bytes):
            raise TypeError(f"`{name}` must be a sequence of labels; got a single string.")
        reject_masked(x, name)
        values = np.asarray(x, dtype=object) if not isinstance(x, np.ndarray) else x
        if values.ndim != 1:
            raise ValueError(f"`{name}` must be 1-D labels; got shape {values.shape}.")
        label = None
    if len(values) == 0:
        raise ValueError(f"`{name}` must not be empty.")
    return values, label


def _dense_int_span(values: Any, limit: int) -> tuple[int, int] | None:
    """(min, span) of a numpy integer/boolean array whose range is at most ``limit``
    (counted by offset, no hashing), else None."""
    if not isinstance(values, np.ndarray) or values.dtype.kind not in "iub":
        return None
    lo, hi = int(values.min()), int(values.max())
    span = hi - lo + 1
    return (lo, span) if span <= limit else None


def _offset_chunks(values: np.ndarray, lo: int):
    """values - lo as intp, chunk by chunk."""
    for s in range(0, values.size, _LABEL_CHUNK):
        yield values[s : s + _LABEL_CHUNK].astype(np.intp) - lo


def _bincount(codes: np.ndarray, minlength: int) -> np.ndarray:
    """bincount of non-negative codes of any integer dtype, with bounded temporaries."""
    if codes.dtype == np.intp:
        return np.bincount(codes, minlength=minlength)
    out = np.zeros(minlength, dtype=np.intp)
    for s in range(0, codes.size, _LABEL_CHUNK):
        out += np.bincount(codes[s : s + _LABEL_CHUNK].astype(np.intp), minlength=minlength)
    return out


def _missing_error(name: str, count: int) -> ValueError:
    return ValueError(f"`{name}` has {count} missing value(s); drop or recode them first.")


def _factorize(values: Any, name: str) -> tuple[np.ndarray, pd.Index, bool]:
    """Integer codes of the labels, the distinct labels (first-seen order; a
    Categorical: its declared categories) and whether the labels are categorical."""
    if isinstance(values, pd.Categorical) or isinstance(
        getattr(values, "dtype", None), pd.CategoricalDtype
    ):
        codes = np.asarray(values.codes)
        categories = values.categories
        categorical = True
    else:
        codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=True)
        categories = pd.Index(uniques)
        categorical = False
    if codes.size and codes.min() < 0:
        raise _missing_error(name, int(np.count_nonzero(codes < 0)))
    return codes, categories, categorical


def _sort_order(index: pd.Index) -> np.ndarray | None:
    """Positions that sort ``index``, or None for unorderable (mixed) labels."""
    try:
        return index.argsort()
    except TypeError:
        return None


def _count_labels(values: Any, name: str) -> tuple[np.ndarray, pd.Index, bool]:
    """Counts of every label and the labels, sorted (a Categorical: every declared
    category in declared order; unorderable labels: first-seen order)."""
    dense = _dense_int_span(values, max(len(values), 1 << 16))
    if dense is not None:
        lo, span = dense
        if lo == 0 and values.dtype == np.intp:  # the values are the codes: no copy
            counts = np.bincount(values, minlength=span)
        else:
            counts = np.zeros(span, dtype=np.intp)
            for chunk in _offset_chunks(values, lo):
                counts += np.bincount(chunk, minlength=span)
        if np.all(counts):  # every value in the range seen: no index arrays needed
            keys = np.arange(lo, lo + span)
        else:
            keys = np.flatnonzero(counts)
            counts = counts[keys]
            keys += lo
        return counts, pd.Index(keys.astype(values.dtype, copy=False), copy=False), False
    if isinstance(values, pd.Categorical) or isinstance(
        getattr(values, "dtype", None), pd.CategoricalDtype
    ):
        codes, labels, categorical = _factorize(values, name)
        counts = _bincount(codes, len(labels))
        del codes
    elif isinstance(values, np.ndarray) and values.dtype.kind == "f" and _many_distinct(values):
        keys, counts = _sorted_float_counts(values, name)
        return counts, pd.Index(keys, copy=False), False
    else:  # one hashing pass (pandas' value_counts; Arrow's for Arrow arrays), no codes
        dtype = values.dtype if isinstance(values, np.ndarray) else None
        vc = pd.Series(values, dtype=dtype, copy=False).value_counts(sort=False, dropna=False)
        labels, counts = vc.index, vc.to_numpy()
        missing = np.asarray(labels.isna())
        if missing.any():
            raise _missing_error(name, int(counts[missing].sum()))
        if dtype is not None and dtype.kind in "OUS":  # the dtype pandas infers for
            labels = pd.Index(pd.Series(labels.to_numpy(dtype=object)).array)  # the labels
        categorical = False
    if not categorical:
        order = _sort_order(labels)
        if order is not None:
            labels, counts = labels.take(order), counts[order]
    return counts, labels, categorical


# float labels with more distinct values than this among 2**16 evenly spaced ones are
# counted by sorting, not hashing
_FLOAT_HASH_MAX_DISTINCT = 1024


def _many_distinct(values: np.ndarray) -> bool:
    """Many distinct float labels: counted by sorting (about 2x the input in memory;
    hashing would hold a table of every distinct value, up to 7-8x the input, and is
    slower there); with few distinct values hashing is faster (pandas: about 3.4x)."""
    sample = values[:: max(1, values.size >> 16)]
    return np.unique(sample).size > _FLOAT_HASH_MAX_DISTINCT


def _sorted_float_counts(values: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Distinct float labels (sorted; -0.0 counted as 0.0) and their counts, from one
    sorted copy: peak memory about 2x the input whatever the number of distinct values
    (hashing needs about 7x with all values distinct, and is slower there)."""
    missing = int(np.count_nonzero(np.isnan(values)))
    if missing:
        raise _missing_error(name, missing)
    s = np.sort(values)
    n = s.size
    last = np.empty(n, dtype=bool)  # the last position of every run of equal values
    np.not_equal(s[1:], s[:-1], out=last[:-1])
    last[-1] = True
    ends = np.flatnonzero(last)
    del last
    k = ends.size
    # the distinct values into the front of the sorted copy (each chunk reads from at or
    # after the positions it writes, so in place is safe)
    for a in range(0, k, _LABEL_CHUNK):
        chunk = ends[a : a + _LABEL_CHUNK]
        s[a : a + chunk.size] = s[chunk]
    keys = s[:k].copy() if 2 * k < n else s[:k]
    del s
    keys += 0.0  # -0.0 -> 0.0
    # counts: differences of the run ends, in place from the back
    counts = ends
    for b in range(k, 1, -_LABEL_CHUNK):
        a = max(b - _LABEL_CHUNK, 1)
        counts[a:b] -= counts[a - 1 : b - 1]
    counts[0] += 1
    return keys, counts


def label_counts(x: Any, name: str) -> tuple[pd.Series, pd.Index | None, Any]:
    """Counts of raw labels, the declared categories of a Categorical (else None) and
    the labels' name. Dask input is counted by Dask.

    Labels are counted through integer codes (offsets of small-range integers,
    ``pandas.factorize`` otherwise, a Categorical's codes) and ``numpy.bincount``, in
    chunks, without a copy of the input or a Python object per label. In memory the
    counts come sorted by label (a Categorical: every declared category in order).
    """
    if is_dask(x):
        return dask_label_counts(x, name)
    values, label = _label_values(x, name)
    counts, labels, categorical = _count_labels(values, name)
    out = pd.Series(counts.astype(np.int64, copy=False), index=labels, name="count", copy=False)
    return out, (labels if categorical else None), label


def cross_tabulate(x: Any, y: Any, names: tuple[str, str] = ("x", "y")) -> pd.DataFrame:
    """Cross-tabulate two equal-length label sequences (Dask ones by Dask).

    Observed labels only; rows and columns sorted by label (unorderable mixed labels:
    first-seen order); index and columns named after the labels. Counted through
    integer codes and ``numpy.bincount`` in chunks (see `label_counts`).
    """
    if is_dask(x) or is_dask(y):
        return dask_cross_tabulate(x, y, names)
    vx, lx = _label_values(x, names[0])
    vy, ly = _label_values(y, names[1])
    if len(vx) != len(vy):
        raise ValueError(
            f"`{names[0]}` and `{names[1]}` must have the same length; "
            f"got {len(vx)} and {len(vy)}."
        )
    cx, offx, ux, catx = _table_codes(vx, names[0])
    cy, offy, uy, caty = _table_codes(vy, names[1])
    kx, ky = len(ux), len(uy)
    if kx * ky > _MAX_TABLE_CELLS:
        raise ValueError(
            f"cross-tabulating `{names[0]}` and `{names[1]}` would make a {kx:,} x {ky:,} "
            f"table ({kx * ky:,} cells; the limit is {_MAX_TABLE_CELLS:,}). Are the labels "
            "continuous measurements? Bin them, or use a k-NN estimator."
        )
    flat = np.zeros(kx * ky, dtype=np.intp)
    for s in range(0, cx.size, _LABEL_CHUNK):
        pair = cx[s : s + _LABEL_CHUNK].astype(np.intp)
        if offx:
            pair -= offx
        pair *= ky
        pair += cy[s : s + _LABEL_CHUNK].astype(np.intp, copy=False)
        if offy:
            pair -= offy
        flat += np.bincount(pair, minlength=kx * ky)
    del cx, cy
    table = flat.reshape(kx, ky)
    # observed labels only (a Categorical's unobserved categories are dropped), sorted
    # (a Categorical: in the order of its declared categories)
    rows, cols = np.flatnonzero(table.sum(axis=1)), np.flatnonzero(table.sum(axis=0))
    ux, uy = ux.take(rows), uy.take(cols)
    table = table[np.ix_(rows, cols)]
    ox = np.arange(len(ux)) if catx else _table_order(ux)
    oy = np.arange(len(uy)) if caty else _table_order(uy)
    return pd.DataFrame(
        table[np.ix_(ox, oy)].astype(np.int64, copy=False),
        index=_plain_index(ux, ox, lx),
        columns=_plain_index(uy, oy, ly),
    )


def _plain_index(labels: pd.Index, order: np.ndarray, name: Any) -> pd.Index:
    """The labels in ``order`` as a NumPy-backed Index (dtype inferred for objects)."""
    values = labels.to_numpy()[order]
    return pd.Index(values.tolist() if values.dtype == object else values, name=name)


def _table_order(labels: pd.Index) -> np.ndarray:
    """Positions that sort the labels of a cross-tabulation (mixed, unorderable labels:
    numbers before strings, as ``pandas.crosstab`` orders them)."""
    order = _sort_order(labels)
    if order is None:
        rank, _ = pd.factorize(np.asarray(labels, dtype=object), sort=True)
        order = np.argsort(rank, kind="stable")
    return np.asarray(order)


def _table_codes(values: Any, name: str) -> tuple[np.ndarray, int, pd.Index, bool]:
    """Codes of the labels (code = array value - offset, in 0..K-1), the K labels
    they stand for and whether they are a Categorical's categories (whose declared
    order is kept); small-range integers are their own codes (no copy)."""
    # small-range integers: the table has a row for every value in the range (dropped
    # below when unobserved), so only for a few thousand values
    dense = _dense_int_span(values, 1 << 12)
    if dense is not None:
        lo, span = dense
        labels = pd.Index(np.arange(lo, lo + span).astype(values.dtype, copy=False))
        codes = values.view(np.uint8) if values.dtype == np.bool_ else values
        return codes, lo, labels, False
    codes, labels, categorical = _factorize(values, name)
    return codes, 0, labels, categorical


def as_counts_like_probs(x: Any, name: str) -> np.ndarray:
    """Validate non-negative finite weights (probabilities, proportions or counts)."""
    a = _numeric_array(materialise(x, name), name)
    if a.ndim != 1:
        raise ValueError(f"`{name}` must be 1-D; got shape {a.shape}.")
    if a.size == 0:
        raise ValueError(f"`{name}` must not be empty.")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"`{name}` must contain only finite probabilities.")
    if np.any(a < 0):
        raise ValueError(f"`{name}` must be non-negative; smallest value is {a.min():g}.")
    _check_total(a, name, "entries")
    if not a.sum() > 0:
        raise ValueError(f"`{name}` must have a positive total; all entries are zero.")
    return a
