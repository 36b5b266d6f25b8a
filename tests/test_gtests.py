"""G-tests of goodness of fit, independence and homogeneity, and the power helper.

Reference values come from outside klstats: numbers printed in published worked
examples (each cited where used), scipy.stats, statsmodels, base R
(tests/reference/gtests.R -> gtests.csv), brute-force enumeration written here, and
simulation.
"""

import functools
import itertools
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats
from sizecheck import assert_rate, mc_se

import klstats as kls
from klstats import (
    DegenerateDataWarning,
    InfiniteEstimateWarning,
    SmallSampleWarning,
    g_test_power,
)

# Most checks below compare G and its chi-square p-value with published and R values:
# they call the tests with method="asymptotic" (an explicit `method=` overrides it).
# The default, method="auto", is tested in tests/test_gtests_auto.py.
g_test = functools.partial(kls.g_test, method="asymptotic")
g_test_independence = functools.partial(kls.g_test_independence, method="asymptotic")
g_test_homogeneity = functools.partial(kls.g_test_homogeneity, method="asymptotic")

REF = pd.read_csv(Path(__file__).parent / "reference" / "gtests.csv", comment="#")


def ref(case, quantity):
    rows = REF[(REF.case == case) & (REF.quantity == quantity)].sort_values("index")
    values = rows["value"].to_numpy()
    return values[0] if values.size == 1 else values


def brute_force_gof_pvalue(x, p):
    """P(G >= G_obs) over all outcomes of Multinomial(N, p), by itertools."""
    x, p = np.asarray(x), np.asarray(p, float) / np.sum(p)
    n = int(x.sum())

    def g(o):
        o = np.asarray(o, float)
        return 2 * np.sum(special.xlogy(o, o / (n * p)))

    g_obs = g(x)
    total = 0.0
    for o in itertools.product(range(n + 1), repeat=len(x)):
        if sum(o) == n and g(o) >= g_obs - 1e-9:
            total += stats.multinomial.pmf(o, n, p)
    return total


# =========================================================================== published


