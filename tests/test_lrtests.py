"""Likelihood-ratio tests and Vuong's test (klstats._hypotests._lr, _families, _vuong).

External references: statsmodels (compare_lr_test, llr/llr_pvalue, deviances), R lmtest
and pscl (tests/reference/lrtest.R, vuong.R and their CSV output), R MASS::fitdistr,
scipy (distributions, chi2, numerical integration and optimisation) and closed forms.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import integrate, optimize, stats
from sizecheck import assert_size
from statsmodels.base.model import GenericLikelihoodModel

import klstats as kls
from klstats._hypotests._families import _NESTINGS
from klstats._hypotests._vuong import _wchisq_sf

REF = Path(__file__).parent / "reference"


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name, comment="#")


@pytest.fixture(scope="module")
def mtcars():
    return _read("mtcars.csv")


@pytest.fixture(scope="module")
def lrtest_ref():
    return _read("lrtest.csv").set_index("model")


@pytest.fixture(scope="module")
def rivers():
    return kls.datasets.load("rivers")["length_miles"].to_numpy(dtype=float)


# =========================================================================== lr_test


class TestLRTest:
    def test_hand_computed_tuples(self):
        # LR = 2 (-117.2 + 120.5) = 6.6 on 3 - 2 = 1 df; estimate = 6.6 / (2 * 100)
        res = kls.lr_test((-120.5, 2, 100), (-117.2, 3, 100))
        assert res.statistic == pytest.approx(6.6, rel=1e-12)
        assert res.df == 1
        assert res.pvalue == pytest.approx(stats.chi2.sf(6.6, 1), rel=1e-12)
        assert res.estimate == pytest.approx(0.033, rel=1e-12)
        assert res.llf_null == -120.5 and res.llf_alt == -117.2 and res.df_diff == 1
        stat, p = res
        assert (stat, p) == (res.statistic, res.pvalue)

    def test_hand_computed_pair_without_nobs(self):
        # LR = 2 (-50 + 56) = 12 on 2 df: p = exp(-6) for chi2(2)
        res = kls.lr_test((-56.0, 1), (-50.0, 3))
        assert res.statistic == pytest.approx(12.0)
        assert res.pvalue == pytest.approx(math.exp(-6.0), rel=1e-12)
        assert math.isnan(res.estimate)
        assert res.nobs == 0
        with pytest.raises(ValueError, match="no effect size"):
            res.conf_int()

    def test_ols_agrees_with_compare_lr_test_and_R(self, mtcars, lrtest_ref):
        y = mtcars["mpg"]
        small = sm.OLS(y, sm.add_constant(mtcars[["wt"]])).fit()
        big = sm.OLS(y, sm.add_constant(mtcars[["wt", "hp", "qsec"]])).fit()
        res = kls.lr_test(small, big)
        sm_stat, sm_p, sm_df = big.compare_lr_test(small)
        assert res.statistic == pytest.approx(sm_stat, rel=1e-10)
        assert res.pvalue == pytest.approx(sm_p, rel=1e-10)
        assert res.df == sm_df == 2
        ref = lrtest_ref.loc["ols"]
        assert res.statistic == pytest.approx(ref["statistic"], rel=1e-9)
        assert res.pvalue == pytest.approx(ref["pvalue"], rel=1e-8)
        assert res.llf_alt == pytest.approx(ref["llf_full"], rel=1e-12)
        assert res.estimate == pytest.approx(ref["statistic"] / (2 * 32), rel=1e-9)

    def test_glm_poisson_against_R_and_deviance(self, lrtest_ref):
        wb = _read("warpbreaks.csv")
        y = wb["breaks"]
        fam = sm.families.Poisson()
        small = sm.GLM(y, sm.add_constant(wb[["woolB"]]), family=fam).fit()
        big = sm.GLM(y, sm.add_constant(wb[["woolB", "tensionM", "tensionH"]]), family=fam).fit()
        res = kls.lr_test(small, big)
        ref = lrtest_ref.loc["glm_poisson"]
        assert res.statistic == pytest.approx(ref["statistic"], rel=1e-8)
        assert res.pvalue == pytest.approx(ref["pvalue"], rel=1e-6)
        assert res.df == ref["df"] == 2
        # for a Poisson GLM the LR statistic is the drop in deviance
        assert res.statistic == pytest.approx(small.deviance - big.deviance, rel=1e-10)

    def test_logit_against_R_and_llr(self, mtcars, lrtest_ref):
        y = mtcars["am"]
        small = sm.Logit(y, sm.add_constant(mtcars[["wt"]])).fit(disp=0)
        big = sm.Logit(y, sm.add_constant(mtcars[["wt", "hp"]])).fit(disp=0)
        res = kls.lr_test(small, big)
        ref = lrtest_ref.loc["logit"]
        assert res.statistic == pytest.approx(ref["statistic"], rel=1e-7)
        assert res.pvalue == pytest.approx(ref["pvalue"], rel=1e-6)
        assert res.df == 1
        # statsmodels' own LR test of the model against the intercept-only model
        null = sm.Logit(y, np.ones((len(y), 1))).fit(disp=0)
        res0 = kls.lr_test(null, big)
        assert res0.statistic == pytest.approx(big.llr, rel=1e-10)
        assert res0.pvalue == pytest.approx(big.llr_pvalue, rel=1e-10)
        assert res0.df == big.df_model

    def test_glm_binomial_matches_logit(self, mtcars, lrtest_ref):
        y = mtcars["am"]
        fam = sm.families.Binomial()
        small = sm.GLM(y, sm.add_constant(mtcars[["wt"]]), family=fam).fit()
        big = sm.GLM(y, sm.add_constant(mtcars[["wt", "hp"]]), family=fam).fit()
        res = kls.lr_test(small, big)
        assert res.statistic == pytest.approx(lrtest_ref.loc["logit", "statistic"], rel=1e-7)

    def test_negative_binomial_counts_dispersion(self):
        # Poisson within NB2: the dispersion alpha (k_extra) is the one extra parameter
        rng = np.random.default_rng(20240611)
        x = sm.add_constant(rng.normal(size=(300, 1)))
        y = rng.negative_binomial(2, 2 / (2 + np.exp(0.5 + 0.3 * x[:, 1])))
        pois = sm.Poisson(y, x).fit(disp=0)
        nb = sm.NegativeBinomial(y, x).fit(disp=0)
        res = kls.lr_test(pois, nb)
        assert res.df == 1
        assert res.statistic == pytest.approx(2 * (nb.llf - pois.llf), rel=1e-12)
        assert res.n_params == (2, 3)

    def test_mixed_results_and_tuple(self, mtcars):
        y = mtcars["mpg"]
        big = sm.OLS(y, sm.add_constant(mtcars[["wt", "hp"]])).fit()
        small = sm.OLS(y, sm.add_constant(mtcars[["wt"]])).fit()
        res = kls.lr_test((small.llf, 2), big)
        assert res.statistic == pytest.approx(2 * (big.llf - small.llf))
        assert res.nobs == 32

    def test_conf_int_inverts_noncentral_chi2(self):
        res = kls.lr_test((-120.5, 2, 100), (-117.2, 3, 100))
        lo, hi = res.conf_int(0.1)
        assert stats.ncx2.cdf(6.6, 1, 200 * lo) == pytest.approx(0.95, abs=1e-7)
        assert stats.ncx2.cdf(6.6, 1, 200 * hi) == pytest.approx(0.05, abs=1e-7)

    def test_tiny_negative_difference_is_zero(self):
        res = kls.lr_test((-1000.0, 2, 50), (-1000.0 - 1e-7, 3, 50))
        assert res.statistic == 0.0 and res.pvalue == 1.0
        assert any("optimiser noise" in n for n in res.notes)

    def test_summary_names_models(self, mtcars):
        y = mtcars["mpg"]
        small = sm.OLS(y, sm.add_constant(mtcars[["wt"]])).fit()
        big = sm.OLS(y, sm.add_constant(mtcars[["wt", "hp"]])).fit()
        text = kls.lr_test(small, big).summary().as_text()
        assert "OLS" in text and "restricted" in text and "full" in text
        assert f"{big.llf:.8g}" in text

    # ---------------------------------------------------------------- bad input
    def test_more_parameters_in_restricted(self):
        with pytest.raises(ValueError, match="more parameters"):
            kls.lr_test((-10.0, 3), (-9.0, 2))

    def test_same_number_of_parameters(self):
        with pytest.raises(ValueError, match=r"as many parameters.*vuong_test"):
            kls.lr_test((-10.0, 2), (-9.0, 2))

    def test_different_nobs(self):
        with pytest.raises(ValueError, match="same observations"):
            kls.lr_test((-10.0, 1, 50), (-9.0, 2, 51))

    def test_full_llf_below_restricted(self):
        with pytest.raises(ValueError, match="not nested"):
            kls.lr_test((-10.0, 1, 50), (-12.0, 2, 50))

    def test_different_dependent_variables(self, mtcars):
        x = sm.add_constant(mtcars[["wt"]])
        small = sm.OLS(mtcars["mpg"], x).fit()
        big = sm.OLS(mtcars["qsec"], sm.add_constant(mtcars[["wt", "hp"]])).fit()
        with pytest.raises(ValueError, match="different dependent"):
            kls.lr_test(small, big)

    def test_not_a_model(self):
        with pytest.raises(TypeError, match="restricted"):
            kls.lr_test("model", (-1.0, 2))

    def test_tuple_of_wrong_length(self):
        with pytest.raises(TypeError, match="full"):
            kls.lr_test((-2.0, 1), (-1.0, 2, 10, 4))

    def test_non_finite_llf(self):
        with pytest.raises(ValueError, match="finite"):
            kls.lr_test((-np.inf, 1), (-1.0, 2))

    def test_negative_n_params(self):
        with pytest.raises(ValueError, match="n_params"):
            kls.lr_test((-2.0, -1), (-1.0, 2))


# =========================================================================== families


def _embedded_points():
    """Null parameters for checking each nesting's embedding."""
    pts = {
        "expon": [(0.0, 1.7)],
        "gamma": [(2.3, 0.0, 0.8)],
        "weibull_min": [(1.6, 0.0, 2.2)],
        "logistic": [(0.4, 1.3)],
        "norm": [(-0.5, 2.0)],
    }
    return [(k, p) for k in _NESTINGS if _NESTINGS[k].embed for p in pts[k[0]]]


