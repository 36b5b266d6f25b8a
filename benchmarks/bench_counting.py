"""Counting raw labels: ``kls.tabulate`` against ``pd.Series.value_counts`` and
``kls.mutual_information(x, y)``'s cross-tabulation against ``pd.crosstab``.

Run from the repository root::

    python benchmarks/bench_counting.py            # n = 10^7 labels
    python benchmarks/bench_counting.py --quick    # n = 10^6

Four kinds of labels, 50 categories, each given to both sides as the same object:
integers (int64 ndarray), strings (object-dtype Series), a pandas Categorical (Series)
and Arrow-backed strings (``string[pyarrow]`` Series). ``tabulate`` is timed against
``s.value_counts()`` (sorted by count, as pandas does by default; tabulate sorts by
label); the cross-tabulation (``klstats._base._validation.cross_tabulate``, what
``mutual_information(x, y)`` and ``g_test_independence(x, y)`` call) against
``pd.crosstab(x, y)`` with int64 column labels (20 categories).

Times are the best of ``--repeat`` runs, the two sides alternating; ratio = pandas time /
klstats time (> 1: klstats is faster). Each line ``RESULT {json}`` is for
benchmarks/run_all.py.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pandas as pd

import klstats as kls
from klstats._base._validation import cross_tabulate


def best_times(fns: dict, repeat: int) -> dict:
    times: dict = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return {k: min(v) for k, v in times.items()}


def report(task: str, baseline: str, t_base: float, t_kls: float) -> None:
    ratio = t_base / t_kls
    print(f"| {task} | {baseline} | {t_base:.3f} | {t_kls:.3f} | {ratio:.2f} |")
    print(
        "RESULT "
        + json.dumps(
            {
                "benchmark": "counting",
                "task": task,
                "baseline": baseline,
                "baseline_s": t_base,
                "klstats_s": t_kls,
                "ratio": ratio,
            }
        ),
        flush=True,
    )


def labels(n: int) -> dict:
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 50, n)
    words = np.array([f"category-{i:02d}" for i in range(50)], dtype=object)
    return {
        "integer (int64 ndarray)": codes,
        "string (object Series)": pd.Series(words[codes], dtype=object),
        "Categorical (Series)": pd.Series(pd.Categorical.from_codes(codes, categories=words)),
        "Arrow string (string[pyarrow] Series)": pd.Series(words[codes], dtype="string[pyarrow]"),
    }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="n = 10^6 labels")
    ap.add_argument("--n", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    n = args.n or (10**6 if args.quick else 10**7)
    y = np.random.default_rng(2).integers(0, 20, n)
    print(f"klstats {kls.__version__}; {n:,} labels, best of {args.repeat} runs\n")
    print("| task | baseline | baseline (s) | klstats (s) | ratio |")
    print("|---|---|---|---|---|")
    for kind, x in labels(n).items():
        m = best_times(
            {"kls": lambda x=x: kls.tabulate(x), "pd": lambda x=x: x.value_counts()}
            if isinstance(x, pd.Series)
            else {
                "kls": lambda x=x: kls.tabulate(x),
                "pd": lambda x=x: pd.Series(x, copy=False).value_counts(),
            },
            args.repeat,
        )
        report(f"tabulate, {n:,} {kind} labels", "pd.Series.value_counts", m["pd"], m["kls"])
        m = best_times(
            {
                "kls": lambda x=x: cross_tabulate(x, y),
                "pd": lambda x=x: pd.crosstab(x, y),
            },
            max(1, args.repeat // 2),
        )
        report(f"cross-tabulate, {n:,} {kind} x int64 labels", "pd.crosstab", m["pd"], m["kls"])


if __name__ == "__main__":
    main()
