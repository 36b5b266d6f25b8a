"""Result objects, statsmodels-style: :class:`KLEstimate`, what every estimator returns,
and :class:`KLTestResult`, the base of the test results. The subclass of each test
family (:class:`GTestResult`, :class:`LRTestResult`, :class:`VuongTestResult`,
:class:`ResamplingTestResult`) is in ``_test_results``; intervals, labels and equality
helpers they share are in ``_common``.

Size: about 850 lines for two classes, because their public methods (intervals, summary,
Markdown, dict, plots) are the package's result API and half of the lines are docstrings.

All are frozen dataclasses and plain data: they pickle, deep-copy and compare equal
field by field. Intervals are delegated to a private *inference* object that the
estimator attaches (it knows the data, the estimator and which interval methods are
sound for it), so the result classes hold no statistics of their own.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._base._validation import NATS, Units, check_alpha, check_choice, check_resamples
from ._common import (
    _HIDDEN_OPTIONS,
    _RESAMPLING_METHODS,
    METHOD_LABELS,
    OPTION_LABELS,
    SUMMARY_SEED,
    ConfidenceInterval,
    Inference,
    _fields_equal,
    _frozen_mapping,
    _readonly,
    estimator_label,
)
from ._summary import (
    Block,
    Parts,
    build_summary,
    fmt,
    fmt_pvalue,
    jsonable,
    markdown_fragment,
    versions,
)

__all__ = ["KLEstimate", "KLTestResult"]


class Deferred:
    """A result attribute computed on first access: ``Deferred(fn)`` passed as the value
    of a field declared with `_DeferredField` stands for ``fn()`` (called at most once).
    Tests pass their effect size and summary blocks this way, so a p-value does not pay
    for an interval or a formatted table nobody reads."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn


class _DeferredField:
    """Dataclass field descriptor resolving a `Deferred` value on first access."""

    def __init__(self, default: Any = None) -> None:
        self.default = default

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self.default  # the field's default
        value = obj.__dict__.get(self.name)
        if isinstance(value, Deferred):
            value = _readonly(value.fn())  # (arrays read-only, like every array field)
            obj.__dict__[self.name] = value
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.name] = value


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
    _units: Units = NATS

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
            n_resamples = check_resamples(
                n_resamples, work_per_resample=10.0 * max(self.nobs, 1), what="resampling"
            )
        boot = getattr(self._inference, "bootstrap", None)
        if boot is None or "bca" not in self.ci_methods:
            raise ValueError(
                f"The {self.estimator!r} estimate of {self.quantity} cannot be "
                f"bootstrapped; its interval methods are {self.ci_methods}."
            )
        kw = {} if progress is None else {"progress": progress}
        dist = boot(n_resamples, rng, **kw)
        return dist._rescaled(self._units)

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
        the histogram is the nonparametric bootstrap distribution, for comparison (for
        k-NN estimates, which cannot be bootstrapped, the subsampling distribution).
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
        if dist is None and "bca" not in self.ci_methods and "subsampling" in self.ci_methods:
            # a k-NN estimate with a Wald interval: its subsampling distribution, for comparison
            sub = self.conf_int(alpha, method="subsampling", n_resamples=n_resamples, rng=rng)
            dist = sub.distribution
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
            n_resamples = check_resamples(
                n_resamples, work_per_resample=10.0 * max(self.nobs, 1), what="resampling"
            )
        all_methods = tuple(METHOD_LABELS)
        if method is not None:
            method = check_choice(method, "method", all_methods)
        if self._inference is None or not self._inference.methods:
            if self.estimator == "exact":  # known=True: nothing was sampled
                raise ValueError(
                    f"No confidence interval: this {self.quantity} is the exact value for "
                    "the given distributions (known=True), without sampling inference. For "
                    "an interval, pass the counts of a sample instead."
                )
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
        if method in _RESAMPLING_METHODS and n_resamples is not None and n_resamples < 2:
            raise ValueError(
                f"`n_resamples`={n_resamples} is too few for a {method} interval: its limits "
                "are quantiles of at least 2 replicates (use 999 or more for a 95% interval)."
            )
        kw = {} if progress is None else {"progress": progress}
        low, high, note, *extra = self._inference.interval(method, alpha, n_resamples, rng, **kw)
        dist = extra[0] if extra else None
        if dist is not None and hasattr(dist, "_rescaled"):
            dist = dist._rescaled(self._units)
        low, high = self._units.from_nats(float(low)), self._units.from_nats(float(high))
        return low, high, note, dist, method

    # ------------------------------------------------------------------ output
    def _summary_rows(self, alpha: float):
        alpha = check_alpha(alpha)  # a bad level is an error, not "interval not available"
        rows = [
            ("Quantity", self.quantity),
            ("Estimator", estimator_label(self.estimator)),
            (f"Estimate ({self.units})", fmt(self.estimate)),
        ]
        if math.isfinite(self.bse):
            rows.append(("Std. error", fmt(self.bse)))
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
        if len(self.sizes) == 2:
            rows.append(("No. observations", f"{self.sizes[0]} (P), {self.sizes[1]} (Q)"))
        elif self.estimator != "exact":  # known=True: no observations behind the value
            rows.append(("No. observations", fmt(self.sizes[0] if self.sizes else self.nobs)))
        for key, value in self.options.items():
            if str(key) not in _HIDDEN_OPTIONS:
                rows.append((OPTION_LABELS.get(str(key), str(key)), fmt(value)))
        return rows, notes, ci

    def _parts(self, alpha: float = 0.05) -> Parts:
        rows, notes, _ = self._summary_rows(alpha)
        return Parts(f"Estimate of {self.quantity}", rows, notes)

    def summary(self, alpha: float = 0.05):
        """A statsmodels ``Summary``: ``as_text()``, ``as_html()`` (a styled HTML
        fragment), ``as_latex()``, ``as_markdown()``."""
        return build_summary(self._parts(alpha))

    def summary_markdown(self, alpha: float = 0.05) -> str:
        """The content of :meth:`summary` as a Markdown table."""
        return markdown_fragment(self._parts(alpha))

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

    _COMPARED: ClassVar[tuple[str, ...]] = (
        "estimate",
        "estimator",
        "units",
        "nobs",
        "bse",
        "quantity",
        "sizes",
        "options",
        "notes",
        "_units",
    )

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return _fields_equal(self, other, self._COMPARED)

    __hash__ = None  # type: ignore[assignment]

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


