"""The pieces of the default count intervals against base R (tests/reference/count_intervals.R,
output saved in count_intervals.csv so that the tests need no R): plug-in and Zhang
estimates, delete-one jackknife variances by brute force over observations, the
noncentral chi-square inversion (R's pchisq with ncp and uniroot), the variance factor
and the default 95 % intervals of one-sample KL, two-sample KL (joined with Zhang's
interval) and entropy."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import klstats as kls
from klstats._inference._intervals import ncx2_interval

REF = pd.read_csv(Path(__file__).parent / "reference" / "count_intervals.csv")

ONE = {
    "peas": ([315, 108, 101, 32], np.array([9, 3, 3, 1]) / 16),
    "foraging": ([70, 79, 3, 4], [0.54, 0.40, 0.05, 0.01]),
}
TWO = {
    "sparse": ([20, 7, 1, 1, 1, 0, 0, 0, 0, 0], [11, 8, 3, 2, 2, 0, 1, 1, 1, 1]),
    "shifted": ([30, 12, 5, 3], [12, 15, 13, 10]),
}
ENTROPY = {"skewed": [25, 18, 9, 5, 3], "uniform": [10] * 5}


def ref(case: str, quantity: str) -> np.ndarray:
    d = REF[(REF.case == case) & (REF.quantity == quantity)].sort_values("index")
    assert len(d), (case, quantity)
    return d.value.to_numpy()


def note_c(note: str) -> float:
    return float(re.search(r"variance factor c = ([0-9.e+-]+)", note).group(1))


def check_common(case: str, res) -> None:
    inf = res._inference
    assert res.estimate == pytest.approx(ref(case, "estimate")[0], rel=1e-12)
    assert float(inf.jackknife().variance()) == pytest.approx(
        ref(case, "jackknife_var")[0], rel=1e-9, abs=1e-15
    )
    ci = res.conf_int()
    assert ci.method == "ncx2-adjusted"
    assert tuple(ci) == pytest.approx(tuple(ref(case, "default")), rel=1e-6, abs=1e-10)
    if ref(case, "c")[0] != 1:
        assert note_c(ci.note) == pytest.approx(ref(case, "c")[0], rel=5e-3)


@pytest.mark.parametrize("case", ONE)
def test_one_sample_kl_against_r(case):
    x, q = ONE[case]
    res = kls.kl_divergence(x, reference=q)
    check_common(case, res)
    p = res._inference.pivot
    got = ncx2_interval(p.statistic, p.df, p.scale, 0.05)
    assert got == pytest.approx(tuple(ref(case, "ncx2")), rel=1e-7, abs=1e-12)


@pytest.mark.parametrize("case", TWO)
def test_two_sample_kl_against_r(case):
    x, y = TWO[case]
    res = kls.kl_divergence(x, y)
    check_common(case, res)
    p = res._inference.pivot
    got = ncx2_interval(p.statistic, p.df, p.scale, 0.05)
    assert got == pytest.approx(tuple(ref(case, "ncx2")), rel=1e-7, abs=1e-12)
    # Zhang & Grabchak's product-sum form in R, the digamma closed form here
    z = kls.kl_divergence(x, y, estimator="zhang")
    assert z.estimate == pytest.approx(ref(case, "zhang")[0], rel=1e-10)
    assert float(z._inference.jackknife().variance()) == pytest.approx(
        ref(case, "zhang_jackknife_var")[0], rel=1e-9
    )
    assert tuple(z.conf_int()) == pytest.approx(
        tuple(ref(case, "zhang_default")), rel=1e-6, abs=1e-10
    )


@pytest.mark.parametrize("case", ENTROPY)
def test_entropy_against_r(case):
    check_common(case, kls.entropy(ENTROPY[case]))
