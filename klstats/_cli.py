"""Command line: ``klstats demo`` and friends."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _demo(args: argparse.Namespace) -> int:
    from ._demo import run

    return run()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``klstats`` console script."""
    parser = argparse.ArgumentParser(
        prog="klstats", description="Inference built on the Kullback-Leibler divergence."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="run the main analyses on bundled data")
    p_demo.set_defaults(func=_demo)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
