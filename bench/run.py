"""Build benchmark: `make bench` measures the build on this machine and checks the budgets.

The machine is shared and its speed drifts, so the budgets are ratios between
builds interleaved in the same call, each figure given as min / median / max
over ``--runs`` runs:

  1. cold build (fresh copy, empty execution cache) against the same book
     rendered with execution off, built in turn
  2. rebuild with nothing changed, and after a prose edit of one chapter,
     against the cold build
  3. summed peak resident memory of the build and every process it starts
     (kernels included), sampled from /proc
  4. with ``--compare [N]``: cold builds of each execution mechanism, in turn
     (myst-nb alone; Sphinx ``-j2``; ahead of Sphinx one and two at a time)
  5. with ``--test``: ``make test`` in a fresh clone with ``_build`` absent
     (pytest's own time and summed peak memory)
  6. execution time of each notebook as the build runs it (``NHSBOOK_BUILD=1``,
     fresh kernel, the notebook's folder as working directory)
  7. time until all charts of a page are drawn in headless Chromium, page and
     site sizes
Writes bench/results.md and bench/results.csv and prints the table. A missed
budget is reported as "NOT MET"; the benchmark itself never fails CI.
"""

import argparse
import csv
import os
import re
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
from jupyter_cache.executors.utils import single_nb_execution  # noqa: E402
from test_browser import browser, check_page, pages, serve  # noqa: E402

from nhsbook.data import MIRROR_ENV, mirror_dir  # noqa: E402
from nhsbook.figures import BUILD_ENV  # noqa: E402

OUT = ROOT / "bench"
NOTEBOOKS = [ROOT / "book" / "data.md", *sorted((ROOT / "chapters").glob("*.md"))]
EDITED = "chapters/goals.md"
GIB = 2**30
NOTES = "<!-- Everything below is written by hand; make bench keeps it. -->"
MECHANISMS = {  # name: (Sphinx processes, NHSBOOK_JOBS)
    "myst-nb executes while Sphinx reads (before this change)": (1, "0"),
    "Sphinx -j2 reads pages, myst-nb executes": (2, "0"),
    "ahead of Sphinx, one at a time": (1, "1"),
    "ahead of Sphinx, two at a time (make book)": (1, "2"),
}


