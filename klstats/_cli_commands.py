"""The command line's subcommands: each reads its CSV input and returns the rows used
and the result."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from ._cli_input import (
    DataError,
    UsageError,
    _column,
    _infer,
    _is_text,
    _labels,
    _missing,
    _numeric,
    _read,
    _Rows,
    _series,
    _where,
)
from ._cli_render import _write_atomic

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
        rescale=args.rescale,
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
        return rows, kl_divergence(p, reference=q, rescale=args.rescale, **opts)
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
        # the default of kl_divergence (plug-in), for counts and raw labels alike
        return rows, kl_divergence(px, qy, estimator=args.estimator or "plugin", base=args.base)
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
