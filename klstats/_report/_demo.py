"""``klstats demo``: the main job, run on bundled data.

Each section is a generator of the pieces of one worked analysis: headings and
sentences (strings; a heading starts with ``## ``), data (DataFrames), results, and
:class:`Plot` requests. ``SECTIONS`` fixes the order. :func:`run` prints them as text;
:func:`report` collects them into a :class:`~klstats.Report` (HTML, Markdown, LaTeX,
JSON) with the plots drawn.
"""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .. import datasets
from .._estimators._discrete import entropy, kl_divergence
from .._estimators._knn import kl_divergence_knn, mutual_information_knn
from .._hypotests._frames import compare_frames
from .._hypotests._gtests import g_test, g_test_independence
from .._hypotests._lr import lr_test_distributions
from .._hypotests._permutation import kl_test
from .._hypotests._vuong import vuong_test

__all__: list[str] = []


@dataclass(frozen=True)
class Plot:
    """A plot of a result, drawn only in reports: ``result.plot(**kwargs)``."""

    result: Any
    title: str
    kwargs: dict[str, Any] = field(default_factory=dict)


Section = Callable[[], Iterator[Any]]


def discrete_estimators() -> Iterator[Any]:
    yield "## KL divergence and entropy from counts: Mendel's peas"
    peas = datasets.load("mendel_peas")
    yield peas
    ratio = peas["expected_ratio"] / peas["expected_ratio"].sum()
    d = kl_divergence(peas["observed"], reference=ratio)
    yield d
    h = entropy(peas["observed"], estimator="miller-madow", base=2)
    yield h


def g_tests() -> Iterator[Any]:
    yield "## G-test of goodness of fit: nuthatch foraging against canopy volume"
    birds = datasets.load("nuthatch_foraging")
    yield birds
    # one expected count is 1.56, so the p-value is simulated rather than read from chi2
    gof = g_test(
        birds["observed"],
        birds["canopy_proportion"],
        correction="williams",
        method="montecarlo",
        rng=20140101,
    )
    yield gof
    yield Plot(gof, "Observed and expected counts, standardized residuals")
    yield "## G-test of independence: party identification by gender (Agresti 2007)"
    table = datasets.load("gender_party")
    ind = g_test_independence(table, method="asymptotic")
    yield ind
    yield Plot(ind, "Standardized residuals of the table")


def distribution_choice() -> Iterator[Any]:
    yield "## Which distribution? Lengths of 141 North American rivers"
    rivers = datasets.load("rivers")["length_miles"]
    yield rivers.describe().to_frame()
    # lognormal and gamma share no member: Vuong's test, not a likelihood-ratio test
    yield vuong_test("lognorm", "gamma", data=rivers)
    # the exponential is the gamma with shape 1: a nested likelihood-ratio test
    lr = lr_test_distributions(rivers, "expon", "gamma", method="bootstrap", rng=1975)
    yield lr
    yield Plot(lr, "Parametric bootstrap distribution of the LR statistic", {"kind": "null"})


def continuous_estimators() -> Iterator[Any]:
    yield "## k-NN KL divergence and mutual information: earthquakes near Fiji"
    quakes = datasets.load("quakes")
    deep = quakes.loc[quakes["depth"] >= 300, ["lat", "long"]]
    shallow = quakes.loc[quakes["depth"] < 300, ["lat", "long"]]
    yield (
        f"Epicentres (lat, long) of {len(deep)} deep (>= 300 km) and {len(shallow)} "
        "shallower events. How far is the deep events' distribution from the others'?"
    )
    try:
        kl_divergence_knn(deep, shallow)
    except ValueError as exc:  # coordinates are rounded to 0.01 degree: a few repeats
        yield f"The default estimator stops at exact ties: {exc}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        d = kl_divergence_knn(deep, shallow, ties="jitter", rng=2026)
    yield d
    said = " ".join(str(w.message) for w in caught)
    if said:
        yield f"With ties='jitter', a warning: {said}"
    wang = kl_divergence_knn(deep, shallow, k=5, estimator="wang")
    adaptive = kl_divergence_knn(deep, shallow, k=5, estimator="adaptive")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        back = kl_divergence_knn(shallow, deep, ties="jitter", rng=2026)
    yield (
        f"Wang et al., k = 5 (unweighted): {wang.estimate:.3f} nats; adaptive "
        f"(bias-reduced), k = 5: {adaptive.estimate:.3f} nats; reverse direction "
        f"D(shallow || deep): {back.estimate:.3f} nats."
    )
    # depth is recorded in whole km (most values repeat): the weighted estimator's search
    # within the depths would meet exact ties everywhere, while KSG's max-norm counts in
    # the joint space tolerate tied marginals
    yield (
        "Depth is recorded in whole kilometres, so most depths repeat; KSG (max-norm "
        "counts in the joint space) tolerates tied marginals:"
    )
    yield mutual_information_knn(quakes[["lat", "long"]], quakes["depth"], estimator="ksg1", k=5)


