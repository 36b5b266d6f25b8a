"""Bootstrap intervals for discrete estimates (klstats._resampling).

External references: scipy.stats.bootstrap computes the percentile, basic and BCa limits
(with its own jackknife on the raw observations) from the bootstrap distribution we
pass in via ``bootstrap_result``; the multinomial law of the resampled counts; the
probability (1 - y_k/m)^m that a resampled Q sample misses a cell (METHODS D2).
"""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from scipy import stats

import klstats as kls
from klstats._inference import _resampling
from klstats._inference._resampling import (
    count_jackknife,
    multinomial,
    quantile_sorted,
    resample_counts,
    resampling_pvalue,
)
from klstats._kernels._counts import h_miller_madow, kl1_plugin, kl2_zhang, mi_plugin

X = np.array([12.0, 7, 3, 1, 5])
Y = np.array([9.0, 9, 4, 3, 2])
TABLE = np.array([[10.0, 2, 3], [1, 12, 4]])


def _raw(counts):
    return np.repeat(np.arange(counts.size), counts.astype(int))


def _counts_along(a, K):
    return (a[..., None] == np.arange(K)).sum(axis=-2).astype(float)


def _scipy_ci(data, statistic, dist, method, alpha=0.05):
    """scipy's interval from *our* bootstrap distribution (n_resamples=0)."""
    prior = stats._resampling.BootstrapResult(None, np.asarray(dist.replicates), None)
    res = stats.bootstrap(
        data,
        statistic,
        n_resamples=0,
        bootstrap_result=prior,
        method=method,
        confidence_level=1 - alpha,
    )
    return res.confidence_interval


def _cut(ref, low=0.0, high=math.inf):
    """scipy's limits cut to the parameter space, as klstats reports them (issue 13)."""
    return np.clip(np.asarray(ref, dtype=float), low, high)


class TestAgainstScipyBootstrap:
    """Same replicates in, same limits out: checks quantiles, z0, the jackknife on
    counts (with multiplicities) and scipy's multi-sample acceleration; klstats then
    cuts the limits to the parameter space (D >= 0, H <= log K)."""

    @pytest.mark.parametrize("method", ["percentile", "basic", "bca"])
    def test_two_sample_zhang(self, method):
        d = kls.kl_divergence(X, Y, estimator="zhang")
        ci = d.conf_int(method=method, n_resamples=2000, rng=5)

        def stat(a, b, axis=-1):
            return kl2_zhang(_counts_along(a, 5), _counts_along(b, 5))

        ref = _scipy_ci((_raw(X), _raw(Y)), stat, ci.distribution, method.replace("bca", "BCa"))
        np.testing.assert_allclose(ci, _cut(ref), rtol=1e-10)

    @pytest.mark.parametrize("method", ["percentile", "basic", "bca"])
    def test_one_sample_plugin(self, method):
        q = np.array([0.3, 0.3, 0.2, 0.1, 0.1])
        d = kls.kl_divergence(X, reference=q)
        ci = d.conf_int(method=method, alpha=0.1, n_resamples=1500, rng=7)

        def stat(a, axis=-1):
            return kl1_plugin(_counts_along(a, 5), q)

        ref = _scipy_ci((_raw(X),), stat, ci.distribution, method.replace("bca", "BCa"), 0.1)
        np.testing.assert_allclose(ci, _cut(ref), rtol=1e-10)

    def test_entropy_bca_in_bits(self):
        h = kls.entropy(X, estimator="miller-madow", base=2)
        ci = h.conf_int(method="bca", n_resamples=1000, rng=3)

        def stat(a, axis=-1):
            return h_miller_madow(_counts_along(a, 5)) / math.log(2)

        ref = _scipy_ci((_raw(X),), stat, ci.distribution, "BCa")
        np.testing.assert_allclose(ci, _cut(ref, 0.0, math.log2(5)), rtol=1e-10)

    def test_mutual_information_table_bca(self):
        mi = kls.mutual_information(TABLE)
        ci = mi.conf_int(method="bca", n_resamples=1000, rng=11)
        cells = _raw(TABLE.ravel())

        def stat(a, axis=-1):
            return mi_plugin(_counts_along(a, 6).reshape(*a.shape[:-1], 2, 3))

        ref = _scipy_ci((cells,), stat, ci.distribution, "BCa")
        np.testing.assert_allclose(ci, ref, rtol=1e-10)

    def test_close_to_scipy_on_raw_observations(self):
        # independent random streams: agreement within Monte Carlo error only
        d = kls.kl_divergence(X, Y, estimator="zhang")
        ci = d.conf_int(method="percentile", rng=1)

        def stat(a, b, axis=-1):
            return kl2_zhang(_counts_along(a, 5), _counts_along(b, 5))

        ref = stats.bootstrap(
            (_raw(X), _raw(Y)), stat, method="percentile", n_resamples=9999, rng=2
        ).confidence_interval
        np.testing.assert_allclose(ci, _cut(ref), atol=0.03)


