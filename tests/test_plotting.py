"""Plots: G-test counts, bootstrap and null distributions, k-NN estimates against k.

Rendered with the Agg backend (the repository's conftest.py sets MPLBACKEND); every test
that draws is skipped when matplotlib (``klstats[plot]``) is not installed. What is drawn
is read back from the Axes and compared with the result's own numbers and, for the
asymptotic null laws, with scipy's densities.
"""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import klstats as kls


@pytest.fixture
def plt():
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    return plt


def _rendered(ax):
    # draw to an in-memory canvas: fails if anything cannot be rendered
    ax.figure.canvas.draw()
    return ax


def _vlines_x(ax):
    """x positions of the vertical lines drawn with axvline."""
    out = []
    for line in ax.lines:
        x = np.asarray(line.get_xdata(), dtype=float)
        if x.size == 2 and x[0] == x[1]:
            out.append(float(x[0]))
    return out


def _hist_total(ax):
    return sum(p.get_height() for c in ax.containers for p in c)


def _span(ax):
    """x extent of the shaded interval (axvspan: a Rectangle or, before 3.9, a Polygon)."""
    p = next(p for p in ax.patches if "CI" in str(p.get_label()))
    if hasattr(p, "get_width"):
        return p.get_x(), p.get_x() + p.get_width()
    xs = p.get_xy()[:, 0]
    return xs.min(), xs.max()


# =========================================================================== G-test counts


MENDEL = [315, 108, 101, 32]
RATIO = [9, 3, 3, 1]


def test_gof_counts_bars_markers_and_residuals(plt):
    res = kls.g_test(MENDEL, RATIO)
    ax = _rendered(res.plot())
    bars = [p.get_height() for p in ax.patches]
    np.testing.assert_allclose(bars, MENDEL)
    expected = np.array(RATIO) / 16 * 556  # Mendel's 9:3:3:1 of N = 556
    marker = next(line for line in ax.lines if line.get_marker() == "D")
    np.testing.assert_allclose(marker.get_ydata(), expected)
    # adjusted residual (o - e) / sqrt(e (1 - e/N)) of each category, as printed
    adj = (np.array(MENDEL) - expected) / np.sqrt(expected * (1 - expected / 556))
    assert [t.get_text() for t in ax.texts] == [f"{r:+.1f}" for r in adj]
    assert ax.get_ylabel() == "count"
    assert "G = 0.4754" in ax.get_title()


def test_gof_counts_labels_from_series_and_flagged_residuals(plt):
    birds = kls.datasets.load("nuthatch_foraging")
    res = kls.g_test(
        birds["observed"], birds["canopy_proportion"], method="montecarlo", n_resamples=99, rng=1
    )
    ax = _rendered(res.plot(kind="counts"))
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(v) for v in birds.index]
    assert ax.get_xlabel() == "tree"
    flagged = [t for t in ax.texts if t.get_color() == "C3"]
    strong = np.abs(np.asarray(res.std_residuals)) > 2
    assert len(flagged) == int(strong.sum()) > 0


def test_table_counts_heat_map_of_residuals(plt):
    table = kls.datasets.load("gender_party")
    table.columns.name = "party"
    res = kls.g_test_independence(table)
    ax = _rendered(res.plot())
    np.testing.assert_allclose(ax.images[0].get_array(), np.asarray(res.std_residuals))
    # each cell shows observed and (expected)
    assert ax.texts[0].get_text() == f"762\n({res.expected.iloc[0, 0]:.3g})"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["female", "male"]
    assert ax.get_xlabel() == "party"
    assert len(ax.figure.axes) == 2  # the colour bar


def test_homogeneity_counts(plt):
    res = kls.g_test_homogeneity([10, 20, 30], [20, 20, 20])
    ax = _rendered(res.plot())
    assert ax.images[0].get_array().shape == (2, 3)


# =========================================================================== null distributions


