"""Coverage of the default (subsampling) interval of k-NN estimates on Gaussian data.

Two-sample KL: x ~ N(0, I_d), y ~ N(mu, I_d), D = |mu|^2 / 2. Mutual information (KSG1,
k = 3): bivariate normal with correlation r, I = -log(1 - r^2)/2. Entropy
(Kozachenko-Leonenko, k = 3): N(0, 1), H = log(2 pi e)/2. Each cell simulates ``R`` data
sets and calls ``conf_int()`` exactly as a user would (1000 subsamples of about
n^(2/3) points).

Run ``python validation/coverage_knn.py [--R 200]``; writes ``validation/coverage_knn.csv``
and prints a markdown table.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd

import klstats as kls

HERE = Path(__file__).resolve().parent


def kl_cell(d: int, D: float, n: int, k: int, R: int, rng: np.random.Generator) -> dict:
    mu = math.sqrt(2 * D / d)
    hits, widths, bias = 0, [], []
    for _ in range(R):
        x = rng.normal(size=(n, d))
        y = rng.normal(mu, 1.0, size=(n, d))
        est = kls.kl_divergence_knn(x, y, k=k)
        lo, hi = est.conf_int(rng=rng)
        hits += lo <= D <= hi
        widths.append(hi - lo)
        bias.append(est.estimate - D)
    return {
        "quantity": "KL (wang)",
        "d": d,
        "k": k,
        "truth": D,
        "n": n,
        **_summ(hits, R, widths, bias),
    }


def mi_cell(r: float, n: int, R: int, rng: np.random.Generator) -> dict:
    truth = -0.5 * math.log(1 - r * r)
    hits, widths, bias = 0, [], []
    for _ in range(R):
        x = rng.normal(size=n)
        y = r * x + math.sqrt(1 - r * r) * rng.normal(size=n)
        est = kls.mutual_information_knn(x, y, k=3)
        lo, hi = est.conf_int(rng=rng)
        hits += lo <= truth <= hi
        widths.append(hi - lo)
        bias.append(est.estimate - truth)
    return {
        "quantity": "MI (ksg1)",
        "d": 2,
        "k": 3,
        "truth": truth,
        "n": n,
        **_summ(hits, R, widths, bias),
    }


def h_cell(n: int, R: int, rng: np.random.Generator) -> dict:
    truth = 0.5 * math.log(2 * math.pi * math.e)
    hits, widths, bias = 0, [], []
    for _ in range(R):
        est = kls.entropy_knn(rng.normal(size=n), k=3)
        lo, hi = est.conf_int(rng=rng)
        hits += lo <= truth <= hi
        widths.append(hi - lo)
        bias.append(est.estimate - truth)
    return {
        "quantity": "entropy (KL)",
        "d": 1,
        "k": 3,
        "truth": truth,
        "n": n,
        **_summ(hits, R, widths, bias),
    }


def _summ(hits, R, widths, bias) -> dict:
    cov = hits / R
    return {
        "coverage": cov,
        "mc_se": math.sqrt(max(cov * (1 - cov), 1e-4) / R),
        "median_width": float(np.median(widths)),
        "mean_bias": float(np.mean(bias)),
        "R": R,
    }


def markdown(df: pd.DataFrame) -> str:
    """A pipe table (no optional dependency)."""

    def cell(v):
        return f"{v:.3f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(False)]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--R", type=int, default=200)
    ap.add_argument("--out", default=str(HERE))
    args = ap.parse_args()
    rng = np.random.default_rng(20261125)
    rows = []
    jobs = [
        ("kl", d, D, n, k)
        for d in (1, 3)
        for D in (0.1, 0.5)
        for n in (300, 1000, 3000)
        for k in (1,)
    ]
    jobs += [("kl", 1, 0.5, n, 5) for n in (300, 1000, 3000)]
    jobs += [("mi", 0.5, n) for n in (300, 1000, 3000)]
    jobs += [("h", n) for n in (300, 3000)]
    for job in jobs:
        t0 = time.perf_counter()
        if job[0] == "kl":
            row = kl_cell(*job[1:], R=args.R, rng=rng)
        elif job[0] == "mi":
            row = mi_cell(*job[1:], R=args.R, rng=rng)
        else:
            row = h_cell(*job[1:], R=args.R, rng=rng)
        rows.append(row)
        print(f"{row}  ({time.perf_counter() - t0:.0f} s)", flush=True)
    df = pd.DataFrame(rows)
    df.to_csv(Path(args.out) / "coverage_knn.csv", index=False)
    print(markdown(df))


if __name__ == "__main__":
    main()
