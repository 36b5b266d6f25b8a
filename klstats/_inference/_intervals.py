"""Intervals that need no resampling: Wald (delta method) and noncentral chi-square
inversion, and the inference object that count estimators attach to their results; the
chi-square tail probability behind every asymptotic p-value of the tests (``chi2_sf``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize, special, stats

from .._base._validation import check_rng
from ._resampling import (
    BOOTSTRAP_METHODS,
    DEFAULT_N_BOOTSTRAP,
    BootstrapDistribution,
    Jackknife,
    check_integer_counts,
    count_bootstrap,
    count_jackknife,
    interval_from_distribution,
    make_distribution,
)

__all__: list[str] = []


def wald_interval(
    estimate: float, se: float, alpha: float, bias_bound: float = 0.0
) -> tuple[float, float]:
    """``estimate -/+ c se`` with c = :func:`bias_aware_z` (the normal quantile
    z_{1-alpha/2} when ``bias_bound`` is 0); nan when the standard error is undefined."""
    if not (math.isfinite(estimate) and math.isfinite(se)):
        return math.nan, math.nan
    z = bias_aware_z(alpha, bias_bound)
    return estimate - z * se, estimate + z * se


def bias_aware_z(alpha: float, bias_bound: float) -> float:
    """Critical value of an interval ``estimate -/+ c se`` that covers 1 - alpha
    whenever the estimator's bias is at most ``bias_bound`` standard errors: the
    1 - alpha quantile of |N(b, 1)| with b = ``bias_bound``, i.e. the square root of the
    noncentral chi-square (1 degree of freedom, noncentrality b^2) quantile (Armstrong,
    T. B. and Kolesar, M. (2020) "Simple and honest confidence intervals in
    nonparametric regression", Quantitative Economics 11(1), 1-39). ``bias_bound=0``
    gives the normal quantile z_{1-alpha/2}."""
    if bias_bound == 0:
        return float(special.ndtri(1 - alpha / 2))
    return float(math.sqrt(stats.ncx2.ppf(1 - alpha, 1, bias_bound * bias_bound)))


def chi2_sf(x: float, df: float) -> float:
    """P(chi2_df > x), the upper tail of the chi-square law: the one place where the
    tests (G-tests, likelihood-ratio tests, Vuong's variance test, the columns of
    ``compare_frames``) compute a chi-square p-value.

    ``scipy.stats.chi2.sf(x, df)`` is ``scipy.special.chdtrc(df, x)`` behind argument
    checks that cost about 50 us a call. Where those checks change nothing (0 < df < inf,
    x >= 0, including x = inf) chdtrc is called directly; elsewhere (x < 0: 1; df <= 0 or
    NaN input: NaN; df = inf) chi2.sf is. The floats are the same as chi2.sf's, bit for
    bit (the G-tests' tests compare them on a grid of x and df).
    """
    if 0 < df < math.inf and x >= 0:
        return float(special.chdtrc(df, x))
    return float(stats.chi2.sf(x, df))


def _adjusted(s: float, df: float, scale: float, c: float, alpha: float) -> tuple[float, float]:
    """:func:`ncx2_adjusted_interval` with the lower limit 0 wherever the chi-square test
    of D = 0 does not reject (with c > 1 the adjusted law is not monotone near
    lambda = 0, and a fit better than the null median could otherwise exclude 0)."""
    lo, hi = ncx2_adjusted_interval(s, df, scale, c, alpha)
    if _chi2_cdf(s, df) <= 1 - alpha / 2:
        lo = 0.0
    return lo, hi


def _chi2_cdf(s: float, df: float) -> float:
    return float(stats.chi2.cdf(max(s, 0.0), df)) if df > 0 and math.isfinite(s) else 1.0


def _ncx2_cdf(s: float, df: float, nc: float) -> float:
    return float(stats.chi2.cdf(s, df)) if nc <= 0 else float(stats.ncx2.cdf(s, df, nc))


def _solve_nc(s: float, df: float, target: float) -> float:
    """The noncentrality nc with F_ncx2(s; df, nc) = target (F decreases in nc)."""
    hi = max(1.0, s)
    while _ncx2_cdf(s, df, hi) > target:
        hi *= 2.0
        if hi > 1e12:
            return math.inf
    return optimize.brentq(lambda nc: _ncx2_cdf(s, df, nc) - target, 0.0, hi, xtol=1e-12)


def ncx2_interval(s: float, df: float, scale: float, alpha: float) -> tuple[float, float]:
    """Confidence limits for D by inverting ``s ~ ncx2(df, scale * D)``.

    ``s = scale * D_hat`` is the plug-in statistic (``scale = 2n`` for one-sample KL,
    ``2nm/(n+m)`` for two samples, ``2N`` for mutual information). The upper limit
    solves F(s; df, lambda_U) = alpha/2; the lower limit is 0 unless
    F_chi2(s; df) > 1 - alpha/2, then it solves F(s; df, lambda_L) = 1 - alpha/2
    (test inversion keeps its coverage near D = 0, where Wald and bootstrap intervals
    fail: the limit law degenerates at the boundary, Andrews 2000, Econometrica
    68:399-405). ``s = inf`` (one-sample KL with counts where the
    reference has no mass) proves D = inf, so both limits are inf.
    """
    if s == math.inf:
        return math.inf, math.inf
    if not math.isfinite(s):
        return math.nan, math.nan
    if df <= 0:
        return 0.0, 0.0
    s = max(s, 0.0)
    f0 = _ncx2_cdf(s, df, 0.0)
    upper = 0.0 if f0 <= alpha / 2 else _solve_nc(s, df, alpha / 2)
    lower = 0.0 if f0 <= 1 - alpha / 2 else _solve_nc(s, df, 1 - alpha / 2)
    return lower / scale, upper / scale


# the variance factor c is kept in this range (a ratio of two noisy estimates), and
# below C_CAP_BELOW_MEDIAN when the statistic is below its median under D = 0
C_RANGE = (0.25, 4.0)
C_CAP_BELOW_MEDIAN = 1.5


def variance_factor(s: float, scale: float, se: float) -> float:
    """c = Var(linear part of s) / (4 lambda), estimated as scale^2 se^2 / (4 s).

    The noncentral chi-square law of ``s = scale * D_hat`` assumes c = 1, which holds
    near D = 0 (there Var_P log(p/q) ~ 2D) but not far from it, where the variance
    of s is about 2 df + 4 lambda c. Near D = 0 this estimate is itself close to 1
    (numerator and denominator agree to first order), so the adjustment fades out
    where the plain inversion is right. Clipped to :data:`C_RANGE`; 1 when undefined.
    """
    if not (math.isfinite(s) and math.isfinite(se)) or s <= 0 or se <= 0:
        return 1.0
    return min(max(scale * scale * se * se / (4.0 * s), C_RANGE[0]), C_RANGE[1])


def ncx2_adjusted_interval(
    s: float, df: float, scale: float, c: float, alpha: float
) -> tuple[float, float]:
    """Confidence limits for D by inverting ``s - lambda (1 - c) ~ ncx2(df, c lambda)``,
    lambda = scale * D.

    The plain inversion (:func:`ncx2_interval`, c = 1) models the variance of s as
    2 df + 4 lambda; the true variance far from D = 0 is about 2 df + 4 lambda c with
    c = Var_P[log p/q] / (2 D) (delta method). Splitting s into its linear part, whose
    variance 4 lambda c it matches, and the chi-square part keeps the mean df + lambda
    and the variance 2 df + 4 lambda c. With c = 1 this is exactly the plain
    inversion. The confidence set {lambda: alpha/2 < G(lambda) < 1 - alpha/2},
    G(lambda) = F_ncx2(s - lambda (1 - c); df, c lambda), is found on a grid and its
    ends refined with brentq (G need not be monotone for c > 1 near lambda = 0).
    """
    if s == math.inf:
        return math.inf, math.inf
    if not math.isfinite(s):
        return math.nan, math.nan
    if df <= 0:
        return 0.0, 0.0
    s = max(s, 0.0)
    if c == 1.0:
        return ncx2_interval(s, df, scale, alpha)

    def g(lam: np.ndarray | float) -> np.ndarray:
        lam = np.asarray(lam, dtype=float)
        x = s - lam * (1.0 - c)
        nc = np.maximum(lam * c, 0.0)
        with np.errstate(all="ignore"):
            out = np.where(nc > 0, stats.ncx2.cdf(x, df, np.maximum(nc, 1e-300)), 0.0)
            return np.where(nc > 0, out, stats.chi2.cdf(x, df))

    lo_t, hi_t = alpha / 2, 1 - alpha / 2
    hi = max(1.0, 2.0 * (s + df))
    while g(hi) > lo_t:
        hi *= 2.0
        if hi > 1e12:
            return 0.0, math.inf
    grid = np.linspace(0.0, hi, 401)
    vals = g(grid)
    inside = (vals > lo_t) & (vals < hi_t)
    if not inside.any():  # a grid finer than the set: fall back to the plain inversion
        return ncx2_interval(s, df, scale, alpha)
    first, last = int(np.argmax(inside)), int(len(grid) - 1 - np.argmax(inside[::-1]))

    def edge(i_out: int, i_in: int, target: float) -> float:
        a, b = sorted((grid[i_out], grid[i_in]))
        return optimize.brentq(lambda v: float(g(v)) - target, a, b, xtol=1e-12)

    if first == 0:
        lower = 0.0
    else:
        target = hi_t if vals[first - 1] >= hi_t else lo_t
        lower = edge(first - 1, first, target)
    if last == len(grid) - 1:  # pragma: no cover - hi was chosen with g(hi) <= lo_t
        upper = grid[-1]
    else:
        target = lo_t if vals[last + 1] <= lo_t else hi_t
        upper = edge(last + 1, last, target)
    return lower / scale, upper / scale


@dataclass(frozen=True)
class Pivot:
    """The chi-square-type statistic behind an ncx2 interval: s = scale * D_hat."""

    statistic: float
    df: float
    scale: float
    note: str | None = None
    # True when the statistic is the reported estimate's own (see own_pivot); then
    # plugin_statistic keeps scale * D_plugin for the variance factor
    own: bool = False
    plugin_statistic: float | None = None


# estimators whose first-order bias is removed: their own statistic scale * D_est + df
# has the noncentral chi-square mean df + lambda (see :func:`own_pivot`)
BIAS_CORRECTED = frozenset({"miller-madow", "jackknife", "zhang"})


def own_pivot(plugin_pivot: Pivot, estimate: float, estimator: str) -> Pivot:
    """The chi-square-type pivot of a bias-corrected estimate itself.

    The plug-in statistic s = scale * D_plugin has mean about df + lambda
    (lambda = scale * D; the df is the first-order bias, Miller 1955). A bias-corrected
    estimate D_est (Miller-Madow, jackknife, Zhang & Grabchak 2014, Neural Comput.
    26:2570-2593, whose estimator is asymptotically normal with the plug-in's delta-method
    variance) has mean about D, so ``s_est = scale * D_est + df`` has the same mean and,
    to first order, the same variance as s: inverting its noncentral chi-square law
    gives an interval built on the estimate that is reported, which therefore lies
    inside it (``s_est`` is cut at 0 when D_est < -df/scale). Plug-in and other
    estimators keep the plug-in pivot.
    """
    if estimator not in BIAS_CORRECTED or not math.isfinite(estimate):
        return plugin_pivot
    p = plugin_pivot
    s = max(p.scale * estimate + p.df, 0.0)
    note = (
        f"The interval inverts the noncentral chi-square law of scale * estimate + df "
        f"(the {estimator} estimate's own statistic, {_fmt(s)}; df = {_fmt(p.df)})."
    )
    return Pivot(s, p.df, p.scale, note, own=True, plugin_statistic=p.statistic)


@dataclass(frozen=True)
class CountInference:
    """Interval machinery for an estimate computed from counts.

    ``statistic`` recomputes the estimate (in nats) from count arrays shaped like
    ``data`` with extra leading batch axes; the resampling module uses it together with
    ``data`` and ``design`` (how the counts were sampled: ``"one"`` multinomial sample,
    ``"two"`` independent samples, or a ``"table"``).

    Bootstrap methods (percentile, basic, BCa) apply whenever the counts are whole
    numbers. Bootstrap distributions drawn with an integer seed and the jackknife are
    cached in the (private, mutable) ``_cache``: the result objects stay immutable in
    everything they report, and a second interval from the same seed, or a summary,
    reuses the draws instead of repeating them.
    """

    estimate: float
    se: float
    data: tuple[np.ndarray, ...]
    design: str
    statistic: Callable[..., Any]
    pivot: Pivot | None = None
    default_method: str = "wald"
    extra_methods: tuple[str, ...] = ()
    # the parameter space [low, high] in nats (D, I, JS >= 0; H <= log K), how to name
    # the quantity in notes, a pivot for ``bounds[1] - theta`` (entropy: log K - H =
    # D(p || uniform)), and whether the estimate is the plug-in one
    bounds: tuple[float, float] = (0.0, math.inf)
    symbol: str = "D"
    complement: Pivot | None = None
    plugin: bool = True
    # a second estimator of the same quantity whose default (ncx2-adjusted) interval is
    # joined with this one's (two-sample plug-in KL: Zhang's, see :func:`companion_note`)
    companion: CountInference | None = None
    stochastic: frozenset[str] = field(default_factory=lambda: frozenset(BOOTSTRAP_METHODS))
    _cache: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def resamplable(self) -> bool:
        """Whether the counts are whole numbers (needed to resample them)."""
        if "resamplable" not in self._cache:
            self._cache["resamplable"] = all(
                bool(np.all(a == np.round(a))) and a.sum() >= 1 for a in self.data
            )
        return self._cache["resamplable"]

    def __post_init__(self) -> None:
        # a bootstrap default needs whole counts; weights fall back to Wald
        if self.default_method in BOOTSTRAP_METHODS and not self.resamplable:
            object.__setattr__(self, "default_method", "wald")

    @property
    def _complement_usable(self) -> bool:
        return self.complement is not None and math.isfinite(self.bounds[1])

    @property
    def methods(self) -> tuple[str, ...]:
        has_pivot = self.pivot is not None or self._complement_usable
        base = ("wald", "ncx2", "ncx2-adjusted") if has_pivot else ("wald",)
        if self.resamplable:
            base += BOOTSTRAP_METHODS
        return base + self.extra_methods

    def bootstrap(
        self, n_resamples: int | None, rng: Any, progress: bool | None = None
    ) -> BootstrapDistribution:
        """Nonparametric bootstrap distribution of the estimate (nats), drawing the
        counts as multinomials (Efron & Tibshirani 1993)."""
        if not self.resamplable:
            check_integer_counts(self.data, "The bootstrap")
        B = DEFAULT_N_BOOTSTRAP if n_resamples is None else n_resamples
        key = None
        if isinstance(rng, int | np.integer) and not isinstance(rng, bool | np.bool_):
            key = ("bootstrap", B, int(rng))
            if key in self._cache:
                return self._cache[key]
        gen = check_rng(rng)
        reps = count_bootstrap(self.statistic, self.data, self.design, B, gen, progress=progress)
        boot = make_distribution(reps, self.estimate, "multinomial bootstrap")
        if key is not None:
            old = [k for k in self._cache if isinstance(k, tuple) and k[0] == "bootstrap"]
            for k in old[: max(0, len(old) - 7)]:
                del self._cache[k]
            self._cache[key] = boot
        return boot

    def jackknife(self) -> Jackknife:
        """Leave-one-out values on counts (for the BCa acceleration)."""
        if "jackknife" not in self._cache:
            self._cache["jackknife"] = count_jackknife(self.statistic, self.data, self.design)
        return self._cache["jackknife"]

    def interval(
        self,
        method: str,
        alpha: float,
        n_resamples: int | None,
        rng: Any,
        progress: bool | None = None,
    ) -> tuple[float, float, str | None] | tuple[float, float, str | None, Any]:
        """The interval by ``method``, kept inside the parameter space, never of zero
        width unless the quantity is known exactly, with a note whenever the estimate
        lies outside it (see :func:`finish_interval`)."""
        lo, hi, note, *rest = self._raw_interval(method, alpha, n_resamples, rng, progress)
        lo, hi, note = finish_interval(self, method, lo, hi, note, alpha)
        return (lo, hi, note, *rest)

    def variance_se(self, p: Pivot) -> tuple[float, str]:
        """The standard error behind the variance factor of ``p``: the delete-one
        jackknife's (on the counts) when ``p`` is the reported estimate's own statistic
        (plug-in estimates, and bias-corrected ones through :func:`own_pivot`) and the
        counts are whole numbers, else the delta method's. The jackknife measures the
        estimator's finite-sample variance where the delta method, evaluated at the
        sample frequencies, understates it (rare categories seen too rarely)."""
        if (p.own or self.plugin) and self.resamplable:
            v = float(self.jackknife().variance())
            if math.isfinite(v) and v > 0:
                return math.sqrt(v), "jackknife"
        return self.se, "delta-method"

    def _pivot_interval(
        self, p: Pivot, method: str, alpha: float
    ) -> tuple[float, float, str | None]:
        if method == "ncx2":
            lo, hi = ncx2_interval(p.statistic, p.df, p.scale, alpha)
            c = 1.0
            note = p.note
        else:
            s_var = p.statistic if p.plugin_statistic is None else p.plugin_statistic
            se, how = self.variance_se(p)
            c = variance_factor(s_var, p.scale, se)
            if s_var < stats.chi2.median(p.df):
                # a fit better than the null median: c = scale^2 se^2 / (4 s) divides by
                # a statistic near 0 (the jackknife keeps an O(df) second-order term), so
                # it is capped (coverage unchanged on the grid of validation/coverage_grid)
                c = min(c, C_CAP_BELOW_MEDIAN)
            lo, hi = _adjusted(p.statistic, p.df, p.scale, c, alpha)
            note = (
                f"Estimated variance factor c = {c:.3g} from the {how} variance "
                "(c = 1: plain ncx2 inversion)."
            ) + (f" {p.note}" if p.note else "")
        if p.own and p.plugin_statistic is not None:
            # union with the inversion of the plug-in statistic: the own inversion alone
            # under-covers in sparse cells at n = 30 (validation/coverage_grid.py)
            plug = Pivot(p.plugin_statistic, p.df, p.scale)
            if method == "ncx2":
                plo, phi = ncx2_interval(plug.statistic, p.df, p.scale, alpha)
            else:
                plo, phi = _adjusted(plug.statistic, p.df, p.scale, c, alpha)
            if math.isfinite(plo) and math.isfinite(phi):
                lo, hi = min(lo, plo), max(hi, phi)
                note += (
                    " Joined with the inversion of the plug-in statistic "
                    f"{_fmt(plug.statistic)} (the union of the two)."
                )
        return lo, hi, note

    def _raw_interval(
        self,
        method: str,
        alpha: float,
        n_resamples: int | None,
        rng: Any,
        progress: bool | None = None,
    ) -> tuple[float, float, str | None] | tuple[float, float, str | None, Any]:
        if method == "wald":
            return (*wald_interval(self.estimate, self.se, alpha), None)
        if method in ("ncx2", "ncx2-adjusted") and self.pivot is None and self._complement_usable:
            # entropy: the interval for top - H = D(p || uniform), mapped back
            p = self.complement
            top = self.bounds[1]
            d_lo, d_hi, note = self._pivot_interval(p, method, alpha)
            what = (
                f"Interval for log K - {self.symbol} = D(p || uniform) by noncentral "
                f"chi-square inversion ({method}), mapped back."
            )
            note = what + (f" {note}" if note else "")
            return top - d_hi, top - d_lo, note
        if method in ("ncx2", "ncx2-adjusted") and self.pivot is not None:
            lo, hi, note = self._pivot_interval(self.pivot, method, alpha)
            comp = self.companion
            if method == "ncx2-adjusted" and comp is not None and comp.pivot is not None:
                clo, chi, _ = comp._pivot_interval(comp.pivot, method, alpha)
                if math.isfinite(clo) and math.isfinite(chi):
                    lo, hi = min(lo, clo), max(hi, chi)
                    note = (note + " " if note else "") + companion_note(comp)
            return lo, hi, note
        if method in BOOTSTRAP_METHODS:
            boot = self.bootstrap(n_resamples, rng, progress)
            lo, hi, note = interval_from_distribution(method, boot, alpha, self.jackknife)
            return lo, hi, note, boot
        raise ValueError(f"`method={method!r}` is not available here.")  # pragma: no cover


def companion_note(comp: CountInference) -> str:
    """The note of an interval joined with a companion estimator's (see CountInference)."""
    return (
        f"Joined with the interval of the Zhang estimate ({_fmt(comp.estimate)}), which "
        "inverts its own statistic: away from D = 0 the two-sample plug-in statistic's "
        "mean exceeds df + lambda, and its inversion alone under-covers."
    )


# --------------------------------------------------------------------------- finishing


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def pivot_interval(p: Pivot, alpha: float) -> tuple[float, float, bool]:
    """The ncx2 inversion of a pivot with a power-constrained upper limit: when the
    statistic falls below its median under D = 0 the upper limit is the one at that
    median (Cowan, Cranmer, Gross & Vitells 2011, "Power-constrained limits",
    arXiv:1105.3166), so that a statistic smaller than its null distribution predicts
    (a "too good" fit) cannot give an interval of zero width. Raising an upper limit
    never lowers coverage. Returns (low, high, constrained)."""
    lo, hi = ncx2_interval(p.statistic, p.df, p.scale, alpha)
    if p.df <= 0 or not math.isfinite(p.statistic):
        return lo, hi, False
    med = float(stats.chi2.median(p.df))
    if p.statistic < med:
        hi_med = ncx2_interval(med, p.df, p.scale, alpha)[1]
        if hi_med > hi:
            return lo, hi_med, True
    return lo, hi, False


def finish_interval(
    inf: CountInference, method: str, lo: float, hi: float, note: str | None, alpha: float
) -> tuple[float, float, str | None]:
    """Keep an interval honest about the parameter space and its own estimate.

    * An interval entirely outside the parameter space (a bootstrap interval of a
      bias-corrected KL below 0, a plug-in entropy interval above log K) is replaced by
      the noncentral chi-square inversion of the quantity (for entropy, of log K - H),
      and the summary says so.
    * Otherwise limits beyond the parameter space are cut to it, and the summary says so.
    * The upper limit of a chi-square inversion is power-constrained (:func:`pivot_interval`),
      so no interval has zero width unless the quantity is known exactly.
    * When the estimate lies outside the interval, one line says why.
    """
    notes = [note] if note else []
    low_b, high_b = inf.bounds
    sym = inf.symbol
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return lo, hi, note
    if method in ("ncx2", "ncx2-adjusted") and inf.pivot is not None:
        _, hi_pcl, constrained = pivot_interval(inf.pivot, alpha)
        if constrained and hi_pcl > hi:
            hi = hi_pcl
            notes.append(
                "Upper limit power-constrained: the statistic is below its median under "
                f"{sym} = 0, so the limit is the one at that median (Cowan et al. 2011)."
            )
    if method in ("ncx2", "ncx2-adjusted") and inf.pivot is None and inf._complement_usable:
        _, d_pcl, constrained = pivot_interval(inf.complement, alpha)
        if constrained and high_b - d_pcl < lo:
            lo = high_b - d_pcl
            notes.append(
                f"Lower limit power-constrained: the statistic of log K - {sym} is below its "
                "median under the uniform distribution, so the limit is the one at that "
                "median (Cowan et al. 2011)."
            )
    outside = hi < low_b or lo > high_b
    degenerate = hi - lo <= 0 and method not in ("ncx2", "ncx2-adjusted")
    if outside or degenerate:
        what = (
            f"lies entirely outside the parameter space ({_range(low_b, high_b, sym)})"
            if outside
            else "has zero width"
        )
        fallback = _fallback(inf, alpha)
        if fallback is not None:
            flo, fhi, how = fallback
            notes.append(
                f"The {method} interval [{_fmt(lo)}, {_fmt(hi)}] {what}; reported instead: {how}."
            )
            lo, hi = flo, fhi
        else:
            notes.append(f"The {method} interval {what}.")
    if lo < low_b or hi > high_b:
        cut = []
        if lo < low_b:
            cut.append(f"lower limit {_fmt(lo)} raised to {_fmt(low_b)}")
        if hi > high_b:
            cut.append(f"upper limit {_fmt(hi)} lowered to {_fmt(high_b)}")
        notes.append(
            f"Cut to the parameter space ({_range(low_b, high_b, sym)}): {', '.join(cut)}."
        )
        lo, hi = max(lo, low_b), min(hi, high_b)
    why = _why_outside(inf, method, lo, hi)
    if why:
        notes.append(why)
    return lo, hi, " ".join(notes) if notes else None


def _range(low: float, high: float, sym: str) -> str:
    if math.isinf(high):
        return f"{sym} >= {_fmt(low)}"
    return f"{_fmt(low)} <= {sym} <= {_fmt(high)}"


def _fallback(inf: CountInference, alpha: float) -> tuple[float, float, str] | None:
    if inf.pivot is not None:
        lo, hi, _ = pivot_interval(inf.pivot, alpha)
        return lo, hi, "the noncentral chi-square inversion of the plug-in statistic"
    if inf.complement is not None and math.isfinite(inf.bounds[1]):
        d_lo, d_hi, _ = pivot_interval(inf.complement, alpha)
        top = inf.bounds[1]
        return (
            max(top - d_hi, inf.bounds[0]),
            top - d_lo,
            f"log K - {inf.symbol} = D(p || uniform) by noncentral chi-square inversion",
        )
    return None


def _why_outside(inf: CountInference, method: str, lo: float, hi: float) -> str | None:
    est, sym = inf.estimate, inf.symbol
    if math.isinf(est) and not (lo <= est <= hi):
        return (
            f"The estimate is infinite (see the warning); the interval is for {sym}, from a "
            "statistic that stays finite."
        )
    if not math.isfinite(est) or lo <= est <= hi:
        return None
    low_b, high_b = inf.bounds
    if est < low_b:
        return (
            f"The bias-corrected estimate is below {_fmt(low_b)}, where {sym} cannot be: "
            f"consistent with {sym} = {_fmt(low_b)}; the interval is for {sym} >= "
            f"{_fmt(low_b)}."
        )
    if est > high_b:
        return (
            f"The bias-corrected estimate exceeds {_fmt(high_b)}, the largest possible "
            f"{sym}; the interval stays within it."
        )
    if method in ("ncx2", "ncx2-adjusted") and inf.pivot is not None:
        p = inf.pivot
        if p.own:
            return (
                f"The estimate lies outside the interval that inverts its own statistic "
                f"scale * estimate + df = {_fmt(p.statistic)} (a skewed law at this sample "
                "size)."
            )
        if inf.plugin and est > hi:
            return (
                f"The plug-in estimate lies above the interval: it is biased upward by about "
                f"df/scale = {_fmt(p.df / p.scale)}, a bias the chi-square inversion allows for."
            )
        return (
            f"The estimate lies outside the interval, which inverts the law of the plug-in "
            f"statistic (bias about df/scale = {_fmt(p.df / p.scale)}) rather than of this "
            "estimator."
        )
    if method in ("ncx2", "ncx2-adjusted") and inf.pivot is None and inf._complement_usable:
        p = inf.complement
        if p.own:
            return (
                "The estimate lies outside the interval that inverts its own statistic "
                "(a skewed law at this sample size)."
            )
        if inf.plugin and est < lo:
            return (
                f"The plug-in estimate lies below the interval: it is biased downward by "
                f"about (K - 1)/(2n) = {_fmt(p.df / p.scale)}, a bias the chi-square "
                f"inversion of log K - {sym} allows for."
            )
        return (
            f"The estimate lies outside the interval, which inverts the law of the plug-in "
            f"statistic of log K - {sym} rather than of this estimator."
        )
    if method in ("basic", "bca"):
        return (
            f"The estimate lies outside the {method} bootstrap interval, which corrects "
            "for the estimator's bias as measured by the bootstrap."
        )
    return f"The estimate lies outside the {method} interval."
