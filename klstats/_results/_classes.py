"""Result objects, statsmodels-style: one estimate result and a test result per family.

:class:`KLEstimate` is what every estimator returns. :class:`KLTestResult` is the base
of the test results; each test family has its own subclass with named attributes and a
summary written for it: :class:`GTestResult` (G-tests), :class:`LRTestResult`
(likelihood-ratio tests), :class:`VuongTestResult` (Vuong's test) and
:class:`ResamplingTestResult` (permutation and Monte Carlo tests with a KL or MI
statistic).

All are frozen dataclasses and plain data: they pickle, deep-copy and compare equal
field by field. Intervals are delegated to a private *inference* object that the
estimator attaches (it knows the data, the estimator and which interval methods are
sound for it), so the result classes hold no statistics of their own.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, NamedTuple, Protocol

import numpy as np
import pandas as pd

from .._base._validation import check_alpha, check_choice, check_resamples
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

__all__ = [
    "ConfidenceInterval",
    "GTestResult",
    "KLEstimate",
    "KLTestResult",
    "LRTestResult",
    "ResamplingTestResult",
    "VuongTestResult",
]

# Summaries of stochastic intervals use this seed, so a printed report is reproducible;
# call ``conf_int(rng=...)`` for other draws.
SUMMARY_SEED = 20261125


# interval methods whose limits are quantiles of resampling replicates
_RESAMPLING_METHODS = frozenset({"percentile", "basic", "bca", "subsampling"})


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


class ReadOnlyDict(dict):
    """A dict that refuses changes; unlike ``MappingProxyType`` it pickles and copies."""

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError(f"{type(self).__name__} is read-only")

    __setitem__ = __delitem__ = _refuse  # type: ignore[assignment]
    clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]
    __ior__ = _refuse  # type: ignore[assignment]

    def __reduce__(self):
        return (type(self), (dict(self),))

    def __repr__(self) -> str:
        return repr(dict(self))


# hand-written labels of estimators and options in summaries
ESTIMATOR_LABELS = {
    "plugin": "maximum likelihood",
    "miller-madow": "Miller-Madow",
    "zhang": "Zhang-Grabchak",
    "dirichlet": "Dirichlet pseudocounts",
    "shrink": "James-Stein shrinkage, Hausser-Strimmer",
    "chao-shen": "Chao-Shen",
    "grassberger": "Grassberger",
    "nsb": "Nemenman-Shafee-Bialek",
    "wang": "k-NN, Wang-Kulkarni-Verdú",
    "knn": "k-NN, Wang-Kulkarni-Verdú",
    "adaptive": "k-NN bias-reduced, Wang-Kulkarni-Verdú",
    "ksg1": "Kraskov-Stögbauer-Grassberger, algorithm 1",
    "ksg2": "Kraskov-Stögbauer-Grassberger, algorithm 2",
    "kl": "Kozachenko-Leonenko",
}


def estimator_label(key: str) -> str:
    """The estimator's name as passed (``estimator=``), with its authors in words."""
    words = ESTIMATOR_LABELS.get(key)
    return f"{key} ({words})" if words and words != key else key


OPTION_LABELS = {
    "prior": "Prior (pseudocount)",
    "alphabet": "Alphabet size",
    "lambda": "Shrinkage intensity",
    "lambda_": "Shrinkage intensity",
    "k": "Neighbours (k)",
    "ties": "Ties",
    "standardize": "Standardized",
    "metric": "Metric",
    "d": "Dimension (d)",
    "algorithm": "Neighbour search",
}
# options already shown elsewhere in the summary (the sample sizes)
_HIDDEN_OPTIONS = frozenset({"n", "m"})


def _frozen_mapping(d: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return ReadOnlyDict(dict(d or {}))


def seed_of(rng: Any) -> int | None:
    """The integer seed behind an ``rng`` argument, or None (a Generator, or no rng)."""
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool | np.bool_):
        return int(rng)
    return None


