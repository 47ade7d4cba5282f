"""Shared fixtures: one book build per test session, and throw-away project copies."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
COPY_IGNORE = shutil.ignore_patterns(
    ".venv", "_build", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", "bench"
)


def build(srcdir: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    """``jupyter-book build`` exactly as ``make book`` runs it (warnings are errors)."""
    env = {**os.environ, "PYTHONPATH": str(srcdir)}
    env.pop("NHSBOOK_BUILD", None)
    return subprocess.run(
        [str(JUPYTER_BOOK), "build", str(srcdir), "--warningiserror", "--keep-going"],
        cwd=srcdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


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


@pytest.fixture(scope="session")
def site() -> Path:
    """The built HTML book (``_build/html``), built once per session; cached outputs reused."""
    result = build(ROOT)
    assert result.returncode == 0, (
        f"book build failed:\n{result.stdout[-5000:]}\n{result.stderr[-5000:]}"
    )
    return ROOT / "_build" / "html"


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium; required in CI, skipped (loudly) elsewhere when missing."""
    path = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(path).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} not found: CI must install Debian's chromium (see .ci/run)")
        pytest.skip(f"{path} not found: install Debian's chromium to run the browser tests")
    return path
