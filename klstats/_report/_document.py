"""``kls.Report``: results, text and figures collected into one standalone document.

One report renders to HTML (a single file: inline CSS, figures embedded as PNG data
URIs, nothing loaded from the network), Markdown, LaTeX and JSON, each with a
provenance section: the versions of klstats and the numerical stack, the seeds the
results recorded, SHA-256 digests of the input files, the command line and the date.
The same inputs and seeds give byte-identical files: nothing in a report depends on
the clock unless the date is left to default, and that is the date only (pin it with
``Report(date=...)`` or the ``SOURCE_DATE_EPOCH`` environment variable).
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import html
import io
import json
import os
import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._results._summary import (
    Parts,
    _md_cell,
    html_fragment,
    jsonable,
    latex_escape,
    latex_fragment,
    markdown_fragment,
    versions,
)

__all__ = ["Report"]

FORMATS = {".html": "html", ".htm": "html", ".md": "markdown", ".tex": "latex", ".json": "json"}

_CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif;
  line-height: 1.5; color: #1b1b1b; background: #fff; margin: 0; }
main { max-width: 52rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
h1 { font-size: 1.6rem; margin: 1rem 0 0.5rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.5rem; border-bottom: 1px solid #ddd; }
h3 { font-size: 1.05rem; }
section { margin-bottom: 1.5rem; }
table { border-collapse: collapse; }
th, td { vertical-align: top; }
.klstats-summary, .klstats-frame { overflow-x: auto; max-width: 100%; }
pre, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: 0.9em; }
pre { background: #f6f8fa; padding: 0.75rem; overflow-x: auto; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 0.9em; color: #444; }
.provenance table td, .provenance table th { padding: 0.15em 0.6em; text-align: left;
  border-bottom: 1px solid #eee; word-break: break-word; }
.provenance { font-size: 0.9em; }
@media (max-width: 600px) { main { padding: 0.5rem 0.6rem 2rem; } body { font-size: 0.95rem; }
  h1 { font-size: 1.35rem; } }
@media print { main { max-width: none; } }
""".strip()


@dataclass(frozen=True)
class _Item:
    kind: str  # "result", "markdown", "figure", "frame"
    title: str | None
    payload: Any


def _report_date(date: Any) -> str:
    if date is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        if epoch:
            try:
                stamp = int(epoch)
            except ValueError:
                raise ValueError(
                    f"SOURCE_DATE_EPOCH must be whole seconds since 1970; got {epoch!r}."
                ) from None
            return _dt.datetime.fromtimestamp(stamp, _dt.timezone.utc).date().isoformat()
        return _dt.datetime.now(_dt.timezone.utc).date().isoformat()
    if isinstance(date, _dt.datetime):
        return date.isoformat(timespec="seconds")
    if isinstance(date, _dt.date):
        return date.isoformat()
    if isinstance(date, str):
        return date
    raise TypeError(
        f"`date` must be a string, a datetime.date or None; got {type(date).__name__}."
    )


