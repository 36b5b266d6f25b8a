"""Command line: ``klstats demo`` and the CSV subcommands ``gof``, ``independence``,
``kl``, ``compare`` and ``drift``.

Errors are one line on stderr, never a traceback: exit status 2 for usage errors
(bad options), 1 for data errors (missing file or column, invalid values).
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

__all__ = ["main"]

FORMATS = ("text", "html", "latex", "json", "markdown")


class DataError(Exception):
    """Bad data: reported on one line, exit status 1."""


class UsageError(Exception):
    """Bad options: reported on one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


# --------------------------------------------------------------------------- data access


def _read(path: str):
    import pandas as pd

    p = Path(path)
    if not p.exists():
        raise DataError(f"file '{path}' not found")
    if p.is_dir():
        raise DataError(f"'{path}' is a directory, not a data file")
    try:
        if p.suffix.lower() in (".parquet", ".pq"):
            try:
                return pd.read_parquet(p)
            except ImportError:
                raise DataError(
                    f"reading '{path}' needs pyarrow: python3 -m pip install pyarrow"
                ) from None
        return pd.read_csv(p, comment="#", skipinitialspace=True)
    except DataError:
        raise
    except Exception as exc:  # pandas raises many types for unreadable files
        raise DataError(f"cannot read '{path}': {str(exc).splitlines()[0]}") from None


def _column(df, name: str, path: str):
    if name not in df.columns:
        cols = ", ".join(map(str, df.columns))
        raise DataError(f"column '{name}' not in '{path}'; columns are: {cols}")
    return df[name]


def _numeric(series, name: str, path: str, *, counts: bool = False):
    import numpy as np
    import pandas as pd

    values = pd.to_numeric(series, errors="coerce")
    bad = values.isna() & series.notna()
    if bad.any():
        first = series[bad].iloc[0]
        raise DataError(f"column '{name}' in '{path}' has a non-numeric value {first!r}")
    if counts:
        if values.isna().any():
            raise DataError(f"column '{name}' in '{path}' has missing counts")
        if (values < 0).any():
            raise DataError(
                f"column '{name}' in '{path}' has a negative count {values[values < 0].iloc[0]:g}"
            )
        if not np.isfinite(values).all():
            raise DataError(f"column '{name}' in '{path}' has an infinite count")
    return values


def _labels(df, label: str | None, path: str):
    return None if label is None else _column(df, label, path).astype(str)


def _series(values, index):
    import pandas as pd

    return pd.Series(values.to_numpy(), index=index) if index is not None else values


# --------------------------------------------------------------------------- subcommands


def _gof(args: argparse.Namespace):
    from ._hypotests._gtests import g_test

    df = _read(args.file)
    index = _labels(df, args.label, args.file)
    obs = _series(
        _numeric(_column(df, args.observed, args.file), args.observed, args.file, counts=True),
        index,
    )
    exp = None
    if args.expected is not None or args.probs is not None:
        col = args.expected if args.expected is not None else args.probs
        exp = _series(_numeric(_column(df, col, args.file), col, args.file, counts=True), index)
    return g_test(
        obs,
        exp,
        ddof=args.ddof,
        correction=args.correction,
        method=args.method,
        n_resamples=args.n_resamples,
        rng=args.seed,
    )


def _independence(args: argparse.Namespace):
    import pandas as pd

    from ._hypotests._gtests import g_test_independence

    df = _read(args.file)
    if args.table:
        table = df.set_index(df.columns[0])
        for col in table.columns:
            _numeric(table[col], str(col), args.file, counts=True)
        table = table.apply(pd.to_numeric)
    else:
        if args.row is None or args.col is None:
            raise UsageError("klstats independence: give --row and --col, or --table")
        rows = _column(df, args.row, args.file)
        cols = _column(df, args.col, args.file)
        if args.weight is not None:
            w = _numeric(_column(df, args.weight, args.file), args.weight, args.file, counts=True)
            table = pd.crosstab(rows, cols, values=w, aggfunc="sum").fillna(0)
        else:
            table = pd.crosstab(rows, cols)
    return g_test_independence(
        table,
        correction=args.correction,
        method=args.method,
        n_resamples=args.n_resamples,
        rng=args.seed,
    )


