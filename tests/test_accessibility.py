"""axe-core on every page of the built site, in light and dark mode: no serious or critical finding.

axe-core is installed from npm at test time (see ``tests/axe.py``); nothing is vendored.
Dark mode is what a reader gets from the theme switcher: ``localStorage.mode = "dark"``.
The pages are checked after their charts are drawn, with every collapsed block (code
cells, the tables of tooltip values) opened, so their contents are checked too.
"""

import os
import shutil

import pytest
from axe import axe_installed, axe_script, blocking, describe, run_axe
from test_browser import RENDER_TIMEOUT_MS, browser, pages, serve

MODES = ("light", "dark")
ALL_DRAWN = (
    "() => [...document.querySelectorAll('figure[data-nhsbook-figure]')]"
    ".every(f => f.getAttribute('data-rendered') === 'true')"
)


def open_page(context, url: str):
    page = context.new_page()
    page.goto(url, wait_until="load")
    page.wait_for_function(ALL_DRAWN, timeout=RENDER_TIMEOUT_MS)
    # Open every collapsed block (code cells, tooltip tables) so their contents are checked.
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    page.wait_for_timeout(300)
    return page


def new_context(chromium, mode: str, width: int = 1280):
    context = chromium.new_context(
        viewport={"width": width, "height": 900}, color_scheme=mode, reduced_motion="reduce"
    )
    context.add_init_script(f"localStorage.setItem('mode', '{mode}');")
    return context


def axe_report(site, chromium_path, modes=MODES) -> dict[tuple[str, str], list[dict]]:
    """{(page, mode): violations} for every page of ``site``.

    One page at a time: two browsers checking the two modes at once took 25 s less but
    3.1 GiB summed resident memory (the budget for ``make test`` is 2 GiB).
    """
    script = axe_script()
    report = {}
    with serve(site) as base, browser(chromium_path) as chromium:
        for mode in modes:
            context = new_context(chromium, mode)
            for name in pages(site):
                page = open_page(context, f"{base}/{name}")
                report[name, mode] = run_axe(page, script)
                page.close()
            context.close()
    return report


@pytest.fixture(scope="module")
def report(site, chromium_path):
    if shutil.which("npm") is None and not axe_installed():
        if os.environ.get("CI") == "true":
            pytest.fail("npm not found: CI needs Node.js and npm to install axe-core")
        pytest.skip("npm not found: install Node.js and npm to run the accessibility check")
    return axe_report(site, chromium_path)


@pytest.mark.parametrize("mode", MODES)
def test_no_serious_or_critical_axe_violation(report, mode):
    failures = {
        name: blocking(found)
        for (name, m), found in report.items()
        if m == mode and blocking(found)
    }
    assert not failures, "\n".join(
        f"{name} ({mode}):\n  {describe(v)}" for name, v in failures.items()
    )


def test_contrast_is_still_checked_in_long_tables_and_code(chromium_path, tmp_path):
    """Text repeating an earlier style is emptied before the contrast rule runs
    (axe.BLANK_REPEATED_STYLES); a style seen once, deep in a long table or a code block,
    is still checked and still fails."""
    if shutil.which("npm") is None and not axe_installed():
        pytest.skip("npm not found: install Node.js and npm to run the accessibility check")
    rows = "".join(f"<tr><td>Trust {n}</td><td>{n}.5</td></tr>" for n in range(300))
    faint = '<tr><td style="color: #d0d0d0">faint row</td><td>1</td></tr>'
    code = "".join(f'<span style="color: #333">x{n}</span> ' for n in range(300))
    (tmp_path / "page.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>T</title></head>'
        f"<body><main><h1>T</h1><table><caption>C</caption>{rows}{faint}{rows}</table>"
        f'<pre>{code}<span style="color: #e0e0e0">faint code</span></pre></main></body></html>',
        encoding="utf-8",
    )
    script = axe_script()
    with serve(tmp_path) as base, browser(chromium_path) as chromium:
        page = chromium.new_page()
        page.goto(f"{base}/page.html")
        violations = run_axe(page, script)
    contrast = [v for v in violations if v["id"] == "color-contrast"]
    flagged = [node["html"] for v in contrast for node in v["nodes"]]
    assert any("faint row" in html for html in flagged), flagged
    assert any("faint code" in html for html in flagged), flagged
    assert len(flagged) == 2, flagged  # the repeated, readable styles: once each, and pass
