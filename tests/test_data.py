"""The evidence data layer: data/datapackage.json, the CSV files it describes, and the loader.

Three kinds of test:

- every resource validates, and every local row cites a bibliography key and a locator;
- mutation tests: a damaged copy of data/ (or of a third-party file) must fail loudly, with a
  message naming the file, the field and, where there is one, the row;
- consistency tests: the numbers extracted from Dixon-Woods et al. (2014) and the companion texts
  agree with each other as the paper says they should (changes = differences of means, parts
  sum to totals, "over 300" interviews, ...).

Third-party resources are read from the local mirror ($NHSBOOK_DATA_MIRROR or ../shared/data);
without one they are skipped, except on CI (CI=true), where they are downloaded and must pass.
"""

import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import find_row, read_records, read_rows, set_cell, write_rows
from sources import ON_CI

import nhsbook
from nhsbook import data, references
from nhsbook.paths import DATA

RESOURCES = data.resource_names()
LOCAL = [n for n in RESOURCES if not data.is_remote(data.resource(n))]
REMOTE = [n for n in RESOURCES if data.is_remote(data.resource(n))]
BIB_KEYS = references.keys()


def _remote_file(name: str) -> str:
    return data.resource(name)["path"].rsplit("/", 1)[-1]


def _in_mirror(name: str) -> bool:
    mirror = data.mirror_dir()
    return mirror is not None and (mirror / _remote_file(name)).is_file()


def _need(name: str) -> None:
    """Skip a third-party resource only when there is no mirror copy and we are not on CI."""
    if data.is_remote(data.resource(name)) and not _in_mirror(name) and not ON_CI:
        pytest.skip(
            f"{_remote_file(name)} is not in the data mirror (set ${data.MIRROR_ENV}); "
            "it is downloaded and tested on CI"
        )


def _fails(name: str, base: Path, *fragments: str) -> str:
    with pytest.raises(data.DataValidationError) as info:
        data.load(name, base=base)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in message:\n{message}"
    return message


def _value(frame: pd.DataFrame, column: str, **where) -> object:
    rows = frame
    for key, wanted in where.items():
        rows = rows[rows[key] == wanted]
    assert len(rows) == 1, f"expected one row for {where}, got {len(rows)}"
    return rows[column].iloc[0]


def count(count_id: str) -> int:
    return int(_value(data.load("reported_counts"), "value", count_id=count_id))


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("name", RESOURCES)
def test_resource_validates(name):
    _need(name)
    frame = nhsbook.load(name)
    fields = [f["name"] for f in data.resource(name)["schema"]["fields"]]
    assert list(frame.columns) == fields
    assert len(frame) > 0


def test_validate_all_row_counts():
    if any(not _in_mirror(n) for n in REMOTE) and not ON_CI:
        pytest.skip("third-party files are not in the data mirror")
    counts = data.validate_all()
    assert {name: counts[name] for name in EXTRACTED_ROWS} == EXTRACTED_ROWS


# Row counts of the resources extracted from the five documents and the two datasets
# (chapters add their own coded resources, tested in their own files).
EXTRACTED_ROWS = {
    "study_elements": 11,
    "study_counts": 40,
    "reported_counts": 40,
    "survey_items": 9,
    "survey_means": 27,
    "survey_changes": 18,
    "board_innovations": 7,
    "frontline_innovations": 7,
    "framework_items": 28,
    "specialist_trusts": 3,
    "ae_attendances": 12765,
    "shmi_engagement": 852,
    # The synthesis's coding of the paper (two codings of 119 claims, and what rests on them)
    "claim_codings": 238,
    "coding_disagreements": 28,
    "component_triangulation": 30,
    "mmat_appraisal": 22,
}


@pytest.mark.parametrize("name", LOCAL)
def test_every_row_cites_a_source_and_locator(name):
    frame = data.load(name)
    for i, row in frame.iterrows():
        where = f"data/{name}.csv row {i + 1}"
        assert row["source"] in BIB_KEYS, f"{where}: source {row['source']!r} not in references.bib"
        assert str(row["locator"]).strip(), f"{where}: empty locator"


