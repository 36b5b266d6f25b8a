"""Power of the k-NN permutation tests next to other tests (the guide's power tables).

Two samples: ``kl_test(x, y, estimator="knn")`` (the weighted statistic) with the
default k and with k = 10, 20, 40, against ``scipy.stats.ks_2samp``,
``scipy.stats.cramervonmises_2samp`` (one dimension only: they are tests of
one-dimensional distribution functions) and the energy-distance permutation test of
Szekely & Rizzo (any dimension). x ~ P = N(0, I_d) and y ~ Q, n = m, with Q one of

* ``location``: the first coordinate shifted, N(mu, 1);
* ``scale``: the first coordinate N(0, sigma^2), sigma > 1;
* ``shape``: the first coordinate a standardized two-component mixture
  0.5 N(-a, 1 - a^2) + 0.5 N(a, 1 - a^2) (mean 0, variance 1: same location and scale);
* ``dependence`` (d >= 2 only): N(0, R), R equicorrelated with correlation rho (every
  margin N(0, 1): no test of one coordinate can see it).

Each alternative's parameter is set so that D(P || Q) = c / n nats, c = 9 (location
0.3 at n = 200) except for ``shape``, c = 27 (at c = 9 no test reached power 0.14 at
n = 200, d = 1), so the cells at n = 200 and 1000 are about equally hard for a test
whose power depends on n D.

Independence: ``independence_test(x, y, estimator="knn")`` with the default k and
k = 10, 20, 40, against ``scipy.stats.pearsonr`` and ``scipy.stats.spearmanr`` (one
dimension) and the distance-covariance permutation test of Szekely, Rizzo & Bakirov
(any dimension). x ~ N(0, I_d), y = (rho f(x_1) + sqrt(1 - rho^2) e_1, e_2, .., e_d)
with e ~ N(0, I_d) independent of x, f(t) = t (``linear``) or (t^2 - 1)/sqrt(2)
(``quadratic``: uncorrelated, dependent), rho = rho_200 sqrt(200 / n).

Every cell has its own seeded generator (``knn_study.cell_rng``); each replication
draws the samples and runs every test on them (the k-NN tests with ``B`` permutations,
level 0.05 throughout). Results are appended cell by cell to
``validation/results/knn_power.csv`` (a cell already there is skipped), and
``--table`` writes ``knn_power.md`` from it.

References: Szekely, G. J. and Rizzo, M. L. (2004) "Testing for equal distributions
in high dimension", InterStat 5; Szekely, G. J., Rizzo, M. L. and Bakirov, N. K.
(2007) "Measuring and testing dependence by correlation of distances", Annals of
Statistics 35(6), 2769-2794.

Run ``python -m validation.knn_power --part two --n 200 --d 1`` (all alternatives of
that cell) or ``--alt location``; ``--reps`` and ``--B`` (defaults 100 and 99).
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import integrate, optimize, stats

import klstats as kls
from klstats._kernels._knn_weights import default_k

try:  # package import (python -m validation.knn_power) or script
    from .knn_study import cell_rng
except ImportError:  # pragma: no cover
    from knn_study import cell_rng  # type: ignore[no-redef]

OUT = Path(__file__).resolve().parent / "results"
CSV = OUT / "knn_power.csv"
ALPHA = 0.05
# n D(P || Q) of the two-sample alternatives, nats (at 9/n no test reached power 0.14
# against the shape alternative at n = 200, d = 1: uninformative)
N_D = {"location": 9.0, "scale": 9.0, "shape": 27.0, "dependence": 9.0}
RHO_200 = {"linear": 0.2, "quadratic": 0.3}
KS = (10, 20, 40)


# =========================================================================== alternatives


def _mixture_logpdf(t: np.ndarray, a: float) -> np.ndarray:
    s = math.sqrt(1.0 - a * a)
    return np.logaddexp(stats.norm.logpdf(t, -a, s), stats.norm.logpdf(t, a, s)) - math.log(2)


def kl_normal_vs_mixture(a: float) -> float:
    """D(N(0, 1) || 0.5 N(-a, 1 - a^2) + 0.5 N(a, 1 - a^2)) by quadrature."""

    def f(t):
        lp = stats.norm.logpdf(t)
        return math.exp(lp) * (lp - float(_mixture_logpdf(np.array(t), a)))

    return float(integrate.quad(f, -12, 12, limit=200)[0])


def kl_normal_vs_scale(sigma: float) -> float:
    """D(N(0, 1) || N(0, sigma^2))."""
    return math.log(sigma) + 0.5 / sigma**2 - 0.5


def kl_normal_vs_equicorrelated(rho: float, d: int) -> float:
    """D(N(0, I_d) || N(0, R)), R with unit diagonal and correlation rho."""
    r = np.full((d, d), rho) + (1 - rho) * np.eye(d)
    return 0.5 * (np.trace(np.linalg.inv(r)) - d + np.linalg.slogdet(r)[1])


def alternative(name: str, n: int, d: int) -> tuple[float, Callable]:
    """(parameter, sampler(g, n)) of Q with D(P || Q) = N_D[name] / n."""
    target = N_D[name] / n
    if name == "location":
        mu = math.sqrt(2 * target)

        def draw(g, size):
            y = g.standard_normal((size, d))
            y[:, 0] += mu
            return y

        return mu, draw
    if name == "scale":
        sigma = optimize.brentq(lambda s: kl_normal_vs_scale(s) - target, 1.0 + 1e-9, 10.0)

        def draw(g, size):
            y = g.standard_normal((size, d))
            y[:, 0] *= sigma
            return y

        return sigma, draw
    if name == "shape":
        a = optimize.brentq(lambda a: kl_normal_vs_mixture(a) - target, 1e-3, 0.99)
        s = math.sqrt(1 - a * a)

        def draw(g, size):
            y = g.standard_normal((size, d))
            y[:, 0] = np.where(g.random(size) < 0.5, -a, a) + s * y[:, 0]
            return y

        return a, draw
    if name == "dependence":
        if d < 2:
            raise ValueError("the dependence alternative needs d >= 2")
        rho = optimize.brentq(lambda r: kl_normal_vs_equicorrelated(r, d) - target, 1e-9, 0.9)
        chol = np.linalg.cholesky(np.full((d, d), rho) + (1 - rho) * np.eye(d))

        def draw(g, size):
            return g.standard_normal((size, d)) @ chol.T

        return rho, draw
    raise ValueError(name)


# =========================================================================== peer tests


def _distances(z: np.ndarray) -> np.ndarray:
    sq = (z * z).sum(1)
    d2 = sq[:, None] + sq[None, :] - 2.0 * z @ z.T
    return np.sqrt(np.maximum(d2, 0.0))


def energy_statistic(x: np.ndarray, y: np.ndarray) -> float:
    """Szekely-Rizzo energy distance 2 E|X-Y| - E|X-X'| - E|Y-Y'| (V-statistics)."""
    n = x.shape[0]
    dist = _distances(np.vstack((x, y)))
    return float(2 * dist[:n, n:].mean() - dist[:n, :n].mean() - dist[n:, n:].mean())


def energy_test(x: np.ndarray, y: np.ndarray, B: int, g: np.random.Generator) -> float:
    """Energy-distance permutation test of P = Q (Szekely & Rizzo 2004), p-value.

    Every permutation's statistic from one matrix product with the label indicators."""
    n, m = x.shape[0], y.shape[0]
    N = n + m
    dist = _distances(np.vstack((x, y)))
    lab = np.zeros((N, B + 1))
    lab[:n, 0] = 1.0
    for b in range(1, B + 1):
        lab[g.permutation(N)[:n], b] = 1.0
    da = dist @ lab
    total = dist.sum()
    s_xx = (lab * da).sum(0)  # a' D a
    row = dist.sum(1)
    s_xy = row @ lab - s_xx  # a' D (1 - a)
    s_yy = total - 2 * s_xy - s_xx
    stat = 2 * s_xy / (n * m) - s_xx / n**2 - s_yy / m**2
    return float((1 + np.sum(stat[1:] >= stat[0] * (1 - 1e-12))) / (B + 1))