class TestResampling:
    def test_multinomial_moments(self):
        # a bootstrap replicate of counts x is Multinomial(n, x/n)
        x = np.array([50.0, 30, 15, 5, 0])
        draws = multinomial(x, 200_000, np.random.default_rng(1))
        n, p = x.sum(), x / x.sum()
        assert np.all(draws.sum(axis=1) == n)
        assert np.all(draws[:, 4] == 0)
        np.testing.assert_allclose(draws.mean(axis=0), n * p, atol=0.05)
        cov = np.cov(draws[:, :4].T)
        np.testing.assert_allclose(cov, n * (np.diag(p[:4]) - np.outer(p[:4], p[:4])), atol=0.2)

    def test_table_design_keeps_total_not_margins(self):
        (draws,) = resample_counts((TABLE,), "table", 500, np.random.default_rng(2))
        assert draws.shape == (500, 2, 3)
        assert np.all(draws.sum(axis=(1, 2)) == TABLE.sum())
        assert np.unique(draws.sum(axis=2)[:, 0]).size > 1

    def test_two_sample_design_keeps_each_total(self):
        xs, ys = resample_counts((X, Y), "two", 100, np.random.default_rng(3))
        assert np.all(xs.sum(axis=1) == X.sum())
        assert np.all(ys.sum(axis=1) == Y.sum())

    def test_jackknife_on_counts_equals_leave_one_out_on_observations(self):
        jk = count_jackknife(lambda a: kl2_zhang(a, Y), (X,), "one")
        obs = _raw(X)
        loo = [kl2_zhang(_counts_along(np.delete(obs, i), 5), Y) for i in range(obs.size)]
        expanded = np.repeat(jk.values[0], jk.weights[0].astype(int))
        np.testing.assert_allclose(np.sort(expanded), np.sort(loo), rtol=1e-12)

    def test_quantiles_match_numpy_and_handle_inf(self):
        a = np.sort(np.random.default_rng(4).normal(size=101))
        for prob in (0.0, 0.025, 0.5, 0.975, 1.0):
            np.testing.assert_allclose(quantile_sorted(a, prob), np.quantile(a, prob))
        b = np.array([0.0, 1.0, np.inf, np.inf])
        assert quantile_sorted(b, 0.5) == np.inf
        assert quantile_sorted(b, 1 / 3) == 1.0
        assert quantile_sorted(b, 1.0) == np.inf

    def test_pvalue_counts_ties_within_noise(self):
        null = np.array([0.1, 0.2 - 1e-17, 0.3, 0.05])
        assert resampling_pvalue(0.2, null) == pytest.approx(3 / 5)
        assert resampling_pvalue(1.0, null) == pytest.approx(1 / 5)
        assert resampling_pvalue(np.inf, np.array([np.inf, 1.0])) == pytest.approx(2 / 3)


class TestInfiniteReplicates:
    def test_counted_and_reported(self):
        # one Q cell with a single count where P has counts: a replicate misses it with
        # probability (1 - 1/m)^m (METHODS D2); the other cells are never empty here
        x = np.array([40.0, 40, 40, 10])
        y = np.array([60.0, 60, 59, 1])
        d = kls.kl_divergence(x, y)
        B = 4000
        ci = d.conf_int(method="percentile", n_resamples=B, rng=8)
        m = y.sum()
        expected = (1 - 1 / m) ** m
        frac = ci.distribution.n_infinite / B
        assert abs(frac - expected) < 4 * math.sqrt(expected * (1 - expected) / B)
        assert ci.high == np.inf
        assert "infinite" in ci.note
        assert f"{ci.distribution.n_infinite} of {B}" in ci.note