@pytest.mark.parametrize("name", RESOURCES)
def test_descriptor_metadata(name):
    res = data.resource(name)
    for key in ("title", "description", "path", "format", "mediatype", "sources", "licenses"):
        assert res.get(key), f"resource {name} lacks {key}"
    if res["format"] == "csv":
        assert res["encoding"] == "utf-8"
    for field in res["schema"]["fields"]:
        assert field.get("description"), f"{name}.{field['name']} has no description"
    if data.is_remote(res):
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", res["hash"])
        assert not (DATA / _remote_file(name)).exists(), "third-party files are never committed"
        assert any(s.get("nhsbook:bibkey") in BIB_KEYS for s in res["sources"])
    else:
        assert res["path"] == f"{name}.csv"


def test_package_metadata():
    package = data.package()
    for key in ("name", "title", "description", "licenses", "contributors", "resources"):
        assert package.get(key), key
    assert len(set(RESOURCES)) == len(RESOURCES)
    on_disk = {p.name for p in DATA.glob("*.csv")}
    assert on_disk == {f"{n}.csv" for n in LOCAL}, "every CSV in data/ must be described"


# --------------------------------------------------------------------------- mutations


def test_missing_column(data_copy):
    rows = read_rows(data_copy, "survey_means")
    drop = rows[0].index("mean")
    rows = [r[:drop] + r[drop + 1 :] for r in rows]
    write_rows(data_copy, "survey_means", rows)
    _fails(
        "survey_means",
        data_copy,
        "survey_means.csv",
        "field 'mean'",
        "column is missing from the header",
    )


def test_extra_column(data_copy):
    rows = read_rows(data_copy, "survey_items")
    write_rows(
        data_copy, "survey_items", [r + ["x"] for r in rows[:1]] + [r + [""] for r in rows[1:]]
    )
    _fails("survey_items", data_copy, "survey_items.csv", "field 'x'", "not described")


def test_non_numeric_mean(data_copy):
    set_cell(data_copy, "survey_means", 4, "mean", "high")
    _fails(
        "survey_means",
        data_copy,
        "survey_means.csv",
        "row 4 (line 5)",
        "field 'mean'",
        "'high' is not a valid number",
    )


def test_mean_outside_scale(data_copy):
    row = find_row(data_copy, "survey_means", item_id="ward_clean", year="2011")
    set_cell(data_copy, "survey_means", row, "mean", "4.63")  # the inpatient scale is 1-4
    _fails(
        "survey_means",
        data_copy,
        "survey_means.csv",
        f"row {row} (line {row + 1})",
        "field 'mean'",
        "mean outside the response scale",
        "4.63",
    )


def test_percent_item_outside_scale(data_copy):
    row = find_row(data_copy, "survey_means", item_id="doctors_clean_hands", year="2007")
    set_cell(data_copy, "survey_means", row, "mean", "101")
    _fails("survey_means", data_copy, f"row {row} ", "field 'mean'", "outside the response scale")


def test_duplicate_key(data_copy):
    rows = read_rows(data_copy, "survey_means")
    write_rows(data_copy, "survey_means", rows + [rows[2]])
    _fails(
        "survey_means",
        data_copy,
        "survey_means.csv",
        f"row {len(rows)} (line {len(rows) + 1})",
        "field 'item_id+year'",
        "duplicate primary key",
    )


def test_duplicate_unique_field(data_copy):
    set_cell(data_copy, "reported_counts", 2, "count_id", "substudies")
    _fails(
        "reported_counts",
        data_copy,
        "reported_counts.csv",
        "row 1 ",
        "row 2 ",
        "field 'count_id'",
        "not unique",
    )


def test_empty_file(data_copy):
    (data_copy / "survey_items.csv").write_text("", encoding="utf-8")
    _fails("survey_items", data_copy, "survey_items.csv", "file is empty")


def test_ragged_row(data_copy):
    rows = read_rows(data_copy, "survey_items")
    rows[3] = rows[3] + ["stray cell"]
    write_rows(data_copy, "survey_items", rows)
    _fails(
        "survey_items",
        data_copy,
        "survey_items.csv",
        "row 3 (line 4)",
        "has 15 cells but the header has 14 columns",
    )


def test_blank_row(data_copy):
    path = data_copy / "study_elements.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:3] + ["\n"] + lines[3:]), encoding="utf-8")
    _fails("study_elements", data_copy, "study_elements.csv", "row 3 (line 4): blank row")


