"""The command line's output: a result in one of the formats, in the command line's
words (``--method`` rather than ``method=``)."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# --------------------------------------------------------------------------- output


# the words of results (Python argument names) as the command line spells them
_CLI_OPTIONS = {
    "f_obs": "--observed",
    "f_exp": "--expected/--probs",
    "method": "--method",
    "correction": "--correction",
    "n_resamples": "--n-resamples",
    "rng": "--seed",
    "ties": "--ties",
    "k": "--k",
    "estimator": "--estimator",
    "ddof": "--ddof",
    "standardize": "--standardize",
    "base": "--base",
    "alpha": "--alpha",
    "rescale": "--rescale",
    "reference": "--probs",
}
_ASSIGN = re.compile(r"`?\b(" + "|".join(_CLI_OPTIONS) + r")=(['\"]?)([\w.+-]+)\2`?")
_NAME = re.compile(r"`(" + "|".join(_CLI_OPTIONS) + r")`")


def cli_words(text: str) -> str:
    """Rewrite Python argument names in a message as the CLI's options
    (``method='montecarlo'`` -> ``--method montecarlo``, `` `f_exp` `` -> ``--expected``)."""
    text = _ASSIGN.sub(lambda m: f"{_CLI_OPTIONS[m.group(1)]} {m.group(3)}", text)
    text = text.replace("--rescale True", "--rescale")  # a flag
    return _NAME.sub(lambda m: _CLI_OPTIONS[m.group(1)], text)


def _cli_parts(result: Any, alpha: float, notes: Sequence[str] = ()):
    from ._results._summary import Parts

    parts = result._parts(alpha)
    return Parts(
        cli_words(parts.title),
        [(cli_words(a), cli_words(b)) for a, b in parts.rows],
        [cli_words(n) for n in (*parts.notes, *notes)],
        parts.blocks,
    )


def _result_figure(result: Any):
    """The result's own plot as a matplotlib Figure, or None (no matplotlib, nothing
    to plot). Estimates draw their resampling distribution with the summary's seed."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return None
    from ._results._classes import SUMMARY_SEED, KLEstimate

    fig = Figure(figsize=(6.4, 4.0))
    ax = fig.subplots()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if isinstance(result, KLEstimate):
                result.plot(ax, rng=SUMMARY_SEED)
            else:
                result.plot(ax)
    except (ValueError, TypeError):
        return None
    return fig


def render(
    result: Any,
    fmt: str,
    alpha: float,
    argv: Sequence[str] = (),
    inputs: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> str:
    """A result in one of FORMATS, in the CLI's words. HTML is a standalone report with
    the result's plot and a provenance section; JSON also records the command line.
    ``notes`` (rows dropped by --dropna) are part of the report in every format."""
    command = ["klstats", *argv]
    if fmt == "json":
        record = result.to_dict(alpha)
        record["command"] = command
        if notes:
            prior = record.get("notes")
            record["notes"] = [*(prior if isinstance(prior, list) else []), *notes]
        if inputs:
            from ._report._document import Report

            record["inputs"] = Report(inputs=inputs).provenance()["inputs"]
        return json.dumps(record, indent=2)
    if fmt == "html":
        from ._report._document import Report

        title = f"klstats {argv[0]}" if argv else "klstats"
        rep = Report(title, command=command, inputs=inputs, alpha=alpha)
        rep._words = cli_words
        rep.add(result)
        if notes:
            rep.add("\n".join(f"- Note: {cli_words(n)}" for n in notes))
        fig = _result_figure(result)
        if fig is not None:
            rep.add(fig, title="Plot")
        return rep.to_html()
    from ._results._summary import build_summary, latex_fragment, markdown_fragment

    parts = _cli_parts(result, alpha, notes)
    if fmt == "markdown":
        return markdown_fragment(parts)
    if fmt == "latex":
        return latex_fragment(parts)
    return build_summary(parts).as_text()


def _write_atomic(path: str, text: str) -> None:
    """Write to a temporary file beside ``path``, then rename: an interrupted or failed
    run leaves no partial report (and an existing one untouched)."""
    import os
    import tempfile

    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
