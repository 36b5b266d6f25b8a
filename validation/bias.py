"""Bias and root-mean-square error of every estimator against the truth, as n grows.

* Discrete (K = 10 categories, true values from the 'tilt' family of
  ``validation/coverage_study.py``; mutual information: the 'diagonal' 3 x 4 table):
  plug-in against every correction.
* k-NN on Gaussian data with closed-form truths: Wang's KL estimator over k against the
  adaptive one, over the dimension d; Kozachenko-Leonenko entropy over k and d; KSG
  mutual information (algorithms 1 and 2).

Infinite estimates (a two-sample plug-in meeting an empty cell of Q) are counted and
left out of the mean; the share is reported (``infinite``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

import klstats as kls

from . import coverage_study as cs
from ._report import Mode, Table, cell_rng, quiet


def _summary(ests: np.ndarray, truth: float) -> dict:
    fin = ests[np.isfinite(ests)]
    err = fin - truth
    return {
        "truth": truth,
        "mean": float(fin.mean()) if fin.size else math.nan,
        "bias": float(err.mean()) if fin.size else math.nan,
        "sd": float(fin.std(ddof=1)) if fin.size > 1 else math.nan,
        "rmse": float(math.sqrt(np.mean(err**2))) if fin.size else math.nan,
        "infinite": float(1 - fin.size / ests.size),
    }


# ----------------------------------------------------------------------------- discrete


def _discrete_cases(target: float):
    q = cs.Q_BASE
    t = cs.solve_t("tilt", target, lambda pp: cs._kl(pp, q))
    p = cs.family_p("tilt", t)
    tm = cs.solve_mi("diagonal", target)
    pm = cs.mi_table("diagonal", tm)
    return {
        "kl1": (
            target,
            lambda g, n: (g.multinomial(n, p).astype(float),),
            lambda d, e: kls.kl_divergence(d[0], reference=q, estimator=e),
        ),
        "kl2": (
            target,
            lambda g, n: (g.multinomial(n, p).astype(float), g.multinomial(n, q).astype(float)),
            lambda d, e: kls.kl_divergence(d[0], d[1], estimator=e),
        ),
        "entropy": (
            cs._entropy(p),
            lambda g, n: (g.multinomial(n, p).astype(float),),
            lambda d, e: kls.entropy(d[0], estimator=e),
        ),
        "mi": (
            target,
            lambda g, n: (g.multinomial(n, pm.ravel()).reshape(3, 4).astype(float),),
            lambda d, e: kls.mutual_information(d[0], estimator=e),
        ),
    }


def discrete(mode: Mode) -> pd.DataFrame:
    r = mode.pick(100, 500)
    ns = mode.pick((20, 200), (20, 50, 200, 1000))
    quantities = mode.pick(("kl1", "entropy"), ("kl1", "kl2", "entropy", "mi"))
    target = 0.1
    rows = []
    for qty, (truth, draw, call) in _discrete_cases(target).items():
        if qty not in quantities:
            continue
        estimators = cs.H_ESTIMATORS if qty == "entropy" else cs.KL_ESTIMATORS
        for n in ns:
            rng = cell_rng("bias", qty, n)
            data = [draw(rng, n) for _ in range(r)]
            with quiet():
                for est in estimators:
                    if est == "nsb" and not mode.full:
                        continue
                    vals = np.array([call(d, est).estimate for d in data])
                    rows.append(
                        {
                            "quantity": cs_label(qty),
                            "setting": "K = 10, tilt" if qty != "mi" else "3 x 4, diagonal",
                            "n": n,
                            "estimator": est,
                            "R": r,
                            **_summary(vals, truth),
                        }
                    )
    return pd.DataFrame(rows)


def cs_label(q: str) -> str:
    return {
        "kl1": "KL, one sample",
        "kl2": "KL, two samples (n = m)",
        "entropy": "entropy",
        "mi": "mutual information",
    }[q]


# ----------------------------------------------------------------------------- k-NN


def _knn_cells(mode: Mode) -> list[tuple[str, str, int, float, Callable]]:
    """(quantity, estimator label, d, truth, make(rng, n) -> estimate)."""
    big_d = 0.5
    shift = math.sqrt(2 * big_d)
    out = []
    dims = mode.pick((1, 5), (1, 2, 5))
    ks = mode.pick((1, 5), (1, 3, 5, 10))
    for d in dims:

        def pair(g, n, d=d):
            x = g.normal(size=(n, d))
            y = g.normal(size=(n, d))
            y[:, 0] += shift
            return x, y

        for k in ks:
            out.append(
                (
                    "KL",
                    f"wang, k = {k}",
                    d,
                    big_d,
                    lambda g, n, k=k, pair=pair: (
                        kls.kl_divergence_knn(*pair(g, n), k=k, estimator="wang").estimate
                    ),
                )
            )
        out.append(
            (
                "KL",
                "weighted (default)",
                d,
                big_d,
                lambda g, n, pair=pair: kls.kl_divergence_knn(*pair(g, n)).estimate,
            )
        )
        out.append(
            (
                "KL",
                "adaptive",
                d,
                big_d,
                lambda g, n, pair=pair: (
                    kls.kl_divergence_knn(*pair(g, n), estimator="adaptive").estimate
                ),
            )
        )
        h = 0.5 * d * math.log(2 * math.pi * math.e)
        for k in ks:
            out.append(
                (
                    "entropy",
                    f"kozachenko-leonenko, k = {k}",
                    d,
                    h,
                    lambda g, n, k=k, d=d: (
                        kls.entropy_knn(
                            g.normal(size=(n, d)), k=k, estimator="kozachenko-leonenko"
                        ).estimate
                    ),
                )
            )
        out.append(
            (
                "entropy",
                "weighted (default)",
                d,
                h,
                lambda g, n, d=d: kls.entropy_knn(g.normal(size=(n, d))).estimate,
            )
        )
    rho = 0.6
    mi = -0.5 * math.log(1 - rho * rho)

    def mi_make(est):
        def make(g, n):
            x = g.normal(size=n)
            y = rho * x + math.sqrt(1 - rho * rho) * g.normal(size=n)
            return kls.mutual_information_knn(x, y, estimator=est).estimate

        return make

    for est in ("ksg1", "ksg2"):
        out.append(("MI", f"{est}, k = 3", 2, mi, mi_make(est)))
    out.append(("MI", "weighted (default)", 2, mi, mi_make("weighted")))
    return out


def knn(mode: Mode) -> pd.DataFrame:
    r = mode.pick(20, 100)
    ns = mode.pick((500,), (250, 1000, 4000))
    rows = []
    for quantity, label, d, truth, make in _knn_cells(mode):
        for n in ns:
            rng = cell_rng("bias-knn", quantity, label, d, n)
            with quiet():
                vals = np.array([make(rng, n) for _ in range(r)])
            rows.append(
                {
                    "quantity": quantity,
                    "setting": "N(0, I) vs N(e1, I)"
                    if quantity == "KL"
                    else ("N(0, I)" if quantity == "entropy" else "bivariate normal rho 0.6"),
                    "d": d,
                    "n": n,
                    "estimator": label,
                    "R": r,
                    **_summary(vals, truth),
                }
            )
    return pd.DataFrame(rows)


def _h_truth(df: pd.DataFrame) -> float:
    h = df.loc[df["quantity"] == "entropy", "truth"]
    return float(h.iloc[0]) if h.size else math.nan


def run(mode: Mode) -> list[Table]:
    disc = discrete(mode)
    disp = disc.pivot_table(
        index=["quantity", "setting", "estimator"],
        columns="n",
        values=["bias", "rmse"],
        aggfunc="first",
        sort=False,
    )
    disp.columns = [f"{v} n={n}" for v, n in disp.columns]
    kn = knn(mode)
    kdisp = kn.pivot_table(
        index=["quantity", "d", "estimator"],
        columns="n",
        values=["bias", "rmse"],
        aggfunc="first",
        sort=False,
    )
    kdisp.columns = [f"{v} n={n}" for v, n in kdisp.columns]
    return [
        Table(
            "bias_discrete",
            "Bias and RMSE: discrete estimators",
            disc,
            disp.reset_index(),
            caption=(
                f"True D = I = 0.1 nats (entropy: H(P) = {_h_truth(disc):.4f} nats "
                f"for the same P); {int(disc['R'].iloc[0])} data sets per cell, nats. "
                "Two-sample plug-in KL is infinite whenever Q's sample misses a category "
                "P's sample has: the 'infinite' column of the CSV gives the share left out "
                "of its mean."
            ),
        ),
        Table(
            "bias_knn",
            "Bias and RMSE: k-NN estimators",
            kn,
            kdisp.reset_index(),
            caption=(
                "KL: P = N(0, I_d), Q = N(e_1, I_d), D = 0.5 nats, n = m; entropy: N(0, I_d); "
                "MI: bivariate normal with correlation 0.6 (I = 0.2231 nats). "
                f"{int(kn['R'].iloc[0])} samples per cell."
            ),
        ),
    ]
