"""Citations are facts: DOIs match the source texts or say where they were checked."""

import re
from collections import defaultdict

from pybtex.database import parse_file
from sources import FILES, source_text

from nhsbook.bibstyle import author_label
from nhsbook.paths import REFERENCES

PAPER_DOI = "10.1136/bmjqs-2013-001947"
EDITORIAL_DOI = "10.1136/bmjqs-2013-002471"


def comments_above(key: str) -> str:
    """The comment lines directly above ``@type{key,`` in references.bib."""
    lines = REFERENCES.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(rf"@\w+\{{{key},", line))
    above = []
    for line in reversed(lines[:start]):
        if not line.startswith("%"):
            break
        above.append(line)
    return "\n".join(reversed(above))


def test_the_paper_and_the_editorial_have_their_own_dois():
    entries = parse_file(str(REFERENCES)).entries
    assert entries["dixonwoods2014"].fields["doi"] == PAPER_DOI
    assert entries["mountford2013"].fields["doi"] == EDITORIAL_DOI
    editorial = entries["mountford2013"]
    assert [p.last_names[0] for p in editorial.persons["author"]] == ["Mountford", "Marshall"]
    assert editorial.fields["title"] == "More dialogue, more learning, more action"


def test_every_doi_is_in_a_source_text_or_says_where_it_was_checked():
    texts = "\n".join(source_text(key) for key in FILES).lower()
    unchecked = []
    for key, entry in parse_file(str(REFERENCES)).entries.items():
        doi = entry.fields.get("doi")
        if doi and doi.lower() not in texts and "checked" not in comments_above(key).lower():
            unchecked.append(f"{key}: {doi}")
    assert not unchecked, f"DOIs neither in ../shared/sources nor marked as checked: {unchecked}"


def test_works_by_one_author_in_one_year_are_told_apart():
    by_author_year = defaultdict(list)
    for key, entry in parse_file(str(REFERENCES)).entries.items():
        year = entry.fields["year"]
        label = author_label(entry.persons.get("author", []))
        by_author_year[(label, year.rstrip("abcdefgh"))].append((year, key))
    for (label, year), works in by_author_year.items():
        if len(works) > 1:
            suffixes = sorted(y[len(year) :] for y, _ in works)
            assert suffixes == list("abcdefgh"[: len(works)]), f"{label} {year}: {works}"


def test_every_link_to_the_references_lands_on_its_entry(site):
    ids = set(re.findall(r'id="([^"]+)"', (site / "book" / "references.html").read_text()))
    broken = []
    for page in site.rglob("*.html"):
        for target in re.findall(r'references\.html#([^"]+)"', page.read_text()):
            if target not in ids:
                broken.append(f"{page.relative_to(site)} -> #{target}")
    assert not broken, broken
    figure_pages = (site / "chapters" / "goals.html").read_text()
    assert 'href="../book/references.html#ref-dixonwoods2014"' in figure_pages


def test_every_source_field_takes_only_bibliography_keys():
    from nhsbook import data
    from nhsbook.references import keys

    for res in data.package()["resources"]:
        for field in res["schema"]["fields"]:
            if field["name"] == "source":
                allowed = field.get("constraints", {}).get("enum")
                assert allowed, f"{res['name']}.source has no enum of bibliography keys"
                assert set(allowed) <= keys(), f"{res['name']}.source: {set(allowed) - keys()}"
