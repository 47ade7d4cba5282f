"""Build benchmark: `make bench` measures the build on this machine and checks the budgets.

Measures, several runs each, median reported:
  1. cold build (fresh copy of the project, empty execution cache)
  2. rebuild with nothing changed
  3. rebuild after touching one chapter
  4. execution time of each chapter (nbclient, fresh kernel, as the standalone test runs it)
  5. time until all charts of a page are drawn in headless Chromium
  6. HTML bytes per page and total site size
  7. peak memory (largest resident set of any process of the build)
Writes bench/results.md and bench/results.csv and prints the table. A missed
budget is reported as "not met"; the benchmark itself never fails CI.
"""

import argparse
import csv
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import jupytext  # noqa: E402
from conftest import build_command, build_env, copy_project  # noqa: E402
from test_browser import browser, check_page, pages, serve  # noqa: E402
from test_standalone import CHAPTERS, execute  # noqa: E402

OUT = ROOT / "bench"
CHARTS_DRAWN = "all charts drawn (from navigation start, an upper bound on the first)"
MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def timed_build(project: Path) -> tuple[float, float]:
    """Seconds and peak resident memory (MB) of one `jupyter-book build`."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, *build_command(project)],
        cwd=project,
        capture_output=True,
        text=True,
        env=build_env(project),
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"build failed:\n{result.stdout[-3000:]}")
    return seconds, int(result.stderr.strip().splitlines()[-1]) / 1024


def median(values):
    return statistics.median(values)


def row(measure, value, unit, budget="", met=""):
    return {"measure": measure, "value": value, "unit": unit, "budget": budget, "met": met}


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def main(runs: int) -> list[dict]:
    rows, cold, unchanged, touched, memory = [], [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs):
            project = copy_project(Path(tmp) / f"cold-{i}")
            seconds, peak = timed_build(project)
            cold.append(seconds)
            memory.append(peak)
        project = Path(tmp) / "cold-0"
        for _ in range(runs):
            unchanged.append(timed_build(project)[0])
        for _ in range(runs):
            (project / "chapters" / "goals.md").touch()
            touched.append(timed_build(project)[0])
        site = project / "_build" / "html"
        rows.append(
            row("cold build", round(median(cold), 1), "s", "<= 60 s", verdict(median(cold) <= 60))
        )
        ratio = median(unchanged) / median(cold)
        rows.append(
            row(
                "unchanged rebuild",
                round(median(unchanged), 1),
                "s",
                "<= 10 s and <= 20 % of cold",
                verdict(median(unchanged) <= 10 and ratio <= 0.2),
            )
        )
        rows.append(row("unchanged rebuild / cold build", round(100 * ratio, 1), "%"))
        rows.append(row("rebuild after touching chapters/goals.md", round(median(touched), 1), "s"))
        rows.append(row("peak memory of the build (largest process)", round(max(memory)), "MB"))

        for chapter in CHAPTERS:
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                execute(jupytext.read(chapter), chapter.parent)
                times.append(time.perf_counter() - start)
            rows.append(
                row(
                    f"execute chapters/{chapter.name} (incl. kernel start)",
                    round(median(times), 1),
                    "s",
                    "<= 10 s",
                    verdict(median(times) <= 10),
                )
            )

        chromium = "/usr/bin/chromium"
        if Path(chromium).exists():
            with serve(site) as base, browser(chromium) as engine:
                for name in pages(site):
                    times = [check_page(engine, f"{base}/{name}")[1] for _ in range(runs)]
                    drawn = [t["first_chart_ms"] for t in times if t["first_chart_ms"] is not None]
                    if drawn:
                        rows.append(
                            row(
                                f"{CHARTS_DRAWN}: {name}",
                                round(median(drawn)),
                                "ms",
                            )
                        )

        static = site / "_static"
        static_bytes = sum(p.stat().st_size for p in static.rglob("*") if p.is_file())
        total = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
        for name in pages(site):
            size = (site / name).stat().st_size
            rows.append(
                row(
                    f"HTML size: {name}",
                    round(size / 1024),
                    "kB",
                    "<= 1024 kB",
                    verdict(size <= 1024 * 1024),
                )
            )
        rows.append(row("shared static files (_static)", round(static_bytes / 2**20, 1), "MB"))
        rows.append(
            row(
                "site total",
                round(total / 2**20, 1),
                "MB",
                "<= 20 MB",
                verdict(total <= 20 * 2**20),
            )
        )
    return rows


def write(rows: list[dict], runs: int) -> str:
    OUT.mkdir(exist_ok=True)
    with (OUT / "results.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    lines = [
        "# Build benchmark",
        "",
        f"Median of {runs} runs on this machine (2 cores); written by `make bench`.",
        "",
        "| measure | value | unit | budget | met |",
        "|---|---:|---|---|---|",
        *(
            f"| {r['measure']} | {r['value']} | {r['unit']} | {r['budget']} | {r['met']} |"
            for r in rows
        ),
        "",
    ]
    text = "\n".join(lines)
    (OUT / "results.md").write_text(text)
    return text


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Benchmark the book build.")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(write(main(args.runs), args.runs))
