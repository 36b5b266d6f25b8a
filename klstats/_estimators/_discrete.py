"""Estimators from counts: entropy, KL divergence, cross-entropy, mutual information
and Jensen-Shannon divergence.

Layout: the *kernels* (one per formula, each with its source) live in
``klstats._kernels._counts``. The public functions here validate, call a kernel, attach
the interval machinery and return a :class:`~klstats.KLEstimate`. Cross-entropy and the
Jensen-Shannon divergence, built from these, are in ``_discrete_derived``.

Size: about 920 lines for four public estimators (entropy, KL, MI, tabulate) that share
the option, warning, known-distribution and delta-method helpers at the top; half of
it is their numpydoc docstrings.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from .._base._samples import as_reference
from .._base._validation import (
    Counts,
    align_counts,
    align_on_labels,
    as_counts,
    as_expected,
    as_table,
    check_base,
    check_choice,
    check_options,
    check_real,
    cross_tabulate,
    is_labelled,
    label_counts,
    materialise,
    nobs_of,
    show_labels,
    weights_note,
)
from .._base._warnings import InfiniteEstimateWarning, find_stacklevel
from .._inference._intervals import BIAS_CORRECTED, CountInference, Pivot, own_pivot
from .._kernels._counts import (
    ENTROPY_KERNELS,
    KL1_KERNELS,
    KL2_KERNELS,
    MI_KERNELS,
    _rel_entr_sum,
    dirichlet_pseudocount,
    h_plugin,
    kl1_plugin,
    kl2_plugin,
    mi_plugin,
    shrink_lambda,
)
from .._results._classes import KLEstimate

__all__ = [
    "entropy",
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


def _entropy_default_ci(key: str, complement: Any) -> str:
    """Entropy's default interval: with every category listed, the adjusted noncentral
    chi-square inversion of log K - H = D(p || uniform) for the plug-in and the
    bias-corrected estimators (the coverage grid of validation/coverage_grid.py);
    otherwise :data:`ENTROPY_DEFAULT_CI` (bootstrap) or Wald."""
    if complement is not None and (key == "plugin" or key in BIAS_CORRECTED):
        return "ncx2-adjusted"
    return ENTROPY_DEFAULT_CI.get(key, "wald")


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


# =========================================================================== delta-method var.


def _var_log_ratio(p: np.ndarray, ratio_log: np.ndarray) -> float:
    """Var_P[log ratio] for a discrete P (the terms with p_k = 0 drop out)."""
    mask = p > 0
    if not np.all(np.isfinite(ratio_log[mask])):
        return math.nan
    mean = float((p[mask] * ratio_log[mask]).sum())
    return max(float((p[mask] * ratio_log[mask] ** 2).sum()) - mean**2, 0.0)


def _chi2_div(p: np.ndarray, q: np.ndarray) -> float:
    """sum p^2/q - 1 (the Q-part of the two-sample delta-method variance)."""
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


def _needs_two(x: np.ndarray, name: str, key: str, opts: Mapping[str, Any] | None = None) -> None:
    if key == "jackknife" and x.sum() < 2:
        raise ValueError(f"The jackknife needs at least 2 observations in `{name}`.")
    if key == "nsb":
        size = (opts or {}).get("alphabet_size")
        if size is not None and size < x.size:
            raise ValueError(
                f"`alphabet_size`={size} is smaller than the {x.size} categories listed in "
                f"`{name}`; it is the number of possible categories (at least those listed)."
            )
        if (x.size if size is None else size) < 2:
            raise ValueError(
                f"The NSB estimator needs an alphabet of at least 2 categories; `{name}` lists "
                f"{x.size}. Pass alphabet_size=K, the number of possible categories (with one "
                "possible category the entropy is 0)."
            )


def _warn_infinite(
    value: float, what: str, reason: str | None = None, where: str = "", known: bool = False
) -> None:
    if math.isinf(value):
        reason = reason or (
            "P has mass in a category where Q has none (P is not absolutely continuous "
            "with respect to Q)"
        )
        if where:
            reason += f" ({where})"
        advice = (
            ""
            if known
            else " For two samples, consider estimator='zhang' (always finite), "
            "'dirichlet', or jensen_shannon."
        )
        warnings.warn(
            f"{what} is infinite: {reason}.{advice}",
            InfiniteEstimateWarning,
            stacklevel=find_stacklevel(),
        )


# what each public function tells a user who passed probabilities where counts go
_HINT_P = (
    "For a sample against known probabilities pass the sample's counts as `p` and the "
    "probabilities as `reference=`; for the divergence between two known distributions "
    "use `kl_divergence(p, q, known=True)` (the exact value, without sampling inference)."
)
_HINT_Q = (
    "If Q is known, pass its probabilities as `reference=` (a one-sample estimate); if "
    "P is known too, use `kl_divergence(p, q, known=True)` (the exact value, without "
    "sampling inference)."
)
_HINT_ENTROPY = (
    "Pass the sample's counts; for the entropy of a known distribution use "
    "`entropy(p, known=True)` (the exact value, without sampling inference)."
)
_HINT_JS = (
    "Pass the counts of the two samples; for two known distributions use "
    "`jensen_shannon(p, q, known=True)` (the exact value, without sampling inference)."
)
_HINT_TABLE = (
    "Pass a table of counts; for the mutual information of a known joint distribution "
    "use `mutual_information(joint, known=True)` (the exact value, without sampling "
    "inference)."
)

_KNOWN_NOTE = (
    "No sampling inference: {what} given (known=True), so this is the exact value, "
    "without standard error or confidence interval."
)


def _check_known_options(estimator: str, options: Mapping[str, Any], where: str) -> None:
    if estimator != "plugin" or options:
        raise ValueError(
            f"{where}(known=True) computes the exact value from the given distributions; "
            "`estimator` and estimator options correct the bias of estimates from samples "
            f"and do not apply (got estimator={estimator!r}"
            + (f", options {sorted(options)}" if options else "")
            + "). Leave them out, or pass counts without `known=True`."
        )


def _as_known(x: Any, name: str, rescale: bool) -> Counts:
    """A known distribution (probabilities, or ratios) with its labels, if any."""
    x = materialise(x, name)
    if isinstance(x, Mapping):
        x = pd.Series(dict(x))
    c = as_counts(x, name, allow_probabilities=True)
    probs, _ = as_expected(c.values, name, rescale=rescale)
    return Counts(probs, c.index)


def _exact(value: float, quantity: str, what: str, base: Any) -> KLEstimate:
    units = check_base(base)
    return KLEstimate(
        estimate=units.from_nats(value),
        estimator="exact",
        units=units.name,
        nobs=0,
        bse=math.nan,
        quantity=quantity,
        sizes=(),
        notes=(_KNOWN_NOTE.format(what=what),),
        _units=units,
    )


def _labels_note(c: Counts, what: str = "The counts") -> tuple[str, ...]:
    note = weights_note(c.values, what)
    return () if note is None else (note,)


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
            if not out.index.equals(categories):
                out = out.reindex(categories, fill_value=0)
        elif not out.index.is_monotonic_increasing:  # (counted in memory: sorted already)
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


def entropy(
    counts: Any,
    *,
    estimator: str = "plugin",
    base: float | None = None,
    known: bool = False,
    rescale: bool = False,
    **options: Any,
) -> KLEstimate:
    """Shannon entropy H(P) from counts.

    Parameters
    ----------
    counts : array_like or pandas Series
        Counts of a sample from P (finite, non-negative, not all zero). Whole numbers
        are counts; non-integer values are weighted counts, and values that are not
        whole numbers and add up to 1 (probabilities) are refused: pass
        ``known=True`` for the entropy of a known distribution.
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
    known : bool, optional
        ``True``: ``counts`` is the distribution itself (probabilities summing to 1,
        or whole-number ratios), and the exact entropy is returned, without sampling
        inference (no standard error or interval; the summary says so).
    rescale : bool, optional
        With ``known=True``: rescale probabilities that do not sum to 1 (otherwise
        refused).

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
    if known:
        _check_known_options(estimator, options, "entropy")
        pk = _as_known(counts, "counts", rescale).values
        return _exact(float(h_plugin(pk)), "entropy H(P)", "the distribution is", base)
    key, opts = _estimator(estimator, ENTROPY_ESTIMATORS, options, "entropy")
    c = as_counts(counts, "counts", probabilities_hint=_HINT_ENTROPY)
    x = c.values
    _needs_two(x, "counts", key, opts)
    value = float(ENTROPY_KERNELS[key](x, **opts))
    p = x / x.sum()
    n = nobs_of(x.sum())
    # float totals: counts may be fractional (weights), and round() could give 0
    se = math.sqrt(_var_log_ratio(p, _log(p)) / x.sum())
    notes = _labels_note(c)
    seen = x[x > 0]
    if seen.size > 1 and np.all(seen == seen[0]):
        # the delta-method s.e. is 0 at a sample uniform over its categories (the first
        # derivative of H vanishes there); the spread is second order:
        # 2 n (log K - H_plugin) ~ chi2(K - 1) (Miller 1955), whose s.d. / (2 n) is reported
        # when every listed category has the same count (its intervals do not use it)
        if seen.size == x.size:
            se = math.sqrt(2.0 * (x.size - 1)) / (2.0 * float(x.sum()))
            notes += (
                "Std. error: second order, sqrt(2 (K - 1)) / (2 n): the delta-method "
                "standard error is 0 at a sample with equal counts, where 2 n (log K - H) "
                "is about chi-square with K - 1 df (Miller 1955).",
            )
        else:
            notes += (
                "Std. error 0: the delta method's, which vanishes when the observed "
                "categories have equal counts; the interval does not use it.",
            )
    stat = partial(ENTROPY_KERNELS[key], **opts)
    # parameter space: 0 <= H <= log K over the K listed categories (NSB: its alphabet
    # size; Chao-Shen estimates unseen categories too, so no upper bound); log K - H is
    # D(p || uniform), whose chi-square pivot G = 2 n (log K - H_plugin) backs intervals
    # that would otherwise leave the parameter space
    k_alpha = opts.get("alphabet_size") or x.size
    top = math.inf if key == "chao-shen" else math.log(k_alpha)
    n_tot = float(x.sum())
    complement = None
    if k_alpha == x.size and x.size > 1:
        # G of the uniform fit, 2 sum x log(x K / n): exactly 0 for equal counts
        g_unif = max(2.0 * float(special.xlogy(x, x * x.size / n_tot).sum()), 0.0)
        complement = own_pivot(Pivot(g_unif, x.size - 1, 2.0 * n_tot), top - value, key)
    inf = CountInference(
        value,
        se,
        (x,),
        "one",
        stat,
        None,
        _entropy_default_ci(key, complement),
        bounds=(0.0, top),
        symbol="H",
        complement=complement,
        plugin=key == "plugin",
    )
    return KLEstimate(
        estimate=units.from_nats(value),
        estimator=key,
        units=units.name,
        nobs=n,
        bse=units.from_nats(se),
        quantity="entropy H(P)",
        sizes=(n,),
        options=_report_options(key, opts, x),
        notes=notes,
        _inference=inf,
        _units=units,
    )


