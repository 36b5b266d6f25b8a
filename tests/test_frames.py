"""Whole-table comparisons: compare_frames and mutual_information_frame.

Every per-column number is checked against a computation from outside klstats on the
same column: scipy.stats.chi2_contingency (log-likelihood statistic, no correction) on a
pandas crosstab, scipy.spatial.distance.jensenshannon (squared) for the effect, and
statsmodels.stats.multitest.multipletests for the adjusted p-values. The fast size
checks use tolerances of three Monte Carlo standard errors of their own replication
count; the full study (50 columns, >= 500 data sets) is validation/frames.py.
"""

from __future__ import annotations

import copy
import math
import pickle

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon
from statsmodels.stats.multitest import multipletests

import klstats as kls


def _mixed(n: int, rng: np.random.Generator, shift: float = 0.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "colour": rng.choice(["red", "green", "blue"], n, p=[0.5, 0.3, 0.2]),
            "flag": rng.random(n) < 0.3,
            "visits": rng.poisson(2.0, n),
            "amount": rng.normal(shift, 1.0, n),
            "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 10**6, n), "s"),
        }
    )


@pytest.fixture(scope="module")
def pair():
    rng = np.random.default_rng(20261206)
    ref = _mixed(400, rng)
    cur = _mixed(300, rng, shift=0.5)
    ref.loc[[3, 7, 11], "amount"] = np.nan
    cur.loc[[0, 5], "colour"] = None
    ref["only_ref"] = 1.0
    cur["only_cur"] = "x"
    return ref, cur


def _g_scipy(a: pd.Series, b: pd.Series, williams: bool = True) -> tuple[float, float, int]:
    """G of the 2 x K table by scipy, divided by Williams' q (Sokal & Rohlf 1995,
    box 17.6: q = 1 + (n sum 1/R - 1)(n sum 1/C - 1) / (6 n (r-1)(c-1)))."""
    labels = pd.concat([a, b], ignore_index=True)
    group = np.r_[np.zeros(len(a)), np.ones(len(b))]
    tab = pd.crosstab(group, labels.to_numpy()).to_numpy()
    g, p, dof, _ = stats.chi2_contingency(tab, lambda_="log-likelihood", correction=False)
    if not williams:
        return g, p, dof
    n = tab.sum()
    rows, cols = tab.sum(axis=1), tab.sum(axis=0)
    q = 1 + (n * (1 / rows).sum() - 1) * (n * (1 / cols).sum() - 1) / (6 * n * dof)
    return g / q, stats.chi2.sf(g / q, dof), dof


def test_types_missing_and_one_sided_columns(pair):
    ref, cur = pair
    res = kls.compare_frames(ref, cur, rng=1, test_options={"method": "asymptotic"})
    f = res.summary_frame()
    assert list(f.index) == ["colour", "flag", "visits", "amount", "when"]
    assert f.index.name == "column"
    assert f.loc["colour", "type"] == "categorical"
    assert f.loc["flag", "type"] == "boolean"
    assert f.loc["visits", "type"] == "discrete"
    assert f.loc["amount", "type"] == "continuous"
    assert f.loc["when", "type"] == "continuous"
    assert res.only_reference == ("only_ref",)
    assert res.only_current == ("only_cur",)
    assert f.loc["amount", "missing_reference"] == 3
    assert f.loc["amount", "n_reference"] == 397
    assert f.loc["colour", "missing_current"] == 2
    assert f.loc["colour", "n_current"] == 298
    assert [c for c in f.columns if "adj" in c] == ["pvalue_adj"]
    for col in ("type", "test", "statistic", "pvalue", "effect", "ci_lower", "ci_upper", "n"):
        assert col in f.columns
    text = res.summary().as_text()
    assert "only_ref" in text and "Holm" in text


