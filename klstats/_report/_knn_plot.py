"""``plot_knn_k``: a k-NN estimate against the neighbour order k (top layer: it calls the
k-NN estimators; the result plots it shares helpers with live in ``_results/_plotting.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .._base._docstrings import fill_doc
from .._base._validation import check_alpha, check_int, check_resamples, check_rng
from .._estimators._knn import kl_divergence_knn
from .._results._plotting import _axes, _ticker, check

__all__ = ["plot_knn_k"]


@fill_doc
def plot_knn_k(
    x: Any,
    y: Any = None,
    *,
    ks: Iterable[int] | None = None,
    func: Callable[..., Any] | None = None,
    intervals: bool = False,
    alpha: float = 0.05,
    n_resamples: int | None = None,
    rng: Any = None,
    ax: Any = None,
    **options: Any,
) -> Any:
    """Plot a k-nearest-neighbour estimate against the neighbour order k.

    Unweighted k-NN estimators trade bias (grows with k) for variance (shrinks with
    k); an estimate that drifts steadily with k warns that the samples are too small
    for the dimension or that the coordinates need scaling. For the weighted default
    estimators k is the number of neighbour orders averaged: their bias-cancelling
    weights should make the estimate level off as k grows. Plotting the estimate over
    a range of k is the usual check (see the k-NN guide).

    Parameters
    ----------
    x : array_like or pandas DataFrame, shape (n,) or (n, d)
        First sample, passed to `func` unchanged.
    y : array_like or pandas DataFrame, optional
        Second sample (two-sample KL, or the second variable for mutual information).
    ks : iterable of int, optional
        Values of k to evaluate. None (default): 2, 4, 8, ..., 64 (below the sample
        size) for the weighted estimators (``estimator`` omitted, ``"auto"`` or
        ``"weighted"``), 1 to 10 for the others.
    func : callable, optional
        The estimator: :func:`~klstats.kl_divergence_knn` (default),
        :func:`~klstats.entropy_knn` or :func:`~klstats.mutual_information_knn`, or
        anything called as ``func(x, [y,] k=k, **options)`` that returns a
        :class:`~klstats.KLEstimate`.
    intervals : bool, optional
        Draw each estimate's confidence interval (its default ``conf_int``: Wald for
        the weighted estimators, subsampling for the others) as an error bar. Default
        False.
    alpha : float, optional
        Significance level of the intervals.
    n_resamples : int, optional
        Subsamples per interval (None: the default of ``conf_int``).
    rng : `numpy.random.Generator`, optional
        Pseudorandom number generator state for the intervals (one generator for all
        of them; also passed to `func` when ``options`` contain ``ties="jitter"``).
        %(rng)s
    ax : matplotlib Axes, optional
        Where to draw; a new figure is created when omitted.
    **options
        Passed to `func`: ``reference=``, ``estimator=``, ``base=``,
        ``standardize=``, ...

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on. Its first line holds the estimates (``get_ydata()``).

    Raises
    ------
    ImportError
        If matplotlib is not installed (``pip install "klstats[plot]"``).
    ValueError
        If `ks` is empty or holds a value below 1, `alpha` is not in (0, 1), or `func`
        rejects the data or a value of k (e.g. k >= n).
    TypeError
        If `ks` holds a non-integer, `func` is not callable, or `ax` is not an Axes.

    See Also
    --------
    kl_divergence_knn, entropy_knn, mutual_information_knn

    Notes
    -----
    Each k is a separate call of `func` on the same data, so the curve shows the
    systematic change with k, not independent noise: neighbouring k share most of
    their neighbour distances. The k-NN estimators are consistent for any fixed k
    (Wang, Kulkarni & Verdú 2009), but their finite-sample bias depends on k and on
    the dimension. A flat stretch of the curve is necessary, not sufficient: in higher
    dimensions the whole curve can sit away from the truth (see the k-NN guide).

    References
    ----------
    .. [1] Q. Wang, S. R. Kulkarni and S. Verdú, "Divergence estimation for
       multidimensional densities via k-nearest-neighbor distances", IEEE Trans.
       Inf. Theory 55(5), 2392-2405 (2009).

    Examples
    --------
    >>> import numpy as np
    >>> import klstats as kls
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(0.0, 1.0, size=(500, 2))
    >>> y = rng.normal(0.5, 1.0, size=(500, 2))   # D(P||Q) = 0.25 nats
    >>> ax = kls.plot_knn_k(x, y)  # weighted estimator, k = 2, 4, ..., 64
    >>> print(", ".join(f"{v:.2f}" for v in ax.lines[0].get_ydata()))
    0.42, 0.32, 0.27, 0.26, 0.25, 0.24
    >>> ax = kls.plot_knn_k(x, y, ks=[1, 2, 4, 8], estimator="wang")
    >>> print(", ".join(f"{v:.2f}" for v in ax.lines[0].get_ydata()))
    0.32, 0.22, 0.22, 0.24
    """
    check(ax)
    if func is None:
        func = kl_divergence_knn
    if not callable(func):
        raise TypeError(f"`func` must be a callable estimator; got {type(func).__name__}.")
    if ks is None:
        if options.get("estimator", "auto") in ("auto", "weighted"):
            n = int(np.shape(x)[0]) if np.ndim(x) else 0
            ks = [k for k in (2, 4, 8, 16, 32, 64) if k < n - 1] or [1]
        else:
            ks = range(1, 11)
    if isinstance(ks, str | bytes) or not isinstance(ks, Iterable):
        raise TypeError(f"`ks` must be an iterable of integers; got {type(ks).__name__}.")
    k_values = [check_int(k, "ks", minimum=1) for k in ks]
    if not k_values:
        raise ValueError("`ks` is empty: give at least one neighbour order.")
    alpha = check_alpha(alpha)
    if n_resamples is not None:
        n_resamples = check_resamples(n_resamples)
    intervals = bool(intervals)
    gen = check_rng(rng)  # checked at the door, used only by intervals and jitter
    if options.get("ties") == "jitter":
        options["rng"] = gen
    ax = _axes(ax)

    results = []
    for k in k_values:
        args = (x,) if y is None else (x, y)
        results.append(func(*args, k=k, **options))
    est = np.array([float(r.estimate) for r in results])
    line = ax.plot(k_values, est, marker="o", color="C0", label="estimate")[0]
    if intervals:
        lims = np.array(
            [r.conf_int(alpha, n_resamples=n_resamples, rng=gen) for r in results], dtype=float
        )
        ax.errorbar(
            k_values,
            est,
            yerr=np.abs(np.vstack([est - lims[:, 0], lims[:, 1] - est])),
            fmt="none",
            ecolor="C0",
            capsize=3,
            label=f"{1 - alpha:.0%} CI",
        )
    first = results[0]
    quantity = getattr(first, "quantity", "estimate")
    units = getattr(first, "units", "")
    ax.set_xlabel("k (neighbour order)")
    ax.set_ylabel(f"{quantity} ({units})" if units else quantity)
    ax.set_title(f"{getattr(first, 'estimator', '')} estimate against k", fontsize="medium")
    if len(k_values) <= 12:
        ax.set_xticks(k_values)
    else:
        ax.xaxis.set_major_locator(_ticker().MaxNLocator(integer=True))
    if intervals:
        ax.legend(fontsize="small")
    line.set_gid("estimates")
    return ax
