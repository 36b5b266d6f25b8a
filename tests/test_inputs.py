"""What users pass is understood, or refused with a message that says what to do.

Regression tests for the input cases of issue 13 (part 3): probabilities where counts
are expected, two known distributions (``known=True``), labelled against unlabelled
input, expected probabilities that do not sum to 1, the kind of data ``kl_test`` reads,
one default two-sample KL estimator, data sets indexed by their category labels, and
the order of a pandas Categorical. Reference values come from scipy.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial.distance import jensenshannon

import klstats as kls
from klstats import InfiniteEstimateWarning, LabelPairingWarning

P3, Q3 = [0.5, 0.3, 0.2], [0.4, 0.4, 0.2]


# =========================================================================== probabilities


class TestProbabilitiesRefusedAsCounts:
    def test_kl_two_probability_vectors(self):
        # issue: returned scipy's number with a 95% interval [0, 0] and nobs 2
        with pytest.raises(ValueError, match=r"`p` looks like probabilities") as exc:
            kls.kl_divergence(P3, Q3)
        assert "reference=" in str(exc.value) and "known=True" in str(exc.value)

    def test_entropy_miller_madow_of_probabilities(self):
        # issue: 2.03 nats, more than log 3
        with pytest.raises(ValueError, match="known=True"):
            kls.entropy(P3, estimator="miller-madow")

    def test_counts_against_probabilities_as_q(self):
        # issue: the probabilities were read as a sample of size 1
        with pytest.raises(ValueError, match=r"`q` looks like probabilities.*reference="):
            kls.kl_divergence([30, 20, 10], Q3)

    @pytest.mark.parametrize(
        "call",
        [
            lambda: kls.jensen_shannon(P3, Q3),
            lambda: kls.cross_entropy(P3, Q3),
            lambda: kls.cross_entropy(P3, reference=Q3),
            lambda: kls.kl_divergence(P3, reference=Q3),
            lambda: kls.mutual_information([[0.1, 0.2], [0.3, 0.4]]),
            lambda: kls.mutual_information(pd.DataFrame([[0.1, 0.2], [0.3, 0.4]])),
            lambda: kls.kl_test(P3, Q3, data="counts", n_resamples=9, rng=0),
            lambda: kls.kl_test(P3, reference=Q3, n_resamples=9, rng=0),
            lambda: kls.g_test_homogeneity(P3, Q3),
            lambda: kls.independence_test([[0.1, 0.2], [0.3, 0.4]], n_resamples=9, rng=0),
        ],
    )
    def test_refused_everywhere(self, call):
        with pytest.raises(ValueError, match="looks like probabilities"):
            call()

    def test_integer_valued_floats_are_counts(self):
        a = kls.kl_divergence([3.0, 2.0, 5.0], [1.0, 4.0, 5.0])
        b = kls.kl_divergence([3, 2, 5], [1, 4, 5])
        assert a.estimate == b.estimate and a.nobs == b.nobs == 20
        assert not a.notes

    def test_weighted_counts_are_read_and_said(self):
        d = kls.kl_divergence([10.5, 20.25, 5.0], [12.0, 15.5, 9.0])
        assert math.isfinite(d.estimate)
        assert "weighted counts" in d.summary().as_text()
        h = kls.entropy([10.5, 20.25, 5.0])
        assert any("weighted counts" in n for n in h.notes)

    def test_input_not_modified(self):
        p = np.array(P3)
        with pytest.raises(ValueError):
            kls.kl_divergence(p, np.array(Q3))
        np.testing.assert_array_equal(p, P3)


# =========================================================================== known=True


class TestKnownDistributions:
    def test_kl_matches_scipy(self):
        d = kls.kl_divergence(P3, Q3, known=True)
        assert d.estimate == pytest.approx(stats.entropy(P3, Q3), rel=1e-14)
        assert d.estimator == "exact" and d.nobs == 0 and math.isnan(d.bse)
        text = d.summary().as_text()
        assert "No sampling inference" in text and "both distributions" in text
        assert "No. observations" not in text
        with pytest.raises(ValueError, match=r"No confidence interval: .*exact value"):
            d.conf_int()

    def test_kl_reference_and_bits(self):
        d = kls.kl_divergence(P3, reference=Q3, known=True, base=2)
        assert d.estimate == pytest.approx(stats.entropy(P3, Q3, base=2), rel=1e-14)
        assert d.units == "bits"

    def test_kl_frozen_reference(self):
        pk = stats.binom(3, 0.4).pmf(np.arange(4))
        d = kls.kl_divergence(pk, reference=stats.binom(3, 0.5), known=True)
        qk = stats.binom(3, 0.5).pmf(np.arange(4))
        assert d.estimate == pytest.approx(stats.entropy(pk, qk), rel=1e-12)

    def test_entropy_js_cross_entropy_mi(self):
        assert kls.entropy(P3, known=True).estimate == pytest.approx(stats.entropy(P3))
        js = kls.jensen_shannon(P3, Q3, known=True).estimate
        assert js == pytest.approx(jensenshannon(P3, Q3) ** 2, rel=1e-12)
        ce = kls.cross_entropy(P3, Q3, known=True).estimate
        assert ce == pytest.approx(-np.sum(np.array(P3) * np.log(Q3)), rel=1e-14)
        joint = np.array([[0.1, 0.2], [0.3, 0.4]])
        mi = kls.mutual_information(joint, known=True).estimate
        indep = np.outer(joint.sum(1), joint.sum(0))
        assert mi == pytest.approx(stats.entropy(joint.ravel(), indep.ravel()), rel=1e-12)

    def test_labelled_distributions_align_on_labels(self):
        p = pd.Series({"a": 0.5, "b": 0.3, "c": 0.2})
        q = pd.Series({"c": 0.2, "a": 0.4, "b": 0.4})
        assert kls.kl_divergence(p, q, known=True).estimate == pytest.approx(
            stats.entropy(P3, Q3), rel=1e-14
        )

    def test_not_summing_to_one_needs_rescale(self):
        with pytest.raises(ValueError, match="rescale=True"):
            kls.kl_divergence([0.5, 0.3, 0.1], Q3, known=True)
        d = kls.kl_divergence([0.5, 0.3, 0.1], Q3, known=True, rescale=True)
        assert d.estimate == pytest.approx(stats.entropy([5, 3, 1], Q3), rel=1e-14)
        # whole-number ratios are distributions too
        r = kls.kl_divergence([5, 3, 2], [2, 2, 1], known=True)
        assert r.estimate == pytest.approx(stats.entropy(P3, Q3), rel=1e-14)

    def test_estimator_does_not_apply(self):
        with pytest.raises(ValueError, match="estimator"):
            kls.kl_divergence(P3, Q3, known=True, estimator="zhang")
        with pytest.raises(ValueError, match="estimator"):
            kls.entropy(P3, known=True, estimator="miller-madow")

    def test_infinite_names_the_categories(self):
        p = pd.Series({"a": 0.5, "b": 0.3, "c": 0.2})
        q = {"a": 0.5, "b": 0.3, "cc": 0.2}
        with pytest.warns(InfiniteEstimateWarning, match=r"'c'.*'cc'"):
            d = kls.kl_divergence(p, reference=q, known=True)
        assert d.estimate == math.inf


# =========================================================================== labels


class TestLabelledAgainstUnlabelled:
    def test_labelled_counts_and_list_refused(self):
        p = pd.Series([40, 35, 15, 10], index=["O", "A", "B", "AB"])
        with pytest.raises(ValueError, match=r"'O', 'A', 'B', 'AB'") as exc:
            kls.kl_divergence(p, [30, 40, 20, 10])
        assert "`p` is labelled" in str(exc.value)
        with pytest.raises(ValueError, match="`q` is labelled"):
            kls.jensen_shannon([30, 40, 20, 10], p)
        with pytest.raises(ValueError, match="`p` is labelled"):
            kls.kl_divergence(p, reference=[0.3, 0.4, 0.2, 0.1])

    def test_unlabelled_counts_labelled_reference_warns(self):
        ref = pd.Series([0.3, 0.4, 0.2, 0.1], index=["O", "A", "B", "AB"])
        with pytest.warns(LabelPairingWarning, match=r"by position.*'O'"):
            d = kls.kl_divergence([40, 35, 15, 10], reference=ref)
        expected = stats.entropy([0.4, 0.35, 0.15, 0.1], [0.3, 0.4, 0.2, 0.1])
        assert d.estimate == pytest.approx(expected, rel=1e-12)

    def test_default_index_is_unlabelled(self):
        p = pd.Series([40, 35, 15, 10])
        a = kls.kl_divergence(p, [30, 40, 20, 10]).estimate
        assert a == kls.kl_divergence([40, 35, 15, 10], [30, 40, 20, 10]).estimate

    def test_value_counts_paired_by_label(self):
        blood = pd.Series(["O"] * 45 + ["A"] * 40 + ["B"] * 11 + ["AB"] * 4)
        probs = pd.Series({"A": 0.42, "B": 0.10, "AB": 0.04, "O": 0.44})
        d = kls.kl_divergence(blood.value_counts(), reference=probs)
        obs = np.array([40, 11, 4, 45]) / 100
        assert d.estimate == pytest.approx(stats.entropy(obs, probs.to_numpy()), rel=1e-12)

    def test_reference_not_summing_to_one(self):
        # issue: proportions summing to 0.9 were rescaled silently
        with pytest.raises(ValueError, match=r"adds up to 0\.9.*rescale=True"):
            kls.kl_divergence([10, 5, 3], reference=[0.5, 0.3, 0.1])
        d = kls.kl_divergence([10, 5, 3], reference=[0.5, 0.3, 0.1], rescale=True)
        assert d.estimate == pytest.approx(
            stats.entropy([10, 5, 3], np.array([5, 3, 1]) / 9), rel=1e-12
        )
        ratio = kls.kl_divergence([10, 5, 3], reference=[5, 3, 1]).estimate
        assert ratio == pytest.approx(d.estimate, rel=1e-14)

    def test_typo_in_a_reference_key_is_named(self):
        p = pd.Series({"a": 10, "b": 5, "c": 3})
        with pytest.warns(InfiniteEstimateWarning, match=r"'c'.*only in `reference`: 'cc'"):
            d = kls.kl_divergence(p, reference={"a": 0.5, "b": 0.3, "cc": 0.2})
        assert d.estimate == math.inf

    def test_two_samples_name_the_empty_category(self):
        p = pd.Series({"a": 10, "b": 5, "c": 3})
        q = pd.Series({"a": 8, "b": 7})
        with pytest.warns(InfiniteEstimateWarning, match=r"categories with counts in `p`.*'c'"):
            kls.kl_divergence(p, q)


# =========================================================================== kl_test


class TestKlTestDataKind:
    def test_integer_arrays_read_as_counts_and_said(self):
        res = kls.kl_test([30, 20, 10, 5], [18, 22, 15, 10], n_resamples=99, rng=1)
        text = res.summary().as_text()
        assert "Data read as counts" in text and "data='labels'" in text
        assert "Zhang-Grabchak" in text and "always finite" in text

    def test_continuous_samples_go_to_knn(self):
        g = np.random.default_rng(3)
        res = kls.kl_test(g.normal(size=60), g.normal(1, 1, size=50), n_resamples=99, rng=1)
        assert "Data read as samples" in res.summary().as_text()
        assert res.effect.estimator not in ("zhang", "plugin")

    def test_labels(self):
        x, y = list("aabbbcc"), list("abccccd")
        res = kls.kl_test(x, y, n_resamples=199, rng=5)
        px, qy = kls.tabulate(x, y)
        ref = kls.kl_test(px, qy, n_resamples=199, rng=5)
        assert res.statistic == ref.statistic and res.pvalue == ref.pvalue
        assert "Data read as labels" in res.summary().as_text()

    def test_integer_observations_with_data_labels(self):
        x, y = [1, 2, 2, 3, 3, 3], [1, 1, 2, 3, 4]
        with pytest.raises(ValueError, match="data='labels'"):
            kls.kl_test(x, y, n_resamples=9, rng=0)
        res = kls.kl_test(x, y, data="labels", n_resamples=99, rng=0)
        px, qy = kls.tabulate(x, y)
        assert res.statistic == kls.kl_test(px, qy, n_resamples=99, rng=0).statistic

    def test_negative_integers_refused(self):
        with pytest.raises(ValueError, match="negative whole numbers"):
            kls.kl_test([-1, 2, 3], [1, 2, 3], n_resamples=9, rng=0)

    def test_kind_and_estimator_must_agree(self):
        with pytest.raises(ValueError, match="data are read as samples"):
            kls.kl_test([1.5, 2.5], [1.0, 3.0], data="samples", estimator="zhang")
        with pytest.raises(ValueError, match="data are read as counts"):
            kls.kl_test([1, 2], [3, 4], data="counts", estimator="wang")
        with pytest.raises(ValueError, match="`data` must be one of"):
            kls.kl_test([1, 2], [3, 4], data="table")


# =========================================================================== data sets


LABELLED = {
    "adh_mcdonald_kreitman": "change",
    "amphipod_mpi": "genotype",
    "apolipoprotein_b": "genotype",
    "clearfield_rice": "phenotype",
    "crossbills": "bill",
    "gender_party": "gender",
    "horse_kicks": "deaths",
    "mendel_peas": "phenotype",
    "nuthatch_foraging": "tree",
    "rutherford_geiger": "particles",
}


@pytest.mark.parametrize("name", kls.datasets.list())
def test_every_data_set_loads(name):
    df = kls.datasets.load(name)
    if name in LABELLED:
        assert df.index.name == LABELLED[name] and df.index.is_unique
        assert LABELLED[name] not in df.columns
    else:
        assert isinstance(df.index, pd.RangeIndex)


def test_peas_print_category_names():
    peas = kls.datasets.load("mendel_peas")
    res = kls.g_test(peas["observed"], peas["expected_ratio"])
    assert list(res.observed.index) == list(peas.index)
    assert "round yellow" in res.summary().as_text()
    assert res.statistic == pytest.approx(0.4754, abs=5e-5)


# =========================================================================== Categorical


def test_categorical_order_kept_in_tables():
    levels = ["low", "mid", "high"]
    x = pd.Categorical(["high", "low", "mid", "low", "high", "mid"] * 6, categories=levels)
    y = pd.Categorical(["b", "a", "a", "b", "b", "a"] * 6, categories=["b", "a"])
    res = kls.g_test_independence(x, y)
    assert list(res.observed.index) == levels
    assert list(res.observed.columns) == ["b", "a"]
    mi = kls.mutual_information(x, y)
    table = pd.crosstab(np.asarray(x), np.asarray(y)).to_numpy()
    assert mi.estimate == pytest.approx(kls.mutual_information(table).estimate, rel=1e-14)


def test_no_warning_on_clean_input():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kls.kl_divergence([3, 2, 5], [1, 4, 5])
        kls.kl_divergence(pd.Series({"a": 3, "b": 2}), reference={"a": 0.5, "b": 0.5})


# =========================================================================== g_test


BLOOD_PROBS = {  # alphabetical, as a list of probabilities typed from a table would be
    "A+": 0.30,
    "A-": 0.06,
    "AB+": 0.04,
    "AB-": 0.01,
    "B+": 0.09,
    "B-": 0.02,
    "O+": 0.38,
    "O-": 0.10,
}


def _blood_types():
    counts = {"O+": 39, "A+": 27, "B+": 12, "A-": 8, "O-": 6, "AB+": 4, "B-": 2, "AB-": 2}
    return pd.Series([k for k, v in counts.items() for _ in range(v)], name="blood_type")


@pytest.mark.filterwarnings("ignore::klstats.SmallSampleWarning")  # asymptotic p-values
class TestGTestInputs:
    def test_value_counts_against_a_list_refused(self):
        # issue: frequency-sorted counts paired with the list by position gave a
        # silently wrong G
        vc = _blood_types().value_counts()
        with pytest.raises(ValueError, match=r"`f_obs` is labelled.*'O\+', 'A\+'"):
            kls.g_test(vc, list(BLOOD_PROBS.values()))
        res = kls.g_test(vc, pd.Series(BLOOD_PROBS), method="asymptotic")
        obs = vc.reindex(list(BLOOD_PROBS)).to_numpy()
        ref = stats.power_divergence(
            obs, np.array(list(BLOOD_PROBS.values())) * 100, lambda_="log-likelihood"
        )
        assert res.statistic == pytest.approx(ref.statistic, rel=1e-12)
        assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-10)
        # the dict works too, and by label
        assert kls.g_test(vc, BLOOD_PROBS, method="asymptotic").statistic == res.statistic
        wrong = stats.power_divergence(
            vc.to_numpy(), np.array(list(BLOOD_PROBS.values())) * 100, lambda_="log-likelihood"
        )
        assert wrong.statistic > 3 * res.statistic  # what positional pairing gave

    def test_typo_in_a_dict_key_named_in_the_warning(self):
        f_obs = pd.Series({"a": 10, "b": 5, "c": 3})
        with pytest.warns(InfiniteEstimateWarning, match=r"'c'.*only in `f_exp`: 'cc'"):
            res = kls.g_test(f_obs, {"a": 0.5, "b": 0.3, "cc": 0.2})
        assert res.statistic == math.inf and res.pvalue == 0

    def test_proportions_not_summing_to_one(self):
        with pytest.raises(ValueError, match=r"`f_exp` adds up to 0\.9.*rescale=True"):
            kls.g_test([10, 5, 3], [0.5, 0.3, 0.1])
        res = kls.g_test([10, 5, 3], [0.5, 0.3, 0.1], rescale=True, method="asymptotic")
        ref = stats.power_divergence(
            [10, 5, 3], np.array([5, 3, 1]) / 9 * 18, lambda_="log-likelihood"
        )
        assert res.statistic == pytest.approx(ref.statistic, rel=1e-12)
        assert "rescaled" in res.summary().as_text()

    def test_expected_counts_and_ratios_accepted(self):
        a = kls.g_test([10, 5, 3], [9.0, 6.0, 3.0], method="asymptotic")  # sums to N
        b = kls.g_test([10, 5, 3], [3, 2, 1], method="asymptotic")  # ratio 3:2:1
        c = kls.g_test([10, 5, 3], [0.5, 1 / 3, 1 / 6], method="asymptotic")
        assert a.statistic == pytest.approx(b.statistic, rel=1e-14)
        assert a.statistic == pytest.approx(c.statistic, rel=1e-12)
        assert "ratios" in b.summary().as_text()
        with pytest.raises(ValueError, match="rescale=True"):
            kls.g_test([10, 5, 3], [9.5, 6.0, 3.0])  # expected counts of another total

    def test_probabilities_as_observed_refused(self):
        with pytest.raises(ValueError, match=r"`f_obs` looks like probabilities.*`f_exp`"):
            kls.g_test([0.5, 0.3, 0.2], [0.4, 0.4, 0.2])
        with pytest.raises(ValueError, match="table of counts"):
            kls.g_test_independence([[0.1, 0.2], [0.3, 0.4]])

    def test_unlabelled_counts_with_labelled_expectation_warn(self):
        with pytest.warns(LabelPairingWarning, match=r"'x'"):
            res = kls.g_test([10, 5, 3], {"x": 0.5, "y": 0.3, "z": 0.2}, method="asymptotic")
        ref = stats.power_divergence([10, 5, 3], [9.0, 5.4, 3.6], lambda_="log-likelihood")
        assert res.statistic == pytest.approx(ref.statistic, rel=1e-12)

    def test_inputs_not_modified(self):
        f_obs = pd.Series({"a": 10, "b": 5, "c": 3})
        f_exp = pd.Series({"c": 0.2, "b": 0.3, "a": 0.5})
        before = (f_obs.copy(), f_exp.copy())
        kls.g_test(f_obs, f_exp)
        pd.testing.assert_series_equal(f_obs, before[0])
        pd.testing.assert_series_equal(f_exp, before[1])


# =========================================================================== warnings


def _noisy_calls():
    x = np.round(np.random.default_rng(0).normal(size=50), 1)
    y = np.round(np.random.default_rng(1).normal(size=50), 1)
    return [
        lambda: kls.g_test(pd.Series({"a": 10, "b": 5, "c": 3}), {"a": 0.5, "b": 0.5}),
        lambda: kls.g_test([5, 3, 2], [0.5, 0.3, 0.2], method="asymptotic"),
        lambda: kls.g_test_independence([[5, 3], [2, 1]], method="asymptotic"),
        lambda: kls.g_test_homogeneity([5, 3, 0], [5, 5, 0], method="asymptotic"),
        lambda: kls.kl_divergence([5, 3, 2], [5, 5, 0]),
        lambda: kls.kl_divergence([5, 3, 2], reference=[0.5, 0.5, 0]),
        lambda: kls.kl_divergence([5, 3, 2], [5, 5, 1], estimator="jackknife"),
        lambda: kls.cross_entropy([5, 3, 2], [5, 5, 0]),
        lambda: kls.kl_test([5, 3, 2], [5, 5, 0], estimator="plugin", n_resamples=49, rng=1),
        lambda: kls.kl_divergence([3, 2], reference=pd.Series({"a": 0.5, "b": 0.5})),
        lambda: kls.kl_divergence_knn(x, y, ties="jitter", rng=1),
    ]


@pytest.mark.parametrize("index", range(11))
def test_each_warning_once_per_call(index):
    # a call, its summary and its default interval: every message at most once
    call = _noisy_calls()[index]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = call()
        res.summary()
    messages = [str(w.message) for w in caught]
    assert messages, "the case is meant to warn"
    assert len(messages) == len(set(messages)), messages
    # and points at the line of the caller, not inside the package
    assert [w.filename for w in caught] == [__file__] * len(caught)


# =========================================================================== command line


def test_cli_rescale_and_option_names(tmp_path):
    from klstats._cli import main

    path = tmp_path / "r.csv"
    path.write_text("obs,p\n10,0.5\n5,0.3\n3,0.1\n")
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["gof", str(path), "--observed", "obs", "--probs", "p"])
    assert code == 1
    assert "--expected/--probs adds up to 0.9" in err.getvalue()
    assert "pass --rescale." in err.getvalue()
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["gof", str(path), "--observed", "obs", "--probs", "p", "--rescale"])
    assert code == 0 and "rescaled" in out.getvalue()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["kl", str(path), "--p", "obs", "--probs", "p", "--rescale"])
    assert code == 0


# =========================================================================== properties

_COUNTS = st.lists(st.integers(0, 50), min_size=2, max_size=8).filter(lambda v: sum(v) > 1)


@settings(max_examples=40, deadline=None, database=None)
@given(_COUNTS, st.integers(0, 10**6))
def test_property_probabilities_always_refused_counts_never(counts, seed):
    x = np.array(counts, dtype=float)
    probs = x / x.sum()
    y = np.random.default_rng(seed).permutation(x) + 1
    if not np.all(probs == np.round(probs)):  # a single category holding everything is 1.0
        for call in (
            lambda: kls.entropy(probs),
            lambda: kls.kl_divergence(probs, y),
            lambda: kls.kl_divergence(y, probs),
            lambda: kls.jensen_shannon(y, probs),
            lambda: kls.g_test(probs),
        ):
            with pytest.raises(ValueError, match="looks like probabilities"):
                call()
        # the same values as known distributions are the exact divergences
        q = y / y.sum()
        got = kls.kl_divergence(probs, q, known=True).estimate
        assert got == pytest.approx(stats.entropy(probs, q), rel=1e-12, abs=1e-15)
    # integer-valued floats are counts, identical to the integers
    a = kls.kl_divergence(x, y).estimate
    b = kls.kl_divergence(np.array(counts), y.astype(int)).estimate
    assert a == b
    np.testing.assert_array_equal(x, np.array(counts, dtype=float))  # input untouched