def proportional_bytes(pid: int) -> int:
    """Proportional set size of ``pid``: its resident pages, each shared page divided by the
    number of processes sharing it (0 if it has gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_memory(root: int) -> tuple[int, int]:
    """Resident and proportional bytes of process ``root`` and all its descendants."""
    children, rss = {}, {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, proportional, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        proportional += proportional_bytes(pid)
        todo += children.get(pid, [])
    return total, proportional


def measured(
    command: list[str], cwd: Path, env: dict, every: float = 0.1
) -> tuple[float, int, int, str, float]:
    """Seconds, summed peak resident and proportional bytes (sampled ``every`` seconds),
    output and CPU seconds (user and system, of the command and every descendant it waited
    for: ``wait4``'s resource usage) of a command.

    A sample reads every process's page summary (``smaps_rollup``), which costs CPU the
    command then lacks: about ten times a second is fine for a build, too often for
    ``make test`` and its browsers.
    """
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=log, text=True)
        peak = peak_proportional = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            resident, proportional = tree_memory(process.pid)
            peak, peak_proportional = max(peak, resident), max(peak_proportional, proportional)
            time.sleep(every)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        log.seek(0)
        output = log.read()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{output[-3000:]}")
    return seconds, peak, peak_proportional, output, usage.ru_utime + usage.ru_stime


def timed_build(project: Path, sphinx_jobs: int = 1, strict: bool = True, **env):
    """Seconds, summed peak resident and proportional memory of one build of ``project``."""
    command = build_command(project, sphinx_jobs)
    if not strict:  # execution off: glued values are missing, which would be warnings
        command = [c for c in command if c not in ("--warningiserror", "--keep-going")]
    return measured(command, project, {**build_env(project), **env})[:3]


def execution_off(project: Path) -> Path:
    config = project / "_config.yml"
    text = config.read_text()
    assert "execute_notebooks: cache" in text
    config.write_text(text.replace("execute_notebooks: cache", 'execute_notebooks: "off"'))
    return project


def spread(values: list[float], digits: int = 1) -> str:
    """``median (min–max)``."""
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{mid:.{digits}f} ({low:.{digits}f}–{high:.{digits}f})"


# Summed resident memory counts a page shared by several processes (forked kernels, Chromium's
# helpers, shared libraries) once for each; the proportional set size divides it among them,
# so its sum is the memory the processes take from the machine. Shown beside the budgets.
PROPORTIONAL = "summed peak proportional memory (PSS: shared pages counted once)"


def row(measure, value, ratio="", budget="", met=""):
    return {"measure": measure, "value": value, "ratio": ratio, "budget": budget, "met": met}


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def build_rows(tmp: Path, runs: int) -> tuple[list[dict], Path]:
    cold, off, ratios, memory, proportional = [], [], [], [], []
    for i in range(runs):  # interleaved: drift on the machine hits both alike
        seconds_off, *_ = timed_build(execution_off(copy_project(tmp / f"off-{i}")), strict=False)
        seconds, peak, peak_proportional = timed_build(copy_project(tmp / f"cold-{i}"))
        off.append(seconds_off)
        cold.append(seconds)
        ratios.append(seconds / seconds_off)
        memory.append(peak / GIB)
        proportional.append(peak_proportional / GIB)
    project = tmp / "cold-0"
    unchanged, edited = [], []
    for i in range(runs):
        unchanged.append(timed_build(project)[0])
        with (project / EDITED).open("a") as f:
            f.write(f"\nA sentence added by the benchmark ({i}).\n")
        edited.append(timed_build(project)[0])
    cold_median = statistics.median(cold)
    unchanged_share = [100 * s / cold_median for s in unchanged]
    edited_share = [100 * s / cold_median for s in edited]
    rows = [
        row("execution-off render of the same book (s)", spread(off)),
        row(
            "cold build (s), ratio to execution-off",
            spread(cold),
            spread(ratios, 2) + " ×",
            "<= 2.5 ×",
            verdict(statistics.median(ratios) <= 2.5),
        ),
        row(
            "unchanged rebuild (s), % of cold",
            spread(unchanged),
            spread(unchanged_share) + " %",
            "<= 10 %",
            verdict(statistics.median(unchanged_share) <= 10),
        ),
        row(
            f"rebuild after a prose edit of {EDITED} (s), % of cold",
            spread(edited),
            spread(edited_share) + " %",
            "<= 15 %",
            verdict(statistics.median(edited_share) <= 15),
        ),
        row(
            "summed peak memory of the cold build and its kernels (GiB)",
            spread(memory, 2),
            "",
            "<= 2 GiB",
            verdict(max(memory) <= 2),
        ),
        row(PROPORTIONAL + " of the cold build and its kernels (GiB)", spread(proportional, 2)),
    ]
    return rows, project / "_build" / "html"


def mechanism_rows(tmp: Path, runs: int) -> list[dict]:
    times = {name: [] for name in MECHANISMS}
    memory = {name: [] for name in MECHANISMS}
    for i in range(runs):
        for j, (name, (sphinx_jobs, jobs)) in enumerate(MECHANISMS.items()):
            project = copy_project(tmp / f"mechanism-{i}-{j}")
            seconds, peak, _ = timed_build(project, sphinx_jobs, NHSBOOK_JOBS=jobs)
            times[name].append(seconds)
            memory[name].append(peak / GIB)
    baseline = statistics.median(next(iter(times.values())))
    return [
        row(
            f"cold build, {name} (s; summed peak {spread(memory[name], 2)} GiB)",
            spread(times[name]),
            f"{statistics.median(times[name]) / baseline:.2f} × myst-nb alone",
        )
        for name in MECHANISMS
    ]


def test_rows(tmp: Path) -> list[dict]:
    clone = tmp / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    (clone / ".venv").symlink_to(ROOT / ".venv")  # the environment is not what is timed
    (tmp / "shared").symlink_to(ROOT.parent / "shared")  # source texts and data mirror
    for name in ("requirements.lock", "pyproject.toml"):
        os.utime(clone / name, (0, 0))  # older than .venv/.installed: no reinstall
    env = {**os.environ, "CI": "true"}
    env.pop(BUILD_ENV, None)
    if mirror_dir() is not None:
        env.setdefault(MIRROR_ENV, str(mirror_dir()))
    command = ["make", "--no-print-directory", "test", "PYTEST_ARGS=-q"]
    sampler = time.process_time()
    seconds, peak, peak_proportional, output, cpu = measured(command, clone, env, every=1.0)
    sampler = time.process_time() - sampler
    pytest_seconds = float(re.findall(r" in ([0-9.]+)s", output)[-1])
    return [
        row(
            "make test in a fresh clone, _build absent: pytest time (s)",
            f"{pytest_seconds:.1f}",
            f"{seconds:.1f} s wall",
            "<= 150 s",
            verdict(pytest_seconds <= 150),
        ),
        # The suite is CPU-bound: on this machine's cores, wall time is at least CPU / cores.
        row(
            "CPU time of make test, every process (s), cores busy on average",
            f"{cpu:.0f}",
            f"{cpu / seconds:.2f} of {os.cpu_count()}",
        ),
        row("CPU time of this benchmark's memory sampling meanwhile (s)", f"{sampler:.1f}"),
        row(
            "summed peak memory of make test (GiB)",
            f"{peak / GIB:.2f}",
            "",
            "<= 2 GiB",
            verdict(peak <= 2 * GIB),
        ),
        row(PROPORTIONAL + " of make test (GiB)", f"{peak_proportional / GIB:.2f}"),
    ]


def notebook_rows(runs: int) -> list[dict]:
    rows = []
    os.environ[BUILD_ENV] = "1"  # as in the build: kernels inherit it
    for path in NOTEBOOKS:
        times = []
        for _ in range(runs):
            notebook = jupytext.read(path)
            start = time.perf_counter()
            result = single_nb_execution(notebook, str(path.parent), 120, False)
            if result.err is not None:
                raise SystemExit(f"{path} failed:\n{result.exc_string}")
            times.append(time.perf_counter() - start)
        rows.append(row(f"execute {path.relative_to(ROOT)} as the build does (s)", spread(times)))
    return rows


def site_rows(site: Path, runs: int) -> list[dict]:
    rows = []
    chromium = "/usr/bin/chromium"
    if Path(chromium).exists():
        with serve(site) as base, browser(chromium) as engine:
            for name in pages(site):
                times = [check_page(engine, f"{base}/{name}")[1] for _ in range(runs)]
                drawn = [t["first_chart_ms"] for t in times if t["first_chart_ms"] is not None]
                if drawn:
                    rows.append(row(f"all charts drawn (ms): {name}", spread(drawn, 0)))
    for name in pages(site):
        size = (site / name).stat().st_size
        rows.append(
            row(
                f"HTML size (kB): {name}",
                round(size / 1024),
                "",
                "<= 1024 kB",
                verdict(size <= 1024 * 1024),
            )
        )
    static = sum(p.stat().st_size for p in (site / "_static").rglob("*") if p.is_file())
    total = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    maps = sorted(str(p.relative_to(site)) for p in site.rglob("*.map"))
    rows += [
        row("shared static files, _static (MB)", round(static / 2**20, 1)),
        row("source maps published", len(maps), "", "0", verdict(not maps)),
        row(
            "site total (MB)", round(total / 2**20, 1), "", "<= 20 MB", verdict(total <= 20 * 2**20)
        ),
    ]
    return rows


def main(runs: int, compare: int, test: bool) -> list[dict]:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        rows, site = build_rows(tmp, runs)
        sections = [
            (compare, lambda: mechanism_rows(tmp, compare)),
            (test, lambda: test_rows(tmp)),
            (True, lambda: notebook_rows(runs)),
            (True, lambda: site_rows(site, runs)),
        ]
        for wanted, section in sections:
            if wanted:
                try:
                    rows += section()
                except (Exception, SystemExit) as error:  # report it, keep the other figures
                    rows.append(row("section failed", str(error)[-300:].replace("\n", " ")))
    return rows


def write(rows: list[dict], runs: int, load: str) -> str:
    OUT.mkdir(exist_ok=True)
    with (OUT / "results.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    lines = [
        "# Build benchmark",
        "",
        f"Written by `make bench`: median (min–max) of {runs} runs on this machine (2 cores).",
        "The machine is shared, so absolute times vary with the load (load average at the",
        f"start: {load}); the budgets are ratios between builds run in turn in the same call.",
        "",
        "| measure | value | ratio | budget | met |",
        "|---|---:|---:|---|---|",
        *(
            f"| {r['measure']} | {r['value']} | {r['ratio']} | {r['budget']} | {r['met']} |"
            for r in rows
        ),
        "",
    ]
    text = "\n".join(lines)
    results = OUT / "results.md"
    old = results.read_text() if results.exists() else ""
    notes = old[old.index(NOTES) :] if NOTES in old else f"{NOTES}\n"
    results.write_text(f"{text}\n{notes}")
    return text


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Benchmark the book build.")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--compare",
        type=int,
        nargs="?",
        const=1,
        default=0,
        help="time a cold build of each execution mechanism, this many runs (default 1)",
    )
    parser.add_argument("--test", action="store_true", help="time make test in a fresh clone")
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(write(main(args.runs, args.compare, args.test), args.runs, load))