def test_missing_local_file(data_copy):
    (data_copy / "board_innovations.csv").unlink()
    with pytest.raises(data.DataFileError, match=r"board_innovations\.csv: file not found"):
        data.load("board_innovations", base=data_copy)


def test_value_not_in_enum(data_copy):
    set_cell(data_copy, "survey_changes", 3, "significance", "p<0.1")
    _fails(
        "survey_changes",
        data_copy,
        "survey_changes.csv",
        "row 3 ",
        "field 'significance'",
        "'p<0.1' is not one of",
    )


def test_unknown_source_key(data_copy):
    set_cell(data_copy, "framework_items", 5, "source", "dixonwoods2013")
    _fails(
        "framework_items",
        data_copy,
        "framework_items.csv",
        "row 5 ",
        "field 'source'",
        "'dixonwoods2013' is not one of",
    )


def test_missing_required_locator(data_copy):
    set_cell(data_copy, "study_elements", 2, "locator", "")
    _fails(
        "study_elements",
        data_copy,
        "study_elements.csv",
        "row 2 ",
        "field 'locator'",
        "value is required",
    )


def test_foreign_key(data_copy):
    set_cell(data_copy, "survey_changes", 1, "item_id", "no_such_item")
    _fails(
        "survey_changes",
        data_copy,
        "survey_changes.csv",
        "row 1 ",
        "field 'item_id'",
        "not found in resource 'survey_items'",
    )


def test_count_without_status(data_copy):
    row = find_row(data_copy, "board_innovations", category="other domains")
    set_cell(data_copy, "board_innovations", row, "count", "57")  # never derive it as a remainder
    _fails(
        "board_innovations",
        data_copy,
        "board_innovations.csv",
        f"row {row} ",
        "field 'count,status'",
        "count must be present exactly when status is 'reported'",
    )


def test_stars_must_match_significance(data_copy):
    set_cell(data_copy, "survey_changes", 1, "as_printed", "+0.14*")
    _fails(
        "survey_changes",
        data_copy,
        "survey_changes.csv",
        "row 1 ",
        "field 'significance,as_printed'",
        "does not match the printed stars",
    )


@pytest.mark.parametrize(
    ("name", "row", "field", "value", "message"),
    [
        # numbers must be finite: "inf" would print as "3.1 to inf SDs"
        ("survey_items", 2, "sd_2007", "inf", "'inf' is not a valid number"),
        ("survey_items", 2, "sd_2007", "1e309", "'1e309' is not a valid number"),
        ("survey_means", 3, "mean", "NaN", "'NaN' is not a valid number"),
        ("survey_means", 3, "mean", "0x1A", "'0x1A' is not a valid number"),
        # integers as written: "107.0" is not an integer
        ("study_counts", 1, "quantity", "107.0", "'107.0' is not a valid integer"),
        ("study_counts", 1, "quantity", "1e2", "'1e2' is not a valid integer"),
        ("survey_items", 1, "higher_is_better", "yes", "'yes' is not a valid boolean"),
        # whitespace: a blank locator is not a locator, keys may not differ by spaces
        ("study_elements", 2, "locator", "   ", "is blank (only whitespace)"),
        ("claims", 1, "paraphrase", "\t", "is blank (only whitespace)"),
        ("reported_counts", 4, "count_id", "innovations ", "starts or ends with whitespace"),
        ("survey_means", 2, "item_id", " ward_clean", "starts or ends with whitespace"),
        ("study_counts", 1, "quantity", " 107", "starts or ends with whitespace"),
    ],
)
def test_bad_cell_names_file_row_and_field(data_copy, name, row, field, value, message):
    set_cell(data_copy, name, row, field, value)
    _fails(
        name, data_copy, f"{name}.csv", f"row {row} (line {row + 1})", f"field '{field}'", message
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("True", True), ("TRUE", True), ("1", True), ("False", False), ("0", False)],
)
def test_booleans_follow_table_schema(data_copy, value, expected):
    set_cell(data_copy, "survey_items", 1, "higher_is_better", value)
    assert data.load("survey_items", base=data_copy)["higher_is_better"].iloc[0] == expected


def test_keys_differing_only_by_trailing_space(data_copy):
    """Two rows whose keys differ only by a trailing space are not two rows."""
    rows = read_rows(data_copy, "survey_means")
    extra = list(rows[1])
    extra[rows[0].index("item_id")] += " "
    write_rows(data_copy, "survey_means", rows + [extra])
    _fails(
        "survey_means",
        data_copy,
        f"row {len(rows)} (line {len(rows) + 1})",
        "field 'item_id'",
        "starts or ends with whitespace",
    )


