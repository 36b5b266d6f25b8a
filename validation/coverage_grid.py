"""Coverage grid of the default count intervals (nominal 0.95), as a user gets them.

Every cell draws ``R`` data sets from a known distribution, calls the public function
with its default estimator (and, for KL, Zhang's and Miller-Madow's estimators; for
entropy and mutual information Miller-Madow's, Zhang's and the jackknife's) and
records whether ``conf_int()`` with its default method contains the true value, the
interval's mean width, and whether the printed estimate lies inside the interval or
the interval's note says why not.

Grid: n = 30, 50, 100, 500 (two samples: n = m; tables: N = n); true value 0 (D = 0,
independence, JS = 0, the uniform distribution for entropy) and three values away from
it; several alphabet sizes and shapes:

* KL one sample, ``reference=q``: q uniform or Zipf-like over K = 3, 10; P from an
  exponential tilt of q (``tilt``) or q with mass moved to its rarest category
  (``spike``: Var_P log(p/q) above 2D).
* KL two samples and JS: the same P and Q (Zipf-like Q), both sampled (n = m).
* Mutual information: 2 x 3 and 3 x 4 tables, the product of skewed margins mixed with
  their north-west-corner coupling (``mixture``) or tilted on the diagonal (``diagonal``).
* Entropy: P uniform (H = log K), tilted from uniform or spiked, K = 3, 10; the true
  value is log K - D(P || uniform).

Run ``python -m validation.coverage_grid [--full] [--max-minutes M]``: quick mode
(R = 200, n = 30, 100) or full (R = 300); each finished cell is appended to
``validation/results/coverage_grid{,_quick}_partial.csv``, a rerun skips finished
cells, and the last run writes ``coverage_grid{,_quick}.{csv,md}``. ``--redo kl2`` and
``--redo-below 0.95`` (with ``--reps 1000``) rerun finished cells of a quantity, or
cells where some estimator covered less, with more replicates (as for the published
table: ``--full --reps 200``, then the two-sample cells and every cell below 0.95 at
``--reps 1000``).
"""

from __future__ import annotations

import math
import warnings
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize

import klstats as kls
from klstats._inference._intervals import _why_outside

from . import coverage_study as cs
from ._report import Checkpoint, study_parser, to_markdown, to_rst

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


def mi_table(shape: tuple[int, int], name: str, t: float) -> np.ndarray:
    r, c = R_MARG[shape], C_MARG[shape]
    if name == "mixture":
        return (1 - t) * np.outer(r, c) + t * cs.northwest_corner(r, c)
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
                        if quantity != "kl1" and qshape == "uniform":
                            continue  # two samples: Zipf-like Q only (cost)
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


# entropy and mutual information: the plug-in and the bias-corrected estimators whose
# default interval is the (own) ncx2-adjusted inversion
BIAS_ESTIMATORS = ("plugin", "miller-madow", "zhang", "jackknife")


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
            e: (lambda d, e=e: kls.mutual_information(d[0].reshape(shape), estimator=e))
            for e in BIAS_ESTIMATORS
        }
    q = base_q(cell["k"], cell["base"])
    fn = js if q_ == "js" else kl
    hi = 0.999 if cell["shape"] == "spike" else 30.0
    if q_ == "entropy":
        t = solve(lambda u: kl(family(q, cell["shape"], u), q), cell["target"], hi)
        p = family(q, cell["shape"], t)
        truth = -float((p[p > 0] * np.log(p[p > 0])).sum())
        return dict(p=p, truth=truth), {
            e: (lambda d, e=e: kls.entropy(d[0], estimator=e)) for e in BIAS_ESTIMATORS
        }
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
    "estimate is infinite",
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


def _records(results) -> dict:
    """Per-data-set pivot records of the default interval (as coverage_study expects)."""
    rec = cs.empty_records(len(results))
    for r, res in enumerate(results):
        inf = res._inference
        p = inf.pivot
        if p is None:
            p = inf.complement
            rec["complement"] = True
        cs.record_pivot(rec, r, inf, p)
    return rec


