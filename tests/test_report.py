"""``kls.Report`` and the standalone HTML it writes, checked as a reader sees it: the
structure by an HTML parser always (title, tables, embedded images, nothing fetched
from the network), the rendering in headless Chromium when the browser is installed."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import klstats as kls
from klstats._report._document import markdown_to_html, markdown_to_latex

VOID = {"meta", "link", "img", "br", "hr", "input", "col", "source", "wbr", "area", "base"}
BIN = Path(sys.executable).parent / "klstats"
CMD = [str(BIN)] if BIN.exists() else [sys.executable, "-m", "klstats._cli"]


class Page(HTMLParser):
    """Records what a structural check needs and whether every tag is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: dict[str, int] = {}
        self.title = ""
        self.images: list[str] = []
        self.external: list[str] = []
        self.right_cells = 0
        self.doctype = None
        self._in_title = False
        self.meta: list[dict] = []

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        for key in ("src", "href", "data", "poster", "srcset"):
            v = (a.get(key) or "").strip().lower()
            loads = key != "href" or tag in ("link", "script", "use", "image")
            if loads and (v.startswith(("http:", "https:", "//", "ftp:"))):
                self.external.append(f"<{tag} {key}={v}>")
        if "style" in a and "url(" in (a["style"] or ""):
            self.external.append(f"<{tag} style url()>")
        if tag == "img":
            self.images.append(a.get("src") or "")
        if tag == "meta":
            self.meta.append(a)
        if tag == "td" and "text-align:right" in (a.get("style") or "").replace(" ", ""):
            self.right_cells += 1
        if tag == "title":
            self._in_title = True
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> does not close <{self.stack[-1] if self.stack else ''}>")
        else:
            self.stack.pop()

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def check_standalone(text: str, *, title: str, min_tables: int = 1, min_images: int = 0):
    page = parse(text)
    assert page.doctype and page.doctype.lower() == "doctype html"
    assert not page.errors, page.errors[:3]
    assert not page.stack, f"unclosed: {page.stack}"
    assert page.title == title
    assert any(m.get("charset", "").lower() == "utf-8" for m in page.meta)
    assert any(m.get("name") == "viewport" for m in page.meta)  # readable on a phone
    assert page.tags.get("style", 0) == 1  # inline CSS
    assert page.tags.get("script", 0) == 0 and page.tags.get("link", 0) == 0
    assert not page.external, page.external  # nothing to fetch
    assert page.tags.get("table", 0) >= min_tables
    assert page.right_cells > 0  # numbers right-aligned
    assert len(page.images) >= min_images
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    return page


@pytest.fixture(scope="module")
def results():
    g = kls.g_test([315, 108, 101, 32], [9, 3, 3, 1], method="montecarlo", n_resamples=999, rng=7)
    d = kls.kl_divergence([30, 20, 10, 5, 1], reference=[0.3, 0.3, 0.2, 0.1, 0.1])
    return g, d


def make_report(results, tmp_path=None, date="2026-01-02"):
    mpl = pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    assert mpl
    g, d = results
    rep = kls.Report("Peas & beans <test>", date=date, command=["klstats", "demo"])
    rep.add("Mendel's **peas**: observed against `9:3:3:1`.\n\n- one\n- two", title="Data")
    rep.add(g)
    rep.add(d, title="Effect size")
    fig = Figure(figsize=(4, 3))
    g.plot(fig.subplots())
    rep.add(fig, title="Counts")
    rep.add(g.summary_frame(), title="As a frame")
    if tmp_path is not None:
        data = tmp_path / "input.csv"
        data.write_text("a,b\n1,2\n")
        rep.add_input(data)
    return rep