def _one_sample_setup(
    c: Counts, reference: Any, rescale: bool = False
) -> tuple[np.ndarray, np.ndarray, float, str]:
    """Counts and reference probabilities aligned, the reference's mass on the listed
    categories, and (for the warning of an infinite estimate) the categories with
    counts but no reference mass, and labels of the reference absent from the counts."""
    reference = materialise(reference, "reference")
    only_ref = ""
    if c.index is not None and isinstance(reference, Mapping | pd.Series):
        # labelled counts and reference: align on the union of labels, so categories of
        # Q without counts count 0 (each one a degree of freedom, not one lumped cell)
        ref_index = pd.Index(list(reference)) if isinstance(reference, Mapping) else None
        ref_index = reference.index if ref_index is None else ref_index
        only = ref_index.difference(c.index, sort=False)
        only_ref = f"only in `reference`: {show_labels(only)}" if len(only) else ""
        (counts, _), union = align_on_labels(
            [(c.values, c.index), (np.zeros(len(ref_index)), ref_index)], ["p", "reference"]
        )
        c = Counts(counts, union)
    q = as_reference(reference, c, "reference", rescale=rescale)
    if np.any(q < 0):
        raise ValueError("`reference` must be non-negative.")
    mass = float(q.sum())
    keep = (q > 0) | (c.values > 0)  # structural zeros (q = 0 and no count) drop out
    bad = _where(c, (c.values > 0) & (q <= 0), "`p`", "`reference`")
    if bad and only_ref:
        bad += f"; labels {only_ref} (a misspelt label?)"
    return c.values[keep], q[keep], mass, bad


