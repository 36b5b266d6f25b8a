"""Bias of the plug-in estimators and of their corrections.

One-sample settings are computed exactly, by enumerating every multinomial outcome; the
plug-in expectations reproduce METHODS A3 (computed there by the same enumeration,
independently of klstats). Two-sample KL and MI use a seeded Monte Carlo study, with the
assertions allowing for Monte Carlo standard errors; the plug-in bias is checked against
the first-order formulas of METHODS A3.

The simulations call the vectorised kernels behind the public estimators (thousands of
replicates in one call); ``test_kernels_are_the_public_estimators`` ties them to the
public functions.

Which corrections are expected to help: Miller-Madow, jackknife and Zhang-Grabchak remove
the O(1/n) bias everywhere. Dirichlet pseudocounts and James-Stein shrinkage pull the
frequencies towards the uniform distribution: that lowers the bias of entropy, of KL
against a uniform reference and of MI (the uniform table is independent), but shrinkage
pulls two different distributions towards each other and biases D(P||Q) downwards by more
than the plug-in's upward bias, so it is not asserted to help there.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

import klstats as kls
from klstats._kernels._counts import (
    ENTROPY_KERNELS,
    KL1_KERNELS,
    KL2_KERNELS,
    MI_KERNELS,
    h_grassberger,
)

P3 = np.array([0.5, 0.3, 0.2])
Q3 = np.array([0.2, 0.3, 0.5])
D_PQ = 0.3 * math.log(2.5)  # D(P3 || Q3) = 0.274887 (METHODS A3)


def compositions(n, k):
    """Every vector of k non-negative integer counts summing to n."""
    rows = [
        np.diff((-1, *cut, n + k - 1)) - 1
        for cut in itertools.combinations(range(n + k - 1), k - 1)
    ]
    return np.array(rows, dtype=float)


def exact_mean(kernel, n, p, **kw):
    """E[kernel(X)] for X ~ Multinomial(n, p), by full enumeration."""
    x = compositions(n, len(p))
    w = stats.multinomial(n, p).pmf(x)
    assert w.sum() == pytest.approx(1.0, abs=1e-12)
    return float(np.sum(w * kernel(x, **kw)))


def mc_bias(values, truth):
    """Monte Carlo bias and its standard error."""
    values = np.asarray(values)
    assert np.all(np.isfinite(values))
    return values.mean() - truth, values.std(ddof=1) / math.sqrt(values.size)


def assert_smaller_bias(corrected, plugin, label):
    """|bias| of a correction below the plug-in's, each allowing 3 Monte Carlo s.e."""
    (b_c, se_c), (b_p, se_p) = corrected, plugin
    assert abs(b_c) + 3 * se_c < abs(b_p) - 3 * se_p, (label, corrected, plugin)


# =========================================================================== tie to public API


def test_kernels_are_the_public_estimators():
    rng = np.random.default_rng(7)
    x = rng.multinomial(40, P3, size=3).astype(float)
    y = rng.multinomial(50, Q3, size=3).astype(float)
    t = rng.multinomial(60, np.full(6, 1 / 6), size=3).reshape(3, 3, 2).astype(float)
    for name, kernel in KL2_KERNELS.items():
        batch = kernel(x, y)
        for i in range(3):
            assert batch[i] == pytest.approx(
                kls.kl_divergence(x[i], y[i], estimator=name).estimate
            )
    for name, kernel in KL1_KERNELS.items():
        batch = kernel(x, Q3)
        for i in range(3):
            got = kls.kl_divergence(x[i], reference=Q3, estimator=name).estimate
            assert batch[i] == pytest.approx(got)
    for name, kernel in MI_KERNELS.items():
        batch = kernel(t)
        for i in range(3):
            assert batch[i] == pytest.approx(kls.mutual_information(t[i], estimator=name).estimate)
    for name in ("chao-shen", "grassberger", "zhang", "jackknife"):
        batch = ENTROPY_KERNELS[name](x)
        for i in range(3):
            assert batch[i] == pytest.approx(kls.entropy(x[i], estimator=name).estimate)


# =========================================================================== exact, one sample


@pytest.mark.parametrize(
    ("n", "p", "q", "expected"),
    [
        (10, np.full(3, 1 / 3), np.full(3, 1 / 3), 0.109979),
        (30, np.full(3, 1 / 3), np.full(3, 1 / 3), 0.034141),
        (20, np.full(4, 1 / 4), np.full(4, 1 / 4), 0.079035),
        (20, P3, Q3, 0.327424),
    ],
)
def test_exact_plugin_expectation_methods_a3(n, p, q, expected):
    got = exact_mean(KL1_KERNELS["plugin"], n, p, q=q)
    assert got == pytest.approx(expected, abs=6e-7)
    truth = stats.entropy(p, q)
    # first-order bias (K - 1)/(2n), METHODS A3
    assert got - truth == pytest.approx((len(p) - 1) / (2 * n), rel=0.15)


ALL_KL = ["miller-madow", "jackknife", "zhang", "dirichlet", "shrink"]


