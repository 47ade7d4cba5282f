"""Interactive figures in headless Chromium: changing their input redraws the chart.

The Intelligence chapter's SPC chart has a provider drop-down; the Culture chapter's
scatter has a year selector. Choosing another value must redraw the chart (its SVG
changes), and choosing the first value again must bring back the first drawing's texts,
all without console or page errors.
"""

from contextlib import contextmanager

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_browser import RENDER_TIMEOUT_MS

INTERACTIVE = [
    ("chapters/intelligence.html", "intelligence-spc", "select"),
    ("chapters/culture.html", "culture-engagement-shmi-scatter", "input[type=radio]"),
]
# The chart's texts (tick labels, titles, legend), sorted: Vega may reorder SVG elements.
TEXTS = (
    "sel => [...document.querySelectorAll(sel + ' .nhsbook-chart svg text')]"
    ".map(t => t.textContent).sort().join('|')"
)
SVG_CHANGED = (
    "([sel, old]) => document.querySelector(sel + ' .nhsbook-chart svg').innerHTML !== old"
)


@contextmanager
def drawn_figure(served, page_name: str, figure: str):
    """A page with ``figure`` drawn, and the list its console and page errors go to."""
    base, chromium = served
    with chromium.new_context() as context:
        page = context.new_page()
        errors = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/{page_name}", wait_until="load")
        page.wait_for_function(
            f"() => document.querySelector('{figure}').getAttribute('data-rendered') === 'true'",
            timeout=RENDER_TIMEOUT_MS,
        )
        yield page, errors


def choose(page, control: str, inputs, index: int) -> None:
    if control == "select":
        inputs.select_option(index=index)
    else:
        inputs.nth(index).check()


@pytest.mark.parametrize(("page_name", "figure_id", "control"), INTERACTIVE)
def test_changing_the_input_redraws_the_chart(served, page_name, figure_id, control):
    figure = f"#fig-{figure_id}"
    with drawn_figure(served, page_name, figure) as (page, errors):
        inputs = page.locator(f"{figure} .vega-bindings {control}")
        count = inputs.locator("option").count() if control == "select" else inputs.count()
        assert count >= 2, f"{figure_id}: no {control} with several choices"
        before = page.locator(f"{figure} .nhsbook-chart svg").inner_html()
        texts_before = page.evaluate(TEXTS, figure)
        choose(page, control, inputs, count - 1)
        try:
            page.wait_for_function(SVG_CHANGED, arg=[figure, before], timeout=RENDER_TIMEOUT_MS)
        except PlaywrightTimeout:
            raise AssertionError(f"{figure_id}: changing the input did not redraw") from None
        choose(page, control, inputs, 0 if control != "select" else _default_index(page, figure))
        page.wait_for_function(
            f"([sel, old]) => ({TEXTS})(sel) === old",
            arg=[figure, texts_before],
            timeout=RENDER_TIMEOUT_MS,
        )
    assert not errors, errors


def _default_index(page, figure: str) -> int:
    return page.evaluate(
        f"() => [...document.querySelectorAll('{figure} .vega-bindings select option')]"
        ".findIndex(o => o.defaultSelected)"
    )


@pytest.mark.parametrize(("page_name", "figure_id", "control"), INTERACTIVE)
def test_the_text_alternative_follows_the_input(served, page_name, figure_id, control):
    """A screen reader hears the current choice (the drop-down's label, or the value)."""
    figure = f"#fig-{figure_id}"
    with drawn_figure(served, page_name, figure) as (page, _):
        chart = page.locator(f"{figure} .nhsbook-chart")
        inputs = page.locator(f"{figure} .vega-bindings {control}")
        count = inputs.locator("option").count() if control == "select" else inputs.count()
        choose(page, control, inputs, count - 1)
        if control == "select":
            chosen = inputs.locator("option").nth(count - 1).inner_text()
        else:
            chosen = inputs.nth(count - 1).evaluate(
                "i => i.labels[0] ? i.labels[0].textContent : i.value"
            )
        page.wait_for_function(
            "([el, text]) => document.querySelector(el).getAttribute('aria-label').includes(text)",
            arg=[f"{figure} .nhsbook-chart", chosen.strip()],
            timeout=RENDER_TIMEOUT_MS,
        )
        assert chart.get_attribute("aria-label").startswith(
            page.evaluate(
                f"() => JSON.parse(document.querySelector('{figure} script').textContent).alt"
            )
        )
