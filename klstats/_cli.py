"""Command line: ``klstats demo`` and the CSV subcommands ``gof``, ``independence``,
``kl``, ``compare`` and ``drift``.

Errors are one line on stderr, never a traceback: exit status 2 for usage errors
(bad options), 1 for data errors (missing file or column, invalid values).
"""

from __future__ import annotations

import argparse
import json
import re
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

# Values read as missing in a numeric column (in addition to an empty field). Label
# columns have no missing-value strings: "NA" (Namibia) or "#1" are labels as written.
_NUMERIC_NA = frozenset({"nan", "NaN", "NAN"})


def _read(path: str):
    """Every column as strings exactly as written (no NA-string or comment guessing);
    an empty field is the only missing value of a label column."""
    import io

    import pandas as pd

    opts = {"dtype": str, "keep_default_na": False, "na_filter": False, "index_col": False}
    if path == "-":
        try:
            text = sys.stdin.buffer.read().decode("utf-8-sig")
            _check_header(text.splitlines()[:1], "standard input")
            df = _read_csv(io.StringIO(text), "standard input", opts)
        except DataError:
            raise
        except Exception as exc:  # pandas raises many types for unreadable input
            raise DataError(f"cannot read standard input: {str(exc).splitlines()[0]}") from None
        return _strip(df)
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
        with open(p, encoding="utf-8-sig", newline="") as fh:
            _check_header([fh.readline()], path)
        return _strip(_read_csv(p, path, {**opts, "encoding": "utf-8-sig"}))
    except DataError:
        raise
    except Exception as exc:  # pandas raises many types for unreadable files
        raise DataError(f"cannot read '{path}': {str(exc).splitlines()[0]}") from None


def _read_csv(src, where: str, opts: dict):
    """pandas' reader, with a row that has more fields than the header an error (pandas
    would drop the extra fields, or shift the row into the index)."""
    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            return pd.read_csv(src, **opts)
        except pd.errors.ParserWarning:
            raise DataError(
                f"'{where}' has a row with more fields than its header (a stray comma?); "
                "every row needs one field per column name"
            ) from None


def _check_header(lines: list[str], where: str) -> None:
    """Column names must be unique (pandas would rename a repeated one silently)."""
    import csv

    if not lines or not lines[0].strip():
        return
    names = [n.strip() for n in next(csv.reader(lines))]
    seen: set[str] = set()
    dup = [n for n in names if n in seen or seen.add(n)]  # type: ignore[func-returns-value]
    if dup:
        raise DataError(
            f"'{where}' repeats the column name(s) {', '.join(map(repr, dict.fromkeys(dup)))} "
            "in its header; give every column a different name"
        )


def _strip(df):
    """Surrounding spaces removed from names and values (``a, b`` reads as ``a,b``)."""
    df.columns = [str(c).strip() for c in df.columns]
    return df.apply(lambda col: col.str.strip())


def _column(df, name: str, path: str):
    if name not in df.columns:
        cols = ", ".join(map(str, df.columns))
        raise DataError(f"column '{name}' not in '{_where(path)}'; columns are: {cols}")
    return df[name]


def _where(path: str) -> str:
    return "standard input" if path == "-" else path


def _missing(series):
    """Missing entries: empty fields (CSV) or nulls (Parquet)."""
    import pandas as pd

    m = series.isna()
    if pd.api.types.is_string_dtype(series.dtype) or series.dtype == object:
        m = m | series.eq("").fillna(False).astype(bool)
    return m


def _row_list(mask, limit: int = 5) -> str:
    """1-based data-row numbers (row 1 is the first line after the header)."""
    import numpy as np

    rows = np.flatnonzero(np.asarray(mask)) + 1
    shown = ", ".join(map(str, rows[:limit]))
    return shown + (f", ... ({len(rows)} in all)" if len(rows) > limit else "")


