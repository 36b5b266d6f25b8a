"""Coverage of the default k-NN intervals in the cells of the guide page's table.

The numbers in docs/guide/knn.rst ("Coverage of the default 95 % interval") come from
this script: 100 seeded samples per cell (``--reps``), ``conf_int()`` with no
arguments, truths from validation/knn_study.py (closed forms and quadrature).
Three groups of cells, each with its own seed list (kept as they were run):

* ``main``: KL, entropy and MI at n = 1000 in the smooth cells;
* ``edge``: small samples, high dimension, heavy tails, bounded supports;
* ``edge2``: n = 20, d = 20, Cauchy and t2 tails, Beta at n = 4000.

Run ``python -m validation.knn_coverage_cells [--reps 100] [--group main edge edge2]``
(about 20 CPU minutes for all three); ``--dims`` and ``--ns`` keep only the cells of
those dimensions and sample sizes (each cell has its own seed, so a cell run alone
draws the same samples as in the full run).
"""

from __future__ import annotations

import argparse
import math
import warnings

import numpy as np
from scipy import stats

import klstats as kls

from .knn_study import PAIRS, Pair, _mi_draw

PAIRS = dict(PAIRS)
PAIRS["t1"] = Pair("Cauchy vs shifted", lambda d: stats.t(1), lambda d: stats.t(1, loc=0.5), False)
PAIRS["t2"] = Pair("t2 vs shifted", lambda d: stats.t(2), lambda d: stats.t(2, loc=0.5), False)


def select(cells, dims=None, ns=None) -> list:
    """The cells (name, d, n) with d in ``dims`` and n in ``ns`` (None: all)."""
    return [c for c in cells if (dims is None or c[1] in dims) and (ns is None or c[2] in ns)]


def main_cells(reps: int, dims=None, ns=None) -> None:
    cells = [
        ("KL gauss", 1, 1000),
        ("KL gauss", 3, 1000),
        ("KL gauss", 5, 1000),
        ("KL same", 1, 1000),
        ("KL same", 5, 1000),
        ("H gauss", 1, 1000),
        ("H gauss", 5, 1000),
        ("MI 0.6", 1, 1000),
        ("MI 0", 1, 1000),
        ("KL mixture", 2, 1000),
    ]
    for name, d, n in select(cells, dims, ns):
        g = np.random.default_rng([7, d, n, len(name)])
        hits, est, ses = 0, [], []
        for _ in range(reps):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if name in ("KL gauss", "KL mixture"):
                    p = PAIRS["gauss" if name == "KL gauss" else "mixture"]
                    e = kls.kl_divergence_knn(p.draw(g, n, d, "p"), p.draw(g, n, d, "q"))
                    t = p.kl(d)
                elif name == "KL same":
                    e = kls.kl_divergence_knn(g.normal(size=(n, d)), g.normal(size=(n, d)))
                    t = 0.0
                elif name == "H gauss":
                    e = kls.entropy_knn(g.normal(size=(n, d)))
                    t = 0.5 * d * math.log(2 * math.pi * math.e)
                else:
                    rho = 0.6 if name == "MI 0.6" else 0.0
                    x, y, t = _mi_draw(g, n, d, rho)
                    e = kls.mutual_information_knn(x, y)
                lo, hi = e.conf_int()
            hits += lo <= t <= hi
            est.append(e.estimate)
            ses.append(e.bse)
        print(
            f"{name} d={d} n={n}: cover {hits / reps:.3f}  sd {np.std(est):.4f} "
            f"mean se {np.mean(ses):.4f} bias {np.mean(est) - t:+.4f}",
            flush=True,
        )


def edge_cells(reps: int, cells, seed: int) -> None:
    for key, d, n in cells:
        p = PAIRS[key]
        t, th = p.kl(d), p.entropy(d)
        g = np.random.default_rng([seed, d, n, len(key)])
        hits = hh = 0
        for _ in range(reps):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                x, y = p.draw(g, n, d, "p"), p.draw(g, n, d, "q")
                lo, hi = kls.kl_divergence_knn(x, y).conf_int()
                hits += lo <= t <= hi
                lo, hi = kls.entropy_knn(x).conf_int()
                hh += lo <= th <= hi
        print(
            f"{key} d={d} n={n}: KL cover {hits / reps:.3f}  H cover {hh / reps:.3f}", flush=True
        )


EDGE = [
    ("gauss", 1, 50),
    ("gauss", 3, 50),
    ("gauss", 5, 50),
    ("gauss", 1, 100),
    ("gauss", 3, 100),
    ("gauss", 5, 100),
    ("gauss", 8, 1000),
    ("gauss", 10, 1000),
    ("t5", 1, 1000),
    ("t5", 3, 1000),
    ("t5", 5, 1000),
    ("beta", 2, 1000),
    ("beta", 5, 1000),
]
EDGE2 = [
    ("gauss", 3, 20),
    ("gauss", 1, 20),
    ("gauss", 20, 1000),
    ("gauss", 20, 300),
    ("t1", 1, 1000),
    ("t1", 3, 1000),
    ("t2", 3, 1000),
    ("beta", 3, 1000),
    ("beta", 5, 4000),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--group", nargs="+", default=["main", "edge", "edge2"])
    ap.add_argument("--dims", type=int, nargs="+", default=None)
    ap.add_argument("--ns", type=int, nargs="+", default=None)
    args = ap.parse_args()
    if "main" in args.group:
        main_cells(args.reps, args.dims, args.ns)
    if "edge" in args.group:
        edge_cells(args.reps, select(EDGE, args.dims, args.ns), 11)
    if "edge2" in args.group:
        edge_cells(args.reps, select(EDGE2, args.dims, args.ns), 12)


if __name__ == "__main__":
    main()