def test_latin1_file_names_file_row_and_field(data_copy):
    rows = read_rows(data_copy, "study_elements")
    rows[3][rows[0].index("setting")] = "Caf\u00e9 and wards"
    path = data_copy / "study_elements.csv"
    path.write_bytes(
        "".join(",".join(f'"{c}"' for c in r) + "\n" for r in rows).encode("latin-1", "replace")
    )
    _fails(
        "study_elements",
        data_copy,
        "study_elements.csv",
        "row 3 (line 4)",
        "field 'setting'",
        "byte e9 on line 4 is not UTF-8",
    )


def test_invalid_datapackage_names_the_file(data_copy):
    path = data_copy / "datapackage.json"
    path.write_text(path.read_text(encoding="utf-8")[:-40], encoding="utf-8")
    message = _fails("survey_items", data_copy, "datapackage.json", "not valid JSON at line")
    assert re.search(r"line \d+, column \d+", message)


def test_csv_helpers_read_data_as_the_loader_does(data_copy):
    """A byte-order mark and re-ordered columns change nothing for the loader or the tests."""
    for name in LOCAL:
        before = data.load(name, base=data_copy)
        header, *rows = read_rows(data_copy, name)
        order = list(reversed(range(len(header))))
        write_rows(data_copy, name, [[r[i] for i in order] for r in [header, *rows]])
        path = data_copy / f"{name}.csv"
        path.write_text("\ufeff" + path.read_text(encoding="utf-8"), encoding="utf-8")
        data.clear_cache()
        after = data.load(name, base=data_copy)
        pd.testing.assert_frame_equal(after, before)
        records = read_records(data_copy, name)
        assert list(records[0]) == list(reversed(header))
        assert [r[header[0]] for r in records] == [r[0] for r in rows]
    assert find_row(data_copy, "survey_means", item_id="ward_clean", year="2011") > 0
    set_cell(data_copy, "survey_means", 1, "mean", "high")
    _fails("survey_means", data_copy, "row 1 (line 2)", "field 'mean'", "'high' is not a valid")


def test_third_party_checks_on_a_local_copy(data_copy):
    """The SHMI/engagement schema, applied to a small local file, catches bad values."""
    package = (data_copy / "datapackage.json").read_text(encoding="utf-8")
    remote = data.resource("shmi_engagement")
    package = package.replace(f'"path": "{remote["path"]}"', '"path": "shmi_sample.csv"')
    (data_copy / "datapackage.json").write_text(package, encoding="utf-8")
    header = [f["name"] for f in remote["schema"]["fields"]]
    good = ["RXX", "2015", "1.01", "NA", "0.99", "900", "0.7", "910", "3.8", "NA", "NA", "", ""]
    bad = ["RYY", "2015", "0", "1.1", "1.0", "900", "1.2", "910", "6.1", "NA", "NA", "NA", "NA"]
    write_rows(data_copy, "shmi_sample", [header, good, bad])
    message = _fails(
        "shmi_engagement",
        data_copy,
        "shmi_sample.csv",
        "row 2 (line 3)",
        "field 'Survey.clinical.proportion.index'",
        "above the maximum 1",
        "field 'Engagement.index'",
        "above the maximum 5",
    )
    assert "row 1 " not in message
    # once the ranges are right, the rule 'SHMI > 0' is checked
    bad[6], bad[8] = "0.7", "3.9"
    write_rows(data_copy, "shmi_sample", [header, good, bad])
    data.clear_cache()
    _fails(
        "shmi_engagement",
        data_copy,
        "row 2 (line 3)",
        "field 'SHMI.index'",
        "SHMI must be positive",
    )


def test_remote_checksum_mismatch(tmp_path, monkeypatch, fresh):
    name = "shmi_engagement"
    filename = _remote_file(name)
    if _in_mirror(name):
        text = (data.mirror_dir() / filename).read_text(encoding="utf-8")
        text = text.replace("3.94666666666667", "3.94666666666668", 1)  # one digit changed
    else:
        text = '"Code","Year.index"\n"R1H",2017\n'
    (tmp_path / filename).write_text(text, encoding="utf-8")
    monkeypatch.setenv(data.MIRROR_ENV, str(tmp_path))
    with pytest.raises(data.DataFileError) as info:
        data.load(name)
    message = str(info.value)
    for fragment in (
        str(tmp_path / filename),
        "checksum mismatch",
        f"resource '{name}'",
        data.resource(name)["hash"].removeprefix("sha256:"),
    ):
        assert fragment in message, message


