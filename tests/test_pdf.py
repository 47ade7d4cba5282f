"""The PDF edition: one A4 book with every chapter, number, figure and working links."""

import json
import re
import subprocess
from pathlib import Path

import pytest

from nhsbook import pdf

A4 = (595.92, 842.88)  # points


@pytest.fixture(scope="session")
def book_pdf(site, chromium_path) -> Path:
    return pdf.render(site)


@pytest.fixture(scope="session")
def pdf_text(book_pdf) -> str:
    text = subprocess.run(
        ["pdftotext", "-layout", str(book_pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(text.split())


def chapter_pages(site: Path) -> list[tuple[str, str]]:
    """(title, html) of every chapter in book order."""
    pages = []
    for doc in pdf.toc_docs():
        if doc.startswith("chapters/"):
            page = (site / f"{doc}.html").read_text()
            article = page[page.index('<article class="bd-article">') :]
            h1 = re.search(r"<h1>(.*?)<a class=\"headerlink\"", article, re.S).group(1)
            pages.append((" ".join(re.sub(r"<[^>]+>", "", h1).split()), page))
    return pages


def test_every_chapter_and_a_glued_number_of_each_are_in_the_pdf(site, pdf_text):
    titles = [t for t, _ in chapter_pages(site)]
    # The last occurrence is the chapter's heading (the first is in the contents).
    positions = [pdf_text.rfind(t) for t in titles]
    assert all(p >= 0 for p in positions), titles
    assert positions == sorted(positions), titles
    bounds = [*positions, len(pdf_text)]
    for i, (title, page) in enumerate(chapter_pages(site)):
        glued = re.findall(r'<span class="pasted-text">([^<]+)</span>', page)
        numbers = sorted({g for g in glued if re.search(r"\d", g)}, key=len, reverse=True)
        assert numbers, f"{title}: no glued number on the page"
        section = pdf_text[bounds[i] : bounds[i + 1]]
        assert numbers[0] in section, f"{title}: glued {numbers[0]!r} not in its PDF chapter"


def test_one_caption_for_every_figure_and_no_code(site, pdf_text):
    figures = len(re.findall(r'"id":', (site / "_figures" / "index.json").read_text()))
    labels = set(re.findall(r"Figure (\d+\.\d+)", pdf_text))
    assert len(labels) == figures
    for code in ("import nhsbook", "glue_value(", "show_figure("):
        assert code not in pdf_text


def test_pages_are_a4_outline_and_budget(book_pdf):
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "9999", str(book_pdf)], capture_output=True, text=True
    ).stdout
    sizes = [tuple(map(float, m)) for m in re.findall(r"size:\s+([\d.]+) x ([\d.]+) pts", info)]
    assert sizes and all(w <= A4[0] + 1 and h <= A4[1] + 1 for w, h in sizes)
    assert b"/Outlines" in book_pdf.read_bytes()
    assert book_pdf.stat().st_size <= 10 * 1024 * 1024


def test_every_table_and_chart_fits_the_a4_column(site, book_pdf):
    overflow = json.loads((pdf.print_folder(site) / "overflow.json").read_text())
    assert overflow == [], f"wider than the A4 text column: {overflow}"


def test_internal_links_all_land(site, book_pdf):
    page = (pdf.print_folder(site) / "book.html").read_text()
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    missing = {h for h in re.findall(r'href="#([^"]+)"', page) if h not in ids}
    assert not missing, sorted(missing)[:10]


def test_rendered_pages_are_not_blank(book_pdf, tmp_path):
    pages = int(re.search(r"Pages:\s+(\d+)", _pdfinfo(book_pdf)).group(1))
    for number in (1, pages // 2, pages):
        out = tmp_path / f"p{number}"
        subprocess.run(
            ["pdftoppm", "-gray", "-r", "20", "-f", str(number), "-l", str(number), book_pdf, out],
            check=True,
        )
        image = next(tmp_path.glob(f"p{number}*.pgm")).read_bytes()
        pixels = image.split(b"\n", 3)[3]  # P5 header: magic, size, maxval
        dark = sum(1 for value in pixels if value < 200)
        assert dark / len(pixels) > 0.005, f"page {number} looks blank"


def _pdfinfo(path: Path) -> str:
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout


def test_every_page_links_to_the_pdf(site, book_pdf):
    for page in [*site.glob("book/*.html"), *site.glob("chapters/*.html")]:
        link = re.search(r'href="([^"]+\.pdf)"', page.read_text())
        assert link, page.name
        assert (page.parent / link.group(1)).resolve() == book_pdf.resolve(), page.name
