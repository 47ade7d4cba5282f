"""Publish a chart as a figure of the book.

:func:`show_figure` is the one way a chapter shows a chart. It gives the chart
a stable id, a caption, a text alternative and a source, and displays it.

- In the book build (the Sphinx extension :mod:`nhsbook.sphinxext` sets
  ``NHSBOOK_BUILD=1`` for the kernels it starts) the output is an HTML
  ``<figure>`` that carries the full Vega-Lite spec, data inlined, and shows
  the build's SVG of the chart until the page's own copy of vega-embed has
  drawn the interactive chart in its place, and the extension writes the figure's
  spec, CSV and SVG under ``_figures/`` in the site and lists it on the
  Figures page. Tests compare those specs with the snapshots in
  ``tests/figures/``.
- Anywhere else (JupyterLab, Binder, nbclient) the chart is displayed with
  Altair's own renderer, followed by its caption.
"""

from __future__ import annotations

import html
import json
import os
import re
from typing import TYPE_CHECKING

from IPython.display import HTML, display

from nhsbook.paths import FIGURES_URL
from nhsbook.references import anchor, citation

if TYPE_CHECKING:  # the build imports this module for its constants, without altair
    import altair

BUILD_ENV = "NHSBOOK_BUILD"
FIGURE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATA_ATTRIBUTE = "data-nhsbook-figure"
DOWNLOADS = (("csv", "data (CSV)"), ("vl.json", "spec (Vega-Lite JSON)"), ("svg", "SVG"))


def spec_json(spec: dict) -> str:
    """Canonical JSON for a spec: sorted keys, so equal specs are equal bytes."""
    return json.dumps(spec, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def figure_html(payload: dict) -> str:
    """The ``<figure>`` element the book build shows (drawn by ``nhsbook-figures.js``)."""
    fid = payload["id"]
    esc = html.escape
    # JSON inside <script> must not contain "</" (it would close the element).
    data = json.dumps(payload, sort_keys=True, ensure_ascii=False).replace("</", "<\\/")
    links = " · ".join(
        f'<a href="../{FIGURES_URL}/{fid}.{ext}" download>{label}</a>' for ext, label in DOWNLOADS
    )
    where = f", {esc(payload['locator'])}" if payload["locator"] else ""
    return (
        f'<figure class="nhsbook-figure" id="fig-{fid}" {DATA_ATTRIBUTE}="{fid}">'
        f'<div class="nhsbook-chart" role="img" aria-label="{esc(payload["alt"])}">'
        # The build's SVG shows at once; nhsbook-figures.js swaps in the interactive chart.
        f'<img class="nhsbook-still" src="../{FIGURES_URL}/{fid}.svg" alt="" loading="lazy">'
        "</div>"
        f'<script type="application/json" class="nhsbook-figure-data">{data}</script>'
        f'<figcaption><span class="nhsbook-caption">{esc(payload["caption"])}</span>'
        f'<span class="nhsbook-figure-source">Data &amp; source: {links}. '
        f'Source: <a href="../book/references.html#{anchor(payload["source"])}">'
        f"{esc(payload['citation'])}</a>{where}. "
        f"Figure id <code>{fid}</code>.</span></figcaption></figure>"
    )


def show_figure(
    chart: altair.TopLevelMixin,
    *,
    id: str,  # noqa: A002 - "id" is the name readers see in the call
    caption: str,
    alt: str,
    source: str,
    locator: str = "",
) -> None:
    """Display ``chart`` as figure ``id`` with its caption, text alternative and source.

    ``source`` is a key of ``book/references.bib``; ``locator`` says where in
    that source the data come from (e.g. ``"Table 2"``).
    """
    from nhsbook import theme  # noqa: F401  (the book's chart theme, before the spec is made)

    if not FIGURE_ID.match(id or ""):
        raise ValueError(f"figure id {id!r} must be lower-case words joined by hyphens")
    for name, value in (("caption", caption), ("alt", alt)):
        if not (value and value.strip()):
            raise ValueError(f"figure {id!r}: {name} must be a non-empty text")
    described = chart.properties(description=alt.strip())
    payload = {
        "id": id,
        "caption": caption.strip(),
        "alt": alt.strip(),
        "source": source,
        "citation": citation(source),
        "locator": locator,
        "spec": described.to_dict(),
    }
    if os.environ.get(BUILD_ENV) == "1":
        display(HTML(figure_html(payload)))
    else:
        display(described)
        display(
            HTML(
                f"<p><em>{html.escape(payload['caption'])}</em> Source: "
                f"{html.escape(payload['citation'])} {html.escape(locator)}</p>"
            )
        )


def parse_figures(page_html: str) -> list[dict]:
    """The figure payloads in a piece of HTML made by :func:`figure_html`."""
    pattern = r'<script type="application/json" class="nhsbook-figure-data">(.*?)</script>'
    return [json.loads(m.replace("<\\/", "</")) for m in re.findall(pattern, page_html, re.S)]
