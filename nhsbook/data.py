"""Load the book's data, validated against ``data/datapackage.json`` on every load.

``load("survey_means")`` returns a typed :class:`pandas.DataFrame`. The
descriptor is a Frictionless Data Package; this module checks the parts of
Table Schema the book uses (field types ``string``, ``number``, ``integer``,
``year``, ``boolean``, ``date``; constraints ``required``, ``unique``,
``minimum``/``maximum``, ``enum``, ``pattern``; ``primaryKey``;
``foreignKeys``) plus ``nhsbook:checks``, row rules written as pandas
expressions, optionally after joining columns from another resource::

    "nhsbook:checks": [{"expression": "mean >= scale_min and mean <= scale_max",
                        "join": {"resource": "survey_items", "on": "item_id",
                                 "columns": ["scale_min", "scale_max"]},
                        "fields": ["mean"], "message": "mean outside the response scale"}]

Any problem raises :class:`DataValidationError` naming the file, the row
(data row number and line in the file) and the field. Nothing is coerced
silently. What counts as a valid cell (stricter than Table Schema where its
leniency would let a wrong number through):

- every file is UTF-8 (a byte-order mark is allowed); other bytes are an error
  naming the line and field;
- no cell may start or end with whitespace, and a cell of only whitespace is
  an error, not a missing value (only an empty cell, or a field's
  ``missingValues``, is missing), so keys that differ only by spaces and
  blank locators cannot pass;
- ``integer`` and ``year`` are digits with an optional sign: ``"107.0"`` is
  rejected (it is not an integer as written);
- ``number`` is a plain decimal (optional exponent) and must be finite:
  ``inf``, ``NaN`` and ``1e309`` (which overflows to infinity) are rejected;
- ``boolean`` takes Table Schema's default ``trueValues`` (``true``, ``True``,
  ``TRUE``, ``1``) and ``falseValues`` (``false``, ``False``, ``FALSE``,
  ``0``), or the field's own ``trueValues``/``falseValues``;
- ``date`` is ``YYYY-MM-DD``;
- string fields of a ``primaryKey`` or a foreign key are identifiers that code
  looks up: ASCII letters, digits, spaces, ``_``, ``-`` and ``.`` only (so no
  markup can hide in a key).

Third-party R files (``"format": "rda"``) store counts as doubles; their
whole-number values are read as integers before these rules apply.

Third-party files (a ``path`` that is a URL, with ``"hash": "sha256:..."``;
``"format": "rda"`` files name their R object in ``nhsbook:object``) are never
committed: they are read from a local mirror folder (``$NHSBOOK_DATA_MIRROR``,
default ``../shared/data`` beside the repository when it exists) or downloaded
with pooch, and their sha256 is checked either way.
"""

import csv
import io
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from nhsbook import provenance
from nhsbook.datapackage import (  # noqa: F401  (re-exported: data.X names them too)
    DEFAULT_MIRROR,
    MAX_REPORTED,
    MIRROR_ENV,
    DataFileError,
    DataValidationError,
    _decode,
    _label,
    _package,
    fetch,
    how_to_get,
    is_remote,
    local_copy,
    mirror_dir,
    package,
    resource,
    resource_names,
    sha256,
)
from nhsbook.paths import DATA


def _read_raw(res: dict, base: Path) -> tuple[pd.DataFrame, str]:
    """The resource as a frame of strings ('' for missing), and the file name for messages."""
    if is_remote(res):
        path = fetch(res)
        label = path.name
    else:
        path = base / res["path"]
        label = _label(path)
        if not path.is_file():
            raise DataFileError(f"{label}: file not found (resource '{res['name']}')")
    if res.get("format", "csv") == "rda":
        import pyreadr

        frame = pyreadr.read_r(str(path))[res["nhsbook:object"]]
        frame = frame.astype(object).where(frame.notna(), "").map(_r_text)
        return frame.reset_index(drop=True), label
    return _read_csv(path, label), label


