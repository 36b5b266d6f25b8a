"""Resampling tests on counts: kl_test (permutation, Monte Carlo) and independence_test.

External references: exact p-values by complete enumeration (scipy.stats.permutation_test
with all permutations; multinomial and hypergeometric probabilities from scipy.stats);
size under H0 within binomial Monte Carlo error.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sizecheck import assert_size

import klstats as kls
from klstats._kernels._counts import kl1_plugin, kl2_zhang, mi_plugin


def _raw(counts):
    return np.repeat(np.arange(len(counts)), np.asarray(counts, dtype=int))


def _counts_along(a, K):
    return (a[..., None] == np.arange(K)).sum(axis=-2).astype(float)


def _within_mc(p_mc, p_exact, B):
    se = math.sqrt(max(p_exact * (1 - p_exact), 1e-4) / B)
    return abs(p_mc - p_exact) < 4 * se + 1 / B


class TestKLPermutation:
    x = np.array([6, 2, 1, 0])
    y = np.array([1, 2, 3, 3])

    def test_matches_exact_enumeration(self):
        def stat(a, b, axis=-1):
            return kl2_zhang(_counts_along(a, 4), _counts_along(b, 4))

        exact = stats.permutation_test(
            (_raw(self.x), _raw(self.y)),
            stat,
            permutation_type="independent",
            alternative="greater",
            n_resamples=np.inf,
            vectorized=True,
        )
        B = 20000
        res = kls.kl_test(self.x, self.y, n_resamples=B, rng=2)
        assert res.statistic == pytest.approx(exact.statistic)
        assert _within_mc(res.pvalue, exact.pvalue, B)

    def test_result_fields(self):
        res = kls.kl_test(self.x, self.y, n_resamples=199, rng=1)
        d = kls.kl_divergence(self.x, self.y, estimator="zhang")
        assert res.df is None and res.method == "permutation"
        assert res.estimator == "zhang"
        assert res.estimate == pytest.approx(d.estimate)
        assert res.null_distribution.shape == (199,)
        assert not res.null_distribution.flags.writeable
        np.testing.assert_allclose(res.conf_int(), d.conf_int())
        statistic, pvalue = res
        assert (statistic, pvalue) == (res.statistic, res.pvalue)
        text = res.summary().as_text()
        assert "permutation" in text and "(1 + #{T* >= T})" in text

    def test_pvalue_formula(self):
        res = kls.kl_test(self.x, self.y, n_resamples=99, rng=3)
        count = np.sum(res.null_distribution >= res.statistic - 1e-12)
        assert res.pvalue == pytest.approx((1 + count) / 100)

    def test_units_and_options_pass_through(self):
        nats = kls.kl_test(self.x, self.y, estimator="dirichlet", prior=1, n_resamples=99, rng=4)
        bits = kls.kl_test(
            self.x, self.y, estimator="dirichlet", prior=1, n_resamples=99, rng=4, base=2
        )
        assert bits.statistic * math.log(2) == pytest.approx(nats.statistic)
        assert bits.pvalue == nats.pvalue
        assert bits.units == "bits"

    def test_series_aligned_on_labels(self):
        p = pd.Series({"a": 6, "b": 2, "c": 1})
        q = pd.Series({"b": 2, "c": 3, "d": 3, "a": 1})
        res = kls.kl_test(p, q, n_resamples=99, rng=5)
        ref = kls.kl_test([6, 2, 1, 0], [1, 2, 3, 3], n_resamples=99, rng=5)
        assert res.statistic == pytest.approx(ref.statistic)

    def test_reproducible(self, rng_any):
        a = kls.kl_test(self.x, self.y, n_resamples=99, rng=rng_any)
        b = kls.kl_test(self.x, self.y, n_resamples=99, rng=12345)
        np.testing.assert_array_equal(a.null_distribution, b.null_distribution)

    def test_infinite_plugin_statistic(self):
        # the plug-in is inf here; the permutation null keeps its infinite values
        with pytest.warns(kls.InfiniteEstimateWarning):
            res = kls.kl_test([5, 5, 5], [8, 7, 0], estimator="plugin", n_resamples=199, rng=1)
        assert res.statistic == np.inf
        n_inf = int(np.isinf(res.null_distribution).sum())
        assert res.pvalue == pytest.approx((1 + n_inf) / 200)
        assert res.n_infinite_null == n_inf


class TestKLMonteCarlo:
    def test_matches_exact_multinomial(self):
        x = np.array([5, 1, 0])
        q = np.array([0.5, 0.3, 0.2])
        n = x.sum()
        t_obs = kl1_plugin(x.astype(float), q)
        exact = 0.0
        for a in range(n + 1):
            for b in range(n + 1 - a):
                c = np.array([a, b, n - a - b])
                if kl1_plugin(c.astype(float), q) >= t_obs - 1e-12:
                    exact += stats.multinomial.pmf(c, n, q)
        B = 20000
        res = kls.kl_test(x, reference=q, estimator="plugin", n_resamples=B, rng=7)
        assert res.method == "montecarlo"
        assert _within_mc(res.pvalue, exact, B)

    def test_reference_with_mass_elsewhere(self):
        # binomial(10, 0.3) listed on 0..4 only: mass 0.15 lies outside
        ref = stats.binom(10, 0.3)
        counts = pd.Series([3, 12, 20, 15, 10], index=[0, 1, 2, 3, 4])
        res = kls.kl_test(counts, reference=ref, estimator="plugin", n_resamples=999, rng=1)
        assert res.pvalue <= 0.01  # the sample never leaves 0..4, which H0 makes unlikely
        assert any("elsewhere" in note for note in res.notes)

    def test_accepts_dict_reference(self):
        res = kls.kl_test(
            pd.Series({"a": 10, "b": 12}), reference={"a": 0.5, "b": 0.5}, n_resamples=99, rng=1
        )
        assert 0 < res.pvalue <= 1


class TestIndependence:
    def test_2x2_matches_exact_hypergeometric(self):
        table = np.array([[7.0, 1], [2, 6]])
        r1, c1, N = table[0].sum(), table[:, 0].sum(), table.sum()
        t_obs = mi_plugin(table)
        exact = 0.0
        for a in range(int(max(0, r1 + c1 - N)), int(min(r1, c1)) + 1):
            t = np.array([[a, r1 - a], [c1 - a, N - r1 - c1 + a]])
            if mi_plugin(t) >= t_obs - 1e-12:
                exact += stats.hypergeom.pmf(a, N, r1, c1)
        B = 20000
        res = kls.independence_test(table, n_resamples=B, rng=3)
        assert _within_mc(res.pvalue, exact, B)
        assert res.df is None and res.null_distribution.shape == (B,)

    def test_labels_are_cross_tabulated(self):
        x = ["a", "a", "b", "b", "b", "c"] * 5
        y = ["u", "v", "v", "v", "u", "u"] * 5
        res = kls.independence_test(x, y, n_resamples=99, rng=1)
        ref = kls.independence_test(pd.crosstab(np.array(x), np.array(y)), n_resamples=99, rng=1)
        assert res.statistic == pytest.approx(ref.statistic)
        np.testing.assert_array_equal(res.null_distribution, ref.null_distribution)

    def test_margins_fixed_in_null(self):
        from klstats._inference._resampling import random_tables

        table = np.array([[5.0, 0, 3], [0, 0, 0], [2, 4, 1]])
        draws = random_tables(table, 200, np.random.default_rng(1))
        np.testing.assert_array_equal(draws.sum(axis=2), np.broadcast_to(table.sum(1), (200, 3)))
        np.testing.assert_array_equal(draws.sum(axis=1), np.broadcast_to(table.sum(0), (200, 3)))


class TestSizeUnderH0:
    """Permutation and Monte Carlo p-values are (super-)uniform under H0."""

    def test_permutation_fast(self):
        rng = np.random.default_rng(20)
        q = np.array([0.4, 0.3, 0.2, 0.1])
        pv = [
            kls.kl_test(
                rng.multinomial(40, q), rng.multinomial(30, q), n_resamples=99, rng=rng
            ).pvalue
            for _ in range(300)
        ]
        assert_size(pv)

    def test_montecarlo_fast(self):
        rng = np.random.default_rng(21)
        q = np.array([0.4, 0.3, 0.2, 0.1])
        pv = [
            kls.kl_test(rng.multinomial(30, q), reference=q, n_resamples=99, rng=rng).pvalue
            for _ in range(300)
        ]
        assert_size(pv)

    def test_independence_fast(self):
        rng = np.random.default_rng(22)
        p = np.outer([0.5, 0.3, 0.2], [0.6, 0.4]).ravel()
        pv = []
        for _ in range(300):
            t = rng.multinomial(40, p).reshape(3, 2)
            pv.append(kls.independence_test(t, n_resamples=99, rng=rng).pvalue)
        assert_size(pv)

    @pytest.mark.slow
    @pytest.mark.parametrize("estimator", ["plugin", "zhang", "miller-madow", "dirichlet"])
    def test_permutation_slow(self, estimator):
        rng = np.random.default_rng(23)
        q = np.array([0.35, 0.25, 0.2, 0.1, 0.05, 0.05])
        pv = []
        for _ in range(2000):
            x, y = rng.multinomial(60, q), rng.multinomial(45, q)
            with np.errstate(all="ignore"):
                import warnings

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", kls.InfiniteEstimateWarning)
                    pv.append(
                        kls.kl_test(x, y, estimator=estimator, n_resamples=199, rng=rng).pvalue
                    )
        # the plug-in (and Miller-Madow, built on it) is often inf here: ties at inf
        finite = estimator in ("zhang", "dirichlet")
        assert_size(pv, levels=(0.01, 0.05, 0.1), exact=finite)
        if finite:
            assert stats.kstest(pv, "uniform").pvalue > 1e-3

    @pytest.mark.slow
    def test_montecarlo_and_independence_slow(self):
        rng = np.random.default_rng(24)
        q = np.array([0.35, 0.25, 0.2, 0.1, 0.05, 0.05])
        pv = [
            kls.kl_test(rng.multinomial(50, q), reference=q, n_resamples=199, rng=rng).pvalue
            for _ in range(2000)
        ]
        assert_size(pv, levels=(0.01, 0.05, 0.1))
        p = np.outer([0.5, 0.3, 0.2], [0.5, 0.3, 0.2]).ravel()
        pv = [
            kls.independence_test(
                rng.multinomial(60, p).reshape(3, 3), n_resamples=199, rng=rng
            ).pvalue
            for _ in range(2000)
        ]
        assert_size(pv, levels=(0.01, 0.05, 0.1))


class TestBadInput:
    def test_both_y_and_reference(self):
        with pytest.raises(ValueError, match="exactly one of `y`"):
            kls.kl_test([1, 2], [2, 1], reference=[0.5, 0.5])

    def test_neither_y_nor_reference(self):
        with pytest.raises(ValueError, match="exactly one of `y`"):
            kls.kl_test([1, 2])

    @pytest.mark.parametrize("bad", [0, -1])
    def test_n_resamples_below_one(self, bad):
        with pytest.raises(ValueError, match="n_resamples"):
            kls.kl_test([1, 2], [2, 1], n_resamples=bad)

    @pytest.mark.parametrize("bad", [9.5, "99"])
    def test_n_resamples_not_integer(self, bad):
        with pytest.raises(TypeError, match="n_resamples"):
            kls.independence_test([[1, 2], [2, 1]], n_resamples=bad)

    def test_unknown_estimator(self):
        with pytest.raises(ValueError, match="estimator"):
            kls.kl_test([1, 2], [2, 1], estimator="kde")

    def test_unknown_option(self):
        with pytest.raises(TypeError, match="prior"):
            kls.kl_test([1, 2], [2, 1], estimator="zhang", prior=1)

    def test_fractional_counts(self):
        with pytest.raises(ValueError, match="integer counts"):
            kls.kl_test([1.5, 2.5], [2.2, 0.8], data="counts")
        with pytest.raises(ValueError, match="looks like probabilities"):
            kls.kl_test([0.5, 0.5], [0.2, 0.8], data="counts")

    def test_continuous_reference_with_count_estimator(self):
        with pytest.raises(ValueError, match="continuous"):
            kls.kl_test([1, 2], reference=stats.norm(), estimator="zhang")

    def test_continuous_labels(self):
        x = np.random.default_rng(1).normal(size=20)
        with pytest.raises(ValueError, match="ksg1"):
            kls.independence_test(x, x + 1)

    def test_one_dimensional_table(self):
        with pytest.raises(ValueError, match="2-D"):
            kls.independence_test([1, 2, 3])

    def test_input_not_modified(self):
        x, y = np.array([3.0, 4, 5]), np.array([5.0, 4, 3])
        kls.kl_test(x, y, n_resamples=9, rng=1)
        np.testing.assert_array_equal(x, [3, 4, 5])
        np.testing.assert_array_equal(y, [5, 4, 3])
