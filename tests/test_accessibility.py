"""Every page of the built site in headless Chromium, light and dark: drawn, offline, accessible.

One visit a page (``test_browser.visit``) serves every check here, in both modes: each figure
holds a rendered ``svg``, no request leaves the machine, none fails, the console stays
clean, and axe-core finds no serious or critical violation.

axe-core is installed from npm at test time (see ``tests/axe.py``); nothing is vendored.
The pages are checked after their charts are drawn, with every collapsed block (code
cells, the tables of tooltip values) opened, so their contents are checked too.

Each page is checked in light mode, then switched to dark mode as a reader switches it: the
system preference turns dark and the theme switcher is pressed. A page loaded in dark mode
shows exactly what a page switched to it shows (every element's colours, visibility and
size: :func:`test_a_page_loaded_in_dark_mode_is_the_page_switched_to_it`), so one visit a
page serves both modes (15 visits of the site instead of 30).

Dark mode changes colours and, a little, sizes (the switcher's icon, the light panel behind
each chart). In dark mode axe-core runs the rules that colour or size can change (colour
contrast, links told apart from text, target size) on every page, and every other rule too
on any page whose structure differs from light mode's: an element's tag, visibility or
ARIA attributes (the switcher's icons, which show the mode, aside).

At 1280 px, the light-mode visit also measures the charts for
``test_browser_layout.py`` (which visits the chapters at 390 and 800 px): each is drawn
within its column, at its own size, and the page never scrolls sideways.
"""

import os
import shutil

import pytest
from axe import axe_installed, axe_script, blocking, describe, run_axe
from test_browser import browser, pages, serve, visit
from test_browser_layout import COLUMN_PX, chart_measurements

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


WIDTH = 1280
# Every element's colours, visibility and size: what a mode may change.
APPEARANCE = """() => [...document.body.querySelectorAll('*')].map(e => {
    const s = getComputedStyle(e), r = e.getBoundingClientRect();
    return [e.tagName, s.color, s.backgroundColor, s.borderTopColor, s.outlineColor, s.fill,
        s.display, s.visibility, s.opacity, Math.round(r.width), Math.round(r.height)].join(' ');
})"""
# Opened blocks fade in and colours change with a transition: what a reader reads is where
# they end (an endless animation, none here, would not be waited for).
SETTLED = """() => !document.getAnimations().some(
    a => a.playState === 'running' && isFinite(a.effect.getComputedTiming().endTime))"""


def new_context(chromium, mode: str, width: int = WIDTH):
    context = chromium.new_context(
        viewport={"width": width, "height": 900}, color_scheme=mode, reduced_motion="reduce"
    )
    context.add_init_script(f"localStorage.setItem('mode', '{mode}');")
    return context


def switch_to_dark(page) -> None:
    """As a reader does: the system preference turns dark, and the theme switcher is pressed
    until the page is dark (a page without the switcher follows the preference alone)."""
    page.emulate_media(color_scheme="dark")
    switcher = page.locator(".theme-switch-button").filter(visible=True)
    for _ in range(3):
        if page.evaluate("document.documentElement.dataset.theme") == "dark":
            break
        if switcher.count():
            switcher.first.click()
    # The pointer and focus leave the switcher, as they would to read on.
    page.mouse.move(0, 899)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.wait_for_function(SETTLED)


def open_every_block(page) -> None:
    """Open every collapsed block and wait until its contents are built and shown."""
    page.evaluate(OPEN_EVERY_BLOCK)
    page.wait_for_function(TABLES_BUILT)
    page.wait_for_function(SETTLED)


def site_report(site, chromium_path, with_axe: bool = True) -> dict[tuple[str, str], dict]:
    """{(page, mode): {"problems", "figures", "violations", "all_rules", "charts"}} for every
    page; "charts" (light mode): ``test_browser_layout``'s measurements at 1280 px.

    One page at a time: two browsers checking the two modes at once took 25 s less but
    3.1 GiB summed resident memory (the budget for ``make test`` is 2 GiB).
    """
    script = axe_script() if with_axe else None
    report = {}
    with serve(site) as base, browser(chromium_path) as chromium:
        context = new_context(chromium, "light")
        for name in pages(site):
            page, watch, stats = visit(context, f"{base}/{name}")
            charts = chart_measurements(page, WIDTH)  # as drawn, before any block opens
            open_every_block(page)
            structure = {}
            for mode in MODES:
                if mode == "dark":
                    watch.problems.clear()  # reported with light mode
                    switch_to_dark(page)
                structure[mode] = page.evaluate(STRUCTURE)
                # What the reader's browser asks for, before axe-core fetches stylesheets.
                problems = watch.settle()
                all_rules = mode == "light" or structure[mode] != structure["light"]
                violations = None
                if script:
                    violations = run_axe(page, script, None if all_rules else DARK_MODE_RULES)
                report[name, mode] = {
                    "problems": problems,
                    "figures": stats["figures"],
                    "violations": violations,
                    "all_rules": all_rules,
                    "charts": charts,
                }
            page.close()
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


def test_every_chart_is_drawn_within_its_column_at_1280_px(report):
    light = [r for (_, mode), r in report.items() if mode == "light"]
    too_wide = [problem for r in light for problem in r["charts"]["too_wide"]]
    assert not too_wide, f"at {WIDTH} px:\n  " + "\n  ".join(too_wide)


def test_every_chart_is_designed_for_the_column(report):
    """At 1280 px each chart is drawn at its own size, not shrunk: it fits the 660 px a
    figure may use, so it shrinks least on phones. Chapter authors fix the charts listed
    here (wrap facets, legends below, shorter labels)."""
    own = [c for (_, mode), r in report.items() if mode == "light" for c in r["charts"]["own"]]
    too_wide = [f"{fid}: {width:.0f} px" for fid, width in own if width > COLUMN_PX]
    assert own, "no chart measured"
    assert not too_wide, f"charts wider than {COLUMN_PX} px:\n  " + "\n  ".join(too_wide)


def test_a_page_loaded_in_dark_mode_is_the_page_switched_to_it(site, chromium_path):
    """The report switches each page to dark mode instead of loading it again in dark mode:
    on a chapter with every kind of content dark mode styles (charts, tables, code, every
    block open; the shortest such page), both show every element with the same colours,
    visibility and size."""
    kinds = ("data-nhsbook-figure", "<table", 'class="highlight', "<details")
    name = min(
        (n for n in pages(site) if all(k in (site / n).read_text(encoding="utf-8") for k in kinds)),
        key=lambda n: (site / n).stat().st_size,
    )
    with serve(site) as base, browser(chromium_path) as chromium:
        shown = {}
        for how in ("loaded", "switched"):
            context = new_context(chromium, "dark" if how == "loaded" else "light")
            page, _, _ = visit(context, f"{base}/{name}")
            open_every_block(page)
            if how == "switched":
                switch_to_dark(page)
            shown[how] = page.evaluate(APPEARANCE)
            context.close()
    assert len(shown["loaded"]) > 1000, f"{name}: too few elements to prove anything"
    assert len(shown["loaded"]) == len(shown["switched"]), f"{name}: other elements"
    pairs = zip(shown["loaded"], shown["switched"], strict=True)
    different = [f"{a}\n    switched: {b}" for a, b in pairs if a != b]
    assert not different, (
        f"{name}: {len(different)} elements differ; loaded in dark mode:\n  "
        + "\n  ".join(different[:10])
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
