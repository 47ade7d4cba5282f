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