class _Rows:
    """The records of one analysis: missing values in the columns used are refused
    (with the count and the rows) unless --dropna, which drops and reports them."""

    def __init__(self, df, path: str, dropna: bool) -> None:
        self.df, self.path, self.dropna = df, path, dropna
        self.notes: list[str] = []

    def use(self, *names: str | None, padded: bool = False):
        """The named columns with complete records only; ``padded`` (separate samples of
        unequal length) allows trailing empty fields at the end of a column."""
        import numpy as np

        names = tuple(n for n in names if n is not None)
        cols = [_column(self.df, n, self.path) for n in names]
        miss = np.zeros(len(self.df), dtype=bool)
        for name, col in zip(names, cols, strict=True):
            m = np.asarray(_missing(col))
            if padded and m.any():
                last = np.flatnonzero(~m)
                tail = last[-1] + 1 if last.size else 0
                m = m.copy()
                m[tail:] = False  # padding after the last value of a shorter column
            if m.any() and not self.dropna:
                raise DataError(
                    f"column '{name}' in '{_where(self.path)}' has {int(m.sum())} missing "
                    f"value(s) (empty fields), in rows {_row_list(m)}; fill them in, or pass "
                    "--dropna to drop those rows (the report says how many were dropped)"
                )
            miss |= m
        if miss.any():
            self.notes.append(
                f"--dropna dropped {int(miss.sum())} of {len(miss)} rows with missing "
                f"values in {', '.join(repr(n) for n in names)} (rows {_row_list(miss)})"
            )
        return self.df.loc[~miss, list(names)] if not padded else self.df[list(names)]


def _numeric(series, name: str, path: str, *, counts: bool = False):
    """A column of numbers; a value that is not a number is an error naming its row."""
    import numpy as np
    import pandas as pd

    text = series.astype(str) if _is_text(series) else None
    if text is not None:
        blank = (text == "") | text.isin(_NUMERIC_NA)
        values = pd.to_numeric(text.where(~blank, None), errors="coerce")
        bad = values.isna() & ~blank
    else:
        values = pd.to_numeric(series, errors="coerce")
        bad = values.isna() & series.notna()
    if bad.any():
        first = series[bad].iloc[0]
        raise DataError(
            f"column '{name}' in '{_where(path)}' has a non-numeric value {first!r} "
            f"(row {_row_list(bad.to_numpy(), 1)}); missing values must be empty fields"
        )
    if counts:
        if values.isna().any():
            m = values.isna().to_numpy()
            raise DataError(
                f"column '{name}' in '{_where(path)}' has {int(m.sum())} missing count(s), "
                f"in rows {_row_list(m)}"
            )
        if (values < 0).any():
            raise DataError(
                f"column '{name}' in '{_where(path)}' has a negative count "
                f"{values[values < 0].iloc[0]:g} (row {_row_list((values < 0).to_numpy(), 1)})"
            )
        if not np.isfinite(values).all():
            raise DataError(f"column '{name}' in '{_where(path)}' has an infinite count")
    return values


def _is_text(series) -> bool:
    import pandas as pd

    return series.dtype == object or pd.api.types.is_string_dtype(series.dtype)


def _labels(df, label: str | None, path: str):
    if label is None:
        return None
    col = _column(df, label, path)
    m = _missing(col).to_numpy()
    if m.any():
        raise DataError(
            f"column '{label}' in '{_where(path)}' has {int(m.sum())} missing label(s), in "
            f"rows {_row_list(m)}"
        )
    return col.astype(str)


def _series(values, index):
    import pandas as pd

    return pd.Series(values.to_numpy(), index=index) if index is not None else values


def _infer(values):
    """A column as labels (strings as written) or numbers: numbers only when every
    value parses as one; whole numbers are integers (``2`` and ``2.0`` alike, so a
    column padded with empty fields is not turned into a continuous one)."""
    import numpy as np
    import pandas as pd

    if _is_text(values):
        text = values.astype(str)
        nums = pd.to_numeric(text, errors="coerce")
        if len(text) == 0 or nums.isna().any() or not np.isfinite(nums).all():
            return text
    elif values.dtype.kind == "f" and np.isfinite(values).all():
        nums = values
    else:
        return values
    whole = (nums == np.round(nums)) & (nums.abs() < 2.0**53)
    if whole.all():
        return nums.astype(np.int64)
    return nums.astype(float)


# --------------------------------------------------------------------------- subcommands


def _gof(args: argparse.Namespace):
    from ._hypotests._gtests import g_test

    _only_with(
        args,
        "n_resamples",
        "--n-resamples",
        args.method != "asymptotic",
        "--method montecarlo or exact",
    )
    rows = _Rows(_read(args.file), args.file, args.dropna)
    col = args.expected if args.expected is not None else args.probs
    df = rows.use(args.label, args.observed, col)
    index = _labels(df, args.label, args.file)
    obs = _series(
        _numeric(df[args.observed], args.observed, args.file, counts=True),
        index,
    )
    exp = None
    if col is not None:
        exp = _series(_numeric(df[col], col, args.file, counts=True), index)
    return rows, g_test(
        obs,
        exp,
        ddof=args.ddof,
        correction=args.correction,
        method=args.method,
        n_resamples=_resamples(args),
        rng=args.seed,
    )


