"""Every glued number links to the code cell that computed it (nhsbook/provenance.py).

Kernel side: ``glue_value`` records the running cell and the data it loaded.
Build side: each pasted value is a link to its cell, with true minus signs, and
the chapter's download and launch menus say how to set up a downloaded notebook.
Browser: on every chapter page, every glued number's link reaches a cell on the
page that contains the ``glue_value`` call for that name; following a link opens
and highlights the cell, and focusing it shows the data that cell loaded.
"""

import functools
import re
import shutil

import nbformat
import pytest
from bs4 import BeautifulSoup
from conftest import ROOT
from myst_nb.ext.glue import extract_glue_data_cell
from test_browser import serve
from test_standalone import run_notebook

from nhsbook import provenance

CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("*.md"))


# --------------------------------------------------------------------------- package


def test_glued_text_uses_true_minus_signs():
    assert provenance.glued_text("-0.25 (-1.2 to -0.1)") == "\u22120.25 (\u22121.2 to \u22120.1)"
    assert provenance.glued_text("2.2e-05") == "2.2e\u221205"
    assert provenance.glued_text("2007-2009, COVID-19") == "2007-2009, COVID-19"


def test_a_resource_is_described_by_file_source_and_locator():
    text = provenance.describe("survey_means")
    assert text.startswith("data/survey_means.csv — Dixon-Woods et al. (2014), Table 2")


def test_descriptions_are_kept_between_builds_only_while_the_fingerprint_holds():
    """A page re-read after a prose edit reuses the descriptions (no pandas, no data load);
    a change of data, code, references or lock (a new fingerprint) starts afresh."""

    class Environment:
        pass

    env = Environment()
    kept = provenance._descriptions(env, "fingerprint-1")
    kept["survey_means"] = "described once"
    assert provenance._descriptions(env, "fingerprint-1") == {"survey_means": "described once"}
    assert provenance._descriptions(env, "fingerprint-2") == {}
    assert provenance._descriptions(env, None) == {}, "no fingerprint: nothing is trusted"
    record = {"loaded": ["survey_means"], "loaded_earlier": []}
    known = {}
    assert provenance._popover(record, known) == {
        "loaded": [provenance.describe("survey_means")],
        "earlier": [],
    }
    assert known == {"survey_means": provenance.describe("survey_means")}


def test_glue_value_records_its_cell_and_the_data_loaded(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell('import nhsbook\nmeans = nhsbook.load("survey_means")'),
        nbformat.v4.new_code_cell('nhsbook.glue_value("first", -1.5)'),
        nbformat.v4.new_code_cell(
            'items = nhsbook.load("survey_items")\nnhsbook.glue_value("second", len(items))'
        ),
    ]
    run_notebook(notebook, tmp_path)
    records = {
        key: (cell.execution_count, output["metadata"][provenance.METADATA_KEY])
        for cell in notebook.cells
        for key, output in extract_glue_data_cell(cell)
    }
    count, first = records["first"]
    assert first == {"cell": count, "loaded": [], "loaded_earlier": ["survey_means"]}
    count, second = records["second"]
    assert second == {"cell": count, "loaded": ["survey_items"], "loaded_earlier": ["survey_means"]}


# --------------------------------------------------------------------------- built pages


def glue_call(name: str, code: str) -> bool:
    """Whether ``code`` has a ``glue_value`` call for ``name`` (literal or f-string name)."""
    if re.search(r"glue_value\(\s*[\"']" + re.escape(name) + r"[\"']", code):
        return True
    for template in re.findall(r"glue_value\(\s*f(?:\"([^\"]+)\"|'([^']+)')", code):
        template = "".join(template)
        parts = re.split(r"\{[^}]*\}", template)
        if re.fullmatch(".+?".join(re.escape(p) for p in parts), name):
            return True
    return False


def test_glue_call_matches_literal_and_formatted_names():
    assert glue_call("n_items", 'glue_value(\n    "n_items", 3)')
    assert glue_call("rank_r_staff", 'glue_value(f"rank_r_{key}", r)')
    assert glue_call("spc_998_dark", "glue_value(\n f\"{m}_{lv.replace('.', '')}_{side}\", n)")
    assert not glue_call("n_item", 'glue_value("n_items", 3)')


