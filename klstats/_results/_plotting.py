"""Plots of klstats results (matplotlib, an optional dependency: ``klstats[plot]``).

matplotlib is imported only when a plot is drawn, so ``import klstats`` never needs it.
Every function draws on the Axes it is given (a new figure when none is) and returns
that Axes, so plots compose with the caller's own figures.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._base._validation import check_int

__all__: list[str] = []  # private module

# |standardized residual| above this is flagged (about the two-sided 5% point of N(0, 1))
RESIDUAL_FLAG = 2.0
# G-test tables larger than this are drawn without per-cell annotations
_MAX_ANNOTATED_CELLS = 100


def pyplot() -> Any:
    """``matplotlib.pyplot``, or an ImportError saying how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            'Plotting needs matplotlib, an optional dependency: pip install "klstats[plot]".'
        ) from exc
    return plt


def _ticker() -> Any:
    import matplotlib.ticker

    return matplotlib.ticker


def check(ax: Any = None, bins: Any = None) -> None:
    """Fail early (before any resampling): matplotlib missing, a bad `ax` or `bins`."""
    pyplot()
    if ax is not None and not (hasattr(ax, "figure") and hasattr(ax, "plot")):
        raise TypeError(f"`ax` must be a matplotlib Axes or None; got {type(ax).__name__}.")
    if bins is not None:
        check_int(bins, "bins", minimum=1)


def _axes(ax: Any) -> Any:
    check(ax)
    if ax is None:
        _, ax = pyplot().subplots()
    return ax


def _check_bins(bins: Any, n: int) -> int:
    if bins is None:
        # about sqrt(n) bins, between 10 and 50
        return int(min(50, max(10, round(math.sqrt(max(n, 1))))))
    return check_int(bins, "bins", minimum=1)


def _fmt(v: float) -> str:
    return f"{v:.4g}" if math.isfinite(v) else str(v)


def _count(v: float) -> str:
    # whole numbers for large counts (no 1.12e+03), three significant digits for small
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.3g}"


# =========================================================================== distributions


def distribution(
    dist: Any, interval: Any = None, ax: Any = None, *, bins: int | None = None
) -> Any:
    """Histogram of resampling replicates with the estimate and an interval marked.

    ``dist`` is a :class:`~klstats.BootstrapDistribution` (bootstrap or subsampling);
    ``interval`` a :class:`~klstats.ConfidenceInterval` or ``(low, high)``.
    """
    reps = np.asarray(dist.replicates, dtype=float)
    finite = reps[np.isfinite(reps)]
    bins = _check_bins(bins, finite.size)
    ax = _axes(ax)
    if finite.size:
        ax.hist(finite, bins=bins, color="0.78", edgecolor="0.45", linewidth=0.5)
    if math.isfinite(dist.estimate):
        ax.axvline(dist.estimate, color="C3", lw=2, label=f"estimate {_fmt(dist.estimate)}")
    if interval is not None:
        low, high = float(interval[0]), float(interval[1])
        method = getattr(interval, "method", None)
        level = getattr(interval, "alpha", None)
        what = "CI" if level is None else f"{1 - level:.0%} CI"
        if method:
            what += f" ({method})"
        lo_end = low if math.isfinite(low) else (finite.min() if finite.size else 0.0)
        hi_end = high if math.isfinite(high) else (finite.max() if finite.size else 0.0)
        ax.axvspan(
            min(lo_end, hi_end),
            max(lo_end, hi_end),
            color="C0",
            alpha=0.15,
            label=f"{what} [{_fmt(low)}, {_fmt(high)}]",
        )
        for v in (low, high):
            if math.isfinite(v):
                ax.axvline(v, color="C0", ls="--", lw=1.2)
    dropped = []
    if dist.n_infinite:
        dropped.append(f"{dist.n_infinite} infinite")
    if dist.n_nan:
        dropped.append(f"{dist.n_nan} undefined")
    title = f"{dist.n_resamples} replicates: {dist.scheme}"
    if dropped:
        title += f"\n({', '.join(dropped)} not shown)"
    ax.set_title(title, fontsize="medium")
    ax.set_xlabel(f"replicate ({dist.units})")
    ax.set_ylabel("count")
    ax.legend(fontsize="small")
    return ax


