"""The package layout: layers import only downwards, and ``import klstats`` stays light.

Layers, bottom to top (a module may import from its own layer or a lower one; imports
inside functions count): ``_base`` (validation, units, warnings, Dask counting),
``_kernels`` (pure numerical kernels), ``_adapters`` (Dask blocks), ``_inference``
(intervals, resampling engine), ``_results`` (result classes, summaries, result plots),
``_estimators``, ``_hypotests``, ``_report`` and the package root (``__init__``,
``__main__``, ``_cli``). See docs/develop/layout.rst, which must list every module.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import klstats

PACKAGE = Path(klstats.__file__).resolve().parent
LAYERS = {
    "_base": 1,
    "_kernels": 2,
    "_adapters": 3,
    "_inference": 4,
    "_results": 5,
    "_estimators": 6,
    "_hypotests": 7,
    "_report": 8,
}
ROOT_LAYER = {
    "datasets": 1,
    "__init__": 9,
    "__main__": 9,
    "_cli": 9,
    "_cli_input": 9,
    "_cli_commands": 9,
    "_cli_render": 9,
}
# imports that still run upwards, each with the owner who removes it; empty when done
KNOWN_UPWARD: set[tuple[str, str]] = set()


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:  # the package itself
        return ROOT_LAYER["__init__"]
    if parts[1] in LAYERS:
        return LAYERS[parts[1]]
    return ROOT_LAYER.get(parts[1], ROOT_LAYER["__init__"])


def _imports(path: Path) -> set[str]:
    """klstats modules imported anywhere in the file (module level or in functions)."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "klstats"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "klstats":
                continue
            for alias in node.names:  # ``from . import _x`` imports the module _x
                folder = PACKAGE.parent / target.replace(".", "/")
                is_module = (folder / f"{alias.name}.py").exists()
                found.add(f"{target}.{alias.name}" if is_module else target)
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer():
    for path in MODULES:
        parts = _module_name(path).split(".")
        if len(parts) > 1 and parts[1] not in LAYERS:
            assert parts[1] in ROOT_LAYER, f"{path}: new subpackage; give it a layer here"


@pytest.mark.parametrize("path", MODULES, ids=[_module_name(p) for p in MODULES])
def test_imports_run_downwards(path):
    module = _module_name(path)
    upward = sorted(
        target
        for target in _imports(path)
        if _layer(target) > _layer(module) and (module, target) not in KNOWN_UPWARD
    )
    assert not upward, f"{module} imports from a higher layer: {upward}"


def _fresh(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_import_is_light():
    """``import klstats`` loads none of the heavy dependencies (they load on first use)."""
    heavy = ["pandas", "scipy.stats", "statsmodels", "matplotlib", "dask"]
    code = f"import sys, klstats; print([m for m in {heavy!r} if m in sys.modules])"
    assert _fresh(code) == "[]"


def test_statsmodels_only_for_summaries():
    code = (
        "import sys, klstats; klstats.entropy([1, 2, 3]); klstats.g_test([10, 20, 30]); "
        "a = 'statsmodels' in sys.modules; klstats.g_test([10, 20, 30]).summary(); "
        "print(a, 'statsmodels' in sys.modules)"
    )
    assert _fresh(code) == "False True"


def test_public_names_resolve():
    assert set(klstats.__all__) <= set(dir(klstats))
    for name in klstats.__all__:
        assert getattr(klstats, name) is not None
    namespace: dict = {}
    exec("from klstats import *", namespace)
    assert set(klstats.__all__) <= set(namespace)
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        klstats.nonexistent  # noqa: B018


def test_every_module_on_the_developer_page():
    docs = Path(__file__).resolve().parent.parent / "docs"
    page = (docs / "develop" / "layout.rst").read_text(encoding="utf-8")
    for path in MODULES:
        rel = path.relative_to(PACKAGE.parent).as_posix()
        if path.name == "__init__.py" and path.parent != PACKAGE:
            continue  # a subpackage is listed by its section
        assert f"``{rel}``" in page or f"``{rel.removeprefix('klstats/')}``" in page, (
            f"{rel} is not on docs/develop/layout.rst ('Where things live'): add a line"
        )