def test_asymptotic_null_is_the_chi_square_density(plt):
    res = kls.g_test(MENDEL, RATIO)
    ax = _rendered(res.plot(kind="null"))
    law = ax.lines[0]
    x = np.asarray(law.get_xdata())
    np.testing.assert_allclose(law.get_ydata(), stats.chi2(3).pdf(x))
    assert _vlines_x(ax) == [pytest.approx(res.statistic)]
    assert "p = 0.924" in ax.get_legend().get_texts()[1].get_text()


def test_vuong_null_is_the_standard_normal(plt):
    rivers = kls.datasets.load("rivers")["length_miles"]
    res = kls.vuong_test("lognorm", "gamma", data=rivers)
    ax = _rendered(res.plot())
    x = np.asarray(ax.lines[0].get_xdata())
    np.testing.assert_allclose(ax.lines[0].get_ydata(), stats.norm.pdf(x))
    assert x.min() < -abs(res.statistic) and x.max() > abs(res.statistic)


def test_boundary_null_is_half_chi_square(plt):
    kicks = np.repeat([0, 1, 2, 3, 4], [109, 65, 22, 3, 1])
    res = kls.lr_test_distributions(kicks, "poisson", "nbinom")
    ax = _rendered(res.plot())
    x = np.asarray(ax.lines[0].get_xdata())
    np.testing.assert_allclose(ax.lines[0].get_ydata(), 0.5 * stats.chi2(1).pdf(x))
    assert "mass 1/2 at 0" in [t.get_text() for t in ax.texts]


def test_montecarlo_null_histogram(plt):
    res = kls.g_test(MENDEL, RATIO, method="montecarlo", n_resamples=499, rng=3)
    ax = _rendered(res.plot(kind="null", bins=20))
    assert _hist_total(ax) == 499
    assert len(ax.patches) == 20
    assert _vlines_x(ax) == [pytest.approx(res.statistic)]


def test_permutation_null_histogram_default(plt):
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=300), rng.normal(0.3, size=300)
    res = kls.kl_test(x, y, estimator="knn", n_resamples=199, rng=1)
    ax = _rendered(res.plot())  # no counts: the null distribution
    assert _hist_total(ax) == np.isfinite(res.null_distribution).sum()
    assert _vlines_x(ax) == [pytest.approx(res.statistic)]


def test_infinite_statistic_is_reported_off_axis(plt):
    with pytest.warns(kls.InfiniteEstimateWarning):
        res = kls.g_test([5, 3, 2], [0.5, 0.5, 0.0], method="asymptotic")
    ax = _rendered(res.plot(kind="null"))
    assert "off the axis" in ax.get_legend().get_texts()[1].get_text()


def test_given_axes_are_used(plt):
    _, (a1, a2) = plt.subplots(1, 2)
    res = kls.g_test(MENDEL, RATIO)
    assert res.plot(a1) is a1
    assert res.plot(ax=a2, kind="null") is a2


def test_exact_test_has_no_null_law(plt):
    res = kls.g_test([3, 1, 0, 2], method="exact")
    with pytest.raises(ValueError, match="kind='counts'"):
        res.plot(kind="null")


def test_counts_of_a_test_without_counts(plt):
    with pytest.warns(kls.SmallSampleWarning, match="Vuong"):  # n = 4 < 100
        res = kls.vuong_test(np.array([0.1, 0.3, -0.2, 0.4]), np.zeros(4), n_params=(1, 1))
    with pytest.raises(ValueError, match="no observed and expected counts"):
        res.plot(kind="counts")


def test_bad_kind(plt):
    with pytest.raises(ValueError, match="kind"):
        kls.g_test(MENDEL, RATIO).plot(kind="residuals")


def test_bad_axes(plt):
    with pytest.raises(TypeError, match="ax"):
        kls.g_test(MENDEL, RATIO).plot(ax="left")


def test_bad_bins(plt):
    with pytest.raises(ValueError, match="bins"):
        kls.g_test(MENDEL, RATIO, method="montecarlo", n_resamples=99, rng=1).plot(bins=0)


# =========================================================================== bootstrap


