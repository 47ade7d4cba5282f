"""Every coded claim quotes its source briefly, and every document is coded.

That each quote occurs verbatim in its source is checked, with every other quotation in
the book, by tests/test_quotes.py.
"""

import pytest
from sources import FILES, normalise, source_readings

import nhsbook

MAX_WORDS = 30
MIN_CLAIMS = 60

CLAIMS = nhsbook.load("claims")


@pytest.fixture(scope="module")
def texts():
    return source_readings()


def test_quotes_are_short():
    words = CLAIMS["quote"].str.split().str.len()
    long = CLAIMS.loc[words > MAX_WORDS, "claim_id"].tolist()
    assert not long, f"quotes longer than {MAX_WORDS} words: {long}"


def test_enough_claims_from_every_source():
    assert len(CLAIMS) >= MIN_CLAIMS
    per_source = CLAIMS["source"].value_counts()
    assert set(per_source.index) == set(FILES), (
        f"sources without claims: {set(FILES) - set(per_source.index)}"
    )
    assert (per_source >= 5).all(), per_source.to_dict()
    assert per_source.idxmax() == "dixonwoods2014", "the paper should carry the most claims"


def test_every_finding_has_claims_from_the_paper():
    paper = CLAIMS[CLAIMS["source"] == "dixonwoods2014"]
    assert set(nhsbook.load("findings")["finding"]) <= set(paper["finding"].dropna())


@pytest.mark.parametrize(
    ("claim_id", "phrase"),
    [
        ("ME05", "hitting the target"),
        ("ME06", "managerialist"),
        ("ME09", "battening"),
        ("ME10", "subculture"),
    ],
)
def test_editorial_readings_absent_from_the_paper(claim_id, phrase, texts):
    """The book says these editorial summaries have no counterpart in the published paper."""
    assert phrase in normalise(CLAIMS.set_index("claim_id").at[claim_id, "quote"])
    assert all(phrase not in reading for reading in texts["dixonwoods2014"])