# =========================================================================== tests


def _null_reference(res: Any) -> tuple[str, Any] | None:
    """The asymptotic reference law of a test statistic, when it has one."""
    name = res.distribution
    if name == "chi2" and res.df is not None and res.df > 0:
        return "chi2", stats.chi2(res.df)
    if name == "chi-bar-square" and res.df is not None and res.df > 0:
        return "chi-bar-square", stats.chi2(res.df)
    if name == "norm":
        return "norm", stats.norm()
    return None


def null(res: Any, ax: Any = None, *, bins: int | None = None) -> Any:
    """The null distribution of a test statistic with the observed statistic marked.

    Resampling tests: a histogram of the resampled statistics. Asymptotic tests: the
    density of the reference law (chi-square, chi-bar-square, standard normal), with the
    tail beyond the statistic, whose probability is the p-value, shaded.
    """
    stat = float(res.statistic)
    has_null = res.null_distribution is not None
    reference = None if has_null else _null_reference(res)
    if not has_null and reference is None:
        raise ValueError(
            f"{res.title} (method {res.method!r}) has neither a resampled null "
            "distribution nor an asymptotic reference law to plot."
            + (" Use kind='counts'." if getattr(res, "observed", None) is not None else "")
        )
    check(ax, bins)
    ax = _axes(ax)
    label = f"statistic {_fmt(stat)}, p = {res.pvalue:.3g}"
    if has_null:
        values = np.asarray(res.null_distribution, dtype=float)
        finite = values[np.isfinite(values)]
        if finite.size:
            ax.hist(
                finite,
                bins=_check_bins(bins, finite.size),
                color="0.78",
                edgecolor="0.45",
                linewidth=0.5,
            )
        ax.set_ylabel("count")
        ax.set_title(f"{res.title}\nnull: {values.size} draws ({res.distribution})")
        n_off = values.size - finite.size
        if n_off:
            ax.set_title(ax.get_title() + f", {n_off} non-finite not shown")
    else:
        kind, law = reference  # type: ignore[misc]
        if kind == "norm":
            top = max(4.0, abs(stat) * 1.15 if math.isfinite(stat) else 4.0)
            grid = np.linspace(-top, top, 401)
        else:
            upper = law.ppf(0.999)
            if math.isfinite(stat):
                upper = max(upper, stat * 1.15)
            grid = np.linspace(0.0, upper, 401)[1:]
        dens = law.pdf(grid) * (0.5 if kind == "chi-bar-square" else 1.0)
        ax.plot(grid, dens, color="k", lw=1.5, label=_law_label(kind, res.df))
        if math.isfinite(stat):
            tail = np.abs(grid) >= abs(stat) if kind == "norm" else grid >= stat
            ax.fill_between(grid, dens, where=tail, color="C3", alpha=0.3)
        if kind == "chi-bar-square":
            ax.annotate(
                "mass 1/2 at 0",
                xy=(0, 0),
                xytext=(0.15, 0.6),
                textcoords="axes fraction",
                arrowprops={"arrowstyle": "->"},
            )
        ax.set_ylim(bottom=0)
        ax.set_ylabel("density")
        ax.set_title(f"{res.title}\nasymptotic null")
    if math.isfinite(stat):
        ax.axvline(stat, color="C3", lw=2, label=label)
    else:
        ax.plot([], [], color="C3", lw=2, label=label + " (off the axis)")
    ax.set_xlabel("statistic")
    ax.title.set_fontsize("medium")
    ax.legend(fontsize="small")
    return ax


def _law_label(kind: str, df: Any) -> str:
    if kind == "norm":
        return "N(0, 1)"
    if kind == "chi-bar-square":
        return f"½ χ²₀ + ½ χ²_{df}"
    return f"χ² with {df} df"


def _labels(values: Any, axis: int = 0) -> list[str]:
    if isinstance(values, pd.DataFrame):
        idx = values.index if axis == 0 else values.columns
        return [str(v) for v in idx]
    if isinstance(values, pd.Series):
        return [str(v) for v in values.index]
    return [str(i) for i in range(np.shape(values)[axis])]


