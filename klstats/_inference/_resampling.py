"""The resampling engine: bootstrap, jackknife, Monte Carlo and permutation draws.

Everything random in klstats goes through this module. Counts are resampled as counts:
a nonparametric bootstrap replicate of a sample with counts ``x`` is one draw from
Multinomial(n, x/n), a label permutation of two samples is a multivariate
hypergeometric split of the pooled counts, and a permutation of one variable of a
contingency table is a random table with the observed margins. Each costs O(K) per
replicate, whatever the number of observations (Efron & Tibshirani 1993; Lehmann &
Romano 2005, ch. 15).

Replicates are drawn in chunks; chunk ``i`` uses the ``i``-th child of the caller's
generator (``Generator.spawn``), so results depend on the seed only, never on the
number of threads that evaluate the chunks. Large jobs run the chunks on a small
thread pool (numpy releases the GIL while sampling and in ufuncs).
"""

from __future__ import annotations

import math
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from .._base._validation import Units
from .._base._warnings import DegenerateDataWarning
from .._kernels._random_tables import random_tables as _random_tables

__all__ = ["BootstrapDistribution"]

BOOTSTRAP_METHODS = ("percentile", "basic", "bca")
DEFAULT_N_BOOTSTRAP = 9999

# about this many array elements per chunk (8 MB of float64)
_CHUNK_ELEMENTS = 1 << 20
# jobs with more elements than this use a thread pool
_PARALLEL_ELEMENTS = 1 << 23
# ties of a resampled statistic with the observed one, up to floating-point noise
_TIE_RTOL = 1e-12
_TIE_ATOL = 1e-15


# =========================================================================== results


