"""Coverage of every interval method of every estimator (nominal 0.95).

* Discrete KL (one and two samples), mutual information and entropy: the grid of
  ``validation/coverage_study.py`` (true values from one-parameter families through a
  K = 10 reference, every estimator, Wald, ncx2, percentile, basic, BCa and the
  default), run here on a smaller grid.
* Jensen-Shannon divergence and cross-entropy: every method, through the public API.
* k-NN estimates (Wang and adaptive KL, Kozachenko-Leonenko entropy, KSG mutual
  information): the default subsampling interval on Gaussian data with known values.
* Effect sizes of tests: ``lr_test_distributions`` (ncx2 and Wald intervals for the
  KL divergence the restriction gives up) and ``vuong_test`` (Wald interval for
  D(truth||f2) - D(truth||f1)).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
from scipy import special, stats

import klstats as kls

from . import coverage_study as cs
from ._report import Mode, Table, cell_rng, mc_se, quiet

LEVEL = 0.95
METHODS = ("ncx2", "ncx2-adjusted", "wald", "percentile", "basic", "bca")


def _verdict(cov: float, r: int) -> str:
    """Under-coverage beyond 0.01 plus 3 binomial standard errors of a 0.95 interval."""
    return "under" if cov < LEVEL - 0.01 - 3 * mc_se(LEVEL, r) else "ok"


def _covers(lo: float, hi: float, truth: float) -> bool:
    return bool(lo <= truth + 1e-12 and truth - 1e-12 <= hi)


def _row(**kw) -> dict:
    cov, r = kw["coverage"], kw["R"]
    kw["mc_se"] = mc_se(cov, r)
    kw["verdict"] = _verdict(cov, r)
    return kw


# ----------------------------------------------------------------------------- discrete grid


def discrete_grid(mode: Mode) -> pd.DataFrame:
    """coverage_study's cells; quick mode: the defaults on a handful of cells."""
    with quiet():
        return _discrete_grid(mode)


def _discrete_grid(mode: Mode) -> pd.DataFrame:
    if mode.full:
        df, _ = cs.run(
            quantities=("kl1", "kl2", "mi", "entropy"),
            targets=(0.0, 0.01, 0.05, 0.25),
            ns=(50, 200, 1000),
            R=mode.pick(0, 400),
            B=mode.pick(0, 399),
            verbose=False,
        )
        return df
    parts = [
        cs.run(
            quantities=("kl1", "mi"),
            families=None,
            targets=(0.0, 0.05),
            ns=(100,),
            R=200,
            B=99,
            estimators=("plugin",),
            verbose=False,
        )[0],
        cs.run(
            quantities=("entropy",),
            families=("tilt",),
            targets=(0.05,),
            ns=(100,),
            R=200,
            B=99,
            estimators=("plugin", "miller-madow", "zhang", "chao-shen"),
            verbose=False,
        )[0],
    ]
    return pd.concat(parts, ignore_index=True)


# ----------------------------------------------------------------------------- JS, cross-entropy


def js_and_cross_entropy(mode: Mode) -> list[dict]:
    r = mode.pick(0, 300)
    b = 399
    rows = []
    q = cs.Q_BASE
    cells = [(t, n) for t in (0.0, 0.02, 0.2) for n in (50, 500)] if r else []
    for target, n in cells:
        t = cs.solve_t("tilt", target, lambda pp: cs._kl(pp, q))
        p = cs.family_p("tilt", t)
        m = (p + q) / 2
        truths = {
            "jensen_shannon": 0.5 * cs._kl(p, m) + 0.5 * cs._kl(q, m),
            "cross_entropy": cs._entropy(p) + cs._kl(p, q),
        }
        for what, truth in truths.items():
            rng = cell_rng("cov-js", what, target, n)
            hits: dict[str, int] = {}
            default_is = ""
            with quiet():
                for _ in range(r):
                    x = rng.multinomial(n, p).astype(float)
                    if what == "jensen_shannon":
                        est = kls.jensen_shannon(x, rng.multinomial(n, q).astype(float))
                    else:
                        est = kls.cross_entropy(x, reference=q)
                    default_is = est.default_ci_method
                    for meth in (*est.ci_methods, "default"):
                        lo, hi = est.conf_int(
                            method=None if meth == "default" else meth, n_resamples=b, rng=rng
                        )
                        hits[meth] = hits.get(meth, 0) + _covers(lo, hi, truth)
            for meth, h in hits.items():
                rows.append(
                    _row(
                        quantity=what,
                        setting=f"tilt, D = {target:g}",
                        truth=truth,
                        n=n,
                        estimator="plugin",
                        method=meth,
                        default_is=default_is,
                        coverage=h / r,
                        R=r,
                    )
                )
    return rows


# ----------------------------------------------------------------------------- k-NN


