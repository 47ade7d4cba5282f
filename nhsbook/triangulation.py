"""Triangulation across the components of one study (O'Cathain, Murphy and Nicholl 2010).

Each cell of ``data/component_triangulation.csv`` pairs a finding with a component of the
programme (a Table 1 element group) and codes three things about the paper's claims that
tie the finding to that component: whether they converge with it on **meaning**, how
**prominent** the finding is in that component's evidence, and whether the article gives
a concrete **example** (a case, a quotation or a number). It also records how the link is
**traced**: the component is named (or only it used the method named), several
components could be meant, or none is. :func:`cell_status` turns these into the cell's
status by the stated rule; :func:`component_grid` draws the findings x components grid.
"""

import altair as alt
import pandas as pd

from nhsbook.theme import COLOURS, DIVERGING

COMPONENTS = {
    1: "1 Stakeholder interviews",
    2: "2 Case studies (observation, interviews)",
    3: "3 Patient and public involvement",
    4: "4 National surveys and outcome data",
    5: "5 Clinical team survey",
    6: "6 Board survey and minutes",
}
AXIS_LABELS = {  # two-line column labels for the grid
    1: "1 Stakeholder|interviews",
    2: "2 Case|studies",
    3: "3 Patients|and public",
    4: "4 National|data",
    5: "5 Clinical|team survey",
    6: "6 Board survey|and minutes",
}
TRACEABILITY = ["named", "ambiguous", "none"]
MEANING = ["same", "partly", "contrary", "none"]
PROMINENCE = ["central", "secondary", "passing", "none"]
STATUSES = ["agreement", "partial agreement", "dissonance", "not traced"]
STATUS_COLOURS = [COLOURS["primary"], DIVERGING[3], COLOURS["bad"], "#EEEEEE"]
TRACE_LABELS = {
    "named": "component named",
    "ambiguous": "one of several components",
    "none": "no traceable component",
}
TRACE_COLOURS = [COLOURS["primary"], DIVERGING[3], "#EEEEEE"]


def cell_status(traceability: str, meaning: str, prominence: str, example: str) -> str:
    """The status of one finding x component cell, by the book's rule.

    - nothing in the article ties the finding to the component -> 'not traced'
      (the article's silence, which cannot be told apart from the component's);
    - the component's evidence points the other way -> 'dissonance';
    - agreement needs convergence on meaning, a component the article names, and more
      than a passing mention: the finding is central there or illustrated by an example;
    - anything else that converges (in part, or through an ambiguous link, or in passing)
      -> 'partial agreement'.
    """
    for value, allowed in [
        (traceability, TRACEABILITY),
        (meaning, MEANING),
        (prominence, PROMINENCE),
        (example, ["yes", "no"]),
    ]:
        if value not in allowed:
            raise ValueError(f"{value!r} is not one of {allowed}")
    if traceability == "none" or meaning == "none":
        return "not traced"
    if meaning == "contrary":
        return "dissonance"
    substantial = prominence == "central" or example == "yes"
    if traceability == "named" and meaning == "same" and substantial:
        return "agreement"
    return "partial agreement"


def with_status(cells: pd.DataFrame) -> pd.DataFrame:
    """``cells`` with a ``status`` column derived by :func:`cell_status`."""
    status = [
        cell_status(r.traceability, r.meaning, r.prominence, r.example) for r in cells.itertuples()
    ]
    return cells.assign(status=status)


def component_grid(
    cells: pd.DataFrame, findings: list[str], colour: str = "status", title: str = ""
) -> alt.Chart:
    """Findings (rows) x components (columns), coloured by status or by traceability."""
    if colour == "status":
        field, domain, colours = "status", STATUSES, STATUS_COLOURS
        legend_title = "Status (derived by rule)"
    elif colour == "traceability":
        field, domain, colours = "traced", list(TRACE_LABELS.values()), TRACE_COLOURS
        legend_title = "How the article traces the finding"
    else:
        raise ValueError(f"colour must be 'status' or 'traceability', not {colour!r}")
    plot = with_status(cells).assign(
        component_label=lambda d: d["component"].map(AXIS_LABELS),
        component_name=lambda d: d["component"].map(COMPONENTS),
        traced=lambda d: d["traceability"].map(TRACE_LABELS),
        note=lambda d: d["prominence"].where(d["prominence"] != "none", ""),
        illustrated=lambda d: d["example"].map({"yes": "+ example", "no": ""}),
        claims=lambda d: d["claim_ids"].fillna("none").str.replace(";", ", "),
    )
    dark = alt.datum[field] == domain[0]
    base = alt.Chart(plot).encode(
        x=alt.X(
            "component_label:N",
            sort=list(AXIS_LABELS.values()),
            title="Component of the programme (Table 1 element group)",
            axis=alt.Axis(
                labelAngle=0, orient="bottom", labelExpr="split(datum.label, '|')", labelLimit=100
            ),
        ),
        y=alt.Y("finding:N", sort=findings, title=None, axis=alt.Axis(labelLimit=120)),
    )
    heat = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            f"{field}:N",
            scale=alt.Scale(domain=domain, range=colours),
            title=legend_title,
            legend=alt.Legend(orient="bottom", direction="horizontal", columns=2, titleLimit=400),
        ),
        tooltip=[
            alt.Tooltip("finding:N", title="Finding"),
            alt.Tooltip("component_name:N", title="Component"),
            alt.Tooltip("status:N", title="Status"),
            alt.Tooltip("traced:N", title="Traced"),
            alt.Tooltip("meaning:N", title="Meaning"),
            alt.Tooltip("prominence:N", title="Prominence"),
            alt.Tooltip("example:N", title="Example given"),
            alt.Tooltip("claims:N", title="Claims"),
        ],
    )
    text_colour = alt.condition(dark, alt.value("white"), alt.value(COLOURS["text"]))
    status = base.mark_text(dy=-10, fontSize=10).encode(text="status:N", color=text_colour)
    note = base.mark_text(dy=3, fontSize=9).encode(text="note:N", color=text_colour)
    example = base.mark_text(dy=14, fontSize=9).encode(text="illustrated:N", color=text_colour)
    return alt.layer(heat, status, note, example).properties(
        width=alt.Step(88), height=alt.Step(52), title=title
    )
