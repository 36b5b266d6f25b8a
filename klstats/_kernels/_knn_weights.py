r"""Bias-cancelling weights of the weighted k-NN estimators and the default ``k``.

Berrett, Samworth & Yuan (2019) average the Kozachenko-Leonenko estimates
:math:`\hat H_j` over the neighbour orders :math:`j = 1, \dots, k` with weights
:math:`w` that satisfy

.. math:: \sum_{j=1}^k w_j = 1, \qquad
          \sum_{j=1}^k w_j \frac{\Gamma(j + 2l/d)}{\Gamma(j)} = 0
          \quad (l = 1, \dots, L).

Under a smooth density the bias of :math:`\hat H_j` is a sum of terms
:math:`c_l\, \Gamma(j + 2l/d)/\Gamma(j)\, \Gamma(n)/\Gamma(n + 2l/d)` (the expectation
of the 2l/d-th power of a Beta(j, n - j) ball mass), so the constraints remove the first
L of them whatever the constants :math:`c_l` and the sample size. The paper needs
:math:`L = \lfloor d/4 \rfloor` for efficiency; klstats removes
:math:`L = 1` term for :math:`d \le 3` and :math:`L = \max(2, \lceil d/4 \rceil)` from
:math:`d = 4` on, which measured smaller bias at the sample sizes users have
(validation/bias_knn). In d = 4 the second term is of order j/n, the order of the
Gaussian-tail term that replaces the missing expansion terms; with one cancelled term
the joint (4-dimensional) sample of a mutual information between two 2-dimensional
variables left a bias of +6 % and 95 % intervals covering 0.87 at n = 4000
(validation/knn_mi_study.py).

In 3 <= d <= 8 the number of terms also follows k (:func:`n_constraints`): the
expansion in powers of (j/n)^(2/d) holds only where the density is smooth on the
scale of the j-th neighbour distance, and in the tails of a Gaussian it is not (the
coefficients of the terms with 2l >= d, integrals of f^(1 - 2l/d), diverge); the bias
this leaves is a weighted sum over the orders that grows with k. Its exact value for
Gaussians (validation/knn_exact_bias.py, quadrature), in standard errors of the
entropy of N(0, I_5), is 0.27-0.29 at k = 20 and 0.61-0.73 at k = 64 with L = 2,
0.22-0.25 at k = 64 with L = 3, at every n from 1000 to 10^5 (in d = 8, L = 3, k = 64:
0.26 at n = 1000, 0.35 at 20000). A density with sharp features has large
coefficients: for a product of bimodal mixtures (0.5 N(-1, 0.6^2) + 0.5 N(1, 0.6^2) in
each coordinate) the entropy with one cancelled term and the n^(1/3) rule in d = 3 was
0.65 standard errors low at n = 4000, and with two terms and k = 20 in d = 5 0.62 at
n = 1000 (validation/knn_rule_search.py: every (k, L) scored on the same samples from
the estimates of each order). So from k = 48 (``TAIL_K``) on three terms are
cancelled, and the default k (:func:`default_k`) is 64 above n = 1076 in 3 <= d <= 8
and 48 from n = 500 to 1076 in 3 <= d <= 5: there the mixture's bias is 0.27-0.34
standard errors (d = 3), 0.25-0.41 (d = 4) and 0.27-0.37 (d = 5, n <= 1076), the
Gaussians' at most 0.26, at 0.96-1.16 times the former width up to n = 1076, 1.1-1.25
times at n = 4000 and 1.3-1.55 times at n = 20000 (exact, Gaussians; the former
rule's k grew with n). In d = 5 at n = 4000 the mixture keeps 0.57 standard errors
with the default (0.55 at n = 20000; in d = 4 0.56 at n = 20000), and every (k, L)
that does better there is 1.3 times as wide or more, so there the Wald interval
allows for that bias instead (:func:`wald_bias_bound`); in 6 <= d <= 8 up to n = 1076
the former rule is kept (three terms at 48 orders would be 1.3-1.5 times as wide there
for Gaussians, knn_target_rule_fixed.csv).
Tables: validation/results/knn_target_rule.md (exact, Gaussians) and
knn_rule_search.md (simulated). The mutual information keeps
the rule its coverage was validated with (``MI_TAIL_DIMS``: three terms from k = 48 in
5 <= d <= 8 only, and ``default_k(..., use="mi")``): the biases of its three
entropies partly cancel, and the marginals' L was chosen with the joint's
(validation/knn_mi_study.py).

Among the weight vectors satisfying the
constraints the one of minimum Euclidean norm is used (it also minimises the variance
of the weighted noise, to first order); it is the authors' own choice in the R package
IndepTest (``L2OptW``).

The noise constants: under a locally homogeneous Poisson approximation the term
:math:`\sum_j w_j \log \xi_{(j),i}` of a point equals :math:`-\log f(x_i)` plus
:math:`\sum_j w_j \log \Gamma_j` with :math:`\Gamma_j` the arrival times of a unit
Poisson process, whose variance is
:math:`v_w = \sum_{i,j} w_i w_j \psi'(\max(i, j))` (because
:math:`\Gamma_i/\Gamma_j` is Beta(i, j - i) and independent of :math:`\Gamma_j`).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy import special

__all__: list[str] = []

# largest default number of neighbours (speed: one KD-tree query of k neighbours)
MAX_DEFAULT_K = 64
# dimensions where from TAIL_K neighbour orders on three terms are cancelled and where
# the estimators' default is TAIL_K or MAX_DEFAULT_K neighbours from TAIL_N points on
TAIL_DIMS = (3, 8)
# the mutual information keeps the former range for its three entropies (module notes)
MI_TAIL_DIMS = (5, 8)
# from this k on, three terms are cancelled in TAIL_DIMS
TAIL_K = 48
# the estimators' default in TAIL_DIMS: MAX_DEFAULT_K neighbours above TAIL_SWITCH_N
# points; in BAND_DIMS also TAIL_K neighbours from TAIL_N to TAIL_SWITCH_N points (in
# 6 <= d <= 8 three terms over 48 orders would be 1.3-1.5 times as wide as the n^(1/3)
# rule there: validation/results/knn_target_rule_fixed.csv, k = 48, L = 3, against
# knn_target_rule.csv); the n^(1/3) rule below
TAIL_N = 500
TAIL_SWITCH_N = 1076
BAND_DIMS = (3, 5)
# in 5 <= d <= 8 the validated (k, L) are k <= TAIL_SWITCH_K with two cancelled terms
# (the n^(1/3) rule below TAIL_N) and TAIL_K <= k <= MAX_DEFAULT_K with three
TAIL_SWITCH_K = 20
# the bias (in standard errors) the Wald intervals of the k = 64 three-term weights
# allow for in these dimensions (wald_bias_bound)
BIAS_BOUND = 0.5
BIAS_BOUND_DIMS = (4, 8)
# largest default k of the permutation tests: each permutation walks k neighbours of
# either label per point, so the cost grows linearly in k; measured power at n = 1000
# was no higher at k = 64 than at 40 (validation/knn_power.py)
MAX_TEST_K = 40


def n_constraints(d: int, k: int | None = None, *, tail_dims: tuple[int, int] = TAIL_DIMS) -> int:
    """Number L of bias terms the weights over orders 1..k cancel in dimension ``d``.

    1 up to d = 3 and max(2, ceil(d/4)) from d = 4 on; in 3 <= d <= 8 (``TAIL_DIMS``)
    3 from k = 48 (``TAIL_K``) on (module notes). ``k=None``: the rule without the
    dependence on k. The entropies inside the mutual information pass
    ``tail_dims=MI_TAIL_DIMS`` (5 <= d <= 8).
    """
    base = 1 if d <= 3 else max(2, -(-d // 4))
    if k is not None and tail_dims[0] <= d <= tail_dims[1] and k >= TAIL_K:
        return max(base, 3)
    return base


@lru_cache(maxsize=256)
def _weights(k: int, d: int, n_terms: int) -> tuple[float, ...]:
    if n_terms == 0 or k <= n_terms:
        # too few orders to cancel anything: the plain estimator of order k
        w = np.zeros(k)
        w[-1] = 1.0
        return tuple(w)
    j = np.arange(1, k + 1, dtype=float)
    rows = [np.ones(k)]
    for ell in range(1, n_terms + 1):
        rows.append(np.exp(special.gammaln(j + 2.0 * ell / d) - special.gammaln(j)))
    g = np.vstack(rows)
    rhs = np.zeros(n_terms + 1)
    rhs[0] = 1.0
    # minimum-norm solution of g w = rhs: w = g' (g g')^{-1} rhs (via lstsq for stability)
    w = np.linalg.lstsq(g, rhs, rcond=None)[0]
    return tuple(float(v) for v in w)


def bias_weights(k: int, d: int, n_terms: int | None = None) -> np.ndarray:
    """Minimum-norm weights over orders 1..k cancelling ``n_terms`` bias terms.

    ``n_terms=None`` uses :func:`n_constraints` (of ``d`` and ``k``). With
    ``k <= n_terms`` there are not enough orders; the plain order-k weights
    (0, ..., 0, 1) are returned.
    """
    L = n_constraints(d, k) if n_terms is None else n_terms
    return np.array(_weights(int(k), int(d), int(L)))


def unit_weights(k: int) -> np.ndarray:
    """Weights (0, ..., 0, 1): the plain estimator of order k."""
    w = np.zeros(k)
    w[-1] = 1.0
    return w


def noise_variance(w: np.ndarray) -> float:
    """v_w = Var(sum_j w_j log Gamma_j), Gamma_j the arrival times of a unit Poisson
    process: the per-point noise variance of a weighted k-NN log-density term."""
    j = np.arange(1, w.size + 1)
    nz = np.flatnonzero(w)
    m = special.polygamma(1, np.maximum.outer(j[nz], j[nz]))
    return float(w[nz] @ m @ w[nz])


def mean_digamma(w: np.ndarray) -> float:
    """sum_j w_j psi(j)."""
    return float(w @ special.digamma(np.arange(1, w.size + 1)))


def default_k(n: int, d: int, m: int | None = None, *, use: str = "estimate") -> int:
    """The default number of neighbours of the weighted estimators and of the tests.

    ``use="estimate"`` (the entropy and KL estimators): k = round(L n^(1/3)) with L =
    :func:`n_constraints` (more cancelled terms need more orders), at least 2L + 2, at
    most 64 (one KD-tree query of k neighbours dominates the cost). In 3 <= d <= 8
    above n = 1076 k = 64, and in 3 <= d <= 5 from n = 500 (``TAIL_N``) to 1076
    k = 48; with these the weights cancel L = 3 terms: the bias the weights leave, in
    standard errors, grows with k at fixed L and hardly changes with n, and three
    terms over 48-64 orders keep it below 0.4 standard errors for Gaussians and, up to
    n = 1076 in d = 5 and up to n = 4000 in d = 3, a bimodal mixture, at 1.0-1.2 times
    the width of the n^(1/3) rule up to n = 1076 (1.1-1.4 times above) (Berrett,
    Samworth and Yuan (2019), "Efficient multivariate entropy estimation via
    k-nearest neighbour distances", Annals of Statistics 47(1), 288-318, for the
    weights; the exact bias and the predicted coverage in
    validation/results/knn_target_rule.md, the simulated bias of every (k, L) in
    validation/results/knn_rule_search.md).

    ``use="mi"`` (the mutual information, whose three entropies' biases partly
    cancel): the former rule, round(L n^(1/3)) with L of the joint dimension, and
    k = 64 in 5 <= d <= 8 where that would exceed 20 (n > 1076).

    ``use="test"`` (the permutation tests ``kl_test`` and ``independence_test``): a
    test needs no small bias (the permutation null absorbs it) but a statistic with
    little noise, so k = round(n^(4/(d+4))), the order of the k-NN density estimate
    of least mean squared error for a twice differentiable density (Mack, Y. P. and
    Rosenblatt, M. (1979) "Multivariate k-nearest neighbor density estimates",
    Journal of Multivariate Analysis 9(1), 1-15), at least the n^(1/3) rule's k and at
    most :data:`MAX_TEST_K`. In ``validation/knn_power.py`` the tests' power at
    n = 200 rose with k up to 40 in every one-dimensional alternative. The tests stay
    below k = 48 in 3 <= d <= 8 (fewer cancelled terms: less noise; the permutation
    null absorbs the bias).

    All stay below the sample sizes (n - 1 neighbours within ``x``, m in ``y``).
    """
    if use not in ("estimate", "test", "mi"):
        raise ValueError(f"`use` must be 'estimate', 'test' or 'mi'; got {use!r}.")
    L = n_constraints(d)
    size = n if m is None else min(n, m + 1)
    k = int(round(L * size ** (1.0 / 3.0)))
    k = max(k, 2 * L + 2)
    k = min(k, MAX_DEFAULT_K)
    if use == "test":
        k = max(k, min(int(round(size ** (4.0 / (d + 4.0)))), MAX_TEST_K))
        if TAIL_DIMS[0] <= d <= TAIL_DIMS[1]:
            k = min(k, TAIL_K - 1)
    elif use == "mi":
        if MI_TAIL_DIMS[0] <= d <= MI_TAIL_DIMS[1] and k > TAIL_SWITCH_K:
            k = MAX_DEFAULT_K
    elif TAIL_DIMS[0] <= d <= TAIL_DIMS[1] and size > TAIL_SWITCH_N:
        k = MAX_DEFAULT_K
    elif BAND_DIMS[0] <= d <= BAND_DIMS[1] and size >= TAIL_N:
        k = TAIL_K
    k = min(k, size - 1)
    return max(k, 1)


def wald_bias_bound(d: int, k: int) -> float:
    """The remaining bias, in standard errors, that the Wald interval of a weighted
    entropy or KL estimate with the weights of ``bias_weights(k, d)`` allows for (0:
    none).

    With the default of 4 <= d <= 8 above n = 1076 (k = 64, three cancelled terms) the
    bias the weights leave does not shrink faster than the standard error: for the
    product of bimodal mixtures (validation/knn_rule_search.py, the entropy, 100-400
    samples per cell) it was 0.41, 0.57 and 0.55 standard errors in d = 5 at n = 2000,
    4000 and 20000, and 0.41 and 0.56 in d = 4 at 4000 and 20000, enough to bring a
    plain 95 % Wald interval down to 0.90-0.91; for Gaussians 0.2-0.35 (exact). There
    the interval uses the bias-aware critical value of
    :func:`klstats._inference._intervals.bias_aware_z` with ``BIAS_BOUND`` = 0.5
    standard errors (2.181 instead of 1.96 at 95 %, 11 % wider): it covers 95 % up to
    that bias and 94 % at 0.6. Elsewhere the measured bias stays below 0.45 standard
    errors (in d = 3 at k = 64 0.32 at n = 4000 and 0.17 at 20000), which costs a 95 %
    interval at most 0.02 of coverage, and the normal quantile is kept.
    """
    in_dims = BIAS_BOUND_DIMS[0] <= d <= BIAS_BOUND_DIMS[1]
    if in_dims and k == MAX_DEFAULT_K and n_constraints(d, k) == 3:
        return BIAS_BOUND
    return 0.0


def log_ball_volume(d: int) -> float:
    """log V_d, V_d the volume of the Euclidean unit ball in d dimensions."""
    return 0.5 * d * math.log(math.pi) - math.lgamma(0.5 * d + 1.0)
