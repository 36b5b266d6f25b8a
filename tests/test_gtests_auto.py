"""The default ``method="auto"`` of the G-tests: the rule, exact and Monte Carlo
p-values against base R (tests/reference/gtests_auto.R -> gtests_auto.csv) and brute
force, reproducible seeds, and a fast size check on the cells where the chi-square
reference fails.
"""

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import klstats as kls
from klstats import SmallSampleWarning
from klstats._hypotests._gtest_pvalues import _exact_table_pvalue

REF = pd.read_csv(Path(__file__).parent / "reference" / "gtests_auto.csv")
TABLES = {
    "tea": [[3, 1], [1, 3]],
    "larynx": [[21, 2], [15, 3]],
    "small_2x2": [[7, 1], [2, 6]],
    "small_3x3": [[3, 1, 2], [1, 4, 2], [2, 2, 3]],
    "small_2x4": [[5, 0, 2, 1], [1, 4, 3, 2]],
    "sparse_3x4": [[4, 0, 1, 0], [0, 3, 0, 2], [1, 0, 3, 1]],
}
GOF = {
    "ab_small": ([3, 7], [0.5, 0.5]),
    "die_12": ([4, 1, 0, 2, 3, 2], [1 / 6] * 6),
    "mendel_small": ([9, 2, 4, 1], [9 / 16, 3 / 16, 3 / 16, 1 / 16]),
}


def ref(case, quantity):
    row = REF[(REF.case == case) & (REF.quantity == quantity)]
    return float(row["value"].iloc[0])


def mc_tol(p, b, z=4.0):
    return z * math.sqrt(max(p * (1 - p), 1e-4) / b)


class TestAgainstR:
    @pytest.mark.parametrize("case", sorted(TABLES))
    def test_exact_conditional_g(self, case):
        res = kls.g_test_independence(TABLES[case])
        assert res.method == "exact"
        assert res.statistic == pytest.approx(ref(case, "G"), rel=1e-10)
        assert res.pvalue == pytest.approx(ref(case, "exact_G"), rel=1e-9)
        # R's Monte Carlo G p-value (r2dtable, B = 1e5) agrees within its error
        assert abs(ref(case, "mc_G_B1e5") - res.pvalue) < mc_tol(res.pvalue, 1e5)

    @pytest.mark.parametrize("case", ["tea", "larynx", "small_2x2"])
    def test_two_by_two_equals_fisher_where_orderings_agree(self, case):
        assert ref(case, "same_order") == 1
        assert kls.g_test_independence(TABLES[case]).pvalue == pytest.approx(
            ref(case, "fisher"), rel=1e-9
        )
        assert stats.fisher_exact(TABLES[case]).pvalue == pytest.approx(ref(case, "fisher"))

    @pytest.mark.parametrize("case", sorted(TABLES))
    def test_enumeration_with_pearson_statistic_matches_chisq_test(self, case):
        # the enumeration kernel is statistic-agnostic: with X^2 it reproduces R's exact
        # X^2 p-value, and chisq.test(simulate.p.value = TRUE) within Monte Carlo error
        t = np.asarray(TABLES[case], dtype=float)
        rows, cols = t.sum(1), t.sum(0)

        def x2(tables):
            e = np.outer(rows, cols) / t.sum()
            return ((tables - e) ** 2 / e).sum(axis=(-2, -1))

        p, _ = _exact_table_pvalue(x2, float(x2(t)), rows, cols, 1e-7 * max(1, x2(t)), 10**6)
        assert p == pytest.approx(ref(case, "exact_X2"), rel=1e-9)
        assert abs(ref(case, "chisq_sim_B1e5") - p) < mc_tol(p, 1e5)

    @pytest.mark.parametrize("case", sorted(TABLES))
    def test_montecarlo_g_matches_exact(self, case):
        b = 20_000
        res = kls.g_test_independence(TABLES[case], method="montecarlo", n_resamples=b, rng=5)
        exact = ref(case, "exact_G")
        assert abs(res.pvalue - exact) < mc_tol(exact, b)

    @pytest.mark.parametrize("case", sorted(GOF))
    def test_goodness_of_fit(self, case):
        x, p = GOF[case]
        res = kls.g_test(x, p)
        assert res.method == "exact"
        assert res.statistic == pytest.approx(ref(case, "G"), rel=1e-10)
        assert res.pvalue == pytest.approx(ref(case, "exact_G"), rel=1e-9)
        assert abs(ref(case, "mc_G_B1e5") - res.pvalue) < mc_tol(res.pvalue, 1e5)
        mc = kls.g_test(x, p, method="montecarlo", n_resamples=20_000, rng=9)
        assert abs(mc.pvalue - res.pvalue) < mc_tol(res.pvalue, 20_000)

    def test_homogeneity_is_the_two_row_table(self):
        x, y = TABLES["small_2x4"]
        res = kls.g_test_homogeneity(x, y)
        assert res.method == "exact"
        assert res.pvalue == pytest.approx(ref("small_2x4", "exact_G"), rel=1e-9)


