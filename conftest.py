"""Repository-wide pytest setup: plots (optional matplotlib) in tests and doctests."""

import importlib.util
import os
import sys

import pytest

# draw without a display; set before any test imports matplotlib
os.environ.setdefault("MPLBACKEND", "Agg")

HAVE_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None


def pytest_collection_modifyitems(config, items):
    """Skip the doctests that draw plots when matplotlib (``klstats[plot]``) is missing."""
    if HAVE_MATPLOTLIB:
        return
    skip = pytest.mark.skip(reason='matplotlib is not installed (pip install "klstats[plot]")')
    for item in items:
        examples = getattr(getattr(item, "dtest", None), "examples", ())
        if any("plot" in ex.source or "matplotlib" in ex.source for ex in examples):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every figure a test opened (matplotlib warns beyond 20 open figures)."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
