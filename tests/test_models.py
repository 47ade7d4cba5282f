"""nhsbook.models on small synthetic data with known answers.

- the hybrid (Mundlak) model recovers known between- and within-group slopes;
- quasi-Poisson intervals are the Poisson ones widened by the Pearson dispersion;
- negative-binomial intervals recover a known rate ratio and are wider than Poisson's;
- the deviation noise variance and the design effect match their closed forms.
"""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from nhsbook.models import (
    design_effect,
    deviation_noise_variance,
    effective_n,
    rate_ratio,
    within_between,
)


def synthetic_panel(between=-0.3, within=0.05, groups=300, years=6, seed=1):
    """Groups whose mean x moves y by ``between`` and whose yearly deviations by ``within``."""
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(groups):
        level = rng.normal(0, 1)
        for t in range(years):
            deviation = rng.normal(0, 0.5)
            rows.append({"group": g, "year": 2000 + t, "level": level, "deviation": deviation})
    panel = pd.DataFrame(rows)
    panel["deviation"] -= panel.groupby("group").deviation.transform("mean")
    panel["x"] = panel.level + panel.deviation
    year_effect = 0.1 * (panel.year - 2000)
    panel["y"] = (
        between * panel.level
        + within * panel.deviation
        + year_effect
        + rng.normal(0, 0.05, len(panel))
    )
    return panel


def test_within_between_splits_into_group_means_and_deviations():
    frame = pd.DataFrame({"g": ["a", "a", "b", "b", "b"], "x": [1.0, 3.0, 0.0, 3.0, 6.0]})
    out = within_between(frame, "x", "g")
    assert out.x_mean.tolist() == [2.0, 2.0, 3.0, 3.0, 3.0]
    assert out.x_dev.tolist() == [-1.0, 1.0, -3.0, 0.0, 3.0]
    assert (out.x_mean + out.x_dev).equals(frame.x)


def test_within_between_rejects_missing_values():
    with pytest.raises(ValueError, match="missing"):
        within_between(pd.DataFrame({"g": ["a", None], "x": [1.0, 2.0]}), "x", "g")


def test_hybrid_model_recovers_known_between_and_within_slopes():
    panel = within_between(synthetic_panel(between=-0.3, within=0.05), "x", "group")
    fit = smf.ols("y ~ x_mean + x_dev + C(year)", data=panel).fit(
        cov_type="cluster", cov_kwds={"groups": panel.group}
    )
    assert fit.params["x_mean"] == pytest.approx(-0.3, abs=0.01)
    assert fit.params["x_dev"] == pytest.approx(0.05, abs=0.01)
    ci = fit.conf_int()
    assert ci.loc["x_mean", 0] < -0.3 < ci.loc["x_mean", 1]
    assert ci.loc["x_dev", 0] < 0.05 < ci.loc["x_dev", 1]
    # the pooled slope blends the two and matches neither
    pooled = smf.ols("y ~ x + C(year)", data=panel).fit().params["x"]
    assert -0.3 + 0.02 < pooled < 0.05 - 0.02


def test_deviation_noise_variance_matches_simulation():
    groups = pd.Series(["a"] * 3 + ["b"] * 5)
    noise_var = pd.Series([1.0, 2.0, 3.0, 0.5, 0.5, 0.5, 0.5, 4.0])
    # group a, first row: 1 * (1 - 2/3) + 6 / 9
    assert deviation_noise_variance(noise_var, groups).iloc[0] == pytest.approx(1 / 3 + 6 / 9)
    rng = np.random.default_rng(0)
    draws = rng.normal(0, np.sqrt(noise_var.to_numpy()), size=(40_000, len(noise_var)))
    frame = pd.DataFrame(draws.T).assign(g=groups.to_numpy())
    deviations = frame.drop(columns="g") - frame.groupby("g").transform("mean")
    simulated = deviations.var(axis=1)
    np.testing.assert_allclose(simulated, deviation_noise_variance(noise_var, groups), rtol=0.03)


def test_quasi_poisson_interval_is_poisson_widened_by_pearson_dispersion():
    counts = pd.DataFrame({"count": [30, 45, 20, 28, 12, 15], "period": range(6)})
    poisson = smf.glm("count ~ period", counts, family=sm.families.Poisson()).fit()
    quasi = smf.glm("count ~ period", counts, family=sm.families.Poisson()).fit(scale="X2")
    mu = poisson.fittedvalues
    phi = float((((counts["count"] - mu) ** 2) / mu).sum() / (len(counts) - 2))
    assert phi > 1
    rr_p, rr_q = rate_ratio(poisson, "period"), rate_ratio(quasi, "period")
    assert rr_q["rate_ratio"] == pytest.approx(rr_p["rate_ratio"])
    half_p = np.log(rr_p["high"] / rr_p["low"]) / 2
    half_q = np.log(rr_q["high"] / rr_q["low"]) / 2
    assert half_q == pytest.approx(np.sqrt(phi) * half_p, rel=1e-6)
    # the Poisson half-width is 1.96 standard errors of the log rate ratio
    assert half_p == pytest.approx(1.959964 * poisson.bse["period"], rel=1e-5)


def test_negative_binomial_interval_recovers_known_rate_ratio():
    rng = np.random.default_rng(7)
    period = np.repeat(np.arange(4), 400)
    mean = 20 * 0.7**period
    alpha = 0.5  # variance = mean + alpha * mean²
    counts = rng.negative_binomial(1 / alpha, 1 / (1 + alpha * mean))
    frame = pd.DataFrame({"count": counts, "period": period})
    nb = smf.negativebinomial("count ~ period", frame).fit(disp=0)
    poisson = smf.glm("count ~ period", frame, family=sm.families.Poisson()).fit()
    rr_nb, rr_p = rate_ratio(nb, "period"), rate_ratio(poisson, "period")
    assert rr_nb["low"] < 0.7 < rr_nb["high"]
    assert nb.params["alpha"] == pytest.approx(alpha, rel=0.15)
    assert rr_nb["high"] / rr_nb["low"] > rr_p["high"] / rr_p["low"]


def test_rate_ratio_of_a_flat_series_is_one():
    frame = pd.DataFrame({"count": [50, 52, 50], "period": [0, 1, 2]})
    fit = smf.glm("count ~ period", frame, family=sm.families.Poisson()).fit()
    rr = rate_ratio(fit, "period")
    assert rr["rate_ratio"] == pytest.approx(1)
    assert rr["low"] < 1 < rr["high"]


def test_design_effect_and_effective_n():
    assert design_effect(1, 0.5) == 1
    assert design_effect(11, 0.1) == pytest.approx(2)
    assert effective_n(621, 51, 0) == 621
    assert effective_n(144, 72, 1) == pytest.approx(72)  # ICC 1: one unit per cluster
    with pytest.raises(ValueError, match="icc"):
        design_effect(2, 1.5)
