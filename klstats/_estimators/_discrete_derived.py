"""Divergences built from the count estimators of :mod:`klstats._estimators._discrete`:
cross-entropy H(P) + D(P||Q) and the Jensen-Shannon divergence."""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np

from .._base._validation import align_counts, as_counts, check_base, nobs_of
from .._inference._intervals import CountInference, Pivot
from .._kernels._counts import ENTROPY_KERNELS, h_plugin, js_plugin
from .._results._classes import KLEstimate
from ._discrete import (
    _HINT_JS,
    _as_known,
    _chi2_div,
    _exact,
    _labels_note,
    _log,
    _var_log_ratio,
    kl_divergence,
)

__all__ = ["cross_entropy", "jensen_shannon"]


def _cross_entropy_statistic(h_stat: Any, d_stat: Any, xb: Any, *rest: Any) -> Any:
    """H(P) + D(P||Q) of resampled counts (a module-level function, so it pickles)."""
    return h_stat(xb) + d_stat(xb, *rest)


def cross_entropy(
    p: Any,
    q: Any = None,
    *,
    reference: Any = None,
    estimator: str = "plugin",
    base: float | None = None,
    known: bool = False,
    rescale: bool = False,
    **options: Any,
) -> KLEstimate:
    """Cross-entropy H(P, Q) = H(P) + D(P||Q) from counts.

    Computed as ``entropy(p, estimator)`` plus ``kl_divergence(p, q, estimator)`` with
    the same estimator, so the identity holds exactly for every estimator. With a known
    Q (``reference``) the plug-in, Miller-Madow, jackknife and Zhang estimates all equal
    the unbiased ``-sum p_hat log q``.

    Parameters
    ----------
    p, q, reference, estimator, base, known, rescale, **options
        As for :func:`kl_divergence` (``known=True``: the exact -sum p log q of two
        known distributions).

    Returns
    -------
    KLEstimate
        Wald interval by default (the cross-entropy is not at a boundary).

    Raises
    ------
    ValueError
        For negative, NaN, infinite, empty or all-zero counts, arrays of different
        lengths, both or neither of ``q`` and ``reference``, negative or non-finite
        reference probabilities, 2-D input, an unknown estimator or option value, or
        ``base`` <= 0 or == 1.
    TypeError
        For non-numeric counts (labels: use :func:`tabulate`) or an unknown option.

    Warns
    -----
    InfiniteEstimateWarning
        When the estimate is infinite, as for :func:`kl_divergence`.

    Examples
    --------
    >>> import klstats as kls
    >>> h = kls.cross_entropy([1, 1], reference=[0.5, 0.5], base=2)
    >>> print(f"{h.estimate:.4f}")
    1.0000
    """
    if known:
        d = kl_divergence(
            p, q, reference=reference, estimator=estimator, known=True, rescale=rescale, **options
        )
        pk = _as_known(p, "p", rescale).values
        return _exact(
            float(h_plugin(pk)) + d.estimate,
            "cross-entropy H(P,Q)",
            "both distributions are",
            base,
        )
    d = kl_divergence(
        p, q, reference=reference, estimator=estimator, base=None, rescale=rescale, **options
    )
    inf_d: CountInference = d._inference  # type: ignore[assignment]
    h_opts = {k: v for k, v in options.items() if k != "prior_q"}
    h_stat = partial(ENTROPY_KERNELS[d.estimator], **h_opts)
    h = float(h_stat(inf_d.data[0]))
    units = check_base(base)
    value = h + d.estimate
    x = inf_d.data[0]
    ph = x / x.sum()
    n_tot = float(x.sum())
    if inf_d.design == "one":
        stat_d = inf_d.statistic
        qv = stat_d.keywords["q"]
        with np.errstate(divide="ignore"):
            var = _var_log_ratio(ph, _log(qv)) / n_tot

        stat = partial(_cross_entropy_statistic, h_stat, stat_d)
        data: tuple[np.ndarray, ...] = (x,)
    else:
        y = inf_d.data[1]
        qh = y / y.sum()
        with np.errstate(divide="ignore"):
            var = _var_log_ratio(ph, _log(qh)) / n_tot + _chi2_div(ph, qh) / float(y.sum())

        stat = partial(_cross_entropy_statistic, h_stat, inf_d.statistic)
        data = (x, y)
    se = math.sqrt(var) if math.isfinite(var) else math.nan
    inf = CountInference(
        value, se, data, inf_d.design, stat, None, "wald", symbol="H(P,Q)", plugin=False
    )
    return KLEstimate(
        estimate=units.from_nats(value),
        estimator=d.estimator,
        units=units.name,
        nobs=d.nobs,
        bse=units.from_nats(se),
        quantity="cross-entropy H(P,Q)",
        sizes=d.sizes,
        options=d.options,
        notes=d.notes,
        _inference=inf,
        _units=units,
    )


