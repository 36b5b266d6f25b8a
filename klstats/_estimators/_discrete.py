"""Estimators from counts: entropy, KL divergence, cross-entropy, mutual information
and Jensen-Shannon divergence.

Layout: the *kernels* (one per formula, each with its source) work in nats on count
arrays whose last axis holds the categories (tables: the last two axes) and any
leading batch axes, so the resampling code can evaluate thousands of replicates at
once. The public functions validate, call a kernel, attach the interval machinery
and return a :class:`~klstats.KLEstimate`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from scipy import integrate, special

from .._base._validation import (
    Counts,
    Units,
    align_counts,
    as_counts,
    as_reference,
    as_table,
    check_base,
    check_choice,
    check_options,
    check_real,
    cross_tabulate,
    label_counts,
    materialise,
)
from .._base._warnings import InfiniteEstimateWarning
from .._inference._intervals import CountInference, Pivot
from .._results._classes import KLEstimate

__all__ = [
    "cross_entropy",
    "entropy",
    "jensen_shannon",
    "kl_divergence",
    "mutual_information",
    "tabulate",
]

KL_ESTIMATORS = ("plugin", "miller-madow", "jackknife", "zhang", "dirichlet", "shrink")
ENTROPY_ESTIMATORS = (*KL_ESTIMATORS, "chao-shen", "grassberger", "nsb")
MI_ESTIMATORS = KL_ESTIMATORS
# default entropy intervals chosen by the coverage study (docs/guide/intervals.rst): the
# plug-in's downward bias needs the bootstrap's reflection ("basic"), shrinkage its
# percentile interval; the bias-corrected estimators are well served by Wald
ENTROPY_DEFAULT_CI = {"plugin": "basic", "shrink": "percentile"}

# options each estimator understands (validated by name before any work)
_OPTIONS = {
    "plugin": (),
    "miller-madow": ("alphabet",),
    "jackknife": (),
    "zhang": (),
    "dirichlet": ("prior", "prior_q"),
    "shrink": ("lambda_",),
    "chao-shen": (),
    "grassberger": ("variant",),
    "nsb": ("alphabet_size",),
}


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
    n = _total(x)
    s = _xlogx(x).sum(axis=-1)
    s_j = s[..., None] - _xlogx(x) + _xlogx(np.maximum(x - 1, 0))
    h_j = np.log(n - 1)[..., None] - s_j / (n - 1)[..., None]
    h_bar = (x * h_j).sum(axis=-1) / n
    return n * h_plugin(x) - (n - 1) * h_bar


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

    sum p_hat log q is unbiased, so only the entropy part needs correcting (METHODS A3);
    for Zhang this is D_ZG1 = sum (x_k/n) [-log q_k - psi(n) + psi(x_k)].
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
    """Plug-in minus its first-order bias (METHODS A4, from a second-order Taylor
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
    D_JK = D - (n-1)(Dbar_X - D) - (m-1)(Dbar_Y - D), on counts (METHODS A5).
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
    """Plug-in I = H(rows) + H(cols) - H(cells) = D(p_hat(x,y) || p_hat(x) p_hat(y))."""
    r, c, flat = _margins(t)
    return h_plugin(r) + h_plugin(c) - h_plugin(flat)


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


# =========================================================================== delta-method var.


def _var_log_ratio(p: np.ndarray, ratio_log: np.ndarray) -> float:
    """Var_P[log ratio] for a discrete P (the terms with p_k = 0 drop out)."""
    mask = p > 0
    if not np.all(np.isfinite(ratio_log[mask])):
        return math.nan
    mean = float((p[mask] * ratio_log[mask]).sum())
    return max(float((p[mask] * ratio_log[mask] ** 2).sum()) - mean**2, 0.0)


def _chi2_div(p: np.ndarray, q: np.ndarray) -> float:
    """sum p^2/q - 1 (the Q-part of the two-sample delta variance, METHODS A10)."""
    mask = p > 0
    if np.any(q[mask] <= 0):
        return math.nan
    return max(float((p[mask] ** 2 / q[mask]).sum()) - 1.0, 0.0)


def _log(a: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(a)


# =========================================================================== public helpers


def _estimator(name: str, allowed: tuple[str, ...], options: Mapping[str, Any], where: str):
    key = check_choice(name, "estimator", allowed)
    check_options(options, _OPTIONS[key], f"{where}(estimator={key!r})")
    opts = dict(options)
    if "alphabet" in opts:
        opts["alphabet"] = check_choice(opts["alphabet"], "alphabet", ("observed", "declared"))
    if "variant" in opts:
        opts["variant"] = check_choice(str(opts["variant"]), "variant", ("2003", "1988"))
    for key_prior in ("prior", "prior_q"):
        if opts.get(key_prior) is not None:
            dirichlet_pseudocount(opts[key_prior], np.array([1.0]), 1)  # validate early
    if opts.get("lambda_") is not None:
        check_real(opts["lambda_"], "lambda_", low=0.0, high=1.0)
    if opts.get("alphabet_size") is not None:
        from .._base._validation import check_int

        opts["alphabet_size"] = check_int(opts["alphabet_size"], "alphabet_size", minimum=1)
    return key, opts


def _report_options(key: str, opts: Mapping[str, Any], x: np.ndarray) -> dict[str, Any]:
    out = dict(opts)
    if key == "dirichlet":
        out.setdefault("prior", 0.5)
    if key == "miller-madow":
        out.setdefault("alphabet", "observed")
    if key == "shrink" and opts.get("lambda_") is None:
        out["lambda"] = shrink_lambda(x)
    return out


def _needs_two(x: np.ndarray, name: str, key: str) -> None:
    if key == "jackknife" and x.sum() < 2:
        raise ValueError(f"The jackknife needs at least 2 observations in `{name}`.")


def _warn_infinite(value: float, what: str, reason: str | None = None) -> None:
    if math.isinf(value):
        reason = reason or (
            "P has mass in a category where Q has none (P is not absolutely continuous "
            "with respect to Q)"
        )
        warnings.warn(
            f"{what} is infinite: {reason}. For two samples, consider "
            "estimator='zhang' (always finite), 'dirichlet', or jensen_shannon.",
            InfiniteEstimateWarning,
            stacklevel=3,
        )


def _scale(value: float, units: Units) -> float:
    return value / units.divisor


# =========================================================================== public API


def tabulate(x: Any, y: Any = None) -> pd.Series | tuple[pd.Series, pd.Series]:
    """Turn raw labels into counts.

    Parameters
    ----------
    x : array_like, pandas Series or Categorical
        Raw labels (one per observation).
    y : array_like, pandas Series or Categorical, optional
        Labels of a second sample.

    Returns
    -------
    counts : pandas.Series or tuple of two Series
        Counts of ``x`` indexed by category (a Categorical keeps its declared,
        possibly unobserved, categories in order; other labels are sorted), or, with
        ``y``, a pair of Series aligned on the union of categories (missing ones 0).

    Raises
    ------
    ValueError
        If an input is empty, not 1-D, or has missing values.
    TypeError
        If an input is a single string.

    Examples
    --------
    >>> import klstats as kls
    >>> p, q = kls.tabulate(["a", "b", "b", "c"], ["b", "c", "c", "d"])
    >>> p.tolist(), q.tolist()
    ([1, 2, 1, 0], [0, 1, 2, 1])
    """

    def count(labels: Any, name: str) -> tuple[pd.Series, bool]:
        out, categories, label = label_counts(labels, name)
        if categories is not None:
            out = out.reindex(categories, fill_value=0)
        else:
            try:
                out = out.sort_index()
            except TypeError:  # mixed, unorderable labels: keep first-seen order
                pass
        out.name = "count"
        out.index.name = label
        return out.astype(np.int64), categories is not None

    cx, x_categorical = count(x, "x")
    if y is None:
        return cx
    cy, _ = count(y, "y")
    union = cx.index.append(cy.index).unique()
    try:
        union = union.sort_values()
    except TypeError:
        pass
    if x_categorical:
        union = cx.index.append(cy.index.difference(cx.index)).unique()
    return cx.reindex(union, fill_value=0), cy.reindex(union, fill_value=0)


def entropy(counts: Any, *, estimator: str = "plugin", base: float | None = None, **options):
    """Shannon entropy H(P) from counts.

    Parameters
    ----------
    counts : array_like or pandas Series
        Counts of a sample from P (finite, non-negative, not all zero).
    estimator : str, optional
        ``"plugin"`` (maximum likelihood), ``"miller-madow"`` (+ (K-1)/(2n)),
        ``"jackknife"``, ``"zhang"`` (Zhang 2012), ``"dirichlet"`` (pseudocounts,
        option ``prior``), ``"shrink"`` (James-Stein, Hausser & Strimmer 2009),
        ``"chao-shen"``, ``"grassberger"`` (option ``variant="2003"|"1988"``) or
        ``"nsb"`` (Nemenman-Shafee-Bialek; option ``alphabet_size``).
    base : float, optional
        Logarithm base; None (default) gives nats, 2 bits.
    **options
        Estimator options: ``alphabet="observed"|"declared"`` (Miller-Madow's K:
        observed categories by default, or every listed one), ``prior`` (Dirichlet:
        0.5, 1, ``"perks"``, ``"minimax"`` or a number), ``lambda_`` (a fixed
        shrinkage intensity), ``variant``, ``alphabet_size``.

    Returns
    -------
    KLEstimate
        ``estimate``, ``bse`` (delta method), ``conf_int()`` (Wald by default), ...

    Raises
    ------
    ValueError
        For negative, NaN, infinite, empty or all-zero counts, 2-D input, an unknown
        estimator or option value, or ``base`` <= 0 or == 1.
    TypeError
        For non-numeric counts or an unknown option name.

    Examples
    --------
    >>> import klstats as kls
    >>> h = kls.entropy([10, 10, 10, 10], base=2)
    >>> print(f"{h.estimate:.4f} {h.units}")
    2.0000 bits
    """
    units = check_base(base)
    key, opts = _estimator(estimator, ENTROPY_ESTIMATORS, options, "entropy")
    c = as_counts(counts, "counts")
    x = c.values
    _needs_two(x, "counts", key)
    value = float(ENTROPY_KERNELS[key](x, **opts))
    p = x / x.sum()
    n = int(round(x.sum()))
    # float totals: counts may be fractional (weights), and round() could give 0
    se = math.sqrt(_var_log_ratio(p, _log(p)) / x.sum())
    stat = partial(ENTROPY_KERNELS[key], **opts)
    inf = CountInference(value, se, (x,), "one", stat, None, ENTROPY_DEFAULT_CI.get(key, "wald"))
    return KLEstimate(
        estimate=_scale(value, units),
        estimator=key,
        units=units.name,
        nobs=n,
        bse=_scale(se, units),
        quantity="entropy H(P)",
        sizes=(n,),
        options=_report_options(key, opts, x),
        _inference=inf,
        _divisor=units.divisor,
    )


def _one_sample_setup(c: Counts, reference: Any) -> tuple[np.ndarray, np.ndarray, float]:
    reference = materialise(reference, "reference")
    if c.index is not None and isinstance(reference, Mapping | pd.Series):
        # labelled counts and reference: align on the union of labels, so categories of
        # Q without counts count 0 (each one a degree of freedom, not one lumped cell)
        ref_index = pd.Index(list(reference)) if isinstance(reference, Mapping) else None
        union = c.index.union(reference.index if ref_index is None else ref_index, sort=False)
        counts = pd.Series(c.values, index=c.index).reindex(union, fill_value=0.0)
        c = Counts(counts.to_numpy(dtype=float), union)
    q = as_reference(reference, c, "reference")
    if np.any(q < 0):
        raise ValueError("`reference` must be non-negative.")
    mass = float(q.sum())
    keep = (q > 0) | (c.values > 0)  # structural zeros (q = 0 and no count) drop out
    return c.values[keep], q[keep], mass


def kl_divergence(
    p: Any,
    q: Any = None,
    *,
    reference: Any = None,
    estimator: str = "plugin",
    base: float | None = None,
    **options: Any,
) -> KLEstimate:
    r"""Kullback-Leibler divergence D(P||Q) from counts.

    Two-sample: ``p`` and ``q`` are counts of samples from P and Q. One-sample:
    ``reference`` is the known Q. Exactly one of ``q`` and ``reference`` is given.

    Parameters
    ----------
    p : array_like or pandas Series
        Counts of the sample from P. Two Series are aligned on the union of their
        labels (missing categories count 0); arrays are aligned by position.
    q : array_like or pandas Series, optional
        Counts of the sample from Q.
    reference : array_like, pandas Series, dict or scipy.stats frozen distribution, optional
        Known Q: probabilities or proportions (rescaled to sum to 1), or a frozen
        discrete distribution evaluated with ``pmf`` at the category labels (array
        counts: categories 0, 1, ..., K-1), not rescaled. A Series or dict with Series
        counts is aligned on the union of labels (categories missing from ``p`` count
        0); with array counts it is read by position.
    estimator : str, optional
        ``"plugin"``, ``"miller-madow"``, ``"jackknife"``, ``"zhang"`` (Zhang &
        Grabchak 2014), ``"dirichlet"`` (pseudocounts; options ``prior`` and, for Q,
        ``prior_q``) or ``"shrink"`` (James-Stein).
    base : float, optional
        Logarithm base; None (default) gives nats, 2 bits.
    **options
        Estimator options as for :func:`entropy`.

    Returns
    -------
    KLEstimate
        ``estimate``, ``bse`` (delta method), ``conf_int()`` (noncentral chi-square
        inversion by default, sound near D = 0; ``method="wald"`` too), ``summary()``.

    Raises
    ------
    ValueError
        For negative, NaN, infinite, empty or all-zero counts, arrays of different
        lengths, both or neither of ``q`` and ``reference``, negative or non-finite
        reference probabilities, 2-D input, an unknown estimator or option value, or
        ``base`` <= 0 or == 1.
    TypeError
        For non-numeric counts (labels: use :func:`tabulate`) or an unknown option.

    Warns
    -----
    InfiniteEstimateWarning
        When the estimate is infinite because a category with counts in ``p`` has no
        mass in Q (plug-in two-sample: no counts in ``q``; two-sample jackknife: at most
        one count in ``q``). The inf is returned as is.

    Notes
    -----
    Plug-in: :math:`\hat D = \sum_k \hat p_k \log(\hat p_k/\hat q_k)`. Zero cells are
    never replaced silently. Bias corrections use the observed number of categories
    by default (``alphabet="declared"`` for all listed ones) and are never clipped
    at zero. One-sample corrections act on the entropy part only, since
    :math:`\sum_k \hat p_k \log q_k` is unbiased.

    References
    ----------
    .. [1] Zhang, Z. and Grabchak, M. "Nonparametric estimation of Kullback-Leibler
           divergence", Neural Computation 26(11), 2570-2593 (2014).

    Examples
    --------
    >>> import klstats as kls
    >>> d = kls.kl_divergence([30, 20, 10, 5, 0], [25, 25, 10, 4, 1])
    >>> print(f"{d.estimate:.6f}")
    0.032654
    >>> d1 = kls.kl_divergence([5, 5], reference=[0.25, 0.75])
    >>> print(f"{d1.estimate:.6f}")
    0.143841
    """
    units = check_base(base)
    if (q is None) == (reference is None):
        raise ValueError(
            "Give exactly one of `q` (counts of a sample from Q) and `reference` "
            "(known probabilities of Q)."
        )
    key, opts = _estimator(estimator, KL_ESTIMATORS, options, "kl_divergence")
    reason = None
    if reference is not None:
        if "prior_q" in opts:
            raise TypeError("`prior_q` applies to two-sample estimates only.")
        c = as_counts(p, "p")
        x, qv, mass = _one_sample_setup(c, reference)
        _needs_two(x, "p", key)
        value = float(KL1_KERNELS[key](x, qv, **opts))
        n = int(round(x.sum()))
        n_tot = float(x.sum())
        ph = x / n_tot
        with np.errstate(divide="ignore", invalid="ignore"):
            se = math.sqrt(_var_log_ratio(ph, _log(ph) - _log(qv)) / n_tot)
        d_plug = float(kl1_plugin(x, qv))
        df = int((qv > 0).sum()) - 1 + (1 if mass < 1 - 1e-9 else 0)
        pivot = Pivot(2 * n_tot * d_plug, df, 2 * n_tot)
        stat = partial(KL1_KERNELS[key], q=qv, **opts)
        inf = CountInference(value, se, (x,), "one", stat, pivot, "ncx2-adjusted")
        sizes: tuple[int, ...] = (n,)
        nobs = n
    else:
        cx, cy = align_counts(as_counts(p, "p"), as_counts(q, "q"), ("p", "q"))
        x, y = cx.values, cy.values
        _needs_two(x, "p", key)
        _needs_two(y, "q", key)
        value = float(KL2_KERNELS[key](x, y, **opts))
        n, m = int(round(x.sum())), int(round(y.sum()))
        n_tot, m_tot = float(x.sum()), float(y.sum())
        ph, qh = x / n_tot, y / m_tot
        with np.errstate(divide="ignore", invalid="ignore"):
            var = _var_log_ratio(ph, _log(ph) - _log(qh)) / n_tot + _chi2_div(ph, qh) / m_tot
        se = math.sqrt(var) if math.isfinite(var) else math.nan
        n_eff = n_tot * m_tot / (n_tot + m_tot)
        d_plug = float(kl2_plugin(x, y))
        if math.isfinite(d_plug) and math.isinf(value):
            reason = (
                "a category with counts in `p` has a single count in `q`, so a "
                "leave-one-out plug-in estimate is infinite"
            )
        df = int(((x + y) > 0).sum()) - 1
        note = None
        if not math.isfinite(d_plug):
            # plug-in is inf (empty Q cell): pivot on the homogeneity G instead, which
            # has the same noncentral chi-square law to first order near D = 0
            d_plug = (n_tot + m_tot) * _js_weighted(x, y) / n_eff
            note = (
                "The plug-in estimate is infinite; the ncx2 interval pivots on the "
                "homogeneity G statistic (first-order equivalent near D = 0)."
            )
        pivot = Pivot(2 * n_eff * d_plug, df, 2 * n_eff, note)
        stat = partial(KL2_KERNELS[key], **opts)
        inf = CountInference(value, se, (x, y), "two", stat, pivot, "ncx2-adjusted")
        sizes = (n, m)
        nobs = n + m
    _warn_infinite(value, "The KL divergence estimate", reason)
    return KLEstimate(
        estimate=_scale(value, units),
        estimator=key,
        units=units.name,
        nobs=nobs,
        bse=_scale(se, units),
        quantity="KL divergence D(P||Q)",
        sizes=sizes,
        options=_report_options(key, opts, x),
        _inference=inf,
        _divisor=units.divisor,
    )


def _js_weighted(x: np.ndarray, y: np.ndarray) -> float:
    """JS with weights (n, m)/(n+m): G_homogeneity = 2 (n+m) JS_w (METHODS C2)."""
    n, m = x.sum(), y.sum()
    w1, w2 = n / (n + m), m / (n + m)
    p, q = x / n, y / m
    mix = w1 * p + w2 * q
    return float(w1 * _rel_entr_sum(p, mix) + w2 * _rel_entr_sum(q, mix))


def cross_entropy(
    p: Any,
    q: Any = None,
    *,
    reference: Any = None,
    estimator: str = "plugin",
    base: float | None = None,
    **options: Any,
) -> KLEstimate:
    """Cross-entropy H(P, Q) = H(P) + D(P||Q) from counts.

    Computed as ``entropy(p, estimator)`` plus ``kl_divergence(p, q, estimator)`` with
    the same estimator, so the identity holds exactly for every estimator. With a known
    Q (``reference``) the plug-in, Miller-Madow, jackknife and Zhang estimates all equal
    the unbiased ``-sum p_hat log q``.

    Parameters
    ----------
    p, q, reference, estimator, base, **options
        As for :func:`kl_divergence`.

    Returns
    -------
    KLEstimate
        Wald interval by default (the cross-entropy is not at a boundary).

    Raises
    ------
    ValueError
        For negative, NaN, infinite, empty or all-zero counts, arrays of different
        lengths, both or neither of ``q`` and ``reference``, negative or non-finite
        reference probabilities, 2-D input, an unknown estimator or option value, or
        ``base`` <= 0 or == 1.
    TypeError
        For non-numeric counts (labels: use :func:`tabulate`) or an unknown option.

    Warns
    -----
    InfiniteEstimateWarning
        When the estimate is infinite, as for :func:`kl_divergence`.

    Examples
    --------
    >>> import klstats as kls
    >>> h = kls.cross_entropy([1, 1], reference=[0.5, 0.5], base=2)
    >>> print(f"{h.estimate:.4f}")
    1.0000
    """
    d = kl_divergence(p, q, reference=reference, estimator=estimator, base=None, **options)
    inf_d: CountInference = d._inference  # type: ignore[assignment]
    h_opts = {k: v for k, v in options.items() if k != "prior_q"}
    h_stat = partial(ENTROPY_KERNELS[d.estimator], **h_opts)
    h = float(h_stat(inf_d.data[0]))
    units = check_base(base)
    value = h + d.estimate
    x = inf_d.data[0]
    ph = x / x.sum()
    n_tot = float(x.sum())
    if inf_d.design == "one":
        stat_d = inf_d.statistic
        qv = stat_d.keywords["q"]
        with np.errstate(divide="ignore"):
            var = _var_log_ratio(ph, _log(qv)) / n_tot

        def stat(xb):
            return h_stat(xb) + stat_d(xb)

        data: tuple[np.ndarray, ...] = (x,)
    else:
        y = inf_d.data[1]
        qh = y / y.sum()
        with np.errstate(divide="ignore"):
            var = _var_log_ratio(ph, _log(qh)) / n_tot + _chi2_div(ph, qh) / float(y.sum())

        def stat(xb, yb):
            return h_stat(xb) + inf_d.statistic(xb, yb)

        data = (x, y)
    se = math.sqrt(var) if math.isfinite(var) else math.nan
    inf = CountInference(value, se, data, inf_d.design, stat, None, "wald")
    return KLEstimate(
        estimate=_scale(value, units),
        estimator=d.estimator,
        units=units.name,
        nobs=d.nobs,
        bse=_scale(se, units),
        quantity="cross-entropy H(P,Q)",
        sizes=d.sizes,
        options=d.options,
        _inference=inf,
        _divisor=units.divisor,
    )


def _as_mi_table(table: Any, y: Any) -> np.ndarray:
    if y is not None:
        return as_table(cross_tabulate(table, y, ("table", "y")), "table")[0]
    table = materialise(table, "table")
    if isinstance(table, pd.DataFrame):
        return as_table(table, "table")[0]
    arr = np.asarray(table) if not isinstance(table, pd.Series) else table.to_numpy()
    if arr.ndim == 1:
        raise ValueError(
            "`table` must be a 2-D table of counts; got 1-D input. To cross-tabulate raw "
            "labels pass them as `mutual_information(x, y)`."
        )
    return as_table(table, "table")[0]


def mutual_information(
    table: Any,
    y: Any = None,
    *,
    estimator: str = "plugin",
    base: float | None = None,
    **options: Any,
) -> KLEstimate:
    """Mutual information I(X;Y) = D(p(x,y) || p(x)p(y)) from a contingency table.

    Parameters
    ----------
    table : array_like, pandas DataFrame, or labels
        A 2-D table of counts (ndarray, DataFrame such as ``pd.crosstab(...)``), or,
        with ``y``, the labels of X.
    y : array_like or pandas Series, optional
        Labels of Y, same length as ``table``; the pair is cross-tabulated.
    estimator : str, optional
        ``"plugin"``, ``"miller-madow"`` (Panzeri-Treves correction), ``"jackknife"``,
        ``"zhang"``, ``"dirichlet"`` (option ``prior``) or ``"shrink"``.
    base : float, optional
        Logarithm base; None (default) gives nats.
    **options
        Estimator options as for :func:`entropy`.

    Returns
    -------
    KLEstimate
        ``conf_int()`` inverts the noncentral chi-square law of G = 2 N I_plugin
        (sound near independence); ``method="wald"`` too.

    Raises
    ------
    ValueError
        For 1-D input, negative, NaN, infinite, empty or all-zero counts, label arrays
        of different lengths, an unknown estimator or option value, or ``base`` <= 0
        or == 1.
    TypeError
        For non-numeric counts or an unknown option name.

    Examples
    --------
    >>> import klstats as kls
    >>> mi = kls.mutual_information([[10, 2, 3], [1, 12, 4]])
    >>> print(f"{mi.estimate:.6f}")
    0.257662
    """
    units = check_base(base)
    key, opts = _estimator(estimator, MI_ESTIMATORS, options, "mutual_information")
    t = _as_mi_table(table, y)
    _needs_two(t.ravel(), "table", key)
    value = float(MI_KERNELS[key](t, **opts))
    n = int(round(t.sum()))
    n_tot = float(t.sum())
    pj = t / n_tot
    pr, pc = pj.sum(axis=1), pj.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = _log(pj) - _log(np.outer(pr, pc))
    se = math.sqrt(_var_log_ratio(pj.ravel(), ratio.ravel()) / n_tot)
    df = (int((pr > 0).sum()) - 1) * (int((pc > 0).sum()) - 1)
    pivot = Pivot(2 * n_tot * float(mi_plugin(t)), df, 2 * n_tot)
    stat = partial(MI_KERNELS[key], **opts)
    inf = CountInference(value, se, (t,), "table", stat, pivot, "ncx2-adjusted")
    return KLEstimate(
        estimate=_scale(value, units),
        estimator=key,
        units=units.name,
        nobs=n,
        bse=_scale(se, units),
        quantity="mutual information I(X;Y)",
        sizes=(n,),
        options=_report_options(key, opts, t.ravel()),
        _inference=inf,
        _divisor=units.divisor,
    )


def jensen_shannon(p: Any, q: Any, *, base: float | None = None) -> KLEstimate:
    """Jensen-Shannon divergence JS(P, Q) = D(P||M)/2 + D(Q||M)/2, M = (P+Q)/2.

    The divergence itself, not its square root (``scipy.spatial.distance.jensenshannon``
    returns the square root). Always finite, at most log 2 nats.

    Parameters
    ----------
    p, q : array_like or pandas Series
        Counts (or probabilities) of P and Q; Series are aligned on their labels.
    base : float, optional
        Logarithm base; None (default) gives nats, 2 bits (then JS <= 1).

    Returns
    -------
    KLEstimate
        ``conf_int()`` inverts the noncentral chi-square law of 8 n_eff JS,
        n_eff = nm/(n+m) (the Pearson homogeneity statistic to first order).

    Raises
    ------
    ValueError
        For negative, NaN, infinite, empty or all-zero counts, arrays of different
        lengths, 2-D input, or ``base`` <= 0 or == 1.
    TypeError
        For non-numeric counts (labels: use :func:`tabulate`).

    Examples
    --------
    >>> import klstats as kls
    >>> js = kls.jensen_shannon([0.5, 0.5], [0.9, 0.1])
    >>> print(f"{js.estimate:.6f}")
    0.101749
    """
    units = check_base(base)
    cx, cy = align_counts(as_counts(p, "p"), as_counts(q, "q"), ("p", "q"))
    x, y = cx.values, cy.values
    value = float(js_plugin(x, y))
    n, m = x.sum(), y.sum()
    ph, qh = x / n, y / m
    mid = (ph + qh) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        var = (
            _var_log_ratio(ph, 0.5 * (_log(ph) - _log(mid))) / n
            + _var_log_ratio(qh, 0.5 * (_log(qh) - _log(mid))) / m
        )
    n_eff = n * m / (n + m)
    df = int(((x + y) > 0).sum()) - 1
    pivot = Pivot(8 * n_eff * value, df, 8 * n_eff)
    inf = CountInference(value, math.sqrt(var), (x, y), "two", js_plugin, pivot, "ncx2-adjusted")
    return KLEstimate(
        estimate=_scale(value, units),
        estimator="plugin",
        units=units.name,
        nobs=int(round(n + m)),
        bse=_scale(math.sqrt(var), units),
        quantity="Jensen-Shannon divergence JS(P,Q)",
        sizes=(int(round(n)), int(round(m))),
        _inference=inf,
        _divisor=units.divisor,
    )
