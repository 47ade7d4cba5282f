"""The five source texts, for checking quotations (one implementation for every test).

The texts live in ../shared/sources beside the repository (read-only, never copied into the
project). Without them the quotation checks are skipped, except on CI (CI=true), where they
must run. A quotation matches when it occurs in the source after normalising what PDF and web
extraction change: Unicode compatibility forms, curly and straight quotes, dashes, whitespace
and line breaks, and words hyphenated across a line break ("chal-\\nlenges").
"""

import os
import re
import unicodedata

import pytest

from nhsbook.paths import ROOT

SOURCES = ROOT.parent / "shared" / "sources"
FILES = {
    "dixonwoods2014": "002_",
    "mountford2013": "003_",
    "hf_interview2015": "000_",
    "allcock2015": "001_",
    "hf_constructive2015": "004_",
}
ON_CI = os.environ.get("CI", "").strip().lower() == "true"


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


def source_readings() -> dict[str, tuple[str, str]]:
    """``{bib key: readings}`` of every source text."""
    return {key: readings(source_text(key)) for key in FILES}


def occurs(quote: str, texts: tuple[str, ...]) -> bool:
    return any(normalise(quote) in reading for reading in texts)
