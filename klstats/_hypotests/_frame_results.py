"""Results of the whole-table comparisons: :class:`FrameComparison` and
:class:`MutualInformationFrame` (summary, Markdown, dict, HTML, plot)."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from .._base._validation import check_alpha, check_int
from .._results._classes import KLEstimate, KLTestResult
from .._results._common import _fields_equal
from .._results._summary import (
    Block,
    Parts,
    as_markdown,
    build_summary,
    fmt,
    fmt_pvalue,
    jsonable,
    versions,
)
from ._frame_columns import CORRECTION_LABELS, LOG2

__all__ = ["FrameComparison", "MutualInformationFrame"]


# =========================================================================== results


def _fmt_ci(lo: float, hi: float) -> str:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return ""
    return f"[{fmt(lo)}, {fmt(hi)}]"


class _FrameResult:
    """Shared behaviour of the whole-table results (summary, Markdown, dict, HTML)."""

    title = ""
    _sort_by = "effect"

    def _interval(self, name: Hashable) -> tuple[float, float] | None:  # pragma: no cover
        raise NotImplementedError

    @property
    def _frame(self) -> pd.DataFrame:
        """The table with the intervals, computed on first use (p-values, flags and
        adjusted p-values need none)."""
        if "frame" not in self._cache:
            f = self._table.copy()
            for name in f.index:
                if np.isnan(f.at[name, "ci_lower"]):
                    ci = self._interval(name)
                    if ci is not None:
                        f.at[name, "ci_lower"], f.at[name, "ci_upper"] = ci
            self._cache["frame"] = f
        return self._cache["frame"]

    def _sorted(self) -> pd.DataFrame:
        return self._frame.sort_values(self._sort_by, ascending=False, na_position="last")

    def _block(self, alpha: float) -> Block:  # pragma: no cover - abstract
        raise NotImplementedError

    def _header(self) -> list[tuple[str, str]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _notes(self) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _dict_head(self) -> dict[str, Any]:  # pragma: no cover - abstract
        """The settings that open :meth:`to_dict`, in order."""
        raise NotImplementedError

    @property
    def flagged(self) -> tuple:
        """The columns whose adjusted test rejects at ``alpha``, in the order tested."""
        f = self._table
        return tuple(f.index[f["flagged"].to_numpy(dtype=bool)])

    def __getitem__(self, name: Hashable) -> KLTestResult | None:
        return self.tests[name]

    def to_dict(self, alpha: float | None = None) -> dict[str, Any]:
        """Everything in the summary as plain JSON types."""
        self._check_alpha(alpha)
        f = self._frame
        return jsonable(
            {
                **self._dict_head(),
                "flagged": list(self.flagged),
                "columns": {
                    str(name): {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
                    for name, r in f.to_dict(orient="index").items()
                },
                "notes": self._notes(),
                "versions": versions(),
            }
        )

    def _check_alpha(self, alpha: float | None) -> None:
        if alpha is not None and not math.isclose(check_alpha(alpha), self.alpha):
            raise ValueError(
                f"This table was computed with alpha={self.alpha:g} (flags and intervals); "
                f"run it again with alpha={alpha:g}."
            )

    def summary(self, alpha: float | None = None):
        """A statsmodels ``Summary``: the settings, then one row per column sorted by
        effect (largest first), then notes (``as_text()``, ``as_html()``,
        ``as_latex()``). ``alpha`` must be None or the level the table was run at."""
        self._check_alpha(alpha)
        return build_summary(self.title, self._header(), self._notes(), (self._block(),))

    def _parts(self, alpha: float | None = None) -> Parts:
        """What the summary shows (title, settings, the per-column table, notes)."""
        self._check_alpha(alpha)
        return Parts(self.title, self._header(), self._notes(), (self._block(),))

    def summary_markdown(self, alpha: float | None = None) -> str:
        """The content of :meth:`summary` as Markdown."""
        self._check_alpha(alpha)
        return as_markdown(self.title, self._header(), self._notes(), (self._block(),))

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    # plain data: equal when every compared field is equal (tables by value)
    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        names = tuple(f.name for f in fields(self) if f.compare)
        return _fields_equal(self, other, names)

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, eq=False, repr=False)
class FrameComparison(_FrameResult):
    """Result of :func:`compare_frames`: one test per shared column.

    Attributes
    ----------
    columns : tuple
        The tested columns, in the order tested.
    only_reference, only_current : tuple
        Columns present in one data set only (not tested).
    tests : Mapping
        Column name -> the column's test result (:class:`KLTestResult`; None for a
        column that could not be tested).
    effects : Mapping
        Column name -> the Jensen-Shannon divergence estimate (:class:`KLEstimate`; None
        when not tested).
    alpha : float
        Level of the adjusted tests and 1 - confidence level of the intervals.
    correction : str or None
        The multiple-testing method (``statsmodels`` name, e.g. ``"holm"``,
        ``"fdr_bh"``).
    seed : int
        The seed every column's random numbers were spawned from; ``rng=seed``
        reproduces the result.
    flagged : tuple
        Columns whose adjusted test rejects at ``alpha``.
    """

    columns: tuple
    only_reference: tuple
    only_current: tuple
    tests: Mapping[Hashable, KLTestResult | None]
    effects: Mapping[Hashable, KLEstimate | None]
    alpha: float
    correction: str | None
    seed: int
    nrows: tuple[int, int]
    options: Mapping[str, Any]
    _table: pd.DataFrame
    _col_notes: Mapping[Hashable, tuple[str, ...]]
    _cache: dict = field(default_factory=dict, compare=False)

    title = "Comparison of two data sets, column by column"

    def _interval(self, name: Hashable) -> tuple[float, float] | None:
        effect = self.effects[name]
        if effect is None:
            return None
        ci = effect.conf_int(self.alpha)
        # JS lies in [0, log 2]: a limit past log 2 (near-disjoint supports) is cut there
        return min(ci.low, LOG2), min(ci.high, LOG2)

    @property
    def pvalues(self) -> pd.Series:
        """Unadjusted p-values, by column."""
        return self._table["pvalue"].copy()

    @property
    def pvalues_adjusted(self) -> pd.Series:
        """Adjusted p-values, by column."""
        return self._table["pvalue_adj"].copy()

    def summary_frame(self) -> pd.DataFrame:
        """One row per tested column (index = column name), in the order tested.

        Columns: ``type`` (categorical, boolean, discrete = numeric with few distinct
        values, continuous), ``test``, ``statistic`` (G; the k-NN KL estimate for
        ``continuous="knn"``), ``df``, ``pvalue``, ``pvalue_adj`` (adjusted across
        columns), ``flagged`` (adjusted test rejects at ``alpha``), ``effect`` (the
        Jensen-Shannon divergence in nats), ``ci_lower``, ``ci_upper`` (its
        ``1 - alpha`` confidence interval, per column), ``n_reference``, ``n_current``,
        ``n`` (values used), ``missing_reference``, ``missing_current``, ``levels``
        (categories or bins with counts) and ``note``.
        """
        return self._frame.copy()

    def _header(self) -> list[tuple[str, str]]:
        return [
            ("Rows (reference, current)", f"{self.nrows[0]}, {self.nrows[1]}"),
            ("Columns tested", str(len(self.columns))),
            ("Flagged", str(len(self.flagged))),
            ("Correction", CORRECTION_LABELS[self.correction]),
            ("Alpha", fmt(self.alpha)),
            ("Effect", "Jensen-Shannon divergence (nats)"),
            ("Continuous columns", str(self.options.get("continuous"))),
            ("Seed", str(self.seed)),
        ]

    def _block(self) -> Block:
        f = self._sorted()
        headers = ["type", "test", "statistic", "p-value", "p adj", "effect", "CI", "n", "missing"]
        short = {
            "G-test of homogeneity": "G",
            "G-test of homogeneity, binned": "G binned",
            "k-NN permutation test": "k-NN perm.",
            "none": "-",
        }
        data = []
        for _, r in f.iterrows():
            flag = " *" if r["flagged"] else ""
            data.append(
                [
                    r["type"],
                    short.get(r["test"], r["test"]),
                    fmt(r["statistic"]),
                    fmt_pvalue(r["pvalue"]),
                    fmt_pvalue(r["pvalue_adj"]) + flag,
                    fmt(r["effect"]),
                    _fmt_ci(r["ci_lower"], r["ci_upper"]),
                    str(int(r["n"])),
                    f"{int(r['missing_reference'])}/{int(r['missing_current'])}",
                ]
            )
        return Block(
            "Columns, largest effect first (* flagged)",
            headers,
            [str(i) for i in f.index],
            data,
        )

    def _notes(self) -> list[str]:
        out = [
            "Null hypothesis per column: the column has the same distribution in both data "
            "sets. Effect: Jensen-Shannon divergence JS(P_ref, P_cur) in nats (0 to log 2 = "
            f"0.693), with a {1 - self.alpha:.0%} per-column confidence interval; continuous "
            "columns: of the binned distributions (a lower bound on the continuous JS).",
            "Missing values (reference/current) are counted and "
            + (
                "counted as a category."
                if self.options.get("missing") == "category"
                else "left out of the tests."
            ),
        ]
        if self.only_reference:
            out.append(f"Only in reference (not tested): {list(self.only_reference)}")
        if self.only_current:
            out.append(f"Only in current (not tested): {list(self.only_current)}")
        for name, notes in self._col_notes.items():
            extra = [n for n in notes if "equal-frequency bins" not in n]
            if extra:
                out.append(f"{name}: " + "; ".join(extra))
        return out

    def _dict_head(self) -> dict[str, Any]:
        return {
            "kind": "frame_comparison",
            "title": self.title,
            "alpha": self.alpha,
            "correction": self.correction,
            "seed": self.seed,
            "nrows": list(self.nrows),
            "options": dict(self.options),
            "only_reference": list(self.only_reference),
            "only_current": list(self.only_current),
        }

    def plot(self, ax: Any = None, *, top: int | None = None) -> Any:
        """Effect of every column with its confidence interval, largest first; flagged
        columns highlighted.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure is created when omitted.
        top : int, optional
            Show only the ``top`` columns with the largest effects.

        Returns
        -------
        matplotlib.axes.Axes
        """
        return _plot_effects(self._sorted(), ax, top, "Jensen-Shannon divergence (nats)", self)

    def __repr__(self) -> str:
        return (
            f"FrameComparison(columns={len(self.columns)}, flagged={len(self.flagged)}, "
            f"correction={self.correction!r}, alpha={self.alpha:g}, seed={self.seed})"
        )


def _plot_effects(f: pd.DataFrame, ax: Any, top: int | None, xlabel: str, res: Any) -> Any:
    from .._results import _plotting

    _plotting.check(ax)
    if top is not None:
        top = check_int(top, "top", minimum=1)
        f = f.iloc[:top]
    plt = _plotting.pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, max(2.0, 0.32 * len(f) + 1.0)))
    f = f.iloc[::-1]  # largest on top
    y = np.arange(len(f))
    flagged = f["flagged"].to_numpy(dtype=bool)
    est = f["effect" if "effect" in f else "estimate"].to_numpy(dtype=float)
    lo, hi = f["ci_lower"].to_numpy(dtype=float), f["ci_upper"].to_numpy(dtype=float)
    err = np.vstack([np.clip(est - lo, 0, None), np.clip(hi - est, 0, None)])
    err = np.where(np.isfinite(err), err, 0.0)
    for mask, colour, label in ((~flagged, "0.55", "not flagged"), (flagged, "C3", "flagged")):
        if mask.any():
            ax.errorbar(
                est[mask],
                y[mask],
                xerr=err[:, mask],
                fmt="o",
                color=colour,
                ecolor=colour,
                capsize=2,
                label=f"{label} ({int(mask.sum())})",
            )
    ax.set_yticks(y)
    ax.set_yticklabels([str(i) for i in f.index])
    ax.axvline(0.0, color="0.8", lw=0.8, zorder=0)
    ax.set_xlabel(xlabel)
    level = f"{1 - res.alpha:.0%}"
    ax.set_title(f"{res.title}\n{level} intervals; flagged: adjusted p <= {res.alpha:g}")
    ax.legend(loc="lower right", fontsize="small")
    return ax


# =========================================================================== MI screening


@dataclass(frozen=True, eq=False, repr=False)
class MutualInformationFrame(_FrameResult):
    """Result of :func:`mutual_information_frame`: every column against one target.

    Attributes
    ----------
    target : hashable
        The target column.
    columns : tuple
        The screened columns, in the order tested.
    tests : Mapping
        Column name -> permutation test result (:class:`KLTestResult`; its
        ``effect`` is the mutual-information estimate), None when not tested.
    alpha, correction, seed, flagged
        As for :class:`FrameComparison`.
    """

    target: Hashable
    target_type: str
    columns: tuple
    tests: Mapping[Hashable, KLTestResult | None]
    alpha: float
    correction: str | None
    seed: int
    nrows: int
    target_missing: int
    options: Mapping[str, Any]
    _table: pd.DataFrame
    _col_notes: Mapping[Hashable, tuple[str, ...]]
    _cache: dict = field(default_factory=dict, compare=False)

    _sort_by = "estimate"

    def _interval(self, name: Hashable) -> tuple[float, float] | None:
        test = self.tests[name]
        if test is None:
            return None
        ci = test.conf_int(self.alpha)
        return ci.low, ci.high

    @property
    def title(self) -> str:  # type: ignore[override]
        return f"Mutual information with {self.target!r}, column by column"

    def summary_frame(self) -> pd.DataFrame:
        """One row per screened column (index = column name), in the order tested.

        Columns: ``type``, ``test``, ``estimate`` (mutual information with the target,
        nats), ``ci_lower``, ``ci_upper`` (``1 - alpha`` interval, per column),
        ``statistic`` (the permutation statistic), ``pvalue``, ``pvalue_adj``,
        ``flagged``, ``n`` (rows used), ``missing`` (rows left out because the column
        or the target is missing), ``levels`` (rows x columns of the table) and
        ``note``.
        """
        return self._frame.copy()

    def _header(self) -> list[tuple[str, str]]:
        return [
            ("Target", f"{self.target} ({self.target_type})"),
            ("Rows", str(self.nrows)),
            ("Columns screened", str(len(self.columns))),
            ("Flagged", str(len(self.flagged))),
            ("Correction", CORRECTION_LABELS[self.correction]),
            ("Alpha", fmt(self.alpha)),
            ("Permutations", str(self.options.get("n_resamples"))),
            ("Seed", str(self.seed)),
        ]

    def _block(self) -> Block:
        f = self._sorted()
        headers = ["type", "MI (nats)", "CI", "p-value", "p adj", "n", "missing", "table"]
        data = []
        for _, r in f.iterrows():
            flag = " *" if r["flagged"] else ""
            data.append(
                [
                    r["type"],
                    fmt(r["estimate"]),
                    _fmt_ci(r["ci_lower"], r["ci_upper"]),
                    fmt_pvalue(r["pvalue"]),
                    fmt_pvalue(r["pvalue_adj"]) + flag,
                    str(int(r["n"])),
                    str(int(r["missing"])),
                    str(r["levels"]),
                ]
            )
        return Block(
            "Columns, largest mutual information first (* flagged)",
            headers,
            [str(i) for i in f.index],
            data,
        )

    def _notes(self) -> list[str]:
        out = [
            "Null hypothesis per column: the column is independent of the target. "
            "Estimate: plug-in mutual information of the table of the column against "
            "the target (continuous variables in equal-frequency bins), in nats, with a "
            f"{1 - self.alpha:.0%} per-column interval; p-values from permutations.",
        ]
        if self.target_missing:
            out.append(f"The target is missing in {self.target_missing} rows (left out).")
        for name, notes in self._col_notes.items():
            if notes:
                out.append(f"{name}: " + "; ".join(notes))
        return out

    def _dict_head(self) -> dict[str, Any]:
        return {
            "kind": "mutual_information_frame",
            "title": self.title,
            "target": self.target,
            "alpha": self.alpha,
            "correction": self.correction,
            "seed": self.seed,
            "options": dict(self.options),
        }

    def plot(self, ax: Any = None, *, top: int | None = None) -> Any:
        """Mutual information of every column with its interval, largest first; flagged
        columns highlighted (parameters as for :meth:`FrameComparison.plot`)."""
        return _plot_effects(
            self._sorted(), ax, top, f"mutual information with {self.target} (nats)", self
        )

    def __repr__(self) -> str:
        return (
            f"MutualInformationFrame(target={self.target!r}, columns={len(self.columns)}, "
            f"flagged={len(self.flagged)}, correction={self.correction!r}, seed={self.seed})"
        )