def _where(c: Counts, mask: np.ndarray, has: str, lacks: str, what: str = "counts") -> str:
    """The categories in ``mask`` in words, for an infinite estimate's warning."""
    if not np.any(mask):
        return ""
    pos = np.flatnonzero(mask)
    labels = c.index[pos] if c.index is not None and is_labelled(c.index) else pd.Index(pos)
    kind = "categories" if c.index is not None and is_labelled(c.index) else "positions"
    return f"{kind} with {what} in {has} but none in {lacks}: {show_labels(labels)}"


def kl_divergence(
    p: Any,
    q: Any = None,
    *,
    reference: Any = None,
    estimator: str = "plugin",
    base: float | None = None,
    known: bool = False,
    rescale: bool = False,
    **options: Any,
) -> KLEstimate:
    r"""Kullback-Leibler divergence D(P||Q) from counts.

    Two-sample: ``p`` and ``q`` are counts of samples from P and Q. One-sample:
    ``reference`` is the known Q. Exactly one of ``q`` and ``reference`` is given.
    Two known distributions: ``known=True``.

    Parameters
    ----------
    p : array_like or pandas Series
        Counts of the sample from P. Two Series are aligned on the union of their
        labels (missing categories count 0); arrays are aligned by position; a
        labelled Series beside an unlabelled array is refused. Whole numbers are
        counts; non-integer values are weighted counts (the summary says how they
        are read); non-integer values adding up to 1 are probabilities and are
        refused (pass them as ``reference=`` or use ``known=True``).
    q : array_like or pandas Series, optional
        Counts of the sample from Q (probabilities refused as for ``p``).
    reference : array_like, pandas Series, dict or scipy.stats frozen distribution, optional
        Known Q: probabilities summing to 1 (within 1e-6), or whole-number ratios
        (such as 1:2:1); other totals are refused unless ``rescale=True``. Or a frozen
        discrete distribution evaluated with ``pmf`` at the category labels (array
        counts: categories 0, 1, ..., K-1), not rescaled. A Series or dict with Series
        counts is aligned on the union of labels (categories missing from ``p`` count
        0); with array counts it is read by position (with a
        ``LabelPairingWarning``).
    estimator : str, optional
        ``"plugin"``, ``"miller-madow"``, ``"jackknife"``, ``"zhang"`` (Zhang &
        Grabchak 2014), ``"dirichlet"`` (pseudocounts; options ``prior`` and, for Q,
        ``prior_q``) or ``"shrink"`` (James-Stein).
    base : float, optional
        Logarithm base; None (default) gives nats, 2 bits.
    known : bool, optional
        ``True``: ``p`` and ``q`` (or ``reference``) are the distributions themselves
        (probabilities, or whole-number ratios), and the exact D(P||Q) is returned,
        without sampling inference: no standard error or interval, and the summary
        says "No sampling inference". ``estimator`` and its options do not apply.
    rescale : bool, optional
        Rescale known probabilities (``reference``, or both inputs with
        ``known=True``) that do not sum to 1; without it they are refused.
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

    Two known distributions: the exact value (scipy's ``entropy(p, q)``), no interval:

    >>> d2 = kls.kl_divergence([0.5, 0.3, 0.2], [0.4, 0.4, 0.2], known=True)
    >>> print(f"{d2.estimate:.6f} ({d2.estimator})")
    0.025267 (exact)
    """
    units = check_base(base)
    if (q is None) == (reference is None):
        raise ValueError(
            "Give exactly one of `q` (counts of a sample from Q) and `reference` "
            "(known probabilities of Q)."
        )
    if known:
        _check_known_options(estimator, options, "kl_divergence")
        return _known_kl(p, q, reference, rescale, base)
    key, opts = _estimator(estimator, KL_ESTIMATORS, options, "kl_divergence")
    reason = None
    where = ""
    if reference is not None:
        if "prior_q" in opts:
            raise TypeError("`prior_q` applies to two-sample estimates only.")
        c = as_counts(p, "p", probabilities_hint=_HINT_P)
        x, qv, mass, where = _one_sample_setup(c, reference, rescale)
        _needs_two(x, "p", key)
        value = float(KL1_KERNELS[key](x, qv, **opts))
        n = nobs_of(x.sum())
        n_tot = float(x.sum())
        ph = x / n_tot
        with np.errstate(divide="ignore", invalid="ignore"):
            se = math.sqrt(_var_log_ratio(ph, _log(ph) - _log(qv)) / n_tot)
        d_plug = float(kl1_plugin(x, qv))
        df = int((qv > 0).sum()) - 1 + (1 if mass < 1 - 1e-9 else 0)
        pivot = own_pivot(Pivot(2 * n_tot * d_plug, df, 2 * n_tot), value, key)
        stat = partial(KL1_KERNELS[key], q=qv, **opts)
        inf = CountInference(
            value, se, (x,), "one", stat, pivot, "ncx2-adjusted", plugin=key == "plugin"
        )
        sizes: tuple[int, ...] = (n,)
        nobs = n
    else:
        if rescale:
            raise ValueError(
                "`rescale` applies to known probabilities (`reference=`, or `known=True`); "
                "two samples of counts are never rescaled."
            )
        c = as_counts(p, "p", probabilities_hint=_HINT_P)
        cx, cy = align_counts(c, as_counts(q, "q", probabilities_hint=_HINT_Q), ("p", "q"))
        x, y = cx.values, cy.values
        _needs_two(x, "p", key)
        _needs_two(y, "q", key)
        where = _where(cx, (x > 0) & (y <= 0), "`p`", "`q`")
        if where and cx.index is not None and not np.any((x > 0) & (y > 0)):
            # labelled samples without a category in common: two different variables?
            where += (
                "; `p` and `q` have no category in common (are they counts of the same "
                "variable in two groups?)"
            )
        value = float(KL2_KERNELS[key](x, y, **opts))
        n, m = nobs_of(x.sum()), nobs_of(y.sum())
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
        plug_pivot = Pivot(2 * n_eff * d_plug, df, 2 * n_eff, note)
        pivot = own_pivot(plug_pivot, value, key)
        stat = partial(KL2_KERNELS[key], **opts)
        companion = None
        if key == "plugin" and math.isfinite(value):
            # the default interval of the plug-in is joined with Zhang's: away from D = 0
            # the plug-in statistic's mean exceeds df + lambda (bias from q-hat), and its
            # inversion alone covered 0.87-0.91 at D = 0.5 (validation/coverage_grid.py)
            with np.errstate(divide="ignore", invalid="ignore"):
                z = float(KL2_KERNELS["zhang"](x, y))
            if math.isfinite(z):
                companion = CountInference(
                    z,
                    se,
                    (x, y),
                    "two",
                    KL2_KERNELS["zhang"],
                    own_pivot(plug_pivot, z, "zhang"),
                    "ncx2-adjusted",
                    plugin=False,
                )
        inf = CountInference(
            value,
            se,
            (x, y),
            "two",
            stat,
            pivot,
            "ncx2-adjusted",
            plugin=key == "plugin",
            companion=companion,
        )
        sizes = (n, m)
        nobs = n + m
    _warn_infinite(value, "The KL divergence estimate", reason, where)
    notes = _labels_note(c, "The counts of `p`")
    if reference is None and (n := weights_note(y, "The counts of `q`")):
        notes += (n,)
    return KLEstimate(
        estimate=units.from_nats(value),
        estimator=key,
        units=units.name,
        nobs=nobs,
        bse=units.from_nats(se),
        quantity="KL divergence D(P||Q)",
        sizes=sizes,
        options=_report_options(key, opts, x),
        notes=notes,
        _inference=inf,
        _units=units,
    )


