"""Bad input to the discrete estimators (issue 2, "What bad input gets").

Every case gets a ValueError or TypeError whose message names the argument at fault,
one test per case and function; each case is listed under Raises in the docstring.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpydoc.docscrape import FunctionDoc
from scipy import stats

import klstats as kls

GOOD = [3, 4, 2]
TABLE = [[3, 1], [2, 5]]

# (function, name of the counts argument, call with the bad value in that argument)
COUNT_ARGS = {
    "entropy": ("counts", lambda v: kls.entropy(v)),
    "kl_divergence-p": ("p", lambda v: kls.kl_divergence(v, GOOD)),
    "kl_divergence-q": ("q", lambda v: kls.kl_divergence(GOOD, v)),
    "kl_divergence-p-one-sample": ("p", lambda v: kls.kl_divergence(v, reference=[1, 1, 1])),
    "cross_entropy-p": ("p", lambda v: kls.cross_entropy(v, GOOD)),
    "cross_entropy-q": ("q", lambda v: kls.cross_entropy(GOOD, v)),
    "jensen_shannon-p": ("p", lambda v: kls.jensen_shannon(v, GOOD)),
    "jensen_shannon-q": ("q", lambda v: kls.jensen_shannon(GOOD, v)),
}

BAD_COUNTS = {
    "negative": ([3, -1, 2], ValueError, "non-negative"),
    "nan": ([3, np.nan, 2], ValueError, "finite.*NaN"),
    "infinite": ([3, np.inf, 2], ValueError, "finite.*infinite"),
    "empty": ([], ValueError, "empty"),
    "all-zero": ([0, 0, 0], ValueError, "positive count"),
    "strings": (["a", "b", "c"], TypeError, "numeric counts.*tabulate"),
    "mixed-object": (np.array([1, "2", 3], dtype=object), TypeError, "numeric counts"),
    "categorical": (pd.Series(pd.Categorical(["a", "b", "a"])), TypeError, "categorical"),
    "2-D": ([[1, 2], [3, 4]], ValueError, "1-D"),
    "dataframe": (pd.DataFrame([[1, 2], [3, 4]]), ValueError, "1-D"),
}


@pytest.mark.parametrize("case", list(BAD_COUNTS))
@pytest.mark.parametrize("where", list(COUNT_ARGS))
def test_bad_counts(where, case):
    name, call = COUNT_ARGS[where]
    value, error, rule = BAD_COUNTS[case]
    with pytest.raises(error, match=f"`{name}`.*{rule}|{rule}.*`{name}`"):
        call(value)


BAD_TABLES = {
    "negative": ([[3, -1], [2, 5]], ValueError, "non-negative"),
    "nan": ([[3, np.nan], [2, 5]], ValueError, "finite.*NaN"),
    "infinite": ([[3, np.inf], [2, 5]], ValueError, "finite.*infinite"),
    "empty": (np.zeros((2, 0)), ValueError, "empty"),
    "all-zero": ([[0, 0], [0, 0]], ValueError, "positive count"),
    "strings": ([["a", "b"], ["c", "d"]], TypeError, "numeric counts"),
    "string-dataframe": (pd.DataFrame({"x": ["a", "b"], "y": ["c", "d"]}), TypeError, "numeric"),
    "1-D": ([3, 1, 2], ValueError, "2-D.*1-D"),
    "3-D": (np.ones((2, 2, 2)), ValueError, "2-D"),
}


@pytest.mark.parametrize("case", list(BAD_TABLES))
def test_bad_table_mutual_information(case):
    value, error, rule = BAD_TABLES[case]
    with pytest.raises(error, match=f"`table`.*{rule}"):
        kls.mutual_information(value)


# --------------------------------------------------------------------------- lengths


@pytest.mark.parametrize(
    "call",
    [
        lambda: kls.kl_divergence([1, 2, 3], [1, 2]),
        lambda: kls.cross_entropy([1, 2, 3], [1, 2]),
        lambda: kls.jensen_shannon([1, 2, 3], [1, 2]),
    ],
    ids=["kl_divergence", "cross_entropy", "jensen_shannon"],
)
def test_different_lengths(call):
    with pytest.raises(ValueError, match="`p` and `q` must have the same length"):
        call()


@pytest.mark.parametrize("func", [kls.kl_divergence, kls.cross_entropy])
def test_reference_of_different_length(func):
    with pytest.raises(ValueError, match="`reference` must have one probability per category"):
        func([1, 2, 3], reference=[0.5, 0.5])


def test_label_arrays_of_different_lengths_mutual_information():
    with pytest.raises(ValueError, match="`table` and `y` must have the same length"):
        kls.mutual_information(["a", "b", "a"], ["u", "v"])


# --------------------------------------------------------------------------- q / reference


@pytest.mark.parametrize("func", [kls.kl_divergence, kls.cross_entropy])
def test_both_q_and_reference(func):
    with pytest.raises(ValueError, match=r"exactly one of `q`.*`reference`"):
        func(GOOD, GOOD, reference=[1 / 3] * 3)


@pytest.mark.parametrize("func", [kls.kl_divergence, kls.cross_entropy])
def test_neither_q_nor_reference(func):
    with pytest.raises(ValueError, match=r"exactly one of `q`.*`reference`"):
        func(GOOD)


BAD_REFERENCES = {
    "negative": ([0.5, -0.1, 0.6], ValueError, "non-negative"),
    "nan": ([0.5, np.nan, 0.5], ValueError, "finite"),
    "infinite": ([0.5, np.inf, 0.5], ValueError, "finite"),
    "all-zero": ([0, 0, 0], ValueError, "positive total"),
    "empty": ([], ValueError, "empty"),
    "strings": (["a", "b", "c"], TypeError, "numeric"),
    "2-D": ([[0.5, 0.5], [0.5, 0.5]], ValueError, "1-D"),
    "negative-series": (pd.Series([0.5, -0.5, 1.0]), ValueError, "non-negative"),
    "negative-dict": ({0: 0.5, 1: -0.5, 2: 1.0}, ValueError, "non-negative"),
    "continuous-distribution": (stats.norm(), TypeError, "continuous distribution"),
}


@pytest.mark.parametrize("case", list(BAD_REFERENCES))
@pytest.mark.parametrize("func", [kls.kl_divergence, kls.cross_entropy])
def test_bad_reference(func, case):
    value, error, rule = BAD_REFERENCES[case]
    with pytest.raises(error, match=f"`reference`.*{rule}"):
        func(GOOD, reference=value)


def test_frozen_distribution_needs_numeric_categories():
    counts = pd.Series([3, 4], index=["a", "b"])
    with pytest.raises(ValueError, match=r"`reference`.*numbers"):
        kls.kl_divergence(counts, reference=stats.poisson(2))


# --------------------------------------------------------------------------- estimators

ESTIMATOR_FUNCS = {
    "entropy": lambda **kw: kls.entropy(GOOD, **kw),
    "kl_divergence": lambda **kw: kls.kl_divergence(GOOD, GOOD, **kw),
    "kl_divergence-one-sample": lambda **kw: kls.kl_divergence(GOOD, reference=GOOD, **kw),
    "cross_entropy": lambda **kw: kls.cross_entropy(GOOD, GOOD, **kw),
    "mutual_information": lambda **kw: kls.mutual_information(TABLE, **kw),
}


@pytest.mark.parametrize("where", list(ESTIMATOR_FUNCS))
@pytest.mark.parametrize("estimator", ["bogus", "chao_shenn", ""])
def test_unknown_estimator(where, estimator):
    with pytest.raises(ValueError, match="`estimator` must be one of"):
        ESTIMATOR_FUNCS[where](estimator=estimator)


@pytest.mark.parametrize("where", list(ESTIMATOR_FUNCS))
def test_estimator_not_a_string(where):
    with pytest.raises(TypeError, match="`estimator` must be one of"):
        ESTIMATOR_FUNCS[where](estimator=None)


@pytest.mark.parametrize("where", ["kl_divergence", "cross_entropy", "mutual_information"])
def test_entropy_only_estimator_rejected(where):
    with pytest.raises(ValueError, match="`estimator` must be one of"):
        ESTIMATOR_FUNCS[where](estimator="nsb")


@pytest.mark.parametrize("where", list(ESTIMATOR_FUNCS))
def test_unknown_option_name(where):
    with pytest.raises(TypeError, match=r"unknown option\(s\) \['bogus'\]"):
        ESTIMATOR_FUNCS[where](estimator="plugin", bogus=1)


@pytest.mark.parametrize("where", list(ESTIMATOR_FUNCS))
def test_option_of_another_estimator(where):
    with pytest.raises(TypeError, match=r"unknown option\(s\) \['prior'\]"):
        ESTIMATOR_FUNCS[where](estimator="zhang", prior=0.5)


BAD_OPTION_VALUES = {
    "prior-name": ("dirichlet", {"prior": "bogus"}, ValueError, "`prior` must be one of"),
    "prior-negative": ("dirichlet", {"prior": -1}, ValueError, "`prior` must be >= 0"),
    "prior-nan": ("dirichlet", {"prior": np.nan}, ValueError, "`prior` must be finite"),
    "alphabet": ("miller-madow", {"alphabet": "all"}, ValueError, "`alphabet` must be one of"),
    "lambda-high": ("shrink", {"lambda_": 1.5}, ValueError, "`lambda_` must be <= 1"),
    "lambda-negative": ("shrink", {"lambda_": -0.1}, ValueError, "`lambda_` must be >= 0"),
}


@pytest.mark.parametrize("case", list(BAD_OPTION_VALUES))
@pytest.mark.parametrize("where", list(ESTIMATOR_FUNCS))
def test_bad_option_value(where, case):
    estimator, options, error, rule = BAD_OPTION_VALUES[case]
    with pytest.raises(error, match=rule):
        ESTIMATOR_FUNCS[where](estimator=estimator, **options)


@pytest.mark.parametrize(
    ("options", "rule"),
    [
        ({"estimator": "grassberger", "variant": "1999"}, "`variant` must be one of"),
        ({"estimator": "nsb", "alphabet_size": 0}, "`alphabet_size` must be an integer >= 1"),
    ],
)
def test_bad_entropy_option_value(options, rule):
    with pytest.raises(ValueError, match=rule):
        kls.entropy(GOOD, **options)


def test_prior_q_needs_two_samples():
    with pytest.raises(TypeError, match="`prior_q`"):
        kls.kl_divergence(GOOD, reference=GOOD, estimator="dirichlet", prior_q=1)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: kls.entropy([1, 0], estimator="jackknife"), "counts"),
        (lambda: kls.kl_divergence([1, 0], [2, 3], estimator="jackknife"), "p"),
        (lambda: kls.kl_divergence([2, 3], [0, 1], estimator="jackknife"), "q"),
    ],
)
def test_jackknife_needs_two_observations(call, name):
    with pytest.raises(ValueError, match=f"at least 2 observations in `{name}`"):
        call()


def test_jensen_shannon_takes_no_estimator():
    with pytest.raises(TypeError, match="estimator"):
        kls.jensen_shannon(GOOD, GOOD, estimator="zhang")


# --------------------------------------------------------------------------- base

BASE_FUNCS = {
    "entropy": lambda b: kls.entropy(GOOD, base=b),
    "kl_divergence": lambda b: kls.kl_divergence(GOOD, GOOD, base=b),
    "kl_divergence-one-sample": lambda b: kls.kl_divergence(GOOD, reference=GOOD, base=b),
    "cross_entropy": lambda b: kls.cross_entropy(GOOD, GOOD, base=b),
    "mutual_information": lambda b: kls.mutual_information(TABLE, base=b),
    "jensen_shannon": lambda b: kls.jensen_shannon(GOOD, GOOD, base=b),
}

BAD_BASES = {
    "zero": (0, ValueError, "`base` must be > 0"),
    "negative": (-2, ValueError, "`base` must be > 0"),
    "one": (1, ValueError, "`base` must be > 0 and != 1"),
    "one-float": (1.0, ValueError, "`base` must be > 0 and != 1"),
    "nan": (np.nan, ValueError, "`base` must be finite"),
    "inf": (np.inf, ValueError, "`base` must be finite"),
    "string": ("2", TypeError, "`base` must be a real number"),
    "bool": (True, TypeError, "`base` must be a real number"),
}


@pytest.mark.parametrize("case", list(BAD_BASES))
@pytest.mark.parametrize("where", list(BASE_FUNCS))
def test_bad_base(where, case):
    value, error, rule = BAD_BASES[case]
    with pytest.raises(error, match=rule):
        BASE_FUNCS[where](value)


# --------------------------------------------------------------------------- tabulate


@pytest.mark.parametrize(
    ("args", "error", "rule"),
    [
        (([],), ValueError, "`x` must not be empty"),
        ((["a"], []), ValueError, "`y` must not be empty"),
        (([["a", "b"], ["c", "d"]],), ValueError, "`x` must be 1-D"),
        ((pd.DataFrame({"a": [1]}),), ValueError, "`x` must be 1-D"),
        ((["a", None, "b"],), ValueError, "`x` has 1 missing value"),
        ((["a"], pd.Series([1.0, np.nan])), ValueError, "`y` has 1 missing value"),
        (("abc",), TypeError, "`x` must be a sequence of labels; got a single string"),
        ((["a"], "abc"), TypeError, "`y` must be a sequence of labels"),
    ],
    ids=["empty-x", "empty-y", "2-D", "dataframe", "missing-x", "missing-y", "string", "string-y"],
)
def test_bad_labels_tabulate(args, error, rule):
    with pytest.raises(error, match=rule):
        kls.tabulate(*args)


def test_counts_as_dict_rejected():
    with pytest.raises(TypeError, match=r"`p` must be array_like.*dict"):
        kls.kl_divergence({"a": 1, "b": 2}, GOOD)


# --------------------------------------------------------------------------- docstrings

# phrases each function's Raises section must contain, one per bad-input case
RAISES_PHRASES = {
    kls.kl_divergence: [
        "negative",
        "NaN",
        "infinite",
        "empty",
        "all-zero",
        "different lengths",
        "both or neither of ``q`` and ``reference``",
        "negative or non-finite reference probabilities",
        "2-D input",
        "unknown estimator",
        "option",
        "``base`` <= 0 or == 1",
        "non-numeric counts",
    ],
    kls.entropy: [
        "negative",
        "NaN",
        "infinite",
        "empty",
        "all-zero",
        "2-D input",
        "unknown estimator",
        "option",
        "``base`` <= 0 or == 1",
        "non-numeric counts",
    ],
    kls.mutual_information: [
        "1-D input",
        "negative",
        "NaN",
        "infinite",
        "empty",
        "all-zero",
        "different lengths",
        "unknown estimator",
        "option",
        "``base`` <= 0 or == 1",
        "non-numeric counts",
    ],
    kls.jensen_shannon: [
        "negative",
        "NaN",
        "infinite",
        "empty",
        "all-zero",
        "different lengths",
        "2-D input",
        "``base`` <= 0 or == 1",
        "non-numeric counts",
    ],
    kls.tabulate: ["empty", "not 1-D", "missing values", "single string"],
}
RAISES_PHRASES[kls.cross_entropy] = RAISES_PHRASES[kls.kl_divergence]


@pytest.mark.parametrize("func", list(RAISES_PHRASES), ids=lambda f: f.__name__)
def test_docstring_lists_every_case(func):
    raises = FunctionDoc(func)["Raises"]
    kinds = {(p.type or p.name) for p in raises}
    assert {"ValueError", "TypeError"} <= kinds
    text = " ".join(" ".join(p.desc) for p in raises)
    text = " ".join(text.split())
    missing = [phrase for phrase in RAISES_PHRASES[func] if phrase not in text]
    assert not missing, f"{func.__name__}: Raises does not mention {missing}"