# words for the ``method`` values of the tests, used by summaries
TEST_METHOD_LABELS = {
    "asymptotic": "asymptotic",
    "montecarlo": "Monte Carlo",
    "exact": "exact",
    "permutation": "permutation",
    "bootstrap": "parametric bootstrap",
}


@dataclass(frozen=True, eq=False, repr=False)
class KLTestResult:
    """Result of a hypothesis test; ``statistic, pvalue = res`` unpacks.

    The base class of the test results. Each test family returns its own subclass
    (:class:`GTestResult`, :class:`LRTestResult`, :class:`VuongTestResult`,
    :class:`ResamplingTestResult`) with the attributes below and its own.

    Attributes
    ----------
    statistic : float
        Test statistic (G, LR, Z or the resampled estimate).
    pvalue : float
        p-value.
    df : float or None
        Degrees of freedom of the chi-square reference distribution (None when the
        p-value does not come from a chi-square law: resampling, exact, normal).
    nobs : int
        Number of observations.
    method : str
        How the p-value was obtained: the value of the test's ``method`` argument
        actually used (``"asymptotic"``, ``"montecarlo"``, ``"exact"``,
        ``"permutation"``, ``"bootstrap"``).
    null_hypothesis : str
        The null hypothesis, in words.
    estimate : float
        Effect size behind the statistic (a KL or MI estimate, in ``units``).
    units : str
        Units of ``estimate``.
    estimator : str
        Estimator of the effect size.
    distribution : str
        Reference law of the statistic: ``"chi2"``, ``"chi-bar-square"``, ``"norm"``,
        or the resampling scheme (``"montecarlo"``, ``"exact"``, ``"permutation"``,
        ``"bootstrap"``).
    title : str
        Title of the summary.
    alternative : str
        ``"greater"`` (large statistics are evidence against the null) or
        ``"two-sided"``.
    effect : KLEstimate or None
        The estimate result of the effect size; ``conf_int`` delegates to it.
    null_distribution : ndarray or None
        The resampled statistics under the null (resampling tests), read-only.
    notes : tuple of str
        Notes printed below the summary.
    blocks : tuple
        Extra tables of the summary.
    seed : int or None
        The integer seed passed as ``rng``, when the test drew random numbers from
        one; passing it back reproduces the result exactly.
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
    effect: KLEstimate | None = _DeferredField()  # type: ignore[assignment]  # or Deferred
    null_distribution: np.ndarray | None = None
    notes: tuple[str, ...] = ()
    blocks: tuple[Block, ...] = _DeferredField(())  # type: ignore[assignment]  # or Deferred
    seed: int | None = None

    _unpack: ClassVar[tuple[str, ...]] = ("statistic", "pvalue")
    _statistic_label: ClassVar[str] = "Statistic"
    _pvalue_label: ClassVar[str] = "p-value"

    def __post_init__(self) -> None:
        object.__setattr__(self, "statistic", float(self.statistic))
        object.__setattr__(self, "pvalue", float(self.pvalue))
        object.__setattr__(self, "estimate", float(self.estimate))
        object.__setattr__(self, "nobs", int(self.nobs))
        if self.df is not None:
            df = float(self.df)
            object.__setattr__(self, "df", int(df) if df.is_integer() else df)
        if self.seed is not None:
            object.__setattr__(self, "seed", int(self.seed))
        object.__setattr__(self, "notes", tuple(self.notes))
        if not isinstance(self.__dict__.get("blocks"), Deferred):
            object.__setattr__(self, "blocks", tuple(self.blocks))
        for name, value in list(self.__dict__.items()):  # the fields (Deferred ones stay)
            if isinstance(value, np.ndarray):
                object.__setattr__(self, name, _readonly(value))

    def __getstate__(self) -> dict[str, Any]:
        for name, value in list(self.__dict__.items()):  # Deferred values are computed
            if isinstance(value, Deferred):
                getattr(self, name)
        return self.__dict__

    # ------------------------------------------------------------------ plain data
    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return _fields_equal(self, other, tuple(f.name for f in fields(self)))

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def _own_fields(cls) -> tuple[str, ...]:
        """Attributes of this test family beyond those of :class:`KLTestResult`."""
        base = {f.name for f in fields(KLTestResult)}
        return tuple(f.name for f in fields(cls) if f.name not in base)

    @property
    def extras(self) -> dict[str, Any]:
        """Deprecated: the test-specific attributes as a dict; read them as attributes."""
        warnings.warn(
            "`extras` is deprecated: read the test-specific values as attributes (e.g. "
            "res.expected, res.williams_q).",
            DeprecationWarning,
            stacklevel=2,
        )
        return {name: getattr(self, name) for name in self._own_fields()}

    # ------------------------------------------------------------------ tuple protocol
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

    def _has_counts(self) -> bool:
        return False

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
        else:
            kind = "counts" if self._has_counts() else "null"
        if kind == "counts":
            return _plotting.counts(self, ax)
        return _plotting.null(self, ax, bins=bins)

    # ------------------------------------------------------------------ summary
    def _method_text(self) -> str:
        return TEST_METHOD_LABELS.get(self.method, self.method)

    def _df_label(self) -> str:
        return "Degrees of freedom"

    def _effect_label(self) -> str:
        if self.effect is not None:
            q = self.effect.quantity
            return f"Effect size: {q} ({self.units})"
        return f"Effect size ({self.units})"

    def _own_rows(self, alpha: float) -> list[tuple[str, str]]:
        return []

    def _summary_parts(self, alpha: float):
        alpha = check_alpha(alpha)
        rows = [(self._statistic_label, fmt(self.statistic))]
        if self.df is not None:
            rows.append((self._df_label(), fmt(self.df)))
        rows += [(self._pvalue_label, fmt_pvalue(self.pvalue)), ("Method", self._method_text())]
        rows += self._own_rows(alpha)
        if not (self.estimate == self.statistic or math.isnan(self.estimate)):
            rows.append((self._effect_label(), fmt(self.estimate)))
        notes = [f"Null hypothesis: {self.null_hypothesis}."]
        ci = (math.nan, math.nan)
        if self.effect is not None and self.effect.ci_methods:
            _, enotes, ci = self.effect._summary_rows(alpha)
            if math.isfinite(ci[0]) or math.isfinite(ci[1]):
                rows.append((f"{1 - alpha:.0%} CI (effect size)", f"[{fmt(ci[0])}, {fmt(ci[1])}]"))
            notes += [n for n in enotes if n.startswith("Confidence interval")]
        if self.nobs > 0:  # 0: not known (e.g. lr_test of (llf, n_params) pairs)
            rows.append(("No. observations", fmt(self.nobs)))
        if self.seed is not None:
            rows.append(("Seed", fmt(self.seed)))
        notes += list(self.notes)
        return rows, notes, ci

    def _parts(self, alpha: float = 0.05, title: str | None = None) -> Parts:
        rows, notes, _ = self._summary_parts(alpha)
        return Parts(title or self.title, rows, notes, self.blocks)

    def summary(self, alpha: float = 0.05, title: str | None = None):
        """A statsmodels ``Summary``: ``as_text()``, ``as_html()`` (a styled HTML
        fragment), ``as_latex()``, ``as_markdown()``."""
        return build_summary(self._parts(alpha, title))

    def summary_markdown(self, alpha: float = 0.05, title: str | None = None) -> str:
        """The content of :meth:`summary` as Markdown tables."""
        return markdown_fragment(self._parts(alpha, title))

    def to_dict(self, alpha: float = 0.05) -> dict[str, Any]:
        """Everything needed to report and rerun this test, as plain JSON types.

        The test's statistic, p-value, df, method and null hypothesis; the attributes
        of its family (expected counts, correction, log-likelihoods, ...); the seed;
        the effect size with its interval (see :meth:`KLEstimate.to_dict`); and the
        package versions.
        """
        _, notes, _ = self._summary_parts(alpha)
        own = {}
        for name in self._own_fields():
            value = getattr(self, name)
            if hasattr(value, "dist") and hasattr(value, "args"):  # frozen scipy law
                value = {"family": value.dist.name, "args": value.args, "kwds": value.kwds}
            elif isinstance(value, tuple) and any(hasattr(v, "dist") for v in value):
                value = [
                    {"family": v.dist.name, "args": v.args, "kwds": v.kwds}
                    if hasattr(v, "dist")
                    else v
                    for v in value
                ]
            own[name] = value
        return jsonable(
            {
                "kind": "test",
                "type": type(self).__name__,
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
                "seed": self.seed,
                **own,
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
            f"{type(self).__name__}(statistic={self.statistic:.6g}, pvalue={self.pvalue:.4g}, "
            f"df={self.df}, estimate={self.estimate:.6g}, method={self.method!r})"
        )

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()