def _same(a: Any, b: Any) -> bool:
    """Equality of result fields: arrays and frames by value (NaN equal to NaN), frozen
    scipy distributions by family and parameters, containers element by element."""
    if a is b:
        return True
    if type(a) is not type(b):
        if isinstance(a, int | float | np.number) and isinstance(b, int | float | np.number):
            return _same(float(a), float(b))
        return False
    if isinstance(a, float | np.floating):
        return bool(a == b or (math.isnan(a) and math.isnan(b)))
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, pd.Series | pd.DataFrame | pd.Index):
        return bool(a.equals(b))
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if hasattr(a, "dist") and hasattr(a, "args") and hasattr(a, "kwds"):  # frozen scipy law
        return (
            a.dist.name == b.dist.name
            and _same(tuple(a.args), tuple(b.args))
            and _same(dict(a.kwds), dict(b.kwds))
        )
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _fields_equal(a: Any, b: Any, names: tuple[str, ...]) -> bool:
    return all(_same(getattr(a, n), getattr(b, n)) for n in names)


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
            dist = dist._rescaled(self._divisor, self.units)
        return float(low) / self._divisor, float(high) / self._divisor, note, dist, method

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
        else:
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
        "_divisor",
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
    effect: KLEstimate | None = None
    null_distribution: np.ndarray | None = None
    notes: tuple[str, ...] = ()
    blocks: tuple[Block, ...] = ()
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
        object.__setattr__(self, "blocks", tuple(self.blocks))
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                object.__setattr__(self, f.name, _readonly(value))

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


@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class GTestResult(KLTestResult):
    """Result of a G-test (:func:`~klstats.g_test`, :func:`~klstats.g_test_independence`,
    :func:`~klstats.g_test_homogeneity`).

    Besides the attributes of :class:`KLTestResult` (``statistic`` is G, after any
    correction; ``df`` is that of the chi-square law and None when the p-value is a
    Monte Carlo or exact one):

    Attributes
    ----------
    correction : str or None
        The correction applied: None, ``"williams"`` or ``"yates"``.
    williams_q : float
        Williams' (1976) correction factor q, computed whether or not it was applied
        (G / q is the corrected statistic).
    g_uncorrected : float
        G without any correction.
    ddof : int
        Parameters estimated from the data (goodness of fit; 0 for tables).
    chi2_df : int
        Degrees of freedom of the chi-square approximation, also when the p-value is
        Monte Carlo or exact.
    n_resamples : int or None
        Monte Carlo samples (``method="montecarlo"``), else None.
    n_outcomes : int or None
        Outcomes enumerated (``method="exact"``), else None.
    method_requested : str or None
        The ``method=`` argument as given (``"auto"`` by default); ``method`` is the
        one used.
    observed, expected, residuals, std_residuals
        Observed and expected counts, Pearson residuals (O - E) / sqrt(E) and
        standardized (adjusted) residuals; Series for goodness of fit (labelled like
        the input), DataFrames for tables.
    """

    correction: str | None = None
    williams_q: float = 1.0
    g_uncorrected: float = math.nan
    ddof: int = 0
    chi2_df: int | None = None
    n_resamples: int | None = None
    n_outcomes: int | None = None
    method_requested: str | None = None
    observed: Any = None
    expected: Any = None
    residuals: Any = None
    std_residuals: Any = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.correction == "none":
            object.__setattr__(self, "correction", None)
        object.__setattr__(self, "williams_q", float(self.williams_q))
        object.__setattr__(self, "g_uncorrected", float(self.g_uncorrected))

    def _has_counts(self) -> bool:
        return self.observed is not None and self.std_residuals is not None

    @property
    def _statistic_label(self) -> str:  # type: ignore[override]
        if self.correction == "williams":
            return "G statistic (Williams-corrected)"
        if self.correction == "yates":
            return "G statistic (Yates-corrected)"
        return "G statistic"

    def _df_label(self) -> str:
        return "Degrees of freedom (chi-square)"

    def _method_text(self) -> str:
        text = self._method_words()
        return text + (", chosen by method='auto'" if self.method_requested == "auto" else "")

    def _method_words(self) -> str:
        if self.method == "asymptotic":
            return "chi-square approximation"
        if self.method == "montecarlo" and self.n_resamples is not None:
            what = "tables" if getattr(self.observed, "ndim", 1) == 2 else "samples"
            return f"Monte Carlo ({self.n_resamples:,} {what})"
        if self.method == "exact" and self.n_outcomes is not None:
            return f"exact ({self.n_outcomes:,} outcomes)"
        return super()._method_text()

    def _effect_label(self) -> str:
        if getattr(self.observed, "ndim", 1) == 2:
            what = "JS divergence" if "homogeneity" in self.title else "mutual information"
            return f"Effect size: {what} ({self.units})"
        return f"Effect size: KL divergence ({self.units})"

    def _own_rows(self, alpha: float) -> list[tuple[str, str]]:
        rows = []
        if self.correction is not None:
            rows.append(("G (uncorrected)", fmt(self.g_uncorrected)))
        applied = "applied" if self.correction == "williams" else "not applied"
        rows.append(("Williams' q", f"{self.williams_q:.4f} ({applied})"))
        if self.ddof:
            rows.append(("Estimated parameters (ddof)", fmt(self.ddof)))
        return rows