def _kl(args: argparse.Namespace):
    from ._estimators._discrete import kl_divergence, tabulate

    df = _read(args.file)
    if args.p is not None:
        index = _labels(df, args.label, args.file)
        p = _series(
            _numeric(_column(df, args.p, args.file), args.p, args.file, counts=True), index
        )
        if (args.q is None) == (args.probs is None):
            raise UsageError("klstats kl: with --p give exactly one of --q and --probs")
        other = args.q if args.q is not None else args.probs
        q = _series(_numeric(_column(df, other, args.file), other, args.file, counts=True), index)
        opts = {"estimator": args.estimator or "plugin", "base": args.base}
        if args.q is not None:
            return kl_divergence(p, q, **opts)
        return kl_divergence(p, reference=q, **opts)
    if args.x is None or args.y is None:
        raise UsageError("klstats kl: give --p with --q/--probs (counts) or --x and --y (samples)")
    x = _column(df, args.x, args.file).dropna()
    y = _column(df, args.y, args.file).dropna()
    if _is_discrete(x) and _is_discrete(y) and args.estimator not in ("wang", "adaptive"):
        px, qy = tabulate(x.astype(str), y.astype(str))
        return kl_divergence(px, qy, estimator=args.estimator or "zhang", base=args.base)
    from ._estimators._knn import kl_divergence_knn

    xs = _numeric(x, args.x, args.file).to_numpy()
    ys = _numeric(y, args.y, args.file).to_numpy()
    return kl_divergence_knn(xs, ys, k=args.k, estimator=args.estimator or "wang", base=args.base)


def _is_discrete(values) -> bool:
    """Labels are discrete; so are integers with few distinct values (<= 20)."""
    import pandas as pd

    if isinstance(values.dtype, pd.CategoricalDtype) or values.dtype.kind in "OUSb":
        return True
    if values.dtype.kind in "iu":
        return values.nunique() <= 20
    return False


def _compare(args: argparse.Namespace):
    from ._hypotests._permutation import kl_test

    df = _read(args.file)
    group = _column(df, args.group, args.file)
    cols = [c.strip() for c in args.value.split(",") if c.strip()]
    if not cols:
        raise UsageError("klstats compare: --value needs at least one column")
    values = df[[_column(df, c, args.file).name for c in cols]]
    levels = [g for g in dict.fromkeys(group.dropna())]
    if args.groups is not None:
        levels = [g.strip() for g in args.groups.split(",")]
        known = {str(g) for g in group.dropna().unique()}
        missing = [g for g in levels if g not in known]
        if missing:
            raise DataError(f"group {missing[0]!r} not found in column '{args.group}'")
    if len(levels) != 2:
        raise DataError(
            f"column '{args.group}' in '{args.file}' has {len(levels)} groups; compare needs "
            "exactly two (choose them with --groups A,B)"
        )
    sel = [group.astype(str) == str(g) for g in levels]
    discrete = (
        args.estimator
        in (None, "zhang", "plugin", "miller-madow", "jackknife", "dirichlet", "shrink")
        and len(cols) == 1
        and _is_discrete(values[cols[0]])
    )
    if args.estimator in ("wang", "adaptive", "knn"):
        discrete = False
    opts: dict[str, Any] = {"n_resamples": args.n_resamples, "rng": args.seed}
    if discrete:
        from ._estimators._discrete import tabulate

        if args.weight is not None:
            w = _numeric(_column(df, args.weight, args.file), args.weight, args.file, counts=True)
            labels = values[cols[0]].astype(str)
            px, qy = (w[s].groupby(labels[s]).sum() for s in sel)
            union = px.index.union(qy.index)
            px, qy = px.reindex(union, fill_value=0), qy.reindex(union, fill_value=0)
        else:
            a, b = (values.loc[s, cols[0]].dropna().astype(str) for s in sel)
            px, qy = tabulate(a, b)
        return kl_test(px, qy, estimator=args.estimator or "zhang", **opts)
    if args.weight is not None:
        raise UsageError("klstats compare: --weight applies to categorical values only")
    a, b = (values.loc[s].dropna() for s in sel)
    for c in cols:
        _numeric(values[c], c, args.file)
    return kl_test(
        a.to_numpy(float), b.to_numpy(float), estimator=args.estimator or "wang", k=args.k, **opts
    )


def _drift(args: argparse.Namespace):
    from ._hypotests._frames import compare_frames

    ref, cur = _read(args.reference), _read(args.current)
    columns = None
    if args.columns is not None:
        columns = [c.strip() for c in args.columns.split(",") if c.strip()]
        if not columns:
            raise UsageError("klstats drift: --columns needs at least one column")
        for c in columns:
            _column(ref, c, args.reference)
            _column(cur, c, args.current)
    return compare_frames(
        ref,
        cur,
        columns=columns,
        alpha=args.alpha,
        correction=None if args.correction == "none" else args.correction,
        continuous=args.continuous,
        bins=args.bins,
        missing=args.missing,
        n_resamples=args.n_resamples,
        rng=args.seed,
    )


def _demo(args: argparse.Namespace) -> int:
    from ._report._demo import run

    return run()


# --------------------------------------------------------------------------- output