class TestHTML:
    def test_standalone_structure(self, results, tmp_path):
        rep = make_report(results, tmp_path)
        text = rep.to_html()
        page = check_standalone(text, title="Peas & beans <test>", min_tables=4, min_images=1)
        assert page.tags["section"] >= 6 and page.tags["h1"] == 1
        assert "<strong>peas</strong>" in text and "<code>9:3:3:1</code>" in text
        assert "G statistic" in text and "Provenance" in text

    def test_provenance(self, results, tmp_path):
        import numpy
        import pandas
        import scipy
        import statsmodels

        rep = make_report(results, tmp_path)
        prov = rep.provenance()
        assert prov["date"] == "2026-01-02"
        assert prov["command"] == "klstats demo"
        for name, mod in (("numpy", numpy), ("scipy", scipy), ("pandas", pandas),
                          ("statsmodels", statsmodels), ("klstats", kls)):  # fmt: skip
            assert prov["versions"][name] == mod.__version__
        digest = hashlib.sha256(b"a,b\n1,2\n").hexdigest()
        assert prov["inputs"][0]["sha256"] == digest and prov["inputs"][0]["bytes"] == 8
        assert {"item": "G-test of goodness of fit", "seed": 7} in prov["seeds"]
        html = rep.to_html()
        assert digest in html and "2026-01-02" in html and numpy.__version__ in html

    def test_byte_identical(self, results, tmp_path):
        a, b = make_report(results), make_report(results)
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        for fmt in ("html", "md", "tex", "json"):
            pa, pb = tmp_path / "a" / f"report.{fmt}", tmp_path / "b" / f"report.{fmt}"
            a.save(pa)
            b.save(pb)
            assert pa.read_bytes() == pb.read_bytes(), fmt
        assert (tmp_path / "a" / "report-figure-1.png").read_bytes() == (
            tmp_path / "b" / "report-figure-1.png"
        ).read_bytes()

    def test_source_date_epoch(self, monkeypatch):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
        assert kls.Report().date == "2026-01-01"
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
        with pytest.raises(ValueError, match="SOURCE_DATE_EPOCH"):
            kls.Report()

    def test_summary_fragment_is_valid_html(self, results):
        g, d = results
        for res in (g, d, kls.lr_test((-100.0, 2), (-95.0, 4))):
            frag = res.summary().as_html()
            page = parse(frag)
            assert not page.errors and not page.stack
            assert frag.startswith("<div") and frag.rstrip().endswith("</div>")
            assert page.tags["table"] >= 1 and page.right_cells >= 3
            assert page.tags.get("script", 0) == 0 and page.tags.get("style", 0) == 0

    def test_escaping(self):
        rep = kls.Report("<b>x</b>", date="2026-01-01").add("<script>alert(1)</script>")
        text = rep.to_html()
        assert "<script>" not in text and "&lt;script&gt;" in text
        assert "<title>&lt;b&gt;x&lt;/b&gt;</title>" in text


class TestOtherFormats:
    def test_markdown(self, results):
        text = make_report(results).to_markdown()
        assert text.startswith("# Peas & beans <test>\n")
        assert "## Effect size" in text and "|:---|---:|" in text
        assert "](data:image/png;base64," in text and "## Provenance" in text

    def test_latex_writes_figures(self, results, tmp_path):
        path = make_report(results).save(tmp_path / "rep.tex")
        text = path.read_text()
        assert text.startswith("\\documentclass{article}") and text.rstrip().endswith(
            "\\end{document}"
        )
        assert "\\includegraphics[width=\\linewidth]{rep-figure-1.png}" in text
        assert (tmp_path / "rep-figure-1.png").read_bytes()[:4] == b"\x89PNG"
        assert "Peas \\& beans \\textless{}test\\textgreater{}" in text
        assert text.count("\\begin{tabular}") == text.count("\\end{tabular}") >= 3

    def test_json(self, results, tmp_path):
        path = make_report(results).save(tmp_path / "rep.json")
        data = json.loads(path.read_text())
        kinds = [item["type"] for item in data["items"]]
        assert kinds == ["markdown", "result", "result", "figure", "frame"]
        g = data["items"][1]["result"]
        assert g["type"] == "GTestResult" and g["seed"] == 7 and g["n_resamples"] == 999
        assert data["provenance"]["date"] == "2026-01-02"

    def test_format_argument_and_errors(self, results, tmp_path):
        rep = kls.Report(date="2026-01-01").add(results[1])
        path = rep.save(tmp_path / "report.txt", format="markdown")
        assert path.read_text().startswith("# klstats report")
        with pytest.raises(ValueError, match="suffix"):
            rep.save(tmp_path / "report.txt")
        with pytest.raises(ValueError, match="format"):
            rep.save(tmp_path / "report.html", format="pdf")
        with pytest.raises(TypeError, match=r"Report\.add takes"):
            rep.add(3.5)
        with pytest.raises(ValueError, match="not found"):
            rep.add_input(tmp_path / "missing.csv")

    def test_markdown_subset(self):
        text = (
            "# Head\n\nSome *em* and [a link](https://example.org).\n\n"
            "1. a\n2. b\n\n```\nx < 1\n```"
        )
        html = markdown_to_html(text)
        assert "<h1>Head</h1>" in html and "<em>em</em>" in html
        assert '<a href="https://example.org">a link</a>' in html
        assert "<ol><li>a</li><li>b</li></ol>" in html and "x &lt; 1" in html
        latex = markdown_to_latex(text)
        assert "\\section*{Head}" in latex and "\\emph{em}" in latex
        assert "\\begin{enumerate}" in latex and "\\begin{verbatim}" in latex


# =========================================================================== CLI


