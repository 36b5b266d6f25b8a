"""k-NN estimators: bias grid, coverage of the default intervals, the target cell.

The power of the k-NN tests is studied in validation/knn_power.py.

Every truth comes from outside the estimators: closed forms for Gaussians; for product
distributions (Student-t with 5 df, a two-component Gaussian mixture, Beta) the KL
divergence and entropy are d times one-dimensional integrals computed with
``scipy.integrate.quad``. Seeds: every cell draws from its own generator
``numpy.random.default_rng([SEED, hash of the cell])``.

Run ``python -m validation.knn_study [--full] [--part bias|coverage|target]``;
results go to ``validation/results/knn_*.csv`` and ``.md``. The quick mode (a few
replications, small cells) runs in the test suite.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import integrate, stats

import klstats as kls

SEED = 20261206
OUT = Path(__file__).resolve().parent / "results"


def cell_rng(*key: object) -> np.random.Generator:
    return np.random.default_rng([SEED, zlib.crc32(repr(key).encode())])


# =========================================================================== distributions


@dataclass(frozen=True)
class Pair:
    """P and Q as products of d copies of one-dimensional laws (Gaussians: exact)."""

    name: str
    p: Callable[[int], object]  # d -> frozen 1-D law of each coordinate
    q: Callable[[int], object]
    smooth: bool  # smooth density with light tails (the cells the coverage goal covers)

    def draw(self, g: np.random.Generator, n: int, d: int, which: str) -> np.ndarray:
        law = (self.p if which == "p" else self.q)(d)
        return np.asarray(law.rvs(size=(n, d), random_state=g), dtype=float)

    def kl(self, d: int) -> float:
        return d * _kl_1d(self.p(d), self.q(d))

    def entropy(self, d: int) -> float:
        return d * _entropy_1d(self.p(d))


def _support(law) -> tuple[float, float]:
    lo, hi = law.support()
    return float(lo), float(hi)


def _kl_1d(p, q) -> float:
    lo, hi = _support(p)

    def f(x):
        lp = p.logpdf(x)
        return math.exp(lp) * (lp - q.logpdf(x)) if lp > -700 else 0.0

    return float(integrate.quad(f, lo, hi, limit=400)[0])


def _entropy_1d(p) -> float:
    lo, hi = _support(p)

    def f(x):
        lp = p.logpdf(x)
        return -math.exp(lp) * lp if lp > -700 else 0.0

    return float(integrate.quad(f, lo, hi, limit=400)[0])


class _Mixture:
    """0.5 N(-1, 0.6^2) + 0.5 N(1, 0.6^2) (bimodal), one coordinate."""

    def support(self):
        return -np.inf, np.inf

    def logpdf(self, x):
        a = stats.norm.logpdf(x, -1.0, 0.6)
        b = stats.norm.logpdf(x, 1.0, 0.6)
        return np.logaddexp(a, b) - math.log(2.0)

    def rvs(self, size, random_state):
        g = random_state
        sign = np.where(g.random(size) < 0.5, -1.0, 1.0)
        return sign + 0.6 * g.standard_normal(size)


PAIRS = {
    "gauss": Pair(
        "N(0, I) vs N(0.5, 1.5 I)",
        lambda d: stats.norm(0.0, 1.0),
        lambda d: stats.norm(0.5, math.sqrt(1.5)),
        True,
    ),
    "mixture": Pair(
        "bimodal mixture vs N(0, 1.5 I)",
        lambda d: _Mixture(),
        lambda d: stats.norm(0.0, math.sqrt(1.5)),
        True,
    ),
    "t5": Pair(
        "t5 vs t5 + 0.5 (heavy tails)",
        lambda d: stats.t(5),
        lambda d: stats.t(5, loc=0.5),
        False,
    ),
    "beta": Pair(
        "Beta(2,2) vs Beta(2,3) (bounded)",
        lambda d: stats.beta(2, 2),
        lambda d: stats.beta(2, 3),
        False,
    ),
}


def gauss_kl(d: int) -> float:
    """Closed form of D(N(0, I_d) || N(0.5 1, 1.5 I_d))."""
    return 0.5 * (d / 1.5 + d * 0.25 / 1.5 - d + d * math.log(1.5))


# =========================================================================== bias


KL_ESTIMATORS = {
    "default (weighted)": {},
    "wang k=1": {"estimator": "wang", "k": 1},
    "wang k=5": {"estimator": "wang", "k": 5},
    "adaptive": {"estimator": "adaptive"},
}
H_ESTIMATORS = {
    "default (weighted)": {},
    "kozachenko-leonenko k=1": {"estimator": "kozachenko-leonenko", "k": 1},
    "kozachenko-leonenko k=3": {"estimator": "kozachenko-leonenko", "k": 3},
}


def bias(
    full: bool,
    reps_small: int = 30,
    reps_large: int = 10,
    dims: tuple[int, ...] | None = None,
    ns: tuple[int, ...] | None = None,
    checkpoint: Path | None = None,
    budget: float | None = None,
    redo_fewer: bool = False,
) -> pd.DataFrame:
    """Bias table; ``checkpoint`` (a CSV path) is rewritten after every cell and cells
    already in it are kept and skipped (so runs over parts of the grid add up; with
    ``redo_fewer`` a cell with fewer samples than asked is recomputed on its own seed
    stream and its rows replaced); ``budget`` (seconds) stops starting new cells after
    that much time."""
    dims = dims or ((1, 2, 3, 5, 8) if full else (1, 5))
    ns = ns or ((500, 1000, 4000, 20000) if full else (500,))
    pairs = PAIRS if full else {"gauss": PAIRS["gauss"]}
    done = pd.read_csv(checkpoint) if checkpoint is not None and checkpoint.exists() else None
    rows = [] if done is None else done.to_dict("records")
    have = {(r["distributions"], int(r["d"]), int(r["n"])): int(r["R"]) for r in rows}
    start = time.time()
    for key, pair in pairs.items():
        for d in dims:
            truth_kl, truth_h = pair.kl(d), pair.entropy(d)
            for n in ns:
                reps = (reps_small if n <= 4000 else reps_large) if full else 4
                cell = (pair.name, d, n)
                if cell in have and (not redo_fewer or have[cell] >= reps):
                    continue
                if budget is not None and time.time() - start > budget:
                    continue
                if cell in have:
                    rows = [
                        r for r in rows if (r["distributions"], int(r["d"]), int(r["n"])) != cell
                    ]
                g = cell_rng("bias", key, d, n)
                vals: dict[tuple[str, str], list[float]] = {}
                t0 = time.time()
                for _ in range(reps):
                    x = pair.draw(g, n, d, "p")
                    y = pair.draw(g, n, d, "q")
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        for label, opts in KL_ESTIMATORS.items():
                            est = kls.kl_divergence_knn(x, y, **opts).estimate
                            vals.setdefault(("KL", label), []).append(est)
                        for label, opts in H_ESTIMATORS.items():
                            est = kls.entropy_knn(x, **opts).estimate
                            vals.setdefault(("entropy", label), []).append(est)
                for (quantity, label), v in vals.items():
                    truth = truth_kl if quantity == "KL" else truth_h
                    a = np.array(v)
                    rows.append(
                        {
                            "quantity": quantity,
                            "distributions": pair.name,
                            "d": d,
                            "n": n,
                            "estimator": label,
                            "R": reps,
                            "truth": truth,
                            "mean": a.mean(),
                            "bias": a.mean() - truth,
                            "relative bias": (a.mean() - truth) / abs(truth),
                            "mc se": a.std(ddof=1) / math.sqrt(reps),
                            "sd": a.std(ddof=1),
                        }
                    )
                print(f"bias {key} d={d} n={n}: {time.time() - t0:.0f} s", flush=True)
                if checkpoint is not None:
                    pd.DataFrame(rows).to_csv(checkpoint, index=False)
    return pd.DataFrame(rows)


# =========================================================================== coverage


def _mi_draw(g, n, dx, rho):
    x = g.normal(size=(n, dx))
    y = rho * x + math.sqrt(1 - rho * rho) * g.normal(size=(n, dx))
    return x, y, -dx * 0.5 * math.log(1 - rho * rho)


# replications per coverage cell in the full run (CPU-bound; a cell already in the
# checkpoint keeps its own R): 1000 for the Gaussian cells up to n = 1000, 200 at
# n = 4000, at most 300 for the other distributions
COVERAGE_REPS = {500: 1000, 1000: 1000, 4000: 200}


def _coverage_reps(n: int, setting: str) -> int:
    r = COVERAGE_REPS.get(n, 100)
    gaussian = setting.startswith(("N(0, I) vs", "P = Q", "Gaussian"))
    return r if gaussian else min(r, 300)


def coverage(
    full: bool,
    reps: int | None = None,
    dims: tuple[int, ...] | None = None,
    ns: tuple[int, ...] | None = None,
    checkpoint: Path | None = None,
    budget: float | None = None,
    quantities: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Coverage of the default 95 % interval (``conf_int()`` with no arguments).

    Replications per cell: ``reps`` or, in the full run, :func:`_coverage_reps`. With
    ``checkpoint`` (a CSV path) the table is rewritten after every cell and cells already
    in it are skipped (with ``reps`` given: unless they have fewer replications, then
    the cell is recomputed on the same seed stream and its row replaced), so a run can
    be split; ``budget`` (seconds) stops starting new cells after that much time;
    ``quantities`` (a subset of "KL", "entropy", "MI") limits the cells run.
    """
    dims = dims or ((1, 2, 3, 5) if full else (2,))
    ns = ns or ((500, 1000, 4000) if full else (500,))
    done = pd.read_csv(checkpoint) if checkpoint is not None and checkpoint.exists() else None
    rows = [] if done is None else done.to_dict("records")
    have = {(r["quantity"], r["setting"], int(r["d"]), int(r["n"])): int(r["R"]) for r in rows}
    start = time.time()

    def run(quantity, setting, d, n, make, smooth):
        if quantities is not None and quantity not in quantities:
            return
        key = (quantity, setting, d, n)
        if key in have and (reps is None or have[key] >= reps):
            return
        if budget is not None and time.time() - start > budget:
            return
        r_cell = reps or (_coverage_reps(n, setting) if full else 20)
        g = cell_rng("coverage", quantity, setting, d, n)
        hits, below, widths, ests, ses = 0, 0, [], [], []
        t0 = time.time()
        for _ in range(r_cell):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est, truth = make(g)
                lo, hi = est.conf_int()
            hits += lo <= truth <= hi
            below += hi < truth
            widths.append(hi - lo)
            ests.append(est.estimate - truth)
            ses.append(est.bse)
        cov = hits / r_cell
        row = {
            "quantity": quantity,
            "setting": setting,
            "d": d,
            "n": n,
            "smooth": smooth,
            "R": r_cell,
            "coverage": cov,
            "mc se": math.sqrt(max(cov * (1 - cov), 1e-12) / r_cell),
            "misses below": below / r_cell,
            "mean width": float(np.mean(widths)),
            "truth": truth,
            "mean bias": float(np.mean(ests)),
            "sd": float(np.std(ests, ddof=1)),
            "mean se": float(np.mean(ses)),
            "method": est.default_ci_method,
        }
        # a cell recomputed with more replications replaces its row in place
        at = [
            i
            for i, r in enumerate(rows)
            if (r["quantity"], r["setting"], int(r["d"]), int(r["n"])) == key
        ]
        if at:
            rows[at[0]] = row
        else:
            rows.append(row)
        have[key] = r_cell
        print(
            f"coverage {quantity} {setting} d={d} n={n}: {cov:.3f} ({time.time() - t0:.0f} s)",
            flush=True,
        )
        if checkpoint is not None:
            pd.DataFrame(rows).to_csv(checkpoint, index=False)

    # cells in order of priority (a budget-limited run finishes the Gaussian cells first)
    plan = []
    for n in ns:
        for d in dims:
            plan.append((n, d, "gauss"))
    if full:
        for n in ns:
            for d in dims:
                plan.extend((n, d, key) for key in PAIRS if key != "gauss")
    for n, d, key in plan:
        pair = PAIRS[key]
        truth_kl, truth_h = pair.kl(d), pair.entropy(d)  # quadrature: once per cell

        def kl(g, pair=pair, d=d, n=n, truth=truth_kl):
            x, y = pair.draw(g, n, d, "p"), pair.draw(g, n, d, "q")
            return kls.kl_divergence_knn(x, y), truth

        def ent(g, pair=pair, d=d, n=n, truth=truth_h):
            return kls.entropy_knn(pair.draw(g, n, d, "p")), truth

        run("KL", pair.name, d, n, kl, pair.smooth)
        run("entropy", pair.name, d, n, ent, pair.smooth)
        if key != "gauss":
            continue

        def same(g, d=d, n=n):
            return kls.kl_divergence_knn(g.normal(size=(n, d)), g.normal(size=(n, d))), 0.0

        run("KL", "P = Q = N(0, I)", d, n, same, True)
        for rho in (0.0, 0.6):

            def mi(g, rho=rho, d=d, n=n):
                x, y, truth = _mi_draw(g, n, d, rho)
                return kls.mutual_information_knn(x, y), truth

            run("MI", f"Gaussian rho {rho:g} (d_x = d_y = d)", d, n, mi, True)
    return pd.DataFrame(rows)


