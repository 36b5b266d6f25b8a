"""Monte Carlo kernels of the G-tests: random r x c tables with fixed margins, multinomial
samples, and the G statistic of many of them at once.

Every function here draws from a `numpy.random.Generator` in a fixed, documented order, so
a seed reproduces the null distribution exactly:

* Tables are drawn in blocks of ``block_size(r * c)`` tables (about 2**20 cells), which
  bounds memory whatever the number of replicates.
* Random tables with row sums ``row`` and column sums ``col`` (total N) come from one of
  four algorithms, chosen by `table_method` from the margins alone:

  - ``"inversion"`` (2 x 2 tables whose cell (0, 0) has at most 2048 possible values):
    cell (0, 0) is hypergeometric, x ~ H(R_0 good, R_1 bad, C_0 drawn), on lo = max(0,
    C_0 - R_1), ..., hi = min(R_0, C_0). Its probabilities p_k proportional to
    C(R_0, k) C(R_1, C_0 - k) are computed once (`scipy.special.gammaln`) and divided by
    their sum; with F the cumulative sums and ``u = rng.random(m)`` for each block of m
    tables, x = lo + #{k : F_k <= u} (at most hi): the inverse of the distribution
    function. The other three cells follow from the margins.
  - ``"hypergeometric"`` (N >= 1000 r c, N < 10**9): the sequential conditional
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
# 2 x 2 tables are drawn by inversion when cell (0, 0) has at most this many values
_INVERSION_MAX_SUPPORT = 1 << 11
# the hypergeometric decomposition is used from this many observations per cell on
_HYPERGEOMETRIC_N_PER_CELL = 1000
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


def table_method(row: object, col: object) -> str:
    """The algorithm `random_tables` uses for these margins (see the module docstring).

    Rows and columns with zero totals do not count; ``"fixed"`` when at most one row or
    column is non-empty (the margins determine the table; nothing is drawn).
    """
    return _method_for(*_margins(row, col))


def _method_for(ri: np.ndarray, ci: np.ndarray, n: int) -> str:
    r, c = int(np.count_nonzero(ri)), int(np.count_nonzero(ci))
    if r <= 1 or c <= 1:
        return "fixed"
    cells = r * c
    if cells == 4:
        nz_r, nz_c = ri[ri > 0], ci[ci > 0]
        if (
            min(int(nz_r[0]), int(nz_c[0])) - max(0, int(nz_c[0] - nz_r[1]))
            < _INVERSION_MAX_SUPPORT
        ):
            return "inversion"
    if _HYPERGEOMETRIC_N_PER_CELL * cells <= n <= _HYPERGEOMETRIC_MAX_N:
        return "hypergeometric"
    if n > math.log(n + 1) * cells:
        return "patefield"
    return "boyett"


def _xlogx(x: np.ndarray) -> np.ndarray:
    """x log x of whole counts (0 log 0 = 0), as float."""
    xf = x.astype(float, copy=False)
    return xf * np.log(np.maximum(xf, 1.0))


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
    xlx = (lambda v: lookup[v]) if lookup is not None else _xlogx
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


def _inversion_cdf(ri: np.ndarray, ci: np.ndarray) -> tuple[int, np.ndarray]:
    """Support start and distribution function of cell (0, 0) of a 2 x 2 table."""
    r0, r1, c0 = int(ri[0]), int(ri[1]), int(ci[0])
    lo, hi = max(0, c0 - r1), min(r0, c0)
    k = np.arange(lo, hi + 1, dtype=float)
    lg = special.gammaln
    logp = -(lg(k + 1) + lg(r0 - k + 1) + lg(c0 - k + 1) + lg(r1 - c0 + k + 1))
    p = np.exp(logp - logp.max())
    return lo, np.cumsum(p / p.sum())


def _inversion_block(lo: int, cdf: np.ndarray, m: int, rng: np.random.Generator) -> np.ndarray:
    """Cell (0, 0) of m random 2 x 2 tables by inversion (see the module docstring)."""
    k = np.searchsorted(cdf, rng.random(m), side="right")
    return lo + np.minimum(k, cdf.size - 1)


def _two_by_two(x: np.ndarray, ri: np.ndarray, ci: np.ndarray) -> np.ndarray:
    """The (m, 2, 2) tables with cell (0, 0) x and margins ri, ci."""
    out = np.empty((x.size, 2, 2), dtype=np.int64)
    out[:, 0, 0] = x
    out[:, 0, 1] = ri[0] - x
    out[:, 1, 0] = ci[0] - x
    out[:, 1, 1] = ri[1] - ci[0] + x
    return out


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
):
    """Yield (tables or None, sum x log x) for each block of random tables.

    Rows and columns with a zero total are zero in every table: they are left out of
    the drawing and put back in the tables returned.
    """
    ri, ci, n = margins if margins is not None else _margins(row, col)
    if method is not None and method not in TABLE_METHODS:
        raise ValueError(f"`method` must be one of {TABLE_METHODS}; got {method!r}.")
    rows, cols = np.flatnonzero(ri), np.flatnonzero(ci)
    rr, cr = ri[rows], ci[cols]
    full = rows.size < ri.size or cols.size < ci.size
    chosen = _method_for(ri, ci, n) if method is None else method
    if rows.size <= 1 or cols.size <= 1:
        chosen = "fixed"  # one non-empty row or column: the margins determine the table
    elif chosen == "hypergeometric" and n > _HYPERGEOMETRIC_MAX_N:
        raise ValueError(f"method='hypergeometric' needs N < 10**9; got N = {n}.")
    r, c = rr.size, cr.size
    per = block_size(ri.size * ci.size)
    if chosen == "inversion":
        if r != 2 or c != 2:
            raise ValueError(f"method='inversion' is for 2 x 2 tables; got {r} x {c}.")
        lo, cdf = _inversion_cdf(rr, cr)
        # sum x log x of the table with each possible cell (0, 0)
        s_of = _xlogx(_two_by_two(lo + np.arange(cdf.size), rr, cr)).reshape(-1, 4).sum(axis=1)
        lookup = None
    else:
        lookup = _xlogx_lookup(n, min(size, per) * r * c)
    for start in range(0, size, per):
        m = min(per, size - start)
        if chosen == "fixed":
            fixed = (
                np.outer(rr, np.ones_like(cr)) if cr.size == 1 else np.outer(np.ones_like(rr), cr)
            )
            fixed = fixed if rows.size and cols.size else np.zeros((r, c), dtype=np.int64)
            tables = np.broadcast_to(fixed, (m, r, c)) if want_tables else None
            s = np.full(m, float(_xlogx(fixed).sum()))
        elif chosen == "inversion":
            x = _inversion_block(lo, cdf, m, rng)
            tables = _two_by_two(x, rr, cr) if want_tables else None
            s = s_of[x - lo]
        elif chosen == "hypergeometric":
            tables = np.empty((m, r, c), dtype=np.int64) if want_tables else None
            s = _hypergeometric_block(rr, cr, n, m, rng, tables, lookup)
        else:
            tables = _scipy_block(rr, cr, m, rng, chosen)
            x = lookup[tables] if lookup is not None else _xlogx(tables)
            s = np.einsum("ij->i", x.reshape(m, -1))  # (row sums; faster than sum(axis=1))
        if want_tables and full:
            out = np.zeros((m, ri.size, ci.size), dtype=np.int64)
            out[:, rows[:, None], cols[None, :]] = tables
            tables = out
        elif want_tables:
            tables = np.asarray(tables, dtype=np.int64)
        yield tables, s


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
    margins = _margins(row, col)
    ri, ci, n = margins
    const = float(_xlogx(ri).sum() + _xlogx(ci).sum() - _xlogx(np.array([n]))[0])
    out = np.empty(n_resamples)
    start = 0
    for tables, s in _table_blocks(
        ri, ci, n_resamples, rng, statistic is not None, method, margins
    ):
        m = s.size
        if statistic is None:
            out[start : start + m] = np.maximum(2.0 * (s - const), 0.0)
        else:
            out[start : start + m] = statistic(tables.astype(float))
        start += m
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
        else:
            xlx = lookup[x] if lookup is not None else _xlogx(x)
            g = np.einsum("ij->i", xlx) - x @ log_nq
            out[start : start + m] = np.maximum(2.0 * g, 0.0)
        start += m
    return out
