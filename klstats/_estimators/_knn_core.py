"""Internals of the k-NN estimators: typed options, intervals, back ends and the
estimator bodies behind :mod:`klstats._estimators._knn` (split from it to keep each
module at one concept: this one computes, that one documents and validates). It is
longer than 800 lines because the four estimator bodies (two-sample and one-sample KL,
entropy, mutual information) share the back-end protocol, the tie handling and the
result builder defined here; split apart they would each import all of it."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
from scipy import special

from .._base._samples import as_samples, count_duplicate_rows
from .._base._validation import check_choice, is_dask
from .._base._warnings import InfiniteEstimateWarning, SmallSampleWarning, find_stacklevel
from .._inference._intervals import bias_aware_z, wald_interval
from .._kernels import _knn_formulas as F
from .._kernels._knn_prep import (
    TieSpec,
    check_k,
    duplicates_text,
    exact_rescaling,
    jitter,
    linear_map,
    resolve_ties,
    warn_constant,
)
from .._kernels._knn_weights import (
    MAX_DEFAULT_K,
    MI_TAIL_DIMS,
    TAIL_DIMS,
    TAIL_K,
    TAIL_SWITCH_K,
    bias_weights,
    default_k,
    n_constraints,
    unit_weights,
    wald_bias_bound,
)
from .._kernels._neighbours import adaptive_parts, ksg_parts, resolve_algorithm, run_plan
from .._results._classes import KLEstimate

__all__: list[str] = []

_DEFAULT_MAX_K = 50
# k when an unweighted estimator is asked for without k (the defaults before 0.x)
LEGACY_K = {"wang": 1, "adaptive": 1, "kozachenko-leonenko": 3, "ksg1": 3, "ksg2": 3}
KL_ESTIMATORS = ("auto", "weighted", "wang", "adaptive")
ENTROPY_ESTIMATORS = ("auto", "weighted", "kozachenko-leonenko")
MI_ESTIMATORS = ("auto", "weighted", "ksg1", "ksg2")

_NO_BOOTSTRAP = (
    "k-NN estimates cannot be bootstrapped with replacement (duplicated points make "
    "k-NN distances zero); use method='wald' or method='subsampling' (without "
    "replacement). For a test of P = Q or of independence use a permutation test."
)


def resolve_estimator(estimator: Any, choices: Sequence[str]) -> str:
    """The estimator actually used: ``"auto"`` is the weighted estimator."""
    key = check_choice(estimator, "estimator", tuple(choices))
    return "weighted" if key == "auto" else key


def resolve_k(
    k: Any, key: str, n: int, d: int, m: int | None = None, *, use: str = "estimate"
) -> int:
    """The one default rule for k: the weighted estimators take
    :func:`klstats._kernels._knn_weights.default_k` (about L n^(1/3), L the number of
    cancelled bias terms; in 3 <= d <= 8 from n = 500 on 48 and above n = 1076 64
    neighbours with three terms; the mutual information, ``use="mi"``, keeps the
    former rule); the unweighted ones keep their former defaults
    (Wang 1, Kozachenko-Leonenko 3, KSG 3). An explicit ``k`` is checked."""
    if k is None:
        k = default_k(n, d, m, use=use) if key == "weighted" else LEGACY_K[key]
        k = min(k, n - 1) if m is None else min(k, n - 1, m)
        if k < 1:
            raise ValueError(f"k-NN estimates need at least 2 points in `x`; got n={n}.")
    return check_k(k, n, m)


# =========================================================================== inference


@dataclass(frozen=True)
class KnnSetup:
    """The resolved options of a k-NN estimate, typed, for the tests built on it
    (nothing is read back from the display dict ``options``)."""

    key: str
    k: int
    weights: np.ndarray | None = None
    max_k: int | None = None
    ties: str = "raise"
    workers: int = -1
    # the bias (in standard errors) the Wald interval allows for (``_bias_bound``)
    bias_bound: float = 0.0


@dataclass(frozen=True)
class KnnInference:
    """What a k-NN estimate keeps for intervals.

    ``"wald"``: estimate +- z se, with ``se`` the standard error in nats (first-order
    variance from the efficient influence function plus the k-NN noise term) and z the
    normal quantile, or with ``setup.bias_bound`` > 0 the bias-aware critical value that
    allows a bias of that many standard errors (``wald_bias_bound``); for quantities
    that cannot be negative (KL, MI) the interval is intersected with [0, inf).
    ``"subsampling"``: subsampling without replacement (the bootstrap with replacement
    is invalid, duplicated points make distances zero) from ``statistic``
    (the estimate in nats recomputed from arrays shaped like ``data``) and ``design``
    (``"one"``, ``"two"`` or ``"paired"``). ``data`` are the samples as estimated
    (after ``standardize`` and tie-breaking), read-only.
    """

    estimate: float
    se: float
    data: tuple[Any, ...]
    design: str
    statistic: Callable[..., float]
    k: int
    nonnegative: bool
    default_method: str = "wald"
    setup: KnnSetup | None = None
    extra_methods: tuple[str, ...] = ("wald", "subsampling")
    stochastic: frozenset[str] = field(default_factory=lambda: frozenset({"subsampling"}))
    unavailable_reason: str = _NO_BOOTSTRAP
    _cache: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def methods(self) -> tuple[str, ...]:
        return self.extra_methods

    def interval(
        self,
        method: str,
        alpha: float,
        n_resamples: int | None,
        rng: Any,
        progress: bool | None = None,
    ) -> tuple[float, float, str | None, Any]:
        if method == "wald":
            return self._wald(alpha)
        if method != "subsampling":
            raise ValueError(self.unavailable_reason)
        from .._inference._resampling import subsampling_interval

        key = None
        if isinstance(rng, int | np.integer) and not isinstance(rng, bool | np.bool_):
            key = (alpha, n_resamples, int(rng))
            if key in self._cache:
                return self._cache[key]
        out = subsampling_interval(
            self.statistic,
            self.data,
            self.design,
            self.estimate,
            alpha,
            n_resamples,
            rng,
            k=self.k,
            progress=progress,
        )
        if key is not None:
            if len(self._cache) >= 8:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = out
        return out

    def _wald(self, alpha: float) -> tuple[float, float, str | None, None]:
        if not math.isfinite(self.se) or not math.isfinite(self.estimate):
            return math.nan, math.nan, "No finite standard error.", None
        bound = self.setup.bias_bound if self.setup is not None else 0.0
        lo, hi = wald_interval(self.estimate, self.se, alpha, bound)
        note = (
            "estimate +- z se; se from the efficient influence function plus the k-NN noise term"
        )
        if bound:
            note += (
                f"; z = {bias_aware_z(alpha, bound):.3f}, the bias-aware critical value "
                f"allowing a bias of {bound:g} se (measured for these weights; Armstrong "
                "and Kolesar 2020)"
            )
        if self.nonnegative and lo < 0:
            lo, hi = 0.0, max(hi, 0.0)
            note += "; intersected with [0, inf) (the quantity is nonnegative)"
        return lo, hi, note + ".", None


def _readonly(a: Any) -> Any:
    if not isinstance(a, np.ndarray):
        return a
    v = a.view()
    v.flags.writeable = False
    return v


# kind -> (quantity, subsampling design, nonnegative)
_KINDS = {
    "kl": ("KL divergence D(P||Q)", "two", True),
    "kl1": ("KL divergence D(P||Q)", "one", True),
    "entropy": ("differential entropy H(P)", "one", False),
    "mi": ("mutual information I(X;Y)", "paired", True),
}


def _estimate(
    kind: str,
    value: float,
    se: float,
    sizes: tuple[int, ...],
    setup: KnnSetup,
    units: Any,
    data: tuple[Any, ...],
    stat: Callable[..., float],
    options: dict[str, Any],
    notes: Sequence[str] = (),
) -> KLEstimate:
    """The result of every k-NN estimate (values in nats, shown in ``units``): the
    default interval is Wald for the weighted estimators, subsampling otherwise."""
    quantity, design, nonnegative = _KINDS[kind]
    inference = KnnInference(
        value,
        se,
        data,
        design,
        stat,
        setup.k,
        nonnegative,
        default_method="wald" if setup.key == "weighted" else "subsampling",
        setup=setup,
    )
    return KLEstimate(
        estimate=units.from_nats(value),
        estimator=setup.key,
        units=units.name,
        nobs=sum(sizes),
        bse=units.from_nats(se),
        quantity=quantity,
        sizes=sizes,
        options=options,
        notes=tuple(notes),
        _inference=inference,
        _units=units,
    )


def _options(
    k: int,
    ties: str,
    standardize: str | None,
    key: str,
    dim: int,
    *,
    tail_dims: tuple[int, int] = TAIL_DIMS,
    **more: Any,
) -> dict:
    out: dict[str, Any] = {"k": k}
    if key == "weighted":
        out["bias_terms"] = n_constraints(dim, k, tail_dims=tail_dims)
    out.update(more)
    out["ties"] = ties
    out["standardize"] = standardize or "none"
    return out


def _weights(key: str, k: int, d: int) -> np.ndarray:
    return bias_weights(k, d) if key == "weighted" else unit_weights(k)


def _bias_bound(key: str, k: int, d: int) -> float:
    """The bias (in standard errors) the Wald interval of an entropy or KL estimate
    allows for: ``wald_bias_bound`` for the weighted estimators' own weights."""
    return wald_bias_bound(d, k) if key == "weighted" else 0.0


