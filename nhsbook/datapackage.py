"""The data package descriptor, its errors and third-party files: no pandas.

What the build process needs on every run (the cache fingerprint, the data downloads,
the error report) without importing pandas; :mod:`nhsbook.data` loads and validates
the tables and re-exports everything here.
"""

import csv
import hashlib
import io
import json
import os
from functools import cache
from pathlib import Path

from nhsbook.paths import DATA, DATAPACKAGE, ROOT

MIRROR_ENV = "NHSBOOK_DATA_MIRROR"
DEFAULT_MIRROR = ROOT.parent / "shared" / "data"
MAX_REPORTED = 5


class DataValidationError(ValueError):
    """A data file does not match its schema; the message names file, row and field."""

    def __init__(self, file, problems):
        self.file = str(file)
        self.problems = problems  # list of (row or None, field or None, message)
        lines = [_describe(self.file, *p) for p in problems[:MAX_REPORTED]]
        if len(problems) > MAX_REPORTED:
            lines.append(f"... and {len(problems) - MAX_REPORTED} more problems")
        lines.append(_how_to_fix(self.file, problems))
        super().__init__("\n".join(lines))


class DataFileError(RuntimeError):
    """A data file is missing, unreadable or fails its checksum; says how to get it."""


def _how_to_fix(file, problems) -> str:
    """One line saying what to change, for the end of a validation message."""
    if file.endswith(".json"):
        return (
            f"How to fix: correct the JSON at that line and column of {file} "
            f"(`python -m json.tool {file}` points at it)."
        )
    if any("is not UTF-8" in message for *_, message in problems):
        return f"How to fix: save {file} with the UTF-8 encoding (in a spreadsheet: CSV UTF-8)."
    fields = {str(field) for _, field, _ in problems}
    advice = [f"correct the value{'s' if len(problems) > 1 else ''} named above in {file}"]
    if "source" in fields:
        advice.append("a `source` must be a key of book/references.bib listed in the field's enum")
    if "locator" in fields:
        advice.append(
            "every row needs a `locator` saying where in the source the value is "
            "(table, row and column, or section and paragraph)"
        )
    advice.append("each field's type and rules are in data/datapackage.json")
    return "How to fix: " + "; ".join(advice) + "."


def _describe(file, row, field, message):
    where = [file]
    if row is not None:
        where.append(f"row {row} (line {row + 1})")
    if field is not None:
        where.append(f"field '{field}'")
    return ", ".join(where) + f": {message}"


# --------------------------------------------------------------------------- descriptor


def _label(path: Path) -> str:
    """``data/x.csv`` for the book's own files, the full path otherwise."""
    path = Path(path)
    return f"data/{path.name}" if path.parent == DATA else str(path)


@cache
def _package(path: Path = DATAPACKAGE) -> dict:
    try:
        return json.loads(_decode(path.read_bytes(), _label(path)))
    except json.JSONDecodeError as error:
        raise DataValidationError(
            _label(path),
            [
                (
                    None,
                    None,
                    f"not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}",
                )
            ],
        ) from None
    except FileNotFoundError:
        raise DataFileError(
            f"{_label(path)}: file not found (the data package descriptor)"
        ) from None


def package(path: Path = DATAPACKAGE) -> dict:
    """The data package descriptor (a copy)."""
    return json.loads(json.dumps(_package(path)))


def resource_names(path: Path = DATAPACKAGE) -> list[str]:
    return [r["name"] for r in _package(path)["resources"]]


def resource(name: str, path: Path = DATAPACKAGE) -> dict:
    """The descriptor of one resource."""
    for res in _package(path)["resources"]:
        if res["name"] == name:
            return res
    raise KeyError(f"no resource {name!r} in {path}; known: {resource_names(path)}")


# --------------------------------------------------------------------------- reading


def is_remote(res: dict) -> bool:
    return str(res["path"]).startswith(("http://", "https://"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mirror_dir() -> Path | None:
    """Folder of local copies of third-party files, if any."""
    if os.environ.get(MIRROR_ENV):
        return Path(os.environ[MIRROR_ENV])
    return DEFAULT_MIRROR if DEFAULT_MIRROR.is_dir() else None


def _pooch_cache() -> Path:
    import pooch

    return Path(pooch.os_cache("nhsbook"))


def local_copy(res: dict) -> Path | None:
    """The local file :func:`fetch` would read for a third-party resource, if there is one."""
    filename = res["path"].rsplit("/", 1)[-1]
    mirror = mirror_dir()
    if mirror is not None and (mirror / filename).is_file():
        return mirror / filename
    downloaded = _pooch_cache() / filename  # imports pooch: only when the mirror lacks it
    return downloaded if downloaded.is_file() else None


def how_to_get(res: dict) -> str:
    """How to provide a third-party file: address, checksum, mirror variable and its default."""
    return (
        f"How to fix: download {res['path']} (sha256 {res['hash'].removeprefix('sha256:')}) "
        f"into the data mirror folder, named by the environment variable {MIRROR_ENV} "
        f"(default: ../shared/data beside the repository, here {DEFAULT_MIRROR}), "
        "or build with network access so that the book downloads it."
    )


def fetch(res: dict) -> Path:
    """Local path of a third-party file, checksum verified (mirror first, then download)."""
    url = res["path"]
    filename = url.rsplit("/", 1)[-1]
    expected = res["hash"].removeprefix("sha256:")
    how = how_to_get(res)
    mirror = mirror_dir()
    if mirror is not None and (mirror / filename).is_file():
        local = mirror / filename
        actual = sha256(local)
        if actual != expected:
            raise DataFileError(
                f"{local}: checksum mismatch for resource '{res['name']}': expected sha256 "
                f"{expected}, got {actual}. The file is not the published one.\n{how}"
            )
        return local
    import pooch

    try:
        return Path(
            pooch.retrieve(
                url,
                known_hash=f"sha256:{expected}",
                fname=filename,
                path=_pooch_cache(),
                progressbar=False,
            )
        )
    except Exception as error:  # network down, 404, or pooch's own hash mismatch
        raise DataFileError(
            f"{filename}: resource '{res['name']}' is not available locally"
            f"{f' (no copy in {mirror})' if mirror else ''} and could not be downloaded "
            f"({type(error).__name__}: {error}).\n{how}"
        ) from error


def _decode(raw: bytes, label: str) -> str:
    """UTF-8 text; other bytes fail naming the line (and the CSV row and field) of the first one."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start].decode("utf-8").removeprefix("\ufeff")
        records = list(csv.reader(io.StringIO(before, newline="")))
        line = before.count("\n") + 1
        row = field = None
        if len(records) > 1 and not before.endswith("\n"):  # inside a data row
            row, column = len(records) - 1, len(records[-1]) - 1
            field = records[0][column] if column < len(records[0]) else None
        elif before.endswith("\n") and records:  # at the start of a data row
            row, field = len(records), records[0][0]
        bad = raw[error.start : error.end].hex(" ")
        raise DataValidationError(
            label, [(row, field, f"byte {bad} on line {line} is not UTF-8; save the file as UTF-8")]
        ) from None
