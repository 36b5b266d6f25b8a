"""The k-NN tests' default k (``default_k(..., use="test")``), their size at that k, and
the power study's peer tests and alternatives (validation/knn_power.py) against scipy
and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from sizecheck import assert_size

import klstats as kls
from klstats._kernels._knn_weights import MAX_TEST_K, default_k
from validation import knn_power as kp


class TestDefaultK:
    def test_rule(self):
        # round(n^(4/(d+4))), at least the n^(1/3) rule's k, at most MAX_TEST_K = 40
        assert default_k(200, 3, 200, use="test") == round(200 ** (4 / 7)) == 21
        assert default_k(100, 2, use="test") == round(100 ** (4 / 6)) == 22
        assert default_k(200, 1, 200, use="test") == MAX_TEST_K == 40
        assert default_k(1000, 6, use="test") == round(2 * 1000 ** (1 / 3)) == 20  # floor
        # in 3 <= d <= 8 the tests stay below k = 48 (fewer cancelled terms)
        assert default_k(10**6, 5, use="test") == 47 and default_k(10**6, 5) == 64
        assert default_k(10**6, 4, use="test") == 47 and default_k(10**6, 4) == 64
        assert default_k(30, 1, 5, use="test") <= 5  # below m
        assert default_k(1000, 2) == 10  # the estimators' rule is unchanged
        with pytest.raises(ValueError, match="use"):
            default_k(100, 1, use="power")

    def test_kl_test_uses_it(self):
        rng = np.random.default_rng(1)
        x, y = rng.normal(size=(120, 2)), rng.normal(0.3, 1, size=(100, 2))
        a = kls.kl_test(x, y, estimator="knn", n_resamples=49, rng=3)
        k = default_k(120, 2, 100, use="test")
        b = kls.kl_test(x, y, estimator="knn", k=k, n_resamples=49, rng=3)
        assert a.effect.options["k"] == k
        np.testing.assert_array_equal(a.null_distribution, b.null_distribution)
        assert a.statistic == b.statistic
        assert a.statistic == pytest.approx(kls.kl_divergence_knn(x, y, k=k).estimate)
        assert f"k = {k}: the tests' default k" in a.summary().as_text()
        assert "the tests' default k" not in b.summary().as_text()
        # the unweighted estimators keep their own defaults
        assert kls.kl_test(x, y, estimator="wang", n_resamples=9, rng=1).effect.options["k"] == 1

    def test_one_sample_and_independence_use_it(self):
        rng = np.random.default_rng(2)
        x = rng.normal(size=150)
        res = kls.kl_test(x, reference=stats.norm(), n_resamples=19, rng=1)
        assert res.effect.options["k"] == default_k(150, 1, use="test") == 40
        y = 0.3 * x + rng.normal(size=150)
        a = kls.independence_test(x, y, estimator="knn", n_resamples=19, rng=4)
        k = default_k(150, 2, use="test")
        b = kls.independence_test(x, y, estimator="knn", k=k, n_resamples=19, rng=4)
        assert a.effect.options["k"] == k == 28
        np.testing.assert_array_equal(a.null_distribution, b.null_distribution)
        ksg = kls.independence_test(x, y, estimator="ksg1", n_resamples=9, rng=4)
        assert ksg.effect.options["k"] == 3

    def test_dataframe_input(self):
        pd = pytest.importorskip("pandas")
        rng = np.random.default_rng(3)
        x = pd.DataFrame(rng.normal(size=(60, 3)), columns=list("abc"))
        y = pd.DataFrame(rng.normal(size=(50, 3)), columns=list("abc"))
        res = kls.kl_test(x, y, estimator="knn", n_resamples=9, rng=1)
        assert res.effect.options["k"] == default_k(60, 3, 50, use="test")


class TestSizeAtDefaultK:
    """Permutation tests are exact for any k; checked at the new default, where k is a
    large fraction of n (B = 19: p <= 0.05 and <= 0.1 are attained exactly)."""

    def test_kl_test_one_dimension(self):
        rng = np.random.default_rng(20)
        pv = [
            kls.kl_test(
                rng.normal(size=50), rng.normal(size=40), estimator="knn", n_resamples=19, rng=rng
            ).pvalue
            for _ in range(300)
        ]
        assert_size(pv, (0.05, 0.1))

    def test_independence_test(self):
        rng = np.random.default_rng(21)
        pv = [
            kls.independence_test(
                rng.normal(size=40), rng.normal(size=40), estimator="knn", n_resamples=19, rng=rng
            ).pvalue
            for _ in range(150)
        ]
        assert_size(pv, (0.05, 0.1))


class TestStudyPeers:
    def test_energy_statistic_matches_scipy(self):
        rng = np.random.default_rng(4)
        x, y = rng.normal(size=(40, 1)), rng.normal(0.5, 1, size=(55, 1))
        # scipy.stats.energy_distance is the square root of the energy statistic
        assert kp.energy_statistic(x, y) == pytest.approx(
            stats.energy_distance(x[:, 0], y[:, 0]) ** 2, rel=1e-10
        )

    def test_energy_test_is_a_permutation_test(self):
        rng = np.random.default_rng(5)
        x, y = rng.normal(size=(30, 3)), rng.normal(size=(25, 3))
        # the observed statistic is the first column of the matrix-product version
        p = kp.energy_test(x, y, 199, np.random.default_rng(1))
        z = np.vstack((x, y))
        gen = np.random.default_rng(1)
        obs = kp.energy_statistic(x, y)
        null = []
        for _ in range(199):
            perm = gen.permutation(55)[:30]
            mask = np.zeros(55, bool)
            mask[perm] = True
            null.append(kp.energy_statistic(z[mask], z[~mask]))
        assert p == pytest.approx((1 + np.sum(np.array(null) >= obs * (1 - 1e-12))) / 200)
        far = kp.energy_test(x, y + 2.0, 99, rng)
        assert far == pytest.approx(0.01)

    def test_dcov_statistic_identity(self):
        # V_n^2 = S1 + S2 - 2 S3 (Szekely, Rizzo & Bakirov 2007, Theorem 1)
        rng = np.random.default_rng(6)
        x = rng.normal(size=(35, 2))
        y = x**2 + rng.normal(size=(35, 2))
        a, b = kp._distances(x), kp._distances(y)
        s1 = (a * b).mean()
        s2 = a.mean() * b.mean()
        s3 = (a.mean(1) * b.mean(1)).mean()
        assert kp.dcov_statistic(x, y) == pytest.approx(s1 + s2 - 2 * s3, rel=1e-10)
        assert kp.dcov_test(x, y, 99, rng) == pytest.approx(0.01)

    def test_alternatives_have_the_stated_divergence(self):
        # location: closed form mu^2 / 2; others by their solved parameter
        mu, _ = kp.alternative("location", 200, 1)
        assert mu**2 / 2 == pytest.approx(9 / 200)
        sigma, _ = kp.alternative("scale", 1000, 3)
        assert kp.kl_normal_vs_scale(sigma) == pytest.approx(9 / 1000)
        a, draw = kp.alternative("shape", 200, 1)
        assert kp.kl_normal_vs_mixture(a) == pytest.approx(27 / 200)
        # the mixture has mean 0 and variance 1 (same location and scale as P)
        z = draw(np.random.default_rng(7), 200_000)[:, 0]
        assert abs(z.mean()) < 4 * 1 / math.sqrt(2e5)
        assert z.var() == pytest.approx(1.0, abs=4 * math.sqrt(2 / 2e5) * 1.5)
        # D(N(0,1) || mixture) against a Monte Carlo average of the log ratio
        w = np.random.default_rng(8).standard_normal(400_000)
        lr = stats.norm.logpdf(w) - kp._mixture_logpdf(w, a)
        assert kp.kl_normal_vs_mixture(a) == pytest.approx(lr.mean(), abs=4 * lr.std() / 632)
        rho, _ = kp.alternative("dependence", 200, 3)
        # closed form for the equicorrelation matrix: eigenvalues 1 + 2 rho, 1 - rho (x2)
        ev = np.array([1 + 2 * rho, 1 - rho, 1 - rho])
        assert 0.5 * np.sum(1 / ev - 1 + np.log(ev)) == pytest.approx(9 / 200)
