"""``klstats demo``: the main job, run on bundled data.

Each section is a function printing one worked analysis; ``SECTIONS`` fixes the order.
"""

from __future__ import annotations

from collections.abc import Callable

from . import datasets
from ._discrete import entropy, kl_divergence

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


SECTIONS: list[Callable[[], None]] = [discrete_estimators]


def run() -> int:
    print("klstats demo: every analysis below runs on data bundled with the package.")
    for section in SECTIONS:
        section()
    return 0
