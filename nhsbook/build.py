"""Sphinx extension for build speed (listed in ``_config.yml`` after ``nhsbook.sphinxext``).

1. **Executes notebooks in parallel, while Sphinx starts.** myst-nb executes
   the notebooks one after another while Sphinx reads the pages, and a kernel
   spends most of its time starting and importing, not computing. As soon as
   the builder is set up, this extension starts executing the notebooks of new
   or edited pages (every page when the data fingerprint cleared the cache)
   that are not in the jupyter-cache yet, ``nhsbook_execution_jobs`` at a time
   (threads, each driving its own kernel, forked from the build's kernel server,
   which has imported the libraries those notebooks import: :mod:`nhsbook.forkkernel`;
   when every notebook will run, on a first build or after the data changed, the server
   is started as soon as the configuration is read, so that its imports overlap Sphinx's
   own start: 1.5 s of a 17 s cold build);
   a page Sphinx reads for another
   reason is checked just before reading starts. Sphinx meanwhile finishes starting
   and reads the pages without code; just before it reads a notebook's page,
   it waits for that notebook and stores the result in the cache, so myst-nb
   finds every notebook cached. The notebook, working directory, timeout and
   cache record are exactly those myst-nb would use, and every page is
   rendered from the cache whether it was executed now or in an earlier build,
   so the pages are byte-identical whatever the number of jobs
   (``NHSBOOK_JOBS=1`` in the environment: one at a time; ``0``: leave
   execution to myst-nb, in ordinary kernels, as without this extension;
   ``tests/test_build.py`` compares two at a time with ``0``). With Sphinx
   reading in parallel, every notebook is finished before reading starts. A
   notebook that fails is left out of the cache: myst-nb executes it again and
   reports the error as usual.

   Left to itself, myst-nb 1.4 writes the notebook it read, not the one
   merged with the cache, to ``jupyter_execute/`` (and so to the ``.ipynb``
   download): with outputs when it executed the page in that build, without
   when the page came from the cache. Executing ahead makes every build take
   the second path: downloads are consistently notebooks without outputs.
2. **Does not publish source maps** (``*.map``, a quarter of the site) that the
   themes ship next to their scripts.
3. **Keeps highlighted code between builds** (:mod:`nhsbook.highlightcache`).
4. **Exits without the final garbage collections.** When the build's process exits,
   Python collects garbage over the 200,000 objects Sphinx and its extensions made, only
   for the process's memory to be returned to the system anyway: 0.4 s of a 1.8 s
   unchanged rebuild. At exit, after every file is written and closed, those objects are
   frozen (:func:`gc.freeze`) so that the collections skip them; handlers registered with
   :mod:`atexit` still run, and the exit status is unchanged.
"""

import atexit
import gc
import json
import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path, PurePosixPath

from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from jupyter_cache.executors.utils import single_nb_execution
from myst_nb.core.read import create_nb_reader
from sphinx.environment import _last_modified_time
from sphinx.util import logging

from nhsbook import cache
from nhsbook.forkkernel import KernelServer, preload_for

JOBS_ENV = "NHSBOOK_JOBS"
logger = logging.getLogger(__name__)


def execution_jobs(config) -> int:
    """Notebooks executed at once: ``NHSBOOK_JOBS`` if set, else the configured value."""
    return max(0, int(os.environ.get(JOBS_ENV) or config.nhsbook_execution_jobs))


def pending_notebooks(env, docnames, cache) -> list[tuple[str, Path, object, dict | None]]:
    """(docname, path, notebook, read format) of every page that would be executed."""
    nb_config = env.mystnb_config
    pending = []
    for docname in sorted(docnames):
        path = Path(env.doc2path(docname))
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        reader = create_nb_reader(str(path), env.myst_config, nb_config, text)
        if reader is None:
            continue
        notebook = reader.read(text)
        if nb_config.metadata_key in notebook.metadata or nb_config.kernel_rgx_aliases:
            continue  # per-notebook overrides: leave these to myst-nb
        excluded = nb_config.execution_excludepatterns
        if any(PurePosixPath(path.as_posix()).match(p) for p in excluded):
            continue
        with suppress(KeyError):
            cache.match_cache_notebook(notebook)
            continue  # already cached
        pending.append((docname, path, notebook, reader.read_fmt))
    return pending


