"""The one summary builder: every result's ``summary()`` ends here.

A result describes itself once, as :class:`Parts` (a title, labelled rows, extra
tables and notes); the text (statsmodels ``Summary``), HTML, LaTeX and Markdown forms
are all rendered from those parts, so they always say the same thing. Uses only the
stable part of ``statsmodels.iolib``: ``Summary()``, its ``tables`` list,
``SimpleTable`` and a single ``add_extra_txt`` call (a second call would replace the
first).
"""

from __future__ import annotations

import functools
import html
import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__: list[str] = []


@dataclass(frozen=True)
class Block:
    """An extra table below the main one (e.g. observed, expected, residuals)."""

    title: str
    headers: Sequence[str]
    stubs: Sequence[str]
    data: Sequence[Sequence[str]]


@dataclass(frozen=True)
class Parts:
    """What a summary shows: title, (label, value) rows, extra tables, notes."""

    title: str
    rows: Sequence[tuple[str, str]]
    notes: Sequence[str] = ()
    blocks: Sequence[Block] = field(default_factory=tuple)


# --------------------------------------------------------------------------- numbers


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


# --------------------------------------------------------------------------- text


@functools.cache
def _summary_type() -> type:
    """A statsmodels ``Summary`` that renders HTML, LaTeX and Markdown from its parts.

    ``as_text()`` is statsmodels' own. ``as_html()`` is a self-contained, valid HTML
    fragment (inline styles: numbers right-aligned, notes as a list) that can be pasted
    into any page or notebook; ``as_latex()`` puts every table in its own ``tabular``
    (``Summary.as_latex`` merges all tables into the first one, which fails as soon as
    an extra block has a different number of columns); ``as_markdown()`` writes
    GitHub-flavoured Markdown. statsmodels is imported here, by the first summary, not
    by ``import klstats``.
    """
    from statsmodels.iolib.summary import Summary

    class _Summary(Summary):
        parts: Parts

        def as_html(self) -> str:
            return html_fragment(self.parts)

        def as_latex(self) -> str:
            return latex_fragment(self.parts)

        def as_markdown(self) -> str:
            return markdown_fragment(self.parts)

        def _repr_html_(self) -> str:
            return self.as_html()

    return _Summary


_TEXT_WIDTH = 88


def build_summary(
    title: str | Parts,
    rows: Sequence[tuple[str, str]] = (),
    notes: Sequence[str] = (),
    blocks: Sequence[Block] = (),
):
    """Assemble a :class:`statsmodels.iolib.summary.Summary`.

    ``rows`` are (label, formatted value) pairs, laid out in two side-by-side columns
    when there are more than six of them, statsmodels-style.
    """
    from statsmodels.iolib.table import SimpleTable

    parts = title if isinstance(title, Parts) else Parts(title, list(rows), notes, blocks)
    title = parts.title
    rows = [(f"{label}:", value) for label, value in parts.rows]
    data = [[a, b] for a, b in rows]
    aligns = "lr"
    if len(rows) > 6:  # two side-by-side columns, statsmodels-style, if they fit 88 wide
        half = (len(rows) + 1) // 2
        left, right = rows[:half], rows[half:]
        right = list(right) + [("", "")] * (len(left) - len(right))
        pairs = [[a, b, c, d] for (a, b), (c, d) in zip(left, right, strict=True)]
        if sum(max(len(r[i]) for r in pairs) for i in range(4)) + 6 <= _TEXT_WIDTH:
            data, aligns = pairs, "lrlr"
    ncol = len(aligns)
    width = max(len(title), 60 if ncol == 4 else 40)
    widths = [max(len(r[i]) for r in data) for i in range(ncol)]
    extra = max(0, width - sum(widths) - 2 * (ncol - 1))
    # the padding goes to the value columns, which are right-aligned
    for i in range(1, ncol, 2):
        widths[i] += extra // (ncol // 2)
    main = SimpleTable(
        data, title=title, datatypes=list(range(ncol)), data_aligns=aligns, colwidths=widths
    )
    smry = _summary_type()()
    smry.parts = parts
    smry.tables.append(main)
    for block in parts.blocks:
        smry.tables.append(
            SimpleTable(
                [list(r) for r in block.data],
                headers=list(block.headers),
                stubs=list(block.stubs),
                title=block.title,
            )
        )
    if parts.notes:
        # notes wrapped to the text width (the HTML, LaTeX and Markdown forms reflow)
        smry.add_extra_txt(
            [
                textwrap.fill(n, _TEXT_WIDTH, break_long_words=False, break_on_hyphens=False)
                for n in parts.notes
            ]
        )
    return smry


# --------------------------------------------------------------------------- Markdown


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|")


def markdown_fragment(parts: Parts, level: int = 3) -> str:
    """The summary as GitHub-flavoured Markdown tables (values right-aligned)."""
    out = [f"{'#' * level} {_md_cell(parts.title)}", "", "| | |", "|:---|---:|"]
    out += [f"| {_md_cell(label)} | {_md_cell(value)} |" for label, value in parts.rows]
    for block in parts.blocks:
        out += ["", f"**{_md_cell(block.title)}**", ""]
        out.append("| " + " | ".join(["", *map(_md_cell, block.headers)]) + " |")
        out.append("|:---" + "|---:" * len(block.headers) + "|")
        for stub, row in zip(block.stubs, block.data, strict=True):
            out.append("| " + " | ".join([_md_cell(stub), *map(_md_cell, row)]) + " |")
    if parts.notes:
        out += [""] + [f"- {_md_cell(n)}" for n in parts.notes]
    return "\n".join(out)


