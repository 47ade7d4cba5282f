"""Text from data/ can never become markup on a page (stored script injection).

One build of a copy of the book in which every cell of every free-text string field of every
local resource holds a payload of markup with its own marker: a quote-and-bracket breakout,
an element, an image whose ``onerror`` opens a dialog and a script that changes the title.
Every page is then opened in headless Chromium, and on no page may an element carrying a
marker exist, a dialog open or the title change; each marker shown as text must be
accompanied by its whole payload, literally (outside charts, whose labels Vega may shorten).

String fields the loader rejects markup in (values from a list, a pattern, keys, row rules)
cannot reach a page; :func:`test_constrained_fields_reject_markup` shows that they are
rejected, each with a message naming its field.
"""

import re
import shutil
from collections import Counter
from html import unescape
from pathlib import Path

import pytest
from conftest import build, copy_project, read_rows, tail, with_chart_bundle, write_rows
from test_browser import Watch, browser, pages, serve

from nhsbook import data
from nhsbook.tables import make_table

LOCAL = [n for n in data.resource_names() if not data.is_remote(data.resource(n))]
MARKER = re.compile(r"INJ\d{5}Q")
RENDER_TIMEOUT_MS = 15_000
NO_BLOCKING_DIALOGS = """
window.__dialogs = [];
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
    window[name] = (message) => { window.__dialogs.push(name + ': ' + message); };
}
"""
VISIBLE_TEXT = """() => {
    const body = document.body.cloneNode(true);
    body.querySelectorAll('script, style, noscript, template, svg').forEach(e => e.remove());
    return body.textContent;
}"""


def payload(marker: str) -> str:
    return (
        f'{marker}"\'><b data-inj="{marker}">{marker}</b>'
        f'<img src=x data-inj="{marker}" onerror="alert(\'{marker}\')">'
        f"<script>document.title='PWNED {marker}'</script>"
    )


def string_fields(name: str) -> list[str]:
    return [
        f["name"]
        for f in data.resource(name)["schema"]["fields"]
        if f.get("type", "string") == "string"
    ]


def dependants(name: str) -> list[str]:
    """Resources whose foreign keys point at ``name`` (they break if its keys change)."""
    return [
        other
        for other in LOCAL
        if any(
            fk["reference"]["resource"] == name
            for fk in data.resource(other)["schema"].get("foreignKeys", [])
        )
    ]


def first_filled_row(base: Path, name: str, field: str) -> int | None:
    header, *rows = read_rows(base, name)
    column = header.index(field)
    return next((i for i, row in enumerate(rows, start=1) if row[column]), None)


def probe(base: Path, name: str, field: str) -> str | None:
    """The loader's message when markup is put in one filled cell of ``field``, else None."""
    row = first_filled_row(base, name, field)
    if row is None:
        return "no filled cell to try"
    path = base / f"{name}.csv"
    original = path.read_bytes()
    rows = read_rows(base, name)
    rows[row][rows[0].index(field)] = payload("INJ00000Q")
    write_rows(base, name, rows)
    data.clear_cache()
    try:
        for resource in [name, *dependants(name)]:
            data.load(resource, base=base)
        return None
    except data.DataValidationError as error:
        return str(error)
    finally:
        path.write_bytes(original)
        data.clear_cache()


@pytest.fixture(scope="module")
def classified(tmp_path_factory) -> dict[str, dict[tuple[str, str], str | None]]:
    """Each string field of each local resource: accepted (None) or the loader's message."""
    base = tmp_path_factory.mktemp("probe") / "data"
    shutil.copytree(data.DATA, base)
    result = {
        (name, field): probe(base, name, field) for name in LOCAL for field in string_fields(name)
    }
    data.clear_cache()
    return result


def inject(base: Path, fields: list[tuple[str, str]]) -> dict[str, tuple[str, int, str]]:
    """Put a payload with its own marker in every filled cell of ``fields``; the markers."""
    markers = {}
    for name in sorted({n for n, _ in fields}):
        header, *rows = read_rows(base, name)
        for field in [f for n, f in fields if n == name]:
            column = header.index(field)
            for i, row in enumerate(rows, start=1):
                if row[column]:
                    marker = f"INJ{len(markers) + 1:05d}Q"
                    row[column] = payload(marker)
                    markers[marker] = (name, i, field)
        write_rows(base, name, [header, *rows])
    return markers


@pytest.fixture(scope="module")
def injected_site(classified, tmp_path_factory) -> tuple[Path, dict]:
    """The book built from a copy of the project with markup in every free-text field."""
    project = with_chart_bundle(copy_project(tmp_path_factory.mktemp("injection") / "project"))
    fields = [key for key, message in classified.items() if message is None]
    markers = inject(project / "data", fields)
    data.clear_cache()
    try:
        data.validate_all(project / "data")  # the injected copy is valid data
    finally:
        data.clear_cache()
    result = build(project)
    assert result.returncode == 0, f"the injected book did not build:\n{tail(result)}"
    return project / "_build" / "html", markers


def test_constrained_fields_reject_markup(classified):
    rejected = {key: message for key, message in classified.items() if message}
    accepted = [key for key, message in classified.items() if message is None]
    assert accepted, "no free-text field found"
    print(f"{len(accepted)} free-text fields injected; {len(rejected)} fields reject markup:")
    for (name, field), message in sorted(rejected.items()):
        print(f"  {name}.{field}: {message.splitlines()[0].replace(payload('INJ00000Q'), '…')}")
    for (name, field), message in rejected.items():
        if message == "no filled cell to try":
            continue
        assert re.search(rf"field '([^']*[,+])?{re.escape(field)}([,+][^']*)?'", message), (
            f"{name}.{field}: the loader's message does not name the field:\n{message}"
        )


