"""Sphinx configuration for the klstats documentation."""

import sys
from pathlib import Path

import klstats

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "klstats"
author = "klstats developers"
release = klstats.__version__
version = release
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "mathml",  # formulas as MathML at build time: no MathJax, no network (docs/_ext)
]
html_math_renderer = "mathml"
autosummary_generate = True
templates_path = ["_templates"]
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
exclude_patterns = ["_build"]
nitpicky = False

# pydata-sphinx-theme (as scipy, statsmodels, pandas); everything it needs is installed
# with it, so the site works offline
html_theme = "pydata_sphinx_theme"
html_title = f"klstats {release}"
html_static_path = ["_static"]
html_css_files = ["klstats.css"]
html_show_sourcelink = False
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "navbar_align": "left",
    "header_links_before_dropdown": 4,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
# gallery pages show long code: no section sidebar, so 99-character lines fit
html_sidebars = {"index": [], "api": [], "gallery/*": []}
