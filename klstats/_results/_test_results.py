"""The test results of each family: :class:`GTestResult` (G-tests),
:class:`LRTestResult` (likelihood-ratio tests), :class:`VuongTestResult` (Vuong's test)
and :class:`ResamplingTestResult` (permutation and Monte Carlo tests with a KL or MI
statistic), subclasses of :class:`KLTestResult` with named attributes and a summary
written for each."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ._classes import KLTestResult, _DeferredField
from ._common import estimator_label
from ._summary import fmt, fmt_pvalue

__all__ = ["GTestResult", "LRTestResult", "ResamplingTestResult", "VuongTestResult"]


@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class GTestResult(KLTestResult):
    """Result of a G-test (:func:`~klstats.g_test`, :func:`~klstats.g_test_independence`,
    :func:`~klstats.g_test_homogeneity`).

    Besides the attributes of :class:`KLTestResult` (``statistic`` is G, after any
    correction; ``df`` is that of the chi-square law and None when the p-value is a
    Monte Carlo or exact one):

    Attributes
    ----------
    correction : str or None
        The correction applied: None, ``"williams"`` or ``"yates"``.
    williams_q : float
        Williams' (1976) correction factor q, computed whether or not it was applied
        (G / q is the corrected statistic).
    g_uncorrected : float
        G without any correction.
    ddof : int
        Parameters estimated from the data (goodness of fit; 0 for tables).
    chi2_df : int
        Degrees of freedom of the chi-square approximation, also when the p-value is
        Monte Carlo or exact.
    n_resamples : int or None
        Monte Carlo samples (``method="montecarlo"``), else None.
    n_outcomes : int or None
        Outcomes enumerated (``method="exact"``), else None.
    method_requested : str or None
        The ``method=`` argument as given (``"auto"`` by default); ``method`` is the
        one used.
    observed, expected, residuals, std_residuals
        Observed and expected counts, Pearson residuals (O - E) / sqrt(E) and
        standardized (adjusted) residuals; Series for goodness of fit (labelled like
        the input), DataFrames for tables.
    """

    correction: str | None = None
    williams_q: float = 1.0
    g_uncorrected: float = math.nan
    ddof: int = 0
    chi2_df: int | None = None
    n_resamples: int | None = None
    n_outcomes: int | None = None
    method_requested: str | None = None
    # descriptors (a `Deferred` value is computed when first read), default None
    observed: Any = _DeferredField()  # noqa: RUF009
    expected: Any = _DeferredField()  # noqa: RUF009
    residuals: Any = _DeferredField()  # noqa: RUF009
    std_residuals: Any = _DeferredField()  # noqa: RUF009

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.correction == "none":
            object.__setattr__(self, "correction", None)
        object.__setattr__(self, "williams_q", float(self.williams_q))
        object.__setattr__(self, "g_uncorrected", float(self.g_uncorrected))

    def _has_counts(self) -> bool:
        return self.observed is not None and self.std_residuals is not None

    @property
    def _statistic_label(self) -> str:  # type: ignore[override]
        if self.correction == "williams":
            return "G statistic (Williams-corrected)"
        if self.correction == "yates":
            return "G statistic (Yates-corrected)"
        return "G statistic"

    def _df_label(self) -> str:
        return "Degrees of freedom (chi-square)"

    def _method_text(self) -> str:
        text = self._method_words()
        return text + (", chosen by method='auto'" if self.method_requested == "auto" else "")

    def _method_words(self) -> str:
        if self.method == "asymptotic":
            return "chi-square approximation"
        if self.method == "montecarlo" and self.n_resamples is not None:
            what = "tables" if getattr(self.observed, "ndim", 1) == 2 else "samples"
            return f"Monte Carlo ({self.n_resamples:,} {what})"
        if self.method == "exact" and self.n_outcomes is not None:
            return f"exact ({self.n_outcomes:,} outcomes)"
        return super()._method_text()

    def _effect_label(self) -> str:
        if getattr(self.observed, "ndim", 1) == 2:
            what = "JS divergence" if "homogeneity" in self.title else "mutual information"
            return f"Effect size: {what} ({self.units})"
        return f"Effect size: KL divergence ({self.units})"

    def _own_rows(self, alpha: float) -> list[tuple[str, str]]:
        rows = []
        if self.correction is not None:
            rows.append(("G (uncorrected)", fmt(self.g_uncorrected)))
        applied = "applied" if self.correction == "williams" else "not applied"
        rows.append(("Williams' q", f"{self.williams_q:.4f} ({applied})"))
        if self.ddof:
            rows.append(("Estimated parameters (ddof)", fmt(self.ddof)))
        return rows


@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class LRTestResult(KLTestResult):
    """Result of a likelihood-ratio test of nested models (:func:`~klstats.lr_test`,
    :func:`~klstats.lr_test_distributions`).

    ``statistic`` is LR = 2 (llf_alt - llf_null); ``df`` the difference in parameters
    when the p-value comes from a chi-square (or chi-bar-square) law, None for a
    parametric bootstrap.

    Attributes
    ----------
    llf_null, llf_alt : float
        Maximized log-likelihoods of the restricted (null) and full models
        (aliases :attr:`llf_restricted`, :attr:`llf_full`).
    df_diff : int
        Number of parameters the full model adds.
    n_params : tuple of int
        Numbers of (free) parameters of the restricted and full models.
    models : tuple of str
        Labels of the restricted and full models.
    boundary : bool
        Whether the null value lies on the boundary of the parameter space (then
        the reference law is a chi-bar-square mixture).
    null_fit, alt_fit : frozen scipy.stats distribution or None
        The fitted families (:func:`~klstats.lr_test_distributions`).
    n_resamples : int or None
        Parametric bootstrap samples (``method="bootstrap"``), else None.
    """

    llf_null: float
    llf_alt: float
    df_diff: int
    n_params: tuple[Any, Any] = (None, None)
    models: tuple[str, str] = ("restricted", "full")
    boundary: bool = False
    null_fit: Any = None
    alt_fit: Any = None
    n_resamples: int | None = None

    _statistic_label: ClassVar[str] = "LR statistic"

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "llf_null", float(self.llf_null))
        object.__setattr__(self, "llf_alt", float(self.llf_alt))
        object.__setattr__(self, "df_diff", int(self.df_diff))
        object.__setattr__(self, "n_params", tuple(self.n_params))
        object.__setattr__(self, "models", tuple(self.models))

    @property
    def llf_restricted(self) -> float:
        """Log-likelihood of the restricted model (same as :attr:`llf_null`)."""
        return self.llf_null

    @property
    def llf_full(self) -> float:
        """Log-likelihood of the full model (same as :attr:`llf_alt`)."""
        return self.llf_alt

    def _df_label(self) -> str:
        if self.distribution == "chi-bar-square":
            return "Degrees of freedom (chi-bar-square)"
        return "Degrees of freedom (chi-square)"

    def _method_text(self) -> str:
        if self.method == "bootstrap" and self.n_resamples is not None:
            return f"parametric bootstrap ({self.n_resamples:,} samples)"
        if self.distribution == "chi-bar-square":
            return "asymptotic (chi-bar-square: null on the boundary)"
        if self.method == "asymptotic":
            return "asymptotic (Wilks)"
        return super()._method_text()

    def _effect_label(self) -> str:
        return f"Effect size: KL gain, LR/(2n) ({self.units})"

    def _own_rows(self, alpha: float) -> list[tuple[str, str]]:
        rows = [
            ("Log-likelihood (restricted)", fmt(self.llf_null, 8)),
            ("Log-likelihood (full)", fmt(self.llf_alt, 8)),
        ]
        if self.df is None:
            rows.append(("Parameters added by the full model", fmt(self.df_diff)))
        return rows


@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class VuongTestResult(KLTestResult):
    """Result of Vuong's (1989) test of non-nested models (:func:`~klstats.vuong_test`).

    ``statistic`` is Vuong's Z (after the chosen correction), ``pvalue`` its two-sided
    p-value; ``df`` is None (the reference law is the standard normal).

    Attributes
    ----------
    omega2 : float
        ω², the variance of the per-observation log-likelihood ratios (1/n
        denominator, Vuong 1989, eq. 4.2).
    llr : float
        Sum of the per-observation log-likelihood ratios, model1 minus model2.
    correction : str or None
        None, ``"aic"`` or ``"bic"``.
    pvalue_model1, pvalue_model2 : float
        One-sided p-values against "model1 is closer to the truth" and against
        "model2 is closer".
    favoured : str
        ``"model1"``, ``"model2"`` or ``"neither"``: the sign of Z (alias
        :attr:`preferred`), whether significant or not.
    models : tuple of str
        Labels of the two models.
    llf : tuple of float
        Log-likelihoods of the two models.
    n_params : tuple
        Numbers of parameters (None where unknown).
    fits : tuple
        The fitted scipy.stats distributions when klstats fitted them, else None.
    omega2_statistic, omega2_pvalue : float or None
        The variance test of ω² = 0 (``variance_test=True``), else None.
    omega2_weights : ndarray or None
        Weights of the weighted chi-square law of that test.
    """

    omega2: float
    llr: float
    correction: str | None = None
    pvalue_model1: float = math.nan
    pvalue_model2: float = math.nan
    favoured: str = "neither"
    models: tuple[str, str] = ("model1", "model2")
    llf: tuple[float, float] = (math.nan, math.nan)
    n_params: tuple[Any, Any] = (None, None)
    fits: tuple[Any, Any] = (None, None)
    omega2_statistic: float | None = None
    omega2_pvalue: float | None = None
    omega2_weights: np.ndarray | None = None

    _statistic_label: ClassVar[str] = "Z statistic"
    _pvalue_label: ClassVar[str] = "p-value (two-sided)"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.correction == "none":
            object.__setattr__(self, "correction", None)
        object.__setattr__(self, "omega2", float(self.omega2))
        object.__setattr__(self, "llr", float(self.llr))
        for name in ("models", "llf", "n_params", "fits"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    @property
    def preferred(self) -> str:
        """The model the sign of Z points to (same as :attr:`favoured`)."""
        return self.favoured

    def _method_text(self) -> str:
        return "asymptotic (standard normal)"

    def _effect_label(self) -> str:
        return f"Effect size: KL difference per observation ({self.units})"

    def _own_rows(self, alpha: float) -> list[tuple[str, str]]:
        if self.favoured in ("model1", "model2"):
            label = self.models[0 if self.favoured == "model1" else 1]
            sig = "" if self.pvalue < alpha else f"; not significant at {alpha:g}"
            label = "" if label == self.favoured else f"{label}"
            inner = "; ".join(t for t in (label, sig.lstrip("; ")) if t)
            preferred = f"{self.favoured} ({inner})" if inner else self.favoured
        else:
            preferred = "neither"
        rows = [
            ("Preferred model", preferred),
            ("Log-likelihood ratio (sum)", fmt(self.llr, 6)),
            ("ω² (variance of the log-likelihood ratio)", fmt(self.omega2)),
        ]
        if self.correction is not None:
            rows.append(("Correction", self.correction.upper()))
        if self.omega2_statistic is not None:
            rows.append(("Variance test n·ω²", fmt(self.omega2_statistic)))
            rows.append(("Variance test p-value", fmt_pvalue(self.omega2_pvalue)))
        return rows


@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class ResamplingTestResult(KLTestResult):
    """Result of a resampling test with a KL or mutual-information statistic
    (:func:`~klstats.kl_test`, :func:`~klstats.independence_test`).

    ``statistic`` is the estimate itself (in ``units``); ``df`` is None; the p-value
    is (1 + #{T* >= T}) / (B + 1) over the resampled statistics in
    :attr:`null_distribution`.

    Attributes
    ----------
    n_resamples : int
        Number of permutations or Monte Carlo draws B.
    n_infinite_null : int
        Resampled statistics that are not finite (kept in the count).
    """

    n_resamples: int
    n_infinite_null: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "n_resamples", int(self.n_resamples))
        object.__setattr__(self, "n_infinite_null", int(self.n_infinite_null))

    @property
    def _statistic_label(self) -> str:  # type: ignore[override]
        return f"Statistic: estimate ({self.units})"

    def _method_text(self) -> str:
        if self.method == "permutation":
            return f"permutation ({self.n_resamples:,} permutations)"
        if self.method == "montecarlo":
            return f"Monte Carlo ({self.n_resamples:,} samples from the reference)"
        return super()._method_text()

    def _own_rows(self, alpha: float) -> list[tuple[str, str]]:
        rows = []
        if self.effect is not None:
            rows.append(("Quantity", self.effect.quantity))
            rows.append(("Estimator", estimator_label(self.estimator)))
        if self.n_infinite_null:
            rows.append(("Non-finite resampled statistics", fmt(self.n_infinite_null)))
        return rows