@dataclass(frozen=True, eq=False)
class BootstrapDistribution:
    """Bootstrap replicates of an estimate, kept for plotting and reuse.

    Attributes
    ----------
    replicates : ndarray
        The ``n_resamples`` replicates in draw order (read-only), in ``units``.
        Infinite replicates are kept as ``inf``; undefined ones as ``nan``.
    estimate : float
        The estimate from the original data, in ``units``.
    n_resamples : int
        Number of replicates.
    n_infinite : int
        Replicates that are ``+inf`` or ``-inf`` (e.g. a two-sample plug-in KL whose
        resampled Q sample has an empty cell where P has counts).
    n_nan : int
        Replicates that are undefined (``nan``); intervals exclude them and say so.
    scheme : str
        How the replicates were drawn.
    units : str
        Units of ``replicates`` and ``estimate``.
    """

    replicates: np.ndarray
    estimate: float
    n_resamples: int
    n_infinite: int
    n_nan: int
    scheme: str
    units: str = "nats"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return bool(
            np.array_equal(self.replicates, other.replicates, equal_nan=True)
            and (
                self.estimate == other.estimate
                or (self.estimate != self.estimate and other.estimate != other.estimate)
            )
            and (self.n_resamples, self.n_infinite, self.n_nan, self.scheme, self.units)
            == (other.n_resamples, other.n_infinite, other.n_nan, other.scheme, other.units)
        )

    __hash__ = None  # type: ignore[assignment]

    @property
    def standard_error(self) -> float:
        """Standard deviation of the finite replicates (ddof=1); nan if fewer than 2."""
        finite = self.replicates[np.isfinite(self.replicates)]
        return float(np.std(finite, ddof=1)) if finite.size > 1 else math.nan

    def plot(self, ax: Any = None, *, bins: int = 50) -> Any:
        """Histogram of the finite replicates with the estimate marked (needs matplotlib).

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure is created when omitted.
        bins : int, optional
            Number of histogram bins.

        Returns
        -------
        matplotlib.axes.Axes
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        finite = self.replicates[np.isfinite(self.replicates)]
        ax.hist(finite, bins=bins, color="0.7", edgecolor="0.4")
        ax.axvline(self.estimate, color="C3", label="estimate")
        extra = f" ({self.n_infinite} infinite not shown)" if self.n_infinite else ""
        ax.set_xlabel(f"replicate ({self.units})")
        ax.set_title(f"{self.scheme}: {self.n_resamples} replicates{extra}")
        ax.legend()
        return ax

    def __repr__(self) -> str:
        return (
            f"BootstrapDistribution(n_resamples={self.n_resamples}, "
            f"estimate={self.estimate:.6g}, n_infinite={self.n_infinite}, "
            f"n_nan={self.n_nan}, units={self.units!r})"
        )

    def _rescaled(self, units: Units) -> BootstrapDistribution:
        """The distribution in ``units`` (the replicates are in nats)."""
        if units.divisor == 1.0 and units.name == self.units:
            return self
        reps = units.from_nats(self.replicates)
        reps.flags.writeable = False
        return BootstrapDistribution(
            reps,
            units.from_nats(self.estimate),
            self.n_resamples,
            self.n_infinite,
            self.n_nan,
            self.scheme,
            units.name,
        )


def make_distribution(
    replicates: np.ndarray, estimate: float, scheme: str
) -> BootstrapDistribution:
    """Freeze replicates (in nats) into a :class:`BootstrapDistribution`."""
    reps = np.array(replicates, dtype=float)
    reps.flags.writeable = False
    return BootstrapDistribution(
        reps,
        float(estimate),
        int(reps.size),
        int(np.isinf(reps).sum()),
        int(np.isnan(reps).sum()),
        scheme,
    )


# =========================================================================== chunked runner


def spawn(rng: np.random.Generator, n: int) -> list[np.random.Generator]:
    """``n`` independent child generators of ``rng`` (SPEC 7 style parallel streams)."""
    try:
        return list(rng.spawn(n))
    except (AttributeError, TypeError, ValueError):  # a generator without a SeedSequence
        seeds = rng.integers(0, 2**63 - 1, size=(n, 4))
        return [np.random.default_rng(s) for s in seeds]


def _progress_bar(total: int, progress: bool | None, desc: str) -> Any:
    """A tqdm bar: forced with ``progress=True``; with ``None`` only on a terminal and
    only once the job has run for a second; never with ``False`` or without tqdm."""
    if progress is False:
        return None
    if progress is None and not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm is an optional extra
        return None
    return tqdm(total=total, desc=desc, delay=0.0 if progress else 1.0, leave=False)


def run_chunks(
    task: Callable[[np.random.Generator, int], np.ndarray],
    n_total: int,
    per_item: int,
    rng: np.random.Generator,
    *,
    progress: bool | None = None,
    desc: str = "resampling",
) -> np.ndarray:
    """Evaluate ``task(generator, size)`` (an array whose last axis has ``size`` items)
    over chunks totalling ``n_total`` items, and concatenate along the last axis."""
    chunk = max(1, min(n_total, _CHUNK_ELEMENTS // max(per_item, 1)))
    sizes = [chunk] * (n_total // chunk)
    if n_total % chunk:
        sizes.append(n_total % chunk)
    gens = spawn(rng, len(sizes))
    bar = _progress_bar(n_total, progress, desc)
    workers = min(4, os.cpu_count() or 1) if n_total * per_item > _PARALLEL_ELEMENTS else 1

    def one(i: int) -> np.ndarray:
        with np.errstate(all="ignore"):  # inf/nan replicates are counted, not warned about
            out = np.asarray(task(gens[i], sizes[i]), dtype=float)
        if bar is not None:
            bar.update(sizes[i])
        return out

    try:
        if workers > 1 and len(sizes) > 1:
            pool = ThreadPoolExecutor(max_workers=workers)
            try:
                parts = list(pool.map(one, range(len(sizes))))
            except BaseException:
                # Ctrl-C (or an error) while the chunks are queued: drop the queued ones,
                # or the pool's exit would wait for all of them (minutes for large jobs)
                pool.shutdown(wait=True, cancel_futures=True)
                raise
            pool.shutdown(wait=True)
        else:
            parts = [one(i) for i in range(len(sizes))]
    finally:
        if bar is not None:
            bar.close()
    return np.concatenate(parts, axis=-1)


# =========================================================================== count resampling


def check_integer_counts(data: Sequence[np.ndarray], what: str = "Resampling") -> None:
    """Resampling counts needs whole numbers (not proportions or probabilities)."""
    for a in data:
        if not np.all(a == np.round(a)):
            raise ValueError(
                f"{what} needs integer counts; these data are not whole numbers (e.g. "
                "proportions). Use method='wald' or 'ncx2', or pass the raw counts."
            )


def multinomial_draws(
    n: int, weights: np.ndarray, size: int, rng: np.random.Generator
) -> np.ndarray:
    """``size`` draws from Multinomial(n, weights / sum(weights)) as floats, shape
    ``(size, K)``; O(K) per draw."""
    weights = np.asarray(weights, dtype=float)
    pos = np.flatnonzero(weights)
    # large categories first: numpy's conditional binomials are then cheaper
    order = pos[np.argsort(-weights[pos], kind="stable")]
    out = np.zeros((size, weights.size))
    out[:, order] = rng.multinomial(n, weights[order] / weights[order].sum(), size=size)
    return out


def multinomial(counts: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` draws from Multinomial(n, counts/n): shape ``(*lead, size, K)`` for
    counts of shape ``(*lead, K)`` (a nonparametric bootstrap of the sample)."""
    counts = np.asarray(counts, dtype=float)
    if counts.ndim == 1:
        return multinomial_draws(int(round(counts.sum())), counts, size, rng)
    n = np.round(counts.sum(axis=-1)).astype(np.int64)
    p = counts / counts.sum(axis=-1, keepdims=True)
    lead = counts.shape[:-1]
    draws = rng.multinomial(n[..., None], p[..., None, :], size=(*lead, size))
    return draws.astype(float)


