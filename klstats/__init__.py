"""klstats: statistical inference built on the Kullback-Leibler divergence.

Estimators of KL divergence and its relatives (entropy, cross-entropy, mutual
information, Jensen-Shannon) from counts and from continuous samples, tests built on
them (G-tests, likelihood-ratio tests, resampling tests) and statsmodels-style results.
"""

# The public names are loaded on first use (PEP 562 module ``__getattr__``), so
# ``import klstats`` costs little more than Python itself and the command line starts
# quickly; pandas and scipy.stats load with the first estimator, statsmodels with the
# first summary or likelihood-ratio test. ``from klstats import name``, ``dir(klstats)``
# and ``klstats.name`` behave as with eager imports. A new public name: add it to
# ``_EXPORTS`` (its private module) and to ``__all__``.

from __future__ import annotations

import importlib
from typing import Any

from ._base._version import __version__ as __version__

_EXPORTS: dict[str, str] = {
    "BootstrapDistribution": "._inference._resampling",
    "ConfidenceInterval": "._results._common",
    "DegenerateDataWarning": "._base._warnings",
    "FrameComparison": "._hypotests._frame_results",
    "GTestResult": "._results._test_results",
    "InfiniteEstimateWarning": "._base._warnings",
    "KLEstimate": "._results._classes",
    "KLStatsWarning": "._base._warnings",
    "KLTestResult": "._results._classes",
    "LabelPairingWarning": "._base._warnings",
    "LRTestResult": "._results._test_results",
    "MutualInformationFrame": "._hypotests._frame_results",
    "Report": "._report._document",
    "ResamplingTestResult": "._results._test_results",
    "SmallSampleWarning": "._base._warnings",
    "VuongTestResult": "._results._test_results",
    "compare_frames": "._hypotests._frames",
    "cross_entropy": "._estimators._discrete_derived",
    "entropy": "._estimators._discrete",
    "entropy_knn": "._estimators._knn",
    "g_test": "._hypotests._gtests",
    "g_test_homogeneity": "._hypotests._gtests",
    "g_test_independence": "._hypotests._gtests",
    "g_test_power": "._hypotests._gtest_power",
    "independence_test": "._hypotests._permutation",
    "jensen_shannon": "._estimators._discrete_derived",
    "kl_divergence": "._estimators._discrete",
    "kl_divergence_knn": "._estimators._knn",
    "kl_test": "._hypotests._permutation",
    "lr_test": "._hypotests._lr",
    "lr_test_distributions": "._hypotests._lr",
    "mutual_information": "._estimators._discrete",
    "mutual_information_frame": "._hypotests._frames",
    "mutual_information_knn": "._estimators._knn",
    "plot_knn_k": "._report._knn_plot",
    "tabulate": "._estimators._discrete",
    "vuong_test": "._hypotests._vuong",
}
_SUBMODULES = ("datasets",)

__all__ = sorted([*_EXPORTS, *_SUBMODULES, "__version__"])


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
