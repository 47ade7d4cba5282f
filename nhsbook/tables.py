"""Show a table to readers: captioned, human headers, formatted numbers, every text escaped.

:func:`show_table` is the one way a chapter shows a table (as :func:`nhsbook.show_figure`
is for charts). It never passes text through as markup: every cell, header, index
label and the caption are HTML-escaped, so text from ``data/`` can never create an
element on a page. Numbers get sensible precision, thousands separators and a true
minus sign (U+2212); missing values show as an en dash; there is no pandas index
unless one is asked for. The output is the same bytes on every run (no random ids
or object addresses), so downloaded notebooks are reproducible.

    show_table(frame, caption="Table 2 re-derived", columns={"label": "Item",
               "change": "Change (points)"}, formats={"change": "{:+.2f}"})
"""

import html
import math
import numbers
from collections.abc import Callable, Mapping

import pandas as pd
from IPython.display import display

from nhsbook.typography import MINUS, with_minus

MISSING = "\u2013"
NUM = ' class="num"'
Format = str | Callable[[object], str]


def format_value(value, fmt: Format | None = None) -> str:
    """One cell as reader-facing text (not yet escaped)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return MISSING
    if isinstance(value, float) and math.isnan(value):
        return MISSING
    if callable(fmt):
        return with_minus(str(fmt(value)))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, numbers.Real) and math.isinf(value):
        return "∞" if value > 0 else f"{MINUS}∞"
    if fmt is not None:
        text = fmt.format(value) if "{" in fmt else format(value, fmt)
    elif isinstance(value, numbers.Integral):
        text = f"{int(value):,}"
    elif isinstance(value, numbers.Real):
        text = f"{float(value):,.2f}"
    elif isinstance(value, pd.Timestamp):
        text = value.strftime("%Y-%m-%d")
    else:
        return str(value)
    return with_minus(text)


def format_p(p: float) -> str:
    """A p value for readers: two significant digits, or "< 0.001" below that."""
    return "< 0.001" if p < 0.001 else f"{p:.2g}"


def _is_numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def humanise(name) -> str:
    """A fallback header from a column name: ``ci95_low`` -> ``Ci95 low``."""
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


class Table:
    """A rendered table: HTML for pages, plain text for consoles (both deterministic)."""

    def __init__(self, frame: pd.DataFrame, caption: str, headers: list[str], cells, numeric):
        self.frame, self.caption, self.headers = frame, caption, headers
        self.cells, self.numeric = cells, numeric

    def _repr_html_(self) -> str:
        esc = html.escape
        head = "".join(
            f'<th scope="col"{NUM if num else ""}>{esc(h)}</th>'
            for h, num in zip(self.headers, self.numeric, strict=True)
        )
        body = "".join(
            "<tr>"
            + "".join(
                f"<td{NUM if num else ''}>{esc(cell)}</td>"
                for cell, num in zip(row, self.numeric, strict=True)
            )
            + "</tr>"
            for row in self.cells
        )
        return (
            # A scrollable region: focusable and named, so keyboard users can scroll it.
            f'<div class="nhsbook-table-wrap" tabindex="0" role="region" '
            f'aria-label="{esc(self.caption)}"><table class="nhsbook-table">'
            f"<caption>{esc(self.caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table></div>"
        )

    def __repr__(self) -> str:
        widths = [
            max(len(h), *(len(r[i]) for r in self.cells)) if self.cells else len(h)
            for i, h in enumerate(self.headers)
        ]
        lines = [
            self.caption,
            "  ".join(h.ljust(w) for h, w in zip(self.headers, widths, strict=True)),
        ]
        lines += [
            "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in self.cells
        ]
        return "\n".join(lines)


def make_table(
    frame: pd.DataFrame,
    *,
    caption: str,
    columns: Mapping[str, str] | None = None,
    formats: Mapping[str, Format] | None = None,
    index: str | None = None,
) -> Table:
    """The :class:`Table` :func:`show_table` displays (for tests and for reuse)."""
    if not (caption and caption.strip()):
        raise ValueError("a table needs a caption")
    frame = frame.reset_index() if index is not None else frame
    if index is not None:
        frame = frame.rename(columns={frame.columns[0]: "__index__"})
        columns = {"__index__": index, **(columns or {c: humanise(c) for c in frame.columns[1:]})}
    columns = dict(columns) if columns else {c: humanise(c) for c in frame.columns}
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"table {caption!r}: no columns {missing}; have {list(frame.columns)}")
    empty = [c for c, h in columns.items() if not str(h).strip()]
    if empty:
        raise ValueError(f"table {caption!r}: columns {empty} need a header")
    formats = dict(formats or {})
    shown = frame[list(columns)]
    cells = [
        [format_value(value, formats.get(col)) for col, value in zip(columns, row, strict=True)]
        for row in shown.itertuples(index=False, name=None)
    ]
    numeric = [_is_numeric(shown[c]) for c in columns]
    return Table(shown, caption.strip(), [str(h) for h in columns.values()], cells, numeric)


def show_table(
    frame: pd.DataFrame,
    *,
    caption: str,
    columns: Mapping[str, str] | None = None,
    formats: Mapping[str, Format] | None = None,
    index: str | None = None,
) -> None:
    """Display ``frame`` as a captioned table for readers.

    ``columns`` maps the columns to show, in order, to their headers (units in the
    header, e.g. ``"Change (points)"``); without it every column is shown with a
    header made from its name. ``formats`` maps a column to a format spec
    (``".1%"``, ``"{:+.2f}"``) or a function of the value. ``index`` names the
    index as a first column when the index carries meaning; otherwise it is
    dropped. Integers get thousands separators and floats two decimals by default.
    """
    display(make_table(frame, caption=caption, columns=columns, formats=formats, index=index))