def _centred(z: np.ndarray) -> np.ndarray:
    a = _distances(z)
    return a - a.mean(0) - a.mean(1)[:, None] + a.mean()


def dcov_statistic(x: np.ndarray, y: np.ndarray) -> float:
    """Squared sample distance covariance V_n^2 (Szekely, Rizzo & Bakirov 2007)."""
    return float((_centred(x) * _centred(y)).mean())


def dcov_test(x: np.ndarray, y: np.ndarray, B: int, g: np.random.Generator) -> float:
    """Distance-covariance permutation test of independence, p-value."""
    a, b = _centred(x), _centred(y)
    n = a.shape[0]
    obs = (a * b).mean()
    null = np.empty(B)
    for i in range(B):
        p = g.permutation(n)
        null[i] = (a * b[np.ix_(p, p)]).mean()
    return float((1 + np.sum(null >= obs * (1 - 1e-12))) / (B + 1))


# =========================================================================== cells


def k_grid(part: str, n: int, d: int, ks) -> list[int]:
    """The k of the k-NN tests in a cell: the tests' default, the estimators' default
    (the tests' default before 0.x) and ``ks``. Every k-NN test is run with an explicit
    k; ``kl_test(x, y)`` without ``k`` is the test at ``default_k(.., use="test")``
    (checked in the test suite)."""
    dd = 2 * d if part == "indep" else d
    m = n if part == "two" else None
    rule = {default_k(n, dd, m, use="test"), default_k(n, dd, m)}
    return sorted(rule | {int(k) for k in ks})


