"""Count kernels: one function per formula, each with its source.

The kernels work in nats on count arrays whose last axis holds the categories (tables:
the last two axes) and any leading batch axes, so the resampling code can evaluate
thousands of replicates at once. They validate nothing but their own options; the
public estimators in ``klstats._estimators._discrete`` validate the data, call a kernel,
attach the interval machinery and return a :class:`~klstats.KLEstimate`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from scipy import integrate, special

from .._base._validation import check_choice, check_real

# =========================================================================== helpers


def _total(x: np.ndarray) -> np.ndarray:
    return x.sum(axis=-1)


def _freqs(x: np.ndarray) -> np.ndarray:
    return x / _total(x)[..., None]


def _plugin_entropy_of_freqs(p: np.ndarray) -> np.ndarray:
    return -special.xlogy(p, p).sum(axis=-1)


def _rel_entr_sum(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """sum_k p_k log(p_k/q_k) with 0 log(0/q) = 0 and p log(p/0) = inf."""
    return special.rel_entr(p, q).sum(axis=-1)


# counts above this overflow x log x (1.8e308 / log(1e305) ~ 2.6e305)
_XLOGX_SAFE = 1e304


def _xlogx(x: np.ndarray) -> np.ndarray:
    return special.xlogy(x, x)


def _n_observed(x: np.ndarray) -> np.ndarray:
    return (x > 0).sum(axis=-1)


# =========================================================================== smoothing


def dirichlet_pseudocount(prior: Any, n: np.ndarray, K: int) -> np.ndarray:
    """Pseudocount a of a symmetric Dirichlet prior.

    0.5 Jeffreys (Krichevsky-Trofimov), 1 Laplace, ``"perks"`` 1/K,
    ``"minimax"`` sqrt(n)/K (Trybula 1958), or any number >= 0 (Hausser & Strimmer
    2009, R package entropy, ``entropy.Dirichlet``). K counts every listed category.
    """
    if isinstance(prior, str):
        key = check_choice(prior, "prior", ("jeffreys", "laplace", "perks", "minimax"))
        return {
            "jeffreys": np.full_like(n, 0.5, dtype=float),
            "laplace": np.full_like(n, 1.0, dtype=float),
            "perks": np.full_like(n, 1.0 / K, dtype=float),
            "minimax": np.sqrt(n) / K,
        }[key]
    a = check_real(prior, "prior", low=0.0)
    return np.full_like(n, a, dtype=float)


def dirichlet_freqs(x: np.ndarray, prior: Any) -> np.ndarray:
    """Posterior-mean frequencies (x_k + a) / (n + K a)."""
    K = x.shape[-1]
    a = dirichlet_pseudocount(prior, _total(x).astype(float), K)[..., None]
    return (x + a) / (_total(x)[..., None] + K * a)


def shrink_freqs(x: np.ndarray, lambda_: float | None = None) -> np.ndarray:
    """James-Stein shrinkage of frequencies towards the uniform target.

    lambda* = (1 - sum u_k^2) / ((n - 1) sum (t_k - u_k)^2), clipped to [0, 1],
    u = x/n, t = 1/K (Hausser & Strimmer 2009, JMLR 10:1469-1484, eq. 8; R package
    entropy ``freqs.shrink``). lambda = 1 when n <= 1 or u already equals t.
    """
    K = x.shape[-1]
    n = _total(x)[..., None]
    u = x / n
    t = 1.0 / K
    if lambda_ is None:
        denom = (n - 1) * ((t - u) ** 2).sum(axis=-1, keepdims=True)
        num = 1.0 - (u**2).sum(axis=-1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            lam = np.where((n <= 1) | (denom <= 0), 1.0, num / denom)
        lam = np.clip(lam, 0.0, 1.0)
    else:
        lam = check_real(lambda_, "lambda_", low=0.0, high=1.0)
    return lam * t + (1 - lam) * u


def shrink_lambda(x: np.ndarray) -> float:
    """The shrinkage intensity :func:`shrink_freqs` uses (for reporting)."""
    K = x.shape[-1]
    u = x / x.sum()
    p = shrink_freqs(x)
    d = 1.0 / K - u
    j = int(np.argmax(np.abs(d)))
    return float((p[j] - u[j]) / d[j]) if d[j] != 0 else 1.0


# =========================================================================== entropy kernels


def h_plugin(x: np.ndarray) -> np.ndarray:
    """Maximum-likelihood entropy -sum p_hat log p_hat."""
    n = _total(x)
    if x.max(initial=0.0) > _XLOGX_SAFE:  # x log x would overflow: use p log p
        return special.entr(x / np.expand_dims(n, -1)).sum(axis=-1)
    return np.log(n) - _xlogx(x).sum(axis=-1) / n


def h_miller_madow(x: np.ndarray, alphabet: str = "observed") -> np.ndarray:
    """Miller (1955): H_plugin + (K - 1)/(2n); K observed (default) or declared."""
    K = _n_observed(x) if alphabet == "observed" else x.shape[-1]
    return h_plugin(x) + (K - 1) / (2 * _total(x))


def h_jackknife(x: np.ndarray) -> np.ndarray:
    """Jackknife of the plug-in entropy on counts (Zahl 1977).

    Deleting one observation of category j gives the same value for all x_j of them,
    so H_JK = n H - (n - 1) sum_j (x_j/n) H_(-j) needs K leave-one-out values.
    """
    # Expanded without cancellation (n H - (n - 1) h_bar loses every digit once n is
    # near 1e10): H_JK = H - (n - 1) log(1 - 1/n) + sum_j p_j (x_j - 1) log(1 - 1/x_j).
    n = _total(x)
    p = x / np.expand_dims(n, -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(x > 0, -1.0 / np.where(x > 0, x, 1.0), 0.0)
    leave = (p * special.xlog1py(np.maximum(x - 1, 0), inv)).sum(axis=-1)
    return h_plugin(x) - special.xlog1py(n - 1, -1.0 / n) + leave


def h_zhang(x: np.ndarray) -> np.ndarray:
    """Zhang (2012) entropy: sum_{x_k > 0} (x_k/n) (psi(n) - psi(x_k)).

    Closed form of Zhang's series (Neural Comput. 24:1368-1389), equal to R
    EntropyEstimation ``Entropy.z``.
    """
    n = _total(x)
    xs = np.where(x > 0, x, 1.0)
    return (np.where(x > 0, x, 0.0) * (special.digamma(n)[..., None] - special.digamma(xs))).sum(
        axis=-1
    ) / n


def h_dirichlet(x: np.ndarray, prior: Any = 0.5) -> np.ndarray:
    """Plug-in entropy of Dirichlet posterior-mean frequencies."""
    return _plugin_entropy_of_freqs(dirichlet_freqs(x, prior))


def h_shrink(x: np.ndarray, lambda_: float | None = None) -> np.ndarray:
    """Plug-in entropy of James-Stein shrunk frequencies (Hausser & Strimmer 2009)."""
    return _plugin_entropy_of_freqs(shrink_freqs(x, lambda_))


def h_chao_shen(x: np.ndarray) -> np.ndarray:
    """Chao & Shen (2003), Environ. Ecol. Stat. 10:429-443: coverage-adjusted
    Horvitz-Thompson estimator, C = 1 - f1/n (f1 = n-1 if every count is 1)."""
    n = _total(x)
    f1 = (x == 1).sum(axis=-1)
    f1 = np.where(f1 == n, n - 1, f1)
    C = 1 - f1 / n
    pa = C[..., None] * x / n[..., None]
    la = 1 - (1 - pa) ** n[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(x > 0, -special.xlogy(pa, pa) / la, 0.0)
    return terms.sum(axis=-1)


def h_grassberger(x: np.ndarray, variant: str = "2003") -> np.ndarray:
    """Grassberger's entropy estimators.

    2003 (arXiv:physics/0307138, eq. 35): log N - (1/N) sum x G(x),
    G(x) = psi(x) + (1/2) (-1)^x [psi((x+1)/2) - psi(x/2)].
    1988 (Phys. Lett. A 128:369): sum (x/N) [log N - psi(x) - (-1)^x/(x+1)].
    """
    n = _total(x)
    xs = np.where(x > 0, x, 1.0)
    sign = np.where(np.mod(xs, 2) == 0, 1.0, -1.0)
    if variant == "2003":
        g = special.digamma(xs) + 0.5 * sign * (
            special.digamma((xs + 1) / 2) - special.digamma(xs / 2)
        )
        return np.log(n) - (np.where(x > 0, x, 0.0) * g).sum(axis=-1) / n
    terms = np.log(n)[..., None] - special.digamma(xs) - sign / (xs + 1)
    return (np.where(x > 0, x, 0.0) * terms).sum(axis=-1) / n


def _h_nsb_one(x: np.ndarray, K: int) -> float:
    n = x.sum()
    xo = x[x > 0]
    n_zero = K - xo.size
    logb = np.linspace(math.log(1e-7), math.log(1e5), 20001)
    b = np.exp(logb)[:, None]
    # log evidence p(x | beta), Dirichlet-multinomial up to a constant
    log_ev = (
        special.gammaln(K * b[:, 0])
        - special.gammaln(n + K * b[:, 0])
        + (special.gammaln(xo + b) - special.gammaln(b)).sum(axis=1)
    )
    # NSB prior d xi / d beta, times the Jacobian of integrating over log beta
    prior = K * special.polygamma(1, K * b[:, 0] + 1) - special.polygamma(1, b[:, 0] + 1)
    log_w = log_ev + np.log(prior) + logb
    w = np.exp(log_w - log_w.max())
    A = n + K * b[:, 0]
    post_h = special.digamma(A + 1) - (((xo + b) / A[:, None]) * special.digamma(xo + b + 1)).sum(
        axis=1
    )
    post_h -= n_zero * (b[:, 0] / A) * special.digamma(b[:, 0] + 1)
    return float(integrate.trapezoid(w * post_h, logb) / integrate.trapezoid(w, logb))


def h_nsb(x: np.ndarray, alphabet_size: int | None = None) -> np.ndarray:
    """Nemenman-Shafee-Bialek (2002) entropy: posterior mean under a mixture of
    symmetric Dirichlet priors whose induced prior on H is nearly uniform.

    Integrated numerically over log(beta) on [1e-7, 1e5]. K = ``alphabet_size``
    (default: the number of listed categories, observed or not).
    """
    K = x.shape[-1] if alphabet_size is None else alphabet_size
    flat = x.reshape(-1, x.shape[-1])
    out = np.array([_h_nsb_one(row, K) for row in flat])
    return out.reshape(x.shape[:-1])


ENTROPY_KERNELS: dict[str, Callable[..., np.ndarray]] = {
    "plugin": h_plugin,
    "miller-madow": h_miller_madow,
    "jackknife": h_jackknife,
    "zhang": h_zhang,
    "dirichlet": h_dirichlet,
    "shrink": h_shrink,
    "chao-shen": h_chao_shen,
    "grassberger": h_grassberger,
    "nsb": h_nsb,
}


# =========================================================================== KL kernels


def kl1_plugin(x: np.ndarray, q: np.ndarray) -> np.ndarray:
    """One-sample plug-in sum p_hat log(p_hat / q) (inf where q_k = 0 < x_k)."""
    return _rel_entr_sum(_freqs(x), q)


def _neg_cross(x: np.ndarray, q: np.ndarray) -> np.ndarray:
    # sum p_hat log q: unbiased for sum p log q, so one-sample corrections act on H only
    return special.xlogy(_freqs(x), q).sum(axis=-1)


def kl1_from_entropy(hfunc: Callable[..., np.ndarray], x: np.ndarray, q: np.ndarray, **kw):
    """One-sample D = -H_est(x) - sum p_hat log q (Miller-Madow, jackknife, Zhang).

    sum p_hat log q is unbiased, so only the entropy part needs correcting (Miller 1955;
    Paninski 2003); for Zhang this is D_ZG1 = sum (x_k/n) [-log q_k - psi(n) + psi(x_k)].
    """
    return -hfunc(x, **kw) - _neg_cross(x, q)


def kl1_dirichlet(x: np.ndarray, q: np.ndarray, prior: Any = 0.5) -> np.ndarray:
    """D(p_tilde || q) with Dirichlet posterior-mean frequencies p_tilde."""
    return _rel_entr_sum(dirichlet_freqs(x, prior), q)


def kl1_shrink(x: np.ndarray, q: np.ndarray, lambda_: float | None = None) -> np.ndarray:
    """D(p_shrink || q) with James-Stein shrunk frequencies."""
    return _rel_entr_sum(shrink_freqs(x, lambda_), q)


def kl2_plugin(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Two-sample plug-in sum p_hat log(p_hat / q_hat) (inf where y_k = 0 < x_k)."""
    return _rel_entr_sum(_freqs(x), _freqs(y))


