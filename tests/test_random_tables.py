"""Monte Carlo kernels of the G-tests: random tables with fixed margins, multinomial
samples and G of many of them (klstats._kernels._random_tables).

Each algorithm is re-implemented naively here (scalar draws, one table at a time, G by
scipy) and compared exactly for a seed; the tables' distribution is compared with the
exact multivariate hypergeometric probabilities of every table with the margins.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

import klstats as kls
from klstats._kernels import _random_tables as rt
from klstats._kernels._counts import mi_plugin

METHODS = rt.TABLE_METHODS


# --------------------------------------------------------------------------- helpers


def naive_hypergeometric_tables(row, col, size, rng, block):
    """The documented sequential decomposition with one scalar draw at a time; rows and
    columns with zero totals are left out of the drawing and put back as zeros."""
    row, col = np.asarray(row, dtype=np.int64), np.asarray(col, dtype=np.int64)
    keep_r, keep_c = np.flatnonzero(row), np.flatnonzero(col)
    out = np.zeros((size, row.size, col.size), dtype=np.int64)
    out[:, keep_r[:, None], keep_c[None, :]] = _naive_hg(
        row[keep_r], col[keep_c], size, rng, block
    )
    return out


def _naive_hg(row, col, size, rng, block):
    row, col = list(map(int, row)), list(map(int, col))
    r, c, n = len(row), len(col), sum(row)
    out = np.zeros((size, r, c), dtype=np.int64)
    for start in range(0, size, block):
        reps = range(start, min(start + block, size))
        rem = {b: list(row) for b in reps}
        left = n
        for j in range(c - 1):
            need = {b: col[j] for b in reps}
            below = {b: left for b in reps}
            for i in range(r - 1):
                for b in reps:  # one call per cell draws every table of the block in order
                    below[b] -= rem[b][i]
                    x = int(rng.hypergeometric(rem[b][i], below[b], need[b]))
                    out[b, i, j] = x
                    rem[b][i] -= x
                    need[b] -= x
            for b in reps:
                out[b, r - 1, j] = need[b]
                rem[b][r - 1] -= need[b]
            left -= col[j]
        for b in reps:
            out[b, :, c - 1] = rem[b]
    return out


def documented_order(row, col):
    """Every table with the (positive) margins, brute force, sorted in the documented
    order: lexicographic in the free cells read column by column."""
    r, c = len(row), len(col)
    tabs = list(all_tables(row, col))
    return sorted(tabs, key=lambda t: tuple(t[: r - 1, : c - 1].T.ravel()))


def naive_inversion_tables(row, col, size, rng, block):
    """The documented inversion: every table enumerated (brute force) in the documented
    order, probabilities by scipy.stats.random_table(...).pmf, table number
    min(#{k : F_k <= u}, T - 1), one uniform per table; zero rows/columns put back."""
    row, col = np.asarray(row, dtype=np.int64), np.asarray(col, dtype=np.int64)
    keep_r, keep_c = np.flatnonzero(row), np.flatnonzero(col)
    rr, cr = row[keep_r], col[keep_c]
    tabs = documented_order(list(rr), list(cr))
    p = stats.random_table(rr, cr).pmf(np.array(tabs))
    cdf = np.cumsum(p / p.sum())
    out = np.zeros((size, row.size, col.size), dtype=np.int64)
    for start in range(0, size, block):
        for b, u in zip(
            range(start, min(start + block, size)),
            rng.random(min(block, size - start)),
            strict=True,
        ):
            k = min(sum(1 for f in cdf if f <= u), len(tabs) - 1)
            out[b][keep_r[:, None], keep_c[None, :]] = tabs[k]
    return out


def g_scipy(table):
    """G of one table by scipy (no correction)."""
    t = np.asarray(table, dtype=float)
    keep_r, keep_c = t.sum(1) > 0, t.sum(0) > 0
    t = t[keep_r][:, keep_c]
    if min(t.shape) < 2:
        return 0.0
    return stats.chi2_contingency(t, lambda_="log-likelihood", correction=False).statistic


def all_tables(row, col):
    """Every non-negative integer table with the given margins."""
    row, col = list(row), list(col)
    if len(row) == 1:
        yield np.array([col])
        return
    for first in itertools.product(*(range(min(row[0], cj) + 1) for cj in col)):
        if sum(first) != row[0]:
            continue
        rest = [cj - fj for cj, fj in zip(col, first, strict=True)]
        for sub in all_tables(row[1:], rest):
            yield np.vstack([first, sub])


def log_prob_table(t, row, col):
    """Multivariate hypergeometric log probability of a table given its margins."""
    n = sum(row)
    lg = special.gammaln
    return (
        lg(np.add(row, 1)).sum()
        + lg(np.add(col, 1)).sum()
        - lg(n + 1)
        - lg(np.asarray(t) + 1.0).sum()
    )


# --------------------------------------------------------------------------- method rule


class TestMethodRule:
    def test_rule(self):
        assert rt.table_method([1000, 1000, 1000], [1000, 1000, 1000]) == "patefield"
        assert rt.table_method([3000] * 3, [3000] * 3, 5000) == "hypergeometric"
        # tables of 5 to 20 cells with B < 5000: from 2000 observations per cell on
        assert rt.table_method([3000] * 3, [3000] * 3, 4999) == "patefield"
        assert rt.table_method([5999, 6000, 6000], [6000, 6000, 5999], 2000) == "patefield"
        assert rt.table_method([6000] * 3, [6000] * 3, 2000) == "hypergeometric"
        assert rt.table_method([2500] * 2, [2500] * 2, 2000) == "hypergeometric"  # 4 cells
        assert rt.table_method([4000] * 7, [7000] * 4, 2000) == "hypergeometric"  # 28 cells
        assert rt.table_method([5000] * 4, [4000] * 5, 2000) == "patefield"  # 20 cells
        assert rt.table_method([5000] * 4, [4000] * 5, 5000) == "hypergeometric"
        assert rt.table_method([1, 2, 1], [1, 1, 1, 1]) == "boyett"
        assert rt.table_method([30, 20], [25, 25]) == "inversion"
        assert rt.table_method([4000, 0, 1000], [2046, 0, 2954]) == "inversion"  # 2047 values
        assert rt.table_method([3000, 3000], [3000, 3000]) == "hypergeometric"  # 3001 values
        assert rt.table_method([30, 20, 0], [50, 0]) == "fixed"
        big = [10**9, 10**9]
        assert rt.table_method(big, big) == "patefield"  # beyond numpy's hypergeometric
        # inversion when there are at most as many tables as tables to draw (8,484)
        row, col = [14, 15, 21], [12, 14, 24]
        assert len(documented_order(row, col)) == 8484
        assert rt.table_method(row, col) == "patefield"
        assert rt.table_method(row, col, 8483) == "patefield"
        assert rt.table_method(row, col, 8484) == "inversion"
        assert rt.table_method([0, *row], [*col, 0], 99_999) == "inversion"
        assert rt.table_method([3000, 3000], [3000, 3000], 3001) == "inversion"
        assert rt.table_method([3000] * 3, [3000] * 3, 10**7) == "hypergeometric"  # > 2**20

    def test_bad_margins(self):
        with pytest.raises(ValueError, match="same total"):
            rt.random_tables([1, 2], [2, 2], 3, np.random.default_rng(0))
        with pytest.raises(ValueError, match="whole counts"):
            rt.random_tables([1.5, 2.5], [2, 2], 3, np.random.default_rng(0))
        with pytest.raises(ValueError, match="method"):
            rt.random_tables([2, 2], [2, 2], 3, np.random.default_rng(0), method="x")
        with pytest.raises(ValueError, match="more than 262,144"):
            rt.random_tables([50] * 4, [50] * 4, 3, np.random.default_rng(0), "inversion")


# --------------------------------------------------------------------------- margins


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 30), min_size=1, max_size=5),
    st.lists(st.floats(0.0, 1.0), min_size=1, max_size=5),
    st.sampled_from(METHODS),
    st.integers(0, 2**32 - 1),
)
def test_margins_are_exact(row, weights, method, seed):
    if method == "inversion":  # few tables
        row = [min(v, 6) for v in row[:3]]
    n = sum(row)
    w = np.asarray(weights) + 1e-9
    col = np.random.default_rng(seed).multinomial(n, w / w.sum())
    tabs = rt.random_tables(row, col, 25, np.random.default_rng(seed), method=method)
    assert tabs.dtype == np.int64 and tabs.shape == (25, len(row), col.size)
    assert np.all(tabs >= 0)
    np.testing.assert_array_equal(tabs.sum(axis=2), np.broadcast_to(row, (25, len(row))))
    np.testing.assert_array_equal(tabs.sum(axis=1), np.broadcast_to(col, (25, col.size)))


