"""The book builds, fails loudly on a broken notebook or a warning, and caches execution."""

import re
import shutil
from pathlib import Path

import yaml
from conftest import ROOT, build

BROKEN_CELL = """
```{code-cell} ipython3
raise RuntimeError("this notebook is broken on purpose")
```
"""


def toc_docs() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    docs = [toc["root"]]
    for part in toc["parts"]:
        docs += [c["file"] for c in part["chapters"]]
    return docs


def mini_book(dest: Path, page: str) -> Path:
    """A one-page book with the project's own configuration and extension."""
    dest.mkdir()
    for name in ("_config.yml", "nhsbook", "data", "requirements.lock"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dest / name)
    (dest / "book").mkdir()
    shutil.copy(ROOT / "book" / "references.bib", dest / "book" / "references.bib")
    shutil.copy(ROOT / "book" / "favicon.svg", dest / "book" / "favicon.svg")
    (dest / "_toc.yml").write_text("format: jb-book\nroot: index\n")
    header = (ROOT / "chapters" / "goals.md").read_text().split("---\n")[1]
    (dest / "index.md").write_text(f"---\n{header}---\n\n# Test page\n\n{page}")
    return dest


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


def test_unchanged_rebuild_executes_nothing(site):
    result = build(ROOT)
    assert result.returncode == 0
    assert not re.search(r"Executing notebook", result.stdout), result.stdout[-3000:]
