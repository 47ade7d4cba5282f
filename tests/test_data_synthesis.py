"""The synthesis data: documents, findings, claims, CERQual ratings, levers and statements.

Each resource validates; every row cites a bibliography key; claim lists point at real claims;
the overall CERQual levels follow the rule the synthesis chapter states; the lever mapping
agrees with framework_items; and damaged copies fail loudly.
"""

import pandas as pd
import pytest
from conftest import assert_damage_fails, read_records, set_cell

import nhsbook
from nhsbook import data, references

RESOURCES = ["documents", "findings", "claims", "cerqual", "finding_levers", "synthesis_statements"]
BIB = references.keys()
LEVELS = ["high", "moderate", "low", "very low"]
PENALTY = {
    "no or very minor concerns": 0,
    "minor concerns": 0,
    "moderate concerns": 1,
    "serious concerns": 2,
}
COMPONENTS = ["methodological limitations", "coherence", "adequacy", "relevance"]


def ids(column: pd.Series) -> pd.Series:
    return column.str.split(";").explode()


@pytest.mark.parametrize("name", RESOURCES)
def test_resource_validates_and_cites(name):
    frame = nhsbook.load(name)
    assert len(frame) > 0
    assert frame["source"].isin(BIB).all()
    assert frame["locator"].str.strip().ne("").all()
    res = data.resource(name)
    assert res["path"] == f"{name}.csv"
    assert all(f.get("description") for f in res["schema"]["fields"])


def test_row_counts():
    counts = {name: len(nhsbook.load(name)) for name in RESOURCES}
    assert counts["documents"] == 5
    assert counts["findings"] == 5
    assert counts["claims"] >= 60
    assert counts["cerqual"] == 5 * 5


def test_documents_cover_the_bibliography_sources():
    documents = nhsbook.load("documents")
    claims = nhsbook.load("claims")
    assert set(documents["doc"]) == set(claims["source"])
    related = documents["relates_to"].dropna()
    assert related.isin(documents["doc"]).all()


def test_claim_lists_point_at_claims():
    known = set(nhsbook.load("claims")["claim_id"])
    for name in ["cerqual", "synthesis_statements"]:
        cited = ids(nhsbook.load(name)["claim_ids"])
        assert cited.isin(known).all(), f"{name}: unknown claims {sorted(set(cited) - known)}"


def test_every_statement_kind_present():
    kinds = set(nhsbook.load("synthesis_statements")["kind"])
    assert kinds == {"supported", "not supported", "open question"}


def test_cerqual_complete_and_overall_follows_the_rule():
    cerqual = nhsbook.load("cerqual")
    findings = set(nhsbook.load("findings")["finding"])
    assert set(cerqual["finding"]) == findings
    for finding, rows in cerqual.groupby("finding"):
        ratings = rows.set_index("component")["rating"]
        assert set(ratings.index) == {*COMPONENTS, "overall"}, finding
        parts = ratings[COMPONENTS]
        down = parts.map(PENALTY).sum() + int((parts == "minor concerns").sum() >= 3)
        assert ratings["overall"] == LEVELS[min(down, 3)], finding


def test_levers_match_framework_items():
    levers = nhsbook.load("finding_levers")
    items = nhsbook.load("framework_items")
    merged = levers.merge(items, on=["list_id", "item_no"], suffixes=("", "_item"))
    assert len(merged) == len(levers)
    assert (merged["source"] == merged["source_item"]).all()
    assert (merged["locator"] == merged["locator_item"]).all()
    lists = set(levers["list_id"])
    every_item = items[items["list_id"].isin(lists)]
    assert len(
        every_item[["list_id", "item_no"]].merge(levers[["list_id", "item_no"]]).drop_duplicates()
    ) == len(every_item), "every lever should be linked to at least one finding"


def test_method_claims_have_no_finding():
    claims = nhsbook.load("claims")
    assert claims.loc[claims["about"] == "method", "finding"].isna().all()
    assert claims.loc[claims["about"] == "finding", "finding"].notna().all()


def test_overall_row_needs_a_level(data_copy):
    records = read_records(data_copy, "cerqual")
    row = next(i for i, r in enumerate(records, start=1) if r["component"] == "overall")
    set_cell(data_copy, "cerqual", row, "rating", "minor concerns")
    with pytest.raises(data.DataValidationError, match=r"overall row takes a confidence level"):
        data.load("cerqual", base=data_copy)


@pytest.mark.parametrize(
    ("name", "row", "field", "value", "match"),
    [
        # DW01 attributed to the editorial
        ("claims", 1, "source", "mountford2013", r"claims\.csv, row 1 .*claim_id prefix"),
        ("claims", 3, "evidence_kinds", "interviews;hearsay", r"row 3 .*field 'evidence_kinds'"),
        ("claims", 2, "quote", " ".join(["word"] * 31), r"row 2 .*at most 30 words"),
        ("finding_levers", 1, "item_no", "9", r"not found in resource 'framework_items'"),
    ],
)
def test_damaged_cell_fails(data_copy, name, row, field, value, match):
    assert_damage_fails(data_copy, name, row, field, value, match)
