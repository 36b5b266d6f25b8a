"""Shared pieces of the validation studies: modes, seeds, Monte Carlo errors, tables,
checkpoints."""

from __future__ import annotations

import argparse
import contextlib
import math
import time
import warnings
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ALPHAS = (0.01, 0.05, 0.10)
SEED = 20261125


@dataclass(frozen=True)
class Mode:
    """How much Monte Carlo work each study does."""

    name: str
    full: bool
    scale: float = 1.0  # shrinks the full mode's replicate counts (smoke tests)

    def pick(self, quick, full):
        if not self.full:
            return quick
        if isinstance(full, int) and self.scale != 1.0 and full > 0:
            return max(2, int(full * self.scale))
        return full


QUICK = Mode("quick", False)
FULL = Mode("full", True)


def cell_rng(*key: object, seed: int = SEED) -> np.random.Generator:
    """One independent stream per cell, from the seed and the cell's key: cells can run
    in any order (or in other processes) and give the same numbers."""
    return np.random.default_rng([seed, zlib.crc32(repr(key).encode())])


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """The studies call klstats thousands of times on small, sparse data: its warnings
    (small expected counts, dropped empty rows) are the point of the study, not news."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def mc_se(p: float, r: int) -> float:
    """Binomial standard error of a Monte Carlo proportion (0 for exact rows, r = 0)."""
    if r <= 0:
        return 0.0
    return math.sqrt(max(p * (1 - p), 1e-12) / r)


def band(alpha: float, r: int, z: float = 3.0) -> float:
    """Half-width of the acceptance band of a size estimate: z * sqrt(alpha(1-alpha)/R)."""
    return 0.0 if r <= 0 else z * math.sqrt(alpha * (1 - alpha) / r)


@dataclass
class Table:
    """One table of a study: tidy rows, a pivoted display and a caption."""

    name: str
    title: str
    rows: pd.DataFrame
    display: pd.DataFrame
    caption: str = ""
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        out = [f"## {self.title}", ""]
        if self.caption:
            out += [self.caption, ""]
        out.append(to_markdown(self.display))
        out += ["", *(f"- {n}" for n in self.notes)] if self.notes else []
        return "\n".join(out) + "\n"

    def rst(self) -> str:
        out = [self.title, "~" * len(self.title), ""]
        if self.caption:
            out += [self.caption, ""]
        out.append(to_rst(self.display))
        if self.notes:
            out += ["", *(f"* {n}" for n in self.notes)]
        return "\n".join(out) + "\n"

    def write(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self.rows.to_csv(out / f"{self.name}.csv", index=False)
        (out / f"{self.name}.md").write_text(self.markdown(), encoding="utf-8")
        (out / f"{self.name}.rst").write_text(self.rst(), encoding="utf-8")


def _cell(v: object) -> str:
    if isinstance(v, float | np.floating):
        if math.isnan(v):
            return ""
        if v == 0:
            return "0"
        if 1e-3 <= abs(v) < 1e4:
            return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"
        return f"{v:.2e}"
    return str(v)


def _flat(df: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    d = df.reset_index() if not isinstance(df.index, pd.RangeIndex) else df
    header = [
        " ".join(str(c) for c in col if str(c)) if isinstance(col, tuple) else str(col)
        for col in d.columns
    ]
    rows = [[_cell(v) for v in row] for row in d.itertuples(index=False)]
    return header, rows


def to_markdown(df: pd.DataFrame) -> str:
    header, rows = _flat(df)
    rows = [[c.replace("|", "\\|") for c in r] for r in rows]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def write_markdown_page(path: Path, title: str, text: Sequence[str], df: pd.DataFrame) -> None:
    """A results page: the title, the text lines (how it was made, what it shows) and
    the table."""
    lines = [f"# {title}", "", *text, "", to_markdown(df), ""]
    path.write_text("\n".join(lines))


def to_rst(df: pd.DataFrame) -> str:
    """A reStructuredText simple table (cells never empty: '..' marks a blank)."""
    header, rows = _flat(df)
    rows = [[c if c else ".." for c in r] for r in rows]
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)
    ]
    line = "  ".join("=" * w for w in widths)
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [line, fmt.format(*header).rstrip(), line]
    out += [fmt.format(*r).rstrip() for r in rows]
    out.append(line)
    return "\n".join(out)


def timed(fn: Callable[..., Table], *args, **kwargs) -> Table:
    t0 = time.perf_counter()
    table = fn(*args, **kwargs)
    table.seconds = time.perf_counter() - t0
    return table


def rejection_rates(
    pvalues: np.ndarray, weights: np.ndarray | None = None, alphas: Sequence[float] = ALPHAS
) -> dict[float, float]:
    """Share of p-values <= alpha (weighted: exact sizes from enumerated outcomes).
    A p-value of nan (a data set the test cannot handle) counts as no rejection."""
    p = np.asarray(pvalues, dtype=float)
    w = np.full(p.size, 1.0 / p.size) if weights is None else np.asarray(weights, float)
    # p-values equal to alpha up to rounding count as rejections (p <= alpha)
    return {a: float(w[np.nan_to_num(p, nan=2.0) <= a * (1 + 1e-9)].sum()) for a in alphas}


def study_parser() -> argparse.ArgumentParser:
    """The options every checkpointed study takes: ``--full`` and ``--max-minutes``."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--max-minutes", type=float, default=math.inf)
    return ap


class Checkpoint:
    """Rows of finished cells in ``<stem>_partial.csv``: a rerun skips them, so a study
    stopped by its time budget (or by hand) goes on where it was."""

    def __init__(self, partial: Path, key: Sequence[str], max_minutes: float = math.inf):
        self.partial = partial
        self.key = list(key)
        self.max_minutes = max_minutes
        self.done = pd.read_csv(partial) if partial.exists() else pd.DataFrame()
        self.t0 = time.time()

    def key_of(self, cell: dict) -> tuple[str, ...]:
        return tuple(str(cell[c]) for c in self.key)

    def seen(self) -> set[tuple[str, ...]]:
        if not len(self.done):
            return set()
        return {tuple(r) for r in self.done[self.key].astype(str).itertuples(False)}

    def elapsed(self) -> float:
        return time.time() - self.t0

    def out_of_time(self) -> bool:
        if self.elapsed() / 60 > self.max_minutes:
            print("time budget used: rerun to continue", flush=True)
            return True
        return False

    def append(self, rows: list[dict]) -> None:
        pd.DataFrame(rows).to_csv(
            self.partial, mode="a", header=not self.partial.exists(), index=False
        )

    def replace(self, key: tuple[str, ...], rows: list[dict]) -> None:
        """Write ``rows`` in place of the rows of the cell ``key``."""
        old = pd.read_csv(self.partial)
        keep = [tuple(r) != key for r in old[self.key].astype(str).itertuples(False)]
        pd.concat([old[keep], pd.DataFrame(rows)], ignore_index=True).to_csv(
            self.partial, index=False
        )

    def read(self) -> pd.DataFrame:
        return pd.read_csv(self.partial)