def resample_counts(
    data: Sequence[np.ndarray], design: str, size: int, rng: np.random.Generator
) -> tuple[np.ndarray, ...]:
    """Nonparametric bootstrap replicates of count data, with a new axis of length
    ``size`` before the category axes.

    ``design``: ``"one"`` (one multinomial sample), ``"two"`` (independent samples, each
    resampled with its own total) or ``"table"`` (one multinomial over the cells of a
    contingency table; the margins are free).
    """
    if design == "table":
        t = data[0]
        flat = t.reshape(*t.shape[:-2], -1)
        draws = multinomial(flat, size, rng)
        return (draws.reshape(*t.shape[:-2], size, *t.shape[-2:]),)
    if design == "one":
        return (multinomial(data[0], size, rng),)
    if design == "two":
        return tuple(multinomial(a, size, rng) for a in data)
    raise ValueError(f"unknown design {design!r}")  # pragma: no cover


def _expand(a: np.ndarray, design: str) -> np.ndarray:
    """Insert the replicate axis in the data, where resample_counts puts it."""
    return a[..., None, :, :] if design == "table" else a[..., None, :]


def count_bootstrap(
    statistic: Callable[..., np.ndarray],
    data: Sequence[np.ndarray],
    design: str,
    n_resamples: int,
    rng: np.random.Generator,
    *,
    progress: bool | None = None,
) -> np.ndarray:
    """Bootstrap replicates of ``statistic`` (nats): shape ``(*lead, n_resamples)``."""
    per_item = int(sum(np.prod(a.shape) for a in data))

    def task(gen: np.random.Generator, size: int) -> np.ndarray:
        return statistic(*resample_counts(data, design, size, gen))

    return run_chunks(task, n_resamples, per_item, rng, progress=progress, desc="bootstrap")


# =========================================================================== jackknife on counts


