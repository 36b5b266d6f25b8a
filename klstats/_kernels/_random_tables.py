"""Monte Carlo kernels of the G-tests: random r x c tables with fixed margins, multinomial
samples, and the G statistic of many of them at once.

Every function here draws from a `numpy.random.Generator` in a fixed, documented order, so
a seed reproduces the null distribution exactly:

* Tables are drawn in blocks of ``block_size(r * c)`` tables (about 2**20 cells), which
  bounds memory whatever the number of replicates.
* Random tables with row sums ``row`` and column sums ``col`` (total N) come from one of
  four algorithms, chosen by `table_method` from the margins and B, the number of
  tables to draw:

  - ``"inversion"`` (few possible tables: T <= max(2048, B) for 2 x 2 tables and
    T <= B for larger ones, T r c <= 2**22 always; rows and columns with zero totals left
    out): every table with the margins is enumerated, in lexicographic order of its
    free cells read column by column, (x_00, x_10, ..., x_(r-2)0, x_01, ...,
    x_(r-2)(c-2)) (the last row and the last column follow from the margins). Given
    the cells before it, cell (i, j) runs from max(0, need - below) to min(R_i, need),
    where need is the part of C_j not yet placed in rows 0..i-1 and R_i, below are
    what is left of the total of row i and of rows i+1..r-1 after columns 0..j-1.
    Each table's exact probability, prod R_i! prod C_j! / (N! prod x_ij!)
    (`scipy.special.gammaln`), is divided by their sum; with F the cumulative sums
    (in that order) and ``u = rng.random(m)`` for each block of m tables, the table
    drawn is number min(#{k : F_k <= u}, T - 1): the inverse of the distribution
    function. (A guide table over 2**ceil(log2 8T) equal bins of u, at most 2**16
    unless 2T is larger, only speeds up the search; the draws are those of the
    formula.) G of each possible table is computed once. For a 2 x 2 table the one
    free cell x_00 is hypergeometric on max(0, C_0 - R_1), ..., min(R_0, C_0). T is
    found by the enumeration itself, which stops as soon as a prefix of the free cells
    has more values than the limit (every prefix extends to at least one table, so
    then T is above the limit too);
    for tables larger than 2 x 2 it is attempted only when Good's (1976)
    approximation of T, prod_i C(R_i + c - 1, c - 1) prod_j C(C_j + r - 1, r - 1) /
    C(N + rc - 1, rc - 1), is at most twice the limit (within about 20 % of T on
    small tables; this only saves the time of enumerations that would stop).
  - ``"hypergeometric"`` (N >= 1000 r c, N < 10**9; for tables of 5 to 20 cells with
    B < 5000, N >= 2000 r c): the sequential conditional
    decomposition. Column by column (j = 0, ..., c - 2), and within a column row by row
    (i = 0, ..., r - 2), cell (i, j) is drawn from the hypergeometric distribution of
    the number of the ``col[j] - (drawn so far in column j)`` balls still to place in
    column j that fall in row i, when row i has ``R_i`` balls left and the rows below it
    ``R_(i+1) + ... + R_(r-1)``. The last row of a column and the last column take the
    remainders. One call of ``Generator.hypergeometric(ngood, nbad, nsample)`` per cell
    draws that cell for every table of the block (replicates in order). This is the
    multivariate hypergeometric distribution of each column given the rows' remaining
    totals, so the tables follow the multivariate hypergeometric law exactly
    (Patefield 1981). Its cost does not grow with N.
  - ``"patefield"`` (otherwise, if N > log(N + 1) r c): Patefield's algorithm AS 159
    (Patefield 1981), the algorithm of R ``r2dtable`` and ``chisq.test(simulate.p.value
    = TRUE)``, as implemented by ``scipy.stats.random_table(row, col).rvs(size=m,
    method="patefield", random_state=rng)`` for each block of m tables.
  - ``"boyett"`` (sparse tables, N <= log(N + 1) r c): Boyett's (1979) shuffling,
    ``scipy.stats.random_table(...).rvs(size=m, method="boyett", random_state=rng)``.

* Multinomial samples of size n with probabilities q over K categories:
  ``Generator.multinomial(n, q, size=m)`` for each block of m samples, or, with few
  observations per category (n <= K, or K >= 100 and n <= 2K), n categorical draws per
  sample by Walker's alias method (see `g_null_gof`).

G itself only needs sum x log x over the cells of each table: with fixed margins, G = 2
[sum_ij x_ij log x_ij - sum_i R_i log R_i - sum_j C_j log C_j + N log N]; for goodness of
fit G = 2 [sum_k x_k log x_k - sum_k x_k log(n q_k)]. The hypergeometric route adds each
cell's x log x as it is drawn and never stores the tables.

References
----------
Good, I. J. (1976). On the application of symmetric Dirichlet distributions and their
mixtures to contingency tables. The Annals of Statistics 4, 1159-1189.
Vose, M. D. (1991). A linear algorithm for generating random numbers with a given
distribution. IEEE Transactions on Software Engineering 17, 972-975.
Boyett, J. M. (1979). Algorithm AS 144: Random R x C tables with given row and column
totals. Applied Statistics 28, 329-332.
Patefield, W. M. (1981). Algorithm AS 159: An efficient method of generating random R x C
tables with given row and column totals. Applied Statistics 30, 91-97.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy import special, stats

__all__ = [
    "BLOCK_CELLS",
    "GOF_METHODS",
    "TABLE_METHODS",
    "alias_table",
    "block_size",
    "g_null_gof",
    "g_null_independence",
    "gof_method",
    "multinomial_samples",
    "random_tables",
    "table_method",
]

# tables (or multinomial samples) are drawn and evaluated in blocks of about this many cells
BLOCK_CELLS = 1 << 20
TABLE_METHODS = ("inversion", "hypergeometric", "patefield", "boyett")
# tables are drawn by inversion when there are at most max(this many, the number of
# tables to draw) (2 x 2 tables) or as many as tables to draw (larger ones; enumerating
# them is then 1.3-2x faster than Patefield's or Boyett's algorithm at B = 2000, more at
# larger B), never more than _INVERSION_MAX_CELLS / (r c) (bounds the memory of the
# enumeration)
_INVERSION_MAX_SUPPORT = 1 << 11
_INVERSION_MAX_CELLS = 1 << 22
# the guide table of an enumeration has a power of two of bins, at least this many per
# table (a draw is searched for only when u lies past the first F_k of its bin, with
# probability about T / (2 bins)) and at most _GUIDE_MAX_BINS unless 2 T is larger (a
# larger guide costs more to build, in page faults, than it saves: 3 x 3, N = 50, T =
# 8,484, B = 99,999: 4.5 ms a call with 2**17 bins, 3.9 ms with 2**16)
_GUIDE_BINS_PER_TABLE = 8
_GUIDE_MAX_BINS = 1 << 16
# the free cell x_00 of a 2 x 2 table enters its four cells with these signs
_SIGNS_2X2 = np.array([[1.0], [-1.0], [-1.0], [1.0]])
# the hypergeometric decomposition is used from this many observations per cell on;
# for tables of 5 to 20 cells with fewer than 5000 tables to draw, from twice as many
# (there Patefield's algorithm, whose cost grows with N, is faster up to about 2000 per
# cell: the hypergeometric route's fixed cost weighs on small B)
_HYPERGEOMETRIC_N_PER_CELL = 1000
_HYPERGEOMETRIC_N_PER_CELL_SMALL = 2000
_HYPERGEOMETRIC_SMALL_CELLS = (5, 20)
_HYPERGEOMETRIC_SMALL_SIZE = 5000
# numpy's hypergeometric sampler needs ngood, nbad < 10**9
_HYPERGEOMETRIC_MAX_N = 10**9 - 1

Statistic = Callable[[np.ndarray], np.ndarray]

try:  # the Boyett and Patefield samplers behind scipy.stats.random_table(...).rvs
    from scipy.stats._rcont import rvs_rcont1, rvs_rcont2

    _RCONT: tuple[Callable, Callable] | None = (rvs_rcont1, rvs_rcont2)
except ImportError:  # pragma: no cover - a scipy without them: the public API
    _RCONT = None


def block_size(cells: int) -> int:
    """Number of tables (or samples) of ``cells`` cells drawn per block."""
    return max(1, BLOCK_CELLS // max(int(cells), 1))


def _margins(row: object, col: object) -> tuple[np.ndarray, np.ndarray, int]:
    r = np.asarray(row)
    c = np.asarray(col)
    if r.ndim != 1 or c.ndim != 1 or r.size == 0 or c.size == 0:
        raise ValueError("`row` and `col` must be non-empty 1-D arrays of whole counts.")
    if r.dtype.kind in "iu" and c.dtype.kind in "iu":  # integers: no rounding to check
        ri, ci = r.astype(np.int64, copy=False), c.astype(np.int64, copy=False)
        bad = ri.min() < 0 or ci.min() < 0
    else:
        ri, ci = np.rint(r).astype(np.int64), np.rint(c).astype(np.int64)
        bad = np.any(ri != r) or np.any(ci != c) or ri.min() < 0 or ci.min() < 0
    if bad:
        raise ValueError("`row` and `col` must hold non-negative whole counts.")
    n = int(ri.sum())
    if n != int(ci.sum()):
        raise ValueError(f"`row` and `col` must have the same total; got {n} and {int(ci.sum())}.")
    return ri, ci, n


def table_method(row: object, col: object, size: int = 0) -> str:
    """The algorithm `random_tables` uses for these margins and ``size`` tables (see the
    module docstring).

    Rows and columns with zero totals do not count; ``"fixed"`` when at most one row or
    column is non-empty (the margins determine the table; nothing is drawn).
    """
    ri, ci, n = _margins(row, col)
    return _choose(ri[ri > 0], ci[ci > 0], n, int(size), None, False)[0]


def _inversion_limit(cells: int, size: int) -> int:
    """Most tables `"inversion"` enumerates when ``size`` tables are to be drawn."""
    most = max(size, _INVERSION_MAX_SUPPORT) if cells == 4 else size
    return min(most, _INVERSION_MAX_CELLS // cells)


def _choose(
    rr: np.ndarray, cr: np.ndarray, n: int, size: int, method: str | None, want_tables: bool
) -> tuple[str, _Enumeration | None]:
    """The method for the non-empty margins rr, cr (and the enumeration if inversion)."""
    r, c = rr.size, cr.size
    if r <= 1 or c <= 1:
        return "fixed", None  # one non-empty row or column: the margins determine the table
    cells = r * c
    if method == "inversion":
        most = _INVERSION_MAX_CELLS // cells
        enum = _enumerate(rr, cr, n, most, want_tables)
        if enum is None:
            raise ValueError(
                f"method='inversion' enumerates every table with the margins; these have "
                f"more than {most:,} (2**22 cells). Use another method."
            )
        return method, enum
    if method is not None:
        if method == "hypergeometric" and n > _HYPERGEOMETRIC_MAX_N:
            raise ValueError(f"method='hypergeometric' needs N < 10**9; got N = {n}.")
        return method, None
    limit = _inversion_limit(cells, size)
    if limit > 0 and (cells == 4 or _log_tables_estimate(rr, cr, n) <= math.log(2 * limit)):
        enum = _enumerate(rr, cr, n, limit, want_tables)
        if enum is not None:
            return "inversion", enum
    if _hypergeometric_n(cells, size) <= n <= _HYPERGEOMETRIC_MAX_N:
        return "hypergeometric", None
    if n > math.log(n + 1) * cells:
        return "patefield", None
    return "boyett", None


def _hypergeometric_n(cells: int, size: int) -> int:
    """Smallest N from which `"hypergeometric"` draws tables of ``cells`` cells."""
    lo, hi = _HYPERGEOMETRIC_SMALL_CELLS
    if lo <= cells <= hi and size < _HYPERGEOMETRIC_SMALL_SIZE:
        return _HYPERGEOMETRIC_N_PER_CELL_SMALL * cells
    return _HYPERGEOMETRIC_N_PER_CELL * cells


def _log_tables_estimate(rr: np.ndarray, cr: np.ndarray, n: int) -> float:
    """log of Good's (1976) approximation of the number of tables with margins rr, cr:
    prod_i C(R_i + c - 1, c - 1) prod_j C(C_j + r - 1, r - 1) / C(N + rc - 1, rc - 1)."""
    r, c = rr.size, cr.size
    lg = math.lgamma

    def log_comb(a: int, b: int) -> float:  # log C(a, b)
        return lg(a + 1.0) - lg(b + 1.0) - lg(a - b + 1.0)

    return (
        sum(log_comb(x + c - 1, c - 1) for x in rr.tolist())
        + sum(log_comb(x + r - 1, r - 1) for x in cr.tolist())
        - log_comb(n + r * c - 1, r * c - 1)
    )


class _Enumeration:
    """Every table with given (non-empty) margins, in the documented order: the
    distribution function ``cdf`` (last entry +inf, so that the index is at most T - 1),
    the guide table of its bins (a power of two, about 8 T), sum x log x of each table,
    and, if asked for, the free cells of each prefix level (to rebuild drawn tables)."""

    __slots__ = ("bins", "cdf", "cr", "guide", "rr", "steps", "sxlogx")

    def __init__(self, rr, cr, cdf, sxlogx, steps):
        self.rr, self.cr, self.sxlogx, self.steps = rr, cr, sxlogx, steps
        t = cdf.size
        self.cdf = cdf
        self.bins = 1 << (_GUIDE_BINS_PER_TABLE * t - 1).bit_length()
        if self.bins > _GUIDE_MAX_BINS:
            self.bins = max(_GUIDE_MAX_BINS, 1 << (2 * t - 1).bit_length())
        # guide[b] = #{k : F_k <= b / bins} (F_k bins is exact: bins is a power of two)
        first = np.minimum(np.ceil(cdf[:-1] * self.bins), self.bins).astype(np.intp)
        guide = np.bincount(first, minlength=self.bins + 1)
        # in place: a second array of this size would cost page faults on every call
        self.guide = np.add.accumulate(guide, out=guide)[: self.bins]

    def draw(self, m: int, rng: np.random.Generator) -> np.ndarray:
        """Indices of m tables drawn by inversion: min(#{k : F_k <= u}, T - 1)."""
        u = rng.random(m)
        k = self.guide[(u * self.bins).astype(np.intp)]  # #{F_k <= floor(u bins) / bins}
        todo = (self.cdf[k] <= u).nonzero()[0]  # the bin holds more of F: search it
        k[todo] = np.searchsorted(self.cdf, u[todo], side="right")
        return k

    def tables(self, k: np.ndarray) -> np.ndarray:
        """The (m, r, c) tables number k."""
        rr, cr = self.rr, self.cr
        r, c = rr.size, cr.size
        out = np.empty((k.size, r, c), dtype=np.int64)
        idx = k
        for (i, j), parent, x in reversed(self.steps):
            out[:, i, j] = x[idx]
            idx = parent[idx]
        out[:, r - 1, : c - 1] = cr[: c - 1] - out[:, : r - 1, : c - 1].sum(axis=1)
        out[:, :, c - 1] = rr - out[:, :, : c - 1].sum(axis=2)
        return out


def _enumerate(
    rr: np.ndarray, cr: np.ndarray, n: int, limit: int, want_tables: bool
) -> _Enumeration | None:
    """Every table with margins rr, cr (all positive) in the documented order, or None
    if there are more than ``limit``."""
    r, c = rr.size, cr.size
    if r == c == 2:  # one free cell, x_00: the same tables and probabilities, directly
        r0, r1, c0 = int(rr[0]), int(rr[1]), int(cr[0])
        lo, hi = max(0, c0 - r1), min(r0, c0)
        if hi - lo + 1 > limit:
            return None
        x = np.arange(lo, hi + 1)
        # the cells x, R_0 - x, C_0 - x, R_1 - C_0 + x of each table (exact in float)
        xf = _SIGNS_2X2 * x + np.array([0.0, r0, c0, r1 - c0])[:, None]
        logp = -special.gammaln(xf + 1.0).sum(axis=0)
        steps = [((0, 0), np.zeros(x.size, dtype=np.intp), x)] if want_tables else []
        return _Enumeration(rr, cr, _cdf(logp), _xlogx(xf).sum(axis=0), steps)
    tables: dict[str, np.ndarray] = {}

    def lgf(x: np.ndarray) -> np.ndarray:  # log x!, by lookup once it pays (same values)
        if "lgf" in tables or 2 * x.size > n + 1:
            if "lgf" not in tables:
                tables["lgf"] = special.gammaln(np.arange(n + 1, dtype=float) + 1.0)
            return tables["lgf"][x]
        return special.gammaln(x + 1.0)

    def xlx(x: np.ndarray) -> np.ndarray:
        if "xlx" in tables or 2 * x.size > n + 1:
            if "xlx" not in tables:
                tables["xlx"] = _xlogx(np.arange(n + 1, dtype=float))
            return tables["xlx"][x]
        return _xlogx(x)

    # rows' totals still free, one array per row with one entry per prefix (gathering
    # 1-D arrays is much cheaper than the rows of a 2-D one)
    rem = [np.full(1, v, dtype=np.int64) for v in rr.tolist()]
    acc_lg, acc_s = np.zeros(1), np.zeros(1)
    steps = []
    left = n
    for j in range(c - 1):
        need = np.full(rem[0].size, cr[j], dtype=np.int64)
        below = np.full(need.size, left, dtype=np.int64)
        for i in range(r - 1):
            below = below - rem[i]
            lo = np.maximum(need - below, 0)
            cnt = np.minimum(rem[i], need) - lo + 1
            total = int(cnt.sum())
            if total > limit:
                return None
            parent = np.repeat(np.arange(cnt.size), cnt)
            x = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt - lo, cnt)
            rem = [v.take(parent) for v in rem]
            rem[i] -= x
            need, below = need.take(parent) - x, below.take(parent)
            acc_lg, acc_s = acc_lg.take(parent) + lgf(x), acc_s.take(parent) + xlx(x)
            if want_tables:
                steps.append(((i, j), parent, x))
        acc_lg += lgf(need)
        acc_s += xlx(need)
        rem[r - 1] -= need
        left -= int(cr[j])
    # the last column, cell (i, c - 1) = rem[i]: its terms added row after row, which is
    # what numpy's sum over a row of fewer than 8 of them does (pairwise summation, with
    # another order, starts at 8; there the 2-D sum itself)
    if r < 8:
        last_lg, last_s = lgf(rem[0]), xlx(rem[0])
        for v in rem[1:]:
            last_lg, last_s = last_lg + lgf(v), last_s + xlx(v)
    else:
        cells = np.stack(rem, axis=1)
        last_lg, last_s = lgf(cells).sum(axis=1), xlx(cells).sum(axis=1)
    acc_lg += last_lg
    acc_s += last_s
    return _Enumeration(rr, cr, _cdf(-acc_lg), acc_s, steps)