# =========================================================================== back ends


class _Memory:
    """In-memory back end of the neighbour search (the Dask one is
    :class:`klstats._adapters._dask.KnnBackend`, with the same methods)."""

    dask = False

    def __init__(self, algorithm: str, workers: int) -> None:
        self.algorithm = algorithm
        self.workers = workers
        self.notes: list[str] = []

    def samples(self, a: Any, name: str) -> np.ndarray:
        return as_samples(a, name, copy=False)

    def prepare(
        self, arrays: Sequence[np.ndarray], names: Sequence[str], std: str | None, pooled: str
    ) -> tuple[list[np.ndarray], np.ndarray | None, float]:
        for a, name in zip(arrays, names, strict=True):
            warn_constant(a, name)
        if std is None:
            top = max(max(float(a.max()), -float(a.min())) for a in arrays)
            scaled = exact_rescaling(top, arrays[0].shape[1])
            if scaled is None:
                return list(arrays), None, 0.0
            a, log_det = scaled
            return [v * a[0, 0] for v in arrays], a, log_det
        both = np.concatenate(arrays) if len(arrays) > 1 else arrays[0]
        a, log_det = linear_map(both, std, pooled)
        return [v @ a for v in arrays], a, log_det

    def run(self, samples: Sequence[np.ndarray], plan: Any, d: int) -> np.ndarray:
        return run_plan(samples, plan, resolve_algorithm(self.algorithm, d), self.workers)

    def jitter(self, arrays: Sequence[np.ndarray], gen: np.random.Generator) -> list[np.ndarray]:
        return jitter(arrays, gen)

    def describe(self, x: np.ndarray, y: np.ndarray | None = None) -> str:
        return duplicates_text(x, y)

    def rows(self, a: np.ndarray, raw: Any = None, matrix: Any = None) -> np.ndarray:
        return _readonly(a)

    def hstack(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.hstack((a, b))

    def apply(self, a: np.ndarray, matrix: np.ndarray | None) -> np.ndarray:
        return a if matrix is None else a @ matrix


def _backend(algorithm: str, workers: int, *arrays: Any) -> Any:
    if any(is_dask(a) for a in arrays):
        from .._adapters._dask import KnnBackend

        return KnnBackend(algorithm, workers)
    return _Memory(algorithm, workers)


# =========================================================================== statistics (nats)


def _entropy_nats(
    x: np.ndarray,
    *,
    w: np.ndarray,
    weighted: bool,
    log_jacobian: float,
    algorithm: str,
    workers: int,
) -> float:
    d = x.shape[1]
    r = run_plan([x], F.entropy_plan(w), resolve_algorithm(algorithm, d), workers)
    return F.entropy_finish(r, w, d, weighted).value + log_jacobian


def _kl_nats(
    x: np.ndarray,
    y: np.ndarray,
    *,
    w: np.ndarray,
    weighted: bool,
    algorithm: str,
    workers: int,
) -> float:
    n, d = x.shape
    m = y.shape[0]
    plan = F.kl_plan(w, d, n, m)
    r = run_plan([x, y], plan, resolve_algorithm(algorithm, d), workers)
    return F.kl_finish(r, w, d, m, weighted).value


def _kl1_nats(
    x: np.ndarray,
    *,
    w: np.ndarray,
    weighted: bool,
    log_q: Callable,
    matrix: Any,
    log_jacobian: float,
    algorithm: str,
    workers: int,
) -> float:
    d = x.shape[1]
    z = x if matrix is None else x @ matrix
    r = run_plan([z, x], F.kl1_plan(w, d, log_q), resolve_algorithm(algorithm, d), workers)
    return F.kl1_finish(r, w, d, log_jacobian, weighted).value


def _mi_nats(x: np.ndarray, y: np.ndarray, *, ws: tuple, algorithm: str, workers: int) -> float:
    dims = (x.shape[1], y.shape[1], x.shape[1] + y.shape[1])
    z = np.hstack((x, y))
    r = run_plan([x, y, z], F.mi_plan(*ws, dims), resolve_algorithm(algorithm, dims[2]), workers)
    return F.mi_finish(r, ws, dims).value


def _adaptive_value(parts: tuple, d: int, m: int) -> tuple[float, float]:
    rho_l, nu_k, lc, kc, _ = parts
    n = rho_l.shape[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        log_nu, log_rho = np.log(nu_k), np.log(rho_l)
        psi = special.digamma(lc) - special.digamma(kc)
        value = d * (float(log_nu.mean()) - float(log_rho.mean())) + float(psi.mean())
        value += math.log(m / (n - 1))
        terms = d * (log_nu - log_rho) + psi
        se = math.sqrt(float(terms.var(ddof=1)) / n) if n > 1 else math.nan
    return value, se


def _adaptive_nats(
    x: np.ndarray, y: np.ndarray, *, k: int, max_k: int | None, workers: int = -1
) -> float:
    """Wang et al. (2009) eq. 17 with the adaptive l_i, k_i of eq. 29, in nats."""
    return _adaptive_value(adaptive_parts(x, y, k, max_k, workers), x.shape[1], y.shape[0])[0]


def _ksg_value(parts: tuple, n: int, k: int, variant: int) -> tuple[float, float]:
    psi_x, psi_y, _ = parts
    mean_psi = float(psi_x.sum() + psi_y.sum()) / n
    if variant == 1:
        value = float(special.digamma(k) + special.digamma(n)) - mean_psi
    else:
        value = float(special.digamma(k) - 1.0 / k + special.digamma(n)) - mean_psi
    with np.errstate(invalid="ignore"):
        terms = psi_x + psi_y
        se = math.sqrt(float(terms.var(ddof=1)) / n) if n > 1 else math.nan
    return value, se


def _ksg_nats(x: np.ndarray, y: np.ndarray, *, k: int, variant: int, workers: int = -1) -> float:
    """Kraskov-Stögbauer-Grassberger algorithm 1 or 2 (max-norm), in nats."""
    with np.errstate(divide="ignore", invalid="ignore"):
        parts = ksg_parts(x, y, k, variant, workers)
    return _ksg_value(parts, x.shape[0], k, variant)[0]


# =========================================================================== regimes

# (q97.5 - q2.5) / IQR of a coordinate: 2.9 for a Gaussian, 3.5 for Student-t with 5 df,
# 5.3 with 2 df, 12.7 for a Cauchy; 2.3 for Beta(2, 2), 1.9 for a uniform (and 2.2 for a
# mixture of two well separated Gaussians). Checked from 500 points on; below 1000 the
# ratio's sampling error is larger (sd 0.17 for a Gaussian coordinate at n = 500) and the
# bounded threshold is 2.45 (2000 simulated samples of n = 500 in d = 5: a Gaussian
# sample flagged 0.9 % of the time, Beta(2, 2) in d = 2 98 %).
_BOUNDED_RATIO = {500: 2.45, 1000: 2.5}
_HEAVY_RATIO = 8.0
# the mean of that ratio over the coordinates: 2.90 for Gaussian coordinates (s.d. 0.08
# for five at n = 500: never above 3.2 in 2000 samples), 3.52 for t with 5 df (above 3.2
# in 99.8 %), 3.17 for 10 df. The two-sample KL of t5 products in d = 5 covered 0.928
# at n = m = 500 (0.939 at 1000, 0.969 at 4000; validation/results/knn_coverage.md)
_T_LIKE_RATIO = 3.2
_T_LIKE_DIM, _T_LIKE_N = 5, 1000
_BOUNDED_DIM = 3
_TAIL_CHECK_N = 500


# from d = 5 and n = 4000 on, the bias the weights leave in the tails of the density is
# no longer small against the standard error unless the weights cancel enough terms for
# their number of orders (validation/results/knn_target_rule.md): in 5 <= d <= 8 the
# default rule (k <= 20 with two terms, 64 with three) keeps it at about a quarter of a
# standard error; other (k, L) there, and every d > 8, are warned
_TAIL_BIAS_N, _TAIL_BIAS_DIM = 4000, 5


def _tail_bias_checked(d: int, k: int) -> bool:
    """The validated (k, L) of the tail rule: in 5 <= d <= 8, k <= 20 (two cancelled
    terms) or 48 <= k <= 64 (three)."""
    if not max(TAIL_DIMS[0], _TAIL_BIAS_DIM) <= d <= TAIL_DIMS[1]:
        return False
    return k <= TAIL_SWITCH_K or TAIL_K <= k <= MAX_DEFAULT_K


# d = 4 with two cancelled terms: the tail bias grows with k and from k = 40 the
# interval covers less than 0.93 (validation/knn_tail_cells.py); from k = 48 three terms
# are cancelled (predicted 0.94 or more up to n = 10^5 for k <= 64, knn_target_rule.md)
_TAIL_D4_K = 40


def _warn_tail_bias(n: int, d: int, k: int, what: str) -> None:
    """Warn where the tails of the density leave a bias that is not small against the
    standard error of the weighted entropy or one-sample KL (knn_target_rule.md)."""
    if d == 4 and k >= _TAIL_D4_K and not TAIL_K <= k <= MAX_DEFAULT_K:
        warnings.warn(
            f"With k = {k} neighbour orders in d = 4 (n = {n}) the bias the weighted "
            f"{what} estimate keeps from the tails of the density is 0.4-0.6 standard "
            "errors (exact, for Gaussians, with two cancelled terms; predicted coverage "
            "0.92-0.93 from k = 43). In the validation study (n = 20000, k = 54, two "
            "terms, 300 samples each), 95% intervals covered 0.92 for the entropy of "
            "N(0, I_4) and 0.93 for the one-sample KL divergence from N(0.5, 1.5 I_4). "
            "Read the interval as possibly too narrow, or leave k to the default (48 or "
            "64 neighbours with three cancelled terms; predicted 0.94) or pass k=32 or "
            "less (predicted 0.94).",
            SmallSampleWarning,
            stacklevel=find_stacklevel(),
        )
        return
    if d < _TAIL_BIAS_DIM or n < _TAIL_BIAS_N or _tail_bias_checked(d, k):
        return
    if d <= TAIL_DIMS[1]:
        where = (
            f"with k = {k} and {n_constraints(d, k)} cancelled terms it is about "
            "0.3-0.7 standard errors (exact, for Gaussians)"
        )
    else:
        where = f"the default rule was validated up to d = {TAIL_DIMS[1]} only"
    warnings.warn(
        f"With n = {n} points in d = {d} the bias the weighted {what} estimate keeps "
        f"from the tails of the density may not be small against its standard error: "
        f"{where}. In the validation study, 95% intervals for the entropy of N(0, I_5) "
        "at n = 4000 covered 0.920 with k = 32 and two cancelled terms (1000 samples), "
        "the one-sample KL divergence from N(0.5, 1.5 I_5) 0.89 (400 samples); the "
        f"default (k = 64, three terms, in d = {TAIL_DIMS[0]}-{TAIL_DIMS[1]}, with a "
        "critical value that allows a bias of half a standard error in d >= 4) covered "
        "0.954-0.962 and 0.960 (1000 samples each; 0.934-0.941 and 0.944 with the "
        "normal quantile). Read the interval as possibly too narrow.",
        SmallSampleWarning,
        stacklevel=find_stacklevel(),
    )


# two-sample KL: at the study's target cell (d = 5, n = m = 20000) the tail bias is a
# third of the standard error with the former rule (validation/results/knn_target.md)
_LARGE_N = 10_000


def _large_n_note(d: int, k: int) -> str:
    return (
        f"In d = {d} with large samples and k = {k} ({n_constraints(d, k)} cancelled terms) "
        "the bias the weights leave (from the tails of the density) may not be small "
        "against the standard error: for N(0, I_5) against N(0.5, 1.5 I_5) at n = m = "
        "20000 the former default (k = 54, two terms) was +1.2 % of D, a third of the "
        "standard error, and its 95% Wald interval covered 0.928 in 1000 simulated "
        "samples; the default there (k = 64, three terms, an interval that allows a "
        "bias of half a standard error) covered 0.964 in 896 (bias +0.7 %, exact "
        "+0.7 %; 0.953 in 571 with the normal quantile)."
    )


def _tail_flags(a: np.ndarray) -> tuple[bool, bool, bool]:
    """(a coordinate looks bounded, a coordinate has Cauchy-like tails, the coordinates
    have Student-t-like tails on average)."""
    n = a.shape[0]
    if n < _TAIL_CHECK_N:
        return False, False, False
    q = np.quantile(a, [0.025, 0.25, 0.75, 0.975], axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = (q[3] - q[0]) / (q[2] - q[1])
    bounded = _BOUNDED_RATIO[1000 if n >= 1000 else 500]
    t_like = bool(np.nanmean(ratios) > _T_LIKE_RATIO) if np.isfinite(ratios).any() else False
    return bool(np.any(ratios < bounded)), bool(np.any(ratios > _HEAVY_RATIO)), t_like


def _warn_regime(
    arrays: Sequence[Any],
    d: int,
    what: str,
    *,
    bounded_dim: int = _BOUNDED_DIM,
    two_sample: bool = False,
) -> None:
    """Warn where the validation study measured intervals that cover less than 0.93:
    bounded supports (two-sample KL from d = 2 on, ``bounded_dim``; everything else from
    d = 3 on: boundary bias), Cauchy-like tails, and Student-t-like tails in the
    two-sample KL (``two_sample``) from d = 5 on below 1000 points. In-memory data
    only."""
    if not all(isinstance(a, np.ndarray) for a in arrays):
        return
    flags = [_tail_flags(a) for a in arrays]
    if d >= bounded_dim and any(f[0] for f in flags):
        warnings.warn(
            f"A coordinate has light, cut-off tails (a bounded support, or well separated "
            f"modes) in d = {d}: near a boundary the k-NN bias decays slowly and no "
            "weighting removes it. In the validation study (n = m = 1000; 1000 samples "
            "in d = 2 to 5, 300 in d = 8), 95% intervals for the KL divergence of "
            "Beta(2, 2) against Beta(2, 3) products covered 0.916 in d = 2, 0.92 in "
            "d = 3, 0.89 in d = 5 and 0.86 in d = 8 (0.930 in d = 2, 0.92 in d = 3 and "
            "0.89 in d = 5 at n = m = 500; 0.91 in d = 2, 0.85 in "
            "d = 3 and 0.84 in d = 5 at n = m = 4000: the bias stays while the interval "
            "narrows); for a bimodal Gaussian mixture, 0.936 (KL) and 0.935 (entropy) in "
            "d = 5 (0.951 and 0.942 at n = m = 4000 with the bias-aware critical value, "
            "0.911 and 0.903 without) and 0.71 and 0.54 in d = 8 (0.94-0.96 in d = 3 at "
            "n = m = 500 to 4000). Check "
            f"the {what} with plot_knn_k, or transform the data to an unbounded scale "
            "(e.g. logit) first.",
            SmallSampleWarning,
            stacklevel=find_stacklevel(),
        )
    elif any(f[1] for f in flags):
        warnings.warn(
            "The samples have very heavy tails (Cauchy-like): k-NN distances in the tails "
            "are erratic. In the validation study, 95% intervals for the KL divergence of "
            "Cauchy samples (shifted by 0.5) covered 0.91 in d = 3 at n = m = 1000 (0.93 in "
            "d = 1). Consider a transformation that tames the tails.",
            SmallSampleWarning,
            stacklevel=find_stacklevel(),
        )
    elif (
        two_sample
        and d >= _T_LIKE_DIM
        and min(a.shape[0] for a in arrays) < _T_LIKE_N
        and any(f[2] for f in flags)
    ):
        warnings.warn(
            f"The samples have moderately heavy (Student-t-like) tails in d = {d} with "
            f"fewer than {_T_LIKE_N} points: in the validation study, 95% intervals for "
            "the KL divergence of t5 products shifted by 0.5 covered 0.928 in d = 5 at "
            "n = m = 500 (1000 samples; 0.939 at 1000, 0.969 at 4000). Read the interval "
            "as possibly a little too narrow.",
            SmallSampleWarning,
            stacklevel=find_stacklevel(),
        )


# =========================================================================== estimators


def _kl_two(be, x, y, k, key, units, ties, std, max_k, gen) -> KLEstimate:
    xs, ys = be.samples(x, "x"), be.samples(y, "y")
    n, d = xs.shape
    m = ys.shape[0]
    if ys.shape[1] != d:
        raise ValueError(
            f"`x` and `y` must have the same number of columns (dimension); got d={d} "
            f"and {ys.shape[1]}."
        )
    k = resolve_k(k, key, n, d, m)
    (zx, zy), matrix, _ = be.prepare((xs, ys), ("x", "y"), std, "`x` and `y` (pooled)")
    notes = list(be.notes)
    more: dict[str, Any] = {"n": n, "m": m, "d": d, "metric": "euclidean"}
    if key == "adaptive":

        def counts_a(parts):
            rho, nu = parts[0], parts[1]
            zr, zn = int(np.count_nonzero(rho == 0)), int(np.count_nonzero(nu == 0))
            return (zr, zn), int(np.count_nonzero((rho == 0) | (nu == 0)))

        spec = TieSpec(("x", "y"), counts_a, "kl_divergence", k, n, d)
        (zx, zy), parts, note = resolve_ties(
            (zx, zy),
            lambda s: adaptive_parts(s[0], s[1], k, max_k, be.workers),
            lambda s: tuple(be.jitter(s, gen)),
            lambda s: be.describe(*s),
            ties,
            spec,
        )
        value, se = _adaptive_value(parts, d, m)
        if note:
            notes.append(note)
        if parts[4]:
            notes.append(f"Neighbour counts capped at max_k={max_k} for {parts[4]} point(s).")
        stat = partial(_adaptive_nats, k=k, max_k=max_k, workers=be.workers)
        more["max_k"] = max_k or "none"
        setup = KnnSetup(key, k, None, max_k, ties, be.workers)
        data = (_readonly(zx), _readonly(zy))
        opts = _options(k, ties, std, key, d, **more)
        return _estimate("kl", value, se, (n, m), setup, units, data, stat, opts, notes)
    weighted = key == "weighted"
    w = _weights(key, k, d)
    plan = F.kl_plan(w, d, n, m)
    spec = TieSpec(
        ("x", "y"),
        lambda r: ((int(r[10]), int(r[11])), int(r[12])),
        "kl_divergence",
        k,
        n,
        d,
        "k-th nearest neighbour" if not weighted else "nearest neighbours",
    )
    (zx2, zy2), r, note = resolve_ties(
        (zx, zy),
        lambda s: be.run(list(s), plan, d),
        lambda s: tuple(be.jitter(s, gen)),
        lambda s: be.describe(*s),
        ties,
        spec,
    )
    notes = list(be.notes)
    if note:
        notes.append(note)
    fin = F.kl_finish(r, w, d, m, weighted)
    if weighted:
        _warn_regime((zx2, zy2), d, "estimate", bounded_dim=2, two_sample=True)
        if d >= _TAIL_BIAS_DIM and min(n, m) >= _LARGE_N and not _tail_bias_checked(d, k):
            notes.append(_large_n_note(d, k))
    alg = resolve_algorithm(be.algorithm, d)
    more["algorithm"] = alg
    if be.dask:
        more["dask"] = be.strategy
    stat = partial(_kl_nats, w=w, weighted=weighted, algorithm=alg, workers=be.workers)
    jittered = note is not None
    data = (
        be.rows(zx2, xs, None if jittered else matrix),
        be.rows(zy2, ys, None if jittered else matrix),
    )
    setup = KnnSetup(key, k, w, None, ties, be.workers, _bias_bound(key, k, d))
    opts = _options(k, ties, std, key, d, **more)
    return _estimate("kl", fin.value, fin.se, (n, m), setup, units, data, stat, opts, notes)


def _kl_one(be, x, reference, k, key, units, ties, std, gen) -> KLEstimate:
    xs = be.samples(x, "x")
    n, d = xs.shape
    k = resolve_k(k, key, n, d)
    log_q = _reference_log_q(reference, d)
    _, matrix, log_det = be.prepare((xs,), ("x",), std, "`x`")
    log_jac = log_det  # 0 without a map
    weighted = key == "weighted"
    w = _weights(key, k, d)
    plan = F.kl1_plan(w, d, log_q)
    spec = TieSpec(("x",), lambda r: ((int(r[9]),), int(r[9])), "kl_divergence", k, n, d)
    (xs2,), r, note = resolve_ties(
        (xs,),
        lambda s: be.run([be.apply(s[0], matrix), s[0]], plan, d),
        lambda s: tuple(be.jitter(s, gen)),
        lambda s: be.describe(s[0]),
        ties,
        spec,
    )
    if r[10]:
        raise ValueError("`reference.logpdf` returned NaN or +inf at points of `x`.")
    notes = list(be.notes)
    if note:
        notes.append(note)
    fin = F.kl1_finish(r, w, d, log_jac, weighted)
    if weighted:
        _warn_regime((xs2,), d, "estimate")
        _warn_tail_bias(n, d, k, "one-sample KL divergence (its bias is the entropy part's)")
    if math.isinf(fin.value):
        warnings.warn(
            "The KL divergence estimate is infinite: `reference` has zero density at "
            f"{int(r[11])} point(s) of `x` (P is not absolutely continuous with respect "
            "to Q).",
            InfiniteEstimateWarning,
            stacklevel=find_stacklevel(),
        )
    alg = resolve_algorithm(be.algorithm, d)
    stat = partial(
        _kl1_nats,
        w=w,
        weighted=weighted,
        log_q=log_q,
        matrix=matrix,
        log_jacobian=log_jac,
        algorithm=alg,
        workers=be.workers,
    )
    more: dict[str, Any] = {
        "n": n,
        "d": d,
        "reference": _describe_reference(reference),
        "metric": "euclidean",
        "algorithm": alg,
    }
    if be.dask:
        more["dask"] = be.strategy
    # subsamples are drawn from the data in their original coordinates
    data = (be.rows(xs2, xs2, None),)
    setup = KnnSetup(key, k, w, None, ties, be.workers, _bias_bound(key, k, d))
    opts = _options(k, ties, std, key, d, **more)
    return _estimate("kl1", fin.value, fin.se, (n,), setup, units, data, stat, opts, notes)


# =========================================================================== reference


def _is_discrete_distribution(obj: Any) -> bool:
    if hasattr(obj, "pmf") and not hasattr(obj, "pdf"):
        return True
    return any(c.__name__ == "DiscreteDistribution" for c in type(obj).__mro__)


def _reference_log_q(reference: Any, d: int) -> Callable[[np.ndarray], np.ndarray]:
    """``x -> log q(x_i)`` for a frozen scipy.stats continuous distribution."""
    if _is_discrete_distribution(reference):
        raise TypeError(
            "`reference` is a discrete distribution; for counts use klstats.kl_divergence."
        )
    if not callable(getattr(reference, "logpdf", None)):
        raise TypeError(
            "`reference` must be a frozen scipy.stats continuous distribution (anything "
            f"with a `logpdf` method); got {type(reference).__name__}."
        )
    dim = getattr(reference, "dim", None)
    if isinstance(dim, int | np.integer) and dim != d:
        raise ValueError(
            f"`reference` is a {int(dim)}-dimensional distribution but `x` has d={d} column(s)."
        )

    return _ReferenceLogDensity(reference, d)


class _ReferenceLogDensity:
    """``x -> log q(x_i)``; a class, not a closure, so that results stay picklable."""

    def __init__(self, reference: Any, d: int) -> None:
        self.reference = reference
        self.d = d

    def __call__(self, x: np.ndarray) -> np.ndarray:
        d = self.d
        arg = x[:, 0] if d == 1 else x
        out = np.asarray(self.reference.logpdf(arg), dtype=float)
        if out.size != x.shape[0] or (out.ndim > 1 and out.shape != (x.shape[0], 1)):
            raise ValueError(
                f"`reference.logpdf` returned shape {out.shape} for {x.shape[0]} points in "
                f"d={d} dimensions: a univariate `reference` needs 1-D `x`; for d > 1 "
                "pass a multivariate distribution (e.g. scipy.stats.multivariate_normal)."
            )
        return out.reshape(x.shape[0])


def _describe_reference(reference: Any) -> str:
    dist = getattr(reference, "dist", None)
    name = getattr(dist, "name", None) or type(reference).__name__
    return str(name).replace("_frozen", "")


def _entropy(be, x, k, key, units, ties, std, gen) -> KLEstimate:
    xs = be.samples(x, "x")
    n, d = xs.shape
    k = resolve_k(k, key, n, d)
    (zs,), matrix, log_det = be.prepare((xs,), ("x",), std, "`x`")
    log_jac = -log_det  # 0 without a map
    weighted = key == "weighted"
    w = _weights(key, k, d)
    plan = F.entropy_plan(w)
    spec = TieSpec(
        ("x",),
        lambda r: ((int(r[3]),), int(r[3])),
        "entropy",
        k,
        n,
        d,
        "k-th nearest neighbour" if not weighted else "nearest neighbours",
    )
    (zs2,), r, note = resolve_ties(
        (zs,),
        lambda s: be.run(list(s), plan, d),
        lambda s: tuple(be.jitter(s, gen)),
        lambda s: be.describe(s[0]),
        ties,
        spec,
    )
    notes = list(be.notes)
    if note:
        notes.append(note)
    fin = F.entropy_finish(r, w, d, weighted)
    if weighted:
        _warn_regime((zs2,), d, "estimate")
        _warn_tail_bias(n, d, k, "entropy")
    value = fin.value + log_jac
    alg = resolve_algorithm(be.algorithm, d)
    stat = partial(
        _entropy_nats,
        w=w,
        weighted=weighted,
        log_jacobian=log_jac,
        algorithm=alg,
        workers=be.workers,
    )
    more: dict[str, Any] = {"n": n, "d": d, "metric": "euclidean", "algorithm": alg}
    if be.dask:
        more["dask"] = be.strategy
    data = (be.rows(zs2, xs, None if note else matrix),)
    setup = KnnSetup(key, k, w, None, ties, be.workers, _bias_bound(key, k, d))
    opts = _options(k, ties, std, key, d, **more)
    return _estimate("entropy", value, fin.se, (n,), setup, units, data, stat, opts, notes)


def _mi(be, x, y, k, key, units, ties, std, gen) -> KLEstimate:
    xs, ys = be.samples(x, "x"), be.samples(y, "y")
    n = xs.shape[0]
    if ys.shape[0] != n:
        raise ValueError(
            f"`x` and `y` must have the same number of rows (paired observations); got "
            f"{n} and {ys.shape[0]}."
        )
    dx, dy = xs.shape[1], ys.shape[1]
    k = resolve_k(k, key, n, dx + dy, use="mi")
    (zx,), mx, _ = be.prepare((xs,), ("x",), std, "`x`")
    (zy,), my, _ = be.prepare((ys,), ("y",), std, "`y`")
    notes = list(be.notes)
    if key in ("ksg1", "ksg2"):
        if be.dask:
            raise ValueError(
                f"estimator={key!r} needs the samples in memory; for Dask input use the "
                "default estimator ('auto', the weighted estimator), which runs on Dask."
            )
        variant = 1 if key == "ksg1" else 2

        def compute(s):
            with np.errstate(divide="ignore", invalid="ignore"):
                return ksg_parts(s[0], s[1], k, variant, be.workers)

        def counts(parts):
            z = int(np.count_nonzero(parts[2] == 0))
            return (z,), z

        def describe(s):
            return f"{count_duplicate_rows(np.hstack(s))} (x, y) pair(s) repeat another one. "

        spec = TieSpec(("(x, y)",), counts, "mutual_information", k, n, None)
        (zx, zy), parts, note = resolve_ties(
            (zx, zy),
            compute,
            lambda s: tuple(be.jitter([s[0]], gen) + be.jitter([s[1]], gen)),
            describe,
            ties,
            spec,
        )
        if note:
            notes.append(note)
        value, se = _ksg_value(parts, n, k, variant)
        stat = partial(_ksg_nats, k=k, variant=variant, workers=be.workers)
        more: dict[str, Any] = {"n": n, "d_x": dx, "d_y": dy, "metric": "max-norm"}
        setup = KnnSetup(key, k, None, None, ties, be.workers)
        data = (_readonly(zx), _readonly(zy))
        opts = _options(k, ties, std, key, dx + dy, **more)
        return _estimate("mi", value, se, (n,), setup, units, data, stat, opts, notes)
    dims = (dx, dy, dx + dy)
    # the rule the MI coverage was validated with (three terms from k = 48 in
    # 5 <= d <= 8 only; validation/results/knn_coverage.md, knn_mi_orders.md): the three
    # entropies' biases partly cancel
    ws = tuple(bias_weights(k, e, n_constraints(e, k, tail_dims=MI_TAIL_DIMS)) for e in dims)
    plan = F.mi_plan(*ws, dims)

    def describe_pairs(s):
        if be.dask:
            return ""
        return f"{count_duplicate_rows(np.hstack(s))} (x, y) pair(s) repeat another one. "

    spec = TieSpec(
        ("x", "y", "(x, y)"),
        lambda r: ((int(r[3]), int(r[4]), int(r[5])), int(r[6])),
        "mutual_information",
        k,
        n,
        dx + dy,
        "nearest neighbours",
    )
    (zx2, zy2), r, note = resolve_ties(
        (zx, zy),
        lambda s: be.run([s[0], s[1], be.hstack(s[0], s[1])], plan, dx + dy),
        lambda s: tuple(be.jitter([s[0]], gen) + be.jitter([s[1]], gen)),
        describe_pairs,
        ties,
        spec,
    )
    notes = list(be.notes)
    if note:
        notes.append(note)
    fin = F.mi_finish(r, ws, dims)
    _warn_regime((zx2, zy2), dx + dy, "estimate")
    alg = resolve_algorithm(be.algorithm, dx + dy)
    stat = partial(_mi_nats, ws=ws, algorithm=alg, workers=be.workers)
    more = {"n": n, "d_x": dx, "d_y": dy, "metric": "euclidean", "algorithm": alg}
    if be.dask:
        more["dask"] = be.strategy
    data = (be.rows(zx2, xs, None if note else mx), be.rows(zy2, ys, None if note else my))
    setup = KnnSetup(key, k, ws[2], None, ties, be.workers)
    opts = _options(k, ties, std, key, dx + dy, tail_dims=MI_TAIL_DIMS, **more)
    return _estimate("mi", fin.value, fin.se, (n,), setup, units, data, stat, opts, notes)
