"""What the Goals chapter assumes about the data (its quotations: tests/test_quotes.py).

The chapter adds no data resource: it uses survey_items, survey_means,
survey_changes and reported_counts. These tests pin down the facts it relies on:

- the counts it quotes ("over 300" interviewed, 621 teams, 34 boards) and the
  trust numbers of Tables 2-3 agree between resources;
- every printed change has the same precision as the means, so the chapter's
  rounding allowance (one unit of the last printed digit for a change that is a
  difference of rounded means, half a unit for the SD) is well defined;
- the chapter's algebra (a star bounds the SD of trust-level differences) is right:
  an SD inside each derived interval gives back the printed stars;
- the book's coding of higher_is_better is labelled as the book's.
"""

import re

import numpy as np
from conftest import read_records
from scipy import stats

from nhsbook import data
from nhsbook.paths import DATA


def _counts() -> dict[str, tuple[int, str]]:
    frame = data.load("reported_counts")
    return {r.count_id: (int(r.value), r.qualifier) for r in frame.itertuples()}


def _raw(name: str) -> list[dict[str, str]]:
    return read_records(DATA, name)


def _decimals(text: str) -> int:
    match = re.search(r"\.(\d+)", text)
    return len(match.group(1)) if match else 0


# --------------------------------------------------------------------------- counts


def test_quoted_counts():
    counts = _counts()
    assert counts["interviews_total"] == (300, "over")
    assert counts["team_survey_teams"][0] == 621
    assert counts["board_survey_boards"][0] == 34
    assert counts["board_survey_individuals"][0] == 306


def test_trust_numbers_agree_between_resources():
    counts = _counts()
    items = data.load("survey_items")
    by_survey = items.groupby("survey").n_trusts.unique()
    assert list(by_survey["staff"]) == [counts["staff_survey_trusts"][0]]
    assert list(by_survey["inpatient"]) == [counts["inpatient_survey_trusts"][0]]


def test_table2_is_three_staff_items_on_the_1_to_5_scale():
    items = data.load("survey_items")
    table2 = items[items.table == 2]
    assert list(table2.item_id) == ["adequate_materials", "enough_staff", "no_time"]
    assert set(table2.survey) == {"staff"}
    assert set(zip(table2.scale_min, table2.scale_max, strict=True)) == {(1, 5)}


# --------------------------------------------------------------------------- precision


def test_printed_changes_have_the_precision_of_the_means():
    """The rounding allowance is one unit of the last printed digit of the change."""
    means = {}
    for row in _raw("survey_means"):
        means.setdefault(row["item_id"], set()).add(_decimals(row["mean"]))
    for row in _raw("survey_changes"):
        places = _decimals(row["as_printed"])
        assert places == _decimals(row["reported_change"]), row
        assert means[row["item_id"]] == {places}, row
        assert places in (0, 2), row  # two decimals, or whole percentage points


def test_significance_levels_are_the_three_the_chapter_handles():
    assert set(data.load("survey_changes").significance) == {
        "p<0.01",
        "p<0.05",
        "not significant",
    }


# --------------------------------------------------------------------------- the algebra


def test_sd_diff_interval_gives_back_the_printed_stars():
    """An SD of differences inside the chapter's interval reproduces the printed result."""
    changes = data.load("survey_changes").merge(data.load("survey_items"), on="item_id")
    for row in changes.itertuples():
        n, delta = row.n_trusts, abs(row.reported_change)
        t01 = stats.t.ppf(1 - 0.01 / 2, n - 1)
        t05 = stats.t.ppf(1 - 0.05 / 2, n - 1)
        edges = {
            "p<0.01": (0.0, delta * np.sqrt(n) / t01),
            "p<0.05": (delta * np.sqrt(n) / t01, delta * np.sqrt(n) / t05),
            "not significant": (delta * np.sqrt(n) / t05, 10 * delta * np.sqrt(n) / t05 + 1),
        }[row.significance]
        sd_diff = float(np.mean(edges))
        p = 2 * stats.t.sf(delta / (sd_diff / np.sqrt(n)), n - 1)
        expected = {
            "p<0.01": p < 0.01,
            "p<0.05": 0.01 <= p < 0.05,
            "not significant": p >= 0.05,
        }
        assert expected[row.significance], (row.item_id, row.period, p)


def test_higher_is_better_is_labelled_as_the_books_coding():
    field = next(
        f
        for f in data.resource("survey_items")["schema"]["fields"]
        if f["name"] == "higher_is_better"
    )
    assert "book's coding" in field["description"]
    coded = data.load("survey_items").set_index("item_id").higher_is_better
    assert not coded["no_time"] and not coded["blames_punishes"]
    assert coded.drop(["no_time", "blames_punishes"]).all()


# --------------------------------------------------------------------------- quotations
