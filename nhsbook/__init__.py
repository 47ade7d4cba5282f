"""Helpers for the book *Culture and behaviour in the English NHS*.

- :func:`load` reads a validated dataset from ``data/`` (see ``data/datapackage.json``);
- :func:`show_figure` publishes an Altair chart as a numbered, downloadable,
  snapshotted figure;
- :func:`show_table` shows a captioned, escaped, formatted table;
- :func:`glue_value` glues a computed number for the prose;
- importing the package enables the book's chart theme (:mod:`nhsbook.theme`).
"""

from nhsbook import theme  # noqa: F401  (registers and enables the chart theme)
from nhsbook.data import DataValidationError, load
from nhsbook.figures import show_figure
from nhsbook.tables import show_table
from nhsbook.text import glue_value

__all__ = ["DataValidationError", "glue_value", "load", "show_figure", "show_table"]
