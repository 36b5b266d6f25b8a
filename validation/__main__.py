"""``python -m validation [--full] [--out DIR] [--jobs N] [--sections size,power,...]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import SECTIONS, run

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        prog="python -m validation",
        description="Seeded Monte Carlo validation of klstats' tests and intervals.",
    )
    ap.add_argument("--full", action="store_true", help="full mode (tens of minutes)")
    ap.add_argument(
        "--out",
        default=None,
        help="directory for the tables (default: validation/results for --full, "
        "validation/results/quick otherwise)",
    )
    ap.add_argument("--jobs", type=int, default=1, help="processes (one section each)")
    ap.add_argument(
        "--sections", default=",".join(SECTIONS), help="comma-separated subset of the studies"
    )
    ap.add_argument("--quiet", action="store_true", help="do not print the tables")
    args = ap.parse_args(argv)
    out = args.out or str(HERE / "results" / ("" if args.full else "quick"))
    sections = [s for s in args.sections.split(",") if s]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        ap.error(f"unknown sections {sorted(unknown)}; choose from {list(SECTIONS)}")
    run(
        "full" if args.full else "quick",
        out=out,
        sections=sections,
        jobs=args.jobs,
        verbose=not args.quiet,
    )
    print(f"tables written to {out}")


if __name__ == "__main__":
    main()