# =========================================================================== target cell


def target(
    reps: int = 50,
    legacy: bool = True,
    checkpoint: Path | None = None,
    budget: float | None = None,
    candidate_k: int | None = None,
) -> pd.DataFrame:
    """N(0, I_5) vs N(0.5 1, 1.5 I_5), n = m = 20000, truth 0.59700 nats.

    Seed s draws from ``default_rng([SEED, 5, s])``. With ``checkpoint`` (a CSV path)
    one row per seed (estimate, standard error, interval) is appended as it is done
    and seeds already in the file are not recomputed, so a long run can be split
    (``budget``: no new seed is started after that many seconds; the table then
    summarises the seeds done). ``candidate_k``: also the weighted estimator with that
    explicit k on the same seeds (``--candidate-k``). Rows of earlier defaults kept in
    the checkpoint under another label are summarised too.
    """
    t_start = time.time()
    d, n = 5, 20000
    truth = gauss_kl(d)
    est_sets = {"default (weighted)": {}}
    if legacy:
        est_sets.update(
            {"wang k=1": {"estimator": "wang", "k": 1}, "wang k=5": {"estimator": "wang", "k": 5}}
        )
    if candidate_k:
        # a candidate k for the weighted estimator on the same seeds (its L follows k)
        est_sets[f"candidate k = {candidate_k} (weighted)"] = {"k": candidate_k}
    done = pd.read_csv(checkpoint) if checkpoint is not None and checkpoint.exists() else None
    per_seed = [] if done is None else done.to_dict("records")
    have = {(r["estimator"], int(r["seed"])) for r in per_seed}
    for s in range(reps):
        if all((label, s) in have for label in est_sets):
            continue
        if budget is not None and time.time() - t_start > budget:
            break
        g = np.random.default_rng([SEED, 5, s])
        x = g.normal(size=(n, d))
        y = 0.5 + math.sqrt(1.5) * g.normal(size=(n, d))
        for label, opts in est_sets.items():
            if (label, s) in have:
                continue
            res = kls.kl_divergence_knn(x, y, **opts)
            lo, hi = res.conf_int()
            per_seed.append(
                {
                    "estimator": label,
                    "seed": s,
                    "estimate": res.estimate,
                    "se": res.bse,
                    "low": lo,
                    "high": hi,
                }
            )
        if checkpoint is not None:
            pd.DataFrame(per_seed).to_csv(checkpoint, index=False)
    df = pd.DataFrame(per_seed)
    df = df[df["seed"] < reps]
    rows = []
    # rows of earlier defaults kept in the checkpoint (relabelled when the default
    # changed) are summarised too
    labels = list(est_sets) + [e for e in dict.fromkeys(df["estimator"]) if e not in est_sets]
    for label in labels:
        sub = df[df["estimator"] == label]
        a = sub["estimate"].to_numpy()
        r = a.size
        hit = ((sub["low"] <= truth) & (truth <= sub["high"])).to_numpy()
        cov = hit.mean()
        weighted = "default" in label or "weighted" in label
        rows.append(
            {
                "estimator": label,
                "R": r,
                "truth": truth,
                "mean": a.mean(),
                "relative bias": a.mean() / truth - 1,
                "mc se (relative)": a.std(ddof=1) / math.sqrt(r) / truth,
                "sd": a.std(ddof=1),
                "mean se": float(sub["se"].mean()),
                "coverage of the 95 % CI": cov if weighted else math.nan,
                "coverage mc se": math.sqrt(cov * (1 - cov) / r) if weighted else math.nan,
            }
        )
    return pd.DataFrame(rows)