def run_cell(cell: dict, reps: int, check: int = 2, estimators=None) -> list[dict]:
    """Coverage of ``conf_int()`` (default method) in one cell.

    Each data set's result is built by the public function; the default intervals
    (all noncentral chi-square inversions) are then computed for all data sets at once
    by ``coverage_study.default_pivot_limits`` and checked against ``conf_int()`` on
    the first ``check`` data sets (1e-6 relative). For an estimate outside its
    interval, the one-line reason ``conf_int()`` would append to its note is computed
    from the same limits."""
    spec, calls = setup(cell)
    g = np.random.default_rng(_seed(cell))
    n = cell["n"]
    truth = spec["truth"]
    draws = []
    for _ in range(reps):
        data = [g.multinomial(n, spec["p"])]
        if "q" in spec:
            data.append(g.multinomial(n, spec["q"]))
        draws.append(data)
    out = []
    for e, call in calls.items():
        if estimators is not None and e not in estimators:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results = [call(d) for d in draws]
            methods = {res.default_ci_method for res in results}
            if methods != {"ncx2-adjusted"}:
                raise AssertionError(f"default method {methods} in {cell}, {e}")
            lims = cs.default_pivot_limits(_records(results), "ncx2-adjusted")
            for r in range(min(check, reps)):
                got = results[r].conf_int()
                if not np.allclose(lims[r], tuple(got), rtol=1e-6, atol=1e-9):
                    raise AssertionError((cell, e, r, lims[r], tuple(got)))
            est = np.array([float(res.estimate) for res in results])
            lo, hi = lims[:, 0], lims[:, 1]
            inside = (lo - 1e-12 <= est) & (est <= hi + 1e-12)
            reason = silent = 0
            for r in np.flatnonzero(~inside):
                # the one-line reason conf_int() appends to the note for these limits
                why = _why_outside(results[r]._inference, "ncx2-adjusted", lo[r], hi[r])
                if has_reason(why):
                    reason += 1
                else:
                    silent += 1
        cover = (lo - 1e-12 <= truth) & (truth <= hi + 1e-12)
        width = np.where(np.isfinite(hi - lo), hi - lo, np.nan)
        out.append(
            dict(
                **cell,
                estimator=e,
                truth=truth,
                R=reps,
                method="ncx2-adjusted",
                coverage=float(cover.mean()),
                mc_se=math.sqrt(LEVEL * (1 - LEVEL) / reps),
                mean_width=float(np.nanmean(width)),
                lower_at_0=float((lo <= 1e-12).mean()),
                estimate_inside=float(inside.mean()),
                outside_with_reason=reason / reps,
                outside_silent=silent / reps,
            )
        )
    return out


NAMES = {
    "kl1": "KL, one sample",
    "kl2": "KL, two samples",
    "js": "Jensen-Shannon",
    "mi": "mutual information",
    "entropy": "entropy",
}


def summary_table(df: pd.DataFrame) -> pd.DataFrame:
    """Per quantity, estimator and n: the replicates per cell, the lowest coverage over
    the cells at the boundary (D = 0, independence, uniform P) and away from it, the
    mean, the number of cells below 0.93 and below 0.93 by more than 2 Monte Carlo
    standard errors, the share of estimates outside their interval (all with a stated
    reason) and without one."""
    rows = []
    order = {k: i for i, k in enumerate(NAMES)}
    for (qty, est, n), d in df.groupby(["quantity", "estimator", "n"]):
        at0, away = d[d.target == 0], d[d.target > 0]
        rows.append(
            dict(
                quantity=NAMES[qty],
                estimator=est,
                n=int(n),
                cells=len(d),
                reps=f"{int(d.R.min())}-{int(d.R.max())}" if d.R.nunique() > 1 else str(d.R.min()),
                min_at_0=at0.coverage.min() if len(at0) else float("nan"),
                min_away=away.coverage.min(),
                mean=d.coverage.mean(),
                below_093=int((d.coverage < 0.93).sum()),
                below_093_2se=int((d.coverage < 0.93 - 2 * d.mc_se).sum()),
                outside_reason=d.outside_with_reason.mean(),
                outside_silent=d.outside_silent.max(),
                _o=order[qty],
            )
        )
    out = pd.DataFrame(rows).sort_values(["_o", "estimator", "n"]).drop(columns="_o")
    return out.reset_index(drop=True)


