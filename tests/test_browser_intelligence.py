"""The Intelligence chapter in headless Chromium: its SPC chart's provider drop-down works.

Choosing another provider in the select element bound to the chart's ``provider``
parameter must redraw the chart (the SVG changes) without console or page errors.
"""

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_browser import RENDER_TIMEOUT_MS, browser, check_page, serve

PAGE = "chapters/intelligence.html"
SPC = "#fig-intelligence-spc"
# The chart's texts (tick labels, titles, legend), sorted: Vega may reorder SVG elements.
TEXTS = (
    "sel => [...document.querySelectorAll(sel + ' .nhsbook-chart svg text')]"
    ".map(t => t.textContent).sort().join('|')"
)


def test_intelligence_page_renders_offline(site, chromium_path):
    with serve(site) as base, browser(chromium_path) as chromium:
        problems, stats = check_page(chromium, f"{base}/{PAGE}")
    assert not problems, "\n".join(problems)
    assert stats["figures"] == 6


def test_spc_dropdown_redraws_the_chart(site, chromium_path):
    with serve(site) as base, browser(chromium_path) as chromium:
        context = chromium.new_context()
        page = context.new_page()
        errors = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/{PAGE}", wait_until="load")
        page.wait_for_function(
            f"() => document.querySelector('{SPC}').getAttribute('data-rendered') === 'true'",
            timeout=RENDER_TIMEOUT_MS,
        )
        select = page.locator(f"{SPC} select")
        assert select.count() == 1, "the SPC chart has no provider drop-down"
        options = select.locator("option").all_inner_texts()
        assert len(options) >= 100
        default = select.input_value()
        assert default in options
        svg = page.locator(f"{SPC} .nhsbook-chart svg")
        before = svg.inner_html()
        text_before = page.evaluate(TEXTS, SPC)
        other = next(o for o in reversed(options) if o != default)
        select.select_option(other)
        try:
            page.wait_for_function(
                "([sel, old]) => document.querySelector(sel + ' .nhsbook-chart svg').innerHTML"
                " !== old",
                arg=[SPC, before],
                timeout=RENDER_TIMEOUT_MS,
            )
        except PlaywrightTimeout:
            raise AssertionError(f"choosing {other} did not redraw the chart") from None
        assert select.input_value() == other
        # choosing the default again brings back the first drawing's texts (axes, labels)
        select.select_option(default)
        page.wait_for_function(
            f"([sel, old]) => ({TEXTS})(sel) === old",
            arg=[SPC, text_before],
            timeout=RENDER_TIMEOUT_MS,
        )
        context.close()
    assert not errors, errors