def run(args, cwd, env=None):
    return subprocess.run(
        [*CMD, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=600, env=env
    )


@pytest.fixture(scope="module")
def demo_html(tmp_path_factory):
    pytest.importorskip("matplotlib")
    tmp = tmp_path_factory.mktemp("demo")
    out = run(["demo", "--format", "html", "--output", "demo.html"], tmp)
    assert out.returncode == 0, out.stderr
    return tmp / "demo.html"


def test_cli_demo_html(demo_html):
    text = demo_html.read_text(encoding="utf-8")
    page = check_standalone(text, title="klstats demo", min_tables=10, min_images=5)
    for piece in ("Mendel", "Vuong", "Preferred model", "LR statistic", "Provenance",
                  "klstats demo --format html --output demo.html"):  # fmt: skip
        assert piece in text
    assert "Degrees of freedom: -" not in text
    assert len(text.encode()) < 2_000_000
    assert page.tags["figure"] == len(page.images)


def test_cli_version(tmp_path):
    out = run(["--version"], tmp_path)
    assert out.returncode == 0 and out.stdout.strip() == f"klstats {kls.__version__}"


def test_cli_gof_html_report_with_plot(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "peas.csv"
    kls.datasets.load("mendel_peas").to_csv(path)  # the label index as a column
    args = ["gof", path.name, "--observed", "observed", "--probs", "expected_ratio",
            "--format", "html", "--output", "r.html"]  # fmt: skip
    out = run(args, tmp_path)
    assert out.returncode == 0, out.stderr
    text = (tmp_path / "r.html").read_text()
    check_standalone(text, title="klstats gof", min_tables=2, min_images=1)
    assert hashlib.sha256(path.read_bytes()).hexdigest() in text
    # the report speaks the CLI's language
    assert "f_exp" not in text and "rng" not in text


@pytest.mark.parametrize("fmt", ["markdown", "json", "latex", "text"])
def test_cli_demo_other_formats(fmt, tmp_path):
    out = run(["demo", "--format", fmt, "--output", f"demo.{fmt}"], tmp_path)
    assert out.returncode == 0, out.stderr
    text = (tmp_path / f"demo.{fmt}").read_text(encoding="utf-8")
    assert "Mendel" in text
    if fmt == "json":
        assert json.loads(text)["title"] == "klstats demo"


def test_cli_words():
    from klstats._cli import cli_words

    msg = "use correction='williams' or method='montecarlo'; `f_exp` has zeros; pass rng=1"
    assert cli_words(msg) == (
        "use --correction williams or --method montecarlo; --expected/--probs has zeros; "
        "pass --seed 1"
    )


# =========================================================================== browser


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed")
@pytest.mark.parametrize("width", [390, 1200])
def test_demo_renders_in_chromium(demo_html, tmp_path, width):
    shot = tmp_path / "shot.png"
    common = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
              "--host-resolver-rules=MAP * ~NOTFOUND", "--no-first-run"]  # fmt: skip
    out = subprocess.run(
        [*common, f"--window-size={width},2400", f"--screenshot={shot}", demo_html.as_uri()],
        capture_output=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr[-500:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # something was drawn
    dom = subprocess.run(
        [*common, "--dump-dom", demo_html.as_uri()], capture_output=True, text=True, timeout=180
    )
    assert dom.returncode == 0
    page = parse(dom.stdout)
    assert page.title == "klstats demo" and page.tags.get("img", 0) >= 5
    # the rendered page is the file, not an error page
    assert "Mendel" in dom.stdout and np.isfinite(len(dom.stdout))


# the built documentation (CI builds it before running this file again; skipped here
# when docs/_build/html has not been built)
DOCS_HTML = Path(__file__).resolve().parent.parent / "docs" / "_build" / "html"


@pytest.mark.skipif(
    not (DOCS_HTML / "index.html").is_file(), reason="documentation not built (sphinx)"
)
def test_docs_front_page_structure():
    text = (DOCS_HTML / "index.html").read_text(encoding="utf-8")
    page = parse(text)
    assert page.doctype and page.doctype.lower() == "doctype html"
    assert page.title.startswith("klstats")
    assert not page.external, page.external  # offline: no CDN scripts, fonts or styles
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text))
    assert "pip install ." in words and "Why klstats?" in words
    assert "G-test of goodness of fit" in words and "G statistic" in words
    # formulas are MathML, written at build time (no MathJax)
    guide = (DOCS_HTML / "guide" / "lrtests.html").read_text(encoding="utf-8")
    assert "<math" in guide and "mathjax" not in guide.lower()


@pytest.mark.skipif(
    CHROMIUM is None or not (DOCS_HTML / "index.html").is_file(),
    reason="headless Chromium or the built documentation missing",
)
def test_docs_front_page_renders_in_chromium(tmp_path):
    shot = tmp_path / "front.png"
    url = (DOCS_HTML / "index.html").as_uri()
    common = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
              "--host-resolver-rules=MAP * ~NOTFOUND", "--no-first-run"]  # fmt: skip
    out = subprocess.run(
        [*common, "--window-size=1300,2000", f"--screenshot={shot}", url],
        capture_output=True,
        timeout=180,
    )
    assert out.returncode == 0 and shot.read_bytes()[:4] == b"\x89PNG"
    dom = subprocess.run([*common, "--dump-dom", url], capture_output=True, text=True, timeout=180)
    assert "Why klstats?" in dom.stdout and "G statistic" in dom.stdout
