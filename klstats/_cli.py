"""Command line: ``klstats demo`` and the CSV subcommands ``gof``, ``independence``,
``kl``, ``compare`` and ``drift``.

Errors are one line on stderr, never a traceback: exit status 2 for usage errors
(bad options), 1 for data errors (missing file or column, invalid values).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from ._cli_commands import _DISCRETE, _KNN, _compare, _demo, _drift, _gof, _independence, _kl
from ._cli_input import DataError, UsageError
from ._cli_render import _write_atomic, cli_words, render

_RESCALE_HELP = (
    "rescale expected probabilities that do not sum to 1 (otherwise refused; whole-number "
    "ratios such as 9:3:3:1 need no flag)"
)

__all__ = ["main"]

FORMATS = ("text", "html", "latex", "json", "markdown")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def _int_at_least(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}; got {value}")
        return value

    parse.__name__ = "integer"
    return parse


def _alpha(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"--alpha must be in (0, 1); got {text}")
    return value


def _log_base(text: str) -> float:
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0 and value != 1):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0 and != 1; got {text}")
    return value


def _knn_options(p: argparse.ArgumentParser) -> None:
    """Options of the k-NN estimators for continuous columns."""
    p.add_argument(
        "--k",
        type=_int_at_least(1),
        default=None,
        help="neighbours of the k-NN estimators (default: the rule of kl_divergence_knn)",
    )
    p.add_argument(
        "--ties",
        choices=("raise", "jitter"),
        default=None,
        help="exact ties in continuous columns: stop (raise, default) or break them with "
        "tiny seeded noise (jitter)",
    )
    p.add_argument(
        "--standardize",
        choices=("none", "scale", "whiten"),
        default=None,
        help="pooled linear map of continuous columns before the neighbour search",
    )


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "file", help="CSV file ('-': standard input; Parquet when pyarrow is installed)"
    )
    p.add_argument("--format", choices=FORMATS, default="text", help="output format")
    p.add_argument("--output", metavar="FILE", help="write the report to FILE")
    p.add_argument("--alpha", type=_alpha, default=0.05, help="1 - confidence level")
    p.add_argument(
        "--seed", type=_int_at_least(0), default=None, help="seed of the random generator"
    )
    p.add_argument(
        "--dropna",
        action="store_true",
        help="drop records with a missing value (empty field) in the columns used, and "
        "report how many were dropped; without it missing values are an error",
    )


def _resampling(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--n-resamples",
        type=_int_at_least(1),
        default=None,
        dest="n_resamples",
        help="resamples (default 9999)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="klstats", description="Inference built on the Kullback-Leibler divergence."
    )
    from ._base._version import __version__

    parser.add_argument("--version", action="version", version=f"klstats {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("demo", help="run the main analyses on bundled data")
    p.add_argument("--format", choices=FORMATS, default="text", help="output format")
    p.add_argument("--output", metavar="FILE", help="write the report to FILE")
    p.set_defaults(func=_demo)

    p = sub.add_parser("gof", help="G-test of goodness of fit of a column of counts")
    _common(p)
    p.add_argument("--observed", required=True, metavar="COL")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--expected", metavar="COL", help="expected counts")
    g.add_argument("--probs", metavar="COL", help="expected probabilities or proportions")
    p.add_argument("--label", metavar="COL", help="category labels")
    p.add_argument("--ddof", type=_int_at_least(0), default=0)
    p.add_argument("--correction", choices=("williams", "yates"))
    p.add_argument(
        "--method", choices=("auto", "asymptotic", "montecarlo", "exact"), default="auto"
    )
    p.add_argument("--rescale", action="store_true", help=_RESCALE_HELP)
    _resampling(p)
    p.set_defaults(func=_gof)

    p = sub.add_parser("independence", help="G-test of independence")
    _common(p)
    p.add_argument("--row", metavar="COL", help="row variable (raw records)")
    p.add_argument("--col", metavar="COL", help="column variable (raw records)")
    p.add_argument("--weight", metavar="COL", help="frequency of each record")
    p.add_argument(
        "--table",
        action="store_true",
        help="FILE is a table: first column row labels, others counts",
    )
    p.add_argument("--correction", choices=("williams", "yates"))
    p.add_argument(
        "--method", choices=("auto", "asymptotic", "montecarlo", "exact"), default="auto"
    )
    _resampling(p)
    p.set_defaults(func=_independence)

    p = sub.add_parser("kl", help="estimate D(P||Q) with a confidence interval")
    _common(p)
    p.add_argument("--p", metavar="COL", help="counts of the sample from P")
    p.add_argument("--q", metavar="COL", help="counts of the sample from Q")
    p.add_argument("--probs", metavar="COL", help="known probabilities of Q (one-sample)")
    p.add_argument("--rescale", action="store_true", help=_RESCALE_HELP)
    p.add_argument("--label", metavar="COL", help="category labels")
    p.add_argument("--x", metavar="COL", help="raw sample from P (labels or numbers)")
    p.add_argument("--y", metavar="COL", help="raw sample from Q")
    p.add_argument(
        "--estimator",
        choices=(*_DISCRETE, *_KNN),
        help="default: plugin for counts and labels (as kl_divergence), the k-NN default "
        "for numeric samples",
    )
    _knn_options(p)
    p.add_argument("--base", type=_log_base, default=None, help="log base (2: bits)")
    p.set_defaults(func=_kl)

    p = sub.add_parser("compare", help="two-sample permutation test of P = Q with KL")
    _common(p)
    p.add_argument("--group", required=True, metavar="COL")
    p.add_argument("--value", required=True, metavar="COL[,COL...]")
    p.add_argument("--groups", metavar="A,B", help="the two groups to compare")
    p.add_argument("--weight", metavar="COL", help="frequency of each record (categorical)")
    p.add_argument("--estimator", choices=(*_DISCRETE, *_KNN))
    _knn_options(p)
    _resampling(p)
    p.set_defaults(func=_compare)

    p = sub.add_parser(
        "drift", help="compare two data sets column by column (adjusted p-values, JS effects)"
    )
    p.add_argument("reference", help="CSV file of the reference data (Parquet with pyarrow)")
    p.add_argument("current", help="CSV file of the current data")
    p.add_argument(
        "--columns", metavar="COL[,COL...]", help="columns to compare (default: all shared)"
    )
    p.add_argument("--format", choices=FORMATS, default="text", help="output format")
    p.add_argument("--output", metavar="FILE", help="write the report to FILE")
    p.add_argument("--alpha", type=_alpha, default=0.05, help="level of the adjusted tests")
    p.add_argument(
        "--seed", type=_int_at_least(0), default=None, help="seed of the random generator"
    )
    p.add_argument(
        "--correction",
        choices=("holm", "bh", "by", "bonferroni", "hommel", "none"),
        default="holm",
        help="multiple-testing adjustment across columns",
    )
    p.add_argument("--missing", choices=("drop", "category"), default="drop")
    p.add_argument("--continuous", choices=("binned", "knn"), default="binned")
    p.add_argument(
        "--bins", type=_int_at_least(2), default=None, help="bins for continuous columns"
    )
    p.add_argument("--n-resamples", type=_int_at_least(1), default=999, dest="n_resamples")
    p.set_defaults(func=_drift)
    return parser


def _same_file(a: str, b: str) -> bool:
    import os

    if a == "-" or b == "-":
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).resolve() == Path(b).resolve()


def _inputs(args: argparse.Namespace) -> list[str]:
    return [getattr(args, a) for a in ("file", "reference", "current") if hasattr(args, a)]


def _interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` was caused by Ctrl-C: pybind11 extensions (matplotlib's) turn a
    KeyboardInterrupt during their initialisation into ImportError("initialization
    failed") raised from it."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``klstats`` console script.

    Exit status: 0 success, 1 data error, 2 usage error (bad or conflicting options),
    130 interrupted (Ctrl-C; one line, no traceback, no partial ``--output`` file).
    """
    try:
        return _main(argv)
    except KeyboardInterrupt:
        try:
            print("klstats: interrupted", file=sys.stderr)
        except Exception:
            pass
        return 130


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(argv)
        if args.command == "demo":
            args.argv = argv
            return int(args.func(args))
        if args.output is not None:
            if args.output == "-":
                args.output = None
            elif any(_same_file(args.output, f) for f in _inputs(args)):
                raise UsageError(
                    f"klstats {args.command}: --output '{args.output}' is the input file; "
                    "choose another file (the data would be overwritten)"
                )
            elif not Path(args.output).resolve().parent.is_dir():
                raise UsageError(
                    f"klstats {args.command}: --output '{args.output}': its directory does "
                    "not exist"
                )
            elif Path(args.output).is_dir():
                raise UsageError(
                    f"klstats {args.command}: --output '{args.output}' is a directory"
                )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            rows, result = args.func(args)
        inputs = [
            getattr(args, name)
            for name in ("file", "reference", "current")
            if getattr(args, name, None) not in (None, "-")  # "-": standard input
        ]
        text = render(result, args.format, args.alpha, argv, inputs, notes=rows.notes)
        text = text if text.endswith("\n") else text + "\n"
        if args.output:
            _write_atomic(args.output, text)
        else:
            sys.stdout.write(text)
        for note in rows.notes:
            print(f"klstats: note: {cli_words(note)}", file=sys.stderr)
        for w in caught:
            print(f"klstats: warning: {cli_words(str(w.message))}", file=sys.stderr)
        return 0
    except ImportError as exc:
        if _interrupted(exc):  # Ctrl-C while an extension module was initialising
            raise KeyboardInterrupt from exc
        msg = str(exc).splitlines()[0] if str(exc) else ""
        print(f"klstats: error: unexpected ImportError: {msg}", file=sys.stderr)
        return 1
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else 0
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except DataError as exc:
        print(f"klstats: error: {exc}", file=sys.stderr)
        return 1
    except (ValueError, TypeError) as exc:
        print(f"klstats: error: {cli_words(str(exc).splitlines()[0])}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. piped into head
        return 0
    except OSError as exc:
        print(f"klstats: error: {exc}", file=sys.stderr)
        return 1
    except MemoryError:
        print(
            "klstats: error: out of memory; use a smaller --n-resamples or less data",
            file=sys.stderr,
        )
        return 1
    except Exception as exc:  # one line, never a traceback, even for our own bugs
        msg = str(exc).splitlines()[0] if str(exc) else ""
        print(f"klstats: error: unexpected {type(exc).__name__}: {msg}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