class TestPublishedExamples:
    """Worked examples reproduced to the digits printed in their sources."""

    def test_crossbills_mcdonald(self):
        # McDonald (2014) Handbook of Biological Statistics 3rd ed., G-test of
        # goodness-of-fit: Groth's crossbills, 1:1, "G=5.61, 1 d.f., P=0.018".
        d = kls.datasets.load("crossbills")
        res = g_test(d["observed"], d["expected_ratio"])
        assert round(res.statistic, 2) == 5.61
        assert res.df == 1
        assert round(res.pvalue, 3) == 0.018

    def test_clearfield_rice_mcdonald(self):
        # McDonald (2014), G-test of goodness-of-fit: rice F2, 1:2:1,
        # "G=4.15, 2 d.f., P=0.126".
        d = kls.datasets.load("clearfield_rice")
        res = g_test(d["observed"], d["expected_ratio"])
        assert round(res.statistic, 2) == 4.15
        assert res.df == 2
        assert round(res.pvalue, 3) == 0.126

    def test_nuthatch_foraging_mcdonald(self):
        # McDonald (2014), G-test of goodness-of-fit: Mannan & Meslow (1984) foraging,
        # "G=13.145, 3 d.f., P=0.0043" (one expected count is 1.56: warned).
        d = kls.datasets.load("nuthatch_foraging")
        with pytest.warns(SmallSampleWarning, match="williams"):
            res = g_test(d["observed"], d["canopy_proportion"])
        assert round(res.statistic, 3) == 13.145
        assert res.df == 3
        assert round(res.pvalue, 4) == 0.0043

    def test_amphipod_hardy_weinberg_mcdonald(self):
        # McDonald (2014), G-test of goodness-of-fit, intrinsic hypothesis: Mpi genotypes
        # against Hardy-Weinberg with the allele frequency from the data (ddof=1),
        # "G=1.03, 1 d.f., P=0.309".
        d = kls.datasets.load("amphipod_mpi")
        n90, het, n100 = d["observed"].to_numpy()
        p = (2 * n90 + het) / (2 * (n90 + het + n100))
        hw = pd.Series([p * p, 2 * p * (1 - p), (1 - p) ** 2], index=d.index)
        res = g_test(d["observed"], hw, ddof=1)
        assert round(res.statistic, 2) == 1.03
        assert res.df == 1
        assert round(res.pvalue, 3) == 0.309

    def test_apolipoprotein_mcdonald(self):
        # McDonald (2014), G-test of independence: Gardemann et al. (1998),
        # "G=7.30, 2 d.f., P=0.026".
        d = kls.datasets.load("apolipoprotein_b")
        res = g_test_independence(d)
        assert round(res.statistic, 2) == 7.30
        assert res.df == 2
        assert round(res.pvalue, 3) == 0.026

    def test_gender_party_agresti(self):
        # Agresti (2007) An Introduction to Categorical Data Analysis, 2nd ed., pp. 38-39:
        # G^2 = 30.02, df = 2; expected 703.7, 319.6, 533.7 / 542.3, 246.4, 411.3;
        # standardized residuals 4.50, 0.70, -5.32 (females).
        d = kls.datasets.load("gender_party")
        res = g_test_independence(d)
        assert round(res.statistic, 2) == 30.02
        assert res.df == 2
        assert res.pvalue < 0.001
        np.testing.assert_array_equal(
            res.expected.round(1).to_numpy(),
            [[703.7, 319.6, 533.7], [542.3, 246.4, 411.3]],
        )
        np.testing.assert_array_equal(
            res.std_residuals.loc["female"].round(2).to_numpy(), [4.50, 0.70, -5.32]
        )
        assert list(res.expected.columns) == ["democrat", "independent", "republican"]

    def test_sokal_rohlf_2x2_williams(self):
        # Sokal & Rohlf (1995) Biometry 3rd ed., p. 731 (values as transcribed in the
        # PyCogent/cogent3 test suite): G = 1.33249, P = 0.24836; Williams-adjusted
        # G = 1.30277, P = 0.25371.
        table = [[12, 22], [16, 50]]
        res = g_test_independence(table)
        assert round(res.statistic, 5) == 1.33249
        assert round(res.pvalue, 5) == 0.24836
        adj = g_test_independence(table, correction="williams")
        assert round(adj.statistic, 5) == 1.30277
        assert round(adj.pvalue, 5) == 0.25371

    def test_sokal_rohlf_4x2_williams(self):
        # Sokal & Rohlf (1995), p. 738 (as transcribed in PyCogent): G = 28.59642,
        # Williams-adjusted 28.31244. The book's adjusted value carries a rounded q;
        # it agrees to the third decimal (exact q gives 28.31249).
        table = [[29, 11], [273, 191], [8, 31], [64, 64]]
        assert round(g_test_independence(table).statistic, 5) == 28.59642
        adj = g_test_independence(table, correction="williams")
        assert round(adj.statistic, 3) == 28.312

    def test_mcdonald_kreitman_adh(self):
        # McDonald & Kreitman (1991) Nature 351:652-654: G-test of independence with
        # Williams' correction, "G=7.43, P=0.006" (expected counts < 5: warned).
        d = kls.datasets.load("adh_mcdonald_kreitman")
        with pytest.warns(SmallSampleWarning):
            res = g_test_independence(d, correction="williams")
        assert round(res.statistic, 2) == 7.43
        assert round(res.pvalue, 3) == 0.006

    def test_desctools_example_methods_c1(self):
        # DescTools::GTest example data; METHODS C1 anchor: G = 5.8414, df 4, p = 0.2113;
        # Williams q = 1.005376, G/q = 5.8101, p = 0.2138.
        x, p = [89, 37, 30, 28, 2], [0.40, 0.20, 0.20, 0.19, 0.01]
        res = g_test(x, p)
        assert (round(res.statistic, 4), res.df, round(res.pvalue, 4)) == (5.8414, 4, 0.2113)
        adj = g_test(x, p, correction="williams")
        assert round(adj.williams_q, 6) == 1.005376
        assert (round(adj.statistic, 4), round(adj.pvalue, 4)) == (5.8101, 0.2138)

    def test_methods_c3_small_2x2(self):
        # METHODS C3 anchor for [[21, 2], [15, 3]]: q = 1.10374, G/q = 0.5389, p = 0.4629;
        # Yates G = 0.0854, p = 0.770; uncorrected G = 0.5948, p = 0.4406 (C2).
        table = [[21, 2], [15, 3]]
        with pytest.warns(SmallSampleWarning):
            plain = g_test_independence(table)
        assert (round(plain.statistic, 4), round(plain.pvalue, 4)) == (0.5948, 0.4406)
        with pytest.warns(SmallSampleWarning):
            adj = g_test_independence(table, correction="williams")
        assert round(adj.williams_q, 5) == 1.10374
        assert (round(adj.statistic, 4), round(adj.pvalue, 4)) == (0.5389, 0.4629)
        with pytest.warns(SmallSampleWarning):
            yates = g_test_independence(table, correction="yates")
        assert (round(yates.statistic, 4), round(yates.pvalue, 3)) == (0.0854, 0.770)


# =========================================================================== R reference


GOF_CASES = {
    "crossbills": ([1752, 1895], [1, 1]),
    "rice": ([772, 1611, 737], [1, 2, 1]),
    "foraging": ([70, 79, 3, 4], [0.54, 0.40, 0.05, 0.01]),
    "desctools": ([89, 37, 30, 28, 2], [0.40, 0.20, 0.20, 0.19, 0.01]),
    "small": ([1, 7], [1, 3]),
}
TABLE_CASES = {
    "agresti": [[762, 327, 468], [484, 239, 477]],
    "apolipoprotein": [[268, 807], [199, 759], [42, 184]],
    "sokal_731": [[12, 22], [16, 50]],
    "sokal_738": [[29, 11], [273, 191], [8, 31], [64, 64]],
    "adh": [[7, 2], [17, 42]],
    "methods_c3": [[21, 2], [15, 3]],
}
EXACT_CASES = {
    "exact_a": ([3, 1, 0, 2], [1, 1, 1, 1]),
    "exact_b": ([0, 1, 5, 2], [0.1, 0.2, 0.3, 0.4]),
    "exact_c": ([6, 0, 1], [0.5, 0.3, 0.2]),
    "exact_d": ([1, 7], [1, 3]),
}


def quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        return func(*args, **kwargs)


