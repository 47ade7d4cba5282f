"""Shared fixtures: one book build per test session, and cheap books to break on purpose.

The whole book is built once, by the session fixture ``site`` (parallel execution,
as ``make book``). A test that needs another build should use the smallest book
that shows its property: :func:`mini_book` (a few pages of your own, the project's
configuration and extensions) or :func:`chapter_book` (a project copy whose table
of contents is one chapter, optionally starting from the session build's caches).
"""

import csv
import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nhsbook import data
from nhsbook.data import MIRROR_ENV, mirror_dir
from nhsbook.paths import DATA

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
COPY_IGNORE = shutil.ignore_patterns(
    ".venv", "_build", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", "bench"
)


def build_command(srcdir: Path, sphinx_jobs: int = 1) -> list[str]:
    """``jupyter-book build`` exactly as ``make book`` runs it (warnings are errors).

    ``sphinx_jobs`` > 1 reads pages in that many Sphinx processes (``sphinx-build -j``;
    tests and benchmarks only). jupyter-book 1.x's command line does not offer it, and
    two extensions it always loads (``sphinx_multitoc_numbering``,
    ``sphinx_jupyterbook_latex``) do not declare themselves safe for parallel reading,
    so Sphinx would warn and read serially: the command calls ``build_sphinx`` with
    ``jobs`` and lets Sphinx read in parallel regardless.
    """
    args = ["build", str(srcdir), "--warningiserror", "--keep-going"]
    if sphinx_jobs == 1:
        return [str(JUPYTER_BOOK), *args]
    driver = (
        "import functools, sys, sphinx.application as a, jupyter_book.sphinx as s; "
        "a.Sphinx.is_parallel_allowed = lambda self, kind: True; "
        f"s.build_sphinx = functools.partial(s.build_sphinx, jobs={sphinx_jobs}); "
        "from jupyter_book.cli.main import main; main(sys.argv[1:])"
    )
    return [sys.executable, "-c", driver, *args]


def build_env(srcdir: Path) -> dict[str, str]:
    """The environment of a build of ``srcdir``: its own nhsbook, the same data mirror."""
    env = {**os.environ, "PYTHONPATH": str(srcdir)}
    env.pop("NHSBOOK_BUILD", None)
    if mirror_dir() is not None:  # copies in tmp/ still read the same third-party mirror
        env.setdefault(MIRROR_ENV, str(mirror_dir()))
    return env