class TestBCa:
    def test_degenerate_falls_back_with_warning(self):
        # identical proportions: D_hat = 0 is below every replicate, z0 = -inf
        x = np.array([20.0, 20, 20, 20, 20, 20, 20, 20])
        d = kls.kl_divergence(x, x * 2)
        with pytest.warns(kls.DegenerateDataWarning, match="percentile"):
            ci = d.conf_int(method="bca", n_resamples=500, rng=1)
        assert "BCa is undefined" in ci.note
        assert ci.method == "bca"
        pct = d.conf_int(method="percentile", n_resamples=500, rng=1)
        assert tuple(ci) == tuple(pct)

    def test_single_category_is_a_point(self):
        h = kls.entropy([7])
        assert tuple(h.conf_int(method="bca", n_resamples=50, rng=1)) == (0.0, 0.0)


class TestReuse:
    def test_distribution_is_cached_for_integer_seeds(self):
        d = kls.kl_divergence(X, Y, estimator="zhang")
        a = d.conf_int(method="bca", n_resamples=300, rng=9)
        b = d.conf_int(method="percentile", n_resamples=300, rng=9)
        assert a.distribution is b.distribution
        boot = d.bootstrap_distribution(300, rng=9)
        np.testing.assert_array_equal(boot.replicates, a.distribution.replicates)
        assert not boot.replicates.flags.writeable

    def test_same_seed_same_interval_any_seed_type(self, rng_any):
        d = kls.kl_divergence(X, Y, estimator="zhang")
        ci = d.conf_int(method="bca", n_resamples=300, rng=rng_any)
        again = d.conf_int(method="bca", n_resamples=300, rng=12345)
        np.testing.assert_allclose(ci, again)

    def test_units_follow_base(self):
        d_nats = kls.kl_divergence(X, Y, estimator="zhang")
        d_bits = kls.kl_divergence(X, Y, estimator="zhang", base=2)
        a = d_nats.conf_int(method="basic", n_resamples=300, rng=4)
        b = d_bits.conf_int(method="basic", n_resamples=300, rng=4)
        np.testing.assert_allclose(np.array(b) * math.log(2), a)
        assert b.distribution.units == "bits"

    def test_independent_of_thread_count(self, monkeypatch):
        d = kls.kl_divergence(X, Y, estimator="zhang")
        monkeypatch.setattr(_resampling, "_CHUNK_ELEMENTS", 64)
        serial = d.bootstrap_distribution(1000, rng=np.random.default_rng(6))
        monkeypatch.setattr(_resampling, "_PARALLEL_ELEMENTS", 1)
        threaded = d.bootstrap_distribution(1000, rng=np.random.default_rng(6))
        np.testing.assert_array_equal(serial.replicates, threaded.replicates)

    def test_interval_pickles_with_its_attributes(self):
        ci = kls.kl_divergence(X, Y).conf_int(method="percentile", n_resamples=100, rng=1)
        back = pickle.loads(pickle.dumps(ci))
        assert tuple(back) == tuple(ci) and back.method == "percentile"
        assert back.distribution.n_resamples == 100

    def test_input_not_modified(self):
        x, y = X.copy(), Y.copy()
        kls.kl_divergence(x, y).conf_int(method="bca", n_resamples=100, rng=1)
        np.testing.assert_array_equal(x, X)
        np.testing.assert_array_equal(y, Y)


class TestProgress:
    def test_forced_bar_writes_to_stderr(self, capsys):
        kls.entropy(X).conf_int(method="percentile", n_resamples=200, rng=1, progress=True)
        assert "bootstrap" in capsys.readouterr().err

    def test_silent_when_disabled_or_not_a_terminal(self, capsys):
        h = kls.entropy(X)
        h.conf_int(method="percentile", n_resamples=200, rng=1, progress=False)
        h.conf_int(method="percentile", n_resamples=200, rng=2)
        captured = capsys.readouterr()
        assert captured.err == "" and captured.out == ""