def book_code(app, config) -> list[str]:
    """The text of every page in the table of contents (the code of a ``.ipynb``), read
    before Sphinx has found its pages: what :func:`preload_for` looks through."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    try:  # sphinx-external-toc reads it later, and reports what is wrong with it
        site_map = parse_toc_yaml(Path(app.srcdir, config.external_toc_path))
    except Exception:  # noqa: BLE001
        return []
    # myst-nb adds its suffixes to ``source_suffix`` later.
    suffixes = [".md", ".ipynb", ".myst", ".rst"]
    texts = []
    for docname in site_map:
        name = next((docname[: -len(s)] for s in suffixes if docname.endswith(s)), docname)
        path = next((p for s in suffixes if (p := Path(app.srcdir, name + s)).is_file()), None)
        if path is None:
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".ipynb":
            cells = json.loads(text).get("cells", [])
            text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        texts.append(text)
    return texts


def on_config_inited(app, config):
    """When every notebook will be executed (no build yet, or the data fingerprint changed),
    start the kernel server at once, so that it imports the libraries the pages import
    while Sphinx goes on starting (the chart bundle, the data checks)."""
    if not executes_ahead(config):
        return
    if not cache.is_stale(Path(app.outdir).parent, cache.fingerprint(Path(app.srcdir))):
        return
    preload = preload_for(book_code(app, config))
    if preload:
        app.nhsbook_kernels = KernelServer(preload)


def on_builder_inited(app):
    """Start executing the uncached notebooks of changed pages, in the background.

    Sphinx goes on starting up and reading the other pages meanwhile; the page of a
    notebook waits for its own execution (:func:`on_source_read`).
    """
    app.nhsbook_executions = {}
    app.nhsbook_checked = set()
    if not executes_ahead(app.config):
        return
    env = app.env
    env.find_files(app.config, app.builder)  # Sphinx does it again before reading; idempotent
    start_executions(app, sorted(likely_changed(app, env)))


def executes_ahead(config) -> bool:
    """Whether this extension executes notebooks (myst-nb's settings, read from ``config``
    as myst-nb reads them)."""
    return bool(
        execution_jobs(config)
        and config.nb_execution_mode == "cache"
        and not config.nb_execution_in_temp
    )


def likely_changed(app, env) -> set[str]:
    """Pages Sphinx will read because they are new or edited (it decides later, after
    the builder is set up), or every page when the data fingerprint cleared the cache."""
    if getattr(app, "nhsbook_stale", True):
        return set(env.found_docs)
    return {
        d
        for d in env.found_docs
        if d not in env.all_docs or _last_modified_time(env.doc2path(d)) > env.all_docs[d]
    }


def start_executions(app, docnames) -> None:
    """Submit the notebooks among ``docnames`` that are not in the cache yet."""
    docnames = [d for d in docnames if d not in app.nhsbook_checked]
    app.nhsbook_checked.update(docnames)
    nb_config = app.env.mystnb_config
    cache = get_cache(nb_config.execution_cache_path or ".jupyter_cache")
    pending = pending_notebooks(app.env, docnames, cache)
    if not pending:
        return
    jobs = execution_jobs(app.config)
    if not hasattr(app, "nhsbook_pool"):
        app.nhsbook_pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="nhsbook-run")
        code = [c.source for _, _, nb, _ in pending for c in nb.cells if c.cell_type == "code"]
        preload = preload_for(code)
        started = getattr(app, "nhsbook_kernels", None)  # at config-inited
        if started is None or not set(preload) <= set(started.preload):
            if started is not None:
                started.close()
            app.nhsbook_kernels = KernelServer(preload)
        app.nhsbook_kernel_manager = app.nhsbook_kernels.manager_class()
    # Longest first (by size), so that the last notebook to start is a short one.
    pending.sort(key=lambda item: -item[1].stat().st_size)
    logger.info(f"executing {len(pending)} notebooks, {jobs} at a time")
    for docname, path, notebook, read_fmt in pending:
        manager = app.nhsbook_kernel_manager
        future = app.nhsbook_pool.submit(execute, path, notebook, nb_config, manager)
        app.nhsbook_executions[docname] = (path, notebook, read_fmt, future)


def execute(path: Path, notebook, nb_config, kernel_manager_class):
    """Execute a notebook as myst-nb would (same working directory, timeout, errors), in a
    kernel forked from the build's kernel server (:mod:`nhsbook.forkkernel`)."""
    return single_nb_execution(
        notebook,
        cwd=str(path.parent.resolve()),
        allow_errors=nb_config.execution_allow_errors,
        timeout=nb_config.execution_timeout,
        meta_override=True,
        kernel_manager_class=kernel_manager_class,
    )


