"""The PDF edition: the built HTML book printed by Chromium as one A4 document.

``python -m nhsbook.pdf [site]`` (run by ``make book`` after the HTML build) joins the
main content of every page in table-of-contents order into one print page beside the
site (``_build/pdf-print/``, not published), with a cover (title, version, date, how
to cite) and a table of contents. Ids are made unique per page and internal links
point into the one document.
Chromium (Debian's, driven by Playwright) draws the Vega charts exactly as on screen and
prints them as vector graphics, with page numbers and a PDF outline (bookmarks). Code
cells are left out; figures keep their numbers and captions.

Without Chromium the command says the PDF was skipped and how to install it (on CI,
where ``CI=true``, that is an error).
"""

import argparse
import html
import json
import os
import posixpath
import sys
import time
from pathlib import Path

import yaml
from bs4 import BeautifulSoup

from nhsbook import citing
from nhsbook.paths import ROOT

PDF_NAME = "culture-behaviour-nhs.pdf"
PDF_FOLDER = "_pdf"  # in the site: the PDF readers download


def print_folder(site: Path) -> Path:
    """Where the print page and its layout check go: beside the site, not published."""
    return site.parent / "pdf-print"


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
DRAW_TIMEOUT_S = 60
# A4 less the margins below, in CSS pixels (96 per inch): the width the print lays out.
CONTENT_WIDTH_PX = round((210 - 16 - 16) / 25.4 * 96)
OVERFLOW_JS = """() => [...document.querySelectorAll('table, figure.nhsbook-figure svg')]
  .filter(e => e.getBoundingClientRect().right > document.body.clientWidth + 1)
  .map(e => (e.closest('[id]') || {}).id || e.tagName)"""
REMOVE = [
    "div.cell_input",
    "details.above-input",
    "a.headerlink",
    "div.vega-bindings",
    "button",
    "script:not([type='application/json'])",
    ".nhsbook-no-print",
]


def toc_docs(root: Path = ROOT) -> list[str]:
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    return [toc["root"], *(c["file"] for part in toc["parts"] for c in part["chapters"])]


def slug(docname: str) -> str:
    return docname.replace("/", "-")


def _target(docname: str, href: str, docs: set[str]) -> str | None:
    """The in-document anchor for a link on page ``docname``, or None if it leaves the book."""
    if href.startswith(("http://", "https://", "mailto:")):
        return href
    path, _, anchor = href.partition("#")
    if not path:
        return f"#{slug(docname)}--{anchor}" if anchor else None
    if not path.endswith(".html"):
        return None  # a download or a site file: no target inside the PDF
    target = posixpath.normpath(posixpath.join(posixpath.dirname(docname), path[:-5]))
    if target not in docs:
        return None
    return f"#{slug(target)}--{anchor}" if anchor else f"#{slug(target)}"


def page_content(site: Path, docname: str, docs: set[str]) -> tuple[str, list[tuple]]:
    """A page's article for the print document, and its (level, id, title) headings."""
    soup = BeautifulSoup((site / f"{docname}.html").read_text(encoding="utf-8"), "html.parser")
    article = soup.select_one("article.bd-article")
    for selector in REMOVE:
        for node in article.select(selector):
            node.decompose()
    for node in article.select("details"):
        node["open"] = ""  # print what a reader would unfold
    for node in article.select("[id]"):
        node["id"] = f"{slug(docname)}--{node['id']}"
    for image in article.select("img[src]"):
        if not image["src"].startswith(("http://", "https://", "data:")):
            path = posixpath.normpath(posixpath.join(posixpath.dirname(docname), image["src"]))
            image["src"] = f"../{site.name}/{path}"  # relative to the print page
        image.attrs.pop("loading", None)
    for link in article.select("a[href]"):
        target = _target(docname, link["href"], docs)
        if target is None:
            link.unwrap()
        else:
            link["href"] = target
            link.attrs.pop("download", None)
    headings = []
    for heading in article.select("h1, h2"):
        section = heading.find_parent("section")
        title = " ".join(heading.get_text(" ").split())
        if section is not None and section.get("id"):
            headings.append((int(heading.name[1]), section["id"], title))
    return str(article), headings


def cover_html() -> str:
    cff = citing.citation_file()
    date = citing.last_updated()
    esc = html.escape
    return (
        '<section class="pdf-cover">'
        f"<h1>{esc(cff['title'])}</h1>"
        f'<p class="pdf-version">Version {esc(str(cff["version"]))} · {esc(date)}</p>'
        f"{citing.how_to_cite_html().replace('<details>', '<details open>')}</section>"
    )


