"""Fast coverage check of the default count intervals (issue 13): a few of the hardest
cells of ``validation/coverage_grid.py`` (n = 30-50, sparse categories, D = 0 and the
uniform distribution), 200 data sets each. The claim is coverage >= 0.93 at n >= 30; a
cell fails only below 0.93 minus 3 Monte Carlo standard errors of its 200 replicates.
Every estimate outside its interval must come with a stated reason."""

import math

import pytest

from validation import coverage_grid as cg

REPS = 200
FLOOR = 0.93 - 3 * math.sqrt(0.93 * 0.07 / REPS)

CELLS = [
    # one-sample KL, a rare category carrying the divergence
    (dict(quantity="kl1", k=10, base="uniform", shape="spike", target=0.1, n=30), "plugin"),
    # two-sample KL with Zhang's estimator (kl_test's default on counts), at D = 0
    (dict(quantity="kl2", k=10, base="zipf", shape="tilt", target=0.0, n=30), "zhang"),
    # two-sample plug-in far from 0 (0.865 at 200 reps before its interval was joined
    # with Zhang's)
    (dict(quantity="kl2", k=10, base="zipf", shape="tilt", target=0.5, n=50), "plugin"),
    # two-sample Miller-Madow away from 0
    (dict(quantity="kl2", k=10, base="zipf", shape="tilt", target=0.1, n=50), "miller-madow"),
    # entropy of the uniform distribution (was above log K) and of a spiked one
    (dict(quantity="entropy", k=10, base="uniform", shape="tilt", target=0.0, n=30), "plugin"),
    (dict(quantity="entropy", k=10, base="uniform", shape="spike", target=0.1, n=30), "plugin"),
    # mutual information of a 3 x 4 table
    (dict(quantity="mi", k=12, base="3x4", shape="diagonal", target=0.1, n=30), "plugin"),
]


@pytest.mark.parametrize("cell,estimator", CELLS, ids=[f"{c['quantity']}-{e}" for c, e in CELLS])
def test_default_interval_covers(cell, estimator):
    (row,) = cg.run_cell(cell, REPS, check=1, estimators=(estimator,))
    assert row["coverage"] >= FLOOR, row
    assert row["outside_silent"] == 0, row
