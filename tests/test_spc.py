"""nhsbook.spc: funnel-plot limits, over-dispersion and SPC rules on small known cases."""

import numpy as np
import pytest

from nhsbook import spc


def test_normal_quantiles():
    assert spc.z_two_sided(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert spc.z_two_sided(0.998) == pytest.approx(3.090232, abs=1e-6)
    with pytest.raises(ValueError):
        spc.z_two_sided(1.0)


def test_binomial_z():
    z = spc.binomial_z([0.6, 0.5], [100, 400], 0.5)
    assert z == pytest.approx([2.0, 0.0])


def test_winsorise_pulls_in_the_tails():
    values = np.arange(1, 11, dtype=float)  # 1..10
    w = spc.winsorise(values, 0.1)
    low, high = np.quantile(values, [0.1, 0.9])
    assert w.min() == pytest.approx(low) and w.max() == pytest.approx(high)
    assert np.array_equal(w[2:8], values[2:8])


def test_phi_is_mean_squared_winsorised_z():
    z = np.array([-1.0] * 10 + [1.0] * 9 + [100.0, 250.0])
    # 21 values: the 90th percentile is the 19th smallest (1.0), so both large values are
    # pulled in to 1.0 and phi is exactly 1

    assert spc.overdispersion_phi(z) == pytest.approx(1.0)


def test_tau_squared_zero_without_overdispersion_and_positive_with():
    n = np.array([100, 200, 400, 800])
    assert spc.tau_squared(n, 0.5, phi=0.5) == 0.0
    tau2 = spc.tau_squared(n, 0.5, phi=5.0)
    w = n / 0.25
    expected = (4 * 5.0 - 3) / (w.sum() - (w**2).sum() / w.sum())
    assert tau2 == pytest.approx(expected)


def test_funnel_limits_binomial_and_adjusted():
    lo, hi = spc.funnel_limits(0.5, [100], 2.0)
    assert (lo[0], hi[0]) == pytest.approx((0.4, 0.6))
    lo, hi = spc.funnel_limits(0.5, [100], 2.0, phi=4.0)
    assert (lo[0], hi[0]) == pytest.approx((0.3, 0.7))
    lo, hi = spc.funnel_limits(0.5, [1e12], 2.0, tau2=0.01)  # additive: floor of width 2 * 0.1
    assert (lo[0], hi[0]) == pytest.approx((0.3, 0.7))
    lo, hi = spc.funnel_limits(0.99, [10], 3.0)
    assert hi[0] == 1.0  # clipped


def test_laney_p_prime():
    numerator = np.array([50, 60, 55, 45, 50])
    denominator = np.full(5, 100)
    chart = spc.laney_p_prime(numerator, denominator)
    centre = numerator.sum() / denominator.sum()
    assert chart.centre.iloc[0] == pytest.approx(centre)
    sigma_p = np.sqrt(centre * (1 - centre) / 100)
    z = (numerator / 100 - centre) / sigma_p
    sigma_z = np.abs(np.diff(z)).mean() / 1.128
    assert chart.sigma_z.iloc[0] == pytest.approx(sigma_z)
    # with equal denominators p' limits are the XmR limits of the proportions
    mr = np.abs(np.diff(numerator / 100)).mean()
    assert chart.ucl.iloc[0] == pytest.approx(centre + 3 * mr / 1.128)
    assert chart.lcl.iloc[0] == pytest.approx(centre - 3 * mr / 1.128)
    with pytest.raises(ValueError):
        spc.laney_p_prime([1], [2])


def test_runs():
    values = [1, 1, 1, 1, 1, 1, 1, -1, 1, 1, 0, 1]
    out = spc.runs(values, 0, length=7)
    assert out.tolist() == [1] * 7 + [0] * 5
    assert spc.runs([-1] * 6, 0, length=7).tolist() == [0] * 6
    assert spc.runs([-1] * 8, 0, length=7).tolist() == [-1] * 8
    # a point on the centre line breaks a run
    assert spc.runs([1, 1, 1, 0, 1, 1, 1, 1], 0, length=7).tolist() == [0] * 8


def test_trends():
    rising = [1, 2, 3, 4, 5, 6, 7, 3]
    assert spc.trends(rising, length=7).tolist() == [1] * 7 + [0]
    assert spc.trends([1, 2, 3, 4, 5, 6], length=7).tolist() == [0] * 6
    falling = [9, 8, 7, 6, 5, 4, 3]
    assert spc.trends(falling, length=7).tolist() == [-1] * 7
    # an equal value breaks a trend
    assert spc.trends([1, 2, 3, 3, 4, 5, 6, 7], length=7).tolist() == [0] * 8


def test_beyond_limits_and_direction():
    beyond = spc.beyond_limits([0.1, 0.5, 0.9], 0.2, 0.8)
    assert beyond.tolist() == [-1, 0, 1]
    direction = spc.signal_direction([0, 0, -1, 0], [1, 1, 1, 0], [-1, 0, 0, 0])
    assert direction.tolist() == [1, 1, -1, 0]


def test_logit_random_effects_limits_on_a_small_synthetic_set():
    p0 = 0.8
    n = np.array([100.0, 400.0, 900.0, 1600.0])
    p = np.array([0.70, 0.85, 0.78, 0.83])
    z = spc.logit_z(p, n, p0)
    s = 1 / np.sqrt(n * p0 * (1 - p0))  # delta-method SE of a log-odds at p0
    logit = np.log(p / (1 - p)) - np.log(p0 / (1 - p0))
    assert z == pytest.approx(logit / s)
    phi = float(np.mean(z**2))  # no winsorising by hand: four points
    tau2 = spc.tau_squared(n, p0, phi, scale="logit")
    w = 1 / s**2
    expected_tau2 = (4 * phi - 3) / (w.sum() - (w**2).sum() / w.sum())
    assert tau2 == pytest.approx(expected_tau2)
    lo, hi = spc.logit_funnel_limits(p0, n, 2.0, tau2=tau2)
    half = 2.0 * np.sqrt(s**2 + tau2)
    centre = np.log(p0 / (1 - p0))
    assert lo == pytest.approx(1 / (1 + np.exp(-(centre - half))))
    assert hi == pytest.approx(1 / (1 + np.exp(-(centre + half))))
    # asymmetric on the proportion scale: the upper limit is nearer p0 than the lower
    assert (hi - p0 < p0 - lo).all()
    with pytest.raises(ValueError, match="scale"):
        spc.tau_squared(n, p0, phi, scale="probit")


def test_logit_and_proportion_scales_agree_near_one_half_with_small_tau():
    n = np.array([1e6])
    lo_p, hi_p = spc.funnel_limits(0.5, n, 2.0)
    lo_l, hi_l = spc.logit_funnel_limits(0.5, n, 2.0)
    assert (lo_l[0], hi_l[0]) == pytest.approx((lo_p[0], hi_p[0]), abs=1e-6)


def test_laney_baseline_fixes_centre_and_spread_on_the_first_points():
    numerator = np.array([50, 60, 55, 45, 50, 90])
    denominator = np.full(6, 100)
    chart = spc.laney_p_prime(numerator, denominator, baseline=5)
    first5 = spc.laney_p_prime(numerator[:5], denominator[:5])
    assert chart.centre.iloc[0] == pytest.approx(first5.centre.iloc[0])
    assert chart.ucl.iloc[-1] == pytest.approx(first5.ucl.iloc[0])
    assert chart.z.iloc[-1] > 3  # the monitored point is beyond the baseline limits
    with pytest.raises(ValueError, match="baseline"):
        spc.laney_p_prime(numerator, denominator, baseline=1)


def test_xmr_limits():
    values = np.array([1.0, 3.0, 2.0, 4.0, 3.0])
    chart = spc.xmr(values)
    sigma = np.mean([2, 1, 2, 1]) / 1.128
    assert chart.centre.iloc[0] == pytest.approx(2.6)
    assert chart.ucl.iloc[0] == pytest.approx(2.6 + 3 * sigma)
    assert chart.z.tolist() == pytest.approx(((values - 2.6) / sigma).tolist())


# The four Making Data Count rules, each on a series that triggers it and one that does
# not. ``z`` is the distance from the centre in sigma units.


def test_rule_beyond_limits():
    z = np.array([0.5, -3.2, 1.0, 3.1, 2.9])
    rules = spc.mdc_rules(z, z)
    assert rules.beyond.tolist() == [0, -1, 0, 1, 0]
    calm = np.array([0.5, -2.9, 1.0, 2.9])
    assert not spc.mdc_rules(calm, calm).beyond.any()


def test_rule_trend():
    rising = np.array([-1.0, -0.8, -0.5, -0.1, 0.2, 0.4, 0.9, 0.1])
    assert spc.mdc_rules(rising, rising).trend.tolist() == [1] * 7 + [0]
    six = np.array([-1.0, -0.8, -0.5, -0.1, 0.2, 0.4, 0.1])
    assert not spc.mdc_rules(six, six).trend.any()


def test_rule_two_in_three_beyond_two_sigma():
    z = np.array([0.0, 2.5, 0.3, 2.2, -0.4, 0.1])
    assert spc.two_in_three(z).tolist() == [0, 1, 0, 1, 0, 0]
    assert spc.mdc_rules(z, z).two_in_three.tolist() == [0, 1, 0, 1, 0, 0]
    below = np.array([-2.1, -2.6, -0.5])
    assert spc.two_in_three(below).tolist() == [-1, -1, 0]
    # not triggered: the middle point is on the other side, or the near points are apart
    assert not spc.two_in_three([2.5, -0.3, 2.2]).any()
    assert not spc.two_in_three([2.5, 0.3, 0.2, 2.2]).any()
    # near means between 2 and 3 sigma: a point beyond 3 sigma is the other rule's
    assert not spc.two_in_three([3.5, 2.5, 0.2]).any()


def test_rule_run_of_seven():
    z = np.array([0.2, 0.5, 0.1, 1.0, 0.3, 0.4, 0.6, -0.2])
    assert spc.mdc_rules(z, np.zeros(8) + z).run.tolist() == [1] * 7 + [0]
    z6 = np.array([0.2, 0.5, 0.1, 1.0, 0.3, 0.4, -0.6, 0.2])
    assert not spc.mdc_rules(z6, z6).run.any()


def test_signal_priority_follows_nhsrplotthedots():
    # a rising trend of 7 that ends below the centre: the trend (improvement) decides
    values = np.array([-3.5, -2.0, -1.5, -1.2, -1.0, -0.8, -0.5])
    rules = spc.mdc_rules(values, values)
    assert rules.beyond.tolist()[0] == -1
    assert rules.signal.tolist() == [-1, 1, 1, 1, 1, 1, 1]
    assert list(spc.MDC_RULES) == ["beyond", "trend", "two_in_three", "run"]


def test_stable_process_false_alarm_simulation_is_reproducible():
    first = spc.stable_signal_rates(36, baseline=12, monitor_from=12, simulations=400, seed=7)
    again = spc.stable_signal_rates(36, baseline=12, monitor_from=12, simulations=400, seed=7)
    assert first.equals(again)
    assert len(first) == 400
    rate = first.any_signal.mean()
    # a stable 24-month chart with a 12-month baseline signals often, but not always
    assert 0.3 < rate < 0.65
    assert first.any_low.mean() == pytest.approx(first.any_high.mean(), abs=0.08)
    whole = spc.stable_signal_rates(36, simulations=400, seed=7)
    assert whole.any_signal.mean() < rate  # limits fitted on the whole series signal less
