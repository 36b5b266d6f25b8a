"""Error rates of :func:`klstats.compare_frames` over many columns.

Run from the repository root::

    python -m validation.frames              # quick (about 30 s)
    python -m validation.frames --full       # 500 data sets (about 5 CPU minutes)

Each data set has 50 columns of mixed types in two samples (n = 200 reference rows,
150 current rows): 20 categorical (3 to 6 categories), 10 boolean, 10 discrete (Poisson
counts) and 10 continuous (normal, lognormal, gamma). Five columns change (a
categorical, a boolean, a discrete and two continuous ones: a location shift and a scale
change). From each data set:

- FWER with Holm: the rate of flagging any of the 45 unchanged columns; FDR with
  Benjamini-Hochberg: the mean of (false flags / flags);
- the power of each changed column under both corrections;
- the global null ("no column changed"): the 45 unchanged columns are a data set of 45
  independent mixed columns none of which changed; the rate of any flag when Holm (and
  BH) is applied over those 45 alone, and the size of the per-column tests by type.

A second study, ``continuous``, compares tests for continuous columns (one column,
n = 100 per sample): size and power of the binned G-test (the default), the k-NN
permutation test (``continuous="knn"``, 199 permutations) and scipy's ks_2samp.

Counted columns get compare_frames' default test (G with Williams' correction;
chi-square where Cochran's rule holds, else Monte Carlo tables with the observed
margins) with 1999 tables instead of the default 9999 to keep the study cheap: the
smallest p-value, 1/2000, is still below the Bonferroni threshold 0.05/50. Every data
set draws from its own generator (:func:`validation._report.cell_rng`), so the numbers
do not depend on the order of work.

Tables are written to ``validation/results/frames_*.{csv,md}``.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

import klstats as kls

from ._report import cell_rng, quiet

ALPHA = 0.05
N_MC = 1999  # Monte Carlo tables for sparse counted columns (1/2000 < alpha/50)
N_REF, N_CUR = 200, 150
CHANGED = ("cat0", "bool0", "disc0", "cont0", "cont1")
OUT = Path(__file__).resolve().parent / "results"


def _probs(rng: np.random.Generator, k: int) -> np.ndarray:
    p = rng.dirichlet(np.full(k, 5.0))
    return p


def make_columns(seed_rng: np.random.Generator) -> list[dict]:
    """The 50 column specifications (fixed across data sets for a given seed)."""
    specs = []
    for j in range(20):
        k = 3 + j % 4
        p = _probs(seed_rng, k)
        q = p.copy()
        q[0], q[1] = q[0] + 0.12, max(q[1] - 0.12, 0.01)
        q = q / q.sum()
        specs.append({"name": f"cat{j}", "kind": "cat", "p": p, "q": q})
    for j in range(10):
        specs.append({"name": f"bool{j}", "kind": "bool", "p": 0.3, "q": 0.45})
    for j in range(10):
        specs.append({"name": f"disc{j}", "kind": "disc", "p": 2.0, "q": 2.6})
    for j in range(10):
        law = ("normal", "lognormal", "gamma")[j % 3]
        change = "scale" if j == 1 else "shift"
        specs.append({"name": f"cont{j}", "kind": "cont", "law": law, "change": change})
    return specs


def _draw(spec: dict, n: int, changed: bool, rng: np.random.Generator):
    kind = spec["kind"]
    if kind == "cat":
        p = spec["q"] if changed else spec["p"]
        return rng.choice([f"l{i}" for i in range(len(p))], n, p=p)
    if kind == "bool":
        return rng.random(n) < (spec["q"] if changed else spec["p"])
    if kind == "disc":
        return rng.poisson(spec["q"] if changed else spec["p"], n)
    law = spec["law"]
    z = rng.standard_normal(n)
    if changed and spec["change"] == "shift":
        z = z + 0.45
    if changed and spec["change"] == "scale":
        z = z * 1.6
    if law == "normal":
        return z
    if law == "lognormal":
        return np.exp(0.5 * z)
    return stats.gamma.ppf(stats.norm.cdf(z), a=2.0)


def data_set(specs: list[dict], changed: tuple[str, ...], rng: np.random.Generator):
    ref = pd.DataFrame({s["name"]: _draw(s, N_REF, False, rng) for s in specs})
    cur = pd.DataFrame({s["name"]: _draw(s, N_CUR, s["name"] in changed, rng) for s in specs})
    return ref, cur


def scenario(name: str, reps: int, changed: tuple[str, ...]) -> dict:
    specs = make_columns(np.random.default_rng(20261206))
    raw, holm_flags, bh_flags = [], [], []
    for r in range(reps):
        rng = cell_rng("frames", name, r)
        ref, cur = data_set(specs, changed, rng)
        with quiet():
            res = kls.compare_frames(ref, cur, rng=rng, correction="holm", n_resamples=N_MC)
        p = res.pvalues.to_numpy(dtype=float)
        raw.append(p)
        holm_flags.append(np.isin(res.pvalues.index, res.flagged))
        bh_flags.append(multipletests(p, alpha=ALPHA, method="fdr_bh")[0])
    names = list(res.pvalues.index)
    return {
        "names": names,
        "raw": np.array(raw),
        "holm": np.array(holm_flags),
        "bh": np.array(bh_flags),
        "kinds": [s["kind"] for s in specs],
    }


def _se(p: float, r: int) -> float:
    return math.sqrt(max(p * (1 - p), 1e-12) / r)


def summarise(alt: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    R = len(alt["raw"])
    changed = np.isin(alt["names"], CHANGED)
    null_p = alt["raw"][:, ~changed]  # 45 unchanged columns: a global-null data set
    for label, method in (("Holm", "holm"), ("BH", "fdr_bh")):
        anyflag = np.array([multipletests(p, alpha=ALPHA, method=method)[0].any() for p in null_p])
        rate = float(anyflag.mean())
        rows.append(
            {
                "scenario": "no column changed (45 columns)",
                "quantity": f"P(any flag), {label}",
                "nominal": ALPHA,
                "estimate": rate,
                "mc_se": _se(rate, R),
                "data_sets": R,
            }
        )
    kinds = np.array(alt["kinds"])[~changed]
    for kind in ("cat", "bool", "disc", "cont"):
        rej = null_p[:, kinds == kind] <= ALPHA
        rate = float(rej.mean())
        rows.append(
            {
                "scenario": "no column changed (45 columns)",
                "quantity": f"per-column size, {kind} ({rej.shape[1]} columns)",
                "nominal": ALPHA,
                "estimate": rate,
                "mc_se": _se(rate, rej.size),
                "data_sets": R,
            }
        )
    fwer = float(alt["holm"][:, ~changed].any(axis=1).mean())
    rows.append(
        {
            "scenario": "5 of 50 changed",
            "quantity": "FWER (any unchanged column flagged), Holm",
            "nominal": ALPHA,
            "estimate": fwer,
            "mc_se": _se(fwer, R),
            "data_sets": R,
        }
    )
    bh = alt["bh"]
    fdp = bh[:, ~changed].sum(axis=1) / np.maximum(bh.sum(axis=1), 1)
    rows.append(
        {
            "scenario": "5 of 50 changed",
            "quantity": "FDR (mean false / flagged), BH",
            "nominal": ALPHA,
            "estimate": float(fdp.mean()),
            "mc_se": float(fdp.std(ddof=1) / math.sqrt(R)),
            "data_sets": R,
        }
    )
    errors = pd.DataFrame(rows)
    power = []
    for col in CHANGED:
        j = alt["names"].index(col)
        for label, flags in (("Holm", alt["holm"]), ("BH", alt["bh"])):
            rate = float(flags[:, j].mean())
            power.append(
                {
                    "column": col,
                    "change": {
                        "cat0": "categorical: 0.12 of mass moved between two categories",
                        "bool0": "boolean: P(true) 0.30 -> 0.45",
                        "disc0": "discrete: Poisson mean 2.0 -> 2.6",
                        "cont0": "continuous (normal): shift 0.45 sd",
                        "cont1": "continuous (lognormal): log-scale sd x 1.6",
                    }[col],
                    "correction": label,
                    "power": rate,
                    "mc_se": _se(rate, R),
                    "unadjusted": float((alt["raw"][:, j] <= ALPHA).mean()),
                }
            )
    return errors, pd.DataFrame(power)


def continuous_tests(reps: int) -> pd.DataFrame:
    n = 100
    laws = {
        "null": lambda r: r.standard_normal(n),
        "shift 0.5 sd": lambda r: r.standard_normal(n) + 0.5,
        "scale x 1.6": lambda r: 1.6 * r.standard_normal(n),
    }
    rows = []
    for label, draw in laws.items():
        hits = {"binned G (default)": 0, "k-NN permutation (199)": 0, "scipy ks_2samp": 0}
        for r in range(reps):
            rng = cell_rng("frames-continuous", label, r)
            x = pd.DataFrame({"v": rng.standard_normal(n)})
            y = pd.DataFrame({"v": draw(rng)})
            with quiet():
                b = kls.compare_frames(x, y, rng=rng).pvalues["v"]
                k = kls.compare_frames(x, y, rng=rng, continuous="knn", n_resamples=199)
            hits["binned G (default)"] += b <= ALPHA
            hits["k-NN permutation (199)"] += k.pvalues["v"] <= ALPHA
            hits["scipy ks_2samp"] += stats.ks_2samp(x["v"], y["v"]).pvalue <= ALPHA
        for test, h in hits.items():
            rate = h / reps
            rows.append(
                {
                    "alternative": label,
                    "test": test,
                    "rejection rate": rate,
                    "mc_se": _se(rate, reps),
                    "reps": reps,
                }
            )
    return pd.DataFrame(rows)


def markdown(df: pd.DataFrame) -> str:
    def cell(v):
        return f"{v:.4f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(map(str, df.columns)) + " |", "|---" * len(df.columns) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(False)]
    return "\n".join(lines)


def _write(df: pd.DataFrame, name: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / f"{name}.csv", index=False)
    (out / f"{name}.md").write_text(markdown(df) + "\n")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m validation.frames")
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--out", default=None)
    ap.add_argument("--only", default="errors,continuous")
    args = ap.parse_args(argv)
    out = Path(args.out) if args.out else OUT / ("" if args.full else "quick")
    reps = 500 if args.full else 20
    only = set(args.only.split(","))
    t0 = time.perf_counter()
    if "errors" in only:
        alt = scenario("five_changed", reps, CHANGED)
        errors, power = summarise(alt)
        _write(errors, "frames_error_rates", out)
        _write(power, "frames_power", out)
        print(markdown(errors))
        print(markdown(power))
    if "continuous" in only:
        cont = continuous_tests(300 if args.full else 20)
        _write(cont, "frames_continuous_tests", out)
        print(markdown(cont))
    print(f"{time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