def two_sample_pvalues(x, y, B, g, ks, peers=True) -> dict[str, tuple[float, int | None]]:
    """p-value (and k) of every two-sample test on one pair of samples."""
    out: dict[str, tuple[float, int | None]] = {}
    for k in ks:
        res = kls.kl_test(x, y, estimator="knn", k=k, n_resamples=B, rng=g)
        out[f"kl_test k={k}"] = (res.pvalue, k)
    if not peers:
        return out
    if x.shape[1] == 1:
        out["ks_2samp"] = (stats.ks_2samp(x[:, 0], y[:, 0]).pvalue, None)
        out["cramervonmises_2samp"] = (
            stats.cramervonmises_2samp(x[:, 0], y[:, 0]).pvalue,
            None,
        )
    out["energy (permutation)"] = (energy_test(x, y, B, g), None)
    return out


def independence_pvalues(x, y, B, g, ks, peers=True) -> dict[str, tuple[float, int | None]]:
    out: dict[str, tuple[float, int | None]] = {}
    for k in ks:
        res = kls.independence_test(x, y, estimator="knn", k=k, n_resamples=B, rng=g)
        out[f"independence_test k={k}"] = (res.pvalue, k)
    if not peers:
        return out
    if x.shape[1] == 1:
        out["pearsonr"] = (stats.pearsonr(x[:, 0], y[:, 0]).pvalue, None)
        out["spearmanr"] = (stats.spearmanr(x[:, 0], y[:, 0]).pvalue, None)
    out["dcov (permutation)"] = (dcov_test(x, y, B, g), None)
    return out


def dependent_pair(name: str, n: int, d: int, g) -> tuple[np.ndarray, np.ndarray, float]:
    rho = RHO_200[name] * math.sqrt(200 / n)
    x = g.standard_normal((n, d))
    e = g.standard_normal((n, d))
    f = x[:, 0] if name == "linear" else (x[:, 0] ** 2 - 1) / math.sqrt(2)
    y = e.copy()
    y[:, 0] = rho * f + math.sqrt(1 - rho * rho) * e[:, 0]
    return x, y, rho


