"""Sphinx extension for the book (listed in ``_config.yml``).

It does four things:

1. **Re-executes when data change.** Jupyter-cache keys a notebook on its
   code only, so a changed data file would otherwise be served stale outputs.
   A fingerprint of ``data/``, the ``nhsbook`` package, the bibliography and
   the lock file is kept in ``_build/``; when it changes, the execution cache
   is cleared and every page is read again.
2. **Collects figures** made by :func:`nhsbook.show_figure` from each page,
   writes their spec (JSON), data (CSV) and SVG under ``_figures/`` in the
   site, and fills the ``{figure-index}`` directive with the list of figures.
3. **Serves charts offline**: the vega / vega-lite / vega-embed bundle comes
   from the pinned ``vl-convert-python`` and is loaded only on pages with
   figures, once.
4. **Drops sphinx-thebe's scripts** (live code is off in this book; they
   declare ``THEBE_JS_URL`` twice and point at a CDN).
"""

import hashlib
import html
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import vl_convert
from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.errors import ExtensionError

from nhsbook import figures as figmod
from nhsbook.paths import FIGURES_URL, ROOT

FINGERPRINT_INPUTS = ["data", "nhsbook", "book/references.bib", "requirements.lock"]
BUNDLE = f"nhsbook/vega-bundle-{vl_convert.__version__}-1.js"
CACHE_NAME = ".jupyter_cache"


def fingerprint(root: Path = ROOT) -> str:
    """Hash of everything outside a notebook that can change its outputs."""
    digest = hashlib.sha256()
    for name in FINGERPRINT_INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts or not file.exists():
                continue
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def _build_dir(app) -> Path:
    return Path(app.outdir).parent


def execution_cache(app, config) -> Path:
    """The jupyter-cache folder, resolved the way myst-nb resolves it."""
    configured = config.nb_execution_cache_path
    path = Path(app.srcdir, configured) if configured else _build_dir(app) / CACHE_NAME
    path = path.resolve()
    if path.name != CACHE_NAME:  # never delete anything that is not an execution cache
        raise ExtensionError(f"nb_execution_cache_path must end in {CACHE_NAME}/, got {path}")
    return path


def on_config_inited(app, config):
    os.environ[figmod.BUILD_ENV] = "1"  # kernels started by myst-nb inherit it
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
        bundle.write_text(f"(function () {{\n{code}\n}})();\n", encoding="utf-8")
    config.html_static_path = [
        *config.html_static_path,
        str(Path(__file__).parent / "static"),
        str(static),
    ]
    config.html_css_files = [*config.html_css_files, "nhsbook.css"]

    app.nhsbook_fingerprint = fingerprint(Path(app.srcdir))
    stored = _build_dir(app) / ".nhsbook-fingerprint"
    app.nhsbook_stale = not stored.exists() or stored.read_text() != app.nhsbook_fingerprint
    if app.nhsbook_stale:
        shutil.rmtree(execution_cache(app, config), ignore_errors=True)


def on_env_get_outdated(app, env, added, changed, removed):
    if app.nhsbook_stale:
        return sorted(env.found_docs)
    if added or changed or removed:
        # The figure index depends on every other page.
        return sorted(getattr(env, "nhsbook_index_docs", set()))
    return []


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
    if found:
        env.nhsbook_figures[env.docname] = found


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


def _index_row(app, fromdocname: str, docname: str, payload: dict) -> str:
    esc = html.escape
    fid = esc(payload["id"])
    uri = app.builder.get_relative_uri(fromdocname, docname)
    title = app.env.titles[docname].astext() if docname in app.env.titles else docname
    downloads = " · ".join(
        f'<a href="../{FIGURES_URL}/{fid}.{ext}">{ext}</a>' for ext, _ in figmod.DOWNLOADS
    )
    locator = f", {esc(payload['locator'])}" if payload["locator"] else ""
    return (
        f'<tr><td><a href="{uri}#fig-{fid}"><code>{fid}</code></a></td>'
        f"<td>{esc(title)}</td><td>{esc(payload['caption'])}</td>"
        f"<td>{esc(payload['citation'])}{locator}</td><td>{downloads}</td></tr>"
    )


