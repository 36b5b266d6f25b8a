"""Size of every test: rejection rates under the null at alpha = 0.01, 0.05, 0.10.

Each null hypothesis is a data-generating process under which H0 holds exactly. Tests
are called through the public API, one data set at a time, as a user calls them.

* Goodness of fit with uniform probabilities and small N: the outcomes are enumerated
  (partitions of N into at most K parts, each standing for all its permutations, which
  share the p-value), so the size is exact: no Monte Carlo error.
* Other deterministic p-values: R simulated data sets; the p-value of each distinct data
  set is computed once (the same counts give the same p-value).
* Stochastic p-values (Monte Carlo, permutation, bootstrap): R data sets, each with its
  own draws.

Sizes are judged by Bradley's (1978) criteria, widened by three Monte Carlo standard
errors: *liberal* above 1.5 alpha (his "liberal" bound: the test cannot be trusted at
that level), *slightly liberal* above 1.1 alpha (his "stringent" bound), *conservative*
below 0.5 alpha. Discrete tests at small N are naturally conservative at some levels
(their p-values take few values); liberal is the failure that matters.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

import klstats as kls

from ._report import ALPHAS, Mode, Table, cell_rng, mc_se, rejection_rates

PValue = Callable[[tuple, np.random.Generator], float]


@dataclass
class Variant:
    label: str
    pvalue: PValue
    stochastic: bool = False
    cost: str = "cheap"  # "cheap" (< 1 ms), "costly" (~10 ms), "heavy" (~100 ms or more)


@dataclass
class Null:
    test: str
    name: str
    min_expected: float | None
    draw: Callable[[np.random.Generator, int], list[tuple]]
    variants: list[Variant]
    enumerate: Callable[[], tuple[list[tuple], np.ndarray]] | None = None
    # cache key of a data set for deterministic p-values (None: continuous data, no cache)
    key: Callable[[tuple], Any] | None = field(default=lambda d: tuple(np.ravel(d[0]).tolist()))
    quick: bool = False
    quick_variants: Sequence[str] | None = None


# ----------------------------------------------------------------------------- enumeration


def partitions(n: int, k: int, largest: int | None = None) -> list[list[int]]:
    """Partitions of n into at most k parts, parts in decreasing order."""
    largest = n if largest is None else largest
    if n == 0:
        return [[]]
    if k == 0:
        return []
    out = []
    for first in range(min(n, largest), 0, -1):
        for rest in partitions(n - first, k - 1, first):
            out.append([first, *rest])
    return out


def uniform_outcomes(n: int, k: int) -> tuple[list[tuple], np.ndarray]:
    """One representative per permutation class of Multinomial(n, uniform over k), with
    the probability of the whole class."""
    data, weights = [], []
    for part in partitions(n, k):
        x = np.array(part + [0] * (k - len(part)), dtype=float)
        log_arr = special.gammaln(n + 1) - special.gammaln(x + 1).sum() - n * math.log(k)
        _, mult = np.unique(x, return_counts=True)
        log_perm = special.gammaln(k + 1) - special.gammaln(mult + 1).sum()
        data.append((x,))
        weights.append(math.exp(log_arr + log_perm))
    w = np.array(weights)
    assert abs(w.sum() - 1) < 1e-9, w.sum()
    return data, w


def compositions(n: int, k: int) -> tuple[list[tuple], np.ndarray]:
    """Every outcome of Multinomial(n, uniform over k) with its probability (small n, k)."""
    data, weights = [], []
    for part in partitions(n, k):
        base = part + [0] * (k - len(part))
        for perm in sorted(set(_perms(tuple(base)))):
            x = np.array(perm, dtype=float)
            lp = special.gammaln(n + 1) - special.gammaln(x + 1).sum() - n * math.log(k)
            data.append((x,))
            weights.append(math.exp(lp))
    return data, np.array(weights)


def _perms(t: tuple) -> set[tuple]:
    if len(t) <= 1:
        return {t}
    out = set()
    for i in range(len(t)):
        for rest in _perms(t[:i] + t[i + 1 :]):
            out.add((t[i], *rest))
    return out


# ----------------------------------------------------------------------------- nulls


def _gof_variants(q, *, yates=False, exact=True) -> list[Variant]:
    out = [
        Variant("asymptotic", lambda d, g: kls.g_test(d[0], q, method="asymptotic").pvalue),
        Variant(
            "williams",
            lambda d, g: kls.g_test(d[0], q, correction="williams", method="asymptotic").pvalue,
        ),
    ]
    if yates:
        out.append(
            Variant(
                "yates",
                lambda d, g: kls.g_test(d[0], q, correction="yates", method="asymptotic").pvalue,
            )
        )
    if exact:
        out.append(Variant("exact", lambda d, g: kls.g_test(d[0], q, method="exact").pvalue))
    out.append(
        Variant(
            "montecarlo (B=99)",
            lambda d, g: kls.g_test(d[0], q, method="montecarlo", n_resamples=99, rng=g).pvalue,
            stochastic=True,
        )
    )
    return out


def _gof_uniform(n: int, k: int, *, exact=True, yates=False, enum=True, quick=False) -> Null:
    q = np.full(k, 1.0 / k)
    return Null(
        "g_test",
        f"uniform, K = {k}, N = {n}",
        n / k,
        lambda g, r: [(x,) for x in g.multinomial(n, q, size=r).astype(float)],
        _gof_variants(q, yates=yates, exact=exact),
        enumerate=(lambda: uniform_outcomes(n, k)) if enum else None,
        # uniform q: the p-value does not depend on the order of the categories
        key=lambda d: tuple(sorted(d[0].tolist())),
        quick=quick,
    )


def _gof_skewed() -> Null:
    q = np.array([0.4, 0.3, 0.2, 0.05, 0.05])
    n = 40
    return Null(
        "g_test",
        "q = (.4, .3, .2, .05, .05), N = 40",
        n * q.min(),
        lambda g, r: [(x,) for x in g.multinomial(n, q, size=r).astype(float)],
        _gof_variants(q, exact=False),
    )


def _table_draw(rows, cols, n):
    p = np.outer(rows, cols).ravel()
    shape = (len(rows), len(cols))
    return lambda g, r: [(t.reshape(shape),) for t in g.multinomial(n, p, size=r).astype(float)]


def _safe(fn: Callable[[], float]) -> float:
    """Tables with fewer than two non-empty rows or columns have no test: count them as
    no rejection (nan p-value) and report how often that happens."""
    try:
        return fn()
    except ValueError:
        return math.nan


def _independence(rows, cols, n, *, yates=False, quick=False) -> Null:
    rows, cols = np.asarray(rows), np.asarray(cols)
    v = [
        Variant(
            "asymptotic",
            lambda d, g: _safe(lambda: kls.g_test_independence(d[0], method="asymptotic").pvalue),
        ),
        Variant(
            "williams",
            lambda d, g: _safe(
                lambda: (
                    kls.g_test_independence(
                        d[0], correction="williams", method="asymptotic"
                    ).pvalue
                )
            ),
        ),
    ]
    if yates:
        v.append(
            Variant(
                "yates",
                lambda d, g: _safe(
                    lambda: (
                        kls.g_test_independence(
                            d[0], correction="yates", method="asymptotic"
                        ).pvalue
                    )
                ),
            )
        )
    v.append(
        Variant(
            "montecarlo (B=99)",
            lambda d, g: _safe(
                lambda: (
                    kls.g_test_independence(
                        d[0], method="montecarlo", n_resamples=99, rng=g
                    ).pvalue
                )
            ),
            stochastic=True,
        )
    )
    r, c = len(rows), len(cols)
    return Null(
        "g_test_independence",
        f"{r} x {c}, N = {n}, margins {_fmt(rows)} x {_fmt(cols)}",
        n * rows.min() * cols.min(),
        _table_draw(rows, cols, n),
        v,
        quick=quick,
    )


def _fmt(a) -> str:
    return "(" + ", ".join(f"{v:g}" for v in a) + ")"


def _homogeneity(p, n) -> Null:
    p = np.asarray(p)

    def draw(g, r):
        x = g.multinomial(n, p, size=r).astype(float)
        y = g.multinomial(n, p, size=r).astype(float)
        return list(zip(x, y, strict=True))

    def h(**kw):
        return lambda d, g: _safe(lambda: kls.g_test_homogeneity(d[0], d[1], **kw).pvalue)

    return Null(
        "g_test_homogeneity",
        f"K = {p.size}, n = m = {n}, p = {_fmt(p)}",
        n * p.min(),
        draw,
        [
            Variant("asymptotic", h(method="asymptotic")),
            Variant("williams", h(correction="williams", method="asymptotic")),
            Variant(
                "montecarlo (B=99)",
                lambda d, g: _safe(
                    lambda: (
                        kls.g_test_homogeneity(
                            d[0], d[1], method="montecarlo", n_resamples=99, rng=g
                        ).pvalue
                    )
                ),
                stochastic=True,
            ),
        ],
        key=lambda d: (tuple(d[0].tolist()), tuple(d[1].tolist())),
    )


def _kl_test_counts(quick=False) -> list[Null]:
    p = np.array([0.4, 0.3, 0.2, 0.1])
    n = 15

    def draw2(g, r):
        return list(
            zip(
                g.multinomial(n, p, size=r).astype(float),
                g.multinomial(n, p, size=r).astype(float),
                strict=True,
            )
        )

    def perm(est):
        return lambda d, g: (
            kls.kl_test(d[0], d[1], estimator=est, n_resamples=99, rng=g, progress=False).pvalue
        )

    q5 = np.full(5, 0.2)
    return [
        Null(
            "kl_test (counts)",
            f"two samples, K = 4, n = m = {n}, p = {_fmt(p)}",
            None,
            draw2,
            [
                Variant("permutation, zhang (default)", perm("zhang"), True),
                Variant("permutation, plugin", perm("plugin"), True),
            ],
            quick=quick,
        ),
        Null(
            "kl_test (counts)",
            "one sample vs uniform, K = 5, n = 20",
            None,
            lambda g, r: [(x,) for x in g.multinomial(20, q5, size=r).astype(float)],
            [
                Variant(
                    "montecarlo, zhang (default)",
                    lambda d, g: (
                        kls.kl_test(
                            d[0], reference=q5, n_resamples=99, rng=g, progress=False
                        ).pvalue
                    ),
                    True,
                )
            ],
        ),
    ]


def _kl_test_knn(quick=False) -> list[Null]:
    n, d = 40, 2

    def draw2(g, r):
        return [(g.normal(size=(n, d)), g.normal(size=(n, d))) for _ in range(r)]

    def perm(est):
        return lambda dd, g: (
            kls.kl_test(dd[0], dd[1], estimator=est, n_resamples=99, rng=g, progress=False).pvalue
        )

    return [
        Null(
            "kl_test (k-NN)",
            f"two samples N(0, I_{d}), n = m = {n}",
            None,
            draw2,
            [
                Variant("permutation, wang k=1 (default)", perm("knn"), True, "costly"),
                Variant("permutation, adaptive", perm("adaptive"), True, "costly"),
            ],
            quick=quick,
            quick_variants=("permutation, wang k=1 (default)",),
        ),
        Null(
            "kl_test (k-NN)",
            "one sample N(0, 1) vs reference N(0, 1), n = 40",
            None,
            lambda g, r: [(g.normal(size=40),) for _ in range(r)],
            [
                Variant(
                    "montecarlo, wang",
                    lambda dd, g: (
                        kls.kl_test(
                            dd[0], reference=stats.norm(), n_resamples=99, rng=g, progress=False
                        ).pvalue
                    ),
                    True,
                    "costly",
                )
            ],
        ),
    ]


def _independence_test() -> list[Null]:
    def ksg(est):
        return lambda d, g: (
            kls.independence_test(
                d[0], d[1], estimator=est, n_resamples=99, rng=g, progress=False
            ).pvalue
        )

    return [
        Null(
            "independence_test",
            "counts, 3 x 3, N = 40, uniform margins",
            40 / 9,
            _table_draw(np.full(3, 1 / 3), np.full(3, 1 / 3), 40),
            [
                Variant(
                    "permutation, plugin (default)",
                    lambda d, g: _safe(
                        lambda: (
                            kls.independence_test(
                                d[0], n_resamples=99, rng=g, progress=False
                            ).pvalue
                        )
                    ),
                    True,
                )
            ],
        ),
        Null(
            "independence_test",
            "independent N(0, 1) pairs, n = 50",
            None,
            lambda g, r: [(g.normal(size=50), g.normal(size=50)) for _ in range(r)],
            [
                Variant("permutation, ksg1 (default)", ksg("ksg1"), True, "heavy"),
                Variant("permutation, ksg2", ksg("ksg2"), True, "heavy"),
            ],
        ),
    ]


def _lr(null, alt, n, draw, name, *, bootstrap=True, boot_cost="heavy", quick=False):
    v = [
        Variant(
            "asymptotic",
            lambda d, g: kls.lr_test_distributions(d[0], null, alt).pvalue,
            False,
            "costly",
        )
    ]
    if bootstrap:
        v.append(
            Variant(
                "bootstrap (B=99)",
                lambda d, g: (
                    kls.lr_test_distributions(
                        d[0], null, alt, method="bootstrap", n_resamples=99, rng=g
                    ).pvalue
                ),
                True,
                boot_cost,
            )
        )
    return Null(
        "lr_test_distributions",
        name,
        None,
        lambda g, r: [(draw(g),) for _ in range(r)],
        v,
        key=None,
        quick=quick,
        quick_variants=("asymptotic",),
    )


def _vuong(n, quick=False) -> Null:
    # both models are N(-+0.5, 1): equally far from the truth N(0, 1) in KL divergence
    m1, m2 = stats.norm(-0.5, 1), stats.norm(0.5, 1)

    def fitted_scale(y, mu):
        s = math.sqrt(np.mean((y - mu) ** 2))
        return stats.norm(mu, s).logpdf(y)

    return Null(
        "vuong_test",
        f"truth N(0, 1), models N(-0.5, 1) and N(0.5, 1), n = {n}",
        None,
        lambda g, r: [(g.normal(size=n),) for _ in range(r)],
        [
            Variant(
                "fixed models",
                lambda d, g: kls.vuong_test(m1.logpdf(d[0]), m2.logpdf(d[0])).pvalue,
            ),
            Variant(
                "fitted scales",
                lambda d, g: (
                    kls.vuong_test(
                        fitted_scale(d[0], -0.5), fitted_scale(d[0], 0.5), n_params=(1, 1)
                    ).pvalue
                ),
            ),
        ],
        key=None,
        quick=quick,
        quick_variants=("fixed models",),
    )


def nulls() -> list[Null]:
    return [
        _gof_uniform(10, 2, yates=True),
        _gof_uniform(10, 5, quick=True),
        _gof_uniform(20, 10, exact=False, quick=True),
        _gof_uniform(15, 20, exact=False),
        _gof_uniform(50, 10, exact=False, enum=False),
        _gof_uniform(30, 3),
        _gof_skewed(),
        _independence((0.5, 0.5), (0.3, 0.7), 20, yates=True, quick=True),
        _independence((0.5, 0.3, 0.2), (0.4, 0.3, 0.2, 0.1), 50),
        _independence((0.5, 0.5), (0.2, 0.3, 0.5), 300),
        _homogeneity((0.4, 0.3, 0.2, 0.1), 15),
        _homogeneity((0.4, 0.3, 0.2, 0.1), 100),
        *_kl_test_counts(quick=True),
        *_kl_test_knn(quick=True),
        *_independence_test(),
        _lr(
            "expon",
            "gamma",
            30,
            lambda g: g.exponential(2.0, 30),
            "expon within gamma, n = 30",
            quick=True,
        ),
        _lr(
            "expon",
            "gamma",
            200,
            lambda g: g.exponential(2.0, 200),
            "expon within gamma, n = 200",
            bootstrap=False,
        ),
        _lr(
            "poisson",
            "nbinom",
            50,
            lambda g: g.poisson(3.0, 50).astype(float),
            "poisson within nbinom (boundary), n = 50",
            boot_cost="heavy",
        ),
        _lr(
            "norm",
            "skewnorm",
            50,
            lambda g: g.normal(0, 1, 50),
            "norm within skewnorm (singular information), n = 50",
            boot_cost="very heavy",
        ),
        _vuong(50, quick=True),
        _vuong(500),
    ]


# ----------------------------------------------------------------------------- running

REPLICATES = {
    # (quick, full) numbers of data sets per cell
    "deterministic": (1500, 20000),
    "continuous": (1000, 4000),  # cheap deterministic p-values of continuous data
    "cheap": (400, 4000),  # stochastic p-values
    "costly": (60, 1000),
    "heavy": (0, 300),
    "very heavy": (0, 60),
}


def _call(v: Variant, d: tuple, rng: np.random.Generator) -> tuple[float, bool]:
    """The p-value, and whether klstats warned that it may be liberal
    (SmallSampleWarning); every other warning is expected here and ignored."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        p = v.pvalue(d, rng)
    return p, any(issubclass(w.category, kls.SmallSampleWarning) for w in caught)


