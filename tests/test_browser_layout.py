"""The site as a reader meets it at 390, 800 and 1280 px, in light and dark mode.

Navigation opens and leads somewhere on phones and tablets, there is one search,
every chart fits its column, dark mode keeps charts on a light panel, keyboard
focus is visible on every control, and a chart's tooltip values can be reached
without hovering. The charts at 1280 px are measured on ``test_accessibility.py``'s visit
of every page (:func:`chart_measurements`).
"""

import re

import pytest
from test_browser import RENDER_TIMEOUT_MS, pages

WIDTHS = (390, 800, 1280)
NARROW = (390, 800)
MODES = ("light", "dark")
COLUMN_PX = 660  # the widest a chart may be drawn (a 688 px column less its padding)
ALL_DRAWN = (
    "() => [...document.querySelectorAll('figure[data-nhsbook-figure]')]"
    ".every(f => f.getAttribute('data-rendered') === 'true')"
)
VISIBLE = "el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; }"


def opener(served, contexts: dict):
    """open_page(name, width=1280, mode="light", **context options) -> a loaded page.

    Pages opened with the same settings share a browser context (and so its cache), as one
    reader's pages do; ``contexts`` collects them, to be closed."""
    base, chromium = served

    def open_page(name: str, width: int = 1280, mode: str = "light", **options):
        key = (width, mode, *sorted(options.items()))
        if key not in contexts:
            contexts[key] = chromium.new_context(
                viewport={"width": width, "height": 900}, color_scheme=mode, **options
            )
            contexts[key].add_init_script(f"localStorage.setItem('mode', '{mode}');")
        page = contexts[key].new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/{name}", wait_until="load")
        page.wait_for_function(ALL_DRAWN, timeout=RENDER_TIMEOUT_MS)
        page.errors = errors
        return page

    return open_page


@pytest.fixture
def open_page(served):
    contexts = {}
    yield opener(served, contexts)
    for context in contexts.values():
        context.close()


@pytest.fixture(scope="module")
def open_page_in_module(served):
    contexts = {}
    yield opener(served, contexts)
    for context in contexts.values():
        context.close()


def chapter_pages(site) -> list[str]:
    return [p for p in pages(site) if p.startswith("chapters/")]


# --------------------------------------------------------------------------- page weight


def test_no_icon_font_and_no_chart_bundle_in_the_head(site, served):
    """Icons come from one small CSS file; the chart bundle loads after the page."""
    base, chromium = served
    context = chromium.new_context()
    page = context.new_page()
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{base}/{chapter_pages(site)[0]}", wait_until="load")
    page.wait_for_function(ALL_DRAWN, timeout=RENDER_TIMEOUT_MS)
    heavy = [u for u in requested if "fontawesome" in u or "/webfonts/" in u]
    assert not heavy, heavy
    assert any("vega-bundle" in u for u in requested), "the chart bundle was never loaded"
    blocking = page.evaluate(
        "[...document.querySelectorAll('head script[src]:not([defer]):not([async])')]"
        ".map(s => s.src).filter(s => s.includes('vega'))"
    )
    assert not blocking, f"render-blocking chart scripts in <head>: {blocking}"
    context.close()


# --------------------------------------------------------------------------- navigation


@pytest.mark.parametrize("width", NARROW)
def test_navigation_opens_and_follows_a_link(open_page, width):
    page = open_page("chapters/goals.html", width)
    toggles = page.locator(".primary-toggle").filter(visible=True)
    assert toggles.count() == 1, f"{toggles.count()} visible navigation buttons at {width} px"
    toggles.first.click()
    dialog = page.locator("#pst-primary-sidebar-modal")
    dialog.wait_for(state="visible", timeout=5_000)
    link = dialog.locator("a.reference[href$='culture.html']").first
    link.click()
    page.wait_for_url(re.compile(r"/chapters/culture\.html"), timeout=10_000)
    assert page.locator(".bd-article h1").first.is_visible()
    assert not page.errors, page.errors


def test_navigation_button_collapses_the_sidebar_on_wide_screens(open_page):
    page = open_page("chapters/goals.html", 1280)
    sidebar = page.locator("#pst-primary-sidebar")
    assert sidebar.is_visible()
    page.locator(".primary-toggle").filter(visible=True).click()
    sidebar.wait_for(state="hidden", timeout=5_000)
    page.locator(".primary-toggle").filter(visible=True).click()
    sidebar.wait_for(state="visible", timeout=5_000)


@pytest.mark.parametrize("width", WIDTHS)
def test_one_search(open_page, width):
    page = open_page("chapters/goals.html", width)
    searches = page.locator(
        ".search-button__button, .search-button-field, form.bd-search:not(#pst-search-dialog *)"
    ).filter(visible=True)
    assert searches.count() == 1, f"{searches.count()} search controls visible at {width} px"


# --------------------------------------------------------------------------- charts fit

MEASURE = """() => [...document.querySelectorAll('figure[data-nhsbook-figure]')].map(f => {
  const box = f.querySelector('.nhsbook-chart');
  const chart = box.querySelector('svg') || box.querySelector('img');
  return {id: f.dataset.nhsbookFigure, box: box.clientWidth,
          drawn: chart ? chart.getBoundingClientRect().width : 0};
})"""