def test_remote_missing_without_network(tmp_path, monkeypatch, fresh):
    import pooch

    def offline(*args, **kwargs):
        raise ConnectionError("network is unreachable")

    monkeypatch.setenv(data.MIRROR_ENV, str(tmp_path))  # an empty mirror
    monkeypatch.setattr(pooch, "retrieve", offline)
    with pytest.raises(data.DataFileError) as info:
        data.load("ae_attendances")
    message = str(info.value)
    for fragment in (
        "ae_attendances.rda",
        "resource 'ae_attendances'",
        "could not be downloaded",
        "ConnectionError",
        data.MIRROR_ENV,
        "sha256",
    ):
        assert fragment in message, message


# --------------------------------------------------------------------------- consistency

TOLERANCE = {"1-5 agreement": 0.01, "1-4": 0.01, "% positive": 1}


def _printed_number(cell: str) -> float:
    return float(cell.rstrip("*").replace("–", "-").replace("−", "-"))


def test_reported_changes_equal_differences_of_means():
    """Every printed change equals the later minus the earlier printed mean (within rounding).

    All 18 agree exactly; a mismatch would be a discrepancy in the paper to record in the data.
    """
    items = data.load("survey_items").set_index("item_id")
    means = data.load("survey_means").set_index(["item_id", "year"])["mean"]
    problems = []
    for row in data.load("survey_changes").itertuples():
        start, end = (int(y) for y in row.period.split("-"))
        difference = means[(row.item_id, end)] - means[(row.item_id, start)]
        tolerance = TOLERANCE[items.at[row.item_id, "scale_label"]]
        if abs(difference - row.reported_change) > tolerance + 1e-9:
            problems.append(
                f"{row.item_id} {row.period}: printed {row.as_printed}, "
                f"means give {difference:+.2f}"
            )
        assert _printed_number(row.as_printed) == pytest.approx(row.reported_change)
    assert not problems, "changes inconsistent with the printed means:\n" + "\n".join(problems)


def test_every_item_has_three_means_and_two_changes():
    items = set(data.load("survey_items")["item_id"])
    means = data.load("survey_means").groupby("item_id")["year"].apply(sorted)
    changes = data.load("survey_changes").groupby("item_id")["period"].apply(sorted)
    assert set(means.index) == items == set(changes.index)
    assert all(years == [2007, 2009, 2011] for years in means)
    assert all(periods == ["2007-2009", "2009-2011"] for periods in changes)


def test_survey_items_trusts_and_scales():
    items = data.load("survey_items")
    staff, inpatient = items[items.survey == "staff"], items[items.survey == "inpatient"]
    assert len(staff) == 7 and len(inpatient) == 2
    assert set(staff.n_trusts) == {count("staff_survey_trusts")} == {309}
    assert set(inpatient.n_trusts) == {count("inpatient_survey_trusts")} == {157}
    assert set(staff.scale_label) == {"1-5 agreement"}
    hands = items.set_index("item_id").loc["doctors_clean_hands"]
    assert (hands.scale_min, hands.scale_max, hands.sd_2007) == (0, 100, 6)
    lower_is_better = set(items.loc[~items.higher_is_better.astype(bool), "item_id"])
    assert lower_is_better == {"no_time", "blames_punishes"}


def test_board_innovations_add_up():
    board = data.load("board_innovations")
    total = _value(board, "count", breakdown="total")
    assert total == 144 == count("board_innovations_total")
    half_years = board[board.breakdown == "half_year"].sort_values("period_start")
    assert list(half_years["count"]) == [62, 56, 26]
    assert half_years["count"].sum() == total
    domains = board[board.breakdown == "domain"]
    reported = domains[domains.status == "reported"]
    assert (reported["count"] <= total).all()
    assert reported["count"].sum() <= total
    assert _value(board, "count", category="productivity") > total / 2  # "More than half"
    other = domains[domains.status == "not reported"]
    assert len(other) == 1 and other["count"].isna().all()
    assert set(board.trusts) == {count("board_minutes_trusts")} == {71}
    assert set(board.minute_sets) == {count("board_minutes_sets")} == {793}
    low, high = count("board_innovations_per_trust_low"), count("board_innovations_per_trust_high")
    assert low <= total / board.trusts.iloc[0] <= high  # "an average of only 1-3"


