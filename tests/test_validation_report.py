"""The validation report's quick mode (``python -m validation``), with its findings
asserted: sizes within Monte Carlo error of alpha where the method promises it, the
documented liberalness of the asymptotic G-test at small expected counts, coverage of
the default intervals, the power pattern of G against Pearson's X^2 and bias reduction.

Bands: a simulated size or coverage from R data sets is within 3 sqrt(p(1 - p)/R) of
its expectation except with probability 0.003; sizes from enumerated outcomes are
exact (no Monte Carlo error). The numbers are seeded, so the test is deterministic;
the bands say what a different seed could give.
"""

import math
import sys
from pathlib import Path

import numpy as np
import pytest

import klstats as kls

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

validation = pytest.importorskip("validation")


def band(p, r):
    return 3 * math.sqrt(p * (1 - p) / r)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("validation")
    tables = validation.run("quick", out=out)
    return tables, out


@pytest.fixture(scope="module")
def size(report):
    return report[0]["size"].rows


def _size_rows(df, test, null, method):
    d = df[(df.test == test) & (df.null.str.startswith(null)) & (df.method == method)]
    assert len(d) == 3, (test, null, method)  # alpha = 0.01, 0.05, 0.10
    return d


def test_every_table_written(report):
    tables, out = report
    for name in tables:
        for ext in ("csv", "md", "rst"):
            assert (out / f"{name}.{ext}").stat().st_size > 0
    assert "Size under the null" in (out / "report.md").read_text(encoding="utf-8")


def test_sizes_from_enumeration_are_exact(size):
    # the classic anchor (METHODS C3, 200000 simulations): G 0.095, G/q 0.051
    d = _size_rows(size, "g_test", "uniform, K = 10, N = 20", "asymptotic")
    assert (d.R == "exact").all()
    s = d.set_index("alpha")["size"]
    assert s[0.05] == pytest.approx(0.095, abs=0.003)
    w = _size_rows(size, "g_test", "uniform, K = 10, N = 20", "williams")
    assert w.set_index("alpha")["size"][0.05] == pytest.approx(0.051, abs=0.003)


@pytest.mark.parametrize("null", ["uniform, K = 5, N = 10", "uniform, K = 10, N = 20"])
def test_asymptotic_g_is_liberal_at_expected_count_2_and_warns(size, null):
    """The documented limit: expected counts of 2 make the chi-square reference liberal
    at every level, and the small-sample warning tells the user so."""
    d = _size_rows(size, "g_test", null, "asymptotic")
    assert (d["size"] > 1.2 * d.alpha).all()
    k, n = (5, 10) if "K = 5" in null else (10, 20)
    with pytest.warns(kls.SmallSampleWarning, match="liberal"):
        kls.g_test(np.r_[n - k + 1, np.ones(k - 1)], method="asymptotic")
    # the default (method="auto") does not use the chi-square reference here
    assert kls.g_test(np.r_[n - k + 1, np.ones(k - 1)], n_resamples=99).method != "asymptotic"


@pytest.mark.parametrize("null", ["uniform, K = 5, N = 10", "uniform, K = 10, N = 20"])
def test_williams_holds_size_at_5_percent(size, null):
    d = _size_rows(size, "g_test", null, "williams").set_index("alpha")["size"]
    assert abs(d[0.05] - 0.05) <= 0.005
    assert d[0.01] <= 0.01 and d[0.10] <= 0.12


def test_exact_gof_test_never_exceeds_alpha(size):
    d = _size_rows(size, "g_test", "uniform, K = 5, N = 10", "exact")
    assert (d["size"] <= d.alpha + 1e-12).all()