P5 = [30, 20, 10, 5, 1]
REF5 = [0.3, 0.3, 0.2, 0.1, 0.1]


def test_bootstrap_distribution_with_interval(plt):
    d = kls.kl_divergence(P5, reference=REF5)
    ci = d.conf_int(method="percentile", n_resamples=999, rng=5)
    ax = _rendered(d.plot(method="percentile", n_resamples=999, rng=5))
    assert _hist_total(ax) == 999 - ci.distribution.n_infinite
    assert sorted(_vlines_x(ax)) == pytest.approx(sorted([d.estimate, ci.low, ci.high]))
    assert _span(ax) == pytest.approx((ci.low, ci.high))
    assert "95% CI (percentile)" in ax.get_legend().get_texts()[1].get_text()


def test_analytic_interval_over_the_bootstrap_distribution(plt):
    d = kls.kl_divergence(P5, reference=REF5, base=2)
    ax = _rendered(d.plot(alpha=0.1, n_resamples=499, rng=2))
    low, high = d.conf_int(0.1)  # the default (ncx2) interval
    assert sorted(_vlines_x(ax)) == pytest.approx(sorted([d.estimate, low, high]))
    assert ax.get_xlabel() == "replicate (bits)"
    assert _hist_total(ax) == 499


def test_confidence_interval_plot(plt):
    d = kls.kl_divergence(P5, [25, 25, 10, 4, 2], estimator="zhang")
    ci = d.conf_int(method="bca", n_resamples=499, rng=4)
    ax = _rendered(ci.plot(bins=15))
    assert len(ax.containers[0]) == 15


def test_knn_estimate_plots_its_subsampling_distribution(plt, gaussians):
    est = kls.kl_divergence_knn(*gaussians)
    if "subsampling" not in est.ci_methods:
        with pytest.raises(ValueError, match="subsampling"):
            est.plot(rng=1)
        return
    ci = est.conf_int(n_resamples=100, rng=6, method="subsampling")
    ax = _rendered(est.plot(n_resamples=100, rng=6, method="subsampling"))
    assert _hist_total(ax) == 100 - ci.distribution.n_infinite - ci.distribution.n_nan
    assert _span(ax) == pytest.approx((ci.low, ci.high))
    assert "subsampling" in ax.get_title()


def test_knn_wald_estimate_plots_subsampling_for_comparison(plt, gaussians):
    # the default (Wald) interval draws nothing; the histogram is the subsampling one
    est = kls.entropy_knn(gaussians[0])
    assert est.conf_int().method == "wald"
    sub = est.conf_int(n_resamples=100, rng=6, method="subsampling")
    ax = _rendered(est.plot(n_resamples=100, rng=6))
    assert _hist_total(ax) == 100 - sub.distribution.n_infinite - sub.distribution.n_nan
    assert _span(ax) == pytest.approx(tuple(est.conf_int()))


def test_confidence_interval_without_distribution(plt):
    ci = kls.kl_divergence(P5, reference=REF5).conf_int()
    with pytest.raises(ValueError, match="no resampling distribution"):
        ci.plot()


def test_estimate_without_any_distribution(plt):
    with pytest.warns(kls.SmallSampleWarning, match="Vuong"):  # n = 4 < 100
        res = kls.vuong_test(np.array([0.1, 0.3, -0.2, 0.4]), np.zeros(4), n_params=(1, 1))
    with pytest.raises(ValueError, match="cannot be bootstrapped"):
        res.effect.plot()


# =========================================================================== k-NN against k


@pytest.fixture
def gaussians():
    rng = np.random.default_rng(11)
    return rng.normal(size=(400, 2)), rng.normal(0.5, 1.0, size=(400, 2))


def test_knn_against_k_plots_the_estimates(plt, gaussians):
    x, y = gaussians
    ax = _rendered(kls.plot_knn_k(x, y, ks=[1, 3, 5], estimator="adaptive", base=2))
    expected = [kls.kl_divergence_knn(x, y, k=k, estimator="adaptive", base=2) for k in (1, 3, 5)]
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [1, 3, 5])
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [e.estimate for e in expected])
    assert ax.get_ylabel() == f"{expected[0].quantity} (bits)"