def _independence(args: argparse.Namespace):
    import pandas as pd

    from ._hypotests._gtests import g_test_independence

    _only_with(
        args, "n_resamples", "--n-resamples", args.method != "asymptotic", "--method montecarlo"
    )
    if args.table:
        given = [f"--{o}" for o in ("row", "col", "weight") if getattr(args, o) is not None]
        if given:
            raise UsageError(
                f"klstats independence: --table reads a table of counts; it cannot be "
                f"combined with {', '.join(given)} (those describe raw records)"
            )
        if args.dropna:
            raise UsageError("klstats independence: --dropna applies to raw records, not --table")
        df = _read(args.file)
        first = df.columns[0]
        labels = _labels(df, first, args.file)
        table = pd.DataFrame(
            {c: _numeric(df[c], str(c), args.file, counts=True) for c in df.columns[1:]}
        )
        table.index = pd.Index(labels, name=first)
        return _Rows(df, args.file, False), g_test_independence(
            table,
            correction=args.correction,
            method=args.method,
            n_resamples=_resamples(args),
            rng=args.seed,
        )
    if args.row is None or args.col is None:
        raise UsageError("klstats independence: give --row and --col, or --table")
    rows = _Rows(_read(args.file), args.file, args.dropna)
    df = rows.use(args.row, args.col, args.weight)
    r, c = df[args.row].astype(str), df[args.col].astype(str)
    if args.weight is not None:
        w = _numeric(df[args.weight], args.weight, args.file, counts=True)
        table = w.groupby([r, c], sort=True).sum().unstack(fill_value=0)
    else:
        table = pd.crosstab(r, c)
    return rows, g_test_independence(
        table,
        correction=args.correction,
        method=args.method,
        n_resamples=_resamples(args),
        rng=args.seed,
    )


_DISCRETE = ("plugin", "miller-madow", "jackknife", "zhang", "dirichlet", "shrink")
_KNN = ("knn", "weighted", "wang", "adaptive")


def _kl(args: argparse.Namespace):
    from ._estimators._discrete import kl_divergence, tabulate

    if args.p is not None:
        extra = [f"--{o}" for o in ("x", "y") if getattr(args, o) is not None]
        if extra:
            raise UsageError(
                f"klstats kl: --p (counts) and {' '.join(extra)} (raw samples) are two "
                "different inputs; give one of them"
            )
        if (args.q is None) == (args.probs is None):
            raise UsageError("klstats kl: with --p give exactly one of --q and --probs")
        _check_estimator(args, _DISCRETE, "counts (--p)")
        for dest in ("k", "ties", "standardize"):
            _only_with(args, dest, f"--{dest}", False, "raw samples --x/--y with a k-NN estimator")
        rows = _Rows(_read(args.file), args.file, args.dropna)
        other = args.q if args.q is not None else args.probs
        df = rows.use(args.label, args.p, other)
        index = _labels(df, args.label, args.file)
        p = _series(_numeric(df[args.p], args.p, args.file, counts=True), index)
        q = _series(_numeric(df[other], other, args.file, counts=True), index)
        opts = {"estimator": args.estimator or "plugin", "base": args.base}
        if args.q is not None:
            return rows, kl_divergence(p, q, **opts)
        return rows, kl_divergence(p, reference=q, **opts)
    if args.x is None or args.y is None:
        raise UsageError("klstats kl: give --p with --q/--probs (counts) or --x and --y (samples)")
    for o in ("q", "probs", "label"):
        if getattr(args, o) is not None:
            raise UsageError(f"klstats kl: --{o} applies to counts (--p), not to --x/--y samples")
    _check_estimator(args, (*_DISCRETE, *_KNN), "raw samples (--x/--y)")
    rows = _Rows(_read(args.file), args.file, args.dropna)
    df = rows.use(args.x, args.y, padded=True)
    x, y = (_present(df[c]) for c in (args.x, args.y))
    if x.empty or y.empty:
        raise DataError(f"column '{args.x if x.empty else args.y}' has no values")
    x, y = _infer(x), _infer(y)
    if args.estimator in _KNN:
        discrete = False
    elif args.estimator in _DISCRETE:
        discrete = True
    else:
        discrete = _is_discrete(x) and _is_discrete(y)
    if discrete:
        for dest in ("k", "ties", "standardize"):
            _only_with(args, dest, f"--{dest}", False, "a k-NN estimator (knn, wang, adaptive)")
        if _is_text(x) or _is_text(y):
            x, y = x.astype(str), y.astype(str)
        px, qy = tabulate(x.to_numpy(), y.to_numpy())
        return rows, kl_divergence(px, qy, estimator=args.estimator or "zhang", base=args.base)
    from ._estimators._knn import kl_divergence_knn

    xs = _numeric(x, args.x, args.file).to_numpy(dtype=float)
    ys = _numeric(y, args.y, args.file).to_numpy(dtype=float)
    return rows, kl_divergence_knn(
        xs,
        ys,
        k=args.k,
        estimator="auto" if args.estimator in (None, "knn") else args.estimator,
        base=args.base,
        ties=args.ties or "raise",
        standardize=_standardize(args),
        rng=args.seed,
    )