# --------------------------------------------------------------------------- same draws


class TestDocumentedAlgorithm:
    @pytest.mark.parametrize(
        "row, col", [([3, 5, 2], [4, 1, 2, 3]), ([7, 0, 4], [5, 6]), ([9000, 1000], [4000, 6000])]
    )
    @pytest.mark.parametrize("block_cells", [None, 40])
    def test_hypergeometric_equals_naive(self, row, col, block_cells, monkeypatch):
        if block_cells is not None:  # several blocks: the order of draws is per block
            monkeypatch.setattr(rt, "BLOCK_CELLS", block_cells)
        size = 23
        block = rt.block_size(len(row) * len(col))
        got = rt.random_tables(row, col, size, np.random.default_rng(11), "hypergeometric")
        want = naive_hypergeometric_tables(row, col, size, np.random.default_rng(11), block)
        np.testing.assert_array_equal(got, want)
        g = rt.g_null_independence(
            row, col, size, np.random.default_rng(11), None, "hypergeometric"
        )
        np.testing.assert_allclose(g, [g_scipy(t) for t in want], rtol=1e-9, atol=1e-9)

    @pytest.mark.parametrize(
        "row, col, size",
        [
            ([22, 28], [25, 25], 23),
            ([7, 0, 4], [5, 6], 23),
            ([1, 900], [450, 451], 23),
            ([3, 5, 2], [4, 1, 2, 3], 300),
            ([4, 0, 3, 3], [2, 3, 0, 5], 150),
            ([6, 2], [1, 3, 2, 2], 40),
        ],
    )
    @pytest.mark.parametrize("block_cells", [None, 40])
    def test_inversion_equals_naive(self, row, col, size, block_cells, monkeypatch):
        if block_cells is not None:
            monkeypatch.setattr(rt, "BLOCK_CELLS", block_cells)
        block = rt.block_size(len(row) * len(col))
        assert rt.table_method(row, col, size) == "inversion"
        got = rt.random_tables(row, col, size, np.random.default_rng(11))
        want = naive_inversion_tables(row, col, size, np.random.default_rng(11), block)
        np.testing.assert_array_equal(got, want)
        g = rt.g_null_independence(row, col, size, np.random.default_rng(11))
        np.testing.assert_allclose(g, [g_scipy(t) for t in want], rtol=1e-9, atol=1e-9)

    @pytest.mark.parametrize(
        "row, col",
        [
            ([3, 5, 2], [4, 1, 2, 3]),
            ([9, 7], [6, 10]),
            ([2, 2, 3, 1], [4, 4]),
            ([90, 60], [80, 70]),
            ([1, 2, 1, 1, 2, 1, 1], [4, 5]),  # 7 rows: last column added row by row
            ([1] * 8 + [2], [5, 5]),  # 9 rows: numpy's sum over the rows
        ],
    )
    def test_enumeration_is_the_exact_distribution(self, row, col):
        """The enumerated tables, in order, and their probabilities: brute force and
        scipy.stats.random_table(...).pmf."""
        tabs = np.array(documented_order(row, col))
        ri, ci = np.array(row), np.array(col)
        enum = rt._enumerate(ri, ci, int(ri.sum()), tabs.shape[0], True)
        assert rt._enumerate(ri, ci, int(ri.sum()), tabs.shape[0] - 1, False) is None
        # Good's approximation of the number of tables (the pre-screen): close
        est = math.exp(rt._log_tables_estimate(ri, ci, int(ri.sum())))
        assert 0.7 < est / tabs.shape[0] < 1.4, est
        np.testing.assert_array_equal(enum.tables(np.arange(tabs.shape[0])), tabs)
        pmf = stats.random_table(row, col).pmf(tabs)
        assert math.isclose(pmf.sum(), 1.0, rel_tol=1e-12)
        np.testing.assert_allclose(enum.cdf[:-1], np.cumsum(pmf)[:-1], rtol=1e-12, atol=1e-15)
        assert enum.cdf[-1] == np.inf
        np.testing.assert_allclose(
            enum.sxlogx, special.xlogy(tabs, tabs).sum(axis=(1, 2)), rtol=1e-12
        )
        # the guide table only speeds up the search: the formula's indices
        u = np.random.default_rng(1).random(5000)
        got = enum.draw(5000, np.random.default_rng(1))
        want = np.minimum(np.searchsorted(enum.cdf, u, side="right"), tabs.shape[0] - 1)
        np.testing.assert_array_equal(got, want)

    @pytest.mark.parametrize("method", ["patefield", "boyett"])
    @pytest.mark.parametrize("block_cells", [None, 50])
    def test_scipy_methods_equal_scipy(self, method, block_cells, monkeypatch):
        if block_cells is not None:
            monkeypatch.setattr(rt, "BLOCK_CELLS", block_cells)
        row, col, size = [6, 3, 8], [5, 5, 7], 31
        block = rt.block_size(9)
        got = rt.random_tables(row, col, size, np.random.default_rng(3), method)
        gen = np.random.default_rng(3)
        dist = stats.random_table(row, col)
        want = np.concatenate(
            [
                dist.rvs(size=min(block, size - s), method=method, random_state=gen)
                for s in range(0, size, block)
            ]
        )
        np.testing.assert_array_equal(got, want)

    @pytest.mark.parametrize("method", ["patefield", "boyett"])
    def test_scipy_samplers_called_directly_equal_public_api(self, method, monkeypatch):
        row, col = [6, 3, 8], [5, 5, 7]
        direct = rt.random_tables(row, col, 40, np.random.default_rng(5), method)
        monkeypatch.setattr(rt, "_RCONT", None)  # through scipy.stats.random_table
        public = rt.random_tables(row, col, 40, np.random.default_rng(5), method)
        np.testing.assert_array_equal(direct, public)

    def test_auto_method_is_the_rule(self):
        for row, col, size in [
            ([3000, 1000], [2500, 1500], 17),
            ([3, 5], [4, 4], 17),
            ([1, 1, 1], [2, 1], 17),
            ([5, 4, 6], [3, 7, 5], 17),
            ([5, 4, 6], [3, 7, 5], 500),
        ]:
            m = rt.table_method(row, col, size)
            a = rt.random_tables(row, col, size, np.random.default_rng(5))
            b = rt.random_tables(row, col, size, np.random.default_rng(5), m)
            np.testing.assert_array_equal(a, b)

    @pytest.mark.parametrize("method", METHODS)
    def test_g_of_tables(self, method):
        row, col = [40, 25, 35], [30, 30, 20, 20]
        if method == "inversion":
            row, col = [4, 2, 5], [3, 3, 2, 3]
        tabs = rt.random_tables(row, col, 200, np.random.default_rng(8), method)
        g = rt.g_null_independence(row, col, 200, np.random.default_rng(8), None, method)
        np.testing.assert_allclose(g, 2 * sum(row) * mi_plugin(tabs.astype(float)), atol=1e-9)
        # a statistic callable sees exactly the same tables
        s = rt.g_null_independence(
            row, col, 200, np.random.default_rng(8), lambda t: t[:, 0, 0] * 1.0, method
        )
        np.testing.assert_array_equal(s, tabs[:, 0, 0])

    def test_gof_g_of_large_counts(self):
        """N large against the replicates (no x log x lookup): G by scipy, q_k = 0 too."""
        q = np.array([0.5, 0.0, 0.2, 0.3, 1e-7])
        q /= q.sum()
        n, size = 10**7, 30
        g = rt.g_null_gof(n, q, size, np.random.default_rng(4))
        x = np.random.default_rng(4).multinomial(n, q, size=size)
        keep = q > 0
        want = [
            stats.power_divergence(xi[keep], n * q[keep], lambda_="log-likelihood").statistic
            for xi in x
        ]
        np.testing.assert_allclose(g, want, rtol=1e-7, atol=1e-7)

    def test_gof_kernel_equals_numpy_multinomial(self, monkeypatch):
        monkeypatch.setattr(rt, "BLOCK_CELLS", 64)
        q = np.array([0.5, 0.0, 0.2, 0.3])
        n, size = 37, 45
        g = rt.g_null_gof(n, q, size, np.random.default_rng(4))
        gen = np.random.default_rng(4)
        block = rt.block_size(q.size)
        x = np.concatenate(
            [gen.multinomial(n, q, size=min(block, size - s)) for s in range(0, size, block)]
        )
        keep = q > 0
        want = [
            stats.power_divergence(xi[keep], n * q[keep], lambda_="log-likelihood").statistic
            for xi in x
        ]
        np.testing.assert_allclose(g, want, rtol=1e-10, atol=1e-10)
        s = rt.g_null_gof(n, q, size, np.random.default_rng(4), lambda v: v[:, 0])
        np.testing.assert_array_equal(s, x[:, 0])


