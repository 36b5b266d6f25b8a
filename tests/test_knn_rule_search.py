"""validation/knn_rule_search.py: the per-order profiles score a (k, L) exactly as the
package's estimators with that k compute it, and the predicted coverage is the normal
one."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import klstats as kls
from klstats._kernels._knn_weights import bias_weights
from validation import knn_rule_search as rs
from validation.knn_routes import kl_entropy_orders, knn_log_distances, wang_orders


@pytest.mark.parametrize(("d", "k"), [(3, 10), (3, 48), (5, 20), (5, 48)])
def test_profiles_weighted_equal_the_package(d, k):
    g = np.random.default_rng(3)
    x = g.normal(size=(400, d))
    y = 0.5 + 1.2 * g.normal(size=(400, d))
    lr, ln = knn_log_distances(x, y, 64)
    w = bias_weights(k, d)  # the package's L for (d, k)
    h = kl_entropy_orders(lr, d, 400)[:k] @ w
    kl = wang_orders(lr, ln, d, 400, 400)[:k] @ w
    assert h == pytest.approx(kls.entropy_knn(x, k=k).estimate, abs=1e-9)
    # Wang et al.'s constant log(m / (n - 1)) against the package's exact expected log
    # masses psi(m + 1) - psi(n): they differ by O(1/n^2)
    assert kl == pytest.approx(kls.kl_divergence_knn(x, y, k=k).estimate, abs=1e-5)


def test_predicted_coverage_of_a_shifted_normal():
    assert rs.predicted_coverage(0.0) == pytest.approx(0.95, abs=1e-4)
    assert rs.predicted_coverage(0.5) == pytest.approx(rs.predicted_coverage(-0.5))
    # the interval's centre one half-width off: about half the mass falls inside
    want = stats.norm.cdf(0.0) - stats.norm.cdf(-2 * stats.norm.ppf(0.975))
    assert rs.predicted_coverage(stats.norm.ppf(0.975)) == pytest.approx(want)


def test_former_rule_is_the_rule_before_the_study():
    assert rs._former(1000, 3) == (10, 1)
    assert rs._former(4000, 3) == (16, 1)
    assert rs._former(1000, 5) == (20, 2)
    assert rs._former(4000, 5) == (64, 3)
    assert rs._current(1000, 3) == (48, 3)
    assert rs._current(4000, 3) == (64, 3)


def test_quick_run_scores_every_rule(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(rs, "CACHE", tmp_path)
    df = rs.score([("gauss", 3, 300)], lambda n: 4, rs.candidates())
    assert set(df["rule"]) == set(rs.candidates())
    assert len(df) == 2 * len(rs.candidates())
    # the cache extends the same stream: 4 then 6 samples share their first 4
    first = rs.profiles("gauss", 3, 300, 4)
    more = rs.profiles("gauss", 3, 300, 6)
    np.testing.assert_array_equal(first["h"], more["h"][:4])
    table = rs.defaults_table(df)
    # below n = 500 the former rule, round(300^(1/3)) = 7
    assert list(table["current k, L"]) == list(table["former k, L"]) == ["7, 1"]


def test_large_n_table_predicts_the_package_interval(tmp_path, monkeypatch):
    # the coverage the package's critical value predicts: the normal one at b = 0 with
    # z = 1.96 in d = 3; in d = 4 above n = 1076 the 95 % quantile of |N(0.5, 1)|
    monkeypatch.setattr(rs, "CACHE", tmp_path)
    df = rs.large_n((("gauss", 3, 1200, 3), ("gauss", 4, 1200, 3)))
    assert len(df) == 4
    z = df.groupby("d")["critical value"].first()
    assert z[3] == pytest.approx(stats.norm.ppf(0.975))
    folded = stats.foldnorm(0.5)  # |N(0.5, 1)|
    assert z[4] == pytest.approx(folded.ppf(0.95), abs=1e-7)
    b, c = df["bias/sd"].abs(), df["critical value"]
    np.testing.assert_allclose(df["coverage, package z"], stats.foldnorm(b).cdf(c), atol=1e-9)