def test_board_innovation_periods_tile_the_18_months():
    board = data.load("board_innovations")
    total = board[board.breakdown == "total"].iloc[0]
    halves = board[board.breakdown == "half_year"].sort_values("period_start")
    assert halves.period_start.iloc[0] == total.period_start
    assert halves.period_end.iloc[-1] == total.period_end
    gaps = halves.period_start.iloc[1:].to_numpy() - halves.period_end.iloc[:-1].to_numpy()
    assert (gaps == pd.Timedelta(days=1)).all()
    months = (total.period_end.year - total.period_start.year) * 12 + (
        total.period_end.month - total.period_start.month + 1
    )
    assert months == count("board_minutes_period_months") == 18


def test_interviews_over_300():
    assert count("stakeholder_interviews") + count("case_study_interviews") > 300
    assert count("interviews_total") == 300
    totals = data.load("reported_counts").set_index("count_id")
    assert totals.at["interviews_total", "qualifier"] == "over"


def test_frontline_innovations():
    frontline = data.load("frontline_innovations").set_index("item_id")
    counts = frontline[frontline.kind == "count"]["value"]
    assert counts["innovations"] == 183 == count("frontline_innovations")
    assert counts["open_responses"] == 4976 == count("frontline_open_responses")
    assert counts["teams"] == 486 == count("frontline_survey_teams")
    assert counts["period"] == 6 == count("frontline_period_months")
    assert counts["innovations"] <= counts["open_responses"]
    ranks = frontline[frontline.kind == "focus_rank"].sort_values("rank")
    assert list(ranks["category"]) == [
        "quality of patient care",
        "administrative effectiveness",
        "staff wellbeing",
    ]
    assert list(ranks["rank"]) == [1, 2, 3]
    assert ranks["value"].isna().all() and set(ranks.value_status) == {"not reported"}


def test_team_survey_counts():
    assert count("followup_teams") <= count("team_survey_teams")  # 388 of 621 teams retained
    assert count("team_survey_teams") <= count("team_survey_responses")
    counts = data.load("study_counts").set_index("count_key")["quantity"]
    sectors = ["acute", "mental-health", "ambulance", "primary-care"]
    assert sum(counts[f"t1-5-trusts-{s}"] for s in sectors) == counts["t1-5-trusts"] == 51
    assert counts["t1-2-trusts"] <= counts["t1-2-cases"]
    assert counts["m-7-detailed-boards"] <= counts["m-7-boards"]


def test_study_counts_agree_with_reported_counts():
    counts = data.load("study_counts").set_index("count_key")["quantity"]
    pairs = {
        "stakeholder_interviews": ["t1-1-interviews", "m-1-interviews"],
        "case_study_interviews": ["t1-2-interviews", "m-2-interviews"],
        "case_studies": ["t1-2-cases"],
        "observation_hours": ["t1-2-observation", "m-3-observation"],
        "ppi_survey_responses": ["t1-3a-responses", "m-4-responses"],
        "ppi_statements": ["t1-3a-statements"],
        "ppi_focus_groups": ["t1-3b-focus-groups", "m-5-focus-groups"],
        "ppi_interviews": ["t1-3b-interviews", "m-5-interviews"],
        "inpatient_survey_trusts": ["t3-4a-trusts"],
        "patient_survey_trusts_table1": ["t1-4a-trusts"],
        "staff_survey_trusts": ["t1-4b-trusts"],
        "team_survey_teams": ["t1-5-teams", "m-6-teams"],
        "team_survey_responses": ["t1-5-responses"],
        "team_survey_trusts": ["t1-5-trusts"],
        "followup_teams": ["t1-5-followup-teams"],
        "followup_individuals": ["t1-5-followup-individuals"],
        "followup_interval_months": ["t1-5-followup-months"],
        "board_survey_boards": ["t1-6a-boards"],
        "board_survey_individuals": ["t1-6a-individuals"],
        "board_minutes_trusts": ["t1-6b-boards", "m-7-boards"],
        "board_minutes_sets": ["t1-6b-minutes", "m-7-minutes"],
        "board_minutes_period_months": ["t1-6b-months", "m-7-months"],
        "board_minutes_detailed_boards": ["t1-6c-boards", "m-7-detailed-boards"],
        "substudies": ["m-substudies"],
    }
    for count_id, keys in pairs.items():
        for key in keys:
            assert counts[key] == count(count_id), (count_id, key)