def run_cell(
    part: str, alt: str, n: int, d: int, reps: int, B: int, ks, peers: bool = True
) -> pd.DataFrame:
    """Rejection rates of the tests of one cell; the generator's key includes the
    tests run, so every run is reproducible from its command line."""
    g = cell_rng("knn_power", part, alt, n, d, tuple(ks), peers)
    rej: dict[str, int] = {}
    k_used: dict[str, int | None] = {}
    t0 = time.time()
    if part == "two":
        param, draw = alternative(alt, n, d)
    for _ in range(reps):
        if part == "two":
            x = g.standard_normal((n, d))
            y = draw(g, n)
            pv = two_sample_pvalues(x, y, B, g, ks, peers)
        else:
            x, y, param = dependent_pair(alt, n, d, g)
            pv = independence_pvalues(x, y, B, g, ks, peers)
        for label, (p, k) in pv.items():
            rej[label] = rej.get(label, 0) + int(p <= ALPHA)
            k_used[label] = k
    rows = []
    for label, r in rej.items():
        power = r / reps
        rows.append(
            {
                "part": part,
                "alternative": alt,
                "parameter": round(param, 4),
                "n": n,
                "d": d,
                "test": label,
                "k": k_used[label],
                "reps": reps,
                "B": B,
                "power": power,
                "mc_se": math.sqrt(max(power * (1 - power), 1e-12) / reps),
                "seconds": round(time.time() - t0, 1),
                "command": f"--part {part} --alt {alt} --n {n} --d {d} --reps {reps} "
                f"--B {B} --ks {' '.join(map(str, ks))}" + ("" if peers else " --no-peers"),
            }
        )
    return pd.DataFrame(rows)


# =========================================================================== table


def _k_of(test: str) -> int | None:
    return int(test.split("k=")[1]) if "k=" in test else None


def table(df: pd.DataFrame) -> str:
    """Markdown: one row per test, one column per (alternative, n) cell, per part and d.

    The k-NN test at the tests' default k is marked ``*``, at the estimators' default
    (the tests' former default) ``+``."""
    lines = [
        "# Power of the k-NN permutation tests and their peers",
        "",
        f"Level {ALPHA}; power = rejection rate over `reps` seeded samples (Monte Carlo "
        "s.e. sqrt(p(1-p)/reps): at most 0.05 with 100 reps); permutation tests with B "
        "permutations. Two samples: x ~ N(0, I_d), y ~ Q with D(P||Q) = 9/n nats "
        "(shape: 27/n); independence: y_1 = rho f(x_1) + noise, "
        "rho = rho_200 sqrt(200/n). '--': not run, or the test does not apply "
        "(one-dimensional tests in d = 3). `*`: the k-NN test at its default k "
        "(`kl_test(x, y)`, `independence_test(x, y)`), `+`: at the estimators' default "
        "k (the tests' default before this release). Commands: column `command` of "
        "knn_power.csv, `python -m validation.knn_power ...`; alternatives in the "
        "module docstring. Rows with an empty `command` (the first n = 200 cells and "
        "location n = 1000, d = 1) come from the first version of the script: same "
        "alternatives, tests and B, but a generator key without the list of tests, so a "
        "rerun draws other samples.",
        "",
    ]
    for (part, d), sub in df.groupby(["part", "d"], sort=False):
        sub = sub.copy()
        sub["cell"] = sub["alternative"] + " n=" + sub["n"].astype(str)
        cells = list(dict.fromkeys(sub["cell"]))
        tests = list(dict.fromkeys(sub["test"]))
        knn_tests = sorted((t for t in tests if _k_of(t) is not None), key=_k_of)
        tests = knn_tests + [t for t in tests if _k_of(t) is None]
        what = "Two samples" if part == "two" else "Independence (d = dim x = dim y)"
        lines += [f"## {what}, d = {d}", ""]
        info = sub.drop_duplicates("cell").set_index("cell")
        lines.append(
            "parameter / reps / B: "
            + "; ".join(
                f"{c}: {info.loc[c, 'parameter']} / {info.loc[c, 'reps']} / {info.loc[c, 'B']}"
                for c in cells
            )
        )
        lines.append("")
        lines.append("| test | " + " | ".join(cells) + " |")
        lines.append("|---|" + "---|" * len(cells))
        for t in tests:
            vals = []
            for c in cells:
                hit = sub[(sub["cell"] == c) & (sub["test"] == t)]
                if hit.empty:
                    vals.append("--")
                    continue
                row = hit.iloc[0]
                mark = ""
                k = _k_of(t)
                if k is not None:
                    dd = 2 * d if part == "indep" else d
                    m = row["n"] if part == "two" else None
                    if k == default_k(int(row["n"]), dd, m, use="test"):
                        mark += "*"
                    if k == default_k(int(row["n"]), dd, m):
                        mark += "+"
                vals.append(f"{row['power']:.2f}{mark}")
            lines.append(f"| {t} | " + " | ".join(vals) + " |")
        lines.append("")
    return "\n".join(lines)