@pytest.mark.parametrize(
    ("test", "null", "method"),
    [
        ("g_test", "uniform, K = 5, N = 10", "montecarlo (B=99)"),
        ("g_test", "uniform, K = 10, N = 20", "montecarlo (B=99)"),
        ("g_test_independence", "2 x 2", "montecarlo (B=99)"),
        ("kl_test (counts)", "two samples", "permutation, zhang (default)"),
        ("kl_test (k-NN)", "two samples", "permutation, wang k=1 (default)"),
        ("vuong_test", "truth N(0, 1)", "fixed models"),
        ("lr_test_distributions", "expon within gamma", "asymptotic"),
    ],
)
def test_resampling_and_large_sample_tests_hold_size(size, test, null, method):
    """Monte Carlo and permutation p-values are valid for any B: their size is at most
    alpha (they may be conservative when the statistic is discrete)."""
    d = _size_rows(size, test, null, method)
    r = int(d.R.iloc[0])
    for a, s in zip(d.alpha, d["size"], strict=True):
        assert s <= a + band(a, r), (a, s, r)


def test_default_two_sample_kl_test_is_not_conservative(size):
    """The default (Zhang) statistic is finite, so the permutation test is not
    conservative; the plug-in, infinite when a cell of y is empty, is."""
    d = _size_rows(size, "kl_test (counts)", "two samples", "permutation, zhang (default)")
    r = int(d.R.iloc[0])
    s = d.set_index("alpha")["size"]
    assert s[0.05] >= 0.05 - band(0.05, r)
    plug = _size_rows(size, "kl_test (counts)", "two samples", "permutation, plugin")
    assert plug.set_index("alpha")["size"][0.05] < s[0.05]


def test_default_intervals_cover(report):
    tables = report[0]
    grid = tables["coverage_discrete_default"].rows
    d = grid[grid.method == "default"]
    assert len(d) >= 7
    for cov, r in zip(d.coverage, d.R, strict=True):
        assert cov >= 0.95 - 0.01 - band(0.95, r), (cov, r)
    other = tables["coverage_other"].rows
    dflt = other[other.method == "default"]
    assert len(dflt) >= 3
    for cov, r in zip(dflt.coverage, dflt.R, strict=True):
        assert cov >= 0.95 - 0.01 - band(0.95, r), (cov, r)


def test_percentile_bootstrap_fails_at_zero(report):
    """Why ncx2 is the default for divergences: at D = 0 the percentile interval lies
    above 0 (intervals guide, Andrews 2000)."""
    grid = report[0]["coverage_discrete_default"].rows
    d = grid[(grid.D == 0) & (grid.method == "percentile")]
    assert len(d) >= 2 and (d.coverage < 0.05).all()


def test_power_pattern_of_g_against_pearson(report):
    """Cressie & Read (1984): G is more powerful than X^2 when a probability drops
    (dip), X^2 when one rises (bump); the 1-df ordinal test wins for linear-by-linear
    association and loses for a non-monotone one."""
    gof = report[0]["power_gof"].rows.set_index(["alternative", "test"])["rejection_rate"]
    assert gof["dip", "G"] > gof["dip", "Pearson X2 (scipy chisquare)"] + 0.02
    assert gof["bump", "Cressie-Read 2/3 (scipy)"] >= gof["bump", "G"]
    ind = report[0]["power_independence"].rows.set_index(["alternative", "test"])
    ind = ind["rejection_rate"]
    ordinal = "ordinal linear-by-linear (statsmodels)"
    assert ind["linear-by-linear beta", ordinal] > ind["linear-by-linear beta", "G"] + 0.1
    assert ind["non-monotone beta", "G"] > ind["non-monotone beta", ordinal] + 0.3


def test_bias_corrections_reduce_bias(report):
    b = report[0]["bias_discrete"].rows
    small = b[(b.n == 20) & (b.quantity == "entropy")].set_index("estimator")["bias"]
    for est in ("miller-madow", "jackknife", "chao-shen", "grassberger"):
        assert abs(small[est]) < abs(small["plugin"]) / 2, est
    kl = b[(b.n == 20) & (b.quantity == "KL, one sample")].set_index("estimator")["bias"]
    assert abs(kl["jackknife"]) < abs(kl["plugin"]) / 2


def test_worst_cells_listed(report):
    worst = report[0]["worst_cells"].rows
    assert set(worst.study) == {"size", "coverage"}
    assert worst[worst.study == "size"]["what"].str.contains("asymptotic").any()