class TestBadInput:
    d = kls.kl_divergence(X, Y, estimator="zhang")

    @pytest.mark.parametrize("bad", [0, -5])
    def test_n_resamples_below_one(self, bad):
        with pytest.raises(ValueError, match="n_resamples"):
            self.d.conf_int(method="bca", n_resamples=bad)

    @pytest.mark.parametrize("bad", [2.5, 100.0, "100", True])
    def test_n_resamples_not_an_integer(self, bad):
        with pytest.raises(TypeError, match="n_resamples"):
            self.d.conf_int(method="percentile", n_resamples=bad)

    @pytest.mark.parametrize("bad", [0, 1, 1.5, -0.1])
    def test_alpha_outside_unit_interval(self, bad):
        with pytest.raises(ValueError, match="alpha"):
            self.d.conf_int(bad, method="bca")

    def test_unknown_method(self):
        with pytest.raises(ValueError, match="method"):
            self.d.conf_int(method="studentised")

    def test_method_that_does_not_apply_names_those_that_do(self):
        with pytest.raises(ValueError, match=r"subsampling.*'bca'"):
            self.d.conf_int(method="subsampling")

    def test_bootstrap_needs_whole_counts(self):
        js = kls.jensen_shannon([2.5, 2.5], [4.5, 0.5])  # weighted (non-integer) counts
        with pytest.raises(ValueError, match=r"does not apply.*'ncx2'"):
            js.conf_int(method="bca")
        with pytest.raises(ValueError, match="cannot be bootstrapped"):
            js.bootstrap_distribution(100)

    def test_bad_rng(self):
        with pytest.raises(TypeError, match="rng"):
            self.d.conf_int(method="bca", n_resamples=10, rng="seed")


class TestAdjustedNcx2:
    """The variance-adjusted inversion: s - lambda (1 - c) ~ ncx2(df, c lambda), with c
    estimated as scale^2 se^2 / (4 s), se the delete-one jackknife standard error; limits
    checked with scipy.stats.ncx2 and the jackknife and G statistic computed here from
    their formulas."""

    x = np.array([40.0, 25, 20, 10, 5])
    q = np.array([0.1, 0.15, 0.2, 0.25, 0.3])

    def _g(self, lam, s, df, c):
        return stats.ncx2.cdf(s - lam * (1 - c), df, lam * c)

    def test_limits_solve_the_adjusted_equations(self):
        n = self.x.sum()
        s = stats.power_divergence(self.x, n * self.q, lambda_="log-likelihood").statistic
        # the delete-one jackknife variance of the plug-in estimate, from its formula
        loo = []
        for k in range(self.x.size):
            xk = self.x.copy()
            xk[k] -= 1
            loo.append(stats.entropy(xk / (n - 1), self.q))
        loo = np.array(loo)
        mean = np.sum(self.x * loo) / n
        se2 = (n - 1) / n * np.sum(self.x * (loo - mean) ** 2)
        c = (2 * n) ** 2 * se2 / (4 * s)
        assert c < 0.9  # far from 1: the adjustment matters here
        d = kls.kl_divergence(self.x, reference=self.q)
        assert d.default_ci_method == "ncx2-adjusted"
        lo, hi = d.conf_int()
        scale = 2 * n
        assert self._g(scale * hi, s, 4, c) == pytest.approx(0.025, abs=1e-7)
        assert self._g(scale * lo, s, 4, c) == pytest.approx(0.975, abs=1e-7)
        assert f"{c:.3g}" in d.conf_int().note
        plain = d.conf_int(method="ncx2")
        assert hi - lo < plain.high - plain.low  # c < 1: narrower than the plain inversion

    def test_c_one_is_the_plain_inversion(self):
        from klstats._inference._intervals import ncx2_adjusted_interval, ncx2_interval

        for s, df in [(3.0, 4), (30.0, 4), (0.0, 2)]:
            assert ncx2_adjusted_interval(s, df, 100.0, 1.0, 0.05) == ncx2_interval(
                s, df, 100.0, 0.05
            )

    def test_confidence_set_when_g_is_not_monotone(self):
        # c > 1 and s below df: G first rises; the interval is the whole acceptance set
        from klstats._inference._intervals import ncx2_adjusted_interval

        s, df, c, scale = 5.0, 9, 3.5, 100.0
        lo, hi = ncx2_adjusted_interval(s, df, scale, c, 0.05)
        lam = np.linspace(0, 3 * scale * hi, 3001)
        g = self._g(lam, s, df, c)
        accepted = lam[(g > 0.025) & (g < 0.975)]
        assert lo == 0.0
        assert hi * scale == pytest.approx(accepted.max(), abs=3 * (lam[1] - lam[0]))

    def test_near_zero_c_is_close_to_one(self):
        # P = Q: the two estimates behind c agree to first order
        rng = np.random.default_rng(3)
        q = np.array([0.4, 0.3, 0.2, 0.1])
        notes = [
            kls.kl_divergence(rng.multinomial(400, q), reference=q).conf_int().note
            for _ in range(50)
        ]
        cs = [float(n.split("c = ")[1].split(" ")[0]) for n in notes]
        assert 0.8 < np.median(cs) < 1.2
