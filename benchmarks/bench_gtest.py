"""Monte Carlo p-values of G-tests: klstats against a naive loop and scipy-based code.

Run from the repository root::

    python benchmarks/bench_gtest.py            # B = 9999
    python benchmarks/bench_gtest.py --quick    # B = 2000, shorter loops

Two problems, each with ``n_resamples = B`` simulated data sets:

* goodness of fit, K = 50 categories, N = 2000, Zipf-like null probabilities:
  ``kls.g_test(x, q, method="montecarlo")``;
* independence, a 6 x 8 table with N = 600: ``kls.g_test_independence(t,
  method="montecarlo")`` (random tables with the observed margins).

Baselines a user could write instead:

* *naive loop*: B iterations of one draw (``Generator.multinomial``, or
  ``scipy.stats.random_table(...).rvs()``) and one ``scipy.stats.power_divergence`` /
  ``chi2_contingency(lambda_="log-likelihood", correction=False)`` call; timed on
  ``--loop`` iterations and scaled linearly to B;
* *scipy vectorised*: ``scipy.stats.monte_carlo_test`` with a vectorised G statistic
  (goodness of fit), or ``random_table(...).rvs(size=B)`` and G of all tables at once
  with ``scipy.special.xlogy`` (independence);
* *R*, if ``Rscript`` is installed: ``chisq.test(..., simulate.p.value = TRUE, B = B)``
  timed inside R with ``system.time`` (Pearson's X^2 rather than G: R has no G-test
  with simulated p-values, but the cost is the simulation).

Ratios are baseline time / klstats time (> 1: klstats is faster), best of ``--repeat``,
measured in the same run. Each line ``RESULT {json}`` is for benchmarks/run_all.py.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import time

import numpy as np
from scipy import special, stats

import klstats as kls


def best_of(fn, repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def g_stat(x: np.ndarray, expected: np.ndarray, axis: int = -1) -> np.ndarray:
    return 2.0 * special.xlogy(x, x / expected).sum(axis=axis)


def report(task: str, baseline: str, t_base: float, t_kls: float, note: str = "") -> None:
    ratio = t_base / t_kls
    print(f"| {task} | {baseline} | {t_base:.3f} | {t_kls:.3f} | {ratio:.1f} | {note} |")
    print(
        "RESULT "
        + json.dumps(
            {
                "benchmark": "gtest",
                "task": task,
                "baseline": baseline,
                "baseline_s": t_base,
                "klstats_s": t_kls,
                "ratio": ratio,
            }
        ),
        flush=True,
    )


def r_time(code: str) -> float | None:
    if shutil.which("Rscript") is None:
        return None
    out = subprocess.run(
        ["Rscript", "-e", code], capture_output=True, text=True, check=False, timeout=600
    )
    if out.returncode != 0:
        return None
    return float(out.stdout.strip().splitlines()[-1])


def gof(B: int, loop: int, repeat: int) -> None:
    k, n = 50, 2000
    rng = np.random.default_rng(20261125)
    q = 1.0 / np.arange(1, k + 1) ** 0.7
    q /= q.sum()
    x = rng.multinomial(n, 0.9 * q + 0.1 / k).astype(float)
    e = n * q
    task = f"G goodness of fit, K = {k}, N = {n}, B = {B}"

    res = {}
    t_kls = best_of(
        lambda: res.setdefault(
            "kls", kls.g_test(x, q, method="montecarlo", n_resamples=B, rng=1).pvalue
        ),
        repeat,
    )

    def naive(iters: int) -> float:
        g_obs = stats.power_divergence(x, e, lambda_="log-likelihood").statistic
        g = np.random.default_rng(2)
        hits = 0
        for _ in range(iters):
            xs = g.multinomial(n, q)
            hits += stats.power_divergence(xs, e, lambda_="log-likelihood").statistic >= g_obs
        return (hits + 1) / (iters + 1)

    t_loop = best_of(lambda: naive(loop), 1) * B / loop
    report(task, f"naive loop (numpy draw + scipy power_divergence; {loop} scaled)", t_loop, t_kls)

    def scipy_mc():
        g = np.random.default_rng(3)
        return stats.monte_carlo_test(
            x,
            lambda size: g.multinomial(n, q, size=size[0]).astype(float),
            lambda s, axis=-1: g_stat(s, e, axis),
            vectorized=True,
            n_resamples=B,
            alternative="greater",
        ).pvalue

    t_sc = best_of(scipy_mc, repeat)
    report(task, "scipy.stats.monte_carlo_test (vectorised G)", t_sc, t_kls)

    xs = ",".join(str(int(v)) for v in x)
    ps = ",".join(repr(float(v)) for v in q)
    t_r = r_time(
        f"x <- c({xs}); p <- c({ps}); set.seed(1); "
        f"t <- system.time(chisq.test(x, p = p, simulate.p.value = TRUE, B = {B}))"
        "[['elapsed']]; cat(t, '\\n')"
    )
    if t_r is not None:
        report(
            task,
            "R chisq.test(simulate.p.value = TRUE) (Pearson)",
            t_r,
            t_kls,
            "R timer resolution 1 ms",
        )


def independence(B: int, loop: int, repeat: int) -> None:
    rng = np.random.default_rng(20261126)
    r, c, n = 6, 8, 600
    p = np.outer(rng.dirichlet(np.full(r, 5.0)), rng.dirichlet(np.full(c, 5.0)))
    t = rng.multinomial(n, p.ravel()).reshape(r, c).astype(float)
    rows, cols = t.sum(1), t.sum(0)
    expected = np.outer(rows, cols) / n
    task = f"G independence, {r} x {c}, N = {n}, B = {B}"

    t_kls = best_of(
        lambda: kls.g_test_independence(t, method="montecarlo", n_resamples=B, rng=1), repeat
    )
    g_obs = g_stat(t, expected, axis=None)

    def naive(iters: int) -> float:
        rt = stats.random_table(rows.astype(int), cols.astype(int), seed=2)
        hits = 0
        for _ in range(iters):
            tb = rt.rvs()
            hits += (
                stats.chi2_contingency(tb, lambda_="log-likelihood", correction=False).statistic
                >= g_obs
            )
        return (hits + 1) / (iters + 1)

    t_loop = best_of(lambda: naive(loop), 1) * B / loop
    report(task, f"naive loop (random_table.rvs + chi2_contingency; {loop} scaled)", t_loop, t_kls)

    def vectorised():
        rt = stats.random_table(rows.astype(int), cols.astype(int), seed=3)
        tabs = rt.rvs(size=B)
        g = g_stat(tabs, expected, axis=(-2, -1))
        return (np.count_nonzero(g >= g_obs) + 1) / (B + 1)

    t_vec = best_of(vectorised, repeat)
    report(task, "scipy vectorised (random_table.rvs(size=B), xlogy)", t_vec, t_kls)

    cells = ",".join(str(int(v)) for v in t.T.ravel())
    t_r = r_time(
        f"t <- matrix(c({cells}), nrow = {r}); set.seed(1); "
        f"s <- system.time(chisq.test(t, simulate.p.value = TRUE, B = {B}))"
        "[['elapsed']]; cat(s, '\\n')"
    )
    if t_r is not None:
        report(
            task,
            "R chisq.test(simulate.p.value = TRUE) (Pearson)",
            t_r,
            t_kls,
            "R timer resolution 1 ms",
        )


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="B = 2000, 200-iteration loops")
    ap.add_argument("--B", type=int, default=None)
    ap.add_argument("--loop", type=int, default=None, help="naive-loop iterations timed")
    ap.add_argument("--repeat", type=int, default=None)
    args = ap.parse_args(argv)
    B = args.B or (2000 if args.quick else 9999)
    loop = args.loop or (200 if args.quick else 1000)
    repeat = args.repeat or (2 if args.quick else 3)
    print(f"klstats {kls.__version__}; Monte Carlo p-values with B = {B}\n")
    print("| task | baseline | baseline (s) | klstats (s) | ratio | note |")
    print("|---|---|---|---|---|---|")
    gof(B, loop, repeat)
    independence(B, loop, repeat)


if __name__ == "__main__":
    main()