def resampling() -> Iterator[Any]:
    yield "## Two samples of counts: party identification of women and men (Agresti 2007)"
    table = datasets.load("gender_party")
    women, men = table.loc["female"], table.loc["male"]
    yield table
    d = kl_divergence(women, men, estimator="zhang")
    yield d
    boot = d.conf_int(method="bca", rng=2007)
    yield (
        f"BCa bootstrap interval from {boot.distribution.n_resamples} multinomial replicates "
        f"of the counts: [{boot.low:.4f}, {boot.high:.4f}]"
    )
    yield Plot(d, "Bootstrap distribution of the estimate (BCa interval shaded)",
               {"method": "bca", "rng": 2007})  # fmt: skip
    perm = kl_test(women, men, rng=2007)
    yield perm
    yield Plot(perm, "Permutation distribution of the statistic")
    yield "## k-NN permutation test: deep against shallow earthquakes"
    quakes = datasets.load("quakes")
    deep = quakes.loc[quakes["depth"] >= 300, ["lat", "long"]]
    shallow = quakes.loc[quakes["depth"] < 300, ["lat", "long"]]
    # rounded coordinates repeat: permutations would put copies in one sample
    res = kl_test(deep, shallow, estimator="knn", ties="jitter", n_resamples=999, rng=1)
    yield res
    yield Plot(res, "Permutation distribution of the k-NN statistic")


def whole_tables() -> Iterator[Any]:
    yield "## Whole tables: infertility cases against matched controls (Trichopoulos 1976)"
    infert = datasets.load("infert")
    controls = infert[infert["case"] == 0].drop(columns="case")
    cases = infert[infert["case"] == 1].drop(columns="case")
    yield (
        f"{len(cases)} women with secondary infertility and {len(controls)} controls "
        "matched on age, parity and education. Which columns differ?"
    )
    drift = compare_frames(controls, cases, rng=1976)
    yield drift
    yield Plot(drift, "Effect size per column with its interval")


SECTIONS: list[Section] = [
    discrete_estimators,
    g_tests,
    distribution_choice,
    continuous_estimators,
    resampling,
    whole_tables,
]

INTRO = "klstats demo: every analysis below runs on data bundled with the package."


def run() -> int:
    """Print every section as text."""
    print(INTRO)
    for section in SECTIONS:
        for piece in section():
            if isinstance(piece, Plot):
                continue
            if isinstance(piece, str):
                if piece.startswith("## "):
                    print(f"\n{piece}\n")
                else:
                    print(textwrap.fill(piece, 88), "\n")
            elif hasattr(piece, "summary"):
                print(piece.summary().as_text(), "\n")
            else:
                print(piece.to_string(), "\n")
    return 0


def report(*, date: Any = None, command: Any = None, plots: bool = True) -> Any:
    """Every section as a :class:`~klstats.Report`, with the plots drawn (matplotlib)."""
    from ._document import Report

    rep = Report("klstats demo", date=date, command=command)
    rep.add(INTRO)
    figure = None
    if plots:
        try:  # a bare Figure: no pyplot, no GUI backend, nothing left open
            from matplotlib.figure import Figure as figure
        except ImportError:  # pragma: no cover - matplotlib is optional
            rep.add('Plots need matplotlib: pip install "klstats[plot]".')
    for section in SECTIONS:
        for piece in section():
            if isinstance(piece, Plot):
                if figure is None:
                    continue
                fig = figure(figsize=(6.4, 4.0))
                piece.result.plot(fig.subplots(), **piece.kwargs)
                rep.add(fig, title=piece.title)
            else:
                rep.add(piece)
    return rep
