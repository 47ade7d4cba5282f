"""Page weight and time to first chart on a slow phone connection (part of `make bench`).

Every page of the built site is opened in headless Chromium (Debian's) with the
throttling of the budget: 1.6 Mbps down, 750 kbps up, 150 ms round trip, CPU 4x
slower, empty cache. The site is served on 127.0.0.1 the way a static host serves
it: text files gzip-compressed. For each page it records

- transfer: bytes over the wire for everything the page loads (HTML, CSS, JS,
  images), until the network is idle; and the same bytes uncompressed;
- first text: first contentful paint;
- first chart: the first figure of the page on screen (the build's SVG or the
  interactive chart, whichever comes first);
- interactive: every chart of the page drawn by vega-embed.

Budgets (chapter pages): transfer <= 1.2 MB, first chart <= 6 s.
Writes bench/pageweight.md and bench/pageweight.csv and prints the table. Exit status 1 when
a budget is missed (``--no-fail`` to only report).

    python bench/pageweight.py [--site _build/html] [--runs 1] [--no-fail]
"""

import argparse
import csv
import functools
import gzip
import statistics
import sys
import threading
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_browser import browser, pages  # noqa: E402

OUT = ROOT / "bench"
MBPS = 1.6
THROTTLE = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": MBPS * 1_000_000 / 8,
    "uploadThroughput": 750_000 / 8,
}
CPU_SLOWDOWN = 4
BUDGET_BYTES = 1.2 * 1_000_000
BUDGET_FIRST_CHART_MS = 6_000
TIMEOUT_MS = 120_000
COMPRESSED = {".html", ".css", ".js", ".json", ".svg", ".csv", ".txt", ".xml", ".map"}

# Records when the first figure is on screen and when every chart is interactive.
WATCH = """
(() => {
  const seen = () => {
    const figure = document.querySelector('figure[data-nhsbook-figure]');
    if (!figure) return false;
    if (figure.querySelector('.nhsbook-chart svg')) return true;
    const still = figure.querySelector('img.nhsbook-still');
    return !!(still && still.complete && still.naturalWidth > 0);
  };
  const tick = () => {
    if (window.__firstChart === undefined && seen()) window.__firstChart = performance.now();
    const figures = [...document.querySelectorAll('figure[data-nhsbook-figure]')];
    if (figures.length && figures.every(f => f.hasAttribute('data-rendered'))) {
      window.__interactive = performance.now();
      return;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""


class GzipHandler(SimpleHTTPRequestHandler):
    """Static files, text gzip-compressed when the browser accepts it (as static hosts do)."""

    cache: dict = {}

    def log_message(self, *args):
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (path.is_file() and wants_gzip and path.suffix in COMPRESSED):
            return super().send_head()
        body = self.cache.get(path)
        if body is None:
            body = self.cache[path] = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return BytesIO(body)


@contextmanager
def serve_compressed(folder: Path):
    handler = functools.partial(GzipHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def measure(chromium, url: str) -> dict:
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    context.add_init_script(WATCH)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", THROTTLE)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    transfer, decoded = [0], [0]
    cdp.on(
        "Network.loadingFinished",
        lambda e: transfer.__setitem__(0, transfer[0] + e["encodedDataLength"]),
    )
    cdp.on("Network.dataReceived", lambda e: decoded.__setitem__(0, decoded[0] + e["dataLength"]))
    page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
    has_figures = page.evaluate("() => !!document.querySelector('figure[data-nhsbook-figure]')")
    if has_figures:
        page.wait_for_function("() => window.__interactive !== undefined", timeout=TIMEOUT_MS)
    page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
    timings = page.evaluate(
        "() => ({fcp: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime,"
        " first: window.__firstChart, interactive: window.__interactive})"
    )
    context.close()
    return {"transfer": transfer[0], "decoded": decoded[0], **timings}


def main(site: Path, runs: int) -> list[dict]:
    rows = []
    with serve_compressed(site) as base, browser("/usr/bin/chromium") as chromium:
        for name in pages(site):
            if name in {"index.html", "genindex.html"}:
                continue
            results = [measure(chromium, f"{base}/{name}") for _ in range(runs)]

            def med(key, results=results):
                values = [r[key] for r in results if r[key] is not None]
                return statistics.median(values) if values else None

            chapter = name.startswith("chapters/")
            first = med("first")
            ok = med("transfer") <= BUDGET_BYTES and (
                first is None or first <= BUDGET_FIRST_CHART_MS
            )
            rows.append(
                {
                    "page": name,
                    "transfer_kB": round(med("transfer") / 1000),
                    "uncompressed_kB": round(med("decoded") / 1000),
                    "first_text_s": round(med("fcp") / 1000, 1) if med("fcp") else "",
                    "first_chart_s": round(first / 1000, 1) if first else "",
                    "interactive_s": round(med("interactive") / 1000, 1)
                    if med("interactive")
                    else "",
                    "budget": "met" if ok else ("NOT MET" if chapter else "not met"),
                }
            )
            print(rows[-1], flush=True)
    return rows


def write(rows: list[dict], site: Path, runs: int) -> str:
    """The Markdown table; saved (with a CSV) only for the project's own build."""
    header = list(rows[0])
    lines = [
        "# Page weight and first chart (throttled)",
        "",
        f"Headless Chromium at 390 px, {MBPS} Mbps down, 150 ms round trip, CPU {CPU_SLOWDOWN}x"
        f" slower, empty cache; text gzip-compressed as a static host serves it; median of {runs}"
        " run(s). Budgets for chapter pages: transfer <= 1200 kB, first chart <= 6 s."
        " Written by `python bench/pageweight.py`.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" if h in {"page", "budget"} else "---:" for h in header) + "|",
        *("| " + " | ".join(str(r[h]) for h in header) + " |" for r in rows),
        "",
    ]
    text = "\n".join(lines)
    if site.resolve() == (ROOT / "_build" / "html").resolve():
        (OUT / "pageweight.md").write_text(text)
        with (OUT / "pageweight.csv").open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return text


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--no-fail", action="store_true")
    args = parser.parse_args()
    table = main(args.site, args.runs)
    print(write(table, args.site, args.runs))
    missed = [r["page"] for r in table if r["budget"] == "NOT MET"]
    if missed and not args.no_fail:
        sys.exit(f"page-weight budget not met: {', '.join(missed)}")
