"""The registry of scipy.stats families that klstats fits by maximum likelihood, their
nestings (which family is a special case of which, at which parameter values) and the
fitting code (scipy's ``fit`` polished by a direct optimiser; profile likelihood for the
negative binomial).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize, special, stats

from .._base._samples import as_samples
from .._base._validation import check_int, check_real
from .._results._summary import fmt

# --------------------------------------------------------------------------- families


_DISCRETE_FITTED = ("poisson", "geom", "nbinom")


def _family(obj: Any, name: str):
    """A scipy.stats family (not frozen) from an object or its name."""
    if isinstance(obj, str):
        dist = getattr(stats, obj, None)
        if not isinstance(dist, stats.rv_continuous | stats.rv_discrete):
            raise ValueError(
                f"`{name}`={obj!r} is not the name of a scipy.stats distribution family."
            )
        obj = dist
    if isinstance(obj, stats.rv_continuous | stats.rv_discrete):
        if isinstance(obj, stats.rv_discrete) and obj.name not in _DISCRETE_FITTED:
            raise ValueError(
                f"`{name}`: no maximum-likelihood fitter for the discrete family "
                f"{obj.name!r}; klstats fits {_DISCRETE_FITTED}. Pass per-observation "
                "log-likelihoods or a fitted (frozen) distribution instead."
            )
        return obj
    if hasattr(obj, "dist") and hasattr(obj, "args"):
        raise TypeError(
            f"`{name}` must be a scipy.stats family such as scipy.stats.gamma (or its name), "
            "not a frozen distribution: klstats fits the parameters itself."
        )
    raise TypeError(
        f"`{name}` must be a scipy.stats distribution family or its name; got "
        f"{type(obj).__name__}."
    )


def _is_positive(dist) -> bool:
    return isinstance(dist, stats.rv_continuous) and dist.a == 0


def _param_names(dist) -> list[str]:
    shapes = [s.strip() for s in dist.shapes.split(",")] if dist.shapes else []
    if isinstance(dist, stats.rv_discrete):
        return [*shapes, "loc"]
    return [*shapes, "loc", "scale"]


@dataclass(frozen=True)
class _Fit:
    """A maximum-likelihood fit of one family to one sample."""

    dist: Any
    params: tuple[float, ...]  # scipy order: shapes..., loc[, scale]
    logl: np.ndarray
    n_free: int
    display: Mapping[str, float]
    family: str = ""  # differs from dist.name for the Poisson limit of the nbinom

    @property
    def name(self) -> str:
        return self.family or self.dist.name

    @property
    def llf(self) -> float:
        return float(self.logl.sum())

    @property
    def frozen(self):
        # freezing is slow (scipy builds docstrings): only for the reported fits
        return self.dist(*self.params)


def _logdens(frozen, x: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        if hasattr(frozen, "logpmf"):
            return np.asarray(frozen.logpmf(x), dtype=float)
        return np.asarray(frozen.logpdf(x), dtype=float)


def _ll_cont(dist, x: np.ndarray, params) -> float:
    with np.errstate(all="ignore"):
        v = float(np.sum(dist.logpdf(x, *params)))
    return v if math.isfinite(v) else -math.inf


def _scipy_fit(dist, x: np.ndarray, args, start_kw, kw) -> tuple[float, ...] | None:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return tuple(float(v) for v in dist.fit(x, *args, **start_kw, **kw))
        except (ValueError, RuntimeError, FloatingPointError, stats.FitError):
            return None


# scipy solves these likelihood equations exactly (closed forms or a 1-D root) once the
# location is fixed (always for norm); other families use a general optimiser whose
# default tolerances can stop short of the maximum
_EXACT_MLE = frozenset({"expon", "gamma", "lognorm", "norm", "weibull_min"})


def _polish(dist, x: np.ndarray, names, params, fixed, llf):
    """Refine a fit with BFGS on (shapes, loc, log scale); keep it only if it improves."""
    free = [i for i, k in enumerate(names) if k not in fixed]
    base = np.array(params, dtype=float)
    is_scale = np.array([names[i] == "scale" for i in free])

    def unpack(t):
        v = np.array(t, dtype=float)
        v[is_scale] = np.exp(np.minimum(v[is_scale], 700.0))
        p = base.copy()
        p[free] = v
        return p

    def nll(t):
        with np.errstate(all="ignore"):
            v = float(np.sum(dist.logpdf(x, *unpack(t))))
        return -v if math.isfinite(v) else 1e300

    t = base[free].copy()
    t[is_scale] = np.log(t[is_scale])
    best = nll(t)
    # BFGS, then Powell from where it stopped: along the flat ridges of three-parameter
    # families (gengamma's a and c) either alone can stop early
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for method in ("BFGS", "Powell"):
            opt = optimize.minimize(nll, t, method=method)
            if opt.fun < best:
                best, t = float(opt.fun), opt.x
    if -best > llf:
        return -best, tuple(float(v) for v in unpack(t))
    return llf, params


def _fit_continuous(dist, x: np.ndarray, fixed: Mapping[str, float], starts=()) -> _Fit:
    names = _param_names(dist)
    kw = {}
    if "loc" in fixed:
        kw["floc"] = fixed["loc"]
    if "scale" in fixed:
        kw["fscale"] = fixed["scale"]
    n_free = len(names) - len(kw)
    if n_free == 0:
        scored = [
            (_ll_cont(dist, x, (fixed["loc"], fixed["scale"])), (fixed["loc"], fixed["scale"]))
        ]
    else:
        first = _scipy_fit(dist, x, (), {}, kw)
        scored = [] if first is None else [(_ll_cont(dist, x, first), first)]
        for s in starts:
            s = tuple(float(v) for v in s)
            # a start point lies inside the family: the maximum is at least as good
            ll_start = _ll_cont(dist, x, s)
            scored.append((ll_start, s))
            if first is None or scored[0][0] < ll_start + 1e-9 * max(1.0, abs(ll_start)):
                # scipy's default start did no better than the nested point: restart there
                *shapes, loc, scale = s
                again = _scipy_fit(dist, x, tuple(shapes), {"loc": loc, "scale": scale}, kw)
                if again is not None:
                    scored.append((_ll_cont(dist, x, again), again))
    llf, params = max(scored, key=lambda t: t[0])
    if not math.isfinite(llf):
        raise ValueError(
            f"Maximum-likelihood fit of {dist.name!r} failed: no parameters give a finite "
            "log-likelihood (are the data inside the family's support?)."
        )
    exact = dist.name in _EXACT_MLE and (dist.name == "norm" or "loc" in fixed)
    if n_free > 0 and not exact:
        llf, params = _polish(dist, x, names, params, fixed, llf)
    with np.errstate(all="ignore"):
        logl = np.asarray(dist.logpdf(x, *params), dtype=float)
    display = {k: v for k, v in zip(names, params, strict=True) if k not in fixed}
    return _Fit(dist, params, logl, n_free, display)


def _nbinom_profile(y: np.ndarray):
    """Profile log-likelihood of the negative binomial in alpha = 1/n (mean at its MLE,
    the sample mean), relative to the Poisson log-likelihood (alpha = 0)."""
    m = float(y.mean())
    N = y.size
    S = float(y.sum())
    ymax = int(y.max())
    if ymax > _NBINOM_TABLE_MAX:
        # counts this large: an array of ymax entries would not fit; sum over the
        # distinct values with the closed form of sum_{j < y} log1p(alpha j)
        values, mult = np.unique(y, return_counts=True)

        def gain_big(alpha: float) -> float:
            # = sum_i sum_{j < y_i} log1p(alpha j) - (S + N/alpha) log1p(alpha m) + N m,
            # arranged so that no term is larger than the result needs (terms of about
            # alpha N m^2, not N m: the plain form cancels 2e14-sized terms at m = 1e12)
            if alpha <= 0:
                return 0.0
            u = alpha * m
            t = float(np.dot(mult, _log_rising(values, alpha)))
            return t - S * math.log1p(u) + N / alpha * float(_u_minus_log1p(np.array(u)))

        return gain_big, m
    # c_j = #{i : y_i > j}: sum_i sum_{j < y_i} log1p(alpha j) = sum_j c_j log1p(alpha j)
    counts = np.bincount(y.astype(np.int64), minlength=ymax + 1)
    c = N - np.cumsum(counts)[:-1] if ymax > 0 else np.zeros(0)
    j = np.arange(ymax, dtype=float)

    def gain(alpha: float) -> float:
        if alpha <= 0:
            return 0.0
        lm = math.log1p(alpha * m)
        return float(np.dot(c, np.log1p(alpha * j))) - S * lm - N * lm / alpha + N * m

    return gain, m


# largest count for which the negative binomial profile tabulates j = 0 .. max(y) - 1
_NBINOM_TABLE_MAX = 2_000_000


def _u_minus_log1p(u: np.ndarray) -> np.ndarray:
    """u - log1p(u) without cancellation for small u (series sum_{k>=2} (-u)^k / k)."""
    u = np.asarray(u, dtype=float)
    small = np.abs(u) < 0.1
    out = np.where(small, 0.0, u - np.log1p(np.where(small, 0.0, u)))
    if np.any(small):
        us = u[small]
        acc = np.zeros_like(us)
        for k in range(40, 1, -1):
            acc = acc * (-us) + 1.0 / k
        out[small] = acc * us * us
    return out


def _one_plus_t_log1p_minus_t(t: np.ndarray) -> np.ndarray:
    """(1 + t) log1p(t) - t without cancellation (series sum_{k>=2} (-1)^k t^k/(k(k-1)))."""
    small = t < 0.1
    out = np.where(small, 0.0, (1 + t) * np.log1p(np.where(small, 0.0, t)) - t)
    if np.any(small):
        ts = t[small]
        acc = np.zeros_like(ts)
        for k in range(40, 1, -1):
            acc = acc * (-ts) + 1.0 / (k * (k - 1))
        out[small] = acc * ts * ts
    return out


def _log_rising(y: np.ndarray, alpha: float) -> np.ndarray:
    """sum_{j < y} log1p(alpha j) = y log(alpha) + lgamma(y + 1/alpha) - lgamma(1/alpha).

    For large A = 1/alpha the gamma functions cancel; Stirling's series of their
    difference gives A g(alpha y) - log1p(alpha y)/2 + c(A + y) - c(A), with
    g(t) = (1 + t) log1p(t) - t and c(z) = 1/(12 z) - 1/(360 z^3) + 1/(1260 z^5).
    """
    y = np.asarray(y, dtype=float)
    a = 1.0 / alpha
    if a < 1e3:
        return y * math.log(alpha) + special.gammaln(y + a) - special.gammaln(a)
    t = alpha * y

    def c(z: np.ndarray) -> np.ndarray:
        return 1 / (12 * z) - 1 / (360 * z**3) + 1 / (1260 * z**5)

    return a * _one_plus_t_log1p_minus_t(t) - 0.5 * np.log1p(t) + (c(a + y) - c(np.array(a)))


def _fit_discrete(name: str, x: np.ndarray, loc: float, alphas=()) -> _Fit:
    y = x - loc
    m = float(y.mean())
    if name == "poisson":
        return _Fit(stats.poisson, (m, loc), stats.poisson.logpmf(x, m, loc), 1, {"mu": m})
    if name == "geom":
        p = 1.0 / (1.0 + m)
        # scipy's geom counts trials (support 1, 2, ...); shifted by -1 it counts failures
        # before the first success, the negative binomial with n = 1
        logl = stats.geom.logpmf(x, p, loc - 1)
        return _Fit(stats.geom, (p, loc - 1), logl, 1, {"p": p})
    gain, m = _nbinom_profile(y)
    best_a, best = 0.0, 0.0
    if m > 0:
        grid = np.exp(np.linspace(-12.0, 8.0, 41)) / max(m, 1e-3)
        values = [gain(a) for a in grid]
        k = int(np.argmax(values))
        if values[k] > best:
            best_a, best = grid[k], values[k]
            lo = grid[max(k - 1, 0)]
            hi = grid[min(k + 1, grid.size - 1)]
            opt = optimize.minimize_scalar(
                lambda t: -gain(math.exp(t)),
                bounds=(math.log(lo), math.log(hi)),
                method="bounded",
                options={"xatol": 1e-10},
            )
            if -opt.fun > best:
                best_a, best = math.exp(opt.x), -opt.fun
        for a in alphas:  # nesting points must never beat the maximum
            if gain(a) > best:
                best_a, best = a, gain(a)
    if best_a == 0.0:
        # the maximum is the Poisson limit n -> inf (sample variance <= mean)
        logl = stats.poisson.logpmf(x, m, loc)
        return _Fit(stats.poisson, (m, loc), logl, 2, {"n": math.inf, "mu": m}, "nbinom")
    n_size = 1.0 / best_a
    p = 1.0 / (1.0 + best_a * m)
    logl = stats.nbinom.logpmf(x, n_size, p, loc)
    return _Fit(stats.nbinom, (n_size, p, loc), logl, 2, {"n": n_size, "p": p})


@dataclass(frozen=True)
class _Nesting:
    embed: Callable[[tuple[float, ...]], tuple[float, ...]] | None
    boundary: bool = False
    note: str = ""
    # below this sample size the asymptotic p-value is liberal (validation report)
    min_n_asymptotic: int = 0


# (null, alternative) -> how a fitted null sits inside the alternative family
_NESTINGS: dict[tuple[str, str], _Nesting] = {
    ("expon", "gamma"): _Nesting(lambda p: (1.0, *p)),
    ("expon", "weibull_min"): _Nesting(lambda p: (1.0, *p)),
    ("expon", "gengamma"): _Nesting(lambda p: (1.0, 1.0, *p)),
    ("expon", "exponweib"): _Nesting(lambda p: (1.0, 1.0, *p)),
    ("gamma", "gengamma"): _Nesting(lambda p: (p[0], 1.0, *p[1:])),
    ("weibull_min", "gengamma"): _Nesting(lambda p: (1.0, *p)),
    ("weibull_min", "exponweib"): _Nesting(lambda p: (1.0, *p)),
    ("logistic", "genlogistic"): _Nesting(lambda p: (1.0, *p)),
    ("norm", "skewnorm"): _Nesting(
        lambda p: (0.0, *p),
        note=(
            "norm within skewnorm: the skew-normal information matrix is singular at "
            "a = 0, so the chi-square limit is approached slowly; prefer "
            "method='bootstrap'."
        ),
        # simulated size at alpha = 0.05: 0.079 at n = 50, 0.052 at n = 200
        min_n_asymptotic=200,
    ),
    ("geom", "nbinom"): _Nesting(None),
    ("poisson", "nbinom"): _Nesting(
        None,
        boundary=True,
        note=(
            "poisson within nbinom: the Poisson is the boundary n = inf (no "
            "overdispersion); the asymptotic p-value uses the 50:50 mixture of chi2(0) "
            "and chi2(1) (Self and Liang 1987)."
        ),
    ),
}


def _known_nestings() -> str:
    return ", ".join(f"{a} within {b}" for a, b in _NESTINGS)


def _check_fixed(fixed: Any, null, alt) -> dict[str, float]:
    discrete = isinstance(null, stats.rv_discrete)
    allowed = ("loc",) if discrete else ("loc", "scale")
    out: dict[str, float] = {}
    if fixed is not None:
        if not isinstance(fixed, Mapping):
            raise TypeError(
                f"`fixed` must be a mapping such as {{'loc': 0}}; got {type(fixed).__name__}."
            )
        for key, value in fixed.items():
            if key not in allowed:
                raise ValueError(
                    f"`fixed` may hold {allowed} for these families (held at the same value "
                    f"in both); got {key!r}."
                )
            if discrete:
                out[key] = float(check_int(value, f"fixed[{key!r}]"))
            elif key == "scale":
                out[key] = check_real(value, "fixed['scale']", low=0.0, low_open=True)
            else:
                out[key] = check_real(value, f"fixed[{key!r}]")
    if not discrete and _is_positive(alt) and "loc" not in out:
        out["loc"] = 0.0
    if discrete and "loc" not in out:
        out["loc"] = 0.0
    return out


def _as_data(data: Any, name: str = "data") -> np.ndarray:
    a = as_samples(data, name)
    if a.shape[1] != 1:
        raise ValueError(f"`{name}` must be 1-D (one value per observation); got shape {a.shape}.")
    x = a[:, 0]
    if x.size < 2:
        raise ValueError(f"`{name}` must hold at least 2 observations; got {x.size}.")
    return x


def _check_support(x: np.ndarray, dist, fixed: Mapping[str, float], name: str) -> None:
    loc = fixed.get("loc", 0.0)
    if isinstance(dist, stats.rv_discrete):
        y = x - loc
        bad = (y < 0) | (y != np.round(y))
        if bad.any():
            raise ValueError(
                f"`{name}` must hold integers >= {loc:g} (the support of {dist.name!r} with "
                f"loc={loc:g}); {int(bad.sum())} value(s) are outside it, e.g. "
                f"{x[bad][0]:g}."
            )
    elif _is_positive(dist):
        bad = x <= loc
        if bad.any():
            raise ValueError(
                f"`{name}` must be > {loc:g} (the support of the positive family "
                f"{dist.name!r} with loc={loc:g}); {int(bad.sum())} value(s) are not, e.g. "
                f"{x[bad][0]:g}. Pass fixed={{'loc': ...}} for data bounded elsewhere."
            )


def _fit_family(dist, x: np.ndarray, fixed: Mapping[str, float], starts=(), alphas=()) -> _Fit:
    if isinstance(dist, stats.rv_discrete):
        return _fit_discrete(dist.name, x, fixed.get("loc", 0.0), alphas)
    return _fit_continuous(dist, x, fixed, starts)


@dataclass(frozen=True)
class _NestedPair:
    null: Any
    alt: Any
    nesting: _Nesting
    fixed: Mapping[str, float]

    def fit(self, x: np.ndarray) -> tuple[_Fit, _Fit]:
        f0 = _fit_family(self.null, x, self.fixed)
        if isinstance(self.null, stats.rv_discrete):
            # nbinom reaches poisson at alpha = 0 (always a candidate) and geom at alpha = 1
            f1 = _fit_family(self.alt, x, self.fixed, alphas=(1.0,))
        else:
            f1 = _fit_family(self.alt, x, self.fixed, starts=(self.nesting.embed(f0.params),))
        return f0, f1


def _lr_of(f0: _Fit, f1: _Fit) -> float:
    return max(0.0, 2.0 * (f1.llf - f0.llf))


def _fmt_params(fit: _Fit) -> str:
    return ", ".join(f"{k}={fmt(v)}" for k, v in fit.display.items())
