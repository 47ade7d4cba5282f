"""Short author–year citations from ``book/references.bib``."""

from functools import cache

from pybtex.database import parse_file

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
    people = entry.persons.get("author", [])
    names = [" ".join(p.last_names).replace("{", "").replace("}", "") for p in people]
    if not names:
        author = "Anonymous"
    elif len(names) == 1:
        author = names[0]
    elif len(names) == 2 and "others" not in names:
        author = f"{names[0]} and {names[1]}"
    else:
        author = f"{names[0]} et al."
    return f"{author} ({entry.fields.get('year', 'n.d.')})"
