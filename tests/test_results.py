"""Result objects: KLEstimate and KLTestResult, and the intervals that need no resampling.

Interval limits are checked against independent computations: the Wald limits by hand
(estimate -/+ z * se, with the delta-method se of METHODS A10 computed in the test), the
noncentral chi-square limits by plugging them back into ``scipy.stats.ncx2.cdf`` with a
statistic computed by scipy (METHODS D3, remedy 1).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon
from statsmodels.iolib.summary import Summary

import klstats as kls
from klstats import GTestResult, KLEstimate, KLTestResult
from klstats._results._summary import Block, fmt, fmt_pvalue

X = np.array([30, 20, 10, 5, 0])
Y = np.array([25, 25, 10, 4, 1])
TABLE = np.array([[10, 2, 3], [1, 12, 4]])
Q = np.array([0.1, 0.2, 0.3, 0.15, 0.25])


@pytest.fixture
def est():
    return kls.kl_divergence(X, Y)


@pytest.fixture
def test_result(est):
    return GTestResult(
        statistic=4.5,
        pvalue=0.034,
        df=1.0,
        nobs=130,
        method="asymptotic",
        null_hypothesis="P = Q",
        estimate=est.estimate,
        effect=est,
        notes=("A note.",),
        blocks=(Block("Cells", ["observed", "expected"], ["a", "b"], [["1", "2"], ["3", "4"]]),),
        expected=np.array([1.0, 2.0]),
        correction="williams",
        williams_q=1.02,
    )


# =========================================================================== KLEstimate


class TestKLEstimate:
    def test_scalars_are_python_types(self, est):
        assert type(est.estimate) is float
        assert type(est.bse) is float
        assert type(est.nobs) is int
        assert est.nobs == 130
        assert est.sizes == (65, 65)
        assert est.units == "nats"
        assert est.estimator == "plugin"

    def test_float(self, est):
        assert float(est) == est.estimate
        assert math.log(math.exp(float(est))) == pytest.approx(est.estimate)
        assert f"{est:.4f}" == f"{est.estimate:.4f}"

    def test_immutable(self, est):
        with pytest.raises(dataclasses.FrozenInstanceError):
            est.estimate = 1.0
        with pytest.raises(dataclasses.FrozenInstanceError):
            est.bse = 0.0
        with pytest.raises(TypeError):
            est.options["prior"] = 3  # a read-only mapping

    def test_options_immutable(self):
        d = kls.kl_divergence(X, Y, estimator="dirichlet", prior=1)
        assert d.options["prior"] == 1
        with pytest.raises(TypeError):
            d.options["prior"] = 0.5

    def test_repr_one_line(self, est):
        text = repr(est)
        assert "\n" not in text
        assert text.startswith("KLEstimate(")
        assert "0.0326537" in text
        assert "plugin" in text

    def test_repr_html(self, est):
        html = est._repr_html_()
        assert html.startswith('<div class="klstats-summary"')
        assert "<table" in html
        assert "0.03265" in html

    def test_summary(self, est):
        smry = est.summary()
        assert isinstance(smry, Summary)
        text = smry.as_text()
        assert "KL divergence D(P||Q)" in text
        assert "0.03265" in text
        assert "noncentral chi-square inversion" in text
        assert str(est) == text
        assert "<table" in smry.as_html()
        latex = smry.as_latex()
        assert "tabular" in latex
        lo, hi = est.conf_int()
        assert f"[{fmt(lo)}, {fmt(hi)}]" in text

    def test_summary_alpha(self, est):
        text = est.summary(alpha=0.1).as_text()
        lo, hi = est.conf_int(alpha=0.1)
        assert "90% CI" in text
        assert f"[{fmt(lo)}, {fmt(hi)}]" in text

    def test_summary_shows_options(self):
        text = kls.kl_divergence(X, Y, estimator="dirichlet", prior=1).summary().as_text()
        assert "Prior (pseudocount)" in text

    def test_summary_frame(self, est):
        frame = est.summary_frame()
        assert isinstance(frame, pd.DataFrame)
        assert frame.shape[0] == 1
        expected = ["estimate", "bse", "ci_lower", "ci_upper", "units", "estimator", "nobs"]
        assert list(frame.columns) == expected
        row = frame.iloc[0]
        lo, hi = est.conf_int()
        assert row["estimate"] == est.estimate
        assert row["bse"] == est.bse
        assert (row["ci_lower"], row["ci_upper"]) == pytest.approx((lo, hi))
        assert (row["units"], row["estimator"], row["nobs"]) == ("nats", "plugin", 130)
        lo90, hi90 = est.conf_int(alpha=0.1)
        f90 = est.summary_frame(alpha=0.1).iloc[0]
        assert (f90["ci_lower"], f90["ci_upper"]) == pytest.approx((lo90, hi90))

    def test_conf_int_is_named_pair(self, est):
        ci = est.conf_int()
        low, high = ci
        assert (ci.low, ci.high) == (low, high)
        assert len(tuple(ci)) == 2
        assert low <= est.estimate <= high

    def test_without_inference(self):
        e = KLEstimate(
            estimate=0.5, estimator="plugin", units="nats", nobs=10, bse=0.1, quantity="x"
        )
        with pytest.raises(ValueError, match="No confidence interval"):
            e.conf_int()
        assert "0.5" in e.summary().as_text()
        assert math.isnan(e.summary_frame().iloc[0]["ci_lower"])


# =========================================================================== Wald


def z(alpha):
    return stats.norm.ppf(1 - alpha / 2)


class TestWald:
    @pytest.mark.parametrize("alpha", [0.05, 0.1, 0.01])
    def test_two_sample_kl(self, alpha):
        # delta-method se (METHODS A10) by hand
        p, q = X / X.sum(), Y / Y.sum()
        obs = p > 0
        lr = np.log(p[obs] / q[obs])
        var = (np.sum(p[obs] * lr**2) - np.sum(p[obs] * lr) ** 2) / 65 + (
            np.sum(p[obs] ** 2 / q[obs]) - 1
        ) / 65
        for estimator in ("plugin", "zhang", "miller-madow"):
            d = kls.kl_divergence(X, Y, estimator=estimator)
            lo, hi = d.conf_int(alpha, method="wald")
            # cut to the parameter space D >= 0
            want = max(d.estimate - z(alpha) * math.sqrt(var), 0.0)
            assert lo == pytest.approx(want, rel=1e-10, abs=1e-15)
            assert hi == pytest.approx(d.estimate + z(alpha) * math.sqrt(var), rel=1e-10)

    def test_lower_limit_cut_to_zero_and_said(self):
        # issue 13: no interval leaves the parameter space; the note says it was cut
        d = kls.kl_divergence(X, Y, estimator="zhang")
        ci = d.conf_int(method="wald")
        assert ci.low == 0.0 and "Cut to the parameter space" in ci.note

    @pytest.mark.parametrize(
        "make",
        [
            lambda b: kls.entropy(X, base=b),
            lambda b: kls.kl_divergence(X, reference=Q, base=b),
            lambda b: kls.cross_entropy(X, Y, base=b),
            lambda b: kls.mutual_information(TABLE, base=b),
            lambda b: kls.jensen_shannon(X, Y, base=b),
        ],
        ids=["entropy", "kl-one-sample", "cross-entropy", "mi", "js"],
    )
    @pytest.mark.parametrize("base", [None, 2])
    def test_estimate_plus_minus_z_se(self, make, base, request):
        kind = request.node.callspec.id.split("-", 1)[-1]
        r = make(base)
        lo, hi = r.conf_int(0.1, method="wald")
        top = {"entropy": math.log(5), "mi": math.log(2), "js": math.log(2)}.get(kind, math.inf)
        top /= 1.0 if base is None else math.log(base)
        want_lo = max(r.estimate - z(0.1) * r.bse, 0.0)
        want_hi = min(r.estimate + z(0.1) * r.bse, top)
        assert lo == pytest.approx(want_lo, rel=1e-10, abs=1e-14)
        assert hi == pytest.approx(want_hi, rel=1e-10, abs=1e-14)

    def test_entropy_se_by_hand(self):
        p = X[X > 0] / X.sum()
        var = (np.sum(p * np.log(p) ** 2) - np.sum(p * np.log(p)) ** 2) / X.sum()
        assert kls.entropy(X).bse == pytest.approx(math.sqrt(var), rel=1e-12)
        assert kls.entropy(X, base=2).bse == pytest.approx(math.sqrt(var) / math.log(2))

    def test_one_sample_se_a11(self):
        # METHODS A11: Var(D_plug) = 4.568341e-03 for x against uniform(5) (n = 65)
        d = kls.kl_divergence(X, reference=np.full(5, 0.2))
        assert d.bse**2 == pytest.approx(4.568341e-03, rel=1e-6)

    def test_defaults(self):
        # chosen by the coverage study (docs/guide/intervals.rst)
        assert kls.entropy(X).default_ci_method == "ncx2-adjusted"
        assert kls.entropy(X, estimator="miller-madow").default_ci_method == "ncx2-adjusted"
        assert kls.entropy(X, estimator="zhang").default_ci_method == "ncx2-adjusted"
        # no upper bound log K (Chao-Shen) or a declared alphabet: bootstrap / Wald
        assert kls.entropy(X, estimator="chao-shen").default_ci_method == "wald"
        assert kls.entropy(X, estimator="shrink").default_ci_method == "percentile"
        assert kls.cross_entropy(X, Y).default_ci_method == "wald"
        h = kls.entropy(X, estimator="grassberger")
        assert h.conf_int() == h.conf_int(method="wald")
        assert "Wald (delta method)" in h.summary().as_text()


# =========================================================================== ncx2


def _plain_inversion(s, df, scale, alpha):
    """Limits solving F_ncx2(s; df, lambda) = 1 - alpha/2 and alpha/2 with scipy (lower
    0 where F_chi2(s; df) <= 1 - alpha/2)."""
    from scipy import optimize

    def solve(target):
        f = lambda lam: stats.ncx2.cdf(s, df, lam) - target  # noqa: E731
        return optimize.brentq(f, 1e-10, 10 * (s + df + 10), xtol=1e-12)

    lo = 0.0 if stats.chi2.cdf(s, df) <= 1 - alpha / 2 else solve(1 - alpha / 2)
    return lo / scale, solve(alpha / 2) / scale


def assert_inverts(ci, s, df, scale, alpha):
    """F_ncx2(s; df, scale*upper) = alpha/2; lower 0 unless F_chi2(s; df) > 1 - alpha/2,
    else F_ncx2(s; df, scale*lower) = 1 - alpha/2 (METHODS D3)."""
    low, high = ci
    # the upper limit is power-constrained: below its null median the statistic gives
    # the limit at that median (Cowan et al. 2011), so no interval has zero width
    s_up = max(s, stats.chi2.median(df))
    assert stats.ncx2.cdf(s_up, df, scale * high) == pytest.approx(alpha / 2, abs=1e-8)
    if stats.chi2.cdf(s, df) > 1 - alpha / 2:
        assert low > 0
        assert stats.ncx2.cdf(s, df, scale * low) == pytest.approx(1 - alpha / 2, abs=1e-8)
    else:
        assert low == 0.0


class TestNcx2:
    @pytest.mark.parametrize("alpha", [0.05, 0.1])
    @pytest.mark.parametrize(
        ("x", "q"),
        [
            (X, np.full(5, 0.2)),  # far from Q: both limits positive
            ([14, 11, 12, 13], np.full(4, 0.25)),  # near D = 0: lower limit 0
        ],
    )
    def test_one_sample_kl(self, x, q, alpha):
        x = np.asarray(x)
        n = x.sum()
        d = kls.kl_divergence(x, reference=q)
        s = stats.power_divergence(x, n * q, lambda_="log-likelihood").statistic  # = 2 n D
        df = np.count_nonzero(q) - 1
        ci = d.conf_int(alpha, method="ncx2")
        assert_inverts(ci, s, df, 2 * n, alpha)
        assert d.default_ci_method == "ncx2-adjusted"  # the variance-adjusted inversion

    def test_one_sample_both_cases_occur(self):
        s_far = 2 * 65 * stats.entropy(X, np.full(5, 0.2))
        s_near = 2 * 50 * stats.entropy([14, 11, 12, 13], np.full(4, 0.25))
        assert stats.chi2.cdf(s_far, 4) > 0.975
        assert stats.chi2.cdf(s_near, 3) < 0.975

    def test_two_sample_kl(self):
        x, y = np.array([40, 30, 20, 10]), np.array([20, 30, 30, 40])
        n, m = x.sum(), y.sum()
        n_eff = n * m / (n + m)
        s = 2 * n_eff * stats.entropy(x, y)
        d = kls.kl_divergence(x, y)
        assert_inverts(d.conf_int(method="ncx2"), s, 3, 2 * n_eff, 0.05)
        assert d.default_ci_method == "ncx2-adjusted"
        for estimator in ("zhang", "jackknife", "miller-madow"):
            d = kls.kl_divergence(x, y, estimator=estimator)
            # bias-corrected: the union of the inversions of the estimate's own statistic
            # s_own = scale * estimate + df and of the plug-in statistic
            s_own = 2 * n_eff * d.estimate + 3
            lo_p, hi_p = _plain_inversion(s, 3, 2 * n_eff, 0.05)
            lo_o, hi_o = _plain_inversion(s_own, 3, 2 * n_eff, 0.05)
            ci = d.conf_int(method="ncx2")
            assert ci.low == pytest.approx(min(lo_p, lo_o), rel=1e-6, abs=1e-12)
            assert ci.high == pytest.approx(max(hi_p, hi_o), rel=1e-6)
            assert ci.low <= d.estimate <= ci.high
            assert "own statistic" in ci.note
            assert d.default_ci_method == "ncx2-adjusted"

    def test_unequal_sample_sizes(self):
        x, y = np.array([12, 30, 8]), np.array([100, 180, 120])
        n_eff = 50 * 400 / 450
        s = 2 * n_eff * stats.entropy(x, y)
        assert_inverts(kls.kl_divergence(x, y).conf_int(0.1, method="ncx2"), s, 2, 2 * n_eff, 0.1)

    def test_mutual_information(self):
        g = stats.chi2_contingency(TABLE, correction=False, lambda_="log-likelihood").statistic
        mi = kls.mutual_information(TABLE)
        assert_inverts(mi.conf_int(method="ncx2"), g, 2, 2 * TABLE.sum(), 0.05)

    def test_mutual_information_empty_row_not_a_df(self):
        t = np.array([[10, 2, 3], [0, 0, 0], [1, 12, 4]])
        g = stats.chi2_contingency(TABLE, correction=False, lambda_="log-likelihood").statistic
        ci = kls.mutual_information(t).conf_int(method="ncx2")
        assert_inverts(ci, g, 2, 2 * TABLE.sum(), 0.05)

    def test_jensen_shannon(self):
        # 8 n_eff JS is the Pearson homogeneity statistic to first order
        n_eff = 65 * 65 / 130
        s = 8 * n_eff * jensenshannon(X, Y) ** 2
        assert_inverts(kls.jensen_shannon(X, Y).conf_int(method="ncx2"), s, 4, 8 * n_eff, 0.05)

    def test_units(self):
        nats = kls.kl_divergence(X, Y).conf_int()
        bits = kls.kl_divergence(X, Y, base=2).conf_int()
        assert np.allclose(bits, np.array(nats) / math.log(2), rtol=1e-10)

    def test_zero_statistic(self):
        # identical frequencies: s = 0 is below every lower quantile; the plain inversion
        # would give [0, 0] (issue 13), the power-constrained upper limit is the one at
        # the median of chi2(2), and the summary says so
        d = kls.kl_divergence([5, 5, 5], [10, 10, 10])
        ci = d.conf_int()
        assert ci.low == 0.0 and ci.high > 0
        assert_inverts(d.conf_int(method="ncx2"), 0.0, 2, 2 * 15 * 30 / 45, 0.05)
        assert "power-constrained" in ci.note

    def test_coverage_near_zero(self):
        # fast check of METHODS D3, one-sample, K = 4, q uniform. At D = 0 (n = 50) the
        # interval misses only when its lower limit is positive, i.e. when chi2(3) rejects
        # in the upper alpha/2 tail: coverage about 0.975 (Monte Carlo s.e. 0.008)
        rng = np.random.default_rng(2024)
        q = np.full(4, 0.25)
        draws = rng.multinomial(50, q, size=400)
        covered = [kls.kl_divergence(x, reference=q).conf_int().low == 0.0 for x in draws]
        assert np.mean(covered) > 0.95
        # near the boundary (2nD = 8.6, n = 200) it keeps about the nominal 0.95
        p = np.array([0.35, 0.25, 0.2, 0.2])
        true = stats.entropy(p, q)
        draws = rng.multinomial(200, p, size=400)
        cis = [kls.kl_divergence(x, reference=q).conf_int() for x in draws]
        cover = np.mean([lo <= true <= hi for lo, hi in cis])
        assert abs(cover - 0.95) < 4 * math.sqrt(0.95 * 0.05 / 400) + 0.02


# =========================================================================== errors


class TestConfIntErrors:
    def test_unknown_method(self, est):
        with pytest.raises(ValueError, match="`method` must be one of"):
            est.conf_int(method="bogus")

    def test_method_that_does_not_apply(self, est):
        with pytest.raises(ValueError, match="does not apply"):
            est.conf_int(method="subsampling")

    def test_ncx2_not_for_entropy_without_log_k(self):
        # Chao-Shen estimates unseen categories: no upper bound log K, no pivot
        with pytest.raises(ValueError, match="does not apply"):
            kls.entropy(X, estimator="chao-shen").conf_int(method="ncx2")

    def test_entropy_ncx2_inverts_log_k_minus_h(self):
        # log K - H = D(p || uniform): G = 2 n (log K - H_plugin) ~ ncx2(K - 1, 2 n D)
        n, k = X.sum(), X.size
        g = stats.power_divergence(X, np.full(k, n / k), lambda_="log-likelihood").statistic
        lo_d, hi_d = _plain_inversion(g, k - 1, 2 * n, 0.05)
        ci = kls.entropy(X).conf_int(method="ncx2")
        assert ci.low == pytest.approx(math.log(k) - hi_d, rel=1e-6)
        assert ci.high == pytest.approx(math.log(k) - lo_d, rel=1e-6, abs=1e-12)

    @pytest.mark.parametrize("alpha", [0, 1, 1.5, -0.1, np.nan])
    def test_bad_alpha(self, est, alpha):
        with pytest.raises(ValueError, match="`alpha`"):
            est.conf_int(alpha)

    def test_alpha_not_a_number(self, est):
        with pytest.raises(TypeError, match="`alpha`"):
            est.conf_int("0.05")


# =========================================================================== KLTestResult


class TestKLTestResult:
    def test_unpacks_to_statistic_and_pvalue(self, test_result):
        stat, p = test_result
        assert (stat, p) == (4.5, 0.034)
        assert len(test_result) == 2
        assert test_result[0] == 4.5
        assert test_result[1] == 0.034

    def test_python_scalars(self, test_result):
        assert type(test_result.statistic) is float
        assert type(test_result.pvalue) is float
        assert test_result.df == 1 and type(test_result.df) is int
        assert type(test_result.nobs) is int
        fractional = dataclasses.replace(test_result, df=2.5)
        assert fractional.df == 2.5

    def test_immutable(self, test_result):
        with pytest.raises(dataclasses.FrozenInstanceError):
            test_result.pvalue = 0.5
        with pytest.raises(ValueError, match="read-only"):
            test_result.expected[0] = 5.0

    def test_arrays_copied(self):
        expected = np.array([1.0, 2.0])
        res = GTestResult(
            statistic=1, pvalue=0.5, df=1, nobs=3, method="m", null_hypothesis="h",
            estimate=0.1, expected=expected,
        )  # fmt: skip
        expected[0] = 9.0
        assert res.expected[0] == 1.0  # the caller's array stays the caller's

    def test_family_values_are_attributes(self, test_result):
        assert test_result.correction == "williams"
        np.testing.assert_array_equal(test_result.expected, [1.0, 2.0])
        assert "williams_q" in dir(test_result) and "expected" in dir(test_result)
        with pytest.raises(AttributeError, match="no attribute 'bogus'"):
            _ = test_result.bogus

    def test_extras_deprecated(self, test_result):
        with pytest.warns(DeprecationWarning, match="attributes"):
            extras = test_result.extras
        assert extras["williams_q"] == 1.02

    def test_repr_one_line(self, test_result):
        text = repr(test_result)
        assert "\n" not in text
        assert text.startswith("GTestResult(statistic=4.5, pvalue=0.034")

    def test_summary(self, test_result):
        smry = test_result.summary()
        assert isinstance(smry, Summary)
        text = smry.as_text()
        for piece in (
            "4.5",
            "0.034",
            "Null hypothesis: P = Q",
            "A note.",
            "Cells",
            "G statistic (Williams-corrected)",
            "Williams' q",
            "1.0200 (applied)",
        ):
            assert piece in text
        assert "Degrees of freedom: -" not in text
        assert str(test_result) == text
        assert test_result._repr_html_().startswith('<div class="klstats-summary"')
        assert "tabular" in smry.as_latex()
        assert "My title" in test_result.summary(title="My title").as_text()

    def test_summary_frame(self, test_result):
        frame = test_result.summary_frame()
        expected = ["statistic", "df", "pvalue", "estimate", "ci_lower", "ci_upper", "nobs"]
        assert list(frame.columns) == [*expected, "method"]
        row = frame.iloc[0]
        lo, hi = test_result.conf_int()
        assert (row["statistic"], row["pvalue"], row["df"]) == (4.5, 0.034, 1.0)
        assert (row["ci_lower"], row["ci_upper"]) == pytest.approx((lo, hi))

    def test_conf_int_delegates_to_effect(self, test_result, est):
        assert test_result.conf_int() == est.conf_int()
        assert test_result.conf_int(0.1, method="wald") == est.conf_int(0.1, method="wald")

    def test_conf_int_without_effect(self):
        res = KLTestResult(
            statistic=1, pvalue=0.5, df=None, nobs=3, method="permutation",
            null_hypothesis="h", estimate=0.1,
        )  # fmt: skip
        with pytest.raises(ValueError, match="no effect size"):
            res.conf_int()
        with pytest.raises(ValueError, match="`alpha`"):
            res.conf_int(alpha=2)
        assert math.isnan(res.summary_frame().iloc[0]["df"])
        assert "-" in res.summary().as_text()  # df None shows as "-"


# =========================================================================== formatting


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "-"),
        (3, "3"),
        (2.0, "2"),
        (0.0326537, "0.03265"),
        (math.nan, "nan"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
        (np.float64(1.5), "1.5"),
        ("text", "text"),
        (True, "True"),
    ],
)
def test_fmt(value, text):
    assert fmt(value) == text


@pytest.mark.parametrize(
    ("p", "text"), [(0.034, "0.034"), (1e-20, "<1e-16"), (math.nan, "nan"), (0.123456, "0.1235")]
)
def test_fmt_pvalue(p, text):
    assert fmt_pvalue(p) == text