class TestNestingTable:
    @pytest.mark.parametrize(("pair", "params"), _embedded_points())
    def test_embedding_gives_the_same_density(self, pair, params):
        null, alt = (getattr(stats, name) for name in pair)
        x = np.linspace(0.05, 6.0, 25) if null.a == 0 else np.linspace(-4.0, 4.0, 25)
        embedded = _NESTINGS[pair].embed(params)
        np.testing.assert_allclose(alt.pdf(x, *embedded), null.pdf(x, *params), rtol=1e-12)

    def test_geometric_is_negative_binomial_with_n_1(self):
        k = np.arange(30)
        np.testing.assert_allclose(
            stats.geom.pmf(k, 0.3, loc=-1), stats.nbinom.pmf(k, 1, 0.3), rtol=1e-12
        )

    def test_poisson_is_the_negative_binomial_limit(self):
        k = np.arange(20)
        n = 1e9
        np.testing.assert_allclose(
            stats.nbinom.pmf(k, n, n / (n + 2.5)), stats.poisson.pmf(k, 2.5), rtol=1e-6
        )


class TestLRTestDistributions:
    def test_expon_gamma_against_R_fitdistr(self, rivers):
        ref = _read("vuong_pscl.csv").set_index("comparison").loc["rivers_lognorm_vs_gamma"]
        fit = _read("vuong_rivers.csv").iloc[0]
        n = rivers.size
        llf_expon = -n * math.log(rivers.mean()) - n  # closed form
        res = kls.lr_test_distributions(rivers, stats.expon, stats.gamma)
        assert res.llf_null == pytest.approx(llf_expon, rel=1e-12)
        assert res.llf_alt == pytest.approx(ref["llf2"], rel=1e-9)
        assert res.statistic == pytest.approx(2 * (ref["llf2"] - llf_expon), rel=1e-7)
        assert res.df == 1
        assert res.pvalue == pytest.approx(stats.chi2.sf(res.statistic, 1), rel=1e-10)
        a, loc, scale = res.alt_fit.args
        assert loc == 0.0
        assert a == pytest.approx(fit["shape"], rel=2e-5)
        assert 1 / scale == pytest.approx(fit["rate"], rel=2e-5)

    def test_lr_is_2n_kl_for_exponential_families(self, rivers):
        # METHODS C4: for expon within gamma, LR / (2n) = D(fitted gamma || fitted expon)
        res = kls.lr_test_distributions(rivers, "expon", "gamma")
        f1, f0 = res.alt_fit, res.null_fit

        def integrand(x):
            return f1.pdf(x) * (f1.logpdf(x) - f0.logpdf(x))

        kl = integrate.quad(integrand, 0, np.inf, limit=200)[0]
        assert res.estimate == pytest.approx(kl, rel=1e-5)

    def test_poisson_nbinom_against_direct_maximisation(self):
        rng = np.random.default_rng(77)
        x = rng.negative_binomial(3, 0.4, size=150)
        res = kls.lr_test_distributions(x, "poisson", "nbinom")

        def nll(t):
            return -stats.nbinom.logpmf(x, math.exp(t[0]), special_expit(t[1])).sum()

        best = optimize.minimize(
            nll,
            [1.0, 0.0],
            method="Nelder-Mead",
            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 5000},
        )
        assert res.llf_alt == pytest.approx(-best.fun, rel=1e-9)
        assert res.llf_null == pytest.approx(stats.poisson.logpmf(x, x.mean()).sum(), rel=1e-12)
        # boundary null: half the chi2(1) tail
        assert res.pvalue == pytest.approx(0.5 * stats.chi2.sf(res.statistic, 1), rel=1e-10)
        assert res.boundary

    def test_underdispersed_counts_give_zero(self):
        x = np.array([2, 3, 2, 3, 2, 3, 2, 3, 3, 2])  # variance < mean
        res = kls.lr_test_distributions(x, "poisson", "nbinom")
        assert res.statistic == 0.0 and res.pvalue == 1.0

    def test_geom_nbinom_against_direct_maximisation(self):
        rng = np.random.default_rng(78)
        x = rng.geometric(0.25, size=120) - 1
        res = kls.lr_test_distributions(x, "geom", "nbinom")
        m = x.mean()
        assert res.llf_null == pytest.approx(
            stats.nbinom.logpmf(x, 1, 1 / (1 + m)).sum(), rel=1e-12
        )

        def nll(t):
            return -stats.nbinom.logpmf(x, math.exp(t[0]), special_expit(t[1])).sum()

        best = optimize.minimize(
            nll,
            [0.0, 0.0],
            method="Nelder-Mead",
            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 5000},
        )
        assert res.llf_alt == pytest.approx(max(-best.fun, res.llf_null), rel=1e-9)
        assert res.df == 1

    def test_norm_skewnorm_small_n_warns(self):
        # validation report: simulated size 0.079 at alpha = 0.05 for n = 50 (chi2(1)
        # reached slowly: singular information), 0.052 at n = 200
        x = np.random.default_rng(2).normal(size=60)
        with pytest.warns(kls.SmallSampleWarning, match="method='bootstrap'"):
            kls.lr_test_distributions(x, "norm", "skewnorm")

    def test_norm_skewnorm_fit_beats_scipy(self):
        rng = np.random.default_rng(79)
        x = stats.skewnorm.rvs(4, loc=1, scale=2, size=300, random_state=rng)
        res = kls.lr_test_distributions(x, stats.norm, stats.skewnorm)
        p_scipy = stats.skewnorm.fit(x)
        assert res.llf_alt >= stats.skewnorm.logpdf(x, *p_scipy).sum() - 1e-8
        assert res.df == 1 and res.pvalue < 1e-3
        assert any("singular" in n for n in res.notes)

    def test_logistic_genlogistic_negative_location(self):
        rng = np.random.default_rng(80)
        x = rng.logistic(-3.0, 0.5, size=200)
        res = kls.lr_test_distributions(x, "logistic", "genlogistic")

        def nll(t):
            v = stats.genlogistic.logpdf(x, math.exp(t[0]), t[1], math.exp(t[2])).sum()
            return -v if np.isfinite(v) else 1e300

        best = min(
            optimize.minimize(
                nll, t0, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12}
            ).fun
            for t0 in ([0.0, -3.0, math.log(0.5)], [1.0, -2.0, 0.0])
        )
        assert res.llf_alt == pytest.approx(-best, rel=1e-8)
        assert res.llf_alt >= res.llf_null

    def test_gengamma_fit_reaches_the_maximum(self):
        # scipy's gengamma fit (from its default or the nested start) stops 0.004 short of
        # the maximum on this sample (a flat a-c ridge); compare with a multi-start
        # Nelder-Mead on (log a, c, log scale)
        rng = np.random.default_rng(3)
        for _ in range(7):
            x = rng.gamma(2.0, 1.0, 100)
        res = kls.lr_test_distributions(x, "gamma", "gengamma")

        def nll(t):
            v = stats.gengamma.logpdf(x, math.exp(t[0]), t[1], 0, math.exp(t[2])).sum()
            return -v if np.isfinite(v) else 1e300

        best = min(
            optimize.minimize(
                nll,
                [math.log(a0), 1.0, 0.0],
                method="Nelder-Mead",
                options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000},
            ).fun
            for a0 in (0.5, 2.0, 8.0)
        )
        assert res.llf_alt == pytest.approx(-best, abs=1e-6)

    def test_fixed_location_shift(self, rivers):
        shifted = rivers + 100.0
        a = kls.lr_test_distributions(rivers, "expon", "gamma")
        b = kls.lr_test_distributions(shifted, "expon", "gamma", fixed={"loc": 100})
        assert b.statistic == pytest.approx(a.statistic, rel=1e-6)

    def test_bootstrap_reproducible_and_null_distribution(self, rng_any):
        x = np.random.default_rng(5).exponential(2.0, size=40)
        res = kls.lr_test_distributions(
            x, "expon", "gamma", method="bootstrap", n_resamples=99, rng=rng_any
        )
        assert res.df is None and res.df_diff == 1
        assert res.null_distribution.shape == (99,)
        assert np.all(res.null_distribution >= 0)
        count = np.sum(res.null_distribution >= res.statistic - 1e-9 * abs(res.llf_alt))
        assert res.pvalue == pytest.approx((1 + count) / 100)

    def test_caller_data_unchanged(self):
        x = np.array([1.0, 2.5, 0.7, 3.1, 1.9])
        before = x.copy()
        kls.lr_test_distributions(x, "expon", "gamma")
        np.testing.assert_array_equal(x, before)

    def test_conf_int_methods(self, rivers):
        res = kls.lr_test_distributions(rivers, "expon", "gamma")
        lo, hi = res.conf_int()
        assert lo < res.estimate < hi
        lo_w, hi_w = res.conf_int(method="wald")
        assert lo_w < res.estimate < hi_w

    # ---------------------------------------------------------------- size and power
    def test_size_asymptotic_expon_gamma(self):
        rng = np.random.default_rng(20240601)
        reps = 400
        p = np.array(
            [
                kls.lr_test_distributions(rng.exponential(3.0, 60), "expon", "gamma").pvalue
                for _ in range(reps)
            ]
        )
        assert_size(p, 0.05)

    def test_size_asymptotic_boundary_poisson_nbinom(self):
        # the chi-bar-square p-value holds its level where chi2(1) would halve it
        rng = np.random.default_rng(20240602)
        reps = 400
        stat = np.array(
            [
                kls.lr_test_distributions(rng.poisson(4.0, 200), "poisson", "nbinom").statistic
                for _ in range(reps)
            ]
        )
        p_bar = np.where(stat > 0, 0.5 * stats.chi2.sf(stat, 1), 1.0)
        assert_size(p_bar, 0.10)
        assert np.mean(stat == 0) > 0.35  # about half the statistics sit at the boundary

    def test_size_bootstrap_expon_gamma(self):
        rng = np.random.default_rng(20240603)
        reps = 200
        p = np.array(
            [
                kls.lr_test_distributions(
                    rng.exponential(1.0, 15),
                    "expon",
                    "gamma",
                    method="bootstrap",
                    n_resamples=19,
                    rng=rng,
                ).pvalue
                for _ in range(reps)
            ]
        )
        assert_size(p, 0.10)  # exact level 2/20

    def test_power_gamma_alternative(self):
        rng = np.random.default_rng(20240604)
        p = [
            kls.lr_test_distributions(rng.gamma(2.0, 1.0, 80), "expon", "gamma").pvalue
            for _ in range(50)
        ]
        assert np.mean(np.array(p) <= 0.05) >= 0.9

    def test_power_bootstrap_overdispersion(self):
        rng = np.random.default_rng(20240605)
        p = [
            kls.lr_test_distributions(
                rng.negative_binomial(2, 0.4, 100),
                "poisson",
                "nbinom",
                method="bootstrap",
                n_resamples=49,
                rng=rng,
            ).pvalue
            for _ in range(20)
        ]
        assert np.mean(np.array(p) <= 0.05) >= 0.9

    @pytest.mark.slow
    @pytest.mark.parametrize(
        ("null", "alt", "draw", "reps"),
        [
            ("expon", "gamma", lambda r, n: r.exponential(2.0, n), 2000),
            ("expon", "weibull_min", lambda r, n: r.exponential(2.0, n), 1000),
            ("gamma", "gengamma", lambda r, n: r.gamma(2.0, 1.0, n), 1000),
            ("logistic", "genlogistic", lambda r, n: r.logistic(0.0, 1.0, n), 1000),
            ("geom", "nbinom", lambda r, n: r.geometric(0.3, n) - 1, 2000),
            ("poisson", "nbinom", lambda r, n: r.poisson(3.0, n), 2000),
        ],
    )
    def test_size_asymptotic_slow(self, null, alt, draw, reps):
        rng = np.random.default_rng(20240606)
        p = np.array(
            [kls.lr_test_distributions(draw(rng, 100), null, alt).pvalue for _ in range(reps)]
        )
        assert_size(p, (0.05, 0.10))

    @pytest.mark.slow
    @pytest.mark.parametrize(
        ("null", "alt", "draw", "n", "reps", "B"),
        [
            ("expon", "gamma", lambda r, n: r.exponential(2.0, n), 20, 400, 99),
            ("poisson", "nbinom", lambda r, n: r.poisson(1.5, n), 30, 300, 99),
            ("norm", "skewnorm", lambda r, n: r.normal(1.0, 2.0, n), 50, 100, 39),
        ],
    )
    def test_size_bootstrap_slow(self, null, alt, draw, n, reps, B):
        rng = np.random.default_rng(20240612)
        p = np.array(
            [
                kls.lr_test_distributions(
                    draw(rng, n), null, alt, method="bootstrap", n_resamples=B, rng=rng
                ).pvalue
                for _ in range(reps)
            ]
        )
        assert_size(p, 0.10)

    # ---------------------------------------------------------------- bad input
    def test_not_nested_families(self, rivers):
        with pytest.raises(ValueError, match=r"not a known nesting.*expon within gamma"):
            kls.lr_test_distributions(rivers, "lognorm", "gamma")

    def test_reversed_pair(self, rivers):
        with pytest.raises(ValueError, match="not a known nesting"):
            kls.lr_test_distributions(rivers, "gamma", "expon")

    def test_negative_data_for_gamma(self):
        with pytest.raises(ValueError, match=r"`data` must be > 0.*gamma"):
            kls.lr_test_distributions([1.0, 2.0, -0.5, 3.0], "expon", "gamma")

    def test_zero_for_gamma(self):
        with pytest.raises(ValueError, match=r"`data` must be > 0"):
            kls.lr_test_distributions([1.0, 2.0, 0.0, 3.0], "expon", "gamma")

    def test_non_integer_counts(self):
        with pytest.raises(ValueError, match="integers >= 0"):
            kls.lr_test_distributions([1, 2, 2.5, 0], "poisson", "nbinom")

    def test_negative_counts(self):
        with pytest.raises(ValueError, match="integers >= 0"):
            kls.lr_test_distributions([1, 2, -1, 0], "poisson", "nbinom")

    def test_one_observation(self):
        with pytest.raises(ValueError, match="at least 2"):
            kls.lr_test_distributions([1.5], "expon", "gamma")

    def test_constant_data(self):
        with pytest.raises(ValueError, match="constant"):
            kls.lr_test_distributions([2.0, 2.0, 2.0], "expon", "gamma")

    def test_nan_in_data(self):
        with pytest.raises(ValueError, match="finite"):
            kls.lr_test_distributions([1.0, np.nan, 2.0], "expon", "gamma")

    def test_frozen_family(self, rivers):
        with pytest.raises(TypeError, match="not a frozen"):
            kls.lr_test_distributions(rivers, stats.expon(scale=2), stats.gamma)

    def test_unknown_family_name(self, rivers):
        with pytest.raises(ValueError, match="not the name"):
            kls.lr_test_distributions(rivers, "expo", "gamma")

    def test_bad_method(self, rivers):
        with pytest.raises(ValueError, match="method"):
            kls.lr_test_distributions(rivers, "expon", "gamma", method="exact")

    def test_bad_fixed_key(self, rivers):
        with pytest.raises(ValueError, match="fixed"):
            kls.lr_test_distributions(rivers, "expon", "gamma", fixed={"a": 1})

    def test_bad_n_resamples(self, rivers):
        with pytest.raises(ValueError, match="n_resamples"):
            kls.lr_test_distributions(rivers, "expon", "gamma", method="bootstrap", n_resamples=0)

    def test_two_dimensional_data(self):
        with pytest.raises(ValueError, match="1-D"):
            kls.lr_test_distributions(np.ones((5, 2)), "expon", "gamma")