def test_categorical_columns_match_scipy(pair):
    ref, cur = pair
    res = kls.compare_frames(ref, cur, rng=1, test_options={"method": "asymptotic"})
    f = res.summary_frame()
    for col in ("colour", "flag", "visits"):
        a, b = ref[col].dropna(), cur[col].dropna()
        g, p, dof = _g_scipy(a, b)
        assert f.loc[col, "statistic"] == pytest.approx(g, rel=1e-10)
        assert f.loc[col, "pvalue"] == pytest.approx(p, rel=1e-8)
        assert f.loc[col, "df"] == dof
        pa = a.value_counts(normalize=True)
        pb = b.value_counts(normalize=True).reindex(pa.index, fill_value=0)
        assert f.loc[col, "effect"] == pytest.approx(jensenshannon(pa, pb) ** 2, rel=1e-9)
        assert f.loc[col, "ci_lower"] <= f.loc[col, "effect"] <= f.loc[col, "ci_upper"]


def test_continuous_column_is_a_g_test_on_pooled_quantile_bins(pair):
    ref, cur = pair
    res = kls.compare_frames(ref, cur, columns=["amount"], rng=1, bins=8)
    a, b = ref["amount"].dropna().to_numpy(), cur["amount"].dropna().to_numpy()
    pooled = np.concatenate([a, b])
    # independent binning: ranks of the pooled sample cut into 8 groups of equal size
    edges = np.unique(np.quantile(pooled, np.arange(1, 8) / 8, method="inverted_cdf"))
    ba = pd.Series(np.digitize(a, edges, right=True))
    bb = pd.Series(np.digitize(b, edges, right=True))
    g, p, dof = _g_scipy(ba, bb)
    row = res.summary_frame().loc["amount"]
    assert row["levels"] == 8 and dof == 7
    assert row["statistic"] == pytest.approx(g, rel=1e-10)
    assert row["pvalue"] == pytest.approx(p, rel=1e-8)
    assert row["flagged"]  # a shift of half a standard deviation, n = 300 / 397


def test_adjusted_pvalues_are_statsmodels(pair):
    ref, cur = pair
    for correction, sm in (("holm", "holm"), ("bh", "fdr_bh"), ("by", "fdr_by")):
        res = kls.compare_frames(ref, cur, rng=1, correction=correction)
        f = res.summary_frame()
        rej, adj, _, _ = multipletests(f["pvalue"], alpha=0.05, method=sm)
        np.testing.assert_allclose(f["pvalue_adj"], adj, rtol=1e-12)
        np.testing.assert_array_equal(f["flagged"], rej)
        assert res.flagged == tuple(f.index[rej])
    none = kls.compare_frames(ref, cur, rng=1, correction=None).summary_frame()
    np.testing.assert_array_equal(none["pvalue_adj"], none["pvalue"])


def test_untestable_columns_are_reported_not_adjusted():
    ref = pd.DataFrame({"const": ["a"] * 20, "empty": [np.nan] * 20, "x": list("ab") * 10})
    cur = pd.DataFrame({"const": ["a"] * 30, "empty": np.arange(30.0), "x": list("abc") * 10})
    res = kls.compare_frames(ref, cur, rng=0)
    f = res.summary_frame()
    assert math.isnan(f.loc["const", "pvalue"]) and not f.loc["const", "flagged"]
    assert f.loc["const", "effect"] == 0.0
    assert math.isnan(f.loc["empty", "pvalue"]) and f.loc["empty", "missing_reference"] == 20
    assert "no non-missing values in reference" in f.loc["empty", "note"]
    # only one column tested: Holm leaves its p-value unchanged
    assert f.loc["x", "pvalue_adj"] == f.loc["x", "pvalue"]
    assert "only in current" in f.loc["x", "note"]


def test_missing_as_category_detects_a_change_in_missingness():
    rng = np.random.default_rng(5)
    ref = pd.DataFrame({"v": rng.normal(size=500)})
    cur = pd.DataFrame({"v": rng.normal(size=500)})
    cur.loc[:149, "v"] = np.nan
    dropped = kls.compare_frames(ref, cur, rng=1).summary_frame().loc["v"]
    counted = kls.compare_frames(ref, cur, rng=1, missing="category").summary_frame().loc["v"]
    assert dropped["missing_current"] == 150 and dropped["n_current"] == 350
    assert counted["n_current"] == 500
    assert counted["levels"] == dropped["levels"] + 1
    assert counted["pvalue"] < 1e-10 < dropped["pvalue"]


