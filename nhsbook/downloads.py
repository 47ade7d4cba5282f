"""The notebooks offered for download are the same bytes on every build.

A chapter is MyST Markdown; the ``.ipynb`` a reader downloads (``_sources/``) is
the executed notebook myst-nb writes to ``jupyter_execute/``. Reading Markdown
gives every cell a random id, so two builds of the same book differ. After a
build, :func:`stable_cell_ids` numbers the cells instead, in both folders.
"""

import json
from pathlib import Path

import nbformat


def stable_cell_ids(path: Path) -> None:
    """Give the cells of the notebook ``path`` the ids ``cell-1``, ``cell-2``, ..."""
    text = path.read_text(encoding="utf-8")
    cells = json.loads(text).get("cells", [])
    if all(c.get("id", f"cell-{n}") == f"cell-{n}" for n, c in enumerate(cells, start=1)):
        return  # numbered already (a rebuild): nothing to write
    notebook = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
    for number, cell in enumerate(notebook.cells, start=1):
        if "id" in cell:
            cell["id"] = f"cell-{number}"
    stable = nbformat.writes(notebook)
    if stable != text:
        path.write_text(stable, encoding="utf-8")


def stabilise(*folders: Path) -> None:
    """:func:`stable_cell_ids` for every notebook under ``folders``."""
    for folder in folders:
        for path in sorted(Path(folder).rglob("*.ipynb")):
            stable_cell_ids(path)