def _markdown(df: pd.DataFrame) -> str:
    def cell(v):
        return f"{v:.4g}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(map(str, df.columns)) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


def _write(df: pd.DataFrame, name: str, title: str) -> None:
    OUT.mkdir(exist_ok=True)
    df.to_csv(OUT / f"{name}.csv", index=False)
    (OUT / f"{name}.md").write_text(f"# {title}\n\n{_markdown(df)}\n")


def _write_bias(df: pd.DataFrame) -> None:
    """knn_bias.csv (every cell) and knn_bias.md (relative bias in %, new default
    against the old estimators on the same samples, with the grid that was run)."""
    OUT.mkdir(exist_ok=True)
    df.to_csv(OUT / "knn_bias.csv", index=False)
    reps = sorted({int(r) for r in df["R"]})
    per_d = df.groupby(["d", "n"])["R"].agg(lambda r: "/".join(map(str, sorted(set(r)))))
    per_cell = "; ".join(
        f"d = {d}: " + ", ".join(f"{per_d[d, n]} at n = {n}" for n in per_d[d].index)
        for d in per_d.index.get_level_values(0).unique()
    )
    lines = [
        "# Bias of k-NN estimators: new default against the old ones",
        "",
        f"Grid run: d in {sorted({int(v) for v in df['d']})}, n = m in "
        f"{sorted({int(v) for v in df['n']})}, {len(set(df['distributions']))} pairs of "
        f"distributions, {', '.join(str(r) for r in reps)} seeded samples per cell "
        f"({per_cell}; column R of the CSV); every estimator on the same samples "
        "(``python -m validation.knn_study --full --part bias``, ``--bias-reps`` and "
        "``--redo-fewer`` for more samples; options in the CSV). Cells: relative bias "
        "in % (Monte Carlo s.e. in brackets). The s.e. of a cell is several % where D "
        "is small (d = 1) or the samples few, and the sampling error is shared by the "
        "estimators of a row; the default's bias with 300-1000 samples per cell is "
        "also in knn_coverage.md ('mean bias').",
        "",
    ]
    order = {pair.name: i for i, pair in enumerate(PAIRS.values())}
    df = df.assign(_pair=df["distributions"].map(order)).sort_values(
        ["_pair", "d", "n"], kind="stable"
    )
    for quantity in ("KL", "entropy"):
        sub = df[df["quantity"] == quantity]
        ests = list(dict.fromkeys(sub["estimator"]))
        lines += [f"## {quantity}", ""]
        lines.append("| distributions | d | n | " + " | ".join(ests) + " |")
        lines.append("|---|---|---|" + "---|" * len(ests))
        for (dist, d, n), cell in sub.groupby(["distributions", "d", "n"], sort=False):
            vals = []
            for e in ests:
                r = cell[cell["estimator"] == e]
                if r.empty:
                    vals.append("")
                    continue
                rel = 100 * float(r["relative bias"].iloc[0])
                se = 100 * float(r["mc se"].iloc[0]) / abs(float(r["truth"].iloc[0]))
                vals.append(f"{rel:+.1f} ({se:.1f})")
            lines.append(f"| {dist} | {d} | {n} | " + " | ".join(vals) + " |")
        lines.append("")
    (OUT / "knn_bias.md").write_text("\n".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--part", choices=("bias", "coverage", "target"), action="append")
    ap.add_argument("--reps", type=int, default=None)
    ap.add_argument("--bias-reps", type=int, nargs=2, default=(30, 10), help="n <= 4000, n > 4000")
    ap.add_argument("--dims", type=int, nargs="+", default=None)
    ap.add_argument("--ns", type=int, nargs="+", default=None)
    ap.add_argument("--budget", type=float, default=None, help="seconds; checkpointed parts stop")
    ap.add_argument("--no-legacy", action="store_true", help="target: the default only")
    ap.add_argument("--candidate-k", type=int, default=None, help="target: also this k")
    ap.add_argument("--quantities", nargs="+", default=None, help="coverage: KL entropy MI")
    ap.add_argument(
        "--redo-fewer", action="store_true", help="bias: recompute cells with fewer samples"
    )
    args = ap.parse_args()
    parts = args.part or ["bias", "coverage", "target"]
    if "target" in parts:
        OUT.mkdir(exist_ok=True)
        table = target(
            args.reps or 50,
            not args.no_legacy,
            checkpoint=OUT / "knn_target_seeds.csv",
            budget=args.budget,
            candidate_k=args.candidate_k,
        )
        _write(table, "knn_target", "Target cell: d = 5, n = m = 20000")
    if "coverage" in parts:
        OUT.mkdir(exist_ok=True)
        table = coverage(
            args.full,
            args.reps,
            dims=tuple(args.dims) if args.dims else None,
            ns=tuple(args.ns) if args.ns else None,
            checkpoint=OUT / "knn_coverage.csv" if args.full else None,
            budget=args.budget,
            quantities=tuple(args.quantities) if args.quantities else None,
        )
        _write(table, "knn_coverage", "Coverage of default k-NN intervals")
    if "bias" in parts:
        OUT.mkdir(exist_ok=True)
        table = bias(
            args.full,
            *args.bias_reps,
            dims=tuple(args.dims) if args.dims else None,
            ns=tuple(args.ns) if args.ns else None,
            checkpoint=OUT / "knn_bias.csv",
            budget=args.budget,
            redo_fewer=args.redo_fewer,
        )
        _write_bias(table)


if __name__ == "__main__":
    main()
