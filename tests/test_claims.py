"""Every coded claim quotes its source verbatim, briefly, and every document is coded.

The source texts live in ../shared/sources beside the repository (read-only, never copied into
the project). Without them the quotation checks are skipped, except on CI (CI=true), where they
must run. A quotation matches when it occurs in the source after normalising what PDF and web
extraction change: Unicode compatibility forms, curly and straight quotes, dashes, whitespace
and line breaks, and words hyphenated across a line break ("chal-\\nlenges").
"""

import os
import re
import unicodedata

import pytest

import nhsbook
from nhsbook.paths import ROOT

SOURCES = ROOT.parent / "shared" / "sources"
FILES = {
    "dixonwoods2014": "002_",
    "mountford2013": "003_",
    "hf_interview2015": "000_",
    "allcock2015": "001_",
    "hf_constructive2015": "004_",
}
MAX_WORDS = 30
MIN_CLAIMS = 60
ON_CI = os.environ.get("CI", "").strip().lower() == "true"

CLAIMS = nhsbook.load("claims")


def normalise(text: str) -> str:
    """Lower-case text with one kind of quote, dash and space."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[\u2018\u2019\u201a\u201b\u2032`]", "'", text)
    text = re.sub(r"[\u201c\u201d\u201e\u2033]", '"', text)
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def readings(text: str) -> tuple[str, str]:
    """The text with line-break hyphens removed ("chal-lenges" -> "challenges") and kept."""
    joined = re.sub(r"(\w)-[ \t]*\n\s*(\w)", r"\1\2", text)
    kept = re.sub(r"(\w-)[ \t]*\n\s*(\w)", r"\1\2", text)
    return normalise(joined), normalise(kept)


def source_text(key: str) -> str:
    if not SOURCES.is_dir():
        if ON_CI:
            pytest.fail(f"{SOURCES} is missing on CI: the quotations cannot be checked")
        pytest.skip(f"{SOURCES} not found: quotations are checked where the sources are present")
    matches = sorted(SOURCES.glob(f"{FILES[key]}*.txt"))
    assert len(matches) == 1, f"expected one {FILES[key]}*.txt in {SOURCES}, found {matches}"
    return matches[0].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def texts():
    return {key: readings(source_text(key)) for key in FILES}


def test_normalisation_handles_extraction_artefacts():
    joined, kept = readings("thoughtful chal-\nlenges and ‘quotes’ —\n\nwell-\nknown")
    assert "thoughtful challenges and 'quotes' -" in joined
    assert "well-known" in kept


@pytest.mark.parametrize("claim_id", list(CLAIMS["claim_id"]))
def test_quote_is_verbatim(claim_id, texts):
    row = CLAIMS.set_index("claim_id").loc[claim_id]
    quote = normalise(row["quote"])
    assert any(quote in reading for reading in texts[row["source"]]), (
        f"{claim_id}: quote not found in {row['source']} ({row['locator']}): {row['quote']!r}"
    )


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


def test_an_altered_quote_is_caught(texts):
    """The check can fail: one changed word in a real quotation is not found."""
    row = CLAIMS.set_index("claim_id").loc["DW59"]
    altered = normalise(row["quote"].replace("dissimilar", "similar"))
    assert altered != normalise(row["quote"])
    assert not any(altered in reading for reading in texts[row["source"]])
