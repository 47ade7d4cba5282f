"""Figure numbers by chapter ("Figure 3.2"), permalinks, and the ``{fig}`` role.

Figures are published by :func:`nhsbook.show_figure` as raw HTML from a notebook, so Sphinx's
own ``numfig`` does not see them. This module numbers them after the table of contents has
numbered the chapters: figure *k* of chapter *n* is "Figure n.k", in page order. The caption
gets the number and a permalink (``#fig-<id>``), and prose cites a figure by its id::

    The funnel plot ({fig}`intelligence-funnel`) shows ...

which renders as a link reading "Figure 3.4". An unknown id is a build warning (an error in
this book's builds).
"""

import re

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)
CAPTION = '<span class="nhsbook-caption">'


class figure_ref(nodes.Inline, nodes.TextElement):  # noqa: N801 - docutils node naming
    """A ``{fig}`` reference, resolved once every figure has its number."""


def fig_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [figure_ref(rawtext, "", fid=text.strip())], []


def chapter_number(env, docname: str) -> str | None:
    """ "3" for the third numbered chapter (None for an unnumbered page)."""
    numbers = env.toc_secnumbers.get(docname, {}).get("")
    return ".".join(map(str, numbers)) if numbers else None


def figure_numbers(env, figures) -> dict[str, tuple[str, str]]:
    """``{figure id: (docname, "3.2")}`` for ``figures``, the (docname, payload) list in order."""
    numbers, count = {}, {}
    for docname, payload in figures:
        count[docname] = count.get(docname, 0) + 1
        chapter = chapter_number(env, docname)
        label = f"{chapter}.{count[docname]}" if chapter else str(count[docname])
        numbers[payload["id"]] = (docname, label)
    return numbers


def number_caption(figure_html: str, fid: str, label: str) -> str:
    """A figure's HTML with "Figure n.k" and a permalink at the start of its caption."""
    prefix = (
        f'<span class="nhsbook-fignum">Figure {label}</span>'
        f'<a class="headerlink" href="#fig-{fid}" title="Link to this figure">#</a> '
    )
    figure = re.compile(rf'(<figure[^>]*\bid="fig-{re.escape(fid)}".*?){re.escape(CAPTION)}', re.S)
    return figure.sub(lambda m: m.group(1) + CAPTION + prefix, figure_html, count=1)


def resolve(app, doctree, fromdocname, figures) -> None:
    """Number the captions on this page and turn each ``{fig}`` into a link."""
    numbers = figure_numbers(app.env, figures)
    for raw in doctree.findall(nodes.raw):
        text = raw.astext()
        changed = text
        for docname, payload in figures:
            if docname == fromdocname and f'id="fig-{payload["id"]}"' in changed:
                changed = number_caption(changed, payload["id"], numbers[payload["id"]][1])
        if changed != text:
            raw.replace_self(nodes.raw("", changed, format="html"))
    for ref in list(doctree.findall(figure_ref)):
        fid = ref["fid"]
        if fid not in numbers:
            logger.warning(f"{{fig}} names no figure: {fid!r}", location=ref)
            ref.replace_self(nodes.Text(fid))
            continue
        docname, label = numbers[fid]
        uri = app.builder.get_relative_uri(fromdocname, docname) + f"#fig-{fid}"
        if docname == fromdocname:
            uri = f"#fig-{fid}"
        link = nodes.reference("", f"Figure {label}", refuri=uri, internal=True)
        link["classes"].append("nhsbook-figref")
        ref.replace_self(link)