@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class LRTestResult(KLTestResult):
    """Result of a likelihood-ratio test of nested models (:func:`~klstats.lr_test`,
    :func:`~klstats.lr_test_distributions`).

    ``statistic`` is LR = 2 (llf_alt - llf_null); ``df`` the difference in parameters
    when the p-value comes from a chi-square (or chi-bar-square) law, None for a
    parametric bootstrap.

    Attributes
    ----------
    llf_null, llf_alt : float
        Maximized log-likelihoods of the restricted (null) and full models
        (aliases :attr:`llf_restricted`, :attr:`llf_full`).
    df_diff : int
        Number of parameters the full model adds.
    n_params : tuple of int
        Numbers of (free) parameters of the restricted and full models.
    models : tuple of str
        Labels of the restricted and full models.
    boundary : bool
        Whether the null value lies on the boundary of the parameter space (then
        the reference law is a chi-bar-square mixture).
    null_fit, alt_fit : frozen scipy.stats distribution or None
        The fitted families (:func:`~klstats.lr_test_distributions`).
    n_resamples : int or None
        Parametric bootstrap samples (``method="bootstrap"``), else None.
    """

    llf_null: float
    llf_alt: float
    df_diff: int
    n_params: tuple[Any, Any] = (None, None)
    models: tuple[str, str] = ("restricted", "full")
    boundary: bool = False
    null_fit: Any = None
    alt_fit: Any = None
    n_resamples: int | None = None

    _statistic_label: ClassVar[str] = "LR statistic"

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "llf_null", float(self.llf_null))
        object.__setattr__(self, "llf_alt", float(self.llf_alt))
        object.__setattr__(self, "df_diff", int(self.df_diff))
        object.__setattr__(self, "n_params", tuple(self.n_params))
        object.__setattr__(self, "models", tuple(self.models))

    @property
    def llf_restricted(self) -> float:
        """Log-likelihood of the restricted model (same as :attr:`llf_null`)."""
        return self.llf_null

    @property
    def llf_full(self) -> float:
        """Log-likelihood of the full model (same as :attr:`llf_alt`)."""
        return self.llf_alt

    def _df_label(self) -> str:
        if self.distribution == "chi-bar-square":
            return "Degrees of freedom (chi-bar-square)"
        return "Degrees of freedom (chi-square)"

    def _method_text(self) -> str:
        if self.method == "bootstrap" and self.n_resamples is not None:
            return f"parametric bootstrap ({self.n_resamples:,} samples)"
        if self.distribution == "chi-bar-square":
            return "asymptotic (chi-bar-square: null on the boundary)"
        if self.method == "asymptotic":
            return "asymptotic (Wilks)"
        return super()._method_text()

    def _effect_label(self) -> str:
        return f"Effect size: KL gain, LR/(2n) ({self.units})"

    def _own_rows(self, alpha: float) -> list[tuple[str, str]]:
        rows = [
            ("Log-likelihood (restricted)", fmt(self.llf_null, 8)),
            ("Log-likelihood (full)", fmt(self.llf_alt, 8)),
        ]
        if self.df is None:
            rows.append(("Parameters added by the full model", fmt(self.df_diff)))
        return rows