def render(result: Any, fmt: str, alpha: float, argv: Sequence[str] = ()) -> str:
    """A result in one of FORMATS; JSON also records the command line that made it."""
    if fmt == "json":
        record = result.to_dict(alpha)
        record["command"] = ["klstats", *argv]
        return json.dumps(record, indent=2)
    if fmt == "markdown":
        return result.summary_markdown(alpha)
    smry = result.summary(alpha)
    return {"text": smry.as_text, "html": smry.as_html, "latex": smry.as_latex}[fmt]()


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="CSV file (Parquet when pyarrow is installed)")
    p.add_argument("--format", choices=FORMATS, default="text", help="output format")
    p.add_argument("--output", metavar="FILE", help="write the report to FILE")
    p.add_argument("--alpha", type=float, default=0.05, help="1 - confidence level")
    p.add_argument("--seed", type=int, default=None, help="seed of the random generator")


def _resampling(p: argparse.ArgumentParser) -> None:
    p.add_argument("--n-resamples", type=int, default=9999, dest="n_resamples")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="klstats", description="Inference built on the Kullback-Leibler divergence."
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("demo", help="run the main analyses on bundled data")
    p.set_defaults(func=_demo)

    p = sub.add_parser("gof", help="G-test of goodness of fit of a column of counts")
    _common(p)
    p.add_argument("--observed", required=True, metavar="COL")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--expected", metavar="COL", help="expected counts")
    g.add_argument("--probs", metavar="COL", help="expected probabilities or proportions")
    p.add_argument("--label", metavar="COL", help="category labels")
    p.add_argument("--ddof", type=int, default=0)
    p.add_argument("--correction", choices=("williams", "yates"))
    p.add_argument("--method", choices=("asymptotic", "montecarlo", "exact"), default="asymptotic")
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
    p.add_argument("--method", choices=("asymptotic", "montecarlo"), default="asymptotic")
    _resampling(p)
    p.set_defaults(func=_independence)

    p = sub.add_parser("kl", help="estimate D(P||Q) with a confidence interval")
    _common(p)
    p.add_argument("--p", metavar="COL", help="counts of the sample from P")
    p.add_argument("--q", metavar="COL", help="counts of the sample from Q")
    p.add_argument("--probs", metavar="COL", help="known probabilities of Q (one-sample)")
    p.add_argument("--label", metavar="COL", help="category labels")
    p.add_argument("--x", metavar="COL", help="raw sample from P (labels or numbers)")
    p.add_argument("--y", metavar="COL", help="raw sample from Q")
    p.add_argument("--estimator")
    p.add_argument("--k", type=int, default=1, help="neighbours (k-NN estimators)")
    p.add_argument("--base", type=float, default=None, help="log base (2: bits)")
    p.set_defaults(func=_kl)

    p = sub.add_parser("compare", help="two-sample permutation test of P = Q with KL")
    _common(p)
    p.add_argument("--group", required=True, metavar="COL")
    p.add_argument("--value", required=True, metavar="COL[,COL...]")
    p.add_argument("--groups", metavar="A,B", help="the two groups to compare")
    p.add_argument("--weight", metavar="COL", help="frequency of each record (categorical)")
    p.add_argument("--estimator")
    p.add_argument("--k", type=int, default=1, help="neighbours (k-NN estimators)")
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
    p.add_argument("--alpha", type=float, default=0.05, help="level of the adjusted tests")
    p.add_argument("--seed", type=int, default=None, help="seed of the random generator")
    p.add_argument(
        "--correction",
        choices=("holm", "bh", "by", "bonferroni", "hommel", "none"),
        default="holm",
        help="multiple-testing adjustment across columns",
    )
    p.add_argument("--missing", choices=("drop", "category"), default="drop")
    p.add_argument("--continuous", choices=("binned", "knn"), default="binned")
    p.add_argument("--bins", type=int, default=None, help="bins for continuous columns")
    p.add_argument("--n-resamples", type=int, default=999, dest="n_resamples")
    p.set_defaults(func=_drift)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``klstats`` console script."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(argv)
        if args.command == "demo":
            return int(args.func(args))
        if not 0 < args.alpha < 1:
            raise UsageError(f"klstats {args.command}: --alpha must be in (0, 1)")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = args.func(args)
        text = render(result, args.format, args.alpha, argv)
        if args.output:
            Path(args.output).write_text(text + "\n", encoding="utf-8")
        else:
            print(text)
        for w in caught:
            print(f"klstats: warning: {w.message}", file=sys.stderr)
        return 0
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except DataError as exc:
        print(f"klstats: error: {exc}", file=sys.stderr)
        return 1
    except (ValueError, TypeError) as exc:
        print(f"klstats: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. piped into head
        return 0
    except OSError as exc:
        print(f"klstats: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # one line, never a traceback, even for our own bugs
        msg = str(exc).splitlines()[0] if str(exc) else ""
        print(f"klstats: error: unexpected {type(exc).__name__}: {msg}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
