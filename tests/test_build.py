"""The book builds, fails loudly on a broken notebook or a warning, caches execution,
and gives the same bytes whether notebooks and pages are processed in parallel or not."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from conftest import ROOT, build, executed_notebooks, mini_book, tail

from nhsbook import build as ahead
from nhsbook.forkkernel import PRELOAD
from nhsbook.pdf import toc_docs
from nhsbook.sphinxext import index_rows, on_env_get_updated, on_env_merge_info

BROKEN_CELL = """
```{code-cell} ipython3
raise RuntimeError("this notebook is broken on purpose")
```
"""


def test_every_page_in_the_toc_is_built(site):
    for doc in toc_docs():
        assert (site / f"{doc}.html").is_file(), f"{doc}.html missing from the build"


def test_chapters_are_myst_notebooks():
    for path in sorted((ROOT / "chapters").glob("*.md")):
        text = path.read_text()
        assert "format_name: myst" in text and "{code-cell}" in text, path.name


def test_notebook_downloads_exist(site):
    for doc in toc_docs():
        if doc.startswith("chapters/"):
            assert (site / "_sources" / f"{doc}.ipynb").is_file(), f"no .ipynb download for {doc}"


def test_a_cell_error_fails_the_build(tmp_path):
    book = mini_book(tmp_path / "book", BROKEN_CELL)
    result = build(book)
    assert result.returncode != 0
    assert "this notebook is broken on purpose" in result.stdout + result.stderr


def test_a_sphinx_warning_fails_the_build(tmp_path):
    book = mini_book(tmp_path / "book", "A reference to {doc}`a-page-that-does-not-exist`.\n")
    result = build(book)
    assert result.returncode != 0
    assert "a-page-that-does-not-exist" in result.stdout + result.stderr


def test_no_source_maps_are_published(site):
    assert not sorted(site.rglob("*.map"))


# A notebook page for the small books below: a table, a glued number, a figure.
NOTEBOOK_PAGE = """# Page N

```{code-cell} ipython3
:tags: [remove-cell]
import altair as alt
import pandas as pd

import nhsbook
```

```{code-cell} ipython3
:tags: [hide-input]
frame = pd.DataFrame({"year": [2010, 2011, 2012], "value": [1.5, -2.25, N.0]})
nhsbook.glue_value("total", frame["value"].sum())
nhsbook.show_table(
    frame, caption="Values by year", columns={"year": "Year", "value": "Value"},
    formats={"value": "{:+.2f}"},
)
```

The values add up to {glue:text}`total:.2f`.

