"""Reading the command line's CSV input: files as strings, columns, labels, numbers,
missing rows, and the two errors the command line reports on one line."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path


class DataError(Exception):
    """Bad data: reported on one line, exit status 1."""


class UsageError(Exception):
    """Bad options: reported on one line, exit status 2."""


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
