"""Bad data fails the book build itself, and the last lines it prints say what and how to fix.

Each case builds a one-page copy of the book (``mini_book``) with one thing broken and reads the
end of the build's output: the report naming file, row and field, then "How to fix".
"""

import pytest
from conftest import build_from, final_report, find_row, set_cell
from test_build import mini_book

from nhsbook import data


def test_unknown_source_key_fails_the_build(tmp_path):
    book = mini_book(tmp_path / "book", "Text.\n")
    row = find_row(book / "data", "claims", claim_id="DW01")
    set_cell(book / "data", "claims", row, "source", "dixonwoods2013")
    result = build_from(book, book)
    assert result.returncode != 0
    error, how = final_report(result)
    assert error.startswith(
        f"data/claims.csv, row {row} (line {row + 1}), field 'source': "
        "'dixonwoods2013' is not one of ["
    ), error
    assert how.startswith("How to fix: correct the value named above in data/claims.csv")
    assert "a `source` must be a key of book/references.bib" in how


def test_blank_locator_fails_the_build(tmp_path):
    book = mini_book(tmp_path / "book", "Text.\n")
    set_cell(book / "data", "study_elements", 2, "locator", "  ")
    result = build_from(book, book)
    assert result.returncode != 0
    error, how = final_report(result)
    assert error == (
        "data/study_elements.csv, row 2 (line 3), field 'locator': "
        "'  ' is blank (only whitespace); leave the cell empty or fill it in"
    )
    assert "every row needs a `locator`" in how


def test_missing_third_party_file_says_where_to_get_it(tmp_path):
    book = mini_book(tmp_path / "book", "Text.\n")
    (tmp_path / "empty-mirror").mkdir()
    result = build_from(
        book,
        book,
        **{data.MIRROR_ENV: str(tmp_path / "empty-mirror")},
        XDG_CACHE_HOME=str(tmp_path / "no-downloads"),
    )
    assert result.returncode != 0
    report = "\n".join(final_report(result))
    missing = data.resource("ae_attendances")
    for fragment in (
        "ae_attendances.rda: resource 'ae_attendances' is not available locally",
        f"How to fix: download {missing['path']}",
        f"sha256 {missing['hash'].removeprefix('sha256:')}",
        f"environment variable {data.MIRROR_ENV} (default: ../shared/data beside the repository",
    ):
        assert fragment in report, report


DATA_ERROR_IN_A_NOTEBOOK = """
```{code-cell} ipython3
import nhsbook

raise nhsbook.DataValidationError("data/claims.csv", [(3, "locator", "value is required")])
```
"""


def test_data_error_in_a_notebook_is_reported_last(tmp_path):
    book = mini_book(tmp_path / "book", DATA_ERROR_IN_A_NOTEBOOK)
    result = build_from(book, book)
    assert result.returncode != 0
    error, how = final_report(result)
    assert error == "data/claims.csv, row 3 (line 4), field 'locator': value is required"
    assert how.startswith("How to fix: correct the value named above in data/claims.csv")


@pytest.mark.parametrize("case", ["json", "encoding"])
def test_unreadable_files_name_the_file(tmp_path, case):
    """Checked without a build: the loader's message is what the build prints."""
    book = mini_book(tmp_path / "book", "Text.\n")
    if case == "json":
        path = book / "data" / "datapackage.json"
        path.write_text(path.read_text(encoding="utf-8").replace('"name"', "'name'", 1))
    else:
        path = book / "data" / "documents.csv"
        raw = path.read_bytes()
        start = raw.index(b"\n") + 1
        path.write_bytes(raw[:start] + b"\xe9" + raw[start:])  # Latin-1 e-acute
    data.clear_cache()
    try:
        with pytest.raises(data.DataValidationError) as info:
            data.validate_all(book / "data")
    finally:
        data.clear_cache()
    message = str(info.value)
    assert path.name in message.splitlines()[0] and "How to fix" in message.splitlines()[-1]
