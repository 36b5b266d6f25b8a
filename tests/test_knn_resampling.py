"""Resampling with k-NN estimators: subsampling intervals, permutation and Monte Carlo
tests (kl_test, independence_test).

External references: a brute-force Wang statistic written here (numpy distance
matrices) inside scipy.stats.permutation_test; the t-interval of a mean (closed form)
for the finite-population rescaling of subsampling; size under H0 within binomial
Monte Carlo error; the closed-form KL of two Gaussians for coverage.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats
from sizecheck import assert_size

import klstats as kls
import klstats._hypotests._knn_resampling as kr
from klstats._estimators._knn_core import _adaptive_nats
from klstats._inference._resampling import spawn, subsampling_interval
from klstats._kernels._knn_weights import bias_weights, default_k, unit_weights


def _wang_brute(x, y, k=1):
    """Wang et al. (2009) eq. 5 from full distance matrices (independent of klstats)."""
    n, d = x.shape
    m = y.shape[0]
    dxx = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(dxx, np.inf)
    dxy = np.sqrt(((x[:, None, :] - y[None, :, :]) ** 2).sum(-1))
    rho = np.sort(dxx, axis=1)[:, k - 1]
    nu = np.sort(dxy, axis=1)[:, k - 1]
    return d * np.mean(np.log(nu / rho)) + math.log(m / (n - 1))


class TestPermutationNull:
    @pytest.mark.parametrize("short_lists", [False, True])
    @pytest.mark.parametrize(
        ("n", "m", "d", "k", "adaptive"),
        [
            (120, 80, 2, 1, False),
            (90, 110, 3, 3, False),
            (100, 100, 1, 1, True),
            (80, 60, 2, 2, True),
        ],
    )
    def test_equals_estimator_on_permuted_samples(
        self, monkeypatch, short_lists, n, m, d, k, adaptive
    ):
        # every permuted statistic is the estimator applied to the permuted samples,
        # also when the stored neighbour lists are too short and points are re-queried
        if short_lists:
            monkeypatch.setattr(kr, "list_length", lambda *a: 2)
        rng = np.random.default_rng(5)
        x, y = rng.normal(size=(n, d)), rng.normal(0.4, 1.3, size=(m, d))
        null = kr.permutation_null_wang(
            x,
            y,
            k=k,
            w=unit_weights(k),
            const=math.log(m / (n - 1)),
            adaptive=adaptive,
            max_k=50,
            n_resamples=15,
            rng=np.random.default_rng(9),
        )
        (gen,) = spawn(np.random.default_rng(9), 1)
        pooled = np.concatenate((x, y))
        for value, idx in zip(null, kr.random_splits(n + m, n, 15, gen), strict=True):
            mask = np.zeros(n + m, dtype=bool)
            mask[idx] = True
            a, b = pooled[mask], pooled[~mask]
            ref = _adaptive_nats(a, b, k=k, max_k=50) if adaptive else _wang_brute(a, b, k)
            assert value == pytest.approx(ref, rel=1e-12, abs=1e-12)

    @pytest.mark.parametrize("short_lists", [False, True])
    @pytest.mark.parametrize(("n", "m", "d", "k"), [(120, 80, 2, 6), (90, 110, 5, 9)])
    def test_weighted_equals_estimator_on_permuted_samples(
        self, monkeypatch, short_lists, n, m, d, k
    ):
        # the weighted statistic of every permutation is kl_divergence_knn on the
        # permuted samples (sum over orders 1..k read off the neighbour lists)
        if short_lists:
            monkeypatch.setattr(kr, "list_length", lambda *a: 3)
        rng = np.random.default_rng(6)
        x, y = rng.normal(size=(n, d)), rng.normal(0.4, 1.3, size=(m, d))
        w = bias_weights(k, d)
        null = kr.permutation_null_wang(
            x,
            y,
            k=k,
            w=w,
            const=float(special.digamma(m + 1) - special.digamma(n)),
            adaptive=False,
            max_k=None,
            n_resamples=10,
            rng=np.random.default_rng(9),
        )
        (gen,) = spawn(np.random.default_rng(9), 1)
        pooled = np.concatenate((x, y))
        for value, idx in zip(null, kr.random_splits(n + m, n, 10, gen), strict=True):
            mask = np.zeros(n + m, dtype=bool)
            mask[idx] = True
            ref = kls.kl_divergence_knn(pooled[mask], pooled[~mask], k=k).estimate
            assert value == pytest.approx(ref, rel=1e-11, abs=1e-12)

    def test_random_splits_are_uniform(self):
        idx = kr.random_splits(8, 3, 60_000, np.random.default_rng(2))
        lab = np.zeros((60_000, 8), dtype=bool)
        np.put_along_axis(lab, idx, True, axis=1)
        assert np.all(lab.sum(axis=1) == 3)
        np.testing.assert_allclose(lab.mean(axis=0), 3 / 8, atol=0.01)
        np.testing.assert_allclose((lab[:, 0] & lab[:, 7]).mean(), 3 * 2 / 56, atol=0.006)
        # the label matrix returned with the same draws marks exactly those indices
        idx2, lab2 = kr.random_split_labels(8, 3, 60_000, np.random.default_rng(2))
        np.testing.assert_array_equal(idx2, idx)
        np.testing.assert_array_equal(lab2, lab)

    def test_pvalue_close_to_scipy_permutation_test(self):
        rng = np.random.default_rng(8)
        x, y = rng.normal(size=40), rng.normal(0.5, 1.0, size=35)

        def stat(a, b):
            return _wang_brute(a[:, None], b[:, None])

        ref = stats.permutation_test(
            (x, y), stat, vectorized=False, n_resamples=3000, alternative="greater", rng=1
        )
        res = kls.kl_test(x, y, estimator="wang", n_resamples=3000, rng=2)
        assert res.statistic == pytest.approx(ref.statistic, rel=1e-10)
        assert abs(res.pvalue - ref.pvalue) < 0.03


class TestKLTestKnn:
    def test_result(self):
        rng = np.random.default_rng(1)
        x, y = rng.normal(size=300), rng.normal(0.3, 1.0, size=250)
        res = kls.kl_test(x, y, estimator="wang", k=2, n_resamples=199, rng=3)
        d = kls.kl_divergence_knn(x, y, k=2, estimator="wang")
        assert res.statistic == pytest.approx(d.estimate)
        assert res.df is None and res.method == "permutation"
        assert res.null_distribution.shape == (199,)
        assert res.estimator == "wang"
        assert res.effect.ci_methods == ("wald", "subsampling")
        assert res.effect.default_ci_method == "subsampling"
        assert "Permutation" in res.summary().as_text()

    def test_knn_is_the_default_estimator(self):
        rng = np.random.default_rng(2)
        x, y = rng.normal(size=100), rng.normal(size=90)
        a = kls.kl_test(x, y, estimator="knn", n_resamples=49, rng=4)
        b = kls.kl_test(x, y, estimator="weighted", n_resamples=49, rng=4)
        np.testing.assert_array_equal(a.null_distribution, b.null_distribution)
        # the tests' default k (default_k(..., use="test")), not the estimators'
        d = kls.kl_divergence_knn(x, y, k=default_k(100, 1, 90, use="test"))
        assert a.statistic == pytest.approx(d.estimate, rel=1e-12)
        assert a.estimator == "weighted" and a.effect.options["k"] == d.options["k"]

    def test_power_against_shift(self):
        rng = np.random.default_rng(3)
        res = kls.kl_test(
            rng.normal(size=(200, 2)),
            rng.normal(0.6, 1, size=(200, 2)),
            estimator="adaptive",
            n_resamples=199,
            rng=5,
        )
        assert res.pvalue == pytest.approx(1 / 200)

    def test_pooled_duplicates(self):
        x = np.array([0.0, 1.0, 2.0, 3.5, 4.1, 5.0])
        y = np.array([0.5, 1.5, 1.5, 3.0, 6.0])  # y repeats a point: permutations would tie
        with pytest.raises(ValueError, match="duplicate"):
            kls.kl_test(x, y, estimator="knn", n_resamples=9, rng=1)
        res = kls.kl_test(x, y, estimator="knn", ties="jitter", n_resamples=9, rng=1)
        assert np.all(np.isfinite(res.null_distribution))

    def test_one_sample_montecarlo(self):
        rng = np.random.default_rng(4)
        x = rng.normal(0.0, 1.0, size=200)
        res = kls.kl_test(x, reference=stats.norm(), n_resamples=99, rng=6)
        assert res.estimator == "weighted" and res.method == "montecarlo"
        far = kls.kl_test(x + 1.0, reference=stats.norm(), n_resamples=99, rng=6)
        assert far.pvalue == pytest.approx(0.01)

    def test_reproducible(self, rng_any):
        rng = np.random.default_rng(5)
        x, y = rng.normal(size=80), rng.normal(size=70)
        a = kls.kl_test(x, y, estimator="knn", n_resamples=29, rng=rng_any)
        b = kls.kl_test(x, y, estimator="knn", n_resamples=29, rng=12345)
        np.testing.assert_array_equal(a.null_distribution, b.null_distribution)


class TestIndependenceKsg:
    def test_detects_dependence_and_keeps_null(self):
        rng = np.random.default_rng(6)
        x = rng.normal(size=300)
        y = 0.5 * x + rng.normal(size=300)
        res = kls.independence_test(x, y, estimator="ksg1", n_resamples=99, rng=1)
        assert res.pvalue == pytest.approx(0.01)
        mi = kls.mutual_information_knn(x, y, estimator="ksg1")
        assert res.statistic == pytest.approx(mi.estimate)
        assert res.null_distribution.shape == (99,)
        res = kls.independence_test(x, y, estimator="knn", n_resamples=99, rng=1)
        assert res.pvalue == pytest.approx(0.01)
        k = default_k(300, 2, use="test")  # the tests' default k
        assert res.effect.options["k"] == k
        assert res.statistic == pytest.approx(kls.mutual_information_knn(x, y, k=k).estimate)

    def test_needs_y(self):
        with pytest.raises(ValueError, match="two samples"):
            kls.independence_test(np.ones((5, 2)), estimator="ksg2")


class TestSizeUnderH0:
    def test_permutation_knn_fast(self):
        rng = np.random.default_rng(10)
        pv = [
            kls.kl_test(
                rng.normal(size=(40, 2)),
                rng.normal(size=(30, 2)),
                estimator="knn",
                n_resamples=39,
                rng=rng,
            ).pvalue
            for _ in range(150)
        ]
        assert_size(pv, 0.1)

    def test_ksg_fast(self):
        rng = np.random.default_rng(11)
        pv = [
            kls.independence_test(
                rng.normal(size=50),
                rng.normal(size=50),
                estimator="ksg2",
                n_resamples=39,
                rng=rng,
            ).pvalue
            for _ in range(150)
        ]
        assert_size(pv, 0.1)

    @pytest.mark.slow
    @pytest.mark.parametrize("estimator", ["knn", "adaptive"])
    def test_permutation_knn_slow(self, estimator):
        rng = np.random.default_rng(12)
        pv = [
            kls.kl_test(
                rng.normal(size=(80, 3)),
                rng.normal(size=(60, 3)),
                estimator=estimator,
                n_resamples=99,
                rng=rng,
            ).pvalue
            for _ in range(1000)
        ]
        assert_size(pv, 0.05)
        assert_size(pv, 0.1)

    @pytest.mark.slow
    def test_montecarlo_knn_slow(self):
        rng = np.random.default_rng(13)
        ref = stats.norm(0, 2)
        pv = [
            kls.kl_test(
                ref.rvs(size=60, random_state=rng), reference=ref, n_resamples=99, rng=rng
            ).pvalue
            for _ in range(600)
        ]
        assert_size(pv, 0.1)


class TestSubsampling:
    def test_fpc_rescaling_recovers_standard_error_of_a_mean(self):
        # for the sample mean the subsampling interval must match mean -/+ z s/sqrt(n)
        rng = np.random.default_rng(14)
        x = rng.exponential(size=(4000, 1))
        lo, hi, note, dist = subsampling_interval(
            lambda a: float(a.mean()), (x,), "one", float(x.mean()), 0.05, 4000, 1
        )
        half = special.ndtri(0.975) * x.std(ddof=1) / math.sqrt(x.shape[0])
        assert (hi - lo) / 2 == pytest.approx(half, rel=0.06)
        assert (lo + hi) / 2 == pytest.approx(float(x.mean()), abs=0.2 * half)
        assert "finite-population" in note and dist.n_resamples == 4000

    def test_two_sample_uses_one_fraction(self):
        rng = np.random.default_rng(15)
        x, y = rng.normal(size=(1000, 1)), rng.normal(size=(4000, 1))
        lo, hi, _, dist = subsampling_interval(
            lambda a, b: float(a.mean() - b.mean()), (x, y), "two", 0.0, 0.05, 2000, 2
        )
        se = math.sqrt(x.var() / 1000 + y.var() / 4000)
        assert (hi - lo) / 2 == pytest.approx(1.96 * se, rel=0.08)
        assert "sizes 100, 400" in dist.scheme

    def test_knn_conf_int_and_cache(self):
        rng = np.random.default_rng(16)
        d = kls.kl_divergence_knn(rng.normal(size=400), rng.normal(1.0, 1.0, size=400), k=3)
        ci = d.conf_int(rng=7, n_resamples=300, method="subsampling")
        assert ci.method == "subsampling" and ci.low < d.estimate < ci.high
        again = d.conf_int(rng=7, n_resamples=300, method="subsampling")
        assert again.distribution is ci.distribution
        bits = kls.kl_divergence_knn(
            rng.normal(size=400), rng.normal(1.0, 1.0, size=400), k=3, base=2
        )
        ci = bits.conf_int(rng=7, n_resamples=50, method="subsampling")
        assert ci.distribution.units == "bits"

    def test_mutual_information_and_entropy(self):
        rng = np.random.default_rng(17)
        x = rng.normal(size=500)
        y = 0.6 * x + 0.8 * rng.normal(size=500)
        mi = kls.mutual_information_knn(x, y)
        lo, hi = mi.conf_int(rng=1, n_resamples=200)
        assert lo < mi.estimate < hi
        h = kls.entropy_knn(x)
        lo, hi = h.conf_int(rng=1, n_resamples=200)
        assert lo < h.estimate < hi

    def test_too_small_sample(self):
        rng = np.random.default_rng(18)
        d = kls.kl_divergence_knn(rng.normal(size=15), rng.normal(size=15), estimator="wang")
        with pytest.raises(ValueError, match="Subsampling needs"):
            d.conf_int()
        assert "not available" in d.summary().as_text()
        # the default (Wald) interval needs no subsamples
        w = kls.kl_divergence_knn(rng.normal(size=15), rng.normal(size=15))
        assert np.all(np.isfinite(w.conf_int()))

    def test_bootstrap_methods_do_not_apply(self):
        rng = np.random.default_rng(19)
        d = kls.kl_divergence_knn(rng.normal(size=50), rng.normal(size=50))
        for method in ("bca", "percentile", "basic", "ncx2"):
            with pytest.raises(ValueError, match="subsampling"):
                d.conf_int(method=method)
        with pytest.raises(ValueError, match="cannot be bootstrapped"):
            d.bootstrap_distribution()

    def test_coverage_gaussian_fast(self):
        # N(0,1) vs N(1,1), truth 0.5 nats; a rough check, the full table is in the docs
        rng = np.random.default_rng(20)
        hits = 0
        R = 40
        for _ in range(R):
            d = kls.kl_divergence_knn(rng.normal(size=600), rng.normal(1.0, 1.0, size=600), k=5)
            lo, hi = d.conf_int(n_resamples=200, rng=rng)
            hits += lo <= 0.5 <= hi
        assert hits / R >= 0.8


class TestBadInput:
    def test_n_resamples(self):
        rng = np.random.default_rng(21)
        x, y = rng.normal(size=30), rng.normal(size=30)
        with pytest.raises(ValueError, match="n_resamples"):
            kls.kl_test(x, y, estimator="knn", n_resamples=0)
        d = kls.kl_divergence_knn(rng.normal(size=300), rng.normal(size=300))
        with pytest.raises(TypeError, match="n_resamples"):
            d.conf_int(n_resamples=10.5)

    def test_unknown_knn_option(self):
        rng = np.random.default_rng(22)
        with pytest.raises(TypeError, match="prior"):
            kls.kl_test(rng.normal(size=30), rng.normal(size=30), estimator="knn", prior=1)

    def test_discrete_reference_with_knn(self):
        with pytest.raises(TypeError, match="discrete"):
            kls.kl_test(np.arange(30.0), reference=stats.poisson(3), estimator="knn")


def test_slow_permutation_null_gets_a_note_on_its_cost(monkeypatch):
    # kl_test at n = m = 1000 with k = 40 and 9999 permutations runs about 100 s on
    # one core; above _SLOW_NULL_SECONDS the result says so and how to make it faster
    g = np.random.default_rng(5)
    x, y = g.normal(size=50), g.normal(size=40)
    res = kls.kl_test(x, y, estimator="knn", n_resamples=19, rng=1)
    assert not any("permutation null took" in note for note in res.notes)
    monkeypatch.setattr(kr, "_SLOW_NULL_SECONDS", 0.0)
    res = kls.kl_test(x, y, estimator="knn", n_resamples=19, rng=1)
    (note,) = [note for note in res.notes if "permutation null took" in note]
    assert "19 permutations of 90 points" in note and "n_resamples=999" in note
