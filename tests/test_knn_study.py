"""The k-NN validation study (validation/knn_study.py): its truths against scipy and
closed forms, and its quick mode (the full mode writes validation/results/knn_*)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from validation import knn_study as ks


@pytest.mark.parametrize("d", [1, 3, 5])
def test_truths_against_closed_forms_and_scipy(d):
    assert ks.PAIRS["gauss"].kl(d) == pytest.approx(ks.gauss_kl(d), rel=1e-8)
    assert ks.gauss_kl(5) == pytest.approx(0.59700, abs=5e-6)
    h_gauss = 0.5 * d * math.log(2 * math.pi * math.e)
    assert ks.PAIRS["gauss"].entropy(d) == pytest.approx(h_gauss, rel=1e-8)
    assert ks.PAIRS["t5"].entropy(d) == pytest.approx(d * stats.t(5).entropy(), rel=1e-7)
    assert ks.PAIRS["beta"].entropy(d) == pytest.approx(d * stats.beta(2, 2).entropy(), rel=1e-7)


def test_mixture_draws_match_its_density():
    mix = ks._Mixture()
    x = mix.rvs((20000, 1), np.random.default_rng(1))[:, 0]
    grid = np.linspace(-3, 3, 7)
    dens = np.exp(mix.logpdf(grid))
    hist, edges = np.histogram(x, bins=60, range=(-3, 3), density=True)
    centres = (edges[:-1] + edges[1:]) / 2
    assert np.interp(grid, centres, hist) == pytest.approx(dens, abs=0.03)


def test_quick_mode_runs():
    cov = ks.coverage(False, reps=6)
    assert set(cov["quantity"]) == {"KL", "entropy", "MI"}
    assert cov["coverage"].between(0, 1).all() and (cov["method"] == "wald").all()
    bias = ks.bias(False)
    assert np.isfinite(bias["bias"]).all()
    assert set(bias["estimator"]) >= {"default (weighted)", "wang k=1"}


def test_coverage_checkpoint_recomputes_cells_with_fewer_replications(tmp_path):
    ck = tmp_path / "cov.csv"
    first = ks.coverage(False, reps=3, checkpoint=ck, quantities=("entropy",))
    assert list(first["quantity"]) == ["entropy"] and list(first["R"]) == [3]
    # same or fewer replications asked: kept; more: recomputed on the same seed stream
    # and the row replaced in place
    assert ks.coverage(False, reps=2, checkpoint=ck, quantities=("entropy",)).equals(first)
    again = ks.coverage(False, reps=5, checkpoint=ck, quantities=("entropy", "KL"))
    entropy = again[again["quantity"] == "entropy"]
    assert len(entropy) == 1 and int(entropy["R"].iloc[0]) == 5
    assert again.index[again["quantity"] == "entropy"][0] == 0
    assert set(again["quantity"]) == {"entropy", "KL"}


def test_bias_checkpoint_redoes_cells_with_fewer_samples(tmp_path):
    ck = tmp_path / "bias.csv"
    first = ks.bias(True, reps_small=3, dims=(1,), ns=(500,), checkpoint=ck)
    assert (first["R"] == 3).all() and len(first) == 4 * 7  # 4 pairs, 7 estimators
    kept = ks.bias(True, reps_small=5, dims=(1,), ns=(500,), checkpoint=ck)
    assert (kept["R"] == 3).all()
    redone = ks.bias(True, reps_small=5, dims=(1,), ns=(500,), checkpoint=ck, redo_fewer=True)
    assert (redone["R"] == 5).all() and len(redone) == 4 * 7


def test_d1_candidate_rule():
    from klstats._kernels._knn_weights import default_k
    from validation.knn_d1_k import candidate_k

    assert [candidate_k(n, 1) for n in (500, 1000, 4000, 10**6)] == [22, 32, 63, 64]
    assert candidate_k(1000, 1, 999) == 32 and candidate_k(10, 1) == 3
    for d in (2, 3, 5):
        assert candidate_k(1000, d) == default_k(1000, d)
    assert candidate_k(200, 1, use="test") == default_k(200, 1, use="test")


def test_coverage_cells_selects_by_dimension_and_size():
    from validation import knn_coverage_cells as kc

    changed = kc.select(kc.EDGE + kc.EDGE2, {3, 4, 5}, {1000})
    assert changed == [
        ("t5", 3, 1000),
        ("t5", 5, 1000),
        ("beta", 5, 1000),
        ("t1", 3, 1000),
        ("t2", 3, 1000),
        ("beta", 3, 1000),
    ]
    assert kc.select(kc.EDGE, None, None) == kc.EDGE
    assert kc.select(kc.EDGE2, {20}, None) == [("gauss", 20, 1000), ("gauss", 20, 300)]
