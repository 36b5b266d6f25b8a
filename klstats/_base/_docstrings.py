"""Shared docstring fragments for parameters that many public functions take.

The scipy/statsmodels pattern: a docstring holds a token such as ``%(rng)s`` on a line of
its own, and :func:`fill_doc` replaces it with the fragment, wrapped at the token's
indentation, when the module is imported. One text per parameter, so the functions
cannot drift apart. Only whole-line tokens are replaced, with ``str.replace`` (no
%-formatting), so a ``%`` elsewhere in a docstring needs no escaping.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from typing import TypeVar

__all__: list[str] = []

F = TypeVar("F", bound=Callable)

WIDTH = 88  # the wrapped fragment stays inside the package's 99-character lines

FRAGMENTS = {
    # SPEC 7 (scientific-python.org/specs/spec-0007) wording, plus the check at the door
    "rng": (
        "When `rng` is None, a new generator is created using entropy from the operating "
        "system. Types other than `numpy.random.Generator` are passed to "
        "`numpy.random.default_rng` to instantiate a ``Generator``. An invalid `rng` "
        "raises TypeError even when the chosen method draws nothing."
    ),
    # tests whose Monte Carlo p-value records its seed (the G-tests): rng=res.seed replays it
    "rng_seed": (
        "Seed of a Monte Carlo p-value. An integer is the seed; None draws one from "
        "operating-system entropy; a Generator or SeedSequence gives one draw of its "
        "stream. The draws come from ``numpy.random.default_rng(seed)`` and the seed is "
        "recorded (``res.seed``, the summary, ``to_dict()``): ``rng=res.seed`` "
        "reproduces the p-value exactly. Validated even when nothing is drawn."
    ),
}

_TOKEN = re.compile(r"^(?P<indent>[ \t]*)%\((?P<name>\w+)\)s[ \t]*$", re.M)


def fill(doc: str) -> str:
    """``doc`` with every whole-line ``%(name)s`` token replaced by its fragment."""

    def replace(m: re.Match) -> str:
        indent = m.group("indent")
        text = FRAGMENTS[m.group("name")]
        return textwrap.fill(text, width=WIDTH, initial_indent=indent, subsequent_indent=indent)

    return _TOKEN.sub(replace, doc)


def fill_doc(func: F) -> F:
    """Decorator: fill the shared fragments into ``func.__doc__``."""
    if func.__doc__:
        func.__doc__ = fill(func.__doc__)
    return func