def jensen_shannon(
    p: Any, q: Any, *, base: float | None = None, known: bool = False, rescale: bool = False
) -> KLEstimate:
    """Jensen-Shannon divergence JS(P, Q) = D(P||M)/2 + D(Q||M)/2, M = (P+Q)/2.

    The divergence itself, not its square root (``scipy.spatial.distance.jensenshannon``
    returns the square root). Always finite, at most log 2 nats.

    Parameters
    ----------
    p, q : array_like or pandas Series
        Counts of samples from P and Q; Series are aligned on their labels (a
        labelled Series beside an unlabelled array is refused). Probabilities
        (non-integer values adding up to 1) are refused: use ``known=True``.
    base : float, optional
        Logarithm base; None (default) gives nats, 2 bits (then JS <= 1).
    known : bool, optional
        ``True``: ``p`` and ``q`` are the distributions themselves (probabilities,
        or whole-number ratios), and the exact JS divergence is returned without
        sampling inference.
    rescale : bool, optional
        With ``known=True``: rescale probabilities that do not sum to 1.

    Returns
    -------
    KLEstimate
        ``conf_int()`` inverts the noncentral chi-square law of 8 n_eff JS,
        n_eff = nm/(n+m) (the Pearson homogeneity statistic to first order).

    Raises
    ------
    ValueError
        For negative, NaN, infinite, empty or all-zero counts, arrays of different
        lengths, 2-D input, or ``base`` <= 0 or == 1.
    TypeError
        For non-numeric counts (labels: use :func:`tabulate`).

    Examples
    --------
    >>> import klstats as kls
    >>> js = kls.jensen_shannon([50, 50], [90, 10])
    >>> print(f"{js.estimate:.6f}")
    0.101749
    >>> exact = kls.jensen_shannon([0.5, 0.5], [0.9, 0.1], known=True)
    >>> print(f"{exact.estimate:.6f} ({exact.estimator})")
    0.101749 (exact)
    """
    units = check_base(base)
    if known:
        cp, cq = align_counts(_as_known(p, "p", rescale), _as_known(q, "q", rescale), ("p", "q"))
        return _exact(
            float(js_plugin(cp.values, cq.values)),
            "Jensen-Shannon divergence JS(P,Q)",
            "both distributions are",
            base,
        )
    cx, cy = align_counts(
        as_counts(p, "p", probabilities_hint=_HINT_JS),
        as_counts(q, "q", probabilities_hint=_HINT_JS),
        ("p", "q"),
    )
    x, y = cx.values, cy.values
    value = float(js_plugin(x, y))
    n, m = x.sum(), y.sum()
    ph, qh = x / n, y / m
    mid = (ph + qh) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        var = (
            _var_log_ratio(ph, 0.5 * (_log(ph) - _log(mid))) / n
            + _var_log_ratio(qh, 0.5 * (_log(qh) - _log(mid))) / m
        )
    n_eff = 1.0 / (1.0 / n + 1.0 / m)  # n m / (n + m) without overflow
    df = int(((x + y) > 0).sum()) - 1
    pivot = Pivot(8 * n_eff * value, df, 8 * n_eff)
    inf = CountInference(
        value,
        math.sqrt(var),
        (x, y),
        "two",
        js_plugin,
        pivot,
        "ncx2-adjusted",
        bounds=(0.0, math.log(2.0)),
        symbol="JS",
    )
    return KLEstimate(
        estimate=units.from_nats(value),
        estimator="plugin",
        units=units.name,
        nobs=nobs_of(n + m),
        bse=units.from_nats(math.sqrt(var)),
        quantity="Jensen-Shannon divergence JS(P,Q)",
        sizes=(nobs_of(n), nobs_of(m)),
        notes=_labels_note(cx, "The counts of `p`") + _labels_note(cy, "The counts of `q`"),
        _inference=inf,
        _units=units,
    )