def _r_text(value) -> str:
    """An R cell as text; R stores counts as doubles, so whole numbers lose their ``.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_csv(path: Path, label: str) -> pd.DataFrame:
    """A CSV file as a frame of strings; ragged or blank rows and repeated columns are errors.

    (``pandas.read_csv`` would raise a bare ParserError for a row with too many cells, take the
    first column as the index if every row had one cell too many, pad short rows and skip blank
    lines, shifting the row numbers in messages.)
    """
    text = _decode(path.read_bytes(), label).removeprefix("\ufeff")
    if not text.strip():
        raise DataValidationError(label, [(None, None, "file is empty (no header row)")])
    header, *records = csv.reader(io.StringIO(text, newline=""))
    problems = [
        (None, name, "column name appears more than once in the header")
        for name in sorted({n for n in header if header.count(n) > 1})
    ]
    problems += [
        (
            row,
            None,
            f"has {len(cells)} cells but the header has {len(header)} columns"
            if cells
            else "blank row",
        )
        for row, cells in enumerate(records, start=1)
        if len(cells) != len(header)
    ]
    if problems:
        raise DataValidationError(label, problems)
    return pd.DataFrame(records, columns=header, dtype=str)


# --------------------------------------------------------------------------- types

_INTEGER = r"[+-]?\d+"
_NUMBER = r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?"
IDENTIFIER = r"[A-Za-z0-9_.\- ]+"
IDENTIFIER_RULE = "key fields take only letters, digits, spaces, '_', '-' and '.'"
_EXAMPLE = {
    "string": "",
    "number": "(write a finite decimal such as 3.5, -0.14 or 1.2e3)",
    "integer": "(write digits only, such as 107)",
    "year": "(write four digits, such as 2011)",
    "boolean": "(write true or false)",
    "date": "(write YYYY-MM-DD, such as 2011-06-30)",
}
TRUE_VALUES = ["true", "True", "TRUE", "1"]  # Table Schema's defaults
FALSE_VALUES = ["false", "False", "FALSE", "0"]


def _convert(values: pd.Series, field: dict, missing: set[str]) -> tuple[pd.Series, pd.Series]:
    """Typed column and a mask of cells that are present but not of the field's type."""
    kind = field.get("type", "string")
    present = ~values.isin(missing)
    text = values.where(present)
    if kind == "string":
        return text.astype("string"), pd.Series(False, index=values.index)
    if kind in ("number", "integer", "year"):
        pattern = _NUMBER if kind == "number" else _INTEGER
        written = text.fillna("0").str.fullmatch(pattern)
        number = pd.to_numeric(text.where(written), errors="coerce")
        finite = pd.Series(np.isfinite(number.to_numpy(dtype=float, na_value=np.nan)), values.index)
        bad = present & ~(written & finite)
        if kind in ("integer", "year"):
            return number.where(~bad).astype("Int64"), bad
        return number.where(~bad).astype("Float64"), bad
    if kind == "boolean":
        truths = {v: True for v in field.get("trueValues", TRUE_VALUES)}
        truths |= {v: False for v in field.get("falseValues", FALSE_VALUES)}
        truth = text.map(truths)
        return truth.astype("boolean"), present & truth.isna()
    if kind == "date":
        date = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        return date, present & date.isna()
    raise ValueError(f"field '{field['name']}': type {kind!r} is not supported by the loader")


def _typed(frame: pd.DataFrame, schema: dict, label: str) -> tuple[pd.DataFrame, list]:
    problems = []
    names = [f["name"] for f in schema["fields"]]
    header = list(frame.columns)
    problems += [
        (None, n, f"column is missing from the header (found: {header})")
        for n in names
        if n not in header
    ]
    problems += [
        (None, n, "column is not described in datapackage.json") for n in header if n not in names
    ]
    if problems:
        raise DataValidationError(label, problems)
    missing = set(schema.get("missingValues", [""]))
    typed = {}
    for field in schema["fields"]:
        values = frame[field["name"]]
        spaced = (values != values.str.strip()) & ~values.isin(missing)
        for i in frame.index[spaced][:MAX_REPORTED]:
            value = frame.at[i, field["name"]]
            problems.append(
                (
                    i + 1,
                    field["name"],
                    f"{value!r} is blank (only whitespace); leave the cell empty or fill it in"
                    if not value.strip()
                    else f"{value!r} starts or ends with whitespace; remove it",
                )
            )
        column, bad = _convert(values, field, missing)
        kind = field.get("type", "string")
        for i in frame.index[bad & ~spaced][:MAX_REPORTED]:
            value = frame.at[i, field["name"]]
            problems.append(
                (i + 1, field["name"], f"{value!r} is not a valid {kind} {_EXAMPLE[kind]}".strip())
            )
        typed[field["name"]] = column
    return pd.DataFrame(typed, index=frame.index), problems