def guide_tables(df: pd.DataFrame) -> str:
    """The guide's two RST tables: one row per cell, the k-NN test at its default k and
    at the estimators' k next to the peers (``python -m validation.knn_power --rst``)."""
    out = []
    specs = {
        "two": ("kl_test", ["ks_2samp", "cramervonmises_2samp", "energy (permutation)"]),
        "indep": ("independence_test", ["pearsonr", "spearmanr", "dcov (permutation)"]),
    }
    for part, (name, peers) in specs.items():
        sub = df[df["part"] == part]
        if sub.empty:
            continue
        head = ["d", "alternative", "n", f"{name} (default k)", "estimators' k", *peers]
        rows = []
        order = ["location", "scale", "shape", "dependence", "linear", "quadratic"]
        sub = sub.assign(_o=sub["alternative"].map(order.index)).sort_values(["d", "_o", "n"])
        for (d, _, alt, n), cell in sub.groupby(["d", "_o", "alternative", "n"], sort=False):
            dd = 2 * d if part == "indep" else d
            m = n if part == "two" else None
            k_new, k_old = default_k(n, dd, m, use="test"), default_k(n, dd, m)

            def rate(test, cell=cell):
                hit = cell[cell["test"] == test]
                return "--" if hit.empty else f"{hit['power'].iloc[0]:.2f}"

            rows.append(
                [
                    str(d),
                    alt,
                    str(n),
                    f"{rate(f'{name} k={k_new}')} (k={k_new})",
                    f"{rate(f'{name} k={k_old}')} (k={k_old})",
                    *[rate(t) for t in peers],
                ]
            )
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
        rule = "  ".join("=" * w for w in widths)
        lines = [
            "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
            for r in [head, *rows]
        ]
        out += [rule, lines[0], rule, *lines[1:], rule, ""]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m validation.knn_power")
    ap.add_argument("--part", choices=("two", "indep"), default="two")
    ap.add_argument("--alt", nargs="+", default=None)
    ap.add_argument("--n", type=int, nargs="+", default=[200])
    ap.add_argument("--d", type=int, nargs="+", default=[1])
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--B", type=int, default=99)
    ap.add_argument("--ks", type=int, nargs="*", default=list(KS), help="k besides the defaults")
    ap.add_argument("--no-peers", action="store_true", help="only the k-NN tests")
    ap.add_argument("--table", action="store_true", help="only write knn_power.md")
    ap.add_argument("--rst", action="store_true", help="print the guide's tables")
    ap.add_argument("--csv", default=str(CSV))
    args = ap.parse_args()
    csv = Path(args.csv)
    done = pd.read_csv(csv) if csv.exists() else pd.DataFrame()
    if not args.table:
        alts = args.alt or (
            ["location", "scale", "shape", "dependence"]
            if args.part == "two"
            else ["linear", "quadratic"]
        )
        for n in args.n:
            for d in args.d:
                for alt in alts:
                    if alt == "dependence" and d < 2:
                        continue
                    ks = k_grid(args.part, n, d, args.ks)
                    if not done.empty:
                        have = done[
                            (done["part"] == args.part)
                            & (done["alternative"] == alt)
                            & (done["n"] == n)
                            & (done["d"] == d)
                        ]
                        have_k = set(have["k"].dropna().astype(int))
                        ks = [k for k in ks if k not in have_k]
                        peers = not args.no_peers and not (have["k"].isna().any())
                    else:
                        peers = not args.no_peers
                    if not ks and not peers:
                        print(f"skip {args.part} {alt} n={n} d={d} (in {csv.name})")
                        continue
                    cell = run_cell(args.part, alt, n, d, args.reps, args.B, ks, peers)
                    done = pd.concat([done, cell], ignore_index=True)
                    csv.parent.mkdir(exist_ok=True)
                    done.to_csv(csv, index=False)
                    print(
                        cell[["alternative", "n", "d", "test", "power"]].to_string(index=False),
                        f"\n{cell['seconds'].iloc[0]} s",
                        flush=True,
                    )
    if not done.empty:
        csv.with_suffix(".md").write_text(table(done) + "\n")
        if args.rst:
            print(guide_tables(done))


if __name__ == "__main__":
    main()
