"""``klstats demo``: the main job, run on bundled data.

Each section is a function printing one worked analysis; ``SECTIONS`` fixes the order.
"""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Callable

from .. import datasets
from .._estimators._discrete import entropy, kl_divergence
from .._estimators._knn import kl_divergence_knn, mutual_information_knn
from .._hypotests._frames import compare_frames
from .._hypotests._gtests import g_test, g_test_independence
from .._hypotests._lr import lr_test_distributions
from .._hypotests._permutation import kl_test
from .._hypotests._vuong import vuong_test

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


def continuous_estimators() -> None:
    _rule("k-NN KL divergence and mutual information: earthquakes near Fiji")
    quakes = datasets.load("quakes")
    deep = quakes.loc[quakes["depth"] >= 300, ["lat", "long"]]
    shallow = quakes.loc[quakes["depth"] < 300, ["lat", "long"]]
    print(
        f"Epicentres (lat, long) of {len(deep)} deep (>= 300 km) and {len(shallow)} "
        "shallower events. How far is the deep events' distribution from the others'?\n"
    )
    try:
        kl_divergence_knn(deep, shallow)
    except ValueError as exc:  # coordinates are rounded to 0.01 degree: a few repeats
        print(textwrap.fill(f"The default estimator stops at exact ties: {exc}", 88), "\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        d = kl_divergence_knn(deep, shallow, ties="jitter", rng=2026)
    print(d.summary().as_text(), "\n")
    for w in caught:
        print(textwrap.fill(str(w.message), 88, initial_indent="  ", subsequent_indent="  "))
    wang = kl_divergence_knn(deep, shallow, k=5, estimator="wang")
    adaptive = kl_divergence_knn(deep, shallow, k=5, estimator="adaptive")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        back = kl_divergence_knn(shallow, deep, ties="jitter", rng=2026)
    print(f"Wang et al., k = 5 (unweighted): {wang.estimate:.3f} nats")
    print(f"adaptive (bias-reduced), k = 5: {adaptive.estimate:.3f} nats")
    print(f"reverse direction D(shallow || deep): {back.estimate:.3f} nats\n")
    # depth is recorded in whole km (most values repeat): the weighted estimator's search
    # within the depths would meet exact ties everywhere, while KSG's max-norm counts in
    # the joint space tolerate tied marginals
    print(
        "Depth is recorded in whole kilometres, so most depths repeat; KSG (max-norm "
        "counts in the joint space) tolerates tied marginals:\n"
    )
    mi = mutual_information_knn(quakes[["lat", "long"]], quakes["depth"], estimator="ksg1", k=5)
    print(mi.summary().as_text())


def resampling() -> None:
    _rule("Two samples of counts: party identification of women and men (Agresti 2007)")
    table = datasets.load("gender_party").set_index("gender")
    women, men = table.loc["female"], table.loc["male"]
    print(table.to_string(), "\n")
    d = kl_divergence(women, men, estimator="zhang")
    print(d.summary().as_text(), "\n")
    boot = d.conf_int(method="bca", rng=2007)
    print(
        f"BCa bootstrap interval from {boot.distribution.n_resamples} multinomial replicates "
        f"of the counts: [{boot.low:.4f}, {boot.high:.4f}]\n"
    )
    print(kl_test(women, men, rng=2007).summary().as_text(), "\n")
    _rule("k-NN permutation test: deep against shallow earthquakes")
    quakes = datasets.load("quakes")
    deep = quakes.loc[quakes["depth"] >= 300, ["lat", "long"]]
    shallow = quakes.loc[quakes["depth"] < 300, ["lat", "long"]]
    # rounded coordinates repeat: permutations would put copies in one sample
    res = kl_test(deep, shallow, estimator="knn", ties="jitter", n_resamples=999, rng=1)
    print(res.summary().as_text())


def whole_tables() -> None:
    _rule("Whole tables: infertility cases against matched controls (Trichopoulos 1976)")
    infert = datasets.load("infert")
    controls = infert[infert["case"] == 0].drop(columns="case")
    cases = infert[infert["case"] == 1].drop(columns="case")
    print(
        f"{len(cases)} women with secondary infertility and {len(controls)} controls "
        "matched on age, parity and education. Which columns differ?\n"
    )
    print(compare_frames(controls, cases, rng=1976).summary().as_text())


SECTIONS: list[Callable[[], None]] = [
    discrete_estimators,
    g_tests,
    distribution_choice,
    continuous_estimators,
    resampling,
    whole_tables,
]


def run() -> int:
    print("klstats demo: every analysis below runs on data bundled with the package.")
    for section in SECTIONS:
        section()
    return 0