OWN_WIDTH = """() => [...document.querySelectorAll('figure[data-nhsbook-figure]')].map(f =>
  [f.dataset.nhsbookFigure, f.querySelector('.nhsbook-chart svg').viewBox.baseVal.width])"""


def tooltip_table_problems(page) -> tuple[list[str], int]:
    """Open every chart's table of tooltip values, by keyboard (Enter) and touch (tap) in
    turn; the problems found and the number of tables opened."""
    problems, offers = [], page.locator("details.nhsbook-data")
    for i in range(offers.count()):
        offer = offers.nth(i)
        fid = offer.evaluate("d => d.closest('figure').dataset.nhsbookFigure")
        summary = offer.locator("summary")
        if i % 2:
            summary.tap()
        else:
            summary.focus()
            page.keyboard.press("Enter")
        table = offer.locator("table")
        table.wait_for(timeout=5_000)
        headers = table.locator("th").all_inner_texts()
        if not table.locator("tbody tr").count() or not all(h.strip() for h in headers):
            problems.append(f"{fid}: empty table or header {headers}")
    return problems, offers.count()


def chart_measurements(page, width: int) -> dict[str, list]:
    """{"too_wide": problems, "own": [(figure, own width)]} for the charts of a loaded page:
    each drawn within its box, and the page not scrolling sideways."""
    too_wide = [
        f"{chart['id']}: {chart['drawn']:.0f} px in {chart['box']} px"
        for chart in page.evaluate(MEASURE)
        if chart["drawn"] == 0 or chart["drawn"] > chart["box"] + 1
    ]
    overflow = page.evaluate("document.documentElement.scrollWidth") - width
    if overflow > 0:
        page_name = page.url.rsplit("/", 1)[-1]
        too_wide.append(f"{page_name}: the page scrolls sideways by {overflow} px")
    return {"too_wide": too_wide, "own": page.evaluate(OWN_WIDTH)}


@pytest.fixture(scope="module")
def chapters_at(site, open_page_in_module):
    """{width: {"too_wide", "tooltips", "tooltip_tables"}}: one visit a chapter and
    narrow width (390 px as a phone: touch, mobile viewport), serving the chart and tooltip
    tests. At 1280 px ``test_accessibility.py`` measures the charts on its own visit."""
    found = {}
    for width in NARROW:
        phone = width == min(NARROW)
        result = found[width] = {"too_wide": [], "tooltips": [], "tooltip_tables": 0}
        for name in chapter_pages(site):
            page = open_page_in_module(name, width, has_touch=phone, is_mobile=phone)
            result["too_wide"] += chart_measurements(page, width)["too_wide"]
            if phone:
                problems, opened = tooltip_table_problems(page)
                result["tooltips"] += problems
                result["tooltip_tables"] += opened
            page.close()
    return found


@pytest.mark.parametrize("width", NARROW)
def test_every_chart_is_drawn_within_its_column(chapters_at, width):
    too_wide = chapters_at[width]["too_wide"]
    assert not too_wide, f"at {width} px:\n  " + "\n  ".join(too_wide)


def test_tooltip_values_are_reachable_by_keyboard_and_touch(chapters_at):
    """Every chart with tooltips offers the same values as a table (keyboard: Enter; touch:
    tap), on a phone."""
    phone = chapters_at[min(NARROW)]
    assert phone["tooltip_tables"], "no chart offers its tooltip values"
    assert not phone["tooltips"], "\n".join(phone["tooltips"])


# --------------------------------------------------------------------------- dark mode


def test_charts_sit_on_a_light_panel_in_dark_mode(site, open_page):
    name = chapter_pages(site)[0]
    page = open_page(name, 1280, "dark")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    backgrounds = page.evaluate(
        "() => [...document.querySelectorAll('figure[data-nhsbook-figure] .nhsbook-chart')]"
        ".map(c => getComputedStyle(c).backgroundColor)"
    )
    assert backgrounds and set(backgrounds) == {"rgb(255, 255, 255)"}, backgrounds


# --------------------------------------------------------------------------- keyboard

FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  return {name: el.tagName + '.' + [...el.classList].join('.') + ' ' +
                (el.getAttribute('aria-label') || el.textContent.trim().slice(0, 40)),
          outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
          ring: s.boxShadow !== 'none', visible: r.width > 0 && r.height > 0};
}"""


@pytest.mark.parametrize("mode", MODES)
def test_keyboard_focus_is_visible_on_every_control(open_page, mode):
    page = open_page("chapters/goals.html", 1280, mode)
    seen, invisible = set(), []
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS_STYLE)
        if not focused or not focused["visible"] or focused["name"] in seen:
            continue
        seen.add(focused["name"])
        if not (focused["outline"] or focused["ring"]):
            invisible.append(focused["name"])
    assert len(seen) >= 10, f"only {len(seen)} controls reached by Tab: {sorted(seen)}"
    assert not invisible, "focus not visible on:\n  " + "\n  ".join(invisible)
