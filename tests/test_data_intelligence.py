"""Data of the Intelligence chapter: data/intelligence_claims.csv and what the chapter reads.

- the resource validates, cites bibliography keys, and its coding uses the declared values;
- every quotation is verbatim in its source text (when the source texts are available:
  $NHSBOOK_SOURCES or ../shared/sources beside the repository);
- a damaged copy (a 30-word quotation, an unknown stance) fails loudly;
- the success factor the chapter quotes is where the chapter reads it.
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

NAME = "intelligence_claims"
# The source texts, by bibliography key (see ../shared/sources/README.md).
SOURCE_FILES = {
    "hf_interview2015": "000_",
    "allcock2015": "001_",
    "dixonwoods2014": "002_",
    "mountford2013": "003_",
    "hf_constructive2015": "004_",
}


def _sources_dir() -> Path | None:
    folder = Path(os.environ.get("NHSBOOK_SOURCES", ROOT.parent / "shared" / "sources"))
    return folder if folder.is_dir() else None


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture
def fresh():
    data.clear_cache()
    yield
    data.clear_cache()


@pytest.fixture
def data_copy(tmp_path, fresh):
    base = tmp_path / "data"
    shutil.copytree(DATA, base)
    return base


def _rewrite(base: Path, row: int, field: str, value: str) -> None:
    path = base / f"{NAME}.csv"
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    rows[row][rows[0].index(field)] = value
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def test_claims_validate_and_cite():
    claims = nhsbook.load(NAME)
    assert len(claims) == 23
    assert claims.claim_id.is_unique
    assert set(claims.source) <= references.keys()
    assert claims.locator.str.strip().ne("").all()
    assert claims.rationale.str.strip().ne("").all()


def test_both_behaviours_are_represented():
    counts = nhsbook.load(NAME).stance.value_counts()
    assert counts["problem-sensing"] >= 4
    assert counts["comfort-seeking"] >= 4


def test_behaviour_quotes_come_from_the_intelligence_finding():
    claims = nhsbook.load(NAME)
    behaviours = claims[claims.stance.isin(["problem-sensing", "comfort-seeking"])]
    for _, row in behaviours.iterrows():
        assert row.source == "dixonwoods2014", row.claim_id
        assert row.locator.startswith(("Results, Variability in intelligence", "Discussion")), (
            row.claim_id
        )


def test_quotes_are_verbatim_in_their_sources():
    folder = _sources_dir()
    if folder is None:
        pytest.skip("source texts not available (set $NHSBOOK_SOURCES)")
    texts = {
        key: _normalise(next(folder.glob(f"{prefix}*.txt")).read_text(encoding="utf-8"))
        for key, prefix in SOURCE_FILES.items()
    }
    for _, row in nhsbook.load(NAME).iterrows():
        assert _normalise(row.quote) in texts[row.source], f"{row.claim_id}: not verbatim"


def test_a_long_quote_fails(data_copy):
    _rewrite(data_copy, 1, "quote", " ".join(["word"] * 30))
    with pytest.raises(data.DataValidationError, match="30 words"):
        data.load(NAME, data_copy)


def test_an_unknown_stance_fails(data_copy):
    _rewrite(data_copy, 1, "stance", "complacent")
    with pytest.raises(data.DataValidationError, match="stance"):
        data.load(NAME, data_copy)


def test_the_quoted_success_factor_is_in_framework_items():
    items = nhsbook.load("framework_items")
    row = items[(items.list_id == "hf_success_factors") & (items.item_no == 5)].iloc[0]
    assert row.text == "Data and analytics that measure and communicate impact"
    assert row.source == "hf_constructive2015"


def test_table3_items_the_chapter_uses():
    items = nhsbook.load("survey_items")
    table3 = items[items.table == 3]
    assert (table3.survey == "staff").sum() == 4
    assert (table3.survey == "inpatient").sum() == 2
    # the headroom analysis needs a finite scale on every item
    assert (items.scale_max > items.scale_min).all()
