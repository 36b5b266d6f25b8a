"""The result of a resampling test (permutation or Monte Carlo), shared by the count tests
(``_permutation.py``) and the k-NN tests (``_knn_resampling.py``): one builder, so the
p-value rule and the notes are written once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._inference._resampling import resampling_pvalue
from .._results._classes import KLEstimate
from .._results._common import seed_of
from .._results._test_results import ResamplingTestResult

__all__: list[str] = []  # private module


# the three resampling schemes: the ``method`` value (also the spelling of the null
# distribution), the null hypothesis, and the title with the statistic's name filled in
SCHEMES = {
    "two-sample": (
        "permutation",
        "P = Q (both samples come from one distribution)",
        "Permutation test of P = Q ({statistic})",
    ),
    "gof": (
        "montecarlo",
        "P equals the reference distribution Q",
        "Monte Carlo goodness-of-fit test ({statistic})",
    ),
    "independence": (
        "permutation",
        "X and Y are independent",
        "Permutation test of independence ({statistic})",
    ),
}


def _result(
    scheme: str,
    statistic: str,
    *,
    effect: KLEstimate,
    observed: float,
    null: np.ndarray,
    notes: list[str],
    n_resamples: int,
    rng: Any = None,
) -> ResamplingTestResult:
    """The one builder of resampling-test results (counts and k-NN alike).

    ``scheme`` is a key of :data:`SCHEMES`; ``statistic`` names the statistic in the
    title ("KL statistic", "k-NN MI statistic", ...). ``rng`` is the caller's ``rng``
    argument: an integer seed is recorded in the result.
    """
    method, null_hypothesis, title = SCHEMES[scheme]
    distribution = method
    pvalue = resampling_pvalue(observed, null)
    n_bad = int((~np.isfinite(null)).sum())
    if n_bad:
        notes.append(f"{n_bad} of {n_resamples} resampled statistics are not finite (kept).")
    notes.append(
        f"p-value = (1 + #{{T* >= T}}) / (B + 1) with B = {n_resamples} "
        f"{'Monte Carlo' if distribution == 'montecarlo' else distribution} "
        "draws (ties within floating-point noise count as >=)."
    )
    return ResamplingTestResult(
        statistic=effect._units.from_nats(observed),
        pvalue=pvalue,
        df=None,
        nobs=effect.nobs,
        method=method,
        null_hypothesis=null_hypothesis,
        estimate=effect.estimate,
        units=effect.units,
        estimator=effect.estimator,
        distribution=distribution,
        title=title.format(statistic=statistic),
        effect=effect,
        null_distribution=effect._units.from_nats(null),
        notes=tuple(notes),
        seed=seed_of(rng),
        n_resamples=n_resamples,
        n_infinite_null=n_bad,
    )
