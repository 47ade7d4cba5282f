"""A newcomer's first run prints nothing they cannot act on."""

import shutil
import subprocess
import sys

from conftest import ROOT, build, tail
from test_build import mini_book

CELL = """
```{code-cell} ipython3
import nhsbook

print("rows", len(nhsbook.load("survey_items")))
```
"""


def test_installing_the_package_gives_no_setuptools_warning(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "pyproject.toml", project)
    shutil.copytree(ROOT / "nhsbook", project / "nhsbook")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from setuptools import build_meta; import sys; build_meta.build_wheel(sys.argv[1])",
            str(tmp_path / "wheel"),
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "Package would be ignored" not in output and "_Warning" not in output, output[-3000:]
    assert "adding 'nhsbook/static/nhsbook.css'" in output, "the static files must be packaged"


def test_a_clean_build_prints_no_kernel_warnings(tmp_path):
    result = build(mini_book(tmp_path / "book", CELL, clean=True))
    assert result.returncode == 0, tail(result)
    output = result.stdout + result.stderr
    assert "without encryption" not in output, tail(result)
    assert "WARNING" not in output, tail(result)