# Docutils' smart quotes turn straight quotes in prose (glued text) into typographic ones:
# a change of glyph, not of markup, so the comparison folds them back.
TYPOGRAPHIC_QUOTES = str.maketrans("\u201c\u201d\u2018\u2019", "\"\"''")


def shown_literally(text: str, marker: str) -> bool:
    """Wherever ``marker`` starts a shown text its payload follows, whole or cut by an ellipsis.

    ``text`` has its typographic quotes folded already (``TYPOGRAPHIC_QUOTES``).
    """
    whole, position = payload(marker), 0
    while (start := text.find(marker, position)) >= 0:
        shown = text[start : start + len(whole)]
        common = next(
            (i for i, (a, b) in enumerate(zip(shown, whole, strict=False)) if a != b), len(shown)
        )
        if common < len(whole) and not text[start + common :].startswith(("...", "\u2026")):
            return False
        position = start + max(common, len(marker))
    return True


def where(markers: dict, marker: str) -> str:
    """``data/x.csv field 'y'`` for the cell that holds ``marker``."""
    name, _, field = markers.get(marker, ("?", 0, "?"))
    return f"data/{name}.csv field '{field}'"


def check_page(context, url: str, markers: dict) -> tuple[list[str], set[str]]:
    """Problems found on one page, opened in ``context`` (one line per kind of problem and
    field), and the markers it shows as text."""
    problems: list[str] = []
    page = context.new_page()

    def on_dialog(dialog):
        problems.append(f"a dialog opened: {dialog.message!r}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.add_init_script(NO_BLOCKING_DIALOGS)  # counted, not shown: hundreds would time out
    watch = Watch(page)
    page.goto(url, wait_until="load")
    if page.locator("figure[data-nhsbook-figure]").count():
        try:
            page.wait_for_function(
                "() => [...document.querySelectorAll('figure[data-nhsbook-figure]')]"
                ".every(f => f.hasAttribute('data-rendered'))",
                timeout=RENDER_TIMEOUT_MS,
            )
        except Exception:  # noqa: BLE001 - a chart that does not draw is reported, not fatal
            problems.append("figures not drawn")
    problems += [p for p in watch.settle() if p.startswith("request to another host")]
    title = re.search(r"<title>(.*?)</title>", page.request.get(page.url).text(), re.S)
    expected_title = unescape(title.group(1)).strip() if title else ""  # after any redirect
    if page.title() != expected_title:
        problems.append(f"title changed to {page.title()!r} (was {expected_title!r})")
    created = page.evaluate(
        "() => [...document.querySelectorAll('[data-inj]')].map(e => e.getAttribute('data-inj'))"
    )
    problems += [f"element created from {where(markers, m)}" for m in created]
    for message in page.evaluate("window.__dialogs"):
        found = MARKER.search(message)
        problems.append(f"dialog opened by {where(markers, found.group(0) if found else '')}")
    text = page.evaluate(VISIBLE_TEXT).translate(TYPOGRAPHIC_QUOTES)
    shown = set(MARKER.findall(text))
    problems += [
        f"not shown literally: {where(markers, m)}"
        for m in sorted(shown)
        if not shown_literally(text, m)
    ]
    page.close()
    return [f"{n} x {problem}" for problem, n in Counter(problems).items()], shown


def test_no_text_from_data_becomes_markup(injected_site, chromium_path):
    site, markers = injected_site
    report, shown = {}, set()
    with serve(site) as base, browser(chromium_path) as chromium:
        context = chromium.new_context()  # one reader's browser, page after page
        for name in pages(site):
            problems, seen = check_page(context, f"{base}/{name}", markers)
            shown |= seen
            if problems:
                report[name] = sorted(problems)
    assert not report, "markup from data/ reached the pages:\n" + "\n".join(
        f"{page}:\n  " + "\n  ".join(problems) for page, problems in report.items()
    )
    assert shown, "no injected text was shown on any page: the test would prove nothing"


def test_show_table_passes_the_same_check(classified, tmp_path, chromium_path):
    """Every local resource, injected, shown with show_table (markup in a header and the
    caption too): the check above finds nothing and every marker is shown literally."""
    base = tmp_path / "data"
    shutil.copytree(data.DATA, base)
    markers = inject(base, [key for key, message in classified.items() if message is None])
    data.clear_cache()
    tables = []
    try:
        for name in LOCAL:
            frame = data.load(name, base=base)
            header, caption = (f"INJ{len(markers) + i:05d}Q" for i in (1, 2))
            markers |= {header: (name, 0, "header"), caption: (name, 0, "caption")}
            columns = {column: column for column in frame.columns} | {
                frame.columns[0]: payload(header)
            }
            tables.append(
                make_table(frame, caption=payload(caption), columns=columns)._repr_html_()
            )
    finally:
        data.clear_cache()
    site = tmp_path / "site"
    site.mkdir()
    (site / "tables.html").write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Tables</title></head>"
        f"<body>{''.join(tables)}</body></html>",
        encoding="utf-8",
    )
    with serve(site) as url, browser(chromium_path) as chromium:
        problems, shown = check_page(chromium.new_context(), f"{url}/tables.html", markers)
    assert not problems, "\n".join(problems[:20])
    assert shown == set(markers), f"not shown: {sorted(set(markers) - shown)[:10]}"
