"""Whole-table comparison: compare_frames against the loop a user would write with scipy.

Run from the repository root::

    python benchmarks/bench_frames.py              # 100 columns x 1e5 rows per data set
    python benchmarks/bench_frames.py --rows 20000 --columns 40   # smaller

Two data sets of ``--rows`` rows each with ``--columns`` columns, half categorical
(strings, 5 to 20 categories), half continuous (float). Timed (best of ``--repeat``):

- klstats: ``kls.compare_frames(ref, cur).summary_frame()``. Per categorical column it
  counts the categories, computes the G-test of homogeneity and the Jensen-Shannon
  divergence with its confidence interval (noncentral chi-square inversion); per
  continuous column it sorts the pooled sample into 10 equal-frequency bins and does the
  same; then Holm-adjusts the p-values. ``--skip-intervals`` times the test and
  effect without the intervals (``res.pvalues``, ``res.flagged``: intervals are
  computed on first display).
- scipy loop: per categorical column, ``value_counts`` of each data set aligned into a
  2 x K table and ``scipy.stats.chi2_contingency`` (Pearson X^2, no correction for K > 2);
  per continuous column ``scipy.stats.ks_2samp``; then
  ``statsmodels.stats.multitest.multipletests(method="holm")``. No effect sizes, no
  intervals, no missing-value accounting.

The ratio is loop time / klstats time (>= 1: klstats is at least as fast).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

import klstats as kls


def make(rows: int, columns: int, rng: np.random.Generator, shift: float) -> pd.DataFrame:
    data = {}
    for j in range(columns // 2):
        k = 5 + j % 16
        p = np.linspace(1.0, 2.0, k)
        data[f"cat{j}"] = rng.choice([f"level{i}" for i in range(k)], rows, p=p / p.sum())
    for j in range(columns - columns // 2):
        data[f"num{j}"] = rng.normal(shift if j == 0 else 0.0, 1.0, rows)
    return pd.DataFrame(data)


def scipy_loop(ref: pd.DataFrame, cur: pd.DataFrame) -> pd.Series:
    pvalues = {}
    for c in ref.columns:
        if ref[c].dtype.kind in "fiu":
            pvalues[c] = stats.ks_2samp(ref[c], cur[c]).pvalue
        else:
            table = pd.concat([ref[c].value_counts(), cur[c].value_counts()], axis=1).fillna(0)
            pvalues[c] = stats.chi2_contingency(table.to_numpy().T, correction=False).pvalue
    p = pd.Series(pvalues)
    adjusted = multipletests(p.to_numpy(), method="holm")[1]
    return pd.Series(adjusted, index=p.index)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--columns", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(20261206)
    ref = make(args.rows, args.columns, rng, 0.0)
    cur = make(args.rows, args.columns, rng, 0.02)
    print(
        f"{args.columns} columns ({args.columns // 2} categorical), {args.rows} rows per data set"
    )

    def best(fn):
        times = []
        for _ in range(args.repeat):
            t0 = time.process_time()
            out = fn()
            times.append(time.process_time() - t0)
        return min(times), out

    t_full, _table = best(lambda: kls.compare_frames(ref, cur, rng=1).summary_frame())
    t_tests, res = best(lambda: kls.compare_frames(ref, cur, rng=1))
    t_loop, adj = best(lambda: scipy_loop(ref, cur))
    flagged_loop = tuple(adj.index[adj <= 0.05])
    print(f"klstats compare_frames + summary_frame (tests, JS, intervals): {t_full:.2f} s")
    print(f"klstats compare_frames, tests and JS only (intervals lazy):   {t_tests:.2f} s")
    print(f"scipy loop (chi2_contingency / ks_2samp, Holm):               {t_loop:.2f} s")
    print(f"flagged: klstats {res.flagged}, scipy loop {flagged_loop}")
    print()
    print("| comparison | klstats (s) | scipy loop (s) | ratio loop / klstats |")
    print("|---|---:|---:|---:|")
    print(f"| full table (with intervals) | {t_full:.2f} | {t_loop:.2f} | {t_loop / t_full:.2f} |")
    print(f"| tests and effects | {t_tests:.2f} | {t_loop:.2f} | {t_loop / t_tests:.2f} |")


if __name__ == "__main__":
    main()
