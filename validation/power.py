"""Power against graded alternatives, klstats' tests side by side with scipy/statsmodels.

Every test in a row sees the same simulated data sets (common random numbers), so the
differences between columns are much more precise than each rejection rate. The first
row of each alternative family (effect 0) is the null: it shows each test's size, which
matters when comparing powers (a liberal test looks more powerful than it is).

Designs:

* goodness of fit, K = 5 equally likely categories: G (asymptotic, Williams, Monte
  Carlo) against Pearson's X^2 (``scipy.stats.chisquare``) and the Cressie-Read
  statistic with lambda = 2/3 (``scipy.stats.power_divergence``), with the powers
  predicted by ``klstats.g_test_power`` (noncentral chi-square with lambda = 2 N D) and
  statsmodels' ``GofChisquarePower`` (lambda = N w^2, Cohen's w). "bump" alternatives
  raise one probability, "dip" alternatives lower one: Cressie and Read (1984) found
  X^2 (lambda = 1) better at bumps and G (lambda = 0) better at dips.
* independence: a 2 x 2 table (G, Pearson, Yates-corrected Pearson, Fisher's exact
  test), and 3 x 3 tables with a linear-by-linear (ordinal) association or a
  non-monotone one, against ``chi2_contingency`` and statsmodels' ordinal test
  (``Table.test_ordinal_association``), which has one degree of freedom and wins when the
  association is ordinal.
* two continuous samples: ``kl_test`` (k-NN, permutation) against
  ``scipy.stats.ks_2samp`` and ``cramervonmises_2samp`` for location and scale changes.
* continuous independence: ``independence_test`` (KSG) against Pearson's, Spearman's and
  Chatterjee's (``scipy.stats.chatterjeexi``) tests for linear and non-monotone
  dependence.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.contingency_tables import Table as SmTable
from statsmodels.stats.power import GofChisquarePower

import klstats as kls

from ._report import Mode, Table, cell_rng, mc_se, quiet

ALPHA = 0.05


def _rate(p: np.ndarray) -> float:
    return float(np.mean(np.nan_to_num(np.asarray(p, dtype=float), nan=2.0) <= ALPHA))


def _cached(fn: Callable[[np.ndarray], float]) -> Callable[[np.ndarray], float]:
    cache: dict[Any, float] = {}

    def call(x: np.ndarray) -> float:
        key = tuple(np.ravel(x).tolist())
        if key not in cache:
            cache[key] = fn(x)
        return cache[key]

    return call


# ----------------------------------------------------------------------------- goodness of fit

K = 5
Q5 = np.full(K, 1 / K)


def gof_alternative(kind: str, delta: float) -> np.ndarray:
    p = Q5.copy()
    sign = 1 if kind == "bump" else -1
    p[0] += sign * delta
    p[1:] -= sign * delta / (K - 1)
    return p


def power_gof(mode: Mode) -> Table:
    n = 50
    r = mode.pick(400, 4000)
    deltas = mode.pick((0.1,), (0.0, 0.05, 0.1, 0.15, 0.2))
    rows = []
    for kind in ("bump", "dip"):
        for delta in deltas:
            if delta == 0 and kind == "dip":
                continue
            p1 = gof_alternative(kind, delta)
            rng = cell_rng("power-gof", kind, delta)
            x = rng.multinomial(n, p1, size=r).astype(float)
            with quiet():
                g = _cached(lambda v: kls.g_test(v, method="asymptotic").pvalue)
                gw = _cached(
                    lambda v: kls.g_test(v, correction="williams", method="asymptotic").pvalue
                )
                res = {
                    "G": _rate([g(v) for v in x]),
                    "G Williams": _rate([gw(v) for v in x]),
                }
                if mode.full:
                    res["G Monte Carlo"] = _rate(
                        [
                            kls.g_test(v, method="montecarlo", n_resamples=199, rng=rng).pvalue
                            for v in x
                        ]
                    )
                res["Pearson X2 (scipy chisquare)"] = _rate(stats.chisquare(x, axis=1).pvalue)
                res["Cressie-Read 2/3 (scipy)"] = _rate(
                    stats.power_divergence(x, axis=1, lambda_="cressie-read").pvalue
                )
                m = p1 > 0  # a dip of 0.2 empties a category: D(p1 || q) stays finite
                d = float(np.sum(p1[m] * np.log(p1[m] / Q5[m])))
                res["predicted G (g_test_power)"] = (
                    float(kls.g_test_power(d, df=K - 1, nobs=n)) if d > 0 else ALPHA
                )
                w = math.sqrt(float(np.sum((p1 - Q5) ** 2 / Q5)))
                res["predicted X2 (statsmodels)"] = (
                    float(GofChisquarePower().power(w, nobs=n, alpha=ALPHA, n_bins=K))
                    if w > 0
                    else ALPHA
                )
            for test, val in res.items():
                rows.append(
                    {
                        "design": f"K = {K} uniform, N = {n}",
                        "alternative": kind,
                        "effect": delta,
                        "D": d,
                        "test": test,
                        "rejection_rate": val,
                        "mc_se": 0.0 if test.startswith("predicted") else mc_se(val, r),
                        "R": r,
                    }
                )
    return _table(
        "power_gof",
        "Power: goodness of fit (alpha = 0.05)",
        rows,
        ["alternative", "effect", "D"],
        "One category's probability raised (bump) or lowered (dip) by 'effect' from 0.2, "
        "the others moved evenly; N = 50, every expected count 10. D: KL divergence of "
        "the alternative from the null (nats). 'predicted' columns are the noncentral "
        "chi-square approximations of klstats and statsmodels, not simulations.",
    )


# ----------------------------------------------------------------------------- independence


def _assoc_table(u: np.ndarray, v: np.ndarray, beta: float) -> np.ndarray:
    """p_ij proportional to r_i c_j exp(beta u_i v_j) with uniform margins r, c (before
    the association: the table's margins then move a little, which does not matter)."""
    p = np.exp(beta * np.outer(u, v))
    return p / p.sum()


def _two_by_two(log_or: float) -> np.ndarray:
    return _assoc_table(np.array([0.5, -0.5]), np.array([0.5, -0.5]), log_or)


def power_independence(mode: Mode) -> Table:
    r = mode.pick(300, 2000)
    designs = [
        ("2 x 2, N = 40", "log odds ratio", 40, _two_by_two, (0.0, 1.0, 1.5, 2.0, 2.5)),
        (
            "3 x 3, N = 60",
            "linear-by-linear beta",
            60,
            lambda b: _assoc_table(np.array([-1.0, 0, 1]), np.array([-1.0, 0, 1]), b),
            (0.0, 0.3, 0.5, 0.7, 0.9),
        ),
        (
            "3 x 3, N = 60",
            "non-monotone beta",
            60,
            lambda b: _assoc_table(np.array([1.0, -2, 1]), np.array([-1.0, 0, 1]), b),
            (0.2, 0.35, 0.5),
        ),
    ]
    if not mode.full:
        designs = [
            (n, a, size, f, (e[2],) if a != "non-monotone beta" else (e[1],))
            for n, a, size, f, e in designs
        ]
    rows = []
    for name, alt, n, make, effects in designs:
        for beta in effects:
            p = make(beta)
            rng = cell_rng("power-ind", name, alt, beta)
            tabs = rng.multinomial(n, p.ravel(), size=r).reshape(r, *p.shape).astype(float)
            mi = float(np.sum(p * np.log(p / np.outer(p.sum(1), p.sum(0)))))
            res: dict[str, list[float]] = {}

            def add(label, fn, tabs=tabs, res=res):
                fn = _cached(fn)
                res[label] = [_safe(lambda t=t: fn(t)) for t in tabs]

            with quiet():
                add("G", lambda t: kls.g_test_independence(t, method="asymptotic").pvalue)
                add(
                    "G Williams",
                    lambda t: (
                        kls.g_test_independence(
                            t, correction="williams", method="asymptotic"
                        ).pvalue
                    ),
                )
                add(
                    "Pearson X2 (scipy, no correction)",
                    lambda t: stats.chi2_contingency(t, correction=False).pvalue,
                )
                if p.shape == (2, 2):
                    add(
                        "Pearson X2 (scipy default: Yates)",
                        lambda t: stats.chi2_contingency(t).pvalue,
                    )
                    add("Fisher exact (scipy)", lambda t: stats.fisher_exact(t).pvalue)
                else:
                    add(
                        "ordinal linear-by-linear (statsmodels)",
                        lambda t: SmTable(t).test_ordinal_association().pvalue,
                    )
            for test, ps in res.items():
                val = _rate(ps)
                rows.append(
                    {
                        "design": name,
                        "alternative": alt,
                        "effect": beta,
                        "D": mi,
                        "test": test,
                        "rejection_rate": val,
                        "mc_se": mc_se(val, r),
                        "R": r,
                    }
                )
    return _table(
        "power_independence",
        "Power: independence in contingency tables (alpha = 0.05)",
        rows,
        ["design", "alternative", "effect", "D"],
        "Tables drawn as one multinomial sample; association p_ij ~ exp(beta u_i v_j) with "
        "linear scores u = v = (-1, 0, 1), or u = (1, -2, 1) for the non-monotone pattern. "
        "D: the mutual information (nats). Tables with an empty row or column that leave "
        "no test count as no rejection.",
    )


def _safe(fn: Callable[[], float]) -> float:
    try:
        return fn()
    except ValueError:
        return math.nan


# ----------------------------------------------------------------------------- continuous


def power_two_sample(mode: Mode) -> Table:
    n = 50
    r = mode.pick(0, 500)
    rows = []
    cells = [("location shift", mu, 1.0) for mu in (0.0, 0.25, 0.5, 0.75)]
    cells += [("scale ratio", 0.0, s) for s in (1.5, 2.0, 3.0)]
    for alt, mu, s in cells if r else []:
        rng = cell_rng("power-2s", alt, mu, s)
        data = [(rng.normal(size=n), rng.normal(mu, s, size=n)) for _ in range(r)]
        d = math.log(s) + (1 + mu**2) / (2 * s**2) - 0.5
        res = {}
        with quiet():
            res["kl_test (k-NN weighted, default k)"] = _rate(
                [
                    kls.kl_test(x, y, estimator="knn", n_resamples=99, rng=rng).pvalue
                    for x, y in data
                ]
            )
            res["kl_test (k-NN wang, k=1)"] = _rate(
                [
                    kls.kl_test(x, y, estimator="wang", n_resamples=99, rng=rng).pvalue
                    for x, y in data
                ]
            )
            res["kl_test (k-NN wang, k=5)"] = _rate(
                [
                    kls.kl_test(x, y, estimator="wang", k=5, n_resamples=99, rng=rng).pvalue
                    for x, y in data
                ]
            )
            res["Kolmogorov-Smirnov (scipy)"] = _rate(
                [stats.ks_2samp(x, y).pvalue for x, y in data]
            )
            res["Cramer-von Mises (scipy)"] = _rate(
                [stats.cramervonmises_2samp(x, y).pvalue for x, y in data]
            )
        for test, val in res.items():
            rows.append(
                {
                    "design": f"N(0, 1) vs N(mu, s^2), n = m = {n}",
                    "alternative": alt,
                    "effect": mu if alt == "location shift" else s,
                    "D": d,
                    "test": test,
                    "rejection_rate": val,
                    "mc_se": mc_se(val, r),
                    "R": r,
                }
            )
    return _table(
        "power_two_sample",
        "Power: two continuous samples (alpha = 0.05)",
        rows,
        ["alternative", "effect", "D"],
        "x ~ N(0, 1), y ~ N(mu, s^2), n = m = 50; kl_test with 99 permutations. D: "
        "the KL divergence of P from Q in nats, the quantity kl_test estimates.",
    )


def power_continuous_independence(mode: Mode) -> Table:
    n = 50
    r = mode.pick(0, 200)
    rows = []
    cells = [("linear", rho) for rho in (0.0, 0.2, 0.4)]
    cells += [("quadratic", c) for c in (0.5, 1.0)]
    cells += [("circle", s) for s in (0.3, 0.15)]
    for alt, e in cells if r else []:
        rng = cell_rng("power-ci", alt, e)
        data = []
        for _ in range(r):
            if alt == "linear":
                x = rng.normal(size=n)
                y = e * x + math.sqrt(1 - e * e) * rng.normal(size=n)
            elif alt == "quadratic":
                x = rng.normal(size=n)
                y = e * x**2 + rng.normal(size=n)
            else:
                t = rng.uniform(0, 2 * math.pi, size=n)
                x = np.cos(t) + e * rng.normal(size=n)
                y = np.sin(t) + e * rng.normal(size=n)
            data.append((x, y))
        res = {}
        with quiet():
            res["independence_test (KSG1, k=3)"] = _rate(
                [
                    kls.independence_test(x, y, estimator="ksg1", n_resamples=99, rng=rng).pvalue
                    for x, y in data
                ]
            )
            res["Pearson r (scipy)"] = _rate([stats.pearsonr(x, y).pvalue for x, y in data])
            res["Spearman rho (scipy)"] = _rate([stats.spearmanr(x, y).pvalue for x, y in data])
            res["Chatterjee xi (scipy)"] = _rate(
                [stats.chatterjeexi(x, y).pvalue for x, y in data]
            )
        for test, val in res.items():
            rows.append(
                {
                    "design": f"n = {n}",
                    "alternative": alt,
                    "effect": e,
                    "D": math.nan,
                    "test": test,
                    "rejection_rate": val,
                    "mc_se": mc_se(val, r),
                    "R": r,
                }
            )
    return _table(
        "power_continuous_independence",
        "Power: independence of continuous variables (alpha = 0.05)",
        rows,
        ["alternative", "effect"],
        "linear: correlation rho; quadratic: y = c x^2 + N(0, 1); circle: points on the "
        "unit circle plus N(0, s^2) noise in each coordinate (uncorrelated, dependent). "
        "independence_test with 99 permutations; n = 50.",
    )


def _table(name, title, rows, index, caption) -> Table:
    df = pd.DataFrame(rows)
    if df.empty:
        return Table(name, title, df, df, caption)
    disp = df.pivot_table(
        index=index, columns="test", values="rejection_rate", aggfunc="first", sort=False
    )
    disp.columns.name = None
    r = int(df["R"].iloc[0])
    se = math.sqrt(0.25 / r)
    return Table(
        name,
        title,
        df,
        disp.reset_index(),
        caption + f" R = {r} data sets per row (Monte Carlo s.e. at most {se:.3f}).",
    )


def run(mode: Mode) -> list[Table]:
    out = [power_gof(mode), power_independence(mode)]
    if mode.full:
        out += [power_two_sample(mode), power_continuous_independence(mode)]
    return out