```{code-cell} ipython3
:tags: [hide-input]
chart = alt.Chart(frame).mark_line().encode(x="year:O", y="value:Q")
nhsbook.show_figure(
    chart, id="mini-N", caption="Values by year.", alt="A line through three values.",
    source="dixonwoods2014", locator="Table 1",
)
```
"""


def site_bytes(book: Path) -> dict[str, bytes]:
    """Every file of the site and of the executed notebooks, by path.

    Notebooks' cell ids are blanked: jupytext gives cells random ids each time it
    reads a MyST notebook, so they differ between any two builds, serial or not.
    """
    build_dir = book / "_build"
    files = {}
    for folder in ("html", "jupyter_execute"):
        for path in sorted((build_dir / folder).rglob("*")):
            if path.is_file():
                content = path.read_bytes()
                if path.suffix == ".ipynb":
                    content = re.sub(rb'"id": "[0-9a-f]{8}"', b'"id": ""', content)
                files[str(path.relative_to(build_dir))] = content
    return files


def test_parallel_and_serial_builds_are_byte_identical(tmp_path):
    """Notebooks executed two at a time in kernels forked from the kernel server, and pages
    read by two Sphinx processes, give the same bytes as everything one at a time by myst-nb
    itself, in ordinary kernels (``NHSBOOK_JOBS=0``).

    Sphinx reads in parallel only with more than five pages (``make book`` reads
    serially; see ``build_command``); the parallel readers' results are merged by
    ``on_env_merge_info``. Left to itself, myst-nb puts the outputs in the downloadable
    notebooks (``jupyter_execute/``, ``_sources/*.ipynb``) only when it executed the page in
    that build (see :mod:`nhsbook.build`), so those are compared by the executed notebooks
    the two builds stored in their execution caches.
    """
    pages = {"index": "# A small book\n\nIts pages.\n"}
    pages |= {f"notebook{n}": NOTEBOOK_PAGE.replace("N", str(n)) for n in (1, 2)}
    pages |= {f"prose{n}": f"# Prose {n}\n\nSome text.\n" for n in (1, 2)}
    pages["figures"] = "# Figures\n\n```{figure-index}\n```\n"
    book = mini_book(tmp_path / "book", pages)

    parallel = build(book, sphinx_jobs=2, NHSBOOK_JOBS="2")
    assert parallel.returncode == 0, tail(parallel)
    assert "executing 2 notebooks, 2 at a time" in parallel.stdout, parallel.stdout[-3000:]
    first, first_executed = site_bytes(book), executed_notebooks(book)
    for built in (book / "_build").iterdir():  # all but the chart bundle (see mini_book)
        if built.is_dir() and built.name != "nhsbook-static":
            shutil.rmtree(built)
        elif built.is_file():
            built.unlink()
    serial = build(book, NHSBOOK_JOBS="0")
    assert serial.returncode == 0, tail(serial)
    second, second_executed = site_bytes(book), executed_notebooks(book)

    assert all(any(c.get("outputs") for c in nb.cells) for nb in first_executed.values())
    assert first_executed == second_executed, "forked and ordinary kernels gave other outputs"
    for name in [*first, *second]:
        if name.startswith("jupyter_execute/") or name.endswith(".ipynb"):
            first.pop(name, None), second.pop(name, None)
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name] != second[name]]
    assert not differing, f"parallel and serial builds differ in {differing}"
    index = first["html/figures.html"].decode()
    assert all(f"mini-{n}" in index for n in (1, 2)), "figure index lost a page's figures"


def test_pages_without_code_are_read_while_notebooks_execute():
    """Sphinx reads the pages that need no execution first, then each notebook once its
    execution (started when the builder was set up) is done, in the order started; a
    notebook executed ahead is read even if Sphinx thought its page up to date."""
    app = SimpleNamespace(
        config=SimpleNamespace(nhsbook_execution_jobs=0),  # nothing more to start
        env=SimpleNamespace(mystnb_config=SimpleNamespace(execution_mode="cache")),
        parallel=1,
        nhsbook_executions={"chapters/b": "running", "chapters/a": "running"},
    )
    docnames = ["chapters/a", "intro", "references"]
    ahead.on_env_before_read_docs(app, app.env, docnames)
    assert docnames == ["intro", "references", "chapters/b", "chapters/a"]


class FakeServer:
    started: list = []

    def __init__(self, preload):
        self.preload = tuple(preload)
        FakeServer.started.append(self.preload)


def config_inited(monkeypatch, srcdir: Path, stale: bool, jobs: int = 2):
    """nhsbook.build's config-inited handler on ``srcdir``: the kernel servers it started."""
    FakeServer.started = []
    monkeypatch.setattr(ahead, "KernelServer", FakeServer)
    monkeypatch.setattr(ahead.cache, "is_stale", lambda build_dir, fingerprint: stale)
    app = SimpleNamespace(srcdir=str(srcdir), outdir=str(srcdir / "_build" / "html"))
    config = SimpleNamespace(
        nhsbook_execution_jobs=jobs,
        nb_execution_mode="cache",
        nb_execution_in_temp=False,
        external_toc_path="_toc.yml",
    )
    ahead.on_config_inited(app, config)
    return FakeServer.started


def test_a_stale_build_starts_the_kernel_server_while_sphinx_starts(tmp_path, monkeypatch):
    """Every notebook will run: the server starts at config-inited, importing what the pages
    of the table of contents import (the book's pages: everything it can preload)."""
    assert config_inited(monkeypatch, ROOT, stale=True) == [PRELOAD]
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n- file: a\n")
    (tmp_path / "index.md").write_text("# Index\n")
    (tmp_path / "a.md").write_text("# A\n\n```{code-cell} ipython3\nimport pandas as pd\n```\n")
    assert config_inited(monkeypatch, tmp_path, stale=True) == [("numpy", "pandas")]
    assert config_inited(monkeypatch, tmp_path, stale=False) == []  # later, if at all
    assert config_inited(monkeypatch, tmp_path, stale=True, jobs=0) == []  # myst-nb runs them
    (tmp_path / "a.md").write_text("# A\n\nNo code.\n")
    assert config_inited(monkeypatch, tmp_path, stale=True) == []


def test_only_new_or_edited_pages_are_checked_for_execution(tmp_path):
    """An unchanged rebuild reads no notebook to match it against the cache."""
    for name in ("old", "edited", "new"):
        (tmp_path / f"{name}.md").write_text(name)
    read_at = ahead._last_modified_time(tmp_path / "old.md")
    (tmp_path / "edited.md").write_text("edited again")
    os_time = read_at / 1e6 + 5  # seconds: after the last read
    os.utime(tmp_path / "edited.md", (os_time, os_time))
    env = SimpleNamespace(
        found_docs={"old", "edited", "new"},
        all_docs={"old": read_at, "edited": read_at},
        doc2path=lambda d: tmp_path / f"{d}.md",
    )
    assert ahead.likely_changed(SimpleNamespace(nhsbook_stale=False), env) == {"edited", "new"}
    assert ahead.likely_changed(SimpleNamespace(nhsbook_stale=True), env) == env.found_docs


def test_merging_a_parallel_reader_without_figures_keeps_the_rest():
    env = SimpleNamespace(nhsbook_figures={"a": [{"id": "fig-a"}]})
    reader = SimpleNamespace()  # read pages with no figure and no figure index
    on_env_merge_info(None, env, {"b"}, reader)
    assert env.nhsbook_figures == {"a": [{"id": "fig-a"}]}
    assert env.nhsbook_index_docs == set()
    reader = SimpleNamespace(
        nhsbook_figures={"a": [{"id": "stale"}], "c": [{"id": "fig-c"}]},
        nhsbook_index_docs={"figures"},
    )
    on_env_merge_info(None, env, {"c", "figures"}, reader)  # only the pages it read count
    assert env.nhsbook_figures == {"a": [{"id": "fig-a"}], "c": [{"id": "fig-c"}]}
    assert env.nhsbook_index_docs == {"figures"}


def test_the_figure_index_is_written_again_only_when_what_it_shows_changes():
    """A prose edit leaves the figure index as it was: its page is neither read nor written
    again; a new caption (or chapter title, number, figure) rewrites it."""
    figure = {"id": "fig-a", "caption": "A caption.", "citation": "Someone (2014)", "locator": ""}
    env = SimpleNamespace(
        nhsbook_index_docs={"figures"},
        nhsbook_figures={"a": [dict(figure)]},
        titles={},
        toctree_includes={"intro": ["a", "figures"]},
        toc_secnumbers={"a": {"": (1,)}},
        config=SimpleNamespace(root_doc="intro"),
    )
    app = SimpleNamespace(env=env, builder=SimpleNamespace(get_relative_uri=lambda a, b: b))
    app.nhsbook_index_rows = index_rows(app)  # as on_env_get_outdated leaves it
    assert "A caption." in app.nhsbook_index_rows and "Figure 1.1" in app.nhsbook_index_rows
    assert on_env_get_updated(app, env) == []
    env.nhsbook_figures["a"][0]["caption"] = "Another caption."
    assert on_env_get_updated(app, env) == ["figures"]
    env.nhsbook_figures["a"][0]["caption"] = "A caption."
    env.toc_secnumbers["a"][""] = (2,)
    assert on_env_get_updated(app, env) == ["figures"]


def test_jsonschema_does_not_import_rfc3987_syntax():
    """Every kernel imports jsonschema (through altair); rfc3987_syntax costs 1.3-1.8 s
    there (see the jsonschema pin in requirements.in)."""
    code = "import sys, altair, nbformat; print('rfc3987_syntax' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_the_build_process_imports_neither_pandas_nor_altair_up_front():
    """An unchanged rebuild is mostly Python imports: the extensions load without pandas,
    numpy or altair (0.5 s), which are imported only when data or figures change."""
    code = (
        "import sys, sphinx.application, nhsbook.sphinxext, nhsbook.build, nhsbook.assets; "
        "print(sorted({'pandas', 'numpy', 'altair', 'pooch'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout


def test_the_package_imports_its_helpers_and_modules_on_first_use():
    code = (
        "import sys, nhsbook; assert 'pandas' not in sys.modules; "
        "from nhsbook import DataValidationError, glue_value, load, show_figure, show_table; "
        "assert nhsbook.data.load is load and nhsbook.theme.COLOURS; "
        "import altair; print(altair.theme.active)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "nhsbook", result.stdout
