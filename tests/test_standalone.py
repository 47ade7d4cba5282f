"""Students' path: every chapter runs on its own (`make lab` is tested in test_lab.py).

Each chapter (a MyST Markdown notebook) is executed with nbclient from a fresh
kernel whose working directory is the chapter's own folder, outside the book
build, as a student running it top to bottom in JupyterLab would.
"""

import os
from pathlib import Path

import jupytext
import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient

CHAPTERS = sorted((ROOT / "chapters").glob("*.md"))


def execute(notebook, folder: Path):
    env_before = os.environ.pop("NHSBOOK_BUILD", None)  # run as outside the book
    try:
        client = NotebookClient(
            notebook,
            timeout=120,
            kernel_name="python3",
            resources={"metadata": {"path": str(folder)}},
        )
        client.execute()
    finally:
        if env_before is not None:
            os.environ["NHSBOOK_BUILD"] = env_before
    return notebook


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_chapter_runs_on_its_own(chapter):
    notebook = execute(jupytext.read(chapter), chapter.parent)
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors


def test_downloaded_ipynb_executes(site, tmp_path):
    """The .ipynb behind the download button is a working notebook."""
    downloaded = site / "_sources" / "chapters" / "goals.ipynb"
    notebook = nbformat.read(downloaded, as_version=4)
    nbformat.validate(notebook)
    execute(notebook, tmp_path)
