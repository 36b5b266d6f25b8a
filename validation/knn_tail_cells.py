"""Coverage of the weighted entropy and one-sample KL in d = 5 at large n.

The bias the weights leave in the tails of a Gaussian falls more slowly than the
standard error (``validation/knn_exact_bias.py`` gives it exactly: -0.029, -0.019 and
-0.011 nats for the entropy of N(0, I_5) at n = 1000, 4000 and 20000), so the coverage
of the 95 % Wald interval falls with n. This script measures the cells the coverage
study does not run: the one-sample KL divergence of N(0, I_5) from
N(0.5 1, 1.5 I_5) (known density) at n = 4000 and the entropy at n = 20000.

``python -m validation.knn_tail_cells`` (about 3 minutes) writes
``validation/results/knn_tail_cells.{csv,md}``.
"""

from __future__ import annotations

import math
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

import klstats as kls

OUT = Path(__file__).resolve().parent / "results"
SEED = 20261206
D = 5
CELLS = (("one-sample KL", 4000, 400), ("entropy", 20000, 150))


def cell(quantity: str, n: int, reps: int) -> dict:
    g = np.random.default_rng([SEED, 55, n, len(quantity)])
    ref = stats.multivariate_normal(np.full(D, 0.5), 1.5 * np.eye(D))
    if quantity == "entropy":
        truth = 0.5 * D * math.log(2 * math.pi * math.e)
    else:
        truth = 0.5 * (D / 1.5 + D * 0.25 / 1.5 - D + D * math.log(1.5))
    hits, errs, ses = 0, [], []
    t0 = time.time()
    for _ in range(reps):
        x = g.normal(size=(n, D))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if quantity == "entropy":
                res = kls.entropy_knn(x)
            else:
                res = kls.kl_divergence_knn(x, reference=ref)
        lo, hi = res.conf_int()
        hits += lo <= truth <= hi
        errs.append(res.estimate - truth)
        ses.append(res.bse)
    cov = hits / reps
    row = {
        "quantity": quantity,
        "d": D,
        "n": n,
        "R": reps,
        "coverage": cov,
        "mc se": math.sqrt(cov * (1 - cov) / reps),
        "truth": truth,
        "mean bias": float(np.mean(errs)),
        "bias mc se": float(np.std(errs, ddof=1) / math.sqrt(reps)),
        "sd": float(np.std(errs, ddof=1)),
        "mean se": float(np.mean(ses)),
    }
    print(row, f"{time.time() - t0:.0f} s", flush=True)
    return row


def main() -> None:
    df = pd.DataFrame([cell(*c) for c in CELLS])
    OUT.mkdir(exist_ok=True)
    df.to_csv(OUT / "knn_tail_cells.csv", index=False)
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        lines.append(
            "| " + " | ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in row) + " |"
        )
    (OUT / "knn_tail_cells.md").write_text(
        "# Weighted entropy and one-sample KL in d = 5 at large n\n\n"
        "P = N(0, I_5); one-sample KL against the known N(0.5 1, 1.5 I_5). "
        "`python -m validation.knn_tail_cells`.\n\n" + "\n".join(lines) + "\n"
    )


if __name__ == "__main__":
    main()