@dataclass(frozen=True)
class Jackknife:
    """Leave-one-out values on counts: per sample j, the distinct values theta_(-c)
    (one per cell c) with their multiplicities (the counts) and the sample size."""

    values: tuple[np.ndarray, ...]
    weights: tuple[np.ndarray, ...]
    sizes: tuple[np.ndarray, ...]

    def variance(self) -> np.ndarray:
        """Delete-one jackknife variance (Efron & Stein 1981, Ann. Statist. 9:586-596),
        summed over independent samples: sum_j (n_j - 1)/n_j sum_i (theta_(-i) -
        theta_bar_j)^2, each distinct value counted with its multiplicity; inf when a
        leave-one-out value is not finite."""
        total = 0.0
        for v, w, n in zip(self.values, self.weights, self.sizes, strict=True):
            with np.errstate(invalid="ignore"):
                bad = np.any((w > 0) & ~np.isfinite(v), axis=-1)
                vw = np.where(w > 0, v, 0.0)
                mean = (w * vw).sum(axis=-1) / n
                ss = (w * (vw - mean[..., None]) ** 2).sum(axis=-1)
                var_j = np.where(n > 1, (n - 1) / n * ss, np.inf)
            total = total + np.where(bad, np.inf, var_j)
        return total

    def acceleration(self) -> np.ndarray:
        """BCa acceleration; for several samples scipy's formula (Efron 1987, JASA 82:171-185):
        a = sum_j [sum_i U_ji^3 / n_j^3] / (6 (sum_j [sum_i U_ji^2 / n_j^2])^(3/2)),
        U_ji = (n_j - 1)(theta_bar_j - theta_(-i)), each distinct value counted with
        its multiplicity."""
        num = 0.0
        den = 0.0
        for v, w, n in zip(self.values, self.weights, self.sizes, strict=True):
            with np.errstate(invalid="ignore"):
                vw = np.where(w > 0, v, 0.0)
                bad = np.any((w > 0) & ~np.isfinite(v), axis=-1)
                mean = (w * vw).sum(axis=-1) / n
                u = (n - 1)[..., None] * (mean[..., None] - vw)
                s3 = (w * u**3).sum(axis=-1)
                s2 = (w * u**2).sum(axis=-1)
            num = num + np.where(bad, np.nan, s3 / n**3)
            den = den + np.where(bad, np.nan, s2 / n**2)
        with np.errstate(invalid="ignore", divide="ignore"):
            a = np.where(den > 0, num / (6.0 * np.abs(den) ** 1.5), 0.0)
        return np.where(np.isnan(den), np.nan, a)


