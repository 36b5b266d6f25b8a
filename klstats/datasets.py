"""Bundled data sets: real, public data with a provenance and licence note each.

The CSV files live in the repository's top-level ``datasets/`` folder and are
installed as the package data ``klstats._data``; ``datasets/README.md`` describes
every file.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = ["describe", "list", "load", "path"]

_builtin_list = list


def _folder():
    try:
        return resources.files("klstats._data")
    except ModuleNotFoundError:  # running from a source checkout without installing
        return Path(__file__).resolve().parent.parent / "datasets"


def list() -> list[str]:
    """Names of the bundled data sets, sorted.

    Examples
    --------
    >>> import klstats as kls
    >>> "mendel_peas" in kls.datasets.list()
    True
    """
    return sorted(p.name[:-4] for p in _folder().iterdir() if p.name.endswith(".csv"))


def path(name: str):
    """Path (a ``Traversable``) of the CSV file of data set ``name``."""
    names = list()
    if not isinstance(name, str) or name not in names:
        raise ValueError(f"Unknown data set {name!r}; available: {names}.")
    return _folder() / f"{name}.csv"


# data sets with one row per category: indexed by that category's label, so that their
# columns are Series of counts (or ratios) labelled by category
_INDEX = {
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


def load(name: str) -> pd.DataFrame:
    """Load a bundled data set as a DataFrame.

    A data set with one row per category (counts by phenotype, genotype, ...) is
    indexed by that category's label, so that each column is a Series of counts
    labelled by category and tests print the category names (and pair counts with
    expected values by label). Data sets with one row per observation, and
    frequency tables in long form with several category columns (``hair_eye_color``,
    ``titanic``, ``ucb_admissions``), keep the default index.

    Parameters
    ----------
    name : str
        One of :func:`list`.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    ValueError
        If ``name`` is not a bundled data set.

    Examples
    --------
    >>> import klstats as kls
    >>> df = kls.datasets.load("mendel_peas")
    >>> int(df["observed"].sum())
    556
    >>> df.index.tolist()
    ['round yellow', 'round green', 'wrinkled yellow', 'wrinkled green']
    """
    with path(name).open("r", encoding="utf-8") as fh:
        df = pd.read_csv(fh, comment="#")
    if name in _INDEX:
        df = df.set_index(_INDEX[name])
    return df


def describe(name: str) -> str:
    """The provenance note of data set ``name`` (its comment header)."""
    lines = []
    with path(name).open("r", encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith("#"):
                break
            lines.append(line[1:].strip())
    return "\n".join(lines)