def test_rng_seed_recorded_and_reproducible(pair):
    ref, cur = pair
    opts = {"method": "montecarlo", "n_resamples": 199}
    a = kls.compare_frames(ref, cur, rng=np.random.default_rng(3), test_options=opts)
    b = kls.compare_frames(ref, cur, rng=a.seed, test_options=opts)
    pd.testing.assert_frame_equal(a.summary_frame(), b.summary_frame())
    c = kls.compare_frames(ref, cur, rng=a.seed + 1, test_options=opts)
    assert not np.allclose(a.summary_frame()["pvalue"], c.summary_frame()["pvalue"])
    # the columns get independent streams: identical columns, different Monte Carlo draws
    twin = pd.DataFrame({"a": ref["colour"], "b": ref["colour"]})
    twin_c = pd.DataFrame({"a": cur["colour"], "b": cur["colour"]})
    t = kls.compare_frames(twin, twin_c, rng=7, test_options=opts)
    assert t.tests["a"].statistic == t.tests["b"].statistic
    assert not np.array_equal(t.tests["a"].null_distribution, t.tests["b"].null_distribution)


def test_knn_option_uses_the_permutation_test(pair):
    ref, cur = pair
    res = kls.compare_frames(ref, cur, columns=["amount"], continuous="knn", n_resamples=99, rng=2)
    row = res.summary_frame().loc["amount"]
    assert row["test"] == "k-NN permutation test"
    direct = kls.kl_test(
        cur["amount"].dropna().to_numpy(),
        ref["amount"].dropna().to_numpy(),
        estimator="knn",
        ties="jitter",
        n_resamples=99,
        rng=np.random.default_rng(np.random.SeedSequence(res.seed).spawn(1)[0]),
    )
    assert row["statistic"] == pytest.approx(direct.statistic)
    assert row["pvalue"] == pytest.approx(direct.pvalue)


def test_bad_input_messages(pair):
    ref, cur = pair
    with pytest.raises(TypeError, match="`reference` must be a DataFrame"):
        kls.compare_frames(ref["colour"], cur)
    with pytest.raises(TypeError, match="`current` must be a pandas or Dask DataFrame"):
        kls.compare_frames(ref, cur.to_numpy())
    with pytest.raises(ValueError, match="`correction`"):
        kls.compare_frames(ref, cur, correction="fdr")
    with pytest.raises(ValueError, match="'only_ref' of `columns` is not in `current`"):
        kls.compare_frames(ref, cur, columns=["colour", "only_ref"])
    with pytest.raises(ValueError, match="share no column"):
        kls.compare_frames(ref[["only_ref"]], cur[["only_cur"]])
    with pytest.raises(ValueError, match="types"):
        kls.compare_frames(ref, cur, types={"colour": "ordinal"})
    with pytest.raises(TypeError, match="rng"):
        kls.compare_frames(ref, cur, rng="seed")
    with pytest.raises(ValueError, match="alpha"):
        kls.compare_frames(ref, cur, alpha=1.5)
    before = ref.copy()
    kls.compare_frames(ref, cur, rng=0)
    pd.testing.assert_frame_equal(ref, before)


def test_result_is_picklable_and_renders(pair):
    ref, cur = pair
    res = kls.compare_frames(ref, cur, rng=1)
    back = pickle.loads(pickle.dumps(res))  # before and after the lazy parts are built
    pd.testing.assert_frame_equal(back.summary_frame(), res.summary_frame())
    res.tests["colour"], res.effects["amount"]
    back = copy.deepcopy(pickle.loads(pickle.dumps(res)))
    assert back.tests["colour"].statistic == res.tests["colour"].statistic
    assert "<table" in res._repr_html_()
    assert res.summary_markdown().startswith("### Comparison")
    d = res.to_dict()
    assert d["seed"] == res.seed and set(d["columns"]) == set(res.columns)
    assert repr(res).startswith("FrameComparison(columns=5")
    # summary rows sorted by effect, largest first
    order = res.summary_frame()["effect"].sort_values(ascending=False).index
    block = res.summary().tables[1]
    assert [str(r[0].data).strip() for r in block[1:]] == list(order)


