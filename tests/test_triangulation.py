"""The component triangulation's rule (nhsbook.triangulation) on constructed cells."""

import pandas as pd
import pytest

import nhsbook
from nhsbook.triangulation import COMPONENTS, cell_status, component_grid, with_status


@pytest.mark.parametrize(
    ("traceability", "meaning", "prominence", "example", "status"),
    [
        # nothing traced: the article's silence, whatever else is coded
        ("none", "none", "none", "no", "not traced"),
        # a named component that converges, centrally or with an example
        ("named", "same", "central", "no", "agreement"),
        ("named", "same", "secondary", "yes", "agreement"),
        # one passing mention with no example (a slogan) cannot make agreement
        ("named", "same", "passing", "no", "partial agreement"),
        ("named", "same", "secondary", "no", "partial agreement"),
        # convergence on part of the meaning is partial, however prominent
        ("named", "partly", "central", "yes", "partial agreement"),
        # an ambiguous link (several components used the method) caps at partial
        ("ambiguous", "same", "central", "yes", "partial agreement"),
        # evidence pointing the other way is dissonance, even if ambiguous or passing
        ("named", "contrary", "central", "yes", "dissonance"),
        ("ambiguous", "contrary", "passing", "no", "dissonance"),
    ],
)
def test_cell_status_rule(traceability, meaning, prominence, example, status):
    assert cell_status(traceability, meaning, prominence, example) == status


def test_unknown_codes_fail():
    with pytest.raises(ValueError, match="'strong' is not one of"):
        cell_status("named", "strong", "central", "yes")


def test_with_status_and_grid_on_a_constructed_grid():
    cells = pd.DataFrame(
        {
            "finding": ["goals", "goals", "culture"],
            "component": [1, 2, 1],
            "traceability": ["named", "none", "ambiguous"],
            "meaning": ["same", "none", "same"],
            "prominence": ["central", "none", "passing"],
            "example": ["no", "no", "yes"],
            "claim_ids": ["DW02", None, "DW40"],
        }
    )
    assert with_status(cells)["status"].tolist() == [
        "agreement",
        "not traced",
        "partial agreement",
    ]
    spec = component_grid(cells, ["goals", "culture"], colour="traceability").to_dict()
    assert spec["layer"][0]["encoding"]["color"]["field"] == "traced"
    with pytest.raises(ValueError, match="colour must be"):
        component_grid(cells, ["goals"], colour="size")


def test_components_are_the_table_1_element_groups():
    groups = set(nhsbook.load("study_elements")["element_group"])
    assert set(COMPONENTS) == groups
