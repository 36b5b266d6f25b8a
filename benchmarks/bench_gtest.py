"""Monte Carlo p-values of G-tests: klstats against hand-vectorised scipy and R.

Run from the repository root::

    python benchmarks/bench_gtest.py            # the whole grid, B = 2000 and 99,999
    python benchmarks/bench_gtest.py --quick    # B = 2000 only, fewer sizes

Independence (``kls.g_test_independence(t, method="montecarlo", n_resamples=B)``) for
2 x 2, 3 x 3, 6 x 8 and 10 x 10 tables with N = 50 ... 10^6 observations, against

* *scipy vectorised*: ``scipy.stats.random_table(row, col).rvs(size=B)`` and G of all
  tables at once with ``scipy.special.xlogy``;
* *R*, if ``Rscript`` is installed: ``chisq.test(t, simulate.p.value = TRUE, B = B)``
  (Patefield's ``r2dtable`` algorithm; Pearson's X^2, since R has no G-test with
  simulated p-values, but the cost is the simulation), timed inside one R process with
  ``system.time`` over a loop of calls long enough for its 1 ms resolution (best of the
  repeats).

The *floor* line of each table times scipy's compiled Patefield sampler alone
(``scipy.stats._rcont.rvs_rcont2``, what ``random_table(...).rvs(method="patefield")``
calls, without its argument processing; no G, no p-value): ratio = floor time / klstats
time. Where R is ahead of klstats and the floor ratio is near 1, the time is that
sampler's, and no numpy/scipy code that draws the tables with it can do better; R's
``r2dtable`` is the same algorithm compiled without numpy's generator interface.

Goodness of fit (``kls.g_test(x, q, method="montecarlo", n_resamples=B)``) for K = 2 ...
1000 categories and N up to 10^7, against ``scipy.stats.monte_carlo_test`` with the same
multinomial draws and a vectorised G.

Every time is the best of ``--repeat`` runs, klstats and the baseline alternating, so
both see the same machine load (R: best of its runs inside R); ratio = baseline time /
klstats time (> 1: klstats is faster). Each line ``RESULT {json}`` is for benchmarks/run_all.py.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import special, stats

import klstats as kls

try:  # scipy's compiled Patefield sampler (behind random_table(...).rvs)
    from scipy.stats._rcont import rvs_rcont2
except ImportError:  # pragma: no cover
    rvs_rcont2 = None


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def best_times(fns: dict, repeat: int) -> dict:
    """Best time of each function, the functions alternating within each repeat (on a
    shared machine the noise is preemption, which only adds time)."""
    times: dict = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            times[k].append(timed(fn))
    return {k: min(v) for k, v in times.items()}


def report(task: str, baseline: str, t_base: float, t_kls: float) -> None:
    ratio = t_base / t_kls
    print(f"| {task} | {baseline} | {t_base:.4f} | {t_kls:.4f} | {ratio:.2f} |")
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


def make_table(r: int, c: int, n: int, seed: int) -> np.ndarray:
    """A table with every margin positive, cells from a product of Dirichlet margins."""
    rng = np.random.default_rng(seed)
    while True:
        p = np.outer(rng.dirichlet(np.full(r, 5.0)), rng.dirichlet(np.full(c, 5.0)))
        t = rng.multinomial(n, p.ravel()).reshape(r, c)
        if np.all(t.sum(1) > 0) and np.all(t.sum(0) > 0):
            return t


def r_times(tables: list[np.ndarray], B: int, repeat: int) -> list[float | None]:
    """Best ``chisq.test(simulate.p.value = TRUE)`` time of each table, in one R run."""
    if shutil.which("Rscript") is None:
        return [None] * len(tables)
    # R's timer has 1 ms resolution: each time is that of a loop of k calls (k grown
    # until the loop takes >= 50 ms), divided by k
    lines = [
        "set.seed(1)",
        "res <- c()",
        "per_call <- function(f) { k <- 1; repeat { e <- system.time(for (i in 1:k) f())"
        "[['elapsed']]; if (e >= 0.05) return(e / k); k <- k * 4 } }",
    ]
    for t in tables:
        cells = ",".join(str(int(v)) for v in t.T.ravel())
        lines.append(
            f"t <- matrix(c({cells}), nrow = {t.shape[0]}); "
            f"s <- sapply(1:{repeat}, function(i) per_call(function() "
            f"chisq.test(t, simulate.p.value = TRUE, B = {B}))); "
            "res <- c(res, min(s))"
        )
    lines.append("cat(res, sep = '\\n')")
    with tempfile.TemporaryDirectory() as d:
        script = Path(d) / "bench.R"
        script.write_text("\n".join(lines) + "\n")
        out = subprocess.run(
            ["Rscript", str(script)], capture_output=True, text=True, check=False, timeout=3600
        )
    if out.returncode != 0:
        return [None] * len(tables)
    return [float(v) for v in out.stdout.split()]


def independence(B: int, shapes, sizes, repeat: int) -> None:
    for r, c in shapes:
        for n in sizes:
            t = make_table(r, c, n, 1000 * r + c + n)
            rows, cols = t.sum(1), t.sum(0)
            expected = np.outer(rows, cols) / n
            tf = t.astype(float)
            g_obs = 2.0 * special.xlogy(tf, tf / expected).sum()

            def ours(tf=tf):
                return kls.g_test_independence(
                    tf, method="montecarlo", n_resamples=B, rng=1
                ).pvalue

            def scipy_vec(rows=rows, cols=cols, expected=expected, g_obs=g_obs):
                tabs = stats.random_table(rows, cols, seed=3).rvs(size=B)
                g = 2.0 * special.xlogy(tabs, tabs / expected).sum(axis=(-2, -1))
                return (np.count_nonzero(g >= g_obs) + 1) / (B + 1)

            fns = {"kls": ours, "scipy": scipy_vec}
            if rvs_rcont2 is not None:
                ri, ci = rows.astype(np.int64), cols.astype(np.int64)
                gen = np.random.default_rng(5)

                def floor(ri=ri, ci=ci, gen=gen, n=n):
                    return rvs_rcont2(ri, ci, np.int64(n), B, gen)

                fns["floor"] = floor
            m = best_times(fns, repeat)
            # R right after, then klstats again: all three within the same minute
            (tr,) = r_times([t], B, repeat)
            m["kls"] = min(m["kls"], best_times({"kls": ours}, repeat)["kls"])
            task = f"MC G independence, {r} x {c}, N = {n:,}, B = {B:,}"
            report(task, "scipy random_table.rvs(size=B) + xlogy", m["scipy"], m["kls"])
            if tr is not None:
                report(task, "R chisq.test(simulate.p.value = TRUE)", tr, m["kls"])
            if "floor" in m:
                report(task, "floor: scipy's Patefield sampler alone, no G", m["floor"], m["kls"])


def gof(B: int, ks, sizes, repeat: int) -> None:
    for k in ks:
        for n in sizes:
            q = 1.0 / np.arange(1, k + 1) ** 0.7
            q /= q.sum()
            x = np.random.default_rng(k + n).multinomial(n, 0.9 * q + 0.1 / k).astype(float)
            e = n * q

            def ours(x=x, q=q):
                return kls.g_test(x, q, method="montecarlo", n_resamples=B, rng=1).pvalue

            def scipy_mc(x=x, q=q, e=e, n=n):
                g = np.random.default_rng(3)
                return stats.monte_carlo_test(
                    x,
                    lambda size: g.multinomial(n, q, size=size[0]).astype(float),
                    lambda s, axis=-1: 2.0 * special.xlogy(s, s / e).sum(axis=axis),
                    vectorized=True,
                    n_resamples=B,
                    alternative="greater",
                ).pvalue

            m = best_times({"kls": ours, "scipy": scipy_mc}, repeat)
            report(
                f"MC G goodness of fit, K = {k}, N = {n:,}, B = {B:,}",
                "scipy.stats.monte_carlo_test (vectorised G)",
                m["scipy"],
                m["kls"],
            )


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="B = 2000 only, fewer sizes")
    ap.add_argument("--B", type=int, nargs="*", default=None, help="replicate counts")
    ap.add_argument("--repeat", type=int, default=None, help="runs per time (best of)")
    ap.add_argument("--only", choices=("independence", "gof"), default=None)
    ap.add_argument("--shapes", nargs="*", default=None, help="table shapes, e.g. 2x2 6x8")
    ap.add_argument("--sizes", type=int, nargs="*", default=None, help="table totals N")
    ap.add_argument("--ks", type=int, nargs="*", default=None, help="GoF categories K")
    args = ap.parse_args(argv)
    Bs = args.B or ([2000] if args.quick else [2000, 99_999])
    repeat = args.repeat or 7
    shapes = [(2, 2), (3, 3), (6, 8), (10, 10)]
    if args.shapes:
        shapes = [tuple(int(v) for v in sh.split("x")) for sh in args.shapes]
    sizes = [50, 1000, 1_000_000] if args.quick else [50, 1000, 10_000, 1_000_000]
    sizes = args.sizes or sizes
    ks = [2, 10, 50, 1000] if args.quick else [2, 10, 50, 200, 1000]
    ks = args.ks or ks
    gof_sizes = [100, 2000, 10**7] if args.quick else [100, 2000, 100_000, 10**7]
    print(f"klstats {kls.__version__}; Monte Carlo p-values, best of {repeat} runs\n")
    print("| task | baseline | baseline (s) | klstats (s) | ratio |")
    print("|---|---|---|---|---|")
    for B in Bs:
        if args.only in (None, "independence"):
            independence(B, shapes, sizes, repeat if B < 10_000 else max(1, repeat // 2))
        if args.only in (None, "gof") and B < 10_000:
            gof(B, ks, gof_sizes, repeat)


if __name__ == "__main__":
    main()
