"""How to cite the book, its version and its date: read from ``CITATION.cff`` and the repository.

The ``{how-to-cite}`` directive renders the authors, version, last-updated date, a plain
citation and a BibTeX entry. The version is ``CITATION.cff``'s; the date is that of the last
commit (``git log``), or ``date-released`` when the book is built outside a git checkout.
Authors who are still a placeholder are marked as such on the page.
"""

import html
import subprocess
from functools import cache
from pathlib import Path

import yaml

from nhsbook.paths import ROOT

PLACEHOLDER_AUTHORS = {"The nhsbook contributors"}


@cache
def citation_file(root: Path = ROOT) -> dict:
    return yaml.safe_load((root / "CITATION.cff").read_text(encoding="utf-8"))


def last_updated(root: Path = ROOT) -> str:
    """ISO date of the last commit, or the release date outside a checkout."""
    try:
        result = subprocess.run(
            ["git", "log", "-1", "--format=%cs"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        if result.stdout.strip():
            return result.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return str(citation_file(root)["date-released"])


def author_names(cff: dict) -> list[str]:
    names = []
    for author in cff["authors"]:
        if "name" in author:
            names.append(author["name"])
        else:
            names.append(f"{author.get('given-names', '')} {author['family-names']}".strip())
    return names


def bibtex(cff: dict, date: str) -> str:
    authors = " and ".join(f"{{{n}}}" if n in PLACEHOLDER_AUTHORS else n for n in author_names(cff))
    return (
        "@book{nhsbook,\n"
        f"  author  = {{{authors}}},\n"
        f"  title   = {{{cff['title']}}},\n"
        f"  year    = {{{date[:4]}}},\n"
        f"  version = {{{cff['version']}}},\n"
        f"  url     = {{{cff['repository-code']}}},\n"
        f"  note    = {{Version {cff['version']}, last updated {date}}}\n"
        "}"
    )


def stamp(root: Path = ROOT) -> str:
    """What the citation block shows that can change without its page changing."""
    return f"{citation_file(root)['version']} {last_updated(root)}"


def how_to_cite_html(root: Path = ROOT) -> str:
    esc = html.escape
    cff = citation_file(root)
    date = last_updated(root)
    names = author_names(cff)
    authors = ", ".join(names)
    placeholder = (
        ' <span class="nhsbook-placeholder">(placeholder: named authors will be listed here'
        " once they are recorded in CITATION.cff)</span>"
        if PLACEHOLDER_AUTHORS & set(names)
        else ""
    )
    version = esc(str(cff["version"]))
    plain = (
        f"{esc(authors)} ({date[:4]}). <em>{esc(cff['title'])}</em>. Version {version}, "
        f"last updated {esc(date)}. {esc(cff['repository-code'])}"
    )
    return (
        '<div class="nhsbook-cite">'
        f"<p>{esc(cff['message'].strip())}</p>"
        f"<p><strong>Authors:</strong> {esc(authors)}{placeholder}<br>"
        f"<strong>Version:</strong> {version} · "
        f"<strong>Last updated:</strong> {esc(date)}</p>"
        f"<p><strong>Cite as:</strong> {plain}</p>"
        '<details><summary>BibTeX</summary><div class="highlight"><pre>'
        f"{esc(bibtex(cff, date))}</pre></div></details></div>"
    )
