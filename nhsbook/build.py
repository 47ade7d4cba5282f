"""Sphinx extension for build speed (listed in ``_config.yml`` after ``nhsbook.sphinxext``).

1. **Executes notebooks in parallel, ahead of Sphinx.** myst-nb executes the
   notebooks one after another while Sphinx reads the pages, and a kernel
   spends most of its time starting and importing, not computing. Before
   Sphinx reads any page, this extension executes every notebook that is not
   in the jupyter-cache yet, ``nhsbook_execution_jobs`` at a time (threads,
   each driving its own kernel), and stores the results in the cache. myst-nb
   then reads the pages one by one and finds every notebook cached. The
   notebook, working directory, timeout and cache record are exactly those
   myst-nb would use, and every page is rendered from the cache whether it was
   executed now or in an earlier build, so the site is byte-identical whatever
   the number of jobs (``NHSBOOK_JOBS=1`` in the environment: one at a time; ``0``: leave
   execution to myst-nb, as without this extension;
   ``tests/test_build.py`` checks this). A notebook that fails is left out of
   the cache: myst-nb executes it again and reports the error as usual.

   Left to itself, myst-nb 1.4 writes the notebook it read, not the one
   merged with the cache, to ``jupyter_execute/`` (and so to the ``.ipynb``
   download): with outputs when it executed the page in that build, without
   when the page came from the cache. Executing ahead makes every build take
   the second path: downloads are consistently notebooks without outputs.
2. **Does not publish source maps** (``*.map``, a quarter of the site) that the
   themes ship next to their scripts.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path, PurePosixPath

from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from jupyter_cache.executors.utils import single_nb_execution
from myst_nb.core.read import create_nb_reader
from sphinx.util import logging

JOBS_ENV = "NHSBOOK_JOBS"
logger = logging.getLogger(__name__)


def execution_jobs(config) -> int:
    """Notebooks executed at once: ``NHSBOOK_JOBS`` if set, else the configured value."""
    return max(0, int(os.environ.get(JOBS_ENV) or config.nhsbook_execution_jobs))


def pending_notebooks(env, docnames, cache) -> list[tuple[Path, object, dict | None]]:
    """(path, notebook, read format) of every page to read that would be executed."""
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
        pending.append((path, notebook, reader.read_fmt))
    return pending


def on_env_before_read_docs(app, env, docnames):
    nb_config = env.mystnb_config
    jobs = execution_jobs(app.config)
    if not jobs or nb_config.execution_mode != "cache" or nb_config.execution_in_temp:
        return
    cache = get_cache(nb_config.execution_cache_path or ".jupyter_cache")
    pending = pending_notebooks(env, docnames, cache)
    if not pending:
        return
    # Longest first (by size), so that the last notebook to start is a short one.
    pending.sort(key=lambda item: -item[0].stat().st_size)
    logger.info(f"executing {len(pending)} notebooks, {jobs} at a time")

    def execute(item):
        path, notebook, _ = item
        return single_nb_execution(
            notebook,
            cwd=str(path.parent.resolve()),
            allow_errors=nb_config.execution_allow_errors,
            timeout=nb_config.execution_timeout,
            meta_override=True,
        )

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for (path, notebook, read_fmt), result in zip(
            pending, pool.map(execute, pending), strict=True
        ):
            if result.err is not None:
                continue  # myst-nb executes it again and reports the error
            options = {} if read_fmt is None else {"read_data": read_fmt}
            record = cache.add_nb_to_project(str(path), **options)
            cache.cache_notebook_bundle(
                CacheBundleIn(notebook, record.uri, data={"execution_seconds": result.time}),
                check_validity=False,
                overwrite=True,
            )
            logger.info(f"executed {path.name} in {result.time:.2f} s")


def on_build_finished(app, exception):
    if exception is None and app.builder.format == "html":
        for source_map in Path(app.outdir, "_static").rglob("*.map"):
            source_map.unlink()


def setup(app):
    app.add_config_value("nhsbook_execution_jobs", 2, "env", [int])
    app.connect("env-before-read-docs", on_env_before_read_docs)
    app.connect("build-finished", on_build_finished)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