def main(argv=None) -> None:
    ap = study_parser()
    ap.add_argument("--reps", type=int, default=None)
    ap.add_argument(
        "--redo",
        default="",
        help="comma list of quantities (kl1, kl2, js, mi, entropy) whose finished cells "
        "are rerun with --reps (only cells run with fewer replicates)",
    )
    ap.add_argument(
        "--redo-below",
        type=float,
        default=None,
        help="rerun, with --reps, finished cells where an estimator covered less than this "
        "(only cells run with fewer replicates)",
    )
    a = ap.parse_args(argv)
    reps = a.reps or (300 if a.full else 200)
    stem = "coverage_grid" if a.full else "coverage_grid_quick"
    OUT.mkdir(exist_ok=True)
    key_cols = ["quantity", "k", "base", "shape", "target", "n"]
    ck = Checkpoint(OUT / f"{stem}_partial.csv", key_cols, a.max_minutes)
    done = ck.done
    cell_reps: dict[tuple, int] = {}
    if len(done) and (a.redo or a.redo_below is not None):
        # a rerun with more replicates replaces a cell's rows when it is written (an
        # interrupted redo keeps the old rows of the cells it did not reach); a cell
        # already run with at least --reps (and every estimator of setup()) is kept.
        # A cell missing an estimator is rerun with max(its replicates, --reps).
        by_cell = done.groupby(key_cols)
        r_min = by_cell.R.transform("min")
        n_est = by_cell.estimator.transform("nunique")
        want = {}
        for cell in cells(a.full):
            want[ck.key_of(cell)] = len(setup(cell)[1])
        keys = [tuple(r) for r in done[key_cols].astype(str).itertuples(False)]
        missing = np.array([n_est.iloc[i] < want.get(k, 0) for i, k in enumerate(keys)])
        sel = done.quantity.isin([q for q in a.redo.split(",") if q]).to_numpy()
        pick = sel & ((r_min < reps).to_numpy() | missing)
        if a.redo_below is not None:
            low = (by_cell.coverage.transform("min") < a.redo_below).to_numpy()
            pick |= low & (r_min < reps).to_numpy()
        for i in np.flatnonzero(pick):
            cell_reps[keys[i]] = max(int(r_min.iloc[i]), reps)
        if pick.any():
            print(f"rerunning {pick.sum()} rows", flush=True)
    seen = ck.seen() - set(cell_reps)
    for cell in cells(a.full):
        key = ck.key_of(cell)
        if key in seen:
            continue
        if ck.out_of_time():
            return
        rows = run_cell(cell, cell_reps.get(key, reps))
        if key in cell_reps:
            ck.replace(key, rows)
        else:
            ck.append(rows)
        for r in rows:
            print(
                f"{ck.elapsed():7.1f}s {r['quantity']:7s} K={r['k']:2d} {r['base']:7s} "
                f"{r['shape']:8s} t={r['target']:<5} n={r['n']:3d} {r['estimator']:12s} "
                f"cov={r['coverage']:.3f} silent={r['outside_silent']:.3f}",
                flush=True,
            )
    df = ck.read()
    df.to_csv(OUT / f"{stem}.csv", index=False)
    summ = summary_table(df)
    (OUT / f"{stem}.md").write_text(to_markdown(summ) + "\n")
    (OUT / f"{stem}.rst").write_text(to_rst(summ) + "\n")
    print(summ.to_string())


if __name__ == "__main__":
    main()
