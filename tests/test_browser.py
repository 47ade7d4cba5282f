"""The built site in headless Chromium: how a page is served, opened and checked.

The site is served on 127.0.0.1 and opened with Playwright driving Debian's
``/usr/bin/chromium``. :func:`visit` opens a page and finds its problems: a figure
without a rendered ``svg``, a request leaving the machine, a failed request, a console
error. ``test_accessibility.py`` visits every page with it (and runs axe-core on the same
visit); the tests here show that the check catches a broken chart and an outside request.
"""

import functools
import re
import shutil
import threading
import time
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Fewer helper processes, the same rendering: 1.19 -> 0.93 GiB summed resident memory
    # on the longest chapter (no zygotes, GPU and network services inside the browser
    # process, no spare renderer kept waiting). --single-process would halve it again but
    # crashes when a context closes.
    "--no-zygote",
    "--in-process-gpu",
    "--enable-features=NetworkServiceInProcess2",
    "--disable-features=SpareRendererForSitePerProcess",
    # No host name but the local ones resolves, so no request leaves the machine (each is
    # still reported by Watch). Cheaper than intercepting every request: 1.5 s a site visit.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
REDIRECT = re.compile(r"<meta[^>]+http-equiv=.refresh", re.I)
RENDER_TIMEOUT_MS = 15_000

# Console messages that are harmless and outside the project's control.
# Each entry: (substring, reason). Keep this list empty unless unavoidable.
CONSOLE_ALLOWLIST: list[tuple[str, str]] = []


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(folder: Path):
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def browser(chromium_path: str):
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Watch:
    """The problems of ``page`` from now on: requests to another host (they fail: see
    ``--host-resolver-rules``), failed requests, HTTP errors, console errors and page
    errors."""

    def __init__(self, page):
        self.page = page
        self.problems: list[str] = []
        self.in_flight: set = set()
        page.on("request", self.on_request)
        page.on("requestfinished", lambda request: self.in_flight.discard(request))
        page.on("requestfailed", self.on_failed)
        page.on("console", self.on_console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("response", self.on_response)

    def on_request(self, request):
        self.in_flight.add(request)
        local = urlparse(request.url).hostname in LOCAL_HOSTS
        if not (local or request.url.startswith(("data:", "blob:"))):
            self.problems.append(f"request to another host: {request.url}")

    def on_failed(self, request):
        self.in_flight.discard(request)
        self.problems.append(f"failed request: {request.url} ({request.failure})")

    def on_console(self, message):
        if message.type == "error" and not any(s in message.text for s, _ in CONSOLE_ALLOWLIST):
            self.problems.append(f"console error: {message.text}")

    def on_response(self, response):
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def settle(self) -> list[str]:
        """Wait until no request is in flight; the problems found until then."""
        deadline = time.monotonic() + RENDER_TIMEOUT_MS / 1000
        while self.in_flight and time.monotonic() < deadline:
            self.page.wait_for_timeout(20)
        late = [f"request unfinished after {RENDER_TIMEOUT_MS} ms: {r.url}" for r in self.in_flight]
        return self.problems + late


def visit(context, url: str) -> tuple[object, Watch, dict]:
    """Open ``url`` in a new page of ``context``, watched, and wait for its charts; return
    the page, its :class:`Watch` and a few measurements."""
    page = context.new_page()
    watch = Watch(page)
    page.goto(url, wait_until="load")
    if REDIRECT.search(page.request.get(url).text()):  # a stub: check the page it leads to
        page.wait_for_url(lambda now: now != url, wait_until="load")
    figures = page.locator("figure[data-nhsbook-figure]")
    count = figures.count()
    first_chart_ms = None
    problems = watch.problems
    if count:
        try:
            page.wait_for_function(
                "() => [...document.querySelectorAll('figure[data-nhsbook-figure]')]"
                ".every(f => f.hasAttribute('data-rendered'))",
                timeout=RENDER_TIMEOUT_MS,
            )
        except PlaywrightTimeout:
            problems.append(f"figures still not drawn after {RENDER_TIMEOUT_MS} ms")
        first_chart_ms = page.evaluate("() => performance.now()")
    for i in range(count):
        figure = figures.nth(i)
        fid = figure.get_attribute("data-nhsbook-figure")
        if figure.get_attribute("data-rendered") != "true":
            problems.append(f"figure {fid} did not render")
        elif figure.locator(".nhsbook-chart svg, .nhsbook-chart canvas").count() == 0:
            problems.append(f"figure {fid} has no svg or canvas")
        for link in figure.locator("a[download]").all():
            target = page.url.rsplit("/", 1)[0] + "/" + link.get_attribute("href")
            status = page.request.get(target).status
            if status != 200:
                problems.append(f"figure {fid}: download {link.get_attribute('href')} -> {status}")
    return page, watch, {"figures": count, "first_chart_ms": first_chart_ms}


def check_page(chromium, url: str) -> tuple[list[str], dict]:
    """Open ``url``; return the problems found once no request is in flight, and a few
    measurements."""
    context = chromium.new_context()
    page, watch, stats = visit(context, url)
    problems = watch.settle()
    context.close()
    return problems, stats


def pages(site: Path) -> list[str]:
    return sorted(
        str(p.relative_to(site)) for p in site.rglob("*.html") if "_static" not in p.parts
    )


def test_a_chart_that_fails_to_render_fails_the_check(site, chromium_path, tmp_path):
    broken = tmp_path / "html"
    shutil.copytree(site, broken)
    page = next(p for p in sorted(broken.rglob("*.html")) if "data-nhsbook-figure" in p.read_text())
    text = page.read_text()
    # Break one spec: an encoding channel that Vega-Lite rejects outright.
    page.write_text(text.replace('"encoding": {', '"encoding": {"x": 42, "nonsense": ', 1))
    with serve(broken) as base, browser(chromium_path) as chromium:
        problems, _ = check_page(chromium, f"{base}/{page.relative_to(broken)}")
    assert any("did not render" in p or "no svg" in p for p in problems), problems


def test_a_request_to_another_host_fails_the_check(site, chromium_path, tmp_path):
    broken = tmp_path / "html"
    shutil.copytree(site, broken)
    page = broken / "book" / "intro.html"
    page.write_text(
        page.read_text().replace(
            "</head>", '<script src="https://cdn.example.org/lib.js"></script></head>', 1
        )
    )
    with serve(broken) as base, browser(chromium_path) as chromium:
        problems, _ = check_page(chromium, f"{base}/book/intro.html")
    assert any("another host" in p for p in problems), problems
    # and the request went nowhere: the host name did not resolve
    assert any("failed request: https://cdn.example.org" in p for p in problems), problems


@pytest.mark.parametrize("limit_kb", [1024])
def test_pages_stay_small(site, limit_kb):
    for name in pages(site):
        size = (site / name).stat().st_size
        assert size <= limit_kb * 1024, f"{name} is {size / 1024:.0f} kB (> {limit_kb} kB)"
