"""Results are plain data: every result type survives pickle, copy.deepcopy, joblib and
a Dask task in another process, compares equal to the original, and still reports
(summary, intervals) after the round trip."""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest
from scipy import stats

import klstats as kls

COUNTS = [30, 20, 10, 5, 1]
OTHER = [20, 20, 10, 10, 3]
REF = [0.3, 0.3, 0.2, 0.1, 0.1]


def make_results() -> dict:
    """One result of every type and family, seeded, small enough to build in a second."""
    import statsmodels.api as sm

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=120), rng.normal(0.5, size=100)
    d = stats.gamma(2).rvs(size=80, random_state=5)
    design = sm.add_constant(rng.normal(size=(100, 2)))
    yy = design @ [1, 2, 0] + rng.normal(size=100)
    ols0, ols1 = sm.OLS(yy, design[:, :2]).fit(), sm.OLS(yy, design).fit()
    kl1 = kls.kl_divergence(COUNTS, reference=REF)
    infert = kls.datasets.load("infert")
    controls = infert[infert["case"] == 0].drop(columns="case")
    cases = infert[infert["case"] == 1].drop(columns="case")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = {
            "entropy": kls.entropy(COUNTS, estimator="miller-madow"),
            "kl_one_sample": kl1,
            "kl_two_sample": kls.kl_divergence(COUNTS, OTHER, estimator="dirichlet", prior=1),
            "mutual_information": kls.mutual_information([[10, 5], [3, 12]]),
            "jensen_shannon": kls.jensen_shannon(COUNTS, OTHER),
            "cross_entropy": kls.cross_entropy(COUNTS, OTHER),
            "kl_knn": kls.kl_divergence_knn(x, y),
            # the reference density travels with the result (no closure)
            "kl_knn_one_sample": kls.kl_divergence_knn(x, reference=stats.norm()),
            "entropy_knn": kls.entropy_knn(x),
            "mi_knn": kls.mutual_information_knn(x, x + rng.normal(size=120)),
            "g_asymptotic": kls.g_test([315, 108, 101, 32], [9, 3, 3, 1], method="asymptotic"),
            "g_montecarlo": kls.g_test(
                [315, 108, 101, 32], [9, 3, 3, 1], method="montecarlo", n_resamples=99, rng=1
            ),
            "g_exact": kls.g_test([5, 3, 2], method="exact"),
            "g_independence": kls.g_test_independence(
                [[10, 5], [3, 12]], correction="williams", method="asymptotic"
            ),
            "g_homogeneity": kls.g_test_homogeneity([10, 5, 3], [3, 12, 4], method="asymptotic"),
            "kl_test_counts": kls.kl_test(COUNTS, OTHER, n_resamples=99, rng=3),
            "kl_test_reference": kls.kl_test(COUNTS, reference=REF, n_resamples=99, rng=3),
            "kl_test_knn": kls.kl_test(x, y, estimator="knn", n_resamples=29, rng=3),
            "independence_test": kls.independence_test([[10, 5], [3, 12]], n_resamples=99, rng=4),
            "lr_test_pairs": kls.lr_test((-100.0, 2), (-95.0, 4)),
            "lr_test_statsmodels": kls.lr_test(ols0, ols1),
            "lr_distributions": kls.lr_test_distributions(d, "expon", "gamma"),
            "lr_bootstrap": kls.lr_test_distributions(
                d, "expon", "gamma", method="bootstrap", n_resamples=19, rng=1
            ),
            "vuong": kls.vuong_test(stats.norm.logpdf(d, 2, 1.4), stats.gamma.logpdf(d, 2)),
            "vuong_fitted": kls.vuong_test("lognorm", "gamma", data=d),
            "compare_frames": kls.compare_frames(controls, cases, n_resamples=99, rng=1976),
            "mutual_information_frame": kls.mutual_information_frame(
                infert, "case", n_resamples=99, rng=1
            ),
            "interval": kl1.conf_int(method="bca", n_resamples=99, rng=1),
            "bootstrap_distribution": kl1.bootstrap_distribution(99, rng=1),
        }
    return out


RESULTS = make_results()
TYPES = {
    "g_asymptotic": kls.GTestResult,
    "lr_test_pairs": kls.LRTestResult,
    "vuong": kls.VuongTestResult,
    "kl_test_counts": kls.ResamplingTestResult,
    "entropy": kls.KLEstimate,
}


@pytest.mark.parametrize("name", TYPES)
def test_each_family_has_its_class(name):
    assert type(RESULTS[name]) is TYPES[name]
    assert isinstance(RESULTS[name], kls.KLEstimate | kls.KLTestResult)


def _same(a, b):
    assert type(a) is type(b)
    assert a == b and not (a != b)


@pytest.mark.parametrize("name", RESULTS)
def test_pickle_round_trip(name):
    res = RESULTS[name]
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        _same(pickle.loads(pickle.dumps(res, protocol=protocol)), res)


@pytest.mark.parametrize("name", RESULTS)
def test_summary_after_round_trip(name):
    res = RESULTS[name]
    if hasattr(res, "summary"):
        back = pickle.loads(pickle.dumps(res))
        assert back.summary().as_text() == res.summary().as_text()


@pytest.mark.parametrize("name", RESULTS)
def test_deepcopy_and_copy(name):
    res = RESULTS[name]
    _same(copy.deepcopy(res), res)
    _same(copy.copy(res), res)


@pytest.mark.parametrize("name", RESULTS)
def test_joblib_dump_load(name, tmp_path):
    joblib = pytest.importorskip("joblib")
    path = tmp_path / "res.joblib"
    joblib.dump(RESULTS[name], path)
    _same(joblib.load(path), RESULTS[name])


def test_intervals_after_round_trip():
    est = pickle.loads(pickle.dumps(RESULTS["kl_one_sample"]))
    assert est.conf_int(method="bca", n_resamples=99, rng=1) == RESULTS["interval"]
    assert tuple(est.conf_int()) == tuple(RESULTS["kl_one_sample"].conf_int())
    test = pickle.loads(pickle.dumps(RESULTS["g_independence"]))
    assert tuple(test.conf_int()) == tuple(RESULTS["g_independence"].conf_int())


def test_unequal_results_compare_unequal():
    a, b = RESULTS["kl_test_counts"], RESULTS["kl_test_reference"]
    assert a != b
    assert RESULTS["entropy"] != RESULTS["kl_one_sample"]
    assert RESULTS["g_asymptotic"] != RESULTS["g_montecarlo"]
    assert RESULTS["g_asymptotic"] != 1.0
    assert RESULTS["compare_frames"] != RESULTS["mutual_information_frame"]


def _through_worker(results: dict) -> dict:
    # runs in another process: the results arrive pickled and go back pickled
    return {name: (res, type(res).__name__) for name, res in results.items()}


def test_joblib_worker_process():
    joblib = pytest.importorskip("joblib")
    (got,) = joblib.Parallel(n_jobs=1, backend="loky")([joblib.delayed(_through_worker)(RESULTS)])
    assert got.keys() == RESULTS.keys()
    for name, res in RESULTS.items():
        _same(got[name][0], res)


def test_dask_task_in_another_process():
    dask = pytest.importorskip("dask")
    task = dask.delayed(_through_worker)(RESULTS)
    got = task.compute(scheduler="processes", num_workers=1)
    for name, res in RESULTS.items():
        _same(got[name][0], res)
        assert got[name][1] == type(res).__name__