def test_plot(pair):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    ref, cur = pair
    res = kls.compare_frames(ref, cur, rng=1)
    ax = res.plot()
    assert ax.get_xlabel() == "Jensen-Shannon divergence (nats)"
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == str(
        res.summary_frame()["effect"].idxmax()
    )
    matplotlib.pyplot.close("all")


def test_infert_example():
    df = kls.datasets.load("infert")
    controls, cases = df[df.case == 0], df[df.case == 1]
    res = kls.compare_frames(controls.drop(columns="case"), cases.drop(columns="case"), rng=1)
    # matched on age, parity and education; spontaneous abortions differ (Trichopoulos 1976)
    assert res.flagged == ("spontaneous",)
    g, _p, _ = _g_scipy(controls["spontaneous"], cases["spontaneous"])
    assert res.tests["spontaneous"].statistic == pytest.approx(g, rel=1e-10)


# --------------------------------------------------------------------------- size (fast)


def test_error_rates_fast():
    """Two of eight columns changed, 100 data sets (the full study, 50 columns and 500
    data sets, is validation/frames.py). With Holm, P(an unchanged column is flagged)
    <= alpha + 3 MC s.e.; with BH (statsmodels on the same p-values), the mean false
    discovery proportion <= alpha + 3 s.e.; the six unchanged columns alone are a
    global-null data set: P(any Holm flag among them) <= alpha + 3 s.e.; and the changed
    columns are found most of the time."""
    rng = np.random.default_rng(777)
    reps, n = 100, 60
    fwer = fwer_null = 0
    fdp, found = [], 0
    for _ in range(reps):
        ref = _mixed(n, rng).drop(columns="when")
        cur = _mixed(n, rng, shift=1.0).drop(columns="when")  # "amount" changed
        ref["colour2"], cur["colour2"] = ref["colour"].to_numpy(), cur["colour"].to_numpy()
        ref["tilt"] = rng.choice(list("abc"), n)
        cur["tilt"] = rng.choice(list("abc"), n, p=[0.7, 0.2, 0.1])  # changed
        ref["plain"], cur["plain"] = rng.normal(size=n), rng.normal(size=n)
        ref["rare"], cur["rare"] = rng.poisson(0.8, n), rng.poisson(0.8, n)
        res = kls.compare_frames(ref, cur, rng=rng, n_resamples=499)
        p = res.pvalues
        changed = p.index.isin(["amount", "tilt"])
        fwer += bool(set(res.flagged) - {"amount", "tilt"})
        fwer_null += bool(multipletests(p[~changed], method="holm")[0].any())
        bh = multipletests(p, method="fdr_bh")[0]
        fdp.append((bh & ~changed).sum() / max(bh.sum(), 1))
        found += {"amount", "tilt"} <= set(res.flagged)
    se = math.sqrt(0.05 * 0.95 / reps)
    assert fwer / reps <= 0.05 + 3 * se
    assert fwer_null / reps <= 0.05 + 3 * se
    assert np.mean(fdp) <= 0.05 + 3 * np.std(fdp, ddof=1) / math.sqrt(reps) + 1e-12
    assert found / reps > 0.8


# --------------------------------------------------------------------------- MI frame


