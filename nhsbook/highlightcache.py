"""Sphinx extension: highlighted code kept between builds (loaded by :mod:`nhsbook.build`).

Every page written highlights its code cells with Pygments, and the first block of a
language pays for compiling the lexer: 0.16 s for the goals chapter, a sixth of a rebuild
after a prose edit, for code that did not change. Each block's HTML is kept in
``_build/nhsbook-highlight-cache.pickle`` (not published), keyed by everything
``PygmentsBridge.highlight_block`` reads: the source, language, options and arguments, and
the versions and settings of Sphinx, Pygments, IPython's lexers and the formatter. A block
whose highlighting logged a warning is never kept, so a warning cannot be hidden by a
later build. The file is read when the first block is highlighted (an unchanged rebuild
writes no page), and entries not used in the last :data:`KEEP_BUILDS` builds that added
one are dropped.
"""

import logging
import os
import pickle
from contextlib import suppress
from importlib import metadata
from pathlib import Path

from sphinx.util import logging as sphinx_logging

CACHE_FILE = "nhsbook-highlight-cache.pickle"  # in _build, beside html
KEEP_BUILDS = 20


class _Warnings(logging.Filter):
    """Counts the warnings a logger passes on (before Sphinx holds them back)."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def filter(self, record):
        self.count += record.levelno >= logging.WARNING
        return True


def _versions() -> tuple:
    found = []
    for name in ("sphinx", "pygments", "ipython"):
        with suppress(metadata.PackageNotFoundError):
            found.append((name, metadata.version(name)))
    return tuple(found)


def settings(highlighter) -> tuple:
    """What the output depends on besides a block's own arguments."""
    args = sorted((k, repr(v)) for k, v in highlighter.formatter_args.items())
    return (_versions(), highlighter.dest, repr(highlighter.formatter), tuple(args))


def cached(highlight_block, state: dict, warnings: _Warnings):
    """``highlight_block`` answering from the cache that ``state["load"]()`` reads (then
    ``state["entries"]``: {key: (html, last build used)}, and ``state["build"]``)."""

    def highlight(source, lang, opts=None, force=False, location=None, **kwargs):
        if "entries" not in state:
            state["entries"], state["build"] = state["load"]()
        entries, build = state["entries"], state["build"]
        key = (source, lang, repr(opts), force, repr(sorted(kwargs.items())))
        if key in entries:
            entries[key] = (entries[key][0], build)
            return entries[key][0]
        before = warnings.count
        html = highlight_block(source, lang, opts, force, location, **kwargs)
        if warnings.count == before:
            entries[key] = (html, build)
            state["new"] = True
        return html

    return highlight


def on_builder_inited(app):
    highlighter = getattr(app.builder, "highlighter", None)
    if highlighter is None or app.builder.format != "html":
        return
    path = Path(app.outdir).parent / CACHE_FILE
    current = settings(highlighter)

    def load() -> tuple[dict, int]:
        saved = {}
        with suppress(Exception):  # absent, unreadable or from other versions: start afresh
            saved = pickle.loads(path.read_bytes())
        if saved.get("settings") != current:
            saved = {}
        return saved.get("entries", {}), saved.get("build", 0) + 1

    warnings = _Warnings()
    sphinx_logging.getLogger("sphinx.highlighting").logger.addFilter(warnings)
    state = {"new": False, "load": load}
    highlighter.highlight_block = cached(highlighter.highlight_block, state, warnings)
    app.nhsbook_highlighting = (path, current, state)


def on_build_finished(app, exception):
    kept = getattr(app, "nhsbook_highlighting", None)
    if exception is not None or kept is None:
        return
    path, current, state = kept
    if not state["new"]:
        return  # nothing to add: the file stays as it is
    build = state["build"]
    entries = {k: v for k, v in state["entries"].items() if v[1] > build - KEEP_BUILDS}
    partial = path.with_suffix(f".{os.getpid()}.part")
    data = {"settings": current, "build": build, "entries": entries}
    partial.write_bytes(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
    partial.replace(path)


def setup(app):
    app.connect("builder-inited", on_builder_inited)
    app.connect("build-finished", on_build_finished)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
