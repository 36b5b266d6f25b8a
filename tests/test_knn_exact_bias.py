"""The exact-bias quadrature of validation/knn_exact_bias.py against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats

from validation import knn_exact_bias as eb


@pytest.mark.parametrize("d", [1, 2, 3, 5, 8])
def test_ball_ratio_at_the_centre_is_an_incomplete_gamma(d):
    # a = 0: mean of exp(-|u|^2/2) over the ball of radius r
    #      = d r^-d 2^(d/2 - 1) Gamma(d/2) P(d/2, r^2/2)
    r = np.array([0.05, 0.3, 1.0, 2.5, 6.0])
    exact = (
        math.log(d)
        - d * np.log(r)
        + (d / 2 - 1) * math.log(2)
        + special.gammaln(d / 2)
        + np.log(special.gammainc(d / 2, r * r / 2))
    )
    assert eb.log_ball_ratio(np.zeros_like(r), r, d) == pytest.approx(exact, abs=1e-9)


def test_ball_ratio_in_one_dimension_is_a_normal_cdf_difference():
    # d = 1: (1 / 2r) int_{-r}^{r} phi(a + u) / phi(a) du
    a = np.array([0.0, 0.5, 2.0, 4.0, 7.0])[:, None]
    r = np.array([0.01, 0.4, 1.5, 3.0])[None, :]
    mass = stats.norm.sf(a - r) - stats.norm.sf(a + r)
    exact = np.log(mass) - stats.norm.logpdf(a) - np.log(2 * r)
    assert eb.log_ball_ratio(a, r, 1) == pytest.approx(exact, rel=1e-9, abs=1e-9)


def test_ball_ratio_in_three_dimensions_against_a_noncentral_chi2():
    # P(|X - x| <= r) for X ~ N(0, I_3) is a noncentral chi-square cdf
    a, r, d = np.array([0.0, 1.0, 2.5]), np.array([0.2, 1.0, 2.0]), 3
    mass = np.where(
        a > 0, stats.ncx2.cdf(r * r, d, np.maximum(a * a, 1e-300)), stats.chi2.cdf(r * r, d)
    )
    log_v = 0.5 * d * math.log(math.pi) - math.lgamma(0.5 * d + 1)
    exact = np.log(mass) - (-0.5 * d * math.log(2 * math.pi) - a * a / 2) - log_v - d * np.log(r)
    # ncx2 with nc = 0 is the central chi-square
    assert eb.log_ball_ratio(a, r, d) == pytest.approx(exact, abs=1e-7)


def test_gauss_kl_closed_form():
    assert eb.gauss_kl(5) == pytest.approx(0.59700, abs=5e-6)


@pytest.mark.slow
def test_exact_bias_of_the_default_mi_with_a_four_dimensional_joint_sample():
    # independent X, Y ~ N(0, I_2): MI bias = 2 bias H(X) - bias H(X, Y), exactly, for
    # the default (k = 20, L = 1 in d = 2 and L = 2 in d = 4) against the former rule
    # (k = 10, L = 1 everywhere): -0.0002 against +0.0216 nats at n = 1000
    from klstats._kernels._knn_weights import bias_weights, default_k

    n = 1000
    k = default_k(n, 4)
    orders = np.arange(1, k + 1)
    b2, b4 = eb.order_bias(2, n, orders, "P"), eb.order_bias(4, n, orders, "P")
    new = 2 * bias_weights(k, 2) @ b2 - bias_weights(k, 4) @ b4
    old = 2 * bias_weights(10, 2, 1) @ b2[:10] - bias_weights(10, 4, 1) @ b4[:10]
    assert abs(new) < 0.002 and old > 0.015
