"""klstats: statistical inference built on the Kullback-Leibler divergence.

Estimators of KL divergence and its relatives (entropy, cross-entropy, mutual
information, Jensen-Shannon) from counts and from continuous samples, tests built on
them (G-tests, likelihood-ratio tests, resampling tests) and statsmodels-style results.
"""

from . import datasets
from ._base._warnings import (
    DegenerateDataWarning,
    InfiniteEstimateWarning,
    KLStatsWarning,
    SmallSampleWarning,
)
from ._estimators._discrete import (
    cross_entropy,
    entropy,
    jensen_shannon,
    kl_divergence,
    mutual_information,
    tabulate,
)
from ._estimators._knn import entropy_knn, kl_divergence_knn, mutual_information_knn
from ._hypotests._frames import (
    FrameComparison,
    MutualInformationFrame,
    compare_frames,
    mutual_information_frame,
)
from ._hypotests._gtests import g_test, g_test_homogeneity, g_test_independence, g_test_power
from ._hypotests._lr import lr_test, lr_test_distributions
from ._hypotests._permutation import independence_test, kl_test
from ._hypotests._vuong import vuong_test
from ._inference._resampling import BootstrapDistribution
from ._report._knn_plot import plot_knn_k
from ._results._classes import ConfidenceInterval, KLEstimate, KLTestResult

__version__ = "0.1.0.dev0"

__all__ = [
    "BootstrapDistribution",
    "ConfidenceInterval",
    "DegenerateDataWarning",
    "FrameComparison",
    "InfiniteEstimateWarning",
    "KLEstimate",
    "KLStatsWarning",
    "KLTestResult",
    "MutualInformationFrame",
    "SmallSampleWarning",
    "__version__",
    "compare_frames",
    "cross_entropy",
    "datasets",
    "entropy",
    "entropy_knn",
    "g_test",
    "g_test_homogeneity",
    "g_test_independence",
    "g_test_power",
    "independence_test",
    "jensen_shannon",
    "kl_divergence",
    "kl_divergence_knn",
    "kl_test",
    "lr_test",
    "lr_test_distributions",
    "mutual_information",
    "mutual_information_frame",
    "mutual_information_knn",
    "plot_knn_k",
    "tabulate",
    "vuong_test",
]
