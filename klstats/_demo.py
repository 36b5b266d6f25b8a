"""``klstats demo``: the main job, run on bundled data.

Each section is a function printing one worked analysis; ``SECTIONS`` fixes the order.
"""

from __future__ import annotations

from collections.abc import Callable

from . import datasets
from ._discrete import entropy, kl_divergence
from ._gtests import g_test, g_test_independence
from ._lrtests import lr_test_distributions, vuong_test

__all__: list[str] = []


def _rule(title: str) -> None:
    print(f"\n## {title}\n")


def discrete_estimators() -> None:
    _rule("KL divergence and entropy from counts: Mendel's peas")
    peas = datasets.load("mendel_peas").set_index("phenotype")
    print(peas.to_string(), "\n")
    ratio = peas["expected_ratio"] / peas["expected_ratio"].sum()
    d = kl_divergence(peas["observed"], reference=ratio)
    print(d.summary().as_text(), "\n")
    h = entropy(peas["observed"], estimator="miller-madow", base=2)
    print(h.summary().as_text())


def g_tests() -> None:
    _rule("G-test of goodness of fit: nuthatch foraging against canopy volume")
    birds = datasets.load("nuthatch_foraging").set_index("tree")
    print(birds.to_string(), "\n")
    # one expected count is 1.56, so the p-value is simulated rather than read from chi2
    gof = g_test(
        birds["observed"],
        birds["canopy_proportion"],
        correction="williams",
        method="montecarlo",
        rng=20140101,
    )
    print(gof.summary().as_text(), "\n")
    _rule("G-test of independence: party identification by gender (Agresti 2007)")
    table = datasets.load("gender_party").set_index("gender")
    print(g_test_independence(table).summary().as_text())


def distribution_choice() -> None:
    _rule("Which distribution? Lengths of 141 North American rivers")
    rivers = datasets.load("rivers")["length_miles"]
    print(rivers.describe().to_string(), "\n")
    # lognormal and gamma share no member: Vuong's test, not a likelihood-ratio test
    res = vuong_test("lognorm", "gamma", data=rivers)
    print(res.summary().as_text(), "\n")
    # the exponential is the gamma with shape 1: a nested likelihood-ratio test
    lr = lr_test_distributions(rivers, "expon", "gamma", method="bootstrap", rng=1975)
    print(lr.summary().as_text())


SECTIONS: list[Callable[[], None]] = [discrete_estimators, g_tests, distribution_choice]


def run() -> int:
    print("klstats demo: every analysis below runs on data bundled with the package.")
    for section in SECTIONS:
        section()
    return 0
