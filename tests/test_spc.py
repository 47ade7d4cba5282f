"""nhsbook.spc: funnel-plot limits, over-dispersion and SPC rules on small known cases."""

import numpy as np
import pandas as pd
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


# The rules read each series along the last axis, so stable_signal_rates applies them
# to all simulated charts at once. Below: the per-series loops the module used before
# (kept here as the reference), and checks that the vectorised code agrees with them.


def loop_mark_stretches(flags, length):
    out = np.zeros(len(flags), dtype=bool)
    start = None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start >= length:
                out[start:i] = True
            start = None
    return out


def loop_runs(values, centre, length=7):
    values = np.asarray(values, dtype=float)
    centre = np.broadcast_to(np.asarray(centre, dtype=float), values.shape)
    above = loop_mark_stretches(values > centre, length)
    below = loop_mark_stretches(values < centre, length)
    return above.astype(int) - below.astype(int)


def loop_trends(values, length=7):
    values = np.asarray(values, dtype=float)
    out = np.zeros(len(values), dtype=int)
    for sign in (1, -1):
        step = np.sign(np.diff(values)) == sign
        in_trend = np.zeros(len(values), dtype=bool)
        marked = loop_mark_stretches(step, length - 1)
        in_trend[:-1] |= marked
        in_trend[1:] |= marked
        out[in_trend] = sign
    return out


def loop_two_in_three(z, near=2.0, limit=3.0):
    z = np.asarray(z, dtype=float)
    near_flag = (np.abs(z) > near) & (np.abs(z) <= limit)
    side = np.sign(z).astype(int)
    out = np.zeros(len(z), dtype=int)
    for start in range(len(z) - 2):
        window = slice(start, start + 3)
        if abs(side[window].sum()) == 3 and near_flag[window].sum() >= 2:
            out[np.where(near_flag[window])[0] + start] = side[start]
    return out


def loop_signal_direction(*rules):
    out = np.zeros(len(rules[0]), dtype=int)
    for rule in reversed(rules):
        rule = np.asarray(rule, dtype=int)
        out = np.where(rule != 0, rule, out)
    return out


def loop_rule_outputs(values, z, length=7):
    z = np.asarray(z, dtype=float)
    return {
        "beyond": spc.beyond_limits(z, -3.0, 3.0),
        "trend": loop_trends(values, length=length),
        "two_in_three": loop_two_in_three(z),
        "run": loop_runs(z, 0.0, length=length),
    }


def loop_stable_signal_rates(length, baseline, monitor_from, simulations, seed, rules, direction):
    """stable_signal_rates as a plain loop over the simulated series, one chart at a time."""
    rows = []
    for series in np.random.default_rng(seed).standard_normal((simulations, length)):
        base = series[spc._baseline_mask(length, baseline)]
        z = (series - base.mean()) / (np.mean(np.abs(np.diff(base))) / spc.D2)
        signal = direction(*rules(series, z).values())[monitor_from:]
        rows.append(
            (
                bool((signal != 0).any()),
                bool((signal < 0).any()),
                bool((signal > 0).any()),
                int((signal != 0).sum()),
                int((signal < 0).sum()),
            )
        )
    columns = ["any_signal", "any_low", "any_high", "signal_points", "low_points"]
    return pd.DataFrame(rows, columns=columns)


def awkward_series(rng, count):
    """Series of 0 to 30 points with ties, exact zeros and points at exactly 2 and 3 sigma."""
    for _ in range(count):
        size = int(rng.integers(0, 31))
        kind = rng.integers(3)
        if kind == 0:
            yield rng.standard_normal(size) * 2
        elif kind == 1:
            yield rng.integers(-2, 3, size).astype(float)  # many ties and zeros
        else:
            yield rng.choice([-3.5, -3.0, -2.5, -2.0, -0.5, 0.0, 0.5, 2.0, 2.5, 3.0, 3.5], size)


def test_rules_agree_with_the_per_series_loops():
    rng = np.random.default_rng(11)
    for values in awkward_series(rng, 600):
        for length in (1, 2, 3, 6, 7, 8):
            flags = values > 0
            assert spc._mark_stretches(flags, length).tolist() == (
                loop_mark_stretches(flags, length).tolist()
            )
            assert spc.runs(values, 0.5, length).tolist() == loop_runs(values, 0.5, length).tolist()
            assert spc.trends(values, length).tolist() == loop_trends(values, length).tolist()
        assert spc.two_in_three(values).tolist() == loop_two_in_three(values).tolist()
        if len(values):
            rules = [spc.beyond_limits(values, -3, 3), loop_trends(values), loop_runs(values, 0)]
            assert spc.signal_direction(*rules).tolist() == loop_signal_direction(*rules).tolist()


@pytest.mark.parametrize("size", [0, 2, 3, 12, 36])
def test_rules_on_a_2d_array_are_the_rules_row_by_row(size):
    rng = np.random.default_rng(size)
    values = np.vstack(
        [rng.integers(-3, 4, (20, size)).astype(float), rng.standard_normal((20, size)) * 2.5]
    )
    z = values / 1.5
    rows = [spc._rule_outputs(v, w) for v, w in zip(values, z, strict=True)]
    together = spc._rule_outputs(values, z)
    for rule, out in together.items():
        assert out.shape == values.shape and out.dtype == rows[0][rule].dtype
        np.testing.assert_array_equal(out, np.array([row[rule] for row in rows]).reshape(out.shape))
    signal = spc.signal_direction(*together.values())
    np.testing.assert_array_equal(
        signal,
        np.array([spc.signal_direction(*row.values()) for row in rows]).reshape(signal.shape),
    )


@pytest.mark.parametrize(
    ("length", "baseline", "monitor_from"),
    [(36, 12, 12), (36, None, 12), (36, None, 0), (20, 8, 5)],
)
@pytest.mark.parametrize(
    ("rules", "direction"),
    [(spc._rule_outputs, spc.signal_direction), (loop_rule_outputs, loop_signal_direction)],
    ids=["module rules", "original loops"],
)
def test_vectorised_stable_simulation_equals_a_loop_over_series(
    length, baseline, monitor_from, rules, direction
):
    vectorised = spc.stable_signal_rates(length, baseline, monitor_from, simulations=300, seed=3)
    looped = loop_stable_signal_rates(length, baseline, monitor_from, 300, 3, rules, direction)
    pd.testing.assert_frame_equal(vectorised, looped, check_exact=True)
    assert vectorised.signal_points.sum() > 0  # the rules fired at all
