"""Dask input: counts and k-NN distances computed by Dask, the statistics unchanged.

The Dask results are compared with the in-memory results on the same data (counts
exactly, estimates to 1e-12) and with values from outside klstats: pandas'
``value_counts``/``crosstab``, scipy.stats (``entropy``, ``power_divergence`` with the
log-likelihood statistic, ``chi2_contingency``) and an O(n^2) k-NN estimate written here
from Wang, Kulkarni & Verdú (2009, eq. 5) with scipy's ``cdist``. The computations run on a
``distributed.LocalCluster`` (two in-process workers) started by a fixture.
"""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats
from scipy.spatial.distance import cdist

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import klstats as kls  # noqa: E402
from klstats import DegenerateDataWarning  # noqa: E402
from klstats._adapters import _dask as kdask  # noqa: E402
from klstats._base._validation import cross_tabulate  # noqa: E402

TOL = 1e-12


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(20240611)
    n = 3000
    df = pd.DataFrame(
        {
            "country": rng.choice(
                ["de", "fr", "it", "nl", "pl"], n, p=[0.3, 0.25, 0.2, 0.15, 0.1]
            ),
            "device": rng.choice(["desktop", "mobile", "tablet"], n, p=[0.5, 0.4, 0.1]),
            "clicks": rng.poisson(2.0, n),
            "tier": pd.Categorical(
                rng.choice(["gold", "silver"], n), categories=["bronze", "silver", "gold"]
            ),
        }
    )
    df.loc[df["country"] == "pl", "device"] = rng.choice(
        ["desktop", "mobile"], (df["country"] == "pl").sum()
    )
    return df, dd.from_pandas(df, npartitions=7)


@pytest.fixture(scope="module")
def samples():
    rng = np.random.default_rng(77)
    x = rng.normal(size=(1500, 3))
    y = rng.normal(0.4, 1.2, size=(1100, 3))
    return x, y, da.from_array(x, chunks=(400, 3)), da.from_array(y, chunks=(300, 3))


# =========================================================================== counts


@pytest.mark.usefixtures("client")
@pytest.mark.parametrize("column", ["country", "clicks", "tier"])
def test_tabulate_counts_exactly(frame, column):
    df, ddf = frame
    got = kls.tabulate(ddf[column])
    # the same data in memory (Dask stores strings as pyarrow strings with NA)
    pd.testing.assert_series_equal(got, kls.tabulate(ddf[column].compute()))
    pd.testing.assert_series_equal(got, kls.tabulate(df[column]), check_index_type=False)
    expected = df[column].value_counts()  # pandas, outside klstats
    assert got.to_dict() == expected.reindex(got.index, fill_value=0).to_dict()


@pytest.mark.usefixtures("client")
def test_tabulate_two_samples_and_categories(frame):
    df, ddf = frame
    got = kls.tabulate(ddf["tier"], ddf["device"].astype("category"))
    want = kls.tabulate(df["tier"], df["device"].astype("category"))
    for g, w in zip(got, want, strict=True):
        pd.testing.assert_series_equal(g, w, check_index_type=False)
    assert got[0].index[0] == "bronze"  # declared, unobserved category kept in order


@pytest.mark.usefixtures("client")
def test_tabulate_parquet_categories_unknown_to_dask(frame, tmp_path):
    df, _ = frame
    for i, start in enumerate(range(0, len(df), 1000)):
        df.iloc[start : start + 1000].to_parquet(tmp_path / f"part{i}.parquet")
    ddf = dd.read_parquet(tmp_path)
    assert not ddf["tier"].cat.known
    pd.testing.assert_series_equal(
        kls.tabulate(ddf["tier"]), kls.tabulate(pd.read_parquet(tmp_path)["tier"])
    )


@pytest.mark.usefixtures("client")
def test_tabulate_dask_array_labels(frame):
    df, _ = frame
    arr = da.from_array(df["clicks"].to_numpy(), chunks=500)
    assert kls.tabulate(arr).tolist() == kls.tabulate(df["clicks"].to_numpy()).tolist()


@pytest.mark.usefixtures("client")
def test_cross_tabulation_matches_pandas_crosstab(frame):
    df, ddf = frame
    got = cross_tabulate(ddf["country"], ddf["device"])
    want = pd.crosstab(df["country"].to_numpy(), df["device"].to_numpy())
    assert got.to_numpy().tolist() == want.to_numpy().tolist()
    assert got.index.tolist() == want.index.tolist()
    assert got.columns.tolist() == want.columns.tolist()
    assert (got.index.name, got.columns.name) == ("country", "device")


