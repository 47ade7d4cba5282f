"""nhsbook.envelopes: what a significance star says about r, on hand-worked cases."""

import numpy as np
import pytest

from nhsbook import envelopes


def test_critical_values_on_308_df():
    assert envelopes.t_critical(309, 0.01) == pytest.approx(2.5919, abs=1e-4)
    assert envelopes.t_critical(309, 0.05) == pytest.approx(1.9677, abs=1e-4)


def test_sd_diff_bounds_by_significance():
    low, high = envelopes.sd_diff_bounds(
        [0.02, 0.02, 0.02], [309] * 3, ["p<0.01", "p<0.05", "not significant"]
    )
    at01, at05 = 0.02 * np.sqrt(309) / 2.5919, 0.02 * np.sqrt(309) / 1.9677
    assert low == pytest.approx([0, at01, at05], abs=1e-5)
    assert high[:2] == pytest.approx([at01, at05], abs=1e-5)
    assert np.isinf(high[2])
    with pytest.raises(ValueError, match="unknown significance"):
        envelopes.sd_diff_bounds([0.1], [10], ["p<0.001"])


def test_r_from_sds_reduces_to_equal_sd_formula():
    # Equal SDs: r = 1 - SD_diff^2 / (2 sigma^2).
    assert envelopes.r_from_sds(0.1, 0.2, 0.2) == pytest.approx(1 - 0.01 / 0.08)
    # Unequal SDs: SD_diff^2 = s1^2 + s2^2 - 2 r s1 s2 with r = 0.5.
    s1, s2, r = 0.2, 0.25, 0.5
    assert envelopes.r_from_sds(np.sqrt(s1**2 + s2**2 - 2 * r * s1 * s2), s1, s2) == pytest.approx(
        r
    )


def test_plus_minus_one_unit_envelope_adequate_materials_2009_2011():
    """Adequate materials 2009-2011: printed +0.02*, n = 309, SD(2007) printed 0.18.

    By hand, with t_0.01 = 2.5919, t_0.05 = 1.9677 on 308 df and √309 = 17.578:

    Face value (Δ = 0.02, σ = 0.18):
      SD_diff from 0.02·17.578/2.5919 = 0.13564 to 0.02·17.578/1.9677 = 0.17867;
      r from 1 − 0.17867²/(2·0.18²) = 1 − 0.031923/0.0648 = 0.5074
        to   1 − 0.13564²/(2·0.18²) = 1 − 0.018399/0.0648 = 0.7161.

    ±1 unit on the change (Δ in [0.01, 0.03]), ±½ unit on the SD (σ in [0.175, 0.185]):
      smallest SD_diff 0.01·17.578/2.5919 = 0.06782 with the largest σ:
        r_high = 1 − 0.06782²/(2·0.185²) = 1 − 0.0045997/0.06845 = 0.9328;
      largest SD_diff 0.03·17.578/1.9677 = 0.26800 with the smallest σ:
        r_low = 1 − 0.26800²/(2·0.175²) = 1 − 0.071827/0.06125 = −0.1727.
    """
    face = envelopes.r_envelope(0.02, 309, "p<0.05", 0.18)
    assert face[0] == pytest.approx(0.5074, abs=5e-4)
    assert face[1] == pytest.approx(0.7161, abs=5e-4)
    wide = envelopes.r_envelope(0.02, 309, "p<0.05", 0.18, change_error=0.01, sd_error=0.005)
    assert wide[0] == pytest.approx(-0.1727, abs=5e-4)
    assert wide[1] == pytest.approx(0.9328, abs=5e-4)


def test_sd_ratios_only_widen_the_envelope():
    base = envelopes.r_envelope(0.01, 309, "p<0.05", 0.11, change_error=0.01, sd_error=0.005)
    ratios = np.geomspace(0.8, 1.25, 9)
    wide = envelopes.r_envelope(
        0.01,
        309,
        "p<0.05",
        0.11,
        change_error=0.01,
        sd_error=0.005,
        start_ratios=ratios,
        end_ratios=ratios,
    )
    assert wide[0] <= base[0] and wide[1] >= base[1]


def test_unequal_sds_by_hand():
    """Not significant, Δ = 0.05, n = 10, σ1 = 0.1, σ2 = 0.125 (ratio 1.25).

    t_0.05 on 9 df = 2.2622, so SD_diff ≥ 0.05·√10/2.2622 = 0.069893 and
    r ≤ (0.01 + 0.015625 − 0.0048850)/(2·0.1·0.125) = 0.020740/0.025 = 0.8296.
    """
    low, high = envelopes.r_envelope(
        0.05, 10, "not significant", 0.1, start_ratios=[1.0], end_ratios=[1.25]
    )
    assert low == -1
    assert high == pytest.approx(0.8296, abs=5e-4)


def test_impossible_star_gives_nan():
    # A huge SD_diff is needed for a tiny |t|, more than two SDs apart can give.
    low, high = envelopes.r_envelope(1.0, 100, "not significant", 0.01)
    assert low == -1 and np.isnan(high)


def test_shared_r_is_the_intersection():
    assert envelopes.shared_r([0.1, 0.3, -1], [0.9, 0.8, 1]) == (0.3, 0.8)
    assert all(np.isnan(envelopes.shared_r([0.5, -1], [1, 0.4])))


def test_rounding_match_probabilities_agree_with_simulated_rounding():
    """Round three random means and their two differences to 0.01 and count matches.

    Exact: ¾ per change (|e1 − e2| < ½ for a triangular e1 − e2), 7/12 for both
    changes of one item, so ¾¹⁸ ≈ 0.56 % and (7/12)⁹ ≈ 0.78 % for all 18.
    """
    one, both = envelopes.match_probability_independent_rounding()
    assert one == pytest.approx(0.75)
    assert both == pytest.approx(7 / 12)
    assert one**18 == pytest.approx(0.00564, abs=1e-5)
    assert both**9 == pytest.approx(0.00783, abs=1e-5)

    rng = np.random.default_rng(1)
    true = rng.uniform(2, 4, size=(200_000, 3))  # three survey years, true means
    printed = np.round(true, 2)
    changes_rounded = np.round(np.diff(true, axis=1), 2)
    match = np.isclose(changes_rounded, np.diff(printed, axis=1))
    assert match.mean() == pytest.approx(0.75, abs=0.005)
    assert match.all(axis=1).mean() == pytest.approx(7 / 12, abs=0.005)