class TestAgainstR:
    """Base R (tests/reference/gtests.R): formulas of G, Williams' q, Yates (DescTools
    rule), chisq.test standardized residuals and exact enumeration."""

    @pytest.mark.parametrize("case", GOF_CASES)
    def test_goodness_of_fit(self, case):
        x, p = GOF_CASES[case]
        res = quiet(g_test, x, p)
        np.testing.assert_allclose(res.statistic, ref(case, "G"), rtol=1e-12)
        assert res.df == ref(case, "df")
        np.testing.assert_allclose(res.pvalue, ref(case, "pvalue"), rtol=1e-10)
        np.testing.assert_allclose(res.std_residuals, ref(case, "stdres"), rtol=1e-10)
        adj = quiet(g_test, x, p, correction="williams")
        np.testing.assert_allclose(adj.williams_q, ref(case, "williams_q"), rtol=1e-12)
        np.testing.assert_allclose(adj.statistic, ref(case, "G_williams"), rtol=1e-12)
        np.testing.assert_allclose(adj.pvalue, ref(case, "pvalue_williams"), rtol=1e-10)
        np.testing.assert_allclose(adj.g_uncorrected, ref(case, "G"), rtol=1e-12)
        if len(x) == 2:
            yates = quiet(g_test, x, p, correction="yates")
            np.testing.assert_allclose(yates.statistic, ref(case, "G_yates"), rtol=1e-12)
            np.testing.assert_allclose(yates.pvalue, ref(case, "pvalue_yates"), rtol=1e-10)

    @pytest.mark.parametrize("case", TABLE_CASES)
    def test_independence(self, case):
        table = TABLE_CASES[case]
        res = quiet(g_test_independence, table)
        np.testing.assert_allclose(res.statistic, ref(case, "G"), rtol=1e-12)
        assert res.df == ref(case, "df")
        np.testing.assert_allclose(res.pvalue, ref(case, "pvalue"), rtol=1e-10)
        np.testing.assert_allclose(res.std_residuals.ravel(), ref(case, "stdres"), rtol=1e-10)
        adj = quiet(g_test_independence, table, correction="williams")
        np.testing.assert_allclose(adj.williams_q, ref(case, "williams_q"), rtol=1e-12)
        np.testing.assert_allclose(adj.statistic, ref(case, "G_williams"), rtol=1e-12)
        np.testing.assert_allclose(adj.pvalue, ref(case, "pvalue_williams"), rtol=1e-10)
        if np.shape(table) == (2, 2):
            yates = quiet(g_test_independence, table, correction="yates")
            np.testing.assert_allclose(yates.statistic, ref(case, "G_yates"), rtol=1e-12)
            np.testing.assert_allclose(yates.pvalue, ref(case, "pvalue_yates"), rtol=1e-10)

    @pytest.mark.parametrize("case", EXACT_CASES)
    def test_exact_enumeration(self, case):
        x, p = EXACT_CASES[case]
        res = g_test(x, p, method="exact")
        np.testing.assert_allclose(res.statistic, ref(case, "G"), rtol=1e-12)
        np.testing.assert_allclose(res.pvalue, ref(case, "pvalue_exact"), rtol=1e-12)
        assert res.n_outcomes == ref(case, "n_outcomes")
        assert res.df is None


# =========================================================================== scipy


