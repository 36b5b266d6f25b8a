"""Likelihood-ratio tests: nested models, nested scipy.stats families, and Vuong's test.

The likelihood-ratio statistic is 2n times an estimated KL divergence: for nested models
LR/(2n) estimates D(truth || best restricted model) - D(truth || best full model), and
Vuong's statistic is the standardised mean of the per-observation log-likelihood ratios
whose expectation is D(truth || model 2) - D(truth || model 1).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import integrate, optimize, special, stats

from .._base._validation import as_samples, check_choice, check_int, check_real, check_rng
from .._base._warnings import DegenerateDataWarning, SmallSampleWarning
from .._inference._intervals import Pivot, ncx2_interval, wald_interval
from .._results._classes import KLEstimate, KLTestResult
from .._results._summary import Block, fmt, fmt_pvalue

__all__ = ["lr_test", "lr_test_distributions", "vuong_test"]


# --------------------------------------------------------------------------- intervals


@dataclass(frozen=True)
class _LRInference:
    """Intervals for LR/(2n): noncentral chi-square inversion, and Wald when the
    per-observation log-likelihood ratios are known."""

    pivot: Pivot
    mean: float = math.nan
    se: float = math.nan
    default_method: str = "ncx2"
    stochastic: frozenset = field(default_factory=frozenset)

    @property
    def methods(self) -> tuple[str, ...]:
        return ("ncx2", "wald") if math.isfinite(self.se) else ("ncx2",)

    def interval(self, method, alpha, n_resamples, rng):
        if method == "wald":
            return (*wald_interval(self.mean, self.se, alpha), None)
        p = self.pivot
        return (*ncx2_interval(p.statistic, p.df, p.scale, alpha), p.note)


@dataclass(frozen=True)
class _WaldInference:
    mean: float
    se: float
    default_method: str = "wald"
    methods: tuple[str, ...] = ("wald",)
    stochastic: frozenset = field(default_factory=frozenset)

    def interval(self, method, alpha, n_resamples, rng):
        return (*wald_interval(self.mean, self.se, alpha), None)


def _lr_effect(lr: float, df: int, n: int, logratio: np.ndarray | None, quantity: str):
    """The effect size LR/(2n) with its interval machinery."""
    estimate = lr / (2 * n)
    mean = se = math.nan
    if logratio is not None and logratio.size > 1:
        mean = float(logratio.mean())
        se = float(logratio.std(ddof=1) / math.sqrt(logratio.size))
    inference = _LRInference(Pivot(lr, df, 2.0 * n), mean, se)
    return KLEstimate(
        estimate=estimate,
        estimator="likelihood ratio",
        units="nats",
        nobs=n,
        bse=se,
        quantity=quantity,
        sizes=(n,),
        _inference=inference,
    )


# --------------------------------------------------------------------------- lr_test


@dataclass(frozen=True)
class _ModelInfo:
    llf: float
    n_params: int
    nobs: int | None
    label: str
    endog: np.ndarray | None = None


def _is_sm_results(obj: Any) -> bool:
    return hasattr(obj, "llf") and hasattr(obj, "model") and hasattr(obj, "params")


def _is_glm(model: Any) -> bool:
    from statsmodels.genmod.generalized_linear_model import GLM

    return isinstance(model, GLM)


def _sm_label(res: Any) -> str:
    model = res.model
    name = type(model).__name__
    if _is_glm(model):
        name = f"{name}({type(model.family).__name__})"
    return name


def _sm_n_params(res: Any) -> int:
    """Estimated parameters as statsmodels counts them for AIC: df_model + k_constant
    (+ k_extra, e.g. the negative binomial dispersion); a scale estimated outside
    ``params`` (OLS, Gaussian GLM) is not counted."""
    model = res.model
    df_model = getattr(res, "df_model", None)
    if df_model is None or not np.isfinite(df_model):
        return int(np.size(res.params))
    k_const = getattr(model, "k_constant", getattr(res, "k_constant", 0)) or 0
    k_extra = getattr(model, "k_extra", 0) or 0
    return int(round(float(df_model))) + int(k_const) + int(k_extra)


def _sm_endog(res: Any) -> np.ndarray | None:
    endog = getattr(res.model, "endog", None)
    if endog is None:
        return None
    return np.asarray(endog, dtype=float)


def _model_info(obj: Any, name: str) -> _ModelInfo:
    if _is_sm_results(obj):
        llf = float(obj.llf)
        if not math.isfinite(llf):
            raise ValueError(f"`{name}` has a non-finite log-likelihood ({llf}).")
        return _ModelInfo(llf, _sm_n_params(obj), int(obj.nobs), _sm_label(obj), _sm_endog(obj))
    if isinstance(obj, tuple | list) and len(obj) in (2, 3):
        try:
            llf = check_real(obj[0], f"{name}[0] (llf)")
        except TypeError:
            raise TypeError(
                f"`{name}[0]` (the log-likelihood) must be a real number; got {obj[0]!r}."
            ) from None
        k = check_int(obj[1], f"{name}[1] (n_params)", minimum=0)
        nobs = check_int(obj[2], f"{name}[2] (nobs)", minimum=1) if len(obj) == 3 else None
        return _ModelInfo(llf, k, nobs, name)
    raise TypeError(
        f"`{name}` must be a fitted statsmodels results object (with `llf`) or a tuple "
        f"(llf, n_params) / (llf, n_params, nobs); got {type(obj).__name__}."
    )


def _llf_tolerance(*llfs: float) -> float:
    # optimiser noise in maximised log-likelihoods; far below any meaningful LR
    return 1e-6 * max(1.0, *(abs(v) for v in llfs))


def _models_block(title: str, stubs, rows) -> Block:
    return Block(
        title=title,
        headers=["Model", "Log-likelihood", "Parameters", "No. obs."],
        stubs=list(stubs),
        data=[[label, fmt(llf, 8), fmt(k), fmt(n)] for label, llf, k, n in rows],
    )


def lr_test(restricted: Any, full: Any) -> KLTestResult:
    r"""Likelihood-ratio test of two nested models.

    Parameters
    ----------
    restricted, full : statsmodels results or tuple
        The fitted restricted (null) and full (alternative) models, fitted by maximum
        likelihood to the same observations. Either statsmodels results objects (the
        log-likelihood ``llf``, ``nobs`` and the number of estimated parameters
        ``df_model + k_constant + k_extra`` are read), or tuples ``(llf, n_params)`` /
        ``(llf, n_params, nobs)``. The two may be mixed.

    Returns
    -------
    KLTestResult
        ``statistic`` = 2 (llf_full - llf_restricted), ``df`` = the difference in the
        numbers of parameters, ``pvalue`` from the chi-square law with ``df`` degrees of
        freedom, ``estimate`` = statistic / (2 nobs), the estimated KL gain of the full
        model in nats (NaN, and ``nobs = 0``, when no number of observations is known).
        Extra attributes (statsmodels' names): ``llf_null``, ``llf_alt``, ``df_diff``,
        ``n_params`` (restricted, full) and ``models`` (their labels). ``conf_int()``
        gives an interval for the effect size by inverting the noncentral chi-square law
        of the statistic.

    Raises
    ------
    ValueError
        If the models cannot be nested this way: the restricted model has as many or
        more parameters than the full one, the numbers of observations differ, the two
        statsmodels fits use different dependent variables, or the full model's
        log-likelihood is below the restricted one's by more than
        ``1e-6 * max(1, |llf|)`` (a smaller shortfall is optimiser noise: the statistic
        is then reported as 0).
    TypeError
        If an argument is neither a results object nor a tuple of numbers.

    See Also
    --------
    lr_test_distributions : fits two nested scipy.stats families and tests them.
    vuong_test : for models that are not nested.

    Notes
    -----
    Under the restricted model, with the true parameter inside the parameter space and
    the usual regularity conditions, the statistic tends to a chi-square law with
    ``df`` degrees of freedom (Wilks 1938). It does not when the restriction puts a
    parameter on the boundary of its space (a variance component or a dispersion equal
    to 0, a mixture weight of 0); the limit is then a mixture of chi-squares (Self and
    Liang 1987) and this p-value is conservative. For small samples compare with a
    parametric bootstrap (see :func:`lr_test_distributions`).

    The statistic is 2n times an estimated KL divergence: ``estimate`` = LR/(2n)
    estimates D(truth || restricted) - D(truth || full), which for exponential families
    equals D(fitted full || fitted restricted) exactly.

    The parameter count of statsmodels results follows statsmodels' AIC: a scale
    estimated outside ``params`` (OLS, Gaussian GLM) is not counted in either model, so
    the difference is unaffected. This agrees with statsmodels' ``compare_lr_test``
    (which uses ``df_resid``) for linear models and also covers models with extra
    parameters such as the negative binomial dispersion.

    References
    ----------
    .. [1] Wilks, S. S. (1938). The large-sample distribution of the likelihood ratio
           for testing composite hypotheses. Ann. Math. Statist. 9(1):60-62.
    .. [2] Self, S. G. and Liang, K.-Y. (1987). Asymptotic properties of maximum
           likelihood estimators and likelihood ratio tests under nonstandard
           conditions. JASA 82:605-610.

    Examples
    --------
    From log-likelihoods and parameter counts (a hand-computable case:
    LR = 2 (-117.2 + 120.5) = 6.6 on 1 degree of freedom):

    >>> import klstats as kls
    >>> res = kls.lr_test((-120.5, 2, 100), (-117.2, 3, 100))
    >>> print(f"LR = {res.statistic:.2f}, df = {res.df}, p = {res.pvalue:.4f}")
    LR = 6.60, df = 1, p = 0.0102
    >>> print(f"KL gain = {res.estimate:.4f} nats")
    KL gain = 0.0330 nats

    From statsmodels fits:

    >>> import numpy as np
    >>> import statsmodels.api as sm
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=(200, 2))
    >>> y = rng.poisson(np.exp(0.5 + 0.3 * x[:, 0]))
    >>> small = sm.Poisson(y, sm.add_constant(x[:, :1])).fit(disp=0)
    >>> big = sm.Poisson(y, sm.add_constant(x)).fit(disp=0)
    >>> res = kls.lr_test(small, big)
    >>> print(f"LR = {res.statistic:.3f}, df = {res.df}, p = {res.pvalue:.3f}")
    LR = 0.268, df = 1, p = 0.604
    """
    r = _model_info(restricted, "restricted")
    f = _model_info(full, "full")
    if r.nobs is not None and f.nobs is not None and r.nobs != f.nobs:
        raise ValueError(
            f"`restricted` and `full` must be fitted to the same observations; got nobs "
            f"{r.nobs} and {f.nobs}."
        )
    if (
        r.endog is not None
        and f.endog is not None
        and r.endog.shape == f.endog.shape
        and not np.allclose(r.endog, f.endog, equal_nan=True)
    ):
        raise ValueError(
            "`restricted` and `full` were fitted to different dependent variables; a "
            "likelihood-ratio test compares two fits to the same data."
        )
    if r.n_params >= f.n_params:
        what = "as many" if r.n_params == f.n_params else "more"
        raise ValueError(
            f"`restricted` has {what} parameters ({r.n_params}) than `full` "
            f"({f.n_params}): the models are not nested that way. Pass the smaller model "
            "first; for models that are not nested use `vuong_test`."
        )
    diff = f.llf - r.llf
    tol = _llf_tolerance(r.llf, f.llf)
    notes = []
    if diff < -tol:
        raise ValueError(
            f"The log-likelihood of `full` ({f.llf:.6g}) is below that of `restricted` "
            f"({r.llf:.6g}): the models are not nested, or a fit did not converge."
        )
    if diff < 0:
        notes.append(
            f"llf_full is below llf_restricted by {-diff:.2g} (optimiser noise); LR set to 0."
        )
        diff = 0.0
    lr = 2.0 * diff
    df = f.n_params - r.n_params
    pvalue = float(stats.chi2.sf(lr, df))
    n = f.nobs if f.nobs is not None else r.nobs
    effect = None
    if n is not None:
        effect = _lr_effect(lr, df, n, None, "KL gain of the full model, LR/(2n)")
        estimate = effect.estimate
    else:
        estimate = math.nan
        notes.append("Number of observations unknown: no effect size LR/(2n).")
    block = _models_block(
        "Models",
        ["restricted", "full"],
        [
            (r.label, r.llf, r.n_params, r.nobs if r.nobs is not None else n),
            (f.label, f.llf, f.n_params, f.nobs if f.nobs is not None else n),
        ],
    )
    return KLTestResult(
        statistic=lr,
        pvalue=pvalue,
        df=df,
        nobs=n if n is not None else 0,
        method="asymptotic",
        null_hypothesis=f"the restricted model ({r.label}) is adequate",
        estimate=estimate,
        estimator="likelihood ratio",
        distribution="chi2",
        title="Likelihood-ratio test (nested models)",
        alternative="greater",
        effect=effect,
        extras={
            "llf_null": r.llf,
            "llf_alt": f.llf,
            "df_diff": df,
            "n_params": (r.n_params, f.n_params),
            "models": (r.label, f.label),
        },
        notes=tuple(notes),
        blocks=(block,),
    )


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


def lr_test_distributions(
    data: Any,
    null: Any,
    alternative: Any,
    *,
    fixed: Mapping[str, float] | None = None,
    method: str = "asymptotic",
    n_resamples: int = 999,
    rng: Any = None,
) -> KLTestResult:
    r"""Likelihood-ratio test of a scipy.stats family nested in a larger one.

    Both families are fitted to `data` by maximum likelihood and the smaller (`null`)
    is tested against the larger (`alternative`), e.g. the exponential within the gamma.

    Parameters
    ----------
    data : array_like, shape (n,)
        The sample (at least 2 observations, finite).
    null, alternative : scipy.stats distribution family or str
        The families, as objects (``scipy.stats.expon``) or names (``"expon"``), not
        frozen. The pair must be one of the known nestings (see Notes).
    fixed : mapping, optional
        Parameters held at the same value in both fits: ``"loc"`` and/or ``"scale"``
        (continuous families) or an integer ``"loc"`` shift (discrete families). By
        default the location of positive families (gamma, Weibull, ...) and of the
        discrete families is held at 0 and everything else is estimated.
    method : {"asymptotic", "bootstrap"}, optional
        ``"asymptotic"``: Wilks' chi-square law (the chi-bar-square mixture for the
        boundary pair poisson/nbinom). ``"bootstrap"``: parametric bootstrap; samples
        are drawn from the fitted null, both families are refitted to each, and
        ``p = (1 + #{LR* >= LR}) / (n_resamples + 1)`` (ties within
        ``1e-9 * max(1, |llf|)`` count as ``>=``). Use it for small samples and
        irregular nestings, where Wilks' approximation is doubtful.
    n_resamples : int, optional
        Bootstrap samples (``method="bootstrap"`` only).
    rng : `numpy.random.Generator`, optional
        Pseudorandom number generator state for the bootstrap. When `rng` is None, a
        new generator is created using entropy from the operating system. Types other
        than `numpy.random.Generator` are passed to `numpy.random.default_rng` to
        instantiate a ``Generator``.

    Returns
    -------
    KLTestResult
        ``statistic`` = LR = 2 (llf_alt - llf_null); ``df`` = the difference in free
        parameters (None for the bootstrap, whose law is ``null_distribution``);
        ``estimate`` = LR / (2n), the estimated KL gain of the larger family in nats.
        Extra attributes: ``llf_null``, ``llf_alt``, ``df_diff``, ``null_fit`` and
        ``alt_fit`` (the fitted frozen distributions), ``boundary`` (whether the null
        sits on the boundary of the alternative).

    Raises
    ------
    ValueError
        If the pair is not a known nesting (the message lists them), data fall outside
        a family's support (e.g. values <= 0 for the gamma with loc 0, non-integers for
        the Poisson), `data` has fewer than 2 observations or is constant (continuous
        families), or an option is invalid.
    TypeError
        If a family is frozen or not a scipy.stats family.

    See Also
    --------
    lr_test : the same test from two fitted statsmodels models or log-likelihoods.
    vuong_test : for families that are not nested (e.g. lognormal vs gamma).

    Notes
    -----
    Known nestings (null within alternative; df = 1 unless stated):

    - ``expon`` within ``gamma`` (a = 1), ``weibull_min`` (c = 1), ``gengamma``
      (a = c = 1, df = 2), ``exponweib`` (a = c = 1, df = 2);
    - ``gamma`` within ``gengamma`` (c = 1); ``weibull_min`` within ``gengamma``
      (a = 1) and within ``exponweib`` (a = 1);
    - ``logistic`` within ``genlogistic`` (c = 1); ``norm`` within ``skewnorm``
      (a = 0): the skew-normal's information matrix is singular at a = 0, so the chi2(1)
      limit of the statistic (Rotnitzky et al. 2000) is reached slowly: prefer the
      bootstrap;
    - ``geom`` within ``nbinom`` (n = 1): the geometric is taken on {0, 1, 2, ...}
      (the number of failures before the first success; scipy's ``geom`` with
      ``loc=-1``);
    - ``poisson`` within ``nbinom``: the Poisson is the limit n -> inf, a boundary point
      of the negative binomial (no overdispersion). Wilks' chi2(1) is wrong here: the
      statistic tends to the 50:50 mixture of a point mass at 0 and chi2(1) (Self and
      Liang 1987), so the asymptotic p-value is ``chi2.sf(LR, 1) / 2`` (1 when LR = 0).

    Continuous families are fitted with ``scipy.stats`` ``fit``, also started from the
    fitted null (so the alternative's maximum is never below the null's) and, for
    families without an exact scipy solver, refined by BFGS and Powell (scipy's default
    optimiser can stop short on flat ridges such as gengamma's). The supremum can lie
    at the edge of a family (gengamma tends to the lognormal as a -> inf); the fit then
    stops at a large parameter value. The Poisson, geometric and negative binomial are
    fitted by closed forms and a profile likelihood. Freeing
    the location of a positive family is not offered: the support would then depend on
    a parameter and Wilks' theorem does not apply.

    LR/(2n) is the mean per-observation log-likelihood ratio; for exponential families
    it equals D(fitted alternative || fitted null) exactly, in general it estimates
    D(truth || null) - D(truth || alternative).

    References
    ----------
    .. [1] Wilks, S. S. (1938). The large-sample distribution of the likelihood ratio
           for testing composite hypotheses. Ann. Math. Statist. 9(1):60-62.
    .. [2] Self, S. G. and Liang, K.-Y. (1987). Asymptotic properties of maximum
           likelihood estimators and likelihood ratio tests under nonstandard
           conditions. JASA 82:605-610.
    .. [3] Rotnitzky, A., Cox, D. R., Bottai, M. and Robins, J. (2000). Likelihood-based
           inference with singular information matrix. Bernoulli 6(2):243-284.
    .. [4] Davison, A. C. and Hinkley, D. V. (1997). Bootstrap Methods and their
           Application, ch. 4. Cambridge University Press.

    Examples
    --------
    Are the lengths of North American rivers exponential, or do they need the gamma's
    shape parameter?

    >>> import klstats as kls
    >>> rivers = kls.datasets.load("rivers")["length_miles"]
    >>> res = kls.lr_test_distributions(rivers, "expon", "gamma")
    >>> print(f"LR = {res.statistic:.2f}, df = {res.df}, p = {res.pvalue:.2g}")
    LR = 55.54, df = 1, p = 9.2e-14
    >>> print(f"fitted gamma shape a = {res.alt_fit.args[0]:.3f}")
    fitted gamma shape a = 2.579

    A parametric bootstrap p-value (exact level for any number of resamples):

    >>> res = kls.lr_test_distributions(rivers, "expon", "gamma", method="bootstrap",
    ...                                 n_resamples=199, rng=1)
    >>> print(f"p = {res.pvalue:.4f} (smallest possible: {1 / 200})")
    p = 0.0050 (smallest possible: 0.005)
    """
    x = _as_data(data)
    null_d = _family(null, "null")
    alt_d = _family(alternative, "alternative")
    key = (null_d.name, alt_d.name)
    if key not in _NESTINGS:
        raise ValueError(
            f"{null_d.name!r} within {alt_d.name!r} is not a known nesting. Known "
            f"(null within alternative): {_known_nestings()}. For families that are not "
            "nested use `vuong_test`."
        )
    method = check_choice(method, "method", ("asymptotic", "bootstrap"))
    fixed_ = _check_fixed(fixed, null_d, alt_d)
    _check_support(x, alt_d, fixed_, "data")
    _check_support(x, null_d, fixed_, "data")
    if isinstance(null_d, stats.rv_continuous) and np.ptp(x) == 0:
        raise ValueError(
            "`data` are constant: the maximum-likelihood fits of continuous families are "
            "degenerate."
        )
    nesting = _NESTINGS[key]
    pair = _NestedPair(null_d, alt_d, nesting, fixed_)
    f0, f1 = pair.fit(x)
    n = x.size
    lr = _lr_of(f0, f1)
    df = f1.n_free - f0.n_free
    notes = [nesting.note] if nesting.note else []
    null_distribution = None
    if method == "asymptotic":
        if n < nesting.min_n_asymptotic:
            warnings.warn(
                f"{null_d.name} within {alt_d.name} with n = {n}: the chi-square "
                "approximation is liberal below n = "
                f"{nesting.min_n_asymptotic} (simulated size 0.079 at alpha = 0.05 for "
                "n = 50; see the validation report). Use method='bootstrap'.",
                SmallSampleWarning,
                stacklevel=2,
            )
        if nesting.boundary:
            pvalue = 1.0 if lr <= 0 else 0.5 * float(stats.chi2.sf(lr, df))
            dist_name = "chi-bar-square"
        else:
            pvalue = float(stats.chi2.sf(lr, df))
            dist_name = "chi2"
        test_df: int | None = df
        method_label = "asymptotic"
    else:
        B = check_int(n_resamples, "n_resamples", minimum=1)
        gen = check_rng(rng)
        null_frozen = f0.frozen
        lrs = np.full(B, np.nan)
        for b in range(B):
            # one sample at a time: memory stays O(n) for large samples
            sim = np.asarray(null_frozen.rvs(size=n, random_state=gen), dtype=float)
            try:
                g0, g1 = pair.fit(sim)
            except ValueError:
                continue
            lrs[b] = _lr_of(g0, g1)
        ok = np.isfinite(lrs)
        n_ok = int(ok.sum())
        if n_ok < B:
            notes.append(f"{B - n_ok} of {B} bootstrap refits failed and were dropped.")
        tol = 1e-9 * max(1.0, abs(f1.llf))
        pvalue = (1.0 + float(np.sum(lrs[ok] >= lr - tol))) / (n_ok + 1.0)
        null_distribution = lrs
        dist_name = "parametric bootstrap"
        test_df = None
        method_label = f"parametric bootstrap ({B} resamples)"
    logratio = f1.logl - f0.logl
    quantity = f"KL gain of {f1.name} over {f0.name}, LR/(2n)"
    if nesting.boundary:
        # at a boundary null neither the ncx2 nor the Wald law of LR/(2n) holds
        effect = KLEstimate(
            estimate=lr / (2 * n),
            estimator="likelihood ratio",
            units="nats",
            nobs=n,
            bse=math.nan,
            quantity=quantity,
            sizes=(n,),
        )
    else:
        effect = _lr_effect(lr, df, n, logratio, quantity)
    block = Block(
        title="Fitted families (maximum likelihood)",
        headers=["Family", "Log-likelihood", "Free parameters", "Estimates"],
        stubs=["null", "alternative"],
        data=[[f.name, fmt(f.llf, 8), fmt(f.n_free), _fmt_params(f)] for f in (f0, f1)],
    )
    fixed_note = ", ".join(f"{k}={v:g}" for k, v in fixed_.items())
    if fixed_note:
        notes.append(f"Held fixed in both fits: {fixed_note}.")
    return KLTestResult(
        statistic=lr,
        pvalue=pvalue,
        df=test_df,
        nobs=n,
        method=method_label,
        null_hypothesis=f"the data come from the {f0.name} family",
        estimate=effect.estimate,
        estimator="likelihood ratio",
        distribution=dist_name,
        title=f"Likelihood-ratio test: {f0.name} within {f1.name}",
        alternative="greater",
        effect=effect,
        null_distribution=null_distribution,
        extras={
            "llf_null": f0.llf,
            "llf_alt": f1.llf,
            "df_diff": df,
            "boundary": nesting.boundary,
            "null_fit": f0.frozen,
            "alt_fit": f1.frozen,
        },
        notes=tuple(notes),
        blocks=(block,),
    )


# --------------------------------------------------------------------------- Vuong


@dataclass(frozen=True)
class _Loglik:
    """Per-observation log-likelihoods of one model, with what is known about it."""

    values: np.ndarray
    label: str
    n_params: int | None
    fit: Any = None  # frozen distribution when klstats fitted it
    results: Any = None  # statsmodels results
    endog: np.ndarray | None = None


def _sm_loglikeobs(res: Any, name: str) -> np.ndarray:
    """Per-observation log-likelihoods of a statsmodels fit, checked against ``llf``."""
    model = res.model
    params = np.asarray(res.params)
    values = None
    if _is_glm(model):  # no loglikeobs: rebuild llf's own terms
        family = model.family
        freq = np.asarray(getattr(model, "freq_weights", 1.0), dtype=float)
        if np.any(freq != 1):
            raise ValueError(
                f"`{name}`: GLM frequency weights make rows stand for several "
                "observations; pass expanded per-observation log-likelihoods instead."
            )
        from statsmodels.genmod import families

        mu = np.asarray(res.mu)
        endog = np.asarray(model.endog, dtype=float)
        scale = res.scale
        if isinstance(family, families.Gaussian) and isinstance(
            family.link, families.links.Power | families.links.Identity
        ):
            iw = np.asarray(getattr(model, "iweights", 1.0), dtype=float)
            scale = float(np.sum((endog - mu) ** 2 * iw) / model.wnobs)
        values = family.loglike_obs(endog, mu, model.var_weights, scale)
    elif hasattr(model, "loglikeobs"):
        try:
            values = model.loglikeobs(params)
        except (NotImplementedError, TypeError, ValueError):
            values = None
    if values is None and hasattr(res, "ssr") and hasattr(res, "resid"):
        # linear regression: normal log density at the ML variance ssr/n
        w = np.asarray(getattr(model, "weights", 1.0), dtype=float) * np.ones(int(res.nobs))
        resid = np.asarray(res.resid, dtype=float)
        sigma2 = float(np.sum(w * resid**2) / res.nobs)
        values = -0.5 * np.log(2 * np.pi * sigma2 / w) - w * resid**2 / (2 * sigma2)
    if values is None:
        raise TypeError(
            f"`{name}`: cannot get per-observation log-likelihoods from a "
            f"{type(model).__name__} model; pass them as an array."
        )
    values = np.asarray(values, dtype=float)
    if values.ndim != 1:
        raise ValueError(
            f"`{name}`: per-observation log-likelihoods have shape {values.shape}; "
            "expected one value per observation."
        )
    if not np.isclose(values.sum(), float(res.llf), rtol=1e-8, atol=1e-6):
        raise ValueError(
            f"`{name}`: the per-observation log-likelihoods do not add up to llf "
            f"({values.sum():.8g} vs {float(res.llf):.8g}; e.g. a GLS/robust fit); pass "
            "them as an array."
        )
    return values


def _as_loglik(obj: Any, name: str, data: np.ndarray | None) -> _Loglik:
    if _is_sm_results(obj):
        values = _sm_loglikeobs(obj, name)
        return _Loglik(values, _sm_label(obj), _sm_n_params(obj), None, obj, _sm_endog(obj))
    is_family = isinstance(obj, str | stats.rv_continuous | stats.rv_discrete)
    is_frozen = not is_family and (hasattr(obj, "logpdf") or hasattr(obj, "logpmf"))
    if is_family or is_frozen:
        if data is None:
            raise ValueError(
                f"`{name}` is a scipy.stats distribution: pass the observations as `data=`."
            )
        if is_family:
            dist = _family(obj, name)
            fixed = (
                {"loc": 0.0} if _is_positive(dist) or isinstance(dist, stats.rv_discrete) else {}
            )
            _check_support(data, dist, fixed, "data")
            if isinstance(dist, stats.rv_continuous) and np.ptp(data) == 0:
                raise ValueError("`data` are constant: maximum-likelihood fits are degenerate.")
            fit = _fit_family(dist, data, fixed)
            return _Loglik(fit.logl, fit.name, fit.n_free, fit.frozen)
        values = _logdens(obj, data)
        dist = getattr(obj, "dist", None)
        label = getattr(dist, "name", type(obj).__name__)
        bad = ~np.isfinite(values)
        if bad.any():
            raise ValueError(
                f"`{name}` ({label}) gives a non-finite log-likelihood at {int(bad.sum())} "
                f"observation(s), e.g. x = {data[bad][0]:g}: data outside its support."
            )
        return _Loglik(values, label, None, obj)
    try:
        a = as_samples(obj, name)
    except TypeError:
        raise TypeError(
            f"`{name}` must be per-observation log-likelihoods (1-D array), a statsmodels "
            f"results object or a scipy.stats distribution; got {type(obj).__name__}."
        ) from None
    if a.shape[1] != 1:
        raise ValueError(
            f"`{name}` must be 1-D per-observation log-likelihoods; got shape {a.shape}."
        )
    return _Loglik(a[:, 0], name, None)


def _vuong_statistic(lr_sum: float, omega2: float, n: int) -> float:
    if omega2 <= 0:
        return math.nan
    return lr_sum / (math.sqrt(n) * math.sqrt(omega2))


def _penalty(correction: str, k1: int | None, k2: int | None, n: int) -> float:
    if correction == "none":
        return 0.0
    if k1 is None or k2 is None:
        return math.nan
    if correction == "aic":
        return float(k1 - k2)
    return (k1 - k2) * math.log(n) / 2.0


def _wchisq_sf(x: float, weights: np.ndarray) -> float:
    """P(sum_j w_j Z_j^2 > x) for independent standard normals Z_j, w_j >= 0 (Imhof 1961).

    Imhof's inversion integral, split at ``c``: a plain quadrature on [0, c] and, beyond,
    Fourier-weighted quadrature (QAWF) of its slowly varying amplitude.
    """
    w = np.asarray(weights, dtype=float)
    w = w[w > 1e-10 * w.max()] if w.size and w.max() > 0 else w[:0]
    if w.size == 0:
        return 0.0 if x > 0 else 1.0
    if x <= 0:
        return 1.0
    if w.size == 1:
        return float(stats.chi2.sf(x / w[0], 1))

    def amp(u: float) -> float:
        return 0.5 * float(np.sum(np.arctan(w * u)))

    def rho(u: float) -> float:
        return float(np.prod((1.0 + (w * u) ** 2) ** 0.25))

    def whole(u: float) -> float:
        if u == 0.0:
            return 0.5 * (float(w.sum()) - x)
        return math.sin(amp(u) - 0.5 * x * u) / (u * rho(u))

    c = 8.0 * math.pi / x
    head = integrate.quad(whole, 0.0, c, limit=200, epsabs=1e-13)[0]
    omega = 0.5 * x
    t1 = integrate.quad(
        lambda u: math.sin(amp(u)) / (u * rho(u)),
        c,
        np.inf,
        weight="cos",
        wvar=omega,
        epsabs=1e-13,
    )[0]
    t2 = integrate.quad(
        lambda u: math.cos(amp(u)) / (u * rho(u)),
        c,
        np.inf,
        weight="sin",
        wvar=omega,
        epsabs=1e-13,
    )[0]
    p = 0.5 + (head + t1 - t2) / math.pi
    return float(min(1.0, max(0.0, p)))


def _scores_hessian(res: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-observation scores (n, p) and the Hessian of the log-likelihood (p, p) in
    every estimated parameter of a statsmodels fit."""
    model = res.model
    params = np.asarray(res.params, dtype=float)
    if _is_glm(model):
        from statsmodels.genmod import families

        family = model.family
        if not isinstance(family, families.Poisson | families.Binomial):
            raise ValueError(
                f"`{name}`: the variance test needs the scores of every estimated "
                f"parameter, but the scale of this {type(family).__name__} GLM is "
                "estimated outside `params`. Use a GLM with a fixed scale (Poisson, "
                "Binomial) or a discrete model."
            )
        scores = model.score_obs(params, scale=1.0)
        hess = model.hessian(params, scale=1.0, observed=True)
    elif hasattr(res, "ssr"):
        raise ValueError(
            f"`{name}`: the variance test needs the scores of every estimated parameter; "
            "the error variance of a linear regression is not in `params`. Fit it as a "
            "GLM or pass a likelihood model."
        )
    else:
        try:
            scores = model.score_obs(params)
            hess = model.hessian(params)
        except (AttributeError, NotImplementedError) as exc:
            raise ValueError(
                f"`{name}`: the variance test needs `score_obs` and `hessian` of the model "
                f"({exc})."
            ) from None
    scores = np.asarray(scores, dtype=float)
    hess = np.asarray(hess, dtype=float)
    if scores.ndim != 2 or hess.shape != (scores.shape[1], scores.shape[1]):
        raise ValueError(f"`{name}`: unexpected shapes of scores/Hessian for the variance test.")
    return scores, hess


def _vuong_weights(r1: Any, r2: Any, n: int) -> np.ndarray:
    """Squared eigenvalues of Vuong's (1989, eq. 3.6) W: the weights of the chi-square
    mixture that n * omega2 follows when the two models' pseudo-true densities coincide."""
    s1, h1 = _scores_hessian(r1, "model1")
    s2, h2 = _scores_hessian(r2, "model2")
    # A: information (minus the mean Hessian); B: mean outer products of the scores
    try:
        a1_inv = np.linalg.inv(-h1 / n)
        a2_inv = np.linalg.inv(-h2 / n)
    except np.linalg.LinAlgError:
        raise ValueError(
            "The variance test needs invertible Hessians; a model's Hessian is singular "
            "(collinear regressors or a parameter at a boundary)."
        ) from None
    b1 = s1.T @ s1 / n
    b2 = s2.T @ s2 / n
    b12 = s1.T @ s2 / n
    w = np.block([[-b1 @ a1_inv, -b12 @ a2_inv], [b12.T @ a1_inv, b2 @ a2_inv]])
    lam = np.linalg.eigvals(w).real
    return lam**2


# below this many observations Vuong's normal approximation can be liberal with fitted
# models (validation report: size 0.070 at alpha = 0.05, 0.024 at 0.01 for n = 50;
# 0.055 and 0.014 at n = 100)
_VUONG_MIN_N = 100


def vuong_test(
    model1: Any,
    model2: Any,
    *,
    n_params: tuple[int, int] | None = None,
    correction: str | None = None,
    data: Any = None,
    variance_test: bool = False,
) -> KLTestResult:
    r"""Vuong's (1989) test of two models that need not be nested.

    H0: the two models are equally close to the truth in KL divergence,
    E[log f1(Y) - log f2(Y)] = 0, against one of them being closer.

    Parameters
    ----------
    model1, model2 : array_like, statsmodels results, or scipy.stats distribution
        Each model as one of

        - per-observation log-likelihoods, a 1-D array (same length for both, in the
          same order of observations);
        - a fitted statsmodels results object (discrete models, GLM, OLS/WLS): its
          per-observation log-likelihoods are computed and checked against ``llf``, and
          its number of parameters is read;
        - a scipy.stats family or its name (``scipy.stats.lognorm``, ``"gamma"``): it
          is fitted to `data` by maximum likelihood (location held at 0 for positive
          families) and its free parameters are counted; any continuous family, and
          the discrete ``poisson``, ``nbinom`` and ``geom`` (the geometric on
          {0, 1, 2, ...}, as in :func:`lr_test_distributions`);
        - a fitted (frozen) scipy.stats distribution, evaluated at `data` (its
          parameter count is unknown: give `n_params` for a correction).
    n_params : tuple of int, optional
        ``(p1, p2)``, the numbers of estimated parameters; overrides what is read from
        statsmodels results or counted for fitted families. Needed for `correction`
        when a model is given as an array or a frozen distribution.
    correction : {None, "aic", "bic"}, optional
        Penalised numerator: LR_n - (p1 - p2) (Akaike) or LR_n - (p1 - p2) log(n) / 2
        (Schwarz). ``None``: the raw statistic.
    data : array_like, optional
        The observations, required when a model is a scipy.stats family or frozen
        distribution.
    variance_test : bool, optional
        Also run Vuong's test of H0: omega^2 = 0 (the two models' best-fitting densities
        coincide), needed before the Z test when the models overlap (see Notes). Only
        for statsmodels likelihood models whose ``params`` hold every estimated
        parameter (discrete models, GLMs with a fixed scale).

    Returns
    -------
    KLTestResult
        ``statistic`` = Z; ``pvalue`` = the two-sided p-value 2 P(N(0,1) > \|Z\|)
        (H1: one of the models is closer); ``estimate`` = the numerator over n (the mean
        log-likelihood ratio, penalised when a correction is asked for), an estimate of
        D(truth || model2) - D(truth || model1) in nats, with a Wald interval from
        ``conf_int()``. Extra attributes: ``omega2`` (1/n variance of the
        log-likelihood ratios), ``llr`` (their sum, uncorrected), ``correction``,
        ``pvalue_model1`` = P(N(0,1) >= Z) (H1: model 1 is closer), ``pvalue_model2`` =
        P(N(0,1) <= Z), ``favoured`` (``"model1"`` if Z > 0, ``"model2"`` if Z < 0),
        ``models``, ``llf``, ``n_params``, ``fits`` (fitted distributions, if any), and
        with ``variance_test=True``: ``omega2_statistic`` (n omega^2),
        ``omega2_pvalue``, ``omega2_weights``.

    Raises
    ------
    ValueError
        If the log-likelihood arrays differ in length, contain NaN or inf, hold fewer
        than 2 observations, the statsmodels fits have different dependent variables,
        data fall outside a fitted family's support, a correction needs parameter
        counts that are unknown, or the variance test is not available for the models.
    TypeError
        If a model is of an unsupported type.

    Warns
    -----
    DegenerateDataWarning
        If all log-likelihood ratios are equal (omega^2 = 0): Z and the p-values are
        NaN.

    See Also
    --------
    lr_test, lr_test_distributions : for nested models.

    Notes
    -----
    With l_i = log f1(y_i) - log f2(y_i), LR_n = sum l_i and
    omega^2 = (1/n) sum (l_i - mean(l))^2 (Vuong 1989, eq. 4.2),
    Z = LR_n / (sqrt(n) omega) is asymptotically N(0, 1) under H0 for strictly
    non-nested models (no density in common). R's ``pscl::vuong`` divides by
    ``sd()`` (n - 1), so its Z is smaller by the factor sqrt((n - 1)/n); nonnest2 uses
    the 1/n variance like this function.

    The two-sided p-value is reported as ``pvalue`` because H0 is symmetric in the
    two models; the one-sided p-values of both directions are given too (``pscl``
    prints the one in the direction of the sign of Z).

    Overlapping models (both can produce the same density, e.g. two regressions with
    different covariates that both contain the intercept-only model): if their
    best-fitting densities coincide, omega^2 = 0 and Z is degenerate. Vuong's
    sequential procedure first tests omega^2 = 0: n omega^2 tends to a weighted sum of
    chi2(1) variables with weights the squared eigenvalues of his matrix W (built from
    the Hessians and score cross-products of both models), evaluated here by Imhof's
    (1961) inversion formula. Only when that test rejects is the Z test meaningful.
    Nested models are better tested with :func:`lr_test`. The normal approximation can
    be poor when the models have many parameters or omega^2 is small (Shi 2015).

    Per-observation log-likelihoods with NaN or inf are rejected rather than dropped
    (``pscl`` drops them with a message): a non-finite log-likelihood means the data
    are outside a model's support.

    References
    ----------
    .. [1] Vuong, Q. H. (1989). Likelihood ratio tests for model selection and
           non-nested hypotheses. Econometrica 57(2):307-333. doi:10.2307/1912557
    .. [2] Imhof, J. P. (1961). Computing the distribution of quadratic forms in
           normal variables. Biometrika 48:419-426.
    .. [3] Merkle, E. C., You, D. and Preacher, K. J. (2016). Testing nonnested
           structural equation models. Psychological Methods 21:151-163.
    .. [4] Shi, X. (2015). A nondegenerate Vuong test. Quantitative Economics
           6(1):85-121.

    Examples
    --------
    Which fits the lengths of North American rivers better, the lognormal or the gamma?

    >>> import klstats as kls
    >>> rivers = kls.datasets.load("rivers")["length_miles"]
    >>> res = kls.vuong_test("lognorm", "gamma", data=rivers)
    >>> print(f"Z = {res.statistic:.3f}, p = {res.pvalue:.2g}, favoured: {res.favoured}")
    Z = 4.609, p = 4e-06, favoured: model1
    >>> print(f"KL advantage of the lognormal: {res.estimate:.4f} nats per observation")
    KL advantage of the lognormal: 0.1191 nats per observation

    From per-observation log-likelihoods, with Schwarz's correction:

    >>> import numpy as np
    >>> from scipy import stats
    >>> x = np.asarray(rivers, dtype=float)
    >>> l1 = stats.lognorm(*stats.lognorm.fit(x, floc=0)).logpdf(x)
    >>> l2 = stats.expon(*stats.expon.fit(x, floc=0)).logpdf(x)
    >>> res = kls.vuong_test(l1, l2, n_params=(2, 1), correction="bic")
    >>> print(f"Z = {res.statistic:.3f}, one-sided p (model 1 closer) = {res.pvalue_model1:.2g}")
    Z = 7.642, one-sided p (model 1 closer) = 1.1e-14
    """
    corr = "none" if correction is None else check_choice(correction, "correction", ("aic", "bic"))
    x = None if data is None else _as_data(data)
    m1 = _as_loglik(model1, "model1", x)
    m2 = _as_loglik(model2, "model2", x)
    if data is not None and m1.fit is None and m2.fit is None:
        raise ValueError("`data` is used only with scipy.stats distributions; got none.")
    l1, l2 = m1.values, m2.values
    if l1.size != l2.size:
        raise ValueError(
            f"`model1` and `model2` must give one log-likelihood per observation for the "
            f"same observations; got {l1.size} and {l2.size}."
        )
    n = l1.size
    if n < 2:
        raise ValueError(f"At least 2 observations are needed; got {n}.")
    for m, name in ((m1, "model1"), (m2, "model2")):
        bad = ~np.isfinite(m.values)
        if bad.any():
            raise ValueError(
                f"`{name}` has non-finite log-likelihoods at {int(bad.sum())} observation(s) "
                "(NaN or inf: data outside the model's support?)."
            )
    if (
        m1.endog is not None
        and m2.endog is not None
        and (m1.endog.shape != m2.endog.shape or not np.allclose(m1.endog, m2.endog))
    ):
        raise ValueError(
            "`model1` and `model2` were fitted to different dependent variables; Vuong's "
            "test compares two models of the same observations."
        )
    k1, k2 = m1.n_params, m2.n_params
    if n_params is not None:
        if not isinstance(n_params, tuple | list) or len(n_params) != 2:
            raise TypeError(f"`n_params` must be a pair (p1, p2); got {n_params!r}.")
        k1 = check_int(n_params[0], "n_params[0]", minimum=0)
        k2 = check_int(n_params[1], "n_params[1]", minimum=0)
    if corr != "none" and (k1 is None or k2 is None):
        raise ValueError(
            f"`correction={corr!r}` needs the numbers of parameters of both models; pass "
            "`n_params=(p1, p2)`."
        )
    diff = l1 - l2
    lr_sum = float(diff.sum())
    omega2 = float(np.mean((diff - diff.mean()) ** 2))
    notes: list[str] = []
    numer = lr_sum - _penalty(corr, k1, k2, n)
    z = _vuong_statistic(numer, omega2, n)
    if not math.isfinite(z):
        warnings.warn(
            "All per-observation log-likelihood ratios are equal (omega^2 = 0): the "
            "models cannot be told apart by Vuong's test; Z is NaN.",
            DegenerateDataWarning,
            stacklevel=2,
        )
    p_two = float(2 * special.ndtr(-abs(z))) if math.isfinite(z) else math.nan
    p1 = float(special.ndtr(-z)) if math.isfinite(z) else math.nan
    p2 = float(special.ndtr(z)) if math.isfinite(z) else math.nan
    favoured = "model1" if z > 0 else "model2" if z < 0 else "neither"
    extras: dict[str, Any] = {
        "omega2": omega2,
        "llr": lr_sum,
        "correction": corr,
        "pvalue_model1": p1,
        "pvalue_model2": p2,
        "favoured": favoured,
        "models": (m1.label, m2.label),
        "llf": (float(l1.sum()), float(l2.sum())),
        "n_params": (k1, k2),
        "fits": (m1.fit, m2.fit),
    }
    if variance_test:
        if m1.results is None or m2.results is None:
            raise ValueError(
                "`variance_test=True` needs the scores and Hessians of both models: pass "
                "statsmodels likelihood results for both."
            )
        weights = _vuong_weights(m1.results, m2.results, n)
        stat = n * omega2
        p_var = _wchisq_sf(stat, weights)
        extras.update(
            {"omega2_statistic": stat, "omega2_pvalue": p_var, "omega2_weights": weights}
        )
        notes.append(
            f"Variance test of H0: omega^2 = 0 (models indistinguishable): n*omega^2 = "
            f"{fmt(stat)}, p = {fmt_pvalue(p_var)}. If it does not reject, the Z test "
            "is not valid and the models cannot be discriminated with these data."
        )
    if n < _VUONG_MIN_N and math.isfinite(z):
        warnings.warn(
            f"Vuong's test with n = {n}: the normal approximation can be liberal below "
            f"n = {_VUONG_MIN_N} (simulated size 0.070 at alpha = 0.05 and 0.024 at 0.01 "
            "for two fitted one-parameter models at n = 50; see the validation report).",
            SmallSampleWarning,
            stacklevel=2,
        )
        notes.append(
            f"n = {n} < {_VUONG_MIN_N}: the normal approximation can be liberal (validation "
            "report)."
        )
    se = math.sqrt(omega2 / n)
    effect = KLEstimate(
        estimate=numer / n,
        estimator="Vuong" if corr == "none" else f"Vuong ({corr.upper()}-corrected)",
        units="nats",
        nobs=n,
        bse=se,
        quantity="D(truth||model2) - D(truth||model1)",
        sizes=(n,),
        _inference=_WaldInference(numer / n, se) if omega2 > 0 else None,
    )
    aic = [
        2 * k - 2 * float(ll.sum()) if k is not None else math.nan
        for k, ll in ((k1, l1), (k2, l2))
    ]
    bic = [
        k * math.log(n) - 2 * float(ll.sum()) if k is not None else math.nan
        for k, ll in ((k1, l1), (k2, l2))
    ]
    blocks = [
        Block(
            title="Models",
            headers=["Model", "Log-likelihood", "Parameters", "AIC", "BIC"],
            stubs=["model1", "model2"],
            data=[
                [m.label, fmt(float(m.values.sum()), 8), fmt(k), fmt(a, 8), fmt(b, 8)]
                for m, k, a, b in ((m1, k1, aic[0], bic[0]), (m2, k2, aic[1], bic[1]))
            ],
        )
    ]
    rows = []
    for c in ("none", "aic", "bic"):
        zc = _vuong_statistic(lr_sum - _penalty(c, k1, k2, n), omega2, n)
        if c != "none" and not math.isfinite(_penalty(c, k1, k2, n)):
            continue
        rows.append(
            (
                {"none": "raw", "aic": "AIC-corrected", "bic": "BIC-corrected"}[c],
                [
                    fmt(zc),
                    fmt_pvalue(float(special.ndtr(-zc))) if math.isfinite(zc) else "nan",
                    fmt_pvalue(float(special.ndtr(zc))) if math.isfinite(zc) else "nan",
                ],
            )
        )
    blocks.append(
        Block(
            title="Vuong statistics",
            headers=["Z", "p (model1 closer)", "p (model2 closer)"],
            stubs=[r[0] for r in rows],
            data=[r[1] for r in rows],
        )
    )
    notes.append("omega^2 uses the 1/n variance (Vuong 1989, eq. 4.2).")
    return KLTestResult(
        statistic=z,
        pvalue=p_two,
        df=None,
        nobs=n,
        method="asymptotic (normal)",
        null_hypothesis="both models are equally close to the truth (KL divergence)",
        estimate=effect.estimate,
        estimator=effect.estimator,
        distribution="norm",
        title="Vuong test (non-nested models)",
        alternative="two-sided",
        effect=effect,
        extras=extras,
        notes=tuple(notes),
        blocks=tuple(blocks),
    )