def _known_kl(p: Any, q: Any, reference: Any, rescale: bool, base: Any) -> KLEstimate:
    """D(P||Q) of two known distributions (``known=True``)."""
    cp = _as_known(p, "p", rescale)
    if reference is not None:
        reference = materialise(reference, "reference")
        if isinstance(reference, Mapping):
            reference = pd.Series(dict(reference))
        if isinstance(reference, pd.Series) and cp.index is not None:
            only = reference.index.difference(cp.index, sort=False)
            (pv, _), union = align_on_labels(
                [(cp.values, cp.index), (np.zeros(len(reference)), reference.index)],
                ["p", "reference"],
            )
            cp = Counts(pv, union)
        else:
            only = pd.Index([])
        qv = as_reference(reference, cp, "reference", rescale=rescale)
        lacks = "`reference`"
    else:
        cq = _as_known(q, "q", rescale)
        only = (
            cq.index.difference(cp.index, sort=False)
            if cp.index is not None and cq.index is not None
            else pd.Index([])
        )
        cp, cq = align_counts(cp, cq, ("p", "q"))
        qv = cq.values
        lacks = "`q`"
    pv = cp.values
    value = float(_rel_entr_sum(pv, qv))
    where = _where(cp, (pv > 0) & (qv <= 0), "`p`", lacks, "mass")
    if where and len(only):
        where += f"; labels only in {lacks}: {show_labels(only)} (a misspelt label?)"
    _warn_infinite(value, "The KL divergence", where=where, known=True)
    return _exact(value, "KL divergence D(P||Q)", "both distributions are", base)