def as_markdown(
    title: str,
    rows: Sequence[tuple[str, str]],
    notes: Sequence[str] = (),
    blocks: Sequence[Block] = (),
) -> str:
    """The same content as :func:`build_summary`, as GitHub-flavoured Markdown."""
    return markdown_fragment(Parts(title, rows, notes, blocks))


# --------------------------------------------------------------------------- HTML

_FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif"
_NUM = "font-variant-numeric:tabular-nums"
_CELL = "padding:0.2em 0.6em;border-bottom:1px solid #e3e3e3"
_TABLE = "border-collapse:collapse;margin:0.4em 0 0.8em 0;font-size:0.95em"
_CAPTION = "text-align:left;font-weight:600;padding:0.3em 0"


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _html_table(title: str, headers: Sequence[str], stubs, data, level: str = "") -> str:
    out = [f'<table class="klstats-table" style="{_TABLE}">']
    if title:
        out.append(f'<caption style="{_CAPTION}">{_esc(title)}</caption>')
    if headers:
        out.append("<thead><tr>")
        out.append(f'<th scope="col" style="{_CELL}"></th>')
        out += [
            f'<th scope="col" style="{_CELL};text-align:right">{_esc(h)}</th>' for h in headers
        ]
        out.append("</tr></thead>")
    out.append("<tbody>")
    for stub, row in zip(stubs, data, strict=True):
        cells = "".join(f'<td style="{_CELL};text-align:right;{_NUM}">{_esc(v)}</td>' for v in row)
        out.append(
            f'<tr><th scope="row" style="{_CELL};text-align:left;font-weight:normal">'
            f"{_esc(stub)}</th>{cells}</tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)


def html_fragment(parts: Parts) -> str:
    """A styled, valid HTML fragment (a ``div``; inline styles, no scripts)."""
    out = [f'<div class="klstats-summary" style="{_FONT};max-width:100%;overflow-x:auto">']
    out.append(
        _html_table(parts.title, (), [r[0] for r in parts.rows], [[r[1]] for r in parts.rows])
    )
    for block in parts.blocks:
        out.append(_html_table(block.title, block.headers, block.stubs, block.data))
    if parts.notes:
        out.append('<ul class="klstats-notes" style="font-size:0.9em;color:#333">')
        out += [f"<li>{_esc(n)}</li>" for n in parts.notes]
        out.append("</ul>")
    out.append("</div>")
    return "\n".join(out)


# --------------------------------------------------------------------------- LaTeX

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
_LATEX_UNICODE = {
    "ω": r"$\omega$",
    "²": r"$^2$",
    "≥": r"$\geq$",
    "≤": r"$\leq$",
    "−": "-",
    "–": "--",
    "—": "---",
    "‖": r"$\Vert$",
    "χ": r"$\chi$",
    "α": r"$\alpha$",
    "λ": r"$\lambda$",
    "×": r"$\times$",
    "·": r"$\cdot$",
    "’": "'",
    "é": r"\'e",
    "ö": r"\"o",
    "ü": r"\"u",
}
_LATEX_RE = re.compile("|".join(re.escape(c) for c in {**_LATEX_SPECIAL, **_LATEX_UNICODE}))


def latex_escape(text: object) -> str:
    """Text for LaTeX (pdflatex-safe: special characters and common Unicode mapped)."""
    table = {**_LATEX_SPECIAL, **_LATEX_UNICODE}
    return _LATEX_RE.sub(lambda m: table[m.group(0)], str(text))


def _latex_table(title: str, headers: Sequence[str], stubs, data) -> str:
    ncol = len(data[0]) if data else len(headers)
    out = [
        r"\begin{center}",
        r"\begin{tabular}{l" + "r" * ncol + "}",
        rf"\multicolumn{{{ncol + 1}}}{{l}}{{\textbf{{{latex_escape(title)}}}}} \\",
        r"\hline",
    ]
    if headers:
        out.append(" & ".join(["", *map(latex_escape, headers)]) + r" \\")
        out.append(r"\hline")
    for stub, row in zip(stubs, data, strict=True):
        out.append(" & ".join([latex_escape(stub), *map(latex_escape, row)]) + r" \\")
    out += [r"\hline", r"\end{tabular}", r"\end{center}"]
    return "\n".join(out)


def latex_fragment(parts: Parts) -> str:
    """Every table in its own ``tabular`` (no packages needed), notes as a list."""
    out = [_latex_table(parts.title, (), [r[0] for r in parts.rows], [[r[1]] for r in parts.rows])]
    for block in parts.blocks:
        out.append(_latex_table(block.title, block.headers, block.stubs, block.data))
    if parts.notes:
        items = "\n".join(rf"  \item {latex_escape(n)}" for n in parts.notes)
        out.append("\\begin{itemize}\n" + items + "\n\\end{itemize}")
    return "\n\n".join(out)


# --------------------------------------------------------------------------- plain data


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
