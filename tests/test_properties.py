"""Property tests (hypothesis) of the discrete estimators.

Each property is a theorem about the quantity (Gibbs' inequality, G = 2 N D, MI as a KL
divergence, H(P, Q) = H(P) + D(P||Q), change of logarithm base, symmetry under
relabelling) or a contract of the API (inputs are never modified).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial.distance import jensenshannon

import klstats as kls

# no example database written into the working tree; no per-example deadline (NSB
# integrates numerically)
SETTINGS = settings(max_examples=40, deadline=None, database=None)

KL_ESTIMATORS = ["plugin", "miller-madow", "jackknife", "zhang", "dirichlet", "shrink"]
ENTROPY_ESTIMATORS = [*KL_ESTIMATORS, "chao-shen", "grassberger", "nsb"]
ATOL = 1e-12


def count_lists(k, low=0, high=40):
    return st.lists(st.integers(low, high), min_size=k, max_size=k)


# counts with at least two observations (the jackknife needs n >= 2)
counts = st.integers(2, 8).flatmap(count_lists).filter(lambda c: sum(c) >= 2)


@st.composite
def count_pairs(draw, q_low=0):
    """Two count vectors on the same categories; q_low=2 keeps every plug-in finite."""
    k = draw(st.integers(2, 8))
    x = draw(count_lists(k).filter(lambda c: sum(c) >= 2))
    y = draw(count_lists(k, low=q_low).filter(lambda c: sum(c) >= 2))
    return np.array(x), np.array(y)


@st.composite
def counts_and_reference(draw):
    k = draw(st.integers(2, 8))
    x = draw(count_lists(k).filter(lambda c: sum(c) >= 2))
    w = draw(st.lists(st.floats(0.01, 1.0), min_size=k, max_size=k))
    q = np.array(w) / np.sum(w)
    return np.array(x), q


@st.composite
def tables(draw):
    r, c = draw(st.integers(2, 4)), draw(st.integers(2, 4))
    cells = draw(count_lists(r * c).filter(lambda v: sum(v) >= 2))
    return np.array(cells).reshape(r, c)


# =========================================================================== Gibbs


@SETTINGS
@given(counts_and_reference())
def test_gibbs_one_sample(data):
    x, q = data
    assert kls.kl_divergence(x, reference=q).estimate >= -ATOL


@SETTINGS
@given(count_pairs(q_low=1))
def test_gibbs_two_sample_and_js_bounds(data):
    x, y = data
    assert kls.kl_divergence(x, y).estimate >= -ATOL
    js = kls.jensen_shannon(x, y).estimate
    assert -ATOL <= js <= math.log(2) + ATOL
    assert kls.jensen_shannon(x, y, base=2).estimate <= 1 + ATOL


@SETTINGS
@given(tables())
def test_mutual_information_non_negative(t):
    assert kls.mutual_information(t).estimate >= -ATOL


# =========================================================================== zero iff equal


@SETTINGS
@given(count_pairs(q_low=1), st.integers(1, 5))
def test_zero_iff_equal_two_sample(data, scale):
    x, y = data
    assert kls.kl_divergence(x, scale * x).estimate == pytest.approx(0.0, abs=ATOL)
    assert kls.jensen_shannon(x, scale * x).estimate == pytest.approx(0.0, abs=ATOL)
    p, q = x / x.sum(), y / y.sum()
    if np.allclose(p, q, rtol=0, atol=1e-9):
        return
    assert kls.kl_divergence(x, y).estimate > 0
    assert kls.jensen_shannon(x, y).estimate > 0


@SETTINGS
@given(counts_and_reference())
def test_zero_iff_equal_one_sample(data):
    x, q = data
    assert kls.kl_divergence(x, reference=x / x.sum()).estimate == pytest.approx(0, abs=ATOL)
    if not np.allclose(x / x.sum(), q, rtol=0, atol=1e-9):
        assert kls.kl_divergence(x, reference=q).estimate > 0


@SETTINGS
@given(count_lists(3, 1, 9), count_lists(3, 1, 9))
def test_mi_zero_iff_independent(a, b):
    t = np.outer(a, b)  # proportional to the product of its margins
    assert kls.mutual_information(t).estimate == pytest.approx(0.0, abs=ATOL)
    t2 = t.copy()
    t2[0, 0] += 1
    assert kls.mutual_information(t2).estimate > 0


# =========================================================================== G = 2 N D


@SETTINGS
@given(counts_and_reference())
def test_g_statistic_is_2n_kl(data):
    x, q = data
    n = x.sum()
    g = stats.power_divergence(x, n * q, lambda_="log-likelihood").statistic
    assert 2 * n * kls.kl_divergence(x, reference=q).estimate == pytest.approx(g, rel=1e-9)
    # in bits the statistic needs the factor ln 2 back (METHODS F1)
    bits = kls.kl_divergence(x, reference=q, base=2).estimate
    assert 2 * n * math.log(2) * bits == pytest.approx(g, rel=1e-9)


@SETTINGS
@given(tables())
def test_mi_is_kl_to_product_of_margins(t):
    n = t.sum()
    product = np.outer(t.sum(1), t.sum(0)) / n**2
    mi = kls.mutual_information(t).estimate
    kl = kls.kl_divergence(t.ravel(), reference=product.ravel()).estimate
    assert mi == pytest.approx(kl, rel=1e-9, abs=ATOL)
    # and 2 N I is scipy's log-likelihood (G) statistic of independence
    inner = t[t.sum(1) > 0][:, t.sum(0) > 0]  # empty rows/columns carry no information
    if min(inner.shape) > 1:
        g = stats.chi2_contingency(inner, correction=False, lambda_="log-likelihood").statistic
        assert 2 * n * mi == pytest.approx(g, rel=1e-9, abs=1e-9)
    else:
        assert mi == pytest.approx(0.0, abs=ATOL)


# =========================================================================== H(P,Q) = H + D


@SETTINGS
@given(count_pairs(q_low=2), st.sampled_from(KL_ESTIMATORS))
def test_cross_entropy_is_entropy_plus_kl_two_sample(data, estimator):
    x, y = data
    h = kls.entropy(x, estimator=estimator).estimate
    d = kls.kl_divergence(x, y, estimator=estimator).estimate
    ce = kls.cross_entropy(x, y, estimator=estimator).estimate
    assert ce == pytest.approx(h + d, rel=1e-9, abs=ATOL)


@SETTINGS
@given(counts_and_reference(), st.sampled_from(KL_ESTIMATORS))
def test_cross_entropy_is_entropy_plus_kl_one_sample(data, estimator):
    x, q = data
    h = kls.entropy(x, estimator=estimator).estimate
    d = kls.kl_divergence(x, reference=q, estimator=estimator).estimate
    ce = kls.cross_entropy(x, reference=q, estimator=estimator).estimate
    assert ce == pytest.approx(h + d, rel=1e-9, abs=ATOL)
    if estimator == "plugin":  # and the definition -sum p log q
        p = x / x.sum()
        assert ce == pytest.approx(-np.sum(p * np.log(q)), rel=1e-9)


# =========================================================================== base


bases = st.sampled_from([2, 10, 0.5, 3.7, math.e])


@SETTINGS
@given(count_pairs(q_low=2), st.sampled_from(KL_ESTIMATORS), bases)
def test_base_conversion(data, estimator, base):
    x, y = data
    ln_b = math.log(base)
    for f, args in [
        (kls.kl_divergence, (x, y)),
        (kls.cross_entropy, (x, y)),
        (kls.entropy, (x,)),
        (kls.mutual_information, (np.vstack([x, y]),)),
    ]:
        nats = f(*args, estimator=estimator)
        other = f(*args, estimator=estimator, base=base)
        assert other.estimate * ln_b == pytest.approx(nats.estimate, rel=1e-9, abs=ATOL)
        assert other.bse * ln_b == pytest.approx(nats.bse, rel=1e-9, abs=ATOL)
    js, js_b = kls.jensen_shannon(x, y), kls.jensen_shannon(x, y, base=base)
    assert js_b.estimate * ln_b == pytest.approx(js.estimate, rel=1e-9, abs=ATOL)
    # scipy's jensenshannon takes the square root, so compare in nats (base < 1 is negative)
    assert js_b.estimate * ln_b == pytest.approx(jensenshannon(x, y) ** 2, rel=1e-9, abs=ATOL)


# =========================================================================== relabelling


@SETTINGS
@given(count_pairs(q_low=2), st.randoms(use_true_random=False), st.sampled_from(KL_ESTIMATORS))
def test_kl_invariant_to_category_order(data, rnd, estimator):
    x, y = data
    perm = np.array(rnd.sample(range(x.size), x.size))
    a = kls.kl_divergence(x, y, estimator=estimator).estimate
    b = kls.kl_divergence(x[perm], y[perm], estimator=estimator).estimate
    assert b == pytest.approx(a, rel=1e-9, abs=ATOL)
    q = (y + 1) / (y + 1).sum()
    a = kls.kl_divergence(x, reference=q, estimator=estimator).estimate
    b = kls.kl_divergence(x[perm], reference=q[perm], estimator=estimator).estimate
    assert b == pytest.approx(a, rel=1e-9, abs=ATOL)
    a, b = kls.jensen_shannon(x, y).estimate, kls.jensen_shannon(x[perm], y[perm]).estimate
    assert b == pytest.approx(a, rel=1e-9, abs=ATOL)


@settings(max_examples=25, deadline=None, database=None)
@given(counts, st.randoms(use_true_random=False), st.sampled_from(ENTROPY_ESTIMATORS))
def test_entropy_invariant_to_category_order(x, rnd, estimator):
    x = np.array(x)
    perm = np.array(rnd.sample(range(x.size), x.size))
    a = kls.entropy(x, estimator=estimator).estimate
    b = kls.entropy(x[perm], estimator=estimator).estimate
    assert b == pytest.approx(a, rel=1e-9, abs=ATOL)


@SETTINGS
@given(tables(), st.randoms(use_true_random=False), st.sampled_from(KL_ESTIMATORS))
def test_mi_invariant_to_row_and_column_order(t, rnd, estimator):
    rows = rnd.sample(range(t.shape[0]), t.shape[0])
    cols = rnd.sample(range(t.shape[1]), t.shape[1])
    a = kls.mutual_information(t, estimator=estimator).estimate
    b = kls.mutual_information(t[rows][:, cols], estimator=estimator).estimate
    c = kls.mutual_information(t.T, estimator=estimator).estimate  # I(X;Y) = I(Y;X)
    assert b == pytest.approx(a, rel=1e-9, abs=ATOL)
    assert c == pytest.approx(a, rel=1e-9, abs=ATOL)


# =========================================================================== scaling


@SETTINGS
@given(count_pairs(q_low=1), st.integers(2, 9))
def test_plugins_depend_on_frequencies_only(data, c):
    x, y = data
    pairs = [
        (kls.kl_divergence(x, y), kls.kl_divergence(c * x, c * y)),
        (kls.kl_divergence(x, y), kls.kl_divergence(c * x, y)),
        (kls.jensen_shannon(x, y), kls.jensen_shannon(c * x, y)),
        (kls.entropy(x), kls.entropy(c * x)),
        (kls.mutual_information(np.vstack([x, y])), kls.mutual_information(c * np.vstack([x, y]))),
        (kls.kl_divergence(x, reference=y), kls.kl_divergence(x, reference=c * y)),
    ]
    for a, b in pairs:
        assert b.estimate == pytest.approx(a.estimate, rel=1e-9, abs=ATOL)


@SETTINGS
@given(count_pairs(q_low=1))
def test_standard_error_shrinks_like_one_over_root_n(data):
    # the delta-method variance is sigma^2 / n: scaling counts by 4 halves the se
    x, y = data
    a, b = kls.kl_divergence(x, y), kls.kl_divergence(4 * x, 4 * y)
    assert b.bse == pytest.approx(a.bse / 2, rel=1e-9, abs=ATOL)


# =========================================================================== inputs untouched


@SETTINGS
@given(count_pairs(q_low=2), st.sampled_from(KL_ESTIMATORS))
def test_inputs_never_modified(data, estimator):
    x, y = data
    xf, yf = x.astype(float), y.astype(float)
    sx = pd.Series(x, index=[f"c{i}" for i in range(x.size)])
    sy = pd.Series(y, index=[f"c{i}" for i in range(y.size)])
    table = pd.DataFrame(np.vstack([x, y]), index=["u", "v"])
    ref = (yf + 1) / (yf + 1).sum()
    originals = [a.copy() for a in (x, y, xf, yf, ref)]
    s_orig, t_orig = (sx.copy(), sy.copy()), table.copy()
    for a in (x, y, xf, yf, ref):
        a.flags.writeable = False  # a write would raise
    kls.kl_divergence(x, y, estimator=estimator)
    kls.kl_divergence(xf, reference=ref, estimator=estimator)
    kls.kl_divergence(sx, sy, estimator=estimator)
    kls.kl_divergence(sx, reference=pd.Series(ref, index=sx.index), estimator=estimator)
    kls.cross_entropy(xf, yf, estimator=estimator)
    kls.entropy(x, estimator=estimator)
    kls.mutual_information(table, estimator=estimator)
    kls.mutual_information(np.vstack([x, y]), estimator=estimator)
    kls.jensen_shannon(sx, sy)
    for a, orig in zip((x, y, xf, yf, ref), originals, strict=True):
        np.testing.assert_array_equal(a, orig)
    pd.testing.assert_series_equal(sx, s_orig[0])
    pd.testing.assert_series_equal(sy, s_orig[1])
    pd.testing.assert_frame_equal(table, t_orig)


def test_labels_never_modified():
    x = np.array(["b", "a", "b", "c"], dtype=object)
    y = pd.Series(["a", "c", "c", "a"])
    x0, y0 = x.copy(), y.copy()
    kls.tabulate(x, y)
    kls.mutual_information(x, y)
    np.testing.assert_array_equal(x, x0)
    pd.testing.assert_series_equal(y, y0)