class TestRule:
    def test_small_goodness_of_fit_is_exact(self):
        res = kls.g_test([3, 7])
        assert (res.method, res.method_requested, res.df) == ("exact", "auto", None)
        assert any("method='auto' chose the exact p-value" in n for n in res.notes)

    def test_large_sample_is_chi_square(self):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            res = kls.g_test([772, 1611, 737], [1, 2, 1])
        assert res.method == "asymptotic" and res.df == 2
        assert res.pvalue == pytest.approx(stats.chi2.sf(res.statistic, 2))
        assert "chose the chi-square reference" in res.summary().as_text()

    def test_sparse_large_table_is_monte_carlo(self):
        t = np.random.default_rng(3).multinomial(60, np.full(25, 0.04)).reshape(5, 5)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no small-sample warning: the p-value is valid
            res = kls.g_test_independence(t, n_resamples=999, rng=11)
        assert res.method == "montecarlo"
        assert any("smallest expected count" in n for n in res.notes)

    def test_williams_q_alone_sends_to_monte_carlo(self):
        # every expected count 10 but q = 1 + (K^2 - 1) / (6 N df) = 1.0183 > 1.01
        x = np.random.default_rng(4).multinomial(100, np.full(10, 0.1))
        res = kls.g_test(x, n_resamples=999, rng=1)
        assert res.method == "montecarlo"
        assert any("Williams' q" in n for n in res.notes)

    def test_ddof_and_weights_use_chi_square_with_a_caution(self):
        with pytest.warns(SmallSampleWarning):
            res = kls.g_test([3, 4, 9, 2], ddof=1)
        assert res.method == "asymptotic"
        assert any("ddof" in n and "caution" in n for n in res.notes)
        with pytest.warns(SmallSampleWarning):
            res = kls.g_test_independence([[2.5, 1.0], [3.0, 4.5]])
        assert res.method == "asymptotic"
        assert any("not whole numbers" in n for n in res.notes)

    def test_explicit_asymptotic_still_warns(self):
        with pytest.warns(SmallSampleWarning):
            kls.g_test_independence([[3, 1], [1, 3]], method="asymptotic")


class TestSeed:
    t = ((3, 1, 0, 2, 1), (0, 2, 4, 1, 1), (2, 0, 1, 3, 0), (1, 2, 2, 0, 4))

    def test_seed_recorded_and_reproduces(self):
        a = kls.g_test_independence(self.t, n_resamples=999)
        assert a.method == "montecarlo"
        assert isinstance(a.seed, int)
        b = kls.g_test_independence(self.t, n_resamples=999, rng=a.seed)
        assert b.pvalue == a.pvalue and b.seed == a.seed
        np.testing.assert_array_equal(a.null_distribution, b.null_distribution)
        assert a.to_dict()["seed"] == a.seed
        assert str(a.seed) in a.summary().as_text()

    def test_fresh_seeds_differ(self):
        seeds = {kls.g_test_independence(self.t, n_resamples=9).seed for _ in range(5)}
        assert len(seeds) == 5

    def test_generator_gives_a_recorded_seed(self):
        a = kls.g_test(
            [5, 1, 2, 7, 0, 3, 1, 2, 6, 1], n_resamples=999, rng=np.random.default_rng(1)
        )
        assert a.method == "montecarlo"
        b = kls.g_test([5, 1, 2, 7, 0, 3, 1, 2, 6, 1], n_resamples=999, rng=a.seed)
        assert a.pvalue == b.pvalue

    def test_exact_records_no_seed(self):
        assert kls.g_test([3, 7]).seed is None

    @pytest.mark.parametrize("bad", [-1, "x", 1.5])
    def test_bad_rng_refused_at_the_door(self, bad):
        with pytest.raises((TypeError, ValueError), match="rng"):
            kls.g_test([3, 7], rng=bad)


def _binary(x, n):
    return np.array([x, n - x])


def _null_cells(rng):
    """The cells of issue 13 where the chi-square default was liberal (size 0.094 to
    0.115 at alpha = 0.05)."""
    return {
        "independence 3x3 N=20": lambda: (
            kls.g_test_independence,
            (rng.multinomial(20, np.full(9, 1 / 9)).reshape(3, 3),),
        ),
        "independence 2x5 N=20": lambda: (
            kls.g_test_independence,
            (rng.multinomial(20, np.full(10, 0.1)).reshape(2, 5),),
        ),
        "homogeneity K=10 n=m=25": lambda: (
            kls.g_test_homogeneity,
            (rng.multinomial(25, np.full(10, 0.1)), rng.multinomial(25, np.full(10, 0.1))),
        ),
        "homogeneity K=5 n=m=10": lambda: (
            kls.g_test_homogeneity,
            (rng.multinomial(10, np.full(5, 0.2)), rng.multinomial(10, np.full(5, 0.2))),
        ),
        "goodness of fit K=2 N=10": lambda: (kls.g_test, (_binary(rng.binomial(10, 0.5), 10),)),
    }


def test_size_fast():
    """Not liberal in any cell (one-sided, 3 Monte Carlo SE of its 300 replicates; exact
    and Monte Carlo p-values may be conservative at small N), where the chi-square
    reference rejects at about twice the nominal rate on the same data."""
    rng = np.random.default_rng(20_261_206)
    reps, alpha = 300, 0.05
    tol = 3 * math.sqrt(alpha * (1 - alpha) / reps)
    for name, make in _null_cells(rng).items():
        rej = []
        for _ in range(reps):
            fn, args = make()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", kls.DegenerateDataWarning)
                    rej.append(fn(*args, n_resamples=199, rng=rng).pvalue <= alpha)
            except ValueError:  # fewer than two non-empty rows/columns: no test
                rej.append(False)
        assert np.mean(rej) <= alpha + tol, name
