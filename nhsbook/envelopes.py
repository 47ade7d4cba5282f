"""What a significance star says about unpublished trust-level data (Goals chapter).

A paired *t* test on ``n`` trusts gives ``t = Δ / (SD_diff / √n)``, where Δ is the
mean change and ``SD_diff`` the SD of the trust-level differences. A two-sided
significance level therefore bounds ``SD_diff``:

- ``p<0.01``: ``SD_diff < |Δ| √n / t_0.01``;
- ``p<0.05``: ``|Δ| √n / t_0.01 ≤ SD_diff < |Δ| √n / t_0.05``;
- ``not significant``: ``SD_diff ≥ |Δ| √n / t_0.05``.

With between-trust SDs ``s1`` (start) and ``s2`` (end), ``SD_diff² = s1² + s2² − 2 r s1 s2``,
so each bound on ``SD_diff`` is a bound on the year-to-year correlation ``r`` of trust
means. :func:`r_envelope` takes the union of those bounds over every printed value's
rounding interval and over a grid of ratios ``s1 / SD_2007`` and ``s2 / SD_2007``.
Only arithmetic lives here; the chapter shows the reasoning and the tests.
"""

import numpy as np
from scipy import integrate, stats

SIGNIFICANCE = ("p<0.01", "p<0.05", "not significant")


def t_critical(n, alpha: float):
    """Two-sided critical value of a paired t test on ``n`` pairs (``n − 1`` df)."""
    return stats.t.ppf(1 - alpha / 2, np.asarray(n) - 1)


def sd_diff_bounds(abs_change, n, significance):
    """Range ``[low, high)`` of ``SD_diff`` that gives ``significance`` for a change ``|Δ|``.

    ``high`` is ``inf`` for a change that is not significant.
    """
    abs_change, n = np.asarray(abs_change, float), np.asarray(n, float)
    significance = np.asarray(significance)
    unknown = set(np.unique(significance)) - set(SIGNIFICANCE)
    if unknown:
        raise ValueError(f"unknown significance {sorted(unknown)}; expected one of {SIGNIFICANCE}")
    at01 = abs_change * np.sqrt(n) / t_critical(n, 0.01)
    at05 = abs_change * np.sqrt(n) / t_critical(n, 0.05)
    low = np.select([significance == "p<0.01", significance == "p<0.05"], [0 * at01, at01], at05)
    high = np.select(
        [significance == "p<0.01", significance == "p<0.05"],
        [at01, at05],
        np.full_like(at05, np.inf),
    )
    return low, high


def r_from_sds(sd_diff, sd_start, sd_end):
    """Correlation implied by ``SD_diff`` and the two yearly SDs (not clipped to [−1, 1])."""
    sd_diff, sd_start, sd_end = (np.asarray(x, float) for x in (sd_diff, sd_start, sd_end))
    return (sd_start**2 + sd_end**2 - sd_diff**2) / (2 * sd_start * sd_end)


def r_envelope(
    change,
    n,
    significance,
    sd_2007,
    *,
    change_error=0.0,
    sd_error=0.0,
    start_ratios=(1.0,),
    end_ratios=(1.0,),
):
    """Smallest and largest ``r`` consistent with a printed change and its stars.

    The true change may be anywhere within ``change ± change_error`` (clipped at 0 in
    size), the true 2007 SD within ``sd_2007 ± sd_error``, and the start and end SDs
    are ``sd_2007`` times any ratio in ``start_ratios`` and ``end_ratios``. ``r``
    falls as ``|Δ|`` grows and rises with ``sd_2007``, so the ends of the two
    rounding intervals suffice; the ratios are searched on the grids given.
    Returns ``(low, high)`` clipped to [−1, 1]; ``high`` is NaN where no ``r`` in
    [−1, 1] fits (the star cannot arise with these SDs).
    """
    size = np.abs(np.asarray(change, float))
    n, significance = np.asarray(n, float), np.asarray(significance)
    sd_low, _ = sd_diff_bounds(np.clip(size - change_error, 0, None), n, significance)
    _, sd_high = sd_diff_bounds(size + change_error, n, significance)
    sigma = np.asarray(sd_2007, float)
    ratios = [(a, b) for a in start_ratios for b in end_ratios]
    with np.errstate(invalid="ignore"):  # inf - inf never arises; inf bounds give -inf
        high = np.max(
            [r_from_sds(sd_low, a * (sigma + sd_error), b * (sigma + sd_error)) for a, b in ratios],
            axis=0,
        )
        low = np.min(
            [
                r_from_sds(sd_high, a * (sigma - sd_error), b * (sigma - sd_error))
                for a, b in ratios
            ],
            axis=0,
        )
    high = np.where(high < -1, np.nan, np.clip(high, -1, 1))
    return np.clip(low, -1, 1), high


def shared_r(lows, highs):
    """Interval of one ``r`` inside every ``[low, high]``; ``(nan, nan)`` if there is none."""
    low, high = float(np.max(lows)), float(np.min(highs))
    return (low, high) if low <= high else (float("nan"), float("nan"))


def match_probability_independent_rounding() -> tuple[float, float]:
    """Chance that a separately rounded change equals the difference of rounded means.

    With the rounding errors ``e1``, ``e2`` of the two means independent and uniform
    on half a unit either side, the difference of rounded means equals the rounded
    difference exactly when ``|e1 − e2| < ½``; ``e1 − e2`` is triangular on (−1, 1),
    so the chance is ¾. Two periods of one item share the middle year's error; the
    chance that both match is ``∫ (1 − |x|)² dx`` over (−½, ½) = 7/12.
    Returns ``(one change, both changes of one item)``.
    """
    difference = stats.triang(c=0.5, loc=-1, scale=2)  # e1 - e2, in units of the last digit
    one = difference.cdf(0.5) - difference.cdf(-0.5)
    # Given the middle year's error x, each neighbour matches with chance 1 - |x|.
    both, _ = integrate.quad(lambda x: (1 - abs(x)) ** 2, -0.5, 0.5)
    return float(one), float(both)
