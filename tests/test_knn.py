"""k-NN estimators: kl_divergence_knn, entropy_knn, mutual_information_knn.

External references: R's FNN (tests/reference/fnn.R, values to ~1e-14), closed-form
divergences, entropies and mutual informations (with tolerances of 4 Monte Carlo
standard errors, the standard deviation simulated over seeded replications in the test
itself), hand-computed anchors (METHODS B3, kldest's unit tests) and O(n^2) reference
implementations written here from the published definitions.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

import klstats as kls
from klstats import DegenerateDataWarning, InfiniteEstimateWarning

REF = Path(__file__).parent / "reference"


# =========================================================================== helpers


def _fnn():
    samples = pd.read_csv(REF / "fnn_samples.csv", comment="#")
    values = pd.read_csv(REF / "fnn_values.csv", comment="#")
    arrays = {
        name: g.pivot(index="i", columns="j", values="value").to_numpy()
        for name, g in samples.groupby("sample")
    }
    return arrays, values


FNN_SAMPLES, FNN_VALUES = _fnn()


def _fnn_rows(quantity):
    rows = FNN_VALUES[FNN_VALUES["quantity"] == quantity]
    return [(r.case, int(r.k), float(r.value)) for r in rows.itertuples()]


def _pairwise(a, b, p=2.0):
    diff = a[:, None, :] - b[None, :, :]
    if p == 2.0:
        return np.sqrt((diff**2).sum(-1))
    return np.abs(diff).max(-1)


def ref_wang(x, y, k):
    """Wang et al. (2009) eq. 5 from the definition, O(n m)."""
    n, d = x.shape
    dxx = _pairwise(x, x)
    np.fill_diagonal(dxx, np.inf)
    rho = np.sort(dxx, axis=1)[:, k - 1]
    nu = np.sort(_pairwise(x, y), axis=1)[:, k - 1]
    return d * np.mean(np.log(nu / rho)) + math.log(y.shape[0] / (n - 1))


def ref_adaptive(x, y, k=1):
    """Wang et al. (2009) eq. 17 with the adaptive l_i, k_i of eq. 29 (no cap), O(n m)."""
    n, d = x.shape
    m = y.shape[0]
    dxx = _pairwise(x, x)
    np.fill_diagonal(dxx, np.inf)
    dxy = _pairwise(x, y)
    logs, psis = 0.0, 0.0
    for i in range(n):
        sx, sy = np.sort(dxx[i]), np.sort(dxy[i])
        eps = max(sx[k - 1], sy[k - 1])
        li, ki = int((dxx[i] <= eps).sum()), int((dxy[i] <= eps).sum())
        logs += math.log(sy[ki - 1] / sx[li - 1])
        psis += special.digamma(li) - special.digamma(ki)
    return d * logs / n + psis / n + math.log(m / (n - 1))


def ref_ksg(x, y, k, variant):
    """Kraskov et al. (2004) algorithms 1 and 2 with the max-norm, O(n^2)."""
    n = x.shape[0]
    dx, dy = _pairwise(x, x, np.inf), _pairwise(y, y, np.inf)
    dz = np.maximum(dx, dy)
    np.fill_diagonal(dz, np.inf)
    acc = 0.0
    for i in range(n):
        nb = np.argsort(dz[i], kind="stable")[:k]
        eps = dz[i, nb].max()
        if variant == 1:
            nx, ny = (dx[i] < eps).sum() - 1, (dy[i] < eps).sum() - 1
            acc += special.digamma(nx + 1) + special.digamma(ny + 1)
        else:
            nx = (dx[i] <= dx[i, nb].max()).sum() - 1
            ny = (dy[i] <= dy[i, nb].max()).sum() - 1
            acc += special.digamma(nx) + special.digamma(ny)
    if variant == 1:
        return special.digamma(k) + special.digamma(n) - acc / n
    return special.digamma(k) - 1 / k + special.digamma(n) - acc / n


def kl_gauss(m1, s1, m2, s2):
    """Closed form KL(N(m1, s1) || N(m2, s2)) (METHODS E)."""
    m1, m2 = np.atleast_1d(m1).astype(float), np.atleast_1d(m2).astype(float)
    s1, s2 = np.atleast_2d(s1).astype(float), np.atleast_2d(s2).astype(float)
    s2i = np.linalg.inv(s2)
    dm = m2 - m1
    return 0.5 * (
        np.trace(s2i @ s1)
        + dm @ s2i @ dm
        - len(m1)
        + math.log(np.linalg.det(s2) / np.linalg.det(s1))
    )


def simulate(estimate, draw, reps, seed):
    """Estimates over ``reps`` seeded replications: (mean, Monte Carlo standard error)."""
    values = np.array(
        [
            estimate(*draw(np.random.default_rng(s)))
            for s in np.random.SeedSequence(seed).spawn(reps)
        ]
    )
    return values.mean(), values.std(ddof=1) / math.sqrt(reps)


def assert_close_to_truth(estimate, draw, truth, reps=40, seed=2024):
    mean, se = simulate(estimate, draw, reps, seed)
    assert abs(mean - truth) < 4 * se, f"mean {mean:.4f}, truth {truth:.4f}, se {se:.4f}"


# =========================================================================== R's FNN


@pytest.mark.parametrize("case,k,value", _fnn_rows("fnn_kl_divergence"))
@pytest.mark.parametrize("algorithm", ["kd-tree", "brute"])
def test_wang_matches_fnn(case, k, value, algorithm):
    a, b = case.split("|")
    x, y = FNN_SAMPLES[a], FNN_SAMPLES[b]
    n = x.shape[0]
    d = kls.kl_divergence_knn(x, y, k=k, algorithm=algorithm, estimator="wang")
    # FNN's KL.divergence uses log(m/n) where Wang et al. use log(m/(n-1))
    assert d.estimate == pytest.approx(value + math.log(n / (n - 1)), abs=1e-12)


@pytest.mark.parametrize("case,k,value", _fnn_rows("fnn_entropy"))
@pytest.mark.parametrize("algorithm", ["kd-tree", "brute"])
def test_entropy_matches_fnn(case, k, value, algorithm):
    h = kls.entropy_knn(
        FNN_SAMPLES[case], k=k, algorithm=algorithm, estimator="kozachenko-leonenko"
    )
    assert h.estimate == pytest.approx(value, abs=1e-12)


@pytest.mark.parametrize("case,k,value", _fnn_rows("fnn_mutinfo"))
def test_ksg1_matches_fnn_mutinfo(case, k, value):
    a, b = case.split(";")
    mi = kls.mutual_information_knn(FNN_SAMPLES[a], FNN_SAMPLES[b], k=k, estimator="ksg1")
    assert mi.estimate == pytest.approx(value, abs=1e-12)


@pytest.mark.parametrize("case,k,value", _fnn_rows("one_sample_kl"))
def test_one_sample_matches_fnn_entropy_form(case, k, value):
    if case == "x1|normal":
        x, ref = FNN_SAMPLES["x1"], stats.norm(0.5, 1.2)
    else:
        x, ref = FNN_SAMPLES["x3"], stats.multivariate_normal(np.zeros(3), np.diag([1, 4, 0.25]))
    got = kls.kl_divergence_knn(x, reference=ref, k=k, estimator="wang").estimate
    assert got == pytest.approx(value, abs=1e-12)


# =========================================================================== exact anchors


def test_wang_anchor_zero():
    # kldest unit test (METHODS B3): X = (1, 2), Y = (1.5, 2.5), k = 1 -> 0
    d = kls.kl_divergence_knn([1.0, 2.0], [1.5, 2.5], estimator="wang")
    assert d.estimate == pytest.approx(0, abs=1e-15)


def test_wang_anchor_minus_log2():
    # X = (1, 2, 4), Y = (1.5, 3): rho = (1, 1, 2), nu = (0.5, 0.5, 1) -> -log 2
    d = kls.kl_divergence_knn([1.0, 2.0, 4.0], [1.5, 3.0], estimator="wang")
    assert d.estimate == pytest.approx(-math.log(2), abs=1e-15)


def test_adaptive_anchor():
    # X = (1, 2), Y = (1.5, 2.5), k = 1. x=1: eps = max(1, 0.5) = 1, l = 1, k_i = 1,
    # log(0.5/1); x=2: eps = 1, l = 1, k_i = 2 (both y at 0.5), log(0.5/1) and
    # psi(1) - psi(2) = -1. D = -log 2 - 1/2 + log(2/1) = -1/2.
    d = kls.kl_divergence_knn([1.0, 2.0], [1.5, 2.5], estimator="adaptive")
    assert d.estimate == pytest.approx(-0.5, abs=1e-14)


def test_entropy_anchor():
    # x = (0, 1, 3), k = 1: rho = (1, 1, 2), V_1 = 2
    h = kls.entropy_knn([0.0, 1.0, 3.0], k=1)
    truth = special.digamma(3) - special.digamma(1) + math.log(2) + math.log(2) / 3
    assert h.estimate == pytest.approx(truth, abs=1e-14)


def test_one_sample_anchor():
    # x = (0, 1, 3), Q = N(0, 1), k = 1: log p_hat = psi(1) - log 2 - log 2 - log rho
    x = np.array([0.0, 1.0, 3.0])
    log_p = special.digamma(1) - 2 * math.log(2) - np.log([1.0, 1.0, 2.0])
    log_q = -0.5 * math.log(2 * math.pi) - x**2 / 2
    d = kls.kl_divergence_knn(x, reference=stats.norm(), k=1, estimator="wang")
    assert d.estimate == pytest.approx(np.mean(log_p - log_q), abs=1e-14)


# =========================================================================== O(n^2) references


@pytest.mark.parametrize("d,k", [(1, 1), (2, 1), (3, 2), (2, 4)])
def test_adaptive_matches_definition(d, k):
    rng = np.random.default_rng(10 + d + k)
    x = rng.normal(size=(150, d))
    y = rng.normal(0.7, 1.5, size=(110, d))
    got = kls.kl_divergence_knn(x, y, k=k, estimator="adaptive", max_k=None)
    assert got.estimate == pytest.approx(ref_adaptive(x, y, k), abs=1e-12)


def test_adaptive_separated_samples_use_large_counts():
    # points of x far from y have many x-neighbours inside eps: exercises the grouped
    # rank queries (ranks up to ~n)
    rng = np.random.default_rng(5)
    x = rng.normal(size=(200, 2))
    y = rng.normal(4.0, 1.0, size=(150, 2))
    got = kls.kl_divergence_knn(x, y, estimator="adaptive", max_k=None)
    assert got.estimate == pytest.approx(ref_adaptive(x, y), abs=1e-12)


def test_adaptive_cap_is_reported():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(300, 1))
    y = rng.normal(5.0, 1.0, size=(300, 1))
    d = kls.kl_divergence_knn(x, y, estimator="adaptive", max_k=5)
    assert math.isfinite(d.estimate)
    assert any("capped at max_k=5" in note for note in d.notes)


@pytest.mark.parametrize("variant", [1, 2])
@pytest.mark.parametrize("dx,dy,k", [(1, 1, 1), (1, 1, 3), (2, 1, 4), (2, 3, 2)])
def test_ksg_matches_definition(variant, dx, dy, k):
    rng = np.random.default_rng(100 * dx + 10 * dy + k)
    x = rng.normal(size=(160, dx))
    y = 0.5 * x[:, :1] + rng.normal(size=(160, dy))
    got = kls.mutual_information_knn(x, y, k=k, estimator=f"ksg{variant}")
    assert got.estimate == pytest.approx(ref_ksg(x, y, k, variant), abs=1e-12)


def test_wang_brute_force_high_dimension_matches_definition():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(120, 30))
    y = rng.normal(0.1, 1.1, size=(90, 30))
    for algorithm in ("brute", "kd-tree", "auto"):
        got = kls.kl_divergence_knn(x, y, k=3, algorithm=algorithm, estimator="wang")
        assert got.estimate == pytest.approx(ref_wang(x, y, 3), abs=1e-10)
    assert kls.kl_divergence_knn(x, y).options["algorithm"] == "brute"


def test_large_sample_chunks_match_definition():
    # more points than one query chunk (2^13): chunking and leaf ordering are exercised
    rng = np.random.default_rng(9)
    x, y = rng.normal(size=(40000, 2)), rng.normal(0.3, 1.0, size=(30000, 2))
    sub = slice(0, 40000)
    got = kls.kl_divergence_knn(x[sub], y, k=2, estimator="wang").estimate
    # reference from scipy's KD-tree without klstats' chunking/ordering
    from scipy.spatial import KDTree

    rho = KDTree(x).query(x, k=[3])[0][:, 0]
    nu = KDTree(y).query(x, k=[2])[0][:, 0]
    truth = 2 * np.mean(np.log(nu / rho)) + math.log(30000 / 39999)
    assert got == pytest.approx(truth, abs=1e-12)


# =========================================================================== closed forms


def _wang(k, estimator="wang"):
    return lambda x, y: kls.kl_divergence_knn(x, y, k=k, estimator=estimator).estimate


N = 2000


@pytest.mark.parametrize("estimator", ["wang", "adaptive"])
@pytest.mark.parametrize("k", [1, 5])
def test_gaussian_1d_shift(estimator, k):
    draw = lambda r: (r.normal(size=N), r.normal(1.0, 1.0, size=N))  # noqa: E731
    assert_close_to_truth(_wang(k, estimator), draw, kl_gauss(0, 1, 1, 1))


@pytest.mark.parametrize("estimator", ["wang", "adaptive"])
def test_gaussian_1d_scale_and_shift(estimator):
    # METHODS E: N(0,1) || N(5, 25) = 1.629438
    draw = lambda r: (r.normal(size=N), r.normal(5.0, 5.0, size=N))  # noqa: E731
    truth = kl_gauss(0, 1, 5, 25)
    assert truth == pytest.approx(1.629438, abs=1e-6)
    assert_close_to_truth(_wang(1, estimator), draw, truth)


@pytest.mark.parametrize("estimator", ["wang", "adaptive"])
def test_gaussian_2d_shift(estimator):
    mu = np.array([1.0, 0.5])
    draw = lambda r: (r.normal(size=(N, 2)), mu + r.normal(size=(N, 2)))  # noqa: E731
    assert_close_to_truth(_wang(1, estimator), draw, kl_gauss([0, 0], np.eye(2), mu, np.eye(2)))


@pytest.mark.parametrize("k", [1, 2])
def test_gaussian_5d(k):
    mu, sd = np.array([0.5, 0, 0, 0, 0]), np.sqrt([1.5, 1, 1, 1, 1])
    draw = lambda r: (r.normal(size=(N, 5)), mu + sd * r.normal(size=(N, 5)))  # noqa: E731
    truth = kl_gauss(np.zeros(5), np.eye(5), mu, np.diag(sd**2))
    assert_close_to_truth(_wang(k), draw, truth)


@pytest.mark.parametrize("estimator", ["wang", "adaptive"])
def test_uniform_pair(estimator):
    # D(U(0,1) || U(0,2)) = log 2
    draw = lambda r: (r.uniform(size=N), r.uniform(0, 2, size=N))  # noqa: E731
    assert_close_to_truth(_wang(1, estimator), draw, math.log(2))


@pytest.mark.parametrize("estimator", ["wang", "adaptive"])
def test_exponential_pair(estimator):
    # D(Exp(rate 1) || Exp(rate 1/2)) = log(l1/l2) + l2/l1 - 1
    draw = lambda r: (r.exponential(1.0, size=N), r.exponential(2.0, size=N))  # noqa: E731
    assert_close_to_truth(_wang(1, estimator), draw, math.log(2) + 0.5 - 1)


def test_identical_distributions_near_zero():
    draw = lambda r: (r.normal(size=(N, 3)), r.normal(size=(N, 3)))  # noqa: E731
    assert_close_to_truth(_wang(3), draw, 0.0)


@pytest.mark.parametrize(
    "draw_x,reference,truth",
    [
        (lambda r: r.normal(size=N), stats.norm(1.0, 1.0), 0.5),
        (lambda r: r.exponential(1.0, size=N), stats.expon(scale=2.0), math.log(2) - 0.5),
        (
            lambda r: r.normal(size=(N, 2)),
            stats.multivariate_normal([1.0, 0.0], np.diag([2.0, 1.0])),
            kl_gauss([0, 0], np.eye(2), [1, 0], np.diag([2.0, 1.0])),
        ),
    ],
)
def test_one_sample_closed_forms(draw_x, reference, truth):
    def est(x):
        return kls.kl_divergence_knn(x, reference=reference, k=3).estimate

    assert_close_to_truth(est, lambda r: (draw_x(r),), truth)


@pytest.mark.parametrize(
    "draw,truth",
    [
        (lambda r: r.normal(size=N), 0.5 * math.log(2 * math.pi * math.e)),
        (lambda r: r.uniform(size=N), 0.0),
        (lambda r: r.exponential(0.5, size=N), 1 - math.log(2)),
        (
            lambda r: r.normal(size=(N, 2)) * [1.0, 3.0],
            0.5 * math.log((2 * math.pi * math.e) ** 2 * 9.0),
        ),
    ],
)
def test_entropy_closed_forms(draw, truth):
    def est(x):
        return kls.entropy_knn(x, k=3).estimate

    assert_close_to_truth(est, lambda r: (draw(r),), truth)


@pytest.mark.parametrize("estimator", ["ksg1", "ksg2"])
@pytest.mark.parametrize("r", [0.0, 0.5, 0.9])
def test_ksg_bivariate_normal(estimator, r):
    def draw(g):
        x = g.normal(size=N)
        return x, r * x + math.sqrt(1 - r * r) * g.normal(size=N)

    def est(x, y):
        return kls.mutual_information_knn(x, y, k=3, estimator=estimator).estimate

    assert_close_to_truth(est, draw, -0.5 * math.log(1 - r * r))


def test_ksg_not_clipped_at_zero():
    rng = np.random.default_rng(4)
    values = [
        kls.mutual_information_knn(rng.normal(size=300), rng.normal(size=300)).estimate
        for _ in range(10)
    ]
    assert min(values) < 0


# =========================================================================== properties


def test_invariant_under_rigid_motion_and_common_scale():
    rng = np.random.default_rng(12)
    x, y = rng.normal(size=(400, 3)), rng.normal(0.5, 1.0, size=(300, 3))
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    shift = np.array([3.0, -1.0, 2.0])
    base = kls.kl_divergence_knn(x, y, k=2).estimate
    moved = kls.kl_divergence_knn(2.5 * x @ q + shift, 2.5 * y @ q + shift, k=2).estimate
    assert moved == pytest.approx(base, abs=1e-10)


def test_standardize_is_one_pooled_map():
    rng = np.random.default_rng(13)
    x = rng.normal(size=(300, 2)) * [1.0, 50.0]
    y = rng.normal(size=(200, 2)) * [1.5, 60.0]
    sd = np.concatenate((x, y)).std(axis=0)
    manual = kls.kl_divergence_knn(x / sd, y / sd).estimate
    assert kls.kl_divergence_knn(x, y, standardize=True).estimate == pytest.approx(manual)
    assert kls.kl_divergence_knn(x, y, standardize="scale").options["standardize"] == "scale"
    white = kls.kl_divergence_knn(x, y, standardize="whiten").estimate
    assert math.isfinite(white)


def test_entropy_standardize_adds_log_jacobian():
    rng = np.random.default_rng(14)
    x = rng.normal(size=(500, 2)) * [1.0, 30.0]
    sd = x.std(axis=0)
    manual = kls.entropy_knn(x / sd).estimate + np.log(sd).sum()
    assert kls.entropy_knn(x, standardize=True).estimate == pytest.approx(manual)


def test_one_sample_standardize_keeps_reference():
    rng = np.random.default_rng(15)
    x = rng.normal(size=(500, 2)) * [1.0, 30.0]
    ref = stats.multivariate_normal([0, 0], np.diag([1.0, 900.0]))
    sd = x.std(axis=0)
    # k-NN density of x = density of z = x / sd divided by prod(sd)
    rho = np.sort(_pairwise(x / sd, x / sd), axis=1)[:, 1]
    log_p = special.digamma(1) - math.log(499) - math.log(math.pi) - 2 * np.log(rho)
    manual = np.mean(log_p - np.log(sd).sum() - ref.logpdf(x))
    got = kls.kl_divergence_knn(x, reference=ref, standardize=True, estimator="wang").estimate
    assert got == pytest.approx(manual, abs=1e-12)


def test_units_base():
    rng = np.random.default_rng(16)
    x, y = rng.normal(size=300), rng.normal(1, 1, size=300)
    nats = kls.kl_divergence_knn(x, y).estimate
    bits = kls.kl_divergence_knn(x, y, base=2)
    assert bits.units == "bits"
    assert bits.estimate == pytest.approx(nats / math.log(2))


def test_dataframe_and_series_input():
    rng = np.random.default_rng(17)
    df_x = pd.DataFrame(rng.normal(size=(200, 2)), columns=["a", "b"])
    df_y = pd.DataFrame(rng.normal(size=(150, 2)), columns=["a", "b"])
    assert kls.kl_divergence_knn(df_x, df_y).estimate == pytest.approx(
        kls.kl_divergence_knn(df_x.to_numpy(), df_y.to_numpy()).estimate
    )
    h = kls.entropy_knn(df_x["a"])
    assert h.estimate == pytest.approx(kls.entropy_knn(df_x["a"].to_numpy()).estimate)
    mi = kls.mutual_information_knn(df_x["a"], df_x["b"], estimator="KSG2")
    assert mi.estimator == "ksg2"


def test_caller_arrays_not_modified():
    rng = np.random.default_rng(18)
    x, y = rng.normal(size=(100, 2)), rng.normal(size=(80, 2))
    x[1] = x[0]  # a tie, so that jitter runs
    x0, y0 = x.copy(), y.copy()
    with pytest.warns(DegenerateDataWarning):
        kls.kl_divergence_knn(x, y, ties="jitter", standardize=True, rng=1)
    with pytest.warns(DegenerateDataWarning):
        kls.entropy_knn(x, ties="jitter", rng=1, k=1)
    kls.mutual_information_knn(x, y[:50].repeat(2, axis=0), ties="jitter", rng=1, estimator="ksg1")
    # the weighted estimator also searches the y space, where every point is doubled
    with pytest.warns(DegenerateDataWarning, match="100 of 100 points"):
        kls.mutual_information_knn(x, y[:50].repeat(2, axis=0), ties="jitter", rng=1)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)


def test_k1_works_everywhere():
    rng = np.random.default_rng(19)
    x, y = rng.normal(size=(50, 2)), rng.normal(size=(40, 2))
    for res in (
        kls.kl_divergence_knn(x, y, k=1),
        kls.kl_divergence_knn(x, y, k=1, estimator="adaptive"),
        kls.kl_divergence_knn(x, reference=stats.multivariate_normal(np.zeros(2)), k=1),
        kls.entropy_knn(x, k=1),
        kls.mutual_information_knn(x[:, 0], x[:, 1], k=1),
        kls.mutual_information_knn(x[:, 0], x[:, 1], k=1, estimator="ksg2"),
    ):
        assert math.isfinite(res.estimate)


def test_summary_reports_options():
    rng = np.random.default_rng(20)
    x, y = rng.normal(size=(60, 2)), rng.normal(size=(50, 2))
    d = kls.kl_divergence_knn(x, y, k=2, estimator="wang")
    text = d.summary().as_text()
    for word in (
        "wang",
        "Neighbours (k):",
        "Dimension (d):",
        "euclidean",
        "Ties",
        "60 (P), 50 (Q)",
    ):
        assert word in text
    assert d.options["k"] == 2 and d.options["m"] == 50 and d.nobs == 110
    assert math.isfinite(d.bse) and d.bse > 0
    w = kls.kl_divergence_knn(x, y)
    assert w.estimator == "weighted" and w.options["bias_terms"] == 1
    assert "Std. error" in w.summary().as_text() and math.isfinite(w.bse)
    mi = kls.mutual_information_knn(rng.normal(size=60), rng.normal(size=60), estimator="ksg1")
    assert mi.options["metric"] == "max-norm"
    assert "ksg1" in mi.summary().as_text()
    assert kls.mutual_information_knn(rng.normal(size=60), rng.normal(size=60)).estimator == (
        "weighted"
    )


def test_bootstrap_interval_raises_clear_error():
    rng = np.random.default_rng(21)
    d = kls.kl_divergence_knn(rng.normal(size=60), rng.normal(size=50))
    assert d.ci_methods == ("wald", "subsampling")
    assert d.default_ci_method == "wald"
    with pytest.raises(ValueError, match=r"use one of \('wald', 'subsampling'\).*duplicated"):
        d.conf_int(method="bca")


def test_inference_statistic_recomputes_estimate():
    rng = np.random.default_rng(22)
    x, y = rng.normal(size=(80, 2)), rng.normal(size=(70, 2))
    for res in (
        kls.kl_divergence_knn(x, y, k=2),
        kls.kl_divergence_knn(x, y, estimator="adaptive"),
        kls.kl_divergence_knn(x, reference=stats.multivariate_normal(np.zeros(2))),
        kls.entropy_knn(x, standardize=True),
        kls.mutual_information_knn(x, y[:80] if len(y) >= 80 else x[:, ::-1], estimator="ksg2"),
    ):
        inf = res._inference
        assert inf.statistic(*inf.data) == pytest.approx(res.estimate, abs=1e-12)


# =========================================================================== ties


def test_ties_raise_says_how_many_and_what_to_do():
    rng = np.random.default_rng(23)
    x = np.round(rng.normal(size=500), 1)
    y = np.round(rng.normal(1, 1, size=500), 1)
    with pytest.raises(ValueError, match="Exact ties") as info:
        kls.kl_divergence_knn(x, y)
    msg = str(info.value)
    n_dup = int(pd.Series(x).duplicated(keep=False).sum())
    assert f"{n_dup} point(s) of `x` repeat another one" in msg
    assert "ties='jitter'" in msg and "tabulate" in msg


def test_ties_jitter_is_finite_reproducible_and_noted():
    rng = np.random.default_rng(24)
    x = np.round(rng.normal(size=(400, 2)), 1)
    y = np.round(rng.normal(0.5, 1, size=(400, 2)), 1)
    with pytest.warns(DegenerateDataWarning, match="by up to about"):
        a = kls.kl_divergence_knn(x, y, ties="jitter", rng=5)
    with pytest.warns(DegenerateDataWarning):
        b = kls.kl_divergence_knn(x, y, ties="jitter", rng=5)
    assert math.isfinite(a.estimate) and a.estimate == b.estimate
    assert any("Ties broken" in note for note in a.notes)
    assert a.options["ties"] == "jitter"


def test_ties_jitter_leaves_tie_free_data_alone():
    rng = np.random.default_rng(25)
    x, y = rng.normal(size=200), rng.normal(size=200)
    assert (
        kls.kl_divergence_knn(x, y, ties="jitter", rng=1).estimate
        == kls.kl_divergence_knn(x, y).estimate
    )


def test_ties_jitter_few_ties_in_large_sample_is_quiet():
    # one duplicated pair among 10^4 points moves the estimate by < 0.01 nats: no warning
    rng = np.random.default_rng(29)
    x, y = rng.normal(size=10_000), rng.normal(size=10_000)
    x[1] = x[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = kls.kl_divergence_knn(x, y, ties="jitter", rng=3)
    assert any("2 point(s) had neighbours at distance 0" in note for note in d.notes)


def test_ties_with_y_only():
    # x_i equal to a point of y: nu = 0 -> -inf without the check
    x = np.array([0.0, 1.0, 2.5, 4.0])
    y = np.array([1.0, 3.0, 5.0])
    with pytest.raises(ValueError, match="1 point\\(s\\) of `x` coincide with points of `y`"):
        kls.kl_divergence_knn(x, y)
    with pytest.raises(ValueError, match="Exact ties"):
        kls.kl_divergence_knn(x, y, estimator="adaptive")
    with pytest.warns(DegenerateDataWarning):
        assert math.isfinite(kls.kl_divergence_knn(x, y, ties="jitter", rng=0).estimate)


def test_ties_entropy_and_one_sample_and_mi():
    x = np.array([0.0, 0.0, 1.0, 2.0, 3.5])
    with pytest.raises(ValueError, match="Exact ties"):
        kls.entropy_knn(x, k=1)
    # a pair is harmless for the 2nd neighbour alone, not for the weighted orders 1..2
    assert math.isfinite(kls.entropy_knn(x, k=2, estimator="kozachenko-leonenko").estimate)
    with pytest.raises(ValueError, match="Exact ties"):
        kls.entropy_knn(x, k=2)
    with pytest.raises(ValueError, match="Exact ties"):
        kls.kl_divergence_knn(x, reference=stats.norm(), k=1)
    with pytest.warns(DegenerateDataWarning):
        assert math.isfinite(kls.entropy_knn(x, k=1, ties="jitter", rng=0).estimate)
    y = np.array([1.0, 1.0, 0.5, 2.0, 3.0])
    with pytest.raises(ValueError, match="\\(x, y\\) pair"):
        kls.mutual_information_knn(x, y, k=1)
    with pytest.warns(DegenerateDataWarning):
        mi = kls.mutual_information_knn(x, y, k=1, ties="jitter", rng=0)
    assert math.isfinite(mi.estimate)


# =========================================================================== bad input


def test_bad_dimension_mismatch():
    with pytest.raises(ValueError, match="same number of columns"):
        kls.kl_divergence_knn(np.zeros((5, 2)) + np.arange(5)[:, None], np.ones((5, 3)))


def test_bad_k_not_below_n():
    with pytest.raises(ValueError, match="`k` must be smaller"):
        kls.kl_divergence_knn([1.0, 2.0, 3.0], [1.5, 2.5, 3.5, 4.5], k=3)
    with pytest.raises(ValueError, match="`k` must be smaller"):
        kls.entropy_knn([1.0, 2.0], k=2)
    with pytest.raises(ValueError, match="`k` must be smaller"):
        kls.mutual_information_knn([1.0, 2.0], [2.0, 1.0], k=2)


def test_bad_k_above_m():
    with pytest.raises(ValueError, match="number of points in `y`"):
        kls.kl_divergence_knn([1.0, 2.0, 3.0, 4.0], [1.5, 2.5], k=3)


def test_bad_k_below_one():
    with pytest.raises(ValueError, match="`k` must be an integer >= 1"):
        kls.kl_divergence_knn([1.0, 2.0, 3.0], [1.5, 2.5], k=0)


def test_bad_k_not_integer():
    with pytest.raises(TypeError, match="`k` must be an integer"):
        kls.entropy_knn([1.0, 2.0, 3.0], k=1.5)


def test_bad_nan():
    with pytest.raises(ValueError, match="`x` must contain only finite values"):
        kls.kl_divergence_knn([1.0, np.nan, 3.0], [1.5, 2.5])


def test_bad_inf():
    with pytest.raises(ValueError, match="`y` must contain only finite values"):
        kls.kl_divergence_knn([1.0, 2.0, 3.0], [1.5, np.inf])


def test_bad_both_y_and_reference():
    with pytest.raises(ValueError, match="exactly one of `y`"):
        kls.kl_divergence_knn([1.0, 2.0, 3.0], [1.5, 2.5], reference=stats.norm())


def test_bad_neither_y_nor_reference():
    with pytest.raises(ValueError, match="exactly one of `y`"):
        kls.kl_divergence_knn([1.0, 2.0, 3.0])


def test_bad_empty():
    with pytest.raises(ValueError, match="`x` must not be empty"):
        kls.kl_divergence_knn([], [1.0, 2.0])
    with pytest.raises(ValueError, match="`y` must not be empty"):
        kls.mutual_information_knn([1.0, 2.0], np.empty((2, 0)))


def test_bad_non_numeric():
    with pytest.raises(TypeError, match="`x` must contain real numbers"):
        kls.entropy_knn(["a", "b", "c"])


def test_bad_mi_lengths():
    with pytest.raises(ValueError, match="same number of rows"):
        kls.mutual_information_knn([1.0, 2.0, 3.0], [1.0, 2.0])


def test_bad_options():
    x, y = [1.0, 2.0, 3.0], [1.5, 2.5]
    with pytest.raises(ValueError, match="`estimator`"):
        kls.kl_divergence_knn(x, y, estimator="kde")
    with pytest.raises(ValueError, match="`ties`"):
        kls.kl_divergence_knn(x, y, ties="drop")
    with pytest.raises(ValueError, match="`standardize`"):
        kls.kl_divergence_knn(x, y, standardize="robust")
    with pytest.raises(ValueError, match="`algorithm`"):
        kls.kl_divergence_knn(x, y, algorithm="ball-tree")
    with pytest.raises(ValueError, match="`workers`"):
        kls.kl_divergence_knn(x, y, workers=0)
    with pytest.raises(ValueError, match="`max_k`"):
        kls.kl_divergence_knn(x, y, estimator="adaptive", max_k=0)
    with pytest.raises(ValueError, match="`estimator`"):
        kls.mutual_information_knn(x, x, estimator="ksg3")
    with pytest.raises(TypeError, match="`rng`"):
        kls.entropy_knn([0.0, 0.0, 1.0], k=1, ties="jitter", rng="seed")


def test_bad_adaptive_with_reference():
    with pytest.raises(ValueError, match="adaptive"):
        kls.kl_divergence_knn([1.0, 2.0, 3.0], reference=stats.norm(), estimator="adaptive")


def test_bad_reference_discrete():
    with pytest.raises(TypeError, match="discrete"):
        kls.kl_divergence_knn([1.0, 2.0, 3.0], reference=stats.poisson(2))


def test_bad_reference_without_logpdf():
    with pytest.raises(TypeError, match="logpdf"):
        kls.kl_divergence_knn([1.0, 2.0, 3.0], reference=[0.5, 0.5])


def test_bad_reference_dimension():
    x = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(ValueError, match="3-dimensional"):
        kls.kl_divergence_knn(x, reference=stats.multivariate_normal(np.zeros(3)))
    with pytest.raises(ValueError, match="univariate"):
        kls.kl_divergence_knn(x, reference=stats.norm())


def test_bad_standardize_constant_column():
    x = np.column_stack((np.arange(5.0), np.ones(5)))
    with pytest.warns(DegenerateDataWarning, match="constant"):
        with pytest.raises(ValueError, match="constant"):
            kls.entropy_knn(x, k=1, standardize=True)


def test_constant_column_warns():
    x = np.column_stack((np.arange(6.0), np.ones(6)))
    with pytest.warns(DegenerateDataWarning, match=r"Column\(s\) \[1\] of `x` are constant"):
        kls.entropy_knn(x, k=1)


def test_reference_zero_density_gives_inf_with_warning():
    with pytest.warns(InfiniteEstimateWarning, match="zero density at 1 point"):
        d = kls.kl_divergence_knn([0.5, 1.0, 1.7, -0.2], reference=stats.expon())
    assert d.estimate == math.inf


def test_no_warnings_on_clean_data():
    rng = np.random.default_rng(26)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kls.kl_divergence_knn(rng.normal(size=(100, 2)), rng.normal(size=(90, 2)))


# =========================================================================== slow studies


@pytest.mark.slow
@pytest.mark.parametrize("estimator", ["wang", "adaptive"])
def test_gaussian_2d_correlated_converges(estimator):
    # N(0, I) || N(0, [[1, 1], [1, 2]]) = 0.5 (METHODS E): the estimator is strongly biased
    # at moderate n (about 0.42 at n = 2000); its error must shrink as n grows.
    chol = np.linalg.cholesky(np.array([[1.0, 1.0], [1.0, 2.0]]))
    errors = []
    for n in (1000, 16000):

        def draw(r, n=n):
            return r.normal(size=(n, 2)), r.normal(size=(n, 2)) @ chol.T

        mean, se = simulate(_wang(1, estimator), draw, 20, 77)
        errors.append((abs(mean - 0.5), se))
    assert errors[1][0] + 2 * errors[1][1] < errors[0][0]


@pytest.mark.slow
def test_bias_shrinks_with_n_in_higher_dimension():
    # 5-D Gaussians with k = 5 and the 3-D entropy are visibly biased at n = 2000
    # (bias ~ n^(-2/d)); the error must shrink by n = 32000
    mu, sd = np.array([0.5, 0, 0, 0, 0]), np.sqrt([1.5, 1, 1, 1, 1])
    truth_kl = kl_gauss(np.zeros(5), np.eye(5), mu, np.diag(sd**2))
    truth_h = 0.5 * math.log((2 * math.pi * math.e) ** 3)
    for n_small, n_large in [(2000, 32000)]:
        errs = []
        for n in (n_small, n_large):

            def kl_draw(r, n=n):
                return r.normal(size=(n, 5)), mu + sd * r.normal(size=(n, 5))

            def h_draw(r, n=n):
                return (r.normal(size=(n, 3)),)

            kl = simulate(_wang(5), kl_draw, 20, 31)
            h = simulate(lambda x: kls.entropy_knn(x, k=3).estimate, h_draw, 20, 32)
            errs.append((abs(kl[0] - truth_kl), kl[1], abs(h[0] - truth_h), h[1]))
        assert errs[1][0] + 2 * errs[1][1] < errs[0][0]
        assert errs[1][2] + 2 * errs[1][3] < errs[0][2]


@pytest.mark.slow
@pytest.mark.parametrize("estimator", ["ksg1", "ksg2"])
def test_ksg_independence_size_many_reps(estimator):
    def draw(g):
        return g.normal(size=(1000, 2)), g.normal(size=(1000, 1))

    def est(x, y):
        return kls.mutual_information_knn(x, y, estimator=estimator).estimate

    mean, se = simulate(est, draw, 200, 99)
    assert abs(mean) < 4 * se


# =========================================================================== optional peers
# Run where the peer packages are installed (``pip install universal-divergence
# infomeasure``); skipped otherwise.


def test_adaptive_matches_universal_divergence():
    ud = pytest.importorskip("universal_divergence")
    rng = np.random.default_rng(27)
    x, y = rng.normal(size=(150, 2)), rng.normal(0.5, 1.2, size=(120, 2))
    got = kls.kl_divergence_knn(x, y, estimator="adaptive", max_k=None).estimate
    assert got == pytest.approx(ud.estimate(x, y, k=None), abs=1e-12)
    assert kls.kl_divergence_knn(x, y, k=3, estimator="wang").estimate == pytest.approx(
        ud.estimate(x, y, k=3), abs=1e-12
    )


def test_ksg1_matches_infomeasure():
    im = pytest.importorskip("infomeasure")
    rng = np.random.default_rng(28)
    u = rng.normal(size=400)
    v = 0.5 * u + rng.normal(size=400)
    got = kls.mutual_information_knn(u, v, k=4, estimator="ksg1").estimate
    assert got == pytest.approx(im.mi(u, v, approach="ksg", k=4), abs=1e-10)
