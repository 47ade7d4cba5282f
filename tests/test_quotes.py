"""Every quotation in the book occurs verbatim in its source (see tests/sources.py).

Checked: every quoted passage (three words or more, in double quotes) in the prose of every
chapter, against the five sources; and every ``quote`` column of every data resource, against
the row's own source. Passages joined with " … " are checked part by part. Convention:
double quotes mark quotations from the sources; the book's own phrases take single quotes.
"""

import re

import pytest
from sources import occurs, source_readings

import nhsbook
from nhsbook.data import resource, resource_names
from nhsbook.paths import ROOT

CHAPTERS = sorted((ROOT / "chapters").glob("*.md"))
QUOTE = re.compile(r'“([^”]+)”|"([^"{}`\n]+(?:\n[^"{}`\n]+)*)"')
MAX_WORDS = 30
QUOTED_RESOURCES = [
    name
    for name in resource_names()
    if any(f["name"] == "quote" for f in resource(name)["schema"]["fields"])
]


@pytest.fixture(scope="module")
def texts():
    return source_readings()


def chapter_quotes(path) -> list[str]:
    prose = re.sub(r"```\{code-cell\}.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    spans = [a or b for a, b in QUOTE.findall(prose)]
    return [s for s in spans if len(s.split()) >= 3]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_chapter_quotations_are_short_and_verbatim(chapter, texts):
    every_source = tuple(r for pair in texts.values() for r in pair)
    quotes = chapter_quotes(chapter)
    long = [q for q in quotes if len(q.split()) > MAX_WORDS]
    missing = [q for q in quotes if not all(occurs(p, every_source) for p in q.split(" … "))]
    assert not long, f"{chapter.name}: quotations over {MAX_WORDS} words: {long}"
    assert not missing, f"{chapter.name}: not verbatim in any source: {missing}"


@pytest.mark.parametrize("name", QUOTED_RESOURCES)
def test_data_quotes_are_verbatim_in_their_own_source(name, texts):
    for i, row in nhsbook.load(name).iterrows():
        for part in str(row["quote"]).split(" … "):
            assert occurs(part, texts[row["source"]]), (
                f"data/{name}.csv row {i + 1}: not in {row['source']} ({row['locator']}): {part!r}"
            )


def test_verbatim_framework_items_are_verbatim(texts):
    items = nhsbook.load("framework_items").query("text_kind == 'verbatim'")
    for _, row in items.iterrows():
        assert occurs(row["text"], texts[row["source"]]), row["text"]


def test_an_altered_quote_is_caught(texts):
    """The check can fail: one changed word in a real quotation is not found."""
    quote = "Others might reach somewhat dissimilar conclusions"
    assert occurs(quote, texts["dixonwoods2014"])
    assert not occurs(quote.replace("dissimilar", "similar"), texts["dixonwoods2014"])