@functools.cache
def chapter_soup(site, chapter: str) -> BeautifulSoup:
    """A chapter's built page, parsed once for the tests that only read it."""
    return BeautifulSoup((site / "chapters" / f"{chapter}.html").read_text(), "html.parser")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_menus_say_how_to_set_up_a_downloaded_notebook(site, chapter):
    soup = chapter_soup(site, chapter)
    notes = soup.select(".btn-nhsbook-setup-note")
    assert len(notes) == 2, "one line in the download menu and one in the launch menu"
    for note in notes:
        assert "needs the nhsbook package and data/" in note.get_text()
        assert "git clone https://github.com/nhsbook/culture-behaviour-nhs" in note.get_text()
        assert note["href"].endswith("reproducing.html#running-a-downloaded-notebook")
    reproducing = (site / "book" / "reproducing.html").read_text()
    assert 'id="running-a-downloaded-notebook"' in reproducing


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_glued_numbers_show_true_minus_signs(site, chapter):
    soup = chapter_soup(site, chapter)
    hyphens = [
        s.get_text() for s in soup.select(".pasted-text") if re.search(r"(?<![\w.])-\d", s.text)
    ]
    assert not hyphens, f"hyphen-minus in glued numbers: {hyphens}"


# JavaScript run in each page: one entry per glued number.
GLUED_NUMBERS = """() => [...document.querySelectorAll('.pasted-text, .nhsbook-pasted')]
  .filter(n => !n.parentElement.closest('a.nhsbook-glue, .nhsbook-pasted'))
  .concat([...document.querySelectorAll('a.nhsbook-glue')])
  .map(n => {
    const link = n.closest('a.nhsbook-glue');
    const target = link && document.getElementById(link.hash.slice(1));
    const source = target && target.querySelector('.cell_input');
    return {text: n.textContent, name: link ? link.dataset.glue : null,
            target: link ? link.hash : null, isCell: !!target && target.classList.contains('cell'),
            code: source ? source.textContent : ''};
  })"""


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_glued_number_links_to_the_cell_that_glued_it(served, chapter):
    base, chromium = served
    with chromium.new_page() as page:
        page.goto(f"{base}/chapters/{chapter}.html", wait_until="load")
        numbers = page.evaluate(GLUED_NUMBERS)
        problems = [
            f"{n['text']!r} ({n['name']}): "
            + ("no link" if not n["name"] else f"{n['target']} is not a cell on the page")
            for n in numbers
            if not n["name"] or not n["isCell"]
        ]
        problems += [
            f"{n['text']!r}: cell {n['target']} has no glue_value call for {n['name']!r}"
            for n in numbers
            if n["isCell"] and not glue_call(n["name"], n["code"])
        ]
        assert not problems, f"{len(problems)} of {len(numbers)} glued numbers:\n" + "\n".join(
            problems[:20]
        )
        if not numbers:
            return
        # Keyboard: focusing a number shows its popover with the data its cell loaded.
        link = page.locator("a.nhsbook-glue").first
        link.focus()
        popover = page.locator(f"#{link.get_attribute('aria-describedby')}")
        assert popover.is_visible()
        assert "code cell" in popover.inner_text()
        # Following it opens the collapsed cell and highlights it.
        target = link.get_attribute("href")
        link.press("Enter")
        cell = page.locator(target)
        page.wait_for_function(
            "id => document.getElementById(id).classList.contains('nhsbook-cell-target')",
            arg=target[1:],
        )
        assert cell.locator("details").evaluate_all("ds => ds.every(d => d.open)")
        assert cell.locator(".cell_input").first.is_visible()
        assert page.url.endswith(target)


def test_a_popover_names_the_data_file_its_cell_loaded(served):
    """In goals, the first glued numbers come from a cell that loads reported_counts."""
    base, chromium = served
    with chromium.new_page() as page:
        page.goto(f"{base}/chapters/goals.html", wait_until="load")
        texts = page.evaluate(
            "() => [...document.querySelectorAll('.nhsbook-glue-popover')].map(p => p.textContent)"
        )
    assert any("data/reported_counts.csv — Dixon-Woods et al. (2014)" in t for t in texts)


def test_following_a_number_opens_its_collapsed_cell(site, served, tmp_path):
    """As for a cell tagged hide-input: its source sits in a closed <details>."""
    copy = tmp_path / "html"
    shutil.copytree(site, copy)
    page_file = copy / "chapters" / "goals.html"
    soup = BeautifulSoup(page_file.read_text(), "html.parser")
    target = soup.select_one("a.nhsbook-glue")["href"]
    source = soup.select_one(f"{target} .cell_input")
    details = soup.new_tag("details", attrs={"class": "hide above-input"})
    summary = soup.new_tag("summary")
    summary.string = "Show code cell source"
    source.wrap(details)
    details.insert(0, summary)
    page_file.write_text(str(soup))
    _, chromium = served
    with serve(copy) as base, chromium.new_page() as page:
        page.goto(f"{base}/chapters/goals.html", wait_until="load")
        assert not page.locator(f"{target} .cell_input").is_visible()
        page.locator(f"a.nhsbook-glue[href='{target}']").first.click()
        page.wait_for_function(
            "id => document.getElementById(id).classList.contains('nhsbook-cell-target')",
            arg=target[1:],
        )
        assert page.locator(f"{target} .cell_input").is_visible()
