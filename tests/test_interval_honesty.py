"""Estimate, interval and parameter space agree (issue 13): no interval leaves the
parameter space (D, H, I, JS >= 0; H <= log K; I <= log min(r, c); JS <= log 2), none
has zero width, and an estimate outside its own interval comes with a stated reason."""

import math

import numpy as np
import pytest

import klstats as kls


def _reason(ci):
    note = ci.note or ""
    return any(
        key in note
        for key in (
            "below 0",
            "exceeds",
            "biased upward",
            "biased downward",
            "estimate is infinite",
            "estimate lies outside",
        )
    )


def test_kl_near_uniform_not_zero_width():
    # was (0, 0) with estimate 0.0022
    d = kls.kl_divergence([8, 7, 7, 8], reference=[0.25] * 4)
    ci = d.conf_int()
    assert ci.low == 0.0 and ci.high > 0.01
    assert ci.low <= d.estimate <= ci.high
    assert "power-constrained" in ci.note


def test_entropy_of_uniform_counts_stays_below_log_k():
    # was (1.613, 1.723), entirely above log 5 = 1.609 (basic bootstrap, then the default)
    h = kls.entropy([10] * 5)
    ci = h.conf_int(method="basic", rng=1)
    assert ci.high <= math.log(5) + 1e-12
    assert ci.low < ci.high
    assert ci.low <= h.estimate <= ci.high
    assert "parameter space" in ci.note
    # the default inverts the law of log K - H = D(p || uniform): [.., log K] directly
    ci = h.conf_int()
    assert ci.method == "ncx2-adjusted"
    assert ci.low < h.estimate <= ci.high <= math.log(5) + 1e-12
    assert "D(p || uniform)" in ci.note and "power-constrained" in ci.note
    assert "D(p || uniform)" in h.summary().as_text()


def test_bca_never_significantly_negative():
    # Miller-Madow KL of an A/B test with nearly equal rates: BCa was [-0.0024, -0.0005]
    d = kls.kl_divergence([810, 190], [812, 188], estimator="miller-madow")
    ci = d.conf_int(method="bca", rng=1)
    assert ci.low >= 0.0 and ci.high > 0.0
    assert "outside the parameter space" in ci.note
    assert d.estimate < 0 and "below 0" in ci.note


def test_zhang_negative_estimate_explained():
    d = kls.kl_divergence([20, 31, 25, 24], [26, 24, 27, 23], estimator="zhang")
    ci = d.conf_int()
    assert d.estimate < 0 and ci.low == 0.0
    assert "below 0" in ci.note and "consistent with D = 0" in ci.note


def test_plugin_above_its_bias_corrected_interval_explained():
    t = ((3, 1, 0, 2, 1), (0, 2, 4, 1, 1), (2, 0, 1, 3, 0), (1, 2, 2, 0, 4))
    mi = kls.mutual_information(t)
    ci = mi.conf_int()
    if not ci.low <= mi.estimate <= ci.high:
        assert "biased upward" in ci.note


@pytest.mark.parametrize("kind", ["kl1", "kl2", "kl2-zhang", "mi", "js", "entropy"])
def test_defaults_under_the_null(kind):
    """Null samples (200; 40 for the bootstrap entropy interval) at small n: every
    default interval inside the parameter space, of positive width, and containing its
    estimate or saying why."""
    rng = np.random.default_rng(20261206)
    q = np.full(4, 0.25)
    for _ in range(40 if kind == "entropy" else 200):
        n = int(rng.integers(8, 40))
        x, y = rng.multinomial(n, q), rng.multinomial(n, q)
        if kind == "kl1":
            r, top = kls.kl_divergence(x, reference=q), math.inf
        elif kind == "kl2":
            if np.any((x > 0) & (y == 0)):
                continue  # plug-in infinite: a separate, warned case
            r, top = kls.kl_divergence(x, y), math.inf
        elif kind == "kl2-zhang":
            r, top = kls.kl_divergence(x, y, estimator="zhang"), math.inf
        elif kind == "mi":
            t = rng.multinomial(n, np.full(6, 1 / 6)).reshape(2, 3)
            if (t.sum(0) == 0).any() or (t.sum(1) == 0).any():
                continue
            r, top = kls.mutual_information(t), math.log(2)
        elif kind == "js":
            r, top = kls.jensen_shannon(x + 1, y + 1), math.log(2)
        else:
            r, top = kls.entropy(x + 1), math.log(4)
        ci = r.conf_int(rng=1)
        assert 0.0 <= ci.low < ci.high <= top + 1e-12, (kind, x, y, ci)
        if not ci.low <= r.estimate <= ci.high:
            assert _reason(ci), (kind, x, y, ci, ci.note)


