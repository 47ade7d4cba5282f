"""Where each glued number comes from: the code cell that glued it and the data that cell loaded.

In the kernel, :func:`nhsbook.load` calls :func:`record_load`, and
:func:`nhsbook.glue_value` stores :func:`glue_record` (the running cell's
execution count and the resources loaded so far) in the glue output's metadata.

In the book build (:func:`setup`, called by :mod:`nhsbook.sphinxext`), every
number pasted by ``{glue:text}`` or ``{glue:md}`` becomes a link to the code cell
that glued it, with a keyboard-reachable popover naming the data resources that
cell loaded (``nhsbook-provenance.js`` opens the collapsed cell and highlights
it). Glued text also gets true minus signs. Chapter authors add nothing.
"""

import html
import json
import re
from functools import cache

from docutils import nodes

from nhsbook.typography import with_minus

METADATA_KEY = "nhsbook"
CELL_ID = "nhsbook-cell-{}"
DATA_ID = "nhsbook-provenance-data"
MAX_LOCATORS = 3
EXPONENT_MINUS = re.compile(r"(\de)-(?=\d)")

# --------------------------------------------------------------------------- kernel side

_loaded: dict[int, list[str]] = {}  # execution count -> resources loaded while that cell ran


def current_cell() -> int | None:
    """Execution count of the running cell, or ``None`` outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the book's environment
        return None
    shell = get_ipython()
    # IPython advances the counter before it runs a cell's code.
    return None if shell is None else shell.execution_count - 1


def record_load(name: str) -> None:
    """Note that the running cell loaded resource ``name``."""
    cell = current_cell()
    if cell is not None and name not in _loaded.setdefault(cell, []):
        _loaded[cell].append(name)


def glue_record() -> dict | None:
    """The running cell and the resources it, and the cells before it, loaded."""
    cell = current_cell()
    if cell is None:
        return None
    loaded = list(_loaded.get(cell, []))
    earlier = [n for c in sorted(_loaded) if c < cell for n in _loaded[c]]
    return {
        "cell": cell,
        "loaded": loaded,
        "loaded_earlier": sorted(set(earlier) - set(loaded)),
    }


# --------------------------------------------------------------------------- descriptions


def _part(locator: str) -> str:
    """The first part of a locator (commas inside parentheses do not split)."""
    return re.split(r", (?![^(]*\))", locator)[0]


@cache
def describe(name: str) -> str:
    """``"data/survey_means.csv — Dixon-Woods et al. (2014), Table 2"`` for a resource."""
    from nhsbook import data
    from nhsbook.references import citation, keys

    res = data.resource(name)
    if data.is_remote(res):
        titles = "; ".join(s.get("title", "") for s in res.get("sources", []))
        return f"{res['path']} — {titles}"
    frame = data.load(name)
    if not {"source", "locator"} <= set(frame.columns):
        titles = "; ".join(s.get("title", "") for s in res.get("sources", []))
        return f"data/{res['path']} — {titles}"
    parts = []
    for source, rows in frame.groupby("source", sort=False):
        # "Table 2, row 1, column 2007" -> "Table 2": the part of the source, not the cell
        locators = list(dict.fromkeys(_part(str(x)) for x in rows["locator"].dropna()))
        shown = "; ".join(locators[:MAX_LOCATORS])
        if len(locators) > MAX_LOCATORS:
            shown += f" and {len(locators) - MAX_LOCATORS} more"
        cited = citation(source) if source in keys() else str(source)
        parts.append(f"{cited}, {shown}" if shown else cited)
    return f"data/{res['path']} — " + " | ".join(parts)


# --------------------------------------------------------------------------- book build


class glue_link(nodes.Inline, nodes.TextElement):  # noqa: N801 - docutils node naming
    """A glued value that links to the code cell that glued it."""


def visit_glue_link_html(self, node):
    self.body.append(
        f'<a class="nhsbook-glue" href="#{node["refid"]}" data-glue="{html.escape(node["key"])}">'
    )


def depart_glue_link_html(self, node):
    self.body.append("</a>")


def _pass(self, node):
    pass


def glued_text(text: str) -> str:
    """True minus signs in glued text: negative numbers and exponents (``2.2e−05``)."""
    return EXPONENT_MINUS.sub("\\1\u2212", with_minus(text))


def _glue_key(text: str) -> str | None:
    """The key of a ``{glue:text}`` / ``{glue:md}`` role's text; ``None`` for another page's."""
    return None if "::" in text else text.rsplit(":", 1)[0]


def tagging_role(role):
    """Wrap a myst-nb paste role so that its nodes carry the glue key and its provenance."""
    from myst_nb.core.variables import RetrievalError
    from myst_nb.ext.glue.utils import retrieve_glue_data

    def tagged(name, rawtext, text, lineno, inliner, options=None, content=None):
        result, messages = role(name, rawtext, text, lineno, inliner, options or {}, content or [])
        key = _glue_key(text)
        if key is None or not result:
            return result, messages
        try:
            record = retrieve_glue_data(inliner.document, key).metadata.get(METADATA_KEY)
        except RetrievalError:
            return result, messages
        wrapper = nodes.inline("", "", *result, classes=["nhsbook-pasted"])
        wrapper["nhsbook_glue"] = key
        wrapper["nhsbook_record"] = dict(record) if record else None
        return [wrapper], messages

    return tagged


def _cell_source(cell: nodes.Element) -> str:
    return "".join(c.astext() for c in cell.children if c.get("nb_element") == "cell_code_source")


def _glue_call(key: str) -> re.Pattern:
    return re.compile(r"glue(?:_value)?\(\s*[\"']" + re.escape(key) + r"[\"']")


def _find_cell(cells: list[nodes.Element], key: str, record: dict | None):
    if record:
        for cell in cells:
            if cell.get("exec_count") == record["cell"]:
                return cell
        return None
    pattern = _glue_call(key)  # glued without nhsbook.glue_value: find the call by name
    return next((c for c in cells if pattern.search(_cell_source(c))), None)


def _descriptions(env, fingerprint: str | None) -> dict[str, str]:
    """Descriptions of data files already made, kept in the Sphinx environment between
    builds while the data fingerprint (data, code, references, lock) is the same: a page
    re-read after a prose edit needs neither pandas nor the data."""
    stored = getattr(env, "nhsbook_descriptions", None)
    if fingerprint is None or stored is None or stored["fingerprint"] != fingerprint:
        stored = env.nhsbook_descriptions = {"fingerprint": fingerprint, "texts": {}}
    return stored["texts"]


def _popover(record: dict | None, known: dict[str, str]) -> dict:
    if record is None:  # glued without nhsbook.glue_value: what the cell loaded is unknown
        return {}

    def described(name: str) -> str:
        if name not in known:
            known[name] = describe(name)
        return known[name]

    return {
        "loaded": [described(n) for n in record.get("loaded", [])],
        "earlier": [described(n) for n in record.get("loaded_earlier", [])],
    }


def on_doctree_read(app, doctree):
    """Link every pasted value to its cell; true minus signs in glued text."""
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    for pasted in list(doctree.findall(nodes.inline)):
        if "pasted-text" in pasted["classes"] or "nhsbook_glue" in pasted:
            for text in list(pasted.findall(nodes.Text)):
                text.parent.replace(text, nodes.Text(glued_text(text.astext())))
    cells = [c for c in doctree.findall(nodes.container) if c.get("nb_element") == "cell_code"]
    known = _descriptions(app.env, getattr(app, "nhsbook_fingerprint", None))
    popovers = {}
    for pasted in list(
        doctree.findall(lambda n: isinstance(n, nodes.inline) and "nhsbook_glue" in n)
    ):
        key, record = pasted["nhsbook_glue"], pasted["nhsbook_record"]
        cell = _find_cell(cells, key, record)
        if cell is None and record is None:  # glued by myst_nb.glue in a hidden cell
            logger.info(f"glued value {key!r}: no code cell on the page glues it", location=pasted)
            continue
        if cell is None:
            logger.warning(
                f"glued value {key!r}: the code cell that glued it is not on the page "
                "(tag it hide-input, not remove-cell), so its number cannot link to it",
                location=pasted,
            )
            continue
        cell_id = CELL_ID.format(cell["cell_index"])
        if cell_id not in cell["ids"]:
            cell["ids"].append(cell_id)
        popovers.setdefault(cell_id, _popover(record, known))
        link = glue_link("", "", *pasted.children, refid=cell_id, key=key)
        pasted.replace_self(link)
    if popovers:
        payload = json.dumps(popovers, sort_keys=True, ensure_ascii=False).replace("<", "\\u003c")
        doctree.append(
            nodes.raw(
                "",
                f'<script type="application/json" id="{DATA_ID}">{payload}</script>',
                format="html",
            )
        )


def setup_note(repository_url: str) -> str:
    """The one line under each chapter's download and launch buttons."""
    folder = repository_url.rstrip("/").rsplit("/", 1)[-1]
    return (
        "A downloaded .ipynb needs the nhsbook package and data/: "
        f"git clone {repository_url} && cd {folder} && make lab"
    )


