"""Helpers for the book *Culture and behaviour in the English NHS*.

- :func:`load` reads a validated dataset from ``data/`` (see ``data/datapackage.json``);
- :func:`show_figure` publishes an Altair chart as a numbered, downloadable,
  snapshotted figure, in the book's chart theme (:mod:`nhsbook.theme`);
- :func:`show_table` shows a captioned, escaped, formatted table;
- :func:`glue_value` glues a computed number for the prose.

The helpers and modules are imported on first use (``nhsbook.load``,
``from nhsbook import load``, ``nhsbook.data``): the book's build imports this package
for its Sphinx extension on every run, and needs neither pandas nor altair unless
something changed. To draw your own Altair charts in
the book's theme, ``import nhsbook.theme`` (:func:`show_figure` does it itself).
"""

import importlib

_HELPERS = {
    "DataValidationError": "nhsbook.data",
    "load": "nhsbook.data",
    "show_figure": "nhsbook.figures",
    "show_table": "nhsbook.tables",
    "glue_value": "nhsbook.text",
}

__all__ = sorted(_HELPERS)


def __getattr__(name: str):
    """A helper (``nhsbook.load``) or a module (``nhsbook.data``), imported on first use."""
    if name in _HELPERS:
        value = getattr(importlib.import_module(_HELPERS[name]), name)
        globals()[name] = value  # later lookups skip this function
        return value
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"{__name__}.{name}":
            raise  # the module exists but needs something missing
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return sorted([*globals(), *_HELPERS])
