"""Short author–year citations from ``book/references.bib``."""

from functools import cache

from docutils.nodes import make_id
from pybtex.database import parse_file

from nhsbook.bibstyle import author_label
from nhsbook.paths import REFERENCES


@cache
def _entries():
    return parse_file(str(REFERENCES)).entries


def keys() -> set[str]:
    """Every citation key in the bibliography."""
    return set(_entries())


def citation(key: str) -> str:
    """``"Dixon-Woods et al. (2014)"``-style text for a bibliography key."""
    entries = _entries()
    if key not in entries:
        raise KeyError(f"{key!r} is not a key in {REFERENCES.name}; known keys: {sorted(entries)}")
    entry = entries[key]
    return f"{author_label(entry.persons.get('author', []))} ({entry.fields.get('year', 'n.d.')})"


def anchor(key: str) -> str:
    """The id of ``key``'s entry on the references page (``bibtex_cite_id`` in _config.yml)."""
    return make_id(f"ref-{key}")
