"""The execution cache: where it is, when it is stale, and how it is cleared safely.

Jupyter-cache keys a notebook on its code only, so a changed data file would be
served stale outputs. :func:`fingerprint` hashes everything outside a notebook
that can change its outputs: ``data/``, the ``nhsbook`` package, the
bibliography, the lock file and the third-party files the loader reads (by the
sha256 of the local copy it would use). When the fingerprint differs from the
one recorded by the last successful build, the cache is cleared.

The cache path in ``_config.yml`` is resolved against the book's folder (myst-nb
would resolve a relative path against the working directory, so a build started
elsewhere would use, and fill, another cache). Clearing deletes only a folder
named ``.jupyter_cache`` inside the book's own ``_build``, after resolving
symlinks; any other location is refused with :class:`CacheLocationError`.
"""

import hashlib
import shutil
from pathlib import Path

from nhsbook import datapackage

FINGERPRINT_INPUTS = ["data", "nhsbook", "book/references.bib", "requirements.lock"]
CACHE_NAME = ".jupyter_cache"
FINGERPRINT_FILE = ".nhsbook-fingerprint"
DEFAULT_SETTING = f"_build/{CACHE_NAME}"


class CacheLocationError(RuntimeError):
    """The configured execution cache is not a folder this book may delete."""


def resolve(srcdir: Path, build_dir: Path, configured: str | None) -> Path:
    """The execution cache folder, absolute and symlink-free; refused unless it is safe to clear.

    ``configured`` is ``execute: cache`` from ``_config.yml`` (relative to the book's
    folder ``srcdir``); empty means ``<build_dir>/.jupyter_cache``, as in myst-nb.
    """
    build = Path(build_dir).resolve()
    path = Path(srcdir, configured) if configured else build / CACHE_NAME
    path = path.resolve()
    if path.name != CACHE_NAME or not path.is_relative_to(build):
        raise CacheLocationError(
            f"The execution cache {str(configured or path)!r} resolves to {path}, which is not "
            f"a {CACHE_NAME} folder inside {build}. The book clears its cache whenever data "
            "change and deletes nothing outside its own build folder. How to fix: set `execute: "
            f"cache: "
            f"{DEFAULT_SETTING}` in _config.yml, and if {build / CACHE_NAME} is a symlink, "
            "remove the symlink."
        )
    return path


def _third_party(root: Path) -> list[tuple[str, str]]:
    """(file name, sha256 of the local copy the loader would read, or 'absent')."""
    base = root / "data"
    try:
        names = datapackage.resource_names(base / "datapackage.json")
    except (datapackage.DataValidationError, datapackage.DataFileError):
        return []  # the descriptor's own bytes are in the fingerprint; the build reports it
    found = []
    for name in names:
        res = datapackage.resource(name, base / "datapackage.json")
        if datapackage.is_remote(res):
            local = datapackage.local_copy(res)
            found.append((res["path"], datapackage.sha256(local) if local else "absent"))
    return found


def fingerprint(root: Path) -> str:
    """Hash of everything outside a notebook that can change its outputs."""
    digest = hashlib.sha256()
    for name in FINGERPRINT_INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts or not file.exists():
                continue
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    for url, sha in _third_party(root):
        digest.update(f"{url} {sha}".encode())
    return digest.hexdigest()


def is_stale(build_dir: Path, current: str) -> bool:
    """True unless the last successful build recorded the fingerprint ``current``."""
    stored = Path(build_dir) / FINGERPRINT_FILE
    return not stored.is_file() or stored.read_text(encoding="utf-8") != current


def record(build_dir: Path, current: str) -> None:
    """Remember ``current`` after a successful build."""
    (Path(build_dir) / FINGERPRINT_FILE).write_text(current, encoding="utf-8")


def forget(build_dir: Path) -> None:
    """Forget the recorded fingerprint, so that the next build clears the cache again."""
    (Path(build_dir) / FINGERPRINT_FILE).unlink(missing_ok=True)


def clear(path: Path, build_dir: Path) -> None:
    """Delete the execution cache ``path``, checked again to lie inside ``build_dir``."""
    safe = resolve(build_dir.parent, build_dir, str(path))
    if safe.is_dir():
        shutil.rmtree(safe)
