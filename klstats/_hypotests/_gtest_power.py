"""Power and sample size of the G-test (noncentral chi-square approximation)."""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats

from .._base._validation import check_alpha, check_int, check_real
from .._results._classes import KLEstimate

__all__ = ["g_test_power"]


def _ncx2_sf(x: float, df: int, lam: float) -> float:
    """P(ncx2(df, lam) > x), also for noncentralities where scipy returns nan (beyond
    about 1e10; there the normal approximation, exact to many digits, is used)."""
    with np.errstate(all="ignore"):
        out = float(stats.ncx2.sf(x, df, lam)) if math.isfinite(lam) else math.nan
    if math.isnan(out):
        if math.isinf(lam):
            return 1.0
        sd = math.sqrt(2.0 * (df + 2.0 * lam))
        out = float(stats.norm.sf((x - df - lam) / sd))
    return out


def g_test_power(
    effect: float | KLEstimate,
    *,
    df: int,
    nobs: float | None = None,
    power: float | None = None,
    alpha: float = 0.05,
) -> float:
    r"""Power of the G-test, or the sample size that gives a target power.

    Under an alternative at KL divergence ``effect`` from the null, G is approximately
    noncentral chi-square with ``df`` degrees of freedom and noncentrality
    :math:`\lambda = 2 N D` (Mitra 1958, Ann. Math. Statist. 29:1221-1233; a Pitman-type
    approximation). Exactly one of ``nobs`` and ``power`` is None; that one is returned.

    Parameters
    ----------
    effect : float or KLEstimate
        The KL divergence D(P1 || P0) in nats (> 0): for goodness of fit the divergence
        of the alternative probabilities from the null ones; for independence the mutual
        information; for homogeneity the weighted JS divergence JS_w, with ``nobs`` =
        n + m. A :class:`~klstats.KLEstimate` (any units) is converted to nats.
    df : int
        Degrees of freedom of the test (K - 1, or (r - 1)(c - 1)).
    nobs : float, optional
        Total sample size N. Give it to compute the power.
    power : float, optional
        Target power in (``alpha``, 1). Give it to compute the sample size.
    alpha : float, optional
        Significance level (default 0.05).

    Returns
    -------
    float
        The power (when ``nobs`` is given), or the sample size N, not rounded (when
        ``power`` is given; round up with ``math.ceil``).

    Raises
    ------
    ValueError
        If both or neither of ``nobs`` and ``power`` are given, ``effect`` or ``nobs``
        is not positive and finite, ``power`` is not in (``alpha``, 1), ``alpha`` is not
        in (0, 1), or ``df`` < 1.
    TypeError
        For non-numeric arguments.

    Notes
    -----
    The approximation is accurate when the alternative is close to the null (D of
    order 1/N). Cohen's w^2 = sum (p1 - p0)^2 / p0 gives nearly the same noncentrality
    (statsmodels ``GofChisquarePower`` uses N w^2).

    References
    ----------
    .. [1] Cohen, J. *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed.,
           Erlbaum (1988), ch. 7.

    Examples
    --------
    Four categories, null uniform, alternative (0.3, 0.3, 0.2, 0.2), N = 200:

    >>> import klstats as kls
    >>> d = kls.kl_divergence([3, 3, 2, 2], reference=[1, 1, 1, 1]).estimate
    >>> print(f"{kls.g_test_power(d, df=3, nobs=200):.4f}")
    0.6574
    >>> n = kls.g_test_power(d, df=3, power=0.8)
    >>> print(f"N = {n:.1f}")
    N = 270.7
    """
    if isinstance(effect, KLEstimate):
        effect = effect._units.to_nats(effect.estimate)
    effect = check_real(effect, "effect", low=0.0, low_open=True)
    df = check_int(df, "df", minimum=1)
    alpha = check_alpha(alpha)
    if (nobs is None) == (power is None):
        raise ValueError(
            "Give exactly one of `nobs` (to compute the power) and `power` (to compute the "
            "sample size); the other must be None."
        )
    crit = float(stats.chi2.isf(alpha, df))
    if power is None:
        n = check_real(nobs, "nobs", low=0.0, low_open=True)
        return _ncx2_sf(crit, df, 2.0 * n * effect)
    target = check_real(power, "power", low=alpha, high=1.0, low_open=True, high_open=True)

    def excess(lam: float) -> float:
        return _ncx2_sf(crit, df, lam) - target

    hi = max(1.0, crit)
    while excess(hi) < 0:
        hi *= 2.0
    lam = optimize.brentq(excess, 0.0, hi, xtol=1e-12, rtol=1e-12)
    return lam / (2.0 * effect)
