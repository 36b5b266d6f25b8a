"""Which interval for the two-sample plug-in KL divergence? The candidates compared when
its default interval was chosen (nominal 0.95).

Every two-sample cell of ``validation/coverage_grid.py`` (Zipf-like Q, K = 3 and 10,
``tilt`` and ``spike`` families, D = 0, 0.02, 0.1, 0.5, n = m = 30, 50, 100, 500) with
``R`` data sets drawn from a stream other than the grid's. Per data set the pivots are
read from the public results (``kl_divergence(x, y)`` and with ``estimator="zhang"``);
the candidate limits are computed with the vectorised inversion of
``validation.coverage_study`` (checked there against ``conf_int()``):

* ``own``: the inversion of the plug-in statistic with the variance factor from its
  jackknife variance (the default before the companion);
* ``c_zhang``: the same with the variance factor from Zhang's jackknife variance;
* ``c_max``: from the larger of the two jackknife variances;
* ``zhang``: Zhang's default interval alone;
* ``union``: ``own`` joined with Zhang's interval (the default now, as ``conf_int()``
  computes it; checked on the first two data sets of each cell).

Each cell reports coverage, the share of data sets with the truth below the interval
(``low``) and above it (``high``), and the median width.

Run ``python -m validation.kl2_interval_candidates [--reps 1000]`` (about 3 minutes);
writes ``validation/results/kl2_interval_candidates.{csv,md}``.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import pandas as pd

import klstats as kls

from . import coverage_grid as cg
from . import coverage_study as cs
from ._report import to_markdown

CANDIDATES = ("own", "c_zhang", "c_max", "zhang", "union")


def _limits(s, df, scale, se, s_plug=None, own=False, comp=None) -> np.ndarray:
    r = len(s)
    comp_s, comp_se = comp if comp is not None else (np.full(r, np.nan), np.full(r, np.nan))
    rec = dict(
        comp_s=comp_s,
        comp_se=comp_se,
        s=s,
        df=df,
        scale=scale,
        se=se,
        own=np.full(r, own),
        s_plug=s if s_plug is None else s_plug,
        top=np.full(r, np.inf),
        complement=False,
    )
    return cs.default_pivot_limits(rec, "ncx2-adjusted")


def run_cell(cell: dict, reps: int) -> list[dict]:
    spec, _ = cg.setup(cell)
    g = np.random.default_rng([cg._seed(cell), 1])  # not the grid's stream
    n = cell["n"]
    x = g.multinomial(n, spec["p"], size=reps)
    y = g.multinomial(n, spec["q"], size=reps)
    keys = ("s", "df", "scale", "se", "s_z", "se_z", "est")
    rec = {k: np.full(reps, np.nan) for k in keys}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for r in range(reps):
            inf = kls.kl_divergence(x[r], y[r])._inference
            rec["est"][r] = inf.estimate
            p = inf.pivot
            rec["s"][r], rec["df"][r], rec["scale"][r] = p.statistic, p.df, p.scale
            rec["se"][r] = inf.variance_se(p)[0]
            iz = kls.kl_divergence(x[r], y[r], estimator="zhang")._inference
            rec["s_z"][r] = iz.pivot.statistic
            rec["se_z"][r] = iz.variance_se(iz.pivot)[0]
    s, df, sc = rec["s"], rec["df"], rec["scale"]
    lims = {
        "own": _limits(s, df, sc, rec["se"]),
        "c_zhang": _limits(s, df, sc, rec["se_z"]),
        "c_max": _limits(s, df, sc, np.maximum(rec["se"], rec["se_z"])),
        "zhang": _limits(rec["s_z"], df, sc, rec["se_z"], s_plug=s, own=True),
    }
    # as conf_int() computes it (the companion's interval joined before the
    # power-constrained upper limit of the plug-in
    # statistic); an infinite plug-in estimate has no companion
    fin = np.isfinite(rec["est"])
    comp = (np.where(fin, rec["s_z"], np.nan), np.where(fin, rec["se_z"], np.nan))
    lims["union"] = _limits(s, df, sc, rec["se"], comp=comp)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for r in range(min(2, reps)):
            got = tuple(kls.kl_divergence(x[r], y[r]).conf_int())
            assert np.allclose(lims["union"][r], got, rtol=1e-6, atol=1e-9), (cell, r, got)
    truth = spec["truth"]
    out = []
    for name in CANDIDATES:
        lo, hi = lims[name][:, 0], lims[name][:, 1]
        low = float((lo > truth + 1e-12).mean())
        high = float((hi < truth - 1e-12).mean())
        out.append(
            dict(
                k=cell["k"],
                shape=cell["shape"],
                target=cell["target"],
                n=n,
                candidate=name,
                R=reps,
                coverage=1 - low - high,
                low=low,
                high=high,
                median_width=float(np.nanmedian(hi - lo)),
            )
        )
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=1000)
    a = ap.parse_args(argv)
    rows = []
    for k in (3, 10):
        for shape in ("tilt", "spike"):
            for target in cg.TARGETS["kl2"]:
                if target == 0 and shape == "spike":
                    continue
                for n in (30, 50, 100, 500):
                    cell = dict(quantity="kl2", k=k, base="zipf", shape=shape, target=target, n=n)
                    rows += run_cell(cell, a.reps)
                    best = {r["candidate"]: r["coverage"] for r in rows[-len(CANDIDATES) :]}
                    print(k, shape, target, n, best, flush=True)
    df = pd.DataFrame(rows)
    cg.OUT.mkdir(exist_ok=True)
    df.to_csv(cg.OUT / "kl2_interval_candidates.csv", index=False)
    wide = df.pivot_table(
        index=["k", "shape", "target", "n"], columns="candidate", values="coverage"
    ).reset_index()[["k", "shape", "target", "n", *CANDIDATES]]
    (cg.OUT / "kl2_interval_candidates.md").write_text(to_markdown(wide) + "\n")
    print(wide.to_string())


if __name__ == "__main__":
    main()
