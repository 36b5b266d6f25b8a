"""Size of the default G-tests (``method="auto"``) on a grid of small samples.

Goodness of fit (K = 2, 3, 5; uniform and skewed null probabilities), independence
(r x c up to 5 x 5, uniform and skewed margins) and homogeneity (K = 2, 5, 10), N from
5 to 100, each cell ``reps`` data sets drawn under H0 and tested with the defaults
(Monte Carlo p-values with ``n_resamples=999`` instead of 9999 to keep the study
short: a Monte Carlo p-value (1 + #{G* >= G}) / (B + 1) is valid for every B). For each
cell: the rejection rate at alpha = 0.05, its Monte Carlo standard error, the share of
each method chosen, the rate of the chi-square reference on the same data, and a
verdict: "ok" within alpha +/- 2 SE, "liberal" above, "conservative" below (exact and
Monte Carlo p-values of discrete data cannot reach alpha exactly at small N).

Run: ``python -m validation.size_auto [--full]`` (quick: 200 data sets per cell, a few
minutes; full: 1500). Each finished cell is appended to
validation/results/size_auto{,_quick}_partial.csv and a rerun skips the cells already
there (checkpointed: ``--max-minutes`` stops between cells); the last run writes
validation/results/size_auto{,_quick}.{csv,md,rst}.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import klstats as kls

from ._report import Checkpoint, study_parser, to_markdown, to_rst

OUT = Path(__file__).resolve().parent / "results"
ALPHA = 0.05
B = 999


def _skew(k: int) -> np.ndarray:
    w = np.arange(1, k + 1, dtype=float)
    return w / w.sum()


def cells() -> list[tuple[str, str, int, object]]:
    out = []
    for k in (2, 3, 5):
        for qname, q in (("uniform", np.full(k, 1 / k)), ("skewed", _skew(k))):
            for n in (5, 10, 20, 50, 100):
                out.append(("goodness of fit", f"K={k} {qname}", n, ("gof", q)))
    for r, c in ((2, 2), (2, 5), (3, 3), (3, 4), (5, 5)):
        for mname in ("uniform", "skewed"):
            pr = np.full(r, 1 / r) if mname == "uniform" else _skew(r)
            pc = np.full(c, 1 / c) if mname == "uniform" else _skew(c)[::-1]
            for n in (10, 20, 50, 100):
                out.append(("independence", f"{r}x{c} {mname}", n, ("ind", pr, pc)))
    for k in (2, 5, 10):
        for n in (5, 10, 25, 50):
            out.append(("homogeneity", f"K={k} uniform, n=m", n, ("hom", np.full(k, 1 / k))))
    return out


def _draw(spec, n, g):
    kind = spec[0]
    if kind == "gof":
        return (g.multinomial(n, spec[1]),)
    if kind == "ind":
        pr, pc = spec[1], spec[2]
        return (g.multinomial(n, np.outer(pr, pc).ravel()).reshape(pr.size, pc.size),)
    return g.multinomial(n, spec[1]), g.multinomial(n, spec[1])


def _call(spec, data, **kw):
    fn = {"gof": kls.g_test, "ind": kls.g_test_independence, "hom": kls.g_test_homogeneity}
    args = (data[0], spec[1]) if spec[0] == "gof" else data
    return fn[spec[0]](*args, **kw)


def run_cell(spec, n, reps, seed):
    g = np.random.default_rng(seed)
    cache: dict[bytes, tuple[float, str]] = {}
    rej, asym_rej, methods, untestable = 0, 0, {}, 0
    for _ in range(reps):
        data = _draw(spec, n, g)
        key = b"|".join(np.asarray(d, dtype=np.int64).tobytes() for d in data)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if key in cache:
                    p, m, pa = cache[key]
                else:
                    res = _call(spec, data, n_resamples=B, rng=g)
                    p, m = res.pvalue, res.method
                    pa = _call(spec, data, method="asymptotic").pvalue
                    if m != "montecarlo":
                        cache[key] = (p, m, pa)
        except ValueError:  # fewer than two non-empty rows/columns/categories: no test
            untestable += 1
            continue
        rej += p <= ALPHA
        asym_rej += pa <= ALPHA
        methods[m] = methods.get(m, 0) + 1
    se = math.sqrt(ALPHA * (1 - ALPHA) / reps)
    rate = rej / reps
    verdict = (
        "ok" if abs(rate - ALPHA) <= 2 * se else ("liberal" if rate > ALPHA else "conservative")
    )
    row = dict(
        size=rate,
        mc_se=se,
        verdict=verdict,
        chi2_size=asym_rej / reps,
        untestable=untestable / reps,
    )
    for m in ("exact", "montecarlo", "asymptotic"):
        row[f"share_{m}"] = methods.get(m, 0) / reps
    return row


def _rst(df: pd.DataFrame) -> str:
    cols = ["test", "null", "N", "size", "mc_se", "verdict", "chi2_size"]
    cols += [c for c in df.columns if c.startswith("share_")]
    return to_rst(df[cols]) + "\n"


def main(argv=None) -> None:
    a = study_parser().parse_args(argv)
    reps = 1500 if a.full else 200
    OUT.mkdir(exist_ok=True)
    stem = "size_auto" if a.full else "size_auto_quick"
    ck = Checkpoint(OUT / f"{stem}_partial.csv", ["test", "null", "N"], a.max_minutes)
    seen = ck.seen()
    all_cells = cells()
    for i, (test, null, n, spec) in enumerate(all_cells):
        if ck.key_of(dict(test=test, null=null, N=n)) in seen:
            continue
        if ck.out_of_time():
            return
        r = run_cell(spec, n, reps, seed=20261206 + i)
        ck.append([dict(test=test, null=null, N=n, reps=reps, **r)])
        print(
            f"{ck.elapsed():7.1f}s {test:16s} {null:22s} N={n:3d} size={r['size']:.3f} "
            f"chi2={r['chi2_size']:.3f} {r['verdict']}",
            flush=True,
        )
    df = ck.read()
    order = {(t, nl, n): i for i, (t, nl, n, _) in enumerate(all_cells)}
    df = df.iloc[np.argsort([order[k] for k in zip(df.test, df.null, df.N, strict=True)])]
    df.to_csv(OUT / f"{stem}.csv", index=False)
    (OUT / f"{stem}.md").write_text(to_markdown(df) + "\n")
    (OUT / f"{stem}.rst").write_text(_rst(df))
    print(df.verdict.value_counts().to_string())


if __name__ == "__main__":
    main()
