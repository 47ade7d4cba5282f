"""axe-core on every page of the built site, in light and dark mode: no serious or critical finding.

axe-core is installed from npm at test time (see ``tests/axe.py``); nothing is vendored.
Dark mode is what a reader gets from the theme switcher: ``localStorage.mode = "dark"``.
The pages are checked after their charts are drawn, with every collapsed block (code
cells, the tables of tooltip values) opened, so their contents are checked too.
"""

import os
import shutil
from concurrent.futures import ThreadPoolExecutor

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
    """{(page, mode): violations} for every page of ``site``; the modes are checked at the
    same time, each by its own browser in its own thread (Playwright is not thread-safe)."""
    script = axe_script()

    def check(mode: str) -> dict[tuple[str, str], list[dict]]:
        found = {}
        with browser(chromium_path) as chromium:
            context = new_context(chromium, mode)
            for name in pages(site):
                page = open_page(context, f"{base}/{name}")
                found[name, mode] = run_axe(page, script)
                page.close()
            context.close()
        return found

    report = {}
    with serve(site) as base, ThreadPoolExecutor(max_workers=len(modes)) as pool:
        for found in pool.map(check, modes):
            report |= found
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
