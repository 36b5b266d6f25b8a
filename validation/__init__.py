"""klstats' validation report: seeded Monte Carlo studies of its tests and intervals.

Run from the repository root::

    python -m validation              # quick mode (seconds; the test suite runs it)
    python -m validation --full       # full mode (tens of minutes; tables for the docs)
    python -m validation --full --jobs 2 --out validation/results

Studies: the size of every test under several nulls (:mod:`validation.size`), power
against graded alternatives next to scipy's and statsmodels' tests
(:mod:`validation.power`), coverage of every interval method
(:mod:`validation.coverage`), bias and RMSE of every estimator
(:mod:`validation.bias`). Each table is written as CSV, Markdown and reStructuredText.
Every cell draws from its own generator, derived from one seed and the cell's
description, so the numbers do not depend on the order or the process that computes
them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
import statsmodels

import klstats

from . import bias, coverage, power, size
from ._report import FULL, QUICK, Mode, Table

__all__ = ["SECTIONS", "run"]

SECTIONS: dict[str, Callable[[Mode], Table | list[Table]]] = {
    "size": size.run,
    "power": power.run,
    "coverage": coverage.run,
    "bias": bias.run,
}


ORDER = (
    "worst_cells",
    "size",
    "power_gof",
    "power_independence",
    "power_two_sample",
    "power_continuous_independence",
    "coverage_discrete_default",
    "coverage_discrete_methods",
    "coverage_other",
    "bias_discrete",
    "bias_knn",
)


def _section(name: str, mode: Mode, out: Path | None) -> tuple[str, list[Table], float]:
    t0 = time.perf_counter()
    res = SECTIONS[name](mode)
    tables = res if isinstance(res, list) else [res]
    if out is not None:  # as soon as the section is done: a later failure keeps it
        for t in tables:
            t.write(out)
    return name, tables, time.perf_counter() - t0


def run(
    mode: str = "quick",
    *,
    out: str | Path | None = None,
    sections: Sequence[str] | None = None,
    jobs: int = 1,
    verbose: bool = False,
) -> dict[str, Table]:
    """Run the studies; return their tables by name (and write them to ``out``)."""
    m = FULL if mode == "full" else QUICK
    names = list(SECTIONS) if sections is None else list(sections)
    out = None if out is None else Path(out)
    t0 = time.perf_counter()
    if jobs > 1:
        # longest first, so that the pool is not left waiting for one late section
        names.sort(key=lambda n: ["coverage", "size", "power", "bias"].index(n))
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            done = list(pool.map(_section, names, [m] * len(names), [out] * len(names)))
    else:
        done = [_section(n, m, out) for n in names]
    tables: dict[str, Table] = {}
    timing = {}
    for name, tabs, secs in done:
        timing[name] = secs
        for t in tabs:
            tables[t.name] = t
            if verbose:
                print(t.markdown(), flush=True)
    total = time.perf_counter() - t0
    if out is not None:  # sections run earlier into the same directory join the report
        timing = {**_read_timing(out), **timing}
        for name in ORDER:
            if name not in tables and (out / f"{name}.csv").exists():
                tables[name] = Table(name, name, pd.read_csv(out / f"{name}.csv"), pd.DataFrame())
    worst = worst_cells(tables)
    meta = _meta(m, timing, total, jobs)
    if verbose:
        print(worst.markdown())
        print(meta)
    if out is not None:
        worst.write(out)
        (out / "timing.json").write_text(json.dumps(timing, indent=1), encoding="utf-8")
        (out / "meta.txt").write_text(meta + "\n", encoding="utf-8")
        md = [
            (out / f"{n}.md").read_text(encoding="utf-8")
            for n in ORDER
            if (out / f"{n}.md").exists()
        ]
        (out / "report.md").write_text(
            "# klstats validation report\n\n```\n" + meta + "\n```\n\n" + "\n".join(md),
            encoding="utf-8",
        )
    tables[worst.name] = worst
    return tables


def _read_timing(out: Path) -> dict[str, float]:
    f = out / "timing.json"
    return json.loads(f.read_text(encoding="utf-8")) if f.exists() else {}


def _meta(mode: Mode, timing: dict[str, float], total: float, jobs: int) -> str:
    parts = ", ".join(f"{k} {v:.0f} s" for k, v in timing.items())
    busy = sum(timing.values())
    cmd = (
        "python -m validation"
        + (" --full" if mode.full else "")
        + (f" --jobs {jobs}" if jobs > 1 else "")
    )
    return (
        f"command: {cmd}\n"
        f"klstats {klstats.__version__}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"statsmodels {statsmodels.__version__}, pandas {pd.__version__}\n"
        f"mode {mode.name}: sections {parts} (sum {busy:.0f} s); this run {total:.0f} s "
        f"wall clock with {jobs} process(es)"
    )


def worst_cells(tables: dict[str, Table]) -> Table:
    """The cells a reader should look at first: the most liberal sizes and the lowest
    coverages of default intervals."""
    rows = []
    s = tables.get("size")
    if s is not None:
        d = s.rows.assign(ratio=s.rows["size"] / s.rows["alpha"])
        d = d[d.verdict.isin(["liberal", "slightly liberal"])]
        for _, r in d.sort_values("ratio", ascending=False).head(12).iterrows():
            rows.append(
                {
                    "study": "size",
                    "what": f"{r.test}, {r.method}",
                    "where": f"{r.null}, alpha = {r.alpha:g}",
                    "value": r["size"],
                    "nominal": r.alpha,
                    "verdict": r.verdict,
                }
            )
    cov = []
    for name in ("coverage_discrete_default", "coverage_other"):
        t = tables.get(name)
        if t is None or t.rows.empty:
            continue
        d = t.rows
        if name == "coverage_discrete_default":
            d = d[d.method == "default"].assign(
                what=lambda x: x["quantity"] + ", " + x["estimator"] + ", default",
                where=lambda x: (
                    x["setting"]
                    + ", D = "
                    + x["D"].map("{:g}".format)
                    + ", n = "
                    + x["n"].astype(str)
                ),
            )
        else:
            d = d[d.method == "default"].assign(
                what=lambda x: x["quantity"] + ", default (" + x["default_is"] + ")",
                where=lambda x: x["setting"] + ", n = " + x["n"].astype(str),
            )
        cov.append(d[["what", "where", "coverage", "verdict"]])
    if cov:
        c = pd.concat(cov, ignore_index=True).sort_values("coverage").head(12)
        for _, r in c.iterrows():
            rows.append(
                {
                    "study": "coverage",
                    "what": r["what"],
                    "where": r["where"],
                    "value": r.coverage,
                    "nominal": 0.95,
                    "verdict": r.verdict,
                }
            )
    df = pd.DataFrame(rows)
    return Table(
        "worst_cells",
        "Worst cells",
        df,
        df,
        caption=(
            "The most liberal sizes (largest ratio to alpha, of the cells flagged liberal "
            "or slightly liberal) and the lowest coverages of default intervals."
        ),
    )
