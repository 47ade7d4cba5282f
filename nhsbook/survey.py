"""Tables 2 and 3 of the paper as one tidy frame (used by the Goals and Intelligence chapters).

Only reshaping and arithmetic on the published summary statistics happen
here; every statistical test stays visible in the chapters.
"""

import numpy as np
import pandas as pd

from nhsbook.data import load

PERIODS = {"2007-2009": (2007, 2009), "2009-2011": (2009, 2011)}
OUTCOMES = ("improved", "no significant change", "worsened")


def item_changes() -> pd.DataFrame:
    """One row per item and period: reported change, change recomputed from the means,
    significance, change in units of the 2007 between-trust SD, and the same
    oriented so that a positive value is an improvement (``higher_is_better``).

    ``outcome`` reads the stars in that orientation: "improved" or "worsened" when
    the paired t test gave p < 0.05, "no significant change" otherwise.
    """
    items = load("survey_items")
    means = load("survey_means").pivot(index="item_id", columns="year", values="mean")
    changes = load("survey_changes").merge(items, on="item_id", validate="many_to_one")
    start = [
        means.at[i, PERIODS[p][0]] for i, p in zip(changes.item_id, changes.period, strict=True)
    ]
    end = [means.at[i, PERIODS[p][1]] for i, p in zip(changes.item_id, changes.period, strict=True)]
    changes["mean_start"], changes["mean_end"] = start, end
    changes["recomputed_change"] = (changes.mean_end - changes.mean_start).round(6)
    changes["standardised_change"] = changes.recomputed_change / changes.sd_2007
    sign = changes.higher_is_better.map({True: 1, False: -1})
    changes["oriented_standardised_change"] = sign * changes.standardised_change
    oriented = sign * np.sign(changes.reported_change)
    changes["outcome"] = np.select(
        [changes.significance == "not significant", oriented > 0, oriented < 0],
        ["no significant change", "improved", "worsened"],
        default="no significant change",
    )
    return changes.sort_values(["table", "table_row", "period"]).reset_index(drop=True)
