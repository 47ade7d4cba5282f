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
from html import unescape
from pathlib import Path

import pytest
from conftest import build, copy_project, read_rows, tail, write_rows
from test_browser import browser, pages, serve

from nhsbook import data

LOCAL = [n for n in data.resource_names() if not data.is_remote(data.resource(n))]
MARKER = re.compile(r"INJ\d{5}Q")
RENDER_TIMEOUT_MS = 15_000
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
    project = copy_project(tmp_path_factory.mktemp("injection") / "project")
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


def check_page(chromium, url: str, markers: dict) -> tuple[list[str], set[str]]:
    """Problems found on one page, and the markers it shows as text."""
    problems: list[str] = []
    context = chromium.new_context()
    page = context.new_page()

    def on_dialog(dialog):
        problems.append(f"a dialog opened: {dialog.message!r}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(url, wait_until="load")
    title = re.search(r"<title>(.*?)</title>", page.request.get(url).text(), re.S)
    expected_title = unescape(title.group(1)).strip() if title else None
    if page.locator("figure[data-nhsbook-figure]").count():
        try:
            page.wait_for_function(
                "() => [...document.querySelectorAll('figure[data-nhsbook-figure]')]"
                ".every(f => f.hasAttribute('data-rendered'))",
                timeout=RENDER_TIMEOUT_MS,
            )
        except Exception:  # noqa: BLE001 - a chart that does not draw is reported, not fatal
            problems.append("figures not drawn")
    page.wait_for_load_state("networkidle")
    if page.title() != expected_title:
        problems.append(f"title changed to {page.title()!r} (was {expected_title!r})")
    for marker in page.evaluate(
        "() => [...document.querySelectorAll('[data-inj]')].map(e => e.getAttribute('data-inj'))"
    ):
        name, row, field = markers.get(marker, ("?", 0, "?"))
        problems.append(
            f"element created from data/{name}.csv row {row} field '{field}' ({marker})"
        )
    text = page.evaluate(VISIBLE_TEXT)
    shown = set(MARKER.findall(text))
    for marker in sorted(shown):
        if payload(marker) not in text:
            name, row, field = markers.get(marker, ("?", 0, "?"))
            problems.append(
                f"data/{name}.csv row {row} field '{field}' not shown literally ({marker})"
            )
    context.close()
    return problems, shown


def test_no_text_from_data_becomes_markup(injected_site, chromium_path):
    site, markers = injected_site
    report, shown = {}, set()
    with serve(site) as base, browser(chromium_path) as chromium:
        for name in pages(site):
            problems, seen = check_page(chromium, f"{base}/{name}", markers)
            shown |= seen
            if problems:
                report[name] = sorted(set(problems))
    assert not report, "markup from data/ reached the pages:\n" + "\n".join(
        f"{page}:\n  "
        + "\n  ".join(problems[:12])
        + (f"\n  ... {len(problems) - 12} more" if len(problems) > 12 else "")
        for page, problems in report.items()
    )
    assert shown, "no injected text was shown on any page: the test would prove nothing"
