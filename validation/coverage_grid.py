"""Coverage grid of the default count intervals (nominal 0.95), as a user gets them.

Every cell draws ``R`` data sets from a known distribution, calls the public function
with its default estimator (and, for KL, Zhang's and Miller-Madow's estimators) and
records whether ``conf_int()`` with its default method contains the true value, the
interval's mean width, and whether the printed estimate lies inside the interval or
the interval's note says why not.

Grid: n = 30, 50, 100, 500 (two samples: n = m; tables: N = n); true value 0 (D = 0,
independence, JS = 0, the uniform distribution for entropy) and three values away from
it; several alphabet sizes and shapes:

* KL one sample, ``reference=q``: q uniform or Zipf-like over K = 3, 10; P from an
  exponential tilt of q (``tilt``) or q with mass moved to its rarest category
  (``spike``: Var_P log(p/q) above 2D).
* KL two samples and JS: the same P and Q, both sampled (n = m).
* Mutual information: 2 x 3 and 3 x 4 tables, the product of skewed margins mixed with
  their north-west-corner coupling (``mixture``) or tilted on the diagonal (``diagonal``).
* Entropy: P uniform (H = log K), tilted from uniform or spiked, K = 3, 10; the true
  value is log K - D(P || uniform).

Run ``python -m validation.coverage_grid [--full] [--max-minutes M]``: quick mode
(R = 200, n = 30, 100) or full (R = 600); each finished cell is appended to
``validation/results/coverage_grid{,_quick}_partial.csv``, a rerun skips finished
cells, and the last run writes ``coverage_grid{,_quick}.{csv,md}``.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize

import klstats as kls

OUT = Path(__file__).resolve().parent / "results"
LEVEL = 0.95


def kl(p: np.ndarray, q: np.ndarray) -> float:
    m = p > 0
    return float((p[m] * np.log(p[m] / q[m])).sum())


def js(p: np.ndarray, q: np.ndarray) -> float:
    mid = (p + q) / 2
    return 0.5 * kl(p, mid) + 0.5 * kl(q, mid)


def base_q(k: int, shape: str) -> np.ndarray:
    if shape == "uniform":
        return np.full(k, 1.0 / k)
    w = 1.0 / np.arange(1, k + 1)
    return w / w.sum()


def family(q: np.ndarray, name: str, t: float) -> np.ndarray:
    """P through q (t = 0 gives q): ``tilt`` (exponential tilt towards the first
    categories) or ``spike`` (mass t moved to the last, rarest category)."""
    if name == "spike":
        p = (1 - t) * q
        p[-1] += t
        return p
    z = np.arange(q.size) - (q.size - 1) / 2
    w = q * np.exp(-t * z / z.std())
    return w / w.sum()


def solve(fn, target: float, hi: float) -> float:
    if target == 0:
        return 0.0
    return optimize.brentq(lambda t: fn(t) - target, 0.0, hi, xtol=1e-14)


R_MARG = {(2, 3): np.array([0.6, 0.4]), (3, 4): np.array([0.5, 0.3, 0.2])}
C_MARG = {(2, 3): np.array([0.5, 0.3, 0.2]), (3, 4): np.array([0.4, 0.3, 0.2, 0.1])}


def _northwest(r: np.ndarray, c: np.ndarray) -> np.ndarray:
    r, c = r.copy(), c.copy()
    t = np.zeros((r.size, c.size))
    i = j = 0
    while i < r.size and j < c.size:
        v = min(r[i], c[j])
        t[i, j] = v
        r[i] -= v
        c[j] -= v
        if r[i] <= 1e-15:
            i += 1
        else:
            j += 1
    return t


def mi_table(shape: tuple[int, int], name: str, t: float) -> np.ndarray:
    r, c = R_MARG[shape], C_MARG[shape]
    if name == "mixture":
        return (1 - t) * np.outer(r, c) + t * _northwest(r, c)
    w = np.ones(shape)
    d = min(shape)
    w[np.arange(d), np.arange(d)] = math.exp(t)
    p = np.outer(r, c) * w
    return p / p.sum()


def mi_value(p: np.ndarray) -> float:
    return kl(p.ravel(), np.outer(p.sum(1), p.sum(0)).ravel())


# ----------------------------------------------------------------------------- cells

TARGETS = {
    "kl1": (0.0, 0.02, 0.1, 0.5),
    "kl2": (0.0, 0.02, 0.1, 0.5),
    "js": (0.0, 0.005, 0.025, 0.1),
    "mi": (0.0, 0.02, 0.1, 0.3),
    "entropy": (0.0, 0.02, 0.1, 0.5),  # D(P || uniform) = log K - H
}


def cells(full: bool) -> list[dict]:
    ns = (30, 50, 100, 500) if full else (30, 100)
    out = []
    for n in ns:
        for k in (3, 10):
            for qshape in ("uniform", "zipf"):
                for fam in ("tilt", "spike"):
                    for quantity in ("kl1", "kl2", "js"):
                        for target in TARGETS[quantity]:
                            if target == 0 and fam == "spike":
                                continue
                            out.append(
                                dict(
                                    quantity=quantity,
                                    k=k,
                                    base=qshape,
                                    shape=fam,
                                    target=target,
                                    n=n,
                                )
                            )
            for fam in ("tilt", "spike"):
                for target in TARGETS["entropy"]:
                    if target == 0 and fam == "spike":
                        continue
                    out.append(
                        dict(
                            quantity="entropy", k=k, base="uniform", shape=fam, target=target, n=n
                        )
                    )
        for shape in ((2, 3), (3, 4)):
            for fam in ("mixture", "diagonal"):
                for target in TARGETS["mi"]:
                    if target == 0 and fam == "diagonal":
                        continue
                    out.append(
                        dict(
                            quantity="mi",
                            k=shape[0] * shape[1],
                            base=f"{shape[0]}x{shape[1]}",
                            shape=fam,
                            target=target,
                            n=n,
                        )
                    )
    return out


def setup(cell: dict):
    """The sampling distribution(s), the true value and a call for each estimator."""
    q_ = cell["quantity"]
    if q_ == "mi":
        shape = tuple(int(v) for v in cell["base"].split("x"))
        hi = 1.0 if cell["shape"] == "mixture" else 30.0
        t = solve(lambda u: mi_value(mi_table(shape, cell["shape"], u)), cell["target"], hi)
        p = mi_table(shape, cell["shape"], t)
        truth = mi_value(p)
        return dict(p=p.ravel(), shape=shape, truth=truth), {
            "plugin": lambda d: kls.mutual_information(d[0].reshape(shape)),
        }
    q = base_q(cell["k"], cell["base"])
    fn = js if q_ == "js" else kl
    hi = 0.999 if cell["shape"] == "spike" else 30.0
    if q_ == "entropy":
        t = solve(lambda u: kl(family(q, cell["shape"], u), q), cell["target"], hi)
        p = family(q, cell["shape"], t)
        truth = -float((p[p > 0] * np.log(p[p > 0])).sum())
        return dict(p=p, truth=truth), {"plugin": lambda d: kls.entropy(d[0])}
    t = solve(lambda u: fn(family(q, cell["shape"], u), q), cell["target"], hi)
    p = family(q, cell["shape"], t)
    truth = fn(p, q)
    if q_ == "kl1":
        calls = {
            e: (lambda d, e=e: kls.kl_divergence(d[0], reference=q, estimator=e))
            for e in ("plugin", "zhang", "miller-madow")
        }
        return dict(p=p, truth=truth), calls
    if q_ == "kl2":
        calls = {
            e: (lambda d, e=e: kls.kl_divergence(d[0], d[1], estimator=e))
            for e in ("plugin", "zhang", "miller-madow")
        }
        return dict(p=p, q=q, truth=truth), calls
    return dict(p=p, q=q, truth=truth), {"plugin": lambda d: kls.jensen_shannon(d[0], d[1])}


def _seed(cell: dict) -> int:
    key = "|".join(f"{k}={cell[k]}" for k in sorted(cell))
    return zlib.crc32(key.encode())


REASONS = (
    "estimate is below",
    "estimate exceeds",
    "estimate lies above the interval",
    "estimate lies below the interval",
    "interval that inverts its own statistic",
    "which inverts the law of the plug-in",
    "bootstrap interval, which corrects",
)


def has_reason(note: str | None) -> bool:
    """Whether an interval's note says why the estimate lies outside it (the one-line
    reasons of ``klstats._inference._intervals``)."""
    return bool(note) and any(k in note for k in REASONS)


def run_cell(cell: dict, reps: int) -> list[dict]:
    spec, calls = setup(cell)
    g = np.random.default_rng(_seed(cell))
    n = cell["n"]
    truth = spec["truth"]
    rows = {e: dict(cover=0, inside=0, reason=0, silent=0, width=0.0, lo0=0) for e in calls}
    for _ in range(reps):
        data = [g.multinomial(n, spec["p"])]
        if "q" in spec:
            data.append(g.multinomial(n, spec["q"]))
        for e, call in calls.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = call(data)
                ci = res.conf_int(rng=g)
            lo, hi = float(ci[0]), float(ci[1])
            r = rows[e]
            r["cover"] += lo - 1e-12 <= truth <= hi + 1e-12
            r["width"] += hi - lo if math.isfinite(hi - lo) else 0.0
            r["lo0"] += lo <= 1e-12
            est = float(res.estimate)
            if lo - 1e-12 <= est <= hi + 1e-12:
                r["inside"] += 1
            elif has_reason(ci.note):
                r["reason"] += 1
            else:
                r["silent"] += 1
            r["method"] = ci.method
    out = []
    for e, r in rows.items():
        cov = r["cover"] / reps
        out.append(
            dict(
                **cell,
                estimator=e,
                truth=truth,
                R=reps,
                method=r["method"],
                coverage=cov,
                mc_se=math.sqrt(LEVEL * (1 - LEVEL) / reps),
                mean_width=r["width"] / reps,
                lower_at_0=r["lo0"] / reps,
                estimate_inside=r["inside"] / reps,
                outside_with_reason=r["reason"] / reps,
                outside_silent=r["silent"] / reps,
            )
        )
    return out


def _markdown(df: pd.DataFrame) -> str:
    def fmt(v):
        return f"{v:.3f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in df.itertuples(False)]
    return "\n".join(lines) + "\n"


def summary_table(df: pd.DataFrame) -> pd.DataFrame:
    """Minimum coverage over the shapes of each quantity, estimator, true value and n."""
    key = ["quantity", "estimator", "target", "n"]
    agg = df.groupby(key).agg(
        cells=("coverage", "size"),
        min_coverage=("coverage", "min"),
        mean_coverage=("coverage", "mean"),
        silent_outside=("outside_silent", "max"),
    )
    return agg.reset_index()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--max-minutes", type=float, default=math.inf)
    ap.add_argument("--reps", type=int, default=None)
    a = ap.parse_args(argv)
    reps = a.reps or (600 if a.full else 200)
    stem = "coverage_grid" if a.full else "coverage_grid_quick"
    OUT.mkdir(exist_ok=True)
    partial = OUT / f"{stem}_partial.csv"
    done = pd.read_csv(partial) if partial.exists() else pd.DataFrame()
    key_cols = ["quantity", "k", "base", "shape", "target", "n"]
    seen = set()
    if len(done):
        seen = {tuple(r) for r in done[key_cols].astype(str).itertuples(False)}
    t0 = time.time()
    for cell in cells(a.full):
        if tuple(str(cell[c]) for c in key_cols) in seen:
            continue
        if (time.time() - t0) / 60 > a.max_minutes:
            print("time budget used: rerun to continue", flush=True)
            return
        rows = run_cell(cell, reps)
        pd.DataFrame(rows).to_csv(partial, mode="a", header=not partial.exists(), index=False)
        for r in rows:
            print(
                f"{time.time() - t0:7.1f}s {r['quantity']:7s} K={r['k']:2d} {r['base']:7s} "
                f"{r['shape']:8s} t={r['target']:<5} n={r['n']:3d} {r['estimator']:12s} "
                f"cov={r['coverage']:.3f} silent={r['outside_silent']:.3f}",
                flush=True,
            )
    df = pd.read_csv(partial)
    df.to_csv(OUT / f"{stem}.csv", index=False)
    (OUT / f"{stem}.md").write_text(_markdown(summary_table(df)))
    print(summary_table(df).to_string())


if __name__ == "__main__":
    main()
