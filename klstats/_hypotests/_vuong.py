"""Vuong's (1989) test of non-nested (or overlapping) models.

Vuong's statistic is the standardised mean of the per-observation log-likelihood ratios,
whose expectation is D(truth || model 2) - D(truth || model 1). Holds the weighted
chi-square law of the variance test and the score/Hessian code it needs.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import integrate, special, stats

from .._base._samples import as_samples
from .._base._validation import check_choice, check_int
from .._base._warnings import DegenerateDataWarning, SmallSampleWarning
from .._inference._intervals import chi2_sf
from .._inference._lr_intervals import _WaldInference
from .._results._classes import KLEstimate
from .._results._summary import Block, fmt, fmt_pvalue
from .._results._test_results import VuongTestResult
from ._families import _as_data, _check_support, _family, _fit_family, _is_positive, _logdens
from ._lr import _is_glm, _is_sm_results, _sm_endog, _sm_label, _sm_n_params

__all__ = ["vuong_test"]


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
        return chi2_sf(x / w[0], 1)

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
) -> VuongTestResult:
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
    VuongTestResult
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
    variance: dict[str, Any] = {}
    if variance_test:
        if m1.results is None or m2.results is None:
            raise ValueError(
                "`variance_test=True` needs the scores and Hessians of both models: pass "
                "statsmodels likelihood results for both."
            )
        weights = _vuong_weights(m1.results, m2.results, n)
        stat = n * omega2
        p_var = _wchisq_sf(stat, weights)
        variance.update(
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
    return VuongTestResult(
        statistic=z,
        pvalue=p_two,
        df=None,
        nobs=n,
        method="asymptotic",
        null_hypothesis="both models are equally close to the truth (KL divergence)",
        estimate=effect.estimate,
        estimator=effect.estimator,
        distribution="norm",
        title="Vuong test (non-nested models)",
        alternative="two-sided",
        effect=effect,
        notes=tuple(notes),
        blocks=tuple(blocks),
        omega2=omega2,
        llr=lr_sum,
        correction=corr,
        pvalue_model1=p1,
        pvalue_model2=p2,
        favoured=favoured,
        models=(m1.label, m2.label),
        llf=(float(l1.sum()), float(l2.sum())),
        n_params=(k1, k2),
        fits=(m1.fit, m2.fit),
        **variance,
    )