def on_env_before_read_docs(app, env, docnames):
    """Read pages that need no execution first, then notebooks in the order started.

    A page Sphinx reads for another reason (a changed dependency or configuration) is
    checked here; a notebook being executed is read even if Sphinx thought its page up to
    date.
    """
    if executes_ahead(app.config):
        start_executions(app, docnames)
    executing = list(app.nhsbook_executions)
    docnames[:] = [d for d in docnames if d not in app.nhsbook_executions] + executing
    if app.parallel > 1:  # pages are read in forked processes: finish everything first
        for docname in executing:
            store_execution(app, docname)


def on_source_read(app, docname, source):
    store_execution(app, docname)


def store_execution(app, docname: str) -> None:
    """Wait for the notebook of ``docname`` and put it in the cache, before myst-nb reads it."""
    executing = app.nhsbook_executions.pop(docname, None)
    if executing is None:
        return
    path, notebook, read_fmt, future = executing
    result = future.result()
    if result.err is not None:
        return  # myst-nb executes it again and reports the error
    nb_config = app.env.mystnb_config
    cache = get_cache(nb_config.execution_cache_path or ".jupyter_cache")
    options = {} if read_fmt is None else {"read_data": read_fmt}
    record = cache.add_nb_to_project(str(path), **options)
    cache.cache_notebook_bundle(
        CacheBundleIn(notebook, record.uri, data={"execution_seconds": result.time}),
        check_validity=False,
        overwrite=True,
    )
    logger.info(f"executed {path.name} in {result.time:.2f} s")


def on_build_finished(app, exception):
    pool = getattr(app, "nhsbook_pool", None)
    if pool is not None:  # a build that stopped early: do not start the rest
        pool.shutdown(wait=True, cancel_futures=True)
    kernels = getattr(app, "nhsbook_kernels", None)
    if kernels is not None:
        kernels.close()
    if exception is None and app.builder.format == "html":
        for source_map in Path(app.outdir, "_static").rglob("*.map"):
            source_map.unlink()


def setup(app):
    app.setup_extension("nhsbook.highlightcache")
    atexit.register(gc.freeze)  # see 4. above
    app.add_config_value("nhsbook_execution_jobs", 2, "env", [int])
    # Before nhsbook.sphinxext writes the chart bundle and checks the data.
    app.connect("config-inited", on_config_inited, priority=450)
    # After myst-parser and myst-nb have set up their configuration.
    app.connect("builder-inited", on_builder_inited, priority=900)
    app.connect("env-before-read-docs", on_env_before_read_docs)
    app.connect("source-read", on_source_read)
    app.connect("build-finished", on_build_finished)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