def counts(res: Any, ax: Any = None) -> Any:
    """Observed against expected counts of a G-test, with standardized residuals.

    One-way (goodness of fit): bars of observed counts, expected counts as markers, and
    each category's standardized residual written above it (red beyond +-2). Two-way
    (independence, homogeneity): a heat map of the standardized residuals, each cell
    labelled with its observed and (expected) count.
    """
    try:
        obs, exp, resid = res.observed, res.expected, res.std_residuals
        if obs is None or exp is None or resid is None:
            raise AttributeError("no counts")
    except AttributeError:
        raise ValueError(
            f"{res.title} has no observed and expected counts to plot; use kind='null'."
        ) from None
    ax = _axes(ax)
    o, e, r = (np.asarray(v, dtype=float) for v in (obs, exp, resid))
    subtitle = f"G = {_fmt(res.statistic)}, p = {res.pvalue:.3g}"
    if o.ndim == 1:
        _counts_1d(ax, o, e, r, _labels(obs))
        ax.set_xlabel(getattr(getattr(obs, "index", None), "name", None) or "category")
    else:
        _counts_2d(ax, o, e, r, _labels(obs, 0), _labels(obs, 1))
        if isinstance(obs, pd.DataFrame):
            ax.set_ylabel(obs.index.name or "")
            ax.set_xlabel(obs.columns.name or "")
    ax.set_title(f"{res.title}\n{subtitle}", fontsize="medium")
    return ax


def _counts_1d(ax: Any, o: np.ndarray, e: np.ndarray, r: np.ndarray, labels: list[str]) -> None:
    pos = np.arange(o.size)
    ax.bar(pos, o, width=0.6, color="0.78", edgecolor="0.4", label="observed")
    ax.plot(pos, e, ls="none", marker="D", color="k", label="expected")
    top = float(np.nanmax(np.concatenate([o, e[np.isfinite(e)]]))) if o.size else 1.0
    for p, ov, ev, rv in zip(pos, o, e, r, strict=True):
        if not math.isfinite(rv):
            continue
        flag = abs(rv) > RESIDUAL_FLAG
        ax.annotate(
            f"{rv:+.1f}",
            xy=(p, max(ov, ev if math.isfinite(ev) else 0.0)),
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize="small",
            color="C3" if flag else "0.3",
            fontweight="bold" if flag else "normal",
        )
    ax.set_ylim(0, top * 1.15 if top > 0 else 1.0)
    ax.set_xticks(pos)
    ax.set_xticklabels(
        labels, rotation=45 if o.size > 8 else 0, ha="right" if o.size > 8 else "center"
    )
    ax.set_ylabel("count")
    ax.legend(title="numbers: std. residual", fontsize="small", title_fontsize="small")


def _counts_2d(
    ax: Any,
    o: np.ndarray,
    e: np.ndarray,
    r: np.ndarray,
    rows: list[str],
    cols: list[str],
) -> None:
    finite = r[np.isfinite(r)]
    lim = max(RESIDUAL_FLAG * 1.5, float(np.abs(finite).max()) if finite.size else 0.0)
    im = ax.imshow(np.where(np.isfinite(r), r, 0.0), cmap="RdBu_r", vmin=-lim, vmax=lim)
    ax.figure.colorbar(im, ax=ax, label="standardized residual")
    if o.size <= _MAX_ANNOTATED_CELLS:
        for i in range(o.shape[0]):
            for j in range(o.shape[1]):
                strong = math.isfinite(r[i, j]) and abs(r[i, j]) > lim * 0.6
                ax.text(
                    j,
                    i,
                    f"{_count(o[i, j])}\n({_count(e[i, j])})",
                    ha="center",
                    va="center",
                    fontsize="small",
                    color="w" if strong else "k",
                )
    ax.set_xticks(np.arange(len(cols)))
    ax.set_xticklabels(cols, rotation=45 if len(cols) > 6 else 0)
    ax.set_yticks(np.arange(len(rows)))
    ax.set_yticklabels(rows)
