"""Math rendered at build time as MathML: no JavaScript, no network, works offline.

Sphinx's default (MathJax) loads a script from a CDN, so formulas show as raw LaTeX
without a connection. Here every ``:math:`` role and ``.. math::`` block is converted
to MathML by ``latex2mathml`` when the site is built; browsers draw MathML natively
(Chromium 109+, Firefox, Safari).
"""

from __future__ import annotations

from docutils import nodes
from latex2mathml.converter import convert
from sphinx.application import Sphinx
from sphinx.util.math import get_node_equation_number


def _mathml(latex: str, display: str) -> str:
    return convert(latex.strip(), display=display)


def html_visit_math(self, node: nodes.math) -> None:
    self.body.append(
        f'<span class="math notranslate nohighlight">{_mathml(node.astext(), "inline")}</span>'
    )
    raise nodes.SkipNode


def html_visit_displaymath(self, node: nodes.math_block) -> None:
    parts = [node.astext()] if node.get("nowrap") else node.astext().split("\n\n")
    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if node.get("number"):
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})</span>')
    for part in parts:
        if part.strip():
            self.body.append(_mathml(part, "block"))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict:
    app.add_html_math_renderer(
        "mathml", (html_visit_math, None), (html_visit_displaymath, None)
    )
    return {"parallel_read_safe": True, "parallel_write_safe": True}