def _cdf(logp: np.ndarray) -> np.ndarray:
    """Distribution function from log probabilities up to a constant; last entry +inf."""
    p = np.exp(logp - logp.max())
    cdf = (p / p.sum()).cumsum()
    cdf[-1] = np.inf
    return cdf


def _xlogx(x: np.ndarray) -> np.ndarray:
    """x log x of whole counts (0 log 0 = 0), as float."""
    xf = x.astype(float, copy=False)
    return xf * np.log(np.maximum(xf, 1.0))


def _sum_xlogx(v: np.ndarray) -> float:
    """sum x log x of the whole counts v (a Python loop for short margins)."""
    if v.size > 64:
        return float(_xlogx(v).sum())
    return sum(x * math.log(x) for x in v.tolist() if x > 1)


def _xlogx_lookup(n: int, uses: int) -> np.ndarray | None:
    """Table of k log k for k = 0..n when it is cheaper than computing each of ``uses``."""
    if n + 1 > uses or n + 1 > (1 << 24):
        return None
    return _xlogx(np.arange(n + 1, dtype=float))


def _hypergeometric_block(
    ri: np.ndarray,
    ci: np.ndarray,
    n: int,
    m: int,
    rng: np.random.Generator,
    tables: np.ndarray | None,
    lookup: np.ndarray | None,
) -> np.ndarray:
    """One block of m tables by the sequential hypergeometric decomposition.

    Fills ``tables`` (m, r, c) if given; returns sum x log x of every table.
    """
    r, c = ri.size, ci.size
    xlx = lookup.take if lookup is not None else _xlogx
    rem = np.repeat(ri[:, None], m, axis=1)  # rows' remaining totals, (r, m)
    s = np.zeros(m)
    left_col = n  # balls not yet placed in columns 0..j-1 (the same in every table)
    for j in range(c - 1):
        need = np.full(m, ci[j], dtype=np.int64)
        below = np.full(m, left_col, dtype=np.int64)
        for i in range(r - 1):
            below -= rem[i]
            if i == j == 0:  # the same for every table: scalar parameters, same draws
                x = rng.hypergeometric(int(ri[0]), n - int(ri[0]), int(ci[0]), size=m)
            else:
                x = rng.hypergeometric(rem[i], below, need)
            s += xlx(x)
            rem[i] -= x
            need -= x
            if tables is not None:
                tables[:, i, j] = x
        s += xlx(need)
        rem[r - 1] -= need
        if tables is not None:
            tables[:, r - 1, j] = need
        left_col -= int(ci[j])
    s += xlx(rem).sum(axis=0)
    if tables is not None:
        tables[:, :, c - 1] = rem.T
    return s