# --------------------------------------------------------------------------- distribution


@pytest.mark.parametrize("method", METHODS)
def test_tables_follow_multivariate_hypergeometric(method):
    """Frequencies of every possible table against its exact probability (chi-square)."""
    row, col = [3, 2, 2], [2, 3, 2]
    tables = list(all_tables(row, col))
    probs = np.exp([log_prob_table(t, row, col) for t in tables])
    assert math.isclose(probs.sum(), 1.0, rel_tol=1e-12)
    B = 40_000
    draws = rt.random_tables(row, col, B, np.random.default_rng(2026), method)
    keys = {t.tobytes(): i for i, t in enumerate(tables)}
    idx = np.array([keys[d.tobytes()] for d in draws])
    observed = np.bincount(idx, minlength=len(tables))
    # pool cells with expected count < 5 so the chi-square reference holds
    expected = B * probs
    small = expected < 5
    obs = np.append(observed[~small], observed[small].sum())
    exp = np.append(expected[~small], expected[small].sum())
    if exp[-1] == 0:
        obs, exp = obs[:-1], exp[:-1]
    p = stats.chisquare(obs, exp).pvalue
    assert p > 1e-3, (method, p)


def test_hypergeometric_marginal_of_one_cell_large_n():
    """Cell (0, 0) of a large-N table is hypergeometric: mean and variance."""
    row, col = [30000, 20000, 50000], [10000, 60000, 30000]
    B = 20_000
    x = rt.random_tables(row, col, B, np.random.default_rng(9))[:, 0, 0]
    assert rt.table_method(row, col) == "hypergeometric"
    d = stats.hypergeom(100000, 30000, 10000)
    assert abs(x.mean() - d.mean()) < 4 * d.std() / math.sqrt(B)
    # variance within 4 standard errors (kurtosis ~ 3 for this near-normal cell)
    assert abs(x.var() / d.var() - 1) < 4 * math.sqrt(2 / B)


