"""Coverage of the default confidence intervals (nominal 0.95).

The full study (validation/coverage_study.py, 1000 data sets per cell) produced the table
in docs/guide/intervals.rst. The default run checks a few cells quickly; ``-m slow``
reruns a grid of cells with 400 data sets each and checks the documented band with a
Monte Carlo allowance. The truths are closed-form KL divergences and mutual
informations of the simulated distributions.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

import klstats as kls

ROOT = Path(__file__).resolve().parents[1]


def _study():
    spec = importlib.util.spec_from_file_location(
        "coverage_study", ROOT / "validation" / "coverage_study.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["coverage_study"] = module
    spec.loader.exec_module(module)
    return module


def _covers(ci, truth):
    return ci.low - 1e-12 <= truth <= ci.high + 1e-12


def _allowance(R):
    return 3 * math.sqrt(0.95 * 0.05 / R)


class TestFast:
    def test_one_sample_kl_at_zero_and_away(self):
        cs = _study()
        rng = np.random.default_rng(2026)
        R = 150
        for D in (0.0, 0.25):
            t = cs.solve_t("spike", D, lambda p: cs._kl(p, cs.Q_BASE))
            p = cs.family_p("spike", t)
            hits = sum(
                _covers(
                    kls.kl_divergence(rng.multinomial(500, p), reference=cs.Q_BASE).conf_int(), D
                )
                for _ in range(R)
            )
            assert hits / R >= 0.93 - _allowance(R), (D, hits / R)
            if D > 0:
                assert hits / R <= 0.97 + _allowance(R), (D, hits / R)

    def test_percentile_fails_at_zero_where_the_default_does_not(self):
        # METHODS D3: bootstrap percentile intervals essentially never cover D = 0
        rng = np.random.default_rng(7)
        q = np.full(4, 0.25)
        d = [kls.kl_divergence(rng.multinomial(200, q), reference=q) for _ in range(40)]
        pct = np.mean(
            [_covers(e.conf_int(method="percentile", n_resamples=199, rng=1), 0) for e in d]
        )
        dflt = np.mean([_covers(e.conf_int(), 0) for e in d])
        assert pct < 0.2 and dflt >= 0.9

    def test_entropy_plugin_default(self):
        cs = _study()
        rng = np.random.default_rng(11)
        t = cs.solve_t("tilt", 0.1, lambda p: cs._kl(p, cs.Q_BASE))
        p = cs.family_p("tilt", t)
        truth = cs._entropy(p)
        R = 60
        hits = sum(
            _covers(kls.entropy(rng.multinomial(200, p)).conf_int(n_resamples=999, rng=r), truth)
            for r in range(R)
        )
        assert hits / R >= 0.93 - _allowance(R)


@pytest.mark.slow
@pytest.mark.parametrize("quantity", ["kl1", "kl2", "mi", "entropy"])
def test_default_coverage_grid(quantity):
    cs = _study()
    R = 400
    df, _ = cs.run(
        quantities=(quantity,),
        targets=(0.0, 0.03, 0.25),
        ns=(200, 2000),
        R=R,
        B=999,
        verbose=False,
        estimators=("plugin", "zhang", "miller-madow"),
    )
    d = df[df.method == "default"]
    low = 0.93 - _allowance(R)
    high = 0.97 + _allowance(R)
    assert (d.coverage >= low).all(), d[d.coverage < low]
    pos = d[(d.target > 0) | (d.quantity == "entropy")]
    assert (pos.coverage <= high).all(), pos[pos.coverage > high]
