"""The book's chart theme: one colour-blind-safe palette, one font, one size.

Importing this module registers and enables the theme (:func:`nhsbook.show_figure`
imports it, and so do the chapters that use its colours), so every Altair chart in
every chapter looks the same without per-chart styling.
"""

import altair as alt

# Okabe & Ito (2008) palette: distinguishable under the common colour-vision
# deficiencies. Black is left out of categories; it is the text colour.
PALETTE = [
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#999999",  # grey
]

# Named roles, so charts say what a colour means rather than which it is.
COLOURS = {
    "primary": PALETTE[0],
    "secondary": PALETTE[1],
    "good": PALETTE[2],
    "bad": PALETTE[5],
    "neutral": PALETTE[7],
    "text": "#222222",
}

# Diverging scheme for signed quantities (agreement, direction of effects),
# built from the same blue and vermillion.
DIVERGING = ["#D55E00", "#F4C7A8", "#EEEEEE", "#A6CBE3", "#0072B2"]

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
WIDTH = 560  # plus axes and labels, this stays inside the 660 px a figure may use
HEIGHT = 300
BACKGROUND = "#FFFFFF"  # charts are drawn for a light panel, also in dark mode


@alt.theme.register("nhsbook", enable=True)
def nhsbook_theme() -> alt.theme.ThemeConfig:
    """Altair theme used throughout the book."""
    return {
        "config": {
            "font": FONT,
            "background": BACKGROUND,
            # Screen readers get the chart's description (set by show_figure), not one
            # label per mark and guide (hundreds on some charts).
            "aria": False,
            "view": {"continuousWidth": WIDTH, "continuousHeight": HEIGHT, "stroke": None},
            "range": {"category": PALETTE, "diverging": DIVERGING},
            "axis": {
                "labelFontSize": 12,
                "titleFontSize": 13,
                "titleFontWeight": "normal",
                "labelColor": COLOURS["text"],
                "titleColor": COLOURS["text"],
                "gridColor": "#E5E5E5",
            },
            # Legends below the plot, entries one under another (long labels side by side
            # would widen the chart past the column); colour ramps stay horizontal.
            "legend": {
                "labelFontSize": 12,
                "titleFontSize": 13,
                "titleFontWeight": "normal",
                "orient": "bottom",
                "direction": "vertical",
                "gradientDirection": "horizontal",
                "labelLimit": 260,
            },
            "header": {"labelFontSize": 12, "titleFontSize": 13},
            "title": {"fontSize": 15, "anchor": "start", "fontWeight": "normal"},
            "mark": {"color": PALETTE[0], "aria": False},
        }
    }