def test_known_differences_are_recorded_not_resolved():
    counts = data.load("study_counts").set_index("count_key")
    # Table 1: 165 acute trusts for the patient survey; Table 3's note: 157 with all 3 years
    assert (
        counts.at["t1-4a-trusts", "quantity"] == 165
        and "157" in counts.at["t1-4a-trusts", "context"]
    )
    assert (
        counts.at["t3-4a-trusts", "quantity"] == 157
        and "165" in counts.at["t3-4a-trusts", "context"]
    )
    assert counts.at["t3-4a-trusts", "locator"] == "Table 3, note"
    # Table 1: "650 h"; Methods: "over 650 h"
    assert counts.at["t1-2-observation", "qualifier"] == "exact"
    assert counts.at["m-3-observation", "qualifier"] == "over"


def test_study_elements():
    elements = data.load("study_elements")
    assert list(elements.element_id) == [
        "1",
        "2",
        "3a",
        "3b",
        "4a",
        "4b",
        "4c",
        "5",
        "6a",
        "6b",
        "6c",
    ]
    assert (elements.element_id.str[0].astype(int) == elements.element_group).all()
    short = ["participants_and_scheduling", "setting", "focus", "analytic_approach"]
    for column in short:
        words = elements[column].str.split().str.len()
        assert (words <= 25).all(), elements.loc[words > 25, ["element_id", column]]
    programme = data.load("study_counts")
    assert set(programme.loc[programme.scope == "element", "element_id"]) <= set(
        elements.element_id
    )


def test_framework_lists():
    items = data.load("framework_items")
    expected = {
        "box1_strategies": 7,
        "hf_success_factors": count("hf_success_factors"),
        "hf_barriers": count("hf_barrier_areas"),
        "hf_national_approaches": count("hf_national_approaches"),
        "hf_recommendations": 4,
        "editorial_actions": count("editorial_actions"),
    }
    assert expected == {
        "box1_strategies": 7,
        "hf_success_factors": 7,
        "hf_barriers": 4,
        "hf_national_approaches": 3,
        "hf_recommendations": 4,
        "editorial_actions": 3,
    }
    for list_id, n in expected.items():
        group = items[items.list_id == list_id]
        assert list(group.item_no) == list(range(1, n + 1)), list_id
        assert group.label.is_unique, list_id
        assert group.source.nunique() == 1, list_id
    words = items.label.str.split().str.len()
    assert words.between(2, 5).all(), items.loc[~words.between(2, 5), "label"]
    actions = items[items.list_id == "editorial_actions"].text.tolist()
    assert "taking charge of our own destiny" in actions[0]
    assert "networks of people with complementary skills" in actions[1]
    assert "space to think" in actions[1]
    assert "‘compact’ between clinicians and their employing organisations" in actions[2]


def test_shmi_engagement_structure():
    _need("shmi_engagement")
    frame = data.load("shmi_engagement")
    dated = frame[frame["Year.index"].notna()]
    undated = frame[frame["Year.index"].isna()]
    assert len(dated) == 825 and len(undated) == 27
    assert not dated.duplicated(["Code", "Year.index"]).any()
    assert undated["SHMI.index"].isna().all()
    repeated = undated.Code.value_counts()
    assert repeated[repeated > 1].to_dict() == {"R1F1": 6, "RCU": 4, "RD7": 2, "RFW": 2, "RQQ": 2}
    assert sorted(dated["Year.index"].unique()) == list(range(2012, 2018))
    assert "primaryKey" not in data.resource("shmi_engagement")["schema"]


def test_ae_attendances_shape():
    _need("ae_attendances")
    frame = data.load("ae_attendances")
    assert frame.org_code.nunique() == 274
    assert frame.period.nunique() == 36
    assert frame.period.min() == pd.Timestamp("2016-04-01")
    assert frame.period.max() == pd.Timestamp("2019-03-01")
