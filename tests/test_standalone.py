"""Students' path: every chapter runs on its own (`make lab` is tested in test_lab.py).

Each chapter (a MyST Markdown notebook) is executed with nbclient from a fresh
kernel whose working directory is the chapter's own folder, outside the book
build, as a student running it top to bottom in JupyterLab would.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jupytext
import nbformat
import pytest
from conftest import ROOT, glued_values, notebook_glued_values
from nbclient import NotebookClient

CHAPTERS = sorted((ROOT / "chapters").glob("*.md"))


def run_notebook(notebook, folder: Path):
    """``notebook`` executed top to bottom in a fresh kernel working in ``folder``."""
    client = NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    return notebook


def execute(chapter: Path):
    """The chapter executed top to bottom in a fresh kernel, or the error that stopped it."""
    try:
        return run_notebook(jupytext.read(chapter), chapter.parent)
    except Exception as error:  # noqa: BLE001 - reported by the chapter's own test
        return error


@pytest.fixture(scope="session")
def standalone_runs() -> dict:
    """Every chapter executed on its own, two at a time (each in its own kernel), by name."""
    env_before = os.environ.pop("NHSBOOK_BUILD", None)  # run as outside the book
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            return dict(zip([c.stem for c in CHAPTERS], pool.map(execute, CHAPTERS), strict=True))
    finally:
        if env_before is not None:
            os.environ["NHSBOOK_BUILD"] = env_before


def run_on_its_own(chapter: Path, runs: dict):
    result = runs[chapter.stem]
    if isinstance(result, Exception):
        raise result
    return result


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_chapter_runs_on_its_own(chapter, standalone_runs):
    notebook = run_on_its_own(chapter, standalone_runs)
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors


def test_running_on_its_own_gives_the_builds_glued_values(site, standalone_runs):
    """A second, independent execution of every chapter glues the same values as the
    book build (the figures' specs are checked against the snapshots in test_figures)."""
    built = glued_values(ROOT)
    assert built, "no glued values found"
    again = {}
    for chapter in CHAPTERS:
        again |= notebook_glued_values(run_on_its_own(chapter, standalone_runs), chapter.stem)
    assert again == built


def test_downloaded_ipynb_is_the_chapter(site):
    """The .ipynb behind each download button is a valid notebook with the chapter's
    cells, which test_chapter_runs_on_its_own executes."""
    for chapter in CHAPTERS:
        downloaded = nbformat.read(site / "_sources" / "chapters" / f"{chapter.stem}.ipynb", 4)
        nbformat.validate(downloaded)
        cells = [(c.cell_type, c.source) for c in jupytext.read(chapter).cells]
        assert [(c.cell_type, c.source) for c in downloaded.cells] == cells, chapter.name
