"""The bibliography style of the book: author–year labels, sorted by author, year and title.

The text cites author–year (``bibtex_reference_style: author_year``); the reference list
uses the same words as its labels ("Dixon-Woods et al., 2014"), so a reader finds an entry
by what the text says. Works by one author in one year carry a letter in their ``year``
field in ``book/references.bib`` (``2015a``, ``2015b``); a test checks that every such pair
is told apart. Registered as the pybtex style ``nhsbook`` by :mod:`nhsbook.sphinxext`.
"""

from pybtex.plugin import register_plugin
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting.author_year_title import SortingStyle

NAME = "nhsbook"


def plain(text: str) -> str:
    """BibTeX text without the braces that protect capitals."""
    return text.replace("{", "").replace("}", "")


def author_label(persons) -> str:
    """ "Dixon-Woods et al.", "Mountford and Marshall", "The Health Foundation"."""
    names = [plain(" ".join(p.prelast_names + p.last_names)) for p in persons]
    if not names:
        return "Anonymous"
    if len(names) == 2 and names[1] != "others":
        return f"{names[0]} and {names[1]}"
    return names[0] if len(names) == 1 else f"{names[0]} et al."


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            year = entry.fields.get("year", "n.d.")
            yield f"{author_label(entry.persons.get('author', []))}, {year}"


class AuthorYearTitleSorting(SortingStyle):
    def person_key(self, person):
        return plain(super().person_key(person))


class BookStyle(UnsrtStyle):
    default_label_style = AuthorYearLabels
    default_sorting_style = AuthorYearTitleSorting


def register() -> None:
    register_plugin("pybtex.style.formatting", NAME, BookStyle, force=True)