def special_expit(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t))


# =========================================================================== Vuong


@pytest.fixture(scope="module")
def pscl_ref():
    return _read("vuong_pscl.csv").set_index("comparison")


@pytest.fixture(scope="module")
def pscl_loglik():
    return _read("vuong_loglik.csv")


@pytest.fixture(scope="module")
def biochemists_fits():
    d = _read("biochemists.csv")
    x = sm.add_constant(d[["fem", "mar", "kid5", "phd", "ment"]])
    y = d["art"]
    fits = {
        "glm": sm.GLM(y, x, family=sm.families.Poisson()).fit(),
        "zip": sm.ZeroInflatedPoisson(y, x, exog_infl=x).fit(
            method="bfgs", maxiter=5000, gtol=1e-8, disp=0
        ),
        "nb": sm.NegativeBinomial(y, x).fit(disp=0),
        "zinb": sm.ZeroInflatedNegativeBinomialP(y, x, exog_infl=x, p=2).fit(
            method="bfgs", maxiter=5000, gtol=1e-8, disp=0
        ),
    }
    return fits


class TestVuong:
    @pytest.mark.parametrize("comparison", ["poisson_vs_zip", "negbin_vs_zinb"])
    @pytest.mark.parametrize("correction", [None, "aic", "bic"])
    def test_pscl_on_identical_loglik(self, pscl_ref, pscl_loglik, comparison, correction):
        # pscl's ?vuong example (tests/reference/vuong.R); pscl divides by sd() (n - 1)
        ref = pscl_ref.loc[comparison]
        l1 = pscl_loglik[f"{comparison}_ll1"].to_numpy()
        l2 = pscl_loglik[f"{comparison}_ll2"].to_numpy()
        n = l1.size
        res = kls.vuong_test(
            l1, l2, n_params=(int(ref["k1"]), int(ref["k2"])), correction=correction
        )
        col = {None: "z_raw", "aic": "z_aic", "bic": "z_bic"}[correction]
        assert res.statistic * math.sqrt((n - 1) / n) == pytest.approx(ref[col], rel=1e-12)

    @pytest.mark.parametrize(
        ("comparison", "m1", "m2"),
        [("poisson_vs_zip", "glm", "zip"), ("negbin_vs_zinb", "nb", "zinb")],
    )
    def test_pscl_example_from_statsmodels_fits(
        self, pscl_ref, biochemists_fits, comparison, m1, m2
    ):
        ref = pscl_ref.loc[comparison]
        r1, r2 = biochemists_fits[m1], biochemists_fits[m2]
        n = int(ref["n"])
        scale = math.sqrt((n - 1) / n)
        for corr, col in ((None, "z_raw"), ("aic", "z_aic"), ("bic", "z_bic")):
            res = kls.vuong_test(r1, r2, correction=corr)
            assert res.favoured == ("model1" if ref[col] > 0 else "model2")
            assert res.llf[0] == pytest.approx(ref["llf1"], rel=1e-9)
            assert res.llf[1] == pytest.approx(ref["llf2"], rel=1e-9)
            # the parameter difference matches pscl's (statsmodels also counts theta)
            assert res.n_params[0] - res.n_params[1] == ref["k1"] - ref["k2"]
            assert res.statistic * scale == pytest.approx(ref[col], abs=2e-5)

    def test_rivers_lognorm_gamma_against_R(self, rivers, pscl_ref):
        ref = pscl_ref.loc["rivers_lognorm_vs_gamma"]
        fit = _read("vuong_rivers.csv").iloc[0]
        res = kls.vuong_test(stats.lognorm, "gamma", data=rivers)
        assert res.llf[0] == pytest.approx(ref["llf1"], rel=1e-10)
        assert res.llf[1] == pytest.approx(ref["llf2"], rel=1e-9)
        assert res.statistic == pytest.approx(ref["z_raw"], rel=1e-5)
        assert res.omega2 == pytest.approx(fit["omega2"], rel=1e-5)
        assert res.n_params == (2, 2)
        assert res.favoured == "model1"
        assert res.fits[0].args[0] == pytest.approx(fit["sdlog"], rel=1e-6)

    def test_direct_formula_and_pvalues(self):
        rng = np.random.default_rng(4)
        l1 = rng.normal(-1.0, 1.0, 57)
        l2 = l1 - rng.normal(0.1, 0.5, 57)
        with pytest.warns(kls.SmallSampleWarning, match="n = 57"):
            res = kls.vuong_test(l1, l2)
        d = l1 - l2
        z = d.sum() / (math.sqrt(57) * np.std(d, ddof=0))
        assert res.statistic == pytest.approx(z, rel=1e-12)
        assert res.omega2 == pytest.approx(np.var(d), rel=1e-12)
        assert res.pvalue == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-12)
        assert res.pvalue_model1 == pytest.approx(stats.norm.sf(z), rel=1e-12)
        assert res.pvalue_model2 == pytest.approx(stats.norm.cdf(z), rel=1e-12)
        assert res.estimate == pytest.approx(d.mean(), rel=1e-12)
        lo, hi = res.conf_int()
        half = stats.norm.ppf(0.975) * np.std(d) / math.sqrt(57)
        assert (lo, hi) == pytest.approx((d.mean() - half, d.mean() + half), rel=1e-10)

    @pytest.mark.parametrize(
        ("correction", "penalty"), [("aic", 3.0), ("bic", 3 * math.log(40) / 2)]
    )
    def test_corrections(self, correction, penalty):
        rng = np.random.default_rng(6)
        l1, l2 = rng.normal(size=40), rng.normal(size=40)
        with pytest.warns(kls.SmallSampleWarning, match="Vuong"):
            res = kls.vuong_test(l1, l2, n_params=(5, 2), correction=correction)
        d = l1 - l2
        z = (d.sum() - penalty) / (math.sqrt(40) * np.std(d))
        assert res.statistic == pytest.approx(z, rel=1e-12)
        assert res.llr == pytest.approx(d.sum(), rel=1e-12)

    def test_frozen_distributions_with_data(self, rivers):
        p1 = stats.lognorm.fit(rivers, floc=0)
        p2 = stats.gamma.fit(rivers, floc=0)
        res = kls.vuong_test(stats.lognorm(*p1), stats.gamma(*p2), data=rivers)
        l1 = stats.lognorm.logpdf(rivers, *p1)
        l2 = stats.gamma.logpdf(rivers, *p2)
        ref = kls.vuong_test(l1, l2)
        assert res.statistic == pytest.approx(ref.statistic, rel=1e-12)
        assert res.n_params == (None, None)

    def test_ols_per_observation_loglik(self, mtcars):
        y = mtcars["mpg"]
        r1 = sm.OLS(y, sm.add_constant(mtcars[["wt"]])).fit()
        r2 = sm.GLM(y, sm.add_constant(mtcars[["hp"]]), family=sm.families.Gaussian()).fit()
        with pytest.warns(kls.SmallSampleWarning, match="Vuong"):
            res = kls.vuong_test(r1, r2)
        s1 = math.sqrt(r1.ssr / 32)
        s2 = math.sqrt(np.sum(r2.resid_response**2) / 32)
        l1 = stats.norm.logpdf(y, r1.fittedvalues, s1)
        l2 = stats.norm.logpdf(y, r2.fittedvalues, s2)
        d = l1 - l2
        assert res.statistic == pytest.approx(d.sum() / (math.sqrt(32) * np.std(d)), rel=1e-9)

    def test_summary(self, rivers):
        text = kls.vuong_test("lognorm", "gamma", data=rivers).summary().as_text()
        assert "lognorm" in text and "gamma" in text and "BIC-corrected" in text

    def test_small_n_warns(self):
        # validation report: two fitted one-parameter models, n = 50, size 0.070 at
        # alpha = 0.05; from n = 100 on the size is near nominal and no warning is issued
        rng = np.random.default_rng(8)
        y = rng.normal(size=50)
        l1, l2 = stats.norm(-0.5, 1).logpdf(y), stats.norm(0.5, 1).logpdf(y)
        with pytest.warns(kls.SmallSampleWarning, match="liberal below n = 100"):
            res = kls.vuong_test(l1, l2)
        assert any("liberal" in note for note in res.notes)
        y = rng.normal(size=100)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            kls.vuong_test(stats.norm(-0.5, 1).logpdf(y), stats.norm(0.5, 1).logpdf(y))

    def test_identical_models_warn(self):
        l1 = np.array([-1.0, -2.0, -0.5])
        with pytest.warns(kls.DegenerateDataWarning, match="omega"):
            res = kls.vuong_test(l1, l1)
        assert math.isnan(res.statistic) and math.isnan(res.pvalue)

    # ---------------------------------------------------------------- variance test
    @pytest.mark.parametrize("k", [2, 3, 5])
    def test_weighted_chi2_equal_weights(self, k):
        for x in (0.3, 2.0, 9.0, 40.0):
            assert _wchisq_sf(x, np.full(k, 1.5)) == pytest.approx(
                stats.chi2.sf(x / 1.5, k), rel=1e-7, abs=1e-11
            )

    def test_weighted_chi2_by_convolution(self):
        a, b = 3.0, 0.5
        for x in (0.5, 2.0, 8.0, 20.0):
            conv = integrate.quad(
                lambda s, x=x: stats.chi2.pdf(s / a, 1) / a * stats.chi2.sf((x - s) / b, 1), 0, x
            )[0] + stats.chi2.sf(x / a, 1)
            assert _wchisq_sf(x, np.array([a, b])) == pytest.approx(conv, rel=1e-7)

    def test_vuong_weights_closed_form(self):
        # f = N(mu, 1) and g = N(0, s2) overlap at N(0, 1); there W = diag(-1, 1) (scores
        # y and (y^2 - 1)/2, informations 1 and 1/2, uncorrelated), so n*omega2 -> chi2(2)
        class MeanModel(GenericLikelihoodModel):
            def loglikeobs(self, params):
                return stats.norm.logpdf(self.endog, params[0], 1.0)

        class VarModel(GenericLikelihoodModel):
            def loglikeobs(self, params):
                return stats.norm.logpdf(self.endog, 0.0, np.sqrt(params[0]))

        y = np.random.default_rng(3).normal(size=20000)
        ones = np.ones((y.size, 1))
        r1 = MeanModel(y, ones).fit(start_params=[0.0], disp=0)
        r2 = VarModel(y, ones).fit(start_params=[1.0], disp=0)
        res = kls.vuong_test(r1, r2, variance_test=True)
        np.testing.assert_allclose(np.sort(res.omega2_weights), [1.0, 1.0], atol=0.06)
        stat = res.omega2_statistic
        assert res.omega2_pvalue == pytest.approx(_wchisq_sf(stat, res.omega2_weights))

    def _overlapping(self, rng, n, beta2):
        x = rng.normal(size=(n, 3))
        y = rng.poisson(np.exp(0.5 + 0.3 * x[:, 0] + beta2 * x[:, 1]))
        r1 = sm.Poisson(y, sm.add_constant(x[:, [0, 1]])).fit(disp=0)
        r2 = sm.GLM(y, sm.add_constant(x[:, [0, 2]]), family=sm.families.Poisson()).fit()
        return kls.vuong_test(r1, r2, variance_test=True)

    def test_variance_test_size_overlapping_models(self):
        rng = np.random.default_rng(20240607)
        reps = 150
        p = np.array([self._overlapping(rng, 150, 0.0).omega2_pvalue for _ in range(reps)])
        assert_size(p, 0.10)

    def test_variance_test_power(self):
        rng = np.random.default_rng(20240608)
        p = [self._overlapping(rng, 300, 0.4).omega2_pvalue for _ in range(20)]
        assert np.mean(np.array(p) <= 0.05) >= 0.9

    @pytest.mark.slow
    def test_variance_test_size_slow(self):
        rng = np.random.default_rng(20240609)
        reps = 1000
        p = np.array([self._overlapping(rng, 200, 0.0).omega2_pvalue for _ in range(reps)])
        assert_size(p, (0.05, 0.10))

    @pytest.mark.slow
    def test_z_size_non_nested_slow(self):
        # two models equally close to the truth: N(0, 1) and N(0.5, 1) when the data are
        # N(0.25, 1) (the log-ratio has mean 0), so Z is N(0, 1)
        rng = np.random.default_rng(20240610)
        reps, n = 2000, 100
        p = []
        for _ in range(reps):
            y = rng.normal(0.25, 1.0, n)
            p.append(kls.vuong_test(stats.norm.logpdf(y), stats.norm.logpdf(y, 0.5)).pvalue)
        assert_size(p, 0.05)

    # ---------------------------------------------------------------- bad input
    def test_different_lengths(self):
        with pytest.raises(ValueError, match="got 3 and 4"):
            kls.vuong_test([-1.0, -2.0, -1.5], [-1.0, -2.0, -1.5, -0.3])

    def test_nan_loglik(self):
        with pytest.raises(ValueError, match="model2"):
            kls.vuong_test([-1.0, -2.0, -1.5], [-1.0, np.nan, -1.5])

    def test_inf_loglik(self):
        with pytest.raises(ValueError, match="model1"):
            kls.vuong_test([-1.0, -np.inf, -1.5], [-1.0, -2.0, -1.5])

    def test_one_observation(self):
        with pytest.raises(ValueError, match="At least 2"):
            kls.vuong_test([-1.0], [-2.0])

    def test_correction_needs_n_params(self):
        with pytest.raises(ValueError, match="n_params"):
            kls.vuong_test([-1.0, -2.0, -1.5], [-1.1, -2.0, -1.4], correction="aic")

    def test_bad_correction(self):
        with pytest.raises(ValueError, match="correction"):
            kls.vuong_test([-1.0, -2.0], [-1.1, -2.0], correction="hqic")

    def test_bad_n_params(self):
        with pytest.raises(TypeError, match="n_params"):
            kls.vuong_test([-1.0, -2.0], [-1.1, -2.0], n_params=3)

    def test_family_without_data(self):
        with pytest.raises(ValueError, match="data="):
            kls.vuong_test("lognorm", "gamma")

    def test_data_without_distributions(self):
        with pytest.raises(ValueError, match=r"only with scipy\.stats"):
            kls.vuong_test([-1.0, -2.0], [-1.1, -2.0], data=[1.0, 2.0])

    def test_data_outside_support_of_family(self):
        with pytest.raises(ValueError, match="> 0"):
            kls.vuong_test("lognorm", "gamma", data=[1.0, 2.0, -3.0])

    def test_data_outside_support_of_frozen(self):
        with pytest.raises(ValueError, match="outside its support"):
            kls.vuong_test(stats.expon(), stats.norm(), data=[1.0, 2.0, -3.0])

    def test_different_dependent_variables(self, mtcars):
        x = sm.add_constant(mtcars[["wt"]])
        r1 = sm.OLS(mtcars["mpg"], x).fit()
        r2 = sm.OLS(mtcars["qsec"], x).fit()
        with pytest.raises(ValueError, match="different dependent"):
            kls.vuong_test(r1, r2)

    def test_variance_test_needs_models(self):
        with pytest.raises(ValueError, match="variance_test"):
            kls.vuong_test([-1.0, -2.0], [-1.1, -2.0], variance_test=True)

    def test_variance_test_rejects_ols(self, mtcars):
        y = mtcars["mpg"]
        r1 = sm.OLS(y, sm.add_constant(mtcars[["wt"]])).fit()
        r2 = sm.OLS(y, sm.add_constant(mtcars[["hp"]])).fit()
        with pytest.raises(ValueError, match="error variance"):
            kls.vuong_test(r1, r2, variance_test=True)

    def test_variance_test_singular_hessian(self):
        class Flat(GenericLikelihoodModel):  # the second parameter does not enter
            def loglikeobs(self, params):
                return stats.norm.logpdf(self.endog, params[0], 1.0) + 0.0 * params[1]

        class Mean(GenericLikelihoodModel):
            def loglikeobs(self, params):
                return stats.norm.logpdf(self.endog, params[0], 1.0)

        rng = np.random.default_rng(1)
        y = rng.normal(size=50)
        x = np.column_stack([np.ones(50), rng.normal(size=50)])
        r1 = Flat(y, x).fit(start_params=[0.0, 0.0], disp=0, method="bfgs", skip_hessian=True)
        r2 = Mean(y, np.ones((50, 1))).fit(start_params=[0.5], disp=0, skip_hessian=True)
        with pytest.raises(ValueError, match="singular"):
            kls.vuong_test(r1, r2, variance_test=True)

    def test_unsupported_type(self):
        with pytest.raises(TypeError, match="model1"):
            kls.vuong_test(object(), [-1.0, -2.0])

    def test_unfitted_discrete_family(self):
        with pytest.raises(ValueError, match="no maximum-likelihood fitter"):
            kls.vuong_test("binom", "poisson", data=[1, 2, 3])
