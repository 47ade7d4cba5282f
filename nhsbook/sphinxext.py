"""Sphinx extension for the book (listed in ``_config.yml``).

It does five things:

1. **Re-executes when data change, and stops on bad data.** When the
   fingerprint of ``data/``, ``nhsbook``, the bibliography, the lock file and
   the third-party files changes, the execution cache is cleared safely
   (:mod:`nhsbook.cache`), every data file is validated and every page is read
   again. A data or cache error fails the build and is printed last, with how
   to fix it, whatever drives the build.
2. **Collects figures** made by :func:`nhsbook.show_figure` from each page,
   writes their spec (JSON), data (CSV) and SVG under ``_figures/`` in the
   site (the SVG drawn by a helper process as soon as the page is read,
   :mod:`nhsbook.svgworker`), and fills the ``{figure-index}`` directive with
   the list of figures.
3. **Serves charts offline**: the vega / vega-lite / vega-embed bundle comes
   from the pinned ``vl-convert-python`` and is loaded only on pages with
   figures, once.
4. **Drops sphinx-thebe's scripts** (live code is off in this book; they
   declare ``THEBE_JS_URL`` twice and point at a CDN).
5. **Scholarly apparatus**: figure numbers and the ``{fig}`` role
   (:mod:`nhsbook.fignum`), the author-year bibliography style
   (:mod:`nhsbook.bibstyle`), the published data (``{data-downloads}``,
   :mod:`nhsbook.datasite`), ``{how-to-cite}`` (:mod:`nhsbook.citing`), page
   metadata (:mod:`nhsbook.meta`) and links from every glued number to its
   cell (:mod:`nhsbook.provenance`).
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

import vl_convert
from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.errors import ExtensionError

from nhsbook import bibstyle, cache, citing, datasite, downloads, fignum, meta, provenance
from nhsbook import figures as figmod
from nhsbook.build_errors import BOOK_ERRORS, book_error_in, report_at_exit
from nhsbook.kernels import encrypt_kernel_transport
from nhsbook.paths import FIGURES_URL
from nhsbook.svgworker import SvgWorker

if TYPE_CHECKING:  # pandas is imported when a figure's data are written
    import pandas as pd

BUNDLE = f"nhsbook/vega-bundle-{vl_convert.__version__}-1.js"
SVG_TIMEOUT = 120  # seconds to wait for the helper process's SVG of one figure
SPEC_DIGEST = "nhsbook_spec_sha256"  # kept with each figure's payload in the environment


def _build_dir(app) -> Path:
    return Path(app.outdir).parent


def on_config_inited(app, config):
    os.environ[figmod.BUILD_ENV] = "1"  # kernels started by myst-nb inherit it
    encrypt_kernel_transport()
    static = _build_dir(app) / "nhsbook-static"
    bundle = static / BUNDLE
    for stale in bundle.parent.glob("vega-bundle-*.js"):
        if stale != bundle:  # left by an older vl-convert
            stale.unlink()
    if not bundle.exists():
        bundle.parent.mkdir(parents=True, exist_ok=True)
        # Wrapped in a function: the bundle's top-level names (e.g. "_") must not
        # collide with the theme's globals; it exports window.vegaEmbed itself.
        code = vl_convert.javascript_bundle()
        partial = bundle.with_suffix(f".{os.getpid()}.part")  # whole or absent, never half
        partial.write_text(f"(function () {{\n{code}\n}})();\n", encoding="utf-8")
        partial.replace(bundle)
    config.html_static_path = [
        *config.html_static_path,
        str(Path(__file__).parent / "static"),
        str(static),
    ]
    config.html_css_files = [*config.html_css_files, "nhsbook.css"]

    try:
        path = cache.resolve(app.srcdir, _build_dir(app), config.nb_execution_cache_path)
        config.nb_execution_cache_path = str(path)  # myst-nb would resolve it against the cwd
        app.nhsbook_fingerprint = cache.fingerprint(Path(app.srcdir))
        app.nhsbook_stale = cache.is_stale(_build_dir(app), app.nhsbook_fingerprint)
        if app.nhsbook_stale:
            cache.clear(path, _build_dir(app))
            # Figure files are rewritten only when their spec changes; code or data
            # changes may change them otherwise (e.g. the CSV layout): start afresh.
            shutil.rmtree(Path(app.outdir) / FIGURES_URL, ignore_errors=True)
            from nhsbook import data  # pandas: only when the data may have changed

            data.clear_cache()
            data.validate_all(Path(app.srcdir) / "data")
    except BOOK_ERRORS as error:
        report_at_exit(str(error))
        raise ExtensionError(str(error)) from error


def on_env_get_outdated(app, env, added, changed, removed):
    if app.nhsbook_stale:
        return sorted(env.found_docs)
    outdated = set()
    if getattr(env, "nhsbook_cite_stamp", None) != citing.stamp():
        env.nhsbook_cite_stamp = citing.stamp()  # a new version or commit: re-read the cite block
        outdated |= {
            d for d in env.found_docs if "how-to-cite" in Path(env.doc2path(d)).read_text()
        }
    # The figure index depends on every other page: what it shows now, to compare after
    # reading (on_env_get_updated). Its page need not be read again, only written.
    app.nhsbook_index_rows = index_rows(app)
    return sorted(outdated)


def index_rows(app) -> str | None:
    """Every row of the figure index, as the environment stands; None if there is no index
    or the figures cannot be listed (a repeated id, reported when the pages are written)."""
    index_docs = sorted(getattr(app.env, "nhsbook_index_docs", set()))
    if not index_docs:
        return None
    try:
        figures = all_figures(app.env)
    except ExtensionError:
        return None
    numbers = fignum.figure_numbers(app.env, figures)
    return "".join(
        _index_row(app, index_docs[0], doc, payload, numbers[payload["id"]][1])
        for doc, payload in figures
    )


def on_env_get_updated(app, env):
    """The figure index pages, to be written again if what they show has changed."""
    if index_rows(app) == getattr(app, "nhsbook_index_rows", None):
        return []
    return sorted(getattr(env, "nhsbook_index_docs", set()))


def on_env_purge_doc(app, env, docname):
    getattr(env, "nhsbook_figures", {}).pop(docname, None)
    getattr(env, "nhsbook_index_docs", set()).discard(docname)


def on_env_merge_info(app, env, docnames, other):
    # A parallel reader's env may lack either attribute; take only the pages it read.
    figures = getattr(other, "nhsbook_figures", {})
    env.nhsbook_figures = getattr(env, "nhsbook_figures", {}) | {
        doc: figures[doc] for doc in docnames if doc in figures
    }
    index_docs = getattr(other, "nhsbook_index_docs", set()) & set(docnames)
    env.nhsbook_index_docs = getattr(env, "nhsbook_index_docs", set()) | index_docs


def on_doctree_read(app, doctree):
    env = app.env
    found = []
    for node in doctree.findall(nodes.raw):
        if figmod.DATA_ATTRIBUTE in node.astext():
            found.extend(figmod.parse_figures(node.astext()))
    if not hasattr(env, "nhsbook_figures"):
        env.nhsbook_figures = {}
    for payload in found:  # once, as the page is read: later builds compare digests only
        payload[SPEC_DIGEST] = spec_digest(payload)
    if found:
        env.nhsbook_figures[env.docname] = found
        if app.parallel <= 1:  # (parallel readers are forked: they render at the end)
            for payload in found:
                start_svg(app, payload)


def spec_digest(payload: dict) -> str:
    """SHA-256 of the figure's spec file (:func:`nhsbook.figures.spec_json`)."""
    if SPEC_DIGEST in payload:
        return payload[SPEC_DIGEST]
    return hashlib.sha256(figmod.spec_json(payload["spec"]).encode("utf-8")).hexdigest()