def on_html_page_context(app, pagename, templatename, context, doctree):
    """Add the set-up line to the download and launch menus of notebook pages."""
    if not context.get("ipynb_source"):
        return
    url = app.config.html_theme_options.get("repository_url") or ""
    note = {
        "type": "link",
        "url": context["pathto"]("book/reproducing") + "#running-a-downloaded-notebook",
        "text": html.escape(setup_note(url)),
        "tooltip": "How to set up a downloaded notebook",
        "icon": "fas fa-circle-info",
        "label": "nhsbook-setup-note",
    }
    for group in context.get("header_buttons", []):
        if group.get("type") == "group" and group.get("label") in (
            "download-buttons",
            "launch-buttons",
        ):
            group["buttons"].append(dict(note))


def setup(app):
    """Register the provenance links (called from :func:`nhsbook.sphinxext.setup`)."""
    from myst_nb.ext.glue.roles import PasteMarkdownRole, PasteTextRole

    app.add_role_to_domain("glue", "text", tagging_role(PasteTextRole()), override=True)
    app.add_role_to_domain("glue", "md", tagging_role(PasteMarkdownRole()), override=True)
    app.add_node(
        glue_link,
        html=(visit_glue_link_html, depart_glue_link_html),
        latex=(_pass, _pass),
        text=(_pass, _pass),
        man=(_pass, _pass),
        texinfo=(_pass, _pass),
    )
    app.connect("doctree-read", on_doctree_read)
    app.connect("html-page-context", on_html_page_context, priority=502)
    app.add_js_file("nhsbook-provenance.js", defer="defer")
    app.add_css_file("nhsbook-provenance.css")