def run_null(null: Null, mode: Mode) -> list[dict]:
    rows = []
    for v in null.variants:
        if (
            not mode.full
            and null.quick_variants is not None
            and v.label not in null.quick_variants
        ):
            continue
        rng = cell_rng("size", null.test, null.name, v.label)
        weights = None
        if not v.stochastic and null.enumerate is not None:
            data, weights = null.enumerate()
            out = [_call(v, d, rng) for d in data]
            r = 0
        elif not v.stochastic and null.key is not None:
            r = mode.pick(*REPLICATES["deterministic"])
            if r == 0:
                continue
            cache: dict[Any, tuple[float, bool]] = {}
            out = []
            for d in null.draw(rng, r):
                k = null.key(d)
                if k not in cache:
                    cache[k] = _call(v, d, rng)
                out.append(cache[k])
        else:
            bucket = "continuous" if not v.stochastic and v.cost == "cheap" else v.cost
            r = mode.pick(*REPLICATES[bucket])
            if r == 0:
                continue
            out = [_call(v, d, rng) for d in null.draw(rng, r)]
        p = np.array([o[0] for o in out], dtype=float)
        warned = np.array([o[1] for o in out], dtype=float)
        w = np.full(p.size, 1.0 / p.size) if weights is None else weights
        undefined = int(np.isnan(p).sum()) if weights is None else 0
        sizes = rejection_rates(p, weights)
        for a in ALPHAS:
            s = sizes[a]
            rows.append(
                {
                    "test": null.test,
                    "null": null.name,
                    "min_expected": null.min_expected,
                    "method": v.label,
                    "alpha": a,
                    "size": s,
                    "mc_se": mc_se(s, r),
                    "R": r if r else "exact",
                    "undefined": undefined,
                    "warned": float(np.sum(w * warned)),
                    # judged against the binomial error of a test of exact size alpha
                    "verdict": verdict(s, a, mc_se(a, r)),
                }
            )
    return rows