def test_knn_against_k_one_sample_entropy_and_mi(plt, gaussians):
    x, y = gaussians
    ref = stats.multivariate_normal(np.zeros(2), np.eye(2))
    ax = kls.plot_knn_k(x, reference=ref, ks=range(1, 4))
    want = [kls.kl_divergence_knn(x, reference=ref, k=k).estimate for k in (1, 2, 3)]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), want)
    ax = kls.plot_knn_k(x, ks=[2, 4], func=kls.entropy_knn)
    want = [kls.entropy_knn(x, k=k).estimate for k in (2, 4)]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), want)
    ax = kls.plot_knn_k(x[:, 0], y[:, 0], ks=[3], func=kls.mutual_information_knn)
    assert ax.lines[0].get_ydata()[0] == kls.mutual_information_knn(x[:, 0], y[:, 0], k=3).estimate


def test_knn_against_k_intervals(plt, gaussians):
    x, y = gaussians
    est = kls.kl_divergence_knn(x, y)
    if "subsampling" not in est.ci_methods:
        # until subsampling intervals exist for k-NN estimates the error is conf_int's
        with pytest.raises(ValueError, match="subsampling"):
            kls.plot_knn_k(x, y, ks=[1, 2], intervals=True, rng=1)
        return
    ax = _rendered(kls.plot_knn_k(x, y, ks=[1, 2], intervals=True, n_resamples=50, rng=1))
    assert len(ax.collections) >= 1  # the error bars


def test_knn_against_k_passes_the_axes(plt, gaussians):
    x, y = gaussians
    _, ax = plt.subplots()
    assert kls.plot_knn_k(x, y, ks=[1], ax=ax) is ax


def test_knn_k_too_large_is_the_estimators_error(plt, gaussians):
    x, y = gaussians
    with pytest.raises(ValueError, match="k"):
        kls.plot_knn_k(x[:5], y, ks=[1, 5])


def test_knn_empty_ks(plt, gaussians):
    with pytest.raises(ValueError, match="ks"):
        kls.plot_knn_k(*gaussians, ks=[])


def test_knn_ks_below_one(plt, gaussians):
    with pytest.raises(ValueError, match="ks"):
        kls.plot_knn_k(*gaussians, ks=[0, 1])


def test_knn_ks_not_integers(plt, gaussians):
    with pytest.raises(TypeError, match="ks"):
        kls.plot_knn_k(*gaussians, ks=[1.5])


def test_knn_ks_a_string(plt, gaussians):
    with pytest.raises(TypeError, match="ks"):
        kls.plot_knn_k(*gaussians, ks="123")


def test_knn_func_not_callable(plt, gaussians):
    with pytest.raises(TypeError, match="func"):
        kls.plot_knn_k(*gaussians, func="wang")


def test_knn_bad_alpha(plt, gaussians):
    with pytest.raises(ValueError, match="alpha"):
        kls.plot_knn_k(*gaussians, intervals=True, alpha=1.5)


def test_knn_inputs_untouched(plt, gaussians):
    x, y = gaussians
    x0, y0 = x.copy(), y.copy()
    kls.plot_knn_k(pd.DataFrame(x), y, ks=[1, 2], standardize=True)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)


# =========================================================================== without matplotlib


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    res = kls.g_test(MENDEL, RATIO)
    with pytest.raises(ImportError, match=r"klstats\[plot\]"):
        res.plot()
    with pytest.raises(ImportError, match=r"klstats\[plot\]"):
        kls.kl_divergence(P5, reference=REF5).plot()
    with pytest.raises(ImportError, match=r"klstats\[plot\]"):
        kls.plot_knn_k(np.arange(10.0), np.arange(10.0) + 0.5)


def test_import_does_not_load_matplotlib():
    code = (
        "import sys; sys.modules['matplotlib'] = None; import klstats; "
        "assert 'matplotlib.pyplot' not in sys.modules; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