def build(
    srcdir: Path, timeout: int = 900, sphinx_jobs: int = 1, **env: str
) -> subprocess.CompletedProcess:
    """Build the book in ``srcdir``; the completed process (returncode, output).

    Other keyword arguments are environment variables, e.g. ``NHSBOOK_JOBS="1"``
    to execute the notebooks one at a time.
    """
    return subprocess.run(
        build_command(srcdir, sphinx_jobs),
        cwd=srcdir,
        env={**build_env(srcdir), **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def tail(result: subprocess.CompletedProcess, chars: int = 4000) -> str:
    """The end of a build's output, for assertion messages."""
    return f"{result.stdout[-chars:]}\n--- stderr ---\n{result.stderr[-chars:]}"


def copy_project(dest: Path, with_build: bool = False) -> Path:
    """A copy of the project (optionally with its build caches) to break on purpose."""
    shutil.copytree(ROOT, dest, ignore=COPY_IGNORE)
    if with_build and (ROOT / "_build").exists():
        shutil.copytree(
            ROOT / "_build",
            dest / "_build",
            ignore=shutil.ignore_patterns("html", "jupyter_execute"),
        )
    return dest


def with_chart_bundle(project: Path) -> Path:
    """``project`` with the chart bundle the session's build wrote, if there is one
    (``_build/nhsbook-static``, written whole or not at all): it depends only on the pinned
    vl-convert, and writing it takes 1.6 s in every fresh build."""
    static = ROOT / "_build" / "nhsbook-static"
    if static.is_dir():
        shutil.copytree(static, project / "_build" / "nhsbook-static", dirs_exist_ok=True)
    return project


NOTEBOOK_HEADER = (ROOT / "chapters" / "goals.md").read_text().split("---\n")[1]


def mini_book(dest: Path, pages: str | dict[str, str], clean: bool = False) -> Path:
    """A small book with the project's own configuration and extensions.

    ``pages`` maps page names to MyST bodies (the first page is the root, the
    others its chapters); a single string is a one-page book. A page with a
    ``{code-cell}`` gets the chapters' notebook header, so its cells are executed.

    Unless ``clean``, the book starts with the session's chart bundle
    (:func:`with_chart_bundle`).
    """
    if isinstance(pages, str):
        pages = {"index": f"# Test page\n\n{pages}"}
    dest.mkdir()
    if not clean:
        with_chart_bundle(dest)
    for name in ("_config.yml", "requirements.lock"):
        shutil.copy(ROOT / name, dest / name)
    for name in ("nhsbook", "data"):
        shutil.copytree(ROOT / name, dest / name, ignore=COPY_IGNORE)
    (dest / "book").mkdir()
    for name in ("references.bib", "favicon.svg"):
        shutil.copy(ROOT / "book" / name, dest / "book" / name)
    root, *chapters = pages  # the first page is the root, the others its chapters
    toc = f"format: jb-book\nroot: {root}\n"
    if chapters:
        toc += "chapters:\n" + "".join(f"  - file: {name}\n" for name in chapters)
    (dest / "_toc.yml").write_text(toc)
    for name, body in pages.items():
        header = f"---\n{NOTEBOOK_HEADER}---\n\n" if "{code-cell}" in body else ""
        (dest / f"{name}.md").write_text(f"{header}{body}")
    return dest


def chapter_book(dest: Path, chapter: str, with_build: bool = False) -> Path:
    """A project copy that executes one chapter (e.g. ``"goals"``): the other pages are
    stubs with their titles only, so cross-references still resolve, and the
    references page is kept (citations need the bibliography)."""
    project = copy_project(dest, with_build=with_build)
    entries = []
    for page in sorted([*project.glob("chapters/*.md"), *project.glob("book/*.md")]):
        doc = str(page.relative_to(project).with_suffix(""))
        if doc in (f"chapters/{chapter}", "book/references"):
            continue
        title = next(line for line in page.read_text().splitlines() if line.startswith("# "))
        page.write_text(f"{title}\n\nA stub of this page (one-chapter test book).\n")
        entries.append(doc)
    listed = "".join(f"  - file: {doc}\n" for doc in ["book/references", *entries])
    (project / "_toc.yml").write_text(
        f"format: jb-book\nroot: chapters/{chapter}\nchapters:\n{listed}"
    )
    return project


def executed_notebooks(project: Path) -> dict[str, object]:
    """``{page: executed notebook}`` for every notebook page of a build of ``project``.

    Read from the execution cache record that matches each page's code: the
    notebooks myst-nb writes to ``_build/jupyter_execute`` lack the outputs of
    pages taken from the cache (all of them, see :mod:`nhsbook.build`), and it
    strips glue outputs.
    """
    import jupytext
    from jupyter_cache import get_cache

    cache = get_cache(project / "_build" / ".jupyter_cache")
    notebooks = {}
    for path in sorted([*project.glob("chapters/*.md"), *project.glob("book/*.md")]):
        if "{code-cell}" in path.read_text():
            record = cache.match_cache_notebook(jupytext.read(path))
            page = str(path.relative_to(project).with_suffix(""))
            notebooks[page] = cache.get_cache_bundle(record.pk).nb
    return notebooks


def glued_values(project: Path) -> dict[str, str]:
    """``{chapter:name: text}`` for every value the chapters of a build glued."""
    values = {}
    for page, notebook in executed_notebooks(project).items():
        if page.startswith("chapters/"):
            values |= notebook_glued_values(notebook, page.removeprefix("chapters/"))
    return values


def notebook_glued_values(notebook, chapter: str) -> dict[str, str]:
    """``{chapter:name: text}`` for the values glued in an executed notebook."""
    values = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                values[f"{chapter}:{name}"] = output["data"].get("text/plain", "")
    return values


@pytest.fixture(scope="session")
def site() -> Path:
    """The built HTML book (``_build/html``), built once per test run; cached outputs reused.

    ``make test`` runs the tests in two pytest-xdist workers: the first to need the site
    builds it while the other waits on a lock, then finds the run's id in the marker.
    """
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")  # the same in every worker of a run
    marker = ROOT / "_build" / ".tests-built-site"
    marker.parent.mkdir(exist_ok=True)
    with open(marker.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (run and marker.is_file() and marker.read_text() == run):
            marker.unlink(missing_ok=True)
            result = build(ROOT)
            assert result.returncode == 0, f"book build failed:\n{tail(result)}"
            marker.write_text(run or "")
    return ROOT / "_build" / "html"


# Each test file runs in one worker (``--dist loadfile``: a file's module fixtures are made
# once), in this order: the longest file that needs the site first, so that the site is
# built at once, then the files that need no site (they run while it is built), then the rest.
FIRST_FILE = "test_accessibility.py"


def pytest_collection_modifyitems(config, items):
    needs_site = {item.path for item in items if "site" in item.fixturenames}
    position = {}
    for index, item in enumerate(items):
        position.setdefault(item.path, index)

    def order(item):
        first = item.path.name == FIRST_FILE
        return (not first, item.path in needs_site, position[item.path])

    items.sort(key=order)


@pytest.fixture(scope="module")
def served(site, chromium_path):
    """(base URL, browser): the built site served locally and one Chromium, for a module."""
    from test_browser import browser, serve

    with serve(site) as base, browser(chromium_path) as chromium:
        yield base, chromium


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium; required in CI, skipped (loudly) elsewhere when missing."""
    path = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(path).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} not found: CI must install Debian's chromium (see .ci/run)")
        pytest.skip(f"{path} not found: install Debian's chromium to run the browser tests")
    return path


# --------------------------------------------------------------------------- damaged data copies


@pytest.fixture
def fresh():
    """Empty the loader's caches before and after a test that changes files or settings."""
    data.clear_cache()
    yield
    data.clear_cache()


@pytest.fixture
def data_copy(tmp_path, fresh):
    """A scratch copy of data/ to damage."""
    base = tmp_path / "data"
    shutil.copytree(DATA, base)
    return base


# Tests read and write CSV files the way the loader reads them: UTF-8 with an optional
# byte-order mark, columns found by their header name (never by position).


def read_rows(base: Path, name: str) -> list[list[str]]:
    """Header and data rows of ``<name>.csv`` (a byte-order mark is dropped, as by the loader)."""
    with open(base / f"{name}.csv", encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def read_records(base: Path, name: str) -> list[dict[str, str]]:
    """The data rows as ``{column: text}``, whatever the order of the columns."""
    header, *rows = read_rows(base, name)
    return [dict(zip(header, row, strict=True)) for row in rows]


def write_rows(base: Path, name: str, rows: list[list[str]]) -> None:
    with open(base / f"{name}.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def find_row(base: Path, name: str, **where: str) -> int:
    """The number (from 1, as in the loader's messages) of the one data row matching ``where``."""
    found = [
        i
        for i, record in enumerate(read_records(base, name), start=1)
        if all(record[k] == v for k, v in where.items())
    ]
    assert len(found) == 1, f"{name}.csv: expected one row with {where}, found rows {found}"
    return found[0]


def set_cell(base: Path, name: str, row: int, field: str, value: str) -> None:
    """Set one cell: ``row`` counts data rows from 1, as the loader's messages do."""
    rows = read_rows(base, name)
    rows[row][rows[0].index(field)] = value
    write_rows(base, name, rows)


def assert_damage_fails(base: Path, name: str, row: int, field: str, value: str, match: str):
    """Damaging one cell of a data copy must fail validation with a message matching ``match``."""
    set_cell(base, name, row, field, value)
    with pytest.raises(data.DataValidationError, match=match):
        data.load(name, base=base)


def final_report(result: subprocess.CompletedProcess) -> list[str]:
    """The lines of the error report a failed build printed last (nhsbook.build_errors)."""
    lines = result.stderr.rstrip().splitlines()
    assert lines and set(lines[-1]) == {"="}, (
        f"the build did not end with a report:\n{tail(result)}"
    )
    start = len(lines) - 1 - lines[::-1].index("The book was not built:")
    return lines[start + 1 : -1]


@pytest.fixture(scope="session")
def second_build(site, tmp_path_factory) -> Path:
    """A second, independent build: a copy of the project with the session build's
    execution cache, so nothing is executed and every page is rendered from the cache.

    In CI the session build is cold (every notebook executed in that build), so the two
    builds take the two paths myst-nb has for a page: executed now and read from cache.
    """
    project = copy_project(tmp_path_factory.mktemp("second") / "project", with_build=True)
    result = build(project)
    assert result.returncode == 0, f"book build failed:\n{tail(result)}"
    assert "executing" not in result.stdout, "the second build executed notebooks"
    return project


def build_from(srcdir: Path, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """Build ``srcdir`` started from the folder ``cwd``, with extra environment variables."""
    cwd.mkdir(exist_ok=True)
    return subprocess.run(
        build_command(srcdir),
        cwd=cwd,
        env={**build_env(srcdir), **env},
        capture_output=True,
        text=True,
        timeout=900,
    )