class TestAgainstScipy:
    @pytest.mark.parametrize("seed", range(6))
    def test_power_divergence(self, seed):
        rng = np.random.default_rng(7_220_931 + seed)
        k = int(rng.integers(2, 12))
        p = rng.dirichlet(np.ones(k))
        x = rng.multinomial(int(rng.integers(50, 5000)), p)
        f_exp = rng.uniform(0.5, 2, size=k)
        ddof = int(rng.integers(0, k - 1))
        expected = f_exp / f_exp.sum() * x.sum()
        want = stats.power_divergence(x, expected, ddof=ddof, lambda_="log-likelihood")
        res = quiet(g_test, x, f_exp, ddof=ddof, rescale=True)  # arbitrary weights
        np.testing.assert_allclose(res.statistic, want.statistic, rtol=1e-10)
        np.testing.assert_allclose(res.pvalue, want.pvalue, rtol=1e-10)
        np.testing.assert_allclose(res.expected, expected, rtol=1e-12)

    @pytest.mark.parametrize("shape", [(2, 2), (2, 5), (3, 3), (4, 6)])
    def test_chi2_contingency(self, shape):
        rng = np.random.default_rng(99_310_274 + shape[0] * 10 + shape[1])
        table = rng.integers(3, 60, size=shape)
        want = stats.chi2_contingency(table, lambda_="log-likelihood", correction=False)
        res = quiet(g_test_independence, table)
        np.testing.assert_allclose(res.statistic, want.statistic, rtol=1e-10)
        np.testing.assert_allclose(res.pvalue, want.pvalue, rtol=1e-10)
        assert res.df == want.dof
        np.testing.assert_allclose(res.expected, want.expected_freq, rtol=1e-12)

    @pytest.mark.parametrize(
        "table", [[[21, 2], [15, 3]], [[12, 22], [16, 50]], [[10, 10], [10, 11]]]
    )
    def test_yates_matches_scipy_capped_rule(self, table):
        # scipy moves counts by min(0.5, |O - E|) (gh-13875): the last table has
        # |O - E| < 0.5, where the uncapped DescTools rule would overshoot
        want = stats.chi2_contingency(table, lambda_="log-likelihood", correction=True)
        res = quiet(g_test_independence, table, correction="yates")
        np.testing.assert_allclose(res.statistic, want.statistic, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(res.pvalue, want.pvalue, rtol=1e-10)

    def test_chi2_sf_is_scipy_bit_for_bit(self):
        # every chi-square p-value of the package goes through this one helper
        from klstats._inference._intervals import chi2_sf

        xs = [-1.0, 0.0, 1e-300, 1e-12, 0.3, 1.0, 3.84, 29.7, 300.0, 1e4, 1e6, math.inf]
        xs += list(np.random.default_rng(5).exponential(20.0, 300))
        dfs = [0, -1, 1, 2, 3, 7, 50, 10_000, np.int64(4), 2.5, math.inf, math.nan]
        for df in dfs:
            for x in [*xs, math.nan]:
                want = stats.chi2.sf(x, df)
                got = chi2_sf(x, df)
                assert type(got) is float
                assert got == want or (math.isnan(got) and math.isnan(want)), (x, df)

    def test_chi2_tail_in_one_place(self):
        package = Path(kls.__file__).resolve().parent
        users = sorted(
            str(p.relative_to(package))
            for p in package.rglob("*.py")
            if re.search(r"stats\.chi2\.sf\(|chdtrc\(", p.read_text())
        )
        assert users == [str(Path("_inference", "_intervals.py"))]

    def test_homogeneity_equals_two_row_independence(self):
        x, y = [30, 20, 10, 5, 1], [25, 25, 10, 4, 1]
        want = stats.chi2_contingency([x, y], lambda_="log-likelihood", correction=False)
        res = quiet(g_test_homogeneity, x, y)
        np.testing.assert_allclose(res.statistic, want.statistic, rtol=1e-10)
        assert res.df == want.dof


# =========================================================================== identities


class TestIdentities:
    def test_g_is_2n_kl(self):
        x, q = [30, 20, 10, 5, 0], [0.3, 0.3, 0.2, 0.1, 0.1]
        res = quiet(g_test, x, q)
        n = sum(x)
        d = kls.kl_divergence(x, reference=q)
        np.testing.assert_allclose(res.statistic, 2 * n * d.estimate, rtol=1e-12)
        np.testing.assert_allclose(res.estimate, d.estimate, rtol=1e-12)
        # the plug-in KL written out from scipy's rel_entr
        p_hat = np.array(x) / n
        direct = special.rel_entr(p_hat, np.array(q) / sum(q)).sum()
        np.testing.assert_allclose(res.estimate, direct, rtol=1e-12)
        assert res.conf_int() == d.conf_int()

    def test_g_is_2n_mi(self):
        table = np.array([[10, 2, 3], [1, 12, 4]])
        res = quiet(g_test_independence, table)
        np.testing.assert_allclose(res.statistic, 2 * table.sum() * res.estimate, rtol=1e-12)
        # METHODS A11: I = 0.257662, G = 2 N I = 16.490374
        assert round(res.estimate, 6) == 0.257662
        assert round(res.statistic, 6) == 16.490374
        assert res.conf_int() == kls.mutual_information(table).conf_int()

    def test_homogeneity_is_weighted_js(self):
        # METHODS A11/C2: G = 2 (n + m) JS_w = 2.509513 for x vs y
        x, y = np.array([30, 20, 10, 5, 0]), np.array([25, 25, 10, 4, 1])
        res = quiet(g_test_homogeneity, x, y)
        n, m = x.sum(), y.sum()
        p, q = x / n, y / m
        mix = (x + y) / (n + m)
        js_w = (n * special.rel_entr(p, mix).sum() + m * special.rel_entr(q, mix).sum()) / (n + m)
        np.testing.assert_allclose(res.statistic, 2 * (n + m) * js_w, rtol=1e-12)
        assert round(res.statistic, 6) == 2.509513
        assert res.df == 4

    def test_williams_changes_only_the_statistic(self):
        x = [12, 5, 9, 3]
        plain, adj = g_test(x), g_test(x, correction="williams")
        k, n = 4, sum(x)
        q = 1 + (k * k - 1) / (6 * n * (k - 1))
        np.testing.assert_allclose(adj.statistic * q, plain.statistic, rtol=1e-13)
        assert adj.estimate == plain.estimate
        assert adj.correction == "williams" and plain.correction is None


# =========================================================================== resampled p


def brute_force_table_pvalue(table):
    """Exact conditional P(G >= G_obs) over all 2 x c tables with the observed margins."""
    table = np.asarray(table)
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    n = table.sum()

    def g(t):
        e = np.outer(t.sum(axis=1), t.sum(axis=0)) / n
        return 2 * np.sum(special.xlogy(t, t / e))

    g_obs = g(table)
    total = 0.0
    for top in itertools.product(*(range(c + 1) for c in cols)):
        if sum(top) != rows[0]:
            continue
        t = np.array([top, cols - np.array(top)])
        log_p = (
            special.gammaln(rows + 1).sum()
            + special.gammaln(cols + 1).sum()
            - special.gammaln(n + 1)
            - special.gammaln(t + 1).sum()
        )
        if g(t) >= g_obs - 1e-9:
            total += math.exp(log_p)
    return total


class TestResampledPvalues:
    @pytest.mark.parametrize(
        ("x", "p"), [([3, 1, 0, 2], [1, 1, 1, 1]), ([6, 0, 1], [0.5, 0.3, 0.2]), ([2, 9], [1, 1])]
    )
    def test_exact_matches_brute_force(self, x, p):
        res = g_test(x, p, method="exact")
        np.testing.assert_allclose(res.pvalue, brute_force_gof_pvalue(x, p), rtol=1e-12)

    def test_exact_with_williams_and_yates_same_ordering(self):
        # Williams' q is a constant and Yates' shift is monotone for K = 2, so the exact
        # p-value does not change
        x = [2, 9]
        base = g_test(x, method="exact").pvalue
        assert g_test(x, method="exact", correction="williams").pvalue == pytest.approx(base)
        assert g_test(x, method="exact", correction="yates").pvalue == pytest.approx(base)

    def test_montecarlo_gof_matches_brute_force(self):
        x, p = [3, 1, 0, 2], [1, 1, 1, 1]
        exact = brute_force_gof_pvalue(x, p)
        b = 20_000
        res = g_test(x, p, method="montecarlo", n_resamples=b, rng=2_911_730_451)
        assert abs(res.pvalue - exact) < 4 * math.sqrt(exact * (1 - exact) / b)
        assert res.null_distribution.shape == (b,)
        assert res.df is None

    def test_montecarlo_independence_matches_brute_force(self):
        table = [[5, 0, 2], [1, 4, 3]]
        exact = brute_force_table_pvalue(table)
        b = 20_000
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no small-sample warning for Monte Carlo
            res = g_test_independence(table, method="montecarlo", n_resamples=b, rng=1_730_224_093)
        assert abs(res.pvalue - exact) < 4 * math.sqrt(exact * (1 - exact) / b)

    def test_montecarlo_homogeneity_matches_brute_force(self):
        x, y = [5, 0, 2], [1, 4, 3]
        exact = brute_force_table_pvalue([x, y])
        b = 20_000
        res = g_test_homogeneity(x, y, method="montecarlo", n_resamples=b, rng=44_120_983)
        assert abs(res.pvalue - exact) < 4 * math.sqrt(exact * (1 - exact) / b)

    def test_montecarlo_pvalue_never_zero(self):
        res = g_test([100, 0, 0], method="montecarlo", n_resamples=99, rng=1)
        assert res.pvalue == pytest.approx(1 / 100)

    def test_ties_counted(self):
        # every outcome of two categories with N = 2 under 1:1 has G >= G(1, 1) = 0
        res = g_test([1, 1], method="montecarlo", n_resamples=500, rng=3)
        assert res.pvalue == 1.0
        assert g_test([1, 1], method="exact").pvalue == pytest.approx(1.0)

    def test_rng_reproducible(self, rng_any):
        a = g_test([5, 1, 2, 7], method="montecarlo", n_resamples=999, rng=rng_any)
        # the seed recorded in the result (drawn from a Generator or SeedSequence, the
        # integer itself otherwise) reproduces the p-value exactly
        b = g_test([5, 1, 2, 7], method="montecarlo", n_resamples=999, rng=a.seed)
        assert a.pvalue == b.pvalue
        np.testing.assert_array_equal(a.null_distribution, b.null_distribution)

    def test_exact_near_limit_agrees_with_montecarlo(self):
        x = [5, 3, 2, 2, 2, 1, 1, 1, 1]  # 1,562,275 outcomes, under the limit
        exact = g_test(x, method="exact")
        assert exact.n_outcomes == math.comb(26, 8)
        mc = g_test(x, method="montecarlo", n_resamples=20_000, rng=8_812_003)
        assert abs(mc.pvalue - exact.pvalue) < 4 * math.sqrt(0.25 / 20_000)


# =========================================================================== size


def size_study(reps, n_resamples, seed, n=20, k=10):
    """Rejection rates at alpha = 0.05 under a uniform null (expected counts = 2)."""
    rng = np.random.default_rng(seed)
    data = rng.multinomial(n, np.full(k, 1 / k), size=reps)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        asym = np.mean([g_test(x).pvalue <= 0.05 for x in data])
        will = np.mean([g_test(x, correction="williams").pvalue <= 0.05 for x in data])
    mc_data = data[: reps // 2]
    mc = np.mean(
        [
            g_test(x, method="montecarlo", n_resamples=n_resamples, rng=rng).pvalue <= 0.05
            for x in mc_data
        ]
    )
    return asym, will, mc, len(mc_data)


class TestSize:
    """N = 20, K = 10 (all expected counts 2): METHODS C3 simulated sizes G 0.095,
    G/q 0.051."""

    def test_size_fast(self):
        reps = 2000
        asym, will, mc, n_mc = size_study(reps, 199, seed=20_240_611)
        assert asym > 0.05 + 3 * mc_se(0.05, reps)  # liberal
        assert_rate(will, 0.05, reps)
        assert_rate(mc, 0.05, n_mc)

    @pytest.mark.slow
    def test_size_slow(self):
        reps = 40_000
        asym, will, mc, n_mc = size_study(reps, 999, seed=77_012_554)
        assert abs(asym - 0.095) < 4 * math.sqrt(0.095 * 0.905 / reps)
        assert_rate(will, 0.05, reps)
        assert_rate(mc, 0.05, n_mc)


# =========================================================================== power


class TestPower:
    effect = float(special.rel_entr([0.3, 0.3, 0.2, 0.2], [0.25] * 4).sum())

    def test_methods_c6_anchor(self):
        # METHODS C6: K = 4, uniform null, p1 = (.3, .3, .2, .2), N = 200:
        # lambda = 8.0542, power 0.6574
        assert round(2 * 200 * self.effect, 4) == 8.0542
        assert round(g_test_power(self.effect, df=3, nobs=200), 4) == 0.6574

    def test_against_simulation(self):
        rng = np.random.default_rng(5_501_223)
        reps = 4000
        x = rng.multinomial(200, [0.3, 0.3, 0.2, 0.2], size=reps)
        sim = stats.power_divergence(x, axis=1, lambda_="log-likelihood").pvalue
        simulated = np.mean(sim <= 0.05)
        predicted = g_test_power(self.effect, df=3, nobs=200)
        assert abs(simulated - predicted) < 4 * math.sqrt(predicted * (1 - predicted) / reps)

    def test_against_statsmodels_noncentral_chi2(self):
        # statsmodels uses lambda = N w^2; effect = w^2 / 2 gives the same lambda
        from statsmodels.stats.power import GofChisquarePower

        w = 0.3
        want = GofChisquarePower().power(effect_size=w, nobs=120, alpha=0.05, n_bins=5)
        got = g_test_power(w * w / 2, df=4, nobs=120)
        np.testing.assert_allclose(got, want, rtol=1e-10)

    def test_solves_for_nobs(self):
        n = g_test_power(self.effect, df=3, power=0.8)
        np.testing.assert_allclose(g_test_power(self.effect, df=3, nobs=n), 0.8, rtol=1e-9)
        assert g_test_power(self.effect, df=3, nobs=math.ceil(n)) >= 0.8

    def test_accepts_estimate_in_any_units(self):
        d = kls.kl_divergence([3, 3, 2, 2], reference=[1, 1, 1, 1], base=2)
        want = g_test_power(self.effect, df=3, nobs=200)
        assert g_test_power(d, df=3, nobs=200) == pytest.approx(want, rel=1e-12)

    def test_alpha(self):
        low = g_test_power(self.effect, df=3, nobs=200, alpha=0.01)
        assert low < g_test_power(self.effect, df=3, nobs=200)


# =========================================================================== zeros, labels


class TestZerosAndLabels:
    def test_structural_zero_dropped(self):
        res = g_test([40, 0, 27, 24], [0.5, 0.0, 0.3, 0.2])
        want = stats.power_divergence(
            [40, 27, 24], np.array([0.5, 0.3, 0.2]) * 91, lambda_="log-likelihood"
        )
        assert res.df == 2
        np.testing.assert_allclose(res.statistic, want.statistic, rtol=1e-12)
        np.testing.assert_allclose(res.pvalue, want.pvalue, rtol=1e-12)
        assert res.expected.shape == (4,)
        assert any("structural zero" in n for n in res.notes)

    def test_zero_expected_positive_observed_is_infinite(self):
        with pytest.warns(InfiniteEstimateWarning, match="impossible under the null"):
            res = g_test([10, 1, 7], [0.5, 0.0, 0.5])
        assert res.statistic == math.inf
        assert res.pvalue == 0.0
        assert res.estimate == math.inf

    def test_zero_expected_montecarlo_is_infinite(self):
        with pytest.warns(InfiniteEstimateWarning):
            res = g_test([10, 1, 7], [0.5, 0.0, 0.5], method="montecarlo", rng=1)
        assert res.pvalue == 0.0

    def test_empty_rows_and_columns_dropped(self):
        table = [[10, 0, 5, 3], [0, 0, 0, 0], [4, 0, 9, 8]]
        with pytest.warns(DegenerateDataWarning, match="1 empty row.*1 empty column"):
            res = g_test_independence(table)
        reduced = [[10, 5, 3], [4, 9, 8]]
        want = stats.chi2_contingency(reduced, lambda_="log-likelihood", correction=False)
        assert res.df == 2
        np.testing.assert_allclose(res.statistic, want.statistic, rtol=1e-12)

    def test_homogeneity_empty_category_dropped_silently(self):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            res = g_test_homogeneity([20, 0, 15, 11], [14, 0, 18, 9])
        assert res.df == 2
        assert any("dropped" in n for n in res.notes)

    def test_series_aligned_on_labels(self):
        obs = pd.Series({"a": 20, "b": 30, "c": 10})
        exp = pd.Series({"c": 1, "a": 2, "b": 2})
        res = g_test(obs, exp)
        want = g_test([20, 30, 10], [2, 2, 1])
        assert res.statistic == pytest.approx(want.statistic, rel=1e-12)
        assert list(res.expected.index) == ["a", "b", "c"]
        assert res.expected["c"] == pytest.approx(12.0)

    def test_series_missing_expected_category(self):
        obs = pd.Series({"a": 20, "b": 30, "c": 0})
        exp = {"a": 1, "b": 1}
        res = g_test(obs, exp)
        assert res.df == 1  # "c": structural zero

    def test_homogeneity_series_union(self):
        x = pd.Series({"a": 12, "b": 7})
        y = pd.Series({"b": 9, "c": 4, "a": 10})
        res = quiet(g_test_homogeneity, x, y)
        want = quiet(g_test_independence, [[12, 7, 0], [10, 9, 4]])
        assert res.statistic == pytest.approx(want.statistic, rel=1e-12)
        assert list(res.observed.columns) == ["a", "b", "c"]

    def test_independence_from_labels(self):
        rng = np.random.default_rng(4_410_092)
        x = rng.choice(["u", "v", "w"], size=300)
        y = rng.choice(["p", "q"], size=300)
        res = g_test_independence(x, y)
        table = pd.crosstab(x, y)
        want = stats.chi2_contingency(table, lambda_="log-likelihood", correction=False)
        np.testing.assert_allclose(res.statistic, want.statistic, rtol=1e-12)
        assert list(res.observed.index) == ["u", "v", "w"]

    def test_noninteger_counts_asymptotic(self):
        x = [10.5, 3.25, 7.0]
        want = stats.power_divergence(x, lambda_="log-likelihood")
        # N = 20.75 over K = 3: Williams' q = 1.032 > 1.03 (validation report)
        with pytest.warns(SmallSampleWarning, match="Williams' q"):
            res = g_test(x)
        assert res.statistic == pytest.approx(want.statistic, rel=1e-12)

    def test_small_sample_warning_from_williams_q(self):
        # every expected count 5 over K = 10: Cochran's rule holds, but the exact size at
        # alpha = 0.05 is 0.069 (validation report); Williams' q = 1 + 11/300 = 1.037
        with pytest.warns(SmallSampleWarning, match="Williams' q = 1.04"):
            g_test([5] * 9 + [6], [1] * 10)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            g_test([5] * 9 + [6], [1] * 10, correction="williams")  # corrected: no warning
            g_test([20] * 9 + [21], [1] * 10)  # q = 1.009

    def test_inputs_not_modified(self):
        x = np.array([5, 3, 8])
        e = np.array([1.0, 1.0, 2.0])
        t = np.array([[5, 1], [2, 7]])
        quiet(g_test, x, e, correction="williams")
        quiet(g_test_independence, t, correction="yates")
        np.testing.assert_array_equal(x, [5, 3, 8])
        np.testing.assert_array_equal(e, [1.0, 1.0, 2.0])
        np.testing.assert_array_equal(t, [[5, 1], [2, 7]])


# =========================================================================== results


class TestResultObject:
    def test_unpacks_statistic_and_pvalue(self):
        res = g_test([1752, 1895])
        stat, p = res
        assert (stat, p) == (res.statistic, res.pvalue)

    def test_summary_shows_test_effect_and_blocks(self):
        res = g_test_independence(kls.datasets.load("gender_party"), correction="williams")
        text = res.summary().as_text()
        for part in (
            "G-test of independence",
            "Williams",
            "95% CI (effect size)",
            "Standardized residuals",
            "republican",
            "female",
        ):
            assert part in text
        frame = res.summary_frame()
        assert frame["statistic"].iloc[0] == res.statistic
        lo, hi = res.conf_int()
        assert frame["ci_lower"].iloc[0] == lo and frame["ci_upper"].iloc[0] == hi
        assert 0 < lo < res.estimate < hi

    def test_large_table_has_no_blocks(self):
        table = np.full((10, 10), 7)
        assert g_test_independence(table).blocks == ()

    def test_small_sample_warning_names_remedies(self):
        with pytest.warns(SmallSampleWarning) as record:
            g_test([3, 1, 2, 0, 4])
        message = str(record[0].message)
        assert "correction='williams'" in message and "'montecarlo'" in message
        assert "method='auto'" in message

    def test_no_small_sample_warning_for_montecarlo(self):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            g_test([3, 1, 2, 0, 4], method="montecarlo", n_resamples=99, rng=1)

    def test_montecarlo_summary(self):
        res = g_test_independence([[7, 2], [17, 42]], method="montecarlo", n_resamples=999, rng=5)
        assert res.df is None
        assert res.n_resamples == 999
        assert "Monte Carlo" in res.summary().as_text()


# =========================================================================== bad input


class TestBadInput:
    def test_negative_counts(self):
        with pytest.raises(ValueError, match="`f_obs` must be non-negative"):
            g_test([3, -1, 2])

    def test_negative_table(self):
        with pytest.raises(ValueError, match="`table` must be non-negative"):
            g_test_independence([[3, -1], [2, 2]])

    def test_negative_homogeneity(self):
        with pytest.raises(ValueError, match="`y_counts` must be non-negative"):
            g_test_homogeneity([3, 1], [2, -2])

    def test_nan_counts(self):
        with pytest.raises(ValueError, match=r"`f_obs`.*NaN"):
            g_test([3, np.nan, 2])

    def test_nan_table(self):
        with pytest.raises(ValueError, match=r"`table`.*NaN"):
            g_test_independence([[3, np.nan], [2, 2]])

    def test_infinite_counts(self):
        with pytest.raises(ValueError, match=r"`f_obs`.*infinite"):
            g_test([3, np.inf, 2])

    def test_infinite_expected(self):
        with pytest.raises(ValueError, match="`f_exp` must contain only finite"):
            g_test([3, 1, 2], [1, np.inf, 1])

    def test_mismatched_lengths(self):
        with pytest.raises(ValueError, match="same length"):
            g_test([3, 1, 2], [1, 1])

    def test_mismatched_homogeneity_lengths(self):
        with pytest.raises(ValueError, match="same length"):
            g_test_homogeneity([3, 1, 2], [1, 1])

    def test_negative_expected(self):
        with pytest.raises(ValueError, match="`f_exp` must be non-negative"):
            g_test([3, 1, 2], [1, -1, 2])

    def test_all_zero_expected(self):
        with pytest.raises(ValueError, match="`f_exp` must have a positive total"):
            g_test([3, 1, 2], [0, 0, 0])

    def test_one_positive_expected_category(self):
        with pytest.raises(ValueError, match="at least two categories"):
            g_test([3, 0, 0], [1, 0, 0])

    def test_ddof_too_large(self):
        with pytest.raises(ValueError, match="`ddof` must be smaller than K - 1 = 2"):
            g_test([3, 1, 2], ddof=2)

    def test_ddof_negative(self):
        with pytest.raises(ValueError, match="`ddof` must be an integer >= 0"):
            g_test([3, 1, 2], ddof=-1)

    def test_ddof_with_montecarlo(self):
        with pytest.raises(ValueError, match="only valid with method='asymptotic'"):
            g_test([30, 10, 20, 8], ddof=1, method="montecarlo")

    def test_unknown_correction(self):
        with pytest.raises(ValueError, match="`correction` must be one of"):
            g_test([3, 1, 2], correction="pearson")

    def test_unknown_correction_independence(self):
        with pytest.raises(ValueError, match="`correction` must be one of"):
            g_test_independence([[3, 1], [2, 4]], correction="continuity")

    def test_unknown_method(self):
        with pytest.raises(ValueError, match="`method` must be one of"):
            g_test([3, 1, 2], method="bootstrap")

    def test_unknown_method_independence(self):
        with pytest.raises(ValueError, match="`method` must be one of"):
            g_test_independence([[3, 1], [2, 4]], method="permutation")

    def test_exact_independence_too_large(self):
        with pytest.raises(ValueError, match=r"method='exact'.*montecarlo"):
            g_test_independence(np.full((4, 4), 100), method="Exact")

    def test_one_dimensional_table(self):
        with pytest.raises(ValueError, match=r"2-D table.*1-D input"):
            g_test_independence([3, 1, 2])

    def test_empty_counts(self):
        with pytest.raises(ValueError, match="`f_obs` must not be empty"):
            g_test([])

    def test_empty_table(self):
        with pytest.raises(ValueError, match="`table` must not be empty"):
            g_test_independence(np.empty((0, 3)))

    def test_all_zero_counts(self):
        with pytest.raises(ValueError, match="at least one positive count"):
            g_test([0, 0, 0])

    def test_yates_three_categories(self):
        with pytest.raises(ValueError, match="Yates' correction applies to two categories"):
            g_test([3, 1, 2], correction="yates")

    def test_yates_2x3_table(self):
        with pytest.raises(ValueError, match="2 x 2 table only; got 2 x 3"):
            g_test_independence([[3, 1, 4], [2, 4, 4]], correction="yates")

    def test_single_nonempty_row(self):
        with (
            pytest.warns(DegenerateDataWarning),
            pytest.raises(ValueError, match="at least two non-empty rows"),
        ):
            g_test_independence([[3, 1, 4], [0, 0, 0]])

    def test_homogeneity_single_category(self):
        with pytest.raises(ValueError, match="at least two categories"):
            g_test_homogeneity([3, 0], [5, 0])

    def test_noninteger_counts_montecarlo(self):
        with pytest.raises(ValueError, match="whole-number counts"):
            g_test([3.5, 1, 2], method="montecarlo")

    def test_noninteger_table_montecarlo(self):
        with pytest.raises(ValueError, match="whole-number counts"):
            g_test_independence([[3.5, 1], [2, 2]], method="montecarlo")

    def test_exact_too_many_outcomes(self):
        with pytest.raises(ValueError, match="Use method='montecarlo'"):
            g_test(np.full(10, 10), method="exact")

    def test_bad_n_resamples(self):
        with pytest.raises(ValueError, match="`n_resamples` must be an integer >= 1"):
            g_test([3, 1, 2], method="montecarlo", n_resamples=0)

    def test_non_integer_n_resamples(self):
        with pytest.raises(TypeError, match="`n_resamples` must be an integer"):
            g_test([3, 1, 2], method="montecarlo", n_resamples=99.5)

    def test_bad_rng(self):
        with pytest.raises(TypeError, match="`rng`"):
            g_test([3, 1, 2], method="montecarlo", rng="seed")

    def test_label_counts(self):
        with pytest.raises(TypeError, match="tabulate"):
            g_test(["a", "b", "a"])

    def test_distribution_as_expected(self):
        with pytest.raises(TypeError, match="not a distribution"):
            g_test([3, 1, 2], stats.poisson(1))

    def test_power_both_given(self):
        with pytest.raises(ValueError, match="exactly one of `nobs`"):
            g_test_power(0.02, df=3, nobs=100, power=0.8)

    def test_power_neither_given(self):
        with pytest.raises(ValueError, match="exactly one of `nobs`"):
            g_test_power(0.02, df=3)

    def test_power_not_above_alpha(self):
        with pytest.raises(ValueError, match="`power` must be >"):
            g_test_power(0.02, df=3, power=0.05)

    def test_power_effect_not_positive(self):
        with pytest.raises(ValueError, match="`effect` must be > 0"):
            g_test_power(0.0, df=3, nobs=100)

    def test_power_bad_df(self):
        with pytest.raises(ValueError, match="`df` must be an integer >= 1"):
            g_test_power(0.02, df=0, nobs=100)

    def test_power_bad_nobs(self):
        with pytest.raises(ValueError, match="`nobs` must be > 0"):
            g_test_power(0.02, df=3, nobs=-5)

    def test_power_bad_alpha(self):
        with pytest.raises(ValueError, match="`alpha`"):
            g_test_power(0.02, df=3, nobs=100, alpha=1.5)


def test_demo_section_runs_quietly(capsys):
    from klstats._report import _demo

    assert _demo.g_tests in _demo.SECTIONS
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pieces = list(_demo.g_tests())
    out = "\n".join(p.summary().as_text() for p in pieces if hasattr(p, "summary"))
    assert "G-test of goodness of fit (Williams' correction)" in out
    assert "30.02" in out and "Standardized residuals" in out