def _scipy_block(
    ri: np.ndarray, ci: np.ndarray, m: int, rng: np.random.Generator, method: str
) -> np.ndarray:
    """``scipy.stats.random_table(ri, ci).rvs(size=m, method=method, random_state=rng)``:
    the samplers it calls, without its argument processing when scipy has them
    (the same draws; `scipy.stats._rcont`)."""
    if _RCONT is not None:
        sampler = _RCONT[0] if method == "boyett" else _RCONT[1]
        r, c = np.array(ri, dtype=np.int64), np.array(ci, dtype=np.int64)
        return np.asarray(sampler(r, c, np.int64(r.sum()), m, rng), dtype=np.int64)
    dist = stats.random_table(ri, ci)
    return dist.rvs(size=m, method=method, random_state=rng).astype(np.int64, copy=False)


def _table_blocks(
    row: object,
    col: object,
    size: int,
    rng: np.random.Generator,
    want_tables: bool,
    method: str | None,
    margins: tuple[np.ndarray, np.ndarray, int] | None = None,
    const: float | None = None,
):
    """Yield (tables or None, sum x log x) for each block of random tables; with
    ``const`` (and no tables wanted), (None, G) where G = max(2 (sum x log x - const), 0).

    Rows and columns with a zero total are zero in every table: they are left out of
    the drawing and put back in the tables returned.
    """
    ri, ci, n = margins if margins is not None else _margins(row, col)
    if method is not None and method not in TABLE_METHODS:
        raise ValueError(f"`method` must be one of {TABLE_METHODS}; got {method!r}.")
    if np.count_nonzero(ri) == ri.size and np.count_nonzero(ci) == ci.size:  # (usual)
        rows, cols, rr, cr, full = None, None, ri, ci, False
    else:
        rows, cols = ri.nonzero()[0], ci.nonzero()[0]
        rr, cr = ri[rows], ci[cols]
        full = True
    chosen, enum = _choose(rr, cr, n, size, method, want_tables)
    r, c = rr.size, cr.size
    per = block_size(ri.size * ci.size)
    lookup = None if enum is not None else _xlogx_lookup(n, min(size, per) * r * c)
    # G of each possible table once (the same floats as G of each drawn table)
    g_enum = None if enum is None or const is None else _g_of(enum.sxlogx, const)
    for start in range(0, size, per):
        m = min(per, size - start)
        if chosen == "fixed":
            fixed = (
                np.outer(rr, np.ones_like(cr)) if cr.size == 1 else np.outer(np.ones_like(rr), cr)
            )
            fixed = fixed if rr.size and cr.size else np.zeros((r, c), dtype=np.int64)
            tables = np.broadcast_to(fixed, (m, r, c)) if want_tables else None
            s = np.full(m, float(_xlogx(fixed).sum()))
        elif enum is not None:
            k = enum.draw(m, rng)
            tables = enum.tables(k) if want_tables else None
            if g_enum is not None:
                yield None, g_enum.take(k)
                continue
            s = enum.sxlogx[k]
        elif chosen == "hypergeometric":
            tables = np.empty((m, r, c), dtype=np.int64) if want_tables else None
            s = _hypergeometric_block(rr, cr, n, m, rng, tables, lookup)
        else:
            tables = _scipy_block(rr, cr, m, rng, chosen)
            x = lookup.take(tables) if lookup is not None else _xlogx(tables)
            s = np.einsum("ij->i", x.reshape(m, -1))  # (row sums; faster than sum(axis=1))
        if want_tables and full:
            out = np.zeros((m, ri.size, ci.size), dtype=np.int64)
            out[:, rows[:, None], cols[None, :]] = tables
            tables = out
        elif want_tables:
            tables = np.asarray(tables, dtype=np.int64)
        yield tables, (s if const is None else _g_of(s, const))


