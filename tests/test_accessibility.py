"""Every page of the built site in headless Chromium, light and dark: drawn, offline, accessible.

One visit a page and mode (``test_browser.visit``) serves every check here: each figure
holds a rendered ``svg``, no request leaves the machine, none fails, the console stays
clean, and axe-core finds no serious or critical violation.

axe-core is installed from npm at test time (see ``tests/axe.py``); nothing is vendored.
Dark mode is what a reader gets from the theme switcher: ``localStorage.mode = "dark"``.
The pages are checked after their charts are drawn, with every collapsed block (code
cells, the tables of tooltip values) opened, so their contents are checked too.

Dark mode changes colours and, a little, sizes (the switcher's icon, the light panel behind
each chart). In dark mode axe-core runs the rules that colour or size can change (colour
contrast, links told apart from text, target size) on every page, and every other rule too
on any page whose structure differs from light mode's: an element's tag, visibility or
ARIA attributes (the switcher's icons, which show the mode, aside).
"""

import os
import shutil

import pytest
from axe import axe_installed, axe_script, blocking, describe, run_axe
from test_browser import browser, pages, serve, visit

MODES = ("light", "dark")
# Besides colour contrast, which run_axe always runs: what colour or size can change.
DARK_MODE_RULES = ["link-in-text-block", "target-size"]
OPEN_EVERY_BLOCK = "document.querySelectorAll('details').forEach(d => { d.open = true; })"
TABLES_BUILT = (  # a tooltip table is built when its block opens (nhsbook-figures.js)
    "() => [...document.querySelectorAll('details.nhsbook-data')]"
    ".every(d => d.querySelector('table'))"
)
STRUCTURE = """() => [...document.body.querySelectorAll('*:not(.theme-switch)')].map(e =>
    [e.tagName, e.checkVisibility({visibilityProperty: true}), ...[...e.attributes]
        .filter(a => /^(aria-|role$|tabindex$|alt$|title$|hidden$|lang$)/.test(a.name))
        .map(a => a.name + '=' + a.value)].join(' '))"""


def new_context(chromium, mode: str, width: int = 1280):
    context = chromium.new_context(
        viewport={"width": width, "height": 900}, color_scheme=mode, reduced_motion="reduce"
    )
    context.add_init_script(f"localStorage.setItem('mode', '{mode}');")
    return context


def site_report(site, chromium_path, with_axe: bool = True) -> dict[tuple[str, str], dict]:
    """{(page, mode): {"problems", "figures", "violations", "all_rules"}} for every page.

    One page at a time: two browsers checking the two modes at once took 25 s less but
    3.1 GiB summed resident memory (the budget for ``make test`` is 2 GiB).
    """
    script = axe_script() if with_axe else None
    report, structure = {}, {}
    with serve(site) as base, browser(chromium_path) as chromium:
        for mode in MODES:
            context = new_context(chromium, mode)
            for name in pages(site):
                page, watch, stats = visit(context, f"{base}/{name}")
                page.evaluate(OPEN_EVERY_BLOCK)
                page.wait_for_function(TABLES_BUILT)
                structure[name, mode] = page.evaluate(STRUCTURE)
                # What the reader's browser asks for, before axe-core fetches stylesheets.
                problems = watch.settle()
                all_rules = mode == "light" or structure[name, mode] != structure[name, "light"]
                violations = None
                if script:
                    violations = run_axe(page, script, None if all_rules else DARK_MODE_RULES)
                page.close()
                report[name, mode] = {
                    "problems": problems,
                    "figures": stats["figures"],
                    "violations": violations,
                    "all_rules": all_rules,
                }
            context.close()
    return report


@pytest.fixture(scope="module")
def report(site, chromium_path):
    with_axe = shutil.which("npm") is not None or axe_installed()
    if not with_axe and os.environ.get("CI") == "true":
        pytest.fail("npm not found: CI needs Node.js and npm to install axe-core")
    return site_report(site, chromium_path, with_axe)


@pytest.mark.parametrize("mode", MODES)
def test_every_page_renders_offline_without_errors(report, mode):
    found = {name: r["problems"] for (name, m), r in report.items() if m == mode and r["problems"]}
    assert not found, "\n".join(
        f"{name} ({mode}):\n  " + "\n  ".join(problems) for name, problems in found.items()
    )
    assert sum(r["figures"] for (_, m), r in report.items() if m == mode), "no figure anywhere"


@pytest.mark.parametrize("mode", MODES)
def test_no_serious_or_critical_axe_violation(report, mode):
    if any(r["violations"] is None for r in report.values()):
        pytest.skip("npm not found: install Node.js and npm to run the accessibility check")
    failures = {
        name: blocking(r["violations"])
        for (name, m), r in report.items()
        if m == mode and blocking(r["violations"])
    }
    assert not failures, "\n".join(
        f"{name} ({mode}):\n  {describe(v)}" for name, v in failures.items()
    )


def test_dark_mode_shows_what_light_mode_shows(report):
    """The mode changes colours: no element changes its tag, visibility or ARIA attributes
    (the switcher's icons aside). Where one does, every axe rule ran in dark mode too."""
    changed = [name for (name, mode), r in report.items() if mode == "dark" and r["all_rules"]]
    assert not changed, f"dark mode shows a different page than light mode on {changed}"


def test_contrast_is_still_checked_in_long_tables_and_code(chromium_path, tmp_path):
    """The contrast rule skips text repeating an earlier style (axe.MARK_REPEATED_STYLES);
    a style seen once, deep in a long table or a code block, is still checked and still
    fails, and the page is left as it was for the other rules."""
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
        shown = page.inner_text("main")
    assert "Trust 299" in shown and "x299" in shown, "the page was changed"
    contrast = [v for v in violations if v["id"] == "color-contrast"]
    flagged = [node["html"] for v in contrast for node in v["nodes"]]
    assert any("faint row" in html for html in flagged), flagged
    assert any("faint code" in html for html in flagged), flagged
    assert len(flagged) == 2, flagged  # the repeated, readable styles: once each, and pass


def test_a_page_that_changes_in_dark_mode_gets_every_rule(chromium_path, tmp_path):
    """The dark-mode shortcut is taken only where the structure is the same: a paragraph
    hidden in dark mode makes every axe rule run there (and the test above fail)."""
    (tmp_path / "page.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>T</title>'
        "<style>@media (prefers-color-scheme: dark) { .light-only { display: none } }</style>"
        '</head><body><main><h1>T</h1><p class="light-only">Only in light mode.</p>'
        "<p>Always.</p></main></body></html>",
        encoding="utf-8",
    )
    with_axe = shutil.which("npm") is not None or axe_installed()
    report = site_report(tmp_path, chromium_path, with_axe)
    assert report["page.html", "light"]["all_rules"]
    assert report["page.html", "dark"]["all_rules"], "a changed page took the shortcut"
    assert not report["page.html", "dark"]["problems"]
