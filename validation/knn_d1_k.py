"""A candidate default k for one-dimensional samples, measured with the coverage study.

In d = 1 the bias terms of the k-NN estimates are of order (k/n)^2 (Berrett, Samworth &
Yuan 2019), negligible against the standard error for any k = o(n^(3/4)), while the
default k = round(n^(1/3)) leaves a variance that a larger k lowers: at n = 1000 the
weighted estimator with k = 64 has 1.3-1.7 times smaller RMSE
(``python -m validation.knn_routes --k-check``). This study runs the coverage cells of
``validation/knn_study.py`` in d = 1 (KL of the Gaussian pair, P = Q, entropy, and the
mixture, t5 and Beta pairs; n = m = 500, 1000, 4000; the same seed streams, so the
samples are those of ``knn_coverage.csv``) with the candidate rule

    k = min(round(sqrt(n)), 64)   (22, 32 and 63 at n = 500, 1000, 4000)

in place of the default (nothing else changes: one cancelled bias term, the Wald
interval). ``python -m validation.knn_d1_k [--max-minutes M]`` (checkpointed per cell)
writes ``validation/results/knn_d1_k.csv`` and ``knn_d1_k.md``: the candidate's
coverage, bias, s.d. and mean width beside the default's rows of ``knn_coverage.csv``.
"""

from __future__ import annotations

import math

import pandas as pd

from klstats._estimators import _knn_core
from klstats._kernels._knn_weights import MAX_DEFAULT_K, default_k
from validation import knn_study as ks

OUT = ks.OUT


def candidate_k(n: int, d: int, m: int | None = None, *, use: str = "estimate") -> int:
    """The candidate: min(round(sqrt(size)), 64) for d = 1 estimates; else the default."""
    if d != 1 or use != "estimate":
        return default_k(n, d, m, use=use)
    size = n if m is None else min(n, m + 1)
    return max(1, min(round(math.sqrt(size)), MAX_DEFAULT_K, size - 1))


def main() -> None:
    from validation._report import study_parser

    ap = study_parser()
    args = ap.parse_args()
    _knn_core.default_k = candidate_k  # the estimators' default k, for this process only
    ck = OUT / "knn_d1_k.csv"
    budget = None if math.isinf(args.max_minutes) else 60 * args.max_minutes
    new = ks.coverage(
        True,
        reps=1000,
        dims=(1,),
        ns=(500, 1000, 4000),
        checkpoint=ck,
        budget=budget,
        quantities=("KL", "entropy"),
    )
    old = pd.read_csv(OUT / "knn_coverage.csv")
    old = old[(old["d"] == 1) & old["quantity"].isin(["KL", "entropy"])]
    key = ["quantity", "setting", "d", "n"]
    both = new.merge(old, on=key, suffixes=("", " (default)"))
    cols = [
        *key,
        "R",
        "coverage",
        "mc se",
        "mean bias",
        "sd",
        "mean width",
        "R (default)",
        "coverage (default)",
        "mean bias (default)",
        "sd (default)",
        "mean width (default)",
    ]
    both = both[cols]
    both.insert(4, "k", [candidate_k(int(n), 1) for n in both["n"]])
    (OUT / "knn_d1_k.md").write_text(
        "# Candidate default k = min(round(sqrt(n)), 64) in d = 1 against the default "
        "(knn_coverage.csv, same samples)\n\n``python -m validation.knn_d1_k``; sd and bias "
        "of the estimate in nats, coverage of the default 95 % (Wald) interval.\n\n"
        + ks._markdown(both)
        + "\n"
    )


if __name__ == "__main__":
    main()