def _g_of(s: np.ndarray, const: float) -> np.ndarray:
    """G = 2 (sum x log x - const) of tables with fixed margins (rounding below 0 -> 0)."""
    return np.maximum(2.0 * (s - const), 0.0)


def random_tables(
    row: object,
    col: object,
    size: int,
    rng: np.random.Generator,
    method: str | None = None,
) -> np.ndarray:
    """``size`` random tables with row sums ``row`` and column sums ``col``.

    Drawn under independence (multivariate hypergeometric distribution of the table
    given its margins) by the algorithm `table_method` names (or ``method``), in blocks
    of `block_size` tables. Returns an int64 array of shape (size, r, c).
    """
    margins = _margins(row, col)
    ri, ci, _ = margins
    out = np.empty((size, ri.size, ci.size), dtype=np.int64)
    start = 0
    for tables, _ in _table_blocks(ri, ci, size, rng, True, method, margins):
        out[start : start + tables.shape[0]] = tables
        start += tables.shape[0]
    return out


def g_null_independence(
    row: object,
    col: object,
    n_resamples: int,
    rng: np.random.Generator,
    statistic: Statistic | None = None,
    method: str | None = None,
) -> np.ndarray:
    """Statistic of ``n_resamples`` random tables with margins ``row``, ``col``.

    The tables are exactly those of ``random_tables(row, col, n_resamples, rng, method)``. With
    ``statistic=None`` the result is the (uncorrected) G = 2 N I of each table, computed
    from sum x log x without storing the tables when the hypergeometric route is used;
    otherwise ``statistic(tables)`` with float tables of shape (m, r, c), block by block.
    """
    return _g_null(_margins(row, col), n_resamples, rng, statistic, method)


