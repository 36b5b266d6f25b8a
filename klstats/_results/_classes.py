"""Result objects: one estimate result and one test result, statsmodels-style.

Both are frozen dataclasses. Intervals are delegated to a private *inference*
object that the estimator attaches (it knows the data, the estimator and which
interval methods are sound for it), so the result classes hold no statistics of
their own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, NamedTuple, Protocol

import numpy as np
import pandas as pd

from .._base._validation import check_alpha, check_choice, check_int
from ._summary import Block, as_markdown, build_summary, fmt, fmt_pvalue, jsonable, versions

__all__ = ["ConfidenceInterval", "KLEstimate", "KLTestResult"]

# Summaries of stochastic intervals use this seed, so a printed report is reproducible;
# call ``conf_int(rng=...)`` for other draws.
SUMMARY_SEED = 20261125


class _Limits(NamedTuple):
    low: float
    high: float


class ConfidenceInterval(_Limits):
    """Lower and upper confidence limits; unpacks like ``(low, high)``.

    Besides the two limits it records how it was computed: ``method`` (the interval
    method actually used), ``alpha``, ``note`` (e.g. infinite bootstrap replicates, a
    BCa fallback) and ``distribution`` (the :class:`~klstats.BootstrapDistribution`
    behind a bootstrap interval, else None). These are attributes, not tuple items.
    """

    method: str | None
    alpha: float | None
    note: str | None
    distribution: Any

    def __new__(
        cls,
        low: float,
        high: float,
        *,
        method: str | None = None,
        alpha: float | None = None,
        note: str | None = None,
        distribution: Any = None,
    ) -> ConfidenceInterval:
        self = super().__new__(cls, low, high)
        self.__dict__.update(method=method, alpha=alpha, note=note, distribution=distribution)
        return self

    def __getnewargs_ex__(self):
        return (self.low, self.high), dict(self.__dict__)

    def plot(self, ax: Any = None, *, bins: int | None = None) -> Any:
        """Histogram of the resampling distribution with this interval marked.

        Needs matplotlib (``pip install "klstats[plot]"``) and an interval computed by
        resampling (bootstrap or subsampling), whose replicates are kept in
        :attr:`distribution`.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure is created when omitted.
        bins : int, optional
            Number of histogram bins (None: about the square root of the number of
            replicates, between 10 and 50).

        Returns
        -------
        matplotlib.axes.Axes

        Raises
        ------
        ValueError
            If the interval has no resampling distribution (e.g. ``method="ncx2"``).
        """
        from . import _plotting

        _plotting.check(ax, bins)
        if self.distribution is None:
            raise ValueError(
                f"This {self.method or 'analytic'} interval has no resampling distribution "
                "to plot; compute it with a bootstrap method (e.g. method='percentile'), "
                "or use the estimate's plot()."
            )
        return _plotting.distribution(self.distribution, self, ax, bins=bins)


class Inference(Protocol):
    """What an estimator attaches to its result so that intervals can be computed."""

    default_method: str
    methods: tuple[str, ...]
    stochastic: frozenset[str]

    def interval(
        self, method: str, alpha: float, n_resamples: int | None, rng: Any
    ) -> tuple[Any, ...]:
        """Limits in nats and an optional note for the summary, optionally followed by
        the resampling distribution behind them. Implementations may also accept a
        ``progress`` keyword (passed only when the user sets it)."""
        ...


METHOD_LABELS = {
    "wald": "Wald (delta method)",
    "ncx2": "noncentral chi-square inversion",
    "ncx2-adjusted": "noncentral chi-square inversion, variance-adjusted",
    "percentile": "bootstrap percentile",
    "basic": "bootstrap basic",
    "bca": "bootstrap BCa",
    "subsampling": "subsampling",
}


def _frozen_mapping(d: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(d or {}))


def _readonly(a: Any) -> Any:
    if isinstance(a, np.ndarray):
        a = a.copy()
        a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False, repr=False)
class KLEstimate:
    """Result of an estimator (KL divergence, entropy, mutual information, ...).

    Attributes
    ----------
    estimate : float
        The point estimate, in ``units``. Bias-corrected estimates are reported as
        computed, also when negative.
    estimator : str
        Name of the estimator (``"plugin"``, ``"zhang"``, ``"wang"``, ...).
    units : str
        ``"nats"``, ``"bits"``, ...
    nobs : int
        Number of observations (both samples together for two-sample estimates).
    bse : float
        Asymptotic standard error (delta method; NaN where none is defined).
    quantity : str
        What is estimated, e.g. ``"KL divergence D(P||Q)"``.
    sizes : tuple of int
        Sample sizes: ``(n,)``, or ``(n, m)`` for two samples.
    options : mapping
        Estimator options actually used (prior, K convention, k, ...).
    """

    estimate: float
    estimator: str
    units: str
    nobs: int
    bse: float
    quantity: str
    sizes: tuple[int, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    _inference: Inference | None = None
    _divisor: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", _frozen_mapping(self.options))
        object.__setattr__(self, "estimate", float(self.estimate))
        object.__setattr__(self, "bse", float(self.bse))
        object.__setattr__(self, "nobs", int(self.nobs))

    # ------------------------------------------------------------------ intervals
    @property
    def ci_methods(self) -> tuple[str, ...]:
        """Interval methods available for this estimate."""
        return () if self._inference is None else tuple(self._inference.methods)

    @property
    def default_ci_method(self) -> str | None:
        """The method ``conf_int(method=None)`` uses."""
        return None if self._inference is None else self._inference.default_method

    def conf_int(
        self,
        alpha: float = 0.05,
        *,
        method: str | None = None,
        n_resamples: int | None = None,
        rng: Any = None,
        progress: bool | None = None,
    ) -> ConfidenceInterval:
        """Confidence interval for the estimated quantity, at level ``1 - alpha``.

        Parameters
        ----------
        alpha : float, optional
            Significance level; the interval has nominal coverage ``1 - alpha``.
        method : str, optional
            One of :attr:`ci_methods`: ``"wald"`` (delta method), ``"ncx2"``
            (noncentral chi-square inversion), ``"ncx2-adjusted"`` (the same with the
            variance of the statistic estimated from the data), ``"percentile"``,
            ``"basic"``, ``"bca"`` (bootstrap), ``"subsampling"`` (k-NN). ``None`` picks
            :attr:`default_ci_method`, the method with honest coverage for this
            estimator (see the guide on intervals).
        n_resamples : int, optional
            Resamples for bootstrap or subsampling methods (``None``: 9999 bootstrap
            replicates, or the default of the subsampling method).
        rng : `numpy.random.Generator`, optional
            Pseudorandom number generator state for resampling methods. When `rng` is
            None, a new generator is created using entropy from the operating system.
            Types other than `numpy.random.Generator` are passed to
            `numpy.random.default_rng` to instantiate a ``Generator``.
        progress : bool, optional
            Progress bar for resampling (needs tqdm): ``None`` shows one only on a
            terminal and only for runs longer than a second, ``True`` always,
            ``False`` never.

        Returns
        -------
        ConfidenceInterval
            Named tuple ``(low, high)`` in :attr:`units`; its attributes ``method``,
            ``note`` and ``distribution`` (the bootstrap distribution, if any) say how
            it was computed.

        Raises
        ------
        ValueError
            If `alpha` is not in (0, 1), `method` is unknown or does not apply (the
            message lists those that do), or `n_resamples` < 1.
        TypeError
            If `n_resamples` is not an integer.

        Warns
        -----
        DegenerateDataWarning
            When a BCa interval is undefined (all replicates on one side of the
            estimate, or a non-finite jackknife value) and the percentile interval is
            reported instead, or when bootstrap replicates are undefined (nan).
        """
        low, high, note, dist, used = self._interval(alpha, method, n_resamples, rng, progress)
        return ConfidenceInterval(
            low, high, method=used, alpha=float(alpha), note=note, distribution=dist
        )

    def bootstrap_distribution(
        self,
        n_resamples: int | None = None,
        *,
        rng: Any = None,
        progress: bool | None = None,
    ) -> Any:
        """The nonparametric bootstrap distribution of the estimate.

        The one behind ``conf_int(method="percentile"|"basic"|"bca")`` with the same
        `n_resamples` and `rng`; with an integer seed the draws are computed once and
        reused by later intervals and summaries.

        Parameters
        ----------
        n_resamples : int, optional
            Number of replicates (default 9999).
        rng, progress
            As for :meth:`conf_int`.

        Returns
        -------
        BootstrapDistribution
            ``replicates`` (in :attr:`units`), ``n_infinite``, ``n_nan``,
            ``standard_error``, ``plot()``.

        Raises
        ------
        ValueError
            If the estimate cannot be bootstrapped (k-NN estimates: use
            ``conf_int(method="subsampling")``; counts that are not whole numbers).
        """
        if n_resamples is not None:
            n_resamples = check_int(n_resamples, "n_resamples", minimum=1)
        boot = getattr(self._inference, "bootstrap", None)
        if boot is None or "bca" not in self.ci_methods:
            raise ValueError(
                f"The {self.estimator!r} estimate of {self.quantity} cannot be "
                f"bootstrapped; its interval methods are {self.ci_methods}."
            )
        kw = {} if progress is None else {"progress": progress}
        dist = boot(n_resamples, rng, **kw)
        return dist._rescaled(self._divisor, self.units)

    def plot(
        self,
        ax: Any = None,
        *,
        alpha: float = 0.05,
        method: str | None = None,
        n_resamples: int | None = None,
        rng: Any = None,
        bins: int | None = None,
    ) -> Any:
        """Plot the resampling distribution of the estimate with its interval marked.

        A histogram of the bootstrap replicates (subsampling estimates for k-NN
        estimates), the estimate, and the confidence interval ``conf_int(alpha,
        method=method, ...)`` shaded. For an analytic interval (``"ncx2"``, ``"wald"``)
        the histogram is the nonparametric bootstrap distribution, for comparison.
        Needs matplotlib (``pip install "klstats[plot]"``).

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure is created when omitted.
        alpha, method, n_resamples, rng
            As for :meth:`conf_int`.
        bins : int, optional
            Number of histogram bins (None: about the square root of the number of
            replicates, between 10 and 50).

        Returns
        -------
        matplotlib.axes.Axes

        Raises
        ------
        ValueError
            As for :meth:`conf_int`; also when there is no resampling distribution to
            show (an analytic interval of an estimate that cannot be bootstrapped).

        Notes
        -----
        Subsample estimates come from samples of a fraction f of the data, so they
        spread about sqrt((1 - f) / f) times wider than the interval, which is
        rescaled to the full sample size.

        Examples
        --------
        >>> import klstats as kls
        >>> d = kls.kl_divergence([30, 20, 10, 5, 1], reference=[0.3, 0.3, 0.2, 0.1, 0.1])
        >>> ax = d.plot(method="bca", n_resamples=999, rng=1)
        >>> print(ax.get_xlabel())
        replicate (nats)
        """
        from . import _plotting

        _plotting.check(ax, bins)
        # the analytic intervals draw nothing: `rng` (an int seed reuses cached
        # replicates) then serves the bootstrap distribution alone
        ci = self.conf_int(alpha, method=method, n_resamples=n_resamples, rng=rng)
        dist = ci.distribution
        if dist is None:
            if "bca" not in self.ci_methods:
                raise ValueError(
                    f"The {ci.method} interval of the {self.estimator!r} estimate has no "
                    "resampling distribution to plot, and the estimate cannot be "
                    f"bootstrapped; its interval methods are {self.ci_methods}."
                )
            dist = self.bootstrap_distribution(n_resamples, rng=rng)
        return _plotting.distribution(dist, ci, ax, bins=bins)

    def _interval(self, alpha, method, n_resamples, rng, progress=None):
        alpha = check_alpha(alpha)
        if n_resamples is not None:
            n_resamples = check_int(n_resamples, "n_resamples", minimum=1)
        all_methods = tuple(METHOD_LABELS)
        if method is not None:
            method = check_choice(method, "method", all_methods)
        if self._inference is None or not self._inference.methods:
            raise ValueError(
                f"No confidence interval is available for the {self.estimator!r} "
                f"estimate of {self.quantity}."
            )
        if method is None:
            method = self._inference.default_method
        if method not in self._inference.methods:
            why = getattr(self._inference, "unavailable_reason", "")
            why = f" {why}" if why else ""
            raise ValueError(
                f"`method={method!r}` does not apply to the {self.estimator!r} estimate of "
                f"{self.quantity}; use one of {tuple(self._inference.methods)}." + why
            )
        kw = {} if progress is None else {"progress": progress}
        low, high, note, *extra = self._inference.interval(method, alpha, n_resamples, rng, **kw)
        dist = extra[0] if extra else None
        if dist is not None and hasattr(dist, "_rescaled"):
            dist = dist._rescaled(self._divisor, self.units)
        return float(low) / self._divisor, float(high) / self._divisor, note, dist, method

    # ------------------------------------------------------------------ output
    def _summary_rows(self, alpha: float):
        rows = [
            ("Quantity", self.quantity),
            ("Estimator", self.estimator),
            (f"Estimate ({self.units})", fmt(self.estimate)),
            ("Std. error", fmt(self.bse)),
        ]
        notes = list(self.notes)
        ci = (math.nan, math.nan)
        if self._inference is not None and self._inference.methods:
            method = self._inference.default_method
            rng = SUMMARY_SEED if method in self._inference.stochastic else None
            try:
                lo, hi, note, dist, method = self._interval(alpha, None, None, rng)
            except ValueError as exc:  # e.g. too few points to subsample
                notes.append(f"Confidence interval not available: {exc}")
            else:
                ci = (lo, hi)
                rows.append((f"{1 - alpha:.0%} CI", f"[{fmt(lo)}, {fmt(hi)}]"))
                label = METHOD_LABELS.get(method, method)
                if dist is not None:
                    label += f", {dist.n_resamples} resamples, seed {rng}"
                notes.append(f"Confidence interval: {label}." + (f" {note}" if note else ""))
        sizes = ", ".join(str(s) for s in self.sizes) if self.sizes else str(self.nobs)
        rows.append(("No. observations", sizes))
        for key, value in self.options.items():
            rows.append((str(key), fmt(value)))
        return rows, notes, ci

    def summary(self, alpha: float = 0.05):
        """A statsmodels ``Summary`` (``as_text()``, ``as_html()``, ``as_latex()``)."""
        rows, notes, _ = self._summary_rows(alpha)
        return build_summary(f"Estimate of {self.quantity}", rows, notes)

    def summary_markdown(self, alpha: float = 0.05) -> str:
        """The content of :meth:`summary` as a Markdown table."""
        rows, notes, _ = self._summary_rows(alpha)
        return as_markdown(f"Estimate of {self.quantity}", rows, notes)

    def to_dict(self, alpha: float = 0.05) -> dict[str, Any]:
        """Everything needed to report and rerun this estimate, as plain JSON types.

        Records the quantity, estimator and its options, sample sizes, units, the
        default interval (method, level, limits, and the seed used for a resampling
        interval), and the versions of klstats, numpy, scipy, pandas and statsmodels.
        """
        _, notes, (lo, hi) = self._summary_rows(alpha)
        method = self.default_ci_method
        stochastic = self._inference is not None and method in self._inference.stochastic
        return jsonable(
            {
                "kind": "estimate",
                "quantity": self.quantity,
                "estimator": self.estimator,
                "options": dict(self.options),
                "estimate": self.estimate,
                "units": self.units,
                "bse": self.bse,
                "nobs": self.nobs,
                "sizes": list(self.sizes),
                "conf_int": {
                    "alpha": alpha,
                    "method": method,
                    "low": lo,
                    "high": hi,
                    "seed": SUMMARY_SEED if stochastic else None,
                },
                "notes": notes,
                "versions": versions(),
            }
        )

    def summary_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """One-row DataFrame: estimate, bse, ci_lower, ci_upper, units, estimator, nobs."""
        _, _, (lo, hi) = self._summary_rows(alpha)
        return pd.DataFrame(
            {
                "estimate": [self.estimate],
                "bse": [self.bse],
                "ci_lower": [lo],
                "ci_upper": [hi],
                "units": [self.units],
                "estimator": [self.estimator],
                "nobs": [self.nobs],
            },
            index=pd.Index([self.quantity], name="quantity"),
        )

    def __float__(self) -> float:
        return self.estimate

    def __format__(self, spec: str) -> str:
        # f"{res:.3f}" formats the estimate, like a float
        return format(self.estimate, spec) if spec else repr(self)

    def __repr__(self) -> str:
        return (
            f"KLEstimate(quantity={self.quantity!r}, estimate={self.estimate:.6g}, "
            f"estimator={self.estimator!r}, units={self.units!r}, nobs={self.nobs})"
        )

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()


@dataclass(frozen=True, eq=False, repr=False)
class KLTestResult:
    """Result of a hypothesis test; ``statistic, pvalue = res`` unpacks.

    Attributes
    ----------
    statistic : float
        Test statistic (G, LR, Z or the resampled estimate).
    pvalue : float
        p-value.
    df : float or None
        Degrees of freedom of the reference distribution (None for resampling nulls).
    nobs : int
        Number of observations.
    method : str
        How the p-value was obtained (``"asymptotic"``, ``"montecarlo"``, ...).
    null_hypothesis : str
        The null hypothesis, in words.
    estimate : float
        Effect size behind the statistic (a KL or MI estimate, in ``units``).
    units : str
        Units of ``estimate``.
    effect : KLEstimate or None
        The estimate result of the effect size; ``conf_int`` delegates to it.
    """

    statistic: float
    pvalue: float
    df: float | None
    nobs: int
    method: str
    null_hypothesis: str
    estimate: float
    units: str = "nats"
    estimator: str = "plugin"
    distribution: str = "chi2"
    title: str = "KL divergence test"
    alternative: str = "greater"
    effect: KLEstimate | None = None
    null_distribution: np.ndarray | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    blocks: tuple[Block, ...] = ()

    _unpack: ClassVar[tuple[str, ...]] = ("statistic", "pvalue")

    def __post_init__(self) -> None:
        object.__setattr__(self, "statistic", float(self.statistic))
        object.__setattr__(self, "pvalue", float(self.pvalue))
        object.__setattr__(self, "estimate", float(self.estimate))
        object.__setattr__(self, "nobs", int(self.nobs))
        if self.df is not None:
            df = float(self.df)
            object.__setattr__(self, "df", int(df) if df.is_integer() else df)
        object.__setattr__(self, "null_distribution", _readonly(self.null_distribution))
        extras = {k: _readonly(v) for k, v in dict(self.extras).items()}
        object.__setattr__(self, "extras", _frozen_mapping(extras))

    # extra, test-specific values (expected counts, correction, omega2, ...) read as attributes
    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        extras = self.__dict__.get("extras", {})
        if name in extras:
            return extras[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __iter__(self):
        return (getattr(self, n) for n in self._unpack)

    def __len__(self) -> int:
        return len(self._unpack)

    def __getitem__(self, i):
        return tuple(self)[i]

    def conf_int(
        self,
        alpha: float = 0.05,
        *,
        method: str | None = None,
        n_resamples: int | None = None,
        rng: Any = None,
        progress: bool | None = None,
    ) -> ConfidenceInterval:
        """Confidence interval for the effect size :attr:`estimate`.

        See :meth:`KLEstimate.conf_int` for the parameters.
        """
        if self.effect is None:
            check_alpha(alpha)
            raise ValueError(f"{self.title} has no effect size with a confidence interval.")
        return self.effect.conf_int(
            alpha, method=method, n_resamples=n_resamples, rng=rng, progress=progress
        )

    def plot(self, ax: Any = None, *, kind: str | None = None, bins: int | None = None) -> Any:
        """Plot the test: its counts, or its null distribution with the statistic marked.

        Needs matplotlib (``pip install "klstats[plot]"``).

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure is created when omitted.
        kind : {None, "counts", "null"}, optional
            ``"counts"`` (G-tests): observed against expected counts with the
            standardized residuals; bars and markers for goodness of fit, a heat map
            of residuals for tables. ``"null"``: the resampled null distribution
            (permutation, Monte Carlo, parametric bootstrap), or else the density of
            the asymptotic reference law with the p-value's tail shaded. None
            (default): ``"counts"`` when the result has counts, else ``"null"``.
        bins : int, optional
            Histogram bins for a resampled null distribution (None: about the square
            root of the number of draws, between 10 and 50).

        Returns
        -------
        matplotlib.axes.Axes

        Raises
        ------
        ValueError
            If `kind` is unknown, or the test has no counts (``"counts"``) or no null
            law to plot (``"null"``, e.g. an exact test).

        Examples
        --------
        >>> import klstats as kls
        >>> res = kls.g_test([315, 108, 101, 32], [9, 3, 3, 1])
        >>> ax = res.plot()
        >>> print(ax.get_ylabel())
        count
        """
        from . import _plotting

        _plotting.check(ax, bins)
        if kind is not None:
            kind = check_choice(kind, "kind", ("counts", "null"))
        elif "observed" in self.extras and "std_residuals" in self.extras:
            kind = "counts"
        else:
            kind = "null"
        if kind == "counts":
            return _plotting.counts(self, ax)
        return _plotting.null(self, ax, bins=bins)

    def _summary_parts(self, alpha: float):
        rows = [
            ("Statistic", fmt(self.statistic)),
            ("Degrees of freedom", fmt(self.df)),
            ("p-value", fmt_pvalue(self.pvalue)),
            ("Method", self.method),
            (f"Effect size ({self.units})", fmt(self.estimate)),
        ]
        notes = [f"Null hypothesis: {self.null_hypothesis}"]
        ci = (math.nan, math.nan)
        if self.effect is not None and self.effect.ci_methods:
            _, enotes, ci = self.effect._summary_rows(alpha)
            rows.append((f"{1 - alpha:.0%} CI (effect)", f"[{fmt(ci[0])}, {fmt(ci[1])}]"))
            notes += [n for n in enotes if n.startswith("Confidence interval")]
        rows.append(("No. observations", fmt(self.nobs)))
        for key, value in self.extras.items():
            if isinstance(value, str | int | float | np.floating | np.integer) or value is None:
                rows.append((key.replace("_", " ").capitalize(), fmt(value)))
        notes += list(self.notes)
        return rows, notes, ci

    def summary(self, alpha: float = 0.05, title: str | None = None):
        """A statsmodels ``Summary`` (``as_text()``, ``as_html()``, ``as_latex()``)."""
        rows, notes, _ = self._summary_parts(alpha)
        return build_summary(title or self.title, rows, notes, self.blocks)

    def summary_markdown(self, alpha: float = 0.05, title: str | None = None) -> str:
        """The content of :meth:`summary` as Markdown tables."""
        rows, notes, _ = self._summary_parts(alpha)
        return as_markdown(title or self.title, rows, notes, self.blocks)

    def to_dict(self, alpha: float = 0.05) -> dict[str, Any]:
        """Everything needed to report and rerun this test, as plain JSON types.

        The test's statistic, p-value, df, method and null hypothesis; its extra values
        (expected counts, correction, seed, ...); the effect size with its interval
        (see :meth:`KLEstimate.to_dict`); and the package versions.
        """
        _, notes, _ = self._summary_parts(alpha)
        return jsonable(
            {
                "kind": "test",
                "title": self.title,
                "statistic": self.statistic,
                "pvalue": self.pvalue,
                "df": self.df,
                "nobs": self.nobs,
                "method": self.method,
                "distribution": self.distribution,
                "alternative": self.alternative,
                "null_hypothesis": self.null_hypothesis,
                "estimator": self.estimator,
                "estimate": self.estimate,
                "units": self.units,
                "extras": dict(self.extras),
                "effect": None if self.effect is None else self.effect.to_dict(alpha),
                "notes": notes,
                "versions": versions(),
            }
        )

    def summary_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """One-row DataFrame: statistic, df, pvalue, estimate, ci_lower, ci_upper, nobs, method."""
        _, _, (lo, hi) = self._summary_parts(alpha)
        return pd.DataFrame(
            {
                "statistic": [self.statistic],
                "df": [math.nan if self.df is None else float(self.df)],
                "pvalue": [self.pvalue],
                "estimate": [self.estimate],
                "ci_lower": [lo],
                "ci_upper": [hi],
                "nobs": [self.nobs],
                "method": [self.method],
            },
            index=pd.Index([self.title], name="test"),
        )

    def __repr__(self) -> str:
        return (
            f"KLTestResult(statistic={self.statistic:.6g}, pvalue={self.pvalue:.4g}, "
            f"df={self.df}, estimate={self.estimate:.6g}, method={self.method!r})"
        )

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()