@pytest.mark.usefixtures("client")
def test_g_test_independence_from_dask_labels(frame):
    df, ddf = frame
    res = kls.g_test_independence(ddf["country"], ddf["device"])
    mem = kls.g_test_independence(df["country"], df["device"])
    assert (res.statistic, res.pvalue, res.df) == (mem.statistic, mem.pvalue, mem.df)
    table = pd.crosstab(df["country"], df["device"]).to_numpy()
    g, p, dof, _ = stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")
    assert res.statistic == pytest.approx(g, rel=TOL)
    assert res.pvalue == pytest.approx(p, rel=1e-9)
    assert res.df == dof
    np.testing.assert_array_equal(np.asarray(res.expected), np.asarray(mem.expected))


@pytest.mark.usefixtures("client")
def test_mutual_information_from_dask_labels(frame):
    df, ddf = frame
    est = kls.mutual_information(ddf["country"], ddf["tier"])
    mem = kls.mutual_information(df["country"], df["tier"])
    assert est.estimate == mem.estimate
    assert est.conf_int() == mem.conf_int()
    t = pd.crosstab(df["country"], df["tier"]).to_numpy()
    p = t / t.sum()
    # I = H(X) + H(Y) - H(X, Y), scipy.stats.entropy in nats
    want = stats.entropy(p.sum(1)) + stats.entropy(p.sum(0)) - stats.entropy(p.ravel())
    assert est.estimate == pytest.approx(want, abs=TOL)


@pytest.mark.usefixtures("client")
def test_independence_test_from_dask_labels(frame):
    df, ddf = frame
    res = kls.independence_test(ddf["country"], ddf["clicks"], n_resamples=199, rng=3)
    mem = kls.independence_test(df["country"], df["clicks"], n_resamples=199, rng=3)
    assert (res.statistic, res.pvalue) == (mem.statistic, mem.pvalue)


@pytest.mark.usefixtures("client")
def test_count_estimators_take_dask_counts(frame):
    _, ddf = frame
    vx = ddf["country"].value_counts()
    px = vx.compute()
    assert kls.entropy(vx).estimate == pytest.approx(stats.entropy(px.to_numpy()), abs=TOL)
    g = kls.g_test(vx)
    want = stats.power_divergence(px.to_numpy(), lambda_="log-likelihood")
    assert g.statistic == pytest.approx(want.statistic, rel=TOL)
    for estimator in ("miller-madow", "zhang", "nsb"):
        got = kls.entropy(vx, estimator=estimator).estimate
        assert got == pytest.approx(kls.entropy(px, estimator=estimator).estimate, abs=TOL)


@pytest.mark.usefixtures("client")
@pytest.mark.parametrize(
    "func", [kls.kl_divergence, kls.jensen_shannon, kls.cross_entropy, kls.g_test_homogeneity]
)
def test_two_sample_count_functions_take_dask_counts(frame, func):
    _, ddf = frame
    # two Dask Series of counts with different category sets, aligned on labels
    cx = ddf["clicks"].value_counts() + 1
    cy = ddf[ddf["country"] == "de"]["clicks"].value_counts() + 1
    got, mem = func(cx, cy), func(cx.compute(), cy.compute())
    name = "statistic" if func is kls.g_test_homogeneity else "estimate"
    assert getattr(got, name) == pytest.approx(getattr(mem, name), abs=TOL)


@pytest.mark.usefixtures("client")
def test_dask_reference_and_expected_are_aligned_on_labels(frame):
    _, ddf = frame
    counts = kls.tabulate(ddf["country"])
    probs = pd.Series({"it": 0.2, "de": 0.3, "nl": 0.15, "fr": 0.25, "pl": 0.1})
    dprobs = dd.from_pandas(probs, npartitions=2)
    got = kls.kl_divergence(counts, reference=dprobs).estimate
    assert got == pytest.approx(kls.kl_divergence(counts, reference=probs).estimate, abs=TOL)
    p = counts / counts.sum()
    want = float(np.sum(special.rel_entr(p.to_numpy(), probs.reindex(p.index).to_numpy())))
    assert got == pytest.approx(want, abs=TOL)
    g = kls.g_test(counts, dprobs).statistic
    assert g == pytest.approx(kls.g_test(counts, probs).statistic, rel=TOL)
    assert g == pytest.approx(2 * counts.sum() * want, rel=1e-10)