def _figure_png(fig: Any) -> bytes:
    """PNG bytes of a matplotlib figure, with no metadata that changes between runs."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------- Markdown


_INLINE = re.compile(r"`([^`]+)`|\*\*(.+?)\*\*|\*(.+?)\*|\[([^\]]+)\]\(([^)\s]+)\)")


def _md_inline_html(text: str) -> str:
    out, pos = [], 0
    for m in _INLINE.finditer(text):
        out.append(html.escape(text[pos : m.start()]))
        code, bold, em, label, url = m.groups()
        if code is not None:
            out.append(f"<code>{html.escape(code)}</code>")
        elif bold is not None:
            out.append(f"<strong>{_md_inline_html(bold)}</strong>")
        elif em is not None:
            out.append(f"<em>{_md_inline_html(em)}</em>")
        else:
            out.append(f'<a href="{html.escape(url, quote=True)}">{_md_inline_html(label)}</a>')
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _md_inline_latex(text: str) -> str:
    out, pos = [], 0
    for m in _INLINE.finditer(text):
        out.append(latex_escape(text[pos : m.start()]))
        code, bold, em, label, url = m.groups()
        if code is not None:
            out.append(rf"\texttt{{{latex_escape(code)}}}")
        elif bold is not None:
            out.append(rf"\textbf{{{_md_inline_latex(bold)}}}")
        elif em is not None:
            out.append(rf"\emph{{{_md_inline_latex(em)}}}")
        else:
            out.append(rf"{_md_inline_latex(label)} (\url{{{url}}})")
        pos = m.end()
    out.append(latex_escape(text[pos:]))
    return "".join(out)


def _md_blocks(text: str) -> list[tuple[str, Any]]:
    """Split Markdown into blocks: heading, paragraph, list, code."""
    blocks: list[tuple[str, Any]] = []
    lines = text.strip("\n").splitlines()
    i = 0
    para: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(("p", " ".join(s.strip() for s in para)))
            para.clear()

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            code = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                code.append(lines[i])
                i += 1
            blocks.append(("code", "\n".join(code)))
        elif m := re.match(r"(#{1,6})\s+(.*)", stripped):
            flush()
            blocks.append((f"h{len(m.group(1))}", m.group(2).strip()))
        elif re.match(r"([-*+]|\d+[.)])\s+", stripped):
            flush()
            ordered = bool(re.match(r"\d", stripped))
            items = []
            while i < len(lines) and re.match(r"\s*([-*+]|\d+[.)])\s+", lines[i]):
                items.append(re.sub(r"^\s*([-*+]|\d+[.)])\s+", "", lines[i]).strip())
                i += 1
                while (
                    i < len(lines)
                    and lines[i].startswith("  ")
                    and lines[i].strip()
                    and not re.match(r"\s*([-*+]|\d+[.)])\s+", lines[i])
                ):
                    items[-1] += " " + lines[i].strip()
                    i += 1
            blocks.append(("ol" if ordered else "ul", items))
            continue
        elif not stripped:
            flush()
        else:
            para.append(line)
        i += 1
    flush()
    return blocks


def markdown_to_html(text: str, shift: int = 0) -> str:
    """A small, safe Markdown subset as HTML: headings, paragraphs, lists, code,
    inline code, bold, emphasis, links (everything else is escaped text)."""
    out = []
    for kind, body in _md_blocks(text):
        if kind[0] == "h" and kind != "h":
            level = min(6, int(kind[1]) + shift)
            out.append(f"<h{level}>{_md_inline_html(body)}</h{level}>")
        elif kind == "p":
            out.append(f"<p>{_md_inline_html(body)}</p>")
        elif kind in ("ul", "ol"):
            items = "".join(f"<li>{_md_inline_html(s)}</li>" for s in body)
            out.append(f"<{kind}>{items}</{kind}>")
        else:
            out.append(f"<pre><code>{html.escape(body)}</code></pre>")
    return "\n".join(out)


def markdown_to_latex(text: str) -> str:
    """The same Markdown subset as LaTeX (no packages beyond ``hyperref``)."""
    out = []
    heads = {1: "section", 2: "subsection", 3: "subsubsection"}
    for kind, body in _md_blocks(text):
        if kind[0] == "h":
            cmd = heads.get(int(kind[1]), "paragraph")
            out.append(rf"\{cmd}*{{{_md_inline_latex(body)}}}")
        elif kind == "p":
            out.append(_md_inline_latex(body))
        elif kind in ("ul", "ol"):
            env = "itemize" if kind == "ul" else "enumerate"
            items = "\n".join(rf"  \item {_md_inline_latex(s)}" for s in body)
            out.append(f"\\begin{{{env}}}\n{items}\n\\end{{{env}}}")
        else:
            out.append("\\begin{verbatim}\n" + body + "\n\\end{verbatim}")
    return "\n\n".join(out)


# --------------------------------------------------------------------------- report


class Report:
    """A document of results, text and figures, written as one standalone file.

    Parameters
    ----------
    title : str, optional
        Title of the document (default ``"klstats report"``).
    date : str, datetime.date or datetime.datetime, optional
        The date printed in the provenance section. Default: the value of the
        ``SOURCE_DATE_EPOCH`` environment variable when set, else today's date (UTC).
        Pin it to make reports byte-identical across days.
    command : str or sequence of str, optional
        The command line that produced the report, recorded in the provenance.
    inputs : sequence of path-like, optional
        Input files; their SHA-256 digests and sizes are recorded (see
        :meth:`add_input`).
    alpha : float, optional
        Level of the confidence intervals in result summaries (default 0.05).

    Examples
    --------
    >>> import klstats as kls
    >>> report = kls.Report("Mendel's peas", date="2026-01-01")
    >>> res = kls.g_test([315, 108, 101, 32], [9, 3, 3, 1])
    >>> report.add("Observed phenotypes against the **9:3:3:1** ratio.").add(res)
    Report("Mendel's peas", 2 items)
    >>> html = report.to_html()
    >>> html.startswith("<!DOCTYPE html>")
    True
    >>> report.to_dict()["items"][1]["result"]["type"]
    'GTestResult'
    """

    def __init__(
        self,
        title: str | None = None,
        *,
        date: Any = None,
        command: str | Sequence[str] | None = None,
        inputs: Sequence[str | os.PathLike[str]] = (),
        alpha: float = 0.05,
    ) -> None:
        from .._base._validation import check_alpha

        if title is not None and not isinstance(title, str):
            raise TypeError(f"`title` must be a string; got {type(title).__name__}.")
        self.title = title or "klstats report"
        self.date = _report_date(date)
        if command is not None and not isinstance(command, str):
            command = shlex.join(str(c) for c in command)
        self.command: str | None = command
        self.alpha = check_alpha(alpha)
        self._items: list[_Item] = []
        self._inputs: list[dict[str, Any]] = []
        # rewrites the words of result summaries (the CLI uses its option names)
        self._words: Callable[[str], str] = lambda s: s
        for path in inputs:
            self.add_input(path)

    def __repr__(self) -> str:
        return f"Report({self.title!r}, {len(self._items)} items)"

    def __len__(self) -> int:
        return len(self._items)

    # ------------------------------------------------------------------ building
    def add(self, item: Any, *, title: str | None = None) -> Report:
        """Append a result, a Markdown string, a matplotlib figure (or Axes) or a
        DataFrame; returns the report, so calls chain.

        Results are rendered with their summary (tables and notes); figures are
        rendered now, as PNG, so later changes to the figure do not change the report.

        Raises
        ------
        TypeError
            For any other kind of item.
        """
        if title is not None and not isinstance(title, str):
            raise TypeError(f"`title` must be a string; got {type(title).__name__}.")
        if isinstance(item, str):
            self._items.append(_Item("markdown", title, item))
        elif hasattr(item, "_parts") and hasattr(item, "summary"):
            self._items.append(_Item("result", title, item))
        elif hasattr(item, "savefig") or hasattr(getattr(item, "figure", None), "savefig"):
            fig = item if hasattr(item, "savefig") else item.figure
            self._items.append(_Item("figure", title, _figure_png(fig)))
        elif hasattr(item, "to_dict") and hasattr(item, "columns") and hasattr(item, "index"):
            self._items.append(_Item("frame", title, item.copy()))
        else:
            raise TypeError(
                "Report.add takes a klstats result, a Markdown string, a matplotlib "
                f"figure or Axes, or a pandas DataFrame; got {type(item).__name__}."
            )
        return self

    def add_input(self, path: str | os.PathLike[str]) -> Report:
        """Record an input file: its name, size and SHA-256 digest."""
        p = Path(path)
        if not p.is_file():
            raise ValueError(f"Input file '{path}' not found (or not a file).")
        self._inputs.append(
            {"file": os.fspath(path), "bytes": p.stat().st_size, "sha256": _sha256(p)}
        )
        return self

    # ------------------------------------------------------------------ content
    def _alpha(self, res: Any) -> float | None:
        # whole-table results carry the level they were run at
        return getattr(res, "alpha", self.alpha)

    def _parts(self, res: Any) -> Parts:
        parts = res._parts(self._alpha(res))
        w = self._words
        blocks = parts.blocks
        return Parts(
            w(parts.title),
            [(w(a), w(b)) for a, b in parts.rows],
            [w(n) for n in parts.notes],
            blocks,
        )

    def _seeds(self) -> list[tuple[str, int]]:
        out = []
        for item in self._items:
            seed = getattr(item.payload, "seed", None) if item.kind == "result" else None
            if seed is not None:
                out.append((item.title or item.payload.title, int(seed)))
        return out

    def provenance(self) -> dict[str, Any]:
        """What the provenance section records, as plain data."""
        from .._results._common import SUMMARY_SEED

        vers = versions()
        if any(item.kind == "figure" for item in self._items):
            import matplotlib

            vers["matplotlib"] = matplotlib.__version__
        return {
            "date": self.date,
            "command": self.command,
            "versions": vers,
            "seeds": [{"item": name, "seed": seed} for name, seed in self._seeds()],
            "summary_interval_seed": SUMMARY_SEED,
            "inputs": list(self._inputs),
        }

    def _provenance_rows(self) -> list[tuple[str, str]]:
        prov = self.provenance()
        rows = [("Date", prov["date"])]
        if prov["command"]:
            rows.append(("Command", prov["command"]))
        for f in prov["inputs"]:
            rows.append((f"Input {f['file']}", f"SHA-256 {f['sha256']} ({f['bytes']} bytes)"))
        for s in prov["seeds"]:
            rows.append((f"Seed: {s['item']}", str(s["seed"])))
        rows.append(
            (
                "Seed of resampling intervals in summaries",
                f"{prov['summary_interval_seed']} (fixed)",
            )
        )
        rows += [(name, version) for name, version in prov["versions"].items()]
        return [(self._words(a), self._words(b)) for a, b in rows]

    # ------------------------------------------------------------------ HTML
    def to_html(self) -> str:
        """The report as one standalone HTML5 document (inline CSS, embedded figures)."""
        from .._base._version import __version__

        body = [f"<h1>{html.escape(self.title)}</h1>"]
        nfig = 0
        for item in self._items:
            sec = ["<section>"]
            if item.title:
                sec.append(f"<h2>{html.escape(item.title)}</h2>")
            if item.kind == "markdown":
                sec.append(markdown_to_html(item.payload))
            elif item.kind == "result":
                sec.append(html_fragment(self._parts(item.payload)))
            elif item.kind == "frame":
                sec.append(_frame_html(item.payload))
            else:
                nfig += 1
                data = base64.b64encode(item.payload).decode("ascii")
                alt = html.escape(item.title or f"Figure {nfig}", quote=True)
                cap = html.escape(item.title or f"Figure {nfig}")
                sec.append(
                    f'<figure><img src="data:image/png;base64,{data}" alt="{alt}">'
                    f"<figcaption>{cap}</figcaption></figure>"
                )
            sec.append("</section>")
            body.append("\n".join(sec))
        prov = "".join(
            f"<tr><th scope='row'>{html.escape(a)}</th><td>{html.escape(b)}</td></tr>"
            for a, b in self._provenance_rows()
        )
        body.append(
            '<section class="provenance"><h2>Provenance</h2>'
            f"<table><tbody>{prov}</tbody></table></section>"
        )
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="generator" content="klstats {html.escape(__version__)}">\n'
            f"<title>{html.escape(self.title)}</title>\n"
            f"<style>\n{_CSS}\n</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(body)
            + "\n</main>\n</body>\n</html>\n"
        )

    # ------------------------------------------------------------------ Markdown
    def to_markdown(self) -> str:
        """The report as one Markdown document (figures as embedded PNG data URIs)."""
        out = [f"# {self.title}"]
        nfig = 0
        for item in self._items:
            out.append("")
            if item.title:
                out += [f"## {item.title}", ""]
            if item.kind == "markdown":
                out.append(item.payload.strip("\n"))
            elif item.kind == "result":
                out.append(markdown_fragment(self._parts(item.payload), level=3))
            elif item.kind == "frame":
                out.append(_frame_markdown(item.payload))
            else:
                nfig += 1
                data = base64.b64encode(item.payload).decode("ascii")
                out.append(f"![{item.title or f'Figure {nfig}'}](data:image/png;base64,{data})")
        out += ["", "## Provenance", "", "| | |", "|:---|:---|"]
        out += [f"| {_md_cell(a)} | {_md_cell(b)} |" for a, b in self._provenance_rows()]
        return "\n".join(out) + "\n"

    # ------------------------------------------------------------------ LaTeX
    def to_latex(self, *, figure_prefix: str = "figure") -> str:
        """The report as a standalone LaTeX document (``article``; pdflatex).

        Figures are included as ``{figure_prefix}-1.png``, ...; :meth:`save` writes
        them next to the ``.tex`` file.
        """
        out = [
            r"\documentclass{article}",
            r"\usepackage[utf8]{inputenc}",
            r"\usepackage[T1]{fontenc}",
            r"\usepackage{graphicx}",
            r"\usepackage{hyperref}",
            rf"\title{{{latex_escape(self.title)}}}",
            rf"\date{{{latex_escape(self.date)}}}",
            r"\begin{document}",
            r"\maketitle",
        ]
        nfig = 0
        for item in self._items:
            if item.title:
                out.append(rf"\section*{{{latex_escape(item.title)}}}")
            if item.kind == "markdown":
                out.append(markdown_to_latex(item.payload))
            elif item.kind == "result":
                out.append(latex_fragment(self._parts(item.payload)))
            elif item.kind == "frame":
                out.append(_frame_latex(item.payload))
            else:
                nfig += 1
                out += [
                    r"\begin{center}",
                    rf"\includegraphics[width=\linewidth]{{{figure_prefix}-{nfig}.png}}",
                    r"\end{center}",
                ]
        out.append(r"\section*{Provenance}")
        out.append(r"\begin{tabular}{lp{0.6\linewidth}}")
        out += [rf"{latex_escape(a)} & {latex_escape(b)} \\" for a, b in self._provenance_rows()]
        out += [r"\end{tabular}", r"\end{document}"]
        return "\n".join(out) + "\n"

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON types: items (results as ``to_dict()``, text,
        figures as base64 PNG) and the provenance."""
        items: list[dict[str, Any]] = []
        for item in self._items:
            entry: dict[str, Any] = {"type": item.kind, "title": item.title}
            if item.kind == "markdown":
                entry["markdown"] = item.payload
            elif item.kind == "result":
                entry["result"] = item.payload.to_dict(self._alpha(item.payload))
            elif item.kind == "frame":
                entry["frame"] = jsonable(item.payload.to_dict(orient="split"))
            else:
                entry["png_base64"] = base64.b64encode(item.payload).decode("ascii")
            items.append(entry)
        return {
            "title": self.title,
            "alpha": self.alpha,
            "items": items,
            "provenance": jsonable(self.provenance()),
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as indented JSON text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    # ------------------------------------------------------------------ files
    def save(self, path: str | os.PathLike[str], *, format: str | None = None) -> Path:
        """Write the report to `path`; the format comes from the suffix (``.html``,
        ``.md``, ``.tex``, ``.json``) unless `format` is given (``"html"``,
        ``"markdown"``, ``"latex"``, ``"json"``).

        A LaTeX report writes its figures next to it as ``<stem>-figure-1.png``, ...

        Returns
        -------
        pathlib.Path
            The path written.

        Raises
        ------
        ValueError
            If the format is unknown or cannot be told from the suffix.
        """
        p = Path(path)
        if format is None:
            format = FORMATS.get(p.suffix.lower())
            if format is None:
                raise ValueError(
                    f"Cannot tell the report format from the suffix of '{path}'; use one "
                    f"of {', '.join(FORMATS)} or pass format='html'|'markdown'|'latex'|'json'."
                )
        fmts = ("html", "markdown", "latex", "json")
        if format not in fmts:
            raise ValueError(f"`format` must be one of {fmts}; got {format!r}.")
        if format == "latex":
            prefix = f"{p.stem}-figure"
            text = self.to_latex(figure_prefix=prefix)
            n = 0
            for item in self._items:
                if item.kind == "figure":
                    n += 1
                    p.with_name(f"{prefix}-{n}.png").write_bytes(item.payload)
        else:
            text = {"html": self.to_html, "markdown": self.to_markdown, "json": self.to_json}[
                format
            ]()
        with open(p, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        return p


# --------------------------------------------------------------------------- frames


def _frame_cells(frame: Any) -> tuple[list[str], list[str], list[list[str]]]:
    from .._results._summary import fmt

    headers = [str(c) for c in frame.columns]
    stubs = [str(i) for i in frame.index]
    data = [[fmt(v) for v in row] for row in frame.itertuples(index=False)]
    return headers, stubs, data


def _frame_html(frame: Any) -> str:
    from .._results._summary import _html_table

    headers, stubs, data = _frame_cells(frame)
    return f'<div class="klstats-frame">{_html_table("", headers, stubs, data)}</div>'


def _frame_markdown(frame: Any) -> str:
    headers, stubs, data = _frame_cells(frame)
    out = ["| " + " | ".join(["", *headers]) + " |", "|:---" + "|---:" * len(headers) + "|"]
    out += ["| " + " | ".join([s, *row]) + " |" for s, row in zip(stubs, data, strict=True)]
    return "\n".join(out)


def _frame_latex(frame: Any) -> str:
    from .._results._summary import _latex_table

    headers, stubs, data = _frame_cells(frame)
    return _latex_table("", headers, stubs, data)
