"""Data of the Intelligence chapter: data/intelligence_claims.csv and what the chapter reads.

- the resource validates, cites bibliography keys, and its coding uses the declared values;
- a damaged copy (a 30-word quotation, an unknown stance) fails loudly;
- the success factor the chapter quotes is where the chapter reads it.
"""

import pytest
from conftest import set_cell

import nhsbook
from nhsbook import data, references

NAME = "intelligence_claims"
# The source texts, by bibliography key (see ../shared/sources/README.md).


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


def test_a_long_quote_fails(data_copy):
    set_cell(data_copy, NAME, 1, "quote", " ".join(["word"] * 30))
    with pytest.raises(data.DataValidationError, match="30 words"):
        data.load(NAME, data_copy)


def test_an_unknown_stance_fails(data_copy):
    set_cell(data_copy, NAME, 1, "stance", "complacent")
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


def test_specialist_trusts_validate_and_cite():
    trusts = nhsbook.load("specialist_trusts")
    assert trusts.org_code.is_unique
    assert set(trusts.source) <= references.keys()
    assert all(code in where for code, where in zip(trusts.org_code, trusts.locator, strict=True))
    assert set(trusts.specialty) == {"children"}


def test_a_damaged_specialist_list_fails(data_copy):
    set_cell(data_copy, "specialist_trusts", 1, "specialty", "paediatric")
    with pytest.raises(data.DataValidationError, match="specialty"):
        data.load("specialist_trusts", data_copy)


def test_a_malformed_ods_code_fails(data_copy):
    set_cell(data_copy, "specialist_trusts", 1, "org_code", "rcu")
    with pytest.raises(data.DataValidationError, match="org_code"):
        data.load("specialist_trusts", data_copy)
