"""Preparation of k-NN samples: options, standardisation maps, and exact ties.

:func:`resolve_ties` is the one place that handles zero neighbour distances for every
back end (in memory and Dask): compute, count the points whose neighbours are at
distance 0, then raise (``ties="raise"``) or jitter, compute again and write the note.
The back end supplies how to compute, how to jitter and how to describe duplicates.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._base._samples import count_duplicate_rows
from .._base._validation import check_choice, check_int
from .._base._warnings import DegenerateDataWarning, find_stacklevel

__all__: list[str] = []

# ties="jitter" warns when the tied points may move the estimate by more than this many
# nats (KL, entropy), or when more than this fraction of the points were tied (KSG)
_TIE_SHIFT = 0.01
_MANY_TIES = 0.01
# standard deviation of the ties="jitter" noise, relative to each coordinate's spread
JITTER_SCALE = 1e-10


# =========================================================================== options


def check_k(k: Any, n: int, m: int | None = None) -> int:
    k = check_int(k, "k", minimum=1)
    if k >= n:
        raise ValueError(
            f"`k` must be smaller than the number of points in `x` (neighbours exclude the "
            f"point itself); got k={k} with n={n}."
        )
    if m is not None and k > m:
        raise ValueError(f"`k` must not exceed the number of points in `y`; got k={k} with m={m}.")
    return k


def check_standardize(standardize: Any) -> str | None:
    if standardize is False or standardize is None:
        return None
    if standardize is True:
        return "scale"
    return check_choice(standardize, "standardize", ("scale", "whiten"))


def check_workers(workers: Any) -> int:
    w = check_int(workers, "workers")
    if w == 0 or w < -1:
        raise ValueError(f"`workers` must be -1 (all cores) or a positive integer; got {w}.")
    return w


def check_algorithm(algorithm: Any) -> str:
    return check_choice(algorithm, "algorithm", ("auto", "kd-tree", "brute"))


def warn_constant(a: np.ndarray, name: str) -> None:
    if a.shape[0] > 1:
        const = np.flatnonzero(a.min(axis=0) == a.max(axis=0))
        if const.size:
            warnings.warn(
                f"Column(s) {const.tolist()} of `{name}` are constant: the sample has no "
                f"density in {a.shape[1]} dimensions and k-NN estimates are meaningless. "
                "Drop the constant columns.",
                DegenerateDataWarning,
                stacklevel=find_stacklevel(),
            )


# =========================================================================== standardize


def linear_map(pooled: np.ndarray, kind: str, names: str) -> tuple[np.ndarray, float]:
    """Matrix A (z = x @ A) and log|det A| of the scale or whitening transform."""
    if kind == "scale":
        return map_from_moments(kind, pooled.std(axis=0), names)
    return map_from_moments(kind, np.atleast_2d(np.cov(pooled, rowvar=False)), names)


def map_from_moments(kind: str, moment: np.ndarray, names: str) -> tuple[np.ndarray, float]:
    """:func:`linear_map` from the pooled standard deviations (``"scale"``) or
    covariance matrix (``"whiten"``), however they were computed (the Dask path)."""
    d = moment.shape[0]
    if kind == "scale":
        sd = moment
        if np.any(sd == 0):
            raise ValueError(
                f"Cannot standardize: column(s) {np.flatnonzero(sd == 0).tolist()} of "
                f"{names} are constant."
            )
        return np.diag(1.0 / sd), -float(np.log(sd).sum())
    cov = moment
    try:
        chol = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise ValueError(
            f"Cannot whiten: the covariance matrix of {names} is singular (the data lie "
            "on a lower-dimensional subspace)."
        ) from None
    a = np.linalg.solve(chol, np.eye(d)).T  # z = x @ inv(L).T has identity covariance
    return a, -float(np.log(np.diag(chol)).sum())


# beyond 2**+-300 in absolute value, squared distances could overflow or underflow
_SAFE_EXPONENT = 300


def exact_rescaling(max_abs: float, d: int) -> tuple[np.ndarray, float] | None:
    """Scale matrix c I and log|det| = d log c of a power-of-two rescaling, when the
    data lie beyond 2**+-300 (None otherwise: ordinary data are not touched).

    k-NN distances are squared sums; at 1e160 they overflow (nan estimates), at
    1e-170 they underflow (distinct points read as exact ties). Multiplying by a power
    of two c is exact in floating point; KL divergences and mutual information are
    invariant and entropies shift by d log c (added back by the estimators).
    """
    if not (math.isfinite(max_abs) and max_abs > 0):
        return None
    exponent = math.frexp(max_abs)[1]
    if -_SAFE_EXPONENT <= exponent <= _SAFE_EXPONENT:
        return None
    c = math.ldexp(1.0, -exponent)
    return np.eye(d) * c, d * math.log(c)


def apply_map(v: np.ndarray, a: np.ndarray) -> np.ndarray:
    return v @ a


# =========================================================================== ties


def jitter_scale(sd: np.ndarray, top: np.ndarray) -> np.ndarray:
    """Noise scale per coordinate: JITTER_SCALE times the pooled standard deviation (the
    largest absolute value for a constant coordinate, 1 for an all-zero one)."""
    scale = np.array(sd, dtype=float)
    flat = scale == 0
    scale[flat] = np.asarray(top, dtype=float)[flat]
    scale[scale == 0] = 1.0
    return scale * JITTER_SCALE


def jitter(arrays: Sequence[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """Add N(0, (JITTER_SCALE * s_j)^2) noise, s_j the pooled spread of coordinate j."""
    pooled = np.concatenate(arrays, axis=0)
    scale = jitter_scale(pooled.std(axis=0), np.abs(pooled).max(axis=0))
    return [a + rng.standard_normal(a.shape) * scale for a in arrays]


def ties_error(zero: str, k: int, dup: str, remedy: str = "kl_divergence") -> ValueError:
    return ValueError(
        f"Exact ties: {zero}, so the k-NN estimate (k={k}) would be infinite or NaN. "
        f"{dup}If the ties are accidental, pass ties='jitter' (tiny seeded noise; give "
        "rng= for reproducibility) or use a larger k. If the data are discrete or "
        f"rounded, treat them as discrete: klstats.{remedy} on counts from "
        "klstats.tabulate."
    )


def duplicates_text(x: np.ndarray, y: np.ndarray | None = None) -> str:
    parts = []
    within = count_duplicate_rows(x)
    if within:
        parts.append(f"{within} point(s) of `x` repeat another one")
    if y is not None:
        shared = count_duplicate_rows(x, y)
        if shared:
            parts.append(f"{shared} point(s) of `x` coincide with points of `y`")
    return "; ".join(parts) + ". " if parts else ""


def jitter_note(count: int, n: int, d: int | None) -> str:
    """Summary note after jittering; warns when the tied points drive the estimate.

    ``count`` is the number of distinct points (at most ``n``) with a zero neighbour
    distance. A tied point's jittered distance is ~JITTER_SCALE times the spread, so
    for KL and entropy it moves the estimate by about d log(1/JITTER_SCALE) / n
    (23 d / n nats). For KSG (``d=None``) the effect is milder; there more than 1%
    tied points warn.
    """
    count = min(int(count), n)
    shift = math.nan if d is None else count * d * math.log(1 / JITTER_SCALE) / n
    if (d is None and count > _MANY_TIES * n) or shift > _TIE_SHIFT:
        size = "" if d is None else f" (by up to about {shift:.2g} nats)"
        warnings.warn(
            f"{count} of {n} points had k-NN distances of zero before jittering; their "
            f"jittered distances reflect the noise scale, not the data, and move the "
            f"estimate{size}. Use a larger k, or treat the data as discrete "
            "(klstats.tabulate and the count estimators).",
            DegenerateDataWarning,
            stacklevel=find_stacklevel(),
        )
    return (
        f"Ties broken with N(0, ({JITTER_SCALE:g} x spread)^2) noise; {count} point(s) "
        "had neighbours at distance 0 before."
    )


@dataclass(frozen=True)
class TieSpec:
    """How one estimator reports zero distances.

    ``labels`` name the searched samples (``"x"``, ``"y"``, ``"(x, y)"``); ``counts``
    maps a computed result to (zero counts per label, distinct points affected);
    ``remedy`` is the count estimator suggested for discrete data; ``d`` the dimension
    for the size of the jitter warning (None: KSG-style fraction).
    """

    labels: tuple[str, ...]
    counts: Callable[[Any], tuple[tuple[int, ...], int]]
    remedy: str
    k: int
    n: int
    d: int | None
    order_text: str = "k-th nearest neighbour"


def _zero_text(zeros: Sequence[int], spec: TieSpec) -> str:
    if len(spec.labels) == 1:
        return (
            f"{zeros[0]} point(s) of `x` have their {spec.order_text} at distance 0"
            if spec.labels[0] == "x"
            else f"{zeros[0]} point(s) have their {spec.order_text} in the joint "
            f"{spec.labels[0]} space at distance 0"
        )
    return " and ".join(
        f"{c} point(s) of `x` have their {spec.order_text} in `{where}` at distance 0"
        if where in ("x", "y")
        else f"{c} point(s) have their {spec.order_text} in the {where} space at distance 0"
        for c, where in zip(zeros, spec.labels, strict=True)
        if c
    )


def resolve_ties(
    data: Any,
    compute: Callable[[Any], Any],
    add_noise: Callable[[Any], Any],
    describe: Callable[[Any], str],
    ties: str,
    spec: TieSpec,
) -> tuple[Any, Any, str | None]:
    """Compute; on zero distances raise (``ties="raise"``) or jitter and recompute.

    Returns (data as estimated, result, note or None).
    """
    result = compute(data)
    zeros, points = spec.counts(result)
    if not any(zeros):
        return data, result, None
    text = _zero_text(zeros, spec)
    if ties == "raise":
        raise ties_error(text, spec.k, describe(data), spec.remedy)
    data = add_noise(data)
    result = compute(data)
    if any(spec.counts(result)[0]):
        raise ties_error(text + " (also after jittering)", spec.k, describe(data), spec.remedy)
    return data, result, jitter_note(points, spec.n, spec.d)