def _js_weighted(x: np.ndarray, y: np.ndarray) -> float:
    """JS with weights (n, m)/(n+m): the homogeneity G statistic is 2 (n+m) JS_w."""
    n, m = x.sum(), y.sum()
    w1, w2 = n / (n + m), m / (n + m)
    p, q = x / n, y / m
    mix = w1 * p + w2 * q
    return float(w1 * _rel_entr_sum(p, mix) + w2 * _rel_entr_sum(q, mix))


def _as_mi_table(table: Any, y: Any, known: bool = False) -> np.ndarray:
    kw = {"probabilities_hint": _HINT_TABLE, "allow_probabilities": known}
    if y is not None:
        if known:
            raise ValueError(
                "`known=True` takes a 2-D table of joint probabilities, not labels `x, y`."
            )
        return as_table(cross_tabulate(table, y, ("table", "y")), "table")[0]
    table = materialise(table, "table")
    if isinstance(table, pd.DataFrame):
        return as_table(table, "table", **kw)[0]
    arr = np.asarray(table) if not isinstance(table, pd.Series) else table.to_numpy()
    if arr.ndim == 1:
        raise ValueError(
            "`table` must be a 2-D table of counts; got 1-D input. To cross-tabulate raw "
            "labels pass them as `mutual_information(x, y)`."
        )
    return as_table(table, "table", **kw)[0]