def _plain_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """Nullable extension dtypes to NumPy ones, so pingouin and statsmodels take them."""
    out = {}
    for name, column in frame.items():
        if isinstance(column.dtype, pd.Int64Dtype):
            column = column.astype("int64") if column.notna().all() else column.astype("float64")
        elif isinstance(column.dtype, pd.Float64Dtype):
            column = column.astype("float64")
        elif isinstance(column.dtype, pd.BooleanDtype):
            column = column.astype(bool) if column.notna().all() else column.astype(object)
        elif isinstance(column.dtype, pd.StringDtype):
            column = column.astype(object).where(column.notna(), None).astype("str")
        out[name] = column
    return pd.DataFrame(out, index=frame.index)


# --------------------------------------------------------------------------- constraints


def _py(value):
    """A cell as plain Python, for readable messages."""
    return value.item() if hasattr(value, "item") else value


def _rows(mask: pd.Series) -> list[int]:
    return [int(i) + 1 for i in mask[mask].index]


def _key_fields(schema: dict) -> list[str]:
    """Fields of the primary key and of foreign keys, in schema order."""
    keys = schema.get("primaryKey", [])
    keys = [keys] if isinstance(keys, str) else list(keys)
    for fk in schema.get("foreignKeys", []):
        keys += [fk["fields"]] if isinstance(fk["fields"], str) else fk["fields"]
    return [f["name"] for f in schema["fields"] if f["name"] in keys]


def _check_constraints(frame: pd.DataFrame, schema: dict) -> list:
    problems = []
    for field in schema["fields"]:
        name, rules = field["name"], field.get("constraints", {})
        column = frame[name]

        def cell(r, name=name):
            return _py(frame.at[r - 1, name])

        if rules.get("required"):
            problems += [(r, name, "value is required") for r in _rows(column.isna())]
        if "minimum" in rules:
            low = column.notna() & (column < rules["minimum"])
            problems += [
                (r, name, f"{cell(r)} is below the minimum {rules['minimum']}") for r in _rows(low)
            ]
        if "maximum" in rules:
            high = column.notna() & (column > rules["maximum"])
            problems += [
                (r, name, f"{cell(r)} is above the maximum {rules['maximum']}") for r in _rows(high)
            ]
        if "enum" in rules:
            allowed = pd.Series(rules["enum"]).astype(column.dtype)
            problems += [
                (r, name, f"{cell(r)!r} is not one of {rules['enum']}")
                for r in _rows(column.notna() & ~column.isin(allowed))
            ]
        if "pattern" in rules:
            ok = column.astype("string").str.fullmatch(rules["pattern"]).fillna(True)
            problems += [
                (r, name, f"{cell(r)!r} does not match {rules['pattern']}")
                for r in _rows(~ok.astype(bool))
            ]
        if rules.get("unique"):
            dup = column.notna() & column.duplicated(keep=False)
            problems += [(r, name, f"{cell(r)!r} is not unique") for r in _rows(dup)]
    for name in _key_fields(schema):
        column = frame[name]
        if isinstance(column.dtype, pd.StringDtype):
            ok = column.str.fullmatch(IDENTIFIER).fillna(True).astype(bool)
            problems += [
                (
                    r,
                    name,
                    f"{_py(frame.at[r - 1, name])!r} is not an identifier ({IDENTIFIER_RULE})",
                )
                for r in _rows(~ok)
            ]
    key = schema.get("primaryKey")
    if key:
        key = [key] if isinstance(key, str) else key
        for r in _rows(frame.duplicated(subset=key, keep="first")):
            values = ", ".join(f"{k}={_py(frame.at[r - 1, k])!r}" for k in key)
            problems.append((r, "+".join(key), f"duplicate primary key ({values})"))
    return problems


