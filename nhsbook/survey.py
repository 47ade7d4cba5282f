"""Tables 2 and 3 of the paper as one tidy frame (used by the Goals and Intelligence chapters).

Only reshaping and arithmetic on the published summary statistics happen
here, plus the Goals chapter's SIMULATION of trust panels with the published
means (:func:`correlated_panels`); every statistical test stays visible in the
chapters.
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


def correlated_panels(target_means: pd.Series, sd: float, n: int, r, seed: int) -> dict:
    """SIMULATION: ``n`` trusts' means in each year, for every correlation in ``r`` at once.

    ``target_means`` holds the published mean of each year (index: year). For each
    ``r`` (a sequence of values from 0 to 1), every year is drawn from a normal
    distribution with SD ``sd`` and every pair of years has correlation ``r``; each
    year is then shifted so that its mean equals the published mean exactly.
    Returns ``{year: array}`` with one row per ``r`` and one column per trust.

    A generator seeded afresh from ``seed`` draws what a trust carries from survey
    to survey, then one vector per year in the order of ``target_means``. Every ``r``
    uses the same draws, so row ``k`` is exactly (bit for bit) what ``r=[r[k]]``
    returns, and results vary smoothly with ``r``.
    """
    r = np.asarray(r, dtype=float)
    if r.ndim != 1 or ((r < 0) | (r > 1)).any():
        raise ValueError(f"r must be a sequence of correlations from 0 to 1, got {r}")
    rng = np.random.default_rng(seed)
    shared = rng.standard_normal(n)
    panels = {}
    for year, target in target_means.items():
        own = rng.standard_normal(n)
        values = target + sd * (np.sqrt(r)[:, None] * shared + np.sqrt(1 - r)[:, None] * own)
        # Means along the last axis, row by row: the same sums as for a single r.
        panels[year] = values - values.mean(axis=1, keepdims=True) + target
    return panels