def count_jackknife(
    statistic: Callable[..., np.ndarray], data: Sequence[np.ndarray], design: str
) -> Jackknife:
    """Delete-one jackknife of ``statistic`` on count data in O(K) evaluations.

    Deleting any one of the x_c observations in cell c gives the same value, so each
    sample needs one evaluation per occupied cell (Zahl 1977). With leading dataset
    axes every cell is evaluated (weight 0 where empty).
    """
    values, weights, sizes = [], [], []
    for j, arr in enumerate(data):
        cell_shape = arr.shape[-2:] if design == "table" else arr.shape[-1:]
        lead = arr.shape[: arr.ndim - len(cell_shape)]
        flat = arr.reshape(*lead, -1)
        n_cells = flat.shape[-1]
        cells = np.flatnonzero(flat) if not lead else np.arange(n_cells)
        per = max(1, int(np.prod(arr.shape)) * max(1, len(data)))
        step = max(1, (4 * _CHUNK_ELEMENTS) // per)
        parts = []
        for start in range(0, cells.size, step):
            idx = cells[start : start + step]
            loo = np.repeat(flat[..., None, :], idx.size, axis=-2)
            rows = np.arange(idx.size)
            loo[..., rows, idx] -= (flat[..., idx] > 0).astype(float)
            loo = loo.reshape(*lead, idx.size, *cell_shape)
            args = []
            for i, other in enumerate(data):
                if i == j:
                    args.append(loo)
                else:
                    e = _expand(other, design)
                    args.append(np.broadcast_to(e, (*lead, idx.size, *e.shape[len(lead) + 1 :])))
            with np.errstate(all="ignore"):
                parts.append(np.asarray(statistic(*args), dtype=float))
        values.append(np.concatenate(parts, axis=-1))
        weights.append(flat[..., cells])
        sizes.append(flat.sum(axis=-1))
    return Jackknife(tuple(values), tuple(weights), tuple(sizes))


# =========================================================================== intervals


def quantile_sorted(a: np.ndarray, prob: np.ndarray | float) -> np.ndarray:
    """Linear-interpolation quantiles (numpy/scipy default, type 7) of the sorted last
    axis of ``a``, exact with infinite entries (no inf - inf)."""
    B = a.shape[-1]
    prob = np.asarray(prob, dtype=float)
    h = (B - 1) * np.clip(prob, 0.0, 1.0)
    lo = np.floor(h).astype(np.intp)
    hi = np.minimum(lo + 1, B - 1)
    g = h - lo
    shape = np.broadcast_shapes(a.shape[:-1], prob.shape)
    a = np.broadcast_to(a, (*shape, B))
    a_lo = np.take_along_axis(a, np.broadcast_to(lo, shape)[..., None], axis=-1)[..., 0]
    a_hi = np.take_along_axis(a, np.broadcast_to(hi, shape)[..., None], axis=-1)[..., 0]
    with np.errstate(invalid="ignore"):
        mid = a_lo + g * (a_hi - a_lo)
    return np.where((g == 0) | (a_hi == a_lo), a_lo, mid)


def bca_levels(
    estimate: np.ndarray, sorted_reps: np.ndarray, alpha: float, accel: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BCa quantile levels (alpha1, alpha2) and a mask of degenerate rows.

    z0 from the mid-rank of the estimate among the replicates (ties counted half,
    scipy's ``_percentile_of_score``); degenerate when z0 or the acceleration is not
    finite (all replicates on one side, or a non-finite jackknife value).
    """
    est = np.asarray(estimate, dtype=float)[..., None]
    B = sorted_reps.shape[-1]
    below = (sorted_reps < est).sum(axis=-1) + (sorted_reps <= est).sum(axis=-1)
    z0 = special.ndtri(below / (2.0 * B))
    za = special.ndtri(alpha / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        n1 = z0 + za
        n2 = z0 - za
        a1 = special.ndtr(z0 + n1 / (1 - accel * n1))
        a2 = special.ndtr(z0 + n2 / (1 - accel * n2))
    bad = ~(np.isfinite(z0) & np.isfinite(accel) & np.isfinite(a1) & np.isfinite(a2))
    return a1, a2, bad


def bootstrap_limits(
    method: str,
    estimate: np.ndarray | float,
    replicates: np.ndarray,
    alpha: float,
    accel: np.ndarray | float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Percentile, basic or BCa limits along the last axis of ``replicates``.

    Returns ``(low, high, degenerate)``; degenerate BCa rows get the percentile
    interval. Vectorised over leading axes (the coverage study uses this directly).
    """
    s = np.sort(replicates, axis=-1)
    est = np.asarray(estimate, dtype=float)
    lo_p = np.full(s.shape[:-1], alpha / 2)
    hi_p = np.full(s.shape[:-1], 1 - alpha / 2)
    bad = np.zeros(s.shape[:-1], dtype=bool)
    if method == "bca":
        a1, a2, bad = bca_levels(est, s, alpha, np.asarray(accel, dtype=float))
        lo_p = np.where(bad, lo_p, a1)
        hi_p = np.where(bad, hi_p, a2)
    q_lo = quantile_sorted(s, lo_p)
    q_hi = quantile_sorted(s, hi_p)
    if method == "basic":
        with np.errstate(invalid="ignore"):
            return 2 * est - q_hi, 2 * est - q_lo, bad
    return q_lo, q_hi, bad


def interval_from_distribution(
    method: str,
    boot: BootstrapDistribution,
    alpha: float,
    jackknife: Callable[[], Jackknife] | None = None,
) -> tuple[float, float, str | None]:
    """One bootstrap interval with its note (infinite or undefined replicates, BCa
    fallback). Undefined (nan) replicates are excluded and reported."""
    reps = boot.replicates
    notes = []
    if boot.n_nan:
        reps = reps[~np.isnan(reps)]
        notes.append(
            f"{boot.n_nan} of {boot.n_resamples} bootstrap replicates are undefined (nan) "
            "and were excluded."
        )
        warnings.warn(
            f"{boot.n_nan} of {boot.n_resamples} bootstrap replicates are undefined (nan); "
            "the interval uses the others. A finite estimator (e.g. 'zhang') avoids this.",
            DegenerateDataWarning,
            stacklevel=5,
        )
    if boot.n_infinite:
        notes.append(
            f"{boot.n_infinite} of {boot.n_resamples} bootstrap replicates "
            f"({boot.n_infinite / boot.n_resamples:.1%}) are infinite (a resampled Q "
            "sample with an empty cell where P has counts); they are kept."
        )
    if reps.size == 0:
        return math.nan, math.nan, " ".join(notes)
    accel = None
    if method == "bca":
        accel = float(jackknife().acceleration()) if jackknife is not None else math.nan
    lo, hi, bad = bootstrap_limits(method, boot.estimate, reps, alpha, accel)
    if method == "bca" and bool(bad):
        why = (
            "the jackknife acceleration is not finite"
            if not math.isfinite(accel)
            else "all bootstrap replicates lie on one side of the estimate"
        )
        warnings.warn(
            f"The BCa interval is undefined here ({why}); the percentile interval is "
            "reported instead.",
            DegenerateDataWarning,
            stacklevel=5,
        )
        notes.append(f"BCa is undefined here ({why}); percentile interval reported.")
    return float(lo), float(hi), " ".join(notes) or None


# =========================================================================== subsampling (k-NN)


DEFAULT_N_SUBSAMPLES = 1000
# subsamples smaller than this, or than 5 k, make k-NN estimates meaningless
MIN_SUBSAMPLE = 20


def subsample_sizes(
    sizes: Sequence[int], design: str, *, k: int = 1, exponent: float = 2 / 3
) -> tuple[tuple[int, ...], float]:
    """Subsample sizes and the common sampling fraction f.

    One sample or paired rows: b = n^exponent. Two samples: the same fraction
    f = b/n_eff of each (n_eff = min(n, m), b = n_eff^exponent), so that both parts of
    the variance shrink by the same finite-population factor.
    """
    n_eff = min(sizes)
    b = max(int(round(n_eff**exponent)), MIN_SUBSAMPLE, 5 * k)
    if b >= n_eff:
        raise ValueError(
            f"Subsampling needs samples well above {max(MIN_SUBSAMPLE, 5 * k)} points "
            f"(subsamples of about n^(2/3) points, at least {max(MIN_SUBSAMPLE, 5 * k)}); "
            f"got {n_eff}."
        )
    f = b / n_eff
    if design == "two":
        return tuple(max(int(round(f * s)), 5 * k, 2) for s in sizes), f
    return (b,), f


def _subsample(
    data: Sequence[np.ndarray], design: str, sizes: Sequence[int], rng: np.random.Generator
) -> tuple[np.ndarray, ...]:
    if design == "paired":
        idx = rng.choice(data[0].shape[0], sizes[0], replace=False)
        return tuple(a[idx] for a in data)
    return tuple(
        a[rng.choice(a.shape[0], b, replace=False)] for a, b in zip(data, sizes, strict=True)
    )


def subsampling_distribution(
    statistic: Callable[..., float],
    data: Sequence[np.ndarray],
    design: str,
    estimate: float,
    n_resamples: int,
    rng: np.random.Generator,
    *,
    k: int = 1,
    progress: bool | None = None,
) -> tuple[BootstrapDistribution, float]:
    """Estimates on subsamples drawn without replacement, and the sampling fraction."""
    sizes = [a.shape[0] for a in data] if design == "two" else [data[0].shape[0]]
    b, f = subsample_sizes(sizes, design, k=k)
    if design == "paired":
        per_item = b[0] * sum(a.shape[1] for a in data)
    else:
        per_item = sum(bi * a.shape[1] for bi, a in zip(b, data, strict=True))

    def task(gen: np.random.Generator, size: int) -> np.ndarray:
        return np.array([statistic(*_subsample(data, design, b, gen)) for _ in range(size)])

    reps = run_chunks(task, n_resamples, per_item, rng, progress=progress, desc="subsampling")
    desc = ", ".join(str(v) for v in b)
    dist = make_distribution(reps, estimate, f"subsampling without replacement (sizes {desc})")
    return dist, f


def subsampling_limits(
    estimate: float, replicates: np.ndarray, fraction: float, alpha: float
) -> tuple[float, float]:
    """Politis-Romano interval with the finite-population rescaling (Politis & Romano 1994).

    A subsample of a fraction f of the data varies around the full-data estimate with
    variance ~ sigma^2 (1/b - 1/n) = (1/f - 1) sigma^2/n, so the deviations are scaled
    by sqrt(f / (1 - f)) to the sampling variability of the estimate. They are taken
    from the mean of the subsample estimates rather than from the estimate, because the
    bias of k-NN estimators depends on the sample size. CI = [theta_hat - s q(1 -
    alpha/2), theta_hat - s q(alpha/2)].
    """
    reps = np.sort(replicates[np.isfinite(replicates)])
    if reps.size < 2:
        return math.nan, math.nan
    scale = math.sqrt(fraction / (1.0 - fraction))
    dev = reps - reps.mean()
    q_lo, q_hi = quantile_sorted(dev, np.array([alpha / 2, 1 - alpha / 2]))
    return estimate - scale * q_hi, estimate - scale * q_lo


def subsampling_interval(
    statistic: Callable[..., float],
    data: Sequence[np.ndarray],
    design: str,
    estimate: float,
    alpha: float,
    n_resamples: int | None,
    rng: Any,
    *,
    k: int = 1,
    progress: bool | None = None,
) -> tuple[float, float, str | None, BootstrapDistribution]:
    """Subsampling interval of a k-NN estimate with its note and distribution."""
    from .._base._validation import check_rng

    B = DEFAULT_N_SUBSAMPLES if n_resamples is None else n_resamples
    dist, f = subsampling_distribution(
        statistic, data, design, estimate, B, check_rng(rng), k=k, progress=progress
    )
    lo, hi = subsampling_limits(estimate, dist.replicates, f, alpha)
    note = (
        f"Subsamples without replacement, each {f:.3g} of the data; spread rescaled by "
        "the finite-population factor sqrt(f/(1-f))"
    )
    if dist.n_infinite or dist.n_nan:
        note += f"; {dist.n_infinite + dist.n_nan} non-finite subsample estimates excluded"
    return lo, hi, note + ".", dist


# =========================================================================== p-values and nulls


def resampling_pvalue(observed: float, null: np.ndarray) -> float:
    """p = (1 + #{T* >= T_obs - tol}) / (B + 1) (never 0; Phipson & Smyth 2010).

    ``tol`` absorbs floating-point noise, so replicates equal to the observed statistic
    up to rounding count as ties (scipy and R do the same).
    """
    null = np.asarray(null, dtype=float)
    if math.isnan(observed):
        return math.nan
    tol = _TIE_RTOL * abs(observed) + _TIE_ATOL if math.isfinite(observed) else 0.0
    count = int(np.count_nonzero(null >= observed - tol))
    return (1.0 + count) / (null.size + 1.0)


def permute_two_samples(
    x: np.ndarray, y: np.ndarray, size: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Label permutations of two samples of counts: x* is a multivariate
    hypergeometric draw of n from the pooled counts, y* the rest (O(K) per draw)."""
    pooled = np.round(x + y).astype(np.int64)
    n = int(round(x.sum()))
    xs = rng.multivariate_hypergeometric(pooled, n, size=size).astype(float)
    return xs, pooled[None, :] - xs


def random_tables(table: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Random tables with the margins of ``table`` (uniform over permutations of one
    variable against the other; the kernel ``_kernels._random_tables.random_tables``:
    inversion over the enumerated tables when there are few of them,
    sequential hypergeometric draws for large N, else Patefield 1981 via scipy)."""
    rows = np.round(table.sum(axis=1)).astype(np.int64)
    cols = np.round(table.sum(axis=0)).astype(np.int64)
    out = _random_tables(rows, cols, size, rng)
    return out.astype(float).reshape(size, *table.shape)
