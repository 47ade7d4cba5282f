"""nhsbook.survey: the tidy Tables 2-3 frame and the stars read as outcomes."""

import pandas as pd

from nhsbook.survey import OUTCOMES, item_changes


def test_every_printed_change_is_the_difference_of_the_printed_means():
    changes = item_changes()
    assert len(changes) == 18
    assert (changes.reported_change - changes.recomputed_change).abs().max() < 1e-9


def test_stars_breakdown_by_period():
    """2007-09: all nine improved (all **). 2009-11, oriented by the book's coding:

    improved with a star: adequate materials +0.02*, encouraged to report +0.01*,
    confidential +0.03**, takes action +0.03**, ward clean +0.03** (five);
    worse with a star: enough staff -0.06**, doctors cleaned hands -2* (two);
    no star: no time -0.01, blames or punishes +0.01 (two).
    """
    changes = item_changes()
    counts = pd.crosstab(changes.period, changes.outcome).reindex(columns=OUTCOMES, fill_value=0)
    assert counts.loc["2007-2009"].tolist() == [9, 0, 0]
    assert counts.loc["2009-2011"].tolist() == [5, 2, 2]
    later = changes[changes.period == "2009-2011"].set_index("item_id").outcome
    assert set(later[later == "worsened"].index) == {"enough_staff", "doctors_clean_hands"}
    assert set(later[later == "no significant change"].index) == {"no_time", "blames_punishes"}


def test_every_item_changed_less_in_the_second_period():
    oriented = item_changes().pivot(
        index="item_id", columns="period", values="oriented_standardised_change"
    )
    assert (oriented["2009-2011"] < oriented["2007-2009"]).all()
