"""Data for the chapter "Culture and behaviour": associations, causes, strategy crosswalk.

- the three resources validate, every row cites a bibliography key and a locator;
- the coding is internally consistent, and damaging it fails validation loudly.
"""

import pytest
from conftest import assert_damage_fails, set_cell

import nhsbook
from nhsbook import data, references

NEW = {"associations": 36, "causes_blunt_sharp": 9, "strategy_crosswalk": 21}


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("name", sorted(NEW))
def test_resource_validates_with_expected_rows(name):
    frame = nhsbook.load(name)
    assert len(frame) == NEW[name]
    keys = references.keys()
    for i, row in frame.iterrows():
        assert row["source"] in keys, f"{name} row {i + 1}: {row['source']!r}"
        assert row["locator"].strip(), f"{name} row {i + 1}: empty locator"


# Quotations are checked for every chapter and resource in tests/test_quotes.py.


# --------------------------------------------------------------------------- coding


def test_associations_report_no_sizes_and_readings_follow_from_signs():
    frame = nhsbook.load("associations")
    assert not frame.size_reported.any()
    reported = frame[frame.direction != "not reported"]
    better = (reported.direction == "+") == reported.outcome_higher_is_better.astype(bool)
    expected = better.map(
        {True: "higher exposure ↔ better outcome", False: "higher exposure ↔ worse outcome"}
    )
    assert (reported.reading == expected).all()
    assert not frame.duplicated(["exposure", "outcome"]).any()
    # the paper's central trust-level claims are all there
    pairs = set(zip(frame.exposure, frame.outcome, strict=True))
    assert ("Staff engagement", "Mortality (HSMR)") in pairs
    assert ("Work pressure", "Patients report too few nurses") in pairs
    assert ("Team reflexivity", "Team effectiveness") in pairs
    assert {"HSMR", "inpatient survey", "CQC ratings", "absenteeism", "turnover"} <= set(
        frame.outcome_source
    )


def test_causes_cover_both_ends():
    frame = nhsbook.load("causes_blunt_sharp")
    sharp = frame[frame.side == "sharp end"]
    assert set(sharp.quote.str.lower()) == {
        "weaknesses in systems",
        "failures of reliability",
        "suboptimal staffing",
        "inadequate resources",
        "poor leadership",
        "lack of support, appreciation and respect",
        "not being consulted and listened to",
    }
    blunt = frame[frame.side == "blunt end"]
    assert set(blunt.cause) == {"Frontline staff behaviour", "Frontline staff culture"}
    assert set(blunt.locus) == {"frontline staff"}
    assert "frontline staff" not in set(sharp.locus)


def test_crosswalk_covers_every_strategy():
    cross = nhsbook.load("strategy_crosswalk")
    assert set(cross.box1_item) == set(range(1, 8))
    assert set(cross.target_list) == {"hf_success_factors", "editorial_actions"}
    items = nhsbook.load("framework_items")
    n = items.groupby("list_id").size()
    for lst, group in cross.groupby("target_list"):
        assert group.target_item.max() <= n[lst]
    assert (cross.strength == "strong").sum() >= 1 and (cross.strength == "partial").sum() >= 1


# --------------------------------------------------------------------------- mutations


def test_a_blunt_end_cause_outside_frontline_staff_fails(data_copy):
    frame = data.load("causes_blunt_sharp", base=data_copy)
    row = int(frame.index[frame.side == "blunt end"][0]) + 1
    data.clear_cache()
    set_cell(data_copy, "causes_blunt_sharp", row, "locus", "systems and resources")
    with pytest.raises(data.DataValidationError, match=rf"row {row} .*frontline staff"):
        data.load("causes_blunt_sharp", base=data_copy)


def test_crosswalk_foreign_key_fails(data_copy):
    set_cell(data_copy, "strategy_crosswalk", 3, "target_list", "hf_barriers")
    with pytest.raises(data.DataValidationError, match=r"row 3 .*hf_barriers"):
        data.load("strategy_crosswalk", base=data_copy)
    data.clear_cache()
    set_cell(data_copy, "strategy_crosswalk", 3, "target_list", "editorial_actions")
    set_cell(data_copy, "strategy_crosswalk", 3, "target_item", "4")
    with pytest.raises(data.DataValidationError, match=r"not found in resource 'framework_items'"):
        data.load("strategy_crosswalk", base=data_copy)


@pytest.mark.parametrize(
    ("row", "field", "value", "match"),
    [
        (1, "size_reported", "true", r"row 1 .*directions, not sizes"),
        (2, "reading", "higher exposure ↔ worse outcome", r"row 2 .*does not follow"),
    ],
)
def test_damaged_association_fails(data_copy, row, field, value, match):
    assert_damage_fails(data_copy, "associations", row, field, value, match)
