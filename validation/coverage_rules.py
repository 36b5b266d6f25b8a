"""Evaluate interval-choice rules offline on the per-data-set limits of the coverage study.

A rule picks, for each data set, one of the computed intervals from what the data show
(the G-statistic s = scale * D_plugin of D = 0 and its degrees of freedom). Its coverage
in a cell is the share of data sets whose chosen interval contains the truth. Run
``python validation/coverage_rules.py RESULTS_DIR [RESULTS_DIR ...]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats


def load(dirs):
    cells = []
    for d in dirs:
        csv = pd.read_csv(Path(d) / "coverage.csv")
        truth = csv.groupby(["quantity", "family", "target", "n"]).truth.first()
        for (q, fam, target, n), th in truth.items():
            f = Path(d) / "raw" / f"{q}_{fam}_{target!r}_{n}.npz"
            if not f.exists():
                f = Path(d) / "raw" / f"{q}_{fam}_{float(target)!r}_{n}.npz"
            if not f.exists():
                continue
            cells.append(((q, fam, float(target), int(n), float(th)), np.load(f)))
    return cells


def covered(lims, truth):
    return (lims[:, 0] <= truth + 1e-12) & (truth - 1e-12 <= lims[:, 1])


def rule_switch(z, est, p0, far="bca"):
    """ncx2 while the G-test of D = 0 has p > p0, else ``far``."""
    piv = z[f"{est}|pivot"]
    p = stats.chi2.sf(piv[:, 0], piv[:, 1])
    near = p > p0
    out = np.where(near[:, None], z[f"{est}|ncx2"], z[f"{est}|{far}"])
    return out


def evaluate(cells, rules, estimators=None):
    rows = []
    for (q, fam, target, n, truth), z in cells:
        ests = sorted({k.split("|")[0] for k in z.files})
        if estimators is not None:
            ests = [e for e in ests if e in estimators]
        for est in ests:
            for name, fn in rules.items():
                try:
                    lims = fn(z, est, q)
                except KeyError:
                    continue
                if lims is None:
                    continue
                cov = covered(lims, truth).mean()
                rows.append(
                    dict(
                        quantity=q,
                        family=fam,
                        target=target,
                        n=n,
                        estimator=est,
                        rule=name,
                        coverage=cov,
                        width=float(np.nanmedian(lims[:, 1] - lims[:, 0])),
                    )
                )
    return pd.DataFrame(rows)


def standard_rules():
    rules = {}
    for m in ("wald", "ncx2", "percentile", "basic", "bca"):
        rules[m] = lambda z, e, q, m=m: z[f"{e}|{m}"]
    for p0 in (0.05, 0.01, 1e-3, 1e-4, 1e-6):
        for far in ("bca", "percentile", "wald"):
            rules[f"ncx2|p>{p0:g}|{far}"] = lambda z, e, q, p0=p0, far=far: (
                None if q == "entropy" else rule_switch(z, e, p0, far)
            )
    return rules


def summarise(df: pd.DataFrame) -> pd.DataFrame:
    """Worst and best coverage over cells with truth > 0, and the coverage at 0."""
    pos = df[df.target > 0].groupby(["quantity", "estimator", "rule"]).coverage
    zero = df[df.target == 0].groupby(["quantity", "estimator", "rule"]).coverage.min()
    out = pd.DataFrame({"min_pos": pos.min(), "max_pos": pos.max(), "min_zero": zero})
    out["in_band"] = (out.min_pos >= 0.93) & (out.max_pos <= 0.97)
    return out


if __name__ == "__main__":
    cells = load(sys.argv[1:])
    df = evaluate(cells, standard_rules())
    pd.set_option("display.width", 200, "display.max_rows", 500)
    print(summarise(df).round(3).to_string())