def start_svg(app, payload: dict) -> None:
    """Start rendering a figure's SVG in the helper process, unless it is up to date."""
    spec_file, svg_file = figure_files(Path(app.outdir) / FIGURES_URL, payload["id"])
    digest = spec_digest(payload)
    if svg_file.exists() and spec_is_current(spec_file, digest):
        return
    if not hasattr(app, "nhsbook_svg_worker"):
        app.nhsbook_svg_worker = SvgWorker()
        app.nhsbook_svgs = {}
    app.nhsbook_svgs[payload["id"], digest] = app.nhsbook_svg_worker.submit(payload["spec"])


def all_figures(env) -> list[tuple[str, dict]]:
    """(docname, payload) for every figure, in table-of-contents order; ids must be unique."""
    seen: dict[str, str] = {}
    ordered = []
    toc = env.toctree_includes.get(env.config.root_doc, [])
    toc_order = {doc: i for i, doc in enumerate(toc)}
    figures_by_doc = getattr(env, "nhsbook_figures", {})
    for docname in sorted(figures_by_doc, key=lambda d: (toc_order.get(d, len(toc_order)), d)):
        for payload in figures_by_doc[docname]:
            if payload["id"] in seen:
                raise ExtensionError(
                    f"figure id {payload['id']!r} is used twice: in {seen[payload['id']]} "
                    f"and in {docname}"
                )
            seen[payload["id"]] = docname
            ordered.append((docname, payload))
    return ordered