def _present(col):
    """A column without its missing entries (after --dropna or trailing padding)."""
    return col[~_missing(col).to_numpy()]


def _is_discrete(values) -> bool:
    """Labels are discrete; so are integers with few distinct values (<= 20)."""
    import pandas as pd

    if (
        isinstance(values.dtype, pd.CategoricalDtype)
        or _is_text(values)
        or values.dtype.kind in "Ob"
    ):
        return True
    if values.dtype.kind in "iu":
        return values.nunique() <= 20
    return False


def _compare(args: argparse.Namespace):
    from ._hypotests._permutation import kl_test

    cols = [c.strip() for c in args.value.split(",") if c.strip()]
    if not cols:
        raise UsageError("klstats compare: --value needs at least one column")
    if args.groups is not None:
        levels = [g.strip() for g in args.groups.split(",")]
        if len(levels) != 2 or not all(levels):
            raise UsageError(
                f"klstats compare: --groups takes two groups A,B; got {args.groups!r}"
            )
        if levels[0] == levels[1]:
            raise UsageError(
                f"klstats compare: --groups names the same group twice ({levels[0]!r}); give "
                "two different groups"
            )
    _check_estimator(args, (*_DISCRETE, *_KNN), "compare")
    rows = _Rows(_read(args.file), args.file, args.dropna)
    df = rows.use(args.group, *cols, args.weight)
    group = df[args.group].astype(str)
    values = df[cols]
    known = list(dict.fromkeys(group))
    if args.groups is None:
        levels = known
    else:
        levels = [_match_group(g, known) for g in levels]
        missing = [g for g in levels if g not in set(known)]
        if missing:
            shown = ", ".join(map(repr, known[:10])) + (", ..." if len(known) > 10 else "")
            raise DataError(
                f"group {missing[0]!r} not found in column '{args.group}'; its groups are: {shown}"
            )
    if len(levels) != 2:
        raise DataError(
            f"column '{args.group}' in '{_where(args.file)}' has {len(levels)} groups; compare "
            "needs exactly two (choose them with --groups A,B)"
        )
    sel = [(group == g).to_numpy() for g in levels]
    first = _infer(values[cols[0]])
    if args.estimator in _DISCRETE:
        if len(cols) > 1:
            raise UsageError(
                f"klstats compare: estimator {args.estimator!r} is for one categorical "
                f"column; got {len(cols)} columns"
            )
        discrete = True
    elif args.estimator in _KNN:
        discrete = False
    else:
        discrete = len(cols) == 1 and _is_discrete(first)
    opts: dict[str, Any] = {"n_resamples": _resamples(args), "rng": args.seed}
    if discrete:
        from ._estimators._discrete import tabulate

        for dest in ("k", "ties", "standardize"):
            _only_with(args, dest, f"--{dest}", False, "a k-NN estimator (knn, wang, adaptive)")
        labels = first if not _is_text(first) else first.astype(str)
        if args.weight is not None:
            from ._base._validation import align_on_labels

            w = _numeric(df[args.weight], args.weight, args.file, counts=True)
            px, qy = (w[s].groupby(labels[s]).sum() for s in sel)
            (a, b), union = align_on_labels(
                [(px.to_numpy(), px.index), (qy.to_numpy(), qy.index)], list(levels)
            )
            px, qy = pd_series(a, union), pd_series(b, union)
        else:
            px, qy = tabulate(labels[sel[0]], labels[sel[1]])
        return rows, kl_test(px, qy, estimator=args.estimator or "zhang", **opts)
    if args.weight is not None:
        raise UsageError("klstats compare: --weight applies to categorical values only")
    nums = [_numeric(values[c], c, args.file).to_numpy(dtype=float) for c in cols]
    import numpy as np

    data = np.column_stack(nums)
    return rows, kl_test(
        data[sel[0]],
        data[sel[1]],
        estimator=args.estimator or "knn",
        k=args.k,
        ties=args.ties or "raise",
        standardize=_standardize(args),
        **opts,
    )


