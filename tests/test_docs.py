"""The documentation: API coverage, data-set coverage, runnable pages, gallery figures.

The Sphinx build itself (``python3 -m sphinx -W -b html docs docs/_build/html``) runs in
CI (.ci/run); these tests keep the sources honest without Sphinx installed.
"""

import doctest
import re
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, optimize, stats

import klstats as kls

DOCS = Path(__file__).resolve().parent.parent / "docs"
GALLERY = DOCS / "gallery"
PAGES = sorted(
    p for p in DOCS.rglob("*.rst") if "generated" not in p.parts and "_build" not in p.parts
)
MAX_IMAGE_BYTES = 100 * 1024


def _text(paths):
    return "\n".join(p.read_text(encoding="utf-8") for p in paths)


def test_docs_found():
    assert DOCS.is_dir()
    assert {"index.rst", "api.rst"} <= {p.name for p in PAGES}


@pytest.mark.parametrize("name", kls.__all__)
def test_every_public_name_in_api_reference(name):
    api = (DOCS / "api.rst").read_text(encoding="utf-8")
    # an autosummary entry (its own indented line), or named in full as ``klstats.name``
    entry = re.search(rf"^\s+{re.escape(name)}\s*$", api, re.M)
    assert entry or f"``klstats.{name}``" in api, f"{name} not in docs/api.rst"


@pytest.mark.parametrize("name", kls.datasets.list())
def test_every_data_set_used_in_the_docs(name):
    assert re.search(rf"\b{re.escape(name)}\b", _text(PAGES)), f"{name} not in the docs"


@pytest.mark.parametrize("name", kls.datasets.list())
def test_every_data_set_in_the_gallery_table(name):
    index = (GALLERY / "index.rst").read_text(encoding="utf-8")
    assert f"``{name}``" in index


RUNNABLE = [p for p in PAGES if ">>>" in p.read_text(encoding="utf-8")]


@pytest.mark.parametrize("page", RUNNABLE, ids=[str(p.relative_to(DOCS)) for p in RUNNABLE])
def test_page_examples_run(page):
    if re.search(r"^\s*>>> .*matplotlib", page.read_text(encoding="utf-8"), re.M):
        # needs the plot extra; .ci/run runs this file again with it installed
        pytest.importorskip("matplotlib")
    result = doctest.testfile(
        str(page),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        encoding="utf-8",
    )
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} example(s) of {page.name} failed (see stdout)"


def _referenced_images():
    refs = set()
    for page in PAGES:
        for target in re.findall(r"\.\. image:: (\S+)", page.read_text(encoding="utf-8")):
            refs.add((page.parent / target).resolve())
    return refs


def test_gallery_images_exist_and_are_small():
    refs = _referenced_images()
    assert refs
    for image in refs:
        assert image.is_file(), f"missing image {image}"
        assert image.stat().st_size < MAX_IMAGE_BYTES, f"{image.name} is over 100 KB"


def test_every_gallery_image_is_used_and_made_by_the_script():
    made = set(re.findall(r"^def fig_(\w+)\(", (GALLERY / "make_figures.py").read_text(), re.M))
    on_disk = {p.stem for p in (GALLERY / "images").glob("*.png")}
    used = {p.stem for p in _referenced_images() if p.parent == (GALLERY / "images").resolve()}
    assert on_disk == made, "images/ and the fig_* functions of make_figures.py differ"
    assert used == made, "a figure is made but not shown, or shown but not made"


def test_literalincludes_name_existing_functions():
    source = (GALLERY / "make_figures.py").read_text()
    for name in re.findall(r":pyobject: (\w+)", _text(PAGES)):
        assert re.search(rf"^(def|class) {name}\b", source, re.M), name


# =========================================================================== variational page

# p = 0.5 N(-2, 0.6^2) + 0.5 N(2, 0.6^2), the target of docs/gallery/variational.rst


def _log_p(x):
    return np.logaddexp(
        np.log(0.5) + stats.norm.logpdf(x, -2.0, 0.6), np.log(0.5) + stats.norm.logpdf(x, 2.0, 0.6)
    )


def _exact_reverse(theta):
    """D(q || p) for q = N(mu, sigma^2): E_q[log q - log p] by Simpson's rule on a fine
    grid (log p has a sharp bend between the modes, which defeats Gauss-Hermite)."""
    mu, sigma = theta[0], np.exp(theta[1])
    x = np.linspace(mu - 12 * sigma, mu + 12 * sigma, 8001)
    q = stats.norm(mu, sigma)
    return float(integrate.simpson(q.pdf(x) * (q.logpdf(x) - _log_p(x)), x=x))


def test_quadrature_against_scipy_quad():
    q = stats.norm(0.5, 1.3)
    value = integrate.quad(
        lambda x: q.pdf(x) * (q.logpdf(x) - _log_p(x)), -15, 15, points=[0], limit=500
    )[0]
    assert _exact_reverse([0.5, np.log(1.3)]) == pytest.approx(value, rel=1e-9)


@pytest.fixture(scope="module")
def make_figures():
    pytest.importorskip("matplotlib")
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_figures", GALLERY / "make_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mixture_log_density(make_figures):
    x = np.linspace(-6, 6, 25)
    np.testing.assert_allclose(make_figures.BimodalMixture().logpdf(x), _log_p(x))


def test_variational_fits_against_quadrature(make_figures):
    fits = make_figures.vi_fits()
    # mode-seeking: the exact minimizer of D(q||p), by quadrature and Nelder-Mead
    exact = optimize.minimize(
        _exact_reverse, [1.0, 0.0], method="Nelder-Mead", options={"xatol": 1e-6}
    )
    mu_r, sigma_r, value_r = fits["mode-seeking"]
    assert abs(mu_r - exact.x[0]) < 0.05
    assert abs(sigma_r - np.exp(exact.x[1])) < 0.03
    assert abs(value_r - exact.fun) < 0.06
    assert exact.fun == pytest.approx(np.log(2), abs=0.005)  # half of p ignored
    # mass-covering: moment matching, mean 0 and variance 0.6^2 + 2^2
    mu_f, sigma_f, _ = fits["mass-covering"]
    assert abs(mu_f) < 0.1
    assert abs(sigma_f - np.sqrt(0.36 + 4.0)) < 0.03
    # and from the sample it is the maximum-likelihood fit: the sample mean and sd
    rng = np.random.default_rng(2024)
    x_p = make_figures.BimodalMixture().rvs(2000, rng)
    assert mu_f == pytest.approx(x_p.mean(), abs=1e-3)
    assert sigma_f == pytest.approx(x_p.std(), abs=1e-3)
    # the page prints these numbers
    page = (GALLERY / "variational.rst").read_text(encoding="utf-8")
    assert f"mu = {mu_r:.2f}, sigma = {sigma_r:.2f}" in page
    assert f"mu = {mu_f:.2f}, sigma = {sigma_f:.2f}" in page
    assert f"{value_r:.2f} (exact {exact.fun:.2f})" in page