def _g_null(
    margins: tuple[np.ndarray, np.ndarray, int],
    n_resamples: int,
    rng: np.random.Generator,
    statistic: Statistic | None = None,
    method: str | None = None,
) -> np.ndarray:
    """`g_null_independence` with margins already checked: ``(row, col, N)``, int64
    arrays of non-negative counts with N their common total (what `_margins` returns)."""
    ri, ci, n = margins
    if statistic is not None:
        out = np.empty(n_resamples)
        start = 0
        for tables, _ in _table_blocks(ri, ci, n_resamples, rng, True, method, margins):
            out[start : start + tables.shape[0]] = statistic(tables.astype(float))
            start += tables.shape[0]
        return out
    const = _sum_xlogx(ri) + _sum_xlogx(ci) - (n * math.log(n) if n > 1 else 0.0)
    blocks = _table_blocks(ri, ci, n_resamples, rng, False, method, margins, const)
    if 0 < n_resamples <= block_size(ri.size * ci.size):  # one block
        return next(blocks)[1]
    out = np.empty(n_resamples)
    start = 0
    for _, g in blocks:
        out[start : start + g.size] = g
        start += g.size
    return out


GOF_METHODS = ("multinomial", "alias")
# the alias method's blocks stay in cache: about this many cells per block
_ALIAS_BLOCK_CELLS = 1 << 16


