import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _no_global_random_state():
    """klstats must never touch numpy's legacy global random state."""
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    yield
    after = np.random.get_state()[1]  # noqa: NPY002
    assert np.array_equal(before, after), "a test or klstats changed np.random global state"


@pytest.fixture(params=["int", "generator", "seedsequence"])
def rng_any(request):
    """Every accepted `rng` type (SPEC 7)."""
    return {
        "int": 12345,
        "generator": np.random.default_rng(12345),
        "seedsequence": np.random.SeedSequence(12345),
    }[request.param]
