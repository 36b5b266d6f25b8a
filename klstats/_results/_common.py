"""Pieces shared by the result classes: confidence intervals, the inference protocol,
labels of estimators, options and interval methods, read-only fields and field-by-field
equality."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple, Protocol

import numpy as np
import pandas as pd

__all__ = ["ConfidenceInterval"]

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
    "exact": "known distributions, no sampling",
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