@pytest.mark.parametrize(
    ("p", "q", "corrections"),
    [
        # P = Q uniform(4), n = 20 (D = 0): every correction helps
        (np.full(4, 1 / 4), np.full(4, 1 / 4), ALL_KL),
        # P != Q: shrinkage towards uniform overshoots (see the module docstring)
        (P3, Q3, ALL_KL[:-1]),
    ],
    ids=["uniform4", "p-vs-q"],
)
def test_one_sample_kl_corrections_reduce_exact_bias(p, q, corrections):
    n = 20
    truth = stats.entropy(p, q)
    plugin = exact_mean(KL1_KERNELS["plugin"], n, p, q=q) - truth
    assert plugin > 0.05
    for name in corrections:
        bias = exact_mean(KL1_KERNELS[name], n, p, q=q) - truth
        assert abs(bias) < abs(plugin), (name, bias, plugin)
    # the O(1/n) corrections leave less than a tenth of it
    for name in ("miller-madow", "jackknife", "zhang"):
        bias = exact_mean(KL1_KERNELS[name], n, p, q=q) - truth
        assert abs(bias) < 0.1 * plugin, (name, bias)


@pytest.mark.parametrize("p", [np.full(4, 1 / 4), P3], ids=["uniform4", "p3"])
def test_entropy_corrections_reduce_exact_bias(p):
    n = 20
    truth = stats.entropy(p)
    plugin = exact_mean(ENTROPY_KERNELS["plugin"], n, p) - truth
    assert plugin < -0.05  # the plug-in entropy is biased downwards
    kernels = {name: ENTROPY_KERNELS[name] for name in ENTROPY_KERNELS if name != "nsb"}
    kernels["grassberger-1988"] = lambda x: h_grassberger(x, variant="1988")
    for name, kernel in kernels.items():
        if name == "plugin":
            continue
        bias = exact_mean(kernel, n, p) - truth
        assert abs(bias) < abs(plugin), (name, bias, plugin)


# =========================================================================== Monte Carlo


def test_two_sample_kl_corrections_reduce_bias():
    # METHODS A3: p = (.5,.3,.2), q = (.2,.3,.5), n = m = 200; plug-in bias 0.01238
    # (+/- 0.00012) by simulation, first-order formula 0.01225
    rng = np.random.default_rng(99)
    reps, n = 40_000, 200
    x = rng.multinomial(n, P3, size=reps).astype(float)
    y = rng.multinomial(n, Q3, size=reps).astype(float)
    plugin = mc_bias(KL2_KERNELS["plugin"](x, y), D_PQ)
    formula = (3 - 1) / (2 * n) + (np.sum(P3 / Q3) - 1) / (2 * n)
    assert formula == pytest.approx(0.01225, abs=5e-6)
    assert abs(plugin[0] - formula) < 4 * plugin[1] + 5e-4  # + room for O(1/n^2) terms
    assert abs(plugin[0] - 0.01238) < 4 * math.hypot(plugin[1], 0.00012)
    for name in ("miller-madow", "jackknife", "zhang", "dirichlet"):
        assert_smaller_bias(mc_bias(KL2_KERNELS[name](x, y), D_PQ), plugin, name)


def test_mutual_information_corrections_reduce_bias():
    # METHODS A3: 3x2 table, N = 300, independence; bias (r-1)(c-1)/(2N) = 0.00333
    rng = np.random.default_rng(99)
    reps, n = 20_000, 300
    joint = np.outer(P3, [0.6, 0.4]).ravel()
    t = rng.multinomial(n, joint, size=reps).reshape(reps, 3, 2).astype(float)
    plugin = mc_bias(MI_KERNELS["plugin"](t), 0.0)
    assert abs(plugin[0] - 2 / (2 * n)) < 4 * plugin[1] + 1e-4
    for name in ("miller-madow", "jackknife", "zhang", "shrink"):
        assert_smaller_bias(mc_bias(MI_KERNELS[name](t), 0.0), plugin, name)


# =========================================================================== slow: n grows


@pytest.mark.slow
def test_bias_shrinks_with_n_exact_one_sample():
    truth = stats.entropy(P3, Q3)
    previous = {}
    for n in (10, 30, 90, 270):
        plugin = exact_mean(KL1_KERNELS["plugin"], n, P3, q=Q3) - truth
        # n * bias -> (K - 1)/2 = 1
        assert n * plugin == pytest.approx(1.0, rel=0.6 if n == 10 else 0.15)
        biases = {"plugin": plugin}
        for name in ("miller-madow", "jackknife", "zhang", "dirichlet"):
            biases[name] = exact_mean(KL1_KERNELS[name], n, P3, q=Q3) - truth
            assert abs(biases[name]) < abs(plugin), (n, name)
        for name, bias in biases.items():
            if name in previous:
                assert abs(bias) < abs(previous[name]), (n, name)
        previous = biases


@pytest.mark.slow
def test_bias_shrinks_with_n_two_sample():
    rng = np.random.default_rng(2026)
    reps = 200_000
    previous = None
    for n in (100, 400, 1600):
        x = rng.multinomial(n, P3, size=reps).astype(float)
        y = rng.multinomial(n, Q3, size=reps).astype(float)
        plugin = mc_bias(KL2_KERNELS["plugin"](x, y), D_PQ)
        formula = (3 - 1) / (2 * n) + (np.sum(P3 / Q3) - 1) / (2 * n)
        assert abs(plugin[0] - formula) < 4 * plugin[1] + 0.1 * formula
        if previous is not None:
            assert plugin[0] + 3 * plugin[1] < previous[0] - 3 * previous[1]
        for name in ("miller-madow", "jackknife", "zhang", "dirichlet"):
            assert_smaller_bias(mc_bias(KL2_KERNELS[name](x, y), D_PQ), plugin, (n, name))
        previous = plugin
