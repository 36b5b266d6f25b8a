"""Where does the chi-square reference of the G statistic fail? The study behind the
``method="auto"`` rule of the G-tests.

Goodness of fit: the exact size of the uncorrected G-test with the chi-square
reference, by enumerating every multinomial outcome (no Monte Carlo error), for
K = 2..6 categories, N = 5..100, uniform and skewed null probabilities. Tables: the
size conditional on the margins' features (smallest expected count, Williams' q) from
simulated tables under independence (r x c up to 5 x 5, N = 10..100).

Run: ``python -m validation.gtest_auto_rule [--full]``; writes
``validation/results/gtest_auto_rule_{gof,tables}.csv``.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special, stats

from klstats._hypotests._gtest_pvalues import _compositions
from klstats._kernels._counts import kl1_plugin, mi_plugin

OUT = Path(__file__).resolve().parent / "results"
ALPHA = 0.05


def gof_exact_size(n: int, q: np.ndarray, alpha: float = ALPHA) -> float:
    k = q.size
    x = _compositions(n, k).astype(float)
    g = 2 * n * kl1_plugin(x, q)
    p = stats.chi2.sf(g, k - 1)
    logpmf = special.gammaln(n + 1) - special.gammaln(x + 1).sum(-1) + (x * np.log(q)).sum(-1)
    return float(np.exp(logpmf)[p <= alpha].sum())


def gof_grid() -> pd.DataFrame:
    rows = []
    qs = {}
    for k in range(2, 7):
        qs[f"uniform K={k}"] = np.full(k, 1.0 / k)
        skew = np.arange(1, k + 1, dtype=float)
        qs[f"linear K={k}"] = skew / skew.sum()
        skew2 = np.r_[np.full(k - 1, 1.0), 0.25]
        qs[f"one small K={k}"] = skew2 / skew2.sum()
    for name, q in qs.items():
        k = q.size
        for n in (5, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100):
            if math.comb(n + k - 1, k - 1) > 3_000_000:
                continue
            size = gof_exact_size(n, q)
            e = n * q
            wq = 1 + (k * k - 1) / (6 * n * (k - 1))
            rows.append(
                dict(
                    null=name,
                    K=k,
                    N=n,
                    e_min=e.min(),
                    frac_lt5=np.mean(e < 5),
                    williams_q=wq,
                    size=size,
                )
            )
    return pd.DataFrame(rows)


def table_grid(reps: int, seed: int = 20261206) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = []
    shapes = [(2, 2), (2, 3), (2, 5), (3, 3), (3, 4), (4, 4), (5, 5), (2, 10)]
    for r, c in shapes:
        for marg in ("uniform", "skewed"):
            if marg == "uniform":
                pr, pc = np.full(r, 1 / r), np.full(c, 1 / c)
            else:
                pr = np.arange(1, r + 1.0)
                pr /= pr.sum()
                pc = np.r_[np.full(c - 1, 1.0), 0.3]
                pc /= pc.sum()
            for n in (10, 20, 30, 50, 75, 100, 150, 200):
                t = rng.multinomial(n, np.outer(pr, pc).ravel(), size=reps).reshape(reps, r, c)
                t = t.astype(float)
                R, C = t.sum(2), t.sum(1)
                ok = ((R > 0).sum(1) >= 2) & ((C > 0).sum(1) >= 2)
                t, R, C = t[ok], R[ok], C[ok]
                df = ((R > 0).sum(1) - 1) * ((C > 0).sum(1) - 1)
                g = 2 * n * mi_plugin(t)
                p = stats.chi2.sf(g, df)
                E = R[:, :, None] * C[:, None, :] / n
                Ep = np.where(E > 0, E, np.inf)
                e_min = Ep.reshape(len(t), -1).min(1)
                with np.errstate(divide="ignore"):
                    sr = np.where(R > 0, 1 / np.where(R > 0, R, 1), 0).sum(1)
                    sc = np.where(C > 0, 1 / np.where(C > 0, C, 1), 0).sum(1)
                wq = 1 + (n * sr - 1) * (n * sc - 1) / (6 * n * df)
                out.append(
                    pd.DataFrame(
                        dict(
                            shape=f"{r}x{c}",
                            margins=marg,
                            N=n,
                            df=df,
                            e_min=e_min,
                            williams_q=wq,
                            reject=p <= ALPHA,
                        )
                    )
                )
    return pd.concat(out, ignore_index=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true")
    a = ap.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    gof = gof_grid()
    gof.to_csv(OUT / "gtest_auto_rule_gof.csv", index=False)
    tab = table_grid(20000 if a.full else 4000)
    tab.to_csv(OUT / "gtest_auto_rule_tables.csv.gz", index=False)
    print(gof.sort_values("size", ascending=False).head(30).to_string())


if __name__ == "__main__":
    main()