# --------------------------------------------------------------------------- p-values


def _exact_conditional_pvalue(t):
    row, col = t.sum(1).astype(int), t.sum(0).astype(int)
    g_obs = g_scipy(t)
    p = 0.0
    for tab in all_tables(row, col):
        if g_scipy(tab) >= g_obs - 1e-9:
            p += math.exp(log_prob_table(tab, row, col))
    return p


@pytest.mark.parametrize(
    "table", [[[5, 1, 2], [1, 4, 0]], [[3, 0], [1, 4], [2, 2]], [[7, 1], [2, 6]]]
)
def test_montecarlo_pvalue_agrees_with_enumeration(table):
    t = np.array(table)
    exact = _exact_conditional_pvalue(t)
    B = 20_000
    res = kls.g_test_independence(t, method="montecarlo", n_resamples=B, rng=12)
    se = math.sqrt(exact * (1 - exact) / B)
    assert abs(res.pvalue - exact) < 4 * se + 1.0 / B


def test_inversion_pvalue_agrees_with_brute_force_and_is_reproducible():
    """3 x 3, N = 50, B = 99,999: the 8,484 tables are enumerated and drawn by inversion;
    the p-value is within Monte Carlo error of the exact conditional p-value (brute
    force, scipy's pmf), and a seed reproduces it."""
    t = np.array([[6, 3, 5], [4, 6, 5], [2, 5, 14]])
    row, col = t.sum(1), t.sum(0)
    B = 99_999
    assert rt.table_method(row, col, B) == "inversion"
    res = kls.g_test_independence(t, method="montecarlo", n_resamples=B, rng=2024)
    tabs = np.array(documented_order(list(row), list(col)))
    p = stats.random_table(row, col).pmf(tabs)
    g = np.array([g_scipy(tb) for tb in tabs[:: max(1, tabs.shape[0] // 50)]])
    const = special.xlogy(row, row).sum() + special.xlogy(col, col).sum() - 50 * math.log(50)
    g_all = 2 * (special.xlogy(tabs, tabs).sum(axis=(1, 2)) - const)
    np.testing.assert_allclose(g_all[:: max(1, tabs.shape[0] // 50)], g, atol=1e-9)
    exact = math.fsum(p[g_all >= g_scipy(t) * (1 - 1e-9)])
    se = math.sqrt(exact * (1 - exact) / B)
    assert abs(res.pvalue - exact) < 4 * se + 1.0 / B
    again = kls.g_test_independence(t, method="montecarlo", n_resamples=B, rng=2024)
    assert again.pvalue == res.pvalue
    np.testing.assert_array_equal(again.null_distribution, res.null_distribution)


@pytest.mark.parametrize(
    "table",
    [
        [[1500, 2600], [2700, 3200]],
        [[12, 5, 7], [3, 9, 4]],
        [[1, 0, 2], [0, 3, 1]],
        [[12, 5], [4, 11]],
    ],
)
def test_montecarlo_pvalue_equals_documented_algorithm(table):
    """g_test_independence's p-value, for a seed, equals a naive re-implementation."""
    t = np.array(table)
    B = 199
    res = kls.g_test_independence(t, method="montecarlo", n_resamples=B, rng=77)
    row, col = t.sum(1), t.sum(0)
    gen = np.random.default_rng(77)
    method = rt.table_method(row, col, B)
    block = rt.block_size(t.size)
    if method == "hypergeometric":
        tabs = naive_hypergeometric_tables(row, col, B, gen, block)
    elif method == "inversion":
        tabs = naive_inversion_tables(row, col, B, gen, block)
    else:
        dist = stats.random_table(row, col)
        tabs = dist.rvs(size=B, method=method, random_state=gen)  # B < block: one block
    null = np.array([g_scipy(tb) for tb in tabs])
    g_obs = g_scipy(t)
    pvalue = (1 + np.count_nonzero(null >= g_obs * (1 - 1e-9))) / (B + 1)
    assert res.pvalue == pvalue
    np.testing.assert_allclose(res.null_distribution, null, rtol=1e-9, atol=1e-9)


def test_gof_montecarlo_equals_documented_algorithm_and_exact():
    x = np.array([9, 3, 2, 6])
    q = np.array([0.4, 0.2, 0.2, 0.2])
    B = 20_000
    res = kls.g_test(x, q, method="montecarlo", n_resamples=B, rng=5)
    gen = np.random.default_rng(5)
    block = rt.block_size(q.size)
    draws = np.concatenate(
        [gen.multinomial(20, q, size=min(block, B - s)) for s in range(0, B, block)]
    )
    g_draws = 2 * special.xlogy(draws, draws / (20 * q)).sum(axis=1)
    g_obs = 2 * special.xlogy(x, x / (20 * q)).sum()
    want = (1 + np.count_nonzero(g_draws >= g_obs * (1 - 1e-9))) / (B + 1)
    assert res.pvalue == want
    # brute-force enumeration of all outcomes
    exact = 0.0
    for a in range(21):
        for b in range(21 - a):
            for c in range(21 - a - b):
                v = np.array([a, b, c, 20 - a - b - c])
                if 2 * special.xlogy(v, v / (20 * q)).sum() >= g_obs * (1 - 1e-9):
                    exact += stats.multinomial.pmf(v, 20, q)
    se = math.sqrt(exact * (1 - exact) / B)
    assert abs(res.pvalue - exact) < 4 * se + 1.0 / B


def test_williams_and_yates_use_the_same_draws():
    t = np.array([[12, 5], [4, 11]])
    plain = kls.g_test_independence(t, method="montecarlo", n_resamples=499, rng=3)
    will = kls.g_test_independence(
        t, method="montecarlo", n_resamples=499, rng=3, correction="williams"
    )
    np.testing.assert_allclose(will.null_distribution * will.williams_q, plain.null_distribution)
    yates = kls.g_test_independence(
        t, method="montecarlo", n_resamples=499, rng=3, correction="yates"
    )
    assert np.all(yates.null_distribution <= plain.null_distribution + 1e-12)


def test_many_blocks_bounded(monkeypatch):
    """More replicates than one block: every block drawn, results finite."""
    monkeypatch.setattr(rt, "BLOCK_CELLS", 1000)
    row, col = [40000, 60000], [30000, 70000]
    g = rt.g_null_independence(row, col, 2_345, np.random.default_rng(1))
    assert g.shape == (2_345,) and np.all(np.isfinite(g)) and np.all(g >= 0)
    # G of a 2 x 2 table under H0 is about chi-square(1): mean 1
    assert abs(g.mean() - 1) < 4 * math.sqrt(2 / g.size)


# --------------------------------------------------------------------------- alias sampler


def naive_alias_table(q):
    """Vose's alias table as documented, written out again."""
    k = len(q)
    p = [qi * k / sum(q) for qi in q]
    prob, alias = [1.0] * k, list(range(k))
    small = [i for i in range(k) if p[i] < 1.0]
    large = [i for i in range(k) if p[i] >= 1.0]
    while small and large:
        s, big = small.pop(), large.pop()
        prob[s], alias[s] = p[s], big
        p[big] = (p[big] + p[s]) - 1.0
        (small if p[big] < 1.0 else large).append(big)
    return np.array(prob), np.array(alias)


def test_gof_method_rule():
    assert rt.gof_method(10, 10) == "alias"
    assert rt.gof_method(11, 10) == "multinomial"
    assert rt.gof_method(200, 100) == "alias"
    assert rt.gof_method(201, 100) == "multinomial"
    with pytest.raises(ValueError, match="method"):
        rt.g_null_gof(5, [0.5, 0.5], 3, np.random.default_rng(0), method="x")


def test_alias_table_is_vose():
    q = np.array([0.1, 0.0, 0.35, 0.05, 0.2, 0.3])
    prob, alias = rt.alias_table(q)
    want_p, want_a = naive_alias_table(list(q))
    np.testing.assert_array_equal(prob, want_p)
    np.testing.assert_array_equal(alias, want_a)
    # the table reproduces q: mass of k = (prob_k + sum over j aliased to k of 1 - prob_j) / K
    mass = prob.copy()
    np.add.at(mass, alias, 1.0 - prob)
    np.testing.assert_allclose(mass / q.size, q, atol=1e-15)


@pytest.mark.parametrize("block_cells", [None, 30])
def test_alias_samples_equal_naive(block_cells, monkeypatch):
    if block_cells is not None:
        monkeypatch.setattr(rt, "_ALIAS_BLOCK_CELLS", block_cells)
    q = np.array([0.1, 0.0, 0.35, 0.05, 0.2, 0.3])
    n, size = 5, 37
    got = rt.multinomial_samples(n, q, size, np.random.default_rng(6), "alias")
    gen = np.random.default_rng(6)
    prob, alias = naive_alias_table(list(q))
    per = max(1, rt._ALIAS_BLOCK_CELLS // max(n, q.size))
    want = np.zeros((size, q.size))
    for start in range(0, size, per):
        m = min(per, size - start)
        j = gen.integers(0, q.size, size=(m, n))
        u = gen.random((m, n))
        for b in range(m):
            for t in range(n):
                k = j[b, t] if u[b, t] < prob[j[b, t]] else alias[j[b, t]]
                want[start + b, k] += 1
    np.testing.assert_array_equal(got, want)
    g = rt.g_null_gof(n, q, size, np.random.default_rng(6), None, "alias")
    keep = q > 0
    ref = [
        stats.power_divergence(w[keep], n * q[keep], lambda_="log-likelihood").statistic
        for w in want
    ]
    np.testing.assert_allclose(g, ref, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("method", rt.GOF_METHODS)
def test_gof_samples_follow_multinomial(method):
    """Frequencies of every outcome of Multinomial(3, q) against their probabilities."""
    q = np.array([0.4, 0.3, 0.2, 0.1])
    n, B = 3, 40_000
    x = rt.multinomial_samples(n, q, B, np.random.default_rng(2027), method)
    assert np.all(x.sum(axis=1) == n)
    outcomes = [v for v in itertools.product(range(n + 1), repeat=4) if sum(v) == n]
    index = {v: i for i, v in enumerate(outcomes)}
    observed = np.bincount(
        [index[tuple(int(a) for a in row)] for row in x], minlength=len(outcomes)
    )
    expected = B * np.array([stats.multinomial.pmf(v, n, q) for v in outcomes])
    assert stats.chisquare(observed, expected).pvalue > 1e-3


def test_gof_alias_pvalue_matches_exact_and_documented_draws():
    x = np.array([3, 0, 0, 1, 0, 2])
    q = np.array([0.1, 0.25, 0.2, 0.05, 0.3, 0.1])
    n, B = int(x.sum()), 20_000
    assert rt.gof_method(n, q.size) == "alias"
    res = kls.g_test(x, q, method="montecarlo", n_resamples=B, rng=8)
    draws = rt.multinomial_samples(n, q, B, np.random.default_rng(8))
    g_draws = 2 * special.xlogy(draws, draws / (n * q)).sum(axis=1)
    g_obs = 2 * special.xlogy(x, x / (n * q)).sum()
    assert res.pvalue == (1 + np.count_nonzero(g_draws >= g_obs * (1 - 1e-9))) / (B + 1)
    exact = kls.g_test(x, q, method="exact").pvalue
    se = math.sqrt(exact * (1 - exact) / B)
    assert abs(res.pvalue - exact) < 4 * se + 1.0 / B