def gof_method(n: int, k: int) -> str:
    """The sampler `g_null_gof` uses for samples of size n over k categories."""
    return "alias" if n <= k or (k >= 100 and n <= 2 * k) else "multinomial"


def alias_table(q: object) -> tuple[np.ndarray, np.ndarray]:
    """Walker's alias table of the probabilities q (Vose 1991).

    Scaled probabilities p_k = K q_k / sum(q); indices with p_k < 1 go on a "small"
    stack and the others on a "large" stack, each in increasing order. While both are
    non-empty: pop s from small and l from large (last in, first out), set prob[s] =
    p_s, alias[s] = l, p_l = (p_l + p_s) - 1, and push l on small if p_l < 1, else on
    large. Entries left on either stack get prob 1 (alias itself).
    """
    qa = np.asarray(q, dtype=float)
    k = qa.size
    p = (qa * (k / qa.sum())).tolist()
    prob = np.ones(k)
    alias = np.arange(k, dtype=np.intp)
    small = [i for i in range(k) if p[i] < 1.0]
    large = [i for i in range(k) if p[i] >= 1.0]
    while small and large:
        s_, l_ = small.pop(), large.pop()
        prob[s_] = p[s_]
        alias[s_] = l_
        p[l_] = (p[l_] + p[s_]) - 1.0
        (small if p[l_] < 1.0 else large).append(l_)
    return prob, alias


