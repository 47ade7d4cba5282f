"""Social-preview metadata for every page: description and Open Graph tags.

The description is the page's first paragraph (shortened); the title is the page title.
Everything is escaped: page text can come from data.
"""

import html

from docutils import nodes

MAX_DESCRIPTION = 200


def description(doctree) -> str:
    """The first paragraph of a page as one line of at most 200 characters."""
    if doctree is None:
        return ""
    for paragraph in doctree.findall(nodes.paragraph):
        text = " ".join(paragraph.astext().split())
        if len(text) > 40:
            if len(text) > MAX_DESCRIPTION:
                text = text[: MAX_DESCRIPTION - 1].rsplit(" ", 1)[0] + "…"
            return text
    return ""


def metatags(title: str, site: str, doctree) -> str:
    """``<meta>`` tags for the page's ``<head>``."""
    esc = html.escape
    text = description(doctree) or site
    tags = {
        ("name", "description"): text,
        ("property", "og:title"): title,
        ("property", "og:description"): text,
        ("property", "og:type"): "website",
        ("property", "og:site_name"): site,
        ("name", "twitter:card"): "summary",
    }
    return "\n".join(
        f'<meta {kind}="{name}" content="{esc(value, quote=True)}" />'
        for (kind, name), value in tags.items()
    )