def _knn_cells(mode: Mode) -> list[tuple[str, str, float, Callable]]:
    """(quantity, setting, truth, make(rng, n) -> KLEstimate)."""

    def kl(d, big_d, est, k=None):
        shift = math.sqrt(2 * big_d)  # along the first axis: D = shift^2 / 2

        def make(g, n):
            x = g.normal(size=(n, d))
            y = g.normal(size=(n, d))
            y[:, 0] += shift
            return kls.kl_divergence_knn(x, y, k=k, estimator=est)

        label = f"{est}, k = {k}" if k is not None else f"{est} (default k)"
        return ("KL", f"{label}, d = {d}, N(0, I) vs N(m, I)", big_d, make)

    def ent(d, est="kozachenko-leonenko", k=3):
        truth = 0.5 * d * math.log(2 * math.pi * math.e)
        label = f"{est}, k = {k}" if k is not None else f"{est} (default k)"
        return (
            "entropy",
            f"{label}, d = {d}, N(0, I)",
            truth,
            lambda g, n: kls.entropy_knn(g.normal(size=(n, d)), k=k, estimator=est),
        )

    def mi(rho, est):
        truth = -0.5 * math.log(1 - rho * rho)

        def make(g, n):
            x = g.normal(size=n)
            y = rho * x + math.sqrt(1 - rho * rho) * g.normal(size=n)
            return kls.mutual_information_knn(x, y, estimator=est)

        label = f"{est}, k = 3" if est != "weighted" else f"{est} (default k)"
        return ("MI", f"{label}, bivariate normal rho = {rho:g}", truth, make)

    cells = [
        kl(1, 0.1, "weighted"),
        kl(3, 0.5, "weighted"),
        kl(1, 0.1, "wang", k=1),
        kl(1, 0.5, "wang", k=1),
        kl(1, 0.5, "adaptive", k=1),
        kl(3, 0.5, "wang", k=1),
        kl(3, 0.5, "adaptive", k=1),
        kl(3, 0.5, "wang", k=5),
        ent(1, "weighted", None),
        ent(3, "weighted", None),
        ent(1),
        ent(3),
        mi(0.5, "weighted"),
        mi(0.0, "weighted"),
        mi(0.5, "ksg1"),
        mi(0.5, "ksg2"),
        mi(0.0, "ksg1"),
    ]
    return cells


def knn(mode: Mode) -> list[dict]:
    r = mode.pick(0, 150)
    b = 200
    rows = []
    for quantity, setting, truth, make in _knn_cells(mode) if r else []:
        for n in (300, 1000):
            rng = cell_rng("cov-knn", setting, n)
            hits, est_sum = 0, 0.0
            with quiet():
                for _ in range(r):
                    e = make(rng, n)
                    lo, hi = e.conf_int(n_resamples=b, rng=rng)
                    hits += _covers(lo, hi, truth)
                    est_sum += e.estimate
            rows.append(
                _row(
                    quantity=quantity,
                    setting=setting,
                    truth=truth,
                    n=n,
                    estimator=setting.split(",")[0],
                    method="default",
                    default_is=e.default_ci_method,
                    coverage=hits / r,
                    R=r,
                    mean_estimate=est_sum / r,
                )
            )
    return rows


# ----------------------------------------------------------------------------- test effects


def _gamma_vs_expon(a: float) -> float:
    """D(Gamma(a, 1) || Exp(mean a)): what the exponential fit gives up (nats)."""
    h = a + special.gammaln(a) + (1 - a) * special.digamma(a)
    return float(-h + math.log(a) + 1)


def test_effects(mode: Mode) -> list[dict]:
    r_lr = mode.pick(100, 400)
    r_v = mode.pick(400, 4000)
    rows = []
    for a in (1.0, 1.5, 3.0) if mode.full else (1.5,):
        truth = _gamma_vs_expon(a)
        for n in (50, 200) if mode.full else (50,):
            rng = cell_rng("cov-lr", a, n)
            hits = {"ncx2": 0, "wald": 0, "default": 0}
            with quiet():
                for _ in range(r_lr):
                    res = kls.lr_test_distributions(rng.gamma(a, 1.0, size=n), "expon", "gamma")
                    for meth in hits:
                        lo, hi = res.conf_int(method=None if meth == "default" else meth)
                        hits[meth] += _covers(lo, hi, truth)
            for meth, h in hits.items():
                rows.append(
                    _row(
                        quantity="lr_test_distributions effect",
                        setting=f"expon within gamma, truth Gamma({a:g})",
                        truth=truth,
                        n=n,
                        estimator="LR / (2n)",
                        method=meth,
                        default_is=res.effect.default_ci_method,
                        coverage=h / r_lr,
                        R=r_lr,
                    )
                )
    m1, m2 = stats.norm(-0.5, 1), stats.norm(0.5, 1)
    for mu in (0.0, 0.2):
        truth = -mu  # E[log f1 - log f2] = -E[Y] for these two normals
        for n in (50, 500) if mode.full else (50,):
            rng = cell_rng("cov-vuong", mu, n)
            hits = 0
            with quiet():
                for _ in range(r_v):
                    y = rng.normal(mu, 1, size=n)
                    lo, hi = kls.vuong_test(m1.logpdf(y), m2.logpdf(y)).conf_int()
                    hits += _covers(lo, hi, truth)
            rows.append(
                _row(
                    quantity="vuong_test effect",
                    setting=f"models N(-0.5, 1), N(0.5, 1), truth N({mu:g}, 1)",
                    truth=truth,
                    n=n,
                    estimator="mean log-ratio",
                    method="default",
                    default_is="wald",
                    coverage=hits / r_v,
                    R=r_v,
                )
            )
    return rows