@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class VuongTestResult(KLTestResult):
    """Result of Vuong's (1989) test of non-nested models (:func:`~klstats.vuong_test`).

    ``statistic`` is Vuong's Z (after the chosen correction), ``pvalue`` its two-sided
    p-value; ``df`` is None (the reference law is the standard normal).

    Attributes
    ----------
    omega2 : float
        ω², the variance of the per-observation log-likelihood ratios (1/n
        denominator, Vuong 1989, eq. 4.2).
    llr : float
        Sum of the per-observation log-likelihood ratios, model1 minus model2.
    correction : str or None
        None, ``"aic"`` or ``"bic"``.
    pvalue_model1, pvalue_model2 : float
        One-sided p-values against "model1 is closer to the truth" and against
        "model2 is closer".
    favoured : str
        ``"model1"``, ``"model2"`` or ``"neither"``: the sign of Z (alias
        :attr:`preferred`), whether significant or not.
    models : tuple of str
        Labels of the two models.
    llf : tuple of float
        Log-likelihoods of the two models.
    n_params : tuple
        Numbers of parameters (None where unknown).
    fits : tuple
        The fitted scipy.stats distributions when klstats fitted them, else None.
    omega2_statistic, omega2_pvalue : float or None
        The variance test of ω² = 0 (``variance_test=True``), else None.
    omega2_weights : ndarray or None
        Weights of the weighted chi-square law of that test.
    """

    omega2: float
    llr: float
    correction: str | None = None
    pvalue_model1: float = math.nan
    pvalue_model2: float = math.nan
    favoured: str = "neither"
    models: tuple[str, str] = ("model1", "model2")
    llf: tuple[float, float] = (math.nan, math.nan)
    n_params: tuple[Any, Any] = (None, None)
    fits: tuple[Any, Any] = (None, None)
    omega2_statistic: float | None = None
    omega2_pvalue: float | None = None
    omega2_weights: np.ndarray | None = None

    _statistic_label: ClassVar[str] = "Z statistic"
    _pvalue_label: ClassVar[str] = "p-value (two-sided)"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.correction == "none":
            object.__setattr__(self, "correction", None)
        object.__setattr__(self, "omega2", float(self.omega2))
        object.__setattr__(self, "llr", float(self.llr))
        for name in ("models", "llf", "n_params", "fits"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    @property
    def preferred(self) -> str:
        """The model the sign of Z points to (same as :attr:`favoured`)."""
        return self.favoured

    def _method_text(self) -> str:
        return "asymptotic (standard normal)"

    def _effect_label(self) -> str:
        return f"Effect size: KL difference per observation ({self.units})"

    def _own_rows(self, alpha: float) -> list[tuple[str, str]]:
        if self.favoured in ("model1", "model2"):
            label = self.models[0 if self.favoured == "model1" else 1]
            sig = "" if self.pvalue < alpha else f"; not significant at {alpha:g}"
            label = "" if label == self.favoured else f"{label}"
            inner = "; ".join(t for t in (label, sig.lstrip("; ")) if t)
            preferred = f"{self.favoured} ({inner})" if inner else self.favoured
        else:
            preferred = "neither"
        rows = [
            ("Preferred model", preferred),
            ("Log-likelihood ratio (sum)", fmt(self.llr, 6)),
            ("ω² (variance of the log-likelihood ratio)", fmt(self.omega2)),
        ]
        if self.correction is not None:
            rows.append(("Correction", self.correction.upper()))
        if self.omega2_statistic is not None:
            rows.append(("Variance test n·ω²", fmt(self.omega2_statistic)))
            rows.append(("Variance test p-value", fmt_pvalue(self.omega2_pvalue)))
        return rows


@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class ResamplingTestResult(KLTestResult):
    """Result of a resampling test with a KL or mutual-information statistic
    (:func:`~klstats.kl_test`, :func:`~klstats.independence_test`).

    ``statistic`` is the estimate itself (in ``units``); ``df`` is None; the p-value
    is (1 + #{T* >= T}) / (B + 1) over the resampled statistics in
    :attr:`null_distribution`.

    Attributes
    ----------
    n_resamples : int
        Number of permutations or Monte Carlo draws B.
    n_infinite_null : int
        Resampled statistics that are not finite (kept in the count).
    """

    n_resamples: int
    n_infinite_null: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "n_resamples", int(self.n_resamples))
        object.__setattr__(self, "n_infinite_null", int(self.n_infinite_null))

    @property
    def _statistic_label(self) -> str:  # type: ignore[override]
        return f"Statistic: estimate ({self.units})"

    def _method_text(self) -> str:
        if self.method == "permutation":
            return f"permutation ({self.n_resamples:,} permutations)"
        if self.method == "montecarlo":
            return f"Monte Carlo ({self.n_resamples:,} samples from the reference)"
        return super()._method_text()

    def _own_rows(self, alpha: float) -> list[tuple[str, str]]:
        rows = []
        if self.effect is not None:
            rows.append(("Quantity", self.effect.quantity))
            rows.append(("Estimator", estimator_label(self.estimator)))
        if self.n_infinite_null:
            rows.append(("Non-finite resampled statistics", fmt(self.n_infinite_null)))
        return rows
