"""The routes compared in validation/knn_routes.py (Moon et al. 2018 ensembles,
Delattre & Fournier 2017 Richardson extrapolation): the plain order-k formulas against
the package, the weights against the papers' constraints, the estimates against closed
forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

import klstats as kls
from validation import knn_routes as kr


@pytest.mark.parametrize("d", [1, 3])
def test_plain_orders_equal_the_package(d):
    g = np.random.default_rng(11)
    x = g.normal(size=(300, d))
    y = 0.5 + g.normal(size=(250, d))
    lr, ln = kr.knn_log_distances(x, y, 6)
    wang = kr.wang_orders(lr, ln, d, 300, 250)
    ent = kr.kl_entropy_orders(lr, d, 300)
    for k in (1, 5):
        ref = kls.kl_divergence_knn(x, y, estimator="wang", k=k).estimate
        assert wang[k - 1] == pytest.approx(ref, abs=1e-10)
        ref = kls.entropy_knn(x, estimator="kozachenko-leonenko", k=k).estimate
        assert ent[k - 1] == pytest.approx(ref, abs=1e-10)


@pytest.mark.parametrize("n", [4000])
@pytest.mark.parametrize("d", [1, 3, 5])
@pytest.mark.parametrize("low", [2.0, 0.1])
def test_moon_weights_satisfy_the_program(n, d, low):
    ks = kr.ensemble_orders(n, low)
    lparam = (ks / math.sqrt(n)) ** (1.0 / d)
    w, eps = kr.moon_weights(lparam, d, n)
    assert w.sum() == pytest.approx(1.0, abs=1e-10)
    assert kr.moon_constraints(w, lparam, d, n).max() <= eps * (1 + 1e-6)
    assert np.linalg.norm(w) <= eps * (1 + 1e-6)
    # no worse than two feasible points: equal weights, and the minimum-norm weights
    # that set every bias term to zero
    a = np.vstack([lparam**i for i in range(1, d + 1)])
    for v in (np.full(ks.size, 1 / ks.size), _min_norm(np.vstack([np.ones(ks.size), a]))):
        feasible_eps = max(kr.moon_constraints(v, lparam, d, n).max(), np.linalg.norm(v))
        assert eps <= feasible_eps * (1 + 1e-6)


def _min_norm(g):
    rhs = np.zeros(g.shape[0])
    rhs[0] = 1.0
    return np.linalg.lstsq(g, rhs, rcond=None)[0]


def test_moon_weights_optimal_in_one_dimension():
    # d = 1: for each value c of the one bias term the least norm is
    # sqrt(b' (G G')^-1 b), b = (1, c / s); minimise max(|c|, that) over a fine grid of c
    n, d = 1000, 1
    ks = kr.ensemble_orders(n, 0.1)
    lparam = ks / math.sqrt(n)
    _, eps = kr.moon_weights(lparam, d, n)
    s = n ** (0.5 - 0.5)
    gram = np.linalg.inv(
        np.vstack([np.ones(ks.size), lparam]) @ np.vstack([np.ones(ks.size), lparam]).T
    )
    cs = np.linspace(-2, 2, 400001)
    b = np.vstack([np.ones_like(cs), cs / s])
    norms = np.sqrt(np.einsum("ic,ij,jc->c", b, gram, b))
    assert eps == pytest.approx(np.maximum(np.abs(cs), norms).min(), rel=1e-4)


@pytest.mark.parametrize("d", [1, 2, 3, 5])
@pytest.mark.parametrize("L", [1, 2, 3])
def test_richardson_removes_the_first_terms(d, L):
    lam = kr.richardson_coefficients(d, L)
    t = 2.0 ** (2.0 * np.arange(L + 1) / d)
    assert lam.sum() == pytest.approx(1.0, abs=1e-12)
    for ell in range(1, L + 1):
        assert lam @ t**ell == pytest.approx(0.0, abs=1e-9)
    # an "estimator" whose bias is c_1 N^(-2/d) + ... + c_L N^(-2L/d): extrapolated away
    truth, c = 1.7, [0.9, -2.0, 3.0][:L]

    def biased(xb, yb):
        size = len(xb)
        return truth + sum(cl * size ** (-2.0 * (i + 1) / d) for i, cl in enumerate(c))

    x = np.zeros((64, d))
    a = kr.block_means(biased, x, x, L)
    assert lam @ a == pytest.approx(truth, abs=1e-12)
    assert abs(a[0] - truth) > 1e-4  # the plain estimate is biased


def test_routes_recover_gaussian_closed_forms():
    # d = 1, n = m = 500, 30 data sets: every route's mean within 4 Monte Carlo s.e.
    # of the closed forms (KL 0.11940 nats; entropy 1.41894 nats)
    d, n, reps = 1, 500, 30
    truth = {"KL": kr.PAIRS["gauss"].kl(d), "entropy": kr.PAIRS["gauss"].entropy(d)}
    assert truth["KL"] == pytest.approx(0.5 * (1 / 1.5 + 0.25 / 1.5 - 1 + math.log(1.5)), rel=1e-8)
    g = np.random.default_rng(2026)
    est = {c: [] for c in kr.COLUMNS}
    for _ in range(reps):
        x = g.normal(size=(n, d))
        y = 0.5 + math.sqrt(1.5) * g.normal(size=(n, d))
        for c, v in kr.estimates(x, y, endive=True).items():
            est[c].append(v)
    for c, v in est.items():
        v = np.array(v)
        se = v.std(ddof=1) / math.sqrt(reps)
        assert abs(v.mean() - truth[c.split("|")[0]]) < 4 * se, c


def test_quick_run_summary_and_table():
    per_seed = kr.run(("gauss",), (2,), (300,), 4, 300)
    table = kr.summarise(per_seed)
    assert set(table["route"]) >= {"package default", "EnDive KDE (Moon)", "Richardson k=5 L=2"}
    assert (table["R"] == 4).all() and np.isfinite(table["rmse"]).all()
    # the default's difference from itself is zero
    default = table[table["route"] == "package default"]
    assert (default["rmse - default"].abs() < 1e-12).all()
    assert "## KL: RMSE" in kr.markdown(table)


def test_refresh_default_recomputes_the_same_samples():
    per_seed = kr.run(("gauss",), (1,), (300,), 2, 0)
    spoiled = per_seed.copy()
    spoiled["KL|package default"] = 0.0
    spoiled["entropy|package default"] = 0.0
    fresh = kr.refresh_default(spoiled, {1}, {300})
    for c in ("KL|package default", "entropy|package default"):
        assert fresh[c].to_numpy() == pytest.approx(per_seed[c].to_numpy(), abs=1e-12)
    assert (kr.refresh_default(spoiled, {3}, {300})["KL|package default"] == 0).all()
    # --ns or --dims left out: every n or d
    fresh = kr.refresh_default(spoiled, {1})
    assert fresh["KL|package default"].to_numpy() == pytest.approx(
        per_seed["KL|package default"].to_numpy(), abs=1e-12
    )
