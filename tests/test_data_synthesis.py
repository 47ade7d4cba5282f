"""The synthesis data: documents, findings, claims and their two codings, the component
triangulation, the MMAT appraisal, CERQual ratings, levers and statements.

Each resource validates; every row cites a bibliography key; claim lists point at real claims;
the disagreement log is complete and its resolutions are what data/claims.csv holds; every
CERQual judgement has an explanation and contributing sources; the lever mapping agrees with
framework_items; and damaged copies fail loudly.
"""

import pandas as pd
import pytest
from conftest import assert_damage_fails, read_records, set_cell

import nhsbook
from nhsbook import data, references

RESOURCES = [
    "documents",
    "findings",
    "claims",
    "claim_codings",
    "coding_disagreements",
    "component_triangulation",
    "mmat_appraisal",
    "cerqual",
    "finding_levers",
    "synthesis_statements",
]
CODED = ["finding", "stance", "evidence_kinds"]
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
    assert counts["claim_codings"] == 2 * counts["claims"]
    assert counts["component_triangulation"] == 5 * 6


def test_documents_cover_the_bibliography_sources():
    documents = nhsbook.load("documents")
    claims = nhsbook.load("claims")
    assert set(documents["doc"]) == set(claims["source"])
    related = documents["relates_to"].dropna()
    assert related.isin(documents["doc"]).all()


def test_claim_lists_point_at_claims():
    known = set(nhsbook.load("claims")["claim_id"])
    for name in ["cerqual", "synthesis_statements", "component_triangulation"]:
        cited = ids(nhsbook.load(name)["claim_ids"].dropna())
        assert cited.isin(known).all(), f"{name}: unknown claims {sorted(set(cited) - known)}"


def test_every_statement_kind_present():
    kinds = set(nhsbook.load("synthesis_statements")["kind"])
    assert kinds == {"supported", "not supported", "open question"}


def rule_level(parts: pd.Series) -> str:
    """The arithmetic rule the chapter shows beside each judgement (a sensitivity check)."""
    down = parts.map(PENALTY).sum() + int((parts == "minor concerns").sum() >= 3)
    return LEVELS[min(down, 3)]


def test_cerqual_complete_with_explanations_and_sources():
    cerqual = nhsbook.load("cerqual")
    findings = set(nhsbook.load("findings")["finding"])
    assert set(cerqual["finding"]) == findings
    assert cerqual["reason"].str.split().str.len().ge(8).all(), "every rating needs an explanation"
    assert cerqual["contributing_sources"].str.strip().ne("").all()
    for finding, rows in cerqual.groupby("finding"):
        ratings = rows.set_index("component")
        assert set(ratings.index) == {*COMPONENTS, "overall"}, finding
        overall = ratings.loc["overall"]
        assert overall["reason"].lower().startswith(f"{overall['rating']} confidence"), finding
        # A judgement that departs from the rule must say why.
        if rule_level(ratings.loc[COMPONENTS, "rating"]) != overall["rating"]:
            assert "rule" in overall["reason"], finding


def test_culture_and_goals_adequacy_rated_alike():
    """Both report associations without effect sizes, so both get the same adequacy rating."""
    cerqual = nhsbook.load("cerqual").set_index(["finding", "component"])["rating"]
    assert cerqual["culture", "adequacy"] == cerqual["goals", "adequacy"]


def test_two_codings_cover_every_claim():
    claims = nhsbook.load("claims")
    codings = nhsbook.load("claim_codings")
    for coding, rows in codings.groupby("coding"):
        assert sorted(rows["claim_id"]) == sorted(claims["claim_id"]), coding


def normalised(frame: pd.DataFrame, field: str) -> pd.Series:
    values = frame[field].fillna("(method)")
    if field == "evidence_kinds":
        values = values.str.split(";").map(lambda kinds: ";".join(sorted(kinds)))
    return values


def test_disagreement_log_is_complete_and_resolved_into_claims():
    claims = nhsbook.load("claims").set_index("claim_id")
    codings = nhsbook.load("claim_codings")
    first = codings[codings["coding"] == "first"].set_index("claim_id").loc[claims.index]
    second = codings[codings["coding"] == "second"].set_index("claim_id").loc[claims.index]
    log = nhsbook.load("coding_disagreements").set_index(["claim_id", "field"])
    logged = set(log.index)
    for field in CODED:
        a, b, final = (normalised(f, field) for f in (first, second, claims))
        differ = set(a.index[a != b])
        assert {c for c, f in logged if f == field} == differ, field
        # where the codings agree, data/claims.csv holds the agreed value
        assert (final[a == b] == a[a == b]).all(), field
        for claim_id in differ:
            resolved = log.loc[(claim_id, field), "resolved"]
            if field == "evidence_kinds":
                resolved = ";".join(sorted(resolved.split(";")))
            assert resolved in {a[claim_id], b[claim_id]}, (claim_id, field)
            assert final[claim_id] == resolved, (claim_id, field)


def test_review_fixes_to_the_coding():
    claims = nhsbook.load("claims").set_index("claim_id")
    # ME14 restates DW01 and does not borrow its interviews
    assert claims.at["ME14", "restates"] == "DW01"
    assert "interviews" not in claims.at["ME14", "evidence_kinds"]
    # the Discussion restates the Results
    for claim_id in ["DW25", "DW50", "DW52", "DW55"]:
        assert claims.at[claim_id, "restates"] in claims.index, claim_id
    # outside literature has one code, not three
    for claim_id in ["ME08", "ME15", "ME16", "ME17", "ME18", "CA03", "CA07"]:
        assert "cited literature" in claims.at[claim_id, "evidence_kinds"], claim_id
    # DW28's quotation now contains its claim
    assert "complete their work successfully" in claims.at["DW28", "quote"]
    restated = claims["restates"].dropna()
    assert restated.isin(claims.index).all()


def test_component_triangulation_rests_on_the_papers_claims():
    cells = nhsbook.load("component_triangulation")
    claims = nhsbook.load("claims").set_index("claim_id")
    assert len(cells[["finding", "component"]].drop_duplicates()) == 5 * 6
    for row in cells.dropna(subset=["claim_ids"]).itertuples():
        for claim_id in row.claim_ids.split(";"):
            assert claims.at[claim_id, "source"] == "dixonwoods2014", claim_id
            assert claims.at[claim_id, "finding"] == row.finding, (claim_id, row.finding)


def test_mmat_items_and_responses():
    mmat = nhsbook.load("mmat_appraisal")
    items = set(mmat["item"])
    assert {"S1", "S2"} <= items
    assert {f"5.{i}" for i in range(1, 6)} <= items, "the mixed-methods criteria are all rated"
    assert mmat["reason"].str.strip().ne("").all()


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
        ("claim_codings", 1, "coding", "third", r"claim_codings\.csv, row 1 .*field 'coding'"),
        ("component_triangulation", 1, "claim_ids", "", r"row 1 .*lists claims exactly when"),
        ("component_triangulation", 2, "component", "7", r"row 2 .*field 'component'"),
        (
            "mmat_appraisal",
            3,
            "response",
            "partly",
            r"mmat_appraisal\.csv, row 3 .*field 'response'",
        ),
    ],
)
def test_damaged_cell_fails(data_copy, name, row, field, value, match):
    assert_damage_fails(data_copy, name, row, field, value, match)