def _alias_samples(
    n: int, prob: np.ndarray, alias: np.ndarray, m: int, rng: np.random.Generator
) -> np.ndarray:
    """m samples of n categorical draws by the alias method, as counts (m, K)."""
    k = prob.size
    j = rng.integers(0, k, size=(m, n))
    u = rng.random((m, n))
    cat = np.where(u < prob[j], j, alias[j])
    cat += (np.arange(m, dtype=np.intp) * k)[:, None]
    return np.bincount(cat.ravel(), minlength=m * k).reshape(m, k)


def _gof_blocks(n: int, qa: np.ndarray, size: int, rng: np.random.Generator, method: str | None):
    """Yield blocks of multinomial(n, q) samples (counts, (m, K)) by the chosen sampler."""
    k = qa.size
    chosen = gof_method(n, k) if method is None else method
    if chosen not in GOF_METHODS:
        raise ValueError(f"`method` must be one of {GOF_METHODS}; got {method!r}.")
    if chosen == "alias":
        per = max(1, _ALIAS_BLOCK_CELLS // max(n, k, 1))
        prob, alias = alias_table(qa)
    else:
        per = block_size(k)
    for start in range(0, size, per):
        m = min(per, size - start)
        if chosen == "alias":
            yield _alias_samples(n, prob, alias, m, rng)
        else:
            yield rng.multinomial(n, qa, size=m)


# G of large counts is evaluated in slices of about this many cells (kept in cache)
_CACHE_CELLS = 1 << 15


def _gof_g_large(x: np.ndarray, log_nq: np.ndarray) -> np.ndarray:
    """G = 2 sum_k x_k (log max(x_k, 1) - log(n q_k)) of each row of x (clipped at 0), in
    slices of rows that stay in cache, with one float copy and one log per cell."""
    m, k = x.shape
    rows = max(1, _CACHE_CELLS // max(k, 1))
    out = np.empty(m)
    xf = np.empty((min(rows, m), k))
    t = np.empty_like(xf)
    for s in range(0, m, rows):
        xs = x[s : s + rows]
        a, b = xf[: xs.shape[0]], t[: xs.shape[0]]
        a[...] = xs
        np.maximum(a, 1.0, out=b)
        np.log(b, out=b)
        b -= log_nq
        out[s : s + xs.shape[0]] = np.einsum("ij,ij->i", a, b)
    return np.maximum(2.0 * out, 0.0, out=out)


def multinomial_samples(
    n: int, q: object, size: int, rng: np.random.Generator, method: str | None = None
) -> np.ndarray:
    """``size`` samples (counts, int64 (size, K)) of Multinomial(n, q), drawn exactly as
    `g_null_gof` draws them."""
    qa = np.asarray(q, dtype=float)
    blocks = list(_gof_blocks(int(n), qa, size, rng, method))
    return (
        np.concatenate(blocks).astype(np.int64, copy=False)
        if blocks
        else np.empty((0, qa.size), np.int64)
    )


def g_null_gof(
    n: int,
    q: object,
    n_resamples: int,
    rng: np.random.Generator,
    statistic: Statistic | None = None,
    method: str | None = None,
) -> np.ndarray:
    """Statistic of ``n_resamples`` multinomial(n, q) samples.

    The sampler (``method=None``: `gof_method`) is

    * ``"multinomial"``: ``rng.multinomial(n, q, size=m)`` for blocks of m =
      `block_size`(K) samples (one binomial per category and sample);
    * ``"alias"`` (few observations per category: n <= K, or K >= 100 and n <= 2K):
      each of the n observations of a sample is one categorical draw by Walker's alias
      method (`alias_table`): for blocks of m = max(1, 2**16 // max(n, K)) samples,
      ``j = rng.integers(0, K, size=(m, n))``, ``u = rng.random((m, n))``, category =
      j where u < prob[j], else alias[j]; counts by bincount. Cost O(n) per sample.

    With ``statistic=None`` the result is G = 2 sum x log(x / (n q)) of each sample
    (categories with q_k = 0 are never drawn and contribute 0); otherwise
    ``statistic(samples)`` with float samples of shape (m, K), block by block.
    """
    qa = np.asarray(q, dtype=float)
    n = int(n)
    k = qa.size
    with np.errstate(divide="ignore"):
        log_nq = np.where(qa > 0, np.log(n * qa), 0.0)
    lookup = _xlogx_lookup(n, min(n_resamples, 1 << 16) * k) if statistic is None else None
    out = np.empty(n_resamples)
    start = 0
    for x in _gof_blocks(n, qa, n_resamples, rng, method):
        m = x.shape[0]
        if statistic is not None:
            out[start : start + m] = statistic(x.astype(float))
        elif lookup is not None:
            g = np.einsum("ij->i", lookup[x]) - x @ log_nq
            out[start : start + m] = np.maximum(2.0 * g, 0.0)
        else:
            out[start : start + m] = _gof_g_large(x, log_nq)
        start += m
    return out