def _standardize(args: argparse.Namespace):
    return False if args.standardize in (None, "none") else args.standardize


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


def _match_group(wanted: str, known: list[str]) -> str:
    """A group as written, or else the one group equal to it as a number (``1`` matches
    a column written ``1.0``)."""
    if wanted in known:
        return wanted
    try:
        target = float(wanted)
    except ValueError:
        return wanted
    same = []
    for g in known:
        try:
            if float(g) == target:
                same.append(g)
        except ValueError:
            continue
    return same[0] if len(same) == 1 else wanted


def pd_series(values, index):
    import pandas as pd

    return pd.Series(values, index=index)


def _check_estimator(args: argparse.Namespace, allowed: Sequence[str], what: str) -> None:
    if args.estimator is not None and args.estimator not in allowed:
        raise UsageError(
            f"klstats {args.command}: --estimator must be one of {', '.join(allowed)} for "
            f"{what}; got {args.estimator!r}"
        )


def _only_with(args: argparse.Namespace, dest: str, flag: str, ok: bool, needs: str) -> None:
    """Refuse an option that the chosen analysis would ignore."""
    if getattr(args, dest, None) is not None and not ok:
        raise UsageError(f"klstats {args.command}: {flag} applies only to {needs}")


def _resamples(args: argparse.Namespace) -> int:
    return 9999 if args.n_resamples is None else args.n_resamples


def _drift(args: argparse.Namespace):
    from ._hypotests._frames import compare_frames

    ref, cur = _typed(_read(args.reference)), _typed(_read(args.current))
    columns = None
    if args.columns is not None:
        columns = [c.strip() for c in args.columns.split(",") if c.strip()]
        if not columns:
            raise UsageError("klstats drift: --columns needs at least one column")
        for c in columns:
            _column(ref, c, args.reference)
            _column(cur, c, args.current)
    return _Rows(ref, args.reference, False), compare_frames(
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


def _typed(df):
    """A frame read as strings, typed column by column for whole-table comparisons:
    numbers where every non-empty value is one, else labels as written; empty fields
    become missing values (compare_frames' ``missing=`` decides what happens to them)."""
    import numpy as np

    out = {}
    for name in df.columns:
        col = df[name]
        if not _is_text(col):
            out[name] = col
            continue
        miss = _missing(col).to_numpy()
        kept = _infer(col[~miss])
        if _is_text(kept):
            values = col.astype(object).where(~miss, None)
        else:
            values = np.full(len(col), np.nan)
            values[~miss] = kept.to_numpy(dtype=float)
            if kept.dtype.kind in "iu" and not miss.any():
                values = values.astype(np.int64)
        out[name] = values
    import pandas as pd

    return pd.DataFrame(out, index=df.index)


def _demo(args: argparse.Namespace) -> int:
    from ._report import _demo

    command = ["klstats", *args.argv]
    if args.format == "text":
        if args.output is None:
            return _demo.run()
        import contextlib
        import io

        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            status = _demo.run()
        _write_atomic(args.output, buf.getvalue())
        return status
    rep = _demo.report(command=command, plots=args.format != "json")
    text = {
        "html": rep.to_html,
        "markdown": rep.to_markdown,
        "latex": rep.to_latex,
        "json": rep.to_json,
    }[args.format]()
    if args.output is None:
        sys.stdout.write(text)
    elif args.format == "latex":
        rep.save(args.output, format="latex")
    else:
        _write_atomic(args.output, text)
    return 0


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
}
_ASSIGN = re.compile(r"`?\b(" + "|".join(_CLI_OPTIONS) + r")=(['\"]?)([\w.+-]+)\2`?")
_NAME = re.compile(r"`(" + "|".join(_CLI_OPTIONS) + r")`")


def cli_words(text: str) -> str:
    """Rewrite Python argument names in a message as the CLI's options
    (``method='montecarlo'`` -> ``--method montecarlo``, `` `f_exp` `` -> ``--expected``)."""
    text = _ASSIGN.sub(lambda m: f"{_CLI_OPTIONS[m.group(1)]} {m.group(3)}", text)
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
    p.add_argument("--label", metavar="COL", help="category labels")
    p.add_argument("--x", metavar="COL", help="raw sample from P (labels or numbers)")
    p.add_argument("--y", metavar="COL", help="raw sample from Q")
    p.add_argument("--estimator", choices=(*_DISCRETE, *_KNN))
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


def _inputs(args: argparse.Namespace) -> list[str]:
    return [getattr(args, a) for a in ("file", "reference", "current") if hasattr(args, a)]


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
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else 0
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
