"""The one summary builder: every result's ``summary()`` ends here.

Uses only the stable part of ``statsmodels.iolib``: ``Summary()``, its ``tables``
list, ``SimpleTable`` and a single ``add_extra_txt`` call (a second call would
replace the first).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__: list[str] = []


@functools.cache
def _summary_type() -> type:
    """statsmodels' ``Summary`` with a LaTeX that keeps every table in its own ``tabular``.

    ``Summary.as_latex`` merges all tables into the first one, which fails (a strict
    ``zip`` in ``SimpleTable``) as soon as an extra block has a different number of
    columns than the main table; ``as_latex_tabular`` of each table is public and works.
    statsmodels is imported here, by the first summary, not by ``import klstats``.
    """
    from statsmodels.iolib.summary import Summary

    class _Summary(Summary):
        def as_latex(self) -> str:
            latex = "\n\n".join(table.as_latex_tabular() for table in self.tables)
            if self.extra_txt is not None:
                latex = latex + "\n\n" + self.extra_txt.replace("\n", " \\newline\n ")
            return latex

    return _Summary


def fmt(value: object, digits: int = 4) -> str:
    """Format a number for a table cell (never a numpy repr)."""
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:d}"
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v.is_integer() and abs(v) < 1e12:
        return f"{v:.0f}"
    return f"{v:.{digits}g}"


def fmt_pvalue(p: float) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "nan"
    return "<1e-16" if p < 1e-16 else f"{p:.4g}"


@dataclass(frozen=True)
class Block:
    """An extra table below the main one (e.g. observed, expected, residuals)."""

    title: str
    headers: Sequence[str]
    stubs: Sequence[str]
    data: Sequence[Sequence[str]]


def build_summary(
    title: str,
    rows: Sequence[tuple[str, str]],
    notes: Sequence[str] = (),
    blocks: Sequence[Block] = (),
):
    """Assemble a :class:`statsmodels.iolib.summary.Summary`.

    ``rows`` are (label, formatted value) pairs, laid out in two side-by-side columns
    when there are more than six of them, statsmodels-style.
    """
    from statsmodels.iolib.table import SimpleTable

    rows = [(f"{label}:", value) for label, value in rows]
    if len(rows) > 6:
        half = (len(rows) + 1) // 2
        left, right = rows[:half], rows[half:]
        right = list(right) + [("", "")] * (len(left) - len(right))
        data = [[a, b, c, d] for (a, b), (c, d) in zip(left, right, strict=True)]
        aligns = "lrlr"
    else:
        data = [[a, b] for a, b in rows]
        aligns = "lr"
    width = max(len(title) + 4, 60 if len(aligns) == 4 else 40)
    ncol = len(aligns)
    widths = [max(len(r[i]) for r in data) for i in range(ncol)]
    extra = max(0, width - sum(widths) - 2 * (ncol - 1))
    widths = [w + extra // ncol for w in widths]
    main = SimpleTable(
        data, title=title, datatypes=list(range(ncol)), data_aligns=aligns, colwidths=widths
    )
    smry = _summary_type()()
    smry.tables.append(main)
    for block in blocks:
        smry.tables.append(
            SimpleTable(
                [list(r) for r in block.data],
                headers=list(block.headers),
                stubs=list(block.stubs),
                title=block.title,
            )
        )
    if notes:
        smry.add_extra_txt(list(notes))
    return smry


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|")


def as_markdown(
    title: str,
    rows: Sequence[tuple[str, str]],
    notes: Sequence[str] = (),
    blocks: Sequence[Block] = (),
) -> str:
    """The same content as :func:`build_summary`, as GitHub-flavoured Markdown."""
    out = [f"### {_md_cell(title)}", "", "| | |", "|---|---:|"]
    out += [f"| {_md_cell(label)} | {_md_cell(value)} |" for label, value in rows]
    for block in blocks:
        out += ["", f"**{_md_cell(block.title)}**", ""]
        out.append("| " + " | ".join(["", *map(_md_cell, block.headers)]) + " |")
        out.append("|---" * (len(block.headers) + 1) + "|")
        for stub, row in zip(block.stubs, block.data, strict=True):
            out.append("| " + " | ".join([_md_cell(stub), *map(_md_cell, row)]) + " |")
    if notes:
        out += [""] + [f"- {_md_cell(n)}" for n in notes]
    return "\n".join(out)


def jsonable(value: object) -> object:
    """Plain JSON types: non-finite floats become the strings "inf", "-inf", "nan"."""
    import numpy as np

    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if hasattr(value, "to_dict") and hasattr(value, "index"):  # pandas objects
        return jsonable(value.to_dict())
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return v if math.isfinite(v) else fmt(v)
    if value is None or isinstance(value, str):
        return value
    return str(value)


def versions() -> dict[str, str]:
    """Versions of klstats and the numerical stack, for reproducible reports."""
    import platform

    import numpy
    import pandas
    import scipy
    import statsmodels

    from .._base._version import __version__

    return {
        "klstats": __version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "pandas": pandas.__version__,
        "statsmodels": statsmodels.__version__,
        "python": platform.python_version(),
    }