def test_mutual_information_frame_matches_scipy():
    rng = np.random.default_rng(11)
    n = 400
    y = rng.choice(["a", "b"], n)
    df = pd.DataFrame(
        {
            "y": y,
            "dep": np.where(
                y == "a", rng.choice([0, 1, 2], n, p=[0.6, 0.3, 0.1]), rng.choice([0, 1, 2], n)
            ),
            "noise": rng.choice(list("uvw"), n),
            "cont": rng.normal(size=n) + (y == "a"),
        }
    )
    df.loc[:9, "noise"] = None
    res = kls.mutual_information_frame(df, "y", n_resamples=499, rng=4)
    f = res.summary_frame()
    assert list(f.index) == ["dep", "noise", "cont"]
    assert "estimate" in f.columns and "pvalue_adj" in f.columns
    for col in ("dep", "noise"):
        sub = df[[col, "y"]].dropna()
        tab = pd.crosstab(sub[col], sub["y"])
        g, p, _, _ = stats.chi2_contingency(tab, lambda_="log-likelihood", correction=False)
        assert f.loc[col, "estimate"] == pytest.approx(g / (2 * len(sub)), rel=1e-10)
        # permutation p-value near the chi-square one (499 permutations)
        assert abs(f.loc[col, "pvalue"] - p) < 0.06 + 0.2 * p
    assert f.loc["noise", "missing"] == 10 and f.loc["noise", "n"] == n - 10
    assert f.loc["cont", "type"] == "continuous" and f.loc["cont", "levels"] == "10 x 2"
    assert set(res.flagged) == {"dep", "cont"}
    _rej, adj, _, _ = multipletests(f["pvalue"], method="holm")
    np.testing.assert_allclose(f["pvalue_adj"], adj)
    again = kls.mutual_information_frame(df, "y", n_resamples=499, rng=res.seed)
    pd.testing.assert_frame_equal(again.summary_frame(), f)
    assert "Mutual information with 'y'" in res.summary().as_text()


def test_mutual_information_frame_errors():
    df = pd.DataFrame({"a": [1, 2, 3], "b": [0, 1, 0]})
    with pytest.raises(ValueError, match="`target` 'z'"):
        kls.mutual_information_frame(df, "z")
    with pytest.raises(ValueError, match="must not include the target"):
        kls.mutual_information_frame(df, "a", columns=["a", "b"])
    with pytest.raises(TypeError, match="DataFrame"):
        kls.mutual_information_frame(df["a"], "a")


# --------------------------------------------------------------------------- Dask


def test_dask_frames_match_pandas(pair):
    dd = pytest.importorskip("dask.dataframe")
    ref, cur = pair
    ref, cur = ref.drop(columns="when"), cur.drop(columns="when")
    mem = kls.compare_frames(ref, cur, rng=5)
    lazy = kls.compare_frames(
        dd.from_pandas(ref, npartitions=3), dd.from_pandas(cur, npartitions=2), rng=5
    )
    cols = ["statistic", "pvalue", "pvalue_adj", "effect", "n", "missing_reference"]
    pd.testing.assert_frame_equal(lazy.summary_frame()[cols], mem.summary_frame()[cols])
    assert lazy.nrows == (len(ref), len(cur))
    # continuous columns subsampled, the size stated
    sub = kls.compare_frames(
        dd.from_pandas(ref, npartitions=3),
        dd.from_pandas(cur, npartitions=2),
        columns=["amount"],
        subsample=100,
        rng=5,
    )
    row = sub.summary_frame().loc["amount"]
    assert row["n_reference"] == 100 and row["n_current"] == 100
    assert "subsample of at most 100 rows" in row["note"]


def test_dask_mutual_information_frame_matches_pandas():
    dd = pytest.importorskip("dask.dataframe")
    df = kls.datasets.load("infert")
    mem = kls.mutual_information_frame(df, "case", columns=["education", "spontaneous"], rng=3)
    lazy = kls.mutual_information_frame(
        dd.from_pandas(df, npartitions=3), "case", columns=["education", "spontaneous"], rng=3
    )
    cols = ["estimate", "ci_lower", "ci_upper", "pvalue", "n"]
    pd.testing.assert_frame_equal(lazy.summary_frame()[cols], mem.summary_frame()[cols])


# --------------------------------------------------------------------------- CLI