def _check_foreign_keys(frame: pd.DataFrame, schema: dict, base: Path) -> list:
    problems = []
    for fk in schema.get("foreignKeys", []):
        fields = [fk["fields"]] if isinstance(fk["fields"], str) else fk["fields"]
        ref = fk["reference"]
        ref_fields = [ref["fields"]] if isinstance(ref["fields"], str) else ref["fields"]
        target = _load(ref["resource"], base)
        known = set(map(tuple, target[ref_fields].astype(str).to_numpy()))
        present = frame[fields].notna().all(axis=1)
        for i, row in frame.loc[present, fields].astype(str).iterrows():
            if tuple(row) not in known:
                problems.append(
                    (
                        int(i) + 1,
                        "+".join(fields),
                        f"{tuple(row)} not found in resource '{ref['resource']}'",
                    )
                )
    return problems


def _check_rules(frame: pd.DataFrame, res: dict, base: Path) -> list:
    """``nhsbook:checks``: each row must satisfy a pandas expression."""
    problems = []
    for rule in res.get("nhsbook:checks", []):
        data = frame
        if "join" in rule:
            join = rule["join"]
            other = _load(join["resource"], base)[[join["on"], *join["columns"]]]
            data = frame.merge(other, on=join["on"], how="left", validate="many_to_one")
            data.index = frame.index
        ok = pd.Series(data.eval(rule["expression"]), index=data.index).fillna(False).astype(bool)
        field = ",".join(rule.get("fields", [])) or None
        for r in _rows(~ok):
            shown = {c: _py(data.at[r - 1, c]) for c in rule.get("fields", []) if c in data}
            problems.append((r, field, f"{rule['message']} ({rule['expression']}; {shown})"))
    return problems


# --------------------------------------------------------------------------- public API


@cache
def _load(name: str, base: Path = DATA) -> pd.DataFrame:
    res = resource(name, base / "datapackage.json")
    raw, label = _read_raw(res, base)
    frame, problems = _typed(raw, res["schema"], label)
    if not problems:
        problems = _check_constraints(frame, res["schema"])
    if not problems:
        problems = _check_foreign_keys(frame, res["schema"], base)
    if not problems:
        problems = _check_rules(frame, res, base)
    if problems:
        raise DataValidationError(label, problems)
    return _plain_dtypes(frame)


def load(name: str, base: Path = DATA) -> pd.DataFrame:
    """A validated copy of resource ``name`` from ``data/datapackage.json``."""
    provenance.record_load(name)  # glued numbers name the data their cell loaded
    return _load(name, Path(base)).copy()


def validate_all(base: Path = DATA) -> dict[str, int]:
    """Validate every resource; return the row count of each."""
    return {name: len(load(name, base)) for name in resource_names(Path(base) / "datapackage.json")}


def clear_cache() -> None:
    """Forget loaded resources (tests change files on disk)."""
    _load.cache_clear()
    _package.cache_clear()


def catalogue(base: Path = DATA) -> pd.DataFrame:
    """One row per resource: name, title, rows, source, licence (for the Data page)."""
    rows = []
    for res in package(Path(base) / "datapackage.json")["resources"]:
        rows.append(
            {
                "resource": res["name"],
                "title": res.get("title", ""),
                "rows": len(load(res["name"], base)),
                "fields": len(res["schema"]["fields"]),
                "source": "; ".join(s.get("title", "") for s in res.get("sources", [])),
                "licence": "; ".join(
                    x.get("title", x.get("name", "")) for x in res.get("licenses", [])
                ),
                "file": res["path"] if is_remote(res) else f"data/{res['path']}",
            }
        )
    return pd.DataFrame(rows)
