"""How often the default test and the default interval disagree about D = 0.

A test at level alpha = 0.05 rejects H0: D = 0 when p < 0.05; the default 95 % interval
"excludes 0" when its lower limit is above 0. The two are different procedures and can
disagree: the interval's lower limit is above 0 only when the chi-square test of D = 0
rejects at alpha/2 = 0.025 (the interval is two-sided, the test one-sided), and the
default p-values are exact, Monte Carlo or permutation p-values rather than the
chi-square approximation behind the interval. For each cell (true D = 0 and two values
above it) this study counts, over ``R`` data sets:

* ``test_only``: p < 0.05 and the interval contains 0;
* ``interval_only``: p >= 0.05 and the interval excludes 0;
* ``outside_silent``: the estimate lies outside its printed interval and the interval's
  note gives no reason (must be 0).

Tests: ``g_test(x, q)`` (goodness of fit, default ``method="auto"``; its effect size is
the plug-in KL divergence) and ``kl_test(x, y)`` on counts (permutation test with
Zhang's estimator; ``n_resamples=999`` instead of 9999 to keep the study short, a valid
permutation p-value for any B).

Run ``python -m validation.agreement [--full]`` (quick: R = 100; full: R = 400); writes
``validation/results/agreement{,_quick}.{csv,md}``; each cell is appended to a partial
CSV first and a rerun skips finished cells.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np

import klstats as kls

from ._report import Checkpoint, study_parser, to_markdown
from .coverage_grid import base_q, family, has_reason, kl, solve

OUT = Path(__file__).resolve().parent / "results"
ALPHA = 0.05


def cells(full: bool) -> list[dict]:
    out = []
    for test in ("g_test", "kl_test"):
        for k in (3, 10):
            for n in (30, 100) if not full else (30, 50, 100, 500):
                for target in (0.0, 0.02, 0.1):
                    out.append(dict(test=test, k=k, n=n, target=target))
    return out


def run_cell(cell: dict, reps: int, seed: int) -> dict:
    g = np.random.default_rng(seed)
    q = base_q(cell["k"], "zipf")
    t = solve(lambda u: kl(family(q, "tilt", u), q), cell["target"], 30.0)
    p = family(q, "tilt", t)
    n = cell["n"]
    counts = dict(test_reject=0, interval_excludes=0, test_only=0, interval_only=0, silent=0)
    for _ in range(reps):
        x = g.multinomial(n, p)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if cell["test"] == "g_test":
                res = kls.g_test(x, q, rng=g)
            else:
                y = g.multinomial(n, q)
                res = kls.kl_test(x, y, n_resamples=999, rng=g)
            ci = res.conf_int(rng=g)
        rej = res.pvalue < ALPHA
        excl = ci.low > 0
        counts["test_reject"] += rej
        counts["interval_excludes"] += excl
        counts["test_only"] += rej and not excl
        counts["interval_only"] += excl and not rej
        est = float(res.estimate) if hasattr(res, "estimate") else float(res.effect_size)
        if not (ci.low - 1e-12 <= est <= ci.high + 1e-12) and not has_reason(ci.note):
            counts["silent"] += 1
    row = dict(**cell, R=reps)
    row.update({k: v / reps for k, v in counts.items()})
    row["mc_se_at_0.05"] = math.sqrt(0.05 * 0.95 / reps)
    return row


def main(argv=None) -> None:
    a = study_parser().parse_args(argv)
    reps = 400 if a.full else 100
    stem = "agreement" if a.full else "agreement_quick"
    OUT.mkdir(exist_ok=True)
    ck = Checkpoint(OUT / f"{stem}_partial.csv", ["test", "k", "n", "target"], a.max_minutes)
    seen = ck.seen()
    for i, cell in enumerate(cells(a.full)):
        if ck.key_of(cell) in seen:
            continue
        if ck.out_of_time():
            return
        row = run_cell(cell, reps, seed=20261206 + i)
        ck.append([row])
        print(
            f"{ck.elapsed():7.1f}s {row['test']:8s} K={row['k']:2d} n={row['n']:3d} "
            f"D={row['target']:<5} reject={row['test_reject']:.3f} "
            f"excl={row['interval_excludes']:.3f} test_only={row['test_only']:.3f} "
            f"interval_only={row['interval_only']:.3f} silent={row['silent']:.3f}",
            flush=True,
        )
    df = ck.read()
    df.to_csv(OUT / f"{stem}.csv", index=False)
    (OUT / f"{stem}.md").write_text(to_markdown(df) + "\n")
    print(df.to_string())


if __name__ == "__main__":
    main()
