"""Coverage study of klstats' confidence intervals for discrete estimates.

For each quantity (one-sample KL, two-sample KL, mutual information, entropy), each
estimator, each interval method and each cell of a grid of true values and sample
sizes, simulate ``R`` data sets from a known distribution and record how often the
interval contains the true value (nominal 0.95).

Deterministic intervals (Wald, ncx2) and the default rule are computed through the
public API, one data set at a time, exactly as a user gets them. Bootstrap intervals
use the same engine functions as ``conf_int`` (``klstats._resampling``), vectorised
over the ``R`` data sets so that the study runs in minutes.

Run ``python validation/coverage_study.py [--R 1000] [--quantities kl1,kl2,mi,entropy]``:
appends each finished cell to ``validation/coverage_results/coverage.csv`` and stores the
per-data-set limits in ``coverage_results/raw/*.npz`` (for evaluating interval rules
offline); ``validation/coverage_table.py`` turns the CSV into the tables of the docs.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, stats

import klstats as kls
from klstats._inference._resampling import (
    BOOTSTRAP_METHODS,
    bootstrap_limits,
    count_bootstrap,
    count_jackknife,
)

HERE = Path(__file__).resolve().parent
KL_ESTIMATORS = ("plugin", "miller-madow", "jackknife", "zhang", "dirichlet", "shrink")
H_ESTIMATORS = (*KL_ESTIMATORS, "chao-shen", "grassberger", "nsb")
NO_BOOT = {"nsb"}  # a per-row numerical integral: too slow for thousands of replicates

# ----------------------------------------------------------------------------- families

K = 10
Q_BASE = 1 / np.sqrt(np.arange(1, K + 1))
Q_BASE /= Q_BASE.sum()


def _kl(p: np.ndarray, q: np.ndarray) -> float:
    m = p > 0
    return float((p[m] * np.log(p[m] / q[m])).sum())


def _entropy(p: np.ndarray) -> float:
    m = p > 0
    return float(-(p[m] * np.log(p[m])).sum())


def family_p(name: str, t: float) -> np.ndarray:
    """P in a one-parameter family through Q (t = 0 gives P = Q).

    ``spike``: mass t moved to the rarest category (Var_P log(p/q) > 2D: the ncx2
    variance model is too small); ``tilt``: exponential tilt towards the common
    categories (Var < 2D: ncx2 too wide).
    """
    if name == "spike":
        p = (1 - t) * Q_BASE
        p[-1] += t
        return p
    if name == "tilt":
        z = np.arange(K) - (K - 1) / 2
        p = Q_BASE * np.exp(-t * z / z.std())
        return p / p.sum()
    raise ValueError(name)


def solve_t(name: str, target: float, fn) -> float:
    if target == 0:
        return 0.0
    hi = 0.99 if name == "spike" else 5.0
    return optimize.brentq(lambda t: fn(family_p(name, t)) - target, 0.0, hi, xtol=1e-13)


# MI: a 3 x 4 table with margins R_MARG, C_MARG. "diagonal": p_ij proportional to
# r_i c_j w_ij with w = exp(t) on the three diagonal cells (a few cells carry the
# association); "mixture": (1 - t) r c' + t T, T the north-west-corner coupling of the
# margins (the most concentrated table with these margins; margins stay fixed).
R_MARG = np.array([0.5, 0.3, 0.2])
C_MARG = np.array([0.4, 0.3, 0.2, 0.1])
FAMILIES = {
    "kl1": ("spike", "tilt"),
    "kl2": ("spike", "tilt"),
    "entropy": ("spike", "tilt"),
    "mi": ("diagonal", "mixture"),
}


def northwest_corner(r: np.ndarray, c: np.ndarray) -> np.ndarray:
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


def mi_table(name: str, t: float) -> np.ndarray:
    if name == "mixture":
        return (1 - t) * np.outer(R_MARG, C_MARG) + t * northwest_corner(R_MARG, C_MARG)
    w = np.ones((3, 4))
    w[[0, 1, 2], [0, 1, 2]] = math.exp(t)
    p = np.outer(R_MARG, C_MARG) * w
    return p / p.sum()


def mi_value(p: np.ndarray) -> float:
    return _kl(p.ravel(), np.outer(p.sum(1), p.sum(0)).ravel())


def solve_mi(name: str, target: float) -> float:
    if target == 0:
        return 0.0
    hi = 1.0 if name == "mixture" else 20.0
    return optimize.brentq(lambda t: mi_value(mi_table(name, t)) - target, 0.0, hi)


# ----------------------------------------------------------------------------- ncx2, vectorised


def ncx2_limits(
    s: np.ndarray, df: np.ndarray, scale: np.ndarray, alpha: float = 0.05, pcl: bool = True
):
    """klstats._inference.ncx2_interval for many data sets at once (bisection on the
    noncentrality; run_cell checks it against the public function)."""
    s = np.maximum(s, 0.0)

    def solve(target, s=s):
        f0 = stats.chi2.cdf(s, df)
        need = f0 > target
        lo = np.zeros_like(s)
        hi = np.maximum(1.0, s)
        for _ in range(60):
            grow = need & (stats.ncx2.cdf(s, df, hi) > target)
            if not grow.any():
                break
            hi = np.where(grow, hi * 2, hi)
        for _ in range(100):
            mid = (lo + hi) / 2
            above = stats.ncx2.cdf(s, df, np.maximum(mid, 1e-300)) > target
            lo = np.where(above, mid, lo)
            hi = np.where(above, hi, mid)
        return np.where(need, (lo + hi) / 2, 0.0)

    with np.errstate(all="ignore"):
        # power-constrained upper limit (Cowan et al. 2011), as klstats computes it
        upper = solve(alpha / 2, np.maximum(s, stats.chi2.median(df)) if pcl else s)
        lower = solve(1 - alpha / 2)
    out = np.column_stack([lower / scale, upper / scale])
    out[~np.isfinite(s)] = np.nan
    return out


def ncx2_adjusted_limits(s, df, scale, se, alpha: float = 0.05, s_var=None, pcl=True):
    """klstats._inference.ncx2_adjusted_interval for many data sets at once (bisection
    on a grid-bracketed decreasing branch; checked against the public function), with
    the variance factor c = scale^2 se^2 / (4 s_var) (s_var = s unless given) and the
    lower limit 0 where the chi-square test of D = 0 does not reject."""
    s_in = s
    from klstats._inference._intervals import C_CAP_BELOW_MEDIAN, C_RANGE

    s = np.maximum(np.asarray(s, dtype=float), 0.0)
    s_var = s if s_var is None else np.maximum(np.asarray(s_var, dtype=float), 0.0)
    with np.errstate(all="ignore"):
        c = scale * scale * se * se / (4.0 * s_var)
    ok = np.isfinite(c) & (s_var > 0) & (se > 0)
    c = np.where(ok, np.clip(c, *C_RANGE), 1.0)
    c = np.where(s_var < stats.chi2.median(df), np.minimum(c, C_CAP_BELOW_MEDIAN), c)

    def g(lam):
        with np.errstate(all="ignore"):
            x = s - lam * (1 - c)
            nc = lam * c
            return np.where(
                nc > 0, stats.ncx2.cdf(x, df, np.maximum(nc, 1e-300)), stats.chi2.cdf(x, df)
            )

    hi = np.maximum(1.0, 2.0 * (s + df))
    for _ in range(60):
        grow = g(hi) > alpha / 2
        if not grow.any():
            break
        hi = np.where(grow, hi * 2, hi)
    grid = np.linspace(0.0, 1.0, 401)[:, None] * hi[None, :]
    vals = np.stack([g(row) for row in grid])
    inside = (vals > alpha / 2) & (vals < 1 - alpha / 2)
    first = inside.argmax(axis=0)
    last = grid.shape[0] - 1 - inside[::-1].argmax(axis=0)
    cols = np.arange(s.size)

    def refine(a_idx, b_idx, target):
        a, b = grid[a_idx, cols], grid[b_idx, cols]
        lo, hi_ = np.minimum(a, b), np.maximum(a, b)
        dec = g(lo) > g(hi_)  # bisection on the crossing of target between lo and hi_
        for _ in range(80):
            mid = (lo + hi_) / 2
            above = g(mid) > target
            move_lo = above == dec
            lo = np.where(move_lo, mid, lo)
            hi_ = np.where(move_lo, hi_, mid)
        return (lo + hi_) / 2

    prev = np.maximum(first - 1, 0)
    t_low = np.where(vals[prev, cols] >= 1 - alpha / 2, 1 - alpha / 2, alpha / 2)
    lower = np.where(first == 0, 0.0, refine(prev, first, t_low))
    nxt = np.minimum(last + 1, grid.shape[0] - 1)
    t_up = np.where(vals[nxt, cols] <= alpha / 2, alpha / 2, 1 - alpha / 2)
    upper = refine(nxt, last, t_up)
    out = np.column_stack([lower / scale, upper / scale])
    out[~np.isfinite(s)] = np.nan
    none = ~inside.any(axis=0)
    if none.any():  # no grid point inside: the public function uses the plain inversion
        out[none] = ncx2_limits(s[none], df[none], scale[none], alpha)
    with np.errstate(all="ignore"):
        keep0 = stats.chi2.cdf(s, df) <= 1 - alpha / 2
    out[:, 0] = np.where(keep0, 0.0, out[:, 0])
    if pcl:
        out[:, 1] = pcl_upper(s_in, df, scale, out[:, 1], alpha)
    return out


def pcl_upper(s, df, scale, upper, alpha: float = 0.05):
    """The power-constrained upper limit where the statistic is below its null median."""
    pcl = ncx2_limits(s, df, scale, alpha)[:, 1]
    below = np.asarray(s) < stats.chi2.median(df)
    return np.where(below & (pcl > upper), pcl, upper)


def default_pivot_limits(rec: dict, method: str, alpha: float = 0.05) -> np.ndarray:
    """The ncx2 / ncx2-adjusted intervals as conf_int computes them, from the per-data-set
    pivot records of run_cell: the estimate's own statistic joined with the plug-in's
    for bias-corrected estimators, the companion (Zhang) interval joined with the
    two-sample plug-in's (``comp_s``, ``comp_se``: nan where there is none), the
    power-constrained upper limit, and for entropy
    the interval for log K - H = D(p || uniform) mapped back."""
    s, df, scale = rec["s"], rec["df"], rec["scale"]
    own, s_plug, se = rec["own"], rec["s_plug"], rec["se"]
    if method == "ncx2":
        lims = ncx2_limits(s, df, scale, pcl=False)
        plug = ncx2_limits(s_plug, df, scale, pcl=False)
    else:
        lims = ncx2_adjusted_limits(s, df, scale, se, s_var=s_plug, pcl=False)
        plug = ncx2_adjusted_limits(s_plug, df, scale, se, s_var=s_plug, pcl=False)
    lims = np.where(
        own[:, None],
        np.column_stack([np.minimum(lims[:, 0], plug[:, 0]), np.maximum(lims[:, 1], plug[:, 1])]),
        lims,
    )
    comp_s = rec.get("comp_s")
    if method == "ncx2-adjusted" and comp_s is not None and np.isfinite(comp_s).any():
        # two-sample plug-in KL: joined with the Zhang estimate's interval (its own
        # statistic joined with the plug-in's, c from Zhang's jackknife variance)
        has = np.isfinite(comp_s)
        cs_ = np.where(has, comp_s, s_plug)
        cse = np.where(has, rec["comp_se"], se)
        own_c = ncx2_adjusted_limits(cs_, df, scale, cse, s_var=s_plug, pcl=False)
        plug_c = ncx2_adjusted_limits(s_plug, df, scale, cse, s_var=s_plug, pcl=False)
        lo_c = np.minimum(own_c[:, 0], plug_c[:, 0])
        hi_c = np.maximum(own_c[:, 1], plug_c[:, 1])
        lims = np.column_stack(
            [
                np.where(has, np.minimum(lims[:, 0], lo_c), lims[:, 0]),
                np.where(has, np.maximum(lims[:, 1], hi_c), lims[:, 1]),
            ]
        )
    lims[:, 1] = pcl_upper(s, df, scale, lims[:, 1])
    top = rec["top"]
    if rec["complement"]:
        lims = np.column_stack([top - lims[:, 1], top - lims[:, 0]])
    return np.column_stack([np.maximum(lims[:, 0], 0.0), np.minimum(lims[:, 1], top)])


# ----------------------------------------------------------------------------- one cell


@dataclass
class Cell:
    quantity: str  # "kl1", "kl2", "mi", "entropy"
    family: str
    target: float  # D or I of the cell (entropy: D(P||Q) of the P used)
    n: int
    truth: float


def _public(quantity: str, data: tuple[np.ndarray, ...], estimator: str, q=None):
    if quantity == "kl1":
        return kls.kl_divergence(data[0], reference=q, estimator=estimator)
    if quantity == "kl2":
        return kls.kl_divergence(data[0], data[1], estimator=estimator)
    if quantity == "mi":
        return kls.mutual_information(data[0], estimator=estimator)
    return kls.entropy(data[0], estimator=estimator)


def empty_records(reps: int) -> dict:
    """Per-data-set pivot records of the default interval, filled by `record_pivot`."""
    keys = ("s", "df", "scale", "s_plug", "se", "top", "comp_s", "comp_se")
    rec = {k: np.full(reps, np.nan) for k in keys}
    rec["own"] = np.zeros(reps, dtype=bool)
    rec["complement"] = False
    return rec


def record_pivot(rec: dict, r: int, inf, p) -> None:
    """Record data set r's pivot ``p`` of the interval machinery ``inf`` (and of its
    companion estimator, if any) in ``rec``."""
    rec["s"][r], rec["df"][r], rec["scale"][r] = p.statistic, p.df, p.scale
    rec["own"][r] = p.own
    rec["s_plug"][r] = p.statistic if p.plugin_statistic is None else p.plugin_statistic
    rec["se"][r] = inf.variance_se(p)[0]
    rec["top"][r] = inf.bounds[1]
    comp = inf.companion
    if comp is not None and comp.pivot is not None:
        rec["comp_s"][r] = comp.pivot.statistic
        rec["comp_se"][r] = comp.variance_se(comp.pivot)[0]


def run_cell(
    cell: Cell, estimators, R: int, B: int, rng: np.random.Generator, methods_det=None
) -> tuple[list[dict], dict]:
    """Simulate one cell: returns summary rows and per-data-set limits."""
    q = Q_BASE
    if cell.quantity == "mi":
        t = solve_mi(cell.family, cell.target)
        p = mi_table(cell.family, t)
        tables = rng.multinomial(cell.n, p.ravel(), size=R).reshape(R, 3, 4).astype(float)
        data = (tables,)
        design = "table"
    else:
        t = solve_t(cell.family, cell.target, lambda pp: _kl(pp, q))
        p = family_p(cell.family, t)
        x = rng.multinomial(cell.n, p, size=R).astype(float)
        if cell.quantity == "kl2":
            y = rng.multinomial(cell.n, q, size=R).astype(float)
            data = (x, y)
            design = "two"
        else:
            data = (x,)
            design = "one"
    rows, raw = [], {}
    for est_name in estimators:
        lims: dict[str, np.ndarray] = {}
        ests = np.empty(R)
        piv = np.full((R, 3), np.nan)
        rec = empty_records(R)
        has_pivot = False
        default_used = np.empty(R, dtype=object)
        det = {"wald": np.empty((R, 2))}
        ses = np.empty(R)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for r in range(R):
                res = _public(cell.quantity, tuple(a[r] for a in data), est_name, q)
                ests[r] = res.estimate
                inf = res._inference
                p = inf.pivot
                if p is None and inf._complement_usable:
                    p = inf.complement
                    rec["complement"] = True
                if inf.pivot is not None:
                    piv[r] = inf.pivot.statistic, inf.pivot.df, inf.pivot.scale
                if p is not None:
                    has_pivot = True
                    record_pivot(rec, r, inf, p)
                det["wald"][r] = res.conf_int(method="wald")
                ses[r] = inf.se
                default_used[r] = res.default_ci_method
            stat = inf.statistic
            if has_pivot:
                for m in ("ncx2", "ncx2-adjusted"):
                    det[m] = default_pivot_limits(rec, m)
                    for r in range(min(R, 3)):
                        got = _public(
                            cell.quantity, tuple(a[r] for a in data), est_name, q
                        ).conf_int(method=m)
                        assert np.allclose(det[m][r], got, rtol=1e-6, atol=1e-9), (
                            est_name,
                            m,
                            r,
                            det[m][r],
                            got,
                        )
        lims.update(det)
        if est_name not in NO_BOOT:
            reps = count_bootstrap(stat, data, design, B, rng)
            reps = np.where(np.isnan(reps), np.inf, reps)
            with np.errstate(all="ignore"):
                accel = count_jackknife(stat, data, design).acceleration()
            for m in BOOTSTRAP_METHODS:
                lo, hi, _ = bootstrap_limits(m, ests, reps, 0.05, accel)
                lims[m] = np.column_stack([lo, hi])
        dflt = np.full((R, 2), np.nan)
        for m in set(default_used):
            if m in lims:
                sel = default_used == m
                dflt[sel] = lims[m][sel]
        lims["default"] = dflt
        for m, lh in lims.items():
            cov = (lh[:, 0] <= cell.truth + 1e-12) & (cell.truth - 1e-12 <= lh[:, 1])
            rows.append(
                {
                    "quantity": cell.quantity,
                    "family": cell.family,
                    "target": cell.target,
                    "n": cell.n,
                    "truth": cell.truth,
                    "estimator": est_name,
                    "method": m,
                    "coverage": float(cov.mean()),
                    "mc_se": float(math.sqrt(max(cov.mean() * (1 - cov.mean()), 1e-4) / R)),
                    "median_width": float(np.nanmedian(lh[:, 1] - lh[:, 0])),
                    "R": R,
                }
            )
        raw[est_name] = {"lims": lims, "est": ests, "pivot": piv, "default": default_used}
    return rows, raw


# ----------------------------------------------------------------------------- study

FULL_TARGETS = (0.0, 0.01, 0.03, 0.1, 0.25, 0.5)
FULL_NS = (50, 200, 500, 2000)


def cells(quantities, families, targets, ns) -> list[Cell]:
    out = []
    for qty in quantities:
        fams = FAMILIES[qty] if families is None else families
        for fam in fams:
            for target in targets:
                if target == 0 and fam != fams[0]:
                    continue  # P = Q (independence) in every family
                for n in ns:
                    if qty == "mi":
                        truth = target
                    elif qty == "entropy":
                        t = solve_t(fam, target, lambda pp: _kl(pp, Q_BASE))
                        truth = _entropy(family_p(fam, t))
                    else:
                        truth = target
                    out.append(Cell(qty, fam, target, n, truth))
    return out


def run(
    quantities=("kl1", "kl2", "mi", "entropy"),
    families=None,
    targets=FULL_TARGETS,
    ns=FULL_NS,
    R: int = 1000,
    B: int = 999,
    seed: int = 20261125,
    estimators=None,
    verbose: bool = True,
    out: Path | None = None,
):
    """Run the grid; with ``out``, append each cell's rows to ``out/coverage.csv`` and its
    per-data-set limits to ``out/raw/<cell>.npz`` as soon as the cell is done."""
    todo = cells(quantities, families, targets, ns)
    rows, raws = [], {}
    for cell in todo:
        # one stream per cell, from the seed and the cell: cells can run in any order
        key = (cell.quantity, cell.family, cell.target, cell.n)
        gen = np.random.default_rng([seed, zlib.crc32(repr(key).encode())])
        t0 = time.perf_counter()
        ests = estimators or (H_ESTIMATORS if cell.quantity == "entropy" else KL_ESTIMATORS)
        r, raw = run_cell(cell, ests, R, B, gen)
        rows += r
        raws[key] = raw
        if out is not None:
            _save(out, key, r, raw)
        if verbose:
            d = pd.DataFrame(r)
            dflt = d[d.method == "default"].coverage
            print(
                f"{cell.quantity:8s} {cell.family:8s} target={cell.target:<5g} n={cell.n:<5d}"
                f" default coverage {dflt.min():.3f}-{dflt.max():.3f}"
                f"  ({time.perf_counter() - t0:.1f} s)",
                flush=True,
            )
    return pd.DataFrame(rows), raws


def _save(out: Path, key, rows, raw) -> None:
    csv = out / "coverage.csv"
    pd.DataFrame(rows).to_csv(csv, mode="a", header=not csv.exists(), index=False)
    (out / "raw").mkdir(exist_ok=True)
    flat = {}
    for est, d in raw.items():
        for m, lh in d["lims"].items():
            flat[f"{est}|{m}"] = lh
        flat[f"{est}|est"] = d["est"]
        flat[f"{est}|pivot"] = d["pivot"]
        flat[f"{est}|default"] = d["default"].astype(str)
    np.savez_compressed(out / "raw" / ("_".join(map(str, key)) + ".npz"), **flat)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--R", type=int, default=1000)
    ap.add_argument("--B", type=int, default=999)
    ap.add_argument("--quantities", default="kl1,kl2,mi,entropy")
    ap.add_argument("--out", default=str(HERE / "coverage_results"))
    ap.add_argument(
        "--recompute", action="store_true", help="only re-derive the default rows (see below)"
    )
    args = ap.parse_args()
    out = Path(args.out)
    if args.recompute:
        recompute_defaults(out).to_csv(out / "coverage.csv", index=False)
        return
    out.mkdir(parents=True, exist_ok=True)
    run(quantities=tuple(args.quantities.split(",")), R=args.R, B=args.B, out=out)


def recompute_defaults(out: Path) -> pd.DataFrame:
    """Re-derive the "ncx2-adjusted" and "default" rows of ``out/coverage.csv`` from the
    stored per-data-set limits, with the default methods of the installed klstats (for
    results produced before a change of defaults; the intervals are not redrawn)."""
    df = pd.read_csv(out / "coverage.csv")
    df = df[~df.method.isin(["default", "ncx2-adjusted"])]
    keys = df.groupby(["quantity", "family", "target", "n"]).first().reset_index()
    rows = []
    for row in keys.itertuples(index=False):
        f = out / "raw" / f"{row.quantity}_{row.family}_{row.target!r}_{row.n}.npz"
        z = np.load(f)
        ests = sorted({k.split("|")[0] for k in z.files})
        adj = None
        if "plugin|pivot" in z.files and row.quantity != "entropy":
            piv, w = z["plugin|pivot"], z["plugin|wald"]
            se = (w[:, 1] - w[:, 0]) / (2 * 1.959963984540054)
            adj = ncx2_adjusted_limits(piv[:, 0], piv[:, 1], piv[:, 2], se)
        for est in ests:
            lims = {
                m: z[f"{est}|{m}"]
                for m in ("wald", "ncx2", *BOOTSTRAP_METHODS)
                if f"{est}|{m}" in z.files
            }
            if adj is not None:
                lims["ncx2-adjusted"] = adj
            probe = (
                kls.entropy([3, 2, 1], estimator=est)
                if row.quantity == "entropy"
                else kls.kl_divergence([3, 2, 1], [1, 2, 3], estimator=est)
            )
            new = {"default": lims.get(probe.default_ci_method)}
            if adj is not None:
                new["ncx2-adjusted"] = adj
            for m, lh in new.items():
                if lh is None:
                    continue
                cov = (lh[:, 0] <= row.truth + 1e-12) & (row.truth - 1e-12 <= lh[:, 1])
                rows.append(
                    {
                        "quantity": row.quantity,
                        "family": row.family,
                        "target": row.target,
                        "n": row.n,
                        "truth": row.truth,
                        "estimator": est,
                        "method": m,
                        "coverage": float(cov.mean()),
                        "mc_se": float(
                            math.sqrt(max(cov.mean() * (1 - cov.mean()), 1e-4) / len(cov))
                        ),
                        "median_width": float(np.nanmedian(lh[:, 1] - lh[:, 0])),
                        "R": len(cov),
                    }
                )
    return pd.concat([df, pd.DataFrame(rows)], ignore_index=True)


if __name__ == "__main__":
    main()
