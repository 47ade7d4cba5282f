"""Data for the chapter "Culture and behaviour": associations, causes, strategy crosswalk.

- the three resources validate, every row cites a bibliography key and a locator;
- quotations (in the data and in the chapter's prose) are verbatim in the source texts, when
  the texts are available (../shared/sources beside the repository, or $NHSBOOK_SOURCES);
- the coding is internally consistent, and damaging it fails validation loudly.
"""

import csv
import os
import re
import shutil
from pathlib import Path

import pytest

import nhsbook
from nhsbook import data, references
from nhsbook.paths import DATA, ROOT

NEW = {"associations": 36, "causes_blunt_sharp": 9, "strategy_crosswalk": 21}
SOURCE_FILES = {
    "dixonwoods2014": "002_63198c485aa2d1c9.txt",
    "mountford2013": "003_de76e122df7ee331.txt",
    "hf_interview2015": "000_6179d07442723c82.txt",
    "allcock2015": "001_26b57c24514b2f7b.txt",
    "hf_constructive2015": "004_dd9df76bc6d6195b.txt",
}
SOURCES = Path(os.environ.get("NHSBOOK_SOURCES", ROOT.parent / "shared" / "sources"))
CHAPTER = ROOT / "chapters" / "culture.md"


def normalise(text: str) -> str:
    """Undo the PDF extraction: line-end hyphens, line breaks, quote styles."""
    text = re.sub(r"(\w)-\n\s*(\w)", r"\1\2", text)
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    if not all((SOURCES / f).is_file() for f in SOURCE_FILES.values()):
        pytest.skip(f"source texts not found in {SOURCES} (set $NHSBOOK_SOURCES)")
    return {
        k: normalise((SOURCES / f).read_text(encoding="utf-8")) for k, f in SOURCE_FILES.items()
    }


@pytest.fixture
def data_copy(tmp_path):
    data.clear_cache()
    base = tmp_path / "data"
    shutil.copytree(DATA, base)
    yield base
    data.clear_cache()


def _edit(base: Path, name: str, row: int, field: str, value: str) -> None:
    path = base / f"{name}.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    rows[row][rows[0].index(field)] = value
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("name", sorted(NEW))
def test_resource_validates_with_expected_rows(name):
    frame = nhsbook.load(name)
    assert len(frame) == NEW[name]
    keys = references.keys()
    for i, row in frame.iterrows():
        assert row["source"] in keys, f"{name} row {i + 1}: {row['source']!r}"
        assert row["locator"].strip(), f"{name} row {i + 1}: empty locator"


def test_new_resources_come_last_in_the_package():
    names = data.resource_names()
    assert names[-len(NEW) :] == list(NEW)


# --------------------------------------------------------------------------- quotations


@pytest.mark.parametrize("name", ["associations", "causes_blunt_sharp"])
def test_quotes_are_verbatim(name, texts):
    for _, row in nhsbook.load(name).iterrows():
        for part in row["quote"].split(" … "):
            assert normalise(part) in texts[row["source"]], f"{name}: {part!r} not in source"


def test_framework_item_text_used_by_the_crosswalk_is_verbatim(texts):
    items = nhsbook.load("framework_items")
    used = items[items.list_id.isin(["box1_strategies", "hf_success_factors"])]
    for _, row in used.iterrows():
        assert normalise(row["text"]) in texts[row["source"]], row["text"]


def test_chapter_quotations_are_verbatim(texts):
    """Every passage in curly double quotes in the chapter's prose is in some source text."""
    prose = CHAPTER.read_text(encoding="utf-8")
    quotes = re.findall(r"“([^”]+)”", prose)
    assert len(quotes) >= 8, "the chapter should quote its sources"
    corpus = "\n".join(texts.values())
    for quote in quotes:
        for part in quote.split(" … "):
            assert normalise(part.strip(" .…")) in corpus, f"not verbatim: {part!r}"
        assert len(quote.split()) <= 35, f"quotation too long: {quote!r}"


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


def test_a_reported_size_fails(data_copy):
    _edit(data_copy, "associations", 1, "size_reported", "true")
    with pytest.raises(data.DataValidationError, match=r"row 1 .*directions, not sizes"):
        data.load("associations", base=data_copy)


def test_a_reading_that_contradicts_the_sign_fails(data_copy):
    _edit(data_copy, "associations", 2, "reading", "higher exposure ↔ worse outcome")
    with pytest.raises(data.DataValidationError, match=r"row 2 .*does not follow"):
        data.load("associations", base=data_copy)


def test_a_blunt_end_cause_outside_frontline_staff_fails(data_copy):
    frame = data.load("causes_blunt_sharp", base=data_copy)
    row = int(frame.index[frame.side == "blunt end"][0]) + 1
    data.clear_cache()
    _edit(data_copy, "causes_blunt_sharp", row, "locus", "systems and resources")
    with pytest.raises(data.DataValidationError, match=rf"row {row} .*frontline staff"):
        data.load("causes_blunt_sharp", base=data_copy)


def test_crosswalk_foreign_key_fails(data_copy):
    _edit(data_copy, "strategy_crosswalk", 3, "target_list", "hf_barriers")
    with pytest.raises(data.DataValidationError, match=r"row 3 .*hf_barriers"):
        data.load("strategy_crosswalk", base=data_copy)
    data.clear_cache()
    _edit(data_copy, "strategy_crosswalk", 3, "target_list", "editorial_actions")
    _edit(data_copy, "strategy_crosswalk", 3, "target_item", "4")
    with pytest.raises(data.DataValidationError, match=r"not found in resource 'framework_items'"):
        data.load("strategy_crosswalk", base=data_copy)
