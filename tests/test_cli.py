"""The command line end to end, through a subprocess started outside the repository."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import klstats as kls

BIN = Path(sys.executable).parent / "klstats"
CMD = [str(BIN)] if BIN.exists() else [sys.executable, "-m", "klstats._cli"]


def run(args, cwd):
    return subprocess.run(
        [*CMD, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def peas(tmp_path):
    path = tmp_path / "peas.csv"
    kls.datasets.load("mendel_peas").to_csv(path)  # the label index as a column
    return path


@pytest.fixture
def records(tmp_path):
    path = tmp_path / "records.csv"
    hec = kls.datasets.load("hair_eye_color")
    rows = hec.loc[hec.index.repeat(hec["Freq"]), ["Hair", "Eye"]]
    rows.to_csv(path, index=False)
    return path


class TestGof:
    def test_text_matches_scipy(self, peas, tmp_path):
        out = run(["gof", peas, "--observed", "observed", "--probs", "expected_ratio"], tmp_path)
        assert out.returncode == 0, out.stderr
        obs = np.array([315, 108, 101, 32])
        exp = obs.sum() * np.array([9, 3, 3, 1]) / 16
        g = stats.power_divergence(obs, exp, lambda_="log-likelihood").statistic
        assert f"{g:.4f}" in out.stdout
        assert "Null hypothesis" in out.stdout

    @pytest.mark.parametrize(
        ("fmt", "marker"),
        [("html", "<table"), ("latex", "tabular"), ("markdown", "|:---|"), ("text", "====")],
    )
    def test_formats(self, peas, tmp_path, fmt, marker):
        out = run(
            ["gof", peas, "--observed", "observed", "--probs", "expected_ratio", "--format", fmt],
            tmp_path,
        )
        assert out.returncode == 0, out.stderr
        assert marker in out.stdout

    def test_json_is_reproducible_record(self, peas, tmp_path):
        args = ["gof", peas, "--observed", "observed", "--method", "montecarlo"]
        args += ["--n-resamples", "999", "--seed", "7", "--format", "json"]
        a, b = run(args, tmp_path), run(args, tmp_path)
        assert a.returncode == 0, a.stderr
        rec = json.loads(a.stdout)
        assert rec == json.loads(b.stdout)  # same seed, same record
        assert rec["command"][-2:] == ["--format", "json"] and "7" in rec["command"]
        assert rec["nobs"] == 556 and rec["df"] is None
        assert set(rec["versions"]) >= {"klstats", "numpy", "scipy"}

    def test_output_file(self, peas, tmp_path):
        target = tmp_path / "report.html"
        args = ["gof", peas, "--observed", "observed", "--format", "html", "--output", target]
        out = run(args, tmp_path)
        assert out.returncode == 0 and out.stdout == ""
        assert target.read_text().startswith("<!DOCTYPE html>")
        assert "<table" in target.read_text()


class TestIndependence:
    def test_records_and_weights_agree_with_scipy(self, records, tmp_path):
        hec = kls.datasets.load("hair_eye_color")
        table = pd.crosstab(hec["Hair"], hec["Eye"], values=hec["Freq"], aggfunc="sum")
        g = stats.chi2_contingency(table, lambda_="log-likelihood", correction=False)[0]
        raw = run(
            ["independence", records, "--row", "Hair", "--col", "Eye", "--format", "json"],
            tmp_path,
        )
        assert raw.returncode == 0, raw.stderr
        assert json.loads(raw.stdout)["statistic"] == pytest.approx(g, rel=1e-10)
        path = tmp_path / "long.csv"
        hec.to_csv(path, index=False)
        weighted = run(
            [
                "independence",
                path,
                "--row",
                "Hair",
                "--col",
                "Eye",
                "--weight",
                "Freq",
                "--format",
                "json",
            ],
            tmp_path,
        )
        assert json.loads(weighted.stdout)["statistic"] == pytest.approx(g, rel=1e-10)

    def test_table_csv(self, tmp_path):
        path = tmp_path / "table.csv"
        path.write_text("party,dem,ind,rep\nfemale,762,327,468\nmale,484,239,477\n")
        out = run(["independence", path, "--table", "--format", "json"], tmp_path)
        assert out.returncode == 0, out.stderr
        # Agresti (2007), p. 39: G^2 = 30.02 on 2 df
        assert json.loads(out.stdout)["statistic"] == pytest.approx(30.02, abs=5e-3)


class TestKL:
    def test_counts_two_sample(self, tmp_path):
        path = tmp_path / "kl.csv"
        pd.DataFrame({"p": [30, 20, 10, 5, 0], "q": [25, 25, 10, 4, 1]}).to_csv(path)
        out = run(["kl", path, "--p", "p", "--q", "q", "--format", "json"], tmp_path)
        assert out.returncode == 0, out.stderr
        want = stats.entropy([30, 20, 10, 5, 0], [25, 25, 10, 4, 1])
        assert json.loads(out.stdout)["estimate"] == pytest.approx(want, rel=1e-12)

    def test_one_sample_bits(self, peas, tmp_path):
        out = run(
            [
                "kl",
                peas,
                "--p",
                "observed",
                "--probs",
                "expected_ratio",
                "--base",
                "2",
                "--format",
                "json",
            ],
            tmp_path,
        )
        rec = json.loads(out.stdout)
        want = stats.entropy([315, 108, 101, 32], [9, 3, 3, 1], base=2)
        assert rec["estimate"] == pytest.approx(want, rel=1e-12) and rec["units"] == "bits"

    def test_raw_labels(self, tmp_path):
        path = tmp_path / "raw.csv"
        pd.DataFrame({"a": list("aabbc"), "b": list("abbcc")}).to_csv(path, index=False)
        out = run(
            ["kl", path, "--x", "a", "--y", "b", "--estimator", "plugin", "--format", "json"],
            tmp_path,
        )
        assert out.returncode == 0, out.stderr
        want = stats.entropy([2, 2, 1], [1, 2, 2])
        assert json.loads(out.stdout)["estimate"] == pytest.approx(want, rel=1e-12)


class TestCompare:
    def test_weighted_categorical_matches_scipy(self, tmp_path):
        hec = kls.datasets.load("hair_eye_color")
        path = tmp_path / "hec.csv"
        hec.to_csv(path, index=False)
        args = ["compare", path, "--group", "Sex", "--value", "Hair", "--weight", "Freq"]
        args += ["--estimator", "plugin", "--n-resamples", "199", "--seed", "3"]
        out = run([*args, "--format", "json"], tmp_path)
        assert out.returncode == 0, out.stderr
        rec = json.loads(out.stdout)
        hair = hec.groupby(["Sex", "Hair"])["Freq"].sum().unstack()
        want = stats.entropy(hair.loc["Male"], hair.loc["Female"])
        assert rec["statistic"] == pytest.approx(want, rel=1e-12)
        assert rec["nobs"] == 592 and 0 < rec["pvalue"] <= 1

    def test_continuous_groups(self, tmp_path):
        path = tmp_path / "chick.csv"
        kls.datasets.load("chickwts").to_csv(path, index=False)
        args = ["compare", path, "--group", "feed", "--value", "weight"]
        out = run([*args, "--groups", "casein,horsebean", "--n-resamples", "199"], tmp_path)
        assert out.returncode == 0, out.stderr
        assert "Permutation test" in out.stdout
        bad = run([*args, "--n-resamples", "199"], tmp_path)  # six feeds, not two
        assert bad.returncode == 1 and "exactly two" in bad.stderr


class TestErrors:
    @pytest.mark.parametrize(
        ("args", "code", "needle"),
        [
            (["gof", "missing.csv", "--observed", "x"], 1, "missing.csv"),
            (["gof", "{peas}", "--observed", "nope"], 1, "nope"),
            (["gof", "{peas}", "--observed", "phenotype"], 1, "non-numeric"),
            (["gof", "{peas}"], 2, "--observed"),
            (["gof", "{peas}", "--observed", "observed", "--format", "pdf"], 2, "format"),
            (["gof", "{peas}", "--observed", "observed", "--alpha", "2"], 2, "alpha"),
            (["independence", "{peas}"], 2, "--row"),
            (["kl", "{peas}", "--p", "observed"], 2, "--q"),
            (["frobnicate"], 2, "frobnicate"),
        ],
    )
    def test_one_line_no_traceback(self, peas, tmp_path, args, code, needle):
        out = run([a.format(peas=peas) for a in args], tmp_path)
        assert out.returncode == code
        assert "Traceback" not in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1
        assert needle in out.stderr

    def test_negative_count(self, tmp_path):
        path = tmp_path / "neg.csv"
        path.write_text("obs\n5\n-1\n3\n")
        out = run(["gof", path, "--observed", "obs"], tmp_path)
        assert out.returncode == 1 and "negative" in out.stderr
        assert "Traceback" not in out.stderr


def test_demo_runs_outside_the_repository(tmp_path):
    out = run(["demo"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Mendel" in out.stdout


def test_datasets_load_from_the_installed_package(tmp_path):
    code = (
        "import klstats as kls; names = kls.datasets.list(); "
        "print(len(names), int(kls.datasets.load('mendel_peas')['observed'].sum()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    n, total = out.stdout.split()
    assert int(n) >= 8 and int(total) == 556