def kl2_miller_madow(x: np.ndarray, y: np.ndarray, alphabet: str = "observed") -> np.ndarray:
    """Plug-in minus its first-order bias (Miller 1955, from a second-order Taylor
    expansion): D - (K - 1)/(2n) - (sum_{x_k>0} p_hat_k/q_hat_k - 1)/(2m)."""
    n, m = _total(x), _total(y)
    p, q = _freqs(x), _freqs(y)
    K = _n_observed(x) if alphabet == "observed" else x.shape[-1]
    d = kl2_plugin(x, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(x > 0, p / q, 0.0).sum(axis=-1)
        out = d - (K - 1) / (2 * n) - (ratio - 1) / (2 * m)
    # the correction is undefined where the plug-in is inf (inf - inf): keep the inf
    return np.where(np.isinf(d), np.inf, out)


def kl2_jackknife(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Two-sample jackknife of the plug-in (delete from X, then from Y):
    D_JK = D - (n-1)(Dbar_X - D) - (m-1)(Dbar_Y - D), on counts (Quenouille 1956; Zahl 1977).
    Inherits the plug-in's inf when Q has an empty (or singleton) cell where P has mass:
    a leave-one-out plug-in is then inf and the formula has no finite value (it would
    give inf - inf or -inf), so +inf is returned.
    """
    n, m = _total(x), _total(y)
    d = kl2_plugin(x, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        # T = sum x log(x/y): D = T/n + log(m/n)
        t_k = np.where(x > 0, special.xlogy(x, x) - special.xlogy(x, y), 0.0)
        t = t_k.sum(axis=-1)
        x1 = np.maximum(x - 1, 0)
        t_k1 = np.where(x1 > 0, special.xlogy(x1, x1) - special.xlogy(x1, y), 0.0)
        d_x = (t[..., None] - t_k + t_k1) / (n - 1)[..., None] + np.log(m / (n - 1))[..., None]
        dbar_x = np.where(x > 0, x * d_x, 0.0).sum(axis=-1) / n
        # deleting one Y observation in category j changes only term j
        shift = np.where(
            x > 0, (x / n[..., None]) * (np.log(y) - np.log(np.maximum(y - 1, 0))), 0.0
        )
        d_y = d[..., None] + shift + np.log((m - 1) / m)[..., None]
        dbar_y = np.where(y > 0, y * d_y, 0.0).sum(axis=-1) / m
        out = d - (n - 1) * (dbar_x - d) - (m - 1) * (dbar_y - d)
    return np.where(((x > 0) & (y <= 1)).any(axis=-1), np.inf, out)


def kl2_zhang(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Zhang & Grabchak (2014), Neural Comput. 26:2570-2593, in the closed form
    sum_{x_k>0} (x_k/n) [psi(m+1) - psi(y_k+1) - psi(n) + psi(x_k)] (Schuermann 2015);
    always finite, bias decays exponentially on a finite alphabet."""
    n, m = _total(x), _total(y)
    xs = np.where(x > 0, x, 1.0)
    term = (
        special.digamma(m + 1)[..., None]
        - special.digamma(y + 1)
        - special.digamma(n)[..., None]
        + special.digamma(xs)
    )
    return (np.where(x > 0, x, 0.0) * term).sum(axis=-1) / n


def kl2_dirichlet(x: np.ndarray, y: np.ndarray, prior: Any = 0.5, prior_q: Any = None):
    """D(p_tilde || q_tilde) with separate Dirichlet pseudocounts (R ``KL.Dirichlet``)."""
    prior_q = prior if prior_q is None else prior_q
    return _rel_entr_sum(dirichlet_freqs(x, prior), dirichlet_freqs(y, prior_q))


def kl2_shrink(x: np.ndarray, y: np.ndarray, lambda_: float | None = None) -> np.ndarray:
    """D(p_shrink || q_shrink), each sample shrunk with its own lambda (R ``KL.shrink``)."""
    return _rel_entr_sum(shrink_freqs(x, lambda_), shrink_freqs(y, lambda_))


KL2_KERNELS: dict[str, Callable[..., np.ndarray]] = {
    "plugin": kl2_plugin,
    "miller-madow": kl2_miller_madow,
    "jackknife": kl2_jackknife,
    "zhang": kl2_zhang,
    "dirichlet": kl2_dirichlet,
    "shrink": kl2_shrink,
}

KL1_KERNELS: dict[str, Callable[..., np.ndarray]] = {
    "plugin": kl1_plugin,
    "miller-madow": partial(kl1_from_entropy, h_miller_madow),
    "jackknife": partial(kl1_from_entropy, h_jackknife),
    "zhang": partial(kl1_from_entropy, h_zhang),
    "dirichlet": kl1_dirichlet,
    "shrink": kl1_shrink,
}


# =========================================================================== MI and JS kernels


def _margins(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    flat = t.reshape(*t.shape[:-2], -1)
    return t.sum(axis=-1), t.sum(axis=-2), flat


def mi_plugin(t: np.ndarray) -> np.ndarray:
    """Plug-in I = H(rows) + H(cols) - H(cells) = D(p_hat(x,y) || p_hat(x) p_hat(y)).

    Computed as [sum x log x (cells) - sum R log R (rows) - sum C log C (columns)] / N
    + log N (the three entropies' log N terms combined; p log p sums when counts are
    large enough for x log x to overflow).
    """
    r, c, flat = _margins(t)
    if t.max(initial=0.0) > _XLOGX_SAFE:
        return h_plugin(r) + h_plugin(c) - h_plugin(flat)
    n = _total(r)
    s = _xlogx(flat).sum(axis=-1) - _xlogx(r).sum(axis=-1) - _xlogx(c).sum(axis=-1)
    return s / n + np.log(n)


def mi_from_entropy(hfunc: Callable[..., np.ndarray], t: np.ndarray, **kw) -> np.ndarray:
    """I = H(X) + H(Y) - H(X,Y) with one entropy estimator throughout.

    Miller-Madow gives the Panzeri-Treves (1996) correction
    (K_XY - K_X - K_Y + 1)/(2N); Zhang gives R EntropyEstimation ``MI.z``.
    """
    r, c, flat = _margins(t)
    return hfunc(r, **kw) + hfunc(c, **kw) - hfunc(flat, **kw)


def mi_jackknife(t: np.ndarray) -> np.ndarray:
    """Jackknife of the plug-in MI on a table: one leave-one-out value per cell."""
    n = t.sum(axis=(-2, -1))
    r, c, flat = _margins(t)

    def s_minus(v: np.ndarray) -> np.ndarray:  # sum xlogx after removing one from each entry
        return _xlogx(v).sum(axis=-1)[..., None] - _xlogx(v) + _xlogx(np.maximum(v - 1, 0))

    nm1 = (n - 1)[..., None, None]
    log_nm1 = np.log(n - 1)[..., None, None]
    h_r = log_nm1 - s_minus(r)[..., :, None] / nm1
    h_c = log_nm1 - s_minus(c)[..., None, :] / nm1
    h_xy = log_nm1 - s_minus(flat).reshape(t.shape) / nm1
    i_bar = (np.where(t > 0, t * (h_r + h_c - h_xy), 0.0)).sum(axis=(-2, -1)) / n
    return n * mi_plugin(t) - (n - 1) * i_bar


def mi_dirichlet(t: np.ndarray, prior: Any = 0.5) -> np.ndarray:
    """Plug-in MI of the Dirichlet-smoothed joint table (R ``mi.Dirichlet``-style)."""
    flat = t.reshape(*t.shape[:-2], -1)
    return mi_plugin(dirichlet_freqs(flat, prior).reshape(t.shape))


def mi_shrink(t: np.ndarray, lambda_: float | None = None) -> np.ndarray:
    """Plug-in MI of the James-Stein shrunk joint table (R entropy ``mi.shrink``)."""
    flat = t.reshape(*t.shape[:-2], -1)
    return mi_plugin(shrink_freqs(flat, lambda_).reshape(t.shape))


MI_KERNELS: dict[str, Callable[..., np.ndarray]] = {
    "plugin": mi_plugin,
    "miller-madow": partial(mi_from_entropy, h_miller_madow),
    "jackknife": mi_jackknife,
    "zhang": partial(mi_from_entropy, h_zhang),
    "dirichlet": mi_dirichlet,
    "shrink": mi_shrink,
}


def js_plugin(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """JS(P, Q) = D(P||M)/2 + D(Q||M)/2, M = (P + Q)/2, of the sample frequencies."""
    p, q = _freqs(x), _freqs(y)
    mid = (p + q) / 2
    return 0.5 * _rel_entr_sum(p, mid) + 0.5 * _rel_entr_sum(q, mid)