def _plugin_kl2_jackknife_var(x, y):
    """Delete-one jackknife variance of the two-sample plug-in KL, by brute force over
    observations (scipy's rel_entr), summed over the two samples (Efron & Stein 1981)."""
    from scipy.special import rel_entr

    def kl(a, b):
        return rel_entr(a / a.sum(), b / b.sum()).sum()

    total = 0.0
    for j, arr in enumerate((x, y)):
        vals = []
        for c in range(arr.size):
            for _ in range(int(arr[c])):
                loo = arr.astype(float).copy()
                loo[c] -= 1
                vals.append(kl(loo, y) if j == 0 else kl(x, loo))
        vals = np.array(vals)
        total += (vals.size - 1) / vals.size * ((vals - vals.mean()) ** 2).sum()
    return total


def test_two_sample_plugin_interval_joins_zhangs():
    # the default interval of the two-sample plug-in KL is the union of the inversion of
    # its own statistic (variance factor from its jackknife variance) and Zhang's default
    # interval: the plug-in's inversion alone covered 0.87-0.91 at D = 0.5 (coverage grid)
    from scipy import stats

    from klstats._inference._intervals import ncx2_adjusted_interval

    # a data set of the grid cell K = 10, Zipf Q, D = 0.5, n = m = 30 whose plug-in
    # inversion alone gave [0, 0.448], missing D = 0.5
    x = np.array([20, 7, 1, 1, 1, 0, 0, 0, 0, 0])
    y = np.array([11, 8, 3, 2, 2, 0, 1, 1, 1, 1])
    d = kls.kl_divergence(x, y)
    ci = d.conf_int()
    assert ci.method == "ncx2-adjusted" and "Zhang estimate" in ci.note
    n, m = x.sum(), y.sum()
    scale = 2 * n * m / (n + m)
    s = scale * d.estimate
    df = int(((x + y) > 0).sum()) - 1
    c = scale**2 * _plugin_kl2_jackknife_var(x, y) / (4 * s)
    lo, hi = ncx2_adjusted_interval(s, df, scale, min(max(c, 0.25), 4.0), 0.05)
    if stats.chi2.cdf(s, df) <= 0.975:
        lo = 0.0
    z = kls.kl_divergence(x, y, estimator="zhang").conf_int()
    assert ci.low == pytest.approx(min(lo, z.low), rel=1e-9)
    assert ci.high == pytest.approx(max(hi, z.high), rel=1e-9)
    assert hi == pytest.approx(0.448, abs=5e-4) and ci.high > 0.8  # the union matters
    assert ci.low <= d.estimate <= ci.high
    # the plain inversion is the textbook one, not joined
    assert "Zhang" not in (d.conf_int(method="ncx2").note or "")


def test_entropy_of_equal_counts_reports_second_order_se():
    # the delta-method s.e. is 0 at equal counts ("Std. error: 0" was printed); the
    # reported s.e. is the s.d. of chi2(K - 1) / (2 n) (scipy), and the simulated s.d. of
    # the plug-in entropy under the uniform distribution agrees (4000 samples: its own
    # relative MC s.e. is about 1.1 %, the second-order approximation adds a few %)
    from scipy import stats

    h = kls.entropy([10] * 5)
    assert h.bse == pytest.approx(stats.chi2(4).std() / 100, rel=1e-12)
    assert "second order" in h.summary().as_text()
    g = np.random.default_rng(7)
    sd = stats.entropy(g.multinomial(50, [0.2] * 5, size=4000).T).std()
    assert h.bse == pytest.approx(sd, rel=0.08)
    ci = h.conf_int(method="wald")
    assert ci.low < h.estimate and ci.high == pytest.approx(math.log(5))
    # equal counts over the observed categories only: the delta s.e. 0 is explained
    h0 = kls.entropy([10, 10, 10, 10, 0])
    assert h0.bse == 0 and "Std. error 0" in h0.summary().as_text()


def test_labels_without_a_common_category():
    # issue 13: `klstats kl survey.csv --x commute --y age_group` printed 5.63 beside
    # [2.51, 3.03]; now the estimate is inf, the warning says that no category is shared,
    # and the interval's note says why the estimate lies outside it
    import pandas as pd

    x = pd.Series({"car": 5, "bike": 3})
    y = pd.Series({"18-29": 4, "30-49": 6})
    with pytest.warns(kls.InfiniteEstimateWarning, match="no category in common"):
        d = kls.kl_divergence(x, y)
    ci = d.conf_int()
    assert math.isinf(d.estimate) and math.isfinite(ci.high)
    assert _reason(ci) and "estimate is infinite" in d.summary().as_text()