def contents_html(entries: list[tuple[str, list[tuple]]]) -> str:
    items = []
    for docname, headings in entries:
        sub = "".join(
            f'<li><a href="#{hid}">{html.escape(title)}</a></li>'
            for level, hid, title in headings
            if level == 2
        )
        top = next((t for level, _, t in headings if level == 1), docname)
        items.append(
            f'<li><a href="#{slug(docname)}">{html.escape(top)}</a>'
            + (f"<ol>{sub}</ol>" if sub else "")
            + "</li>"
        )
    return f'<nav class="pdf-contents"><h1>Contents</h1><ol>{"".join(items)}</ol></nav>'


def print_document(site: Path) -> str:
    """The whole book as one HTML document for printing (in :func:`print_folder`)."""
    docs = toc_docs()
    pages, entries = [], []
    for docname in docs:
        if not (site / f"{docname}.html").is_file():
            raise FileNotFoundError(f"{site / docname}.html: build the HTML book first")
        content, headings = page_content(site, docname, set(docs))
        pages.append(f'<section class="pdf-page" id="{slug(docname)}">{content}</section>')
        entries.append((docname, headings))
    static = f"../{site.name}/_static"
    bundle = sorted((site / "_static" / "nhsbook").glob("vega-bundle-*.js"))
    scripts = [f"{static}/nhsbook/{b.name}" for b in bundle] + [f"{static}/nhsbook-figures.js"]
    styles = ["sphinx-design.min.css", "nhsbook.css"]
    print_css = (Path(__file__).parent / "static" / "nhsbook-print.css").read_text()
    title = html.escape(citing.citation_file()["title"])
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title>"
        + "".join(f'<link rel="stylesheet" href="{static}/{s}">' for s in styles)
        + f"<style>{print_css}</style></head><body>"
        + cover_html()
        + contents_html(entries)
        + "".join(pages)
        + "".join(f'<script src="{s}"></script>' for s in scripts)
        + "</body></html>"
    )


FOOTER = (
    '<div style="font-size:8px;width:100%;text-align:center;color:#444">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)


def render(site: Path, out: Path | None = None) -> Path:
    """Write the print page and the PDF; return the PDF's path."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"The PDF edition needs Chromium at {CHROMIUM}: install Debian's chromium "
            "(apt-get install chromium) or set CHROMIUM to its path."
        )
    folder = print_folder(site)
    folder.mkdir(exist_ok=True)
    (site / PDF_FOLDER).mkdir(exist_ok=True)
    page_file = folder / "book.html"
    page_file.write_text(print_document(site), encoding="utf-8")
    out = out or site / PDF_FOLDER / PDF_NAME
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": CONTENT_WIDTH_PX, "height": 1000})
            page.emulate_media(media="print")
            page.goto(page_file.resolve().as_uri(), wait_until="load")
            page.wait_for_function(
                "[...document.querySelectorAll('figure[data-nhsbook-figure]')]"
                ".every(f => f.getAttribute('data-rendered'))",
                timeout=DRAW_TIMEOUT_S * 1000,
            )
            failed = page.eval_on_selector_all(
                "figure[data-nhsbook-figure]:not([data-rendered='true'])",
                "figures => figures.map(f => f.id)",
            )
            if failed:
                raise RuntimeError(f"figures not drawn for the PDF: {failed}")
            overflow = page.evaluate(OVERFLOW_JS)
            (folder / "overflow.json").write_text(json.dumps(overflow, indent=1) + "\n")
            page.pdf(
                path=str(out),
                format="A4",
                margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
                print_background=True,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=FOOTER,
                outline=True,
                tagged=True,
            )
        finally:
            browser.close()
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", default=str(ROOT / "_build" / "html"))
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if not Path(CHROMIUM).exists() and os.environ.get("CI") != "true":
        print(f"PDF edition skipped: no Chromium at {CHROMIUM} (apt-get install chromium).")
        return 0
    try:
        pdf = render(Path(args.site))
    except Exception as error:  # the message is the last thing printed, and the exit is non-zero
        print(f"PDF edition failed: {error}", file=sys.stderr)
        return 1
    size = pdf.stat().st_size / 1e6
    print(f"PDF edition: {pdf} ({size:.1f} MB, {time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
