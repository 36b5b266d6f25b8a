"""Command line: ``klstats demo`` and friends."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _demo(args: argparse.Namespace) -> int:
    from . import datasets
    from ._discrete import entropy, kl_divergence

    peas = datasets.load("mendel_peas")
    print("klstats demo: Mendel's peas (datasets.load('mendel_peas'))\n")
    print(peas.to_string(index=False), "\n")
    obs = peas.set_index("phenotype")["observed"]
    ratio = peas.set_index("phenotype")["expected_ratio"]
    d = kl_divergence(obs, reference=ratio / ratio.sum())
    print(d.summary().as_text(), "\n")
    h = entropy(obs, estimator="miller-madow", base=2)
    print(h.summary().as_text(), "\n")
    print(f"9:3:3:1 check: D(p_hat || q) = {d.estimate:.5f} nats; "
          f"G = 2 N D = {2 * obs.sum() * d.estimate:.4f}\n")
    return 0


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
