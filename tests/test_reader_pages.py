"""Readers see prose, figures and clean tables: no notebook plumbing on any built page.

Checked in the built HTML of every page (no browser needed):
- no raw pandas table (``table.dataframe``): tables come from ``nhsbook.show_table``;
- no snake_case or empty table header;
- no raw library repr (``... object at 0x``, ``SomethingResult(``, ``np.float64(``);
- no ``inf``/``nan``, unformatted float (0.973941) or hyphen-minus before a number in a
  table, a cell output or a glued number;
- no printed output (``print`` debugging) and no bare ``text/plain`` repr of a cell;
- no import or ``glue_value`` cell shown open (they are ``remove-cell`` / ``hide-input``).
"""

import re

import pytest
from bs4 import BeautifulSoup
from test_browser import pages

SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
RAW_REPR = re.compile(r"object at 0x[0-9a-f]+|\b[A-Z]\w*Result\(|\bnp\.\w+\(|\bdtype[:=]")
NOT_A_NUMBER = re.compile(r"(?<![\w.])[-−]?(?:inf|nan|NaN|Infinity)(?![\w])")
UNFORMATTED = re.compile(r"(?<![\w.])-?\d+\.\d{5,}(?![\w])")
HYPHEN_MINUS = re.compile(r"(?<![\w\-–])-\d")
PLUMBING_CODE = re.compile(r"^\s*(?:import \w|from [\w.]+ import )|glue_value\(", re.M)
SKIP = {"genindex.html", "search.html", "index.html"}


def snippet(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def problems_on(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    main = soup.select_one("main") or soup
    found = []
    for number, table in enumerate(main.select("table"), 1):
        caption = table.caption.get_text(" ", strip=True) if table.caption else ""
        issues = []
        if "dataframe" in (table.get("class") or []):
            issues.append("raw pandas table (use nhsbook.show_table)")
        details = table.find_parent("details")
        if not caption and details is not None and details.summary is not None:
            caption = details.summary.get_text(" ", strip=True)  # a named, collapsed table
        if not caption and table.find_parent(class_="cell_output"):
            issues.append("no caption")
        headers = [th.get_text(" ", strip=True) for th in table.select("th")]
        empty = sum(
            1
            for th, text in zip(table.select("th"), headers, strict=True)
            if not text and not th.get("aria-label")
        )
        if empty:
            issues.append(f"{empty} empty header cells")
        snake = [text for text in headers if SNAKE_CASE.search(text)]
        if snake:
            issues.append(f"snake_case headers {snake[:4]}")
        cells = [td.get_text(" ", strip=True) for td in table.select("td")]
        for pattern, what in (
            (NOT_A_NUMBER, "inf/nan"),
            (UNFORMATTED, "unformatted numbers"),
            (HYPHEN_MINUS, "hyphen-minus signs"),
        ):
            bad = [snippet(text, 30) for text in cells if pattern.search(text)]
            if bad:
                issues.append(f"{what} {bad[:3]}")
        if issues:
            name = snippet(caption, 40) if caption else f"table {number}"
            found.append(f"{name}: " + "; ".join(issues))
    for output in main.select(".cell_output .output"):
        classes = output.get("class") or []
        text = output.get_text(" ", strip=True)
        if "stream" in classes:
            found.append(f"printed output: {snippet(text)!r}")
        elif "text_plain" in classes:
            found.append(f"raw text output: {snippet(text)!r}")
        if RAW_REPR.search(text):
            found.append(f"raw repr in output: {snippet(RAW_REPR.search(text).group(0))!r}")
    for glued in main.select(".pasted-text, .pasted-inline"):
        text = glued.get_text(" ", strip=True)
        if NOT_A_NUMBER.search(text) or RAW_REPR.search(text):
            found.append(f"glued text {snippet(text)!r}")
    for cell_input in main.select(".cell_input"):
        if cell_input.find_parent("details") is None and PLUMBING_CODE.search(
            cell_input.get_text()
        ):
            code = cell_input.get_text()
            line = code[PLUMBING_CODE.search(code).start() :].strip().splitlines()[0]
            found.append(f"plumbing code shown open: {snippet(line)!r}")
    return found


def test_a_clean_page_passes_and_each_kind_of_plumbing_is_caught():
    clean = (
        '<main><table class="nhsbook-table"><caption>Trusts</caption><thead><tr>'
        "<th>Trust</th><th>Change (points)</th></tr></thead><tbody><tr><td>A</td>"
        "<td>−0.12</td></tr><tr><td>B</td><td>2007–2009</td></tr></tbody></table></main>"
    )
    assert problems_on(clean) == []
    dirty = (
        '<main><table class="dataframe"><thead><tr><th></th><th>p_val</th></tr></thead>'
        "<tbody><tr><th>0</th><td>0.973941</td></tr><tr><td>inf</td><td>-0.5</td></tr>"
        '</tbody></table><div class="cell_output"><div class="output stream">0 dissonant '
        'cells []</div><div class="output text_plain">BinomTestResult(k=3)</div></div>'
        '<div class="cell_input">import pandas as pd</div><div class="cell_output"><table>'
        "<tr><td>1</td></tr></table></div></main>"
    )
    found = "\n".join(problems_on(dirty))
    for expected in (
        "raw pandas table",
        "empty header",
        "snake_case headers ['p_val']",
        "no caption",
        "unformatted number",
        "inf/nan",
        "hyphen-minus",
        "printed output",
        "raw text output",
        "raw repr",
        "plumbing code shown open",
    ):
        assert expected in found, f"{expected!r} not caught:\n{found}"


@pytest.mark.parametrize("kind", ["chapters", "book"])
def test_no_notebook_plumbing_on_reader_pages(site, kind):
    report = {}
    for name in pages(site):
        if name in SKIP or not name.startswith(kind + "/"):
            continue
        found = problems_on((site / name).read_text(encoding="utf-8"))
        if found:
            report[name] = found
    assert not report, "\n".join(
        f"{name} ({len(found)}):\n  " + "\n  ".join(found[:25]) for name, found in report.items()
    )
