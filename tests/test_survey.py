"""nhsbook.survey: the tidy Tables 2-3 frame, the stars read as outcomes, and the
simulated trust panels of the Goals chapter."""

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats

from nhsbook.survey import OUTCOMES, correlated_panels, item_changes


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


TARGET = pd.Series({2007: 3.40, 2009: 3.52, 2011: 3.54})  # published means, as in Table 2


def one_r_panel(target, sd, n, r, seed):
    """The Goals chapter's original one-r simulation, written with pandas."""
    rng = np.random.default_rng(seed)
    shared = rng.standard_normal(n)
    panel = pd.DataFrame(
        {
            year: target[year]
            + sd * (np.sqrt(r) * shared + np.sqrt(1 - r) * rng.standard_normal(n))
            for year in target.index
        }
    )
    return panel - panel.mean() + target


@pytest.mark.parametrize("n", [5, 150, 309])
def test_panels_for_many_r_are_the_one_r_panels_bit_for_bit(n):
    r_grid = np.round(np.arange(0, 0.951, 0.05), 2)
    panels = correlated_panels(TARGET, 0.3, n, r_grid, seed=2014)
    assert list(panels) == [2007, 2009, 2011]
    for k, r in enumerate(r_grid):
        reference = one_r_panel(TARGET, 0.3, n, r, seed=2014)
        single = correlated_panels(TARGET, 0.3, n, [r], seed=2014)
        for year in TARGET.index:
            assert panels[year].shape == (len(r_grid), n)
            np.testing.assert_array_equal(panels[year][k], reference[year].to_numpy())
            np.testing.assert_array_equal(single[year][0], panels[year][k])
            assert panels[year][k].mean() == pytest.approx(TARGET[year], abs=1e-12)


def test_panels_have_the_assumed_sd_and_correlation():
    panels = correlated_panels(TARGET, 0.3, 20_000, [0.0, 0.6], seed=1)
    for k, r in enumerate([0.0, 0.6]):
        assert np.corrcoef(panels[2007][k], panels[2011][k])[0, 1] == pytest.approx(r, abs=0.02)
        assert panels[2009][k].std() == pytest.approx(0.3, rel=0.02)


@pytest.mark.parametrize("bad_r", [[-0.1], [1.2], 0.5])
def test_panels_need_a_sequence_of_correlations(bad_r):
    with pytest.raises(ValueError):
        correlated_panels(TARGET, 0.3, 10, bad_r, seed=1)


@pytest.mark.parametrize(("n", "seed"), [(30, 7), (309, 2014)])
def test_one_vectorised_paired_t_test_per_period_gives_pingouins(n, seed):
    """The Goals chapter's sweep: scipy's ttest_rel along the trusts of all r at once."""
    r_grid = np.array([0.0, 0.35, 0.8, 0.95])
    panels = correlated_panels(TARGET, 0.3, n, r_grid, seed=seed)
    for start, end in [(2007, 2009), (2009, 2011)]:
        result = stats.ttest_rel(panels[end], panels[start], axis=1)
        for k, r in enumerate(r_grid):
            panel = one_r_panel(TARGET, 0.3, n, r, seed=seed)
            expected = pg.ttest(panel[end], panel[start], paired=True).iloc[0]
            assert result.statistic[k] == pytest.approx(expected["T"], rel=1e-12)
            assert result.pvalue[k] == pytest.approx(expected["p_val"], rel=1e-12, abs=0)
            assert result.df[k] == expected["dof"]