class figure_index(nodes.General, nodes.Element):  # noqa: N801 - docutils node naming
    """Placeholder replaced by the list of figures when pages are written."""


class FigureIndex(Directive):
    def run(self):
        env = self.state.document.settings.env
        if not hasattr(env, "nhsbook_index_docs"):
            env.nhsbook_index_docs = set()
        env.nhsbook_index_docs.add(env.docname)
        return [figure_index("")]


def html_directive(render):
    """A directive with no arguments that inserts ``render(prefix)``, prefix = path to root."""

    class HtmlDirective(Directive):
        def run(self):
            docname = self.state.document.settings.env.docname
            return [nodes.raw("", render("../" * docname.count("/")), format="html")]

    return HtmlDirective


def how_to_cite(prefix: str) -> str:
    return citing.how_to_cite_html()


def _index_row(app, fromdocname: str, docname: str, payload: dict, number: str) -> str:
    esc = html.escape
    fid = esc(payload["id"])
    uri = app.builder.get_relative_uri(fromdocname, docname)
    title = app.env.titles[docname].astext() if docname in app.env.titles else docname
    downloads = " · ".join(
        f'<a href="../{FIGURES_URL}/{fid}.{ext}">{ext}</a>' for ext, _ in figmod.DOWNLOADS
    )
    locator = f", {esc(payload['locator'])}" if payload["locator"] else ""
    return (
        f'<tr><td><a href="{uri}#fig-{fid}">Figure {number}</a><br><code>{fid}</code></td>'
        f"<td>{esc(title)}</td><td>{esc(payload['caption'])}</td>"
        f"<td>{esc(payload['citation'])}{locator}</td><td>{downloads}</td></tr>"
    )


def on_doctree_resolved(app, doctree, fromdocname):
    figures = all_figures(app.env)
    fignum.resolve(app, doctree, fromdocname, figures)
    numbers = fignum.figure_numbers(app.env, figures)
    for node in doctree.findall(figure_index):
        rows = [_index_row(app, fromdocname, doc, p, numbers[p["id"]][1]) for doc, p in figures]
        table = (
            '<table class="table nhsbook-figure-index"><thead><tr><th>Figure</th>'
            "<th>Chapter</th><th>Caption</th><th>Source</th><th>Downloads</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table><p>{len(rows)} figures.</p>"
        )
        node.replace_self(nodes.raw("", table, format="html"))


def on_html_page_context(app, pagename, templatename, context, doctree):
    title = html.unescape(re.sub(r"<[^>]+>", "", context.get("title", "")))
    context["metatags"] = context.get("metatags", "") + meta.metatags(
        re.sub(r"^[\d.]+\s+", "", title), app.config.html_title, doctree
    )
    if getattr(app.env, "nhsbook_figures", {}).get(pagename):
        # Shows each figure's SVG at once, then loads the bundle after the page (not in <head>).
        app.add_js_file("nhsbook-figures.js", defer="defer", **{"data-vega-bundle": BUNDLE})
    context["script_files"] = [
        s
        for s in context.get("script_files", [])
        if "thebe" not in str(getattr(s, "filename", s) or "")
        and "THEBE_JS_URL" not in str(getattr(s, "attributes", {}).get("body", ""))
    ]


def tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame with no lists in its cells: columns of equal-length lists become rows."""
    listy = [c for c in frame.columns if frame[c].map(lambda v: isinstance(v, list)).any()]
    if not listy:
        return frame
    lengths = frame[listy].map(lambda v: len(v) if isinstance(v, list) else -1)
    if lengths.nunique(axis=1).eq(1).all() and (lengths.iloc[:, 0] >= 0).all():
        return frame.explode(listy, ignore_index=True)
    return frame.assign(**{c: frame[c].map(lambda v: "; ".join(map(str, v))) for c in listy})


def spec_data_frame(spec: dict) -> pd.DataFrame:
    """The data inlined in a spec as one tidy table (a ``part`` column when there are several).

    Altair names inline datasets by a hash of their content; a reader's CSV carries neither
    those names nor lists packed into cells.
    """
    import pandas as pd  # only when a figure's data changed (not on an unchanged rebuild)

    datasets = dict(spec.get("datasets", {}))
    if not datasets and "values" in spec.get("data", {}):
        datasets = {"data": spec["data"]["values"]}
    order = [m.group(1) for m in re.finditer(r'"name": "([^"]+)"', json.dumps(spec))]
    names = sorted(datasets, key=lambda n: (order.index(n) if n in order else len(order), n))
    frames = [tidy(pd.DataFrame(datasets[name])) for name in names]
    if len(frames) == 1:
        return frames[0]
    return pd.concat([f.assign(part=i) for i, f in enumerate(frames, 1)], ignore_index=True)


def figure_files(folder: Path, fid: str) -> tuple[Path, Path]:
    """The spec and SVG files of figure ``fid``."""
    return folder / f"{fid}.vl.json", folder / f"{fid}.svg"


def spec_is_current(spec_file: Path, digest: str) -> bool:
    """Whether the written spec has SHA-256 ``digest`` (its SVG and CSV then need no
    redrawing)."""
    return spec_file.exists() and hashlib.sha256(spec_file.read_bytes()).hexdigest() == digest


def figure_svg(spec: dict, future=None) -> str:
    """The SVG the helper process drew (``future``), or drawn here if it could not."""
    if future is not None:
        with suppress(RuntimeError, TimeoutError):  # the helper ended or hangs: try here
            return future.result(timeout=SVG_TIMEOUT)
    return vl_convert.vegalite_to_svg(spec)


def write_figure_files(folder: Path, payload: dict, rendered: dict | None = None) -> None:
    """Spec, CSV and SVG of one figure; the SVG is rendered only when the spec changed.

    ``rendered`` maps (id, spec digest) to futures of SVGs already being rendered.
    """
    fid = payload["id"]
    digest = spec_digest(payload)
    spec_file, svg_file = figure_files(folder, fid)
    csv_file = folder / f"{fid}.csv"
    if not spec_is_current(spec_file, digest):
        spec_file.write_text(figmod.spec_json(payload["spec"]), encoding="utf-8")
        svg_file.unlink(missing_ok=True)
        csv_file.unlink(missing_ok=True)
    if not svg_file.exists():
        svg = figure_svg(payload["spec"], (rendered or {}).get((fid, digest)))
        svg_file.write_text(svg, encoding="utf-8")
    if not csv_file.exists():
        spec_data_frame(payload["spec"]).to_csv(csv_file, index=False, lineterminator="\n")


def on_build_finished(app, exception):
    try:
        write_outputs(app, exception)
    finally:
        if hasattr(app, "nhsbook_svg_worker"):
            app.nhsbook_svg_worker.close()


def write_outputs(app, exception):
    if exception is not None and (message := book_error_in(exception)):
        report_at_exit(message)
    if exception is not None or app.builder.format != "html":
        return
    folder = Path(app.outdir) / FIGURES_URL
    folder.mkdir(parents=True, exist_ok=True)
    figure_list = all_figures(app.env)
    rendered = getattr(app, "nhsbook_svgs", {})
    for _, payload in figure_list:
        write_figure_files(folder, payload, rendered)
    current = {p["id"] for _, p in figure_list}
    for old in folder.glob("*.*"):
        if old.name != "index.json" and old.name.split(".")[0] not in current:
            old.unlink()  # a figure that no longer exists
    index = [
        {k: p[k] for k in ("id", "caption", "alt", "source", "citation", "locator")} | {"page": doc}
        for doc, p in figure_list
    ]
    datasite.publish(Path(app.outdir))
    (folder / "index.json").write_text(json.dumps(index, indent=1, sort_keys=True) + "\n")
    downloads.stabilise(Path(app.outdir) / "_sources", _build_dir(app) / "jupyter_execute")
    cache.record(_build_dir(app), app.nhsbook_fingerprint)


def setup(app):
    bibstyle.register()  # the pybtex style named in _config.yml (bibtex_default_style)
    app.setup_extension("nhsbook.assets")  # navigation, search, icons, page head
    app.connect("config-inited", on_config_inited)
    app.connect("env-get-outdated", on_env_get_outdated)
    app.connect("env-get-updated", on_env_get_updated)  # after Sphinx numbers the chapters
    app.connect("env-purge-doc", on_env_purge_doc)
    app.connect("env-merge-info", on_env_merge_info)
    app.connect("doctree-read", on_doctree_read)
    app.connect("doctree-resolved", on_doctree_resolved)
    app.connect("html-page-context", on_html_page_context)
    app.connect("build-finished", on_build_finished)
    app.add_node(figure_index)
    app.add_directive("figure-index", FigureIndex)
    app.add_role("fig", fignum.fig_role)
    app.add_directive("data-downloads", html_directive(datasite.downloads_html))
    app.add_directive("how-to-cite", html_directive(how_to_cite))
    provenance.setup(app)  # glued numbers link to their cell (nhsbook/provenance.py)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