def on_doctree_resolved(app, doctree, fromdocname):
    for node in doctree.findall(figure_index):
        rows = [_index_row(app, fromdocname, doc, p) for doc, p in all_figures(app.env)]
        table = (
            '<table class="table nhsbook-figure-index"><thead><tr><th>Figure id</th>'
            "<th>Chapter</th><th>Caption</th><th>Source</th><th>Downloads</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table><p>{len(rows)} figures.</p>"
        )
        node.replace_self(nodes.raw("", table, format="html"))


def on_html_page_context(app, pagename, templatename, context, doctree):
    if getattr(app.env, "nhsbook_figures", {}).get(pagename):
        app.add_js_file(BUNDLE)
        app.add_js_file("nhsbook-figures.js")
    context["script_files"] = [
        s
        for s in context.get("script_files", [])
        if "thebe" not in str(getattr(s, "filename", s) or "")
        and "THEBE_JS_URL" not in str(getattr(s, "attributes", {}).get("body", ""))
    ]


def spec_data_frame(spec: dict) -> pd.DataFrame:
    """The data inlined in a spec as one table (a ``dataset`` column when there are several)."""
    datasets = dict(spec.get("datasets", {}))
    if not datasets and "values" in spec.get("data", {}):
        datasets = {"data": spec["data"]["values"]}
    frames = {name: pd.DataFrame(values) for name, values in sorted(datasets.items())}
    if len(frames) == 1:
        return next(iter(frames.values()))
    return pd.concat([f.assign(dataset=name) for name, f in frames.items()], ignore_index=True)


def write_figure_files(folder: Path, payload: dict) -> None:
    """Spec, CSV and SVG of one figure; the SVG is re-rendered only when the spec changed."""
    fid = payload["id"]
    spec_text = figmod.spec_json(payload["spec"])
    spec_file, svg_file = folder / f"{fid}.vl.json", folder / f"{fid}.svg"
    if not spec_file.exists() or spec_file.read_text(encoding="utf-8") != spec_text:
        spec_file.write_text(spec_text, encoding="utf-8")
        svg_file.unlink(missing_ok=True)
    if not svg_file.exists():
        svg_file.write_text(vl_convert.vegalite_to_svg(payload["spec"]), encoding="utf-8")
    spec_data_frame(payload["spec"]).to_csv(folder / f"{fid}.csv", index=False, lineterminator="\n")


def on_build_finished(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    folder = Path(app.outdir) / FIGURES_URL
    folder.mkdir(parents=True, exist_ok=True)
    figure_list = all_figures(app.env)
    for _, payload in figure_list:
        write_figure_files(folder, payload)
    current = {p["id"] for _, p in figure_list}
    for old in folder.glob("*.*"):
        if old.name != "index.json" and old.name.split(".")[0] not in current:
            old.unlink()  # a figure that no longer exists
    index = [
        {k: p[k] for k in ("id", "caption", "alt", "source", "citation", "locator")} | {"page": doc}
        for doc, p in figure_list
    ]
    (folder / "index.json").write_text(json.dumps(index, indent=1, sort_keys=True) + "\n")
    (_build_dir(app) / ".nhsbook-fingerprint").write_text(app.nhsbook_fingerprint)


def setup(app):
    app.connect("config-inited", on_config_inited)
    app.connect("env-get-outdated", on_env_get_outdated)
    app.connect("env-purge-doc", on_env_purge_doc)
    app.connect("env-merge-info", on_env_merge_info)
    app.connect("doctree-read", on_doctree_read)
    app.connect("doctree-resolved", on_doctree_resolved)
    app.connect("html-page-context", on_html_page_context)
    app.connect("build-finished", on_build_finished)
    app.add_node(figure_index)
    app.add_directive("figure-index", FigureIndex)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