# ----------------------------------------------------------------------------- tables

QUANTITY = {
    "kl1": "KL, one sample",
    "kl2": "KL, two samples",
    "mi": "mutual information",
    "entropy": "entropy",
}


def _grid_rows(df: pd.DataFrame) -> pd.DataFrame:
    out = df.rename(columns={"target": "D"}).copy()
    out["quantity"] = out["quantity"].map(QUANTITY)
    out["setting"] = out["family"]
    out["mc_se"] = [mc_se(c, r) for c, r in zip(out["coverage"], out["R"], strict=True)]
    out["verdict"] = [_verdict(c, r) for c, r in zip(out["coverage"], out["R"], strict=True)]
    return out


def default_methods() -> str:
    """The default interval methods of the installed klstats, in words."""
    kl = kls.kl_divergence([3, 2, 1], [1, 2, 3]).default_ci_method
    mi = kls.mutual_information([[3, 1], [1, 3]]).default_ci_method
    ent: dict[str, list[str]] = {}
    for est in cs.H_ESTIMATORS:
        ent.setdefault(kls.entropy([3, 2, 1], estimator=est).default_ci_method, []).append(est)
    common = max(ent, key=lambda m: len(ent[m]))
    other = "; ".join(f"{m} for {', '.join(e)}" for m, e in ent.items() if m != common)
    return f"{kl} for KL, {mi} for mutual information, {common} for entropy" + (
        f" ({other})" if other else ""
    )


def run(mode: Mode) -> list[Table]:
    grid = _grid_rows(discrete_grid(mode))
    other = pd.DataFrame(js_and_cross_entropy(mode) + knn(mode) + test_effects(mode))
    return tables(grid, other, mode)


def tables(grid: pd.DataFrame, other: pd.DataFrame, mode: Mode) -> list[Table]:
    """The coverage tables from the simulated rows (also from the saved CSV files)."""
    r = int(grid["R"].iloc[0])
    default = grid[grid.method == "default"].pivot_table(
        index=["quantity", "setting", "D", "n"],
        columns="estimator",
        values="coverage",
        aggfunc="first",
        sort=False,
    )
    default.columns.name = None
    tables = [
        Table(
            "coverage_discrete_default",
            "Coverage of the default interval: discrete estimators",
            grid,
            default.reset_index(),
            caption=(
                f"Coverage of conf_int() with its default method ({default_methods()}) "
                "for every estimator; K = 10 categories "
                "(mutual information: a 3 x 4 table), true values D from the 'spike' and "
                "'tilt' families of validation/coverage_study.py (entropy: the P of that "
                f"D). R = {r} data sets per cell; Monte Carlo s.e. about "
                f"{mc_se(0.95, r):.3f} at 0.95."
            ),
        )
    ]
    plug = grid[grid.estimator == "plugin"].pivot_table(
        index=["quantity", "setting", "D", "n"],
        columns="method",
        values="coverage",
        aggfunc="first",
        sort=False,
    )
    plug.columns.name = None
    cols = [c for c in ("default", *METHODS) if c in plug]
    tables.append(
        Table(
            "coverage_discrete_methods",
            "Coverage of every interval method: plug-in estimators",
            grid[grid.estimator == "plugin"],
            plug[cols].reset_index(),
            caption=(
                "Plug-in estimates, every interval method (bootstrap: "
                f"{'399' if mode.full else '99'} multinomial replicates per data set). "
                "Every estimator's rows are in coverage_discrete_default.csv."
            ),
        )
    )
    if not other.empty:
        keys = ["quantity", "setting", "n", "truth"]
        disp = other.pivot_table(
            index=keys, columns="method", values="coverage", aggfunc="first", sort=False
        )
        disp = disp[[c for c in ("default", *METHODS) if c in disp]]
        first = other.groupby(keys, sort=False).first()
        disp.insert(0, "default is", first["default_is"])
        if "mean_estimate" in other:
            disp["mean estimate"] = first["mean_estimate"]
        disp["R"] = first["R"]
        disp.columns.name = None
        disp = disp.reset_index()
        tables.append(
            Table(
                "coverage_other",
                "Coverage: Jensen-Shannon, cross-entropy, k-NN estimates and test effects",
                other,
                disp,
                caption=(
                    "k-NN intervals use 200 subsamples each (the default is 1000); "
                    "mean_estimate shows the bias that the subsampling interval does not "
                    "account for."
                ),
            )
        )
    return tables