def test_cli_drift(tmp_path, capsys):
    import json

    from klstats._cli import main

    aq = kls.datasets.load("airquality")
    may, aug = tmp_path / "may.csv", tmp_path / "aug.csv"
    aq[aq.Month == 5].drop(columns="Month").to_csv(may, index=False)
    aq[aq.Month == 8].drop(columns="Month").to_csv(aug, index=False)
    assert main(["drift", str(may), str(aug), "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "Temp" in out and "Holm" in out
    assert main(["drift", str(may), str(aug), "--columns", "Temp,Ozone", "--format", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert set(record["columns"]) == {"Temp", "Ozone"}
    assert record["columns"]["Ozone"]["missing_reference"] == 5
    direct = kls.compare_frames(
        aq[aq.Month == 5][["Temp", "Ozone"]], aq[aq.Month == 8][["Temp", "Ozone"]], rng=0
    )
    assert record["columns"]["Temp"]["pvalue"] == pytest.approx(direct.pvalues["Temp"])
    assert main(["drift", str(may), str(tmp_path / "none.csv")]) == 1
    assert "not found" in capsys.readouterr().err
    assert main(["drift", str(may), str(aug), "--columns", "Nope"]) == 1
    assert "'Nope'" in capsys.readouterr().err
    assert main(["drift", str(may), str(aug), "--correction", "fdr"]) == 2


def test_table_agrees_with_the_per_column_results(pair):
    ref, cur = pair
    res = kls.compare_frames(ref, cur, rng=3)
    f = res.summary_frame()
    for col in res.columns:
        test, effect = res.tests[col], res.effects[col]
        assert f.loc[col, "statistic"] == pytest.approx(test.statistic, rel=1e-12)
        assert f.loc[col, "pvalue"] == pytest.approx(test.pvalue, rel=1e-9, abs=1e-300)
        assert f.loc[col, "effect"] == pytest.approx(effect.estimate, rel=1e-12)
        lo, hi = effect.conf_int(res.alpha)
        assert f.loc[col, "ci_lower"] == pytest.approx(lo)
        assert f.loc[col, "ci_upper"] == pytest.approx(min(hi, math.log(2)))
    assert len(res.tests) == len(res.columns) and set(res.effects) == set(res.columns)


def test_sparse_columns_get_monte_carlo_pvalues():
    rng = np.random.default_rng(9)
    ref = pd.DataFrame({"k": rng.poisson(1.5, 80)})
    cur = pd.DataFrame({"k": rng.poisson(1.5, 60)})
    res = kls.compare_frames(ref, cur, rng=4)
    row = res.summary_frame().loc["k"]
    assert "Monte Carlo p-value (999 tables)" in row["note"]
    assert res.tests["k"].method == "montecarlo" and row["df"] == res.tests["k"].chi2_df
    forced = kls.compare_frames(ref, cur, rng=4, test_options={"method": "asymptotic"})
    assert "chi-square p-value approximate" in forced.summary_frame().loc["k", "note"]
    # the default number of tables grows with the number of columns
    many = {f"k{i}": ref["k"] for i in range(60)}
    many_c = {f"k{i}": cur["k"] for i in range(60)}
    res60 = kls.compare_frames(pd.DataFrame(many), pd.DataFrame(many_c), rng=4)
    assert res60.options["n_resamples"] == 11999
    assert res60.tests["k0"].null_distribution.size == 11999


def test_missing_category_with_subsampling_keeps_the_missing_share():
    dd = pytest.importorskip("dask.dataframe")
    rng = np.random.default_rng(12)
    ref = pd.DataFrame({"v": rng.normal(size=4000)})
    cur = pd.DataFrame({"v": rng.normal(size=4000)})
    ref.loc[ref.index[:400], "v"] = np.nan  # 10 % missing in both
    cur.loc[cur.index[-400:], "v"] = np.nan
    for a, b in (
        (ref, cur),
        (dd.from_pandas(ref, npartitions=4), dd.from_pandas(cur, npartitions=3)),
    ):
        row = kls.compare_frames(a, b, missing="category", subsample=1000, rng=3).summary_frame()
        row = row.loc["v"]
        assert row["missing_reference"] == 400 and row["missing_current"] == 400
        assert row["n_reference"] == 1000 and row["n_current"] == 1000  # rows tested
        test = kls.compare_frames(a, b, missing="category", subsample=1000, rng=3).tests["v"]
        observed = np.asarray(test.observed)
        share = observed[:, -1] / observed.sum(axis=1)  # the missing bin
        assert np.all(np.abs(share - 0.1) < 0.04)
        assert row["pvalue"] > 0.001