def mutual_information(
    table: Any,
    y: Any = None,
    *,
    estimator: str = "plugin",
    base: float | None = None,
    known: bool = False,
    rescale: bool = False,
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
    known : bool, optional
        ``True``: ``table`` is the joint distribution itself (probabilities summing
        to 1), and the exact I(X;Y) is returned without sampling inference. A table
        of non-integer values summing to 1 without ``known=True`` is refused.
    rescale : bool, optional
        With ``known=True``: rescale a joint distribution that does not sum to 1.
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
    if known:
        _check_known_options(estimator, options, "mutual_information")
        t = _as_mi_table(table, y, known=True)
        flat, _ = as_expected(t.ravel(), "table", rescale=rescale)
        return _exact(
            float(mi_plugin(flat.reshape(t.shape))),
            "mutual information I(X;Y)",
            "the joint distribution is",
            base,
        )
    key, opts = _estimator(estimator, MI_ESTIMATORS, options, "mutual_information")
    t = _as_mi_table(table, y)
    _needs_two(t.ravel(), "table", key)
    value = float(MI_KERNELS[key](t, **opts))
    n = nobs_of(t.sum())
    n_tot = float(t.sum())
    pj = t / n_tot
    pr, pc = pj.sum(axis=1), pj.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = _log(pj) - _log(np.outer(pr, pc))
    se = math.sqrt(_var_log_ratio(pj.ravel(), ratio.ravel()) / n_tot)
    df = (int((pr > 0).sum()) - 1) * (int((pc > 0).sum()) - 1)
    pivot = own_pivot(Pivot(2 * n_tot * float(mi_plugin(t)), df, 2 * n_tot), value, key)
    stat = partial(MI_KERNELS[key], **opts)
    # 0 <= I <= log min(r, c)
    top = math.log(min(int((pr > 0).sum()), int((pc > 0).sum())))
    inf = CountInference(
        value,
        se,
        (t,),
        "table",
        stat,
        pivot,
        "ncx2-adjusted",
        bounds=(0.0, top),
        symbol="I",
        plugin=key == "plugin",
    )
    return KLEstimate(
        estimate=units.from_nats(value),
        estimator=key,
        units=units.name,
        nobs=n,
        bse=units.from_nats(se),
        quantity="mutual information I(X;Y)",
        sizes=(n,),
        options=_report_options(key, opts, t.ravel()),
        _inference=inf,
        _units=units,
    )