@pytest.mark.usefixtures("client")
def test_kl_test_with_dask_counts(frame):
    _, ddf = frame
    vx = ddf["device"].value_counts()
    vy = ddf[ddf["country"] == "pl"]["device"].value_counts()
    res = kls.kl_test(vx, vy, n_resamples=199, rng=5)
    mem = kls.kl_test(vx.compute(), vy.compute(), n_resamples=199, rng=5)
    assert (res.statistic, res.pvalue) == (mem.statistic, mem.pvalue)


@pytest.mark.usefixtures("client")
def test_dask_table_of_counts(frame):
    df, _ = frame
    table = pd.crosstab(df["country"], df["device"])
    dtable = dd.from_pandas(table, npartitions=2)
    assert kls.g_test_independence(dtable).statistic == pytest.approx(
        kls.g_test_independence(table).statistic, rel=TOL
    )
    assert kls.mutual_information(dtable).estimate == pytest.approx(
        kls.mutual_information(table).estimate, abs=TOL
    )


def test_default_scheduler_without_client(frame):
    df, ddf = frame
    with dask.config.set(scheduler="sync"):
        got = kls.tabulate(ddf["device"])
    pd.testing.assert_series_equal(got, kls.tabulate(df["device"]), check_index_type=False)


# --------------------------------------------------------------------------- bad input


@pytest.mark.usefixtures("client")
def test_dask_labels_passed_as_counts(frame):
    _, ddf = frame
    with pytest.raises(TypeError, match="`counts` is a Dask collection of labels"):
        kls.entropy(ddf["country"])


@pytest.mark.usefixtures("client")
def test_dask_labels_passed_as_table(frame):
    _, ddf = frame
    with pytest.raises(TypeError, match="`table` is a Dask collection of labels"):
        kls.g_test_independence(ddf[["country", "device"]])


@pytest.mark.usefixtures("client")
def test_dask_labels_with_missing_values():
    s = dd.from_pandas(pd.Series(["a", None, "b", "a"]), npartitions=2)
    with pytest.raises(ValueError, match="`x` has 1 missing value"):
        kls.tabulate(s)


@pytest.mark.usefixtures("client")
def test_dask_crosstab_with_missing_values():
    df = pd.DataFrame({"a": ["u", "v", None, "u"], "b": ["p", "q", "p", "q"]})
    ddf = dd.from_pandas(df, npartitions=2)
    with pytest.raises(ValueError, match="`table` has 1 missing value"):
        kls.g_test_independence(ddf["a"], ddf["b"])


@pytest.mark.usefixtures("client")
def test_dask_labels_of_different_lengths():
    a = dd.from_pandas(pd.Series(list("abab")), npartitions=2)
    b = dd.from_pandas(pd.Series(list("xyxyxy")), npartitions=2)
    with pytest.raises(ValueError, match="same length; got 4 and 6"):
        kls.mutual_information(a, b)


@pytest.mark.usefixtures("client")
def test_dask_and_in_memory_labels_mixed(frame):
    df, ddf = frame
    with pytest.raises(TypeError, match="`y` is a Dask collection but `table` is not"):
        kls.g_test_independence(df["country"], ddf["device"])


@pytest.mark.usefixtures("client")
def test_dask_dataframe_as_labels(frame):
    _, ddf = frame
    with pytest.raises(ValueError, match="`x` must be 1-D labels; got a Dask DataFrame"):
        kls.tabulate(ddf)


def test_unsupported_dask_collection():
    with pytest.raises(TypeError, match="Unsupported Dask collection Delayed"):
        kls.tabulate(dask.delayed([1, 2, 3]))


@pytest.mark.usefixtures("client")
def test_continuous_dask_labels_rejected():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"a": rng.normal(size=50), "b": rng.integers(0, 2, 50)})
    ddf = dd.from_pandas(df, npartitions=2)
    with pytest.raises(ValueError, match="`x` holds non-integer floats"):
        kls.independence_test(ddf["a"], ddf["b"], n_resamples=9)


def test_missing_extra_gives_clear_import_error(frame, monkeypatch):
    _, ddf = frame
    monkeypatch.setitem(sys.modules, "dask.dataframe", None)
    with pytest.raises(ImportError, match=r"pip install 'klstats\[dask\]'"):
        kls.tabulate(ddf["country"])


