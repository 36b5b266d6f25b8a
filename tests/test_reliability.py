"""Regression tests for the defects found by fuzzing (issue 18): duplicate labels,
silent data loss and exit codes on the command line, Ctrl-C, unbounded work, Dask
label pairs, overflow and edge cases. CLI tests run the console script in a subprocess."""

import json
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import klstats as kls

BIN = Path(sys.executable).parent / "klstats"
CMD = [str(BIN)] if BIN.exists() else [sys.executable, "-m", "klstats._cli"]


def run(args, cwd, stdin=None):
    return subprocess.run(
        [*CMD, *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        input=stdin,
    )


def one_line_error(out, code):
    assert out.returncode == code, (out.returncode, out.stderr)
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr


# =========================================================================== 1 duplicates

DUP = pd.Series([1, 2, 3], index=list("aab"))
AB = pd.Series([3, 3], index=list("ab"))


class TestDuplicateLabels:
    @pytest.mark.parametrize(
        "call",
        [
            lambda: kls.kl_divergence(DUP, reference=pd.Series([0.5, 0.5], index=list("ab"))),
            lambda: kls.kl_divergence(DUP, AB),
            lambda: kls.kl_divergence(AB, DUP),
            lambda: kls.jensen_shannon(DUP, AB),
            lambda: kls.cross_entropy(DUP, AB),
            lambda: kls.entropy(DUP),
            lambda: kls.g_test(DUP, {"a": 0.5, "b": 0.5}),
            lambda: kls.g_test(DUP),
            lambda: kls.g_test_homogeneity(DUP, AB),
            lambda: kls.kl_test(DUP, AB, n_resamples=9),
            lambda: kls.kl_divergence(AB, reference=pd.Series([0.5, 0.5], index=list("aa"))),
            lambda: kls.g_test(AB, pd.Series([1, 2], index=list("bb"))),
            lambda: kls.g_test_independence(pd.DataFrame([[1, 2], [3, 4]], index=list("aa"))),
            lambda: kls.mutual_information(pd.DataFrame([[1, 2], [3, 4]], columns=list("xx"))),
        ],
    )
    def test_refused_with_the_label_named(self, call):
        with pytest.raises(ValueError, match=r"duplicated category label.*'[abx]'"):
            call()

    def test_inputs_not_modified_and_unique_labels_unchanged(self):
        before = DUP.copy()
        with pytest.raises(ValueError):
            kls.kl_divergence(DUP, AB)
        pd.testing.assert_series_equal(DUP, before)
        # unique labels in different orders align on labels, as before
        p = pd.Series([1, 2, 3], index=list("abc"))
        q = pd.Series([3, 2, 1], index=list("cba"))
        assert kls.kl_divergence(p, q).estimate == pytest.approx(0.0, abs=1e-15)
        js = kls.jensen_shannon(p, pd.Series([3, 2, 1], index=list("cbd")))
        m = (np.array([1, 2, 3, 0]) / 6 + np.array([0, 2, 3, 1]) / 6) / 2
        want = (stats.entropy([1, 2, 3, 0], m) + stats.entropy([0, 2, 3, 1], m)) / 2
        assert js.estimate == pytest.approx(want, rel=1e-12)

    def test_plugin_never_negative_after_alignment(self):
        rng = np.random.default_rng(0)
        for _ in range(50):
            k = rng.integers(2, 8)
            labels = rng.permutation(list("abcdefgh"))[:k]
            p = pd.Series(rng.integers(1, 20, k), index=labels)
            q = pd.Series(rng.dirichlet(np.ones(k)), index=rng.permutation(labels))
            est = kls.kl_divergence(p, reference=q).estimate
            want = stats.entropy(p.to_numpy(), q.reindex(p.index).to_numpy())
            assert est == pytest.approx(want, rel=1e-10, abs=1e-14) and est >= 0

    def test_cli_gof_with_repeated_label(self, tmp_path):
        path = tmp_path / "dup.csv"
        path.write_text("cat,obs\na,1\na,2\nb,3\n")
        out = run(["gof", path, "--observed", "obs", "--label", "cat"], tmp_path)
        one_line_error(out, 1)
        assert "'a'" in out.stderr and "duplicated" in out.stderr

    def test_cli_table_with_repeated_row_label(self, tmp_path):
        path = tmp_path / "tab.csv"
        path.write_text("g,x,y\na,1,2\na,3,4\nb,5,6\n")
        out = run(["independence", path, "--table"], tmp_path)
        one_line_error(out, 1)
        assert "'a'" in out.stderr


# =========================================================================== 2 CLI data loss


class TestCliKeepsEveryRow:
    def test_hash_labels_are_labels_not_comments(self, tmp_path):
        path = tmp_path / "hash.csv"
        labels = ["#1", "C#", "b"] * 20
        pd.DataFrame({"g": ["A", "B"] * 30, "v": labels}).to_csv(path, index=False)
        args = ["compare", path, "--group", "g", "--value", "v", "--estimator", "plugin"]
        out = run([*args, "--n-resamples", "19", "--format", "json"], tmp_path)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["nobs"] == 60

    def test_na_country_code_is_a_label(self, tmp_path):
        path = tmp_path / "na.csv"
        rng = np.random.default_rng(2)
        df = pd.DataFrame(
            {
                "country": rng.choice(["NA", "ZA", "BW", "N/A", "null", "nan"], 80),
                "sex": rng.choice(["m", "f"], 80),
            }
        )
        df.to_csv(path, index=False)
        out = run(
            ["independence", path, "--row", "country", "--col", "sex", "--format", "json"],
            tmp_path,
        )
        assert out.returncode == 0, out.stderr
        rec = json.loads(out.stdout)
        want = kls.g_test_independence(pd.crosstab(df["country"], df["sex"]))
        assert rec["nobs"] == 80
        assert rec["statistic"] == pytest.approx(want.statistic, rel=1e-12)

    @pytest.mark.parametrize("weight", [False, True])
    def test_missing_values_refused_with_rows_named(self, tmp_path, weight):
        path = tmp_path / "miss.csv"
        path.write_text(
            "g,v,w\n"
            + "".join(
                f"{'AB'[i % 2]},{'' if i in (3, 7) else 'xyz'[i % 3]},{i % 4 + 1}\n"
                for i in range(30)
            )
        )
        args = ["compare", path, "--group", "g", "--value", "v", "--n-resamples", "19"]
        if weight:
            args += ["--weight", "w"]
        out = run(args, tmp_path)
        one_line_error(out, 1)
        assert "2 missing" in out.stderr and "rows 4, 8" in out.stderr
        assert "--dropna" in out.stderr

    def test_dropna_drops_and_reports(self, tmp_path):
        path = tmp_path / "miss.csv"
        rng = np.random.default_rng(1)
        df = pd.DataFrame({"g": np.repeat(["A", "B"], 20), "v": rng.normal(size=40)})
        df.loc[[3, 17], "v"] = np.nan
        df.to_csv(path, index=False)
        args = ["compare", path, "--group", "g", "--value", "v", "--n-resamples", "19", "--dropna"]
        out = run([*args, "--format", "json"], tmp_path)
        assert out.returncode == 0, out.stderr
        rec = json.loads(out.stdout)
        assert rec["nobs"] == 38
        assert any("dropped 2 of 40 rows" in n for n in rec["notes"])
        assert "dropped 2 of 40" in out.stderr
        text = run(args, tmp_path)
        assert "dropped 2 of 40 rows" in text.stdout

    def test_independence_missing_label_refused(self, tmp_path):
        path = tmp_path / "r.csv"
        path.write_text("a,b\nx,u\n,v\ny,u\ny,v\n")
        out = run(["independence", path, "--row", "a", "--col", "b"], tmp_path)
        one_line_error(out, 1)
        assert "row" in out.stderr and "2" in out.stderr

    def test_numeric_missing_string_is_not_silently_dropped(self, tmp_path):
        path = tmp_path / "c.csv"
        path.write_text("obs\n5\nNA\n3\n")
        out = run(["gof", path, "--observed", "obs"], tmp_path)
        one_line_error(out, 1)
        assert "'NA'" in out.stderr

    def test_unequal_integer_columns_stay_discrete(self, tmp_path):
        path = tmp_path / "u.csv"
        x = [0, 1, 2, 3, 4] * 6
        y = [0, 1, 2, 3, 4, 4, 3] * 3
        path.write_text(
            "x,y\n" + "".join(f"{a},{y[i] if i < len(y) else ''}\n" for i, a in enumerate(x))
        )
        out = run(
            ["kl", path, "--x", "x", "--y", "y", "--estimator", "plugin", "--format", "json"],
            tmp_path,
        )
        assert out.returncode == 0, out.stderr
        rec = json.loads(out.stdout)
        assert rec["estimator"] == "plugin"
        px, qy = kls.tabulate(x, y)
        assert rec["estimate"] == kls.kl_divergence(px, qy, estimator="plugin").estimate
        auto = run(["kl", path, "--x", "x", "--y", "y", "--format", "json"], tmp_path)
        # discrete, not k-NN; the default of kl_divergence (plug-in)
        assert json.loads(auto.stdout)["estimator"] == "plugin"

    def test_stdin(self, tmp_path):
        data = "obs,p\n315,9\n108,3\n101,3\n32,1\n"
        out = run(
            ["gof", "-", "--observed", "obs", "--probs", "p", "--format", "json"],
            tmp_path,
            stdin=data,
        )
        assert out.returncode == 0, out.stderr
        obs = np.array([315, 108, 101, 32])
        want = stats.power_divergence(
            obs, obs.sum() * np.array([9, 3, 3, 1]) / 16, lambda_="log-likelihood"
        ).statistic
        assert json.loads(out.stdout)["statistic"] == pytest.approx(want, rel=1e-12)


# =========================================================================== 9 exit codes


@pytest.fixture
def counts_csv(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("lab,p,q,x,y\na,3,4,1,2\nb,5,2,2,2\nc,4,4,3,1\n")
    return path


class TestCliOptions:
    @pytest.mark.parametrize(
        "args",
        [
            ["gof", "{f}", "--observed", "p", "--seed", "-1"],
            ["gof", "{f}", "--observed", "p", "--method", "montecarlo", "--n-resamples", "0"],
            ["gof", "{f}", "--observed", "p", "--ddof", "-1"],
            ["kl", "{f}", "--p", "p", "--q", "q", "--base", "1"],
            ["kl", "{f}", "--p", "p", "--q", "q", "--base", "-2"],
            ["kl", "{f}", "--x", "x", "--y", "y", "--k", "0"],
            ["gof", "{f}", "--observed", "p", "--alpha", "nan"],
            ["kl", "{f}", "--p", "p", "--q", "q", "--x", "x", "--y", "y"],
            ["kl", "{f}", "--x", "x", "--y", "y", "--q", "q"],
            ["kl", "{f}", "--p", "p", "--q", "q", "--estimator", "wang"],
            ["kl", "{f}", "--p", "p", "--q", "q", "--k", "3"],
            ["independence", "{f}", "--table", "--row", "lab", "--col", "p"],
            ["gof", "{f}", "--observed", "p", "--method", "asymptotic", "--n-resamples", "99"],
            ["compare", "{f}", "--group", "lab", "--value", "x", "--groups", "a,a"],
            ["compare", "{f}", "--group", "lab", "--value", "x", "--groups", "a"],
            ["gof", "{f}", "--observed", "p", "--output", "{f}"],
            ["gof", "{f}", "--observed", "p", "--output", "no/such/dir/out.txt"],
            ["gof", "{f}", "--observed", "p", "--alpha", "0"],
            ["gof", "{f}", "--observed", "p", "--n-resamples", "ten"],
            ["kl", "{f}", "--p", "p", "--q", "q", "--estimator", "nonsense"],
            ["kl", "{f}", "--p", "p", "--q", "q", "--base", "inf"],
            ["kl", "{f}", "--x", "x", "--y", "y", "--label", "lab"],
            ["compare", "{f}", "--group", "lab", "--value", "x", "--k", "-3"],
        ],
    )
    def test_usage_errors_exit_2(self, counts_csv, tmp_path, args):
        before = counts_csv.read_text()
        out = run([a.format(f=counts_csv) for a in args], tmp_path)
        one_line_error(out, 2)
        assert counts_csv.read_text() == before

    def test_output_cannot_overwrite_input_through_another_path(self, counts_csv, tmp_path):
        before = counts_csv.read_text()
        other = tmp_path / "sub"
        other.mkdir()
        out = run(["gof", "../c.csv", "--observed", "p", "--output", counts_csv], other)
        one_line_error(out, 2)
        assert counts_csv.read_text() == before

    def test_numeric_groups_match_as_numbers(self, tmp_path):
        path = tmp_path / "g.csv"
        rng = np.random.default_rng(3)
        df = pd.DataFrame({"grp": [1.0, 2.0, 3.0] * 20, "v": rng.normal(size=60)})
        df.to_csv(path, index=False)
        out = run(
            [
                "compare",
                path,
                "--group",
                "grp",
                "--value",
                "v",
                "--groups",
                "1,2",
                "--n-resamples",
                "19",
                "--format",
                "json",
            ],
            tmp_path,
        )
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["nobs"] == 40


# =========================================================================== 3 Ctrl-C


def test_ctrl_c_one_line_exit_130_no_partial_output(tmp_path):
    path = tmp_path / "big.csv"
    rng = np.random.default_rng(0)
    pd.DataFrame({"g": np.repeat(["a", "b"], 300), "v": rng.normal(size=600)}).to_csv(
        path, index=False
    )
    target = tmp_path / "out.txt"
    code = (
        "import sys, klstats._cli as c; sys.stderr.write('ready\\n'); sys.stderr.flush(); "
        "sys.exit(c.main(sys.argv[1:]))"
    )
    # a job that check_resamples accepts but that runs for minutes: a refused one
    # (10**7) exits with status 1 within ~2 s and raced the interrupt below
    args = [
        "compare",
        str(path),
        "--group",
        "g",
        "--value",
        "v",
        "--n-resamples",
        "2000000",
        "--output",
        str(target),
    ]
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.stderr.readline() == "ready\n"
    import time

    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert err.strip() == "klstats: interrupted"
    assert list(tmp_path.iterdir()) == [path]


# =========================================================================== 4 bounded work

HUGE = 10**12


class TestBoundedWork:
    @pytest.mark.parametrize(
        "call",
        [
            lambda x, y: kls.kl_test(x, y, estimator="wang", n_resamples=HUGE),
            lambda x, y: kls.kl_test([3, 4, 5], [5, 4, 3], n_resamples=HUGE),
            lambda x, y: kls.kl_test([3, 4, 5], reference=[1, 1, 1], n_resamples=HUGE),
            lambda x, y: kls.independence_test([[3, 4], [5, 6]], n_resamples=HUGE),
            lambda x, y: kls.independence_test(x, y, estimator="ksg1", n_resamples=HUGE),
            lambda x, y: kls.g_test([3, 4, 5], method="montecarlo", n_resamples=HUGE),
            lambda x, y: kls.g_test_independence(
                [[3, 4], [5, 6]], method="montecarlo", n_resamples=HUGE
            ),
            lambda x, y: kls.lr_test_distributions(
                np.abs(x) + 0.1, "expon", "gamma", method="bootstrap", n_resamples=HUGE
            ),
            lambda x, y: kls.kl_divergence([3, 4, 5], [5, 4, 3]).conf_int(
                method="percentile", n_resamples=HUGE
            ),
            lambda x, y: kls.entropy([3, 4, 5]).bootstrap_distribution(HUGE),
            lambda x, y: kls.kl_divergence_knn(
                np.linspace(0, 1, 200), np.linspace(0.1, 1.3, 200)
            ).conf_int(method="subsampling", n_resamples=HUGE),
        ],
    )
    def test_absurd_requests_refused_up_front_with_the_estimate(self, call):
        rng = np.random.default_rng(0)
        x, y = rng.normal(size=20), rng.normal(size=20) + 1
        with pytest.raises(ValueError, match=r"n_resamples.*too large.*TiB.*operations"):
            call(x, y)

    def test_guard_scales_with_the_data(self):
        from klstats._base._validation import MAX_OPERATIONS, check_resamples

        assert check_resamples(9999, work_per_resample=1e6) == 9999
        with pytest.raises(ValueError, match="at most"):
            check_resamples(10**8, work_per_resample=10 * MAX_OPERATIONS / 10**8)
        with pytest.raises(ValueError, match="n_resamples"):
            check_resamples(0)
        with pytest.raises(TypeError):
            check_resamples(1.5)


# =========================================================================== 5 Dask pairs


class TestDaskLabelPairs:
    dd = pytest.importorskip("dask.dataframe")

    @pytest.fixture
    def xy(self):
        rng = np.random.default_rng(0)
        n = 2000
        x = pd.Series(rng.integers(0, 3, n))
        y = pd.Series(rng.integers(0, 3, n), index=rng.permutation(n))
        y = y.where(x != 2, (y + 1) % 3)  # some dependence
        return x, y

    @pytest.mark.parametrize(
        ("nx", "ny", "sort"), [(3, 5, False), (4, 4, False), (1, 7, False), (4, 4, True)]
    )
    def test_pairs_by_position_like_memory(self, xy, nx, ny, sort):
        x, y = xy
        dx = self.dd.from_pandas(x, npartitions=nx, sort=sort)
        dy = self.dd.from_pandas(y, npartitions=ny, sort=sort)
        got = kls.g_test_independence(dx, dy).statistic
        want = kls.g_test_independence(dx.compute(), dy.compute()).statistic
        assert got == pytest.approx(want, rel=1e-12)
        mi = kls.mutual_information(dx, dy).estimate
        assert mi == pytest.approx(kls.mutual_information(dx.compute(), dy.compute()).estimate)

    def test_memory_pairs_by_position_not_index(self, xy):
        x, y = xy
        a = kls.g_test_independence(x, y).statistic
        b = kls.g_test_independence(x.to_numpy(), y.to_numpy()).statistic
        assert a == b

    def test_equal_partition_counts_different_sizes(self, xy):
        da = pytest.importorskip("dask.array")
        x, y = xy
        dx = self.dd.from_pandas(x, npartitions=4)
        dy = da.from_array(y.to_numpy(), chunks=300)
        got = kls.g_test_independence(dx, dy).statistic
        assert got == pytest.approx(kls.g_test_independence(x, y).statistic, rel=1e-12)

    def test_different_lengths_named(self, xy):
        x, y = xy
        dx = self.dd.from_pandas(x[x > 0], npartitions=4)
        dy = self.dd.from_pandas(y, npartitions=3, sort=False)
        with pytest.raises(ValueError, match=r"same length; got \d+ and 2000"):
            kls.g_test_independence(dx, dy)

    def test_duplicate_labels_in_dask_counts(self):
        s = self.dd.from_pandas(pd.Series([1.0, 2.0, 3.0], index=list("aab")), npartitions=2)
        with pytest.raises(ValueError, match="duplicated category label"):
            kls.kl_divergence(s, reference=pd.Series([0.5, 0.5], index=list("ab")))


# =========================================================================== 8 overflow


class TestOverflow:
    @pytest.mark.parametrize(
        "call",
        [
            lambda: kls.kl_divergence([1e308, 1e308], [1e308, 5e307]),
            lambda: kls.entropy([1e308, 1e308]),
            lambda: kls.kl_divergence([1, 2], reference=[1e308, 1e308]),
            lambda: kls.g_test([1e308, 1e308]),
            lambda: kls.mutual_information([[1e308, 1e308], [1.0, 1.0]]),
        ],
    )
    def test_totals_beyond_float_refused(self, call):
        with pytest.raises(ValueError, match="largest float64"):
            call()

    @pytest.mark.filterwarnings("error")
    def test_huge_but_finite_counts_give_the_scale_free_value(self):
        want = stats.entropy([1.0, 0.2])
        assert kls.entropy([1e307, 2e306]).estimate == pytest.approx(want, rel=1e-12)
        js = kls.jensen_shannon([1e307, 1e306], [1e306, 1e307]).estimate
        assert js == pytest.approx(kls.jensen_shannon([10, 1], [1, 10]).estimate, rel=1e-12)
        mi = kls.mutual_information([[1e306, 2e305], [3e304, 1e305]]).estimate
        assert mi == pytest.approx(kls.mutual_information([[100, 20], [3, 10]]).estimate)

    @pytest.mark.parametrize("scale", [1.0, 1e10, 1e15])
    def test_jackknife_entropy_stable_at_large_counts(self, scale):
        x = np.array([5.0, 1.0, 0.2]) * scale
        got = kls.entropy(x, estimator="jackknife").estimate
        # closed form: H + (n-1)/n-order corrections vanish; compare with plug-in
        assert got == pytest.approx(stats.entropy(x), abs=max(5.0 / scale, 1e-12))

    def test_jackknife_entropy_matches_leave_one_out_definition(self):
        x = np.array([3, 0, 7, 1, 2])
        n = x.sum()
        obs = np.repeat(np.arange(x.size), x)
        loo = [stats.entropy(np.bincount(np.delete(obs, i), minlength=x.size)) for i in range(n)]
        want = n * stats.entropy(x) - (n - 1) * np.mean(loo)
        assert kls.entropy(x, estimator="jackknife").estimate == pytest.approx(want, rel=1e-13)

    def test_power_at_huge_effect(self):
        assert kls.g_test_power(1e300, df=1, nobs=10) == 1.0
        assert kls.g_test_power(1e6, df=3, nobs=1e6) == 1.0
        small = kls.g_test_power(0.01, df=2, nobs=100)
        crit = stats.chi2.isf(0.05, 2)
        assert small == pytest.approx(stats.ncx2.sf(crit, 2, 2.0), rel=1e-12)


# =========================================================================== 10 NSB


class TestNSB:
    def test_one_category_refused_clearly(self):
        with pytest.raises(ValueError, match="alphabet_size"):
            kls.entropy([7], estimator="nsb")

    def test_alphabet_smaller_than_observed_refused(self):
        with pytest.raises(ValueError, match=r"alphabet_size.*smaller than the 3"):
            kls.entropy([3, 4, 5], estimator="nsb", alphabet_size=2)

    @pytest.mark.filterwarnings("error")
    def test_single_observed_category_with_declared_alphabet_is_finite(self):
        h = kls.entropy([7], estimator="nsb", alphabet_size=2).estimate
        assert np.isfinite(h) and 0 <= h <= np.log(2)
        assert h == pytest.approx(kls.entropy([7, 0], estimator="nsb").estimate, rel=1e-12)


# =========================================================================== 11 alpha


def _results():
    rng = np.random.default_rng(0)
    x = rng.normal(size=60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _make_results(x)


def _make_results(x):
    return [
        kls.entropy([3, 4, 5]),
        kls.kl_divergence([3, 4, 5], [5, 4, 3]),
        kls.mutual_information([[3, 4], [5, 6]]),
        kls.g_test([3, 4, 5]),
        kls.g_test_independence([[10, 4], [5, 12]]),
        kls.kl_test([3, 4, 5], [5, 4, 3], n_resamples=19, rng=1),
        kls.kl_divergence_knn(x, x[::-1] * 1.3 + 0.1),
        kls.lr_test_distributions(np.abs(x) + 0.1, "expon", "gamma"),
    ]


@pytest.mark.parametrize("alpha", [1.5, 0.0, 1.0, -0.1, float("nan")])
@pytest.mark.parametrize("method", ["summary", "summary_markdown", "to_dict"])
def test_invalid_alpha_in_summaries_raises(alpha, method):
    for res in _results():
        with pytest.raises(ValueError, match="alpha"):
            getattr(res, method)(alpha)


# =========================================================================== 13 smaller


class TestSmallerOnes:
    def test_masked_arrays_refused_not_ignored(self):
        m = np.ma.masked_array([1, 2, 3], [0, 1, 0])
        for call in (
            lambda: kls.entropy(m),
            lambda: kls.kl_divergence(m, [1, 1, 1]),
            lambda: kls.tabulate(m),
            lambda: kls.kl_divergence_knn(
                np.ma.masked_array(np.arange(9.0), [1] + [0] * 8), np.arange(9.0) + 0.3
            ),
        ):
            with pytest.raises(ValueError, match="masked"):
                call()
        full = np.ma.masked_array([1, 2, 3])  # nothing masked: read as usual
        assert kls.entropy(full).estimate == kls.entropy([1, 2, 3]).estimate

    def test_nullable_int_frame_like_series(self):
        t = pd.DataFrame([[10, 4], [5, 12]])
        want = kls.mutual_information(t.to_numpy()).estimate
        assert kls.mutual_information(t.astype("Int64")).estimate == want
        assert kls.g_test_independence(t.astype("Int64")).statistic == pytest.approx(
            kls.g_test_independence(t).statistic
        )
        with pytest.raises(ValueError, match="NaN"):
            kls.mutual_information(pd.DataFrame([[1, 2], [3, None]]).astype("Int64"))

    def test_fractional_counts_nobs_not_zero(self):
        # totals of 1 or less are probabilities (refused); weighted counts above 1
        # report their rounded total
        with pytest.raises(ValueError, match="looks like probabilities"):
            kls.entropy([0.1, 0.2])
        assert kls.entropy([0.6, 0.7]).nobs == 1
        assert kls.mutual_information([[0.5, 0.25], [0.2, 0.6]]).nobs == 2
        assert kls.entropy([1, 2]).nobs == 3

    def test_negative_seed_message(self):
        with pytest.raises(ValueError, match=r"rng.*>= 0; got -1"):
            kls.kl_test([1, 2], [2, 1], rng=-1)
        with pytest.raises(TypeError, match="rng"):
            kls.kl_test([1, 2], [2, 1], rng="seed")
        with pytest.raises(TypeError, match="boolean"):
            kls.kl_test([1, 2], [2, 1], rng=True)


class TestCliReading:
    def test_repeated_column_name_refused(self, tmp_path):
        path = tmp_path / "d.csv"
        path.write_text("a,a\n1,2\n3,4\n")
        out = run(["gof", path, "--observed", "a"], tmp_path)
        one_line_error(out, 1)
        assert "'a'" in out.stderr

    @pytest.mark.parametrize("body", ["obs,p\n315,9,4\n108,3\n", "obs,p\n315,9\n108,3,5\n"])
    def test_row_with_extra_fields_refused(self, tmp_path, body):
        out = run(["gof", "-", "--observed", "obs", "--probs", "p"], tmp_path, stdin=body)
        one_line_error(out, 1)

    def test_byte_order_mark(self, tmp_path):
        path = tmp_path / "bom.csv"
        path.write_bytes(b"\xef\xbb\xbfobs,p\n315,9\n108,3\n101,3\n32,1\n")
        out = run(["gof", path, "--observed", "obs", "--probs", "p", "--format", "json"], tmp_path)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["nobs"] == 556


@pytest.mark.parametrize("method", ["percentile", "basic", "bca"])
def test_one_replicate_interval_refused(method):
    with pytest.raises(ValueError, match="too few"):
        kls.entropy([3, 4, 5]).conf_int(method=method, n_resamples=1)


def test_one_replicate_knn_subsampling_refused():
    rng = np.random.default_rng(0)
    est = kls.kl_divergence_knn(rng.normal(size=200), rng.normal(size=200) + 0.5, estimator="wang")
    with pytest.raises(ValueError, match="too few"):
        est.conf_int(method="subsampling", n_resamples=1)


# =========================================================================== 12 memory


def _peak(call):
    import tracemalloc

    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.filterwarnings("ignore::klstats.SmallSampleWarning")
def test_memory_of_label_arrays_at_most_twice_the_input():
    rng = np.random.default_rng(0)
    n = 1_000_000
    x, y = rng.integers(0, 50, n), rng.integers(0, 30, n)
    unique = rng.permutation(n)
    kls.mutual_information(x[:100], y[:100])  # warm caches and lazy imports
    kls.tabulate(unique[:100])
    both = x.nbytes + y.nbytes
    assert _peak(lambda: kls.mutual_information(x, y)) <= 2 * both
    assert _peak(lambda: kls.g_test_independence(x, y)) <= 2 * both
    # every label unique: the counts themselves (labels + counts) are twice the input
    assert _peak(lambda: kls.tabulate(unique)) <= 2.1 * unique.nbytes


def test_ctrl_c_during_an_extension_import_is_an_interrupt(monkeypatch, capsys, tmp_path):
    """Ctrl-C while a pybind11 extension initialises reaches us as ImportError raised
    from the KeyboardInterrupt: still exit 130 and one line, not 'unexpected ImportError'."""
    import klstats._cli as cli

    def interrupted_import(args):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise ImportError("initialization failed") from exc

    monkeypatch.setattr(cli, "_gof", interrupted_import)
    path = tmp_path / "x.csv"
    path.write_text("label,count\na,1\nb,2\n")
    assert cli.main(["gof", str(path), "--observed", "count"]) == 130
    assert capsys.readouterr().err == "klstats: interrupted\n"


def test_ctrl_c_through_the_console_script(tmp_path):
    """The installed script: interrupted while reading, importing or computing."""
    import time

    path = tmp_path / "big.csv"
    rng = np.random.default_rng(0)
    pd.DataFrame({"g": np.repeat(["a", "b"], 300), "v": rng.normal(size=600)}).to_csv(
        path, index=False
    )
    target = tmp_path / "out.json"
    # minutes of work, yet under the resampling guard's limit (1e7 is refused up front)
    args = ["compare", path, "--group", "g", "--value", "v", "--n-resamples", "2000000"]
    proc = subprocess.Popen(
        [*CMD, *map(str, args), "--output", str(target), "--format", "json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(3.0)  # past the interpreter's own start-up (site module)
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:  # still running: do not leak it into the next tests
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert err.strip() == "klstats: interrupted"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv"]


class TestLargeCountFamilies:
    def test_nbinom_profile_closed_form_matches_the_table(self, monkeypatch):
        from klstats._hypotests import _families as F

        rng = np.random.default_rng(0)
        for mean in (50, 5000, 400_000):
            y = rng.negative_binomial(5, 5 / (5 + mean), size=300).astype(float)
            table, _ = F._nbinom_profile(y)
            monkeypatch.setattr(F, "_NBINOM_TABLE_MAX", 0)
            closed, _ = F._nbinom_profile(y)
            monkeypatch.undo()
            for a in np.exp(np.linspace(-12, 8, 21)) / mean:
                assert closed(a) == pytest.approx(table(a), rel=1e-9, abs=1e-9)

    def test_counts_near_1e12_bounded_memory(self):
        rng = np.random.default_rng(1)
        kls.lr_test_distributions(rng.poisson(5.0, 50).astype(float), "poisson", "nbinom")
        data = rng.poisson(1e12, size=200).astype(float)
        res = None

        def go():
            nonlocal res
            res = kls.lr_test_distributions(data, "poisson", "nbinom")

        assert _peak(go) < 50e6  # an array of max(data) entries would be 8 TB
        assert np.isfinite(res.statistic) and res.statistic < 10  # Poisson data
        over = rng.negative_binomial(5, 5 / (5 + 1e12), size=200).astype(float)
        big = kls.lr_test_distributions(over, "poisson", "nbinom")
        assert big.pvalue < 1e-10  # variance ~ m^2 / 5 is overdispersed beyond doubt


# =========================================================================== 6, 7 k-NN


class TestKnnReliability:
    def test_dask_empty_partitions_like_memory(self):
        dd = pytest.importorskip("dask.dataframe")
        rng = np.random.default_rng(0)
        df = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)})
        ddf = dd.from_pandas(df, npartitions=8)
        x = ddf[(ddf.a > 0.5) & (ddf.index < 200)]  # the last four partitions are empty
        other = dd.from_pandas(df * 1.3 + 0.2, npartitions=5)
        y = other[other.b > 0.3]
        assert 0 in x.map_partitions(len).compute().tolist()
        for est in ("wang", "weighted"):
            got = kls.kl_divergence_knn(x, y, estimator=est).estimate
            want = kls.kl_divergence_knn(x.compute(), y.compute(), estimator=est).estimate
            assert got == pytest.approx(want, rel=1e-10)
        got = kls.entropy_knn(x).estimate
        assert got == pytest.approx(kls.entropy_knn(x.compute()).estimate, rel=1e-10)

    @pytest.mark.parametrize("scale", [1e160, 1e200, 1e300, 1e-170, 1e-300])
    @pytest.mark.filterwarnings("error")
    def test_extreme_scales(self, scale):
        rng = np.random.default_rng(0)
        x, y = rng.normal(size=(300, 2)), rng.normal(size=(300, 2)) * 1.5
        for est in ("wang", "weighted"):
            base = kls.kl_divergence_knn(x, y, estimator=est).estimate
            got = kls.kl_divergence_knn(x * scale, y * scale, estimator=est).estimate
            assert got == pytest.approx(base, rel=1e-9)  # scale invariant
        h = kls.entropy_knn(x).estimate
        hs = kls.entropy_knn(x * scale).estimate
        assert hs == pytest.approx(h + 2 * np.log(scale), rel=1e-9, abs=1e-9)

    def test_jitter_warning_counts_points_once(self):
        x = np.repeat(np.arange(10.0), 2)
        with pytest.warns(Warning) as rec:
            kls.kl_divergence_knn(x, x + 0.5, ties="jitter", rng=1, estimator="wang")
        text = " ".join(str(w.message) for w in rec)
        assert "of 20 points" in text and "40 of 20" not in text