def verdict(size: float, alpha: float, se: float) -> str:
    """Bradley's (1978) liberal [0.5, 1.5] and stringent [0.9, 1.1] bounds (times
    alpha), widened by 3 Monte Carlo standard errors."""
    if size > 1.5 * alpha + 3 * se:
        return "liberal"
    if size > 1.1 * alpha + 3 * se:
        return "slightly liberal"
    if size < 0.5 * alpha - 3 * se:
        return "conservative"
    return "ok"


def _mark(size: float, v: str) -> str:
    s = f"{size:.3f}"
    return {"liberal": f"**{s}**", "slightly liberal": f"{s}+", "conservative": f"*{s}*"}.get(v, s)


def run(mode: Mode) -> Table:
    rows = []
    for null in nulls():
        if mode.full or null.quick:
            rows += run_null(null, mode)
    df = pd.DataFrame(rows)
    df["cell"] = [_mark(s, v) for s, v in zip(df["size"], df["verdict"], strict=True)]
    disp = df.pivot_table(
        index=["test", "null", "method"],
        columns="alpha",
        values="cell",
        aggfunc="first",
        sort=False,
    )
    disp.columns = [f"alpha = {a:g}" for a in disp.columns]
    meta = df.groupby(["test", "null", "method"], sort=False).agg(
        min_E=("min_expected", "first"), R=("R", "first"), warned=("warned", "first")
    )
    disp = meta.join(disp)
    disp["min_E"] = [("" if v is None or pd.isna(v) else f"{v:g}") for v in disp["min_E"]]
    disp["warned"] = [f"{v:.0%}" if v > 0 else "" for v in disp["warned"]]
    disp = disp.reset_index()
    return Table(
        "size",
        "Size under the null",
        df.drop(columns="cell"),
        disp,
        caption=(
            "Rejection rates under H0 (min_E: smallest expected count; R: simulated data "
            "sets per cell, 'exact' = every outcome enumerated, no Monte Carlo error; "
            "warned: share of data sets for which klstats issued a SmallSampleWarning). "
            "Bold: liberal (above 1.5 alpha by more than 3 Monte Carlo standard errors, "
            "Bradley's liberal bound); '+': slightly liberal (above 1.1 alpha, his "
            "stringent bound); italic: conservative (below 0.5 alpha)."
        ),
    )