def test_package_works_without_dask():
    code = textwrap.dedent(
        """
        import sys
        sys.modules["dask"] = None  # as if Dask were not installed
        import numpy as np
        import klstats as kls
        assert not [m for m in sys.modules if m.startswith(("dask.", "distributed"))]
        p, q = kls.tabulate(["a", "b", "b", "c"], ["b", "c", "c", "a"])
        print(round(kls.g_test([30, 20, 10]).statistic, 6))
        print(round(kls.kl_divergence(p + 1, q + 1).estimate, 6))
        x = np.random.default_rng(0).normal(size=(200, 2))
        print(round(kls.entropy_knn(x).estimate, 6))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = out.stdout.split()
    # G = 2 sum O log(O/E) for (30, 20, 10) against a uniform E = 20
    g = 2 * sum(o * math.log(o / 20) for o in (30, 20, 10))
    assert float(lines[0]) == pytest.approx(g, abs=1e-6)
    assert len(lines) == 3


# =========================================================================== k-NN


def _wang_naive(x: np.ndarray, y: np.ndarray, k: int) -> float:
    """Wang, Kulkarni & Verdú (2009) eq. 5 with all pairwise distances."""
    n, d = x.shape
    dxx = cdist(x, x)
    np.fill_diagonal(dxx, np.inf)
    rho = np.sort(dxx, axis=1)[:, k - 1]
    nu = np.sort(cdist(x, y), axis=1)[:, k - 1]
    return d * np.mean(np.log(nu / rho)) + math.log(y.shape[0] / (n - 1))


@pytest.fixture(params=["tree", "blocks"])
def strategy(request, monkeypatch):
    if request.param == "blocks":
        monkeypatch.setattr(kdask, "TREE_MEMORY_FRACTION", 0.0)
    return request.param


@pytest.mark.usefixtures("client")
@pytest.mark.parametrize("k", [1, 4])
def test_kl_knn_dask_equals_in_memory(samples, strategy, k):
    x, y, dx, dy = samples
    got = kls.kl_divergence_knn(dx, dy, k=k, estimator="wang")
    assert got.options["dask"] == strategy
    assert abs(got.estimate - kls.kl_divergence_knn(x, y, k=k, estimator="wang").estimate) < TOL
    assert abs(got.estimate - _wang_naive(x, y, k)) < 1e-10
    # the default (weighted) estimator: same plan, same numbers, same standard error
    got = kls.kl_divergence_knn(dx, dy)
    want = kls.kl_divergence_knn(x, y)
    assert abs(got.estimate - want.estimate) < TOL
    assert got.bse == pytest.approx(want.bse, rel=1e-9)
    assert got.options["k"] == want.options["k"]


@pytest.mark.usefixtures("client")
def test_mi_knn_dask_equals_in_memory(samples, strategy):
    x, _, _, _ = samples
    yy = 0.5 * x[:, :2] + np.random.default_rng(5).normal(size=(x.shape[0], 2))
    dx = da.from_array(x, chunks=(300, 3))
    dyy = da.from_array(yy, chunks=(400, 2))
    got = kls.mutual_information_knn(dx, dyy)
    want = kls.mutual_information_knn(x, yy)
    assert got.options["dask"] == strategy
    assert abs(got.estimate - want.estimate) < TOL
    assert got.bse == pytest.approx(want.bse, rel=1e-9)
    with pytest.raises(ValueError, match="needs the samples in memory"):
        kls.mutual_information_knn(dx, dyy, estimator="ksg1")


@pytest.mark.usefixtures("client")
@pytest.mark.parametrize(
    "options",
    [{"standardize": "scale"}, {"standardize": "whiten"}, {"algorithm": "brute"}, {"base": 2}],
)
def test_kl_knn_dask_options(samples, strategy, options):
    x, y, dx, dy = samples
    got = kls.kl_divergence_knn(dx, dy, k=2, **options)
    assert abs(got.estimate - kls.kl_divergence_knn(x, y, k=2, **options).estimate) < TOL


@pytest.mark.usefixtures("client")
def test_kl_knn_dask_with_in_memory_other_sample(samples):
    x, y, dx, dy = samples
    want = kls.kl_divergence_knn(x, y, k=3).estimate
    assert abs(kls.kl_divergence_knn(dx, y, k=3).estimate - want) < TOL
    assert abs(kls.kl_divergence_knn(x, dy, k=3).estimate - want) < TOL


@pytest.mark.usefixtures("client")
def test_kl_knn_one_sample_dask(samples, strategy):
    x, _, dx, _ = samples
    ref = stats.multivariate_normal(np.zeros(3), np.eye(3))
    for std in (False, "whiten"):
        got = kls.kl_divergence_knn(dx, reference=ref, k=2, standardize=std).estimate
        want = kls.kl_divergence_knn(x, reference=ref, k=2, standardize=std).estimate
        assert abs(got - want) < TOL


@pytest.mark.usefixtures("client")
def test_entropy_knn_dask(samples, strategy):
    x, _, dx, _ = samples
    for std in (False, "scale"):
        got = kls.entropy_knn(dx, k=3, standardize=std).estimate
        assert abs(got - kls.entropy_knn(x, k=3, standardize=std).estimate) < TOL
    # Kozachenko-Leonenko from all pairwise distances
    dxx = cdist(x, x)
    np.fill_diagonal(dxx, np.inf)
    rho = np.sort(dxx, axis=1)[:, 2]
    n, d = x.shape
    log_vd = d / 2 * math.log(math.pi) - math.lgamma(d / 2 + 1)
    want = special.digamma(n) - special.digamma(3) + log_vd + d * np.mean(np.log(rho))
    assert abs(kls.entropy_knn(dx, k=3, estimator="kozachenko-leonenko").estimate - want) < 1e-10


@pytest.mark.usefixtures("client")
def test_knn_dask_interval_equals_in_memory(samples):
    x, y, dx, dy = samples
    got = kls.kl_divergence_knn(dx, dy, k=2).conf_int(n_resamples=30, rng=11)
    want = kls.kl_divergence_knn(x, y, k=2).conf_int(n_resamples=30, rng=11)
    assert got.low == pytest.approx(want.low, abs=TOL)
    assert got.high == pytest.approx(want.high, abs=TOL)


@pytest.mark.usefixtures("client")
def test_knn_dask_dataframe_and_unknown_chunks(samples):
    x, y, _, _ = samples
    ddx = dd.from_pandas(pd.DataFrame(x, columns=list("abc")), npartitions=3)
    dy = da.from_array(y, chunks=(300, 3))
    dy = dy[dy[:, 0] > -np.inf]  # boolean mask: chunk sizes unknown to Dask
    assert math.isnan(dy.chunks[0][0])
    got = kls.kl_divergence_knn(ddx, dy, k=2).estimate
    assert abs(got - kls.kl_divergence_knn(x, y, k=2).estimate) < TOL


@pytest.mark.usefixtures("client")
def test_knn_dask_ties(samples, strategy):
    x, y, _, _ = samples
    xt = np.vstack([x, x[:3]])
    dx = da.from_array(xt, chunks=(500, 3))
    with pytest.raises(ValueError, match=r"Exact ties: 6 point\(s\) of `x`"):
        kls.kl_divergence_knn(dx, y)
    with pytest.warns(DegenerateDataWarning, match="had k-NN distances of zero"):
        got = kls.kl_divergence_knn(dx, y, ties="jitter", rng=1)
    assert "Ties broken" in got.notes[-1]
    with pytest.warns(DegenerateDataWarning):
        mem = kls.kl_divergence_knn(xt, y, ties="jitter", rng=1)
    # other noise draws: the six tied distances differ, each by O(1) in log
    assert abs(got.estimate - mem.estimate) < 0.05


@pytest.mark.usefixtures("client")
def test_knn_dask_adaptive_rejected(samples):
    _, _, dx, dy = samples
    with pytest.raises(ValueError, match="estimator='adaptive' is not available for Dask"):
        kls.kl_divergence_knn(dx, dy, estimator="adaptive")


@pytest.mark.usefixtures("client")
def test_knn_dask_nan(samples):
    x, _, _, _ = samples
    bad = x.copy()
    bad[5, 1] = np.nan
    with pytest.raises(
        ValueError, match=r"`x` must contain only finite values; found NaN or inf in 1 row"
    ):
        kls.entropy_knn(da.from_array(bad, chunks=(500, 3)))


@pytest.mark.usefixtures("client")
def test_knn_dask_dimension_mismatch(samples):
    _, y, dx, _ = samples
    with pytest.raises(ValueError, match="same number of columns"):
        kls.kl_divergence_knn(dx, y[:, :2])


@pytest.mark.usefixtures("client")
def test_knn_dask_k_too_large():
    dx = da.from_array(np.arange(10.0), chunks=5)
    with pytest.raises(ValueError, match="`k` must be smaller than the number of points"):
        kls.entropy_knn(dx, k=10)


def test_knn_dask_non_numeric():
    dx = da.from_array(np.array(["a", "b", "c"]), chunks=2)
    with pytest.raises(TypeError, match="`x` must contain real numbers"):
        kls.entropy_knn(dx)
